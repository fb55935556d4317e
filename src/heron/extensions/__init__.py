"""extensions layer."""
