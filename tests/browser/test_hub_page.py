"""The team server started as a user starts it, ``egenkontroll hub --demo``, driven through JupyterHub's
own login page in Debian's chromium: who may do what is decided on the server, and every answer is
signed by the hub user who gave it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from egenkontroll import Workspace, _location
from egenkontroll._review_model import StartModel
from tests.browser.conftest import new_context, screenshot
from tests.browser.test_dashboard_page import wait_for_charts
from tests.conftest import EGENKONTROLL, REPO, cli_environment, free_port, wait_until_serving

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "losenord-for-testerna"
SECONDS = 1000  # Playwright counts milliseconds
#: a first login starts the user's server: allow for a loaded machine
START = 180 * SECONDS
REVIEW = "/voila/render/02_granskning.ipynb"
REFUSED = "Åtkomst nekad"
#: the browser's own traffic: everything the pages load must come from the hub's address
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")


@dataclass
class TeamServer:
    """A running ``egenkontroll hub --demo``."""

    address: str
    workspace: Path
    database_url: str | None
    log: Path

    def open_workspace(self) -> Workspace:
        return Workspace.open(self.workspace, database_url=self.database_url)


@pytest.fixture(scope="module")
def team_server(tmp_path_factory) -> Iterator[TeamServer]:
    """``egenkontroll hub --demo`` on a free port, with the demo accounts' password from the environment;
    stopped as a service manager stops it (SIGTERM), which must take its servers and database along."""
    folder = tmp_path_factory.mktemp("hub")
    log = folder / "hub.log"
    port = free_port()
    environment = {**cli_environment(), "EGENKONTROLL_HUB_DEMO_PASSWORD": PASSWORD, "PYTHONPATH": str(REPO)}
    with log.open("w", encoding="utf-8") as output:  # a file, not a pipe: the hub logs much and nobody reads
        process = subprocess.Popen(
            [*EGENKONTROLL, "--workspace", str(folder / "arbetsyta"), "hub", "--demo", "--no-browser",
             "--port", str(port)], stdout=output, stderr=subprocess.STDOUT, text=True, env=environment,
            cwd=REPO, start_new_session=True)
    address = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{address}/hub/login", process, seconds=300)
    except AssertionError as error:
        raise AssertionError(f"{error}\n{log.read_text(encoding='utf-8')}") from None
    said = log.read_text(encoding="utf-8")
    found = re.search(r"^Databasen: (\S+)$", said, re.MULTILINE)
    yield TeamServer(address, folder / "arbetsyta", found and found.group(1), log)
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    cluster = re.search(r"ett eget kluster i (\S+) som", said)
    assert cluster is None or not Path(cluster.group(1)).exists(), "the demo's database outlived the hub"
    hub_files = re.search(r"^Hubbens egna filer: (\S+) ", said, re.M)
    assert hub_files and not Path(hub_files.group(1)).exists(), "the hub's files outlived it"


def log_in(browser, team_server: TeamServer, user: str):
    """A new browser context logged in as *user* through the hub's login page; returns its page and
    the addresses it asked for outside the hub."""
    page = new_context(browser, {"width": 1366, "height": 900}).new_page()
    outside: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(LOCAL) else outside.append(request.url))
    page.goto(f"{team_server.address}/hub/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    return page, outside


def vald_session(team_server: TeamServer) -> tuple[str, str]:
    """The id and the start screen's label of the demo's våldsfråga session of 2026-T3."""
    with team_server.open_workspace() as workspace:
        return next((id_, text) for text, id_ in StartModel(workspace).session_choices()
                    if text.startswith("Våldsfråga, 2026-T3"))


def open_session(page, label: str):
    page.locator(".ek-valj-granskning select").wait_for(timeout=START)
    page.locator(".ek-valj-granskning select").select_option(label=label)
    page.get_by_role("button", name="Öppna granskningen").click()
    page.locator(".ek-fraga-vald_fragat").wait_for(timeout=60 * SECONDS)


def newest_answer(team_server: TeamServer, session_id: str):
    with team_server.open_workspace() as workspace:
        answers = workspace.session(session_id).answers()
    return answers.sort_values("recorded_at").iloc[-1]


def test_a_granskare_answers_under_their_own_name_and_another_meets_a_conflict_naming_them(
        team_server, browser):
    session_id, label = vald_session(team_server)
    first, outside = log_in(browser, team_server, "granskare1")
    second, _ = log_in(browser, team_server, "granskare2")
    for page in (first, second):  # the role's page opens after login
        open_session(page, label)
    name = first.locator(".ek-granskare input")
    assert name.count() == 0 or (name.input_value() == "granskare1" and name.is_disabled())
    was = first.locator(".ek-fraga-vald_fragat button.mod-active").inner_text()
    now = "Nej" if was == "Ja" else "Ja"
    first.locator(".ek-fraga-vald_fragat").get_by_role("button", name=now, exact=True).click()
    first.locator(".ek-status-sparat").wait_for()
    answer = newest_answer(team_server, session_id)
    assert (answer["item_id"], answer["value"], answer["reviewer"]) == ("vald_fragat", now.lower(),
                                                                        "granskare1")
    second.locator(".ek-fraga-vald_fragat").get_by_role("button", name="Ej aktuellt", exact=True).click()
    second.get_by_text(re.compile(r"ändrades av granskare1 kl \d\d:\d\d")).first.wait_for()
    assert newest_answer(team_server, session_id)["reviewer"] == "granskare1"  # granskare2 wrote nothing
    screenshot(second, "hub-konflikt")
    assert outside == []
    refused = first.goto(f"{team_server.address}/user/granskare1/lab")
    assert refused.status == 403 and REFUSED in first.inner_text("body")
    first.context.close()
    second.context.close()


SAVE_OVER_WEBSOCKET = """async (code) => {
    const config = JSON.parse(document.getElementById("jupyter-config-data").textContent);
    const socket = new WebSocket(location.origin.replace(/^http/, "ws") + config.baseUrl + "api/kernels/"
                                 + config.kernelId + "/channels");
    await new Promise((opened, failed) => { socket.onopen = opened; socket.onerror = failed; });
    const answered = [];
    socket.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (message.parent_header.msg_id === "ek-prov") { answered.push(message.header.msg_type); }
    };
    socket.send(JSON.stringify({channel: "shell", buffers: [], metadata: {}, parent_header: {},
        header: {msg_id: "ek-prov", msg_type: "execute_request", username: "", session: "ek-prov",
                 version: "5.3", date: new Date().toISOString()},
        content: {code: code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false,
                  stop_on_error: true}}));
    await new Promise((done) => setTimeout(done, 5000));
    socket.close();
    return answered;
}"""


def save_code(session_id: str, proof: Path) -> str:
    """Python that saves an answer as ``ledning1`` in session *session_id* and leaves *proof* behind."""
    return (f"import pathlib, egenkontroll as ek\npathlib.Path({str(proof)!r}).write_text('kört')\n"
            f"s = ek.Workspace.open().session({session_id!r})\n"
            "s.record(s.case_ids[0], 'vald_fragat', 'nej', reviewer='ledning1')\n")


def test_ledning_sees_the_dashboard_is_refused_the_rest_and_cannot_save_over_its_websocket(
        team_server, browser, tmp_path):
    session_id, _ = vald_session(team_server)
    page, outside = log_in(browser, team_server, "ledning1")
    page.get_by_role("heading", name="Nyckeltal").wait_for(timeout=START)
    wait_for_charts(page)
    assert page.url.endswith("/user/ledning1/voila/render/dashboard.ipynb")
    screenshot(page, "hub-ledning")
    before = newest_answer(team_server, session_id)
    proof = tmp_path / "kördes"
    answered = page.evaluate(SAVE_OVER_WEBSOCKET, save_code(session_id, proof))
    assert answered == [] and not proof.exists()
    assert newest_answer(team_server, session_id).equals(before)
    assert outside == []
    for path in (REVIEW, "/lab", "/api/contents", "/tree"):
        refused = page.goto(f"{team_server.address}/user/ledning1{path}")
        assert refused.status == 403 and REFUSED in page.inner_text("body"), path
    other = page.goto(f"{team_server.address}/user/granskare1{REVIEW}")  # another user's server
    assert other.status == 403 and "ek-app" not in page.content()
    page.context.close()


def test_kvalitet_has_jupyterlab_and_its_kernels_run_code(team_server, browser, tmp_path):
    page, _ = log_in(browser, team_server, "kvalitet1")
    page.locator("#jp-main-dock-panel").wait_for(timeout=START)
    assert page.url.split("?")[0].endswith("/user/kvalitet1/lab")
    page.goto(f"{team_server.address}/user/kvalitet1/voila/render/dashboard.ipynb")
    page.get_by_role("heading", name="Nyckeltal").wait_for(timeout=START)
    proof = tmp_path / "kördes"
    answered = page.evaluate(SAVE_OVER_WEBSOCKET, f"open({str(proof)!r}, 'w').write('kört')")
    assert "execute_reply" in answered and proof.read_text() == "kört"  # the websocket test can see a run
    page.context.close()


def test_the_workspace_holds_nothing_others_can_read_after_the_users_have_worked(team_server):
    assert _location.loose_permissions(team_server.workspace) == []
    hub_files = re.search(r"^Hubbens egna filer: (\S+) ", team_server.log.read_text(encoding="utf-8"), re.M)
    assert hub_files and not Path(hub_files.group(1)).is_relative_to(team_server.workspace)


FORGED = {"X-Remote-User": "granskare1", "Remote-User": "granskare1", "X-Forwarded-User": "granskare1",
          "X-Auth-Request-User": "granskare1"}


def test_anonymous_and_forged_identity_requests_meet_the_login_page(team_server):
    for path in ("/hub/home", f"/user/granskare1{REVIEW}", "/user/ledning1/voila/render/dashboard.ipynb"):
        request = urllib.request.Request(team_server.address + path, headers=FORGED)
        with urllib.request.urlopen(request, timeout=60) as answer:  # redirects followed
            body = answer.read().decode()
        assert "/hub/login" in answer.url, (path, answer.url)
        assert 'name="username"' in body and 'name="password"' in body and "ek-app" not in body
    for path in ("/user/granskare1/api/contents", "/hub/api/users"):  # an API answers, it does not redirect
        request = urllib.request.Request(team_server.address + path, headers=FORGED)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=60)
        assert refused.value.code == 403, path
