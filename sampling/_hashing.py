"""A keyed 64-bit hash of id texts, vectorised with numpy and identical on every machine.

The hash is defined on the UTF-8 bytes of each id, read as little-endian 64-bit words
(the last word zero-padded): ``h = C``; for each word ``h = fmix64(h ^ word)``; finally
``h = fmix64(h ^ (length + C))``. ``fmix64`` is MurmurHash3's 64-bit finaliser (a bijection).
Everything is fixed-width unsigned integer arithmetic, so the values depend neither on the
platform, nor on the numpy/pandas/pyarrow version, nor on the row order.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import SamplingError

HASH_ALGORITHM = "fmix64-chain/1"

_START = np.uint64(0x9E3779B97F4A7C15)
_MUL1 = np.uint64(0xFF51AFD7ED558CCD)
_MUL2 = np.uint64(0xC4CEB9FE1A85EC53)
_SHIFT = np.uint64(33)
_WORD = 8


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser on a uint64 array (returns a new array)."""
    h = h ^ (h >> _SHIFT)
    h *= _MUL1
    h ^= h >> _SHIFT
    h *= _MUL2
    h ^= h >> _SHIFT
    return h


def seed_key(seed: int | str, purpose: str) -> np.uint64:
    """Derive a 64-bit key from a seed and a purpose label (BLAKE2b, platform independent)."""
    digest = hashlib.blake2b(f"{purpose}\0{seed}".encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little"))


def id_texts(values: pd.Series, what: str) -> pa.Array:
    """The canonical texts of an id or label column as an Arrow string array.

    Integers become their decimal text; strings stay as they are. Missing values and other
    types raise :class:`SamplingError` naming the column ``what``.
    """
    array = pa.array(values)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if array.null_count:
        raise SamplingError(f"Kolumnen {what} har {array.null_count} tomma värden.")
    if pa.types.is_integer(array.type):
        return pc.cast(array, pa.large_string())
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        return array
    raise SamplingError(f"Kolumnen {what} måste innehålla text eller heltal, inte {array.type}.")


def text_hashes(texts: pa.Array) -> np.ndarray:
    """The unkeyed 64-bit hash (see module docstring) of every text in an Arrow string array."""
    offsets, data = _arrow_buffers(texts)
    lengths = np.diff(offsets)
    words = _word_matrix(offsets, lengths, data)
    word_counts = (lengths + _WORD - 1) // _WORD
    uniform = bool(word_counts.size) and word_counts.min() == word_counts.max()
    h = np.full(len(texts), _START, dtype=np.uint64)
    for column in range(words.shape[1]):
        mixed = fmix64(h ^ words[:, column])
        h = mixed if uniform else np.where(word_counts > column, mixed, h)
    return fmix64(h ^ (lengths.astype(np.uint64) + _START))


def keyed(hashes: np.ndarray, key: np.uint64) -> np.ndarray:
    """Re-key base hashes: a bijection of them, different for every key."""
    return fmix64(hashes ^ key)


def _arrow_buffers(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    offset_type = np.int64 if pa.types.is_large_string(texts.type) else np.int32
    _, offset_buffer, data_buffer = texts.buffers()
    assert offset_buffer is not None, "an Arrow string array always has an offsets buffer"
    # memoryview: numpy's stubs accept only a closed list of buffer types before Python 3.12
    offsets = np.frombuffer(memoryview(offset_buffer), dtype=offset_type)[
        texts.offset : texts.offset + len(texts) + 1
    ].astype(np.int64)
    if data_buffer is None:
        data = np.zeros(0, dtype=np.uint8)
    else:
        data = np.frombuffer(memoryview(data_buffer), dtype=np.uint8)
    return offsets, data


def _word_matrix(offsets: np.ndarray, lengths: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Each text's bytes zero-padded to whole words, as a (rows, words) uint64 matrix."""
    rows = len(lengths)
    longest = int(lengths.max()) if rows else 0
    padded = np.zeros((rows, -(-longest // _WORD) * _WORD), dtype=np.uint8)
    if rows and lengths.min() == longest:
        block = data[offsets[0] : offsets[0] + rows * longest]
        padded[:, :longest] = block.reshape(rows, longest)
        return padded.view("<u8")
    last = max(len(data) - 1, 0)
    starts = offsets[:-1]
    for position in range(longest):
        column = data[np.minimum(starts + position, last)]
        column[lengths <= position] = 0
        padded[:, position] = column
    return padded.view("<u8")
