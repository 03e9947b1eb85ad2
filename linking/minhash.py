"""MinHash signatures and LSH banding, in NumPy.

A signature is a one-permutation MinHash with optimal densification (Shrivastava, ICML 2017): each
shingle hash, re-mixed with ``SEED``, falls into one of ``SLOTS`` slots by its top bits and competes there
with its low 32 bits; a slot keeps its minimum. A slot no shingle fell into borrows the value of the first
filled slot on its own fixed pseudo-random probe sequence. Two items' slots agree with probability equal
to the Jaccard similarity of their shingle sets, as with ``SLOTS`` independent permutations, at the cost of
one hash per shingle instead of ``SLOTS``.

Bands of ``ROWS`` slots are hashed into band keys. Items sharing a band key are candidates; a bucket is
never self-joined (a bucket of standard items would make that quadratic): each member is paired with
the bucket's smallest item (star edges) and with the member before it (chain edges), and connected
components of the verified pairs do the rest.

``ALGORITHM`` names everything that changes a signature or a band key; the link index records it and
refuses to mix signatures made otherwise.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from linking.tokens import mix64

SLOTS = 128
BANDS, ROWS = 32, 4  # catches Jaccard ≥ 0.6 with p ≈ 0.99; the S-curve's middle is about 0.42
SEED = 20240314
ALGORITHM = f"oph-optimal-densification/v1/seed={SEED}/slots={SLOTS}/bands={BANDS}x{ROWS}"
EMPTY = np.uint32(0xFFFFFFFF)
#: Band keys keep their top bits; the low ``ITEM_BITS`` carry the item number when sorted (2^26 items).
ITEM_BITS = 26
ITEM_MASK = np.uint64((1 << ITEM_BITS) - 1)
_U64 = np.uint64
_SLOT_SHIFT = _U64(64 - SLOTS.bit_length() + 1)
_CHUNK_ITEMS = 65536 // SLOTS  # item-and-slot numbers of a chunk fit in uint16 (a radix sort)

_rng = np.random.default_rng(SEED)
_SEED_MASK = _U64(int(_rng.integers(0, 2**63)))
_SEED_MULTIPLIER = _U64(int(_rng.integers(0, 2**62)) * 2 + 1)
_PROBES = np.stack([_rng.permutation(SLOTS) for _ in range(64)])  # densification probe sequences
_BAND_SALTS = _rng.integers(0, 2**63, size=BANDS, dtype=np.uint64)


def _slot_minima(item: np.ndarray, slot: np.ndarray, value: np.ndarray, n_items: int) -> np.ndarray:
    """Per (item, slot) the minimum value, items < _CHUNK_ITEMS: a uint16 radix sort, then reduceat."""
    out = np.full(n_items * SLOTS, EMPTY, dtype=np.uint32)
    if not len(item):
        return out.reshape(n_items, SLOTS)
    key = (item.astype(np.uint16) << np.uint16(SLOTS.bit_length() - 1)) | slot.astype(np.uint16)
    order = np.argsort(key, kind="stable")
    key, value = key[order], value[order]
    first = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    out[key[first]] = np.minimum.reduceat(value, first)
    return out.reshape(n_items, SLOTS)


def _densify(signatures: np.ndarray) -> np.ndarray:
    """Empty slots borrow from the first filled slot on their probe sequence (in place)."""
    rows, slots = np.nonzero(signatures == EMPTY)
    if not len(rows):
        return signatures
    has_any = (signatures != EMPTY).any(axis=1)
    keep = has_any[rows]  # an item without shingles stays empty
    rows, slots = rows[keep], slots[keep]
    original = signatures.copy() if len(rows) else signatures
    for probe in _PROBES:
        borrowed = original[rows, probe[slots]]
        found = borrowed != EMPTY
        signatures[rows[found], slots[found]] = borrowed[found]
        rows, slots = rows[~found], slots[~found]
        if not len(rows):
            break
    return signatures


def signatures(offsets: np.ndarray, shingles: np.ndarray) -> np.ndarray:
    """(items, SLOTS) uint32 signatures of the items whose shingles are ``shingles[offsets[i]:offsets[i+1]]``.
    An item without shingles has every slot EMPTY."""
    n = len(offsets) - 1
    with np.errstate(over="ignore"):  # shingle hashes are mixed already: a seeded odd multiple re-permutes
        hashed = (shingles ^ _SEED_MASK) * _SEED_MULTIPLIER
    slot = (hashed >> _SLOT_SHIFT).astype(np.uint8)
    value = np.minimum(hashed.astype(np.uint32), EMPTY - np.uint32(1))
    counts = np.diff(offsets)
    parts = []
    for start in range(0, n, _CHUNK_ITEMS):
        end = min(n, start + _CHUNK_ITEMS)
        lo, hi = offsets[start], offsets[end]
        item = np.repeat(np.arange(end - start), counts[start:end])
        parts.append(_slot_minima(item, slot[lo:hi], value[lo:hi], end - start))
    result = np.concatenate(parts) if parts else np.empty((0, SLOTS), dtype=np.uint32)
    return _densify(result)


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """(items, BANDS) uint64 band keys: each band's ROWS slots hashed, salted by the band's number."""
    pairs = np.ascontiguousarray(signatures).view(np.uint64).reshape(len(signatures), BANDS, ROWS // 2)
    with np.errstate(over="ignore"):
        key = mix64(pairs[:, :, 0] ^ _BAND_SALTS)
        for r in range(1, ROWS // 2):
            key = mix64(key ^ pairs[:, :, r])
    return key


def pack(keys: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Band keys with the item number in their low bits: sorted, equal keys run together, smallest
    item first."""
    return (keys & ~ITEM_MASK) | items.astype(_U64)


