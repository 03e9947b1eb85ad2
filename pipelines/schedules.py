"""When the harvest runs: every morning, Helsinki time, before the working day."""

import dagster as dg

from pipelines.assets import handlings, matters, raw_archive, warehouse
from pipelines.partitions import source_partitions

crawl_job = dg.define_asset_job("crawl_sources", selection=[raw_archive])
process_job = dg.define_asset_job("process_archive", selection=[handlings, matters, warehouse])


@dg.schedule(job=crawl_job, cron_schedule="0 6 * * *", execution_timezone="Europe/Helsinki")
def daily_crawl(context: dg.ScheduleEvaluationContext):
    """One run per source, so a broken site fails alone and the others carry on."""
    for source_id in source_partitions.get_partition_keys():
        yield dg.RunRequest(
            run_key=f"{context.scheduled_execution_time:%Y-%m-%d}-{source_id}", partition_key=source_id
        )


daily_process = dg.ScheduleDefinition(
    job=process_job, cron_schedule="30 7 * * *", execution_timezone="Europe/Helsinki"
)
