"""Matplotlib figures for the dashboard: built from DataFrames, readable on a projector, Swedish labels.

Every function takes the frames :mod:`egenkontroll.results` returns (or the per-case durations the
dashboard computes) and returns a :class:`matplotlib.figure.Figure` made without pyplot, so no global
figure registry fills up; :func:`to_png` renders a figure to PNG bytes for an image widget.

Conventions
-----------
- Shares are drawn in per cent (0-100) with labels such as ``"87 %"``; decimals use a comma.
- Colours come from the Okabe-Ito palette (safe for colour-blind viewers); the traffic lights are
  green, yellow and vermilion from the same palette.
- A suppressed result (fewer than five cases) is never drawn as a number: no bar, no point,
  a blank heat-map cell, and the text ``"–"`` where a value would stand.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from egenkontroll import formatting

__all__ = [
    "PALETTE",
    "TRAFFIC_LIGHT_COLOURS",
    "SUPPRESSED_TEXT",
    "percent_text",
    "decimal_text",
    "compliance_figure",
    "trend_figure",
    "heatmap_figure",
    "utredningstid_figure",
    "to_png",
]

#: Okabe-Ito colours, in the order groups get them
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
#: the traffic-light colours keyed by ``status`` in :func:`egenkontroll.results.item_results`
TRAFFIC_LIGHT_COLOURS = {"grön": "#009E73", "gul": "#F0E442", "röd": "#D55E00"}
#: shown instead of a value computed from fewer than five cases
SUPPRESSED_TEXT = "–"

#: results from fewer cases than this are never shown as numbers
MIN_CASES = 5

_NEUTRAL = "#7F7F7F"
_GOAL_COLOUR = "#000000"
_WIDTH_INCHES = 12.0
_FONT = {"font.size": 15, "axes.titlesize": 19, "axes.labelsize": 15, "xtick.labelsize": 14,
         "ytick.labelsize": 14, "legend.fontsize": 14}
_LABEL_WIDTH = 34  # characters per line of an item's text
_GROUP_LABEL_WIDTH = 12  # characters per line of a heat-map column's group name
_GROUP_HEIGHT = 0.8  # share of a row's height the bars of one item fill
_HISTOGRAM_BIN_DAYS = 14
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


def _percent_axis(axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.0f} %"))


def _wrapped(text: str) -> str:
    return "\n".join(textwrap.wrap(str(text), _LABEL_WIDTH)) or str(text)


# --------------------------------------------------------------------------- figure plumbing


def _figure(height: float) -> Figure:
    figure = Figure(figsize=(_WIDTH_INCHES, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _colour(number: int) -> str:
    return PALETTE[number % len(PALETTE)]


def _styled(figure: Figure) -> Figure:
    for axes in figure.axes:
        axes.spines[["top", "right"]].set_visible(False)
    return figure


def to_png(figure: Figure, dpi: int = 100) -> bytes:
    """Render *figure* as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
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
        upper, goal, status, suppressed, n). One group: bars coloured by traffic light. Several
        groups (e.g. ``by="kon"``): one bar per group and item, coloured by group, with a legend.
    title
        The figure's title.
    """
    items = _unique(results["item"])
    groups = _unique(results["group"])
    figure = _figure(1.6 + 0.75 * max(len(items), 1) * max(1, 0.6 * len(groups)))
    if results.empty:
        return _empty(figure, title, _NO_DATA)
    with _rc():
        axes = figure.add_subplot()
        height = _GROUP_HEIGHT / len(groups)
        for number, group in enumerate(groups):
            rows = results[results["group"] == group].set_index("item").reindex(items)
            offsets = np.arange(len(items)) - _GROUP_HEIGHT / 2 + height * (number + 0.5)
            colour = None if len(groups) == 1 else _colour(number)
            _bars(axes, rows, offsets, height, colour, str(group))
        _goal_marks(axes, results.drop_duplicates("item").set_index("item").reindex(items)["goal"])
        texts = results.drop_duplicates("item").set_index("item").reindex(items)["item_text"]
        axes.set_yticks(np.arange(len(items)), [_wrapped(text) for text in texts])
        axes.invert_yaxis()
        axes.set_xlim(0, 100)
        _percent_axis(axes.xaxis)
        axes.set_xlabel("Andel ja (staplar), 95 % konfidensintervall (streck), mål (svart markering)")
        axes.set_title(title, loc="left")
        if len(groups) > 1:
            figure.legend(loc="outside lower center", ncols=len(groups) + 1, frameon=False)
    return _styled(figure)


def _bars(axes, rows: pd.DataFrame, offsets: np.ndarray, height: float, colour: str | None,
          label: str) -> None:
    hidden = _hidden(rows)
    estimate, lower, upper = (_shown_percent(rows, column) for column in ("estimate", "lower", "upper"))
    colours = [colour or TRAFFIC_LIGHT_COLOURS.get(status, _NEUTRAL) for status in rows["status"]]
    bars = axes.barh(offsets, np.nan_to_num(estimate), height=height * 0.9, color=colours,
                     edgecolor="#333333", linewidth=0.8, label=label, gid=BAR_GID)
    axes.errorbar(estimate, offsets, xerr=[estimate - lower, upper - estimate], fmt="none",
                  ecolor="#222222", elinewidth=2, capsize=6)
    for bar, shown, share, n in zip(bars, ~hidden, rows["estimate"], rows["n"], strict=True):
        text = f"{percent_text(share)}  (n={int(n)})" if shown else f"{SUPPRESSED_TEXT} (färre än 5)"
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
    """A run chart: the share "ja" per tertial, one line per item, whiskers and the goal line.

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
            rows = trend[trend["item"] == item].assign(period=lambda f: f["period"].astype(str))
            rows = rows.set_index("period").reindex(periods).assign(item_text=rows["item_text"].iloc[0])
            _trend_line(axes, rows, number, len(items))
        if goal is not None:
            axes.axhline(100 * goal, color=_GOAL_COLOUR, linestyle="--", linewidth=2.5, gid=GOAL_GID,
                         label=f"Mål {percent_text(goal)}")
        axes.set_xticks(np.arange(len(periods)), periods)
        axes.set_ylim(0, 105)
        _percent_axis(axes.yaxis)
        axes.set_ylabel("Andel ja")
        axes.set_xlabel("Tertial (T1 jan–apr, T2 maj–aug, T3 sep–dec)")
        axes.set_title(title, loc="left")
        figure.legend(loc="outside lower center", ncols=2, frameon=False)
    return _styled(figure)


