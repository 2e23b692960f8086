"""The dashboard's model (no widgets) and its thin widget layer, on a small real workspace."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
from types import SimpleNamespace

import pandas as pd
import pytest
from matplotlib import pyplot as plt

from egenkontroll import Workspace, _panel, _views, charts, dashboard, demo, formatting, results
from egenkontroll._views import OVER_TIME
from egenkontroll.periods import previous_period, spoken_period
from tests.egenkontroll.test_export import build_small_workspace

AS_OF = dt.date(2026, 10, 31)
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = build_small_workspace(tmp_path_factory.mktemp("panel") / "arbetsyta")
    with Workspace.open(folder) as workspace:
        yield dashboard.Model(workspace, as_of=AS_OF)


@pytest.fixture(scope="module")
def app(model):
    return dashboard.App(model)


def test_choices_come_from_the_workspace(model):
    assert model.checklists() == {"valdsfraga": "Våldsfråga"}
    assert model.periods()[-1] == "2025"
    assert set(model.periods()) <= {"2025", "2025-T1", "2025-T2", "2025-T3"}
    assert "Vuxenenheten" in model.enheter()


def test_key_figures_are_the_numbers_of_results(model):
    view = model.view(dashboard.Filters("valdsfraga"))
    expected = results.item_results(model.workspace, checklist="valdsfraga", as_of=AS_OF)
    asked = expected[expected["item"] == "vald_fragat"].iloc[0]
    shown = dashboard.key_figures(view)
    assert shown["Granskade akter"] == str(asked["n"])
    # one style (issue 13, item 4): "75 % (58–88 %)", bounds rounded outward, not "58 %–88 %"
    interval = formatting.interval(asked["lower"], asked["upper"], goal=asked["goal"])
    share = charts.percent_text(asked["estimate"])
    assert shown[f"Kritisk fråga: {asked['item_text']}"] == f"{share} ({interval})"


def test_a_tile_per_critical_item_and_register_rule_with_its_status_goal_and_change(model):
    view = model.view(dashboard.Filters("valdsfraga", period="2025-T3"))
    shown = {tile.label: tile for tile in _panel.tiles(view)}
    critical = view.compliance[view.compliance["critical"].astype(bool)]
    for row in critical.itertuples():
        tile = shown[f"Kritisk fråga: {row.item_text}"]
        assert tile.goal == "100 %"
        assert tile.status == (None if row.suppressed else row.status)
        assert tile.change.endswith("(sep–dec 2025 mot maj–aug 2025)")
    facts = view.compliance[view.compliance["goal"].isna()]
    assert not facts.empty and not any(text in label for text in facts["item_text"] for label in shown)
    for name, label in _panel.REGISTER_LABELS.items():
        k, n = view.register[name]
        assert shown[label].status == ("grön" if k == n else "röd")


def test_a_change_is_called_saekerstaelld_only_when_fishers_test_says_so():
    row = SimpleNamespace(suppressed=False, difference=0.064, p_value=0.049)
    compared = ("2026-T1", "2025-T3")
    assert _panel._change_text(row, compared) == (
        "↑ +6 procentenheter, säkerställd (jan–apr 2026 mot sep–dec 2025)")
    row.p_value, row.difference = 0.051, -0.2
    assert _panel._change_text(row, compared) == (
        "↓ −20 procentenheter, inte säkerställd (jan–apr 2026 mot sep–dec 2025)")
    row.suppressed = True
    assert _panel._change_text(row, compared).startswith("Ingen jämförelse, färre än 5 ärenden")


def test_a_tile_says_its_status_in_words_beside_the_colour():
    tile = _panel.Tile("Kritisk fråga: Våld <fråga>", "79 %", "71–85 %", "100 %", "röd", "↑ +3")
    shown = _panel._tiles_html([tile])
    assert "✗ Röd: målet är inte nått" in shown and charts.TRAFFIC_LIGHT_COLOURS["röd"] in shown
    assert "Våld &lt;fråga&gt;" in shown and "<fråga>" not in shown
    assert "79 % <span class=\"ek-ki\">(71–85 %)</span>" in shown


def test_register_key_figures_count_every_case_in_scope(model):
    view = model.view(dashboard.Filters("valdsfraga", period="2025"))
    inside = model.cases[model.cases["inkom_datum"].dt.year == 2025]
    # issue 13, item 8: the decision is dated by forhandsbedomning_datum, else utredning_inledd; with
    # neither, past the 14 days on per datum, the case is late (it was silently dropped before)
    barn = inside[(inside["arendetyp"] == "barn_och_unga") & ~inside["pagaende_utredning"].fillna(False)]
    decided_on = barn["forhandsbedomning_datum"].fillna(barn["utredning_inledd"])
    last_day = barn["inkom_datum"] + pd.Timedelta(days=14)
    judged = decided_on.notna() | (last_day < pd.Timestamp(model.as_of))
    in_time = (decided_on <= last_day).sum()
    assert view.register["forhandsbedomning_14_dagar"] == (in_time, judged.sum())
    shown = dashboard.key_figures(view)[dashboard.REGISTER_LABELS["forhandsbedomning_14_dagar"]]
    assert shown == charts.percent_text(in_time / judged.sum())


def test_waiting_decisions_agree_with_the_register_indicators(model):
    later = dashboard.Model(model.workspace, as_of=dt.date(2027, 6, 30))  # the demo's open decisions are late
    waiting = results.register_indicators(model.workspace, as_of=later.as_of)["ej_verkstallda_lista"]
    assert len(waiting) > 0
    assert later.view(dashboard.Filters("valdsfraga")).waiting == len(waiting)
    enhet = waiting["enhet"].mode().iloc[0]
    in_enhet = later.view(dashboard.Filters("valdsfraga", enhet=enhet)).waiting
    assert in_enhet == (waiting["enhet"] == enhet).sum()
    shown = dashboard.key_figures(later.view(dashboard.Filters("valdsfraga")))
    assert shown["Beslut som väntat mer än 3 månader på verkställighet"] == str(len(waiting))


def test_an_enhet_with_fewer_than_five_cases_shows_no_share(model):
    by_enhet = model.view(dashboard.Filters("valdsfraga")).by_enhet
    small = by_enhet[(by_enhet["item"] == "vald_fragat") & by_enhet["suppressed"]]["group"].iloc[0]
    view = model.view(dashboard.Filters("valdsfraga", enhet=small))
    assert list(view.compliance["group"].unique()) == [small]
    critical = dashboard.key_figures(view)
    asked = next(value for label, value in critical.items() if label.startswith("Kritisk fråga: Har frågan"))
    assert asked == "–"
    assert view.notes == ["Uppdelningen på kön gäller alla enheter."]


def test_views_are_cached_per_filter(model):
    first = model.view(dashboard.Filters("valdsfraga", period="2025"))
    assert model.view(dashboard.Filters("valdsfraga", period="2025")) is first
    assert model.view(dashboard.Filters("valdsfraga")) is not first


def test_a_chosen_period_shows_its_change_against_the_previous_one(model):
    view = model.view(dashboard.Filters("valdsfraga", period="2025"))
    expected = results.change_from_previous(model.workspace, checklist="valdsfraga", period="2025",
                                            as_of=AS_OF)
    pd.testing.assert_frame_equal(view.change.reset_index(drop=True), expected.reset_index(drop=True))
    assert view.compared == ("2025", "2024")
    assert view.change["n_previous"].eq(0).all()  # 2024 has no granskning: nothing to compare with
    assert _panel.screen(model, dashboard.Filters("valdsfraga", period="2025")).change == ""


def test_without_a_period_the_change_is_the_latest_tertial_against_the_one_before(model):
    view = model.view(dashboard.Filters("valdsfraga"))
    latest = next(period for period in model.periods() if "-T" in period)
    assert view.compared == (latest, previous_period(latest))
    expected = results.change_from_previous(model.workspace, checklist="valdsfraga", period=latest,
                                            as_of=AS_OF)
    pd.testing.assert_frame_equal(view.change.reset_index(drop=True), expected.reset_index(drop=True))


def test_an_enhets_change_compares_that_enhets_figures(model):
    view = model.view(dashboard.Filters("valdsfraga", period="2025-T3", enhet="Vuxenenheten"))
    gathered = model.item_results("valdsfraga")
    now = gathered.table(period="2025-T3", by="enhet")
    before = gathered.table(period="2025-T2", by="enhet")
    mine = view.change.set_index("item")
    for table, column in ((now, "n"), (before, "n_previous")):
        rows = table[table["group"] == "Vuxenenheten"].set_index("item")
        assert mine[column].to_dict() == rows["n"].reindex(mine.index).fillna(0).astype(int).to_dict()


def test_the_change_table_gives_points_shares_and_the_fisher_p_value():
    change = pd.DataFrame([
        {"item_text": "Våld <fråga>", "previous": "2026-T1", "period": "2026-T2", "k": 18, "n": 20,
         "estimate": 0.9, "k_previous": 14, "n_previous": 20, "estimate_previous": 0.7, "difference": 0.2,
         "p_value": 0.235, "suppressed": False},
        {"item_text": "Risk", "previous": "2026-T1", "period": "2026-T2", "k": 2, "n": 3, "estimate": 0.67,
         "k_previous": 5, "n_previous": 9, "estimate_previous": 0.56, "difference": 0.11, "p_value": 1.0,
         "suppressed": True},
        {"item_text": "Skydd", "previous": "2026-T1", "period": "2026-T2", "k": 7, "n": 10, "estimate": 0.7,
         "k_previous": 9, "n_previous": 10, "estimate_previous": 0.9, "difference": -0.2, "p_value": 0.58,
         "suppressed": False},
        {"item_text": "Barn", "previous": "2026-T1", "period": "2026-T2", "k": 8, "n": 10, "estimate": 0.8,
         "k_previous": 8, "n_previous": 10, "estimate_previous": 0.8, "difference": -0.001, "p_value": 1.0,
         "suppressed": False},
    ])
    cells = [[cell.split(">", 1)[1] for cell in row.split("</td>")[:-1]]
             for row in _panel._change_html(change).split("<tr>")[2:]]
    assert cells == [["Våld &lt;fråga&gt;", "70 %", "90 %", "+20", "0,23"], ["Risk", "–", "–", "–", "–"],
                     ["Skydd", "90 %", "70 %", "−20", "0,58"], ["Barn", "80 %", "80 %", "±0", "1,00"]]


def test_utredningstid_counts_calendar_months():
    cases = pd.DataFrame({
        "arendetyp": ["barn_och_unga", "barn_och_unga", "barn_och_unga", "vuxen_missbruk"],
        "utredning_inledd": pd.to_datetime(["2025-10-31", "2025-10-31", "2026-01-10", "2026-01-10"]),
        "utredning_avslutad": pd.to_datetime(["2026-02-28", "2026-03-01", "2026-01-09", "2026-09-01"]),
        "kon": ["K", "M", "K", "K"],
    })
    times = _panel._utredningstid(cases)
    assert times["days"].tolist() == [120, 121]  # closed before the start, and the adult case: left out
    assert times["over_limit"].tolist() == [False, True]
    assert times["kon"].tolist() == ["Kvinnor", "Män"]


def test_figures_are_the_six_sections_and_leave_no_pyplot_figure(model):
    view = model.view(dashboard.Filters("valdsfraga"))
    figures = dashboard.figures(view)
    assert list(figures) == ["per_fraga", "trend", "per_enhet", "utredningstid", "kon", "utredningstid_kon"]
    heat = charts.heatmap_values(view.by_enhet)
    assert heat.loc[view.by_enhet.loc[view.by_enhet["suppressed"], "group"].iloc[0]].isna().all()
    assert plt.get_fignums() == []


def test_the_app_shows_comments_escaped(app):
    assert "&lt;img src=x onerror=alert(1)&gt;" in app.deviations.value
    assert "<img" not in app.deviations.value
    assert "=HYPERLINK" in app.deviations.value


def test_the_app_shows_no_person(app, model):
    text = " ".join(widget.value for widget in (app.key_figures, app.deviations, app.method, app.notes))
    for person_id in model.cases["person_id"].head(200):
        assert person_id not in text
    for name in model.cases["handlaggare"].dropna().unique():
        assert name not in text
    assert "Granskare" not in text


def _charts_are_svg_with_alt_text_and_table(app) -> bool:
    return all('src="data:image/svg+xml;base64,' in section.value and ' alt="Diagram: ' in section.value
               and "<details><summary>Visa tabellen bakom diagrammet</summary>" in section.value
               and '<table class="ek-tabell">' in section.value
               for section in app.charts.values())


def test_the_app_renders_every_chart(app):
    assert list(app.charts) == [key for key, _ in dashboard.SECTIONS]
    assert _charts_are_svg_with_alt_text_and_table(app)
    assert any(results.TRAFFIC_LIGHT_RULE in child.value for child in app.widget.children
               if hasattr(child, "value"))


def test_the_heat_map_has_a_button_per_enhet_that_chooses_it_in_the_enhet_filter(app, model):
    """Drill-down from the heat map: one button per column, named by its enhet, whose click sets the
    Enhet dropdown (found by its class) to that enhet; an enhet's name is escaped."""
    view = model.view(dashboard.Filters("valdsfraga"))
    columns = list(charts.heatmap_values(view.by_enhet).index)
    section = app.charts["per_enhet"].value
    assert re.findall(r'<button type="button" data-enhet="([^"]*)"', section) == columns
    assert re.findall(r">(Visa [^<]*)</button>", section) == [f"Visa {enhet}" for enhet in columns]
    assert set(columns) <= {value for _, value in app.enhet.options}
    assert _views.ENHET_FILTER_CLASS in app.enhet._dom_classes
    assert f"document.querySelector('.{_views.ENHET_FILTER_CLASS} select')" in html.unescape(section)
    assert all("<button" not in app.charts[key].value for key in app.charts if key != "per_enhet")
    named = view.by_enhet.assign(group=view.by_enhet["group"].replace(columns[0], XSS))
    buttons = _panel._enhet_buttons_html(named)
    assert "<img" not in buttons and f'data-enhet="{html.escape(XSS)}"' in buttons
    assert _panel._enhet_buttons_html(view.by_enhet.iloc[:0]) == ""


