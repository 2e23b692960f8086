"""The register import through Workspace.import_register and the command line.

Every bad input of test_register.BAD_INPUTS must leave the workspace exactly as it was, and the
command line must exit 2 with the Swedish problem text on stderr and no traceback.
"""

from __future__ import annotations

import subprocess

import pandas as pd
import pytest

from egenkontroll.errors import RegisterError
from egenkontroll.workspace import Workspace
from tests.conftest import EGENKONTROLL, cli_environment
from tests.egenkontroll.test_register import BAD_INPUTS, case, synthetic_pnr, write_csv, write_xlsx


@pytest.fixture
def imported(tmp_path):
    """A workspace that already holds three cases."""
    with Workspace.open(tmp_path / "arbetsyta") as workspace:
        workspace.import_register(write_xlsx(tmp_path / "forsta.xlsx", [case(i) for i in range(3)]))
        yield workspace


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_leaves_the_workspace_unchanged(tmp_path, imported, name):
    build, expected = BAD_INPUTS[name]
    before = imported.cases()
    with pytest.raises(RegisterError) as caught:
        imported.import_register(build(tmp_path))
    assert any(expected in str(p) for p in caught.value.problems)
    pd.testing.assert_frame_equal(imported.cases(), before)


@pytest.mark.parametrize("name", ["kontrollsiffra", "30 februari", "sammanfogade rubriker", "tom fil"])
def test_cli_import_of_bad_input_exits_2_with_the_problem(tmp_path, name):
    build, expected = BAD_INPUTS[name]
    workspace = tmp_path / "arbetsyta"
    result = subprocess.run(
        [*EGENKONTROLL, "--workspace", str(workspace), "import", str(build(tmp_path))],
        capture_output=True,
        text=True,
        env=cli_environment(),
        timeout=120,
    )
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    with Workspace.open(workspace) as opened:
        assert opened.cases().empty


def test_cli_import_with_own_profile(tmp_path):
    from tests.egenkontroll.test_register import DATA, HEADINGS

    path = write_csv(
        tmp_path / "p.csv", [case(1, Akt="K-1", Ärendetyp="Socialpsykiatri")], headings=["Akt", *HEADINGS[1:]]
    )
    workspace = tmp_path / "arbetsyta"
    result = subprocess.run(
        [
            *EGENKONTROLL,
            "--workspace",
            str(workspace),
            "import",
            str(path),
            "--profile",
            str(DATA / "egen_profil.yaml"),
        ],
        capture_output=True,
        text=True,
        env=cli_environment(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    with Workspace.open(workspace) as opened:
        assert opened.cases()[["arende_id", "arendetyp"]].values.tolist() == [["K-1", "ovrigt"]]


def test_reimport_of_a_newer_export_upserts(tmp_path, imported):
    newer = [case(0), case(1, Beslut="2024-06-06"), case(2), case(3)]
    report = imported.import_register(write_csv(tmp_path / "andra.csv", newer))
    assert (report.new, report.changed, report.unchanged) == (1, 1, 2)
    cases = imported.cases()
    assert len(cases) == 4
    assert cases.loc[cases["arende_id"] == "A-001", "beslut_datum"].iloc[0] == pd.Timestamp("2024-06-06")


def test_stored_register_holds_no_personnummer(tmp_path, imported):
    database = b"".join(p.read_bytes() for p in (tmp_path / "arbetsyta").rglob("*") if p.is_file())
    for index in range(3):
        number = synthetic_pnr(index)
        assert number.encode() not in database and number.replace("-", "").encode() not in database
