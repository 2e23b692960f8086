"""The kvalitetsberättelse's loop chapters: egenkontrollplan, åtgärdsplan and riskanalys, on the demo."""

from __future__ import annotations

import docx
import pytest

from egenkontroll import actions, report
from egenkontroll.demo import EXPORT_DATE
from egenkontroll.workspace import Workspace
from tests.egenkontroll.test_export_loop import QUESTION, internal_codes

#: the placeholders of the loop chapters
LOOP_PLACEHOLDERS = ("plan_sammanfattning", "egenkontrollplan", "atgard_sammanfattning", "atgarder", "risker")


@pytest.fixture(scope="module")
def demo(tmp_path_factory, copy_of_demo):
    with Workspace.open(copy_of_demo(tmp_path_factory.mktemp("rapport-loop") / "demo")) as workspace:
        yield workspace


@pytest.fixture(scope="module")
def context(demo):
    return report.report_context(demo, year=2026, as_of=EXPORT_DATE)


def test_the_plan_chapter_names_the_unmet_plan(context):
    assert context["plan_sammanfattning"] == [
        "Egenkontrollplan 2026: 9 av 10 genomförda, 1 försenad (per 2026-10-31).",
        "Försenad: Våldsfråga september 2026 (Våld i nära relationer), ansvarig Enhetschef Våld i nära "
        "relationer, klar senast 2026-10-15."]
    rows = context["egenkontrollplan"]
    assert len(rows) == 10 and rows[0] == {
        "checklista": "Våldsfråga", "period": "januari–april 2026", "akter": "30", "enhet": "",
        "ansvarig": "Kvalitetsutvecklare", "klar_senast": "2026-05-31", "status": "genomförd"}


def test_the_action_chapter_names_the_overdue_action_and_the_follow_ups(context):
    summary = context["atgard_sammanfattning"]
    assert summary[0] == ("Åtgärdsplanen per 2026-10-31: 5 åtgärder (1 planerad, 2 pågår, 1 effekt uppnådd, "
                          "1 effekt ej uppnådd).")
    assert summary[1:] == ["Försenad: Bevakningslista för förhandsbedömningar och en ersättare som fördelar "
                           "under semestern (Förhandsbedömning inom 14 dagar, maj–augusti 2026), ansvarig "
                           "Enhetschef Barn och unga, skulle vara klar 2026-10-15."]
    by_status = {row["status"]: row for row in context["atgarder"]}
    confirmed = by_status["effekt uppnådd"]
    assert confirmed["avvikelse"] == ("Granskning Barnperspektiv maj–augusti 2025: Har barnets bästa "
                                     "beaktats i bedömningen eller beslutet?")  # no id in print
    assert confirmed["uppfoljning"].startswith("Före: 63\u00a0% (19 av 30; 95\u00a0% KI")
    assert ") i granskningen maj–aug 2025 Efter: 97\u00a0% (29 av 30;" in confirmed["uppfoljning"]
    assert "Effekten är visad" in by_status["effekt uppnådd"]["uppfoljning"]
    assert "Effekten är inte visad" in by_status["effekt ej uppnådd"]["uppfoljning"]
    assert by_status["försenad"]["avvikelse"] == "Förhandsbedömning inom 14 dagar, maj–augusti 2026"


def test_a_free_text_deviation_is_named_by_its_kind_only_in_the_report(demo, context):
    free = actions.actions_table(demo, EXPORT_DATE)
    free = free[free["deviation"].notna()]
    assert len(free) >= 2  # the demo's lex Sarah and klagomål
    named = [row["avvikelse"] for row in context["atgarder"]]
    for text in free["deviation"]:
        assert all(text not in name for name in named)
    assert {"Lex Sarah", "Klagomål"} <= {name.split(" (")[0] for name in named}


def test_the_risk_chapter_lists_the_highest_first(context):
    first = context["risker"][0]
    assert first == {"risk": "Våld i nära relationer uppmärksammas inte", "sannolikhet": "3",
                     "konsekvens": "4", "varde": "12", "niva": "mycket hög",
                     "bevakas_av": f"Våldsfråga: {QUESTION}", "atgarder": "2, 4"}
    assert [row["niva"] for row in context["risker"]] == ["mycket hög", "hög", "medel", "medel", "låg"]


def test_no_internal_code_in_the_loop_chapters(demo, context):
    texts = []
    for name in LOOP_PLACEHOLDERS:
        for entry in context[name]:
            texts += list(entry.values()) if isinstance(entry, dict) else [entry]
    assert len(texts) > 100
    assert internal_codes(texts, [session.id for session in demo.sessions()]) == []


def test_the_built_in_template_writes_the_chapters(demo, tmp_path):
    written = report.write_report(demo, tmp_path / "rapport.docx", year=2026, as_of=EXPORT_DATE)
    document = docx.Document(str(written))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert {"Egenkontrollplan", "Åtgärdsplan", "Riskanalys"} <= set(headings)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Egenkontrollplan 2026: 9 av 10 genomförda, 1 försenad" in text
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert "mycket hög" in cells and "effekt uppnådd" in cells and "försenad" in cells
