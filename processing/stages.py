"""Raw archive → warehouse, with no network: parse and normalise (per source), link, load.

Each stage is a function of the previous stage's output, so the CLI runs them in one go and Dagster
runs them as separate assets (``pipelines/assets.py``), handing the output on through its IO manager.
Parsing is per source, and a source's parse replaces the rows it had only when accepted
(``processing/acceptance.py``, ``processing/parsed.py``); linking and loading always take every source's
last accepted rows. The result depends only on what was fetched: a rerun over the same archive yields
the same tables.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from archive import Archive
from core.config import Settings
from core.registry import Source, load_registry
from linking.matters import link_handlings
from parsing.records import build_records
from processing.acceptance import judge
from processing.parsed import ParsedRecords, ParsedStore, SourceParse
from warehouse.feeds import FeedsReport, update_feeds
from warehouse.load import LoadReport, load_warehouse

#: What linking compares an item on (``linking.matters.comparison_text`` and its content key).
LINK_COLUMNS = (
    "item_id",
    "source_id",
    "meeting_date",
    "title",
    "diary_number",
    "is_procedural",
    "explanation",
    "proposal",
    "text",
)
LINK_SCHEMA = {
    "item_id_a": pl.String,
    "item_id_b": pl.String,
    "link_type": pl.String,
    "score": pl.Float64,
    "evidence": pl.String,
}


@dataclass(frozen=True)
class ProcessReport:
    handlings: int
    matters: int
    parse_errors: int
    crawl_errors: int
    load: LoadReport
    #: sources whose newest parse was not accepted: the warehouse holds their last accepted rows
    rejected_sources: tuple[str, ...] = ()
    #: what the load brought each watch and cross-municipality matter (warehouse/feeds.py)
    feeds: FeedsReport | None = None


@dataclass
class Matters:
    """What linking found: each handling's matter, and the evidence that joined handlings."""

    assignments: pl.DataFrame  # item_id, matter_id
    links: pl.DataFrame  # item_id_a, item_id_b, link_type, score, evidence


def parse_source(settings: Settings, source: Source) -> SourceParse:
    """One source's archived pages, parsed and judged. The archive is told which documents could not be
    read, so that the next crawl asks for them again (``Archive.note_unreadable``)."""
    archive = Archive(settings.archive_location)
    records = build_records(archive, [source], only=[source.id])
    for source_id, versions in records.unreadable.items():
        archive.note_unreadable(source_id, versions)
    failure = next(
        (e["reason"] for e in records.parse_errors if e["stage"] == "records"),
        None if source.id not in records.failed_sources else "unknown",
    )
    parsed = ParsedRecords.from_records(records)
    return SourceParse(source.id, source.base_url, parsed, judge(parsed.items, parsed.parse_errors, failure))


def parse_stage(settings: Settings, sources: list[Source] | None = None) -> ParsedRecords:
    """Parse every source and keep each parse that is accepted; every source's last accepted rows."""
    sources = sources or load_registry(settings.sources_file)
    store = ParsedStore(settings.processed_dir / "parsed")
    for source in sources:
        store.write(parse_source(settings, source))
    return store.read([s.id for s in sources])


def link_stage(parsed: ParsedRecords, index_dir: Path | None = None) -> Matters:
    """Every handling's matter id and the links that joined them. With ``index_dir`` the link index
    persists there, and only handlings it has not seen are compared."""
    items = parsed.items
    rows = items.select([c for c in LINK_COLUMNS if c in items.columns]).to_dicts() if items.height else []
    groups = {page: set(ids) for page, ids in parsed.page_groups.items()}
    matter_of, links = link_handlings(rows, groups, index_dir=index_dir)
    assignments = pl.DataFrame(
        {"item_id": list(matter_of), "matter_id": list(matter_of.values())},
        schema={"item_id": pl.String, "matter_id": pl.String},
    )
    return Matters(assignments, pl.DataFrame([asdict(link) for link in links], schema=LINK_SCHEMA))


def load_stage(
    settings: Settings, sources: list[Source], parsed: ParsedRecords, matters: Matters
) -> LoadReport:
    items = parsed.items
    if items.height:
        items = items.drop("matter_id", strict=False).join(matters.assignments, on="item_id", how="left")
    tables = {
        "sources": [
            {
                "source_id": s.id,
                "name": s.name,
                "kind": s.kind,
                "platform": s.platform,
                "base_url": s.base_url,
            }
            for s in sources
        ],
        "documents": parsed.documents,
        "meetings": parsed.meetings,
        "items": items,
        "matter_links": matters.links,
        "crawl_errors": parsed.crawl_errors,
        "parse_errors": parsed.parse_errors,
    }
    return load_warehouse(settings.warehouse, tables)


def process(settings: Settings) -> ProcessReport:
    sources = load_registry(settings.sources_file)
    parsed = parse_stage(settings, sources)
    matters = link_stage(parsed, settings.processed_dir / "link_index")
    report = load_stage(settings, sources, parsed, matters)
    feeds = update_feeds(settings.data_dir, settings.warehouse)
    return ProcessReport(
        handlings=report.row_counts["items"],
        matters=report.row_counts["matters"],
        parse_errors=parsed.parse_errors.height,
        crawl_errors=parsed.crawl_errors.height,
        load=report,
        rejected_sources=tuple(rejected_sources(parsed)),
        feeds=feeds,
    )


def rejected_sources(parsed: ParsedRecords) -> list[str]:
    """The sources whose newest parse was not accepted (each has a ``records`` parse error)."""
    errors = parsed.parse_errors
    if not errors.height:
        return []
    return sorted(set(errors.filter(pl.col("stage") == "records")["source_id"].to_list()))