def test_the_filters_show_alla_and_periods_as_people_say_them(app):
    assert (app.period.label, app.enhet.label) == (dashboard.ALL, dashboard.ALL)  # never an empty dropdown
    assert app.filters().period is None and app.filters().enhet is None
    assert ("sep–dec 2025", "2025-T3") in app.period.options and ("2025", "2025") in app.period.options


def test_a_failing_filter_shows_a_swedish_message_not_a_traceback(model, monkeypatch):
    app = dashboard.App(model)

    def broken(_filters):
        raise RuntimeError("internt fel med detaljer")

    monkeypatch.setattr(model, "view", broken)
    app.enhet.value = "Vuxenenheten"
    assert "Något gick fel" in app.errors.value
    assert "internt fel" not in app.errors.value
    assert "Traceback" not in app.errors.value


# --- the start view kept ready between data changes ---------------------------------------------


@pytest.fixture
def folder(model, tmp_path):
    """A copy of the small workspace, free to change."""
    copy = tmp_path / "arbetsyta"
    shutil.copytree(model.workspace.path, copy, ignore=shutil.ignore_patterns(".cache"))
    return copy


def _shown(app) -> tuple:
    return (app.key_figures.value, app.deviations.value, app.method.value,
            tuple(section.value for section in app.charts.values()))


