"""The loop's command line: ``arsplan``, ``atgard``, ``risk``, ``sample --plan-rad``. In-process (cli.main).

Every verb with bad input exits 2 with a Swedish message and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from drills.synthetic import synthetic_personnummer, write_register

from egenkontroll import _loopstore, actions, cli, risks, yearplan
from egenkontroll.workspace import Workspace
from tests.egenkontroll.test_cli_issue19 import ENGLISH, METAVARS
from tests.egenkontroll.test_loop import answer_all

BAD_CALLS = [
    ["arsplan"],
    ["arsplan", "gor"],
    ["arsplan", "ny", "--ar", "2026", "--checklist", "valdsfraga", "--period", "2026-T1", "--n", "tio",
     "--ansvarig", "A"],
    ["arsplan", "ny", "--ar", "tjugo", "--checklist", "valdsfraga", "--period", "2026-T1", "--n", "10",
     "--ansvarig", "A"],
    ["arsplan", "ny", "--ar", "2026", "--checklist", "valdsfraga", "--period", "2026-T1", "--n", "10"],
    ["arsplan", "ny", "--ar", "2026", "--checklist", "valdsfraga", "--period", "2026-T1", "--n", "10",
     "--ansvarig", "A", "--klar-senast", "31/13/2026"],
    ["arsplan", "lista", "--per-datum", "igår"],
    ["arsplan", "ta-bort"],
    ["arsplan", "ta-bort", "ett"],
    ["atgard", "ny", "--atgard", "x", "--ansvarig", "y", "--klar-senast", "2026-06-30"],
    ["atgard", "ny", "--granskning", "g", "--typ", "avvikelse", "--atgard", "x", "--ansvarig", "y",
     "--klar-senast", "2026-06-30"],
    ["atgard", "ny", "--register", "okand", "--tertial", "2026-T1", "--atgard", "x", "--ansvarig", "y",
     "--klar-senast", "2026-06-30"],
    ["atgard", "ny", "--typ", "lex_sarah", "--beskrivning", "b", "--atgard", "x", "--ansvarig", "y"],
    ["atgard", "status", "1", "klar"],
    ["atgard", "status", "ett", "pågår"],
    ["atgard", "uppfolj"],
    ["atgard", "uppfolj", "1", "--granskning", "g", "--tertial", "2026-T2"],
    ["atgard", "lista", "--per-datum", "2026-02-30"],
    ["risk", "ny", "--rubrik", "r", "--sannolikhet", "5", "--konsekvens", "2"],
    ["risk", "ny", "--rubrik", "r", "--sannolikhet", "2"],
    ["risk", "ny", "--rubrik", "r", "--sannolikhet", "2", "--konsekvens", "2", "--atgard", "första"],
    ["risk", "lista", "--okand"],
    ["sample", "--checklist", "valdsfraga", "--n", "10", "--plan-rad", "ett"],
]
HELP_CALLS = [[*verb.split(), "--help"] for verb in (
    "arsplan", "arsplan ny", "arsplan lista", "arsplan ta-bort", "atgard", "atgard ny", "atgard lista",
    "atgard status", "atgard uppfolj", "risk", "risk ny", "risk lista")]
PER_DATUM = "2026-12-31"
#: the question of the item vald_fragat, as the loop names it
QUESTION = "Har frågan om våld ställts och är svaret dokumenterat?"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def folder(tmp_path) -> Path:
    """A workspace with the synthetic register of 120 cases of 2026, and a våldsfråga granskning of T1 in
    which 10 of 20 cases were asked about violence."""
    path = tmp_path / "arbetsyta"
    with Workspace.open(path) as workspace:
        workspace.import_register(write_register(tmp_path / "register.csv", 120))
        first = workspace.create_session("valdsfraga", n=20, seed=1, period="2026-T1")
        answer_all(first, {"vald_fragat": 10})
    return path


def _in(folder: Path, *args: str) -> list[str]:
    return ["--workspace", str(folder), *args]


def _log_length(folder: Path) -> int:
    with Workspace.open(folder) as workspace:
        return len(_loopstore.history(workspace.engine))


@pytest.mark.parametrize("args", BAD_CALLS, ids=" ".join)
def test_bad_arguments_exit_2_in_swedish(capsys, args):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert err.startswith("användning: egenkontroll") and "egenkontroll: fel i kommandot: " in err
    assert not ENGLISH.search(out + err) and not METAVARS.search(out + err), out + err


@pytest.mark.parametrize("args", HELP_CALLS, ids=" ".join)
def test_help_of_the_loop_verbs_is_in_swedish(capsys, args):
    code, out, _ = run(capsys, *args)
    assert code == 0 and out.startswith("användning: egenkontroll") and "flaggor:" in out
    assert not ENGLISH.search(out) and not METAVARS.search(out), out


@pytest.mark.parametrize(("args", "expected"), [
    (["arsplan", "ny", "--ar", "2026", "--checklist", "finnsinte", "--period", "2026-T4", "--n", "0",
      "--ansvarig", " "], "checklistan 'finnsinte' finns inte; Perioden '2026-T4' förstås inte"),
    (["arsplan", "ny", "--ar", "2026", "--checklist", "valdsfraga", "--period", "2025-T1", "--n", "5",
      "--ansvarig", "A"], "perioden 2025-T1 ligger inte i året 2026"),
    (["arsplan", "ta-bort", "7"], "Planraden 7 finns inte"),
    (["atgard", "ny", "--granskning", "finnsinte", "--fraga", "vald_fragat", "--atgard", "x", "--ansvarig",
      "y", "--klar-senast", "30/6/2026"], "Granskningen 'finnsinte' finns inte"),
    (["atgard", "ny", "--granskning", "g", "--atgard", "x", "--ansvarig", "y", "--klar-senast", "2026-06-30"],
     "--granskning kräver --fraga"),
    (["atgard", "ny", "--typ", "avvikelse", "--beskrivning", f"Gäller {synthetic_personnummer(2)}",
      "--atgard", "x", "--ansvarig", "y", "--klar-senast", "2026-06-30"],
     "Avvikelsen innehåller ett personnummer, som inte får sparas"),
    (["atgard", "status", "4", "pågår"], "Åtgärden 4 finns inte"),
    (["atgard", "uppfolj", "4"], "Åtgärden 4 finns inte"),
    (["risk", "ny", "--rubrik", "Våld", "--sannolikhet", "2", "--konsekvens", "3", "--checklist",
      "valdsfraga", "--fraga", "finnsinte", "--atgard", "9"], "ingen fråga 'finnsinte'; åtgärd 9 finns inte"),
    (["sample", "--checklist", "valdsfraga", "--n", "5", "--plan-rad", "3"], "Planraden 3 finns inte"),
])
def test_bad_input_to_every_verb_exits_2_and_writes_nothing(capsys, folder, args, expected):
    code, _, err = run(capsys, *_in(folder, *args))
    assert code == 2 and expected in err and "Traceback" not in err, err
    assert _log_length(folder) == 0
    with Workspace.open(folder) as workspace:
        assert len(workspace.sessions()) == 1


def test_a_year_planned_drawn_and_listed_on_the_command_line(capsys, folder):
    add = ["arsplan", "ny", "--ar", "2026", "--checklist", "valdsfraga", "--n", "20", "--ansvarig",
           "Enhetschef"]
    code, out, _ = run(capsys, *_in(folder, *add, "--period", "2026-T2", "--enhet", "Barn och unga"))
    assert code == 0 and out == ("Rad 1 i egenkontrollplanen 2026: Våldsfråga, maj–aug 2026, 20 akter, "
                                 "ansvarig Enhetschef, klar senast 2026-09-30.\n")
    assert run(capsys, *_in(folder, *add, "--period", "2026-T3", "--klar-senast", "15/1/2027"))[0] == 0
    code, out, err = run(capsys, *_in(folder, "sample", "--checklist", "valdsfraga", "--n", "20", "--seed",
                                      "2", "--period", "2026-T2"))
    assert code == 0 and "Granskningen hör till rad 1 i egenkontrollplanen." in out, err
    code, out, _ = run(capsys, *_in(folder, "sample", "--checklist", "valdsfraga", "--n", "5", "--plan-rad",
                                    "2", "--json"))
    assert code == 0 and json.loads(out)["planrad"] == 2
    code, out, _ = run(capsys, *_in(folder, "arsplan", "lista", "--per-datum", "1/10/2026"))
    assert code == 0 and out.startswith("Egenkontrollplan 2026: 0 av 2 genomförda, 1 försenad\n")
    with Workspace.open(folder) as workspace:
        drawn = [session.id for session in workspace.sessions()[1:]]
    assert (f"  1. Våldsfråga maj–aug 2026, Barn och unga: 20 akter, ansvarig Enhetschef, klar senast "
            f"2026-09-30: försenad (0 av 20 akter granskade i granskningen {drawn[0]})\n") in out
    assert (f"  2. Våldsfråga sep–dec 2026: 20 akter, ansvarig Enhetschef, klar senast 2027-01-15: pågår (0 "
            f"av 5 akter granskade i granskningen {drawn[1]})\n") in out
    code, _, err = run(capsys, *_in(folder, "arsplan", "ta-bort", "1"))
    assert code == 2 and "tas inte bort" in err
    with Workspace.open(folder) as workspace:
        assert yearplan.plan_rows(workspace.engine)["session_id"].notna().all()


def test_an_action_followed_up_on_the_command_line(capsys, folder):
    with Workspace.open(folder) as workspace:
        first = workspace.sessions()[0].id
    code, out, _ = run(capsys, *_in(folder, "atgard", "ny", "--granskning", first, "--fraga", "vald_fragat",
                                    "--orsak", "Rutinen var okänd", "--atgard", "Genomgång av rutinen",
                                    "--ansvarig", "Enhetschef", "--klar-senast", "2026-06-30",
                                    "--beslutad", "2026-05-10"))
    assert code == 0 and out.startswith("Åtgärd 1 är tillagd")
    code, out, _ = run(capsys, *_in(folder, "atgard", "lista", "--per-datum", "2026-07-01"))
    assert "1 åtgärd, 1 försenad" in out
    assert f"  1. [försenad] Granskning Våldsfråga jan–apr 2026 ({first}): {QUESTION}\n" in out
    assert "Orsak: Rutinen var okänd" in out
    assert run(capsys, *_in(folder, "atgard", "status", "1", "genomförd", "--revision", "1"))[0] == 0
    code, _, err = run(capsys, *_in(folder, "atgard", "status", "1", "pågår", "--revision", "1"))
    assert code == 2 and "ändrades av" in err and "version 1" in err
    code, _, err = run(capsys, *_in(folder, "atgard", "uppfolj", "1", "--per-datum", PER_DATUM))
    assert code == 2
    assert f"Ingen senare granskning av Våldsfråga har ännu svar på frågan \"{QUESTION}\"" in err
    with Workspace.open(folder) as workspace:
        later = workspace.create_session("valdsfraga", n=20, seed=3, period="2026-T3")
        answer_all(later, {"vald_fragat": 20})
    logged = _log_length(folder)
    code, out, _ = run(capsys, *_in(folder, "atgard", "uppfolj", "1", "--bara-visa", "--per-datum",
                                    PER_DATUM))
    assert code == 0 and out.startswith(f"Mäter: Våldsfråga: {QUESTION}\n")
    assert "Före: 50 % (10 av 20" in out and ") i granskningen jan–apr 2026\n" in out
    assert "Efter: 100 % (20 av 20" in out and ") i granskningen sep–dec 2026\n" in out
    assert _log_length(folder) == logged
    code, out, _ = run(capsys, *_in(folder, "atgard", "uppfolj", "1", "--per-datum", PER_DATUM))
    assert code == 0 and "ökningen är säkerställd" in out and out.endswith("har status effekt uppnådd.\n")
    code, out, _ = run(capsys, *_in(folder, "atgard", "lista", "--per-datum", PER_DATUM))
    assert f"   Effekt bedömd mot Våldsfråga sep–dec 2026 ({later.id})\n" in out
    code, out, _ = run(capsys, *_in(folder, "atgard", "lista", "--json", "--per-datum", PER_DATUM))
    assert json.loads(out)["atgarder"][0]["status"] == "effekt uppnådd"


def test_a_risk_added_and_listed_on_the_command_line(capsys, folder):
    with Workspace.open(folder) as workspace:
        action_id = actions.add_action(workspace.engine, kind="avvikelse", deviation="Våld missades",
                                       action="Utbildning", ansvarig="Chef", deadline="2026-09-30",
                                       opened="2026-05-01")
    code, out, _ = run(capsys, *_in(folder, "risk", "ny", "--rubrik", "Våld upptäcks inte", "--sannolikhet",
                                    "3", "--konsekvens", "3", "--checklist", "valdsfraga", "--fraga",
                                    "vald_fragat", "--atgard", str(action_id)))
    assert code == 0 and out == "Risk 1 är tillagd: riskvärde 9 (hög).\n"
    code, out, _ = run(capsys, *_in(folder, "risk", "lista"))
    assert "1. hög (9 = 3 × 3): Våld upptäcks inte" in out
    assert f"   Bevakas av Våldsfråga: {QUESTION}\n   Åtgärder: 1\n" in out
    assert "  3 |  0  0  1  0" in out
    code, out, _ = run(capsys, *_in(folder, "risk", "lista", "--json"))
    assert json.loads(out)["matris"]["3"] == {"1": 0, "2": 0, "3": 1, "4": 0}
    with Workspace.open(folder) as workspace:
        assert risks.risks_table(workspace.engine)["actions"].tolist() == [(action_id,)]
