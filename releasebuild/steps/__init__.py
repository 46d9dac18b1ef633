"""Step kinds: one module each, one registry line each."""