def test_show_stores_the_start_view_and_shows_it_again_without_computing(folder, monkeypatch):
    first = dashboard.show(folder)
    assert (folder / dashboard.START_VIEW_FILE).is_file()

    def no_model(*_args, **_kwargs):
        raise AssertionError("the model was built although the start view was ready")

    monkeypatch.setattr(_panel, "Model", no_model)
    again = dashboard.show(folder)
    assert _shown(again) == _shown(first)
    assert again.period.options == first.period.options and again.enhet.options == first.enhet.options
    assert _charts_are_svg_with_alt_text_and_table(again)


def test_the_prepared_screens_are_shown_without_the_model_and_match_what_it_computes(folder, model,
                                                                                     monkeypatch):
    monkeypatch.setenv("EGENKONTROLL_PER_DATUM", AS_OF.isoformat())  # the model fixture's day
    with Workspace.open(folder) as workspace:
        prepared = dashboard.warm(workspace).prepared
    checklist = next(iter(model.checklists()))
    choices = ([dashboard.Filters(checklist, period=p) for p in model.periods()]
               + [dashboard.Filters(checklist, enhet=e) for e in model.enheter()])
    assert set(prepared) == {f"{checklist}|{c.period or ''}|{c.enhet or ''}" for c in choices}
    app = dashboard.show(folder)
    assert app.start.prepared is not None and app._model is None
    app.enhet.value = "Vuxenenheten"
    assert app.errors.value == "" and app._model is None
    assert _shown(app) == _screen(_panel.screen(model, app.filters()))
    every_enhet = prepared[f"{checklist}|2025|"]
    assert set(every_enhet.over_time) == set(OVER_TIME)  # every enhet: every chart over time
    assert set(prepared[f"{checklist}||Vuxenenheten"].over_time) == {"tertial/serie", "tertial/styr"}
    app.kind.value = "styr"  # prepared: shown without the model
    assert app.errors.value == "" and app._model is None
    assert app.charts["trend"].value == _panel.over_time_section(model, app.filters(), "tertial/styr")
    app.kind.value = "serie"
    app.enhet.value = ""
    app.period.value = model.periods()[0]
    assert app.errors.value == "" and app._model is None
    assert _shown(app) == _screen(_panel.screen(model, app.filters()))
    app.enhet.value = "Vuxenenheten"  # a period and an enhet: not prepared, so the model is built
    assert app.errors.value == "" and app._model is not None
    assert _shown(app) == _screen(_panel.screen(model, app.filters()))


