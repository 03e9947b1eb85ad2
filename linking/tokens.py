"""Words, lines and sentences of many texts at once, as hashes, in NumPy.

The linker reads millions of items, so it never builds a Python string per word. A batch of texts is
encoded into one UTF-8 byte array (texts separated by NUL) and every step is an array operation on
those bytes:

- every character is *case folded* in place first (Unicode's simple case folding, ``words.fold_table``:
  ``Š``→``š``, ``Σ``→``σ``, ``A``→``a``), ASCII by arithmetic and the rest by decoding only the lead bytes
  of multi-byte characters; the rare text holding a character whose fold is longer or shorter in UTF-8
  (``ẞ``, the Kelvin sign) is folded as text instead;
- *joiners* are deleted, so that both copies of one text agree however each was broken: invisible
  characters (``words.INVISIBLE``) first, then a hyphen inside a word (``Päijät-Hämeen``) and a hyphen at
  a line end with the line break after it (``toiminta-⏎kertomus``), unless the next word is one of
  ``words.JOINING_WORDS`` (``esi-⏎ja perusopetus`` keeps its dropped shared part). A hyphen between
  digits (``2024-2025``) separates, so that years stay years;
- a *word* is a run of letters and digits of any script (``words.WORD_PATTERN``, looked up per code
  point in ``words.word_code_points``); ``words.comparison_words`` is the same definition in Python;
- each word's value is its length and a polynomial over its folded bytes modulo 2^32, read off one
  cumulative sum (the sum between the word's ends, scaled back by the inverse power of its start);
- lines end at a line break; sentences end at ``. ! ? : ;`` before white space, at a bullet and at the
  end of a text. A sentence that cites a statute (``(612/2021)``, ``§:n``) is marked as legal text.

The result is the same for a text whatever batch it is in, which is what lets the link index be built
in one go and then grown a day at a time.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from core.words.characters import (
    INVISIBLE,
    JOINING_WORDS,
    MAX_BREAK_WHITESPACE,
    fold,
    fold_table,
    word_code_points,
)

#: Changing anything that changes a word's hash changes this; the link index records it.
TOKENISER_VERSION = "unicode-simple-fold/bytes-poly32-length/v2"

_U8 = np.uint8
_U64 = np.uint64
_BASE = 0x01000193  # odd, so it has an inverse modulo 2^32
_CHUNK_BYTES = 1 << 22  # sub-batches of about 4 MB: few calls per byte, arrays still in cache
_NEWLINE, _NUL, _HYPHEN, _SLASH = 0x0A, 0x00, 0x2D, 0x2F


_INVERSE_BASE = pow(_BASE, -1, 2**32)
_scratch = threading.local()
_POWERS_CACHE: dict[tuple[int, type], np.ndarray] = {}


def powers(base: int, n: int, dtype: type = _U64) -> np.ndarray:
    """base^0 … base^(n-1) modulo 2^64 (or modulo 2^32 with ``dtype=np.uint32``), made on first use as
    the outer product of two short tables (a cumulative product of n elements is a slow dependency
    chain); the longest table asked for so far is kept, per base and width."""
    cached = _POWERS_CACHE.get((base, dtype))
    if cached is not None and len(cached) >= n:
        return cached[:n]
    step = 4096
    low = np.full(step, base, dtype=_U64)
    low[0] = 1
    low = np.cumprod(low, dtype=_U64)
    high = np.full(-(-max(n, 1) // step), pow(base, step, 2**64), dtype=_U64)
    high[0] = 1
    with np.errstate(over="ignore"):
        high = np.cumprod(high, dtype=_U64)
        table = np.multiply.outer(high, low).ravel().astype(dtype, copy=False)
    _POWERS_CACHE[(base, dtype)] = table
    return table[:n]


def mix64(h: np.ndarray) -> np.ndarray:
    """A bijective finaliser (from SplitMix64): neighbouring inputs give unrelated outputs."""
    with np.errstate(over="ignore"):
        x = h >> _U64(30)
        x ^= h
        x *= _U64(0xBF58476D1CE4E5B9)
        t = x >> _U64(27)
        x ^= t
        x *= _U64(0x94D049BB133111EB)
        np.right_shift(x, _U64(31), out=t)
        x ^= t
        return x


@dataclass
class Tokens:
    """The words of ``n_texts`` texts. Word-level arrays are aligned; ids of lines and sentences are
    numbered through the whole batch, so a line or sentence never spans two texts."""

    n_texts: int
    word_value: np.ndarray  # uint64 per word: equal words, equal values (see _word_values)
    word_text: np.ndarray  # int64: which text
    word_line: np.ndarray  # int64: line id
    word_sentence: np.ndarray  # int64: sentence id
    word_year: np.ndarray  # uint16: the year a word names (1900–2099), else 0
    legal_sentences: np.ndarray  # int64: ids of sentences that cite a statute
    n_lines: int = 0  # line and sentence ids run below these
    n_sentences: int = 0

    def text_offsets(self) -> np.ndarray:
        """Where each text's words begin (and the last one ends) in the word arrays."""
        return np.searchsorted(self.word_text, np.arange(self.n_texts + 1))


