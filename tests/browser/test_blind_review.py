"""Issue 22: the kontrollgranskning is blind in the browser. Served by ``egenkontroll review`` (Voilà) and
driven in Debian's chromium: nothing the first reviewer wrote reaches the page of the second reading, neither
its HTML nor any widget state the kernel sends (every websocket frame is searched)."""

from __future__ import annotations

import pytest

from egenkontroll import Workspace
from egenkontroll._review_model import StartModel
from tests.browser.conftest import screenshot
from tests.browser.test_review_page import APP_START
from tests.egenkontroll.drills.synthetic import write_register

pytestmark = [pytest.mark.browser, pytest.mark.slow]
#: what the first reviewer wrote (ASCII, so that it reads the same in any JSON encoding of a frame)
SECRET_COMMENT = "FORSTA-GRANSKARENS-KOMMENTAR-7f3a9c"
SECRET_REASON = "FORSTA-GRANSKARENS-RATTELSEORSAK-2b8e41"
FIRST_REVIEWER = "Granskare-Ett-5d2"


@pytest.fixture(scope="module")
def blind(tmp_path_factory):
    """A workspace with a reviewed våldsfråga granskning (comments and a date correction) and its
    kontrollgranskning; returns the folder and the start screen's labels of both."""
    folder = tmp_path_factory.mktemp("blind")
    path = folder / "arbetsyta"
    with Workspace.open(path) as workspace:
        workspace.import_register(write_register(folder / "register.csv", 40))
        first = workspace.create_session("valdsfraga", n=12, seed=4, title="Första läsningen")
        control = workspace.create_control_session(first.id, k=4, seed=8, title="Andra läsningen")
        first.record_many([{"case_id": case_id, "item_id": item, "value": value, "reviewer": FIRST_REVIEWER,
                            "comment": SECRET_COMMENT if item == "vald_fragat" else None}
                           for case_id in first.case_ids
                           for item, value in (("vald_fragat", "ja"), ("framkom_vald", "nej"))])
        first.correct(control.case_ids[0], "inkom_datum", "2026-01-02", SECRET_REASON,
                      reviewer=FIRST_REVIEWER)
        labels = {session_id: text for text, session_id in StartModel(workspace).session_choices()}
        return path, labels[first.id], labels[control.id]


def _open(page, label: str) -> None:
    page.locator(".ek-valj-granskning select").select_option(label=label)
    page.get_by_role("button", name="Öppna granskningen").click()
    page.locator(".ek-fraga-vald_fragat").wait_for()


def test_the_second_reviewer_sees_nothing_of_the_first_reading(blind, serve, page):
    path, first_label, control_label = blind
    served = serve("review", path)
    browser = page.page
    frames: list[str] = []

    def record(socket) -> None:
        socket.on("framereceived", lambda payload: frames.append(
            payload if isinstance(payload, str) else payload.decode("utf-8", "replace")))

    browser.on("websocket", record)
    browser.goto(served.url)
    browser.locator(".ek-valj-granskning select").wait_for(timeout=APP_START)
    browser.locator(".ek-granskare input").fill("Granskare Två")
    _open(browser, control_label)
    browser.locator(".ek-blind").get_by_text("Den första granskarens svar visas inte").wait_for()
    assert browser.locator(".ek-kort").get_by_text("rättat i en annan granskning").count() == 1
    for label in ("Ja", "Nej"):  # nothing is answered: the first reading's answers are not shown
        button = browser.locator(".ek-fraga-vald_fragat").get_by_role("button", name=label, exact=True)
        assert "mod-active" not in button.get_attribute("class")
    browser.get_by_role("button", name="Sammanfattning").click()
    browser.locator(".ek-sammanfattning").get_by_text("0 av 4 klara").wait_for()
    screenshot(browser, "kontrollgranskning")
    seen = browser.content() + "".join(frames)
    assert frames and "Andra läsningen" in browser.content()  # the frames are the kernel's widget messages
    for secret in (SECRET_COMMENT, SECRET_REASON, FIRST_REVIEWER):
        assert secret not in seen, secret
    assert "Samstämmighet" not in seen

    # the same search finds the first reading where it belongs: the first granskning's own page
    browser.get_by_role("button", name="Byt granskning").click()
    browser.locator(".ek-valj-granskning select").wait_for()
    _open(browser, first_label)
    browser.get_by_role("button", name="Sammanfattning").click()
    browser.locator(".ek-samstammighet").get_by_text("Samstämmighet").wait_for()
    assert SECRET_COMMENT in browser.content() + "".join(frames)
