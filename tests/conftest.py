"""Shared fixtures: the demo server on 127.0.0.1, crawled archives, an S3 server on 127.0.0.1
(``tests/s3_server.py``), and the texts in ../shared."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from core.config import Settings
from demo_sites.server import DemoServer, running_demo_server
from tests.s3_server import s3_env, s3_server  # noqa: F401  (fixtures: moto's S3 server on 127.0.0.1)

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MINUTES_SHARED", REPO.parent / "shared"))


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: the real texts live beside the project, not in it")
    return SHARED


@pytest.fixture
def demo_server() -> Iterator[DemoServer]:
    """A fresh demo server per test: some tests publish minutes, which changes the sites."""
    with running_demo_server() as server:
        yield server


def settings_for(server: DemoServer, root: Path, since: date = date(2025, 1, 1)) -> Settings:
    registry = server.write_registry(root / "sources.toml")
    return Settings(
        sources_file=registry,
        data_dir=root / "data",
        warehouse=root / "data" / "warehouse.duckdb",
        since=since,
    )


@pytest.fixture
def demo_settings(demo_server: DemoServer, tmp_path: Path) -> Settings:
    return settings_for(demo_server, tmp_path)
