"""The Dagster definitions, materialised in process against the demo server."""

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from demo_sites.faults import Fault
from pipelines.assets import handlings, matters, raw_archive, warehouse
from pipelines.checks import matter_dates_close, parse_failure_rate, required_fields, unique_handling_keys
from pipelines.definitions import defs
from pipelines.partitions import source_partitions
from pipelines.resources import MinutesResource
from pipelines.schedules import daily_crawl, daily_process, weekly_backfill
from warehouse.connection import connect

DEMO_SOURCES = ("asikkala", "heinola", "hollola", "paijat-hameen-hyvinvointialue")
DOWNSTREAM = [handlings, matters, warehouse]
CHECKS = [parse_failure_rate, required_fields, unique_handling_keys, matter_dates_close]


def resource_for(settings) -> MinutesResource:
    return MinutesResource(
        sources=str(settings.sources_file),
        data_dir=str(settings.data_dir),
        warehouse=str(settings.warehouse),
        since=settings.since.isoformat(),
    )


def metadata_of(result, node: str) -> dict:
    return {k: v.value for k, v in result.asset_materializations_for_node(node)[0].metadata.items()}


def check_outcomes(result) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


@pytest.mark.timeout(180)
def test_definitions_validate_with_no_network_and_no_secrets(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINUTES_")}
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("dagster")),
            "definitions",
            "validate",
            "-m",
            "pipelines.definitions",
        ],
        capture_output=True,
        text=True,
        env={**env, "DAGSTER_HOME": str(tmp_path)},
        timeout=170,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Validation successful" in done.stderr + done.stdout


def test_the_graph_reads_the_way_the_data_flows():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == {"raw_archive", "handlings", "matters", "warehouse", "feeds"}
    assert {k.to_user_string() for k in graph.get(dg.AssetKey("warehouse")).parent_keys} == {"matters"}
    assert {k.to_user_string() for k in graph.get(dg.AssetKey("feeds")).parent_keys} == {"warehouse"}
    checks = {key.name for key in graph.asset_check_keys}
    assert checks == {
        "harvested_items",
        "parse_failure_rate",
        "required_fields",
        "unique_handling_keys",
        "matter_dates_close",
    }
    assert len(source_partitions.get_partition_keys()) == 12


