"""Which characters make a word, how their case is folded, and what joins the words of a broken line.

A *word* is a run of letters and digits of any script: the code points that ``WORD_PATTERN`` (the
regular expression ``[\\p{L}\\p{N}]+``) matches. The pattern is the definition; what the NumPy tokeniser
(``word_code_points``) and plain Python (``words``) use is derived from it by asking Polars' regex
engine — the one search indexes with — about every code point, so the three cannot drift apart.

Case is folded by Unicode's simple case folding (``fold``): one character for another, so that
``Šakki`` and ``šakki``, ``ΣΟΦΟΣ`` and ``σοφος`` are one word, and so that the tokeniser can fold UTF-8
bytes in place (``fold_table``). Full folding would also expand ``ß`` to ``ss``; lower-casing alone
leaves ``ς`` and ``σ`` apart. DuckDB folds a search query the same way (``sql_fold``).

What the linker compares (``comparison_words``) also removes what breaks one word in one copy of a text
and not in another: invisible characters (``INVISIBLE``), hyphens inside a word (``Päijät-Hämeen``), and
a hyphen at a line end with the line break after it (``toiminta-⏎kertomus``) — unless the next word is
one of ``JOINING_WORDS`` (``esi-⏎ja perusopetus`` keeps its dropped shared part) or digits stand on
both sides (``2024-⏎2025`` stays two years).
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import polars as pl

WORD_PATTERN = r"[\p{L}\p{N}]+"
#: The words before which a hyphen stands for a shared part (``esi- ja perusopetus``), never a break.
JOINING_WORDS = ("ja", "tai", "sekä", "eli", "ynnä", "tahi")
#: Characters that are invisible on the page and split words in one copy and not in another: soft
#: hyphen, zero-width space, non-joiner and joiner, word joiner, invisible separator, byte order mark.
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\u2063\ufeff"
#: PDFium marks a hyphen at a line end with one of these instead of "-".
PDF_HYPHEN_MARKERS = ("\u0002", "\ufffe")
#: A white-space run after a line-end hyphen at least this long is page furniture, not a line break.
MAX_BREAK_WHITESPACE = 16

UNICODE_SIZE = 0x110000
_SURROGATES = range(0xD800, 0xE000)


def fold(text: str) -> str:
    """``text`` with its case folded: Unicode's simple case folding, one character for one (``Š``→``š``,
    ``Σ`` and ``ς``→``σ``, ``ẞ``→``ß``), as ``fold_table`` folds the tokeniser's bytes."""
    return text.translate(_fold_translation())


@cache
def _simple_folds() -> dict[int, int]:
    """Every word character whose simple case fold differs from it, with that fold.

    Python offers full folding (``str.casefold``, which may expand a character: ``ß``→``ss``); the simple
    fold is that where it is one character, else the lower case where that is one character and folds
    to itself, else the character itself — which is Unicode's simple folding (statuses C and S)."""
    folds = {}
    for code_point in np.flatnonzero(word_code_points()).tolist():
        character = chr(code_point)
        folded = character.casefold()
        if len(folded) != 1:
            lower = character.lower()
            folded = lower if len(lower) == 1 and len(lower.casefold()) != 1 else character
        if folded != character:
            folds[code_point] = ord(folded)
    return folds


@cache
def _fold_translation() -> dict[int, int]:
    return {**_simple_folds(), **{c: c + 32 for c in range(ord("A"), ord("Z") + 1)}}


@cache
def fold_table() -> tuple[np.ndarray, np.ndarray]:
    """Per code point its simple case fold (uint32), and whether the fold's UTF-8 encoding has another
    length (a handful: ``K`` the Kelvin sign, ``ẞ``, ``Ⱥ``): what the tokeniser must fold as text."""
    table = np.arange(UNICODE_SIZE, dtype=np.uint32)
    folds = _simple_folds()
    table[list(folds)] = list(folds.values())
    source = np.fromiter(folds, dtype=np.int64, count=len(folds))
    length_changes = np.zeros(UNICODE_SIZE, dtype=bool)
    length_changes[source] = _utf8_length(source) != _utf8_length(table[source].astype(np.int64))
    return table, length_changes


