"""Intervals for a proportion k/n: Wilson, Clopper-Pearson, Jeffreys, exact hypergeometric."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._checks import check_confidence, check_count
from .errors import SamplingError

__all__ = ["Interval", "evaluate"]

METHODS = ("wilson", "clopper-pearson", "jeffreys", "hypergeometric")
ALTERNATIVES = ("two-sided", "less", "greater")


@dataclass(frozen=True)
class Interval:
    """A point estimate with its confidence interval.

    ``alternative="less"`` gives the one-sided upper bound (``lower`` is 0) and
    ``"greater"`` the one-sided lower bound (``upper`` is 1), as in scipy's ``binomtest``.
    """

    estimate: float
    lower: float
    upper: float
    method: str
    confidence: float
    alternative: str
    k: int
    n: int
    population: int | None = None


def evaluate(
    k: int,
    n: int,
    *,
    confidence: float = 0.95,
    method: str = "wilson",
    population: int | None = None,
    alternative: str = "two-sided",
) -> Interval:
    """Estimate the proportion k/n with a confidence interval.

    Parameters
    ----------
    k, n
        Count of cases with the property (e.g. "ja" answers, or deviations) out of n.
    confidence
        Confidence level in (0, 1).
    method
        ``"wilson"`` (score interval), ``"clopper-pearson"`` (exact binomial) or
        ``"jeffreys"`` (equal-tailed Beta(k+1/2, n-k+1/2); bound 0 at k=0 and 1 at k=n).
    population
        Population size N. When given, the exact hypergeometric (finite population) bounds are
        returned whatever ``method`` says: the upper bound is the largest population count K
        that a test at the level does not reject (P(X <= k | K) > alpha), divided by N, and the
        lower bound the smallest such K (P(X >= k | K) > alpha), divided by N (as jfa and
        samplingbook::Sprop).
    alternative
        ``"two-sided"`` (alpha split over both tails), ``"less"`` (one-sided upper bound) or
        ``"greater"`` (one-sided lower bound).
    """
    check_count(n, "n", minimum=1)
    check_count(k, "k", maximum=n)
    alpha = 1 - check_confidence(confidence)
    if alternative not in ALTERNATIVES:
        raise SamplingError(f"Okänt alternativ {alternative!r}; välj en av {', '.join(ALTERNATIVES)}.")
    if method not in METHODS:
        raise SamplingError(f"Okänd metod {method!r}; välj en av {', '.join(METHODS)}.")
    if population is not None:
        check_count(population, "population", minimum=n)
        method = "hypergeometric"
    elif method == "hypergeometric":
        raise SamplingError("Metoden hypergeometric kräver populationens storlek (population).")
    tail = alpha / 2 if alternative == "two-sided" else alpha
    lower = _LOWER[method](k, n, tail, population) if alternative != "less" else 0.0
    upper = _UPPER[method](k, n, tail, population) if alternative != "greater" else 1.0
    return Interval(k / n, lower, upper, method, confidence, alternative, k, n, population)


def clopper_pearson_upper(k: int, n: int, tail: float, _population: int | None = None) -> float:
    """One-sided Clopper-Pearson upper bound: P(X <= k | n, bound) = tail."""
    return 1.0 if k >= n else float(stats.beta.ppf(1 - tail, k + 1, n - k))


def hypergeometric_upper(k: int, n: int, tail: float, population: int) -> float:
    """Largest K/N with P(X <= k | N, K, n) > tail (K = deviations in the population)."""
    not_rejected = lambda count: stats.hypergeom.cdf(k, population, count, n) > tail  # noqa: E731
    return _last_true(not_rejected, k, population - (n - k)) / population


def _hypergeometric_lower(k: int, n: int, tail: float, population: int) -> float:
    """Smallest K/N with P(X >= k | N, K, n) > tail."""
    rejected = lambda count: stats.hypergeom.sf(k - 1, population, count, n) <= tail  # noqa: E731
    return (_last_true(rejected, -1, population - (n - k)) + 1) / population


def _last_true(predicate: Callable[[int], bool], low: int, high: int) -> int:
    """Largest integer in [low, high] where a decreasing predicate holds (true at low)."""
    while low < high:
        middle = (low + high + 1) // 2
        if predicate(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _clopper_pearson_lower(k: int, n: int, tail: float, _population: int | None = None) -> float:
    return 0.0 if k == 0 else float(stats.beta.ppf(tail, k, n - k + 1))


def _jeffreys_lower(k: int, n: int, tail: float, _population: int | None = None) -> float:
    return 0.0 if k == 0 else float(stats.beta.ppf(tail, k + 0.5, n - k + 0.5))


def _jeffreys_upper(k: int, n: int, tail: float, _population: int | None = None) -> float:
    return 1.0 if k == n else float(stats.beta.ppf(1 - tail, k + 0.5, n - k + 0.5))


def _wilson(k: int, n: int, tail: float, sign: int) -> float:
    """Wilson score bound (sign -1 lower, +1 upper); exactly 0 at k = 0 and 1 at k = n."""
    if (sign < 0 and k == 0) or (sign > 0 and k == n):
        return float(sign > 0)
    z = stats.norm.isf(tail)
    centre = (k + z * z / 2) / (n + z * z)
    half = z * np.sqrt(k * (n - k) / n + z * z / 4) / (n + z * z)
    return float(min(max(centre + sign * half, 0.0), 1.0))


_LOWER = {
    "wilson": lambda k, n, tail, _population: _wilson(k, n, tail, -1),
    "clopper-pearson": _clopper_pearson_lower,
    "jeffreys": _jeffreys_lower,
    "hypergeometric": _hypergeometric_lower,
}
_UPPER = {
    "wilson": lambda k, n, tail, _population: _wilson(k, n, tail, +1),
    "clopper-pearson": clopper_pearson_upper,
    "jeffreys": _jeffreys_upper,
    "hypergeometric": hypergeometric_upper,
}