@pytest.mark.timeout(300)
def test_materialising_every_asset_against_the_demo_server(demo_settings, tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    resources = {"minutes": resource_for(demo_settings)}
    with dg.instance_for_test() as instance:
        listed = {}
        for source_id in DEMO_SOURCES:
            crawled = dg.materialize(
                [raw_archive], partition_key=source_id, resources=resources, instance=instance
            )
            assert crawled.success
            listed[source_id] = metadata_of(crawled, "raw_archive")["items_listed"]
            assert check_outcomes(crawled) == {"harvested_items": True}
        assert listed == {"asikkala": 19, "heinola": 17, "hollola": 17, "paijat-hameen-hyvinvointialue": 17}
        result = dg.materialize([*DOWNSTREAM, *CHECKS], resources=resources, instance=instance)
        assert result.success
        parsed = metadata_of(result, "handlings")
        assert (parsed["handlings"], parsed["new_handlings"], parsed["parse_errors"]) == (69, 69, 1)
        assert "| Heinola | Kaupunginvaltuusto | 4 |" in parsed["handlings_per_source_and_body"]
        assert metadata_of(result, "matters")["cross_municipality_matters"] == 2
        assert metadata_of(result, "warehouse")["rows_items"] == 69
        # The county serves one Word file as a PDF: 1 of 17 documents, over the 5 % warning line.
        assert check_outcomes(result) == {
            "parse_failure_rate": False,
            "required_fields": True,
            "unique_handling_keys": True,
            "matter_dates_close": True,
        }
        (rate,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "parse_failure_rate"]
        assert rate.severity == dg.AssetCheckSeverity.WARN
        assert rate.metadata["rates"].value["paijat-hameen-hyvinvointialue"] == 0.059
        # matters are linked through the persisted index: linking again compares nothing new
        committed = demo_settings.processed_dir / "link_index" / "committed.json"
        assert json.loads(committed.read_text())["segments"] == ["000000"]
        linked = pl.read_parquet(demo_settings.processed_dir / "linked" / "items.parquet")
        assert dg.materialize([matters], resources=resources, instance=instance).success
        assert json.loads(committed.read_text())["segments"] == ["000000"]
        relinked = pl.read_parquet(demo_settings.processed_dir / "linked" / "items.parquet")
        assert relinked.select("item_id", "matter_id").equals(linked.select("item_id", "matter_id"))
    con = connect(demo_settings.warehouse, read_only=True)
    assert con.execute("SELECT count(DISTINCT matter_id) FROM matter_comparison").fetchone() == (2,)


@pytest.mark.timeout(300)
def test_a_source_that_lists_nothing_fails_its_blocking_check_and_nothing_downstream_runs(
    demo_server, demo_settings, tmp_path, monkeypatch
):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    resources = {"minutes": resource_for(demo_settings)}
    selection = [raw_archive, *DOWNSTREAM, *CHECKS]
    with dg.instance_for_test() as instance:
        healthy = dg.materialize(selection, partition_key="heinola", resources=resources, instance=instance)
        assert healthy.success
        demo_server.add_fault(
            "/heinola/dynasty2025/cgi/DREQUEST.PHP?page=meetings&", Fault("status", status=404, times=100)
        )
        broken = dg.materialize(
            selection, partition_key="heinola", resources=resources, instance=instance, raise_on_error=False
        )
    assert not broken.success
    (evaluation,) = broken.get_asset_check_evaluations()
    assert (evaluation.check_name, evaluation.passed, evaluation.severity) == (
        "harvested_items",
        False,
        dg.AssetCheckSeverity.ERROR,
    )
    assert evaluation.metadata["entry_url"].value == demo_server.base_url("heinola")
    materialised = {e.asset_key.to_user_string() for e in broken.get_asset_materialization_events()}
    assert materialised == {"raw_archive"}


def test_the_daily_crawl_runs_at_six_in_helsinki_one_run_per_source():
    assert (daily_crawl.cron_schedule, daily_crawl.execution_timezone) == ("0 6 * * *", "Europe/Helsinki")
    assert (daily_process.cron_schedule, daily_process.execution_timezone) == (
        "30 7 * * *",
        "Europe/Helsinki",
    )
    context = dg.build_schedule_context(
        repository_def=defs.get_repository_def(), scheduled_execution_time=datetime(2026, 11, 23, 6)
    )
    requests = list(daily_crawl.evaluate_tick(context).run_requests)
    assert len(requests) == 12
    assert (requests[0].partition_key, requests[0].run_key) == ("lahti", "2026-11-23-lahti")
    assert requests[0].run_config == {"ops": {"raw_archive": {"config": {"feeds": True}}}}


def test_the_weekly_backfill_asks_again_for_the_last_ninety_days():
    assert (weekly_backfill.cron_schedule, weekly_backfill.execution_timezone) == (
        "0 3 * * 0",
        "Europe/Helsinki",
    )
    context = dg.build_schedule_context(
        repository_def=defs.get_repository_def(), scheduled_execution_time=datetime(2026, 11, 22, 3)
    )
    requests = list(weekly_backfill.evaluate_tick(context).run_requests)
    assert len(requests) == 12
    assert requests[0].run_config == {
        "ops": {
            "raw_archive": {
                "config": {
                    "since": (date(2026, 11, 22).replace(month=8, day=24)).isoformat(),
                    "revalidate_hours": 0.0,
                }
            }
        }
    }


@pytest.mark.timeout(120)
def test_handlings_run_again_after_a_run_that_saved_none(demo_settings, tmp_path, monkeypatch):
    """Nothing archived yet: the parsed tables are saved with no rows (and so no columns), and the next
    run, and the checks, read them all the same."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    resources = {"minutes": resource_for(demo_settings)}
    selection = [handlings, parse_failure_rate, required_fields, unique_handling_keys]
    with dg.instance_for_test() as instance:
        for _ in range(2):
            result = dg.materialize(selection, resources=resources, instance=instance)
            assert result.success
            parsed = metadata_of(result, "handlings")
            assert (parsed["handlings"], parsed["new_handlings"]) == (0, 0)
            assert check_outcomes(result) == {
                "parse_failure_rate": True,
                "required_fields": True,
                "unique_handling_keys": True,
            }
    items = pl.read_parquet(demo_settings.processed_dir / "parsed" / "items.parquet")
    assert items.shape == (0, 0)
