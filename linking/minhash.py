"""MinHash signatures (rensa) and LSH banding (NumPy).

A signature is rensa's R-MinHash of an item's shingle hashes (``SLOTS`` 32-bit slots, seeded with
``SEED``): two items' slots agree with probability equal to the Jaccard similarity of their shingle
sets. An item without shingles has every slot ``EMPTY``. ``bench/link_scale.py`` measured this part
against the one-permutation MinHash the linker had before: rensa computes signatures three times as
fast, and even with the copy out of its list-of-lists API into NumPy it stays within the 1.5× by which
a hand-built part must beat a maintained library to be kept.

Bands of ``ROWS`` slots are hashed into band keys. Items sharing a band key are candidates; a bucket is
never self-joined (a bucket of standard items would make that quadratic): each member is paired with
the bucket's smallest item (star edges) and with the member before it (chain edges), and connected
components of the verified pairs do the rest. This part stays ours: on the same signatures it is an
order of magnitude faster than rensa's ``RMinHashLSH``, and it persists as sorted runs on disk
(``linking.index``), which an in-memory LSH does not.

``ALGORITHM`` names everything that changes a signature or a band key; the link index records it and
refuses to mix signatures made otherwise (rensa itself versions its algorithm: 0.5 made version 2).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import rensa

from linking.tokens import mix64

SLOTS = 128
BANDS, ROWS = 32, 4  # catches Jaccard ≥ 0.6 with p ≈ 0.99; the S-curve's middle is about 0.42
SEED = 20240314
ALGORITHM = (
    f"rensa-rminhash/v{rensa.RMinHash.ALGORITHM_VERSION}/seed={SEED}/slots={SLOTS}/bands={BANDS}x{ROWS}"
)
EMPTY = np.uint32(0xFFFFFFFF)
#: Band keys keep their top bits; the low ``ITEM_BITS`` carry the item number when sorted (2^26 items).
ITEM_BITS = 26
ITEM_MASK = np.uint64((1 << ITEM_BITS) - 1)
_U64 = np.uint64

_rng = np.random.default_rng(SEED)
_BAND_SALTS = _rng.integers(0, 2**63, size=BANDS, dtype=np.uint64)


def signatures(offsets: np.ndarray, shingles: np.ndarray) -> np.ndarray:
    """(items, SLOTS) uint32 signatures of the items whose shingles are ``shingles[offsets[i]:offsets[i+1]]``
    (repeats count once). An item without shingles has every slot EMPTY."""
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
        np.ascontiguousarray(shingles, dtype=np.uint64), np.asarray(offsets, dtype=np.uint64), SLOTS, SEED
    )
    if not matrix.len():
        return np.empty((0, SLOTS), dtype=np.uint32)
    return np.array(matrix.to_rows(), dtype=np.uint32)  # rensa hands digests over as lists only


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
