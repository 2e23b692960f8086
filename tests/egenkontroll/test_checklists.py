"""Checklists as data: the built-ins, every load problem with its line, and the checklist API."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from egenkontroll import checklists
from egenkontroll.errors import ChecklistError

DATA = Path(__file__).parent / "data" / "checklists"
DIRECTORY = resources.files("egenkontroll.builtin_checklists")
AS_OF = dt.date(2026, 6, 15)

MINIMAL = """\
id: prov
version: 1
titel: Prov
fragor:
  - id: forsta
    fraga: Första?
    typ: ja_nej
"""


def problems_of(text: str) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(ChecklistError) as caught:
        checklists.loads(text, source="prov.yaml")
    assert caught.value.file == "prov.yaml"
    return [(p.row, p.column, p.message) for p in caught.value.problems]


def with_items(items: str, head: str = "") -> str:
    return f"id: prov\nversion: 1\ntitel: Prov\n{head}fragor:\n{items}"


# --------------------------------------------------------------------------- built-ins


def test_available_lists_the_three_built_ins() -> None:
    assert checklists.available() == ["barnperspektiv", "utredningstid", "valdsfraga"]


@pytest.mark.parametrize(
    ("checklist_id", "critical_item"),
    [("barnperspektiv", "barnets_basta"), ("valdsfraga", "vald_fragat")],
)
def test_built_in_critical_items(checklist_id: str, critical_item: str) -> None:
    checklist = checklists.load(checklist_id)
    assert checklist.id == checklist_id
    assert checklist.version == 1
    assert checklist.title and checklist.description
    item = checklist.item(critical_item)
    assert item.critical and item.type == "ja_nej" and not item.computed


def test_utredningstid_has_the_computed_items() -> None:
    checklist = checklists.load("utredningstid")
    computed = [item for item in checklist.items if item.computed]
    assert [(item.id, item.rule) for item in computed] == [
        ("forhandsbedomning_14_dagar", "forhandsbedomning_14_dagar"),
        ("utredning_4_manader", "utredning_4_manader"),
    ]


def test_built_in_source_text_is_the_file() -> None:
    checklist = checklists.load("valdsfraga")
    assert checklist.source_text == (DIRECTORY / "valdsfraga.yaml").read_text(encoding="utf-8")
    assert checklists.loads(checklist.source_text).item("vald_fragat").critical


@pytest.mark.parametrize(
    ("checklist_id", "case", "expected"),
    [
        ("utredningstid", {"arendetyp": "barn_och_unga"}, True),
        ("utredningstid", {"arendetyp": "vuxen_missbruk"}, False),
        ("utredningstid", {}, False),
        ("barnperspektiv", {"arendetyp": "vuxen_missbruk", "barn_i_hushallet": True}, True),
        ("barnperspektiv", {"arendetyp": "ekonomiskt_bistand", "barn_i_hushallet": False}, False),
        ("barnperspektiv", {"arendetyp": "ekonomiskt_bistand", "barn_i_hushallet": None}, False),
        ("barnperspektiv", {"arendetyp": "barn_och_unga", "barn_i_hushallet": True}, False),
        ("valdsfraga", {"forhandsbedomning_datum": "2026-01-05"}, True),
        ("valdsfraga", {"utredning_inledd": dt.date(2026, 1, 5)}, True),
        ("valdsfraga", {"inkom_datum": "2026-01-05"}, False),
    ],
)
def test_built_in_applicability(checklist_id: str, case: dict[str, object], expected: bool) -> None:
    assert checklists.load(checklist_id).applies_to(case) is expected


def test_utredningstid_evaluates_a_sample_case() -> None:
    case = {
        "arendetyp": "barn_och_unga",
        "inkom_datum": "2025-06-30",
        "forhandsbedomning_datum": "2025-07-10",
        "utredning_inledd": "2026-01-10",
        "utredning_avslutad": "2026-05-11",
    }
    verdicts = checklists.load("utredningstid").evaluate(case, as_of=AS_OF)
    assert set(verdicts) == {"forhandsbedomning_14_dagar", "utredning_4_manader"}
    assert verdicts["forhandsbedomning_14_dagar"] == checklists.Verdict(
        True,
        "11 kap. 1 a § andra stycket SoL (2001:453)",
        "Förhandsbedömningen gjordes 2025-07-10, inom fristen 2025-07-14",
    )
    assert verdicts["utredning_4_manader"] == checklists.Verdict(
        False,
        "20 kap. 3 § SoL (2025:400)",
        "Utredningen avslutades 2026-05-11, 1 dag efter fristen 2026-05-10",
    )


def test_evaluate_uses_today_when_as_of_is_not_given() -> None:
    far_future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    case = {"arendetyp": "barn_och_unga", "utredning_inledd": far_future}
    verdict = checklists.load("utredningstid").evaluate(case)["utredning_4_manader"]
    assert verdict.compliant is None
    assert verdict.explanation.startswith("Utredningen pågår; fristen löper ut")


def test_reference_for_follows_the_items_date() -> None:
    item = checklists.load("barnperspektiv").item("barnets_basta")
    assert item.reference_for({"inkom_datum": "2025-06-30"}) == "1 kap. 2 § SoL (2001:453)"
    assert item.reference_for({"inkom_datum": "2025-07-01"}) == "3 kap. 1 § SoL (2025:400)"
    fixed = checklists.load("valdsfraga").item("riskbedomning")
    assert fixed.reference_for({}) == "HSLF-FS 2022:39"
    assert checklists.load("valdsfraga").item("kommentar").reference_for({}) == ""


def test_valdsfraga_shows_follow_up_only_when_violence_came_up() -> None:
    checklist = checklists.load("valdsfraga")
    case = {"forhandsbedomning_datum": "2026-01-05"}

    def visible(answers: dict[str, str]) -> list[str]:
        return [item.id for item in checklist.visible_items(case, answers)]

    assert visible({}) == ["vald_fragat", "kommentar"]
    assert visible({"vald_fragat": "ja"}) == ["vald_fragat", "framkom_vald", "kommentar"]
    assert visible({"vald_fragat": "ja", "framkom_vald": "ja", "barn_berors": "ja"}) == [
        "vald_fragat", "framkom_vald", "riskbedomning", "skydd_och_stod", "barn_berors",
        "barnens_situation", "kommentar",
    ]
    # answers to items that are no longer shown do not count
    assert visible({"vald_fragat": "nej", "framkom_vald": "ja", "barn_berors": "ja"}) == [
        "vald_fragat", "kommentar",
    ]


def test_sarskilda_skal_is_shown_only_when_forlangning_beslutad() -> None:
    checklist = checklists.load("utredningstid")
    base = {"arendetyp": "barn_och_unga"}
    assert "sarskilda_skal" not in [i.id for i in checklist.visible_items(base, {})]
    extended = {**base, "forlangning_beslutad": True}
    assert "sarskilda_skal" in [i.id for i in checklist.visible_items(extended, {})]
    assert checklist.item("sarskilda_skal").show_if == "forlangning_beslutad"


def test_is_complete_needs_every_visible_required_item() -> None:
    checklist = checklists.load("valdsfraga")
    case = {"utredning_inledd": "2026-01-05"}
    assert not checklist.is_complete(case, {})
    assert checklist.is_complete(case, {"vald_fragat": "nej"})
    assert not checklist.is_complete(case, {"vald_fragat": "ja"})
    assert not checklist.is_complete(case, {"vald_fragat": "ja", "framkom_vald": "kanske"})
    assert checklist.is_complete(case, {"vald_fragat": "ja", "framkom_vald": "ej_aktuellt"})


def test_deviations_are_critical_nej_and_non_compliant_verdicts() -> None:
    checklist = checklists.load("utredningstid")
    case = {
        "arendetyp": "barn_och_unga",
        "inkom_datum": "2026-03-02",
        "forhandsbedomning_datum": "2026-03-10",
        "utredning_inledd": "2026-01-10",
        "forlangning_beslutad": False,
    }
    answers = {"datum_stammer": "nej", "sarskilda_skal": "nej"}
    found = checklist.deviations(case, answers, as_of="2026-05-11")
    assert [(d.item_id, d.explanation) for d in found] == [
        ("utredning_4_manader", "Utredningen pågår; fristen 2026-05-10 har passerat"),
    ]
    extended = {**case, "forlangning_beslutad": True}
    found = checklist.deviations(extended, answers, as_of="2026-05-11")
    assert [d.item_id for d in found] == ["sarskilda_skal"]
    assert found[0].reference == "20 kap. 3 § SoL (2025:400)"
    assert found[0].explanation.startswith("Kritisk fråga besvarad med nej")


def test_item_check_answer() -> None:
    checklist = checklists.loads((DATA / "villkor.yaml").read_text(encoding="utf-8"))
    assert checklist.item("antal_barn").check_answer("2,5") is None
    assert checklist.item("antal_barn").check_answer("två") == "Svaret ska vara ett tal"
    assert checklist.item("skola").check_answer("gymnasium") is None
    assert checklist.item("skola").check_answer("förskola").startswith("Svaret ska vara ett av")
    assert checklist.item("mote").check_answer("2026-02-30") is not None
    assert checklist.item("efter_mote").check_answer("ej_aktuellt") is None
    assert checklist.item("efter_mote").check_answer("") == "Svaret är tomt"
    computed = checklists.load("utredningstid").item("utredning_4_manader")
    assert computed.check_answer("ja") is not None


def test_number_date_and_choice_answers_drive_show_conditions() -> None:
    checklist = checklists.load(DATA / "villkor.yaml")

    def visible(answers: dict[str, str], pagaende_utredning: object = False) -> list[str]:
        case = {"pagaende_utredning": pagaende_utredning}
        return [item.id for item in checklist.visible_items(case, answers)]

    assert visible({"antal_barn": "0"}) == ["antal_barn"]
    # an unknown case field makes the condition unknown: the item is not shown
    assert visible({"antal_barn": "2", "skola": "ingen"}, pagaende_utredning=None) == ["antal_barn"]
    assert visible({"antal_barn": "2", "skola": "ingen"}) == ["antal_barn", "skola"]
    assert visible({"antal_barn": "2", "skola": "ingen"}, pagaende_utredning=True) == ["antal_barn"]
    assert visible({"antal_barn": "1", "skola": "gymnasium", "mote": "2026-01-01"}) == [
        "antal_barn", "skola", "mote", "efter_mote",
    ]
    assert checklist.version == "2026.1"


def test_readme_worked_example_loads_and_evaluates() -> None:
    readme = (DIRECTORY / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", readme, re.S).group(1)
    checklist = checklists.loads(example, source="README.md")
    case = {"arendetyp": "ovrigt", "beslut_datum": "2025-11-30", "insats": "kontaktperson"}
    assert checklist.applies_to(case)
    verdict = checklist.evaluate(case, as_of="2026-03-01")["verkstallt_i_tid"]
    assert verdict.compliant is False
    assert verdict.reference == "34 kap. 1-3 §§ SoL (2025:400)"
    shown = checklist.visible_items(case, {"plan_finns": "ja", "uppfoljning_gjord": "samtal"})
    assert [item.id for item in shown] == [
        "verkstallt_i_tid", "plan_finns", "plan_datum", "uppfoljning_gjord", "antal_moten",
        "kommentar",
    ]


# --------------------------------------------------------------------------- load problems


def test_every_problem_of_a_broken_file_is_reported_with_its_line() -> None:
    with pytest.raises(ChecklistError) as caught:
        checklists.load(DATA / "trasig.yaml")
    found = [(p.row, p.column, p.message) for p in caught.value.problems]
    expected = [
        (2, "id", "'id' saknas"),
        (3, "titel", "'titel' saknas"),
        (4, "galler_for", "'barn_och_ung' är inget möjligt värde för arendetyp"),
        (5, "okand_nyckel", "Okänd nyckel 'okand_nyckel'"),
        (9, "forsta", "Okänd svarstyp 'ja_nej_kanske'"),
        (10, "forsta", "Frågan 'forsta' finns redan (rad 7)"),
        (13, "utan_text", "'fraga' saknas"),
        (15, "val_utan_val", "behöver en lista 'val'"),
        (21, "okand_regel", "Okänd regel 'sex_manader'"),
        (25, "syntaxfel", "villkoret kan inte tolkas"),
        (29, "okant_falt", "okänt fält eller fråga 'antal_husdjur'"),
        (33, "senare", "'sista' är en fråga som inte kommer före den här"),
    ]
    assert len(found) == len(expected)
    for (row, column, message), (want_row, want_column, want_text) in zip(found, expected, strict=True):
        assert (row, column) == (want_row, want_column)
        assert want_text in message
    assert "trasig.yaml" in str(caught.value)


def test_yaml_syntax_error_names_its_line() -> None:
    [(row, _, message)] = problems_of("id: prov\nversion: 1\ntitel: [oavslutad\nfragor: []\n")
    assert row == 4
    assert message.startswith("Ogiltig YAML")


def test_duplicate_yaml_keys_are_reported() -> None:
    text = MINIMAL.replace("titel: Prov\n", "titel: Prov\ntitel: Igen\n")
    assert problems_of(text) == [(4, "titel", "Nyckeln 'titel' står två gånger (första gången på rad 3)")]


def test_missing_version_and_empty_fragor() -> None:
    found = problems_of("id: prov\ntitel: Prov\nfragor: []\n")
    assert [(row, column) for row, column, _ in found] == [(1, "version"), (3, "fragor")]


@pytest.mark.parametrize(
    ("items", "line", "fragment"),
    [
        ("  - id: kommentar\n    fraga: K\n    typ: fritext\n    kritisk: ja\n", 8,
         "'kritisk' kan bara anges"),
        ("  - id: inkom_datum\n    fraga: K\n    typ: datum\n", 5, "namnet på ett ärendefält"),
        ("  - id: Stor\n    fraga: K\n    typ: ja_nej\n", 5, "duger inte som id"),
        ("  - id: a\n    fraga: K\n    typ: ja_nej\n    regel: utredning_4_manader\n", 8,
         "'regel' kan bara anges"),
        ("  - id: a\n    fraga: K\n    typ: ja_nej\n    val: [x, y]\n", 8, "'val' kan bara anges"),
        ("  - id: a\n    fraga: K\n    typ: val\n    val: [x, x]\n", 8, "Samma val"),
        ("  - id: a\n    fraga: K\n    typ: val\n    val: [ja, no]\n", 8, "citattecken"),
        ("  - id: a\n    fraga: K\n    typ: beraknad\n", 5, "'regel' saknas"),
        ("  - id: a\n    fraga: K\n", 5, "'typ' saknas"),
        ("  - id: a\n    fraga: K\n    typ: ja_nej\n    kritisk: kanske\n", 8, "ja eller nej"),
        ("  - id: a\n    fraga: K\n    typ: ja_nej\n    lagrum:\n      datum: enhet\n"
         "      fore_2025_07_01: x\n      fran_2025_07_01: y\n", 9, "ska vara ett datumfält"),
        ("  - id: a\n    fraga: K\n    typ: ja_nej\n    lagrum:\n      datum: inkom_datum\n"
         "      fore_2025_07_01: x\n", 9, "'fran_2025_07_01' saknas"),
        ("  - id: a\n    fraga: K\n    typ: ja_nej\n    visas_om: enhet.lower() == 'x'\n", 8,
         "funktionsanrop"),
        ("  - id: a\n    fraga: K\n    typ: beraknad\n    regel: utredning_4_manader\n"
         "  - id: b\n    fraga: K\n    typ: ja_nej\n    visas_om: a\n", 12, "beräknad fråga"),
        ("  - id: a\n    fraga: K\n    typ: ja_nej\n    visas_om: a == 'ja'\n", 8,
         "inte kommer före"),
        ("  - id: a\n    fraga: K\n    typ: val\n    val: [x, y]\n"
         "  - id: b\n    fraga: K\n    typ: ja_nej\n    visas_om: a == 'z'\n", 12,
         "'z' är inget möjligt värde för a"),
        ("  - id: a\n    fraga: K\n    typ: tal\n"
         "  - id: b\n    fraga: K\n    typ: ja_nej\n    visas_om: a > '3'\n", 11,
         "kan inte jämföra tal med text"),
        ("  - bara text\n", 4, "ska vara en lista med nycklar"),
    ],
)
def test_item_problems(items: str, line: int, fragment: str) -> None:
    found = problems_of(with_items(items))
    assert any(row == line and fragment in message for row, _, message in found), found


def test_extra_fields_are_declared_with_a_kind() -> None:
    head = "extra_falt:\n  insats: text\n  poang: decimal\n  enhet: text\ngaller_for: poang > 1\n"
    found = problems_of(with_items("  - id: a\n    fraga: K\n    typ: ja_nej\n", head))
    assert [(row, column) for row, column, _ in found] == [(6, "poang"), (7, "enhet"), (8, "galler_for")]
    assert "okänt fält eller fråga 'poang'" in found[2][2]


def test_galler_for_cannot_use_answers() -> None:
    found = problems_of(with_items("  - id: a\n    fraga: K\n    typ: ja_nej\n", "galler_for: a\n"))
    assert found == [(4, "galler_for",
                      "galler_for: 'a' är en fråga som inte kommer före den här; "
                      "använd bara tidigare frågor")]


def test_unknown_checklist_and_non_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(ChecklistError, match="Checklistan finns inte: saknas"):
        checklists.load("saknas")
    path = tmp_path / "lista.yaml"
    path.write_text("- bara\n- en lista\n", encoding="utf-8")
    with pytest.raises(ChecklistError, match="Filen ska innehålla en checklista"):
        checklists.load(path)
    path.write_bytes("id: å\n".encode("latin-1"))
    with pytest.raises(ChecklistError, match="UTF-8"):
        checklists.load(str(path))


def test_loads_from_text_keeps_the_text_and_the_version_as_written() -> None:
    checklist = checklists.loads(MINIMAL.replace("version: 1", 'version: "1.2"'))
    assert checklist.version == "1.2"
    assert checklist.source_text.startswith("id: prov")
    assert checklist.applies_to({}) is True
    assert checklist.applies_mask(pd.DataFrame({"x": [1, 2]})).tolist() == [True, True]
    with pytest.raises(KeyError):
        checklist.item("finns_inte")


# --------------------------------------------------------------------------- applies_mask


_days = st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2027, 12, 31))
_dates = st.one_of(st.none(), _days, _days.map(str), _days.map(pd.Timestamp), st.just(pd.NaT))
_flags = st.sampled_from([True, False, None, "ja", "nej"])
_cases = st.fixed_dictionaries(
    {
        "arendetyp": st.sampled_from([*checklists.CASE_TYPES, None]),
        "barn_i_hushallet": _flags,
        "pagaende_utredning": _flags,
        "inkom_datum": _dates,
        "forhandsbedomning_datum": _dates,
        "utredning_inledd": _dates,
        "beslut_datum": _dates,
        "fodelsear": st.one_of(st.none(), st.integers(1940, 2010), st.just("1985")),
        "kon": st.sampled_from(["K", "M", "okänt", None]),
        "insats": st.sampled_from(["kontaktperson", "boende", None, ""]),
        "poang": st.one_of(st.none(), st.floats(0, 10, allow_nan=False), st.just("7,0")),
    }
)
_MASK_CHECKLISTS = [
    checklists.load(name) for name in checklists.available()
] + [checklists.load(DATA / "villkor.yaml")]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=st.lists(_cases, min_size=1, max_size=30))
def test_applies_mask_agrees_with_applies_to_row_by_row(cases: list[dict[str, object]]) -> None:
    frame = pd.DataFrame(cases, index=[f"a{i}" for i in range(len(cases))])
    for checklist in _MASK_CHECKLISTS:
        mask = checklist.applies_mask(frame)
        assert mask.dtype == bool
        assert list(mask.index) == list(frame.index)
        assert mask.tolist() == [checklist.applies_to(case) for case in cases], checklist.id
