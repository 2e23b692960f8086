"""Built-in checklist definitions (YAML) for egenkontroll; see README.md in this folder."""

from pathlib import Path

DIRECTORY = Path(__file__).parent

__all__ = ["DIRECTORY"]
