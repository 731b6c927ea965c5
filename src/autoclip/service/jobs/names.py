"""Queue names, importable without importing the broker (the CLI starts faster)."""

CONTENT_QUEUE = "content-generation"  # the manual's name: bull_waiting_count{queue=...}
RENDER_QUEUE = "render"
