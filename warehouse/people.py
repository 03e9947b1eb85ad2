"""Who a preparer or presenter line names: people with their job titles, as rows for the ``people`` view.

Pages print these lines in several ways: ``Sivistysjohtaja Hanna Mattila``, ``Liikuntapäällikkö Rinne,
Toni`` (surname first, comma), ``Sari Kivelä, liikuntapäällikkö`` (title after the name),
``Talousjohtaja Pasi Hyvönen, controller Jenni Aalto`` (two people), ``Suun terveydenhuollon johtaja
Tuula Ahokas`` (a title of several words), or a body instead of a person (``Kunnanhallitus`` presents to
the council). The parser keeps the line as printed; the warehouse reads it into people here, once per
distinct line (a few thousand lines, however many handlings), so that "who prepares the matters of this
board" is a GROUP BY.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from parsing.bodies import BODY_WORDS
from parsing.people import ROLE_SUFFIXES

#: Commas and semicolons part people; "ja"/"sekä" only before a name or a title ("Hyvinvoinnin ja
#: terveyden edistämisen päällikkö" is one title).
SEPARATORS = re.compile(r"\s*[,;]\s*|\s+(?:ja|sekä)\s+(?=[A-ZÅÄÖ]|\w*(?:johtaja|päällikkö|sihteeri)\b)")
NAME_WORD = re.compile(r"^[A-ZÅÄÖÜ][\w'’.-]*$")


def _is_title_word(word: str) -> bool:
    """A word of a job title: lower-case (``tekninen johtaja``, ``controller``) or ending like one."""
    return not NAME_WORD.match(word) or word.lower().endswith(ROLE_SUFFIXES)


def _split_title(words: list[str]) -> tuple[str | None, list[str]]:
    """(title, name words): the title runs up to the last title word, the name is what follows it."""
    last = max((i for i, word in enumerate(words) if _is_title_word(word)), default=-1)
    title = " ".join(words[: last + 1]) or None
    return (title[:1].upper() + title[1:] if title else None), words[last + 1 :]


def _is_body(segment: str) -> bool:
    """A segment that names a body rather than a person (a council's items are presented by the board)."""
    return segment.lower().endswith(BODY_WORDS)


def people_of(printed: str | None) -> list[tuple[str, str | None]]:
    """``(person, title)`` for each person a printed line names, in the order printed.

    ``Lastname, Firstname`` becomes ``Firstname Lastname`` so that one person printed both ways is one
    person; a title printed after a name belongs to it; a segment naming a body, or a title without a
    name, names no person."""
    if not printed:
        return []
    segments = [s for s in SEPARATORS.split(printed.strip()) if s]
    people: list[tuple[str, str | None]] = []
    index = 0
    while index < len(segments):
        segment = segments[index]
        index += 1
        if _is_body(segment):
            continue
        title, name = _split_title(segment.split())
        following = segments[index].split() if index < len(segments) else []
        if len(name) == 1 and len(following) == 1 and NAME_WORD.match(following[0]):
            name = [following[0], name[0]]  # "Rinne, Toni" → "Toni Rinne"
            index += 1
        if not name and title and people and people[-1][1] is None:
            people[-1] = (people[-1][0], title)  # "Sari Kivelä, liikuntapäällikkö"
        elif name:
            people.append((" ".join(name), title))
    return people


def printed_people_rows(lines: Iterable[str | None]) -> list[dict]:
    """Rows of ``printed_people``: each distinct printed line with every person it names."""
    return [
        {"printed": line, "position": position, "person": person, "title": title}
        for line in sorted({line for line in lines if line})
        for position, (person, title) in enumerate(people_of(line), start=1)
    ]
