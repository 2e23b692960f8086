"""Sample sizes for a granskning, explained in one Swedish sentence."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

import sampling
from egenkontroll import formatting

__all__ = ["SizeAdvice", "advise", "percent", "strata_table"]


def percent(rate: float) -> str:
    """A rate as Swedish percent text with at most one decimal (:func:`egenkontroll.formatting.share`):
    0.05 -> "5 %", 0.025 -> "2,5 %", 0.999 -> "99,9 %"."""
    return formatting.share(rate, decimals=1)


@dataclass(frozen=True)
class SizeAdvice:
    """A planned sample size and the sentence that explains it."""

    n: int
    explanation: str
    method: str


def advise(
    *,
    tolerable: float | None = None,
    margin: float | None = None,
    confidence: float = 0.95,
    expected: float = 0,
    population: int | None = None,
) -> SizeAdvice:
    """How many case files to review, from a tolerable deviation rate or from a wanted margin of error.

    Parameters
    ----------
    tolerable
        The highest deviation rate that is acceptable (attribute sampling, :func:`sampling.plan`).
    margin
        The wanted half-width of the interval (precision-based, :func:`sampling.sample_size_for_margin`).
    confidence, expected, population
        As in :mod:`sampling`; with ``population`` the finite population is taken into account.
    """
    if (tolerable is None) == (margin is None):
        raise sampling.SamplingError("Ange antingen en tolerabel avvikelsefrekvens eller en felmarginal.")
    if margin is not None:
        n = sampling.sample_size_for_margin(margin, confidence=confidence, population=population)
        text = (f"Med {n} akter blir felmarginalen högst ±{percent(margin)} med {percent(confidence)} "
                "säkerhet, hur resultatet än faller ut")
        return SizeAdvice(n, text + _population_note(population) + ".", "felmarginal")
    assert tolerable is not None  # exactly one of tolerable and margin is given (checked above)
    likelihood = "hypergeometric" if population is not None else "binomial"
    planned = sampling.plan(tolerable, confidence=confidence, expected=expected, likelihood=likelihood,
                            population=population)
    count = planned.expected_deviations
    found = ("ingen avvikelse hittas" if count == 0
             else f"högst {count} {'avvikelse' if count == 1 else 'avvikelser'} hittas")
    text = (f"Med {planned.n} akter kan du med {percent(confidence)} säkerhet säga att avvikelsefrekvensen "
            f"är under {percent(tolerable)} om {found}")
    return SizeAdvice(planned.n, text + _population_note(population) + ".", f"attributurval ({likelihood})")


def _population_note(population: int | None) -> str:
    return f" (av {population} ärenden)" if population is not None else ""


def strata_table(manifest: dict) -> pd.DataFrame:
    """The draw per stratum from a sampling manifest, with Swedish headings."""
    strata = pd.DataFrame(manifest["strata"])
    table = strata[["stratum", "N", "n", "inclusion_probability"]].rename(columns=_STRATA_HEADINGS)
    return table.set_index("Stratum")


_STRATA_HEADINGS = {"stratum": "Stratum", "N": "Ärenden (N)", "n": "Urval (n)",
                    "inclusion_probability": "Urvalssannolikhet"}
