"""Matplotlib figures for the dashboard: built from DataFrames, readable on a projector, Swedish labels.

Every function takes the frames :mod:`egenkontroll.results` returns (or the per-case durations the
dashboard computes) and returns a :class:`matplotlib.figure.Figure` made without pyplot, so no global
figure registry fills up; :func:`to_svg` renders a figure as SVG (crisp on a projector and at any
zoom), :func:`to_png` as PNG bytes.

Conventions
-----------
- Shares are drawn in per cent (0-100) with labels such as ``"87 %"``; decimals use a comma.
- One colour language (:data:`TRAFFIC_LIGHT_COLOURS`, :data:`KON_COLOURS`, :data:`FACT_COLOUR`): the
  traffic lights are a real red, amber and green, each readable with black text and distinct in
  greyscale (red darkest, amber lightest); never colour alone: bars carry the word ("Röd") and a
  pattern (:data:`TRAFFIC_LIGHT_HATCHES`). Kön is always "Kvinnor", "Män", "Okänt kön"
  (:data:`egenkontroll._fields.KON_LABELS`, also for the codes K and M) in the same colours. A fact
  question (an item without a goal, e.g. "Framkom det att våld förekommit?") measures no compliance:
  it is drawn in the neutral :data:`FACT_COLOUR`, with no goal and no traffic light. Other groups take
  the Okabe-Ito palette (safe for colour-blind viewers).
- A suppressed result (fewer than five cases) is never drawn as a number: no bar, no point,
  a blank heat-map cell, and the text ``"–"`` where a value would stand.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter

import sampling
from egenkontroll import formatting
from egenkontroll._fields import KON_LABELS
from egenkontroll.periods import spoken_period

__all__ = [
    "PALETTE",
    "TRAFFIC_LIGHT_COLOURS",
    "TRAFFIC_LIGHT_HATCHES",
    "STATUS_WORDS",
    "KON_COLOURS",
    "FACT_COLOUR",
    "SUPPRESSED_TEXT",
    "group_name",
    "is_fact",
    "signal_text",
    "UNITS",
    "control_limits",
    "control_name",
    "outside",
    "outside_text",
    "percent_text",
    "decimal_text",
    "compliance_figure",
    "trend_figure",
    "run_chart_figure",
    "p_chart_figure",
    "heatmap_figure",
    "utredningstid_figure",
    "to_png",
    "to_svg",
]

#: Okabe-Ito colours for groups that have no colour of their own, in the order groups get them (the
#: orange, green and vermilion of the set are left out: they would read as traffic lights)
PALETTE = ("#0072B2", "#56B4E9", "#CC79A7", "#000000", "#999999")
#: the traffic-light colours keyed by ``status`` in :func:`egenkontroll.results.item_results`: real red,
#: amber and green, each with a contrast of at least 4.5:1 to black text, and three steps apart in greyscale
TRAFFIC_LIGHT_COLOURS = {"grön": "#4CAF50", "gul": "#FFC107", "röd": "#E53935"}
#: the pattern of a bar per status, so that a greyscale print or a colour-blind reader tells them apart
TRAFFIC_LIGHT_HATCHES = {"grön": "", "gul": "..", "röd": "//"}
#: the status as a word, shown beside every colour (never colour alone)
STATUS_WORDS = {"grön": "Grön", "gul": "Gul", "röd": "Röd"}
#: kön, in the words of :data:`~egenkontroll._fields.KON_LABELS`: the same colours in every chart
KON_COLOURS = {"Kvinnor": "#CC79A7", "Män": "#0072B2", "Okänt kön": "#999999"}
#: a fact question's colour: it measures no compliance, so it takes no traffic light
FACT_COLOUR = "#B8C4CE"
#: shown instead of a value computed from fewer than five cases
SUPPRESSED_TEXT = "–"

#: results from fewer cases than this are never shown as numbers
MIN_CASES = 5

_NEUTRAL = "#7F7F7F"
_GOAL_COLOUR = "#000000"
_MEDIAN_COLOUR = "#555555"
_SERIES_COLOUR = "#1F3A5F"
_FACT_NOTE = "faktafråga, inget mål"
_WIDTH_INCHES = 12.0
_FONT = {"font.size": 15, "axes.titlesize": 19, "axes.labelsize": 15, "xtick.labelsize": 14,
         "ytick.labelsize": 14, "legend.fontsize": 14}
_LABEL_WIDTH = 34  # characters per line of an item's text
_GROUP_LABEL_WIDTH = 12  # characters per line of a heat-map column's group name
_GROUP_HEIGHT = 0.8  # share of a row's height the bars of one item fill
_HISTOGRAM_BIN_DAYS = 14
_MAX_PERIOD_LABELS = 12  # period names on a run or p-chart's axis, at most
_HISTOGRAM_MAX_DAYS = 364
GOAL_GID = "mal"
LIMIT_GID = "grans"
BAR_GID = "andel"


# --------------------------------------------------------------------------- texts


def percent_text(share: float | None, decimals: int = 0) -> str:
    """A share as :func:`egenkontroll.formatting.share` writes it (``0.875 -> "88 %"``, ``(0.875, 1) ->
    "87,5 %"``, 0.999 -> "99,9 %"); NaN -> ``"–"``."""
    return formatting.share(share, decimals, missing=SUPPRESSED_TEXT)


def decimal_text(value: float, decimals: int = 1) -> str:
    """A number with a decimal comma: ``12.25 -> "12,2"`` (``decimals=1``)."""
    return f"{value:.{decimals}f}".replace(".", ",").replace("-", "−")


def group_name(group: object) -> str:
    """A group as the charts and tables name it: kön codes as words (K -> "Kvinnor"), others as they are."""
    return KON_LABELS.get(str(group), str(group))


def is_fact(goal: object) -> bool:
    """Whether an item with this goal is a fact question (no goal: no compliance, no traffic light)."""
    return goal is None or (isinstance(goal, float) and np.isnan(goal))


def _percent_axis(axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.0f} %"))


def _wrapped(text: str) -> str:
    return "\n".join(textwrap.wrap(str(text), _LABEL_WIDTH)) or str(text)


# --------------------------------------------------------------------------- figure plumbing


def _figure(height: float, layout: str | None = "constrained") -> Figure:
    figure = Figure(figsize=(_WIDTH_INCHES, height), layout=layout)
    FigureCanvasAgg(figure)
    return figure


def _colour(number: int) -> str:
    return PALETTE[number % len(PALETTE)]


def _group_colours(groups: list[object]) -> dict[object, str]:
    """Each group's colour: kön its own (:data:`KON_COLOURS`), any other the next of :data:`PALETTE`."""
    others = iter(range(len(groups)))
    return {group: KON_COLOURS.get(group_name(group)) or _colour(next(others)) for group in groups}


