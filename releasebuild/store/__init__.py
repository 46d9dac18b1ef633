"""Storage: the I/O seam (io), the local content-addressed cache (cas), and release roots (root)."""
