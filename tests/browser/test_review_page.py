"""The review app served by ``egenkontroll review`` (Voilà) and driven in Debian's chromium."""

from __future__ import annotations

import os
import re
import signal

import pytest

from egenkontroll import Workspace, actions, yearplan
from egenkontroll._review_model import StartModel
from egenkontroll.perdatum import per_datum
from tests.browser.conftest import screenshot, serious_violations
from tests.conftest import REPO
from tests.egenkontroll.drills.synthetic import synthetic_personnummer

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SECONDS = 1000  # Playwright counts milliseconds
APP_START = 120 * SECONDS
#: the "Nästa" button (not "Nästa ogranskade"); its name starts with its icon
NEXT = re.compile(r"Nästa$")
XSS = "<img src=x onerror=alert(1)>"
#: a checklist with an item of every answer type (test_review_widgets uses it too)
ALL_ANSWER_TYPES = REPO / "tests" / "egenkontroll" / "data" / "checklists" / "alla_svarstyper.yaml"


@pytest.fixture(scope="module")
def demo(tmp_path_factory, copy_of_demo):
    """The demo workspace built by the CLI (a copy), with one våldsfråga session created through the
    Python API."""
    path = copy_of_demo(tmp_path_factory.mktemp("granskning") / "arbetsyta")
    with Workspace.open(path) as workspace:
        session = workspace.create_session("valdsfraga", n=10, seed=2026, period="2026-T1",
                                           title="Våldsfrågan våren 2026",
                                           allow_overlap=True)  # the demo already reviewed 2026-T1
        label = dict((id_, text) for text, id_ in StartModel(workspace).session_choices())[session.id]
        return path, session.id, label


@pytest.fixture(scope="module")
def review_url(demo, serve_module) -> str:
    """One ``egenkontroll review`` for the module's tests that leave their server running."""
    return serve_module("review", demo[0]).url


#: Voilà 0.5 asks to shut the old kernel down when the page is reloaded, without an XSRF token; upstream
#: refuses it (403, voila-dashboards/voila#1458), egenkontroll's server accepts it (issue 15), and the
#: browser then reports the request as aborted, since the page is gone before the answer comes. Either is
#: allowed, as is the page's heartbeat (vakt.js) aborted by the reload; nothing else is: no request to the
#: internet, no other console error.
KERNEL_SHUTDOWN = "/voila/api/shutdown/"
HEARTBEAT = "/api/kernels/"
FORBIDDEN = "Failed to load resource: the server responded with a status of 403"


def unexplained(console_errors: list[str], failed: list[str], refused: list[str]) -> list[str]:
    """The console errors, failed and refused requests left when the kernel shutdowns are taken out.

    A "Failed to load resource" line names no address, so each is matched to one refused shutdown.
    """
    forbidden = [url for url in refused if KERNEL_SHUTDOWN in url]
    left = [f"failed request {url}" for url in failed if KERNEL_SHUTDOWN not in url and HEARTBEAT not in url]
    left += [f"refused request {url}" for url in refused if url not in forbidden]
    for message in console_errors:
        if message.startswith(FORBIDDEN) and forbidden:
            forbidden.pop()
        else:
            left.append(message)
    return left


def open_session(page, label: str, reviewer: str = "Granskare A", first_item: str = "vald_fragat"):
    """Name the reviewer unless the browser remembers one, pick the session on the start screen and open
    it; returns the first case's *first_item*."""
    page.locator(".ek-valj-granskning select").wait_for(timeout=APP_START)
    name = page.locator(".ek-granskare input")
    if not name.input_value():
        name.fill(reviewer)
    page.locator(".ek-valj-granskning select").select_option(label=label)
    page.get_by_role("button", name="Öppna granskningen").click()
    item = page.locator(f".ek-fraga-{first_item}")
    item.wait_for()
    return item


def answer(page, item_id: str, label: str) -> None:
    page.locator(f".ek-fraga-{item_id}").get_by_role("button", name=label, exact=True).click()


def selected(page, item_id: str, label: str):
    return page.locator(f".ek-fraga-{item_id}").get_by_role("button", name=label, exact=True)