def _screen(screen) -> tuple:
    return (screen.key_figures, screen.deviations, screen.method, tuple(screen.charts.values()))


def test_every_checklists_first_screen_is_prepared_and_matches_what_the_model_computes(folder):
    with Workspace.open(folder) as workspace:
        workspace.create_session("utredningstid", n=4, seed=4)
        dashboard.warm(workspace)
        model = dashboard.Model(workspace)
    app = dashboard.show(folder)
    assert [cid for _title, cid in app.checklist.options] == ["valdsfraga", "utredningstid"]
    app.checklist.value = "utredningstid"
    assert app.errors.value == "" and app._model is None
    assert _shown(app) == _screen(_panel.screen(model, app.filters()))


def _drawn_sections(monkeypatch) -> list[str]:
    """The sections drawn from now on, by key (none remembered from earlier tests)."""
    drawn = []
    section_html = _panel._section_html
    monkeypatch.setattr(_panel, "_DRAWN", _panel.OrderedDict())
    monkeypatch.setattr(_panel, "_section_html",
                        lambda key, *rest: drawn.append(key) or section_html(key, *rest))
    return drawn


def test_the_model_is_built_ahead_in_a_thread_and_a_period_and_enhet_draw_only_what_depends_on_both(
        folder, model, monkeypatch):
    monkeypatch.setenv("EGENKONTROLL_PER_DATUM", AS_OF.isoformat())  # the model fixture's day
    dashboard.refresh(folder)
    builders = []
    load_model = dashboard._model
    monkeypatch.setattr(dashboard, "_model", lambda path: builders.append(threading.current_thread())
                        or load_model(path))
    app = dashboard.show(folder)
    assert app._model is None and builders == []  # outside a kernel's event loop nothing is built ahead
    app.build_ahead()
    built = app._building.result(timeout=120)
    assert len(builders) == 1 and builders[0] is not threading.main_thread()
    drawn = _drawn_sections(monkeypatch)
    app.period.value, app.enhet.value = model.periods()[0], "Vuxenenheten"
    assert app.errors.value == "" and app.model is built and len(builders) == 1
    # the heat map and kön come from the period's prepared screen, the run charts from the enhet's
    assert sorted(drawn) == ["per_fraga", "utredningstid", "utredningstid_kon"]
    assert _shown(app) == _screen(_panel.screen(model, app.filters()))


