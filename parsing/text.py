"""Clean Finnish text out of what pages and PDFs give us.

``normalise_lines`` produces the text people read: paragraphs kept, hard line breaks inside a paragraph
joined, words hyphenated across lines repaired by rules (a hyphen before a capitalised word or between
identical vowels is a real one, ``esi-`` before ``ja`` is a dropped shared part). The text machines
compare need not decide any of that: ``words.comparison_words`` drops every joining hyphen instead, so
two copies of one text agree however each was broken.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from core.words.characters import JOINING_WORDS, without_invisible

SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\t"), " ")

BULLET = re.compile(r"^\s*(?:[•·▪◦●■\-–—*\x7f\uf0b7]|\(cid:127\))\s+")
SENTENCE_END = tuple(".:;!?")
VOWELS = set("aeiouyäöå")


def clean_characters(text: str) -> str:
    """NFC, invisible characters removed, exotic spaces made plain, PDF hyphen markers made hyphens."""
    text = without_invisible(unicodedata.normalize("NFC", text)).translate(SPACES)
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class Vocabulary:
    """What the text around a line-break hyphen says about its words: compounds it writes with a
    hyphen (``leader-ryhmä``), words it writes whole, and capitalised words it uses mid-sentence
    (proper nouns such as ``Hollolan``). Lowercased."""

    hyphen_stems: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    proper_nouns: frozenset[str] = frozenset()


NO_VOCABULARY = Vocabulary()
TOKEN = re.compile(r"[\w-]+[.!?:;,)]*|\S")


def vocabulary_of(lines: list[str]) -> Vocabulary:
    """The words of ``lines`` as evidence for repairing line-break hyphens elsewhere in them."""
    stems, words, proper = set(), set(), set()
    sentence_start = True
    for line in lines:
        if not line.strip() or BULLET.match(line):
            sentence_start = True
        for token in TOKEN.findall(line):
            word = token.rstrip(".!?:;,)")
            if "-" in word.strip("-"):
                stems.add(word.split("-", 1)[0].lower())
            elif word.isalpha():
                words.add(word.lower())
            if word[:1].isupper() and not sentence_start and word.isalpha():
                proper.add(word.lower())
            sentence_start = token.endswith((".", "!", "?", ":")) or token in ("•", "-", "–")
    return Vocabulary(frozenset(stems), frozenset(words), frozenset(proper))


def _at_sentence_start(text: str) -> bool:
    return not text.strip() or text.rstrip().endswith((".", "!", "?", ":", "•", " -", "–"))


def _is_proper_stem(stem: str, before: str, vocabulary: Vocabulary) -> bool:
    """A capitalised stem that names something (Leader-, Hollola-): capitalised mid-sentence, with a
    capital inside it (DigiOne-), or used as a proper noun elsewhere in the text (Hollolan)."""
    if not stem[:1].isupper():
        return False
    if any(ch.isupper() for ch in stem[1:]) or not _at_sentence_start(before):
        return True
    lowered = stem.lower()
    return len(lowered) >= 4 and any(noun.startswith(lowered) for noun in vocabulary.proper_nouns)


def join_hyphenated(left: str, right: str, vocabulary: Vocabulary = NO_VOCABULARY) -> str:
    """Join a line ending in ``left`` (which ends with "-") to a line starting with ``right``."""
    stem = left[:-1]
    next_word = right.split(" ", 1)[0]
    before, _, last_word = stem.rpartition(" ")
    if not last_word or not next_word:
        return f"{left} {right}"
    if next_word.lower().strip(",.;:") in JOINING_WORDS:
        return f"{left} {right}"  # esi- ja perusopetus: the hyphen stands for a shared part
    if next_word[0].isupper() or next_word[0].isdigit():
        return f"{left}{right}"  # Päijät-Häme, 2024-2025: a real hyphen
    if last_word.isdigit() or (last_word.isupper() and len(last_word) <= 4):
        return f"{left}{right}"  # EU-, ICT-: an abbreviation's hyphen
    if last_word[-1].lower() in VOWELS and last_word[-1].lower() == next_word[0].lower():
        return f"{left}{right}"  # linja-auto: Finnish writes a hyphen between identical vowels
    stem_word = last_word.lstrip("(\"'”").lower()
    if stem_word in vocabulary.hyphen_stems:
        return f"{left}{right}"  # the text writes this compound with a hyphen elsewhere
    if (stem_word + next_word.rstrip(".,;:!?)").lower()) in vocabulary.words:
        return f"{stem}{right}"  # …and this one whole
    if _is_proper_stem(last_word.lstrip("(\"'”"), before, vocabulary):
        return f"{left}{right}"  # Leader-ryhmältä, Hollola-päivät: a name before the hyphen
    return f"{stem}{right}"  # an ordinary word broken at the line end


def _join(paragraph: list[str], vocabulary: Vocabulary = NO_VOCABULARY) -> str:
    text = ""
    for line in paragraph:
        if not text:
            text = line
        elif text.endswith("-") and len(text) > 1 and text[-2].isalnum():
            text = join_hyphenated(text, line, vocabulary)
        else:
            text = f"{text} {line}"
    return text


def normalise_lines(lines: list[str]) -> str:
    """Paragraphs of clean text from raw lines (hard breaks inside paragraphs, blank lines between)."""
    paragraphs: list[list[str]] = []
    current: list[str] = []
    pending_blank = False
    for raw in lines:
        line = re.sub(r" {2,}", " ", clean_characters(raw)).strip()
        if not line:
            pending_blank = bool(current)
            continue
        bullet = BULLET.match(line)
        if bullet:
            line = "- " + line[bullet.end() :]
        continues = (
            current
            and not bullet
            and (not pending_blank or (not current[-1].endswith(SENTENCE_END) and line[:1].islower()))
        )
        if continues:
            current.append(line)
        else:
            if current:
                paragraphs.append(current)
            current = [line]
        pending_blank = False
    if current:
        paragraphs.append(current)
    # The vocabulary is evidence for line-end hyphens only; most HTML text has none to decide.
    broken = any(line.endswith("-") for paragraph in paragraphs for line in paragraph[:-1])
    vocabulary = vocabulary_of([line for p in paragraphs for line in p]) if broken else NO_VOCABULARY
    return "\n\n".join(_join(p, vocabulary) for p in paragraphs)


def normalise_text(text: str) -> str:
    return normalise_lines(text.split("\n"))
