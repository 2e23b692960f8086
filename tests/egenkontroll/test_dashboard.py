"""The dashboard's model (no widgets) and its thin widget layer, on a small real workspace."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from matplotlib import pyplot as plt

from egenkontroll import Workspace, charts, dashboard, results
from tests.egenkontroll.test_export import build_small_workspace

AS_OF = dt.date(2026, 10, 31)


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
    assert shown[f"Kritisk fråga: {asked['item_text']}"] == (
        f"{charts.percent_text(asked['estimate'])} ({charts.percent_text(asked['lower'])}–"
        f"{charts.percent_text(asked['upper'])})")


def test_register_key_figures_count_every_case_in_scope(model):
    view = model.view(dashboard.Filters("valdsfraga", period="2025"))
    inside = model.cases[model.cases["inkom_datum"].dt.year == 2025]
    barn = inside[(inside["arendetyp"] == "barn_och_unga") & ~inside["pagaende_utredning"].fillna(False)
                  & inside["forhandsbedomning_datum"].notna()]
    in_time = (barn["forhandsbedomning_datum"] <= barn["inkom_datum"] + pd.Timedelta(days=14)).sum()
    assert view.register["forhandsbedomning_14_dagar"] == (in_time, len(barn))
    shown = dashboard.key_figures(view)["Förhandsbedömning inom 14 dagar (hela registret)"]
    assert shown == charts.percent_text(in_time / len(barn))


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
    assert view.notes == ["Uppdelningen på kön och utvecklingen per tertial gäller alla enheter."]


def test_views_are_cached_per_filter(model):
    first = model.view(dashboard.Filters("valdsfraga", period="2025"))
    assert model.view(dashboard.Filters("valdsfraga", period="2025")) is first
    assert model.view(dashboard.Filters("valdsfraga")) is not first


def test_utredningstid_counts_calendar_months():
    cases = pd.DataFrame({
        "arendetyp": ["barn_och_unga", "barn_och_unga", "barn_och_unga", "vuxen_missbruk"],
        "utredning_inledd": pd.to_datetime(["2025-10-31", "2025-10-31", "2026-01-10", "2026-01-10"]),
        "utredning_avslutad": pd.to_datetime(["2026-02-28", "2026-03-01", "2026-01-09", "2026-09-01"]),
        "kon": ["K", "M", "K", "K"],
    })
    times = dashboard._utredningstid(cases)
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


def test_the_app_renders_every_chart(app):
    assert all(image.value[:4] == b"\x89PNG" for image in app.images.values())
    assert results.TRAFFIC_LIGHT_RULE in app.widget.children[5].value


def test_a_failing_filter_shows_a_swedish_message_not_a_traceback(model, monkeypatch):
    app = dashboard.App(model)

    def broken(_filters):
        raise RuntimeError("internt fel med detaljer")

    monkeypatch.setattr(model, "view", broken)
    app.enhet.value = "Vuxenenheten"
    assert "Något gick fel" in app.errors.value
    assert "internt fel" not in app.errors.value
    assert "Traceback" not in app.errors.value
