"""Language models: the `TextModel` contract every caller speaks through, and a backend
per wire protocol."""
