"""The ledningsgrupp's dashboard, served by ``egenkontroll dashboard`` on the demo workspace, in chromium."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from matplotlib import colors

from egenkontroll import (
    Workspace,
    _loop_panel,
    _panel,
    actions,
    charts,
    dashboard,
    effect,
    results,
    risks,
    simulate,
    yearplan,
)
from egenkontroll.perdatum import per_datum
from egenkontroll.periods import period_label
from tests.browser.conftest import ARTIFACTS, screenshot, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHART_COUNT = 6
LOAD_MS = 240_000
SMALL = {"width": 1366, "height": 768}
LARGE = {"width": 1920, "height": 1080}
HEADINGS = ("Nyckeltal", "Så läser du diagrammen", "Andel ja per fråga", "Utveckling över tid",
            "Per enhet och fråga", "Utredningstid", "Per kön", "Utredningstid per kön",
            "Senaste avvikelser med kommentar", "Metod")


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory, copy_of_demo) -> Path:
    """The demo workspace built by the CLI (a copy), with simulated granskningar."""
    folder = copy_of_demo(tmp_path_factory.mktemp("dashboard") / "demo-arbetsyta")
    with Workspace.open(folder) as workspace:
        if not workspace.sessions():
            simulate.simulate_reviews(workspace)
        if yearplan.plan_rows(workspace).empty:
            _add_the_loop(workspace)
    return folder


def _add_the_loop(workspace) -> None:
    """This year's plan (its granskningar linked, one more row due in March), actions (one late, one lex
    Sarah, one followed up against a later granskning) and four risks, as a kvalitetsutvecklare makes them."""
    year = per_datum().year
    drawn = [session for session in workspace.sessions()
             if session.period and session.period[0].year == year and "-T" in period_label(session.period)]
    for session in drawn[:5]:
        row = yearplan.add_plan_row(workspace, year=year, checklist=session.checklist.id,
                                    period=period_label(session.period), planned_n=len(session.case_ids),
                                    ansvarig="Kvalitetsutvecklare")
        yearplan.link_session(workspace, row, session.id)
    yearplan.add_plan_row(workspace, year=year, checklist="utredningstid", period=f"{year}-02", planned_n=20,
                          ansvarig="Enhetschef barn och unga")
    first = next(session for session in drawn if session.checklist.id == "valdsfraga")
    late = actions.add_action(workspace, session=first.id, item="vald_fragat", ansvarig="Enhetschef vuxen",
                              action="Utbildning i att fråga om våld", opened=f"{year}-01-15",
                              deadline=f"{year}-03-31")
    actions.add_action(workspace, kind="lex_sarah", deviation="Beskrivning som aldrig visas på panelen",
                       action="Ny rutin för överlämning", ansvarig="Verksamhetschef", opened=f"{year}-01-15",
                       deadline=f"{year + 1}-06-30")
    followed = actions.add_action(workspace, session=first.id, item="barnens_situation",
                                  ansvarig="Socialchef", action="Checklista för barnens situation",
                                  opened=f"{year}-01-15", deadline=f"{year}-04-30")
    effect.record_follow_up(workspace, followed, achieved=effect.follow_up(workspace, followed).supported)
    scored = (("Våld uppmärksammas inte", 3, 4), ("Utredningar drar ut på tiden", 3, 3),
              ("Barnets perspektiv saknas", 2, 3), ("Dokumentation saknas", 2, 2))
    for title, sannolikhet, konsekvens in scored:
        risks.add_risk(workspace, title=title, sannolikhet=sannolikhet, konsekvens=konsekvens,
                       ansvarig="Socialchef", actions=[late] if title.startswith("Våld") else [])


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
            "xss_period_value": period or "", "xss_enhet": enhet or dashboard.ALL,
            "checklists": model.checklists(), "as_of": model.as_of}


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


@pytest.fixture(scope="module")
def dashboard_url(serve_module, demo_workspace) -> str:
    """One ``egenkontroll dashboard`` for the module's tests (every page load gets its own kernel)."""
    return serve_module("dashboard", demo_workspace, {"JUPYTER_PATH": str(dashboard.TEMPLATE_ROOT)}).url


def _chosen(page, name: str) -> str:
    """The text a dropdown shows (its selected option's, spaces as spaces), "" when it shows nothing."""
    return page.get_by_role("combobox", name=name).evaluate(
        "select => select.selectedIndex < 0 ? '' : select.options[select.selectedIndex].text"
    ).replace("\xa0", " ")


def _boxes(page, selector: str) -> list[dict]:
    return page.locator(selector).evaluate_all(
        "nodes => nodes.map(node => { const box = node.getBoundingClientRect(); "
        "return {x: box.x, y: box.y, width: box.width}; })")


