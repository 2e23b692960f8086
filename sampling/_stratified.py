"""Stratified estimation of a proportion with an interval that behaves near 0 and 1.

Estimator and variance (stratified simple random sampling, finite population correction):
``p = sum W_h p_h`` with ``W_h = N_h / N`` and
``var = sum W_h**2 (1 - n_h/N_h) p_h (1 - p_h) / (n_h - 1)``.

Special cases (documented choices):

- A stratum sampled in full (n_h = N_h) adds no variance.
- A stratum with n_h = 1 < N_h has no within-stratum variance estimate; it contributes the
  largest variance a proportion can have, ``W_h**2 (1 - 1/N_h) / 4`` (conservative).
- A stratum where every case has (or lacks) the property (p_h = 1 or 0) adds no variance.

Korn-Graubard interval (as R ``survey::svyciprop(method="beta")``): effective sample size
``n_eff = p (1 - p) / var``, times ``(t_{alpha/2, n-1} / t_{alpha/2, df})**2`` with
``df = n - H``; then the Clopper-Pearson interval for ``n_eff * p`` successes in ``n_eff`` trials.
Where survey returns NaN or a zero-width interval, i.e. when ``var == 0`` or ``p`` is 0 or 1,
``n_eff`` is the total sample size n (same t adjustment): the interval then is the exact
binomial one for the pooled sample, and the bound at 0 (or 1) stays exactly 0 (or 1). When
``n - H < 1`` (every stratum has one case), ``df = 1``.

Logit interval: ``expit(logit(p) ± t_{df} se / (p (1 - p)))``; undefined when p is 0 or 1 or
var is 0, where the Korn-Graubard interval is returned (its ``method`` says so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit, logit

from ._checks import check_confidence
from ._korn_graubard import beta_interval, t_ratio
from .errors import SamplingError

__all__ = ["StratifiedEstimate", "evaluate_stratified"]

# per stratum: a sequence in stratum order, or a mapping / Series keyed by stratum label
Counts = Sequence[int] | Mapping | pd.Series

METHODS = ("korn-graubard", "logit")


@dataclass(frozen=True)
class StratifiedEstimate:
    """A stratified proportion estimate.

    Attributes
    ----------
    estimate, se, lower, upper
        sum W_h p_h, its standard error, and the interval bounds.
    df
        Degrees of freedom n - H (at least 1).
    n_effective
        The effective sample size the Korn-Graubard interval used.
    strata
        One row per stratum: ``stratum``, ``N``, ``n``, ``k``, ``weight`` (W_h), ``estimate``
        (p_h), ``variance`` (the stratum's term of var).
    """

    estimate: float
    se: float
    lower: float
    upper: float
    df: int
    n_effective: float
    method: str
    confidence: float
    strata: pd.DataFrame


def evaluate_stratified(
    N: Sequence[int] | Mapping | pd.Series,
    n: Sequence[int] | Mapping | pd.Series,
    k: Sequence[int] | Mapping | pd.Series,
    *,
    confidence: float = 0.95,
    method: str = "korn-graubard",
) -> StratifiedEstimate:
    """Estimate a population proportion from a stratified simple random sample.

    Parameters
    ----------
    N, n, k
        Per stratum: population size, sample size, count with the property. Sequences in the
        same order, or mappings / Series keyed by stratum (then aligned on the keys).
    confidence
        Two-sided confidence level in (0, 1).
    method
        ``"korn-graubard"`` (default) or ``"logit"``; see the module docstring.
    """
    alpha = 1 - check_confidence(confidence)
    if method not in METHODS:
        raise SamplingError(f"Okänd metod {method!r}; välj en av {', '.join(METHODS)}.")
    table = _stratum_table(N, n, k)
    estimate = float((table["weight"] * table["estimate"]).sum())
    variance = float(table["variance"].sum())
    sample_size = int(table["n"].sum())
    df = max(sample_size - len(table), 1)
    n_effective = _effective_size(estimate, variance, sample_size, df, alpha)
    lower, upper, used = _interval(estimate, variance, df, n_effective, alpha, method)
    return StratifiedEstimate(
        estimate, float(np.sqrt(variance)), lower, upper, df, n_effective, used, confidence, table
    )


def _stratum_table(N: Counts, n: Counts, k: Counts) -> pd.DataFrame:
    labels, sizes, samples, hits = _aligned(N, n, k)
    _check_strata(labels, sizes, samples, hits)
    weight = sizes / sizes.sum()
    estimate = hits / samples
    within = np.where(samples > 1, estimate * (1 - estimate) / np.maximum(samples - 1, 1), 0.25)
    return pd.DataFrame(
        {
            "stratum": labels,
            "N": sizes,
            "n": samples,
            "k": hits,
            "weight": weight,
            "estimate": estimate,
            "variance": weight**2 * (1 - samples / sizes) * within,
        }
    )


def _aligned(N: Counts, n: Counts, k: Counts) -> tuple[list, np.ndarray, np.ndarray, np.ndarray]:
    """Labels and the three count arrays, aligned on stratum labels when any input has them."""
    columns = {"N": N, "n": n, "k": k}
    if any(isinstance(v, Mapping | pd.Series) for v in columns.values()):
        frame = pd.DataFrame({c: pd.Series(v) for c, v in columns.items()})
        labels, values = frame.index.tolist(), [frame[c].to_numpy() for c in columns]
    else:
        values = [np.asarray(v) for v in columns.values()]
        if len({len(v) for v in values}) != 1:
            raise SamplingError("N, n och k måste ha ett värde per stratum (lika många).")
        labels = list(range(len(values[0])))
    if not labels or any(pd.isna(v).any() for v in values):
        raise SamplingError("N, n och k måste ha ett värde för varje stratum.")
    sizes, samples, hits = (v.astype(np.int64) for v in values)
    return labels, sizes, samples, hits


def _check_strata(labels: list, sizes: np.ndarray, samples: np.ndarray, hits: np.ndarray) -> None:
    problems = [
        f"stratum {label}: n ({m}) måste vara minst 1 och högst N ({size})"
        for label, size, m in zip(labels, sizes, samples, strict=True)
        if not 1 <= m <= size
    ] + [
        f"stratum {label}: k ({x}) måste ligga mellan 0 och n ({m})"
        for label, m, x in zip(labels, samples, hits, strict=True)
        if not 0 <= x <= m
    ]
    if problems:
        raise SamplingError("Felaktiga strata: " + "; ".join(problems) + ".")


def _effective_size(estimate: float, variance: float, n: int, df: int, alpha: float) -> float:
    informative = variance > 0 and 0 < estimate < 1
    base = estimate * (1 - estimate) / variance if informative else float(n)
    return float(base * t_ratio(alpha, max(n, 2), df) ** 2)


def _interval(
    estimate: float, variance: float, df: int, n_effective: float, alpha: float, method: str
) -> tuple[float, float, str]:
    if method == "logit" and variance > 0 and 0 < estimate < 1:
        half = stats.t.isf(alpha / 2, df) * np.sqrt(variance) / (estimate * (1 - estimate))
        centre = logit(estimate)
        return float(expit(centre - half)), float(expit(centre + half)), "logit"
    return (*beta_interval(estimate, n_effective, alpha), "korn-graubard")
