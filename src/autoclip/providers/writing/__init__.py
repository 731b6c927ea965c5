"""Script writers: the `ScriptWriter` contract, the offline writer, and a writer over any
language model."""
