"""AutoClip: a short-video factory. Text, a web page or a topic in; a narrated short out."""

__version__ = "0.1.0"
