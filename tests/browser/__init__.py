"""Helpers for the browser tests: Jupyter servers and a local-only Chromium."""
