"""The Excel report's loop sheets (Egenkontrollplan, Åtgärdsplan, Riskanalys), cell by cell."""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pytest
from drills.synthetic import write_register

from egenkontroll import actions, checklists, effect, export, risks, yearplan
from egenkontroll.workspace import Workspace
from tests.egenkontroll.test_loop import answer_all

AS_OF = dt.date(2026, 12, 31)
#: the question of the item vald_fragat, as the loop names it
QUESTION = "Har frågan om våld ställts och är svaret dokumenterat?"
#: the loop's codes no person should have to read: checklist ids, item ids, register indicators
CODES = re.compile(r"\b(?:{})\b".format("|".join(sorted(
    {*checklists.available(), *actions.INDICATORS,
     *(item.id for name in checklists.available() for item in checklists.load(name).items)},
    key=len, reverse=True))))


def internal_codes(texts, session_ids) -> list[str]:
    """The checklist, item and indicator codes in *texts*, once the granskningar's ids (which are shown,
    in parentheses, to find them by) are taken out."""
    found = []
    for text in texts:
        for session_id in session_ids:
            text = text.replace(session_id, "")
        found += CODES.findall(text)
    return found


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """A workspace with a plan of two rows (one done, one overdue), two actions (one followed up, one
    overdue, its cause changed once) and two risks; exported per 2026-12-31."""
    folder = tmp_path_factory.mktemp("loop-export")
    with Workspace.open(folder / "arbetsyta") as ws:
        ws.import_register(write_register(folder / "register.csv", 120))
        first = ws.create_session("valdsfraga", n=20, seed=1, period="2026-T1")
        answer_all(first, {"vald_fragat": 10})
        done = yearplan.add_plan_row(ws.engine, year=2026, checklist="valdsfraga", period="2026-T1",
                                     planned_n=20, ansvarig="Enhetschef", enhet="Barn och unga")
        yearplan.link_session(ws.engine, done, first.id)
        yearplan.add_plan_row(ws.engine, year=2026, checklist="barnperspektiv", period="2026-06",
                              planned_n=10, ansvarig="Kvalitetsutvecklare")
        followed = actions.add_action(ws.engine, session=first.id, item="vald_fragat", cause="Okänd rutin",
                                      action="Genomgång på APT", ansvarig="Enhetschef", deadline="2026-06-30",
                                      opened="2026-05-10")
        actions.set_status(ws.engine, followed, "genomförd")
        later = ws.create_session("valdsfraga", n=20, seed=2, period="2026-T3")
        answer_all(later, {"vald_fragat": 20})
        effect.record_follow_up(ws.engine, followed, as_of=AS_OF)
        late = actions.add_action(ws.engine, kind="klagomal", deviation="Sent besked", action="=Ny rutin",
                                  ansvarig="Chef", deadline="2026-11-30", opened="2026-10-01")
        actions.update_action(ws.engine, late, cause="Hög arbetsbelastning")
        risks.add_risk(ws.engine, title="Våld upptäcks inte", sannolikhet=3, konsekvens=4,
                       checklist="valdsfraga", item="vald_fragat", actions=[followed, late])
        risks.add_risk(ws.engine, title="Sena besked", sannolikhet=1, konsekvens=2)
        target = export.export_xlsx(ws, folder / "rapport.xlsx", as_of=AS_OF)
    return openpyxl.load_workbook(target), followed, late, first.id, later.id


def _table(sheet, header_row: int) -> list[dict]:
    header = [cell.value for cell in sheet[header_row]]
    rows = []
    for row in sheet.iter_rows(min_row=header_row + 1):
        if row[0].value is None:
            break
        rows.append(dict(zip(header, row, strict=False)))
    return rows


def test_the_loop_sheets_follow_the_others(book):
    workbook, *_ = book
    assert workbook.sheetnames == [*export.SHEETS, *export.LOOP_SHEETS]


def test_the_egenkontrollplan_sheet(book):
    sheet = book[0]["Egenkontrollplan"]
    assert sheet["A1"].value == "Egenkontrollplan 2026: 1 av 2 genomförda, 1 försenad"
    assert sheet["A2"].value == "Status per 2026-12-31."
    assert [cell.value for cell in sheet[4]] == [
        "Rad", "År", "Checklista", "Period", "Planerade akter", "Enhet", "Ansvarig", "Klar senast", "Status",
        "Dragna akter", "Granskade akter", "Granskningens id"]
    assert sheet.auto_filter.ref == "A4:L6"
    done, late = _table(sheet, 4)
    assert [cell.value for cell in done.values()] == [
        1, 2026, "Våldsfråga", "jan–apr 2026", 20, "Barn och unga", "Enhetschef", dt.datetime(2026, 5, 31),
        "genomförd", 20, 20, book[3]]
    assert done["Klar senast"].number_format == "yyyy-mm-dd"
    names = ("Checklista", "Period", "Klar senast", "Status", "Granskningens id")
    shown = [late[name].value for name in names]
    assert shown == ["Barnperspektiv", "jun 2026", dt.datetime(2026, 7, 31), "försenad", None]


