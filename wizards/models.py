"""Models of the wizards app (filled by its issue)."""
