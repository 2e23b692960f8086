"""Argument checks shared by the statistics functions (Swedish messages)."""

from __future__ import annotations

import math
import numbers

from .errors import SamplingError


def check_confidence(confidence: float) -> float:
    """The confidence level as a float, which must lie strictly between 0 and 1."""
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real):
        raise SamplingError(f"Konfidensnivån måste vara ett tal, inte {confidence!r}.")
    if not 0 < confidence < 1:
        raise SamplingError(f"Konfidensnivån måste ligga mellan 0 och 1 (inte {confidence}).")
    return float(confidence)


def check_rate(value: float, name: str) -> float:
    """A rate strictly between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise SamplingError(f"{name} måste vara ett tal, inte {value!r}.")
    if not 0 < value < 1:
        raise SamplingError(f"{name} måste ligga mellan 0 och 1 (inte {value}).")
    return float(value)


def check_count(value: int, name: str, minimum: int = 0, maximum: int | None = None) -> int:
    """An integer count within [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise SamplingError(f"{name} måste vara ett heltal, inte {value!r}.")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" och högst {maximum}" if maximum is not None else ""
        raise SamplingError(f"{name} måste vara minst {minimum}{upper} (inte {value}).")
    return int(value)
