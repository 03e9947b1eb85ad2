"""Scrapy's own commands work from the repository root on the project's spiders (``scrapy.cfg``), with
the registry and data folder ``minutes`` would use, so Scrapy users can reach for ``scrapy crawl``,
``scrapy shell`` and ``scrapy parse``."""

import os
import subprocess
import sys
from pathlib import Path

from archive import ITEM_KINDS, Archive
from crawlers.run import crawl
from tests.conftest import REPO, settings_for

SCRAPY = str(Path(sys.executable).with_name("scrapy"))


def scrapy(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SCRAPY, *args], cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )


def minutes_env(settings) -> dict[str, str]:
    return {
        "MINUTES_SOURCES": str(settings.sources_file),
        "MINUTES_DATA_DIR": str(settings.data_dir),
        "MINUTES_SINCE": settings.since.isoformat(),
    }


def item_urls(data_dir: Path, source_id: str) -> set[str]:
    rows = Archive(data_dir / "archive").rows(source_id)
    return {row.url for row in rows if row.kind in ITEM_KINDS and row.ok}


def test_scrapy_list_names_one_spider_per_platform():
    listed = scrapy("list", env={})
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["casem", "dynasty", "tweb"]


def test_scrapy_crawl_with_a_source_id_archives_what_minutes_crawl_archives(demo_server, tmp_path):
    by_scrapy = settings_for(demo_server, tmp_path / "scrapy")
    ran = scrapy("crawl", "dynasty", "-a", "source=asikkala", env=minutes_env(by_scrapy))
    assert ran.returncode == 0, ran.stderr
    by_minutes = settings_for(demo_server, tmp_path / "minutes")
    [summary] = crawl(by_minutes, ["asikkala"])
    assert summary.status == "finished"
    scrapy_items = item_urls(by_scrapy.data_dir, "asikkala")
    assert len(scrapy_items) == summary.items == 19
    assert scrapy_items == item_urls(by_minutes.data_dir, "asikkala")
    # the same lock as minutes crawl: one writer per source's manifest
    assert (by_scrapy.data_dir / "locks" / "crawl-asikkala.lock").exists()


def test_scrapy_crawl_of_a_source_on_another_platform_names_the_spider_to_use(demo_server, tmp_path):
    settings = settings_for(demo_server, tmp_path)
    ran = scrapy("crawl", "dynasty", "-a", "source=hollola", env=minutes_env(settings))
    assert "source 'hollola' is on casem: crawl it with `scrapy crawl casem`" in ran.stderr
    assert not (settings.data_dir / "archive").exists()


def test_scrapy_crawl_of_an_unknown_source_lists_the_registry(demo_server, tmp_path):
    settings = settings_for(demo_server, tmp_path)
    ran = scrapy("crawl", "tweb", "-a", "source=lahti", env=minutes_env(settings))
    assert "no source 'lahti' in the registry (one of: asikkala, heinola, hollola, padasjoki" in ran.stderr