def test_the_build_ahead_gathers_every_checklist_so_another_checklist_reads_nothing_anew(folder, monkeypatch):
    with Workspace.open(folder) as workspace:
        workspace.create_session("utredningstid", n=4, seed=4)
    dashboard.refresh(folder)
    app = dashboard.show(folder)
    app.build_ahead()
    built = app._building.result(timeout=120)
    assert set(built._item_results) == {"valdsfraga", "utredningstid"}
    gathered = []
    monkeypatch.setattr(results, "ItemResults", lambda *args, **kwargs: gathered.append(args))
    app.period.value, app.enhet.value = built.periods()[0], "Vuxenenheten"
    app.checklist.value = "utredningstid"
    assert app.errors.value == "" and app.model is built and gathered == []
    assert (("utredningstid", built.periods()[0], "enhet") in built._tables
            and ("utredningstid", built.periods()[0], "kon") in built._tables)


def test_a_failure_computing_another_checklist_ahead_is_left_for_when_it_is_chosen(folder, monkeypatch):
    with Workspace.open(folder) as workspace:
        workspace.create_session("utredningstid", n=4, seed=4)
    dashboard.refresh(folder)
    prefetch = _panel.Model.prefetch

    def failing(model, checklist, stop=None):
        if checklist == "utredningstid":
            raise RuntimeError("internt fel med detaljer")
        prefetch(model, checklist, stop)

    monkeypatch.setattr(_panel.Model, "prefetch", failing)
    app = dashboard.show(folder)
    app.build_ahead()
    built = app._building.result(timeout=120)
    assert "valdsfraga" in built._item_results and "utredningstid" not in built._item_results
    app.period.value, app.enhet.value = built.periods()[0], "Vuxenenheten"
    app.checklist.value = "utredningstid"
    assert app.errors.value == "" and app.model is built and "utredningstid" in built._item_results


def test_in_a_kernel_show_starts_building_the_model_a_moment_after_the_start_view(folder, monkeypatch):
    dashboard.refresh(folder)
    monkeypatch.setattr(dashboard, "_BUILD_AHEAD_AFTER", 0.01)

    async def shown():
        app = dashboard.show(folder)
        assert app._building is None
        await asyncio.sleep(0.2)
        return app

    app = asyncio.run(shown())
    assert app._building is not None and app._model is None
    assert isinstance(app.model, _panel.Model)


