"""Personal data where it does not belong (issue 14, points 1-2): free text in imports and comments.

Every personnummer here is synthetic: födelsenummer 980-999 with a correct check digit.
"""

from __future__ import annotations

import dataclasses

import pytest
from test_review_widgets import open_app, vald, ws  # noqa: F401 - fixtures shared with the widget tests

from egenkontroll import personnummer, register
from egenkontroll.errors import RegisterError, SessionError
from egenkontroll.personnummer import check_digit
from egenkontroll.store import PERSONNUMMER_REFUSED
from tests.egenkontroll.test_register import KEY, NOTES, case, write_csv, write_xlsx


def synthetic(born: str, serial: int = 985) -> str:
    """The ten digits of a synthetic personnummer born YYMMDD (samordningsnummer: day + 60)."""
    nine = f"{born}{serial}"
    return f"{nine}{check_digit(nine)}"


CHILD = synthetic("100315", 991)  # written 100315-991C; with century 20100315-991C
PARENT = synthetic("811218", 996)
SAMORDNING = synthetic("701063", 982)
#: every written form of the issue, each hidden in a sentence
FORMS = {
    "YYYYMMDD-XXXX": f"Klientens son 20{CHILD[:6]}-{CHILD[6:]} ringde",
    "YYMMDD-XXXX": f"mamma {PARENT[:6]}-{PARENT[6:]} ringde",
    "YYMMDD+XXXX": f"morfar {PARENT[:6]}+{PARENT[6:]}.",
    "utan avgränsare": f"mamma {PARENT} ringde",
    "tolv siffror": f"(19{PARENT})",
    "med mellanslag": f"nr {PARENT[:6]} {PARENT[6:]}",
    "mellanslag kring tecknet": f"nr {PARENT[:6]} - {PARENT[6:]}",
    "samordningsnummer": f"samordningsnr {SAMORDNING[:6]}-{SAMORDNING[6:]}",
    "ensam i cellen": f"{PARENT[:6]}-{PARENT[6:]}",
}


@pytest.mark.parametrize("form", list(FORMS))
def test_every_written_form_is_found_and_masked(form):
    text = FORMS[form]
    assert len(personnummer.find_in_text(text)) == 1
    masked = personnummer.mask_in_text(text)
    assert personnummer.REMOVED in masked and not personnummer.find_in_text(masked)
    assert PARENT[6:] not in masked and CHILD[6:] not in masked and SAMORDNING[6:] not in masked


@pytest.mark.parametrize("text", [
    f"{PARENT[:9]}{(int(PARENT[9]) + 1) % 10}",  # wrong check digit
    "Ärende 2024-00123, telefon 070-123 45 67",
    "summa 1234567890123 kr",
    "",
])
def test_other_numbers_are_left_alone(text):
    assert personnummer.find_in_text(text) == [] and personnummer.mask_in_text(text) == text


def test_two_numbers_in_one_text_are_both_found():
    assert len(personnummer.find_in_text(f"son 20{CHILD} och mamma {PARENT}")) == 2


# --- imports ----------------------------------------------------------------------------------

def notes_rows(texts: list[str]) -> list[dict[str, object]]:
    return [case(i + 1, Anteckning=text) for i, text in enumerate(texts)]


def test_only_columns_the_profile_names_are_kept(tmp_path, workspace):
    rows = [case(1, Namn="Anna Andersson"), case(2, Namn="Bo Berg")]
    path = write_xlsx(tmp_path / "namn.xlsx", rows, headings=[*rows[0]])
    report = workspace.import_register(path)
    assert "Namn" not in workspace.cases().columns and "Anteckning" not in workspace.cases().columns
    assert report.kept == () and set(report.dropped) == {"Namn", "Anteckning"}
    assert "som inte sparades (inte med i profilens extra_kolumner): Anteckning, Namn." in str(report)


