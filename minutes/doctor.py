"""``minutes doctor``: is each source still harvestable, and if not, where does it break?

A probe crawl walks every listing level of each source (entry page → bodies → meetings) but asks for
only a few meetings and one item, into a scratch archive that is thrown away. Each stage must yield
something: a site redesign shows up as the first stage that comes back empty, which says where to look
("the entry page answers but lists no bodies") before a months-long gap does. Each source also says
which ways to its items answered and how far back each reaches (``crawlers.discovery``): a CaseM site
whose open API is gone and whose search reaches two months is a source that needs looking at.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from archive import Archive, ManifestRow
from core.config import Settings, today_in_helsinki
from core.registry import Source, load_registry, select_sources
from crawlers.discovery import PathReach, reach_of
from crawlers.run import crawl
from crawlers.spiders import SPIDERS
from crawlers.spiders.base import ROBOTS_REFUSAL
from parsing.records import build_records

#: How far back a probe looks for meetings: a body that met in the last year is alive.
PROBE_DAYS = 365


@dataclass(frozen=True)
class Health:
    source_id: str
    name: str
    platform: str
    entry: str  # what the entry point answered: "HTTP 200", or the error
    bodies: int
    meetings: int
    items_parsed: int
    problem: str | None  # None when every stage yielded something
    #: per way to the items (the walk; CaseM's open API, listings and search): what it answered
    paths: tuple[PathReach, ...] = ()

    @property
    def ok(self) -> bool:
        return self.problem is None


def _answer(row: ManifestRow) -> str:
    return row.error or f"HTTP {row.status}"


def health_of(source: Source, rows: list[ManifestRow], parsed_items: int, parse_errors: list[str]) -> Health:
    stages = SPIDERS[source.platform].STAGES
    by_stage = {stage: [r for r in rows if r.kind in kinds] for stage, kinds in stages.items()}
    readable = {stage: [r for r in found if r.seen] for stage, found in by_stage.items()}
    entry = by_stage["entry"]
    answer = _answer(entry[-1]) if entry else "not asked (robots.txt?)"
    counts = {stage: len(found) for stage, found in readable.items()}
    problem = None
    if entry and all(ROBOTS_REFUSAL in (r.error or "") for r in entry):
        answer = "disallowed by robots.txt"
        problem = f"robots.txt disallows the entry point ({entry[0].url}): obeyed, nothing fetched"
    elif not readable["entry"]:
        problem = f"entry point unreachable: {answer}"
    elif not readable["bodies"]:
        problem = "the entry page answers but no body's meeting list could be read: site changed?"
    elif not readable["meetings"]:
        failed = {_answer(r) for r in by_stage["meetings"]}
        problem = (
            f"no meeting could be read ({len(by_stage['meetings'])} tried: {', '.join(sorted(failed))})"
            if by_stage["meetings"]
            else f"no meetings listed in the last {PROBE_DAYS} days: site changed?"
        )
    elif not readable["items"]:
        problem = "meetings list no item that could be fetched: site changed?"
    elif parsed_items == 0:
        problem = "an item was fetched but not parsed: " + (
            parse_errors[0] if parse_errors else "no handling found"
        )
    return Health(
        source_id=source.id,
        name=source.name,
        platform=source.platform,
        entry=answer,
        bodies=counts["bodies"],
        meetings=counts["meetings"],
        items_parsed=parsed_items,
        problem=problem,
    )


def diagnose(
    settings: Settings, source_ids: list[str] | None = None, today: date | None = None
) -> list[Health]:
    sources = select_sources(load_registry(settings.sources_file), source_ids)
    today = today or today_in_helsinki()
    with tempfile.TemporaryDirectory(prefix="minutes-doctor-") as scratch:
        probe = Settings(
            sources_file=settings.sources_file,
            data_dir=Path(scratch),
            warehouse=Path(scratch) / "warehouse.duckdb",
            since=today - timedelta(days=PROBE_DAYS),
            revalidate_hours=0,
        )
        crawl(probe, [s.id for s in sources], probe=True)
        archive = Archive(probe.archive_dir)
        records = build_records(archive, sources)
        report = []
        for source in sources:
            parsed = sum(1 for r in records.items if r["source_id"] == source.id and r["is_own_page"])
            errors = [e["reason"] for e in records.parse_errors if e["source_id"] == source.id]
            rows = list(archive.rows(source.id))
            items = [r for r in records.items if r["source_id"] == source.id]
            health = health_of(source, rows, parsed, errors)
            report.append(replace(health, paths=tuple(reach_of(source, archive, rows, items))))
        return report
