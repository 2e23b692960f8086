"""Agreement between raters on a nominal scale: Cohen's kappa, Gwet's AC1, Fleiss' kappa, Conger's kappa
and Krippendorff's alpha, each with standard error, confidence interval, observed and chance agreement.

Two input forms:

- a square contingency table of two raters (rows rater 1, columns rater 2, counts of units):
  :func:`cohen_kappa`, :func:`gwet_ac1`;
- a units x raters array of ratings with NaN (or None) for a missing rating:
  :func:`fleiss_kappa`, :func:`gwet_ac1_raw`, :func:`krippendorff_alpha`; :func:`conger_kappa`
  (no missing rating; its standard error by the jackknife over units).

Intervals (documented choices, reproduced to the printed digits by the tests):

- Cohen's kappa: the large-sample variance of Fleiss, Cohen & Everitt (1969), as statsmodels'
  ``cohens_kappa`` and the SAS FREQ procedure compute it (the same value as irrCAC's
  ``kappa2.table``), with a standard normal quantile, as statsmodels (method
  ``"asymptotic-normal"``).
- Gwet's AC1, Fleiss' kappa and Krippendorff's alpha: Gwet's (2014) linearised variance, as the R
  package irrCAC computes it (``gwet.ac1.table``, ``gwet.ac1.raw``, ``fleiss.kappa.raw``,
  ``krippen.alpha.raw``), with a Student t quantile on n - 1 degrees of freedom, n the number of
  units (method ``"linearised-t"``). For Fleiss' kappa this is not Fleiss' (1971) variance, which
  holds only under the hypothesis of no agreement. For Krippendorff's alpha the estimate is
  Krippendorff's own (coincidence matrix, Krippendorff 2011) and the interval analytic (no
  bootstrap, so nothing random).

Finite population: with ``population=N`` (the double-reviewed units are n of N), the variance is
multiplied by 1 - n/N, as irrCAC's ``N`` argument does. The upper bound is clipped at 1, the
largest value any of these coefficients can take (as irrCAC; statsmodels does not clip). The lower
bound is not clipped: with missing ratings Fleiss' kappa can fall below -1.

A coefficient whose chance agreement is 1 has no value (0/0): kappa and alpha when every rating
falls in one category. Then a :class:`SamplingError` says so. AC1's chance agreement is at most
1/q, so AC1 stays defined (it equals the observed agreement when one category is never used).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._checks import check_confidence, check_count
from .errors import SamplingError

__all__ = [
    "Agreement",
    "cohen_kappa",
    "conger_kappa",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac1_raw",
    "krippendorff_alpha",
]

LEVELS = ("nominal",)

_NAMES = {
    "cohen_kappa": "Cohens kappa",
    "conger_kappa": "Congers kappa",
    "fleiss_kappa": "Fleiss kappa",
    "krippendorff_alpha": "Krippendorffs alfa",
}


@dataclass(frozen=True)
class Agreement:
    """A chance-corrected agreement coefficient with its interval.

    Attributes
    ----------
    estimate
        The coefficient, (pa - pe) / (1 - pe).
    se
        Its standard error (with the finite population correction when ``population`` was given).
    lower, upper
        Two-sided confidence bounds at ``confidence``; the upper bound clipped at 1.
    pa
        Observed agreement. For Krippendorff's alpha the small-sample corrected agreement
        ``(1 - 1/m) pa' + 1/m`` (m pairable ratings) that makes ``estimate = (pa - pe)/(1 - pe)``.
    pe
        Chance agreement.
    coefficient
        ``"cohen_kappa"``, ``"gwet_ac1"``, ``"fleiss_kappa"`` or ``"krippendorff_alpha"``.
    method
        The interval: ``"asymptotic-normal"`` (statsmodels' kappa variance, normal quantile) or
        ``"linearised-t"`` (Gwet's variance as irrCAC, t quantile on ``df`` degrees of freedom).
    confidence
        The confidence level.
    n
        Number of units (subjects) the coefficient is computed from.
    df
        Degrees of freedom of the t quantile (n - 1); ``None`` for the normal quantile.
    population
        The population size N used for the finite population correction, or ``None``.
    """

    estimate: float
    se: float
    lower: float
    upper: float
    pa: float
    pe: float
    coefficient: str
    method: str
    confidence: float
    n: int
    df: int | None = None
    population: int | None = None


# ---------------------------------------------------------------------------------------------
# two raters, contingency table


def cohen_kappa(table: Any, *, confidence: float = 0.95, population: int | None = None) -> Agreement:
    """Cohen's kappa for two raters from a square contingency table.

    Parameters
    ----------
    table
        Square array-like of counts: rows rater 1, columns rater 2, the categories in the same
        order on both axes (include a category neither rater used as a row and column of zeros).
    confidence
        Two-sided confidence level in (0, 1).
    population
        Number of units N the n rated units were drawn from; multiplies the variance by 1 - n/N.

    Returns
    -------
    Agreement
        ``pa = sum p_ii``, ``pe = sum p_i. p_.i``. The standard error is the large-sample one of
        Fleiss, Cohen & Everitt (1969) as statsmodels' ``cohens_kappa`` (and SAS) compute it; the
        interval is kappa -/+ z se (method ``"asymptotic-normal"``).

    Raises
    ------
    SamplingError
        Bad table, or kappa has no value: both raters put every unit in one and the same category
        (pe = 1); use :func:`gwet_ac1` or the observed agreement then.
    """
    alpha = 1 - check_confidence(confidence)
    counts = _table(table)
    n = float(counts.sum())
    fpc = _fpc(n, population)
    p = counts / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    pa = float(np.trace(p))
    pe = float(rows @ cols)
    if _is_one(pe):
        raise SamplingError(
            "Cohens kappa saknar värde: båda bedömarna har lagt alla enheter i samma kategori, så "
            "den slumpmässiga överensstämmelsen är 1 och kappa blir 0/0. Använd Gwets AC1 eller "
            "andelen överensstämmelse."
        )
    kappa = (pa - pe) / (1 - pe)
    off = p * (cols[:, None] + rows[None, :]) ** 2
    np.fill_diagonal(off, 0.0)
    term_a = float(np.sum(np.diag(p) * (1 - (rows + cols) * (1 - kappa)) ** 2))
    term_b = (1 - kappa) ** 2 * float(off.sum())
    term_c = (kappa - pe * (1 - kappa)) ** 2
    variance = fpc * (term_a + term_b - term_c) / ((1 - pe) ** 2 * n)
    se = math.sqrt(max(variance, 0.0))
    half = float(stats.norm.isf(alpha / 2)) * se
    return _result(
        kappa,
        se,
        half,
        pa,
        pe,
        "cohen_kappa",
        "asymptotic-normal",
        confidence,
        int(round(n)),
        None,
        population,
    )


def gwet_ac1(table: Any, *, confidence: float = 0.95, population: int | None = None) -> Agreement:
    """Gwet's AC1 for two raters from a square contingency table.

    Parameters
    ----------
    table
        Square array-like of counts: rows rater 1, columns rater 2. The number of rows is the
        number of categories q, which AC1's chance agreement depends on: include a category
        neither rater used as a row and column of zeros.
    confidence
        Two-sided confidence level in (0, 1).
    population
        Number of units N the n rated units were drawn from; multiplies the variance by 1 - n/N.

    Returns
    -------
    Agreement
        ``pa = sum p_ii``, ``pe = sum pi_k (1 - pi_k) / (q - 1)`` with
        ``pi_k = (p_k. + p_.k) / 2``. Variance and interval as irrCAC's ``gwet.ac1.table``
        (Gwet 2008; 2014): AC1 -/+ t_{n-1} se (method ``"linearised-t"``).

    Raises
    ------
    SamplingError
        Bad table (not square, fewer than two categories or two units, negative counts).
    """
    alpha = 1 - check_confidence(confidence)
    counts = _table(table)
    q = counts.shape[0]
    n = float(counts.sum())
    fpc = _fpc(n, population)
    p = counts / n
    pa = float(np.trace(p))
    pi = (p.sum(axis=1) + p.sum(axis=0)) / 2
    pe = float(np.sum(pi * (1 - pi))) / (q - 1)
    ac1 = (pa - pe) / (1 - pe)
    weight = np.eye(q) - 2 * (1 - ac1) * (1 - (pi[:, None] + pi[None, :]) / 2) / (q - 1)
    sum1 = float(np.sum(p * weight**2))
    variance = fpc * (sum1 - (pa - 2 * (1 - ac1) * pe) ** 2) / (n * (1 - pe) ** 2)
    se = math.sqrt(max(variance, 0.0))
    df = int(round(n)) - 1
    half = float(stats.t.isf(alpha / 2, df)) * se
    return _result(
        ac1, se, half, pa, pe, "gwet_ac1", "linearised-t", confidence, int(round(n)), df, population
    )


# ---------------------------------------------------------------------------------------------
# any number of raters, units x raters with missing ratings


def fleiss_kappa(
    ratings: Any,
    *,
    confidence: float = 0.95,
    population: int | None = None,
    categories: Sequence[Any] | None = None,
) -> Agreement:
    """Fleiss' kappa (Fleiss 1971, generalised to missing ratings) for several raters.

    Parameters
    ----------
    ratings
        Units x raters array-like (numpy array, nested lists, DataFrame) of category labels,
        NaN or None for a missing rating. Units nobody rated are left out.
    confidence
        Two-sided confidence level in (0, 1).
    population
        Number of units N the n rated units were drawn from; multiplies the variance by 1 - n/N.
    categories
        All possible categories (default: those that occur). Fleiss' kappa does not depend on
        unused categories; the argument checks that every rating is one of them.

    Returns
    -------
    Agreement
        ``pa`` the mean over units with two or more ratings of the share of agreeing rater pairs,
        ``pe = sum pi_k**2`` with ``pi_k`` the mean over units of the share of the unit's ratings
        in category k. Without missing ratings this is Fleiss' (1971) kappa (statsmodels'
        ``fleiss_kappa``). Variance and interval as irrCAC's ``fleiss.kappa.raw`` (Gwet 2014):
        kappa -/+ t_{n-1} se (method ``"linearised-t"``), not Fleiss' (1971) variance under
        no agreement.

    Raises
    ------
    SamplingError
        Bad ratings, no unit with two ratings, or kappa has no value (every rating in one
        category, pe = 1).
    """
    alpha = 1 - check_confidence(confidence)
    counts = _counts(ratings, categories)
    n = counts.shape[0]
    fpc = _fpc(n, population)
    pa, pa_unit, rated, pi = _raw_agreement(counts)
    pe = float(np.sum(pi**2))
    _check_defined(pe, "fleiss_kappa")
    kappa = (pa - pe) / (1 - pe)
    pe_unit = (counts @ pi) / counts.sum(axis=1)
    se = _linearised_se(kappa, pa_unit, pe_unit, rated, pe, fpc)
    half = float(stats.t.isf(alpha / 2, n - 1)) * se
    return _result(kappa, se, half, pa, pe, "fleiss_kappa", "linearised-t", confidence, n, n - 1, population)


def conger_kappa(
    ratings: Any,
    *,
    confidence: float = 0.95,
    population: int | None = None,
    categories: Sequence[Any] | None = None,
) -> Agreement:
    """Conger's (1980) kappa: Cohen's kappa generalised to several raters, each with their own
    category shares.

    Parameters
    ----------
    ratings
        Units x raters array-like of category labels; every unit rated by every rater (no
        missing rating).
    confidence
        Two-sided confidence level in (0, 1).
    population
        Number of units N the n rated units were drawn from; multiplies the variance by 1 - n/N.
    categories
        All possible categories (default: those that occur).

    Returns
    -------
    Agreement
        ``pa`` as Fleiss' (the mean share of agreeing rater pairs), ``pe = sum_k (pbar_k**2 -
        s_k**2 / r)`` with ``pbar_k`` the raters' mean share of category k and ``s_k**2`` its
        variance between the r raters (divisor r - 1); for two raters ``pe = sum_k a_k b_k`` and
        the estimate is Cohen's kappa. Standard error by the jackknife over units, interval
        kappa -/+ t_{n-1} se (method ``"jackknife-t"``).

    Raises
    ------
    SamplingError
        Bad or missing ratings, or kappa has no value (pe = 1).
    """
    alpha = 1 - check_confidence(confidence)
    shares = _rater_shares(ratings, categories)
    n = shares.shape[0]
    fpc = _fpc(n, population)
    pa, pe, kappa = _conger(shares)
    leave_one_out = np.array([_conger(np.delete(shares, unit, axis=0))[2] for unit in range(n)])
    se = math.sqrt(fpc * (n - 1) / n * float(np.sum((leave_one_out - leave_one_out.mean()) ** 2)))
    half = float(stats.t.ppf(1 - alpha / 2, n - 1)) * se
    return _result(kappa, se, half, pa, pe, "conger_kappa", "jackknife-t", confidence, n, n - 1, population)


def _rater_shares(ratings: Any, categories: Sequence[Any] | None) -> np.ndarray:
    """Units x raters x categories indicator array (1 where the rater put the unit in the category)."""
    frame = pd.DataFrame(ratings) if not isinstance(ratings, pd.DataFrame) else ratings
    if frame.ndim != 2 or frame.shape[1] < 2 or frame.shape[0] < 2:
        raise SamplingError("Bedömningarna måste vara en tabell med minst två enheter och två bedömare.")
    values = frame.to_numpy(dtype=object)
    if pd.isna(values).any():
        raise SamplingError("Congers kappa kräver att varje bedömare har bedömt varje enhet.")
    labels = _labels(values.ravel(), categories)
    return np.stack([values == label for label in labels], axis=2).astype(float)


def _conger(indicators: np.ndarray) -> tuple[float, float, float]:
    """pa, pe and Conger's kappa of a units x raters x categories indicator array."""
    raters = indicators.shape[1]
    counts = indicators.sum(axis=1)
    pa = float(np.mean(np.sum(counts * (counts - 1), axis=1) / (raters * (raters - 1))))
    shares = indicators.mean(axis=0)  # raters x categories
    pe = float(np.sum(shares.mean(axis=0) ** 2 - shares.var(axis=0, ddof=1) / raters))
    _check_defined(pe, "conger_kappa")
    return pa, pe, (pa - pe) / (1 - pe)


