"""Issue 19, command line: Swedish argparse everywhere, the workspace rule, plan, periods, strata,
sample, status, results width, export targets and ``egenkontroll profil``. In-process (cli.main)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from egenkontroll import cli, register
from egenkontroll.workspace import Workspace
from tests.egenkontroll.test_register import HEADINGS, case, write_csv

#: argparse's English that must never reach a user (whole words, not the flags' own names such as
#: --expected), and the English metavars argparse makes from the flags' names
ENGLISH = re.compile(r"(?<![-\w])(usage|options|positional arguments|arguments? (are|is) required|"
                     r"unrecognized|invalid|expected|choose from|show this help|error|ambiguous|not allowed|"
                     r"could match)\b",
                     re.IGNORECASE)
METAVARS = re.compile(r"\b(WORKSPACE|CHECKLIST|SEED|STRATA|MINIMUM|TITLE|TOLERABLE|MARGIN|CONFIDENCE|"
                      r"EXPECTED|POPULATION|PROFILE)\b")
#: every verb with bad arguments: a missing value, an unknown flag, a wrong type, a wrong choice
BAD_CALLS = [
    [],
    ["trolla"],
    ["--workspace"],
    ["--okand", "status"],
    ["import"],
    ["import", "a.csv", "b.csv"],
    ["import", "a.csv", "--max-mb", "stor"],
    ["import", "a.csv", "--profile"],
    ["profil"],
    ["profil", "a.csv", "--okand"],
    ["status", "--okand"],
    ["status", "extra"],
    ["plan", "--tolerable"],
    ["plan", "--tolerable", "fem"],
    ["plan", "--population", "många"],
    ["plan", "--tol", "5%", "--t", "x"],
    ["sample"],
    ["sample", "--checklist", "valdsfraga"],
    ["sample", "--checklist", "valdsfraga", "--n", "tio"],
    ["sample", "--checklist", "valdsfraga", "--n", "10", "--minimum", "ett"],
    ["sample", "--checklist", "valdsfraga", "--n", "10", "--period", "våren"],
    ["verify"],
    ["verify", "a", "b"],
    ["kontrollgranskning"],
    ["kontrollgranskning", "g"],
    ["kontrollgranskning", "g", "--antal", "tre"],
    ["kontrollgranskning", "g", "--antal", "3", "--seed"],
    ["samstammighet"],
    ["samstammighet", "g", "--okand"],
    ["results", "--by", "handlaggare"],
    ["results", "--per-datum", "igår"],
    ["export"],
    ["export", "r.xlsx", "--period", "2026-T4"],
    ["review", "--port", "hög"],
    ["dashboard", "--okand"],
    ["lab", "--port"],
    ["demo", "--per-datum", "31/10/2026"],
]
HELP_CALLS = [["--help"], *([verb, "--help"] for verb in
                            ("import", "profil", "status", "plan", "sample", "verify", "kontrollgranskning",
                             "samstammighet", "results", "export", "review", "dashboard", "lab", "demo"))]


def run(capsys, *args: str) -> tuple[int, str, str]:
    """cli.main in this process: exit code, stdout and stderr."""
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("args", BAD_CALLS, ids=" ".join)
def test_no_english_argparse_text_reaches_the_user(capsys, args):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert err.startswith("användning: egenkontroll") and "egenkontroll: fel i kommandot: " in err
    assert not ENGLISH.search(out + err) and not METAVARS.search(out + err), out + err


@pytest.mark.parametrize("args", HELP_CALLS, ids=" ".join)
def test_help_is_in_swedish(capsys, args):
    code, out, _ = run(capsys, *args)
    assert code == 0 and out.startswith("användning: egenkontroll")
    assert "flaggor:" in out and "visa den här hjälpen och avsluta" in out
    assert not ENGLISH.search(out) and not METAVARS.search(out), out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["trolla"], "KOMMANDO: 'trolla' finns inte; välj bland 'import', 'profil', 'status'"),
        (["sample", "--checklist", "valdsfraga"], "det här måste anges: --n"),
        (["status", "extra"], "okända argument: extra"),
        (["sample", "--checklist", "v", "--n", "tio"], "--n: 'tio' är inget heltal"),
        (["plan", "--tolerable"], "--tolerable: ett värde saknas efter flaggan"),
        (["results", "--by", "x"], "--by: 'x' finns inte; välj bland 'enhet', 'arendetyp'"),
    ],
)
def test_usage_errors_are_translated(capsys, args, expected):
    assert expected in run(capsys, *args)[2]


# --------------------------------------------------------------------------- the workspace


@pytest.fixture
def imported(tmp_path) -> Path:
    """A workspace with 60 cases, every third without handläggare."""
    rows = [case(i, Handläggare="" if i % 3 == 0 else f"HL{i % 4}") for i in range(60)]
    with Workspace.open(tmp_path / "arbetsyta") as workspace:
        workspace.import_register(write_csv(tmp_path / "register.csv", rows))
    return tmp_path / "arbetsyta"


def test_workspace_may_be_named_before_or_after_the_verb(capsys, imported):
    before = run(capsys, "--workspace", str(imported), "status", "--json")
    after = run(capsys, "status", "--json", "--workspace", str(imported))
    assert before[0] == after[0] == 0 and before[1] == after[1] and '"arenden": 60' in after[1]


def test_a_missing_workspace_is_not_created_outside_import_and_demo(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EGENKONTROLL_WORKSPACE", raising=False)
    code, _, err = run(capsys, "status")
    assert code == 2 and not (tmp_path / "arbetsyta").exists()
    folder = tmp_path / "arbetsyta"
    assert f"egenkontroll: arbetsytan är {folder} (standard; välj en annan med --workspace)" in err
    assert "Det finns ingen arbetsyta i" in err and "--ny" in err and "egenkontroll import FIL" in err
    for verb in (["results"], ["sample", "--checklist", "valdsfraga", "--n", "3"], ["export", "r.xlsx"],
                 ["review", "--no-browser"], ["lab", "--no-browser"], ["verify", "x"]):
        assert run(capsys, *verb)[0] == 2 and not (tmp_path / "arbetsyta").exists(), verb
    assert run(capsys, "status", "--ny")[0] == 0 and (folder / "egenkontroll.sqlite").is_file()


def test_import_creates_its_workspace_and_says_which(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EGENKONTROLL_WORKSPACE", raising=False)
    code, out, err = run(capsys, "import", str(write_csv(tmp_path / "r.csv", [case(1)])))
    assert code == 0 and "Läste in 1 ärenden" in out and "arbetsytan är" in err


# --------------------------------------------------------------------------- the verbs


def test_plan_asks_for_a_percent_sign_for_a_bare_ten(capsys):
    code, _, err = run(capsys, "plan", "--tolerable", "10")
    assert code == 2 and "'10' är ingen andel mellan 0 och 1; menar du 10 %? Skriv 10% (eller 0.1)" in err
    assert run(capsys, "plan", "--tolerable", "10%")[1].startswith("Med 29 akter")


@pytest.mark.parametrize("verb", [["sample", "--checklist", "valdsfraga", "--n", "3"], ["export", "r.xlsx"]])
def test_a_bad_period_shows_forms_that_can_be_typed(capsys, verb):
    err = run(capsys, *verb, "--period", "2026-X1")[2]
    assert "'2026-X1' är ingen period; skriv ett år (t.ex. 2026) eller ett tertial (2026-T1, 2026-T2" in err
    assert "par datum" not in err


def test_empty_strata_values_form_their_own_stratum_said_in_the_output(capsys, imported):
    code, out, err = run(capsys, "--workspace", str(imported), "sample", "--checklist", "valdsfraga",
                         "--n", "12", "--seed", "3", "--strata", "handlaggare")
    assert code == 0, err
    assert "20 av 60 ärenden saknar handlaggare; de bildar ett eget stratum, 'uppgift saknas'" in err
    assert "startad med 12 slumpvis utvalda akter av 60 ärenden i urvalsramen" in out
    assert "Per stratum (handlaggare), akter i urvalet av ärenden i ramen:" in out
    assert "  uppgift saknas: 4 av 20" in out and "  HL1: 2 av 10" in out
    session = out.split()[1]
    assert run(capsys, "--workspace", str(imported), "verify", session)[0] == 0


def test_an_unknown_strata_column_lists_the_ones_that_exist(capsys, imported):
    code, _, err = run(capsys, "--workspace", str(imported), "sample", "--checklist", "valdsfraga",
                       "--n", "5", "--strata", "handläggare")
    assert code == 2
    assert "Registret har ingen kolumn 'handläggare'. Kolumner att stratifiera på: kon, fodelsear, enhet, " \
           "handlaggare, arendetyp" in err


def test_status_uses_swedish_words(capsys, imported):
    out = run(capsys, "--workspace", str(imported), "status")[1]
    assert "Ärenden per ärendetyp:\n  Barn och unga: 60" in out and "barn_och_unga" not in out
    assert "Senaste inläsning: register.csv " in out and "(profil generisk): 60 ärenden, 60 nya" in out


def test_results_fit_100_columns(capsys, tmp_path):
    from tests.egenkontroll.test_export import build_small_workspace

    folder = build_small_workspace(tmp_path / "ws")
    for by in ([], ["--by", "enhet"], ["--by", "arendetyp"]):
        code, out, _ = run(capsys, "--workspace", str(folder), "results", "--per-datum", "2026-10-31", *by)
        assert code == 0 and max(map(len, out.splitlines())) <= cli.TABLE_WIDTH
        assert "Har frågan om våld ställts och är" in out and "Metod: " in out


def test_export_writes_xlsx_only_into_export_and_never_over_a_file(capsys, imported, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = ["--workspace", str(imported), "export"]
    code, _, err = run(capsys, *base, "rapport.csv")
    assert code == 2 and "måste heta något som slutar på .xlsx (t.ex. rapport.xlsx)" in err
    assert not list(tmp_path.rglob("rapport.csv"))
    assert run(capsys, *base, "rapport.xlsx")[0] == 0
    written = imported / "export" / "rapport.xlsx"
    assert written.read_bytes()[:2] == b"PK" and not (tmp_path / "rapport.xlsx").exists()
    before = written.stat().st_mtime_ns
    code, _, err = run(capsys, *base, "rapport.xlsx")
    assert code == 2 and "finns redan och skrivs inte över" in err and "--skriv-over" in err
    assert written.stat().st_mtime_ns == before
    assert run(capsys, *base, "rapport.xlsx", "--skriv-over")[0] == 0
    assert run(capsys, *base, "./har.xlsx")[0] == 0 and (tmp_path / "har.xlsx").is_file()


# --------------------------------------------------------------------------- egenkontroll profil


def test_profil_drafts_a_profile_that_imports_once_its_case_types_are_placed(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    renamed = {"Ärende-ID": "Akt", "Inkom": "Registrerad", "Ärendetyp": "Kategori", "Handläggare": "Ansvarig"}
    headings = [renamed.get(h, h) for h in HEADINGS]
    empty = {"Förhandsbedömning": "", "Utredning inledd": "", "Utredning avslutad": "", "Beslut": "",
             "Verkställt": ""}
    written = [case(i, Inkom=f"{i % 12 + 1}/{i % 28 + 1}/2024",
                    Ärendetyp="Socialpsykiatri" if i == 0 else "Barn och unga", **empty) for i in range(20)]
    rows = [{renamed.get(k, k): v for k, v in row.items()} for row in written]
    export = write_csv(tmp_path / "lifecare.csv", rows, headings=headings)
    code, out, _ = run(capsys, "profil", str(export))
    assert code == 0
    assert "  Akt → arende_id (gissning, kontrollera)" in out
    assert "  Registrerad → inkom_datum (gissning" in out
    assert "Fält som inte kunde placeras: kon, fodelsear, pagaende_utredning, forlangning_beslutad" in out
    assert "Ärendetyper att placera under arendetyper: Socialpsykiatri" in out
    draft = yaml.safe_load((tmp_path / "importprofil.yaml").read_text(encoding="utf-8"))
    assert draft["kolumner"]["inkom_datum"] == ["Registrerad"]
    assert draft["datumformat"] == {"inkom_datum": "%m/%d/%Y"}
    assert run(capsys, "profil", str(export))[0] == 2  # not overwritten without --skriv-over
    text = (tmp_path / "importprofil.yaml").read_text(encoding="utf-8")
    (tmp_path / "importprofil.yaml").write_text(text.replace("  # ovrigt:", "  ovrigt:"), encoding="utf-8")
    code, out, err = run(capsys, "--workspace", "arbetsyta", "import", str(export),
                         "--profile", "importprofil")
    assert code == 0, err
    assert "  Registrerad → inkom_datum (Inkom)" in out and "kolumn Registrerad: profilens datumformat" in out


def test_profil_places_known_headings_without_guessing(tmp_path):
    from egenkontroll import profile_draft

    draft = profile_draft.draft_profile(write_csv(tmp_path / "g.csv", [case(1)]))
    assert draft.guessed == set() and draft.placed["inkom_datum"] == "Inkom"
    assert draft.extra_headings == ["Anteckning"] and draft.unknown_case_types == []
    assert register.load_profile(_saved(tmp_path, draft.text)).field_for("Inkom") == "inkom_datum"


def _saved(folder: Path, text: str) -> Path:
    path = folder / "utkast.yaml"
    path.write_text(text, encoding="utf-8")
    return path