def test_dashboard_renders_charts_offline_with_the_numbers_of_results(dashboard_url, page, expected):
    page.page.set_viewport_size(SMALL)
    open_dashboard(page.page, dashboard_url)
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


def test_the_status_tiles_show_the_traffic_light_in_colour_and_in_words(dashboard_url, page, expected):
    page.page.set_viewport_size(SMALL)
    open_dashboard(page.page, dashboard_url)
    statuses = page.page.locator(".ek-ruta .ek-status")
    assert statuses.count() >= 3
    for number in range(statuses.count()):
        badge = statuses.nth(number)
        text = badge.inner_text()
        status = next(status for status, words in _panel.STATUS_TEXTS.items() if words == text)
        colour = colors.to_hex([float(part) / 255 for part in badge.evaluate(
            "node => getComputedStyle(node).backgroundColor").removeprefix("rgb(").rstrip(")").split(",")])
        assert colour == charts.TRAFFIC_LIGHT_COLOURS[status].lower()
    change = page.page.locator(".ek-ruta-forandring").first.inner_text()
    assert "procentenheter" in change or "Ingen jämförelse" in change


def test_the_page_fills_1366_in_one_column_and_1920_in_two_with_filters_never_blank(dashboard_url, page):
    page.page.set_viewport_size(SMALL)
    open_dashboard(page.page, dashboard_url)
    assert [_chosen(page.page, name) for name in ("Period", "Enhet")] == [dashboard.ALL, dashboard.ALL]
    periods = page.page.get_by_role("combobox", name="Period").locator("option").all_inner_texts()
    assert any(re.fullmatch(r"(jan–apr|maj–aug|sep–dec)\s\d{4}", period) for period in periods), periods
    first, second = _boxes(page.page, ".ek-avsnitt")[:2]
    assert second["y"] > first["y"] and first["width"] > 0.9 * (SMALL["width"] - 80)  # one column, full width
    screenshot(page.page, "dashboard-1366")
    page.page.set_viewport_size(LARGE)
    page.page.wait_for_function("""() => { const [a, b] = document.querySelectorAll('.ek-avsnitt');
        return b.getBoundingClientRect().x > a.getBoundingClientRect().right; }""", timeout=LOAD_MS)
    first, second = _boxes(page.page, ".ek-avsnitt")[:2]
    assert second["x"] > first["x"] + first["width"]  # two columns side by side: the run charts beside
    assert 0 <= second["y"] - first["y"] < 120  # the answers per question, below their two toggles only
    tiles = _boxes(page.page, ".ek-ruta")
    assert max(tile["x"] + tile["width"] for tile in tiles) > 0.75 * LARGE["width"]  # the tiles use the width
    screenshot(page.page, "dashboard-1920")
    page.page.set_viewport_size({"width": LARGE["width"], "height": 7000})  # Voilà scrolls inside: show all
    screenshot(page.page, "dashboard")


def test_the_dashboard_has_no_serious_accessibility_violations_at_either_size(dashboard_url, page):
    open_dashboard(page.page, dashboard_url)
    for summary in page.page.locator(".ek-avsnitt summary").all():
        summary.click()  # the tables behind the charts are checked too
    for size in (SMALL, LARGE):
        page.page.set_viewport_size(size)
        assert serious_violations(page.page) == [], size


def test_dashboard_shows_comment_markup_as_text_and_runs_none_of_it(dashboard_url, page, expected):
    open_dashboard(page.page, dashboard_url)
    title = expected["checklists"][expected["xss_checklist"]]
    page.page.get_by_role("combobox", name="Checklista").select_option(label=title)
    page.page.get_by_role("combobox", name="Period").select_option(value=expected["xss_period_value"])
    page.page.get_by_role("combobox", name="Enhet").select_option(label=expected["xss_enhet"])
    table = page.page.locator("table.ek-avvikelser")
    table.get_by_text("<img src=x onerror=alert(1)>", exact=False).wait_for(timeout=LOAD_MS)
    wait_for_charts(page.page)
    assert page.page.locator('img[src="x"]').count() == 0
    assert page.dialogs == []
    assert page.console_errors == []


