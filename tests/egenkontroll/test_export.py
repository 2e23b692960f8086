"""The Excel export, reopened with openpyxl and checked cell by cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import time_machine

from egenkontroll import Workspace, checklists, demo, export, formatting, results
from egenkontroll._fields import CASE_TYPE_LABELS, CASE_TYPES
from egenkontroll.answertypes import ANSWER_TYPES
from tests.egenkontroll.test_review_model import write_register

AS_OF = dt.date(2026, 10, 31)
INJECTIONS = ("=HYPERLINK(\"http://example.invalid\")", "+SUM(1,2)", "-1+2", "@SUM(A1)", "\t=1")


def build_small_workspace(folder: Path) -> Path:
    """A demo register of 800 cases and one valdsfraga session with hostile comments; the enhet of the
    first sampled case gets only 3 answers (suppressed)."""
    with Workspace.open(folder) as workspace:
        export_file = folder / "register.xlsx"
        demo.write_export_xlsx(demo.generate_register(seed=7, n_cases=800), export_file)
        workspace.import_register(export_file)
        session = workspace.create_session("valdsfraga", n=40, seed=11, period="2025")
        small = session.case(session.case_ids[0])["enhet"]
        in_small = [case_id for case_id in session.case_ids if session.case(case_id)["enhet"] == small]
        for number, case_id in enumerate(c for c in session.case_ids if c not in in_small[3:]):
            answer = "nej" if number % 4 == 0 else "ja"
            comment = INJECTIONS[number // 4 % len(INJECTIONS)] if answer == "nej" else None
            if number == 4:
                comment = "<img src=x onerror=alert(1)>"
            session.record(case_id, "vald_fragat", answer, reviewer="Granskare A", comment=comment)
    return folder


@pytest.fixture(scope="module")
def small_workspace(tmp_path_factory) -> Path:
    return build_small_workspace(tmp_path_factory.mktemp("export") / "arbetsyta")


@pytest.fixture(scope="module")
def workbook(small_workspace, tmp_path_factory):
    target = tmp_path_factory.mktemp("ut") / "rapport.xlsx"
    with Workspace.open(small_workspace) as workspace:
        written = export.export_xlsx(workspace, target, as_of=AS_OF)
        expected = results.item_results(workspace, as_of=AS_OF)
        by_enhet = results.item_results(workspace, by="enhet", as_of=AS_OF)
    assert written == target
    return openpyxl.load_workbook(target), expected, by_enhet


@pytest.fixture(scope="module")
def underlag(small_workspace, tmp_path_factory):
    target = tmp_path_factory.mktemp("ut") / "underlag.xlsx"
    with Workspace.open(small_workspace) as workspace:
        assert export.export_underlag_xlsx(workspace, target) == target
    return openpyxl.load_workbook(target)


def rows(sheet) -> list[dict]:
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, (cell.value for cell in row), strict=True))
            for row in sheet.iter_rows(min_row=2)]


def test_the_sheets_are_exactly_these(workbook):
    assert workbook[0].sheetnames == ["Sammanfattning", "Per fråga", "Per enhet", "Trend",
                                      "Registerindikatorer", "Metod"]


def test_the_underlag_is_a_workbook_of_its_own_that_says_whom_it_is_for(underlag):
    assert underlag.sheetnames == ["Om underlaget", "Underlag"]
    notice = [row[0] for row in underlag["Om underlaget"].iter_rows(values_only=True)]
    assert notice == [*export.UNDERLAG_NOTICE, export.TIME_NOTE]
    assert "kvalitetsutvecklaren" in notice[0] and "inte till för ledningsgruppen" in notice[1]


def test_the_report_lists_no_single_case_and_no_comment(workbook):
    texts = {str(cell.value) for sheet in workbook[0].worksheets for row in sheet.iter_rows() for cell in row}
    assert not texts & set(INJECTIONS) and "<img src=x onerror=alert(1)>" not in texts


def test_per_fraga_holds_the_figures_of_results(workbook, underlag):
    book, expected, _ = workbook
    shown = {row["Fråga"]: row for row in rows(book["Per fråga"])}
    asked = expected[expected["item"] == "vald_fragat"].iloc[0]
    row = shown[asked["item_text"]]
    assert (row["Ja"], row["Besvarade"]) == (asked["k"], asked["n"])
    assert asked["n"] == len(rows(underlag["Underlag"]))
    assert row["Andel ja"] == pytest.approx(asked["estimate"])
    # issue 13, item 4: bounds are rounded outward to the precision they are shown with
    assert row["Nedre gräns"] == pytest.approx(formatting.bound_value(asked["lower"], "lower", asked["goal"]))
    assert row["Övre gräns"] == pytest.approx(formatting.bound_value(asked["upper"], "upper", asked["goal"]))
    assert row["Nedre gräns"] <= asked["lower"] and row["Övre gräns"] >= asked["upper"]
    assert row["Status"] == asked["status"].capitalize()  # "Röd", as the dashboard writes it
    assert row["Kritisk"] == "Ja" and row["Checklista"] == "Våldsfråga"


def test_shares_have_a_percent_format_and_status_its_colour(workbook):
    sheet = workbook[0]["Per fråga"]
    header = [cell.value for cell in sheet[1]]
    share, status = header.index("Andel ja") + 1, header.index("Status") + 1
    assert sheet.cell(2, share).number_format == "0\\ %"  # "87 %", the Swedish style (issue 13, item 4)
    colour = sheet.cell(2, status).fill.fgColor.rgb
    assert colour.endswith({"Grön": "4CAF50", "Gul": "FFC107", "Röd": "E53935"}[sheet.cell(2, status).value])


def test_headers_are_styled_and_frozen(workbook, underlag):
    for sheet in [*(workbook[0][name] for name in ("Per fråga", "Per enhet", "Trend", "Metod")),
                  underlag["Underlag"]]:
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.bold
        assert sheet["A1"].fill.fgColor.rgb.endswith("0072B2")
        assert sheet.column_dimensions["A"].width >= 10


def test_suppressed_groups_show_a_dash_in_every_figure(workbook):
    book, _, by_enhet = workbook
    small = by_enhet[by_enhet["suppressed"] & (by_enhet["item"] == "vald_fragat")]
    assert not small.empty, "the fixture must have an enhet with fewer than 5 cases"
    shown = [row for row in rows(book["Per enhet"]) if row["Enhet"] in set(small["group"])
             and row["Fråga"] == small["item_text"].iloc[0]]
    assert shown
    for row in shown:
        figures = ("Ja", "Besvarade", "Andel ja", "Nedre gräns", "Övre gräns", "Status")
        assert [row[name] for name in figures] == ["–"] * 6


def test_no_cell_is_a_formula_and_formula_like_text_is_kept_as_text(workbook, underlag):
    sheets = [*workbook[0].worksheets, *underlag.worksheets]
    cells = [cell for sheet in sheets for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    comments = {cell.value: cell for cell in cells if cell.value in INJECTIONS}
    assert set(comments) == set(INJECTIONS)
    for cell in comments.values():
        assert cell.data_type == "s"
        assert cell.quotePrefix


@pytest.mark.parametrize("text", [*INJECTIONS, "\r=1"])
def test_safe_text_marks_formula_like_text(text):
    cell = openpyxl.Workbook().active["A1"]
    cell.value = text
    export.safe_text(cell)
    assert (cell.data_type, cell.quotePrefix) == ("s", True)


def test_safe_text_leaves_ordinary_text_without_prefix():
    cell = openpyxl.Workbook().active["A1"]
    cell.value = "Barnets bästa är beaktat"
    export.safe_text(cell)
    assert (cell.data_type, cell.quotePrefix) == ("s", False)


def test_underlag_is_one_row_per_case_and_item_pseudonymised_and_names_the_reviewer(underlag):
    book = underlag
    underlag = rows(book["Underlag"])
    assert len({row["Ärende"] for row in underlag}) == len(underlag)
    assert {row["Fråga (id)"] for row in underlag} == {"vald_fragat"}
    assert all(len(row["Person (pseudonym)"]) >= 16 for row in underlag)
    assert {row["Granskare"] for row in underlag} == {"Granskare A"}  # the reviewer is named (issue 15)
    # issue 19: Swedish labels, not the stored codes; the id of the granskning kept in its own column
    assert {row["Svar"] for row in underlag} == {"Ja", "Nej"}
    assert {row["Checklista"] for row in underlag} == {"Våldsfråga"}
    assert {row["Ärendetyp"] for row in underlag} <= set(CASE_TYPE_LABELS.values())
    assert {row["Granskning"] for row in underlag} == {"Våldsfråga, 2025"}
    assert all(row["Granskningens id"].startswith("2025-valdsfraga-") for row in underlag)
    texts = {str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row}
    assert not any(text[:6].isdigit() and "-" in text and len(text) in (11, 13) for text in texts)


def test_metod_names_seed_fingerprint_and_design(workbook, small_workspace):
    (row,) = rows(workbook[0]["Metod"])
    with Workspace.open(small_workspace) as workspace:
        (session,) = workspace.sessions()
    assert row["Frö"] == "11"
    assert (row["Granskning"], row["Granskningens id"], row["Checklista"]) == (
        "Våldsfråga, 2025", session.id, "Våldsfråga")
    assert row["Fingeravtryck (manifest)"] == session.manifest["fingerprint"]
    assert row["Urvalsdesign"] == "obundet slumpmässigt urval"
    assert row["Period"] == "2025"
    assert "Wilson" in row["Intervallmetod"]


def test_registerindikatorer_has_the_register_shares(workbook, small_workspace):
    sheet = workbook[0]["Registerindikatorer"]
    with Workspace.open(small_workspace) as workspace:
        expected = results.register_indicators(workspace, as_of=AS_OF)["forhandsbedomning_14_dagar"]
    first = expected[~expected["suppressed"]].iloc[0]
    found = [row for row in sheet.iter_rows(values_only=True) if row[0] == first["period"]]
    assert found[0][1:4] == (first["k"], first["n"], pytest.approx(first["share"]))


def test_a_failed_write_leaves_the_old_file_and_no_temporary(small_workspace, tmp_path, monkeypatch):
    target = tmp_path / "rapport.xlsx"
    target.write_bytes(b"gammal")

    def broken_save(self, filename):
        Path(filename).write_bytes(b"halv")
        raise OSError("disken är full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with Workspace.open(small_workspace) as workspace, pytest.raises(OSError):
        export.export_xlsx(workspace, target, as_of=AS_OF)
    assert target.read_bytes() == b"gammal"
    assert list(tmp_path.iterdir()) == [target]


def test_the_workbook_states_its_per_datum_and_reads_no_clock(small_workspace, tmp_path):
    books = []
    for number, now in enumerate(("2027-03-01T09:00:00", "2034-12-24T23:30:00")):
        target = tmp_path / f"rapport-{number}.xlsx"
        with time_machine.travel(dt.datetime.fromisoformat(now), tick=False), \
                Workspace.open(small_workspace) as workspace:
            export.export_xlsx(workspace, target, as_of="2026-10-31")
        books.append(openpyxl.load_workbook(target))
    first, second = ([list(sheet.iter_rows(values_only=True)) for sheet in book] for book in books)
    assert first == second
    summary = {row[0]: row[1] for row in books[0]["Sammanfattning"].iter_rows(values_only=True) if row[0]}
    assert summary["Per datum (tidsfrister bedömda)"] == dt.datetime(2026, 10, 31)  # a date cell
    assert {row["Per datum"] for row in rows(books[0]["Metod"])} == {dt.datetime(2026, 10, 31)}


# --- issue 19: written for the kvalitetsberättelse ---------------------------------------------

def internal_codes() -> set[str]:
    """The stored codes a reader must never meet: checklist and item ids, case types, fixed answers other
    than words (ej_aktuellt), interval methods."""
    loaded = [checklists.load(name) for name in checklists.available()]
    fixed = {value for answer_type in ANSWER_TYPES.values() for value in answer_type.values if "_" in value}
    items = {item.id for checklist in loaded for item in checklist.items}
    methods = set(results.METHOD_NAMES)
    return {checklist.id for checklist in loaded} | items | set(CASE_TYPES) | fixed | methods


def test_the_report_shows_no_internal_codes(workbook):
    codes = internal_codes()
    assert {"valdsfraga", "barn_och_unga", "ej_aktuellt", "vald_fragat"} <= codes
    texts = [cell.value for sheet in workbook[0].worksheets for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str)]
    assert [text for text in texts if text in codes] == []
    assert [text for text in texts if any(code in text for code in codes if "_" in code)] == []
    assert "Våldsfråga" in texts and "Frö" in texts and "Seed" not in texts


def test_times_are_excel_times_in_swedish_time_and_dates_are_excel_dates(workbook, underlag, small_workspace):
    with Workspace.open(small_workspace) as workspace:
        (session,) = workspace.sessions()
        answers = session.answers().set_index("arende_id")
    sheet = workbook[0]["Metod"]
    header = [cell.value for cell in sheet[1]]
    created = sheet.cell(2, header.index("Skapad (svensk tid)") + 1)
    swedish = dt.datetime.fromisoformat(session.created_at).astimezone(export.SWEDISH_TIME)
    assert isinstance(created.value, dt.datetime) and created.number_format == "yyyy-mm-dd hh:mm"
    assert created.value == swedish.replace(tzinfo=None, microsecond=0)  # wall-clock time, not UTC
    assert swedish.utcoffset() in (dt.timedelta(hours=1), dt.timedelta(hours=2))
    per_datum = sheet.cell(2, header.index("Per datum") + 1)
    assert (per_datum.value, per_datum.number_format) == (dt.datetime(2026, 10, 31), "yyyy-mm-dd")
    table = underlag["Underlag"]
    header = [cell.value for cell in table[1]]
    case_id = table.cell(2, header.index("Ärende") + 1).value
    saved, received = (table.cell(2, header.index(name) + 1) for name in ("Sparat (svensk tid)", "Inkom"))
    expected = dt.datetime.fromisoformat(answers.loc[case_id, "recorded_at"]).astimezone(export.SWEDISH_TIME)
    assert saved.value == expected.replace(tzinfo=None, microsecond=0)
    assert saved.number_format == "yyyy-mm-dd hh:mm"
    assert isinstance(received.value, dt.datetime) and received.number_format == "yyyy-mm-dd"
    notes = [row[0] for book in (workbook[0], underlag)
             for row in book.worksheets[0].iter_rows(values_only=True)]
    assert sum(note == export.TIME_NOTE for note in notes) == 2  # "svensk tid" said on both first sheets


def test_every_table_has_an_autofilter(workbook, underlag):
    book = workbook[0]
    tables = [*(book[name] for name in ("Per fråga", "Per enhet", "Trend", "Metod")), underlag["Underlag"]]
    for sheet in tables:
        assert sheet.auto_filter.ref == sheet.dimensions  # header row and every row below it
    summary = book["Sammanfattning"]
    first = summary[summary.auto_filter.ref.split(":")[0]]
    assert first.value == "Kritiska frågor" and summary.auto_filter.ref.endswith(str(summary.max_row))
    indicators = book["Registerindikatorer"]
    assert len(indicators.tables) == 4  # one Excel table, with its own filter, per indicator
    for name in indicators.tables:
        table = indicators.tables[name]
        assert table.autoFilter.ref == table.ref
        assert indicators[table.ref.split(":")[0]].value in ("Tertial", "Kvartal")


def test_column_widths_fit_what_the_cells_show(workbook, underlag):
    def widths(sheet) -> dict[str, float]:
        return {cell.value: sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]}

    per_item = widths(workbook[0]["Per fråga"])
    assert per_item["Andel ja"] < 15  # "79 %", not the 0.7886234833971904 behind it
    assert per_item["Fråga"] >= len("Har frågan om våld ställts och är svaret dokumenterat?")
    assert per_item["Ja"] < 12
    method = widths(workbook[0]["Metod"])
    assert method["Skapad (svensk tid)"] >= len("2026-10-31 14:05") and method["Intervallmetod"] <= 72
    assert widths(underlag["Underlag"])["Inkom"] >= len("2026-10-31")
    long_text = next(cell for row in workbook[0]["Metod"].iter_rows(min_row=2) for cell in row
                     if isinstance(cell.value, str) and len(cell.value) > 100)
    assert long_text.alignment.wrap_text
    indicators = workbook[0]["Registerindikatorer"]
    assert indicators.column_dimensions["A"].width < 15  # the titles above the tables run on, not widen A


def test_fixed_answers_and_case_types_are_their_labels_in_the_underlag(workspace, tmp_path):
    workspace.import_register(write_register(tmp_path / "register.csv"))
    session = workspace.create_session("valdsfraga", n=3, seed=1)
    for case_id, answer in zip(session.case_ids, ("ja", "nej", "ej_aktuellt"), strict=True):
        session.record(case_id, "vald_fragat", answer, reviewer="Granskare B")
    book = openpyxl.load_workbook(export.export_underlag_xlsx(workspace, tmp_path / "underlag.xlsx"))
    shown = rows(book["Underlag"])
    assert [row["Svar"] for row in shown] == ["Ja", "Nej", "Ej aktuellt"]
    assert {row["Ärendetyp"] for row in shown} == {"Barn och unga"}
    assert {row["Granskare"] for row in shown} == {"Granskare B"}


def test_the_underlag_of_a_period_keeps_each_row_whole(small_workspace, underlag, tmp_path):
    with Workspace.open(small_workspace) as workspace:
        target = export.export_underlag_xlsx(workspace, tmp_path / "t2.xlsx", period="2025-T2")
    every = {row["Ärende"]: row for row in rows(underlag["Underlag"])}
    shown = rows(openpyxl.load_workbook(target)["Underlag"])
    assert 0 < len(shown) < len(every)
    for row in shown:
        assert dt.datetime(2025, 5, 1) <= row["Inkom"] <= dt.datetime(2025, 8, 31)
        assert row == every[row["Ärende"]]  # the same dates and times as in the whole underlag