def test_a_failed_build_ahead_shows_a_swedish_message_and_is_tried_again(folder, monkeypatch):
    dashboard.refresh(folder)
    app = dashboard.show(folder)
    load_model = app._load_model
    tries = []

    def failing_once():
        tries.append(1)
        if len(tries) == 1:
            raise RuntimeError("internt fel med detaljer")
        return load_model()

    app._load_model = failing_once
    app.build_ahead()
    app.period.value = "2025"
    app.enhet.value = "Vuxenenheten"  # not prepared: the model is wanted
    assert "Något gick fel" in app.errors.value and "internt fel" not in app.errors.value
    app.enhet.value = ""
    app.enhet.value = "Vuxenenheten"
    assert app.errors.value == "" and len(tries) == 2 and app._model is not None


def test_a_section_is_drawn_again_only_when_its_figures_changed(folder, monkeypatch):
    """What keeps ``egenkontroll dashboard``'s computing after each answer small: a new model (as each
    round of :func:`dashboard.refresh` builds) reuses every section whose rows are the same."""
    drawn = _drawn_sections(monkeypatch)
    with Workspace.open(folder) as workspace:
        first = dashboard.Filters("valdsfraga")  # with the run charts per tertial, as the first screen
        before = _panel.screen(dashboard.Model(workspace), first, OVER_TIME[:1])
        assert len(drawn) == len(dashboard.SECTIONS)
        assert _panel.screen(dashboard.Model(workspace), first, OVER_TIME[:1]) == before
        assert len(drawn) == len(dashboard.SECTIONS)  # the same figures: nothing drawn anew
        session = workspace.sessions()[0]
        unanswered = next(c for c in session.case_ids if session.answers()["arende_id"].ne(c).all())
        session.record(unanswered, "vald_fragat", "nej", reviewer="Granskare B")
        after = _panel.screen(dashboard.Model(workspace), first, OVER_TIME[:1])
        # an answer changes the answers' figures, not the register's investigation times
        assert sorted(drawn[len(dashboard.SECTIONS):]) == ["kon", "per_enhet", "per_fraga", "trend"]
        assert after.charts["per_fraga"] != before.charts["per_fraga"]
        _panel._DRAWN.clear()
        again = _panel.screen(dashboard.Model(workspace), first, OVER_TIME[:1])
        assert again == after  # drawn anew: the same


def test_a_start_view_the_kernel_computed_in_a_hurry_is_completed_by_refresh(folder):
    app = dashboard.show(folder)  # no stored view: the kernel computes the first screen only
    assert app.start.prepared is None and dashboard.cached_start_view(folder) is not None
    assert dashboard.refresh(folder) is True
    assert dashboard.cached_start_view(folder).prepared
    assert dashboard.refresh(folder) is False


def test_a_new_answer_a_new_import_or_a_new_day_make_the_start_view_outdated(folder, tmp_path):
    with Workspace.open(folder) as workspace:
        dashboard.warm(workspace)
        assert dashboard.cached_start_view(folder) is not None
        assert dashboard.cached_start_view(folder, as_of=dt.date.today() + dt.timedelta(days=1)) is None
        session = workspace.sessions()[0]
        unanswered = next(c for c in session.case_ids if session.answers()["arende_id"].ne(c).all())
        session.record(unanswered, "vald_fragat", "ja", reviewer="Granskare B")
        assert dashboard.cached_start_view(folder) is None
        reviewed = dashboard.show(folder).start.screen.key_figures
        assert f">{len(session.answers())}<" in reviewed  # "Granskade akter" counts the new answer
        assert dashboard.cached_start_view(folder) is not None
        export_file = tmp_path / "igen.xlsx"
        demo.write_export_xlsx(demo.generate_register(seed=7, n_cases=800), export_file)
        workspace.import_register(export_file)  # nothing changed in the cases, but it is an import
        assert dashboard.cached_start_view(folder) is None


def test_a_correction_a_new_session_or_changed_code_make_the_start_view_outdated(folder, monkeypatch):
    with Workspace.open(folder) as workspace:
        dashboard.warm(workspace)
        session = workspace.create_session("utredningstid", n=3, seed=4)
        assert dashboard.cached_start_view(folder) is None
        dashboard.warm(workspace)
        case = session.case_ids[0]
        session.correct(case, "inkom_datum", session.case(case)["inkom_datum"], "Journalen: samma dag")
        assert dashboard.cached_start_view(folder) is None
        dashboard.warm(workspace)
    assert dashboard.cached_start_view(folder) is not None
    monkeypatch.setattr(dashboard, "_code_stamp", lambda: "annan-kod")
    assert dashboard.cached_start_view(folder) is None


