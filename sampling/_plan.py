"""Sample sizes: attribute sampling plans (AICPA Appendix A) and precision-based sizes.

Convention. :func:`plan` returns the smallest n whose one-sided upper confidence bound for the
deviation rate, with ``ceil(expected * n)`` deviations found, stays below the tolerable rate:

- ``"binomial"``: one-sided Clopper-Pearson, i.e. P(X <= k | n, tolerable) < 1 - confidence.
  This is the convention of the AICPA Audit Sampling Guide, Tables A-1 and A-2 (95 %/5 %/0
  expected -> 59). With no expected deviations n = ceil(ln(1 - confidence) / ln(1 - tolerable)).
- ``"poisson"``: P(X <= k | Poisson(n * tolerable)) < 1 - confidence, the reliability-factor
  convention (n = ceil(3.0 / 0.05) = 60 for the same case): slightly larger, conservative.
- ``"hypergeometric"``: exact for a population of N cases, K = ceil(tolerable * N) deviations.

Expected deviations given as a rate are ``ceil(expected * n)`` in exact decimal arithmetic (the
rate is read as the decimal it prints as, so 0.035 * 400 is 14, not 15). Two published cells of
Table A-2 (tolerable 7 %, expected 3.25 % and 3.5 %) print 112, where the binomial criterion needs
113; this module follows the criterion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
from scipy import stats

from ._checks import check_confidence, check_count, check_rate
from ._evaluate import clopper_pearson_upper, hypergeometric_upper
from .errors import SamplingError

__all__ = ["Plan", "plan", "sample_size_for_margin"]

LIKELIHOODS = ("binomial", "poisson", "hypergeometric")
_LARGEST_N = 10_000_000


@dataclass(frozen=True)
class Plan:
    """A planned attribute sample.

    Attributes
    ----------
    n
        The sample size.
    expected_deviations
        Deviations the plan tolerates in the sample (``ceil(expected * n)`` or the count given).
    upper_bound
        One-sided upper bound for the deviation rate if exactly that many are found.
    """

    n: int
    tolerable: float
    confidence: float
    expected_deviations: int
    likelihood: str
    population: int | None
    upper_bound: float


def plan(
    tolerable: float,
    confidence: float = 0.95,
    expected: float = 0,
    likelihood: str = "binomial",
    population: int | None = None,
) -> Plan:
    """The smallest sample size that supports "the deviation rate is below ``tolerable``".

    Parameters
    ----------
    tolerable
        Tolerable deviation rate in (0, 1).
    confidence
        Confidence level in (0, 1) (1 - risk of overreliance).
    expected
        Expected deviations: a rate if below 1, otherwise a count of deviations.
    likelihood
        ``"binomial"`` (AICPA tables), ``"poisson"`` or ``"hypergeometric"`` (needs
        ``population``); see the module docstring for the conventions.
    population
        Population size N; required for ``"hypergeometric"``, a cap on n otherwise.

    Raises
    ------
    SamplingError
        Tolerable rate not above the expected rate, confidence outside (0, 1), or no n up to
        the population (or 10 000 000) that is large enough.
    """
    tolerable = check_rate(tolerable, "Tolerabel avvikelsefrekvens")
    confidence = check_confidence(confidence)
    expected_rate = _expected_fraction(expected, tolerable)
    if likelihood not in LIKELIHOODS:
        raise SamplingError(f"Okänd fördelning {likelihood!r}; välj en av {', '.join(LIKELIHOODS)}.")
    if population is not None:
        check_count(population, "population", minimum=1)
    elif likelihood == "hypergeometric":
        raise SamplingError("Den hypergeometriska fördelningen kräver populationens storlek.")
    alpha = 1 - confidence
    largest = population if population is not None else _LARGEST_N
    n, k = _smallest_n(tolerable, alpha, expected_rate, expected, likelihood, population, largest)
    return Plan(
        n=n,
        tolerable=tolerable,
        confidence=confidence,
        expected_deviations=k,
        likelihood=likelihood,
        population=population,
        upper_bound=_upper_bound(k, n, alpha, likelihood, population),
    )


def sample_size_for_margin(
    margin: float, confidence: float = 0.95, p: float = 0.5, population: int | None = None
) -> int:
    """Sample size for estimating a proportion within ``±margin`` (normal approximation).

    ``n0 = z**2 p (1 - p) / margin**2``; with a population of N the finite population
    correction ``n = n0 / (1 + (n0 - 1) / N)`` (Cochran) is applied; rounded up.
    Example: margin 0.05, 95 %, p = 0.5, N = 500 -> 218.
    """
    margin = check_rate(margin, "Felmarginalen")
    z = stats.norm.isf((1 - check_confidence(confidence)) / 2)
    if isinstance(p, bool) or not 0 <= p <= 1:
        raise SamplingError(f"Den förväntade andelen p måste ligga mellan 0 och 1 (inte {p}).")
    n0 = z * z * p * (1 - p) / margin**2
    if population is None:
        return max(1, math.ceil(n0))
    check_count(population, "population", minimum=1)
    return max(1, min(population, math.ceil(n0 / (1 + (n0 - 1) / population))))


def _expected_fraction(expected: float, tolerable: float) -> Fraction | None:
    """The expected rate as an exact fraction, or None when ``expected`` is a count."""
    if isinstance(expected, bool) or not isinstance(expected, int | float) or expected < 0:
        raise SamplingError(f"Förväntade avvikelser måste vara 0 eller mer, inte {expected!r}.")
    if expected >= 1:
        if expected != int(expected):
            raise SamplingError(f"Ett förväntat antal avvikelser måste vara ett heltal ({expected}).")
        return None
    if expected >= tolerable:
        raise SamplingError(
            f"Tolerabel avvikelsefrekvens ({tolerable}) måste vara större än den förväntade ({expected})."
        )
    return Fraction(Decimal(repr(float(expected))))


def _smallest_n(
    tolerable: float,
    alpha: float,
    rate: Fraction | None,
    expected: float,
    likelihood: str,
    population: int | None,
    largest: int,
) -> tuple[int, int]:
    """Search n = 1, 2, ... in growing vectorised blocks for the first n that passes."""
    start, block = 1, 1024
    while start <= largest:
        n = np.arange(start, min(start + block, largest + 1), dtype=np.int64)
        k = _deviations(n, rate, expected)
        passes = (k < n) & (_tail(k, n, tolerable, likelihood, population) < alpha)
        if passes.any():
            first = int(np.argmax(passes))
            return int(n[first]), int(k[first])
        start, block = start + block, block * 4
    where = f"populationen ({population})" if population is not None else f"{largest}"
    raise SamplingError(
        f"Ingen stickprovsstorlek upp till {where} räcker för tolerabel avvikelsefrekvens "
        f"{tolerable} med de förväntade avvikelserna; öka den tolerabla frekvensen eller minska "
        "konfidensnivån."
    )


def _deviations(n: np.ndarray, rate: Fraction | None, expected: float) -> np.ndarray:
    if rate is None:
        return np.full(n.shape, int(expected), dtype=np.int64)
    return -((-rate.numerator * n) // rate.denominator)


def _tail(
    k: np.ndarray, n: np.ndarray, tolerable: float, likelihood: str, population: int | None
) -> np.ndarray:
    """P(at most k deviations in n | the deviation rate is exactly tolerable)."""
    if likelihood == "binomial":
        return np.asarray(stats.binom.cdf(k, n, tolerable))
    if likelihood == "poisson":
        return np.asarray(stats.poisson.cdf(k, n * tolerable))
    assert population is not None, "plan() requires a population for the hypergeometric likelihood"
    deviations = math.ceil(Fraction(Decimal(repr(tolerable))) * population)
    return np.asarray(stats.hypergeom.cdf(k, population, deviations, n))


def _upper_bound(k: int, n: int, alpha: float, likelihood: str, population: int | None) -> float:
    if likelihood == "binomial":
        return clopper_pearson_upper(k, n, alpha)
    if likelihood == "poisson":
        return float(stats.gamma.ppf(1 - alpha, k + 1) / n)
    assert population is not None, "plan() requires a population for the hypergeometric likelihood"
    return hypergeometric_upper(k, n, alpha, population)
