"""What the linker compares: an item's own words, without what its source repeats everywhere.

Each source's items share boilerplate (appeal instructions, preparer lines, standard phrases). Left in,
it makes different matters look alike; so a line printed in items of ``BOILERPLATE_MIN_ITEMS`` or more
different matters of one source is that source's boilerplate and is dropped before shingling (a board's
and a council's handling of one matter, one diary number, count once: their shared text is the
matter's). Shingles are word 3-grams (``SHINGLE_WORDS``) of what remains, which separate Finnish items
better than character n-grams.

Besides shingles, a batch yields what the guards and the own-wording search need: the item's
*distinctive sentences* (at least ``MIN_SENTENCE_WORDS`` words, outside boilerplate, citing no statute)
and the *year contexts* (each year the text names, with the words around it), by which the annual report
of 2024 and its copy-edited successor of 2025 are told apart.

Everything here is arrays over a whole batch; nothing loops over words in Python.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from linking.tokens import Tokens, mix64, powers, tokenise

SHINGLE_WORDS = 3
#: A line seen in this many of one source's items is that source's boilerplate.
BOILERPLATE_MIN_ITEMS = 3
MIN_SENTENCE_WORDS = 6
SHINGLE_SETTINGS = (
    f"word{SHINGLE_WORDS}-shingles/boilerplate-lines>={BOILERPLATE_MIN_ITEMS}-matters"
    f"/sentences>={MIN_SENTENCE_WORDS}-words"
)

_U64 = np.uint64
_K1, _K2, _K3 = _U64(0x9E3779B97F4A7C15), _U64(0xC2B2AE3D27D4EB4F), _U64(0x165667B19E3779F9)
_BASE64 = 0x100000001B3

#: earlier lines: (source, line) keys → the (key, matter) rows of earlier matters that printed them
PriorLines = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def source_key(source_id: str) -> int:
    """A stable 64-bit key for a source (Python's own hash is salted per process)."""
    return int.from_bytes(hashlib.blake2b(source_id.encode(), digest_size=8).digest(), "little")


@dataclass
class Fingerprints:
    """A batch of items as the linker sees them; rows are the batch's texts, in order."""

    n: int
    shingle_offsets: np.ndarray  # int64, n + 1: item i's shingles are shingles[o[i]:o[i+1]]
    shingles: np.ndarray  # uint64 shingle hashes (repeats possible)
    line_keys: np.ndarray  # uint64: (source, line) keys of this batch, sorted ...
    line_matters: np.ndarray  # uint64: ... with each matter that printed them, once
    sentence_item: np.ndarray  # int64: distinctive sentences, by item
    sentence_hash: np.ndarray  # uint64
    year_item: np.ndarray  # int64: the years each item names, by item ...
    year_context: np.ndarray  # uint64: ... with the words around them ...
    year_value: np.ndarray  # uint16: ... and the year

    def shingle_counts(self) -> np.ndarray:
        return np.diff(self.shingle_offsets)


class _RunningSums:
    """One running sum of position-weighted values, from which the hash of any run of them is read:
    lines and sentences of a batch share it."""

    def __init__(self, mixed: np.ndarray):
        n = len(mixed)
        self.running = np.zeros(n + 1, dtype=_U64)
        with np.errstate(over="ignore"):
            np.cumsum(mixed * powers(_BASE64, n), out=self.running[1:])
        self.inverse = powers(pow(_BASE64, -1, 2**64), n)

    def hashes(self, first: np.ndarray, end: np.ndarray) -> np.ndarray:
        """An order-sensitive hash of each run ``[first, end)``."""
        if not len(first):
            return np.empty(0, dtype=_U64)
        with np.errstate(over="ignore"):
            sums = (self.running[end] - self.running[first]) * self.inverse[first]
            return mix64(sums + (end - first).astype(_U64))


def _runs(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and end (exclusive) index of each run of equal, sorted ids."""
    if not len(ids):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    first = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
    return first, np.append(first[1:], len(ids))


def _distinct_pairs(keys: np.ndarray, matters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (key, matter) pairs, sorted by key, then matter."""
    order = np.lexsort((matters, keys))
    keys, matters = keys[order], matters[order]
    new = np.ones(len(keys), dtype=bool)
    new[1:] = (keys[1:] != keys[:-1]) | (matters[1:] != matters[:-1])
    return keys[new], matters[new]


def _boilerplate_lines(
    line_keys: np.ndarray, line_matters: np.ndarray, prior: PriorLines | None
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Per line of the batch: whether it is boilerplate (printed by ``BOILERPLATE_MIN_ITEMS`` matters of
    its source, earlier ones included). Also the batch's distinct (key, matter) rows, sorted by key."""
    rows = _distinct_pairs(line_keys, line_matters)
    seen = rows
    if prior is not None and len(rows[0]):
        earlier_keys, earlier_matters = prior(np.unique(rows[0]))
        seen = _distinct_pairs(
            np.concatenate([rows[0], earlier_keys]), np.concatenate([rows[1], earlier_matters])
        )
    keys, counts = np.unique(seen[0], return_counts=True)
    boilerplate = keys[counts >= BOILERPLATE_MIN_ITEMS]
    if not len(boilerplate):
        return np.zeros(len(line_keys), dtype=bool), rows
    at = np.minimum(np.searchsorted(boilerplate, line_keys), len(boilerplate) - 1)
    return boilerplate[at] == line_keys, rows


def _kept_words(
    tokens: Tokens, sums: _RunningSums, sources: np.ndarray, matters: np.ndarray, prior: PriorLines | None
):
    first, end = _runs(tokens.word_line)
    line_hash = sums.hashes(first, end)
    line_item = tokens.word_text[first]
    with np.errstate(over="ignore"):
        line_keys = mix64(line_hash ^ sources[line_item])
    is_boilerplate, rows = _boilerplate_lines(line_keys, matters[line_item], prior)
    keep = np.repeat(~is_boilerplate, end - first)
    return keep, rows


def _shingles(values: np.ndarray, items: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    if len(values) < SHINGLE_WORDS:
        return np.zeros(n + 1, dtype=np.int64), np.empty(0, dtype=_U64)
    same_item = items[:-2] == items[2:]
    with np.errstate(over="ignore"):
        shingles = mix64(values[:-2] * _K1 + values[1:-1] * _K2 + values[2:] * _K3)[same_item]
    offsets = np.searchsorted(items[:-2][same_item], np.arange(n + 1))
    return offsets, shingles


def _sentences(tokens: Tokens, sums: _RunningSums, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinctive sentences: long enough, all outside boilerplate, citing no statute."""
    first, end = _runs(tokens.word_sentence)
    if not len(first):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=_U64)
    dropped = np.add.reduceat((~keep).astype(np.int64), first)
    ids = tokens.word_sentence[first]
    distinctive = (end - first >= MIN_SENTENCE_WORDS) & (dropped == 0)
    distinctive &= ~np.isin(ids, tokens.legal_sentences)
    first, end = first[distinctive], end[distinctive]
    return tokens.word_text[first], sums.hashes(first, end)


def _year_contexts(values: np.ndarray, items: np.ndarray, years: np.ndarray):
    """Each named year with the two words before it and the word after it (same item only)."""
    at = np.flatnonzero(years)
    if not len(at):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=_U64), np.empty(0, dtype=np.uint16)

    def neighbour(offset: int) -> np.ndarray:
        other = np.clip(at + offset, 0, len(values) - 1)
        return np.where(items[other] == items[at], values[other], _U64(0))

    with np.errstate(over="ignore"):
        context = mix64(neighbour(-2) * _K1 + neighbour(-1) * _K2 + neighbour(1) * _K3)
    return items[at], context, years[at]


def fingerprint(
    texts, sources: np.ndarray, matters: np.ndarray | None = None, prior: PriorLines | None = None
) -> Fingerprints:
    """Fingerprints of a batch of texts. ``sources`` holds each text's ``source_key``; the batch must
    hold every new item of its sources (their boilerplate is counted over the batch plus ``prior``).

    A line is boilerplate when it is printed in items of ``BOILERPLATE_MIN_ITEMS`` different matters of
    its source: ``matters`` holds a stable key per text such that a board's and a council's handling of
    one matter (one diary number) share it — their shared text is the matter's, not the
    municipality's."""
    tokens = tokenise(texts)
    n = tokens.n_texts
    mixed = mix64(tokens.word_value)
    sums = _RunningSums(mixed)
    matters = np.arange(n, dtype=_U64) if matters is None else np.asarray(matters, dtype=_U64)
    keep, lines = _kept_words(tokens, sums, np.asarray(sources, dtype=_U64), matters, prior)
    kept_values, kept_items = mixed[keep], tokens.word_text[keep]
    offsets, shingles = _shingles(kept_values, kept_items, n)
    sentence_item, sentence_hash = _sentences(tokens, sums, keep)
    year_item, year_context, year_value = _year_contexts(kept_values, kept_items, tokens.word_year[keep])
    return Fingerprints(
        n=n,
        shingle_offsets=offsets,
        shingles=shingles,
        line_keys=lines[0],
        line_matters=lines[1],
        sentence_item=sentence_item,
        sentence_hash=sentence_hash,
        year_item=year_item,
        year_context=year_context,
        year_value=year_value,
    )
