"""Bad files must not take the machine down (issue 14, point 6).

Every hostile file of :mod:`tests.egenkontroll.hostile` is built here, imported by the command line in
a child process, and must give exit 2 with its Swedish message, no traceback, a bounded peak memory
(against a valid import measured the same way) and an unchanged database.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from egenkontroll import register
from egenkontroll._filelimits import Limits
from egenkontroll.errors import RegisterError
from egenkontroll.workspace import Workspace
from tests.conftest import EGENKONTROLL, cli_environment
from tests.egenkontroll import hostile
from tests.egenkontroll.test_register import KEY, case, write_csv

#: peak memory of refusing a hostile file, at most this times that of importing a valid one
MEMORY_RATIO = 2


def import_in_child(workspace: Path, path: Path, *flags: str) -> tuple[int, str, int]:
    """Exit code, stderr and peak RSS (kB) of ``egenkontroll import`` in a child process of its own."""
    errors = workspace.parent / "stderr.txt"
    with errors.open("wb") as stderr:
        child = subprocess.Popen([*EGENKONTROLL, "--workspace", str(workspace), "import", str(path), *flags],
                                 stdout=subprocess.DEVNULL, stderr=stderr, env=cli_environment())
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, errors.read_text(encoding="utf-8"), usage.ru_maxrss


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> tuple[Path, int]:
    """A workspace holding three cases, and the peak RSS of importing them."""
    folder = tmp_path_factory.mktemp("fientliga")
    valid = write_csv(folder / "ok.csv", [case(i) for i in range(3)])
    code, stderr, peak = import_in_child(folder / "arbetsyta", valid)
    assert code == 0, stderr
    return folder / "arbetsyta", peak


def snapshot(workspace: Path) -> tuple[list, int]:
    with Workspace.open(workspace) as opened:
        return opened.cases().to_numpy().tolist(), len(opened.status()["granskningar"])


@pytest.mark.parametrize("name", list(hostile.HOSTILE))
def test_a_hostile_file_is_refused_with_exit_2_bounded_memory_and_nothing_written(tmp_path, imported, name):
    workspace, valid_peak = imported
    build, expected = hostile.HOSTILE[name]
    before = snapshot(workspace)
    code, stderr, peak = import_in_child(workspace, build(tmp_path))
    assert code == 2, stderr
    assert expected in stderr and "Traceback" not in stderr and "panicked" not in stderr
    assert peak < MEMORY_RATIO * valid_peak, (peak, valid_peak)
    assert snapshot(workspace) == before


def test_the_limits_can_be_raised_from_the_command_line(tmp_path, imported):
    workspace, _ = imported
    code, stderr, _ = import_in_child(workspace, hostile.wide(tmp_path, columns=600), "--max-kolumner", "700")
    assert code == 2 and "kolumner" not in stderr  # read past the limit, then refused for its content
    assert "rad 2, kolumn Inkom: kan inte tolka 'x' som datum" in stderr


def test_the_cell_count_is_bounded_even_without_cell_references(tmp_path):
    with pytest.raises(RegisterError, match="bladet har mer än 1000 celler"):
        register.read_register(hostile.cells_past(tmp_path, 1000), key=KEY, limits=Limits(max_cells=1000))


def test_a_far_row_counts_its_whole_area(tmp_path):
    path = hostile.write_sheet(tmp_path / "rad.xlsx", ['<row r="1048576"><c r="E1048576"><v>1</v></c></row>'])
    with pytest.raises(RegisterError, match="bladet har 1048576 rader och 5 kolumner"):
        register.read_register(path, key=KEY)


def test_a_csv_with_too_many_cells_is_refused_before_splitting(tmp_path):
    path = write_csv(tmp_path / "stor.csv", [case(i) for i in range(100)])
    with pytest.raises(RegisterError, match="celler \\(högst 500\\)"):
        register.read_register(path, key=KEY, limits=Limits(max_cells=500))


def test_a_file_that_cannot_be_opened_is_a_swedish_problem(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "låst.csv", [case(1)])
    opened = Path.open

    def refused(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied")
        return opened(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refused)
    with pytest.raises(RegisterError, match="filen kan inte läsas \\(Permission denied\\)"):
        register.read_register(path, key=KEY)


def test_problems_past_the_cap_are_summarised_by_column(tmp_path):
    rows = [case(i, Inkom="igår") for i in range(250)] + [case(300, Enhet="")]
    with pytest.raises(RegisterError) as caught:
        register.read_register(write_csv(tmp_path / "fel.csv", rows), key=KEY,
                               limits=Limits(max_problems=100))
    problems = [str(p) for p in caught.value.problems]
    assert len(problems) == 101 and caught.value.total == 251
    assert problems[-1] == ("och 151 fel till, de flesta i kolumn Inkom: kan inte tolka 'igår' som datum "
                            "(skriv ÅÅÅÅ-MM-DD eller D/M/ÅÅÅÅ, t.ex. 2026-03-01)")
    assert str(caught.value).startswith("Ärenderegistret kunde inte läsas in (fel.csv): 251 fel")
