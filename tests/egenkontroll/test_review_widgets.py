"""The review app's widgets, headless: set values and click buttons, then ask the store what it holds."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from test_review_model import AS_OF, CHILD_CASES, write_register

from egenkontroll import actions, review, yearplan
from egenkontroll._review_model import ReviewModel

XSS = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
#: a checklist with an item of every answer type (the browser tests use it too)
TYPES = Path(__file__).parent / "data" / "checklists" / "alla_svarstyper.yaml"


@pytest.fixture
def ws(workspace, tmp_path):
    """A workspace holding the synthetic register of test_review_model."""
    workspace.import_register(write_register(tmp_path / "register.csv"))
    return workspace


@pytest.fixture
def vald(ws):
    return ws.create_session("valdsfraga", n=CHILD_CASES, seed=5)


@pytest.fixture
def typer(ws):
    return ws.create_session(str(TYPES), n=4, seed=1, period="2026-T1")


def open_app(ws, session) -> review.ReviewApp:
    app = review.app(ws, session_id=session.id, reviewer="anna", as_of=AS_OF)
    assert isinstance(app.screen, review.ReviewScreen), app.errors.messages
    return app


def shown(screen: review.ReviewScreen) -> list[str]:
    return [editor.item.id for editor in screen.items.children]


def stored(ws, session) -> list[list[str]]:
    return ws.session(session.id).answers()[["arende_id", "item_id", "value"]].values.tolist()


# --- answering --------------------------------------------------------------------------------

def test_clicking_an_answer_saves_it_at_once_and_says_when(ws, vald):
    screen = open_app(ws, vald).screen
    toggle = screen.editors["vald_fragat"].input
    assert toggle.options == (("Ja", "ja"), ("Nej", "nej"), ("Ej aktuellt", "ej_aktuellt"))
    assert toggle.value is None
    toggle.value = "ja"
    assert stored(ws, vald) == [[vald.case_ids[0], "vald_fragat", "ja"]]
    assert ws.session(vald.id).answers()["reviewer"].tolist() == ["anna"]
    assert re.search(r'class="ek-status-sparat">Sparat \d\d:\d\d:\d\d<', screen.status.value)


def test_items_appear_and_disappear_as_answers_change(ws, vald):
    screen = open_app(ws, vald).screen
    assert shown(screen) == ["vald_fragat", "kommentar"]
    screen.editors["vald_fragat"].input.value = "ja"
    screen.editors["framkom_vald"].input.value = "ja"
    assert shown(screen) == ["vald_fragat", "framkom_vald", "riskbedomning", "skydd_och_stod", "barn_berors",
                             "kommentar"]
    screen.editors["barn_berors"].input.value = "ja"
    assert "barnens_situation" in shown(screen)
    screen.editors["framkom_vald"].input.value = "nej"
    assert shown(screen) == ["vald_fragat", "framkom_vald", "kommentar"]


def test_critical_items_are_marked(ws, vald):
    screen = open_app(ws, vald).screen
    assert "Kritisk" in screen.editors["vald_fragat"].children[0].value
    assert "Kritisk" not in screen.editors["kommentar"].children[0].value


def test_progress_and_card_say_when_a_case_is_done(ws, vald):
    screen = open_app(ws, vald).screen
    assert "0 av 12 klara" in screen.progress.value and "Inte klar" in screen.card.value
    screen.editors["vald_fragat"].input.value = "nej"
    assert "Ärende 1 av 12" in screen.progress.value and "1 av 12 klara" in screen.progress.value
    assert "ek-klar\">Klar" in screen.card.value


def test_every_answer_type_is_saved_in_its_stored_form(ws, typer):
    screen = open_app(ws, typer).screen
    editors = screen.editors
    assert "mote_datum" not in shown(screen)
    editors["mote_hallet"].input.value = "ja"
    editors["mote_datum"].input.value = date(2026, 3, 4)
    editors["deltagare"].input.value = " 3 "
    editors["form"].input.value = "digitalt"
    editors["anteckning"].input.value = "Mötet dokumenterat"
    case_id = typer.case_ids[0]
    assert sorted(stored(ws, typer)) == sorted([
        [case_id, "mote_hallet", "ja"], [case_id, "mote_datum", "2026-03-04"], [case_id, "deltagare", "3"],
        [case_id, "form", "digitalt"], [case_id, "anteckning", "Mötet dokumenterat"]])
    assert editors["anteckning"].comment is None  # free text needs no separate comment
    assert "1 av 4 klara" in screen.progress.value


def test_every_answer_box_is_named_by_its_question_for_screen_readers(ws, typer):
    """The buttons of a ja/nej item are named by their words; every other answer widget by its question
    (a label the page's style shows to screen readers only, the question being in bold just above)."""
    screen = open_app(ws, typer).screen
    screen.editors["mote_hallet"].input.value = "ja"
    named = {item_id: editor.input.description for item_id, editor in screen.editors.items()
             if item_id != "mote_hallet"}
    assert named == {"mote_datum": "När hölls mötet?", "deltagare": "Hur många deltog?",
                     "form": "I vilken form?", "anteckning": "Anteckning"}


def test_a_value_that_does_not_fit_shows_a_swedish_error_and_the_stored_value_again(ws, typer):
    app = open_app(ws, typer)
    number = app.screen.editors["deltagare"].input
    number.value = "3"
    number.value = "tre"
    assert app.errors.messages == [
        "Svaret 'tre' på frågan 'deltagare' sparades inte: Svaret ska vara ett tal."]
    assert "Inte sparat" in app.screen.status.value
    assert number.value == "3"
    assert stored(ws, typer) == [[typer.case_ids[0], "deltagare", "3"]]
    app.screen.editors["form"].input.value = "fysiskt"
    assert app.errors.messages == []  # the next action clears the message


def test_an_unexpected_error_is_shown_in_swedish_and_logged_not_raised(ws, vald, monkeypatch):
    app = open_app(ws, vald)

    secret = "databasen försvann"

    def broken(self, item_id, value):
        raise RuntimeError(secret)

    monkeypatch.setattr(ReviewModel, "record", broken)
    app.screen.editors["vald_fragat"].input.value = "ja"
    [message] = app.errors.messages
    assert message.startswith("Något gick fel") and "fel.log" in message and "Traceback" not in message
    assert app.errors.output.outputs[0]["data"]["text/html"].startswith('<div class="ek-fel">')
    log = (ws.path / "fel.log").read_text(encoding="utf-8")
    assert "builtins.RuntimeError" in log and "databasen försvann" not in log  # the type, never a message
    assert app.screen.editors["vald_fragat"].input.value is None  # shows what is stored: nothing


# --- comments, conflicts and escaping ---------------------------------------------------------

def test_comment_is_saved_with_the_answer_and_only_once_answered(ws, vald):
    screen = open_app(ws, vald).screen
    editor = screen.editors["vald_fragat"]
    assert editor.comment.disabled and editor.comment.continuous_update  # every keystroke reaches the kernel
    editor.input.value = "ja"
    assert not editor.comment.disabled
    editor.comment.value = "Frågan ställd vid hembesök"
    editor.input.value = "nej"
    answers = ws.session(vald.id).answers()
    assert answers[["value", "comment", "revision"]].values.tolist() == [
        ["nej", "Frågan ställd vid hembesök", 3]]


class Clock:
    """Stands in for the kernel's event loop (review._call_later): callbacks wait until :meth:`pause`."""

    def __init__(self) -> None:
        self.waiting: list[list] = []

    def call_later(self, delay: float, callback):
        entry = [delay, callback, True]
        self.waiting.append(entry)

        def cancel() -> None:
            entry[2] = False

        return cancel

    @property
    def pending(self) -> list[float]:
        return [delay for delay, _, live in self.waiting if live]

    def pause(self) -> None:
        """The reviewer stops typing: run what is still waiting."""
        due, self.waiting = [callback for _, callback, live in self.waiting if live], []
        for callback in due:
            callback()


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(review, "_call_later", clock.call_later)
    return clock


def test_a_typed_comment_is_saved_once_the_typing_pauses(ws, vald, clock):
    screen = open_app(ws, vald).screen
    editor = screen.editors["vald_fragat"]
    editor.input.value = "ja"
    for typed in ("F", "Frågan", "Frågan ställd vid hembesök "):
        editor.comment.value = typed
    assert ws.session(vald.id).answers()["comment"].tolist() == [None]  # not yet
    assert "Sparar det du skriver" in screen.status.value
    assert clock.pending == [review.SAVE_PAUSE]  # each keystroke restarted the wait
    clock.pause()
    answers = ws.session(vald.id).answers()
    assert answers[["comment", "revision"]].values.tolist() == [["Frågan ställd vid hembesök", 2]]
    assert re.search(r'class="ek-status-sparat">Kommentaren sparad \d\d:\d\d:\d\d<', screen.status.value)
    assert editor.comment.value == "Frågan ställd vid hembesök "  # the box is not rewritten under the cursor
    assert "Svarat av anna" in editor.saved_by.value
    editor.comment.value = "Frågan ställd vid hembesök x"
    editor.comment.value = "Frågan ställd vid hembesök"  # typed back to what is stored: nothing to save
    assert clock.pending == [] and screen.status.value == ""
    assert ws.session(vald.id).answers()["revision"].tolist() == [2]


def test_a_free_text_answer_is_saved_as_it_is_typed(ws, vald, clock):
    screen = open_app(ws, vald).screen
    screen.editors["kommentar"].input.value = "Bra akt"
    assert stored(ws, vald) == []
    clock.pause()
    assert stored(ws, vald) == [[vald.case_ids[0], "kommentar", "Bra akt"]]


def test_typed_text_is_saved_in_its_own_case_before_the_next_action(ws, vald, clock):
    screen = open_app(ws, vald).screen
    editor = screen.editors["vald_fragat"]
    editor.input.value = "ja"
    editor.comment.value = "Skrivet precis innan Nästa"
    screen.next_button.click()
    assert screen.review.current == vald.case_ids[1]
    answers = ws.session(vald.id).answers()
    assert answers[["arende_id", "comment"]].values.tolist() == [
        [vald.case_ids[0], "Skrivet precis innan Nästa"]]
    assert clock.pending == []  # nothing left to save after the pause
    screen.editors["vald_fragat"].input.value = "nej"
    screen.editors["vald_fragat"].comment.value = "Andra akten"
    screen.editors["vald_fragat"].input.value = "ja"  # an answer saves the comment first, then itself
    answers = ws.session(vald.id).answers().set_index("arende_id")
    second = answers.loc[vald.case_ids[1], ["value", "comment", "revision"]].tolist()
    assert second == ["ja", "Andra akten", 3]


def test_text_still_waiting_when_the_kernel_ends_is_saved_on_the_way_out(ws, vald, clock):
    screen = open_app(ws, vald).screen
    screen.editors["vald_fragat"].input.value = "ja"
    screen.editors["vald_fragat"].comment.value = "Sidan laddades om direkt"
    review._save_typed_text_on_exit()
    assert ws.session(vald.id).answers()["comment"].tolist() == ["Sidan laddades om direkt"]


def test_a_typed_comment_that_meets_someone_elses_change_shows_theirs(ws, vald, clock):
    screen = open_app(ws, vald).screen
    editor = screen.editors["vald_fragat"]
    editor.input.value = "ja"
    editor.comment.value = "min kommentar"
    ws.session(vald.id).record(vald.case_ids[0], "vald_fragat", "nej", reviewer="bertil", expected_revision=1)
    screen.next_button.click()
    assert screen.review.current == vald.case_ids[0]  # stayed, to show what happened
    assert "ändrades av bertil" in screen.status.value
    assert editor.input.value == "nej" and editor.comment.value == ""


def test_a_conflict_says_who_changed_the_answer_and_shows_theirs(ws, vald):
    screen = open_app(ws, vald).screen
    ws.session(vald.id).record(vald.case_ids[0], "vald_fragat", "nej", reviewer="<b>bertil</b>")
    toggle = screen.editors["vald_fragat"].input
    toggle.value = "ja"
    assert 'class="ek-status-konflikt"' in screen.status.value
    assert "ändrades av &lt;b&gt;bertil&lt;/b&gt; kl " in screen.status.value
    assert "ändra igen om du vill" in screen.status.value
    assert toggle.value == "nej"
    assert stored(ws, vald) == [[vald.case_ids[0], "vald_fragat", "nej"]]
    toggle.value = "ja"
    assert stored(ws, vald) == [[vald.case_ids[0], "vald_fragat", "ja"]]


def test_malicious_free_text_is_stored_as_written_and_shown_as_text(ws, vald):
    vald_title = ws.create_session("valdsfraga", n=2, seed=1, title=f"Titel {XSS}", allow_overlap=True)
    app = open_app(ws, vald_title)
    screen = app.screen
    assert ESCAPED in screen.header.value and XSS not in screen.header.value
    screen.editors["vald_fragat"].input.value = "ja"
    screen.editors["vald_fragat"].comment.value = XSS
    screen.editors["kommentar"].input.value = XSS
    assert ws.session(vald_title.id).answers()["comment"].tolist()[1] == XSS
    screen.summary_button.click()
    assert screen.summary.value.count(ESCAPED) == 2 and "<img" not in screen.summary.value
    screen.back_button.click()
    screen.correct_field.value = "inkom_datum"
    screen.correct_value.value = date(2026, 1, 1)
    screen.correct_reason.value = XSS
    screen.correct_button.click()
    assert ESCAPED in screen.card.value and "<img" not in screen.card.value


def test_question_help_text_is_escaped(ws, typer):
    html = open_app(ws, typer).screen.editors["mote_hallet"].children[0].value
    assert f"Hjälp {ESCAPED}" in html and "<img" not in html


# --- navigation, summary, corrections, reopening ----------------------------------------------

def test_previous_next_and_next_unreviewed_buttons(ws, vald):
    screen = open_app(ws, vald).screen
    order = vald.case_ids
    assert screen.previous_button.disabled
    screen.next_button.click()
    assert screen.review.current == order[1] and f"Ärende {order[1]}" in screen.card.value
    assert not screen.previous_button.disabled
    screen.editors["vald_fragat"].input.value = "nej"  # order[1] done
    screen.previous_button.click()
    assert screen.review.current == order[0]
    screen.unreviewed_button.click()
    assert screen.review.current == order[2]


def test_next_after_the_last_case_shows_the_summary(ws, vald):
    screen = open_app(ws, vald).screen
    screen.review.go_to(vald.case_ids[-1])
    screen.show_case()
    screen.editors["vald_fragat"].input.value = "nej"
    screen.next_button.click()
    assert screen.case_view.layout.display == "none" and screen.summary_view.layout.display is None
    assert "Det var sista ärendet" in screen.status.value
    assert "1 av 12 klara; 1 avvikelser hittade." in screen.summary.value
    assert "Kritisk fråga besvarad med nej" in screen.summary.value
    screen.back_button.click()
    assert screen.case_view.layout.display is None and screen.summary_view.layout.display == "none"


def test_the_summary_names_each_question_once_and_keeps_case_ids_whole(ws, vald):
    screen = open_app(ws, vald).screen
    for case_id in vald.case_ids[:3]:
        screen.editors["vald_fragat"].input.value = "nej"
        screen.editors["vald_fragat"].comment.value = f"kommentar {case_id}"
        screen.next_button.click()
    screen.summary_button.click()
    html = screen.summary.value
    question = "Har frågan om våld ställts och är svaret dokumenterat?"
    assert html.count(question) == 1 and '<td class="ek-nr">F1</td><td>' + question in html
    assert html.count('<span class="ek-nr">F1:</span> Kritisk fråga besvarad med nej') == 3
    assert f'<td class="ek-arende">{vald.case_ids[0]}</td>' in html
    assert f'<span class="ek-nr">F1:</span> kommentar {vald.case_ids[2]}' in html
    assert ".ek-sammanfattning .ek-arende, .ek-sammanfattning .ek-nr { white-space: nowrap; }" \
        in review._STYLE


def test_the_card_names_the_handlaggare_and_says_when_the_register_has_no_value(ws, vald):
    screen = open_app(ws, vald).screen
    case = ws.cases().set_index("arende_id").loc[vald.case_ids[0]]
    assert f"handläggare {case['handlaggare']}</div>" in screen.card.value
    assert "<th>Beslut</th><td>uppgift saknas</td>" in screen.card.value and "okänt" not in screen.card.value


def test_navigation_progress_and_status_are_in_the_bar_that_stays_in_sight(ws, vald):
    screen = open_app(ws, vald).screen
    assert screen.bar._dom_classes == ("ek-listen",)
    assert screen.progress in screen.bar.children and screen.status in screen.bar.children
    assert screen.next_button in screen.bar.children[1].children
    assert ".ek-listen { position: sticky; top: 0;" in review._STYLE


def test_correcting_a_register_date_from_the_case_card(ws, vald):
    screen = open_app(ws, vald).screen
    case_id = vald.case_ids[0]
    original = ws.cases().set_index("arende_id").loc[case_id, "inkom_datum"].date()
    screen.correct_field.value = "inkom_datum"
    screen.correct_value.value = date(2026, 1, 2)
    screen.correct_reason.value = "Anmälan stämplad 2 januari"
    screen.correct_button.click()
    assert "<td>2026-01-02 <span" in screen.card.value
    assert f"rättat från {original.isoformat()}: Anmälan stämplad 2 januari" in screen.card.value
    assert screen.correct_reason.value == "" and screen.correct_value.value is None
    corrections = ws.session(vald.id).corrections()
    assert corrections[["arende_id", "field", "corrected"]].values.tolist() == [
        [case_id, "inkom_datum", "2026-01-02"]]


def test_a_correction_without_reason_is_refused_in_swedish(ws, vald):
    app = open_app(ws, vald)
    app.screen.correct_value.value = date(2026, 1, 2)
    app.screen.correct_button.click()
    assert app.errors.messages[0].startswith("Ange varför datumet rättas")
    assert ws.session(vald.id).corrections().empty


def test_a_new_app_shows_what_was_saved_before_the_tab_closed(ws, vald):
    first = open_app(ws, vald).screen
    first.editors["vald_fragat"].input.value = "ja"
    first.editors["vald_fragat"].comment.value = "Noterat"
    again = open_app(ws, vald).screen
    assert again.review.current == vald.case_ids[0]  # not done yet: framkom_vald is unanswered
    assert again.editors["vald_fragat"].input.value == "ja"
    assert again.editors["vald_fragat"].comment.value == "Noterat"
    assert shown(again) == ["vald_fragat", "framkom_vald", "kommentar"]
    assert again.editors["framkom_vald"].input.value is None


# --- the start screen -------------------------------------------------------------------------

def test_start_screen_opens_a_listed_session(ws, vald):
    app = review.app(ws, reviewer="anna", as_of=AS_OF)
    start = app.screen
    assert isinstance(start, review.StartScreen)
    assert start.sessions.options == (("Våldsfråga, alla · Våldsfråga · alla · 0 av 12 klara", vald.id),)
    start.open_button.click()
    assert isinstance(app.screen, review.ReviewScreen) and app.screen.review.session.id == vald.id
    app.screen.leave_button.click()
    assert isinstance(app.screen, review.StartScreen)


def test_start_screen_plans_and_creates_a_session_with_the_seed_shown(ws):
    app = review.app(ws, reviewer="anna", as_of=AS_OF)
    start = app.screen
    assert "Det finns inga granskningar ännu" in start.children[1].value
    assert 0 <= start.seed.value < 1_000_000
    start.checklist.value = "utredningstid"
    start.period.value = "2026-T1"
    assert "12 ärenden i registret" in start.population.value
    start.plan_rate.value = 20
    start.confidence.value = 0.90
    start.plan_button.click()
    assert app.errors.messages == []
    assert start.plan_sentence.value.startswith(f"<p>Med {start.n.value} akter kan du med 90 % säkerhet")
    start.n.value = 5
    start.seed.value = 4242
    start.strata.value = "enhet"
    start.title.value = "Vårens tidsfrister"
    start.create_button.click()
    session = app.screen.review.session
    assert (session.manifest["seed"], len(session.case_ids), session.title) == (4242, 5, "Vårens tidsfrister")
    assert session.created_by == "anna"


def test_a_sample_larger_than_the_frame_is_refused_in_swedish(ws):
    app = review.app(ws, reviewer="anna")
    app.screen.period.value = "2026-T2"
    app.screen.checklist.value = "utredningstid"
    app.screen.create_button.click()
    assert isinstance(app.screen, review.StartScreen)
    assert app.errors.messages and "Traceback" not in app.errors.messages[0]
    assert ws.sessions() == []


def test_an_unknown_session_id_shows_the_start_screen_and_names_the_known_ones(ws, vald):
    app = review.app(ws, session_id="finns-inte", reviewer="anna")
    assert isinstance(app.screen, review.StartScreen)
    assert app.errors.messages[0].startswith("Granskningen 'finns-inte' finns inte")
    assert vald.id in app.errors.messages[0]


def test_an_empty_workspace_says_to_import_a_register_first(workspace):
    app = review.app(workspace)
    text = " ".join(child.value for child in app.screen.children if hasattr(child, "value"))
    assert "Läs först in ett ärenderegister" in text


def test_the_defaults_draw_an_unstratified_sample_of_every_period(ws):
    app = review.app(ws, reviewer="anna")
    start = app.screen
    assert start.strata.value == "" and start.strata.label == "Ingen stratifiering"
    start.period.value = ""  # Alla ärenden
    start.checklist.value = "barnperspektiv"
    start.n.value = 2
    start.create_button.click()
    session = app.screen.review.session
    assert session.period is None and set(session.design["stratum"]) == {"alla"}  # one stratum
    assert sorted(session.case_ids) == ["VUX-2026-000", "VUX-2026-001"]


# --- the quality loop ---------------------------------------------------------------------------

def test_the_summary_creates_an_action_for_an_item_that_fell_short_and_says_so(ws, vald):
    screen = open_app(ws, vald).screen
    screen.summary_button.click()
    assert screen.action_form.layout.display == "none"  # nothing fell short yet
    screen.back_button.click()
    screen.editors["vald_fragat"].input.value = "nej"
    screen.summary_button.click()
    form = screen.action_form
    assert form.layout.display is None
    label = "F1: Har frågan om våld ställts och är svaret dokumenterat? (avvikelse i 1 ärende)"
    assert form.item.options == ((label, "vald_fragat"),)
    form.cause.value, form.action.value = "Rutinen okänd", "Utbildning i att fråga om våld"
    form.ansvarig.value, form.deadline.value = "Enhetschef barn", "31/3/2027"
    form.create_button.click()
    assert "Åtgärd 1 skapad för F1: ansvarig Enhetschef barn, sista dag 31/3/2027." in form.result.value
    assert (form.cause.value, form.action.value, form.ansvarig.value, form.deadline.value) == ("", "", "", "")
    assert actions.actions_table(ws)[["session_id", "item_id", "deadline"]].values.tolist() == [
        [vald.id, "vald_fragat", "2027-03-31"]]


def test_a_refused_action_says_what_to_fix_beside_the_form_and_keeps_the_texts(ws, vald):
    screen = open_app(ws, vald).screen
    screen.editors["vald_fragat"].input.value = "nej"
    screen.summary_button.click()
    form = screen.action_form
    form.action.value, form.deadline.value = "<b>Utbildning</b>", "nästa vecka"
    form.create_button.click()
    assert "Åtgärden skapades inte: skriv vem som är ansvarig (Ansvarig); sista dag ”nästa vecka” är inget " \
           "datum" in form.result.value
    assert "<b>" not in form.result.value and form.action.value == "<b>Utbildning</b>"
    assert screen.errors.messages == [] and actions.actions_table(ws).empty


def test_the_start_screen_offers_the_plan_first_and_draws_a_planned_granskning(ws):
    row = yearplan.add_plan_row(ws, year=2026, checklist="utredningstid", period="2026-T1", planned_n=5,
                                ansvarig="Kvalitetsutvecklare")
    app = review.app(ws, reviewer="anna", as_of=AS_OF)
    start = app.screen
    assert start.children[0].children[2] is start.planned  # the plan comes first
    assert start.planned.label.startswith("Utredningstid · jan–apr 2026 · alla enheter · ansvarig "
                                          "Kvalitetsutvecklare · 5 akter att dra")
    assert start.planned_button.description == "Dra 5 akter och börja granska"
    start.planned_button.click()
    assert isinstance(app.screen, review.ReviewScreen), app.errors.messages
    session = app.screen.review.session
    assert len(session.case_ids) == 5 and session.created_by == "anna"
    assert yearplan.plan_rows(ws).set_index("id").loc[row, "session_id"] == session.id
    app.screen.leave_button.click()
    assert app.screen.planned_button.description == "Öppna den planerade granskningen"
