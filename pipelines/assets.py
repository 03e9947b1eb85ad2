"""The asset graph, in the order the data flows: crawl (per source, into the raw archive) → handlings
(parsed per source, judged, the last accepted kept) → matters (linked) → warehouse (loaded). Data passes
from asset to asset through the IO manager (``pipelines/io.py``); the crawl reports through Pipes."""
# No "from __future__ import annotations" here: Dagster reads these annotations at definition time.

import time
from datetime import timedelta
from itertools import islice
from pathlib import Path

import dagster as dg
import polars as pl

from archive import Archive
from core.config import resolve_settings
from core.registry import load_registry, select_sources
from crawlers.run import SUMMARY_MESSAGE, SourceCrawl, command
from crawlers.spiders.base import ITEM_KINDS
from pipelines.metadata import (
    error_sample,
    freshness_ledger,
    handlings_per_source_and_body,
    preview_of_handlings,
)
from pipelines.resources import MinutesResource
from processing.acceptance import BLOCKING, PARSE_FAILURE_RATE
from processing.parsed import ParsedRecords, ParsedStore, SourceParse
from processing.stages import Matters, link_stage, load_stage, parse_source
from warehouse.query import connect_read_only

HARVESTED = "harvested_items"
CHECK_DESCRIPTIONS = {
    "records_built": "The source's rows could be built at all (no exception in our code)",
    "required_fields": "Municipality, body, date and § present on minutes handlings of their own page",
    "unique_handling_keys": "One row per handling: no duplicate item ids",
    "parse_failure_rate": "Share of the source's item documents that could not be parsed",
}


class CrawlConfig(dg.Config):
    """Per run: how far back to harvest (a backfill sets it) and whether known items must be asked
    again now (the weekly backfill sets 0 hours)."""

    since: str | None = None
    revalidate_hours: float | None = None
    feeds: bool = False  # Dynasty and TWeb: the meetings feeds as the fast path (daily runs)


def harvest_verdict(name: str, summary: SourceCrawl, had_items: int) -> str:
    """What the "site changed?" check says: a site robots.txt closes is closed, never "changed"."""
    if summary.robots_disallows_site:
        return (
            f"robots.txt of {name} disallows the site: obeyed, nothing fetched. Its handlings are not "
            "parsed again, so it keeps its last accepted rows."
        )
    if summary.items_listed == 0 and had_items > 0:
        return (
            f"{name} listed no items although {had_items} were archived before: site changed? Its "
            "handlings are not parsed again, so it keeps its last accepted rows."
        )
    return f"{summary.items_listed} items listed"


@dg.asset(
    group_name="harvest",
    kinds={"scrapy"},
    check_specs=[
        dg.AssetCheckSpec(
            HARVESTED,
            asset="raw_archive",
            blocking=True,
            description="A source that had items lists none (site changed?), or robots.txt closes it",
        )
    ],
    description="One source's meetings and items, fetched politely into the append-only raw archive. "
    "The crawl runs in its own process and reports into this run as it goes (Dagster Pipes).",
)
def raw_archive(
    context: dg.AssetExecutionContext,
    config: CrawlConfig,
    minutes: MinutesResource,
    pipes: dg.PipesSubprocessClient,
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
    invocation = pipes.run(context=context, command=command(settings, [source.id]))
    summary = crawl_summary(invocation.get_custom_messages(), source.id)
    seconds = time.monotonic() - started
    new_rows = islice(archive.rows(source.id), rows_before, None)  # the manifest only grows
    errors = [
        {"url": r.url, "error": r.error or f"HTTP {r.status}"}
        for r in new_rows
        if r.error or (r.status or 0) >= 400
    ]
    closed = summary.robots_disallows_site
    broken = closed or (summary.items_listed == 0 and had_items > 0)
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
                description=harvest_verdict(source.name, summary, had_items),
                metadata={
                    "entry_url": dg.MetadataValue.url(source.base_url),
                    "items_listed": summary.items_listed,
                    "items_archived_before": had_items,
                    "robots_refused": summary.robots_refused,
                },
            )
        ],
    )


def crawl_summary(messages: list, source_id: str) -> SourceCrawl:
    """The crawl process's summary of ``source_id``, from the Pipes message it sent at its end."""
    for message in messages:
        if isinstance(message, dict) and message.get("kind") == SUMMARY_MESSAGE:
            for row in message["sources"]:
                if row["source_id"] == source_id:
                    return SourceCrawl.from_dict(row)
    raise RuntimeError(f"the crawl process sent no summary of {source_id}")


