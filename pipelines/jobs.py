"""Jobs: what a schedule or a person on call can launch."""
# No "from __future__ import annotations" here: Dagster reads these annotations at definition time.

import dagster as dg

from pipelines.assets import handlings, matters, raw_archive, warehouse
from pipelines.feeds import feeds

#: Crawl runs carry this tag; dagster.yaml limits how many run at once (different hosts in parallel).
CRAWL_TAG = {"minutes/crawl": "true"}

crawl_job = dg.define_asset_job(
    "crawl_sources",
    selection=[raw_archive],
    tags=CRAWL_TAG,
    description="Crawl one source into the raw archive. Launch with config {since: YYYY-MM-DD} to backfill.",
)
process_job = dg.define_asset_job(
    "process_archive",
    selection=[handlings, matters, warehouse, feeds],
    description="Raw archive → handlings → matters → warehouse → feeds; no network.",
)
harvest_job = dg.define_asset_job(
    "harvest_source",
    selection=[raw_archive, handlings, matters, warehouse, feeds],
    tags=CRAWL_TAG,
    description="One source end to end. A source whose site broke stops at its blocking check.",
)
