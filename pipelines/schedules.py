"""When the harvest runs: every morning Helsinki time, before the working day, and a weekly backfill that
asks again for everything of the last 90 days. Processing follows the crawls (``pipelines/sensors.py``)."""
# No "from __future__ import annotations" here: Dagster reads these annotations at definition time.

from datetime import timedelta

import dagster as dg

from pipelines.jobs import crawl_job

HELSINKI = "Europe/Helsinki"
BACKFILL_DAYS = 90


def schedules_for(partitions: dg.PartitionsDefinition) -> list[dg.ScheduleDefinition]:
    """The daily crawl and the weekly backfill, one run per source of ``partitions``."""

    @dg.schedule(
        job=crawl_job,
        cron_schedule="0 6 * * *",
        execution_timezone=HELSINKI,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def daily_crawl(context: dg.ScheduleEvaluationContext):
        """One run per source, so a broken site fails alone and the others carry on; Dynasty and TWeb
        sources start from their meetings feeds."""
        config = {"ops": {"raw_archive": {"config": {"feeds": True}}}}
        for source_id in partitions.get_partition_keys():
            yield dg.RunRequest(
                run_key=f"{context.scheduled_execution_time:%Y-%m-%d}-{source_id}",
                partition_key=source_id,
                run_config=config,
            )

    @dg.schedule(
        job=crawl_job,
        cron_schedule="0 3 * * 0",
        execution_timezone=HELSINKI,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def weekly_backfill(context: dg.ScheduleEvaluationContext):
        """Sundays: the last 90 days again, every known item revalidated (conditionally: 304s cost little).
        A source's backfill and its daily crawl never run at once: the second waits in the queue."""
        since = (context.scheduled_execution_time.date() - timedelta(days=BACKFILL_DAYS)).isoformat()
        config = {"ops": {"raw_archive": {"config": {"since": since, "revalidate_hours": 0.0}}}}
        for source_id in partitions.get_partition_keys():
            yield dg.RunRequest(
                run_key=f"backfill-{since}-{source_id}", partition_key=source_id, run_config=config
            )

    return [daily_crawl, weekly_backfill]