def gwet_ac1_raw(
    ratings: Any,
    *,
    confidence: float = 0.95,
    population: int | None = None,
    categories: Sequence[Any] | None = None,
) -> Agreement:
    """Gwet's AC1 for any number of raters, missing ratings allowed.

    Parameters
    ----------
    ratings
        Units x raters array-like of category labels, NaN or None for a missing rating. Units
        nobody rated are left out.
    confidence
        Two-sided confidence level in (0, 1).
    population
        Number of units N the n rated units were drawn from; multiplies the variance by 1 - n/N.
    categories
        All possible categories (default: those that occur). AC1's chance agreement depends on
        their number q: pass e.g. ``["ja", "nej"]`` when every rating happens to be "ja".

    Returns
    -------
    Agreement
        ``pa`` as :func:`fleiss_kappa`; ``pe = sum pi_k (1 - pi_k) / (q - 1)`` (0 when q = 1, so
        AC1 = pa). Variance and interval as irrCAC's ``gwet.ac1.raw`` (Gwet 2014):
        AC1 -/+ t_{n-1} se (method ``"linearised-t"``).

    Raises
    ------
    SamplingError
        Bad ratings or no unit with two ratings.
    """
    alpha = 1 - check_confidence(confidence)
    counts = _counts(ratings, categories)
    n, q = counts.shape
    fpc = _fpc(n, population)
    pa, pa_unit, rated, pi = _raw_agreement(counts)
    share = 1.0 / (q - 1) if q > 1 else 0.0
    pe = share * float(np.sum(pi * (1 - pi)))
    ac1 = (pa - pe) / (1 - pe)
    pe_unit = share * (counts @ (1 - pi)) / counts.sum(axis=1)
    se = _linearised_se(ac1, pa_unit, pe_unit, rated, pe, fpc)
    half = float(stats.t.isf(alpha / 2, n - 1)) * se
    return _result(ac1, se, half, pa, pe, "gwet_ac1", "linearised-t", confidence, n, n - 1, population)


