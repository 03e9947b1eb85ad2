"""The freshness ledger (``body_freshness``) on a real DuckDB warehouse with known meetings and fetches,
and the Dagster check that warns about overdue bodies."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from pipelines.checks import no_body_overdue
from pipelines.resources import MinutesResource
from warehouse.connection import connect
from warehouse.load import load_warehouse

#: The day the ledger below is read on.
DAY = date(2026, 6, 30)
COLUMNS = [
    "source_id",
    "municipality",
    "body",
    "meetings",
    "usual_interval_days",
    "last_meeting",
    "days_since",
    "overdue",
    "agenda_delay_days",
    "minutes_delay_days",
    "minutes_after_agenda_share",
]


def at(day: date, late: bool = False) -> datetime:
    """A fetch on ``day`` in Helsinki: 10:00 UTC, or with ``late`` 22:30 UTC the evening before (already
    ``day`` in Helsinki, summer or winter, but not in UTC)."""
    if late:
        return datetime.combine(day - timedelta(days=1), time(22, 30), ZoneInfo("UTC"))
    return datetime.combine(day, time(10), ZoneInfo("UTC"))


class Region:
    """Warehouse input built meeting by meeting: one handling per meeting, on its own page."""

    def __init__(self, shift: timedelta = timedelta(0)) -> None:
        self.shift = shift
        self.tables: dict[str, list[dict]] = {"sources": [], "documents": [], "meetings": [], "items": []}

    def day(self, value: date) -> date:
        return value + self.shift

    def source(self, source_id: str, name: str, first_crawl: date) -> None:
        self.tables["sources"].append(
            {"source_id": source_id, "name": name, "kind": "municipality", "platform": "dynasty",
             "base_url": f"https://{source_id}.example/cgi/DREQUEST.PHP"}
        )  # fmt: skip
        self._document(
            source_id, f"https://{source_id}.example/meetings", "listing", at(self.day(first_crawl))
        )

    def meeting(self, source_id, name, body, held, agenda=None, minutes=None, late=False) -> None:
        """A meeting of ``body`` held on ``held``; its agenda first seen on ``agenda`` and its minutes on
        ``minutes`` (dates; None: not seen), ``late`` the minutes' fetch late in the evening (UTC)."""
        held = self.day(held)
        meeting_id = f"{source_id}-{body}-{held}"
        url = f"https://{source_id}.example/item/{meeting_id}"
        minutes_at = at(self.day(minutes), late) if minutes else None
        agenda_at = at(self.day(agenda)) if agenda else None
        if agenda_at:
            self._document(source_id, url, "agenda", agenda_at)
        if minutes_at:
            self._document(source_id, url, "minutes", minutes_at)
        kind = "minutes" if minutes_at else "agenda"
        self.tables["meetings"].append(
            {"meeting_id": meeting_id, "source_id": source_id, "municipality": name, "body": body,
             "meeting_date": held, "document_type": kind, "url": url}
        )  # fmt: skip
        self.tables["items"].append(
            {"item_id": f"{meeting_id}-1", "meeting_id": meeting_id, "source_id": source_id,
             "municipality": name, "body": body, "meeting_date": held, "document_type": kind,
             "section": 1, "title": "Talousarvio", "text": "Talousarvio", "url": url,
             "is_procedural": False, "is_own_page": True,
             "document_sha256": f"{url}#{kind}", "first_seen": agenda_at or minutes_at,
             "last_seen": minutes_at or agenda_at}
        )  # fmt: skip

    def _document(self, source_id: str, url: str, version: str, fetched: datetime) -> None:
        self.tables["documents"].append(
            {"document_id": f"{url}#{version}", "source_id": source_id, "url": url, "kind": "meetingitem",
             "http_status": 200, "fetched_at": fetched, "sha256": f"{url}#{version}"}
        )  # fmt: skip


