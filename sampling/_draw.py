"""The draw behind :func:`sampling.select`: simple random, systematic, stratified.

Order sampling on keyed hashes: every id gets the key ``fmix64(hash(id) ^ K(seed))`` (see
:mod:`sampling._hashing`); within each stratum the ``n_h`` ids with the smallest keys form a
simple random sample without replacement (the keys behave as independent uniform draws).
The systematic method orders each stratum by the same keys and takes every ``N_h/n_h``-th
unit from a start derived from the seed. Nothing depends on the row order of the frame,
on numpy's random streams or on the machine: the same ids and seed give the same sample.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from . import _hashing
from ._allocate import allocate
from .errors import SamplingError

METHODS = ("random", "systematic")
ADDED_COLUMNS = ("stratum", "inclusion_probability", "weight")
UNSTRATIFIED = "alla"
_LABEL_SEPARATOR = " / "


@dataclass(frozen=True)
class Design:
    """Everything that defines a draw besides the frame."""

    n: int
    seed: int | str
    id_column: str
    strata: tuple[str, ...] = ()
    allocation: str = "proportional"
    method: str = "random"
    minimum: int = 0
    neyman: Mapping[str, float] | None = None
    neyman_kind: str = "rate"


@dataclass(frozen=True)
class Frame:
    """A sampling frame reduced to what a draw needs (see :func:`read_frame`)."""

    ids: pa.Array
    base_hashes: np.ndarray
    labels: list[str]
    codes: np.ndarray
    order: np.ndarray
    bounds: np.ndarray

    @property
    def sizes(self) -> list[int]:
        """Population size N_h per stratum, in label order."""
        return np.diff(self.bounds).tolist()

    def members(self, h: int) -> np.ndarray:
        """Row positions of stratum ``h``."""
        return self.order[self.bounds[h] : self.bounds[h + 1]]


@dataclass(frozen=True)
class Draw:
    """Result of a draw: selected row positions and per-stratum sizes."""

    positions: list[np.ndarray]
    sample_sizes: list[int]


def normalise_strata(strata: str | Sequence[str] | None) -> tuple[str, ...]:
    """Strata as a tuple of column names (empty: unstratified)."""
    if strata is None:
        return ()
    if isinstance(strata, str):
        return (strata,)
    return tuple(strata)


def read_frame(frame: pd.DataFrame, id_column: str, strata: tuple[str, ...]) -> Frame:
    """Check the frame, hash its ids and group its rows into strata sorted by label."""
    _check_columns(frame, id_column, strata)
    ids = _hashing.id_texts(frame[id_column], id_column)
    base_hashes = _hashing.text_hashes(ids)
    _check_unique(ids, base_hashes, id_column)
    labels, codes = _stratum_codes(frame, strata)
    order = np.argsort(codes.astype(np.int16 if len(labels) < 2**15 else np.int32), kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(labels) + 1))
    return Frame(ids, base_hashes, labels, codes, order, bounds)


def draw(frame: Frame, design: Design) -> Draw:
    """Allocate ``design.n`` to the strata of ``frame`` and draw each stratum."""
    sizes = allocate(
        frame.labels,
        frame.sizes,
        design.n,
        allocation=design.allocation,
        minimum=design.minimum,
        neyman=design.neyman,
        neyman_kind=design.neyman_kind,
    )
    key = _hashing.seed_key(design.seed, "sampling.select")
    pick = {"random": _smallest_keys, "systematic": _systematic}.get(design.method)
    if pick is None:
        raise SamplingError(f"Okänd urvalsmetod {design.method!r}; välj en av {', '.join(METHODS)}.")
    positions = [pick(frame, h, size, key) for h, size in enumerate(sizes)]
    return Draw(positions, sizes)


def _smallest_keys(frame: Frame, h: int, size: int, key: np.uint64) -> np.ndarray:
    members = frame.members(h)
    keys = _hashing.keyed(frame.base_hashes[members], key)
    if size < len(members):
        chosen = np.argpartition(keys, size - 1)[:size] if size else np.zeros(0, dtype=np.int64)
    else:
        chosen = np.arange(len(members))
    return members[chosen[np.argsort(keys[chosen], kind="stable")]]


def _systematic(frame: Frame, h: int, size: int, key: np.uint64) -> np.ndarray:
    members = frame.members(h)
    keys = _hashing.keyed(frame.base_hashes[members], key)
    ranked = members[np.argsort(keys, kind="stable")]
    start = _start_fraction(frame.labels[h], key)
    steps = np.floor((start + np.arange(size)) * len(members) / size).astype(np.int64)
    return ranked[steps] if size else ranked[:0]


def _start_fraction(label: str, key: np.uint64) -> float:
    """A uniform number in [0, 1) from the seed key and the stratum label."""
    label_hash = _hashing.text_hashes(pa.array([label], type=pa.large_string()))
    bits = int(_hashing.keyed(label_hash, key ^ np.uint64(0x5F))[0]) >> 11
    return bits / float(1 << 53)


def _check_columns(frame: pd.DataFrame, id_column: str, strata: tuple[str, ...]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise SamplingError("Urvalsramen måste vara en pandas DataFrame.")
    missing = [c for c in (id_column, *strata) if c not in frame.columns]
    if missing:
        raise SamplingError(f"Urvalsramen saknar kolumnen {', '.join(map(str, missing))}.")
    clashes = [c for c in ADDED_COLUMNS if c in frame.columns]
    if clashes:
        raise SamplingError(
            f"Urvalsramen har redan kolumnen {', '.join(clashes)}, som urvalet lägger till; "
            "byt namn på den först."
        )
    if len(frame) == 0:
        raise SamplingError("Urvalsramen innehåller inga ärenden.")


def _check_unique(ids: pa.Array, base_hashes: np.ndarray, id_column: str) -> None:
    if pd.Index(base_hashes).is_unique:
        return
    texts = pd.Series(ids.to_pandas())
    duplicated = sorted(texts[texts.duplicated()].unique().tolist())
    if duplicated:
        shown = ", ".join(duplicated[:10]) + (" …" if len(duplicated) > 10 else "")
        raise SamplingError(
            f"Kolumnen {id_column} ska vara unik, men {len(duplicated)} id förekommer flera gånger: {shown}."
        )
    raise SamplingError(  # two different ids with the same 64-bit hash: astronomically rare
        f"Två olika id i kolumnen {id_column} fick samma kontrollsumma; byt id-format."
    )


def _stratum_codes(frame: pd.DataFrame, strata: tuple[str, ...]) -> tuple[list[str], np.ndarray]:
    """Stratum labels sorted as text, and each row's index into them."""
    if not strata:
        return [UNSTRATIFIED], np.zeros(len(frame), dtype=np.int64)
    combined = np.zeros(len(frame), dtype=np.int64)
    column_labels: list[list[str]] = []
    for column in strata:
        values = frame[column]
        if values.isna().any():
            raise SamplingError(f"Kolumnen {column} har tomma värden; alla ärenden behöver ett stratum.")
        codes, uniques = pd.factorize(values)
        combined = combined * len(uniques) + codes
        column_labels.append([str(u) for u in uniques])
    present, inverse = (
        (np.arange(len(column_labels[0])), combined)
        if len(strata) == 1
        else np.unique(combined, return_inverse=True)
    )
    labels = [_label(int(code), column_labels) for code in present]
    if len(set(labels)) < len(labels):
        raise SamplingError("Två olika stratumvärden har samma text; gör dem entydiga.")
    rank = np.empty(len(labels), dtype=np.int64)
    rank[np.argsort(np.array(labels, dtype=object), kind="stable")] = np.arange(len(labels))
    return sorted(labels), rank[inverse]


def _label(code: int, column_labels: list[list[str]]) -> str:
    parts = []
    for labels in reversed(column_labels):
        code, index = divmod(code, len(labels))
        parts.append(labels[index])
    return _LABEL_SEPARATOR.join(reversed(parts))