def _trend_line(axes, rows: pd.DataFrame, number: int, count: int) -> None:
    estimate, lower, upper = (_shown_percent(rows, column) for column in ("estimate", "lower", "upper"))
    x = np.arange(len(rows)) + 0.08 * (number - (count - 1) / 2)
    label = _wrapped(rows["item_text"].iloc[0])
    axes.errorbar(x, estimate, yerr=[estimate - lower, upper - estimate], color=_colour(number),
                  marker="o", markersize=9, linewidth=2.5, elinewidth=1.5, capsize=5, label=label)


# --------------------------------------------------------------------------- heat map


def heatmap_figure(results: pd.DataFrame, *, title: str = "Andel ja per enhet och fråga") -> Figure:
    """Items (rows) by groups such as enheter (columns), coloured and labelled with the share "ja";
    suppressed cells blank.

    Parameters
    ----------
    results
        Rows of :func:`egenkontroll.results.item_results` with ``by="enhet"``.
    """
    figure = _figure(2.5 + 0.9 * max(results["item"].nunique(), 1))
    if results.empty:
        return _empty(figure, title, _NO_DATA)
    shares = heatmap_values(results).T
    with _rc():
        axes = figure.add_subplot()
        image = axes.imshow(100 * shares.to_numpy(dtype=float), cmap="cividis", vmin=0, vmax=100,
                            aspect="auto")
        for (row, column), value in np.ndenumerate(shares.to_numpy(dtype=float)):
            if not np.isnan(value):
                axes.text(column, row, percent_text(value), ha="center", va="center",
                          color="black" if value > 0.55 else "white")
        texts = results.drop_duplicates("item").set_index("item")["item_text"].reindex(shares.index)
        axes.set_yticks(np.arange(shares.shape[0]), [_wrapped(text) for text in texts])
        groups = ["\n".join(textwrap.wrap(str(group), _GROUP_LABEL_WIDTH)) for group in shares.columns]
        axes.set_xticks(np.arange(shares.shape[1]), groups, fontsize=11)
        axes.xaxis.tick_top()
        axes.tick_params(length=0)
        axes.set_title(title + " (tom ruta: färre än 5 ärenden)", loc="left")
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
        calendar months) and ``group`` (e.g. "Alla", or kön). Groups of fewer than five are not drawn.
    limit_days
        Where the 4-month line is drawn (4 calendar months are 120-123 days).
    """
    figure = _figure(5.5)
    if days.empty:
        return _empty(figure, title, "Inga avslutade utredningar för valet")
    bins = np.arange(0, _HISTOGRAM_MAX_DAYS + _HISTOGRAM_BIN_DAYS + 1, _HISTOGRAM_BIN_DAYS)
    groups = _unique(days["group"])
    with _rc():
        axes = figure.add_subplot()
        for number, group in enumerate(groups):
            rows = days[days["group"] == group]
            values = rows["days"].clip(upper=bins[-1] - 1)
            label = _group_label(group, rows)
            if len(rows) < MIN_CASES:
                axes.plot([], [], " ", label=label)
            elif len(groups) == 1:
                axes.hist(values, bins=bins, color=PALETTE[0], edgecolor="white", label=label)
            else:
                axes.hist(values, bins=bins, histtype="step", linewidth=3, color=_colour(number), label=label)
        axes.axvline(limit_days, color=_GOAL_COLOUR, linestyle="--", linewidth=2.5, gid=LIMIT_GID,
                     label="4 månader")
        axes.set_xlabel(f"Dagar från inledd till avslutad utredning (staplar om {_HISTOGRAM_BIN_DAYS} dagar, "
                        f"sista: {bins[-2]} dagar eller mer)")
        axes.set_ylabel("Antal utredningar")
        axes.set_title(title, loc="left")
        axes.legend(loc="upper right", frameon=False)
    return _styled(figure)


def _group_label(group: object, rows: pd.DataFrame) -> str:
    if len(rows) < MIN_CASES:
        return f"{group}: färre än 5 utredningar"
    median = decimal_text(float(rows["days"].median()), 0)
    over = percent_text(float(rows["over_limit"].mean()))
    return f"{group}: median {median} dagar, {over} avslutade efter 4 månader (förlängning ej medräknad)"


# --------------------------------------------------------------------------- style


def _rc():
    from matplotlib import rc_context

    return rc_context(_FONT)


