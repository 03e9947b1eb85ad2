"""The Dagster definitions, materialised in process against the demo server."""

from datetime import datetime

import dagster as dg
import duckdb

from pipelines.assets import handlings, matters, raw_archive, warehouse
from pipelines.definitions import defs
from pipelines.partitions import source_partitions
from pipelines.resources import MinutesResource
from pipelines.schedules import daily_crawl


def test_definitions_load_with_every_registry_source_as_a_partition():
    repository = defs.get_repository_def()
    assert {key.to_user_string() for key in repository.asset_graph.get_all_asset_keys()} == {
        "raw_archive",
        "handlings",
        "matters",
        "warehouse",
    }
    assert len(source_partitions.get_partition_keys()) == 12
    assert "paijat-hameen-hyvinvointialue" in source_partitions.get_partition_keys()


def test_materialising_every_asset_against_the_demo_server(demo_server, demo_settings, tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    resource = MinutesResource(
        sources=str(demo_settings.sources_file),
        data_dir=str(demo_settings.data_dir),
        warehouse=str(demo_settings.warehouse),
        since=demo_settings.since.isoformat(),
    )
    with dg.instance_for_test() as instance:
        for source_id in ("asikkala", "heinola"):
            crawled = dg.materialize(
                [raw_archive], partition_key=source_id, resources={"minutes": resource}, instance=instance
            )
            assert crawled.success
            metadata = crawled.asset_materializations_for_node("raw_archive")[0].metadata
            assert metadata["items"].value == {"asikkala": 19, "heinola": 17}[source_id]
            assert metadata["failures"].value == 0
        result = dg.materialize(
            [handlings, matters, warehouse],
            resources={"minutes": resource},
            instance=instance,
            selection=[handlings, matters, warehouse],
        )
        assert result.success
        assert result.asset_materializations_for_node("handlings")[0].metadata["handlings"].value == 36
        assert (
            result.asset_materializations_for_node("matters")[0].metadata["cross_municipality_matters"].value
            == 2
        )
    con = duckdb.connect(str(demo_settings.warehouse), read_only=True)
    assert con.execute("SELECT count(DISTINCT matter_id) FROM matter_comparison").fetchone() == (2,)


def test_the_daily_crawl_runs_at_six_in_helsinki_one_run_per_source():
    assert daily_crawl.cron_schedule == "0 6 * * *"
    assert daily_crawl.execution_timezone == "Europe/Helsinki"
    context = dg.build_schedule_context(
        repository_def=defs.get_repository_def(), scheduled_execution_time=datetime(2026, 11, 23, 6)
    )
    requests = list(daily_crawl.evaluate_tick(context).run_requests)
    assert len(requests) == 12
    assert requests[0].partition_key == "lahti"
    assert requests[0].run_key == "2026-11-23-lahti"
