"""Checks that say at once when data goes wrong: on the parsed handlings and on the loaded warehouse.
(The per-source "site changed?" check lives with the crawl asset, which knows what the site listed.)"""
# No "from __future__ import annotations" here: Dagster reads these annotations at definition time.

from collections import Counter

import dagster as dg
import polars as pl

from minutes.process import read_record_columns
from pipelines.assets import handlings, warehouse
from pipelines.resources import MinutesResource
from warehouse.query import connect_read_only

PARSE_FAILURE_WARN = 0.05
REQUIRED_NULL_ERROR = 0.01
MATTER_SPAN_WARN_DAYS = 2 * 365


def _parsed(minutes: MinutesResource, table: str, columns: list[str]) -> pl.DataFrame:
    """Only the columns a check needs: the items' text stays on disk."""
    return read_record_columns(minutes.settings().processed_dir / "parsed" / f"{table}.parquet", columns)


@dg.asset_check(asset=handlings, description="Share of item documents per source that could not be parsed")
def parse_failure_rate(minutes: MinutesResource) -> dg.AssetCheckResult:
    items = _parsed(minutes, "items", ["source_id", "is_own_page"])
    errors = _parsed(minutes, "parse_errors", ["source_id", "stage"])
    parsed = (
        Counter(items.filter(pl.col("is_own_page"))["source_id"].to_list()) if items.height else Counter()
    )
    # Only documents that could not be read count: a decode or normalise note is about a page that loaded.
    unread = errors.filter(pl.col("stage") == "parse") if errors.height else errors
    failed = Counter(unread["source_id"].to_list()) if unread.height else Counter()
    rates = {s: failed[s] / (failed[s] + parsed[s]) for s in set(parsed) | set(failed)}
    # A source whose rows could not be built at all loaded nothing: all of it failed.
    whole = errors.filter(pl.col("stage") == "records") if errors.height else errors
    rates |= dict.fromkeys(whole["source_id"].to_list() if whole.height else [], 1.0)
    over = {s: round(r, 3) for s, r in rates.items() if r > PARSE_FAILURE_WARN}
    return dg.AssetCheckResult(
        passed=not over,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"sources over {PARSE_FAILURE_WARN:.0%}: {over}" if over else "every source under 5 %",
        metadata={"rates": dg.MetadataValue.json({s: round(r, 3) for s, r in sorted(rates.items())})},
    )


@dg.asset_check(
    asset=handlings,
    blocking=True,
    description="Municipality, body, date and § present on minutes handlings of their own page",
)
def required_fields(minutes: MinutesResource) -> dg.AssetCheckResult:
    items = _parsed(
        minutes, "items", ["is_own_page", "document_type", "municipality", "body", "meeting_date", "section"]
    )
    minutes_rows = (
        items.filter(pl.col("is_own_page") & (pl.col("document_type") == "minutes"))
        if items.height
        else items
    )
    total = max(minutes_rows.height, 1)
    nulls = (
        {
            column: minutes_rows[column].null_count() / total
            for column in ("municipality", "body", "meeting_date", "section")
        }
        if minutes_rows.height
        else {}
    )
    over = {c: round(r, 4) for c, r in nulls.items() if r > REQUIRED_NULL_ERROR}
    return dg.AssetCheckResult(
        passed=not over,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"null above 1 %: {over}" if over else "required fields present",
        metadata={"null_share": dg.MetadataValue.json({c: round(r, 4) for c, r in nulls.items()})},
    )


@dg.asset_check(asset=handlings, blocking=True, description="One row per handling: no duplicate item ids")
def unique_handling_keys(minutes: MinutesResource) -> dg.AssetCheckResult:
    items = _parsed(minutes, "items", ["item_id"])
    duplicates = items.height - items["item_id"].n_unique() if items.height else 0
    return dg.AssetCheckResult(
        passed=duplicates == 0, severity=dg.AssetCheckSeverity.ERROR, metadata={"duplicates": duplicates}
    )


@dg.asset_check(
    asset=warehouse,
    description="Matters spanning municipalities whose handlings lie years apart: a wrong link?",
)
def matter_dates_close(minutes: MinutesResource) -> dg.AssetCheckResult:
    con = connect_read_only(minutes.settings().warehouse)
    try:
        wide = con.execute(
            "SELECT matter_id, title, first_date, last_date FROM matters "
            "WHERE n_municipalities > 1 AND last_date - first_date > $days ORDER BY matter_id",
            {"days": MATTER_SPAN_WARN_DAYS},
        ).fetchall()
    finally:
        con.close()
    return dg.AssetCheckResult(
        passed=not wide,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "matters": len(wide),
            "sample": dg.MetadataValue.json([list(map(str, w)) for w in wide[:5]]),
        },
    )
