"""Charts and decision records."""
