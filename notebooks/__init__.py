"""The notebooks, installed as ``egenkontroll.notebooks`` (served by ``egenkontroll review`` and others)."""
