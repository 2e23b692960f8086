"""The review app's model, without widgets: case card, show-conditions, saving, conflicts, progress,
navigation, corrections, summary and the start screen's choices."""

from __future__ import annotations

import csv
import math
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from drills.synthetic import synthetic_personnummer
from scipy import stats

from egenkontroll import SessionError, actions, yearplan
from egenkontroll._fields import CASE_TYPE_LABELS, CASE_TYPES, FIELD_LABELS, FIELDS, KON_LABELS, KON_VALUES
from egenkontroll._review_model import Remark, ReviewModel, StartModel, parse_day
from egenkontroll.errors import LoopError

AS_OF = date(2026, 11, 1)
CHILD_CASES = 12
COLUMNS = ["arende_id", "personnummer", "enhet", "handlaggare", "arendetyp", "inkom_datum",
           "forhandsbedomning_datum", "utredning_inledd", "utredning_avslutad", "forlangning_beslutad",
           "barn_i_hushallet"]
SAVED = re.compile(r"^Sparat \d\d:\d\d:\d\d$")


def child_row(index: int) -> dict[str, str]:
    """Child case *index*: received in 2026-T1; case 3's förhandsbedömning is late (20 days); every
    fourth case has an investigation of 150 days with a förlängning decision."""
    received = date(2026, 1, 5) + timedelta(days=7 * index)
    assessed = received + timedelta(days=20 if index == 3 else 5)
    extended = index % 4 == 0
    return {
        "arende_id": f"BOU-2026-{index:03d}", "personnummer": synthetic_personnummer(index),
        "enhet": ("Barn Nord", "Barn Syd")[index % 2], "handlaggare": f"H{index % 3}",
        "arendetyp": "barn_och_unga", "inkom_datum": received.isoformat(),
        "forhandsbedomning_datum": assessed.isoformat(), "utredning_inledd": assessed.isoformat(),
        "utredning_avslutad": (assessed + timedelta(days=150 if extended else 60)).isoformat(),
        "forlangning_beslutad": "ja" if extended else "nej", "barn_i_hushallet": "",
    }


def adult_row(index: int) -> dict[str, str]:
    """An adult case with children in the household, received in 2026-T2."""
    received = date(2026, 5, 4) + timedelta(days=index)
    return {
        "arende_id": f"VUX-2026-{index:03d}", "personnummer": synthetic_personnummer(100 + index),
        "enhet": "Vuxen", "handlaggare": "H9", "arendetyp": "vuxen_missbruk",
        "inkom_datum": received.isoformat(), "forhandsbedomning_datum": "", "utredning_inledd": "",
        "utredning_avslutad": "", "forlangning_beslutad": "", "barn_i_hushallet": "ja",
    }


def rows() -> list[dict[str, str]]:
    """The whole synthetic register: 12 child cases and 2 adult cases."""
    return [*(child_row(i) for i in range(CHILD_CASES)), adult_row(0), adult_row(1)]