def test_the_filters_work_from_the_keyboard_and_say_they_are_computing(dashboard_url, page):
    open_dashboard(page.page, dashboard_url)
    page.page.evaluate("""() => {
        window.ekSawBusy = false;
        new MutationObserver(() => { window.ekSawBusy ||= !!document.querySelector('.ek-raknar'); })
            .observe(document.body, {childList: true, subtree: true});
    }""")
    page.page.get_by_role("combobox", name="Period").focus()
    page.page.keyboard.press("Tab")
    focused = page.page.evaluate("document.activeElement.closest('.widget-dropdown').querySelector('label')"
                                 ".innerText")
    assert focused.strip() == "Enhet"
    page.page.keyboard.press("ArrowDown")  # the first enhet after "Alla"
    page.page.get_by_text("gäller alla enheter", exact=False).wait_for(timeout=LOAD_MS)
    wait_for_charts(page.page)
    chosen = _chosen(page.page, "Enhet")
    assert chosen not in ("", dashboard.ALL)
    # drill-down: the enhet's own figures and run charts
    for key in ("per_fraga", "trend"):
        assert f"– {chosen}." in page.page.locator(f"#ek-rubrik-{key} + img").get_attribute("alt")
    assert page.page.evaluate("window.ekSawBusy") is True
    assert page.page.locator(".ek-raknar").count() == 0
    assert page.console_errors == []
    screenshot(page.page, "dashboard-enhet")


def _trend_alt_includes(page, text: str) -> None:
    page.wait_for_function("text => document.querySelector('#ek-rubrik-trend + img').alt.includes(text)",
                           arg=text, timeout=LOAD_MS)


def test_the_charts_over_time_switch_between_run_and_p_charts_per_tertial_and_month(dashboard_url, page):
    page.page.set_viewport_size(LARGE)
    open_dashboard(page.page, dashboard_url)
    _trend_alt_includes(page.page, "Diagram: Seriediagram per fråga och tertial.")
    page.page.get_by_role("button", name="Styrdiagram (p′)", exact=True).click()
    _trend_alt_includes(page.page, "Diagram: Styrdiagram (p′) per fråga och tertial.")
    assert "styrgränserna" in page.page.locator("#ek-rubrik-trend + img").get_attribute("alt")
    page.page.get_by_role("button", name="Månad", exact=True).click()
    _trend_alt_includes(page.page, "Diagram: Styrdiagram (p′) per fråga och månad.")
    wait_for_charts(page.page)
    section = page.page.locator("section.ek-avsnitt", has=page.page.locator("#ek-rubrik-trend"))
    section.locator("summary").click()
    assert "Övre styrgräns" in section.locator("table").inner_text()
    page.page.get_by_role("button", name="Seriediagram", exact=True).click()
    _trend_alt_includes(page.page, "Diagram: Seriediagram per fråga och månad.")
    assert page.console_errors == []
    page.page.get_by_role("button", name="Styrdiagram (p′)", exact=True).click()
    _trend_alt_includes(page.page, "Diagram: Styrdiagram (p′) per fråga och månad.")
    wait_for_charts(page.page)
    screenshot_of(page.page, section, "dashboard-styrdiagram-manad")


def test_clicking_an_enhet_in_the_heat_map_shows_that_enhets_tiles_and_run_charts(dashboard_url, page,
                                                                                  demo_workspace, expected):
    """Drill-down from the heat map: a click on an enhet's button chooses it in the Enhet filter (the focus
    goes there, at the top), and the tiles and run charts are that enhet's; the buttons work by keyboard."""
    open_dashboard(page.page, dashboard_url)
    heat_map = page.page.locator("section.ek-avsnitt", has=page.page.locator("#ek-rubrik-per_enhet"))
    buttons = heat_map.get_by_role("button", name=re.compile(r"^Visa "))
    chosen = buttons.nth(1).inner_text().removeprefix("Visa ")
    buttons.nth(1).click()
    _trend_alt_includes(page.page, f"– {chosen}.")
    wait_for_charts(page.page)
    assert _chosen(page.page, "Enhet") == chosen
    enhet = page.page.get_by_role("combobox", name="Enhet")
    assert enhet.evaluate("node => node === document.activeElement")  # at the top, by the tiles
    assert f"– {chosen}." in page.page.locator("#ek-rubrik-per_fraga + img").get_attribute("alt")
    with Workspace.open(demo_workspace) as workspace:
        model = dashboard.Model(workspace)
        shown = dashboard.key_figures(model.view(dashboard.Filters(next(iter(expected["checklists"])),
                                                                   enhet=chosen)))
    tiles = " ".join(page.page.locator(part).first.inner_text() for part in (".ek-antal", ".ek-rutor"))
    for label, value in shown.items():
        assert label in tiles and value in tiles, (label, value)
    screenshot(page.page, "dashboard-vald-i-varmekartan")
    first = buttons.nth(0).inner_text().removeprefix("Visa ")
    buttons.nth(0).focus()
    page.page.keyboard.press("Enter")
    _trend_alt_includes(page.page, f"– {first}.")
    assert _chosen(page.page, "Enhet") == first
    assert page.console_errors == []
    screenshot_of(page.page, heat_map, "dashboard-varmekarta")


