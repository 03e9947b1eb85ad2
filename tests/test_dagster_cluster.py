"""The instance config for harvesting on several machines (dagster_cluster/dagster.yaml), loaded the way
the Dagster daemon loads it: Dagster's own ``InstanceRef.from_dir`` validates every section against
Dagster's schemas and the run launcher's and coordinator's classes are built from it. Nothing here
can start a container or reach a PostgreSQL server, so the launcher launches nothing and the storage is
checked as configured, not connected to."""

import re
from pathlib import Path

import pytest
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import ConcurrencyConfig
from dagster._core.instance.ref import InstanceRef
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster_docker import DockerRunLauncher

from core.config import resolve_settings
from core.warehouse_location import DuckLake

REPO = Path(__file__).resolve().parents[1]
CLUSTER = REPO / "dagster_cluster"

#: What the machine running the daemon would have in its environment.
ENVIRONMENT = {
    "MINUTES_IMAGE": "registry.example.org/minutes:2026-12",
    "MINUTES_DATA_DIR": "/srv/minutes/data",
    "MINUTES_ARCHIVE": "s3://minutes-harvest/archive",
    "MINUTES_WAREHOUSE": "ducklake:sqlite:/srv/minutes/catalog/warehouse.sqlite",
    "MINUTES_WAREHOUSE_DATA": "s3://minutes-harvest/warehouse",
    "DAGSTER_PG_USERNAME": "dagster",
    "DAGSTER_PG_PASSWORD": "not-a-secret",
    "DAGSTER_PG_HOST": "postgres.internal",
    "DAGSTER_PG_DB": "dagster",
}


@pytest.fixture
def cluster_ref(monkeypatch, tmp_path) -> InstanceRef:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    return InstanceRef.from_dir(str(tmp_path), config_dir=str(CLUSTER))


def test_the_cluster_instance_launches_every_run_in_a_container_of_the_projects_image(cluster_ref):
    launcher = cluster_ref.run_launcher
    assert isinstance(launcher, DockerRunLauncher)
    assert (launcher.image, launcher.networks) == ("registry.example.org/minutes:2026-12", ["minutes"])
    assert launcher.container_kwargs == {"volumes": ["minutes-data:/srv/minutes"], "auto_remove": True}
    coordinator = cluster_ref.run_coordinator
    assert isinstance(coordinator, QueuedRunCoordinator)
    # the instance combines its concurrency section with the coordinator's queue, as DagsterInstance does
    concurrency = ConcurrencyConfig.from_concurrency_settings(
        cluster_ref.settings["concurrency"], coordinator.get_run_queue_config()
    )
    queue = concurrency.run_queue_config
    assert queue.max_concurrent_runs == 40
    assert [(limit["key"], limit["limit"]) for limit in queue.tag_concurrency_limits] == [
        ("minutes/crawl", 32)
    ]
    assert concurrency.pool_config.default_pool_limit == 1


def test_runs_and_events_are_kept_in_postgresql_reachable_from_every_machine(cluster_ref):
    storage = cluster_ref.storage_data
    assert (storage.module_name, storage.class_name) == ("dagster_postgres", "DagsterPostgresStorage")
    assert "postgres_db" in storage.config_yaml


def test_every_run_container_is_handed_the_archive_warehouse_and_object_store_settings(cluster_ref):
    handed = cluster_ref.run_launcher.env_vars
    read_by_the_project = set(re.findall(r'"(MINUTES_[A-Z_]+)"', (REPO / "core" / "config.py").read_text()))
    assert {"MINUTES_ARCHIVE", "MINUTES_WAREHOUSE", "MINUTES_WAREHOUSE_DATA"} <= read_by_the_project
    assert {name for name in handed if name.startswith("MINUTES_")} <= read_by_the_project
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ENDPOINT_URL"} <= set(handed)
    # what a run container then resolves: the archive and the warehouse's files on object storage
    settings = resolve_settings(environ={name: ENVIRONMENT[name] for name in handed if name in ENVIRONMENT})
    assert settings.archive_location == "s3://minutes-harvest/archive"
    assert settings.warehouse == DuckLake(
        Path("/srv/minutes/catalog/warehouse.sqlite"), "s3://minutes-harvest/warehouse/"
    )


def test_a_setting_missing_from_the_daemons_environment_is_named_when_the_instance_loads(
    monkeypatch, tmp_path
):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MINUTES_IMAGE")
    with pytest.raises(Exception, match='environment variable "MINUTES_IMAGE" which is not set'):
        InstanceRef.from_dir(str(tmp_path), config_dir=str(CLUSTER)).run_launcher  # noqa: B018


def test_the_cluster_config_is_checked_against_dagsters_schema_not_only_read(tmp_path, monkeypatch):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    broken = tmp_path / "broken"
    broken.mkdir()
    text = (CLUSTER / "dagster.yaml").read_text(encoding="utf-8")
    (broken / "dagster.yaml").write_text(text.replace("    max_concurrent_runs: 40", "    max_runs: 40"))
    with pytest.raises(DagsterInvalidConfigError, match="max_runs"):
        InstanceRef.from_dir(str(tmp_path), config_dir=str(broken))
