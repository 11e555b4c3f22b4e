"""Benchmark scripts: run them with ``python bench/<name>.py`` (see README.md)."""
