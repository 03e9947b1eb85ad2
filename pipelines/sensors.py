"""Processing starts when the crawls have finished, not at a time of day.

A crawl run parses its source at its end (``crawl_sources``: raw_archive → handlings). The sensor
launches ``process_archive`` once some source has a new parse (a ``handlings`` materialisation since the
last processing it launched) and no run of any source is queued or running: so a crawl that takes
longer than usual is waited for, never raced, and the warehouse is built once for a morning's crawls,
not once per source. A crawl that failed its blocking check produced no new parse; its source goes
into the warehouse with its last accepted rows.
"""
# No "from __future__ import annotations" here: Dagster reads these annotations at definition time.

import dagster as dg

from pipelines.jobs import process_job

ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
HANDLINGS = dg.AssetKey("handlings")


def process_after_crawls_for(partitions: dg.PartitionsDefinition) -> dg.SensorDefinition:
    """The sensor, waiting for the runs of the sources of ``partitions``."""

    @dg.sensor(
        job=process_job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Launches process_archive when sources have new parses and no crawl is queued or "
        "running.",
    )
    def process_after_crawls(context: dg.SensorEvaluationContext):
        after = int(context.cursor) if context.cursor else None
        parses = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=HANDLINGS, after_storage_id=after), limit=1000, ascending=True
        ).records
        if not parses:
            return dg.SkipReason("no source has a new parse since the last processing")
        running = context.instance.get_runs(
            filters=dg.RunsFilter(
                statuses=ACTIVE, tags={"dagster/partition": partitions.get_partition_keys()}
            )
        )
        if running:
            waiting = sorted({run.tags["dagster/partition"] for run in running})
            return dg.SkipReason(f"waiting for the runs of {', '.join(waiting)} to finish")
        sources = sorted({record.partition_key for record in parses if record.partition_key})
        last = parses[-1].storage_id
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(run_key=f"parses-up-to-{last}", tags={"minutes/new_parses": ",".join(sources)})
            ],
            cursor=str(last),
        )

    return process_after_crawls