def _styled(figure: Figure) -> Figure:
    for axes in figure.axes:
        axes.spines[["top", "right"]].set_visible(False)
    return figure


def to_png(figure: Figure, dpi: int = 100) -> bytes:
    """Render *figure* as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def to_svg(figure: Figure) -> bytes:
    """Render *figure* as SVG bytes: sharp at any size (a projector, a 2x screen, a printed page).

    Text stays text (``svg.fonttype`` "none", with the sans-serif fonts of matplotlib's list as
    fallbacks): a quarter of the bytes and faster to draw than text turned into paths, and a screen
    reader or a search finds the words; no date or other varying metadata is written, so the same
    figure gives the same bytes.
    """
    from matplotlib import rc_context

    buffer = io.BytesIO()
    # element ids from a fixed salt, not a random one; text as text, not as paths
    with rc_context({"svg.hashsalt": "egenkontroll", "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", facecolor="white", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def _hidden(frame: pd.DataFrame) -> np.ndarray:
    """True where a row must not be shown as a number: suppressed, fewer than five cases, or no estimate.

    A row absent for a group (all NaN) counts as suppressed; without a ``suppressed`` column only the
    number of cases decides.
    """
    flags = frame["suppressed"] if "suppressed" in frame else pd.Series(False, index=frame.index)
    suppressed = flags.astype("boolean").fillna(True).to_numpy(dtype=bool)
    too_few = frame["n"].fillna(0).to_numpy(dtype=float) < MIN_CASES
    return suppressed | too_few | frame["estimate"].isna().to_numpy()


def _shown_percent(frame: pd.DataFrame, column: str) -> np.ndarray:
    """``column`` in per cent, NaN where the row is hidden."""
    return np.where(_hidden(frame), np.nan, 100 * frame[column].to_numpy(dtype=float))


def _unique(values: Iterable[object]) -> list[object]:
    """The distinct values in order of first appearance."""
    return list(dict.fromkeys(values))


def _empty(figure: Figure, title: str, message: str) -> Figure:
    axes = figure.add_subplot()
    axes.set_title(title, loc="left")
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes)
    axes.set_axis_off()
    return figure


_NO_DATA = "Inga granskade ärenden för valet"


# --------------------------------------------------------------------------- compliance per item


def compliance_figure(results: pd.DataFrame, *, title: str = "Andel ja per fråga") -> Figure:
    """Horizontal bars of the share "ja" per item, with interval whiskers and each item's goal.

    Parameters
    ----------
    results
        Rows of :func:`egenkontroll.results.item_results` (item, item_text, group, estimate, lower,
        upper, goal, status, suppressed, n). One group: bars coloured by traffic light, with its word
        and pattern; a fact question (no goal) neutral. Several groups (e.g. ``by="kon"``): one bar
        per group and item, coloured by group (kön by :data:`KON_COLOURS`, named in words), with a
        legend.
    title
        The figure's title.
    """
    items = _unique(results["item"])
    groups = _unique(results["group"])
    figure = _figure(1.6 + 0.85 * max(len(items), 1) * max(1, 0.6 * len(groups)))
    if results.empty:
        return _empty(figure, title, _NO_DATA)
    colours = _group_colours(groups)
    with _rc():
        axes = figure.add_subplot()
        height = _GROUP_HEIGHT / len(groups)
        for number, group in enumerate(groups):
            rows = results[results["group"] == group].set_index("item").reindex(items)
            offsets = np.arange(len(items)) - _GROUP_HEIGHT / 2 + height * (number + 0.5)
            colour = None if len(groups) == 1 else colours[group]
            _bars(axes, rows, offsets, height, colour, group_name(group))
        per_item = results.drop_duplicates("item").set_index("item").reindex(items)
        _goal_marks(axes, per_item["goal"])
        axes.set_yticks(np.arange(len(items)), [_item_label(text, goal) for text, goal
                                                in zip(per_item["item_text"], per_item["goal"], strict=True)])
        axes.invert_yaxis()
        axes.set_xlim(0, 100)
        _percent_axis(axes.xaxis)
        axes.set_xlabel("Andel ja (staplar), 95 % konfidensintervall (streck), mål (svart markering)")
        axes.set_title(title, loc="left")
        if len(groups) > 1:
            figure.legend(loc="outside lower center", ncols=len(groups) + 1, frameon=False)
    return _styled(figure)


def _item_label(text: object, goal: object) -> str:
    """An item's axis label: its text, wrapped, and "(faktafråga, inget mål)" for a fact question."""
    return _wrapped(f"{text} ({_FACT_NOTE})" if is_fact(goal) else text)


