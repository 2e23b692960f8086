"""The dashboard's section on the quality loop: plan tile, åtgärder, effect, risk matrix (no widgets)."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil

import pytest
from matplotlib import colors

from egenkontroll import Workspace, _loop_panel, _loopstore, actions, dashboard, risks, yearplan
from tests.egenkontroll.test_export import build_small_workspace

AS_OF = dt.date(2025, 10, 31)
SECRET = "Klienten i rum 4 föll på natten"
#: (status, note) of the two actions whose effect was followed up
FOLLOW_UPS = ((actions.EFFECT_SHOWN, "Före 60 %, efter 92 %: säkerställd förbättring"),
              (actions.EFFECT_NOT_SHOWN, "Före 60 %, efter 64 %: ingen säkerställd förbättring"))


@pytest.fixture(scope="module")
def loop_folder(tmp_path_factory):
    """The small workspace with a plan for 2025 (one row done, one overdue, one planned), four actions
    (one overdue, one lex Sarah, one with its effect shown, one without) and three risks."""
    folder = build_small_workspace(tmp_path_factory.mktemp("kretslopp") / "arbetsyta")
    with Workspace.open(folder) as workspace:
        session = workspace.sessions()[0]
        done = yearplan.add_plan_row(workspace, year=2025, checklist="valdsfraga", period="2025-T2",
                                     planned_n=4, ansvarig="Kvalitetsutvecklare", deadline="2025-12-31")
        drawn = workspace.create_session("valdsfraga", n=4, seed=3, period="2025-T2", allow_overlap=True)
        yearplan.link_session(workspace, done, drawn.id)
        _review_every_case(drawn)
        yearplan.add_plan_row(workspace, year=2025, checklist="utredningstid", period="2025-T2", planned_n=30,
                              ansvarig="Enhetschef barn", enhet="Barn och unga")
        yearplan.add_plan_row(workspace, year=2025, checklist="valdsfraga", period="2025-11", planned_n=20,
                              ansvarig="Enhetschef vuxen")
        late = actions.add_action(workspace, session=session.id, item="vald_fragat",
                                  ansvarig="Enhetschef vuxen", action="Utbildning i våldsfrågan",
                                  deadline="2025-09-30", opened="2025-05-01")
        actions.add_action(workspace, kind="lex_sarah", deviation=SECRET, action="Ny rutin för nattpersonal",
                           ansvarig="Verksamhetschef", deadline="2025-12-31", opened="2025-06-01",
                           checklist="valdsfraga", item="vald_fragat")
        for status, note in FOLLOW_UPS:
            followed = actions.add_action(
                workspace, indicator="utredning_4_manader", indicator_period="2025-T1", ansvarig="Socialchef",
                action=f"Åtgärd som följts upp ({status})", deadline="2025-08-31", opened="2025-05-01")
            _loopstore.update(workspace, "atgard", followed, {"status": status, "effect_note": note})
        risks.add_risk(workspace, title="Våld uppmärksammas inte", sannolikhet=3, konsekvens=4,
                       ansvarig="Socialchef", checklist="valdsfraga", item="vald_fragat", actions=[late])
        risks.add_risk(workspace, title="Utredningar drar ut på tiden", sannolikhet=3, konsekvens=3,
                       indicator="utredning_4_manader")
        risks.add_risk(workspace, title="Dokumentation saknas", sannolikhet=2, konsekvens=2)
    return folder


def _review_every_case(session) -> None:
    """Answer every shown item of every sampled case, so that the granskning is genomförd."""
    for case_id in session.case_ids:
        case, given = session.case(case_id), {}
        while item := next((item for item in session.checklist.visible_items(case, given)
                            if not item.computed and item.id not in given), None):
            given[item.id] = _an_answer(item)
            session.record(case_id, item.id, given[item.id], reviewer="Granskare A")


def _an_answer(item) -> str:
    if item.answer_type.countable:
        return "ja"
    return {"val": item.choices[0] if item.choices else "", "datum": "2025-06-01", "tal": "1"}.get(
        item.type, "Inget att notera")


@pytest.fixture(scope="module")
def view(loop_folder):
    with Workspace.open(loop_folder) as workspace:
        return _loop_panel.loop_view(workspace, AS_OF)


@pytest.fixture(scope="module")
def section(view) -> str:
    return _loop_panel.section_html(view)


def _text(fragment: str) -> str:
    """The visible text of an HTML fragment, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def test_the_plan_tile_says_how_far_the_years_plan_has_come(view, section):
    assert view.plan.text == "Egenkontrollplan 2025: 1 av 3 genomförda, 1 försenad"
    text = _text(section)
    assert view.plan.text in text
    tile = _text(re.search(r'<div class="ek-ruta"[^>]*>(?:(?!<div class="ek-ruta").)*Egenkontrollplan 2025.*?'
                           r"</div></div>", section).group(0))
    assert tile == ("Egenkontrollplan 2025 1 av 3 genomförda Mål 0 försenade ✗ Röd: målet är inte nått "
                    "1 försenad, 1 planerad")