def _utf8_length(code_points: np.ndarray) -> np.ndarray:
    return 1 + (code_points >= 0x80) + (code_points >= 0x800) + (code_points >= 0x10000)


def sql_fold(expression: str) -> str:
    """SQL that folds the text ``expression`` as ``fold`` does: DuckDB's ``lower`` (simple lower-casing),
    then ``translate`` for the few lower-case letters whose fold is another letter (``ς``, ``ſ``)."""
    pairs = sorted(
        (c, f) for c, f in _simple_folds().items() if chr(c) == chr(c).lower() and chr(c).isalpha()
    )
    sources = "".join(chr(c) for c, _ in pairs)
    targets = "".join(chr(f) for _, f in pairs)
    return f"translate(lower({expression}), '{sources}', '{targets}')"


@cache
def word_code_points() -> np.ndarray:
    """A bool per code point of Unicode: whether ``WORD_PATTERN`` counts it as a word character.

    Polars' regex engine (the one search indexes with) finds the pattern's runs in one string of every
    code point, once per process (a fraction of a second), so the table holds exactly what search's
    regular expression holds."""
    code_points = np.arange(UNICODE_SIZE, dtype="<u4")
    code_points = code_points[(code_points < _SURROGATES.start) | (code_points >= _SURROGATES.stop)]
    everything = code_points.tobytes().decode("utf-32-le")
    runs = pl.Series([everything]).str.extract_all(WORD_PATTERN)[0].to_list()
    table = np.zeros(UNICODE_SIZE, dtype=bool)
    table[np.frombuffer("".join(runs).encode("utf-32-le"), dtype="<u4")] = True
    return table


@cache
def word_class() -> str:
    """``WORD_PATTERN``'s character class for Python's ``re`` (which lacks ``\\p{…}``), from the table."""
    table = word_code_points()
    edges = np.flatnonzero(np.diff(np.concatenate(([False], table, [False])).astype(np.int8)))
    spans = "".join(
        f"\\U{first:08x}-\\U{end - 1:08x}" for first, end in zip(edges[::2], edges[1::2], strict=True)
    )
    return f"[{spans}]"


@cache
def _word() -> re.Pattern:
    return re.compile(word_class() + "+")


@cache
def _joiners() -> tuple[re.Pattern, re.Pattern]:
    """Candidates for line-end hyphens and in-word hyphens that join (see the module's docstring)."""
    letter = word_class()
    joining = "|".join(JOINING_WORDS)
    line_end = re.compile(
        rf"(?<={letter})-([ \t\r\n]{{1,{MAX_BREAK_WHITESPACE - 1}}})(?={letter})(?!(?:{joining})(?!{letter}))"
    )
    inside = re.compile(rf"(?<={letter})-(?={letter})")
    return line_end, inside


def _between_digits(match: re.Match) -> bool:
    """Whether a digit stands right before the hyphen and right after what the match removes."""
    text, start, end = match.string, match.start(), match.end()
    return text[start - 1] in _DIGITS and text[end : end + 1] in _DIGITS


_DIGITS = frozenset("0123456789")


def _join_line_end(match: re.Match) -> str:
    return "" if "\n" in match[1] and not _between_digits(match) else match[0]


def _join_inside(match: re.Match) -> str:
    return match[0] if _between_digits(match) else ""


def words(text: str | None) -> list[str]:
    """The words of ``text``, case folded; every other character separates."""
    return _word().findall(fold(text or ""))


def without_invisible(text: str) -> str:
    """``text`` without invisible characters and with PDF hyphen markers as hyphens."""
    text = text.translate(_INVISIBLE_TABLE)
    for marker in PDF_HYPHEN_MARKERS:
        text = text.replace(marker, "-")
    return text


_INVISIBLE_TABLE = dict.fromkeys(map(ord, INVISIBLE), None)


def comparison_words(text: str | None) -> list[str]:
    """The words of ``text`` as the linker compares them: invisible characters and joining hyphens
    removed, then ``words``. Two copies of one text agree however each was broken across lines.

    This is the definition in plain Python; ``linking.tokens`` computes the same in NumPy over millions
    of texts, and a test holds the two together."""
    line_end, inside = _joiners()
    text = fold(without_invisible(text or ""))
    text = line_end.sub(_join_line_end, text)
    return _word().findall(inside.sub(_join_inside, text))
