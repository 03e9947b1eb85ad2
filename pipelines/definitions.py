"""Dagster's entry point: ``dagster dev -m pipelines.definitions`` (or ``minutes ui``)."""

import dagster as dg

from pipelines import assets, checks, feeds
from pipelines.jobs import crawl_job, harvest_job, process_job
from pipelines.resources import MinutesResource
from pipelines.schedules import daily_crawl, daily_process, weekly_backfill

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([assets, feeds]),
    asset_checks=dg.load_asset_checks_from_modules([checks]),
    jobs=[crawl_job, process_job, harvest_job],
    schedules=[daily_crawl, daily_process, weekly_backfill],
    resources={"minutes": MinutesResource()},
)
