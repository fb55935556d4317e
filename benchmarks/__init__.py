"""Heron's benchmark suite, on the scenarios of ``SCENARIOS.md``.

Heron against Falcon, Flask, flask-smorest, APIFlask, Flask-RESTX and the
floors (raw WSGI, Werkzeug, and the payload alone).

Run it with ``python -m benchmarks`` (``--help`` lists the options); the peers
come with ``pip install -e ".[bench]"``. It is not part of the test suite:
``tests/test_benchmarks.py`` only checks that every app answers correctly.
"""