def _encode(texts: pa.LargeStringArray) -> np.ndarray:
    """One UTF-8 byte array of the texts, each followed by NUL (the batch's text separator)."""
    nul = pa.scalar("\x00", pa.large_string())
    joined = pc.binary_join_element_wise(pc.fill_null(texts, ""), nul, pa.scalar("", pa.large_string()))
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)[
        joined.offset : joined.offset + len(joined) + 1
    ]
    data = np.frombuffer(joined.buffers()[2], dtype=_U8)[offsets[0] : offsets[-1]]
    if np.count_nonzero(data == _NUL) != len(texts):  # a text carries NUL itself: it becomes a space
        data = np.where(data == _NUL, _U8(0x20), data)
        data[offsets[1:] - offsets[0] - 1] = _NUL
    return data


def _leads(d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The lead bytes of multi-byte characters: positions, lengths (2–4) and code points. Most are
    two-byte letters (``ä``, ``ö``), decoded in one go; the few longer ones are decoded apart."""
    at = np.flatnonzero(d >= _U8(0xC0))
    b0 = d[at]
    following = d[np.minimum(at + 1, len(d) - 1)]
    code_point = ((b0 & _U8(0x1F)).astype(np.uint32) << np.uint32(6)) | (following & _U8(0x3F))
    length = np.full(len(at), 2, dtype=np.int64)
    longer = np.flatnonzero(b0 >= _U8(0xE0))
    if len(longer):
        where = at[longer]
        c0 = b0[longer].astype(np.uint32)
        c1, c2, c3 = (
            d[np.minimum(where + k, len(d) - 1)].astype(np.uint32) & np.uint32(0x3F) for k in (1, 2, 3)
        )
        four = c0 >= 0xF0
        code_point[longer] = np.where(
            four, ((c0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3, ((c0 & 0x0F) << 12) | (c1 << 6) | c2
        )
        length[longer] = 3 + four
    return at, length, code_point


def _write_utf8(d: np.ndarray, at: np.ndarray, length: np.ndarray, code_point: np.ndarray) -> None:
    """Write code points over characters of the same UTF-8 length (in place)."""
    cp = code_point.astype(np.uint32)
    for n, lead in ((2, 0xC0), (3, 0xE0), (4, 0xF0)):
        these = length == n
        if not these.any():
            continue
        where, value = at[these], cp[these]
        d[where] = (lead | (value >> (6 * (n - 1)))).astype(_U8)
        for k in range(1, n):
            d[where + k] = (0x80 | ((value >> (6 * (n - 1 - k))) & 0x3F)).astype(_U8)


@dataclass
class _Leads:
    """The multi-byte characters of a byte array: where each begins, its length and its code point."""

    at: np.ndarray
    length: np.ndarray
    code_point: np.ndarray

    @classmethod
    def of(cls, d: np.ndarray) -> _Leads:
        return cls(*_leads(d))


def _folded(texts: pa.LargeStringArray) -> tuple[np.ndarray, _Leads]:
    """The texts' bytes (``_encode``) with every character's case folded, and their multi-byte
    characters."""
    d = _encode(texts)
    d = d | (((d - _U8(ord("A"))) < _U8(26)).view(_U8) << _U8(5))  # A-Z: bit 0x20 makes a-z
    leads = _Leads.of(d)
    table, length_changes = fold_table()
    if length_changes[leads.code_point].any():  # a fold of another UTF-8 length: fold these texts as text
        texts = pa.array([None if t is None else fold(t) for t in texts.to_pylist()], pa.large_string())
        d = _encode(texts).copy()
        return d, _Leads.of(d)
    folded = table[leads.code_point]
    changed = np.flatnonzero(folded != leads.code_point)
    if len(changed):
        _write_utf8(d, leads.at[changed], leads.length[changed], folded[changed])
        leads.code_point[changed] = folded[changed]
    return d, leads


def _word_bytes(d: np.ndarray, leads: _Leads) -> np.ndarray:
    """Bytes of word characters (``words.word_code_points``): ASCII letters and digits of the folded
    text, and every byte of a multi-byte letter or digit."""
    word = (d - _U8(ord("a"))) < _U8(26)
    word |= (d - _U8(ord("0"))) < _U8(10)
    letters = word_code_points()[leads.code_point]
    at, length = leads.at[letters], leads.length[letters]
    word[at] = True
    word[at + 1] = True
    for k in (2, 3):
        word[at[length > k] + k] = True
    return word


def _word_at(word: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``word[positions]``, False outside the array."""
    inside = (positions >= 0) & (positions < len(word))
    return word[np.clip(positions, 0, max(len(word) - 1, 0))] & inside


def _digits_at(d: np.ndarray, positions: np.ndarray) -> np.ndarray:
    at = np.clip(positions, 0, len(d) - 1)
    return ((d[at] - _U8(ord("0"))) < _U8(10)) & (positions >= 0) & (positions < len(d))


def _white_at(d: np.ndarray, positions: np.ndarray) -> np.ndarray:
    at = np.clip(positions, 0, len(d) - 1)
    byte = d[at]
    white = (byte == 0x20) | (byte == 0x09) | (byte == 0x0D) | (byte == _NEWLINE)
    return white & (positions >= 0) & (positions < len(d))


def _sequence_at(d: np.ndarray, positions: np.ndarray, pattern: bytes) -> np.ndarray:
    found = positions + len(pattern) <= len(d)
    for k, byte in enumerate(pattern):
        found &= d[np.minimum(positions + k, len(d) - 1)] == byte
    return found


def _specials(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the few bytes that end sentences and lines or join words: control characters and
    ASCII punctuation other than the space; and lead bytes of non-letter characters (C2: NBSP, §, soft
    hyphen; E2–FF: dashes, bullets, zero-width characters)."""
    special = np.flatnonzero(
        ((d < _U8(0x30)) & (d != _U8(0x20)))
        | ((d - _U8(0x3A)) < _U8(6))
        | (d == _U8(0xC2))
        | (d >= _U8(0xE2))
    )
    multibyte = d[special] >= _U8(0xC2)
    return special[~multibyte], special[multibyte]


def _repair_markers(d: np.ndarray, symbols: np.ndarray, punctuation: np.ndarray) -> tuple[np.ndarray, list]:
    """PDFium marks a line-end hyphen with U+0002 or U+FFFE: both become ``-``. Returns the bytes (a
    copy only when a marker is present) and the positions of bytes to delete."""
    stx = punctuation[d[punctuation] == 0x02]
    fffe = symbols[_sequence_at(d, symbols, b"\xef\xbf\xbe")]
    if not len(stx) and not len(fffe):
        return d, []
    d = d.copy()
    d[stx] = _HYPHEN
    d[fffe] = _HYPHEN
    return d, [fffe + 1, fffe + 2]


_INVISIBLE_BYTES = tuple(character.encode() for character in INVISIBLE)


def _invisible(d: np.ndarray, symbols: np.ndarray) -> list:
    """Bytes of invisible characters (``words.INVISIBLE``: all of them multi-byte)."""
    doomed = []
    for pattern in _INVISIBLE_BYTES:
        hit = symbols[_sequence_at(d, symbols, pattern)]
        doomed += [hit + k for k in range(len(pattern))]
    return doomed


def _joining_word_at(d: np.ndarray, word: np.ndarray, positions: np.ndarray) -> np.ndarray:
    found = np.zeros(len(positions), dtype=bool)
    for joining in JOINING_WORDS:
        pattern = joining.encode()
        found |= _sequence_at(d, positions, pattern) & ~_word_at(word, positions + len(pattern))
    return found


def ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Every position in the half-open ranges [starts, ends)."""
    lengths = ends - starts
    if not lengths.sum():
        return np.empty(0, dtype=np.int64)
    shifts = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return shifts + np.arange(lengths.sum())


def _hyphen_joiners(d: np.ndarray, word: np.ndarray, punctuation: np.ndarray) -> list:
    """Bytes to delete for hyphens that join: inside a word, or at a line end (with the white space up
    to the next word); never between digits, never before a joining word."""
    hyphens = punctuation[d[punctuation] == _HYPHEN]
    left_word = _word_at(word, hyphens - 1)
    hyphens, left_word = hyphens[left_word], left_word[left_word]
    if not len(hyphens):
        return []
    between_digits = _digits_at(d, hyphens - 1) & _digits_at(d, hyphens + 1)
    inside = hyphens[_word_at(word, hyphens + 1) & ~between_digits]
    ends = hyphens[_white_at(d, hyphens + 1)]
    if not len(ends):
        return [inside]
    next_word = ends + 1
    saw_newline = np.zeros(len(ends), dtype=bool)
    scanning = np.ones(len(ends), dtype=bool)
    for _ in range(MAX_BREAK_WHITESPACE):  # a longer white-space run is page furniture, not a line break
        white = scanning & _white_at(d, next_word)
        saw_newline |= white & (d[np.minimum(next_word, len(d) - 1)] == _NEWLINE)
        next_word = np.where(white, next_word + 1, next_word)
        scanning = white
    joined = saw_newline & ~scanning & _word_at(word, next_word)
    joined &= ~(_digits_at(d, ends - 1) & _digits_at(d, next_word))
    joined &= ~_joining_word_at(d, word, next_word)
    return [inside, ranges(ends[joined], next_word[joined])]


def _kept(n: int, doomed: list) -> np.ndarray | None:
    """Which of ``n`` bytes stay when the ``doomed`` positions go (None: all of them)."""
    doomed = [p for p in doomed if len(p)]
    if not doomed:
        return None
    keep = np.ones(n, dtype=bool)
    for positions in doomed:
        keep[positions] = False
    return keep


def _shifted(positions: np.ndarray, deleted: np.ndarray) -> np.ndarray:
    """Positions after the ``deleted`` (sorted) bytes are taken out; deleted positions are dropped."""
    before = np.searchsorted(deleted, positions)
    gone = deleted[np.minimum(before, len(deleted) - 1)] == positions
    return (positions - before)[~gone]


def _sentence_ends(d: np.ndarray, punctuation: np.ndarray, symbols: np.ndarray) -> np.ndarray:
    """Byte positions where a sentence ends: ``. ! ? : ;`` before white space or the text's end, a line
    break before a bullet, a bullet ``•``, the end of a text."""
    byte = d[punctuation]
    after = d[np.minimum(punctuation + 1, len(d) - 1)]
    closing = (
        (byte == ord(".")) | (byte == ord("!")) | (byte == ord("?")) | (byte == ord(":")) | (byte == ord(";"))
    )
    closing &= _white_at(d, punctuation + 1) | (after == _NUL)
    bullet_line = (byte == _NEWLINE) & ((after == ord("-")) | (after == ord("*")) | (after == 0xE2))
    bullets = symbols[_sequence_at(d, symbols, b"\xe2\x80\xa2")]
    ends = punctuation[closing | bullet_line | (byte == _NUL)]
    return np.sort(np.concatenate([ends, bullets])) if len(bullets) else ends


def _statute_citations(d: np.ndarray, punctuation: np.ndarray, symbols: np.ndarray) -> np.ndarray:
    """Positions of ``(612/2021)``-style citations and of ``§:n``: a sentence holding one is legal text."""
    slash = punctuation[d[punctuation] == _SLASH]
    cited = _digits_at(d, slash - 1) & (d[np.minimum(slash + 5, len(d) - 1)] == ord(")"))
    for k in range(1, 5):
        cited &= _digits_at(d, slash + k)
    section = symbols[_sequence_at(d, symbols, "§:n".encode())]
    return np.concatenate([slash[cited], section])


def _years(d: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    year = np.zeros(len(starts), dtype=np.uint16)
    four = np.flatnonzero(ends - starts == 4)
    if not len(four):
        return year
    s = starts[four]
    digits = [d[s + k].astype(np.int32) - ord("0") for k in range(4)]
    all_digits = np.logical_and.reduce([(x >= 0) & (x <= 9) for x in digits])
    value = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3]
    is_year = all_digits & (value >= 1900) & (value <= 2099)
    year[four[is_year]] = value[is_year]
    return year


def _owner(ends: np.ndarray, word_starts: np.ndarray) -> np.ndarray:
    """For words at ``word_starts`` (sorted), how many of the sorted positions ``ends`` lie before each:
    the id of the line, sentence or text a word is in."""
    counts = np.diff(np.searchsorted(word_starts, ends), prepend=0, append=len(word_starts))
    return np.repeat(np.arange(len(ends) + 1), counts)


def _buffer(n: int) -> np.ndarray:
    """A per-thread uint32 work array: fresh multi-megabyte arrays cost page faults every time."""
    buffer = getattr(_scratch, "buffer", None)
    if buffer is None or len(buffer) < n:
        buffer = _scratch.buffer = np.empty(max(n, _CHUNK_BYTES * 2), dtype=np.uint32)
    return buffer[:n]


def _word_values(d: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Each word as a 64-bit value: its length above a polynomial of its bytes modulo 2^32 (one running
    sum, read between the word's ends and scaled back by its start). Values are not mixed: shingles,
    lines and sentences mix the values they combine."""
    n = len(d)
    table = max(n + 1, _CHUNK_BYTES * 2)  # one table serves every chunk
    forward = powers(_BASE, table, np.uint32)
    inverse = powers(_INVERSE_BASE, table, np.uint32)
    running = _buffer(n + 1)
    running[0] = 0
    with np.errstate(over="ignore"):
        np.copyto(running[1:], d, casting="unsafe")
        np.multiply(running[1:], forward[:n], out=running[1:])
        np.cumsum(running[1:], out=running[1:])
        sums = (running[ends] - running[starts]) * inverse[starts]
    return sums.astype(_U64) | (np.minimum(ends - starts, 0xFFFF).astype(_U64) << _U64(32))


def _word_edges(word: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each word is ``d[start:end]``."""
    flips = np.flatnonzero(word[1:] != word[:-1]) + 1
    if len(word) and word[0]:
        flips = np.concatenate(([0], flips))
    return flips[0::2], flips[1::2]


def string_keys(strings: Sequence[str | None] | pl.Series | pa.Array) -> np.ndarray:
    """A stable 64-bit key per whole string (its bytes, as a word's value is made, then mixed); equal
    strings, equal keys. For identifiers, not text: nothing is folded or split."""
    array = as_arrow_texts(strings)
    if not len(array):
        return np.empty(0, dtype=_U64)
    nul, empty = pa.scalar("\x00", pa.large_string()), pa.scalar("", pa.large_string())
    joined = pc.binary_join_element_wise(pc.fill_null(array, ""), nul, empty)
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)[
        joined.offset : joined.offset + len(joined) + 1
    ]
    data = np.frombuffer(joined.buffers()[2], dtype=_U8)[offsets[0] : offsets[-1]]
    starts = offsets[:-1] - offsets[0]
    values = _word_values(data, starts, offsets[1:] - offsets[0])
    return mix64(values ^ (data[np.minimum(starts, len(data) - 1)].astype(_U64) << _U64(48)))


def _without(d: np.ndarray, doomed: list, punctuation: np.ndarray, symbols: np.ndarray):
    """``d`` without the ``doomed`` bytes, and the special positions moved accordingly; also which bytes
    were kept (None when nothing went)."""
    keep = _kept(len(d), doomed)
    if keep is None:
        return d, punctuation, symbols, None
    deleted = np.flatnonzero(~keep)
    return d[keep], _shifted(punctuation, deleted), _shifted(symbols, deleted), keep


def _tokenise_chunk(texts: pa.LargeStringArray) -> Tokens:
    d, leads = _folded(texts)
    punctuation, symbols = _specials(d)
    d, doomed = _repair_markers(d, symbols, punctuation)
    if doomed:
        punctuation, symbols = _specials(d)
    d, punctuation, symbols, kept = _without(d, doomed + _invisible(d, symbols), punctuation, symbols)
    if kept is not None or doomed:  # bytes went, or markers became hyphens: read the characters again
        leads = _Leads.of(d)
    word = _word_bytes(d, leads)
    d, punctuation, symbols, keep = _without(d, _hyphen_joiners(d, word, punctuation), punctuation, symbols)
    if keep is not None:
        word = word[keep]
    starts, ends = _word_edges(word)

    kind = d[punctuation]
    text_ends = punctuation[kind == _NUL]
    line_ends = punctuation[(kind == _NEWLINE) | (kind == _NUL)]
    sentence_ends = _sentence_ends(d, punctuation, symbols)
    legal = np.unique(np.searchsorted(sentence_ends, _statute_citations(d, punctuation, symbols)))
    return Tokens(
        n_texts=len(texts),
        word_value=_word_values(d, starts, ends),
        word_text=_owner(text_ends, starts),
        word_line=_owner(line_ends, starts),
        word_sentence=_owner(sentence_ends, starts),
        word_year=_years(d, starts, ends),
        legal_sentences=legal,
        n_lines=len(line_ends) + 1,
        n_sentences=len(sentence_ends) + 1,
    )


def _chunk_bounds(texts: pa.LargeStringArray) -> list[tuple[int, int]]:
    """Consecutive runs of texts of about ``_CHUNK_BYTES`` together."""
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[texts.offset : texts.offset + len(texts) + 1]
    ends = offsets[1:] - offsets[0] + np.arange(1, len(texts) + 1)
    cuts = np.searchsorted(ends, np.arange(_CHUNK_BYTES, ends[-1] if len(ends) else 0, _CHUNK_BYTES))
    bounds = np.unique(np.concatenate(([0], cuts + 1, [len(texts)])).clip(0, len(texts)))
    return [(int(a), int(b)) for a, b in itertools.pairwise(bounds)] or [(0, 0)]


def as_arrow_texts(texts: Sequence[str | None] | pl.Series | pa.Array) -> pa.LargeStringArray:
    if isinstance(texts, pl.Series):
        texts = texts.to_arrow()
    elif not isinstance(texts, pa.Array | pa.ChunkedArray):
        texts = pa.array(texts, type=pa.large_string())
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    return texts.cast(pa.large_string())


def tokenise(texts: Sequence[str | None] | pl.Series | pa.Array) -> Tokens:
    """The words of ``texts`` (in their order), with the line, sentence and year of every word."""
    texts = as_arrow_texts(texts)
    parts = []
    text_base = line_base = sentence_base = 0
    for start, end in _chunk_bounds(texts):
        part = _tokenise_chunk(texts.slice(start, end - start))
        part.word_text += text_base
        part.word_line += line_base
        part.word_sentence += sentence_base
        part.legal_sentences += sentence_base
        parts.append(part)
        text_base += end - start
        line_base += part.n_lines
        sentence_base += part.n_sentences
    if len(parts) == 1:
        return parts[0]
    return Tokens(
        n_texts=len(texts),
        word_value=np.concatenate([p.word_value for p in parts]),
        word_text=np.concatenate([p.word_text for p in parts]),
        word_line=np.concatenate([p.word_line for p in parts]),
        word_sentence=np.concatenate([p.word_sentence for p in parts]),
        word_year=np.concatenate([p.word_year for p in parts]),
        legal_sentences=np.concatenate([p.legal_sentences for p in parts]),
        n_lines=line_base,
        n_sentences=sentence_base,
    )