def test_answers_survive_a_reload_and_the_page_has_no_console_errors(demo, review_url, page):
    path, session_id, label = demo
    browser_page = page.page
    browser_page.set_viewport_size({"width": 1400, "height": 2200})  # Voilà scrolls inside the page
    refused = []
    browser_page.on("response", lambda response: response.status >= 400 and refused.append(response.url))
    browser_page.goto(review_url)
    browser_page.locator(".ek-valj-granskning select").wait_for(timeout=APP_START)
    screenshot(browser_page, "granskning-start")
    open_session(browser_page, label)
    answer(browser_page, "vald_fragat", "Ja")
    browser_page.locator(".ek-status").get_by_text(re.compile(r"Sparat \d\d:\d\d:\d\d")).wait_for()
    answer(browser_page, "framkom_vald", "Ja")
    browser_page.locator(".ek-fraga-riskbedomning").wait_for()  # shown once the second answer is saved
    comment = browser_page.locator(".ek-fraga-vald_fragat textarea")
    comment.fill(XSS)
    comment.press("Tab")  # saved when the box loses focus
    browser_page.get_by_role("button", name="Sammanfattning").click()
    browser_page.locator(".ek-sammanfattning").get_by_text(XSS).wait_for()  # shown as text, not as markup

    browser_page.reload()
    open_session(browser_page, label)
    assert browser_page.locator(".ek-fraga-vald_fragat textarea").input_value() == XSS
    for item_id in ("vald_fragat", "framkom_vald"):
        selected(browser_page, item_id, "Ja").wait_for()
        assert "mod-active" in selected(browser_page, item_id, "Ja").get_attribute("class")
        assert "mod-active" not in selected(browser_page, item_id, "Nej").get_attribute("class")
    assert browser_page.locator(".ek-kort").get_by_text("Ärende IFO-").count() == 1
    screenshot(browser_page, "granskning")

    with Workspace.open(path) as workspace:
        session = workspace.session(session_id)
        answers = session.answers()
    assert answers[["arende_id", "item_id", "value"]].values.tolist() == [
        [session.case_ids[0], "framkom_vald", "ja"], [session.case_ids[0], "vald_fragat", "ja"]]
    assert answers.set_index("item_id").loc["vald_fragat", "comment"] == XSS
    assert unexplained(page.console_errors, page.failed_requests, refused) == []
    assert page.dialogs == []  # the comment's onerror never ran


def test_a_comment_is_stored_while_typing_and_survives_killing_the_server(demo, serve, page):
    """Issue 19: typed, not blurred, acknowledged, then the server and its kernel SIGKILLed: stored.

    On the way: the bar with navigation and status stays in sight at 1366x768 while the lowest questions
    are answered, and the case card uses the width at 1920x1080."""
    path, _, _ = demo
    with Workspace.open(path) as workspace:
        session = workspace.create_session("valdsfraga", n=3, seed=19, period="2026-T1",
                                           title="Kommentarsprov", allow_overlap=True)
        label = dict((id_, text) for text, id_ in StartModel(workspace).session_choices())[session.id]
    served = serve("review", path)
    browser_page = page.page
    browser_page.set_viewport_size({"width": 1920, "height": 1080})
    browser_page.goto(served.url)
    open_session(browser_page, label)
    assert browser_page.locator(".ek-kort").bounding_box()["width"] > 0.75 * 1920
    browser_page.set_viewport_size({"width": 1366, "height": 768})
    answer(browser_page, "vald_fragat", "Ja")
    answer(browser_page, "framkom_vald", "Ja")
    answer(browser_page, "barn_berors", "Nej")  # the lowest question with a comment box
    browser_page.locator(".ek-fraga-barn_berors").get_by_text("Svarat av").wait_for()
    browser_page.locator(".ek-fraga-kommentar").scroll_into_view_if_needed()  # the bottom of the page
    comment = browser_page.locator(".ek-fraga-barn_berors textarea")
    comment.press_sequentially("Inga barn i hushållet enligt journalen")
    saved = re.compile(r"Kommentaren sparad \d\d:\d\d:\d\d")
    browser_page.locator(".ek-status").get_by_text(saved).wait_for()
    assert comment.evaluate("box => document.activeElement === box")  # saved without leaving the box
    title = browser_page.locator(".ek-app h2").bounding_box()
    assert title["y"] + title["height"] < 0  # the heading just above the bar has scrolled away ...
    buttons = browser_page.locator(".ek-listen button").all()
    assert len(buttons) == 5  # Föregående, Nästa, Nästa ogranskade, Sammanfattning, Byt granskning
    for visible in [browser_page.locator(".ek-listen"), *buttons, browser_page.locator(".ek-status")]:
        box = visible.bounding_box()  # ... and the bar is still in the window
        assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 768

    os.killpg(served.process.pid, signal.SIGKILL)  # the server and the kernel, with no chance to save more
    with Workspace.open(path) as workspace:
        answers = workspace.session(session.id).answers().set_index("item_id")
    assert answers.loc["barn_berors", ["value", "comment"]].tolist() == [
        "nej", "Inga barn i hushållet enligt journalen"]


