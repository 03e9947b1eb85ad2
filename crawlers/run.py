"""Running crawls. Each crawl runs in a process of its own (Twisted's reactor cannot be restarted), and
reports while it runs, not only at the end:

* under Dagster, the asset starts ``python -m crawlers.run`` through Dagster Pipes
  (``command(...)`` gives the arguments): each source's start, progress, HTTP errors and warnings go into
  the run's log as they happen, and each source's summary comes back as a Pipes message;
* from the CLI, the doctor and the tests, ``crawl(...)`` starts the same process with ``--summary FILE``:
  progress lines go to standard error, and the summaries are read from that file.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from archive import Archive
from core.config import Settings, resolve_settings
from core.files import exclusive, replace_atomically
from core.registry import load_registry, select_sources

#: The Pipes message that carries the crawl's summaries: one dict per source, SourceCrawl's fields.
SUMMARY_MESSAGE = "crawl_summary"
#: How often a running crawl reports each source's counts (MINUTES_PROGRESS_SECONDS overrides).
PROGRESS_SECONDS = 10.0


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

    @classmethod
    def from_dict(cls, row: dict) -> SourceCrawl:
        return cls(**{**row, "torn_lines": tuple(row.get("torn_lines", ()))})


def command(settings: Settings, source_ids: list[str] | None = None, probe: bool = False) -> list[str]:
    """The command line of a crawl process for ``settings``: what ``crawl`` and the Dagster asset run."""
    argv = [
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
        argv += ["--sources", str(settings.sources_file)]
    argv += ["--archive", str(settings.archive_location)]
    for source_id in source_ids or []:
        argv += ["--source", source_id]
    if probe:
        argv.append("--probe")
    if settings.use_feeds:
        argv.append("--feeds")
    return argv


def crawl(settings: Settings, source_ids: list[str] | None = None, probe: bool = False) -> list[SourceCrawl]:
    """Crawl the chosen sources into the archive, in a child process; the per-source summary. A probe
    walks every listing level but asks for only a few meetings and one item per source. The child's
    progress lines and warnings go to this process's standard error as they come."""
    with tempfile.TemporaryDirectory(prefix="minutes-crawl-") as scratch:
        summary = Path(scratch) / "summary.json"
        completed = subprocess.run([*command(settings, source_ids, probe), "--summary", str(summary)])
        if completed.returncode != 0 or not summary.exists():
            raise RuntimeError(f"crawl process failed ({completed.returncode}): see its messages above")
        return [SourceCrawl.from_dict(row) for row in json.loads(summary.read_text(encoding="utf-8"))]


