"""Narrators: the `Narrator` contract, local voices (Piper, eSpeak NG) and cloud ones
(ElevenLabs, OpenAI speech), and the word timings and WAV tracks they produce."""
