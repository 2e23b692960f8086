"""The built-in checklists (YAML, format in README.md), installed as ``egenkontroll.builtin_checklists``."""