def test_a_personnummer_in_kept_text_refuses_the_import_naming_every_hit(tmp_path):
    path = write_csv(tmp_path / "fritext.csv", notes_rows([*FORMS.values(), "inget nummer"]))
    with pytest.raises(RegisterError) as caught:
        register.read_register(path, key=KEY, profile=NOTES)
    found = [str(p) for p in caught.value.problems]
    assert found == [f"rad {row}, kolumn Anteckning: {register._PERSONNUMMER_IN_TEXT}"
                     for row in range(2, 2 + len(FORMS))]
    assert PARENT[6:] not in str(caught.value)


def test_a_personnummer_in_a_numeric_cell_is_found(tmp_path):
    path = write_xlsx(tmp_path / "tal.xlsx", [case(1, Anteckning=int(PARENT))])
    with pytest.raises(RegisterError, match="rad 2, kolumn Anteckning: texten innehåller ett personnummer"):
        register.read_register(path, key=KEY, profile=NOTES)


def test_profile_fritext_maskera_masks_before_storing(tmp_path, workspace):
    profile = tmp_path / "maskera.yaml"
    profile.write_text("bas: generisk\nextra_kolumner: [Anteckning]\nfritext: maskera\n", encoding="utf-8")
    path = write_csv(tmp_path / "fritext.csv", notes_rows(list(FORMS.values())))
    report = workspace.import_register(path, profile=str(profile))
    notes = workspace.cases()["Anteckning"].tolist()
    assert report.kept == ("Anteckning",)
    assert "Sparade kolumner utöver registerfälten: Anteckning." in str(report)
    assert notes[0] == f"Klientens son {personnummer.REMOVED} ringde"
    assert all(personnummer.REMOVED in note and not personnummer.find_in_text(note) for note in notes)


def test_masking_never_applies_to_canonical_fields(tmp_path):
    masking = dataclasses.replace(register.load_profile(), free_text=register.FREE_TEXT_MASK)
    path = write_csv(tmp_path / "enhet.csv", [case(1, Enhet=f"Söder {PARENT}")])
    with pytest.raises(RegisterError, match="rad 2, kolumn Enhet: texten innehåller ett personnummer"):
        register.read_register(path, key=KEY, profile=masking)


def test_a_bad_fritext_choice_is_a_profile_error(tmp_path):
    profile = tmp_path / "fel.yaml"
    profile.write_text("fritext: radera\n", encoding="utf-8")
    with pytest.raises(RegisterError, match="'fritext' ska vara vägra eller maskera"):
        register.load_profile(profile)


# --- comments and free-text answers -----------------------------------------------------------

def test_record_and_record_many_refuse_a_personnummer_in_a_comment(ws, vald):  # noqa: F811
    first = vald.case_ids[0]
    with pytest.raises(SessionError, match="innehåller ett personnummer"):
        vald.record(first, "vald_fragat", "ja", comment=FORMS["YYMMDD-XXXX"])
    with pytest.raises(SessionError, match="innehåller ett personnummer"):
        vald.record_many([{"case_id": first, "item_id": "vald_fragat", "value": "ja"},
                          {"case_id": first, "item_id": "vald_fragat", "value": "nej", "comment": PARENT}])
    assert vald.answers().empty and len(vald.audit()) == 1  # only the session's creation


def test_the_review_app_refuses_the_comment_and_keeps_the_text_in_the_box(ws, vald):  # noqa: F811
    screen = open_app(ws, vald).screen
    editor = screen.editors["vald_fragat"]
    editor.input.value = "ja"
    editor.comment.value = FORMS["utan avgränsare"]
    assert screen.errors.messages == [PERSONNUMMER_REFUSED]
    assert editor.comment.value == FORMS["utan avgränsare"]
    answers = ws.session(vald.id).answers()
    assert answers["comment"].isna().all()
    assert not any(PARENT in str(value) for value in ws.session(vald.id).audit().to_numpy().ravel())


def test_far_future_dates_are_accepted_with_a_warning_in_the_report(tmp_path, workspace):
    path = write_csv(tmp_path / "framtid.csv", [case(1), case(2, Beslut="2099-12-31", Verkställt="")])
    report = workspace.import_register(path)
    assert report.warnings == ("kolumn Beslut: 1 datum ligger långt fram i tiden (senast 2099-12-31, "
                               "första på rad 3); kontrollera dem.",)
    assert "Varning: kolumn Beslut" in str(report)