def test_the_stored_start_view_is_its_owners_alone_and_leaves_no_partial_file(folder):
    dashboard.show(folder)
    stored = folder / dashboard.START_VIEW_FILE
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert [path.name for path in stored.parent.iterdir()] == [stored.name]


def test_keep_ready_does_not_retry_a_failure_until_the_data_change(folder, monkeypatch):
    tries = []

    def read_only(_path, _start):
        tries.append(1)
        raise PermissionError("skrivskyddad")

    monkeypatch.setattr(dashboard, "_store", read_only)
    keep_ready = dashboard.KeepReady(folder)
    with pytest.raises(PermissionError):
        keep_ready()
    assert keep_ready() is False and keep_ready() is False and len(tries) == 1
    with Workspace.open(folder) as workspace:
        workspace.create_session("valdsfraga", n=3, seed=9, allow_overlap=True)
    with pytest.raises(PermissionError):
        keep_ready()
    assert len(tries) == 2


def test_a_first_screen_that_cannot_be_computed_shows_a_swedish_message(folder, monkeypatch):
    def broken(_model, _filters):
        raise RuntimeError("internt fel med detaljer")

    monkeypatch.setattr(_panel, "screen", broken)
    app = dashboard.show(folder)
    assert "Något gick fel" in app.errors.value and "internt fel" not in app.errors.value
    assert not (folder / dashboard.START_VIEW_FILE).exists()
    assert app.checklist.options == (("Våldsfråga", "valdsfraga"),)


def test_an_unreadable_start_view_is_computed_anew(folder):
    stored = folder / dashboard.START_VIEW_FILE
    stored.parent.mkdir()
    stored.write_text('{"stamp": "halv', encoding="utf-8")
    assert dashboard.cached_start_view(folder) is None
    app = dashboard.show(folder)
    assert "Granskade akter" in app.key_figures.value
    assert dashboard.cached_start_view(folder).stamp == app.start.stamp


def test_a_start_view_that_cannot_be_stored_is_shown_all_the_same(folder, monkeypatch):
    def read_only(_path, _start):
        raise PermissionError("skrivskyddad")

    monkeypatch.setattr(dashboard, "_store", read_only)
    app = dashboard.show(folder)
    assert _charts_are_svg_with_alt_text_and_table(app)
    assert app.errors.value == "" and not (folder / dashboard.START_VIEW_FILE).exists()
    with Workspace.open(folder) as workspace, pytest.raises(PermissionError):
        dashboard.warm(workspace)  # storing is warm's very purpose: its caller hears of the failure


def test_the_stored_start_view_is_shown_without_pandas_scipy_or_matplotlib(folder):
    dashboard.show(folder)
    probe = ("import sys; from egenkontroll import dashboard; app = dashboard.show(sys.argv[1]); "
             "heavy = [m for m in ('pandas', 'scipy', 'matplotlib') if m in sys.modules]; "
             "print(heavy, app._model is None, len(app.charts['per_fraga'].value))")
    result = subprocess.run([sys.executable, "-c", probe, str(folder)], capture_output=True, text=True,
                            check=True, env={**os.environ, "EGENKONTROLL_DATABASE_URL": ""})
    heavy, unbuilt, size = result.stdout.strip().splitlines()[-1].rsplit(" ", 2)
    assert heavy == "[]" and unbuilt == "True" and int(size) > 10_000


def test_a_filter_change_says_it_is_computing_until_the_figures_are_shown(folder, monkeypatch):
    app = dashboard.show(folder)
    seen = []
    computed = _panel.screen

    def watched(model, filters, **options):
        seen.append(app.busy.value)
        return computed(model, filters, **options)

    monkeypatch.setattr(_panel, "screen", watched)
    app.period.value = "2025"
    assert len(seen) == 1 and "Räknar fram" in seen[0]
    assert app.busy.value == "" and app.errors.value == ""


def test_a_filter_change_after_a_stored_start_builds_the_model(folder):
    dashboard.show(folder)
    app = dashboard.show(folder)
    assert app._model is None
    before = app.key_figures.value
    app.enhet.value = "Vuxenenheten"
    assert app._model is not None and app.errors.value == ""
    assert app.key_figures.value != before
    assert "gäller alla enheter" in app.notes.value