def _bars(axes, rows: pd.DataFrame, offsets: np.ndarray, height: float, colour: str | None,
          label: str) -> None:
    """One bar per item: in *colour* (a group's), or by traffic light with its pattern and word."""
    hidden = _hidden(rows)
    estimate, lower, upper = (_shown_percent(rows, column) for column in ("estimate", "lower", "upper"))
    statuses = [status if isinstance(status, str) else None for status in rows["status"]]
    facts = [is_fact(goal) for goal in rows["goal"]]
    colours = [colour or (FACT_COLOUR if fact else TRAFFIC_LIGHT_COLOURS.get(status, _NEUTRAL))
               for status, fact in zip(statuses, facts, strict=True)]
    bars = axes.barh(offsets, np.nan_to_num(estimate), height=height * 0.9, color=colours,
                     edgecolor="#333333", linewidth=0.8, label=label, gid=BAR_GID)
    if colour is None:
        for bar, status in zip(bars, statuses, strict=True):
            bar.set_hatch(TRAFFIC_LIGHT_HATCHES.get(status, ""))
    axes.errorbar(estimate, offsets, xerr=[estimate - lower, upper - estimate], fmt="none",
                  ecolor="#222222", elinewidth=2, capsize=6)
    labelled = zip(bars, ~hidden, rows["estimate"], rows["n"], statuses, strict=True)
    for bar, shown, share, n, status in labelled:
        text = f"{percent_text(share)}  (n={int(n)})" if shown else f"{SUPPRESSED_TEXT} (färre än 5)"
        if shown and colour is None and status in STATUS_WORDS:
            text += f"  {STATUS_WORDS[status]}"
        axes.annotate(text, (1.0, bar.get_y() + bar.get_height() / 2), xycoords=("axes fraction", "data"),
                      xytext=(16, 0), textcoords="offset points", va="center", annotation_clip=False)


def _goal_marks(axes, goals: pd.Series) -> None:
    for position, goal in enumerate(goals.to_numpy(dtype=float)):
        if not np.isnan(goal):
            axes.plot([100 * goal] * 2, [position - 0.48, position + 0.48], color=_GOAL_COLOUR, linewidth=3,
                      gid=GOAL_GID, label="Mål" if position == 0 else None, clip_on=False)


# --------------------------------------------------------------------------- trend per tertial


