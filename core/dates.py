"""Finnish dates as the pages print them ("16.3.2026"): for the spiders, which date a listing's rows
by them, and for the parsers, which read them from headers."""

from __future__ import annotations

import re
from datetime import date

#: A d.m.yyyy date standing on its own: not the tail of a version string such as "DYNASTY/10.5.0.2601"
#: (whose "5.0.2601" is no date) nor part of a longer number.
FI_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\.?\d)")


def fi_date(text: str) -> date:
    """The date a Finnish "d.m.yyyy" string names ("01.03.2021", "1.3.2021"); ValueError otherwise."""
    day, month, year = (int(part) for part in text.split("."))
    return date(year, month, day)


def find_fi_date(text: str) -> date | None:
    """The first real "d.m.yyyy" date in ``text`` ("Kokous 16.3.2026 § 5"), None when there is none
    (digits that name no day, "31.02.2026", are passed over)."""
    for match in FI_DATE.finditer(text):
        try:
            return fi_date(match[0])
        except ValueError:
            continue
    return None