def krippendorff_alpha(
    ratings: Any,
    level: str = "nominal",
    *,
    confidence: float = 0.95,
    population: int | None = None,
    categories: Sequence[Any] | None = None,
) -> Agreement:
    """Krippendorff's alpha for any number of raters, missing ratings allowed.

    Parameters
    ----------
    ratings
        Units x raters array-like of category labels, NaN or None for a missing rating. Units
        with fewer than two ratings are not pairable and do not enter the estimate.
    level
        Level of measurement; only ``"nominal"`` so far.
    confidence
        Two-sided confidence level in (0, 1).
    population
        Number of units N the n rated units were drawn from; multiplies the variance by 1 - n/N.
    categories
        All possible categories (default: those that occur); alpha does not depend on unused
        ones, the argument checks the ratings.

    Returns
    -------
    Agreement
        ``estimate = 1 - (m - 1) D_o / (m (1 - pe))`` (Krippendorff 2011; m pairable ratings,
        ``D_o`` the observed disagreement from the coincidence matrix, ``pe = sum (n_k / m)**2``).
        ``pa = (1 - 1/m)(1 - D_o) + 1/m`` so that ``estimate = (pa - pe)/(1 - pe)``. Variance as
        irrCAC's ``krippen.alpha.raw`` (Gwet 2014), interval alpha -/+ t_{n-1} se with n the units
        rated at least once (method ``"linearised-t"``; analytic, no bootstrap).

    Raises
    ------
    SamplingError
        Bad ratings or level, no pairable unit, or alpha has no value (every pairable rating in
        one category: no expected disagreement).
    """
    alpha_level = 1 - check_confidence(confidence)
    if level not in LEVELS:
        raise SamplingError(f"Okänd mätnivå {level!r}; välj en av {', '.join(LEVELS)}.")
    counts = _counts(ratings, categories)
    n_rated = counts.shape[0]
    fpc = _fpc(n_rated, population)
    per_unit = counts.sum(axis=1)
    counts = counts[per_unit >= 2]
    per_unit = per_unit[per_unit >= 2]
    if len(counts) < 2:
        raise SamplingError("Krippendorffs alfa kräver minst två enheter som minst två bedömare har bedömt.")
    m = float(per_unit.sum())
    # coincidence matrix o_ck = sum_u r_uc (r_uk - [c = k]) / (r_u - 1)
    scaled = counts / (per_unit - 1)[:, None]
    coincidence = scaled.T @ counts - np.diag(scaled.sum(axis=0))
    observed = float(np.trace(coincidence)) / m  # 1 - D_o
    totals = coincidence.sum(axis=0)
    pe = float(np.sum((totals / m) ** 2))
    _check_defined(pe, "krippendorff_alpha")
    estimate = 1 - (m - 1) * (1 - observed) / (m * (1 - pe))
    pa = (1 - 1 / m) * observed + 1 / m
    se = _krippendorff_se(counts, per_unit, observed, pe, fpc)
    df = n_rated - 1
    half = float(stats.t.isf(alpha_level / 2, df)) * se
    return _result(
        estimate, se, half, pa, pe, "krippendorff_alpha", "linearised-t", confidence, n_rated, df, population
    )


