"""The asset graph, in the order the data flows: crawl (per source, into the raw archive) → handlings
(parsed and normalised) → matters (linked) → warehouse (loaded)."""
# No "from __future__ import annotations" here: Dagster reads these annotations at definition time.

import time
from datetime import timedelta
from itertools import islice
from pathlib import Path

import dagster as dg

from archive import Archive
from crawlers.run import crawl
from crawlers.spiders.base import ITEM_KINDS
from minutes.config import resolve_settings
from minutes.process import (
    link_stage,
    load_stage,
    parse_stage,
    read_links,
    read_record_columns,
    read_records,
    save_links,
    save_records,
)
from minutes.registry import load_registry, select_sources
from pipelines.metadata import error_sample, handlings_per_source_and_body, preview_of_handlings
from pipelines.partitions import source_partitions
from pipelines.resources import MinutesResource

HARVESTED = "harvested_items"


class CrawlConfig(dg.Config):
    """Per run: how far back to harvest (a backfill sets it) and whether known items must be asked
    again now (the weekly backfill sets 0 hours)."""

    since: str | None = None
    revalidate_hours: float | None = None
    feeds: bool = False  # Dynasty: the meetings feed as the fast path (daily runs)


@dg.asset(
    partitions_def=source_partitions,
    group_name="harvest",
    kinds={"scrapy"},
    check_specs=[
        dg.AssetCheckSpec(
            HARVESTED,
            asset="raw_archive",
            blocking=True,
            description="A source that had items lists none: its site changed?",
        )
    ],
    description="One source's meetings and items, fetched politely into the append-only raw archive.",
)
def raw_archive(
    context: dg.AssetExecutionContext, config: CrawlConfig, minutes: MinutesResource
) -> dg.MaterializeResult:
    base = minutes.settings()
    settings = resolve_settings(
        use_feeds=config.feeds,
        sources=base.sources_file,
        data_dir=base.data_dir,
        archive=base.archive,
        warehouse=base.warehouse,
        since=config.since or base.since,
        revalidate_hours=config.revalidate_hours
        if config.revalidate_hours is not None
        else base.revalidate_hours,
    )
    source = select_sources(load_registry(settings.sources_file), [context.partition_key])[0]
    archive = Archive(settings.archive_location)
    # One pass over the manifest before the crawl: its length, and how many items it had seen.
    rows_before = had_items = 0
    for row in archive.rows(source.id):
        rows_before += 1
        had_items += row.kind in ITEM_KINDS and row.seen
    started = time.monotonic()
    # A crawl runs in its own process: Twisted's reactor cannot be restarted inside this one.
    (summary,) = crawl(settings, [source.id])
    seconds = time.monotonic() - started
    new_rows = islice(archive.rows(source.id), rows_before, None)  # the manifest only grows
    errors = [
        {"url": r.url, "error": r.error or f"HTTP {r.status}"}
        for r in new_rows
        if r.error or (r.status or 0) >= 400
    ]
    broken = summary.items_listed == 0 and had_items > 0
    return dg.MaterializeResult(
        metadata={
            "status": summary.status,
            "entry_url": dg.MetadataValue.url(source.base_url),
            "since": settings.since.isoformat(),
            "items_listed": summary.items_listed,
            "items_new_or_changed": summary.items_changed,
            "items_unchanged": summary.items - summary.items_changed + summary.skipped_fresh,
            "documents": summary.documents,
            "requests": summary.requests,
            "not_modified_304": summary.not_modified,
            "failures": summary.failures,
            "errors": dg.MetadataValue.md(error_sample(errors)),
            "seconds": round(seconds, 2),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=HARVESTED,
                passed=not broken,
                severity=dg.AssetCheckSeverity.ERROR,
                description=(
                    f"{source.name} listed no items although {had_items} were archived before: site changed?"
                    if broken
                    else f"{summary.items_listed} items listed"
                ),
                metadata={
                    "entry_url": dg.MetadataValue.url(source.base_url),
                    "items_listed": summary.items_listed,
                    "items_archived_before": had_items,
                },
            )
        ],
    )


@dg.asset(
    deps=[raw_archive],
    group_name="process",
    kinds={"python"},
    description="Every archived item parsed into handlings (one per body and meeting), with every "
    "document version and every crawl and parse error.",
)
def handlings(minutes: MinutesResource) -> dg.MaterializeResult:
    settings = minutes.settings()
    started = time.monotonic()
    directory = settings.processed_dir / "parsed"
    previous = (
        set(read_record_columns(directory / "items.parquet", ["item_id"])["item_id"])
        if (directory / "items.parquet").exists()
        else set()
    )
    records = parse_stage(settings)
    save_records(records, directory)
    new = [row for row in records.items if row["item_id"] not in previous]
    return dg.MaterializeResult(
        metadata={
            "handlings": len(records.items),
            "new_handlings": len(new),
            "handlings_per_source_and_body": dg.MetadataValue.md(
                handlings_per_source_and_body(records.items)
            ),
            "new_handlings_preview": dg.MetadataValue.md(preview_of_handlings(new) if new else "none"),
            "document_versions": len(records.documents),
            "parse_errors": len(records.parse_errors),
            "failed_sources": dg.MetadataValue.json(records.failed_sources),
            "parse_error_sample": dg.MetadataValue.md(error_sample(records.parse_errors)),
            "crawl_errors": len(records.crawl_errors),
            "seconds": round(time.monotonic() - started, 2),
        }
    )


@dg.asset(
    deps=[handlings],
    group_name="process",
    kinds={"python"},
    description="Handlings joined into matters across bodies and municipalities, with the evidence; "
    "only handlings the persisted link index has not seen are compared.",
)
def matters(minutes: MinutesResource) -> dg.MaterializeResult:
    settings = minutes.settings()
    started = time.monotonic()
    records = read_records(settings.processed_dir / "parsed")
    links = link_stage(records, settings.processed_dir / "link_index")
    save_records(records, settings.processed_dir / "linked")
    save_links(links, settings.processed_dir / "linked")
    municipalities: dict[str, set[str]] = {}
    for row in records.items:
        municipalities.setdefault(row["matter_id"], set()).add(row["municipality"])
    return dg.MaterializeResult(
        metadata={
            "matters": len(municipalities),
            "cross_municipality_matters": sum(1 for m in municipalities.values() if len(m) > 1),
            "links": len(links),
            "seconds": round(time.monotonic() - started, 2),
        }
    )


@dg.asset(
    deps=[matters],
    group_name="warehouse",
    kinds={"duckdb"},
    pool="duckdb",
    freshness_policy=dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=36)),
    description="The DuckDB warehouse users query, built whole and swapped in atomically.",
)
def warehouse(minutes: MinutesResource) -> dg.MaterializeResult:
    settings = minutes.settings()
    started = time.monotonic()
    directory = settings.processed_dir / "linked"
    report = load_stage(
        settings, load_registry(settings.sources_file), read_records(directory), read_links(directory)
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(
                str(report.path.resolve() if isinstance(report.path, Path) else report.path)
            ),
            **{f"rows_{table}": count for table, count in report.row_counts.items()},
            "seconds": round(time.monotonic() - started, 2),
        }
    )