def test_a_planned_granskning_is_offered_first_and_its_summary_creates_an_action(demo, review_url, page):
    """Issue 20: this year's planned granskning on the start screen, an item that fell short, a refused
    action (a personnummer in the orsak, no ansvarig) said in Swedish beside the form, then the action."""
    path, _, _ = demo
    year = per_datum().year
    with Workspace.open(path) as workspace:
        session = workspace.create_session("valdsfraga", n=3, seed=20, period=f"{year}-T1",
                                           title="Planerad våldsfråga", allow_overlap=True)
        row = yearplan.add_plan_row(workspace, year=year, checklist="valdsfraga", period=f"{year}-T1",
                                    planned_n=3, ansvarig="Enhetschef vuxen")
        yearplan.link_session(workspace, row, session.id)
        label = next(planned.label for planned in StartModel(workspace).planned() if planned.row_id == row)
        before = len(actions.actions_table(workspace))
    browser_page = page.page
    browser_page.set_viewport_size({"width": 1366, "height": 2200})  # Voilà scrolls inside the page
    browser_page.goto(review_url)
    planned = browser_page.locator(".ek-valj-planerad select")
    planned.wait_for(timeout=APP_START)
    screenshot(browser_page, "granskning-planerade")
    heading = browser_page.get_by_role("heading", name="Planerade granskningar")
    assert heading.bounding_box()["y"] < browser_page.get_by_role("heading", name="Fortsätt en granskning") \
        .bounding_box()["y"]  # the plan first
    name = browser_page.locator(".ek-granskare input")
    if not name.input_value():
        name.fill("Gruppledare G")
    planned.select_option(label=label)
    browser_page.get_by_role("button", name="Öppna den planerade granskningen").click()
    answer(browser_page, "vald_fragat", "Nej")
    browser_page.locator(".ek-status").get_by_text(re.compile(r"Sparat \d\d:\d\d:\d\d")).wait_for()
    browser_page.get_by_role("button", name="Sammanfattning").click()

    form = browser_page.locator(".ek-atgard")
    form.get_by_role("combobox", name="Fråga").wait_for()
    assert "F1: Har frågan om våld ställts" in form.get_by_role("combobox", name="Fråga").evaluate(
        "select => select.options[select.selectedIndex].text").replace("\xa0", " ")
    form.get_by_role("textbox", name="Orsak").fill(f"Gäller {synthetic_personnummer(7)}")
    form.get_by_role("textbox", name="Åtgärd").fill("Utbildning i att fråga om våld")
    form.get_by_role("textbox", name="Sista dag").fill(f"31/3/{year + 1}")
    form.get_by_role("button", name="Skapa åtgärden").click()
    refused = form.locator(".ek-fel")
    refused.wait_for()
    assert refused.inner_text().startswith("Åtgärden skapades inte: skriv vem som är ansvarig (Ansvarig); "
                                           "Orsak innehåller ett personnummer")
    form.get_by_role("textbox", name="Orsak").fill("Rutinen var okänd för nyanställda")
    form.get_by_role("textbox", name="Ansvarig").fill("Enhetschef vuxen")
    form.get_by_role("button", name="Skapa åtgärden").click()
    done = form.locator(".ek-status-sparat")
    done.wait_for()
    assert re.match(rf"Åtgärd \d+ skapad för F1: ansvarig Enhetschef vuxen, sista dag 31/3/{year + 1}\.",
                    done.inner_text())
    screenshot(browser_page, "granskning-atgard")
    with Workspace.open(path) as workspace:
        table = actions.actions_table(workspace)
    assert len(table) == before + 1
    created = table.iloc[-1]
    assert created[["session_id", "item_id", "ansvarig", "deadline", "cause"]].tolist() == [
        session.id, "vald_fragat", "Enhetschef vuxen", f"{year + 1}-03-31",
        "Rutinen var okänd för nyanställda"]
    assert page.console_errors == [] and page.dialogs == []



def _new_session(path, checklist: str, seed: int, title: str) -> str:
    """A new granskning of two cases of 2026-T1 in the demo workspace; its label on the start screen."""
    with Workspace.open(path) as workspace:
        session = workspace.create_session(checklist, n=2, seed=seed, period="2026-T1", title=title,
                                           allow_overlap=True)
        return dict((id_, text) for text, id_ in StartModel(workspace).session_choices())[session.id]


