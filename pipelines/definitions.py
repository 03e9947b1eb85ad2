"""Dagster's entry point: ``dagster dev -m pipelines.definitions`` (or ``minutes ui``)."""

import dagster as dg

from pipelines.assets import handlings, matters, raw_archive, warehouse
from pipelines.resources import MinutesResource
from pipelines.schedules import crawl_job, daily_crawl, daily_process, process_job

defs = dg.Definitions(
    assets=[raw_archive, handlings, matters, warehouse],
    jobs=[crawl_job, process_job],
    schedules=[daily_crawl, daily_process],
    resources={"minutes": MinutesResource()},
)
