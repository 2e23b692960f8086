"""Promises about the project itself: the README's two commands, CI, package boundaries."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "egenkontroll"


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(.*?)\n```", readme, flags=re.S)
    assert blocks[:2] == ["make demo", "make test"]
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_the_readme_says_how_to_type_egenkontroll_after_make_demo():
    """The venv the Makefile makes has the command; the README and make demo say how to reach it."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "```sh\nsource .venv/bin/activate\n```" in readme
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'egenkontroll = "egenkontroll.cli:main"' in pyproject
    assert (Path(sys.executable).parent / "egenkontroll").is_file()  # pip's script in the venv
    dry_run = subprocess.run(["make", "-n", "-W", "pyproject.toml", "demo"], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout
    assert "source .venv/bin/activate" in dry_run and "--workspace demo-arbetsyta demo" in dry_run


def test_sampling_never_imports_egenkontroll():
    code = "import sys, sampling; sys.exit('egenkontroll' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0
    for source in (REPO / "sampling").glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+egenkontroll", text, re.M), source


def test_egenkontroll_has_no_import_cycles():
    graph = _import_graph()
    cycles = [cycle for module in sorted(graph) if (cycle := _cycle_from(module, graph))]
    assert cycles == []


def test_nothing_below_store_imports_workspace():
    graph = _import_graph()
    for lower in {"store", *_reachable("store", graph)}:
        assert "workspace" not in graph[lower], lower
    assert "workspace" not in _reachable("results", graph)


def test_nothing_above_store_imports_the_database_module():
    graph = _import_graph()
    above = [module for module in graph if "store" in _reachable(module, graph)]
    assert "workspace" in above and "results" in above  # the check sees the facade and the figures
    assert [module for module in above if "_db" in graph[module]] == []


def _import_graph() -> dict[str, set[str]]:
    """Module of egenkontroll -> the modules of egenkontroll it imports anywhere in its code (also in
    functions and under TYPE_CHECKING); ``__init__`` is the package itself."""
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    return {path.stem: _imported(ast.parse(path.read_text(encoding="utf-8")), modules)
            for path in PACKAGE.glob("*.py")}


def _imported(tree: ast.Module, modules: set[str]) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(_module(alias.name, modules) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module == "egenkontroll":
            found.update(alias.name if alias.name in modules else "__init__" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(_module(node.module, modules))
    return found - {None}


def _module(dotted: str, modules: set[str]) -> str | None:
    """The module of egenkontroll that *dotted* names (the package itself for ``egenkontroll``)."""
    parts = dotted.split(".")
    if parts[0] != "egenkontroll":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in modules else "__init__"


def _reachable(start: str, graph: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    waiting = list(graph[start])
    while waiting:
        module = waiting.pop()
        if module not in seen:
            seen.add(module)
            waiting.extend(graph[module])
    return seen


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A path of imports from *start* back to itself, or None."""
    paths = [[start, module] for module in sorted(graph[start])]
    seen: set[str] = set()
    while paths:
        path = paths.pop()
        if path[-1] == start:
            return path
        if path[-1] not in seen:
            seen.add(path[-1])
            paths.extend([*path, module] for module in sorted(graph[path[-1]]))
    return None