def test_the_loop_section_shows_the_plan_tile_and_the_risk_matrix_at_both_sizes(dashboard_url, page,
                                                                                demo_workspace):
    with Workspace.open(demo_workspace) as workspace:
        shown = _loop_panel.loop_view(workspace, per_datum())
    page.page.set_viewport_size(SMALL)
    open_dashboard(page.page, dashboard_url)
    section = page.page.locator("section.ek-kretslopp")
    section.scroll_into_view_if_needed()
    text = section.inner_text()
    assert shown.plan.text in text and f"Egenkontrollplan {shown.plan.year}" in text
    late = shown.actions[shown.actions["overdue"]]
    assert not late.empty and all(ansvarig in text for ansvarig in late["ansvarig"])
    assert "⚠ Försenad" in text and "Beskrivning som aldrig visas" not in text
    followed = _loop_panel.followed_actions(shown.actions)
    assert not followed.empty
    assert all(_loop_panel._EFFECT_WORDS[status] in text for status in followed["status"])
    matrix = section.locator("#ek-rubrik-riskmatris + img")
    page.page.wait_for_function("img => img.complete && img.naturalWidth > 600", arg=matrix.element_handle())
    assert matrix.get_attribute("alt").startswith(f"Diagram: riskmatris med {len(shown.risks)} risker")
    tile = section.locator(".ek-ruta", has_text=f"Egenkontrollplan {shown.plan.year}")
    assert ("✗ Röd" if shown.plan.overdue else "✓ Grön") in tile.inner_text()
    box = matrix.bounding_box()
    assert 1000 <= box["width"] <= 1100  # as wide as the window allows, up to 1100 px
    section.locator(".ek-avsnitt summary").click()  # the table behind the matrix, one click away
    table = section.locator(".ek-avsnitt details table").first
    table.wait_for()
    cells = table.locator("td").all_inner_texts()
    for konsekvens in shown.matrix.index:
        for sannolikhet in shown.matrix.columns:
            value = int(sannolikhet) * int(konsekvens)
            assert f"{risks.band(value)}: {int(shown.matrix.loc[konsekvens, sannolikhet])}" in cells
    screenshot_of(page.page, section, "dashboard-kretslopp-1366")
    page.page.set_viewport_size(LARGE)
    section.scroll_into_view_if_needed()
    tiles = _boxes(page.page, ".ek-kretslopp .ek-ruta")
    assert len({tile["y"] for tile in tiles}) == 1  # the loop's tiles side by side at 1920
    screenshot_of(page.page, section, "dashboard-kretslopp-1920")
    assert page.console_errors == []


def screenshot_of(page, locator, name: str) -> Path:
    """Save a screenshot of one part of the page under test-artifacts/ and return its path; the window is
    made tall for it (Voilà scrolls inside the page), its width kept."""
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": 7000})
    path = ARTIFACTS / f"{name}.png"
    ARTIFACTS.mkdir(exist_ok=True)
    locator.screenshot(path=str(path))
    return path


def test_the_print_view_for_the_namnd_has_the_date_the_filters_the_method_and_the_charts(dashboard_url, page,
                                                                                          expected):
    open_dashboard(page.page, dashboard_url)
    enhet = page.page.get_by_role("combobox", name="Enhet")
    chosen = enhet.locator("option").all_inner_texts()[1].replace("\xa0", " ")
    enhet.select_option(label=chosen)
    page.page.wait_for_function("name => document.querySelector('#ek-rubrik-trend + img').alt.includes(name)",
                                arg=f"– {chosen}.", timeout=LOAD_MS)
    wait_for_charts(page.page)
    page.page.evaluate("() => { window.ekPrinted = 0; window.print = () => { window.ekPrinted += 1; }; }")
    page.page.get_by_role("button", name="Utskrift (PDF)").click()
    assert page.page.evaluate("window.ekPrinted") == 1  # the button opens the browser's print dialog
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "instrumentpanel-utskrift.pdf"
    page.page.pdf(path=str(pdf), format="A4", print_background=True)
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    title = next(iter(expected["checklists"].values()))
    assert f"tidsfrister beräknade per {expected['as_of']:%Y-%m-%d}" in text
    assert (f"Urval: checklista: {title}; period: {dashboard.ALL}; enhet: {chosen}; utveckling över tid: "
            "seriediagram per tertial.") in text
    assert "Metod: slumpmässigt urval" in text and "Så läser du diagrammen" in text
    assert "Utskrift (PDF)" not in text and "Visa tabellen bakom diagrammet" not in text  # screen only
    # the charts are printed (their words are text in the SVG): the enhet's run charts and the heat map
    assert f"Seriediagram per fråga och tertial – {chosen}" in text
    assert "Andel ja per enhet och fråga" in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    assert pages >= 4
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "3", str(pdf),
                    str(ARTIFACTS / "instrumentpanel-utskrift")], check=True)