# ---------------------------------------------------------------------------------------------
# helpers


def _table(table: Any) -> np.ndarray:
    try:
        counts = np.asarray(table, dtype=float)
    except (TypeError, ValueError) as error:
        raise SamplingError("Tabellen måste innehålla antal (tal).") from error
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise SamplingError(
            f"Tabellen måste vara kvadratisk (lika många rader som kolumner), inte {counts.shape}."
        )
    if counts.shape[0] < 2:
        raise SamplingError("Tabellen måste ha minst två kategorier.")
    if not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise SamplingError("Tabellens antal måste vara ändliga och icke-negativa.")
    if counts.sum() < 2:
        raise SamplingError("Tabellen måste innehålla minst två enheter.")
    return counts


def _counts(ratings: Any, categories: Sequence[Any] | None) -> np.ndarray:
    """Units x categories matrix: how many raters put each unit in each category (units that
    nobody rated left out)."""
    frame = pd.DataFrame(ratings) if not isinstance(ratings, pd.DataFrame) else ratings
    if frame.ndim != 2 or frame.shape[1] < 2:
        raise SamplingError("Bedömningarna måste vara en tabell med en rad per enhet och minst två bedömare.")
    values = frame.to_numpy(dtype=object)
    missing = pd.isna(values)
    labels = _labels(values[~missing], categories)
    index = {label: k for k, label in enumerate(labels)}
    counts = np.zeros((values.shape[0], len(labels)))
    rows, cols = np.nonzero(~missing)
    for row, col in zip(rows, cols, strict=True):
        counts[row, index[values[row, col]]] += 1
    counts = counts[counts.sum(axis=1) > 0]
    if len(counts) < 2:
        raise SamplingError("Det behövs minst två bedömda enheter.")
    if not np.any(counts.sum(axis=1) >= 2):
        raise SamplingError("Ingen enhet har bedömts av minst två bedömare.")
    return counts


