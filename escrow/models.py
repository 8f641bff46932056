"""Models of the escrow app (filled by its issue)."""
