"""What the linker compares: an item's own words, without what its municipality repeats everywhere.

Each source's items share boilerplate (appeal instructions, preparer lines, standard phrases). Left in,
it makes different matters look alike; so a paragraph that recurs in several of one source's items is
dropped before shingling. Shingles are word 3-grams of the fingerprint text (casefolded, hyphens and
punctuation gone), which separate Finnish items better than character n-grams.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable

import numpy as np

from parsing.text import fingerprint

SHINGLE_WORDS = 3
#: A paragraph seen in this many of one source's items is that source's boilerplate.
BOILERPLATE_MIN_ITEMS = 3
YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


def paragraphs(text: str) -> list[str]:
    return [p for p in (fingerprint(part) for part in re.split(r"\n\s*\n|\n", text or "")) if p]


def boilerplate_by_source(texts: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """(source, text) pairs → per source, the fingerprinted paragraphs that recur across its items."""
    counts: dict[str, Counter] = {}
    for source, text in texts:
        counts.setdefault(source, Counter()).update(set(paragraphs(text)))
    return {
        source: {p for p, n in counter.items() if n >= BOILERPLATE_MIN_ITEMS}
        for source, counter in counts.items()
    }


def shingles(text: str, boilerplate: set[str] | None = None) -> set[str]:
    words: list[str] = []
    for paragraph in paragraphs(text):
        if boilerplate and paragraph in boilerplate:
            continue
        words.extend(paragraph.split())
    if len(words) < SHINGLE_WORDS:
        return set()
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def hash_shingles(items: set[str]) -> np.ndarray:
    """Stable 64-bit hashes (Python's own hash is salted per process)."""
    return np.fromiter(
        (int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little") for s in items),
        dtype=np.uint64,
        count=len(items),
    )


def years_in(text: str | None) -> frozenset[str]:
    return frozenset(YEAR.findall(text or ""))
