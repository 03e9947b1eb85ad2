"""Dagster's entry point, named in pyproject.toml's [tool.dagster]: ``dagster dev`` from the repository
root (or ``minutes ui``)."""

import dagster as dg

from pipelines import assets, checks, feeds
from pipelines.jobs import crawl_job, process_job
from pipelines.resources import MinutesResource, resources_for
from pipelines.schedules import daily_crawl, weekly_backfill
from pipelines.sensors import process_after_crawls


def definitions(minutes: MinutesResource) -> dg.Definitions:
    """The whole pipeline for one ``MinutesResource``: the tests point it at their own folders."""
    return dg.Definitions(
        assets=dg.load_assets_from_modules([assets, feeds]),
        asset_checks=dg.load_asset_checks_from_modules([checks]),
        jobs=[crawl_job, process_job],
        schedules=[daily_crawl, weekly_backfill],
        sensors=[process_after_crawls],
        resources=resources_for(minutes),
    )


defs = definitions(MinutesResource())
