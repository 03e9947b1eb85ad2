"""Jobs: what a schedule, the sensor or a person on call can launch."""
# No "from __future__ import annotations" here: Dagster reads these annotations at definition time.

import dagster as dg

from pipelines.assets import handlings, matters, raw_archive, warehouse
from pipelines.feeds import feeds

#: Crawl runs carry this tag; dagster.yaml limits how many run at once (different hosts in parallel).
#: Runs of one source are kept apart by their ``dagster/partition`` tag (dagster.yaml), whatever
#: launched them.
CRAWL_TAG = {"minutes/crawl": "true"}

crawl_job = dg.define_asset_job(
    "crawl_sources",
    selection=[raw_archive, handlings],
    tags=CRAWL_TAG,
    description="Crawl one source into the raw archive and parse it. A crawl that fails its blocking "
    "check stops before the parse, and the source keeps its last accepted rows. Launch with config "
    "{ops: {raw_archive: {config: {since: YYYY-MM-DD}}}} to backfill.",
)
process_job = dg.define_asset_job(
    "process_archive",
    selection=[matters, warehouse, feeds],
    description="Every source's last accepted handlings → matters → warehouse → feeds; no network. The "
    "sensor process_after_crawls launches it when the crawls have finished.",
)