def write_register(path: Path) -> Path:
    """The register as a semicolon-separated csv."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, delimiter=";")
        writer.writeheader()
        writer.writerows(rows())
    return path


@pytest.fixture
def ws(workspace, tmp_path):
    """A workspace holding the synthetic register."""
    workspace.import_register(write_register(tmp_path / "register.csv"))
    return workspace


@pytest.fixture
def tid(ws):
    """An utredningstid session of every child case."""
    return ws.create_session("utredningstid", n=CHILD_CASES, seed=11, period="2026-T1")


@pytest.fixture
def vald(ws):
    """A våldsfråga session of every case with a förhandsbedömning."""
    return ws.create_session("valdsfraga", n=CHILD_CASES, seed=5)


def ids(items) -> list[str]:
    return [item.id for item in items]


# --- the case card ----------------------------------------------------------------------------

def test_card_shows_case_dates_and_verdicts_with_reference_but_no_person(ws, tid):
    review = ReviewModel(tid, reviewer="anna", as_of=AS_OF)
    review.go_to("BOU-2026-003")
    card = review.card()
    source = child_row(3)
    assert (card.arende_id, card.enhet, card.arendetyp) == ("BOU-2026-003", "Barn Syd", "Barn och unga")
    assert card.handlaggare == "H0"
    dates = {fact.field: fact.text for fact in card.dates}
    flags = {fact.field: fact.text for fact in card.flags}
    assert dates["forhandsbedomning_datum"] == "2026-02-15"
    assert flags["forlangning_beslutad"] == "nej"
    # blank in the register (issue 19): said plainly, not as the kon value "okänt"
    blank = (dates["beslut_datum"], flags["pagaende_utredning"], flags["barn_i_hushallet"])
    assert blank == ("uppgift saknas",) * 3
    verdicts = {verdict.item_id: verdict for verdict in card.verdicts}
    late = verdicts["forhandsbedomning_14_dagar"]
    assert (late.compliant, late.label, late.critical) == (False, "Avvikelse", True)
    assert "2026-02-09" in late.explanation  # the deadline: 2026-01-26 + 14 days
    assert late.reference == "20 kap. 2 § SoL (2025:400)"
    assert verdicts["utredning_4_manader"].compliant is True
    person_id = ws.cases().set_index("arende_id").loc["BOU-2026-003", "person_id"]
    shown = repr(card)
    assert person_id not in shown
    assert source["personnummer"] not in shown and source["personnummer"].replace("-", "") not in shown


def test_every_case_type_and_kon_has_a_label():
    assert set(CASE_TYPE_LABELS) == set(CASE_TYPES) and set(KON_LABELS) == set(KON_VALUES)


def test_every_register_field_has_a_label():
    assert list(FIELD_LABELS) == list(FIELDS) and all(FIELD_LABELS.values())


# --- show-conditions --------------------------------------------------------------------------

def test_visible_items_follow_the_answers(vald):
    review = ReviewModel(vald, reviewer="anna", as_of=AS_OF)
    assert ids(review.visible_items()) == ["vald_fragat", "kommentar"]
    review.record("vald_fragat", "ja")
    assert ids(review.visible_items()) == ["vald_fragat", "framkom_vald", "kommentar"]
    review.record("framkom_vald", "ja")
    assert ids(review.visible_items()) == ["vald_fragat", "framkom_vald", "riskbedomning", "skydd_och_stod",
                                           "barn_berors", "kommentar"]
    review.record("vald_fragat", "nej")
    assert ids(review.visible_items()) == ["vald_fragat", "kommentar"]


def test_items_shown_by_a_register_field_and_computed_items_are_not_answerable(tid):
    review = ReviewModel(tid, reviewer="anna", as_of=AS_OF)
    review.go_to("BOU-2026-004")  # förlängning beslutad
    assert ids(review.visible_items()) == ["sarskilda_skal", "datum_stammer", "kommentar"]
    review.go_to("BOU-2026-005")
    assert ids(review.visible_items()) == ["datum_stammer", "kommentar"]


# --- saving -----------------------------------------------------------------------------------

def test_an_answer_is_in_the_store_when_record_returns(ws, vald):
    review = ReviewModel(vald, reviewer="anna", as_of=AS_OF)
    result = review.record("vald_fragat", "ja")
    assert result.saved and SAVED.match(result.message)
    stored = ws.session(vald.id).answers()
    assert stored[["arende_id", "item_id", "value", "reviewer"]].values.tolist() == [
        [review.current, "vald_fragat", "ja", "anna"]]


def test_comment_keeps_the_answer_and_an_answer_keeps_the_comment(ws, vald):
    review = ReviewModel(vald, reviewer="anna", as_of=AS_OF)
    with pytest.raises(SessionError, match="Svara på frågan först"):
        review.comment("vald_fragat", "tidigt")
    review.record("vald_fragat", "ja")
    assert review.comment("vald_fragat", "  Står i journalanteckning 3 mars  ").saved
    review.record("vald_fragat", "nej")
    answer = review.answers()["vald_fragat"]
    assert (answer.value, answer.comment, answer.revision) == ("nej", "Står i journalanteckning 3 mars", 3)
    review.comment("vald_fragat", "")
    assert review.answers()["vald_fragat"].comment is None
    assert ws.session(vald.id).answers()["value"].tolist() == ["nej"]


def test_typed_text_waits_for_save_drafts_and_is_then_saved_once(ws, vald):
    review = ReviewModel(vald, reviewer="anna", as_of=AS_OF)
    review.record("vald_fragat", "ja")
    for typed in ("F", "Fr", "Frågan ställd", "Frågan ställd vid hembesök "):
        review.draft("vald_fragat", typed)
    review.draft("kommentar", "Bra akt")
    assert review.unsaved
    assert ws.session(vald.id).answers()[["item_id", "comment"]].values.tolist() == [["vald_fragat", None]]
    results = review.save_drafts()
    assert [result.message.split(" ")[0] for result in results] == ["Kommentaren", "Sparat"]
    assert not review.unsaved and review.save_drafts() == []
    stored = ws.session(vald.id).answers().set_index("item_id")
    assert stored.loc["vald_fragat", ["value", "comment", "revision"]].tolist() == [
        "ja", "Frågan ställd vid hembesök", 2]  # one write for the whole typing
    assert stored.loc["kommentar", "value"] == "Bra akt"  # a free-text item's text is its answer


def test_a_draft_that_restores_the_stored_text_is_forgotten(ws, vald):
    review = ReviewModel(vald, reviewer="anna", as_of=AS_OF)
    review.record("vald_fragat", "ja")
    review.comment("vald_fragat", "Noterat")
    review.draft("vald_fragat", "Noterat i")
    review.draft("vald_fragat", "Noterat ")
    assert not review.unsaved
    assert review.save_drafts() == []
    assert ws.session(vald.id).answers()["revision"].tolist() == [2]


def test_a_draft_that_does_not_fit_is_refused_and_forgotten(vald):
    review = ReviewModel(vald, reviewer="anna", as_of=AS_OF)
    review.draft("vald_fragat", "en kommentar före svaret")
    with pytest.raises(SessionError, match="Svara på frågan först"):
        review.save_drafts()
    assert not review.unsaved


def test_a_value_that_does_not_fit_is_refused_and_nothing_is_saved(ws, vald):
    review = ReviewModel(vald, reviewer="anna", as_of=AS_OF)
    with pytest.raises(SessionError, match="sparades inte"):
        review.record("vald_fragat", "kanske")
    assert ws.session(vald.id).answers().empty


def test_conflict_shows_who_changed_it_and_the_latest_answer_then_a_retry_saves(ws, vald):
    review = ReviewModel(vald, reviewer="anna", as_of=AS_OF)
    case_id = review.current
    other = ws.session(vald.id)
    other.record(case_id, "vald_fragat", "nej", reviewer="bertil")
    result = review.record("vald_fragat", "ja")
    assert not result.saved
    assert re.fullmatch(r"Svaret på ”Har frågan om våld ställts och är svaret dokumenterat\?” ändrades av "
                        r"bertil kl \d\d:\d\d\. Sidan visar nu det senaste svaret; ändra igen om du vill\.",
                        result.message)
    assert review.answers()["vald_fragat"].value == "nej"
    assert ws.session(vald.id).answers()["value"].tolist() == ["nej"]
    assert review.record("vald_fragat", "ja").saved
    assert ws.session(vald.id).answers()[["value", "reviewer"]].values.tolist() == [["ja", "anna"]]


def test_a_case_opened_after_someone_else_answered_saves_without_conflict(ws, vald):
    review = ReviewModel(vald, reviewer="anna", as_of=AS_OF)
    second = vald.case_ids[1]
    ws.session(vald.id).record(second, "vald_fragat", "nej", reviewer="bertil")
    review.go_to(second)
    assert review.answers()["vald_fragat"].value == "nej"
    assert review.record("vald_fragat", "ja").saved


# --- progress and navigation ------------------------------------------------------------------

def answer_all(review: ReviewModel) -> None:
    """Answer every required visible item of the current case (ja, which shows no follow-ups here)."""
    for item in review.visible_items():
        if not item.optional and item.id not in review.answer_values():
            review.record(item.id, "ja")


def test_a_case_is_done_when_every_applicable_required_item_is_answered(tid):
    review = ReviewModel(tid, reviewer="anna", as_of=AS_OF)
    review.go_to("BOU-2026-004")
    review.record("datum_stammer", "ja")
    assert not review.is_done() and review.progress_text() == "0 av 12 klara"
    review.record("sarskilda_skal", "ja")
    assert review.is_done() and review.card().done
    assert review.progress_text() == "1 av 12 klara"  # the optional comment is not needed


def test_navigation_stops_at_the_ends_and_next_unreviewed_skips_done_cases(tid):
    review = ReviewModel(tid, reviewer="anna", as_of=AS_OF)
    order = tid.case_ids
    assert review.current == order[0] and review.position == 1 and review.total == 12
    assert not review.previous() and review.current == order[0]
    answer_all(review)
    review.go_to(order[2])
    answer_all(review)
    review.go_to(order[0])
    assert review.next_unreviewed() and review.current == order[1]
    assert review.next() and review.current == order[2]
    review.go_to(order[-1])
    assert not review.next() and review.current == order[-1]
    assert review.next_unreviewed() and review.current == order[1]  # wraps round past the done first case


def test_reopening_starts_at_the_first_case_not_done(tid):
    review = ReviewModel(tid, reviewer="anna", as_of=AS_OF)
    answer_all(review)
    assert ReviewModel(tid, reviewer="anna").current == tid.case_ids[1]


def test_next_unreviewed_says_false_when_every_case_is_done(tid):
    review = ReviewModel(tid, reviewer="anna", as_of=AS_OF)
    for case_id in tid.case_ids:
        review.go_to(case_id)
        answer_all(review)
    assert review.progress_text() == "12 av 12 klara"
    assert not review.next_unreviewed()


# --- corrections ------------------------------------------------------------------------------

def test_correcting_a_date_keeps_the_original_and_reason_and_recomputes_the_verdict(ws, tid):
    review = ReviewModel(tid, reviewer="anna", as_of=AS_OF)
    review.go_to("BOU-2026-003")
    result = review.correct_date("forhandsbedomning_datum", date(2026, 2, 6), "Journalen: beslut 6 februari")
    assert result.saved and re.fullmatch(r"Rättelsen sparad \d\d:\d\d:\d\d", result.message)
    card = review.card()
    fact = {fact.field: fact for fact in card.dates}["forhandsbedomning_datum"]
    assert (fact.text, fact.original, fact.reason) == ("2026-02-06", date(2026, 2, 15),
                                                       "Journalen: beslut 6 februari")
    assert {v.item_id: v.compliant for v in card.verdicts}["forhandsbedomning_14_dagar"] is True
    stored = ws.session(tid.id).corrections()
    assert stored[["arende_id", "field", "corrected", "reviewer"]].values.tolist() == [
        ["BOU-2026-003", "forhandsbedomning_datum", "2026-02-06", "anna"]]


def test_a_correction_needs_a_date_and_a_reason(tid):
    review = ReviewModel(tid, reviewer="anna", as_of=AS_OF)
    with pytest.raises(SessionError, match="Välj det rätta datumet"):
        review.correct_date("inkom_datum", None, "orsak")
    with pytest.raises(SessionError, match="Ange varför"):
        review.correct_date("inkom_datum", date(2026, 1, 2), "  ")


def test_a_correction_someone_else_made_first_is_reported_not_overwritten(ws, tid):
    review = ReviewModel(tid, reviewer="anna", as_of=AS_OF)
    ws.session(tid.id).correct(review.current, "inkom_datum", "2026-01-02", "enligt akten", reviewer="bertil")
    result = review.correct_date("inkom_datum", date(2026, 1, 3), "min läsning")
    assert not result.saved and result.message.startswith("Inkom rättades av bertil kl ")
    assert "till 2026-01-02" in result.message
    assert {fact.field: fact.text for fact in review.card().dates}["inkom_datum"] == "2026-01-02"


# --- the summary ------------------------------------------------------------------------------

def test_summary_lists_unanswered_items_deviations_and_notes(tid):
    review = ReviewModel(tid, reviewer="anna", as_of=AS_OF)
    review.go_to("BOU-2026-004")
    review.record("sarskilda_skal", "nej")
    review.record("datum_stammer", "ja")
    review.comment("datum_stammer", "<b>kontrollerat</b>")
    review.record("kommentar", "Bra akt")
    summary = {case.arende_id: case for case in review.summary()}
    assert list(summary) == tid.case_ids
    extended = summary["BOU-2026-004"]
    assert extended.done and extended.unanswered == []
    assert [d.item_id for d in extended.deviations] == ["sarskilda_skal"]
    assert extended.notes == [Remark("datum_stammer", "<b>kontrollerat</b>"), Remark("kommentar", "Bra akt")]
    late = summary["BOU-2026-003"]
    assert not late.done and late.unanswered == ["datum_stammer"]
    [found] = late.deviations
    assert found.item_id == "forhandsbedomning_14_dagar" and "2026-02-09" in found.text
    assert found.text.endswith("(20 kap. 2 § SoL (2025:400))")
    questions = {item.id: item.text for item in tid.checklist.items}
    texts = [remark.text for case in summary.values() for remark in [*case.deviations, *case.notes]]
    assert not any(question in text for question in questions.values() for text in texts)  # named once
    assert list(review.question_numbers()) == list(questions)
    assert list(review.question_numbers().values()) == list(range(1, len(questions) + 1))


def test_a_critical_no_is_a_deviation_that_does_not_repeat_its_question(vald):
    review = ReviewModel(vald, reviewer="anna", as_of=AS_OF)
    review.record("vald_fragat", "nej")
    [found] = review.summary()[0].deviations
    assert found.item_id == "vald_fragat"
    assert found.text.startswith("Kritisk fråga besvarad med nej (13 kap. 1 § SoL (2025:400)")


# --- the start screen -------------------------------------------------------------------------

def test_period_choices_cover_the_register_years_and_tertials(ws):
    start = StartModel(ws)
    assert start.period_choices() == [
        ("2026 (hela året)", "2026"), ("2026-T2 (maj–augusti 2026)", "2026-T2"),
        ("2026-T1 (januari–april 2026)", "2026-T1"), ("Alla ärenden", "")]


def test_population_is_the_sampling_frame(ws):
    start = StartModel(ws)
    assert start.population("utredningstid", "2026-T1") == CHILD_CASES
    assert start.population("utredningstid", "2026-T2") == 0
    assert start.population("barnperspektiv", "") == 2  # "" is every case
    assert start.population("valdsfraga", "2026") == CHILD_CASES


def test_plan_uses_the_frame_size_and_matches_exact_hypergeometric_enumeration(ws):
    start = StartModel(ws)
    advice = start.advise("utredningstid", "2026-T1", tolerable=0.2, confidence=0.9)
    population, deviations = CHILD_CASES, math.ceil(0.2 * CHILD_CASES)
    exact = next(n for n in range(1, population + 1)
                 if stats.hypergeom.pmf(0, population, deviations, n) < 0.1)
    assert advice.n == exact
    assert advice.explanation.startswith(f"Med {exact} akter kan du med 90 % säkerhet säga att")
    assert advice.explanation.endswith(f"(av {population} ärenden).")
    with pytest.raises(SessionError, match="inga ärenden"):
        start.advise("utredningstid", "2026-T2", tolerable=0.05)


def test_create_draws_with_the_given_seed_and_lists_the_session_with_its_progress(ws):
    start = StartModel(ws)
    first = start.create("valdsfraga", period="2026", n=4, seed=123, title="  ", created_by="anna")
    second = start.create("utredningstid", period="2026-T1", n=6, seed=9, strata="enhet",
                          title="Vårens tidsfrister")
    assert first.manifest["seed"] == 123 and len(first.case_ids) == 4 and first.created_by == "anna"
    assert first.title == "Våldsfråga, 2026"
    assert start.session_choices() == [
        ("Vårens tidsfrister · Utredningstid · 2026-T1 · 0 av 6 klara", second.id),
        ("Våldsfråga, 2026 · Våldsfråga · 2026 · 0 av 4 klara", first.id)]
    assert set(second.design["stratum"]) == {"Barn Nord", "Barn Syd"}


# --- the quality loop: the plan on the start screen, an åtgärd from the summary ------------------

PLAN_DAY = date(2026, 6, 1)


def plan(ws) -> dict[str, int]:
    """This year's plan: utredningstid in 2026-T1 (due 2026-05-31: late on PLAN_DAY), barnperspektiv of the
    adult cases in 2026-T2; and a row of next year that the start screen leaves out."""
    return {
        "tid": yearplan.add_plan_row(ws, year=2026, checklist="utredningstid", period="2026-T1", planned_n=5,
                                     ansvarig="Kvalitetsutvecklare"),
        "barn": yearplan.add_plan_row(ws, year=2026, checklist="barnperspektiv", period="2026-T2",
                                      planned_n=2, ansvarig="Enhetschef vuxen", enhet="Vuxen"),
        "next_year": yearplan.add_plan_row(ws, year=2027, checklist="valdsfraga", period="2027-T1",
                                           planned_n=2, ansvarig="Enhetschef vuxen"),
    }


def test_the_start_screen_offers_the_planned_granskningar_the_drawn_ones_first(ws):
    rows = plan(ws)
    start = StartModel(ws)
    offered = start.planned(PLAN_DAY)
    assert [planned.row_id for planned in offered] == [rows["tid"], rows["barn"]]  # by period, none drawn
    assert [planned.label for planned in offered] == [
        "Utredningstid · jan–apr 2026 · alla enheter · ansvarig Kvalitetsutvecklare · 5 akter att dra · "
        "senast 2026-05-31 · försenad",
        "Barnperspektiv · maj–aug 2026 · Vuxen · ansvarig Enhetschef vuxen · 2 akter att dra · "
        "senast 2026-09-30"]

    session = start.start_planned(offered[1], seed=7, created_by="anna")
    assert (len(session.case_ids), session.period, session.manifest["seed"]) == (
        2, (date(2026, 5, 1), date(2026, 8, 31)), 7)
    assert yearplan.plan_rows(ws).set_index("id").loc[rows["barn"], "session_id"] == session.id
    drawn_first = start.planned(PLAN_DAY)
    assert [(planned.row_id, planned.session_id) for planned in drawn_first] == [
        (rows["barn"], session.id), (rows["tid"], None)]
    assert "· 0 av 2 klara ·" in drawn_first[0].label
    assert start.start_planned(drawn_first[0], seed=99).id == session.id  # a drawn one is opened, not redrawn

    review = ReviewModel(session, reviewer="anna", as_of=AS_OF)
    for case_id in session.case_ids:
        review.go_to(case_id)
        while not review.is_done():
            answer_all(review)
    assert [planned.row_id for planned in start.planned(PLAN_DAY)] == [rows["tid"]]  # genomförd: not offered


def test_a_planned_row_drawn_by_someone_else_meanwhile_is_not_drawn_again(ws):
    plan(ws)
    mine, theirs = StartModel(ws), StartModel(ws)
    stale = mine.planned(PLAN_DAY)[0]
    theirs.start_planned(theirs.planned(PLAN_DAY)[0], seed=1)
    before = len(ws.sessions())
    with pytest.raises(LoopError, match="har redan granskningen"):
        mine.start_planned(stale, seed=2)
    assert len(ws.sessions()) == before


def test_the_items_that_fell_short_are_named_by_number_with_their_cases(tid):
    review = ReviewModel(tid, reviewer="anna", as_of=AS_OF)
    review.go_to("BOU-2026-004")
    review.record("sarskilda_skal", "nej")
    review.go_to("BOU-2026-008")
    review.record("sarskilda_skal", "nej")
    numbers = review.question_numbers()
    short = {found.item_id: found for found in review.shortfalls()}
    assert list(short) == sorted(short, key=numbers.get)  # checklist order
    assert short["sarskilda_skal"].cases == 2
    text = tid.checklist.item("sarskilda_skal").text
    assert short["sarskilda_skal"].label == f"F{numbers['sarskilda_skal']}: {text} (avvikelse i 2 ärenden)"
    assert short["forhandsbedomning_14_dagar"].cases == 1  # computed: case 3's late förhandsbedömning
    assert "datum_stammer" not in short


def test_an_action_created_from_the_summary_is_in_the_action_plan(ws, vald):
    review = ReviewModel(vald, reviewer="anna", as_of=AS_OF)
    review.record("vald_fragat", "nej")
    [found] = review.shortfalls()
    result = review.create_action(found.item_id, action=" Utbildning i att fråga om våld ",
                                  deadline="31/3/2027", ansvarig="Enhetschef barn",
                                  cause="Rutinen var okänd för nyanställda")
    assert result.saved
    assert result.message.startswith("Åtgärd 1 skapad för F1: ansvarig Enhetschef barn, sista dag 31/3/2027.")
    [stored] = actions.actions_table(ws).to_dict("records")
    assert {key: stored[key] for key in ("kind", "session_id", "item_id", "action", "ansvarig", "deadline",
                                         "cause", "status")} == {
        "kind": "granskning", "session_id": vald.id, "item_id": "vald_fragat",
        "action": "Utbildning i att fråga om våld", "ansvarig": "Enhetschef barn", "deadline": "2027-03-31",
        "cause": "Rutinen var okänd för nyanställda", "status": "planerad"}
    assert set(actions.action_history(ws, 1)["actor"]) == {"anna"}  # signed as the granskare, as answers are


def test_an_action_form_with_every_problem_is_refused_at_once_in_swedish_and_saves_nothing(ws, vald):
    review = ReviewModel(vald, reviewer="anna", as_of=AS_OF)
    with pytest.raises(LoopError) as refused:
        review.create_action("vald_fragat", action=" ", ansvarig="", deadline="31/13/2027",
                             cause=f"Gäller {synthetic_personnummer(3)}")
    assert str(refused.value) == (
        "Åtgärden skapades inte: skriv vad som ska göras (Åtgärd); skriv vem som är ansvarig (Ansvarig); "
        "sista dag ”31/13/2027” är inget datum: skriv D/M/ÅÅÅÅ, t.ex. 31/3/2027; Orsak innehåller ett "
        "personnummer, som inte får sparas: texten blir kvar i ändringsloggen för alltid (ta bort numret).")
    assert actions.actions_table(ws).empty


def test_days_are_read_as_d_m_yyyy_or_iso():
    assert parse_day("31/3/2027") == parse_day("31/03/2027") == parse_day(" 2027-03-31 ") == date(2027, 3, 31)
    assert [parse_day(text) for text in ("29/2/2027", "3/31/2027", "2027-3-31", "", None, "i morgon")] == [
        None] * 6


def test_a_kontrollgranskning_offers_no_action(ws, vald):
    control = ws.create_control_session(vald.id, k=2, seed=1)
    review = ReviewModel(control, reviewer="bertil", as_of=AS_OF)
    review.record("vald_fragat", "nej")
    assert review.shortfalls() == []