def test_a_plan_with_nothing_late_is_green_in_colour_and_in_words(loop_folder):
    with Workspace.open(loop_folder) as workspace:
        early = _loop_panel.section_html(_loop_panel.loop_view(workspace, dt.date(2025, 6, 1)))
    tile = re.search(r'<div class="ek-ruta"[^>]*>(?:(?!<div class="ek-ruta").)*Egenkontrollplan 2025', early)
    assert "border-left-color:#4CAF50" in tile.group(0)
    assert "✓ Grön: målet är nått" in early


def test_open_actions_name_the_deviation_and_ansvarig_the_late_ones_first(view, section):
    table = re.search(r'<div class="ek-kretslopp-atgarder">(.*?)</div>', section).group(1)
    rows = [_text(row) for row in re.findall(r"<tr>(.*?)</tr>", table)][1:]
    [session_id] = view.actions["session_id"].dropna()
    assert rows == [
        f"Granskning Våldsfråga 2025 ({session_id}): Har frågan om våld ställts och är svaret dokumenterat? "
        "Utbildning i våldsfrågan Enhetschef vuxen 2025-09-30 ⚠ Försenad",
        "Lex Sarah (följs i Våldsfråga: Har frågan om våld ställts och är svaret dokumenterat?) "
        "Ny rutin för nattpersonal Verksamhetschef 2025-12-31 Planerad",
    ]
    assert "Åtgärder: 2 inte avslutade, 1 försenad." in _text(section)


def test_the_dashboard_never_shows_a_free_text_deviation_or_a_person(view, section, loop_folder):
    assert SECRET not in html.unescape(section)
    with Workspace.open(loop_folder) as workspace:
        cases = workspace.cases()
    for name in cases["handlaggare"].dropna().unique():
        assert name not in section
    assert "Granskare A" not in section


def test_actions_whose_effect_was_followed_up_say_whether_it_was_shown(section):
    table = re.search(r'<div class="ek-kretslopp-effekt">(.*?)</div>', section).group(1)
    rows = [_text(row) for row in re.findall(r"<tr>(.*?)</tr>", table)][1:]
    assert rows == [
        "Utredning inom 4 månader, jan–apr 2025 Åtgärd som följts upp (effekt uppnådd) Socialchef "
        "✓ Effekt uppnådd Före 60 %, efter 92 %: säkerställd förbättring",
        "Utredning inom 4 månader, jan–apr 2025 Åtgärd som följts upp (effekt ej uppnådd) Socialchef "
        "✗ Effekt ej uppnådd Före 60 %, efter 64 %: ingen säkerställd förbättring",
    ]
    tile = "Åtgärder med uppföljd effekt 1 av 2 1 med effekt uppnådd, 1 med effekt ej uppnådd"
    assert tile in _text(section)


