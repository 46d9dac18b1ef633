"""Synthetic demo data for releasebuild: a deterministic generator, no real people."""
