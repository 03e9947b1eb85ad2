"""When to ask a site again for a document the archive already holds.

Listing pages (bodies, meetings, one meeting) are asked every run, conditionally, so a site that
supports ETag or Last-Modified answers 304 and costs almost nothing. Below a listing that did not
change, a known item or PDF is skipped if it was seen recently enough, and how recent depends on the
meeting's age: minutes of last month still get corrected, those of three years ago rarely do. Below a
listing that changed (an agenda turned into minutes), every known child is asked again, conditionally.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from archive import Seen


def revalidation_interval(meeting_date: date | None, today: date, base_hours: float) -> timedelta:
    base = timedelta(hours=base_hours)
    if meeting_date is None:
        return base
    age = today - meeting_date
    if age <= timedelta(days=60):
        return base
    if age <= timedelta(days=365):
        return base * 7
    return base * 30


def is_fresh(seen: Seen | None, meeting_date: date | None, now: datetime, base_hours: float) -> bool:
    """Whether the archive's copy was seen recently enough that asking again is not worth a request."""
    if seen is None:
        return False
    interval = revalidation_interval(meeting_date, now.date(), base_hours)
    return now - datetime.fromisoformat(seen.last_seen) < interval
