"""Benchmark harness of the ACSS platform: load generator, gunicorn runner, registry and report (see README.md)."""
