"""Disk and database faults (issue 14, point 7): a full disk, a read-only workspace and a damaged database
file each give a Swedish message saying what happened and what to do, exit 2, and nothing half-written.

The full and read-only disks are small tmpfs mounts (the tests run as root in CI; elsewhere they skip).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from egenkontroll import _boundary, review
from egenkontroll.workspace import Workspace
from tests.conftest import EGENKONTROLL, cli_environment
from tests.egenkontroll.test_register import case, write_csv


def run_cli(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EGENKONTROLL, "--workspace", str(workspace), *args], capture_output=True,
                          text=True, env=cli_environment(), timeout=300)


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A 400 kB tmpfs, unmounted afterwards."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(folder)],
                      capture_output=True).returncode != 0:
        pytest.skip("tmpfs cannot be mounted here (not root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def assert_refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == f"egenkontroll: {message}"


def test_a_full_disk_writes_nothing_and_says_so(tmp_path, small_disk):
    workspace = small_disk / "arbetsyta"
    assert run_cli(workspace, "import", str(write_csv(tmp_path / "ett.csv", [case(1)]))).returncode == 0
    large = write_csv(tmp_path / "stort.csv", [case(i) for i in range(3000)])
    assert_refused(run_cli(workspace, "import", str(large)), _boundary._DISK_FULL)
    subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)
    with Workspace.open(workspace) as opened:
        assert opened.cases()["arende_id"].tolist() == ["A-001"]


def test_a_read_only_workspace_says_so(tmp_path, small_disk):
    workspace = small_disk / "arbetsyta"
    register_file = write_csv(tmp_path / "ett.csv", [case(1)])
    assert run_cli(workspace, "import", str(register_file)).returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    assert_refused(run_cli(workspace, "import", str(register_file)), _boundary._READ_ONLY)
    assert_refused(run_cli(small_disk / "ny", "status", "--ny"), _boundary._READ_ONLY)


@pytest.fixture
def damaged(tmp_path) -> Path:
    """A workspace whose database file has been overwritten with garbage after an import."""
    workspace = tmp_path / "arbetsyta"
    assert run_cli(workspace, "import", str(write_csv(tmp_path / "ett.csv", [case(1)]))).returncode == 0
    database = workspace / "egenkontroll.sqlite"
    database.write_bytes(bytes(range(256)) * 64)
    return workspace


def test_a_damaged_database_is_left_as_it_is_and_explained(damaged):
    database = damaged / "egenkontroll.sqlite"
    before = database.read_bytes()
    assert_refused(run_cli(damaged, "status"), _boundary._DAMAGED)
    assert database.read_bytes() == before


def test_the_review_page_explains_a_damaged_database_in_swedish(damaged):
    shown = review.app(damaged)
    assert "Databasen i arbetsytan (egenkontroll.sqlite) är skadad" in shown.value
    assert "Traceback" not in shown.value and "Error" not in shown.value


def test_only_faults_of_disk_and_database_are_recognised():
    assert _boundary.fault_message(OSError(28, "No space left on device")) == _boundary._DISK_FULL
    assert _boundary.fault_message(PermissionError(13, "Permission denied")) == _boundary._READ_ONLY
    assert _boundary.fault_message(RuntimeError("database disk image is malformed")) is None
    assert _boundary.fault_message(FileNotFoundError(2, "No such file")) is None