def trend_figure(trend: pd.DataFrame, *, goal: float | None = None,
                 title: str = "Utveckling per tertial") -> Figure:
    """The share "ja" per tertial, one line per item, whiskers and the goal line.

    A single tertial is drawn in the middle, as every point is; an item without a shown point is not
    in the legend.

    Parameters
    ----------
    trend
        Rows of :func:`egenkontroll.results.trend` (item, item_text, period, n, estimate, lower, upper,
        and ``suppressed`` when given; otherwise a point from fewer than five cases is suppressed).
    goal
        The goal as a share (a horizontal line), or None.
    """
    figure = _figure(6.0)
    if trend.empty:
        return _empty(figure, title, _NO_DATA)
    periods = sorted(trend["period"].astype(str).unique())
    items = _unique(trend["item"])
    with _rc():
        axes = figure.add_subplot()
        for number, item in enumerate(items):
            _trend_line(axes, _series(trend, item, periods), number, len(items))
        if goal is not None:
            axes.axhline(100 * goal, color=_GOAL_COLOUR, linestyle="--", linewidth=2.5, gid=GOAL_GID,
                         label=f"Mål {percent_text(goal)}")
        _period_axis(axes, periods)
        axes.set_ylim(0, 105)
        _percent_axis(axes.yaxis)
        axes.set_ylabel("Andel ja")
        axes.set_xlabel("Tertial")
        axes.set_title(title, loc="left")
        if axes.get_legend_handles_labels()[0]:
            figure.legend(loc="outside lower center", ncols=2, frameon=False)
    return _styled(figure)


def _series(trend: pd.DataFrame, item: object, periods: list[str]) -> pd.DataFrame:
    """*item*'s rows of *trend*, one per period of *periods* (absent ones all NaN), item_text filled in."""
    rows = trend[trend["item"] == item].assign(period=lambda f: f["period"].astype(str))
    return rows.set_index("period").reindex(periods).assign(item_text=rows["item_text"].iloc[0])


