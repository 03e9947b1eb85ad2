"""Lay running text out the way a PDF-to-text copy shows it: hard line breaks, words hyphenated across
lines at Finnish syllable boundaries, ``•`` bullets. The demo uses it to publish one copy of a shared
report in PDF shape, so the normaliser and the linker meet the real difficulty."""

from __future__ import annotations

VOWELS = set("aeiouyäöåAEIOUYÄÖÅ")


def bullets_as_dots(paragraph: str) -> str:
    return "\n".join("• " + line[2:] if line.startswith("- ") else line for line in paragraph.splitlines())


def _syllable_split(word: str, room: int) -> int | None:
    """The latest split point that fits in ``room`` characters (hyphen included) where a consonant
    followed by a vowel starts a new syllable: the basic Finnish hyphenation rule."""
    for i in range(min(room - 1, len(word) - 3), 2, -1):
        if word[i] not in VOWELS and word[i].isalpha() and word[i + 1] in VOWELS:
            return i
    return None


def hard_wrap(text: str, width: int = 64) -> list[str]:
    lines: list[str] = []
    for source_line in text.splitlines():
        line = ""
        for word in source_line.split():
            candidate = f"{line} {word}" if line else word
            if len(candidate) <= width:
                line = candidate
                continue
            room = width - len(line) - 1
            head, tail = _split_word(word, room)
            if head:
                lines.append(f"{line} {head}" if line else head)
                line = tail
            else:
                lines.append(line)
                line = word
        if line:
            lines.append(line)
    return lines


def _split_word(word: str, room: int) -> tuple[str | None, str]:
    if "-" in word[:-1]:
        cut = word.rfind("-", 0, max(room, 0))
        if cut > 0:
            return word[: cut + 1], word[cut + 1 :]
    if len(word) >= 10 and room >= 5 and word.isalpha():
        cut = _syllable_split(word, room)
        if cut:
            return word[:cut] + "-", word[cut:]
    return None, word