def test_a_suppressed_group_reveals_nothing_through_counts_or_the_deviation_list(model):
    by_enhet = results.item_results(model.workspace, by="enhet", checklist="valdsfraga", as_of=AS_OF)
    small = by_enhet[by_enhet["suppressed"] & (by_enhet["item"] == "vald_fragat")]["group"].tolist()
    assert small, "the fixture must have an enhet with fewer than 5 cases"
    everyone = model.view(dashboard.Filters("valdsfraga"))
    assert not everyone.deviations.empty and not everyone.deviations["enhet"].isin(small).any()
    alone = model.view(dashboard.Filters("valdsfraga", enhet=small[0]))
    assert dashboard.key_figures(alone)["Granskade akter"] == charts.SUPPRESSED_TEXT
    assert alone.deviations.empty


def test_the_printed_page_names_the_filter_choice_and_the_button_prints(app):
    assert "window.print()" in app.print_button.value and "Utskrift (PDF)" in app.print_button.value
    assert ("Urval: checklista: Våldsfråga; period: Alla; enhet: Alla; utveckling över tid: seriediagram "
            "per tertial.") in app.chosen.value
    app.enhet.value = "Vuxenenheten"
    app.kind.value = "styr"
    try:
        assert ("Urval: checklista: Våldsfråga; period: Alla; enhet: Vuxenenheten; utveckling över tid: "
                "styrdiagram (p′) per tertial.") in app.chosen.value
    finally:
        app.enhet.value = ""
        app.kind.value = "serie"


def test_the_monthly_trend_is_the_results_by_month_of_all_or_of_one_enhet(model):
    every = model.trend("valdsfraga", None, "manad")
    expected = results.item_results(model.workspace, checklist="valdsfraga", by="manad", as_of=AS_OF)
    expected = expected[expected["group"] != "okänt"]
    assert list(every["period"]) == list(expected["group"]) and list(every["k"]) == list(expected["k"])
    assert every["period"].str.fullmatch(r"\d{4}-\d\d").all() and every["period"].nunique() > 3
    alone = model.trend("valdsfraga", "Vuxenenheten", "manad")
    march = results.item_results(model.workspace, checklist="valdsfraga", by="enhet", as_of=AS_OF,
                                 period=(dt.date(2025, 3, 1), dt.date(2025, 3, 31)))
    march = march[march["group"] == "Vuxenenheten"]
    shown = alone[alone["period"] == "2025-03"]
    assert list(shown["n"]) == list(march["n"]) and list(shown["k"]) == list(march["k"])
    assert set(alone["period"]) <= set(every["period"])


def _alt(section: str) -> str:
    return section.split(' alt="', 1)[1].split('"', 1)[0]


def test_the_charts_over_time_switch_between_run_and_p_charts_per_tertial_and_month(app):
    first = app.charts["trend"].value
    assert "Diagram: Seriediagram per fråga och tertial." in _alt(first)
    try:
        app.unit.value = "manad"
        monthly = app.charts["trend"].value
        assert "Diagram: Seriediagram per fråga och månad." in _alt(monthly) and "månader" in monthly
        app.kind.value = "styr"
        control = app.charts["trend"].value
        assert "Diagram: Styrdiagram (p′) per fråga och månad." in _alt(control)
        assert '<th scope="col">Övre styrgräns</th>' in control and "p-diagram" in control
        assert "Inom styrgränserna" in control or "Utanför styrgränserna" in control
        assert app.errors.value == ""
        app.enhet.value = "Vuxenenheten"  # the choice stays when the filters change
        alone = _alt(app.charts["trend"].value)
        assert "Diagram: Styrdiagram (p′) per fråga och månad – Vuxenenheten." in alone
        assert app.unit.value == "manad" and app.kind.value == "styr"
    finally:
        app.enhet.value = ""
        app.unit.value, app.kind.value = "tertial", "serie"
    assert app.charts["trend"].value == first


def test_a_p_chart_table_says_each_period_and_hides_small_ones(model):
    section = _panel.over_time_section(model, dashboard.Filters("valdsfraga"), "manad/styr")
    table = section.split('<table class="ek-tabell">', 1)[1]
    assert "<td>mar 2025</td>" in table  # months as people say them
    trend = model.trend("valdsfraga", None, "manad")
    small = trend[trend["n"] < 5].iloc[0]
    row = table.split(f"<td>{spoken_period(small['period'])}</td>", 1)[1].split("</tr>", 1)[0]
    assert row.count(f"<td>{charts.SUPPRESSED_TEXT}</td>") == 7  # Ja, Besvarade, four figures, Utanför