def sorted_band(keys: np.ndarray, items: np.ndarray) -> np.ndarray:
    return pl.Series(pack(keys, items), dtype=pl.UInt64).sort().to_numpy()


def bucket_edges_in_sorted(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(other, member) for every member of a run of equal keys after its first (smallest) item: the
    run's first item (a star) and the member just before it (a chain). Two edges per member, never all
    pairs of a run; a pair the star misses because its root verifies against neither is often caught
    by the chain."""
    if len(packed) < 2:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    key = packed >> _U64(ITEM_BITS)
    same = key[1:] == key[:-1]
    if not same.any():
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    start = np.concatenate(([True], ~same))
    root_at = np.maximum.accumulate(np.where(start, np.arange(len(packed)), 0))
    members = np.flatnonzero(~start)
    item = (packed & ITEM_MASK).astype(np.int64)
    return (
        np.concatenate([item[root_at[members]], item[members - 1]]),
        np.concatenate([item[members], item[members]]),
    )


def unique_pairs(roots: list[np.ndarray], members: list[np.ndarray]) -> np.ndarray:
    """Distinct (smaller, larger) item pairs, as an (n, 2) int64 array sorted by pair."""
    if not roots or not sum(len(r) for r in roots):
        return np.empty((0, 2), dtype=np.int64)
    a, b = np.concatenate(roots), np.concatenate(members)
    low, high = np.minimum(a, b), np.maximum(a, b)
    combined = pl.Series((low.astype(_U64) << _U64(32)) | high.astype(_U64)).unique().sort().to_numpy()
    return np.stack(
        [(combined >> _U64(32)).astype(np.int64), (combined & _U64(0xFFFFFFFF)).astype(np.int64)], 1
    )


def candidate_pairs(keys: np.ndarray, eligible: np.ndarray | None = None) -> np.ndarray:
    """Candidate pairs among items with (items, BANDS) band ``keys``, by star and chain edges per band."""
    items = np.arange(len(keys)) if eligible is None else np.flatnonzero(eligible)
    roots, members = [], []
    for band in range(keys.shape[1]):
        root, member = bucket_edges_in_sorted(sorted_band(keys[items, band], items))
        roots.append(root)
        members.append(member)
    return unique_pairs(roots, members)


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a == b))
