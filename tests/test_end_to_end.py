"""What a new user does, through the CLI only (plus the Python API for the answers, as a reviewer would):
import, plan, sample, verify, review, results --json, export; the numbers must agree everywhere."""

from __future__ import annotations

import json
import subprocess

import openpyxl
import pytest

import sampling
from egenkontroll import Workspace, formatting
from tests.conftest import EGENKONTROLL, cli_environment

SEED = 42
DEVIATING = 3  # cases where the reviewer finds the violence question not asked


def cli(workspace, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*EGENKONTROLL, "--workspace", str(workspace), *args], capture_output=True,
                            text=True, env=cli_environment(), timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


@pytest.mark.slow
def test_the_whole_workflow_agrees_across_cli_api_and_excel(tmp_path, small_export):
    workspace = tmp_path / "arbetsyta"
    assert "1500 nya" in cli(workspace, "import", str(small_export)).stdout

    planned = json.loads(cli(workspace, "plan", "--tolerable", "10%", "--json").stdout)
    assert planned["n"] == 29  # ceil(ln 0.05 / ln 0.9), the AICPA figure for 95 % / 10 % / 0 expected

    drawn = json.loads(cli(workspace, "sample", "--checklist", "valdsfraga", "--n", str(planned["n"]),
                           "--seed", str(SEED), "--strata", "enhet", "--period", "2025", "--json").stdout)
    assert drawn["n"] == len(drawn["arenden"]) == planned["n"]
    assert "går att återskapa" in cli(workspace, "verify", drawn["id"]).stdout

    with Workspace.open(workspace) as ws:
        session = ws.session(drawn["id"])
        deviating = set(session.case_ids[:DEVIATING])
        for case_id in session.case_ids:
            answer = "nej" if case_id in deviating else "ja"
            session.record(case_id, "vald_fragat", answer, reviewer="Granskare E2E",
                           comment="Frågan saknas i journalen" if answer == "nej" else None)
        manifest = session.manifest
        stratum_of = dict(zip(session.design["arende_id"], session.design["stratum"], strict=True))

    # an independent computation from the manifest: stratified estimate with N_h, n_h, k_h
    strata = manifest["strata"]
    k_h = [sum(1 for c in s["ids"] if c not in deviating) for s in strata]
    assert all(stratum_of[c] == s["stratum"] for s in strata for c in s["ids"])
    expected = sampling.evaluate_stratified([s["N"] for s in strata], [s["n"] for s in strata], k_h)

    figures = json.loads(cli(workspace, "results", "--json").stdout)
    row = next(r for r in figures["items"] if r["item"] == "vald_fragat" and r["group"] == "Alla")
    assert (row["k"], row["n"]) == (planned["n"] - DEVIATING, planned["n"])
    assert row["estimate"] == pytest.approx(expected.estimate)
    assert (row["lower"], row["upper"]) == (pytest.approx(expected.lower), pytest.approx(expected.upper))
    assert row["status"] == "röd"  # a critical item with deviations: the upper bound is below 100 %

    excel = tmp_path / "sammanstallning.xlsx"
    assert excel.name in cli(workspace, "export", str(excel)).stdout
    sheet = openpyxl.load_workbook(excel)["Per fråga"]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, (cell.value for cell in line), strict=True))
            for line in sheet.iter_rows(min_row=2)]
    exported = next(r for r in rows if r["Fråga"] == row["item_text"])
    assert (exported["Ja"], exported["Besvarade"]) == (row["k"], row["n"])
    assert exported["Andel ja"] == pytest.approx(row["estimate"])
    # the Excel bounds are rounded outward to the precision shown (issue 13, item 4)
    lower, upper = (formatting.bound_value(row[side], side, row["goal"]) for side in ("lower", "upper"))
    assert (exported["Nedre gräns"], exported["Övre gräns"]) == (pytest.approx(lower), pytest.approx(upper))