def _labels(observed: np.ndarray, categories: Sequence[Any] | None) -> list[Any]:
    """The categories: *categories* (checked against the *observed* ratings), else those observed."""
    if categories is None:
        labels = list(pd.unique(observed))
        try:
            labels = sorted(labels)
        except TypeError:
            pass
    else:
        labels = list(categories)
        if len(set(labels)) != len(labels):
            raise SamplingError("Kategorierna måste vara olika.")
        unknown = sorted({str(v) for v in observed if v not in set(labels)})
        if unknown:
            raise SamplingError(f"Bedömningar utanför kategorierna: {', '.join(unknown)}.")
    if not labels:
        raise SamplingError("Det finns inga bedömningar.")
    return labels


def _raw_agreement(counts: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Observed agreement pa, per-unit agreement, the mask of units with two or more ratings and
    the category shares pi_k (Gwet 2014, as irrCAC)."""
    per_unit = counts.sum(axis=1)
    rated = per_unit >= 2
    pairs = np.sum(counts * (counts - 1), axis=1)
    pa_unit = np.where(rated, pairs / np.where(rated, per_unit * (per_unit - 1), 1), 0.0)
    pa = float(pa_unit[rated].mean())
    pi = (counts / per_unit[:, None]).mean(axis=0)
    return pa, pa_unit, rated, pi


def _linearised_se(
    estimate: float,
    pa_unit: np.ndarray,
    pe_unit: np.ndarray,
    rated: np.ndarray,
    pe: float,
    fpc: float,
) -> float:
    """Gwet's (2014) linearised standard error of a kappa-like coefficient (irrCAC's *.raw)."""
    n = len(pa_unit)
    unit = (n / rated.sum()) * (pa_unit - pe * rated) / (1 - pe)
    unit = unit - 2 * (1 - estimate) * (pe_unit - pe) / (1 - pe)
    variance = fpc / (n * (n - 1)) * float(np.sum((unit - estimate) ** 2))
    return math.sqrt(max(variance, 0.0))


def _krippendorff_se(
    counts: np.ndarray, per_unit: np.ndarray, observed: float, pe: float, fpc: float
) -> float:
    """Gwet's (2014) standard error of Krippendorff's alpha, as irrCAC's ``krippen.alpha.raw``
    (over the pairable units; ``observed`` is 1 - D_o, irrCAC's pa')."""
    n = len(counts)
    mean = per_unit.mean()
    pi = (counts / mean).mean(axis=0)
    prime = (observed - pe) / (1 - pe)
    pairs = np.sum(counts * (counts - 1), axis=1)
    pa_unit = pairs / (mean * (per_unit - 1)) - observed * (per_unit - mean) / mean
    pe_unit = (counts @ pi) / mean - pe * (per_unit - mean) / mean
    unit = (pa_unit - pe) / (1 - pe) - 2 * (1 - prime) * (pe_unit - pe) / (1 - pe)
    variance = fpc / (n * (n - 1)) * float(np.sum((unit - prime) ** 2))
    return math.sqrt(max(variance, 0.0))


def _fpc(n: float, population: int | None) -> float:
    if population is None:
        return 1.0
    if isinstance(population, bool) or not isinstance(population, numbers.Integral):
        raise SamplingError(f"population måste vara ett heltal, inte {population!r}.")
    check_count(population, "population", minimum=math.ceil(n))
    return 1 - n / population


def _is_one(value: float) -> bool:
    return bool(value >= 1 - 1e-12)


def _check_defined(pe: float, coefficient: str) -> None:
    if _is_one(pe):
        raise SamplingError(
            f"{_NAMES[coefficient]} saknar värde: alla bedömningar ligger i samma kategori, så den "
            "slumpmässiga överensstämmelsen är 1 och koefficienten blir 0/0. Använd Gwets AC1 "
            "eller andelen överensstämmelse."
        )


def _result(
    estimate: float,
    se: float,
    half: float,
    pa: float,
    pe: float,
    coefficient: str,
    method: str,
    confidence: float,
    n: int,
    df: int | None,
    population: int | None,
) -> Agreement:
    lower = float(estimate - half)
    upper = float(min(estimate + half, 1.0))
    return Agreement(
        float(estimate),
        float(se),
        lower,
        upper,
        float(pa),
        float(pe),
        coefficient,
        method,
        float(confidence),
        int(n),
        df,
        population,
    )