@dg.asset(
    deps=[raw_archive],
    group_name="process",
    kinds={"python"},
    check_specs=[
        dg.AssetCheckSpec(
            name,
            asset="handlings",
            blocking=name in BLOCKING,
            description=CHECK_DESCRIPTIONS[name],
        )
        for name in (*BLOCKING, PARSE_FAILURE_RATE)
    ],
    description="One source's archived items parsed into handlings (one per body and meeting), with "
    "its document versions and crawl and parse errors. A parse that fails a blocking check is kept "
    "aside: later stages go on with the source's last accepted parse.",
)
def handlings(context: dg.AssetExecutionContext, minutes: MinutesResource):
    settings = minutes.settings()
    started = time.monotonic()
    source = select_sources(load_registry(settings.sources_file), [context.partition_key])[0]
    previous = ParsedStore(settings.processed_dir / "parsed").accepted_item_ids(source.id)
    parse = parse_source(settings, source)
    yield dg.Output(parse, metadata=handlings_metadata(parse, previous, time.monotonic() - started))
    for verdict in parse.verdicts:
        yield dg.AssetCheckResult(
            check_name=verdict.name,
            passed=verdict.passed,
            severity=dg.AssetCheckSeverity.ERROR if verdict.blocking else dg.AssetCheckSeverity.WARN,
            description=verdict.description,
            metadata=verdict.metadata,
        )


def handlings_metadata(parse: SourceParse, previous: set[str], seconds: float) -> dict:
    records = parse.records
    items = records.items
    new = items.filter(~items["item_id"].is_in(list(previous))) if items.height else items
    return {
        "accepted": parse.accepted,
        "handlings": items.height,
        "new_handlings": new.height,
        "handlings_per_body": dg.MetadataValue.md(handlings_per_source_and_body(items)),
        "new_handlings_preview": dg.MetadataValue.md(preview_of_handlings(new) if new.height else "none"),
        "document_versions": records.documents.height,
        "parse_errors": records.parse_errors.height,
        "parse_error_sample": dg.MetadataValue.md(
            error_sample(records.parse_errors.to_dicts() if records.parse_errors.height else [])
        ),
        "crawl_errors": records.crawl_errors.height,
        "seconds": round(seconds, 2),
    }


@dg.asset(
    group_name="process",
    kinds={"python"},
    description="Handlings joined into matters across bodies and municipalities, with the evidence; "
    "only handlings the persisted link index has not seen are compared.",
)
def matters(minutes: MinutesResource, handlings: ParsedRecords) -> dg.Output[Matters]:
    started = time.monotonic()
    linked = link_stage(handlings, minutes.settings().processed_dir / "link_index")
    spans = (
        linked.assignments.join(handlings.items.select("item_id", "municipality"), on="item_id")
        .group_by("matter_id")
        .agg(pl.col("municipality").n_unique().alias("municipalities"))
        if handlings.items.height
        else pl.DataFrame(schema={"matter_id": pl.String, "municipalities": pl.UInt32})
    )
    return dg.Output(
        linked,
        metadata={
            "matters": spans.height,
            "cross_municipality_matters": spans.filter(pl.col("municipalities") > 1).height,
            "links": linked.links.height,
            "seconds": round(time.monotonic() - started, 2),
        },
    )


@dg.asset(
    group_name="warehouse",
    kinds={"duckdb"},
    pool="duckdb",
    freshness_policy=dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=36)),
    description="The DuckDB warehouse users query, built whole and swapped in atomically, from every "
    "source's last accepted handlings. Its metadata shows the freshness ledger of every body.",
)
def warehouse(minutes: MinutesResource, handlings: ParsedRecords, matters: Matters) -> dg.MaterializeResult:
    settings = minutes.settings()
    started = time.monotonic()
    report = load_stage(settings, load_registry(settings.sources_file), handlings, matters)
    con = connect_read_only(report.path)
    try:
        ledger = con.execute("SELECT * FROM body_freshness")
        columns = [d[0] for d in ledger.description]
        rows = ledger.fetchall()
    finally:
        con.close()
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(
                str(report.path.resolve() if isinstance(report.path, Path) else report.path)
            ),
            "changed": report.changed,
            **{f"rows_{table}": count for table, count in report.row_counts.items()},
            "overdue_bodies": sum(1 for row in rows if row[columns.index("overdue")]),
            "body_freshness": dg.MetadataValue.md(freshness_ledger(columns, rows)),
            "seconds": round(time.monotonic() - started, 2),
        }
    )
