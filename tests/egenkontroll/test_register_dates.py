"""Issue 19, import: every date form, a profile's pinned date format, the rule named in the report,
problems summarised per column, profiles found by name, old .xls files and web pages named .xls."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
import pytest

from egenkontroll import register
from egenkontroll.errors import RegisterError
from egenkontroll.workspace import Workspace
from tests.egenkontroll.test_register import DATA, HEADINGS, KEY, case, write_csv, write_xlsx

ONLY_INKOM = {"Förhandsbedömning": "", "Utredning inledd": "", "Utredning avslutad": "", "Beslut": "",
              "Verkställt": ""}


def inkom_rows(*written: object) -> list[dict[str, object]]:
    """One case per written Inkom value, every other date empty."""
    return [case(i, Inkom=value, **ONLY_INKOM) for i, value in enumerate(written)]


def profile_file(folder, text: str, name: str = "profil.yaml"):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def caught(path, **options) -> RegisterError:
    with pytest.raises(RegisterError) as error:
        register.read_register(path, key=KEY, **options)
    return error.value


# --------------------------------------------------------------------------- date forms


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("7/3/2025", "2025-03-07"),  # D/M/ÅÅÅÅ, the Swedish order: 7 March
        ("11/6/2025", "2025-06-11"),
        ("07/03/2025", "2025-03-07"),
        ("31/12/2025", "2025-12-31"),
        ("7.3.2025", "2025-03-07"),  # D.M.ÅÅÅÅ
        ("07.03.2025", "2025-03-07"),
        ("7/3/2025 13:45", "2025-03-07"),
        ("7/3 2025", "2025-03-07"),
        ("7/3-2025", "2025-03-07"),
        ("2025-03-07", "2025-03-07"),
        ("2025-03-07T08:00:00", "2025-03-07"),
        ("20250307", "2025-03-07"),
        ("7 mars 2025", "2025-03-07"),
        ("45723", "2025-03-07"),
    ],
)
def test_every_date_form_in_csv(tmp_path, written, expected):
    frame = register.read_register(write_csv(tmp_path / "d.csv", inkom_rows(written)), key=KEY)
    assert frame["inkom_datum"].iloc[0] == pd.Timestamp(expected)


def test_a_windows_1252_semicolon_export_with_day_first_dates_imports(tmp_path):
    rows = [case(i, Enhet="Västra", Inkom=f"{i % 28 + 1}/{i % 12 + 1}/2025",
                 **{**ONLY_INKOM, "Beslut": "1.7.2025"}) for i in range(40)]
    frame = register.read_register(write_csv(tmp_path / "treserva.csv", rows, encoding="cp1252"), key=KEY)
    assert frame["inkom_datum"].iloc[4] == pd.Timestamp("2025-05-05")
    assert frame["inkom_datum"].iloc[12] == pd.Timestamp("2025-01-13")
    assert (frame["beslut_datum"] == pd.Timestamp("2025-07-01")).all()


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("6/13/2025", "med dagen först (D/M/ÅÅÅÅ, svensk standard) blir månaden 13; står månaden först i "
                      "filen, ange datumformat \"%m/%d/%Y\""),
        ("11/6/25", "året har bara två siffror; skriv det med fyra"),
        ("31/2/2025", "ogiltigt datum '31/2/2025'"),
        ("32.1.2025", "ogiltigt datum '32.1.2025'"),
        ("igår", "kan inte tolka 'igår' som datum (skriv ÅÅÅÅ-MM-DD eller D/M/ÅÅÅÅ"),
    ],
)
def test_unreadable_dates_say_what_they_look_like_and_what_to_do(tmp_path, written, expected):
    error = caught(write_csv(tmp_path / "d.csv", inkom_rows("2025-01-01", written)))
    assert [p.row for p in error.problems] == [3]
    assert expected in error.problems[0].message, error.problems[0].message


def test_a_profile_pins_a_columns_format_and_iso_stays_accepted(tmp_path):
    profile = profile_file(tmp_path, 'bas: generisk\ndatumformat:\n  inkom_datum: "%m/%d/%Y"\n')
    rows = inkom_rows("3/7/2025", "12/31/2025", "2025-03-07")
    frame = register.read_register(write_csv(tmp_path / "m.csv", rows), key=KEY, profile=profile)
    expected = [pd.Timestamp(d) for d in ("2025-03-07", "2025-12-31", "2025-03-07")]
    assert frame["inkom_datum"].tolist() == expected
    assert frame.attrs[register.DATE_RULES][0] == "kolumn Inkom: profilens datumformat %m/%d/%Y"
    wrong = caught(write_csv(tmp_path / "fel.csv", inkom_rows("31/12/2025")), profile=profile)
    assert wrong.problems[0].message == ("kan inte tolka '31/12/2025' som datum i profilens datumformat "
                                         "%m/%d/%Y")


def test_alla_pins_every_date_column_and_a_column_of_its_own_wins(tmp_path):
    profile = profile_file(tmp_path, 'bas: generisk\ndatumformat:\n  alla: "%m/%d/%Y"\n'
                                     '  beslut_datum: "%d.%m.%Y"\n')
    rows = [case(1, Inkom="3/7/2025", Beslut="8.3.2025", **{k: "" for k in ONLY_INKOM if k != "Beslut"})]
    frame = register.read_register(write_csv(tmp_path / "a.csv", rows), key=KEY, profile=profile)
    assert frame[["inkom_datum", "beslut_datum"]].iloc[0].tolist() == [pd.Timestamp("2025-03-07"),
                                                                       pd.Timestamp("2025-03-08")]


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ('datumformat:\n  inkom: "%m/%d/%Y"', "okänt datumfält 'inkom' i datumformat"),
        ('datumformat:\n  inkom_datum: "%m/%d/%y"', "ska innehålla %d, %m och %Y"),
        ('datumformat:\n  inkom_datum: "%d/%d/%Y %m"', "ska innehålla %d, %m och %Y"),
        ("datumformat: [x]", "avsnittet 'datumformat' ska vara en mappning"),
    ],
)
def test_bad_date_formats_in_a_profile_are_refused(tmp_path, section, expected):
    with pytest.raises(RegisterError) as error:
        register.load_profile(profile_file(tmp_path, f"bas: generisk\n{section}\n"))
    assert any(expected in p.message for p in error.value.problems), error.value.problems


def test_the_report_names_the_rule_that_read_each_date_column(tmp_path):
    rows = [case(1, Inkom="7/3/2025", Förhandsbedömning="2025-03-08", Beslut="20.3.2025",
                 **{"Utredning inledd": "", "Utredning avslutad": "", "Verkställt": ""})]
    frame = register.read_register(write_xlsx(tmp_path / "r.xlsx", rows), key=KEY)
    rules = frame.attrs[register.DATE_RULES]
    assert rules[0] == ("kolumn Inkom: D/M/ÅÅÅÅ (dagen först); t.ex. '7/3/2025' lästes som 2025-03-07 "
                        "(dagen först är svensk standard; står månaden först i filen, ange datumformat i "
                        "importprofilen)")
    assert "kolumn Förhandsbedömning: ÅÅÅÅ-MM-DD" in rules
    assert "kolumn Beslut: D.M.ÅÅÅÅ (dagen först)" in rules  # 20.3 cannot be month first: no note
    assert "kolumn Verkställt: inga datum" in rules


def test_excel_date_cells_are_named_in_the_rules(tmp_path):
    rows = [case(1, Inkom=dt.date(2025, 3, 7), **{k: None for k in ONLY_INKOM})]
    frame = register.read_register(write_xlsx(tmp_path / "c.xlsx", rows), key=KEY)
    assert frame.attrs[register.DATE_RULES][0] == "kolumn Inkom: Excel-datum"


# --------------------------------------------------------------------------- summaries


def test_problems_are_summarised_per_column_before_the_list(tmp_path):
    rows = inkom_rows(*[f"{m}/{d}/2025" for m, d in zip([1, 2, 3, 4], [13, 14, 15, 16], strict=True)])
    rows += [case(9, Enhet="", Inkom="2025-01-01", **ONLY_INKOM), case(10, Inkom="11/6/25", **ONLY_INKOM)]
    error = caught(write_csv(tmp_path / "m.csv", rows))
    assert error.overview == [
        "kolumn Enhet: 1 fel, t.ex. rad 6: värde saknas",
        "kolumn Inkom: 4 datum med månaden först (M/D/ÅÅÅÅ), t.ex. rad 2: kan inte tolka '1/13/2025' som "
        "datum: med dagen först (D/M/ÅÅÅÅ, svensk standard) blir månaden 13; står månaden först i filen, "
        "ange datumformat \"%m/%d/%Y\" för kolumnen i importprofilen",
        "kolumn Inkom: 1 datum med tvåsiffrigt år, t.ex. rad 7: kan inte tolka '11/6/25' som datum: året har "
        "bara två siffror; skriv det med fyra (D/M/ÅÅÅÅ eller ÅÅÅÅ-MM-DD)",
    ]
    text = str(error)
    assert text.index("Sammanfattning:") < text.index("Fel för fel:") < text.index("rad 2, kolumn Inkom")


def test_the_summary_counts_problems_past_the_listing_cap(tmp_path):
    from egenkontroll._filelimits import Limits

    rows = inkom_rows(*["igår"] * 30)
    error = caught(write_csv(tmp_path / "m.csv", rows), limits=Limits(max_problems=5))
    assert error.overview[0].startswith("kolumn Inkom: 30 värden som inte kan tolkas som datum, t.ex. rad 2:")


def test_a_single_problem_gets_no_summary(tmp_path):
    error = caught(write_csv(tmp_path / "e.csv", inkom_rows("igår")))
    assert error.overview == [] and "Sammanfattning" not in str(error)


def test_a_missing_required_column_says_how_to_write_a_profile(tmp_path):
    headings = ["Registrerad" if h == "Inkom" else h for h in HEADINGS]
    path = write_csv(tmp_path / "lifecare.csv", [{**case(1), "Registrerad": "2025-03-07"}], headings=headings)
    error = caught(path)
    assert error.problems[0].message.startswith("obligatorisk kolumn saknas: inkom_datum")
    assert error.overview == [register._PROFILE_ADVICE.format(file="lifecare.csv")]
    advice = error.overview[0]
    assert "--profile importprofil" in advice and "egenkontroll profil lifecare.csv" in advice


# --------------------------------------------------------------------------- profiles by name


def test_a_profile_name_finds_its_yaml_in_the_working_folder_then_the_workspace(tmp_path, monkeypatch):
    headings = ["Akt", *HEADINGS[1:]]
    path = write_csv(tmp_path / "p.csv", [case(1, Akt="K-1", Ärendetyp="Socialpsykiatri")], headings=headings)
    here, elsewhere = tmp_path / "har", tmp_path / "annan"
    here.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with Workspace.open(here / "arbetsyta") as workspace:
        own = (DATA / "egen_profil.yaml").read_text("utf-8")
        (workspace.path / "var-kommun.yaml").write_text(own, "utf-8")
        report = workspace.import_register(path, profile="var-kommun")
        assert report.new == 1 and workspace.cases()["arendetyp"].tolist() == ["ovrigt"]
        profile_file(elsewhere, "bas: generisk\nkolumner:\n  arende_id: [Akt]\n", "var-kommun.yaml")
        with pytest.raises(RegisterError, match="okänd ärendetyp 'Socialpsykiatri'"):
            workspace.import_register(path, profile="var-kommun")  # the working folder's file comes first


def test_an_unknown_profile_name_says_where_it_was_looked_for(tmp_path):
    with pytest.raises(RegisterError) as error:
        register.load_profile("var-kommun", folders=[tmp_path])
    message = error.value.problems[0].message
    assert f"ingen fil var-kommun.yaml i {tmp_path.resolve()}" in message and "generisk" in message
    assert "egenkontroll profil FIL" in message


# --------------------------------------------------------------------------- file kinds and the report


def test_an_old_xls_file_is_read_with_its_title_row_and_date_cells():
    frame = register.read_register(DATA / "gammal-export.xls", key=KEY)
    assert frame["arende_id"].tolist() == ["A-001", "A-002"]
    assert frame["inkom_datum"].tolist() == [pd.Timestamp("2024-03-01")] * 2


def test_a_web_page_named_xls_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<html><body><table><tr><td>Ärende-ID</td></tr></table></body></html>", encoding="utf-8")
    error = caught(path)
    assert "webbsida (HTML)" in str(error) and "spara om som .xlsx" in str(error)


def test_the_import_report_lists_which_columns_became_which_fields(tmp_path):
    with Workspace.open(tmp_path / "arbetsyta") as workspace:
        report = workspace.import_register(write_csv(tmp_path / "r.csv", [case(1, Inkom="7/3/2024")]))
    assert report.columns[:3] == (("Ärende-ID", "arende_id"), ("Personnummer", "personnummer"),
                                  ("Enhet", "enhet"))
    text = str(report)
    assert "  Inkom → inkom_datum (Inkom)" in text
    assert "  Personnummer → personnummer (sparas bara som pseudonym)" in text
    assert "kolumn Inkom: D/M/ÅÅÅÅ (dagen först)" in text
    assert "Kolumner som inte sparades (inte med i profilens extra_kolumner): Anteckning." in text
    assert os.fspath(tmp_path) not in text
