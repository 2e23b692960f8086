"""The dashboard's figures, checked on the Figure objects (bars, lines, texts), not on pixels."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import colors
from matplotlib import pyplot as plt

import sampling
from egenkontroll import charts

TEXTS = {
    "vald_fragat": "Ställdes frågan om våld och dokumenterades svaret?",
    "riskbedomning": "Gjordes en strukturerad riskbedömning?",
    "barnens_situation": "Beaktades barnens situation?",
}


def result_rows(groups=("Alla",), counts=((24, 30), (27, 30), (2, 3)), goal=0.9) -> pd.DataFrame:
    """Rows shaped like results.item_results: one per group and item, the last item suppressed (n=3)."""
    rows = []
    for group in groups:
        for (item, text), (k, n), status in zip(TEXTS.items(), counts, ("röd", "gul", "grön"), strict=True):
            rows.append({
                "checklist": "valdsfraga", "item": item, "item_text": text, "critical": True, "dimension": "",
                "group": group, "k": k, "n": n, "estimate": k / n, "lower": k / n - 0.1,
                "upper": min(1.0, k / n + 0.05), "method": "wilson", "goal": goal, "status": status,
                "suppressed": n < 5,
            })
    return pd.DataFrame(rows)


@pytest.fixture(autouse=True)
def _no_leaked_figures():
    yield
    assert plt.get_fignums() == [], "a chart left a pyplot figure open"


def bars(figure) -> list:
    return [patch for patch in figure.axes[0].patches if patch.get_gid() == charts.BAR_GID]


def texts(figure) -> list[str]:
    return [text.get_text() for text in figure.axes[0].texts]


def lines_with_gid(figure, gid: str) -> list:
    return [line for line in figure.axes[0].lines if line.get_gid() == gid]


# --------------------------------------------------------------------------- texts


@pytest.mark.parametrize(("share", "decimals", "expected"), [
    (0.875, 0, "88 %"), (0.875, 1, "87,5 %"), (1.0, 0, "100 %"), (0.0, 0, "0 %"), (float("nan"), 0, "–"),
    (None, 0, "–"),
])
def test_percent_text_is_swedish(share, decimals, expected):
    assert charts.percent_text(share, decimals) == expected


def test_decimal_text_uses_a_comma_and_a_real_minus():
    assert charts.decimal_text(12.25, 2) == "12,25"
    assert charts.decimal_text(-3.5, 1) == "−3,5"


# --------------------------------------------------------------------------- compliance


def test_compliance_bars_are_the_estimates_and_suppressed_items_have_no_bar():
    figure = charts.compliance_figure(result_rows())
    widths = [bar.get_width() for bar in bars(figure)]
    assert widths == pytest.approx([80.0, 90.0, 0.0])
    assert "80 %  (n=30)  Röd" in texts(figure)  # the word beside the colour, never colour alone
    assert "90 %  (n=30)  Gul" in texts(figure)
    assert "– (färre än 5)" in texts(figure)
    assert not any("67 %" in text for text in texts(figure)), "a share from 3 cases must never show"


def test_compliance_bars_take_the_traffic_light_colours_and_patterns():
    figure = charts.compliance_figure(result_rows())
    shown = [colors.to_hex(bar.get_facecolor()) for bar in bars(figure)][:2]
    assert shown == [charts.TRAFFIC_LIGHT_COLOURS["röd"].lower(), charts.TRAFFIC_LIGHT_COLOURS["gul"].lower()]
    assert [bar.get_hatch() for bar in bars(figure)][:2] == ["//", ".."]


def _luminance(colour: str) -> float:
    """WCAG relative luminance."""
    channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in colors.to_rgb(colour)]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def test_traffic_lights_are_red_amber_green_readable_with_black_text_and_apart_in_greyscale():
    red, amber, green = (colors.to_rgb(charts.TRAFFIC_LIGHT_COLOURS[s]) for s in ("röd", "gul", "grön"))
    assert red[0] > 0.8 > red[1] and green[1] > max(green[0], green[2]) and amber[0] > 0.9 > amber[2]
    luminance = {status: _luminance(colour) for status, colour in charts.TRAFFIC_LIGHT_COLOURS.items()}
    assert all((value + 0.05) / 0.05 >= 4.5 for value in luminance.values())  # WCAG AA for black text
    assert luminance["röd"] + 0.1 < luminance["grön"] < luminance["gul"] - 0.1


def test_a_fact_question_is_neutral_with_no_goal_mark_and_no_word():
    rows = result_rows(goal=0.9)
    rows.loc[0, ["goal", "status", "critical"]] = [float("nan"), None, False]
    figure = charts.compliance_figure(rows)
    assert colors.to_hex(bars(figure)[0].get_facecolor()) == charts.FACT_COLOUR.lower()
    assert bars(figure)[0].get_hatch() in (None, "")
    assert "80 %  (n=30)" in texts(figure)
    assert len(lines_with_gid(figure, charts.GOAL_GID)) == 2
    first = figure.axes[0].get_yticklabels()[0].get_text().replace("\n", " ")
    assert first.endswith("(faktafråga, inget mål)")


def test_compliance_whiskers_span_the_interval():
    figure = charts.compliance_figure(result_rows())
    segments = figure.axes[0].collections[0].get_segments()
    first = segments[0]
    assert first[0][0] == pytest.approx(70.0)
    assert first[1][0] == pytest.approx(85.0)


def test_compliance_goal_is_marked_at_each_item():
    figure = charts.compliance_figure(result_rows(goal=0.95))
    goals = lines_with_gid(figure, charts.GOAL_GID)
    assert len(goals) == 3
    assert all(list(line.get_xdata()) == [95.0, 95.0] for line in goals)


def test_compliance_labels_are_the_item_texts():
    figure = charts.compliance_figure(result_rows())
    labels = [label.get_text().replace("\n", " ") for label in figure.axes[0].get_yticklabels()]
    assert labels == list(TEXTS.values())


def test_compliance_by_group_draws_one_bar_per_group_and_a_legend():
    figure = charts.compliance_figure(result_rows(groups=("Norr", "Söder")))
    assert len(bars(figure)) == 6
    assert [text.get_text() for text in figure.legends[0].get_texts()] == ["Mål", "Norr", "Söder"]


def test_kon_has_the_same_words_and_colours_in_every_chart():
    bars_figure = charts.compliance_figure(result_rows(groups=("K", "M")))
    assert [text.get_text() for text in bars_figure.legends[0].get_texts()] == ["Mål", "Kvinnor", "Män"]
    bar_colours = {colors.to_hex(bar.get_facecolor()) for bar in bars(bars_figure)[:3]}
    days = pd.DataFrame({"days": range(10, 130, 10), "over_limit": False, "group": ["Män"] * 6 + ["K"] * 6})
    histogram = charts.utredningstid_figure(days)
    outlines = {patch.get_label(): colors.to_hex(patch.get_edgecolor())
                for patch in histogram.axes[0].patches}
    assert bar_colours == {charts.KON_COLOURS["Kvinnor"].lower()}
    assert {label.split(":")[0]: colour for label, colour in outlines.items()} == {
        "Män": charts.KON_COLOURS["Män"].lower(), "Kvinnor": charts.KON_COLOURS["Kvinnor"].lower()}


def test_compliance_of_nothing_says_so():
    figure = charts.compliance_figure(result_rows().iloc[0:0])
    assert texts(figure) == ["Inga granskade ärenden för valet"]


# --------------------------------------------------------------------------- trend


def trend_rows() -> pd.DataFrame:
    periods = ["2025-T3", "2025-T1", "2025-T2"]  # unordered on purpose
    counts = [(27, 30), (20, 30), (3, 4)]
    return pd.DataFrame([
        {"item": "vald_fragat", "item_text": TEXTS["vald_fragat"], "period": period, "k": k, "n": n,
         "estimate": k / n, "lower": k / n - 0.1, "upper": min(1, k / n + 0.05)}
        for period, (k, n) in zip(periods, counts, strict=True)
    ])


def test_trend_orders_tertials_and_hides_points_from_fewer_than_five():
    figure = charts.trend_figure(trend_rows(), goal=0.9)
    axes = figure.axes[0]
    assert [label.get_text() for label in axes.get_xticklabels()] == ["jan–apr 2025", "maj–aug 2025",
                                                                       "sep–dec 2025"]
    line = next(line for line in axes.lines if len(line.get_ydata()) == 3)
    y = np.asarray(line.get_ydata(), dtype=float)
    assert y[0] == pytest.approx(100 * 20 / 30)
    assert np.isnan(y[1])
    assert y[2] == pytest.approx(90.0)


def test_trend_goal_line_is_at_the_goal():
    figure = charts.trend_figure(trend_rows(), goal=0.85)
    (goal,) = lines_with_gid(figure, charts.GOAL_GID)
    assert list(goal.get_ydata()) == [85.0, 85.0]
    assert "Mål 85 %" in [text.get_text() for text in figure.legends[0].get_texts()]


def test_a_single_tertial_is_drawn_in_the_middle_and_a_series_without_points_is_not_in_the_legend():
    rows = trend_rows().iloc[:1].assign(period="2026-T1")
    hidden = rows.assign(item="riskbedomning", item_text=TEXTS["riskbedomning"], n=3)
    figure = charts.trend_figure(pd.concat([rows, hidden]))
    axes = figure.axes[0]
    assert axes.get_xlim() == (-0.5, 0.5)
    assert [label.get_text() for label in axes.get_xticklabels()] == ["jan–apr 2026"]
    legend = [text.get_text().replace("\n", " ") for text in figure.legends[0].get_texts()]
    assert legend == [TEXTS["vald_fragat"]]


def test_trend_respects_an_explicit_suppressed_flag():
    rows = trend_rows().assign(suppressed=[True, False, False])
    figure = charts.trend_figure(rows)
    line = next(line for line in figure.axes[0].lines if len(line.get_ydata()) == 3)
    assert np.isnan(np.asarray(line.get_ydata(), dtype=float)[2])  # 2025-T3 flagged


# --------------------------------------------------------------------------- run charts


#: 18 tertials: 4 above the median, 9 below (a run longer than the limit, 7), 5 above
LONG_RUN = [0.9, 0.85, 0.95, 0.88, 0.7, 0.72, 0.68, 0.71, 0.69, 0.7, 0.73, 0.66, 0.7,
            0.9, 0.86, 0.93, 0.87, 0.91]


def run_rows(shares, item="vald_fragat", n=30, start_year=2022) -> pd.DataFrame:
    periods = [f"{start_year + number // 3}-T{number % 3 + 1}" for number in range(len(shares))]
    return pd.DataFrame([{"item": item, "item_text": TEXTS[item], "period": period, "n": n,
                          "k": round(share * n), "estimate": share, "goal": 1.0, "suppressed": n < 5}
                         for period, share in zip(periods, shares, strict=True)])


def test_signal_text_says_the_anhoej_rules_in_swedish():
    long_run = sampling.runs_analysis(LONG_RUN)
    assert charts.signal_text(long_run) == (
        "Signal: Ovanligt lång serie: 9 tertialer under medianen (gräns 7); "
        "Ovanligt få korsningar av medianen: 2 (minst 5 väntas)")
    few = sampling.runs_analysis([1, 2, 1, 2, 1, 2, 9, 9, 9, 9, 9, 9, 1, 1, 1, 1, 1, 9, 9, 9, 9, 9, 9, 9],
                                 centre=5)
    assert charts.signal_text(few) == "Signal: Ovanligt få korsningar av medianen: 3 (minst 8 väntas)"
    assert charts.signal_text(sampling.runs_analysis([0.8, 0.9, 0.85])) == (
        "Ingen signal: slumpmässig variation (3 tertialer)")
    assert charts.signal_text(sampling.runs_analysis([0.8])) == "1 tertial: för få för att se mönster"
    assert charts.signal_text(sampling.runs_analysis([float("nan")])) == "Inga tertialer med minst 5 ärenden"


def test_a_run_chart_draws_the_median_and_says_the_signal_on_the_chart():
    shares = LONG_RUN
    figure = charts.run_chart_figure(run_rows(shares))
    axes = figure.axes[0]
    (median,) = [line for line in axes.lines if line.get_gid() == charts.MEDIAN_GID]
    assert median.get_ydata()[0] == pytest.approx(100 * float(np.median(shares)))
    assert "Ovanligt lång serie: 9 tertialer under medianen (gräns 7)" in axes.get_title(loc="left").replace(
        "\n", " ")
    (series,) = [line for line in axes.lines if line.get_gid() == charts.SERIES_GID]
    assert list(series.get_ydata()) == pytest.approx([100 * share for share in shares])


def test_a_run_chart_leaves_out_suppressed_tertials_and_centres_a_single_point():
    rows = run_rows([0.8, 0.6, 0.9]).assign(suppressed=[False, True, False])
    figure = charts.run_chart_figure(rows)
    axes = figure.axes[0]
    (median,) = [line for line in axes.lines if line.get_gid() == charts.MEDIAN_GID]
    assert median.get_ydata()[0] == pytest.approx(85.0)  # the median of 80 and 90: 60 is not shown
    single = charts.run_chart_figure(run_rows([0.8]))
    assert single.axes[0].get_xlim() == (-0.5, 0.5)
    assert "1 tertial: för få för att se mönster" in single.axes[0].get_title(loc="left")


def month_rows(counts, item="vald_fragat", start=(2025, 1)) -> pd.DataFrame:
    """One item's rows per month from (k, n) pairs, shaped like the dashboard's monthly trend."""
    year, month = start
    rows = []
    for number, (k, n) in enumerate(counts):
        label = f"{year + (month - 1 + number) // 12}-{(month - 1 + number) % 12 + 1:02d}"
        rows.append({"item": item, "item_text": TEXTS[item], "period": label, "k": k, "n": n,
                     "estimate": k / n, "goal": 1.0, "suppressed": n < 5})
    return pd.DataFrame(rows)


#: a shift: twelve months near 80 %, then four near 45 % (all points outside the p-chart's limits)
SHIFT = [(40, 50), (42, 52), (38, 48), (41, 50), (44, 55), (39, 49), (40, 50), (43, 53), (41, 51),
         (42, 52), (38, 47), (40, 50), (20, 45), (22, 48), (21, 47), (19, 44)]


def test_a_monthly_run_chart_names_months_and_says_its_signal_in_months():
    figure = charts.run_chart_figure(month_rows(SHIFT), unit="manad")
    axes = figure.axes[0]
    title = axes.get_title(loc="left").replace("\n", " ")
    # the last four months are below the median: a run of 4 is no signal among 16 points (limit 7)
    assert "Ingen signal: slumpmässig variation (16 månader)" in title
    labels = [label.get_text().replace("\n", " ") for label in axes.get_xticklabels()]
    assert labels[-1] == "apr 2026" and "" in labels  # 16 months: every second named, the latest always
    legend = [text.get_text() for text in figure.legends[0].get_texts()]
    assert "Andel ja per månad" in legend


def test_a_p_chart_marks_and_names_the_points_outside_its_limits():
    rows = month_rows(SHIFT)
    limits = charts.control_limits(rows)
    k, n = np.array(SHIFT, dtype=float).T
    expected = sampling.p_limits(k, n, laney="auto")
    np.testing.assert_allclose(limits.upper, expected.upper)
    assert not limits.laney  # sigma_z 0.45: one jump, small moving ranges otherwise
    figure = charts.p_chart_figure(rows, unit="manad")
    axes = figure.axes[0]
    title = axes.get_title(loc="left").replace("\n", " ")
    assert "p-diagram: σz = 0,45 ≤ 1, ingen överspridning" in title
    assert "Utanför styrgränserna: jan 2026, feb 2026, mar 2026, apr 2026" in title
    (flagged,) = [line for line in axes.lines if line.get_gid() == charts.OUTSIDE_GID]
    assert list(flagged.get_xdata()) == [12, 13, 14, 15]
    upper = [line for line in axes.lines if line.get_gid() == charts.LIMITS_GID][1]
    assert list(upper.get_ydata()[:-1]) == pytest.approx(100 * expected.upper)  # a step per month
    (centre,) = [line for line in axes.lines if line.get_gid() == charts.P_BAR_GID]
    assert centre.get_ydata()[0] == pytest.approx(100 * k.sum() / n.sum())


def test_a_p_chart_takes_laneys_p_prime_when_the_periods_are_overdispersed():
    swings = [(100, 1000), (300, 1000), (120, 1000), (280, 1000), (110, 1000), (310, 1000)]
    rows = run_rows([k / n for k, n in swings], n=1000)
    limits = charts.control_limits(rows)
    assert limits.laney and limits.sigma_z > 1
    sigma_z = charts.decimal_text(limits.sigma_z, 2)
    assert charts.control_name(limits) == (f"Laneys p′-diagram: σz = {sigma_z} > 1, perioderna varierar mer "
                                           "än urvalet förklarar")
    assert charts.outside_text(limits, rows["period"].tolist()) == "Inom styrgränserna: alla 6 tertialer"
    plain = sampling.p_limits([k for k, _ in swings], [n for _, n in swings])
    assert charts.outside(plain).sum() == 6  # the plain p-chart would call every tertial a signal


def test_a_p_chart_leaves_out_suppressed_periods_and_says_when_nothing_is_left():
    rows = run_rows([0.8, 0.6, 0.9, 0.85]).assign(suppressed=[False, True, False, False])
    limits = charts.control_limits(rows)
    assert np.isnan(limits.p[1]) and limits.centre[0] == pytest.approx((24 + 27 + 26) / 90)
    hidden = run_rows([0.8, 0.6], n=4)
    assert charts.control_limits(hidden) is None
    assert charts.outside_text(None, hidden["period"].tolist(), "manad") == "Inga månader med minst 5 ärenden"
    figure = charts.p_chart_figure(hidden)
    assert "Inga tertialer med minst 5 ärenden" in figure.axes[0].get_title(loc="left")
    assert charts.outside_text(charts.control_limits(run_rows([0.8])), ["2026-T1"]) == (
        "Inom styrgränserna: 1 tertial")


# --------------------------------------------------------------------------- heat map


def test_heatmap_values_blank_suppressed_cells():
    values = charts.heatmap_values(result_rows(groups=("Norr", "Söder")))
    assert list(values.index) == ["Norr", "Söder"]
    assert list(values.columns) == list(TEXTS)
    assert values.loc["Norr", "vald_fragat"] == pytest.approx(0.8)
    assert values["barnens_situation"].isna().all()


def test_heatmap_blanks_a_group_missing_for_an_item():
    rows = result_rows(groups=("Norr", "Söder"))
    rows = rows[~((rows["group"] == "Söder") & (rows["item"] == "riskbedomning"))]
    values = charts.heatmap_values(rows)
    assert np.isnan(values.loc["Söder", "riskbedomning"])


def test_heatmap_draws_no_number_in_a_suppressed_cell():
    figure = charts.heatmap_figure(result_rows(groups=("Norr", "Söder")))
    image = figure.axes[0].images[0].get_array()
    assert np.isnan(np.asarray(image, dtype=float)[2, :]).all()  # items are rows
    assert sorted(texts(figure)) == ["80 %", "80 %", "90 %", "90 %"]


# --------------------------------------------------------------------------- utredningstid


def test_utredningstid_histogram_counts_and_the_four_month_line():
    days = pd.DataFrame({"days": [10, 20, 100, 130, 200, 500], "group": "Alla",
                         "over_limit": [False, False, False, True, True, True]})
    figure = charts.utredningstid_figure(days, limit_days=122)
    axes = figure.axes[0]
    heights = [patch.get_height() for patch in axes.patches]
    assert sum(heights) == 6
    assert heights[-1] == 1  # 500 days lands in the last bin, "364 dagar eller mer"
    (limit,) = lines_with_gid(figure, charts.LIMIT_GID)
    assert list(limit.get_xdata()) == [122, 122]
    labels = [text.get_text() for text in figure.legends[0].get_texts()]
    assert labels[0] == "Alla: median 115 dagar, 50 % avslutade efter 4 månader (förlängning ej medräknad)"


def test_utredningstid_does_not_draw_a_group_of_fewer_than_five():
    days = pd.DataFrame({"days": [50, 60, 70, 80, 90, 100, 40, 41], "over_limit": False,
                         "group": ["K"] * 6 + ["okänt"] * 2})
    figure = charts.utredningstid_figure(days)
    axes = figure.axes[0]
    assert len(axes.patches) == 1  # one step outline, for K only
    labels = [text.get_text() for text in figure.legends[0].get_texts()]
    assert "Okänt kön: färre än 5 utredningar" in labels


# --------------------------------------------------------------------------- rendering


def test_to_svg_renders_the_same_svg_every_time():
    first = charts.to_svg(charts.compliance_figure(result_rows()))
    assert first.lstrip().startswith(b"<?xml") and b"<svg" in first
    assert charts.to_svg(charts.compliance_figure(result_rows())) == first


def test_to_png_renders_a_png_without_pyplot():
    data = charts.to_png(charts.compliance_figure(result_rows()))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert matplotlib.get_backend() is not None