def _period_axis(axes, periods: list[str], two_lines: bool = False) -> None:
    """Periods as people say them ("jan–apr 2026", "mar 2026"), each point in the middle of its own slot;
    of more than :data:`_MAX_PERIOD_LABELS` periods every second (third, ...) is named, the latest always."""
    step = -(-len(periods) // _MAX_PERIOD_LABELS)
    names = [spoken_period(period) if (len(periods) - 1 - number) % step == 0 else ""
             for number, period in enumerate(periods)]
    axes.set_xticks(np.arange(len(periods)), [name.replace(" ", "\n", 1) if two_lines else name
                                              for name in names])
    axes.set_xlim(-0.5, len(periods) - 0.5)


def _trend_line(axes, rows: pd.DataFrame, number: int, count: int) -> None:
    estimate, lower, upper = (_shown_percent(rows, column) for column in ("estimate", "lower", "upper"))
    x = np.arange(len(rows)) + 0.08 * (number - (count - 1) / 2)
    label = _wrapped(rows["item_text"].iloc[0]) if np.isfinite(estimate).any() else None
    axes.errorbar(x, estimate, yerr=[estimate - lower, upper - estimate], color=_colour(number),
                  marker="o", markersize=9, linewidth=2.5, elinewidth=1.5, capsize=5, label=label)


# --------------------------------------------------------------------------- run charts

#: the gid of a run chart's data line and of its centre line (the median)
SERIES_GID = "serie"
MEDIAN_GID = "median"
#: the gids of a p-chart's centre line (p-bar), its limits and its points outside the limits
P_BAR_GID = "medelvarde"
LIMITS_GID = "styrgrans"
OUTSIDE_GID = "utanfor"
#: the periods of the charts over time: key -> the period's name in the singular and plural
UNITS = {"tertial": ("tertial", "tertialer"), "manad": ("månad", "månader")}
_OUTSIDE_COLOUR = "#E53935"
_PANEL_TITLE_WIDTH = 52


def signal_text(analysis: sampling.RunsAnalysis, unit: tuple[str, str] = ("tertial", "tertialer")) -> str:
    """What the Anhøj rules say about a series, in Swedish, as a run chart shows it.

    ``"Ovanligt lång serie: 9 tertialer under medianen (gräns 8)"``, ``"Ovanligt få korsningar av
    medianen: 2 (minst 4 väntas)"``, both joined by "; " when both fire, otherwise that no signal
    was found (or that there are too few points to look for one). *unit* is the period's name in the
    singular and plural.
    """
    one, many = unit
    if analysis.n_obs == 0:
        return f"Inga {many} med minst {MIN_CASES} ärenden"
    if analysis.n_obs == 1:
        return f"1 {one}: för få för att se mönster"
    signals = []
    if analysis.long_run:
        side = "över" if analysis.longest_run_side == "above" else "under"
        signals.append(f"Ovanligt lång serie: {analysis.longest_run} {many} {side} medianen "
                       f"(gräns {analysis.longest_run_max})")
    if analysis.few_crossings:
        signals.append(f"Ovanligt få korsningar av medianen: {analysis.n_crossings} "
                       f"(minst {analysis.n_crossings_min} väntas)")
    if signals:
        return "Signal: " + "; ".join(signals)
    return f"Ingen signal: slumpmässig variation ({analysis.n_obs} {many})"


def run_chart_figure(trend: pd.DataFrame, *, title: str = "Seriediagram per fråga",
                     unit: str = "tertial") -> Figure:
    """Run charts as qicharts2 draws them, one panel per item: the share "ja" per period, the median
    as the centre line, the goal, and above each panel what the Anhøj rules say (:func:`signal_text`).

    The rules (:func:`sampling.runs_analysis`) see only the shown points: a tertial from fewer than
    five cases is left out, as qicharts2 leaves out a missing value. The points of an unusually long
    run are ringed. A fact question (no goal) is drawn in the neutral colour, without a goal line.

    Parameters
    ----------
    trend
        Rows of :func:`egenkontroll.results.trend` (item, item_text, period, n, estimate, goal, and
        ``suppressed`` when given).
    unit
        The period, a key of :data:`UNITS`: "tertial" (periods "2026-T1") or "manad" ("2026-03").
    """
    return _panels(trend, title, lambda axes, rows, periods: _run_panel(axes, rows, periods, unit),
                   _run_chart_legend(trend, unit))


def _panels(trend: pd.DataFrame, title: str, panel, legend: list) -> Figure:
    """One panel per item of *trend*, two to a row, drawn by ``panel(axes, rows, periods)``, placed by
    :func:`_place_panels`."""
    items = _unique(trend["item"])
    if trend.empty:
        return _empty(_figure(5.1), title, _NO_DATA)
    columns = 2 if len(items) > 1 else 1
    periods = sorted(trend["period"].astype(str).unique())
    figure = _figure(1.0, layout=None)
    with _rc():
        grid = figure.subplots(-(-len(items) // columns), columns, squeeze=False)
        for axes, item in zip(grid.flat, items, strict=False):
            panel(axes, _series(trend, item, periods), periods)
        for axes in grid.flat[len(items):]:
            axes.set_axis_off()
        height = _place_panels(figure, grid, legend_rows=-(-len(legend) // _LEGEND_COLUMNS))
        figure.suptitle(title, x=0.01, y=1 - _PANELS_TOP_PAD / height, ha="left", va="top",
                        fontsize=_FONT["axes.titlesize"])
        figure.legend(handles=legend, loc="lower center", bbox_to_anchor=(0.5, _PANELS_BOTTOM_PAD / height),
                      ncols=_LEGEND_COLUMNS, frameon=False)
    return _styled(figure)


#: a panel's layout in inches: its plotting area's height, the space left of it (the percent axis) and
#: right of it, below it (two lines of period names and a gap), and a line of its title (13 pt)
_PANEL_HEIGHT, _PANEL_LEFT, _PANEL_RIGHT, _PANEL_BELOW, _PANEL_TITLE_LINE = 2.4, 0.95, 0.3, 0.8, 13 * 1.3 / 72
#: the figure's title and legend: the title's space at the top, a legend row's at the bottom, their distance
#: from the edge, and the legend's entries per row
_PANELS_TOP, _LEGEND_ROW, _PANELS_TOP_PAD, _PANELS_BOTTOM_PAD, _LEGEND_COLUMNS = 0.65, 0.32, 0.12, 0.08, 4


def _place_panels(figure: Figure, grid: np.ndarray, legend_rows: int) -> float:
    """Size *figure* and place the panels of *grid* by fixed measures (:data:`_PANEL_HEIGHT` and the
    others), each row below the longest title of the row before, *legend_rows* rows of legend below
    them all; returns the height in inches.

    Fixed measures, not matplotlib's constrained layout: that measures every text of every panel, which
    was about a third of the time a chart over time took to draw."""
    rows, columns = grid.shape
    titles = [max(_title_lines(axes) for axes in grid[row]) * _PANEL_TITLE_LINE + 0.1 for row in range(rows)]
    bottom_space = _PANELS_BOTTOM_PAD + legend_rows * _LEGEND_ROW
    height = _PANELS_TOP + sum(titles) + rows * (_PANEL_HEIGHT + _PANEL_BELOW) + bottom_space
    figure.set_size_inches(_WIDTH_INCHES, height)
    slot = _WIDTH_INCHES / columns
    top = height - _PANELS_TOP
    for row, title in enumerate(titles):
        bottom = top - title - _PANEL_HEIGHT
        for column, axes in enumerate(grid[row]):
            axes.set_position([(column * slot + _PANEL_LEFT) / _WIDTH_INCHES, bottom / height,
                               (slot - _PANEL_LEFT - _PANEL_RIGHT) / _WIDTH_INCHES, _PANEL_HEIGHT / height])
        top = bottom - _PANEL_BELOW
    return height


def _title_lines(axes) -> int:
    title = axes.get_title(loc="left")
    return title.count("\n") + 1 if title else 0


def _run_panel(axes, rows: pd.DataFrame, periods: list[str], unit: str) -> None:
    shown = _shown_percent(rows, "estimate")
    analysis = sampling.runs_analysis(shown)
    goal = rows["goal"].dropna().iloc[0] if "goal" in rows and rows["goal"].notna().any() else None
    x = np.arange(len(periods))
    colour = _NEUTRAL if goal is None else _SERIES_COLOUR
    axes.plot(x, shown, marker="o", markersize=8, linewidth=2.5, color=colour, gid=SERIES_GID)
    if analysis.n_obs:
        axes.axhline(analysis.centre, color=_MEDIAN_COLOUR, linestyle="--", linewidth=2, gid=MEDIAN_GID)
    if goal is not None:
        axes.axhline(100 * goal, color=_GOAL_COLOUR, linewidth=1.5, gid=GOAL_GID)
    if analysis.long_run:
        run = slice(analysis.longest_run_start, analysis.longest_run_end + 1)
        axes.plot(x[run], shown[run], linestyle="none", marker="o", markersize=16, markerfacecolor="none",
                  markeredgecolor="#000000", markeredgewidth=2)
    _panel_axes(axes, rows, goal, [signal_text(analysis, UNITS[unit])], periods)


def _panel_axes(axes, rows: pd.DataFrame, goal: float | None, said: list[str], periods: list[str]) -> None:
    """A panel's title (the item and what is said about it), its period axis and its percent axis."""
    text = _item_label(rows["item_text"].iloc[0], goal if goal is not None else math.nan)
    lines = [text.replace("\n", " "), *said]
    wrapped = "\n".join("\n".join(textwrap.wrap(line, _PANEL_TITLE_WIDTH)) for line in lines)
    axes.set_title(wrapped, loc="left", fontsize=13)
    _period_axis(axes, periods, two_lines=True)
    axes.tick_params(axis="x", labelsize=11)
    axes.set_ylim(0, 105)
    _percent_axis(axes.yaxis)


def _run_chart_legend(trend: pd.DataFrame, unit: str) -> list:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=_SERIES_COLOUR, marker="o", linewidth=2.5,
                      label=f"Andel ja per {UNITS[unit][0]}"),
               Line2D([], [], color=_MEDIAN_COLOUR, linestyle="--", linewidth=2, label="Median (mittlinje)")]
    handles += _goal_handle(trend)
    handles.append(Line2D([], [], linestyle="none", marker="o", markersize=12, markerfacecolor="none",
                          markeredgecolor="#000000", label="Ovanligt lång serie"))
    return handles


def _goal_handle(trend: pd.DataFrame) -> list:
    from matplotlib.lines import Line2D

    if "goal" in trend and trend["goal"].notna().any():
        return [Line2D([], [], color=_GOAL_COLOUR, linewidth=1.5, label="Mål")]
    return []


# --------------------------------------------------------------------------- p-charts (Laney p')


def control_limits(rows: pd.DataFrame) -> sampling.PLimits | None:
    """The p-chart of one item's periods (rows in time order: k, n, and ``suppressed`` when given):
    Laney's p′ when the periods are overdispersed (sigma_z > 1), else the plain p-chart
    (``sampling.p_limits(k, n, laney="auto")``).

    A period that is suppressed or has fewer than five cases is left out, as a missing point (the
    run charts leave it out too); None when no period is left. The points are the raw shares k / n
    of the reviewed case files, as a p-chart counts them (the run charts show the design-weighted
    share; with one granskning per period and no strata the two are the same).
    """
    hidden = _hidden(rows)
    if hidden.all():
        return None
    k = np.where(hidden, np.nan, rows["k"].to_numpy(dtype=float))
    n = np.where(hidden, np.nan, rows["n"].to_numpy(dtype=float))
    return sampling.p_limits(k, n, laney="auto")


def control_name(limits: sampling.PLimits) -> str:
    """Which chart the limits are, and why, in Swedish: ``"Laneys p′-diagram: σz = 2,9 > 1, perioderna
    varierar mer än urvalet förklarar"`` or ``"p-diagram: σz = 0,4 ≤ 1, ingen överspridning"``."""
    if math.isnan(limits.sigma_z):
        return "p-diagram: för få perioder i följd för att mäta överspridning"
    sigma_z = decimal_text(limits.sigma_z, 2)
    if limits.laney:
        return f"Laneys p′-diagram: σz = {sigma_z} > 1, perioderna varierar mer än urvalet förklarar"
    return f"p-diagram: σz = {sigma_z} ≤ 1, ingen överspridning"


def outside(limits: sampling.PLimits) -> np.ndarray:
    """True for each point strictly outside its limits (False for a missing point)."""
    with np.errstate(invalid="ignore"):
        return (limits.p > limits.upper) | (limits.p < limits.lower)


def outside_text(limits: sampling.PLimits | None, periods: list[str], unit: str = "tertial") -> str:
    """What a p-chart says, in Swedish: ``"Utanför styrgränserna: jan–apr 2026, maj–aug 2026"``, else
    that every point lies within them (or that there are no points). *periods* label the points."""
    one, many = UNITS[unit]
    if limits is None:
        return f"Inga {many} med minst {MIN_CASES} ärenden"
    flagged = [spoken_period(period) for period, out in zip(periods, outside(limits), strict=True) if out]
    if flagged:
        return "Utanför styrgränserna: " + ", ".join(flagged)
    shown = int((~np.isnan(limits.p)).sum())
    return f"Inom styrgränserna: {'1 ' + one if shown == 1 else f'alla {shown} {many}'}"


def p_chart_figure(trend: pd.DataFrame, *, title: str = "Styrdiagram (p′) per fråga",
                   unit: str = "tertial") -> Figure:
    """p-charts, one panel per item: the share "ja" per period (k / n of the reviewed case files), p-bar
    as the centre line, 3-sigma limits that widen where a period has fewer cases (Laney's p′ when the
    periods are overdispersed, :func:`control_limits`), the goal, and above each panel which chart it
    is (:func:`control_name`) and which periods lie outside the limits (:func:`outside_text`). Points
    outside are drawn as large red diamonds, never by colour alone: the text names them.

    Parameters
    ----------
    trend
        Rows of :func:`egenkontroll.results.trend` (item, item_text, period, k, n, goal, and
        ``suppressed`` when given), over tertials or months.
    unit
        The period, a key of :data:`UNITS`.
    """
    return _panels(trend, title, lambda axes, rows, periods: _p_panel(axes, rows, periods, unit),
                   _p_chart_legend(trend, unit))


def _p_panel(axes, rows: pd.DataFrame, periods: list[str], unit: str) -> None:
    limits = control_limits(rows)
    goal = rows["goal"].dropna().iloc[0] if "goal" in rows and rows["goal"].notna().any() else None
    said = [outside_text(limits, periods, unit)]
    if limits is not None:
        x = np.arange(len(periods))
        colour = _NEUTRAL if goal is None else _SERIES_COLOUR
        axes.plot(x, 100 * limits.p, marker="o", markersize=8, linewidth=2.5, color=colour, gid=SERIES_GID)
        axes.axhline(100 * limits.centre[0], color=_MEDIAN_COLOUR, linestyle=":", linewidth=2.5,
                     gid=P_BAR_GID)
        for bound in (limits.lower, limits.upper):  # a step per period, across its whole slot
            axes.step(np.r_[x - 0.5, x[-1] + 0.5], 100 * np.r_[bound, bound[-1]], where="post",
                      color=_MEDIAN_COLOUR, linestyle="--", linewidth=1.8, gid=LIMITS_GID)
        flagged = outside(limits)
        if flagged.any():
            axes.plot(x[flagged], 100 * limits.p[flagged], linestyle="none", marker="D", markersize=14,
                      markerfacecolor=_OUTSIDE_COLOUR, markeredgecolor="#000000", markeredgewidth=1.5,
                      gid=OUTSIDE_GID)
        said.insert(0, control_name(limits))
    if goal is not None:
        axes.axhline(100 * goal, color=_GOAL_COLOUR, linewidth=1.5, gid=GOAL_GID)
    _panel_axes(axes, rows, goal, said, periods)


def _p_chart_legend(trend: pd.DataFrame, unit: str) -> list:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=_SERIES_COLOUR, marker="o", linewidth=2.5,
                      label=f"Andel ja per {UNITS[unit][0]} (ovägd)"),
               Line2D([], [], color=_MEDIAN_COLOUR, linestyle=":", linewidth=2.5,
                      label="Medelvärde (mittlinje)"),
               Line2D([], [], color=_MEDIAN_COLOUR, linestyle="--", linewidth=1.8, label="Styrgränser")]
    handles += _goal_handle(trend)
    handles.append(Line2D([], [], linestyle="none", marker="D", markersize=12,
                          markerfacecolor=_OUTSIDE_COLOUR, markeredgecolor="#000000",
                          label="Utanför styrgränserna"))
    return handles


# --------------------------------------------------------------------------- heat map


def heatmap_figure(results: pd.DataFrame, *, title: str = "Andel ja per enhet och fråga") -> Figure:
    """Items (rows) by groups such as enheter (columns), coloured and labelled with the share "ja";
    suppressed cells blank; a fact question's cells neutral (it measures no compliance).

    Parameters
    ----------
    results
        Rows of :func:`egenkontroll.results.item_results` with ``by="enhet"``.
    """
    figure = _figure(2.5 + 0.9 * max(results["item"].nunique(), 1))
    if results.empty:
        return _empty(figure, title, _NO_DATA)
    shares = heatmap_values(results).T
    per_item = results.drop_duplicates("item").set_index("item").reindex(shares.index)
    facts = np.array([is_fact(goal) for goal in per_item["goal"]])
    values = shares.to_numpy(dtype=float)
    with _rc():
        axes = figure.add_subplot()
        image = axes.imshow(100 * np.where(facts[:, None], np.nan, values), cmap="cividis", vmin=0, vmax=100,
                            aspect="auto")
        for (row, column), value in np.ndenumerate(values):
            if np.isnan(value):
                continue
            if facts[row]:
                axes.add_patch(Rectangle((column - 0.5, row - 0.5), 1, 1, facecolor=FACT_COLOUR, zorder=0.5))
            dark = not facts[row] and value <= 0.55
            axes.text(column, row, percent_text(value), ha="center", va="center",
                      color="white" if dark else "black")
        labels = [_item_label(text, goal) for text, goal in zip(per_item["item_text"], per_item["goal"],
                                                                 strict=True)]
        axes.set_yticks(np.arange(shares.shape[0]), labels)
        groups = ["\n".join(textwrap.wrap(group_name(group), _GROUP_LABEL_WIDTH)) for group in shares.columns]
        axes.set_xticks(np.arange(shares.shape[1]), groups, fontsize=11)
        axes.xaxis.tick_top()
        axes.tick_params(length=0)
        axes.set_title(f"{title}\n(tom ruta: färre än 5 ärenden; grå rad: faktafråga, inget mål)", loc="left")
        colorbar = figure.colorbar(image, ax=axes, fraction=0.04)
        _percent_axis(colorbar.ax.yaxis)
    return figure


def heatmap_values(results: pd.DataFrame) -> pd.DataFrame:
    """The heat map's shares: groups by items, NaN where a cell is suppressed or has no estimate."""
    shown = results.assign(share=results["estimate"].where(~_hidden(results)))
    items = _unique(results["item"])
    groups = _unique(results["group"])
    return shown.pivot_table(index="group", columns="item", values="share", aggfunc="first",
                             dropna=False).reindex(index=groups, columns=items)


# --------------------------------------------------------------------------- utredningstid


def utredningstid_figure(days: pd.DataFrame, *, limit_days: float = 122,
                         title: str = "Utredningstid, avslutade utredningar") -> Figure:
    """Histogram of investigation times in days with the 4-month line; one outline per group.

    Parameters
    ----------
    days
        One row per investigation: ``days``, ``over_limit`` (closed after the 4-month deadline, in
        calendar months) and ``group`` (e.g. "Alla", or kön, named and coloured as everywhere).
        Groups of fewer than five are not drawn.
    limit_days
        Where the 4-month line is drawn (4 calendar months are 120-123 days).
    """
    figure = _figure(5.5)
    if days.empty:
        return _empty(figure, title, "Inga avslutade utredningar för valet")
    bins = np.arange(0, _HISTOGRAM_MAX_DAYS + _HISTOGRAM_BIN_DAYS + 1, _HISTOGRAM_BIN_DAYS)
    groups = _unique(days["group"])
    colours = _group_colours(groups)
    with _rc():
        axes = figure.add_subplot()
        for group in groups:
            rows = days[days["group"] == group]
            values = rows["days"].clip(upper=bins[-1] - 1)
            label = _group_label(group, rows)
            if len(rows) < MIN_CASES:
                axes.plot([], [], " ", label=label)
            elif len(groups) == 1:
                axes.hist(values, bins=bins, color=colours[group], edgecolor="white", label=label)
            else:
                axes.hist(values, bins=bins, histtype="step", linewidth=3, color=colours[group], label=label)
        axes.axvline(limit_days, color=_GOAL_COLOUR, linestyle="--", linewidth=2.5, gid=LIMIT_GID,
                     label="4 månader")
        axes.set_xlabel(f"Dagar från inledd till avslutad utredning (staplar om {_HISTOGRAM_BIN_DAYS} dagar, "
                        f"sista: {bins[-2]} dagar eller mer)")
        axes.set_ylabel("Antal utredningar")
        axes.set_title(title, loc="left")
        figure.legend(*axes.get_legend_handles_labels(), loc="outside lower center", ncols=1, frameon=False)
    return _styled(figure)


def _group_label(group: object, rows: pd.DataFrame) -> str:
    if len(rows) < MIN_CASES:
        return f"{group_name(group)}: färre än 5 utredningar"
    median = decimal_text(float(rows["days"].median()), 0)
    over = percent_text(float(rows["over_limit"].mean()))
    return (f"{group_name(group)}: median {median} dagar, {over} avslutade efter 4 månader "
            "(förlängning ej medräknad)")


# --------------------------------------------------------------------------- style


def _rc():
    from matplotlib import rc_context

    return rc_context(_FONT)


