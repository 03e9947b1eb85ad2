"""How much a crawl costs the sites, per platform, measured against the demo server.

For each demo source, in a fresh archive: a first crawl (requests per new item), an immediate recrawl
of the unchanged site (what a rerun costs: listing pages only, each asked once, answered 304), and a
recrawl with revalidation due (every known item asked again conditionally: still no download).
Goals (issue #3): ≤ 2.5 requests per new item; unchanged recrawl ≤ 1 request per listing page and 0
item downloads.

With ``--feeds``, every crawl starts the way the daily schedule does: Dynasty from its meetings feed,
TWeb bodies from their minutes feeds.

Reproduce: .venv/bin/python bench/crawl.py [--feeds]
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive import ITEM_KINDS, PDF_KINDS, Archive
from core.config import Settings
from crawlers.run import crawl
from demo_sites.server import running_demo_server

#: what an item costs a site to download: its page or document, and its PDFs
ITEM_DOWNLOAD_KINDS = ITEM_KINDS | PDF_KINDS
LISTING_KINDS = {
    "meeting_handlers",
    "meetings",
    "meeting",
    "bodies",
    "body",
    "search",
    "search_form",
    "meeting_list",
    "feed",
    "meeting_page",
    "api_root",
    "api_nodes",
    "api_contents",
}


def rows_after(archive: Archive, source_id: str, skip: int) -> list:
    return [row for row in list(archive.rows(source_id))[skip:] if row.kind != "robots"]


def measure(server, source_id: str, root: Path, feeds: bool = False) -> dict:
    registry = server.write_registry(root / "sources.toml")
    settings = Settings(
        registry, root / "data", root / "data" / "w.duckdb", date(2025, 1, 1), use_feeds=feeds
    )
    archive = Archive(settings.archive_dir)

    started = time.perf_counter()
    (first,) = crawl(settings, [source_id])
    first_seconds = time.perf_counter() - started
    first_rows = rows_after(archive, source_id, 0)
    seen = len(list(archive.rows(source_id)))

    crawl(settings, [source_id])
    rerun = rows_after(archive, source_id, seen)
    seen = len(list(archive.rows(source_id)))

    crawl(dataclasses.replace(settings, revalidate_hours=0), [source_id])
    revalidated = rows_after(archive, source_id, seen)

    def listing(rows):
        return [r for r in rows if r.kind in LISTING_KINDS]

    def downloads(rows):
        return [r for r in rows if r.kind in ITEM_DOWNLOAD_KINDS and r.status == 200]

    rerun_listing = listing(rerun)
    return {
        "source": source_id,
        "new items": first.items_changed,
        "requests": len(first_rows),
        "req/new item": len(first_rows) / max(first.items_changed, 1),
        "first crawl s": first_seconds,
        "rerun requests": len(rerun),
        "rerun req/listing page": len(rerun_listing) / max(len({r.key for r in rerun_listing}), 1),
        "rerun 304s": sum(1 for r in rerun if r.status == 304),
        "rerun item downloads": len(downloads(rerun)),
        "revalidate requests": len(revalidated),
        "revalidate item downloads": len(downloads(revalidated)),
        "kinds": Counter(r.kind for r in first_rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--feeds", action="store_true", help="start from the feeds, as the daily schedule does"
    )
    feeds = parser.parse_args().feeds
    results = []
    with running_demo_server() as server:
        for source_id in server.sources:
            with tempfile.TemporaryDirectory() as tmp:
                results.append(
                    (server.sources[source_id].platform, measure(server, source_id, Path(tmp), feeds))
                )
    columns = [
        "platform",
        "source",
        "new items",
        "requests",
        "req/new item",
        "rerun requests",
        "rerun req/listing page",
        "rerun item downloads",
        "revalidate requests",
        "revalidate item downloads",
    ]
    print("  ".join(columns))
    for platform, r in results:
        values = [
            platform,
            r["source"],
            r["new items"],
            r["requests"],
            f"{r['req/new item']:.2f}",
            r["rerun requests"],
            f"{r['rerun req/listing page']:.2f}",
            r["rerun item downloads"],
            r["revalidate requests"],
            r["revalidate item downloads"],
        ]
        print("  ".join(str(v).ljust(len(c)) for v, c in zip(values, columns, strict=True)))
    print()
    for _, r in results:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(r["kinds"].items()))
        print(f"{r['source']} first crawl ({r['first crawl s']:.1f} s): {kinds}")
    worst = max(r["req/new item"] for _, r in results)
    print(f"\ngoal ≤ 2.5 requests per new item: worst {worst:.2f} -> {'met' if worst <= 2.5 else 'missed'}")
    downloads = sum(r["rerun item downloads"] + r["revalidate item downloads"] for _, r in results)
    per_listing = max(r["rerun req/listing page"] for _, r in results)
    print(
        f"goal unchanged recrawl ≤ 1 request per listing page and 0 item downloads: "
        f"{per_listing:.2f} per listing page, {downloads} item downloads"
    )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: this process {own:.0f} MiB, the crawl processes {children:.0f} MiB")
    print("reproduce: .venv/bin/python bench/crawl.py" + (" --feeds" if feeds else ""))


if __name__ == "__main__":
    main()