def region(shift: timedelta = timedelta(0)) -> Region:
    r = Region(shift)
    r.source("asikkala", "Asikkala", date(2026, 1, 21))
    khall = ("asikkala", "Asikkala", "Kunnanhallitus")
    # every other Monday; the agenda five days before (the first one day before), the minutes a week or
    # so after; the 27 April minutes appeared with no agenda seen, the 11 May minutes never did
    r.meeting(*khall, date(2026, 3, 2), agenda=date(2026, 3, 1), minutes=date(2026, 3, 9))
    r.meeting(*khall, date(2026, 3, 16), agenda=date(2026, 3, 11), minutes=date(2026, 3, 23))
    r.meeting(*khall, date(2026, 3, 30), agenda=date(2026, 3, 25), minutes=date(2026, 4, 8))
    r.meeting(*khall, date(2026, 4, 13), agenda=date(2026, 4, 8), minutes=date(2026, 4, 20))
    r.meeting(*khall, date(2026, 4, 27), minutes=date(2026, 5, 6))
    r.meeting(*khall, date(2026, 5, 11), agenda=date(2026, 5, 6))
    kval = ("asikkala", "Asikkala", "Kunnanvaltuusto")
    r.meeting(*kval, date(2025, 11, 24), minutes=date(2026, 1, 21))  # there before the first crawl
    r.meeting(*kval, date(2026, 1, 26), minutes=date(2026, 2, 5))
    r.meeting(*kval, date(2026, 3, 30), minutes=date(2026, 4, 9))
    r.meeting(*kval, date(2026, 6, 15), agenda=date(2026, 6, 10))
    # its minutes fetched at 22:30 UTC on 19 February: 20 February in Helsinki
    audit = ("asikkala", "Asikkala", "Tarkastuslautakunta")
    r.meeting(*audit, date(2026, 2, 10), minutes=date(2026, 2, 20), late=True)
    r.source("hollola", "Hollola", date(2025, 5, 1))
    board = ("hollola", "Hollola", "Kunnanhallitus")
    # monthly for eleven months, then weekly: its usual interval is the weekly one of its last meetings
    for k in range(12):
        held = date(2025, 5, 5) + timedelta(days=28 * k)
        r.meeting(*board, held, minutes=held + timedelta(days=3))
    for k in range(10):
        held = date(2026, 4, 20) + timedelta(days=7 * k)
        r.meeting(*board, held, minutes=held + timedelta(days=3))
    return r


@pytest.fixture
def ledger_warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    load_warehouse(path, region().tables)
    return path


def test_the_ledger_gives_each_body_its_rhythm_its_silence_and_its_publication_delays(ledger_warehouse):
    con = connect(ledger_warehouse, read_only=True)
    result = con.execute("SELECT * FROM body_freshness_at(DATE '2026-06-30')")
    assert [d[0] for d in result.description] == COLUMNS
    assert result.fetchall() == [
        # silent 50 days, more than 3 × 14: overdue. Agendas 1–5 days ahead (median −5), minutes 7–9
        # days after; 4 of the 5 agendas older than 30 days got their minutes
        ("asikkala", "Asikkala", "Kunnanhallitus", 6, 14.0, date(2026, 5, 11), 50, True, -5.0, 7.0, 0.8),
        # the November meeting's minutes were there at the first crawl: their delay is unknown
        ("asikkala", "Asikkala", "Kunnanvaltuusto", 4, 63.0, date(2026, 6, 15), 15, False, -5.0, 10.0, None),
        # the median of the gaps between its last 10 meetings, not the monthly rhythm before them
        ("hollola", "Hollola", "Kunnanhallitus", 22, 7.0, date(2026, 6, 22), 8, False, None, 3.0, None),
        # one meeting: no interval, so no verdict either; its minutes 10 days after in Helsinki time
        ("asikkala", "Asikkala", "Tarkastuslautakunta", 1, None, date(2026, 2, 10), 140, None, None, 10.0,
         None),
    ]  # fmt: skip


def test_a_body_silent_three_intervals_but_under_thirty_days_is_not_overdue(ledger_warehouse):
    con = connect(ledger_warehouse, read_only=True)
    # Hollola meets weekly: on 15 July it is 23 days silent, over 3 × 7 but under 30 days
    assert con.execute(
        "SELECT days_since, overdue FROM body_freshness_at(DATE '2026-07-15') WHERE source_id = 'hollola'"
    ).fetchall() == [(23, False)]
    assert con.execute(
        "SELECT days_since, overdue FROM body_freshness_at(DATE '2026-07-22') WHERE source_id = 'hollola'"
    ).fetchall() == [(30, True)]


def test_the_view_is_the_ledger_as_of_today_in_helsinki(ledger_warehouse):
    today = datetime.now(ZoneInfo("Europe/Helsinki")).date()
    con = connect(ledger_warehouse, read_only=True)
    view = con.execute("SELECT * FROM body_freshness").fetchall()
    assert view == con.execute("SELECT * FROM body_freshness_at($today)", {"today": today}).fetchall()
    days_since = {(row[0], row[2]): row[6] for row in view}
    assert days_since[("asikkala", "Kunnanhallitus")] == (today - date(2026, 5, 11)).days


def test_the_overdue_check_warns_and_names_each_overdue_body(tmp_path):
    # the same region, moved so that today is the day it is read on
    today = datetime.now(ZoneInfo("Europe/Helsinki")).date()
    path = tmp_path / "warehouse.duckdb"
    load_warehouse(path, region(today - DAY).tables)
    result = no_body_overdue(minutes=MinutesResource(warehouse=str(path)))
    assert (result.passed, result.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert result.description == "1 bodies overdue: Asikkala: Kunnanhallitus"
    assert result.metadata["overdue"].value == 1
