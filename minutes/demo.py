"""``minutes demo``: the whole pipeline, offline, on the bundled demo sites.

The demo server starts on 127.0.0.1, the real spiders crawl it (first while one meeting per site is
still an agenda, then again after its minutes are published, so the archive keeps both versions), and
the archive is parsed, linked and loaded into a warehouse under ``data/demo``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.config import Settings
from core.warehouse_location import DuckLake
from crawlers.run import SourceCrawl, crawl
from demo_sites.server import running_demo_server
from processing.stages import ProcessReport, process

DEMO_PORT = 8765
#: The demo's content begins in 2025; a fixed default keeps its output the same whenever it runs.
DEMO_SINCE = date(2025, 1, 1)


@dataclass(frozen=True)
class DemoRun:
    settings: Settings
    crawls: list[list[SourceCrawl]]
    report: ProcessReport


def demo_settings(data_dir: Path, warehouse: Path | DuckLake | None, since: date | None) -> Settings:
    return Settings(
        sources_file=data_dir / "sources.toml",
        data_dir=data_dir,
        warehouse=warehouse or data_dir / "warehouse.duckdb",
        since=since or DEMO_SINCE,
    )


def run_demo(settings: Settings, port: int = DEMO_PORT, progress=print) -> DemoRun:
    with running_demo_server(port=port) as server:
        server.write_registry(settings.sources_file)
        progress(f"demo sites on {server.root}; harvesting meetings since {settings.since}")
        first = crawl(settings)
        progress("crawl 1 (agendas still open): " + _crawl_line(first))
        server.publish_minutes()
        second = crawl(settings)
        progress("crawl 2 (minutes published):  " + _crawl_line(second))
    report = process(settings)
    progress(f"warehouse {settings.warehouse}: {report.handlings} handlings, {report.matters} matters")
    return DemoRun(settings, [first, second], report)


def _crawl_line(crawls: list[SourceCrawl]) -> str:
    return ", ".join(
        f"{c.source_id} {c.items} items/{c.requests} requests/{c.failures} failures" for c in crawls
    )
