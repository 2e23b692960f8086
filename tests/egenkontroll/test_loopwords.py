"""The quality loop's codes in words: periods as people say them, checklists, questions and granskningar."""

from __future__ import annotations

from datetime import date

import pytest

from egenkontroll import actions
from egenkontroll._loopwords import LoopWords
from egenkontroll.periods import spoken_period


@pytest.mark.parametrize(("period", "short", "full"), [
    ("2026-T1", "jan–apr 2026", "januari–april 2026"),
    ("2026-T3", "sep–dec 2026", "september–december 2026"),
    ("2026-09", "sep 2026", "september 2026"),
    ("2026-02", "feb 2026", "februari 2026"),
    ("2026", "2026", "2026"),
    ((date(2026, 5, 1), date(2026, 8, 31)), "maj–aug 2026", "maj–augusti 2026"),
    ((date(2026, 6, 1), date(2026, 6, 30)), "jun 2026", "juni 2026"),
    ((date(2026, 1, 1), date(2026, 12, 31)), "2026", "2026"),
    ((date(2026, 1, 5), date(2026, 3, 20)), "2026-01-05 – 2026-03-20", "2026-01-05 – 2026-03-20"),
    ("alla", "alla", "alla"),
])
def test_a_period_as_people_say_it(period, short, full):
    assert spoken_period(period) == short
    assert spoken_period(period, full=True) == full


def test_a_built_in_checklist_is_named_without_a_granskning_and_unknown_codes_stay():
    words = LoopWords()
    assert words.checklist("valdsfraga") == "Våldsfråga"
    assert words.item("valdsfraga", "vald_fragat") == (
        "Våldsfråga: Har frågan om våld ställts och är svaret dokumenterat?")
    assert words.question("valdsfraga", "finns_inte") == "finns_inte"
    assert words.item("egen_lista", "fraga_1") == "egen_lista: fraga_1"
    assert words.granskning("2026-T1-x-0000") == "granskningen 2026-T1-x-0000"


def test_a_granskning_is_named_by_checklist_and_period_with_its_id():
    words = LoopWords(sessions={"g1": ("barnperspektiv", (date(2025, 5, 1), date(2025, 8, 31))),
                                "g2": ("valdsfraga", None)})
    assert words.granskning("g1") == "Barnperspektiv maj–aug 2025 (g1)"
    assert words.granskning("g2") == "Våldsfråga alla perioder (g2)"
    row = {"kind": "granskning", "session_id": "g1", "checklist_id": "barnperspektiv",
           "item_id": "barnets_basta"}
    assert actions.source_text(row, words) == ("Granskning Barnperspektiv maj–aug 2025 (g1): Har barnets "
                                               "bästa beaktats i bedömningen eller beslutet?")
    full = LoopWords(sessions=words.sessions, full=True)
    register = {"kind": "register", "indicator": "utredning_4_manader", "indicator_period": "2026-T2"}
    assert actions.source_text(register, full) == "Utredning inom 4 månader, maj–augusti 2026"
    assert actions.effect_text("register 2026-T3", words) == "registret, sep–dec 2026"
    assert actions.effect_text("g1", full) == "Barnperspektiv maj–augusti 2025"  # in print, without the id
    assert actions.value_text("item_id", "barnets_basta", "barnperspektiv", words) == (
        "Har barnets bästa beaktats i bedömningen eller beslutet?")
    assert actions.value_text("cause", "Okänd rutin", None, words) == "Okänd rutin"


def test_pages_others_read_name_a_free_text_deviation_by_its_kind_and_never_by_its_text():
    words = LoopWords(sessions={"g1": ("barnperspektiv", (date(2025, 5, 1), date(2025, 8, 31)))})
    sarah = {"kind": "lex_sarah", "deviation": "Våld i hemmet hos familjen på Storgatan",
             "checklist_id": None, "item_id": None}
    assert actions.source_text(sarah, words) == "Lex Sarah: Våld i hemmet hos familjen på Storgatan"
    assert actions.deviation_name(sarah, words) == "Lex Sarah"
    followed = {**sarah, "kind": "klagomal", "checklist_id": "valdsfraga", "item_id": "vald_fragat"}
    assert actions.deviation_name(followed, words) == (
        "Klagomål (följs i Våldsfråga: Har frågan om våld ställts och är svaret dokumenterat?)")
    granskning = {"kind": "granskning", "session_id": "g1", "checklist_id": "barnperspektiv",
                  "item_id": "barnets_basta"}
    assert actions.deviation_name(granskning, words) == actions.source_text(granskning, words)