class Reporter:
    """Where a crawl process tells what it does: standard error, for a person at a terminal."""

    def progress(self, line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    def problem(self, line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    def finished(self, summaries: list[SourceCrawl]) -> None:
        pass


class FileReporter(Reporter):
    """Standard error while the crawl runs; the summaries, whole, in a JSON file at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def finished(self, summaries: list[SourceCrawl]) -> None:
        text = json.dumps([dataclasses.asdict(s) for s in summaries], ensure_ascii=False)
        replace_atomically(self.path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


class PipesReporter(Reporter):
    """Into the Dagster run that started this process: log lines as they happen, summaries as a message.
    Scrapy's own warnings and errors (retries given up, refused requests) are forwarded too."""

    def __init__(self, pipes) -> None:
        self.pipes = pipes
        self.handler = _ForwardingHandler(self.problem)
        logging.getLogger().addHandler(self.handler)

    def progress(self, line: str) -> None:
        self.pipes.log.info(line)

    def problem(self, line: str) -> None:
        self.pipes.log.warning(line)

    def finished(self, summaries: list[SourceCrawl]) -> None:
        logging.getLogger().removeHandler(self.handler)
        self.pipes.report_custom_message(
            {"kind": SUMMARY_MESSAGE, "sources": [dataclasses.asdict(s) for s in summaries]}
        )


class _ForwardingHandler(logging.Handler):
    def __init__(self, tell: Callable[[str], None]) -> None:
        super().__init__(level=logging.WARNING)
        self.tell = tell

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "py.warnings":
            return  # deprecation notices are for developers, and stay on standard error
        try:
            self.tell(f"{record.name}: {record.getMessage()}")
        except Exception:  # a report that cannot be sent must not stop the crawl
            self.handleError(record)


@contextmanager
def reporter_for(summary: str | None) -> Iterator[Reporter]:
    """Pipes when Dagster started this process (it sets the Pipes environment), else a summary file
    (``--summary``), else standard error only."""
    from dagster_pipes import DAGSTER_PIPES_CONTEXT_ENV_VAR, open_dagster_pipes

    if os.environ.get(DAGSTER_PIPES_CONTEXT_ENV_VAR):
        with open_dagster_pipes() as pipes:
            yield PipesReporter(pipes)
    else:
        yield FileReporter(Path(summary)) if summary else Reporter()


def _counts(stats: dict) -> str:
    return (
        f"{stats.get('downloader/request_count', 0)} requests, "
        f"{stats.get('minutes/items_listed', 0)} items listed, "
        f"{stats.get('minutes/items', 0)} item pages read "
        f"({stats.get('minutes/items_changed', 0)} new or changed), "
        f"{stats.get('minutes/documents', 0)} documents, {stats.get('minutes/failures', 0)} failed"
    )


def _watch(crawler, source_id: str, report: Reporter) -> None:
    """Report one source's crawl as it goes: its start, every HTTP error, its end with its counts."""
    from scrapy import signals

    def opened(spider) -> None:
        report.progress(f"{source_id}: crawling {spider.source.base_url} (since {spider.since})")

    def answered(response, request, spider) -> None:
        if response.status >= 400:
            report.problem(f"{source_id}: HTTP {response.status} {response.url}")

    def failed(failure, response, spider) -> None:
        report.problem(f"{source_id}: {failure.getErrorMessage()} ({response.url})")

    def closed(spider, reason) -> None:
        report.progress(f"{source_id}: {reason}; {_counts(crawler.stats.get_stats())}")

    for handler, signal in (
        (opened, signals.spider_opened),
        (answered, signals.response_received),
        (failed, signals.spider_error),
        (closed, signals.spider_closed),
    ):
        crawler.signals.connect(handler, signal=signal, weak=False)


def _report_progress_every(seconds: float, crawlers: dict, report: Reporter):
    """Every ``seconds``, each running source's counts so far (a long crawl is not silent)."""
    from twisted.internet import task

    def tell() -> None:
        for source_id, crawler in crawlers.items():
            if crawler.crawling:
                report.progress(f"{source_id}: so far {_counts(crawler.stats.get_stats())}")

    loop = task.LoopingCall(tell)
    loop.start(seconds, now=False)
    return loop


def _progress_seconds() -> float:
    value = os.environ.get("MINUTES_PROGRESS_SECONDS", "").strip()
    return float(value) if value else PROGRESS_SECONDS


def _run_in_this_process(
    settings: Settings, source_ids: list[str] | None, probe: bool = False, report: Reporter | None = None
) -> list[SourceCrawl]:
    from scrapy.crawler import CrawlerProcess

    from crawlers.settings import base_settings
    from crawlers.spiders import SPIDERS

    report = report or Reporter()
    sources = select_sources(load_registry(settings.sources_file), source_ids)
    process = CrawlerProcess(base_settings(), install_root_handler=True)
    crawlers, summaries = {}, {}
    archive = Archive(settings.archive_location)
    with ExitStack() as held:
        # One writer per manifest, whatever started the crawl (a schedule, a person, the CLI): a second
        # crawl of a source waits here until the first has finished. Sorted, so two crawls never deadlock.
        # The locks (<data dir>/locks/crawl-<source>.lock) stay out of the archive, which holds only data.
        for source in sorted(sources, key=lambda s: s.id):
            held.enter_context(exclusive(settings.data_dir / "locks" / f"crawl-{source.id}"))
        # read before the crawl appends, which ends a torn fragment so that it stays a line of its own
        torn = {source.id: archive.torn_lines(source.id) for source in sources}
        for source in sources:
            spider_cls = SPIDERS.get(source.platform)
            if spider_cls is None:
                summaries[source.id] = SourceCrawl(source.id, f"skipped: no {source.platform} spider yet")
                report.progress(f"{source.id}: {summaries[source.id].status}")
                continue
            crawler = process.create_crawler(spider_cls)
            crawlers[source.id] = crawler
            _watch(crawler, source.id, report)
            options = {"use_feeds": settings.use_feeds} if source.platform in ("dynasty", "tweb") else {}
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
            loop = _report_progress_every(_progress_seconds(), crawlers, report)
            process.start()
            if loop.running:
                loop.stop()
        for crawler in crawlers.values():
            # On object storage a run's last manifest rows are still in memory: stored before the
            # summary says the crawl finished.
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
    parser = argparse.ArgumentParser(
        prog="python -m crawlers.run",
        description="Crawl sources into the raw archive in this process (what `minutes crawl` and the "
        "Dagster asset start). Under Dagster Pipes it reports into the Dagster run.",
    )
    parser.add_argument("--sources", metavar="FILE", help="sources registry (TOML)")
    parser.add_argument("--data-dir", metavar="DIR", help="the data directory holding the archive")
    parser.add_argument("--archive", metavar="DIR-or-URL", help="the archive's folder or s3:// location")
    parser.add_argument("--since", metavar="YYYY-MM-DD", help="earliest meeting date to harvest")
    parser.add_argument(
        "--source", action="append", dest="source_ids", metavar="ID", help="a source id (repeatable)"
    )
    parser.add_argument("--revalidate-hours", metavar="HOURS", help="ask again for known items this old")
    parser.add_argument("--probe", action="store_true", help="a few meetings and one item per source")
    parser.add_argument("--feeds", action="store_true", help="Dynasty: start from the meetings feed")
    parser.add_argument("--summary", metavar="FILE", help="write the per-source summaries here (JSON)")
    args = parser.parse_args(argv)
    settings = resolve_settings(
        sources=args.sources,
        data_dir=args.data_dir,
        since=args.since,
        revalidate_hours=args.revalidate_hours,
        archive=args.archive,
    )
    settings = dataclasses.replace(settings, use_feeds=args.feeds)
    with reporter_for(args.summary) as report:
        report.finished(_run_in_this_process(settings, args.source_ids, probe=args.probe, report=report))


if __name__ == "__main__":
    main()
