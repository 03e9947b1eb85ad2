"""Dagster's entry point, named in pyproject.toml's [tool.dagster]: ``dagster dev`` from the repository
root (or ``minutes ui``)."""

import dagster as dg

from pipelines import checks
from pipelines.assets import handlings, matters, raw_archive, warehouse
from pipelines.feeds import feeds
from pipelines.jobs import crawl_job, process_job
from pipelines.partitions import partitioned, source_partitions
from pipelines.resources import MinutesResource, resources_for
from pipelines.schedules import schedules_for
from pipelines.sensors import process_after_crawls_for


def definitions(minutes: MinutesResource) -> dg.Definitions:
    """The whole pipeline for one ``MinutesResource``: the tests point it at their own folders. Its
    registry is read here, for the partitions (one per source), and nowhere at import."""
    partitions = source_partitions(minutes)
    return dg.Definitions(
        assets=[
            partitioned(raw_archive, partitions),
            partitioned(handlings, partitions),
            matters,
            warehouse,
            feeds,
        ],
        asset_checks=dg.load_asset_checks_from_modules([checks]),
        jobs=[crawl_job, process_job],
        schedules=schedules_for(partitions),
        sensors=[process_after_crawls_for(partitions)],
        resources=resources_for(minutes),
    )


defs = definitions(MinutesResource())