def test_every_cell_of_the_risk_matrix_has_its_band_colour_band_word_and_count(view):
    figure = _loop_panel.risk_matrix_figure(view.matrix)
    axes = figure.axes[0]
    words = {(round(text.get_position()[0]), round(text.get_position()[1])): text.get_text()
             for text in axes.texts}
    fills = {(round(patch.get_x() + 0.5), round(patch.get_y() + 0.5)): colors.to_hex(patch.get_facecolor())
             for patch in axes.patches}
    expected_counts = {(3, 4): 1, (3, 3): 1, (2, 2): 1}
    assert len(words) == len(fills) == 16
    for sannolikhet in risks.SCALE:
        for konsekvens in risks.SCALE:
            band = risks.band(sannolikhet * konsekvens)
            count = expected_counts.get((sannolikhet, konsekvens), 0)
            assert words[sannolikhet, konsekvens].replace("\n", " ") == (
                f"{band} {count} risk" if count == 1 else f"{band} {count} risker")
            assert fills[sannolikhet, konsekvens] == _loop_panel.BAND_COLOURS[band].lower()
    assert [text.get_text() for text in axes.get_legend().get_texts()] == [
        "mycket hög (12–16)", "hög (8–9)", "medel (4–6)", "låg (1–3)"]


def test_the_band_colours_read_with_black_text_and_differ_in_greyscale():
    def luminance(colour: str) -> float:
        channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
                    for c in colors.to_rgb(colour)]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    shades = [luminance(colour) for colour in _loop_panel.BAND_COLOURS.values()]
    assert all((shade + 0.05) / 0.05 >= 4.5 for shade in shades)  # WCAG AA for black text
    assert min(abs(a - b) for number, a in enumerate(shades) for b in shades[number + 1:]) > 0.04


def test_the_risk_matrix_is_an_svg_with_alt_text_and_its_table_one_click_away(section):
    matrix = re.search(r'<section class="ek-avsnitt" aria-labelledby="ek-rubrik-riskmatris">.*?</section>',
                       section).group(0)
    assert 'src="data:image/svg+xml;base64,' in matrix
    assert ('alt="Diagram: riskmatris med 3 risker efter sannolikhet och konsekvens (1 mycket hög, 1 hög, '
            '1 medel). Siffrorna finns i tabellen under diagrammet."') in matrix
    table = _text(matrix[matrix.index("<details>"):])
    assert table.startswith("Visa tabellen bakom diagrammet Riskvärdet är sannolikhet gånger konsekvens")
    assert ("Konsekvens Sannolikhet 1 Sannolikhet 2 Sannolikhet 3 Sannolikhet 4 4 medel: 0 hög: 0 "
            "mycket hög: 1 mycket hög: 0 3 låg: 0 medel: 0 hög: 1 mycket hög: 0") in table
    assert ("Våld uppmärksammas inte 3 4 12 mycket hög Socialchef Våldsfråga: Har frågan om våld ställts "
            "och är svaret dokumenterat? 1") in table
    assert "Utredningar drar ut på tiden 3 3 9 hög – Utredning inom 4 månader –" in table


def test_a_workspace_without_plan_actions_or_risks_says_so_and_draws_nothing(model_free_workspace):
    view = _loop_panel.loop_view(model_free_workspace, AS_OF)
    shown = _loop_panel.section_html(view)
    assert view.empty
    assert ("Egenkontrollplan 2025: inga granskningar planerade. Inga åtgärder och inga risker är "
            "registrerade.") in _text(shown)
    assert "<img" not in shown


@pytest.fixture
def model_free_workspace(tmp_path):
    with Workspace.open(tmp_path / "tom") as workspace:
        yield workspace


def test_the_start_view_carries_the_section_and_a_new_action_makes_it_outdated(loop_folder, tmp_path):
    folder = tmp_path / "arbetsyta"
    shutil.copytree(loop_folder, folder, ignore=shutil.ignore_patterns(".cache"))
    with Workspace.open(folder) as workspace:
        start = dashboard.warm(workspace, as_of=AS_OF)
        assert _loop_panel.loop_view(workspace, AS_OF).plan.text in _text(start.loop)
        assert dashboard.cached_start_view(folder, as_of=AS_OF).loop == start.loop  # stored and read back
        app = dashboard.App(start=start, load_model=lambda: pytest.fail("no model needed"), folder=folder)
        assert app.loop.value == start.loop and app.loop in app.widget.children
        risks.add_risk(workspace, title="Ny risk", sannolikhet=4, konsekvens=4)
        assert dashboard.cached_start_view(folder, as_of=AS_OF) is None
