"""Reproducible performance measurements; see README.md in this folder."""
