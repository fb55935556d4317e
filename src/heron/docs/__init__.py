"""docs layer."""
