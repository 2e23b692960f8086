"""Run charts and p-charts: the Anhøj rules and p / Laney p' limits, as qicharts2 computes them.

References: J. Anhøj and A. V. Olesen (2014), "Run charts revisited", PLoS ONE 9(11): e113825;
D. B. Laney (2002), "Improved control charts for attributes", Quality Engineering 14(4), 531-537;
qicharts2 (github.com/anhoej/qicharts2), ``runs.analysis`` and ``qic.pp`` in R/helper.functions.R.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from .errors import SamplingError

__all__ = ["PLimits", "RunsAnalysis", "p_limits", "runs_analysis"]

#: d2 for moving ranges of two, and D4 x the average moving range: the upper limit of a moving range.
D2 = 1.128
D4 = 3.267


@dataclass(frozen=True)
class RunsAnalysis:
    """The Anhøj rules applied to one series (as qicharts2's ``summary(qic(...))``).

    Counts are ``None`` where qicharts2 gives ``NA``: when no point is useful.

    Attributes
    ----------
    centre
        The centre line used (the median of the values unless one was given; NaN without values).
    n_obs
        Values that are not missing (NaN).
    n_useful
        Values not missing and not on the centre line: the n of both rules.
    longest_run, longest_run_max
        Length of the longest run of useful points on one side of the centre line, and the largest
        length that is not a signal, ``round(log2(n_useful)) + 3``.
    longest_run_side
        ``"above"`` or ``"below"`` the centre line; when several runs share the longest length, the
        most recent one.
    longest_run_start, longest_run_end
        Positions in ``values`` (0-based, both inclusive) of the first and last point of that run.
    n_crossings, n_crossings_min
        Crossings of the centre line between consecutive useful points, and the smallest number that is
        not a signal, ``qbinom(0.05, n_useful - 1, 0.5)``.
    long_run, few_crossings
        Which rule fired: ``longest_run > longest_run_max`` and ``n_crossings < n_crossings_min``.
    signal
        Either rule fired (non-random variation).
    """

    centre: float
    n_obs: int
    n_useful: int
    longest_run: int | None
    longest_run_max: int | None
    longest_run_side: Literal["above", "below"] | None
    longest_run_start: int | None
    longest_run_end: int | None
    n_crossings: int | None
    n_crossings_min: int | None
    long_run: bool
    few_crossings: bool
    signal: bool


@dataclass(frozen=True, eq=False)
class PLimits:
    """Centre line and 3-sigma limits of a p-chart (or Laney p' chart), one value per point.

    The arrays are read-only. Points with a missing numerator or denominator have NaN limits and a
    NaN proportion; ``centre`` is p-bar at every point.

    Attributes
    ----------
    centre, lower, upper
        p-bar repeated, and the limits ``p-bar -/+ 3 * sigma``, clipped to [0, 1].
    p
        The proportions y / n.
    sigma
        Each point's standard deviation: ``sqrt(p-bar (1 - p-bar) / n)``, times ``sigma_z`` for p'.
    sigma_z
        Laney's between-subgroup factor (1.0 for a plain p-chart asked for with ``laney=False``; with
        ``laney="auto"`` the factor computed, also when it chose the plain p-chart).
    laney
        Whether these are Laney p' limits.
    """

    centre: npt.NDArray[np.float64]
    lower: npt.NDArray[np.float64]
    upper: npt.NDArray[np.float64]
    p: npt.NDArray[np.float64]
    sigma: npt.NDArray[np.float64]
    sigma_z: float
    laney: bool


def runs_analysis(values: Sequence[float] | npt.ArrayLike, centre: float | None = None) -> RunsAnalysis:
    """Apply the Anhøj rules (unusually long runs, unusually few crossings) to a series.

    Exactly as qicharts2's ``runs.analysis``: points on the centre line and missing values (NaN,
    None) are dropped and neither break nor extend a run; a run is a maximal stretch of the remaining
    points on one side of the centre line; both rules are strict.

    Parameters
    ----------
    values
        The series in time order (one value per period).
    centre
        The centre line; ``None`` is the median of the non-missing values.

    Returns
    -------
    RunsAnalysis
        The counts, their limits and which rule fired. Without useful points the counts are
        ``None`` and there is no signal; a single useful point gives no signal either.

    Raises
    ------
    SamplingError
        When a value is not a number or infinite, or ``centre`` is not a finite number.

    Examples
    --------
    >>> result = runs_analysis([12, 9, 13, 8, 11, 7, 12, 9, 8, 6, 7, 5, 8, 6, 7, 9, 6, 11, 13, 12], centre=10)
    >>> result.longest_run, result.longest_run_max, result.longest_run_side, result.signal
    (10, 7, 'below', True)
    >>> result.n_crossings, result.n_crossings_min, result.few_crossings
    (8, 6, False)
    """
    series = _series(values, "values")
    present = ~np.isnan(series)
    if centre is None:
        centre_line = float(np.median(series[present])) if present.any() else math.nan
    else:
        centre_line = _finite(centre, "centre")
    sides = np.sign(series - centre_line)
    useful = np.flatnonzero(present & (sides != 0))
    side = sides[useful]
    n_obs, n_useful = int(present.sum()), int(useful.size)
    if n_useful == 0:
        return RunsAnalysis(centre_line, n_obs, 0, None, None, None, None, None, None, None,
                            False, False, False)
    starts = np.flatnonzero(np.r_[True, side[1:] != side[:-1]])
    lengths = np.diff(np.r_[starts, n_useful])
    last_longest = int(np.flatnonzero(lengths == lengths.max())[-1])
    first = int(starts[last_longest])
    last = first + int(lengths[last_longest]) - 1
    longest_run, longest_run_max = int(lengths.max()), round(math.log2(n_useful)) + 3
    n_crossings, n_crossings_min = int(starts.size) - 1, crossings_min(n_useful)
    long_run, few_crossings = longest_run > longest_run_max, n_crossings < n_crossings_min
    return RunsAnalysis(
        centre=centre_line,
        n_obs=n_obs,
        n_useful=n_useful,
        longest_run=longest_run,
        longest_run_max=longest_run_max,
        longest_run_side="above" if side[first] > 0 else "below",
        longest_run_start=int(useful[first]),
        longest_run_end=int(useful[last]),
        n_crossings=n_crossings,
        n_crossings_min=n_crossings_min,
        long_run=long_run,
        few_crossings=few_crossings,
        signal=long_run or few_crossings,
    )


def crossings_min(n_useful: int) -> int:
    """R's ``qbinom(0.05, n_useful - 1, 0.5)``: the smallest c with P(X <= c) >= 0.05, X ~ Bin(m, 1/2).

    Up to 10 000 useful points in exact integer arithmetic, 20 * sum(comb(m, k) for k <= c) >= 2**m;
    equality never happens (2**m is not a multiple of 5), so R's floating-point fuzz cannot change the
    answer. Longer series use scipy's binomial quantile.
    """
    trials = max(n_useful - 1, 0)
    if trials > 10_000:
        return int(stats.binom.ppf(0.05, trials, 0.5))
    total, term, cumulative = 2**trials, 1, 0
    for crossings in range(trials + 1):
        cumulative += term
        if 20 * cumulative >= total:
            return crossings
        term = term * (trials - crossings) // (crossings + 1)
    return trials  # not reached: the loop ends at cumulative == total


def p_limits(
    y: Sequence[float] | npt.ArrayLike,
    n: Sequence[float] | npt.ArrayLike,
    laney: bool | Literal["auto"] = False,
    *,
    screen_moving_ranges: bool = False,
) -> PLimits:
    """Centre line and 3-sigma limits of a p-chart, or of Laney's p' chart.

    As qicharts2's ``qic.p`` and ``qic.pp``: p-bar = sum(y) / sum(n) over the complete points;
    sigma_i = sqrt(p-bar (1 - p-bar) / n_i); limits p-bar -/+ 3 sigma_i clipped to [0, 1]. For p',
    z_i = (y_i / n_i - p-bar) / sigma_i, sigma_z = (mean |z_i - z_(i-1)|) / 1.128 and the limits use
    sigma_i * sigma_z. Moving ranges next to a missing point are left out (R's ``na.rm``).

    Parameters
    ----------
    y, n
        Numerators and denominators per period, in time order, of equal length. A point where
        either is missing (NaN, None) is missing: NaN proportion and limits, not in p-bar.
    laney
        Laney's p' limits (for large denominators, where between-period variation dominates);
        ``"auto"``: Laney's p' when the data are overdispersed, sigma_z > 1 (the periods vary more
        than the binomial within-period variation explains), else the plain p-chart. qicharts2
        leaves the choice to its user (``chart = "pp"``); with sigma_z <= 1 the p' limits would be
        no wider than the p limits, so the plain chart is kept, and an unknown sigma_z (fewer than
        two adjacent complete points) keeps it too.
    screen_moving_ranges
        Leave out moving ranges of at least 3.267 times their average before averaging again
        (Nelson 1982). qicharts2 does this only with ``options(qic.screenedmr = TRUE)``; its
        default, and ours, is not to.

    Returns
    -------
    PLimits
        ``centre``, ``lower``, ``upper`` (one value per point) and the parts of the computation.
        With p-bar 0 or 1 there is no variation: the limits lie on the centre line (qicharts2 gives
        NaN for p' there). With fewer than two adjacent complete points, sigma_z and the p' limits
        are NaN, as in qicharts2.

    Raises
    ------
    SamplingError
        When *laney* is not True, False or "auto", the lengths differ, a value is not a number or
        infinite, a denominator is not positive, a numerator is negative or above its denominator,
        or no point is complete.

    Examples
    --------
    >>> limits = p_limits([12, 15, 9], [100, 120, 90])
    >>> round(float(limits.centre[0]), 6), round(float(limits.upper[0]), 6)
    (0.116129, 0.212243)
    """
    if laney not in (True, False, "auto"):
        raise SamplingError(f'laney måste vara True, False eller "auto", inte {laney!r}.')
    counts, sizes = _series(y, "y"), _series(n, "n")
    if counts.shape != sizes.shape:
        raise SamplingError(f"y och n måste vara lika långa (nu {counts.size} och {sizes.size}).")
    complete = ~(np.isnan(counts) | np.isnan(sizes))
    if not complete.any():
        raise SamplingError("Det behövs minst en period med både täljare (y) och nämnare (n).")
    if (sizes[complete] <= 0).any():
        raise SamplingError("Nämnaren n måste vara större än 0 i varje period.")
    if (counts[complete] < 0).any() or (counts[complete] > sizes[complete]).any():
        raise SamplingError("Täljaren y måste ligga mellan 0 och nämnaren n i varje period.")
    counts, sizes = np.where(complete, counts, np.nan), np.where(complete, sizes, np.nan)
    p_bar = float(counts[complete].sum() / sizes[complete].sum())
    proportions = counts / sizes
    sigma = np.sqrt(p_bar * (1 - p_bar) / sizes)
    sigma_z = 1.0
    if laney:
        sigma_z = _sigma_z(proportions, p_bar, sigma, screen_moving_ranges)
        if laney == "auto":
            laney = bool(sigma_z > 1)  # NaN > 1 is False
        if laney:
            sigma = sigma * sigma_z
    centre = np.full(counts.shape, p_bar)
    lower = np.where(np.isnan(sigma), np.nan, np.maximum(centre - 3 * sigma, 0.0))
    upper = np.where(np.isnan(sigma), np.nan, np.minimum(centre + 3 * sigma, 1.0))
    for array in (centre, lower, upper, proportions, sigma):
        array.setflags(write=False)
    return PLimits(centre, lower, upper, proportions, sigma, sigma_z=sigma_z, laney=bool(laney))


def _sigma_z(
    proportions: npt.NDArray[np.float64], p_bar: float, sigma: npt.NDArray[np.float64], screen: bool
) -> float:
    """Laney's sigma_z: the average moving range of the z-scores over d2 = 1.128."""
    if p_bar in (0.0, 1.0):
        return 0.0  # every proportion equals p-bar: no variation within or between periods
    ranges = np.abs(np.diff((proportions - p_bar) / sigma))
    ranges = ranges[~np.isnan(ranges)]
    if ranges.size == 0:
        return math.nan
    average = float(ranges.mean())
    if screen and average > 0:
        average = float(ranges[ranges < D4 * average].mean())
    return average / D2


def _series(values: Sequence[float] | npt.ArrayLike, name: str) -> npt.NDArray[np.float64]:
    """A one-dimensional float array; None becomes NaN (missing), infinities are refused."""
    if isinstance(values, str | bytes):
        raise SamplingError(f"{name} måste vara en följd av tal, inte en text.")
    try:
        if hasattr(values, "to_numpy"):  # pandas, also with nullable dtypes (pd.NA is missing)
            array = np.array(values.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
        else:
            array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise SamplingError(f"{name} måste vara en följd av tal (saknade värden som NaN).") from None
    if array.ndim != 1:
        raise SamplingError(f"{name} måste vara en endimensionell följd av tal.")
    if np.isinf(array).any():
        raise SamplingError(f"{name} får inte innehålla oändliga värden.")
    return array


def _finite(value: object, name: str) -> float:
    """A finite real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise SamplingError(f"{name} måste vara ett ändligt tal, inte {value!r}.")
    return float(value)
