"""The asset graph, in the order the data flows: crawl (per source) → handlings → matters → warehouse."""
# No "from __future__ import annotations" here: Dagster reads these annotations at definition time.

import time

import dagster as dg

from crawlers.run import crawl
from minutes.process import (
    link_stage,
    load_stage,
    parse_stage,
    read_links,
    read_records,
    save_links,
    save_records,
)
from minutes.registry import load_registry
from pipelines.partitions import source_partitions
from pipelines.resources import MinutesResource


@dg.asset(
    partitions_def=source_partitions,
    group_name="harvest",
    kinds={"scrapy"},
    description="One source's published meetings and items, fetched into the raw archive.",
)
def raw_archive(context: dg.AssetExecutionContext, minutes: MinutesResource) -> dg.MaterializeResult:
    settings = minutes.settings()
    started = time.monotonic()
    # A crawl runs in its own process: Twisted's reactor cannot be restarted inside this one.
    (summary,) = crawl(settings, [context.partition_key])
    return dg.MaterializeResult(
        metadata={
            "status": summary.status,
            "items": summary.items,
            "documents": summary.documents,
            "requests": summary.requests,
            "failures": summary.failures,
            "since": settings.since.isoformat(),
            "seconds": round(time.monotonic() - started, 2),
        }
    )


@dg.asset(
    deps=[raw_archive],
    group_name="process",
    kinds={"python"},
    description="Every archived item page parsed into handlings, with documents and errors.",
)
def handlings(minutes: MinutesResource) -> dg.MaterializeResult:
    settings = minutes.settings()
    records = parse_stage(settings)
    save_records(records, settings.processed_dir / "parsed")
    per_source: dict[str, int] = {}
    for row in records.items:
        per_source[row["source_id"]] = per_source.get(row["source_id"], 0) + 1
    return dg.MaterializeResult(
        metadata={
            "handlings": len(records.items),
            "handlings_per_source": dg.MetadataValue.json(per_source),
            "documents": len(records.documents),
            "parse_errors": len(records.parse_errors),
            "crawl_errors": len(records.crawl_errors),
        }
    )


@dg.asset(
    deps=[handlings],
    group_name="process",
    kinds={"python"},
    description="Handlings joined into matters across bodies and municipalities.",
)
def matters(minutes: MinutesResource) -> dg.MaterializeResult:
    settings = minutes.settings()
    records = read_records(settings.processed_dir / "parsed")
    links = link_stage(records)
    save_records(records, settings.processed_dir / "linked")
    save_links(links, settings.processed_dir / "linked")
    matter_sizes: dict[str, set[str]] = {}
    for row in records.items:
        matter_sizes.setdefault(row["matter_id"], set()).add(row["municipality"])
    return dg.MaterializeResult(
        metadata={
            "matters": len(matter_sizes),
            "cross_municipality_matters": sum(1 for m in matter_sizes.values() if len(m) > 1),
            "links": len(links),
        }
    )


@dg.asset(
    deps=[matters],
    group_name="warehouse",
    kinds={"duckdb"},
    pool="duckdb",
    description="The DuckDB warehouse users query, swapped in whole after each load.",
)
def warehouse(minutes: MinutesResource) -> dg.MaterializeResult:
    settings = minutes.settings()
    directory = settings.processed_dir / "linked"
    report = load_stage(
        settings, load_registry(settings.sources_file), read_records(directory), read_links(directory)
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(report.path)),
            **{f"rows_{table}": count for table, count in report.row_counts.items()},
        }
    )
