"""iCalendar files of upcoming meetings: those whose agenda is published and whose date has not passed.

One file per source and one per region, under ``<data dir>/feeds/calendar/``, rewritten after every
load (and so every morning: "upcoming" moves with the date). Pages give a meeting's date, not its hour,
so each meeting is an all-day event on its Helsinki date; the calendar says it is in Europe/Helsinki
(``X-WR-TIMEZONE``) and invents no time of day. A meeting keeps its UID from its agenda until it is
held, so a calendar application updates the event instead of adding a second one.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import icalendar

from warehouse.report import finnish_date

TIME_ZONE = "Europe/Helsinki"
PRODID = "-//minutes//Päijät-Häme meetings//FI"
#: Namespace of the events' UIDs: a meeting's UID is a UUID made from its meeting_id.
UID_NAMESPACE = uuid.UUID("6f1d7a51-1e5b-4bb4-9a55-5f6c2f2d4a10")

UPCOMING_SQL = """
SELECT m.meeting_id, m.source_id, m.municipality, m.body, m.meeting_date, m.url, s.region,
       list(struct_pack(section := i.section, title := i.title)
            ORDER BY i.agenda_position, i.section, i.item_id) FILTER (WHERE i.item_id IS NOT NULL) AS items
FROM meetings m
JOIN sources s USING (source_id)
LEFT JOIN items i ON i.meeting_id = m.meeting_id
WHERE m.document_type = 'agenda' AND m.meeting_date >= $today
GROUP BY ALL
ORDER BY m.meeting_date, m.municipality, m.body, m.meeting_id
"""


@dataclass(frozen=True)
class UpcomingMeeting:
    meeting_id: str
    source_id: str
    municipality: str
    body: str | None
    meeting_date: date
    url: str | None
    region: str
    items: list[dict]


def upcoming_meetings(con: duckdb.DuckDBPyConnection, today: date) -> list[UpcomingMeeting]:
    """Meetings with a published agenda on ``today`` or later (a Helsinki date), soonest first."""
    return [
        UpcomingMeeting(*row[:7], row[7] or [])
        for row in con.execute(UPCOMING_SQL, {"today": today}).fetchall()
    ]


def slug(name: str) -> str:
    """``Päijät-Häme`` → ``paijat-hame``: a file name for a region."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "region"


def calendar_of(name: str, meetings: list[UpcomingMeeting], stamp: datetime) -> bytes:
    """One iCalendar file: ``name`` as its title, one all-day event per meeting. ``stamp`` (the load's
    time) is every event's DTSTAMP, so the same load always gives the same bytes."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", TIME_ZONE)
    for meeting in meetings:
        calendar.add_component(_event(meeting, stamp))
    return calendar.to_ical()


def _event(meeting: UpcomingMeeting, stamp: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{uuid.uuid5(UID_NAMESPACE, meeting.meeting_id)}@minutes")
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.meeting_date)
    event.add("dtend", meeting.meeting_date + timedelta(days=1))
    event.add("summary", f"{meeting.municipality}: {meeting.body or 'meeting'}")
    lines = [f"{meeting.body or 'Meeting'} {finnish_date(meeting.meeting_date)} (agenda published)."]
    lines += [_agenda_line(item) for item in meeting.items]
    if meeting.url:
        lines.append(meeting.url)
        event.add("url", meeting.url)
    event.add("description", "\n".join(lines))
    event.add("categories", [meeting.municipality])
    return event


def _agenda_line(item: dict) -> str:
    section = f"§ {item['section']} " if item["section"] is not None else ""
    return f"{section}{item['title'] or '(untitled)'}"


def calendar_files(con: duckdb.DuckDBPyConnection, today: date, stamp: datetime) -> dict[str, bytes]:
    """Each calendar's file name (``<source_id>.ics``, ``region-<slug>.ics``) and its bytes: every source
    gets one, empty when nothing is coming, so a subscribed address never disappears."""
    meetings = upcoming_meetings(con, today)
    files = {}
    for source_id, name in con.execute("SELECT source_id, name FROM sources ORDER BY source_id").fetchall():
        own = [m for m in meetings if m.source_id == source_id]
        files[f"{source_id}.ics"] = calendar_of(f"{name}: upcoming meetings", own, stamp)
    for (region,) in con.execute("SELECT DISTINCT region FROM sources ORDER BY region").fetchall():
        own = [m for m in meetings if m.region == region]
        files[f"region-{slug(region)}.ics"] = calendar_of(f"{region}: upcoming meetings", own, stamp)
    return files


def calendar_dir(feeds_dir: Path) -> Path:
    return feeds_dir / "calendar"
