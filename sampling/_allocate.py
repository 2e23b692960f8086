"""Allocation of a total sample size to strata, exact and reproducible.

Every stratum gets ``clip(lambda * a_h, L_h, N_h)`` with one common ``lambda`` chosen so that
the shares add up to ``n`` (``a_h`` = ``N_h`` proportional, 1 equal, ``N_h * S_h`` Neyman;
``L_h = min(minimum, N_h)``). The shares are then rounded by the largest-remainder method
(ties to the stratum whose label sorts first). Arithmetic is in exact fractions, so the
sizes never depend on floating-point rounding and always add up to ``n`` and never exceed N_h.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

from .errors import SamplingError

ALLOCATIONS = ("proportional", "equal", "neyman")
NEYMAN_KINDS = ("rate", "sd")


def allocate(
    labels: Sequence[str],
    sizes: Sequence[int],
    n: int,
    *,
    allocation: str = "proportional",
    minimum: int = 0,
    neyman: Mapping[str, float] | None = None,
    neyman_kind: str = "rate",
) -> list[int]:
    """Sample size per stratum, in the order of ``labels``.

    Parameters
    ----------
    labels, sizes
        Stratum labels and their population sizes N_h.
    n
        Total sample size.
    allocation
        ``"proportional"``, ``"equal"`` or ``"neyman"``.
    minimum
        At least this many per stratum (or the whole stratum when it is smaller).
    neyman, neyman_kind
        For Neyman allocation: per stratum label the anticipated rate (``"rate"``: S_h =
        sqrt(p(1-p))) or the anticipated standard deviation (``"sd"``).
    """
    weights = _weights(labels, sizes, allocation, neyman, neyman_kind)
    lower = [min(minimum, size) for size in sizes]
    _check_feasible(n, lower, sizes, minimum)
    shares = _water_fill(weights, lower, list(sizes), n)
    return _largest_remainder(shares, labels, n)


def _weights(
    labels: Sequence[str],
    sizes: Sequence[int],
    allocation: str,
    neyman: Mapping[str, float] | None,
    neyman_kind: str,
) -> list[Fraction]:
    if allocation == "proportional":
        return [Fraction(size) for size in sizes]
    if allocation == "equal":
        return [Fraction(1) for _ in sizes]
    if allocation == "neyman":
        spreads = _neyman_spreads(labels, neyman, neyman_kind)
        return [size * spread for size, spread in zip(sizes, spreads, strict=True)]
    raise SamplingError(f"Okänd fördelning {allocation!r}; välj en av {', '.join(ALLOCATIONS)}.")


def _neyman_spreads(
    labels: Sequence[str], neyman: Mapping[str, float] | None, neyman_kind: str
) -> list[Fraction]:
    if neyman_kind not in NEYMAN_KINDS:
        raise SamplingError(f"neyman_kind måste vara 'rate' eller 'sd', inte {neyman_kind!r}.")
    given = {str(key): value for key, value in (neyman or {}).items()}
    missing = [label for label in labels if label not in given]
    unknown = sorted(set(given) - set(labels))
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"värde saknas för stratum {', '.join(missing)}")
        if unknown:
            parts.append(f"okända strata {', '.join(unknown)}")
        raise SamplingError("Neyman-fördelning kräver ett värde per stratum: " + "; ".join(parts) + ".")
    return [_spread(label, given[label], neyman_kind) for label in labels]


def _spread(label: str, value: float, neyman_kind: str) -> Fraction:
    value = float(value)
    if neyman_kind == "rate":
        if not 0 <= value <= 1:
            raise SamplingError(f"Förväntad andel för stratum {label} måste ligga mellan 0 och 1.")
        return Fraction(math.sqrt(value * (1 - value)))
    if not (value >= 0 and math.isfinite(value)):
        raise SamplingError(f"Standardavvikelsen för stratum {label} måste vara 0 eller mer.")
    return Fraction(value)


def _check_feasible(n: int, lower: list[int], sizes: Sequence[int], minimum: int) -> None:
    if n > sum(sizes):
        raise SamplingError(f"Urvalet ({n}) kan inte vara större än ramen ({sum(sizes)} ärenden).")
    if sum(lower) > n:
        raise SamplingError(
            f"Minst {minimum} per stratum i {len(lower)} strata kräver {sum(lower)} ärenden, "
            f"men urvalet är {n}."
        )


def _water_fill(
    weights: Sequence[Fraction], lower: Sequence[int], upper: Sequence[int], total: int
) -> list[Fraction]:
    """Shares clip(lam * w, lower, upper) with the common lam that makes them sum to total."""

    def shares(lam: Fraction) -> list[Fraction]:
        bounds = zip(weights, lower, upper, strict=True)
        return [min(max(lam * w, Fraction(lo)), Fraction(up)) for w, lo, up in bounds]

    breaks = sorted(
        {Fraction(0)}
        | {
            Fraction(b) / w
            for w, lo, up in zip(weights, lower, upper, strict=True)
            if w > 0
            for b in (lo, up)
        }
    )
    previous = breaks[0]
    for point in breaks:
        if sum(shares(point)) >= total:
            low, high = sum(shares(previous)), sum(shares(point))
            lam = point if high == low else previous + (point - previous) * (total - low) / (high - low)
            return shares(lam)
        previous = point
    raise SamplingError(
        "Fördelningen går inte ihop: strata med spridning 0 får inga fler ärenden än minimum. "
        "Ange en större förväntad spridning eller ett mindre urval."
    )


def _largest_remainder(shares: list[Fraction], labels: Sequence[str], total: int) -> list[int]:
    floors = [math.floor(share) for share in shares]
    missing = total - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), labels[i]))
    for i in order[:missing]:
        floors[i] += 1
    return floors
