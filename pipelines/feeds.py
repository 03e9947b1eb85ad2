"""The asset after the warehouse: each watch's new hits and each cross-municipality matter's new
handlings as Atom feeds, and the calendars of upcoming meetings (``warehouse/feeds.py``)."""
# No "from __future__ import annotations" here: Dagster reads these annotations at definition time.

import time

import dagster as dg

from pipelines.assets import warehouse
from pipelines.metadata import markdown_table
from pipelines.resources import MinutesResource
from warehouse.feeds import feeds_dir, update_feeds


@dg.asset(
    deps=[warehouse],
    group_name="warehouse",
    kinds={"python"},
    description="Atom feeds of every watch's new hits and of every cross-municipality matter's new "
    "handlings, and iCalendar files of upcoming meetings, under <data dir>/feeds.",
)
def feeds(minutes: MinutesResource) -> dg.MaterializeResult:
    settings = minutes.settings()
    started = time.monotonic()
    report = update_feeds(settings.data_dir, settings.warehouse)
    hits = sorted(report.new_hits.items())
    return dg.MaterializeResult(
        metadata={
            "directory": dg.MetadataValue.path(str(feeds_dir(settings.data_dir).resolve())),
            "load_compared": report.compared,
            "new_or_changed_handlings": report.changed_handlings,
            "new_hits_per_watch": dg.MetadataValue.json(dict(hits)),
            "new_hits": dg.MetadataValue.md(markdown_table(["watch", "new hits"], hits) if hits else "none"),
            "new_matter_handlings": sum(report.new_matter_entries.values()),
            "files": len(report.files),
            "seconds": round(time.monotonic() - started, 2),
        }
    )
