"""Conduit: the RealWorld API 2.0.0, written with Heron (see README.md)."""
