"""Providers: who does a capability's work, offline or in the cloud, one module per backend.

    text/        TextModel: a prompt in, text or JSON out (gemini, openai)
    writing/     ScriptWriter, WriterName: offline, and a writer over each text model
    narration/   Narrator, NarratorName: piper, espeak, elevenlabs, openai
    visuals/     VisualSource, VisualName: cards, library, gemini, pexels
    cloud/       what the cloud backends share: HTTP with retries and a circuit breaker,
                 errors sorted by what to do next, usage and budgets
    chain.py     fallback chains: names parsed once into enum lists, tried in turn
    config.py    the settings groups per cloud provider (AUTOCLIP_GEMINI__MODEL, ...)

Each capability has the Protocol and its enum of names in `base.py`, and a `registry.py`
that builds a backend by name from the settings. A new backend is a module beside the
others, a member of the enum and an entry in the registry (and, for a cloud one, a group
in `config.py` for its key and base URL).
"""
