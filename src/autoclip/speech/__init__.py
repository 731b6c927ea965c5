"""Text for speech: what a narrator says for what is written, and back from spoken words'
timings to the written words captions show (`reading`)."""
