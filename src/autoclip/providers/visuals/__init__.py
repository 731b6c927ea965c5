"""Visual sources: the `VisualSource` contract, designed cards and the user's own library,
generated images (Gemini) and stock footage (Pexels)."""
