"""Output edge: the same result models as terminal text, JSON and HTML."""
