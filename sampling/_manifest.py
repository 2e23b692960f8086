"""The manifest of a draw, and :func:`verify`, which draws again and explains any difference.

The frame's fingerprint does not depend on the row order and needs no sort: each row is
hashed from its id and its stratum label, the row hashes are summed modulo 2**64 per stratum,
and the per-stratum sums, counts and labels (in label order) are hashed with BLAKE2b.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from . import _hashing
from ._draw import Design, Draw, Frame, draw, read_frame
from ._version import __version__
from .errors import SamplingError, VerificationError

__all__ = ["Verification", "verify"]

FORMAT = "sampling-manifest/1"
_FINGERPRINT_KEY = _hashing.seed_key("fingerprint", "sampling.manifest")
_SHOWN = 10
_REQUIRED = ("format", "hash", "seed", "method", "design", "n", "fingerprint", "strata")
_REQUIRED_DESIGN = ("id_column", "strata", "allocation", "minimum", "neyman", "neyman_kind")


def build_manifest(design: Design, frame: Frame, result: Draw) -> dict:
    """The JSON-serialisable record of a draw: design, frame fingerprint, selected ids."""
    strata = stratum_entries(frame, result)
    return {
        "format": FORMAT,
        "library": "sampling",
        "version": __version__,
        "hash": _hashing.HASH_ALGORITHM,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "seed": design.seed,
        "method": design.method,
        "design": {
            "id_column": design.id_column,
            "strata": list(design.strata),
            "allocation": design.allocation,
            "minimum": design.minimum,
            "neyman": None if design.neyman is None else {str(k): float(v) for k, v in design.neyman.items()},
            "neyman_kind": design.neyman_kind,
        },
        "n": design.n,
        "N": len(frame.ids),
        "fingerprint": _frame_fingerprint(design.strata, strata),
        "strata": strata,
        "selected_ids": [i for entry in strata for i in entry["ids"]],
    }


def stratum_entries(frame: Frame, result: Draw) -> list[dict]:
    """Per stratum (in label order): label, N, n, inclusion probability, fingerprint, ids."""
    sums = _stratum_hash_sums(frame)
    return [
        {
            "stratum": label,
            "N": size,
            "n": n_h,
            "inclusion_probability": n_h / size,
            "fingerprint": f"{int(total):016x}",
            "ids": frame.ids.take(pa.array(positions)).to_pylist(),
        }
        for label, size, n_h, total, positions in zip(
            frame.labels, frame.sizes, result.sample_sizes, sums, result.positions, strict=True
        )
    ]


@dataclass(frozen=True)
class Verification:
    """The answer of :func:`verify` when the draw reproduces (always truthy).

    Attributes
    ----------
    frame_changed
        Whether the frame differs from the one the sample was drawn from (its fingerprint);
        the same ids can come out of a changed frame, which an auditor must be told.
    changes
        What changed in the frame, in Swedish (empty when the frame is identical).
    """

    frame_changed: bool
    changes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        """True: a :class:`Verification` is only returned when the same ids come out."""
        return True


def verify(manifest: Mapping, frame: pd.DataFrame) -> Verification:
    """Draw again from ``frame`` with the design in ``manifest``; a truthy result when the same ids come out.

    The draw is repeated exactly as :func:`sampling.select` made it (allocation recomputed on
    ``frame``). If it gives the same ids in the same strata, the sample is verified; the result
    still says whether the frame changed since the draw (``frame_changed``) and how.

    Returns
    -------
    Verification
        Truthy; ``frame_changed`` and ``changes`` (Swedish) describe the frame.

    Raises
    ------
    VerificationError
        When the ids differ, or the manifest or frame cannot be used; the Swedish message lists
        what changed: strata whose size or content changed, selected cases that left the frame
        or moved to another stratum, cases drawn now but not then and the reverse.
    """
    design = _design(manifest)
    try:
        current = read_frame(frame, design.id_column, design.strata)
        result = draw(current, design)
    except SamplingError as error:
        raise VerificationError([f"Urvalet kunde inte dras om: {error}"]) from error
    now = stratum_entries(current, result)
    changes = _changes(manifest, now, current)
    if _selected(now) == _selected(manifest["strata"]):
        return Verification(not changes["same_frame"], tuple(_frame_lines(changes)))
    raise VerificationError(_describe(manifest, changes), changes)


def _design(manifest: Mapping) -> Design:
    missing = [key for key in _REQUIRED if key not in manifest]
    missing += [f"design.{key}" for key in _REQUIRED_DESIGN if key not in manifest.get("design", {})]
    if missing:
        raise VerificationError([f"Manifestet är ofullständigt: {', '.join(missing)} saknas."])
    if manifest["format"] != FORMAT:
        raise VerificationError([f"Okänt manifestformat {manifest['format']!r}."])
    if manifest["hash"] != _hashing.HASH_ALGORITHM:
        raise VerificationError(
            [
                f"Manifestet skapades med hashfunktionen {manifest['hash']!r}, "
                f"den här versionen använder {_hashing.HASH_ALGORITHM!r}."
            ]
        )
    spec = manifest["design"]
    return Design(
        n=int(manifest["n"]),
        seed=manifest["seed"],
        id_column=spec["id_column"],
        strata=tuple(spec["strata"]),
        allocation=spec["allocation"],
        method=manifest["method"],
        minimum=int(spec["minimum"]),
        neyman=spec["neyman"],
        neyman_kind=spec["neyman_kind"],
    )


def _selected(entries: Sequence[Mapping]) -> dict[str, set[str]]:
    return {entry["stratum"]: set(entry["ids"]) for entry in entries}


def _changes(manifest: Mapping, now: list[dict], current: Frame) -> dict:
    before = {entry["stratum"]: entry for entry in manifest["strata"]}
    after = {entry["stratum"]: entry for entry in now}
    then_drawn = {i: entry["stratum"] for entry in manifest["strata"] for i in entry["ids"]}
    now_drawn = {i: entry["stratum"] for entry in now for i in entry["ids"]}
    position = pd.Index(current.ids.to_pandas()).get_indexer(list(then_drawn))
    stratum_now = {
        i: (current.labels[current.codes[p]] if p >= 0 else None)
        for i, p in zip(then_drawn, position, strict=True)
    }
    return {
        "same_frame": _frame_fingerprint(tuple(manifest["design"]["strata"]), now) == manifest["fingerprint"],
        "strata_sizes": {
            label: (before.get(label, {}).get("N", 0), after.get(label, {}).get("N", 0))
            for label in sorted(set(before) | set(after))
            if before.get(label, {}).get("fingerprint") != after.get(label, {}).get("fingerprint")
        },
        "sample_sizes": {
            label: (before.get(label, {}).get("n", 0), after.get(label, {}).get("n", 0))
            for label in sorted(set(before) | set(after))
            if before.get(label, {}).get("n", 0) != after.get(label, {}).get("n", 0)
        },
        "removed": sorted(i for i, s in stratum_now.items() if s is None),
        "moved": {
            i: (then_drawn[i], s)
            for i, s in sorted(stratum_now.items())
            if s is not None and s != then_drawn[i]
        },
        "newly_drawn": sorted(set(now_drawn) - set(then_drawn)),
        "no_longer_drawn": sorted(i for i in set(then_drawn) - set(now_drawn) if stratum_now[i] is not None),
    }


def _describe(manifest: Mapping, changes: dict) -> list[str]:
    lines = ["Urvalet går inte att återskapa från manifestet."]
    if changes["same_frame"]:
        lines.append(
            "Ramen är densamma som vid urvalet men dragningen ger andra ärenden: manifestet har "
            f"ändrats i efterhand eller skapades med en annan version ({manifest.get('version')})."
        )
    lines += _frame_lines(changes)
    for label, (then, now) in changes["sample_sizes"].items():
        lines.append(f"Stratum {label} får nu {now} ärenden i urvalet, fick {then}.")
    moves = [f"{i} ({old} -> {new})" for i, (old, new) in changes["moved"].items()]
    for ids, wording in ((changes["removed"], "{n} ärenden i urvalet finns inte längre i ramen"),
                         (moves, "Stratum ändrat för {n} ärenden i urvalet"),
                         (changes["newly_drawn"], "{n} ärenden dras nu men ingick inte i urvalet"),
                         (changes["no_longer_drawn"], "{n} ärenden ingick i urvalet men dras inte nu")):
        if ids:
            lines.append(f"{wording.format(n=len(ids))}: {_listing(ids)}.")
    return lines


def _frame_lines(changes: dict) -> list[str]:
    """The strata whose size or content changed since the draw, one Swedish line each."""
    return [_size_change(label, then, now) for label, (then, now) in changes["strata_sizes"].items()]


def _size_change(label: str, then: int, now: int) -> str:
    if then == 0:
        return f"Stratum {label} är nytt sedan urvalet ({now} ärenden)."
    if now == 0:
        return f"Stratum {label} ({then} ärenden vid urvalet) finns inte längre i ramen."
    if then == now:
        return f"Stratum {label} har lika många ärenden ({now}) men inte samma ärenden som vid urvalet."
    difference = now - then
    verb = "har tillkommit" if difference > 0 else "har tagits bort"
    return f"Stratum {label}: {abs(difference)} ärenden {verb} sedan urvalet ({then} -> {now})."


def _listing(items: list[str]) -> str:
    shown = ", ".join(map(str, items[:_SHOWN]))
    return shown + (f" och {len(items) - _SHOWN} till" if len(items) > _SHOWN else "")


def _stratum_hash_sums(frame: Frame) -> np.ndarray:
    label_keys = _hashing.keyed(
        _hashing.text_hashes(pa.array(frame.labels, type=pa.large_string())), _FINGERPRINT_KEY
    )
    row_hashes = _hashing.fmix64(frame.base_hashes[frame.order] ^ label_keys[frame.codes[frame.order]])
    return np.add.reduceat(row_hashes, frame.bounds[:-1])


def _frame_fingerprint(strata_columns: tuple[str, ...], entries: Sequence[Mapping]) -> str:
    content = [list(strata_columns), [[e["stratum"], e["N"], e["fingerprint"]] for e in entries]]
    payload = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.blake2b(payload, digest_size=16).hexdigest()
