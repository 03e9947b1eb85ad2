"""Running crawls. Each crawl runs in a process of its own: Twisted's reactor cannot be restarted, so
a scheduler, the CLI and the tests start ``python -m crawlers.run`` and read the JSON summary it
prints on its last line."""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
from dataclasses import dataclass

from archive import Archive
from minutes.config import Settings, resolve_settings
from minutes.registry import load_registry, select_sources


@dataclass(frozen=True)
class SourceCrawl:
    source_id: str
    status: str  # "finished", or why the source was not crawled
    requests: int = 0
    responses: int = 0
    items_listed: int = 0  # items the listings showed, whether or not they were asked for again
    items: int = 0  # item pages read, new, changed or confirmed unchanged (304)
    items_changed: int = 0  # item pages that were new or had changed
    documents: int = 0
    skipped_fresh: int = 0  # known documents under unchanged listings, not asked for again
    not_modified: int = 0  # 304 answers
    failures: int = 0
    #: manifest lines a write cut short had left (each skipped, every other row kept), as reported
    torn_lines: tuple[str, ...] = ()
    #: requests robots.txt disallowed (obeyed: nothing was fetched for them)
    robots_refused: int = 0
    #: robots.txt disallows the source's entry point itself: the whole site is off limits to us
    robots_disallows_site: bool = False

    @property
    def verdict(self) -> str:
        """What a person reads first: "finished", or why the source yielded nothing."""
        if self.robots_disallows_site:
            return "robots.txt disallows the site: nothing fetched"
        return self.status


def crawl(settings: Settings, source_ids: list[str] | None = None, probe: bool = False) -> list[SourceCrawl]:
    """Crawl the chosen sources into the archive, in a child process; the per-source summary. A probe
    walks every listing level but asks for only a few meetings and one item per source."""
    command = [
        sys.executable,
        "-m",
        "crawlers.run",
        "--data-dir",
        str(settings.data_dir),
        "--since",
        settings.since.isoformat(),
        "--revalidate-hours",
        str(settings.revalidate_hours),
    ]
    if settings.sources_file:
        command += ["--sources", str(settings.sources_file)]
    command += ["--archive", str(settings.archive_location)]
    for source_id in source_ids or []:
        command += ["--source", source_id]
    if probe:
        command.append("--probe")
    if settings.use_feeds:
        command.append("--feeds")
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        raise RuntimeError(
            f"crawl process failed ({completed.returncode}): {completed.stderr.strip()[-2000:]}"
        )
    return [SourceCrawl(**{**row, "torn_lines": tuple(row["torn_lines"])}) for row in json.loads(lines[-1])]


def _run_in_this_process(
    settings: Settings, source_ids: list[str] | None, probe: bool = False
) -> list[SourceCrawl]:
    from scrapy.crawler import CrawlerProcess

    from crawlers.settings import BASE_SETTINGS
    from crawlers.spiders import SPIDERS

    sources = select_sources(load_registry(settings.sources_file), source_ids)
    process = CrawlerProcess(BASE_SETTINGS, install_root_handler=True)
    crawlers, summaries = {}, {}
    archive = Archive(settings.archive_location)
    # read before the crawl appends, which ends a torn fragment so that it stays a line of its own
    torn = {source.id: archive.torn_lines(source.id) for source in sources}
    for source in sources:
        spider_cls = SPIDERS.get(source.platform)
        if spider_cls is None:
            summaries[source.id] = SourceCrawl(source.id, f"skipped: no {source.platform} spider yet")
            continue
        crawler = process.create_crawler(spider_cls)
        crawlers[source.id] = crawler
        options = {"use_feeds": settings.use_feeds} if source.platform == "dynasty" else {}
        process.crawl(
            crawler,
            source=source,
            since=settings.since,
            archive_root=str(settings.archive_location),
            revalidate_hours=settings.revalidate_hours,
            probe=probe,
            **options,
        )
    if crawlers:
        process.start()
    for crawler in crawlers.values():
        # On object storage a run's last manifest rows are still in memory: stored before the summary
        # says the crawl finished.
        if (spider_archive := getattr(crawler.spider, "archive", None)) is not None:
            spider_archive.close()
    for source_id, crawler in crawlers.items():
        stats = crawler.stats.get_stats()
        summaries[source_id] = SourceCrawl(
            source_id=source_id,
            status=str(stats.get("finish_reason", "not finished")),
            requests=int(stats.get("downloader/request_count", 0)),
            responses=int(stats.get("downloader/response_count", 0)),
            items_listed=int(stats.get("minutes/items_listed", 0)),
            items=int(stats.get("minutes/items", 0)),
            items_changed=int(stats.get("minutes/items_changed", 0)),
            documents=int(stats.get("minutes/documents", 0)),
            skipped_fresh=int(stats.get("minutes/skipped_fresh", 0)),
            not_modified=int(stats.get("downloader/response_status_count/304", 0)),
            failures=int(stats.get("minutes/failures", 0)),
            torn_lines=tuple(map(str, torn[source_id])),
            robots_refused=int(stats.get("minutes/robots_refused", 0)),
            robots_disallows_site=bool(stats.get("minutes/robots_refused_entry", 0))
            and not stats.get("minutes/items_listed", 0),
        )
    return [summaries[s.id] for s in sources]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m crawlers.run")
    parser.add_argument("--sources")
    parser.add_argument("--data-dir")
    parser.add_argument("--archive")
    parser.add_argument("--since")
    parser.add_argument("--source", action="append", dest="source_ids")
    parser.add_argument("--revalidate-hours")
    parser.add_argument("--probe", action="store_true")
    parser.add_argument("--feeds", action="store_true")
    args = parser.parse_args(argv)
    settings = resolve_settings(
        sources=args.sources,
        data_dir=args.data_dir,
        since=args.since,
        revalidate_hours=args.revalidate_hours,
        archive=args.archive,
    )
    settings = dataclasses.replace(settings, use_feeds=args.feeds)
    summary = _run_in_this_process(settings, args.source_ids, probe=args.probe)
    print(json.dumps([s.__dict__ for s in summary], ensure_ascii=False))


if __name__ == "__main__":
    main()
