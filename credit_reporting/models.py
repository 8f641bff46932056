"""Models of the credit_reporting app (filled by its issue)."""
