"""Checks on the loaded warehouse. (The per-source checks live with the assets that know their data: the
"site changed?" check with the crawl, the parse verdicts with ``handlings``.)"""
# No "from __future__ import annotations" here: Dagster reads these annotations at definition time.

import dagster as dg

from pipelines.assets import warehouse
from pipelines.metadata import markdown_table
from pipelines.resources import MinutesResource
from warehouse.query import connect_read_only

MATTER_SPAN_WARN_DAYS = 2 * 365


def _rows(minutes: MinutesResource, sql: str, parameters: dict | None = None) -> list[tuple]:
    con = connect_read_only(minutes.settings().warehouse)
    try:
        return con.execute(sql, parameters or {}).fetchall()
    finally:
        con.close()


@dg.asset_check(
    asset=warehouse,
    description="Matters spanning municipalities whose handlings lie years apart: a wrong link?",
)
def matter_dates_close(minutes: MinutesResource) -> dg.AssetCheckResult:
    wide = _rows(
        minutes,
        "SELECT matter_id, title, first_date, last_date FROM matters "
        "WHERE n_municipalities > 1 AND last_date - first_date > $days ORDER BY matter_id",
        {"days": MATTER_SPAN_WARN_DAYS},
    )
    return dg.AssetCheckResult(
        passed=not wide,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "matters": len(wide),
            "sample": dg.MetadataValue.json([list(map(str, w)) for w in wide[:5]]),
        },
    )


@dg.asset_check(
    asset=warehouse,
    description="Bodies silent for more than three times their usual meeting interval, and at least 30 "
    "days (body_freshness): a broken source, or a body that stopped publishing?",
)
def no_body_overdue(minutes: MinutesResource) -> dg.AssetCheckResult:
    overdue = _rows(
        minutes,
        "SELECT municipality, body, last_meeting, days_since, usual_interval_days FROM body_freshness "
        "WHERE overdue ORDER BY days_since DESC, municipality, body",
    )
    names = [f"{municipality}: {body}" for municipality, body, *_ in overdue]
    return dg.AssetCheckResult(
        passed=not overdue,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{len(overdue)} bodies overdue: {'; '.join(names)}" if overdue else "no body overdue",
        metadata={
            "overdue": len(overdue),
            "bodies": dg.MetadataValue.md(
                markdown_table(
                    ["municipality", "body", "last meeting", "days since", "usual interval (days)"],
                    overdue,
                )
                if overdue
                else "none"
            ),
        },
    )
