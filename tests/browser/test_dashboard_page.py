"""The ledningsgrupp's dashboard, served by ``egenkontroll dashboard`` on the demo workspace, in chromium."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest

from egenkontroll import Workspace, charts, dashboard, results, simulate
from tests.browser.conftest import screenshot
from tests.conftest import EGENKONTROLL, REPO, cli_environment

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHART_COUNT = 6
LOAD_MS = 240_000
HEADINGS = ("Nyckeltal", "Så läser du diagrammen", "Andel ja per fråga", "Utveckling per tertial",
            "Per enhet och fråga", "Utredningstid", "Per kön", "Utredningstid per kön",
            "Senaste avvikelser med kommentar", "Metod")


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory) -> Path:
    """The demo workspace built by the CLI, with simulated granskningar."""
    folder = tmp_path_factory.mktemp("dashboard") / "demo-arbetsyta"
    subprocess.run([*EGENKONTROLL, "--workspace", str(folder), "demo", "--no-serve"], check=True,
                   env=cli_environment(), cwd=REPO, capture_output=True)
    with Workspace.open(folder) as workspace:
        if not workspace.sessions():
            simulate.simulate_reviews(workspace)
    return folder


@pytest.fixture(autouse=True)
def _offline_template(monkeypatch):
    """What ``server.serve`` must do too: put the CDN-free Voilà template on JUPYTER_PATH."""
    monkeypatch.setenv("JUPYTER_PATH", str(dashboard.TEMPLATE_ROOT))


@pytest.fixture(scope="module")
def expected(demo_workspace):
    """The default view as the library computes it, and where the XSS comment lies."""
    with Workspace.open(demo_workspace) as workspace:
        model = dashboard.Model(workspace)
        first = next(iter(model.checklists()))
        view = model.view(dashboard.Filters(first))
        shown = dashboard.key_figures(view)
        figures = results.item_results(workspace, checklist=first, as_of=model.as_of)
        xss = model.answers[model.answers["comment"].fillna("").str.contains("onerror")]
        period, enhet = _filters_showing(model, xss.iloc[0])
    return {"key_figures": shown, "results": figures, "xss_checklist": xss["checklist"].iloc[0],
            "xss_period": period or dashboard.ALL, "xss_enhet": enhet or dashboard.ALL,
            "checklists": model.checklists()}


def _filters_showing(model, answer) -> tuple[str | None, str | None]:
    """The narrowest period and enhet whose deviation list shows *answer*'s comment (the list leaves out
    groups under the suppression limit, so the comment's own tertial and enhet may not show it)."""
    tertial = results.tertial_label(pd.Series([answer["inkom_datum"]])).iloc[0]
    for period in (tertial, tertial[:4], None):
        for enhet in (answer["enhet"], None):
            deviations = model.view(dashboard.Filters(answer["checklist"], period, enhet)).deviations
            if deviations["comment"].eq(answer["comment"]).any():
                return period, enhet
    raise AssertionError("the demo's XSS comment is in no deviation list: it lies in suppressed groups only")


def open_dashboard(page, url: str) -> None:
    outside: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1",
                                                                       "data:", "blob:"))
            else outside.append(request.url))
    page.goto(url, timeout=LOAD_MS)
    page.get_by_role("heading", name="Nyckeltal").wait_for(timeout=LOAD_MS)
    wait_for_charts(page)
    assert outside == [], f"requests left 127.0.0.1: {outside}"


def wait_for_charts(page) -> None:
    page.wait_for_function(
        f"""() => Array.from(document.querySelectorAll('img.ek-diagram'))
                 .filter(img => img.complete && img.naturalWidth > 600).length >= {CHART_COUNT}""",
        timeout=LOAD_MS,
    )


def test_dashboard_renders_charts_offline_with_the_numbers_of_results(serve, page, demo_workspace, expected):
    served = serve("dashboard", demo_workspace)
    open_dashboard(page.page, served.url)
    body = page.page.inner_text("body")
    for heading in HEADINGS:
        assert page.page.get_by_role("heading", name=heading, exact=True).count() >= 1, heading
    for label, value in expected["key_figures"].items():
        assert label in body and value in body, (label, value)
    critical = expected["results"][expected["results"]["critical"] & ~expected["results"]["suppressed"]]
    assert not critical.empty
    for row in critical.itertuples():
        assert charts.percent_text(row.estimate) in body
    assert results.TRAFFIC_LIGHT_RULE in body
    assert "Traceback" not in body
    assert page.console_errors == []
    assert page.failed_requests == []
    page.page.set_viewport_size({"width": 1400, "height": 7000})  # Voilà scrolls inside the page: show all
    screenshot(page.page, "dashboard")


def test_dashboard_shows_comment_markup_as_text_and_runs_none_of_it(serve, page, demo_workspace, expected):
    served = serve("dashboard", demo_workspace)
    open_dashboard(page.page, served.url)
    title = expected["checklists"][expected["xss_checklist"]]
    page.page.get_by_role("combobox", name="Checklista").select_option(label=title)
    page.page.get_by_role("combobox", name="Period").select_option(label=expected["xss_period"])
    page.page.get_by_role("combobox", name="Enhet").select_option(label=expected["xss_enhet"])
    table = page.page.locator("table.ek-avvikelser")
    table.get_by_text("<img src=x onerror=alert(1)>", exact=False).wait_for(timeout=LOAD_MS)
    wait_for_charts(page.page)
    assert page.page.locator('img[src="x"]').count() == 0
    assert page.dialogs == []
    assert page.console_errors == []


def test_dashboard_filters_re_render_for_an_enhet_and_say_they_are_computing(serve, page, demo_workspace):
    served = serve("dashboard", demo_workspace)
    open_dashboard(page.page, served.url)
    page.page.evaluate("""() => {
        window.ekSawBusy = false;
        new MutationObserver(() => { window.ekSawBusy ||= !!document.querySelector('.ek-raknar'); })
            .observe(document.body, {childList: true, subtree: true});
    }""")
    page.page.get_by_role("combobox", name="Enhet").select_option(label="Vuxenenheten")
    page.page.get_by_text("gäller alla enheter", exact=False).wait_for(timeout=LOAD_MS)
    wait_for_charts(page.page)
    assert page.page.evaluate("window.ekSawBusy") is True
    assert page.page.locator(".ek-raknar").count() == 0
    assert page.console_errors == []
    screenshot(page.page, "dashboard-enhet")
