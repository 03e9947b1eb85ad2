"""Who a preparer or presenter line names: people with their job titles, as rows for the ``people`` view.

Pages print these lines in several ways: ``Sivistysjohtaja Hanna Mattila``, ``Liikuntapäällikkö Rinne,
Toni`` (surname first, comma), ``Kunnanjohtaja Juha Rantanen, Talousjohtaja Mika Koivisto`` (two people),
or a body instead of a person (``Kunnanhallitus`` presents to the council). The parser keeps the line as
printed; the warehouse reads it into people here, once per distinct line (a few thousand lines, however
many handlings), so that "who prepares the matters of this board" is a GROUP BY.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from parsing.people import ROLE_SUFFIXES

#: A segment that names a body rather than a person (a council's items are presented by the board).
BODY_SUFFIXES = ("hallitus", "valtuusto", "lautakunta", "jaosto", "toimikunta", "neuvosto", "liitto")
SEPARATORS = re.compile(r"\s*(?:,|;|\s+ja\s+|\s+sekä\s+)\s*")
NAME_WORD = re.compile(r"^[A-ZÅÄÖÜ][\w'’.-]*$")


def _is_title(word: str) -> bool:
    return word.lower().rstrip(",").endswith(ROLE_SUFFIXES)


def _title_length(words: list[str]) -> int:
    """How many leading words are a job title: ``Sivistysjohtaja`` (1), ``Tekninen johtaja`` (2),
    ``vs. kunnanjohtaja`` (2); 0 when the segment starts with the name."""
    for length in range(min(3, len(words)), 0, -1):
        if _is_title(words[length - 1]) and not _is_body(words[length - 1]):
            return length
    return 0


def _is_body(segment: str) -> bool:
    return segment.lower().endswith(BODY_SUFFIXES)


def people_of(printed: str | None) -> list[tuple[str, str | None]]:
    """``(person, title)`` for each person a printed line names, in the order printed.

    ``Lastname, Firstname`` becomes ``Firstname Lastname`` so that one person printed both ways is one
    person; a segment naming a body, or a title without a name, names no person."""
    if not printed:
        return []
    segments = [s for s in SEPARATORS.split(printed.strip()) if s]
    people: list[tuple[str, str | None]] = []
    index = 0
    while index < len(segments):
        words = segments[index].split()
        title = None
        if length := _title_length(words):
            title = " ".join(words[:length])
            title, words = title[:1].upper() + title[1:], words[length:]
        following = segments[index + 1].split() if index + 1 < len(segments) else []
        if len(words) == 1 and len(following) == 1 and NAME_WORD.match(following[0]):
            words = [following[0], words[0]]  # "Rinne, Toni" → "Toni Rinne"
            index += 1
        index += 1
        name = " ".join(words)
        if not words or _is_body(name) or not all(NAME_WORD.match(w) for w in words):
            continue
        people.append((name, title))
    return people


def printed_people_rows(lines: Iterable[str | None]) -> list[dict]:
    """Rows of ``printed_people``: each distinct printed line with every person it names."""
    return [
        {"printed": line, "position": position, "person": person, "title": title}
        for line in sorted({line for line in lines if line})
        for position, (person, title) in enumerate(people_of(line), start=1)
    ]
