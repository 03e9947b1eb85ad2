"""The Dagster asset ``feeds``, materialised in process on a real warehouse file."""

from datetime import datetime

import dagster as dg
import feedparser

from demo_sites.example_warehouse import example_tables
from pipelines.definitions import defs
from pipelines.feeds import feeds
from pipelines.resources import MinutesResource
from warehouse.load import load_warehouse
from warehouse.watches import Watch, add_watch, watches_path

CREATED = datetime.fromisoformat("2026-03-01T09:00:00+02:00")


def materialise(data_dir, instance) -> dict:
    resources = {
        "minutes": MinutesResource(data_dir=str(data_dir), warehouse=str(data_dir / "warehouse.duckdb"))
    }
    result = dg.materialize([feeds], resources=resources, instance=instance)
    assert result.success
    return {k: v.value for k, v in result.asset_materializations_for_node("feeds")[0].metadata.items()}


def test_the_feeds_asset_lists_the_new_hits_per_watch_and_a_second_run_finds_none(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    data_dir = tmp_path / "data"
    add_watch(watches_path(data_dir), Watch("jatehuolto", "jätehuolto", created=CREATED))
    add_watch(watches_path(data_dir), Watch("kylatalo", "kylätalo", ("Heinola",), created=CREATED))
    load_warehouse(data_dir / "warehouse.duckdb", example_tables())
    with dg.instance_for_test() as instance:
        first = materialise(data_dir, instance)
        assert first["new_hits_per_watch"] == {"jatehuolto": 4, "kylatalo": 0}
        assert first["new_hits"] == "| watch | new hits |\n|---|---|\n| jatehuolto | 4 |\n| kylatalo | 0 |"
        assert (first["load_compared"], first["new_or_changed_handlings"], first["new_matter_handlings"]) == (
            True,
            12,
            10,
        )
        assert first["files"] == 2 + 3 + 6  # two watches, three matters, five sources and the region
        second = materialise(data_dir, instance)
    assert (second["load_compared"], second["new_hits_per_watch"], second["new_hits"]) == (False, {}, "none")
    assert len(feedparser.parse(str(data_dir / "feeds" / "jatehuolto.xml")).entries) == 4


def test_the_processing_job_ends_with_the_feeds():
    job = defs.resolve_job_def("process_archive")
    assert sorted(key.to_user_string() for key in job.asset_layer.executable_asset_keys) == [
        "feeds",
        "matters",
        "warehouse",
    ]
