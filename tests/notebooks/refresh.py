"""Re-make the notebooks' stored outputs from a fresh demo workspace: ``make notebooks``.

The stored outputs are what nbval compares a run against, so they must come from the current demo.
Each notebook runs in order (01 draws the sample 03 does not see, as under nbval) in one demo
workspace built as the test session builds it; cells tagged ``nbval-ignore-output`` keep no output,
and no execution timestamps are stored.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from conftest import build_demo_workspace  # noqa: E402  (the root conftest builds the nbval demo)

IGNORED = "nbval-ignore-output"


def refresh(notebook: Path, workspace: str) -> None:
    """Execute *notebook* against *workspace* and store its outputs in place."""
    book = nbformat.read(notebook, as_version=4)
    NotebookClient(book, timeout=900, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(notebook.parent)}}).execute(
        env={**os.environ, "EGENKONTROLL_WORKSPACE": workspace,
             "MPLBACKEND": "module://matplotlib_inline.backend_inline"})
    for cell in book.cells:
        cell.metadata.pop("execution", None)
        if IGNORED in cell.metadata.get("tags", []):
            cell.outputs = []
    book.metadata.pop("widgets", None)
    nbformat.write(book, notebook)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="egenkontroll-notebooks-") as folder:
        workspace = build_demo_workspace(Path(folder) / "demo")
        for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
            print(f"kör {notebook.name}", flush=True)
            refresh(notebook, workspace)


if __name__ == "__main__":
    main()
