"""Public selection: :func:`select` and the :class:`Selection` it returns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._draw import Design, Draw, Frame, draw, normalise_strata, read_frame
from ._manifest import build_manifest
from .errors import SamplingError

__all__ = ["Selection", "select"]


@dataclass(frozen=True)
class Selection:
    """A drawn sample.

    Attributes
    ----------
    frame
        The selected rows (original columns and index) plus ``stratum``,
        ``inclusion_probability`` (n_h/N_h) and ``weight`` (N_h/n_h), ordered by stratum
        label and, within a stratum, in random order.
    manifest
        JSON-serialisable record that lets :func:`sampling.verify` draw the sample again.
    """

    frame: pd.DataFrame
    manifest: dict

    @property
    def ids(self) -> list[str]:
        """The selected ids as text, in the order of :attr:`frame`."""
        return list(self.manifest["selected_ids"])

    @property
    def strata(self) -> pd.DataFrame:
        """Per stratum: ``stratum``, ``N``, ``n`` and ``inclusion_probability``."""
        columns = ["stratum", "N", "n", "inclusion_probability"]
        return pd.DataFrame([{c: e[c] for c in columns} for e in self.manifest["strata"]])


def select(
    frame: pd.DataFrame,
    n: int,
    *,
    seed: int | str,
    id_column: str,
    strata: str | Sequence[str] | None = None,
    allocation: str = "proportional",
    method: str = "random",
    minimum: int = 0,
    neyman: Mapping[str, float] | None = None,
    neyman_kind: str = "rate",
) -> Selection:
    """Draw a seeded, reproducible sample of ``n`` rows without replacement.

    Parameters
    ----------
    frame
        The sampling frame, one row per case; the row order does not matter.
    n
        Total sample size.
    seed
        A non-negative integer or a text; the same frame and seed give the same ids on any
        machine (see :mod:`sampling._draw` for how).
    id_column
        Column with unique ids (text or integers; integers are used as their decimal text).
    strata
        Column name or list of column names; each combination of values is a stratum
        labelled ``str(value)`` (values of several columns joined by ``" / "``).
    allocation
        ``"proportional"`` (n_h ~ N_h), ``"equal"`` or ``"neyman"`` (n_h ~ N_h S_h), rounded by
        largest remainder so that the sizes add up to ``n`` and never exceed N_h.
    method
        ``"random"`` (simple random sample in each stratum) or ``"systematic"`` (every
        N_h/n_h-th case of the stratum ordered by keyed hash, from a seeded random start).
    minimum
        At least this many cases per stratum (the whole stratum when it is smaller), e.g.
        ``minimum=2`` for "at least 2 per handläggare".
    neyman, neyman_kind
        For ``allocation="neyman"``: a value per stratum label, the anticipated deviation rate
        (``neyman_kind="rate"``, S_h = sqrt(p(1-p))) or standard deviation (``"sd"``).

    Returns
    -------
    Selection
        ``.frame`` with the selected rows, ``.manifest`` for :func:`sampling.verify`.

    Raises
    ------
    SamplingError
        Missing columns, empty or duplicate ids, empty strata values, an impossible size.
    """
    design = Design(
        n=_check_size(n),
        seed=_check_seed(seed),
        id_column=id_column,
        strata=normalise_strata(strata),
        allocation=allocation,
        method=method,
        minimum=_check_minimum(minimum),
        neyman=neyman,
        neyman_kind=neyman_kind,
    )
    sampling_frame = read_frame(frame, design.id_column, design.strata)
    result = draw(sampling_frame, design)
    manifest = build_manifest(design, sampling_frame, result)
    return Selection(_selected_rows(frame, sampling_frame, result), manifest)


def _selected_rows(frame: pd.DataFrame, sampling_frame: Frame, result: Draw) -> pd.DataFrame:
    counts = np.asarray(result.sample_sizes)
    drawn = counts > 0
    totals = np.asarray(sampling_frame.sizes)[drawn]
    counts = counts[drawn]
    rows = frame.iloc[np.concatenate(result.positions)].copy()
    rows["stratum"] = np.repeat(np.asarray(sampling_frame.labels, dtype=object)[drawn], counts)
    rows["inclusion_probability"] = np.repeat(counts / totals, counts)
    rows["weight"] = np.repeat(totals / counts, counts)
    return rows


def _check_size(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise SamplingError(f"Urvalsstorleken måste vara ett positivt heltal, inte {n!r}.")
    return int(n)


def _check_seed(seed: int | str) -> int | str:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer | str):
        raise SamplingError(f"Fröet (seed) måste vara ett heltal eller en text, inte {seed!r}.")
    if isinstance(seed, str):
        if not seed.strip():
            raise SamplingError("Fröet (seed) får inte vara tomt.")
        return seed
    if seed < 0:
        raise SamplingError(f"Fröet (seed) får inte vara negativt ({seed}).")
    return int(seed)


def _check_minimum(minimum: int) -> int:
    if isinstance(minimum, bool) or not isinstance(minimum, int | np.integer) or minimum < 0:
        raise SamplingError(f"Minsta antal per stratum måste vara ett heltal 0 eller mer, inte {minimum!r}.")
    return int(minimum)
