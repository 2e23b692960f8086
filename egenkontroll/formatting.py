"""How a share, an interval and a number are written, everywhere (results, dashboard, charts, Excel,
the kvalitetsberättelse text, planning).

One Swedish style: decimal comma, a space before the per cent sign, an en dash between interval
bounds and the sign once (``"87 %"``, ``"55–99 %"``, ``"2,5 %"``); on a printed page (the Word report)
a no-break space before "%" (:func:`for_print`) and the minus sign for a fall (:func:`points`).

Decisions:

- A share is rounded to whole per cent, half up. It is never shown as 0 % or 100 % unless it is
  exactly 0 or 1: a share that would round to 0 or 100 gets decimals until it does not (0.999 ->
  "99,9 %", 0.005 -> "0,5 %", 0.9999 -> "99,99 %"), always rounded toward the inside.
- Interval bounds are rounded outward (the lower bound down, the upper bound up), so the printed
  interval always contains the computed one; an inexact bound that would print as 0 or 100, or as
  the goal printed beside it, gets decimals as a share does (upper 0.894 beside goal 90 % and status
  Röd prints "89,4 %", not "90 %").
- A missing value (None or NaN) is ``missing`` (default "").
"""

from __future__ import annotations

import math
import re

__all__ = ["MAX_DECIMALS", "share", "interval", "bound", "bound_value", "number", "excel_format", "points",
           "for_print"]

#: the most decimals a share or bound gets to stay off 0 % and 100 %
MAX_DECIMALS = 4
MINUS = "\u2212"
NO_BREAK_SPACE = "\u00a0"


def share(value: float | None, decimals: int = 0, missing: str = "") -> str:
    """*value* (0-1) as per cent text: whole per cent by default, up to *decimals* (trailing zeros
    dropped) when given; never "0 %" or "100 %" unless exact."""
    if value is None or _missing(value):
        return missing
    return f"{_text(_rounded(float(value), decimals, 'nearest'))} %"


def interval(lower: float | None, upper: float | None, missing: str = "", goal: float | None = None) -> str:
    """The interval as ``"55–99 %"``, bounds rounded outward (see the module docstring); a bound
    that is not the *goal* never prints as the goal."""
    if _missing(lower) or _missing(upper):
        return missing
    return f"{bound(lower, 'lower', goal=goal).removesuffix(' %')}–{bound(upper, 'upper', goal=goal)}"


def bound(value: float | None, side: str, missing: str = "", goal: float | None = None) -> str:
    """One interval bound as per cent text, rounded outward: ``side`` "lower" (down) or "upper" (up)."""
    if value is None or _missing(value):
        return missing
    return f"{_text(100 * bound_value(value, side, goal))} %"


def bound_value(value: float, side: str, goal: float | None = None) -> float:
    """The bound (0-1) rounded outward to the precision it is shown with: ``side`` "lower" or "upper";
    with decimals when it would otherwise print as the *goal* it is not."""
    if _missing(value):
        return math.nan
    avoid = () if goal is None or _missing(goal) else (round(100 * float(goal), MAX_DECIMALS + 2),)
    return _rounded(float(value), 0, "down" if side == "lower" else "up", avoid) / 100


def number(value: float, decimals: int = 1) -> str:
    """Swedish number text: integers plain, otherwise *decimals* decimals with a decimal comma."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{decimals}f}".replace(".", ",")


def points(difference: float) -> str:
    """A change of a share (0-1) in percentage points, signed, one decimal at most:
    ``"+12,4 procentenheter"``, the minus sign (U+2212) for a fall, ``"±0 procentenheter"`` for none."""
    value = round(100 * float(difference), 1)
    sign = "+" if value > 0 else (MINUS if value < 0 else "±")
    return f"{sign}{number(abs(value))} procentenheter"


def for_print(text: str) -> str:
    """*text* for a printed page: a no-break space between a figure and "%" or "procentenheter", so that no
    line ends between them."""
    return re.sub(r"(\d) (%|procentenheter)", rf"\1{NO_BREAK_SPACE}\2", text)


def excel_format(shown: str) -> str:
    """The Excel number format that shows a share or bound as *shown* (this module's text) shows it:
    ``0\\ %``, or with as many decimals as *shown* has."""
    decimals = len(shown.removesuffix(" %").partition(",")[2])
    return ("0." + "0" * decimals if decimals else "0") + "\\ %"


def _missing(value: float | None) -> bool:
    return value is None or value != value  # NaN is the one value unequal to itself


def _rounded(value: float, decimals: int, direction: str, avoid: tuple[float, ...] = ()) -> float:
    """*value* in per cent, rounded at *decimals* or more decimals so that an inexact 0 or 1 stays off
    0 and 100 (toward the inside when that is needed), and off the per cent values in *avoid*."""
    percent = 100 * value
    for places in range(decimals, MAX_DECIMALS + 1):
        scale = 10**places
        result = _round(percent * scale, direction) / scale
        clear = result not in avoid or result == round(percent, MAX_DECIMALS + 2)
        if clear and (result < 100 or value >= 1) and (result > 0 or value <= 0):
            return result
        if direction == "nearest":
            direction = "down" if result >= 100 else "up"
    return percent


def _round(scaled: float, direction: str) -> float:
    scaled = round(scaled, 6)  # 0.29 * 100 is 28.999999999999996
    if direction == "down":
        return math.floor(scaled)
    if direction == "up":
        return math.ceil(scaled)
    return math.floor(scaled + 0.5)


def _decimals(percent: float) -> int:
    for places in range(MAX_DECIMALS + 1):
        if round(percent, places) == round(percent, MAX_DECIMALS + 2):
            return places
    return MAX_DECIMALS


def _text(percent: float) -> str:
    places = _decimals(percent)
    return f"{percent:.{places}f}".replace(".", ",")
