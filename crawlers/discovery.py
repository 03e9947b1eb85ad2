"""Which ways to a source's items answered, and how far back each reaches (for ``minutes doctor``).

A spider names its ways to the items and the manifest kinds of each one's listings (``DISCOVERY``: the
CaseM spider has the open API, the pages' own links and the search; a spider that names none has one
way, its walk). What a way answered is read back from the archive with the spider's own page reader,
so "answered" means a page of that way was read as what it should be, not only that a server said 200;
how far back it reaches is the oldest meeting date its listings showed or its items turned out to have.
A way whose listings show no dates (CaseM's search results) reaches as far as the items opened through
it, and says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from archive import ITEM_KINDS, Archive, ManifestRow
from core.registry import Source
from crawlers.spiders import READERS, SPIDERS
from crawlers.spiders.base import text_response


@dataclass(frozen=True)
class PathReach:
    path: str  # "api", "listings", "search", or "walk"
    asked: bool
    answered: bool
    answer: str  # what its first request got: "HTTP 200", "HTTP 404", an error
    meetings: int  # distinct meetings its listings showed
    items: int  # distinct items its listings showed
    oldest_listed: date | None  # the oldest meeting date its listings showed
    items_opened: int  # items opened through it (in a probe, one)
    oldest_opened: date | None  # the oldest meeting date of those items

    @property
    def oldest(self) -> date | None:
        dates = [d for d in (self.oldest_listed, self.oldest_opened) if d]
        return min(dates) if dates else None

    def describe(self) -> str:
        if not self.asked:
            return f"{self.path}: not asked"
        if not self.answered:
            return f"{self.path}: no answer ({self.answer})"
        shown = ", ".join(
            f"{n} {word}" for n, word in ((self.meetings, "meetings"), (self.items, "items")) if n
        )
        reach = f"back to {self.oldest.isoformat()}" if self.oldest else "no dates"
        if self.oldest_listed is None and self.items_opened:
            reach += f" (dated by the {self.items_opened} item{'s' * (self.items_opened > 1)} opened)"
        return f"{self.path}: answered, {shown or 'nothing'} listed, {reach}"


def _answer(row: ManifestRow) -> str:
    return row.error or f"HTTP {row.status}"


def ways_of(platform: str) -> dict[str, tuple[str, ...]]:
    spider = SPIDERS[platform]
    if spider.DISCOVERY:
        return spider.DISCOVERY
    stages = spider.STAGES
    return {"walk": tuple(k for stage in ("entry", "bodies", "meetings") for k in stages.get(stage, ()))}


def _read(archive: Archive, platform: str, row: ManifestRow):
    reader = READERS.get(platform)
    if reader is None or not row.sha256:
        return None
    try:
        page = text_response(row.url, archive.read_blob(row.sha256), row.content_type)
        return reader(page, row.context)
    except Exception:  # a page that cannot be read answered nothing
        return None


def reach_of(
    source: Source, archive: Archive, rows: list[ManifestRow], items: Iterable[dict]
) -> list[PathReach]:
    """Per way to the items, what it answered. ``items`` are the source's parsed handlings (their
    ``url`` and ``meeting_date``); an item belongs to the way its request's context names (``via``)."""
    way_of_url = {row.url: row.context.get("via") for row in rows if row.kind in ITEM_KINDS and row.seen}
    dates_by_way: dict[str, dict[str, date]] = {}
    for item in items:
        way = way_of_url.get(item["url"])
        if way and item.get("is_own_page") and item.get("meeting_date"):
            dates_by_way.setdefault(way, {})[item["url"]] = item["meeting_date"]
    reaches = []
    for way, kinds in ways_of(source.platform).items():
        asked = [row for row in rows if row.kind in kinds]
        seen = [row for row in asked if row.seen]
        if READERS.get(source.platform):
            readings = [
                r for row in seen if (r := _read(archive, source.platform, row)) and r.kind != "unknown"
            ]
            answered = bool(readings)
        else:  # a platform without a page reader: a page that came is all that can be told
            readings, answered = [], bool(seen)
        entries = [e for reading in readings for e in reading.entries]
        listed = [e.meeting_date for e in entries if e.meeting_date]
        opened = dates_by_way.get(way, {})
        reaches.append(
            PathReach(
                path=way,
                asked=bool(asked),
                answered=answered,
                answer=_answer(asked[0]) if asked else "not asked",
                meetings=len({e.url for e in entries if e.kind == "meeting"}),
                items=len({e.url for e in entries if e.kind == "item"}),
                oldest_listed=min(listed) if listed else None,
                items_opened=len(opened),
                oldest_opened=min(opened.values()) if opened else None,
            )
        )
    return reaches
