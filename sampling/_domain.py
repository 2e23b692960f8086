"""A proportion in a domain (subgroup) of a stratified simple random sample, as R survey computes it.

The domain cuts across strata and its size in each stratum is unknown (a follow-up question
asked only where an earlier answer calls for it, an enhet, a period). The estimator is the ratio
(domain mean) estimator, and its variance the linearised (Taylor) one, exactly as R ``survey``'s
``svymean(~y, subset(svydesign(ids = ~1, strata = ~h, fpc = ~N), d == 1))``:

``p = sum_h w_h sum_i d_i y_i / N_d`` with ``w_h = N_h / n_h`` and ``N_d = sum_h w_h sum_i d_i``;
``var = sum_h (1 - f_h) n_h / (n_h - 1) sum_i (x_i - mean_h x)**2`` with ``f_h = n_h / N_h`` and
``x_i = w_h d_i (y_i - p) / N_d`` over **all** sampled cases of stratum h (``x_i = 0`` outside the
domain), i.e. ``N_d**-2 sum_h N_h**2 (1 - f_h) / n_h s_h**2(z)`` with ``z_i = d_i (y_i - p)``.
The randomness of how many cases fall in the domain is part of the variance; no domain size is
rounded or treated as known.

Lonely units
    Only a stratum with **one** sampled case (n_h = 1 < N_h) has no variance estimate; it gets
    survey's ``options(survey.lonely.psu = "adjust")`` rule: its one score is centred at the
    overall mean (zero), contributing ``(1 - f_h) x_i**2``. A stratum with several sampled cases
    but one (or no) case in the domain is ordinary (survey's ``survey.adjust.domain.lonely = FALSE``,
    the default). A stratum sampled in full (f_h = 1, fpc 0) contributes nothing.
Interval
    Korn-Graubard, as ``svyciprop(method = "beta")`` on the subset design: effective size
    ``n_eff = p (1 - p) / var * (t_{alpha/2, n_d - 1} / t_{alpha/2, df})**2`` with ``n_d`` the
    domain's sampled cases and ``df = n_d - H_d`` (H_d the strata holding domain cases), then the
    Clopper-Pearson interval for ``n_eff p`` successes in ``n_eff`` trials.
No interval in survey
    Where survey gives NaN, ``n_eff = n_d`` (a design effect of 1, no t adjustment) and ``method``
    says ``"clopper-pearson"``: when the variance is 0 (every domain answer "ja", or every one
    "nej"), this is the exact Clopper-Pearson interval of the domain's raw counts, so an all-"ja"
    domain is never wider than its exact binomial interval. The variance is also 0 when within each
    stratum every case has the same score (one stratum all "ja" and another all "nej", each wholly
    in the domain): computed from counts per stratum, such a stratum's spread is exactly 0, not a
    rounding residue that gives an interval of zero width. When ``df = n_d - H_d < 1`` (every
    stratum holds one domain case: t of 0 degrees of freedom), it is the Beta interval around the
    weighted share with n_d trials (setting df to 1 instead would print about 0-100 %).
Census
    When every stratum holding domain cases was sampled in full, the domain's share is known, not
    estimated: the interval is the estimate itself (``method`` ``"census"``; R survey gives NaN).

References: Lumley, T. (2010) *Complex Surveys*, ch. 2.3 (domains); Korn, E. L. and Graubard,
B. I. (1998) Confidence intervals for proportions with small expected number of positive counts
estimated from survey data, *Survey Methodology* 24, 193-201. Tested against values produced with
R survey 4.1.1 (``tests/sampling/data/domain_reference.R``).

Both entry points compute from four counts per stratum (N_h, n_h, domain cases, domain "ja"):
:func:`evaluate_domain` counts its cases, :func:`evaluate_domain_counts` takes the counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ._checks import check_confidence
from ._korn_graubard import beta_interval, t_ratio
from .errors import SamplingError

__all__ = ["DomainEstimate", "evaluate_domain", "evaluate_domain_counts"]


@dataclass(frozen=True)
class DomainEstimate:
    """A domain proportion with its linearised standard error and Korn-Graubard interval.

    Attributes
    ----------
    estimate, se, lower, upper
        The ratio estimate, its standard error and the interval bounds.
    k, n
        Raw counts: domain cases with the outcome, and domain cases sampled.
    population
        The estimated domain size ``N_d`` (not rounded).
    df
        Degrees of freedom ``n_d - H_d`` (0 when every stratum holds one domain case).
    n_effective
        The effective sample size of the interval.
    method
        ``"korn-graubard"``, ``"clopper-pearson"`` at the boundary, or ``"census"`` (see the module
        docstring).
    strata
        One row per stratum: ``stratum``, ``N``, ``n``, ``n_domain``, ``k_domain``, ``lonely``
        (one sampled case), ``variance`` (the stratum's term of var).
    per_stratum
        The columns of ``strata`` as arrays.
    """

    estimate: float
    se: float
    lower: float
    upper: float
    k: int
    n: int
    population: float
    df: int
    n_effective: float
    method: str
    confidence: float
    per_stratum: dict[str, np.ndarray] = field(repr=False, compare=False)

    @cached_property
    def strata(self) -> pd.DataFrame:
        """The table per stratum (built when first read: a caller of many estimates seldom reads it)."""
        return pd.DataFrame(self.per_stratum)


def evaluate_domain(
    stratum: Sequence | pd.Series,
    population: Sequence[int] | pd.Series,
    in_domain: Sequence[bool] | pd.Series,
    outcome: Sequence | pd.Series,
    *,
    confidence: float = 0.95,
) -> DomainEstimate:
    """Estimate the share with the outcome in a domain of a stratified simple random sample.

    Parameters
    ----------
    stratum
        Per sampled (responding) case: its stratum label.
    population
        Per case: the population size N_h of its stratum (the same for every case of a stratum).
    in_domain
        Per case: whether it belongs to the domain.
    outcome
        Per case: 1/True when it has the property; only read inside the domain (may be missing
        outside it).
    confidence
        Two-sided confidence level in (0, 1).

    Raises
    ------
    SamplingError
        When the inputs differ in length, a stratum has more cases than its N or two Ns, an
        outcome in the domain is not 0/1, or the domain holds no case.
    """
    labels, codes, sizes, d, y = _cases(stratum, population, in_domain, outcome)
    width = len(labels)
    counts = np.bincount(codes, minlength=width)
    n_domain = np.bincount(codes, weights=d, minlength=width)
    k_domain = np.bincount(codes, weights=d * y, minlength=width)
    return _estimate(labels, sizes, counts.astype(float), n_domain, k_domain, confidence)


def evaluate_domain_counts(
    population: ArrayLike,
    sampled: ArrayLike,
    n_domain: ArrayLike,
    k_domain: ArrayLike,
    *,
    confidence: float = 0.95,
    labels: Sequence | None = None,
) -> DomainEstimate:
    """:func:`evaluate_domain` from counts per stratum instead of one row per case: the same estimate.

    The estimator needs no more than four counts per stratum, so a caller that has counted (say,
    thousands of figures over the same strata) need not spell out every case.

    Parameters
    ----------
    population
        Per stratum: its size N_h.
    sampled
        Per stratum: the sampled (responding) cases n_h, at least 1.
    n_domain
        Per stratum: the sampled cases in the domain.
    k_domain
        Per stratum: the domain cases with the outcome.
    confidence
        Two-sided confidence level in (0, 1).
    labels
        The strata's labels for :attr:`DomainEstimate.strata` (default 0, 1, ...).

    Raises
    ------
    SamplingError
        When the counts differ in length, are not whole numbers with
        ``0 <= k_domain <= n_domain <= sampled <= population`` and ``sampled >= 1``, or the domain
        holds no case.
    """
    columns = [np.asarray(values, dtype=float) for values in (population, sampled, n_domain, k_domain)]
    if any(values.ndim != 1 for values in columns):
        raise SamplingError("population, sampled, n_domain och k_domain ska vara en rad tal per stratum.")
    _check_counts(*columns)
    labels = np.arange(len(columns[0])) if labels is None else np.asarray(labels)
    if len(labels) != len(columns[0]):
        raise SamplingError("labels måste ha ett värde per stratum.")
    return _estimate(labels, *columns, confidence)


def _check_counts(sizes: np.ndarray, counts: np.ndarray, n_domain: np.ndarray, k_domain: np.ndarray) -> None:
    if len({len(values) for values in (sizes, counts, n_domain, k_domain)}) != 1:
        raise SamplingError("population, sampled, n_domain och k_domain måste ha ett värde per stratum.")
    whole = all(np.isfinite(values).all() and np.array_equal(values, np.round(values))
                for values in (sizes, counts, n_domain, k_domain))
    ordered = ((k_domain >= 0) & (k_domain <= n_domain) & (n_domain <= counts) & (counts <= sizes)
               & (counts >= 1)).all()
    if not (whole and ordered):
        raise SamplingError("Antalen per stratum ska vara heltal med 0 <= k_domain <= n_domain <= sampled "
                            "<= population och sampled >= 1.")
    if not (n_domain > 0).any():
        raise SamplingError("Domänen innehåller inga ärenden i urvalet.")


def _estimate(labels: np.ndarray, sizes: np.ndarray, counts: np.ndarray, n_domain: np.ndarray,
              k_domain: np.ndarray, confidence: float) -> DomainEstimate:
    """The estimate from per-stratum N, n, domain cases and domain "ja" (every case of a stratum in one
    of three groups: in the domain with the outcome, in it without, outside it)."""
    alpha = 1 - check_confidence(confidence)
    weights = sizes / counts
    size = float((weights * n_domain).sum())
    estimate = float((weights * k_domain).sum() / size)
    variance_terms = _variance_terms(weights / size, counts, sizes, n_domain, k_domain, estimate)
    variance = float(variance_terms.sum())
    n, k = int(n_domain.sum()), int(k_domain.sum())
    touched = n_domain > 0
    df = n - int(touched.sum())
    if (counts[touched] == sizes[touched]).all():  # census: every stratum with domain cases sampled in full
        n_effective, method, lower, upper = np.inf, "census", estimate, estimate
    else:
        n_effective, method = _effective_size(estimate, variance, n, df, alpha)
        lower, upper = beta_interval(estimate, n_effective, alpha)
    table = {"stratum": labels, "N": sizes.astype(int), "n": counts.astype(int),
             "n_domain": n_domain.astype(int), "k_domain": k_domain.astype(int), "lonely": counts == 1,
             "variance": variance_terms}
    return DomainEstimate(estimate, float(np.sqrt(variance)), lower, upper, k, n, size, df,
                          n_effective, method, confidence, table)


def _variance_terms(scale: np.ndarray, counts: np.ndarray, sizes: np.ndarray, n_domain: np.ndarray,
                    k_domain: np.ndarray, estimate: float) -> np.ndarray:
    """Each stratum's term of the linearised variance, from the scores ``x_i = w_h d_i (y_i - p) / N_d``:
    ``scale * (1 - p)`` for the k_domain cases, ``-scale * p`` for the other domain cases, 0 outside.

    A stratum whose cases all have one score has no spread (exactly 0, not a rounding residue)."""
    groups = np.stack([k_domain, n_domain - k_domain, counts - n_domain])
    scores = np.stack([scale * (1 - estimate), -scale * estimate, np.zeros_like(scale)])
    mean = (groups * scores).sum(axis=0) / counts
    present = groups > 0
    lowest = np.where(present, scores, np.inf).min(axis=0)
    one_score = np.where(present, scores, -np.inf).max(axis=0) == lowest
    spread = np.where(one_score, 0.0, (groups * (scores - mean) ** 2).sum(axis=0))
    shrink = 1 - counts / sizes
    return np.where(counts == 1, shrink * mean**2, shrink * counts / np.maximum(counts - 1, 1) * spread)


def _cases(stratum: ArrayLike, population: ArrayLike, in_domain: ArrayLike,
           outcome: ArrayLike) -> tuple[np.ndarray, ...]:
    """Stratum labels, per-case stratum codes, per-stratum N, and the 0/1 arrays d and y."""
    columns = [np.asarray(values, dtype=object) for values in (stratum, population, in_domain, outcome)]
    if len({len(values) for values in columns}) != 1:
        raise SamplingError("stratum, population, in_domain och outcome måste ha ett värde per ärende.")
    labels, codes = np.unique(columns[0].astype(str), return_inverse=True)
    d = columns[2].astype(bool)
    if not all(value in (0, 1) for value in columns[3][d]):
        raise SamplingError("outcome måste vara 0 eller 1 (sant eller falskt) för varje ärende i domänen.")
    if not d.any():
        raise SamplingError("Domänen innehåller inga ärenden i urvalet.")
    y = np.where(d, columns[3], 0).astype(float)
    return labels, codes, _stratum_sizes(labels, codes, columns[1].astype(float)), d.astype(float), y


def _stratum_sizes(labels: np.ndarray, codes: np.ndarray, population: np.ndarray) -> np.ndarray:
    """N per stratum; refuses a stratum with two Ns or more cases than its N."""
    low = np.full(len(labels), np.inf)
    high = np.full(len(labels), -np.inf)
    np.minimum.at(low, codes, population)
    np.maximum.at(high, codes, population)
    counts = np.bincount(codes, minlength=len(labels))
    problems = [f"stratum {label}: olika N ({a:g} och {b:g})"
                for label, a, b in zip(labels, low, high, strict=True) if a != b]
    problems += [f"stratum {label}: {m} ärenden men N = {a:g}"
                 for label, a, m in zip(labels, low, counts, strict=True) if m > a]
    if problems:
        raise SamplingError("Felaktiga strata: " + "; ".join(problems) + ".")
    return low


def _effective_size(estimate: float, variance: float, n: int, df: int, alpha: float) -> tuple[float, str]:
    if variance <= 0 or not 0 < estimate < 1 or df < 1:
        return float(n), "clopper-pearson"
    ratio = t_ratio(alpha, n, df)
    return float(estimate * (1 - estimate) / variance * ratio**2), "korn-graubard"
