"""Promises about the project itself: the README's two commands, CI, package boundaries."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import REPO


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(.*?)\n```", readme, flags=re.S)
    assert blocks[:2] == ["make demo", "make test"]
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_sampling_never_imports_egenkontroll():
    code = "import sys, sampling; sys.exit('egenkontroll' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0
    for source in (REPO / "sampling").glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+egenkontroll", text, re.M), source