def test_the_review_app_has_no_serious_accessibility_violations(demo, review_url, page):
    """Issue 18: axe-core on the start screen, a case with an item of every answer type and the summary
    with the action form, every accordion open."""
    label = _new_session(demo[0], str(ALL_ANSWER_TYPES), 18, "Tillgänglighetsprov")
    browser_page = page.page
    browser_page.set_viewport_size({"width": 1366, "height": 2200})  # Voilà scrolls inside the page
    browser_page.goto(review_url)
    browser_page.locator(".ek-valj-granskning select").wait_for(timeout=APP_START)
    browser_page.get_by_text("Planera antalet akter").click()
    found = {"start": serious_violations(browser_page)}
    open_session(browser_page, label, first_item="mote_hallet")
    answer(browser_page, "mote_hallet", "Ja")
    browser_page.get_by_role("textbox", name="När hölls mötet?").wait_for()  # shown once "ja" is saved
    browser_page.get_by_text("Rätta ett registerdatum").click()
    found["case"] = serious_violations(browser_page)
    for name in ("Hur många deltog?", "Anteckning"):  # the answer boxes are named by their questions
        assert browser_page.get_by_role("textbox", name=name).count() == 1, name
    assert browser_page.get_by_role("combobox", name="I vilken form?").count() == 1
    browser_page.get_by_role("button", name=NEXT).click()
    browser_page.locator(".ek-framsteg").get_by_text("Ärende 2 av 2").wait_for()
    answer(browser_page, "mote_hallet", "Nej")  # a critical item falls short: the action form is offered
    browser_page.locator(".ek-status").get_by_text(re.compile(r"Sparat \d\d:\d\d:\d\d")).wait_for()
    browser_page.get_by_role("button", name="Sammanfattning").click()
    browser_page.locator(".ek-atgard").get_by_role("button", name="Skapa åtgärden").wait_for()
    found["summary"] = serious_violations(browser_page)
    assert found == {"start": [], "case": [], "summary": []}
    assert browser_page.get_by_role("main").locator(".ek-app").count() == 1  # the app is the main landmark


def test_the_review_app_works_from_the_keyboard_alone(demo, review_url, page):
    """Issue 18: Tab to a granskning and open it, Tab to an answer and choose it, on to the next case, all
    with keys."""
    path, _, _ = demo
    label = _new_session(path, "valdsfraga", 181, "Tangentbordsprov")
    browser_page = page.page
    browser_page.set_viewport_size({"width": 1366, "height": 768})
    browser_page.goto(review_url)
    sessions = browser_page.locator(".ek-valj-granskning select")
    sessions.wait_for(timeout=APP_START)
    name = browser_page.locator(".ek-granskare input")
    tab_to(browser_page, name)
    if not name.input_value():
        browser_page.keyboard.type("Granskare T")
    tab_to(browser_page, sessions)
    options = sessions.locator("option").all_inner_texts()
    for _ in range([option.replace("\xa0", " ") for option in options].index(label)):
        browser_page.keyboard.press("ArrowDown")
    tab_to(browser_page, browser_page.get_by_role("button", name="Öppna granskningen"))
    browser_page.keyboard.press("Enter")
    browser_page.locator(".ek-fraga-vald_fragat").wait_for()
    with Workspace.open(path) as workspace:
        session = next(session for session in workspace.sessions() if session.title == "Tangentbordsprov")
    tab_to(browser_page, selected(browser_page, "vald_fragat", "Ja"))
    browser_page.keyboard.press("Space")
    browser_page.locator(".ek-status").get_by_text(re.compile(r"Sparat \d\d:\d\d:\d\d")).wait_for()
    assert "mod-active" in selected(browser_page, "vald_fragat", "Ja").get_attribute("class")
    tab_to(browser_page, browser_page.get_by_role("button", name=NEXT), backwards=True)
    browser_page.keyboard.press("Enter")
    browser_page.locator(".ek-kort h3").get_by_text(f"Ärende {session.case_ids[1]}").wait_for()
    assert browser_page.locator(".ek-framsteg").inner_text().startswith("Ärende 2 av 2")
    with Workspace.open(path) as workspace:
        answers = workspace.session(session.id).answers()
    assert answers[["arende_id", "item_id", "value"]].values.tolist() == [
        [session.case_ids[0], "vald_fragat", "ja"]]
    assert page.console_errors == []


def tab_to(page, target, backwards: bool = False, most: int = 80) -> None:
    """Press Tab (Shift+Tab *backwards*) until *target* (a locator) has the keyboard focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(most):
        if target.evaluate("node => node === document.activeElement"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{most} presses of {key} never reached {target}")