def test_the_atgardsplan_sheet_with_follow_up_and_history(book):
    workbook, followed, late, first, later = book
    sheet = workbook["Åtgärdsplan"]
    assert sheet["A1"].value == "Åtgärdsplan per 2026-12-31: 2 åtgärder, varav 1 försenad."
    assert sheet.auto_filter.ref == "A4:K6"
    shown = {row["Åtgärd"].value: row for row in _table(sheet, 4)}
    row = shown[followed]
    assert (row["Avvikelsens slag"].value, row["Avvikelse"].value, row["Orsaksanalys"].value,
            row["Status"].value) == ("Granskning", f"Granskning Våldsfråga jan–apr 2026 ({first}): "
                                     f"{QUESTION}", "Okänd rutin", "effekt uppnådd")
    assert row["Effekt bedömd mot"].value == f"Våldsfråga sep–dec 2026 ({later})"
    assert row["Beslutad"].value == dt.datetime(2026, 5, 10) and row["Beslutad"].number_format == "yyyy-mm-dd"
    note = row["Uppföljning (före och efter)"].value
    assert note.startswith(f"Mäter: Våldsfråga: {QUESTION}\nFöre: 50 % (10 av 20; 95 % KI")
    assert ") i granskningen jan–apr 2026\nEfter: 100 % (20 av 20; 95 % KI" in note
    assert ") i granskningen sep–dec 2026\n" in note
    assert "Effekten är visad" in note
    other = shown[late]
    assert (other["Avvikelsens slag"].value, other["Avvikelse"].value, other["Status"].value) == (
        "Klagomål", "Klagomål: Sent besked", "försenad")
    assert other["Åtgärd att genomföra"].value == "=Ny rutin" and other["Åtgärd att genomföra"].quotePrefix
    [history] = sheet.tables.values()
    first_row = int(history.ref.split(":")[0][1:])
    assert [cell.value for cell in sheet[first_row]][:8] == [
        "Åtgärd", "Tid (svensk tid)", "Vem", "Ändring", "Fält", "Före", "Efter", "Version"]
    log = _table(sheet, first_row)
    assert len(log) == int(history.ref.split(":")[1][1:]) - first_row
    status = [(r["Före"].value, r["Efter"].value) for r in log
              if r["Åtgärd"].value == followed and r["Fält"].value == "Status"]
    assert status == [(None, "planerad"), ("planerad", "genomförd"), ("genomförd", "effekt uppnådd")]
    opened = {r["Fält"].value: r["Efter"].value for r in log
              if r["Åtgärd"].value == followed and r["Ändring"].value == "ny"}
    assert (opened["Typ"], opened["Granskning"], opened["Checklista"], opened["Fråga"]) == (
        "Granskning", f"Våldsfråga jan–apr 2026 ({first})", "Våldsfråga", QUESTION)
    cause = [r for r in log if r["Åtgärd"].value == late and r["Ändring"].value == "ändring"]
    assert [(r["Fält"].value, r["Före"].value, r["Efter"].value, r["Version"].value) for r in cause] == [
        ("Orsaksanalys", None, "Hög arbetsbelastning", 2)]
    assert isinstance(cause[0]["Tid (svensk tid)"].value, dt.datetime)
    assert cause[0]["Tid (svensk tid)"].number_format == "yyyy-mm-dd hh:mm"


def test_the_riskanalys_sheet_and_matrix(book):
    workbook, followed, late, *_ = book
    sheet = workbook["Riskanalys"]
    assert sheet["A2"].value.startswith("Riskvärde = sannolikhet × konsekvens; nivå: 1–3 låg")
    high, low = _table(sheet, 4)
    assert [cell.value for cell in high.values()] == [
        1, "Våld upptäcks inte", None, 3, 4, 12, "mycket hög", None, f"Våldsfråga: {QUESTION}",
        f"{followed}, {late}"]
    assert (low["Riskvärde"].value, low["Nivå"].value) == (2, "låg")
    title = next(row for row in range(1, sheet.max_row + 1)
                 if str(sheet.cell(row, 1).value).startswith("Riskmatris"))
    matrix = [[cell.value for cell in row][:5]
              for row in sheet.iter_rows(min_row=title + 1, max_row=title + 5)]
    assert matrix == [["Konsekvens / sannolikhet", 1, 2, 3, 4], [4, 0, 0, 1, 0], [3, 0, 0, 0, 0],
                      [2, 1, 0, 0, 0], [1, 0, 0, 0, 0]]


def test_a_workspace_without_the_loop_gets_no_loop_sheets(tmp_path):
    with Workspace.open(tmp_path / "arbetsyta") as ws:
        ws.import_register(write_register(tmp_path / "register.csv", 30))
        target = export.export_xlsx(ws, tmp_path / "rapport.xlsx", as_of=AS_OF)
    assert openpyxl.load_workbook(target).sheetnames == list(export.SHEETS)


def test_no_internal_code_in_the_loop_sheets(book):
    workbook, _, _, first, later = book
    texts = [cell.value for name in export.LOOP_SHEETS for row in workbook[name].iter_rows() for cell in row
             if isinstance(cell.value, str)]
    assert internal_codes(texts, (first, later)) == []
    assert internal_codes([f"Granskning {first}, fråga vald_fragat", "valdsfraga: vald_fragat"],
                          (first,)) == ["vald_fragat", "valdsfraga", "vald_fragat"]  # the check sees them
