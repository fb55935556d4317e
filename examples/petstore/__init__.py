"""The Petstore example: pets kept in SQLite, served by Heron.

Run it with ``heron run --app examples.petstore.app:app``; see ``README.md``.
"""
