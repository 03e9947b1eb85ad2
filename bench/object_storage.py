"""What object storage costs: the demo harvest and a million-handling load, on local disk and against an
S3 server on 127.0.0.1 (moto's), in one run, with the ratio of each pair.

1. **Archive operations**: 400 documents of 30 kB stored and recorded one by one, as a crawl does, then
   read back as processing does (every manifest row, every blob), in a folder and on the S3 server.
2. **Harvest**: the real spiders crawl every demo site once into a fresh archive, first a folder, then
   ``s3://bench/archive`` (blobs written with conditional PUTs, manifests checkpointed per run and
   source); then ``minutes process`` of each archive into a DuckDB file (every blob read back).
3. **Load**: the synthetic input of ``bench/warehouse.py`` (generated in a child process) loaded into a
   DuckDB file, into a DuckLake whose data files are in a local folder, and into a DuckLake whose data
   files are on the S3 server (its SQLite catalog stays local); then the time a reader takes to open
   each and answer its first comparison, and the median of ranked searches.

moto keeps objects in the memory of one Python process and answers over the loopback interface: these
figures are the cost of the S3 protocol and of the client code, with no network latency or bandwidth
limit. A real store adds a round trip per request (milliseconds within a region); multiply the
request counts printed below by it.

Reproduce: .venv/bin/python bench/object_storage.py            (--items N for another size)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl

from archive import Archive
from core.config import Settings
from core.warehouse_location import DuckLake
from crawlers.run import crawl
from demo_sites.server import running_demo_server
from processing.stages import process
from tests.s3_server import running_s3_server
from warehouse.load import load_warehouse
from warehouse.query import connect_for_queries

SINCE = "2025-01-01"
COMPARISON = """SELECT * FROM matter_comparison
WHERE matter_id = (SELECT min(matter_id) FROM matters WHERE n_municipalities >= 2)"""
SEARCHES = ("toimintakertomus", "jätehuolto", "avustus", "varhaiskasvatus", "asemakaavan muutos")


def timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def ratio(local: float, remote: float) -> str:
    return f"{remote / local:5.2f}×" if local > 0 else "  n/a"


def line(label: str, local: float, remote: float, unit: str = "s") -> None:
    print(
        f"  {label:<34}{local:8.2f} {unit}   {remote:8.2f} {unit}   S3/local {ratio(local, remote)}",
        flush=True,
    )


def bucket_size(server, bucket: str, prefix: str) -> tuple[int, int]:
    """Objects and bytes under ``prefix``."""
    client = server.client()
    count = size = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for entry in page.get("Contents", []):
            count, size = count + 1, size + entry["Size"]
    return count, size


def archive_operations(root: Path, n_documents: int = 400) -> None:
    print(f"\narchive: {n_documents} documents of 30 kB, written as a crawl writes, read as processing reads")
    print(f"  {'':<34}{'local':>10}   {'S3':>10}", flush=True)
    bodies = [os.urandom(15_000).hex().encode() for _ in range(n_documents)]  # 30 kB, all different
    costs = {}
    for name, location in (("local", root / "archive-ops"), ("S3", "s3://bench/archive-ops")):
        archive = Archive(location)

        def write(archive=archive):
            for n, body in enumerate(bodies):
                archive.record_response(
                    source_id="bench",
                    url=f"https://bench.fi/{n}",
                    kind="meetingitem",
                    status=200,
                    body=body,
                    headers={"content-type": "text/html"},
                )
            archive.close()

        def read(location=location):
            reader = Archive(location)
            return [len(body) for body in reader.read_blobs(row.sha256 for row in reader.rows("bench"))]

        write_seconds, _ = timed(write)
        read_seconds, sizes = timed(read)
        assert sum(sizes) == sum(map(len, bodies))
        costs[name] = (write_seconds, read_seconds)
    line(
        "store + record, per document",
        costs["local"][0] / n_documents * 1000,
        costs["S3"][0] / n_documents * 1000,
        "ms",
    )
    line(
        "read back, per document",
        costs["local"][1] / n_documents * 1000,
        costs["S3"][1] / n_documents * 1000,
        "ms",
    )


def harvest(root: Path, server) -> None:
    print("\nharvest: every demo site, one crawl each, then minutes process", flush=True)
    print(f"  {'':<34}{'local':>10}   {'S3':>10}", flush=True)
    with running_demo_server() as demo:
        registry = demo.write_registry(root / "sources.toml")
        local = Settings(registry, root / "local", root / "local" / "warehouse.duckdb", _since())
        remote = Settings(
            registry, root / "s3", root / "s3" / "warehouse.duckdb", _since(), archive="s3://bench/archive"
        )
        crawl_local, local_summary = timed(lambda: crawl(local))
        crawl_remote, remote_summary = timed(lambda: crawl(remote))
    # An untimed run first: the first processing in a process pays for loading the lemmatiser's
    # dictionary and the parsers, which would be charged to whichever archive came first.
    warm = Settings(
        registry, root / "warm", root / "warm" / "warehouse.duckdb", _since(), archive=str(local.archive_dir)
    )
    process(warm)
    process_local, local_report = timed(lambda: process(local))
    process_remote, remote_report = timed(lambda: process(remote))
    requests = sum(s.requests for s in local_summary)
    assert local_report.handlings == remote_report.handlings, "the two archives should give one warehouse"
    line(f"crawl ({requests} requests)", crawl_local, crawl_remote)
    line(f"process ({local_report.handlings} handlings)", process_local, process_remote)
    objects, size = bucket_size(server, "bench", "archive/")
    print(
        f"  archive on S3: {objects} objects, {size / 1e6:.1f} MB; crawl summaries equal: "
        f"{[s.items for s in local_summary] == [s.items for s in remote_summary]}",
        flush=True,
    )


def _since():
    from datetime import date

    return date.fromisoformat(SINCE)


def reader_costs(target) -> tuple[float, float]:
    """Seconds to open the warehouse and answer one comparison; median seconds of a ranked search."""
    opened, con = timed(lambda: connect_for_queries(target))
    first, _ = timed(lambda: con.execute(COMPARISON).fetchall())
    searches = []
    for _round in range(3):
        for query in SEARCHES:
            seconds, _ = timed(
                lambda q=query: con.execute("SELECT * FROM search_items($q)", {"q": q}).fetchall()
            )
            searches.append(seconds)
    con.close()
    return opened + first, statistics.median(searches)


def load(root: Path, server, n_items: int) -> None:
    inputs = root / "input"
    generated, _ = timed(
        lambda: subprocess.run(
            [
                sys.executable,
                str(Path(__file__).with_name("warehouse.py")),
                "--items",
                str(n_items),
                "--generate-only",
                str(inputs),
            ],
            check=True,
        )
    )
    tables = {path.stem: pl.read_parquet(path) for path in sorted(inputs.glob("*.parquet"))}
    print(
        f"\nload: {n_items} synthetic handlings (generated in {generated:.0f} s in a child process)",
        flush=True,
    )
    targets = {
        "file": root / "warehouse.duckdb",
        "lake, local files": DuckLake(root / "lake-local.sqlite", f"{root / 'lake-local-files'}/"),
        "lake, files on S3": DuckLake(root / "lake-s3.sqlite", "s3://bench/lake/"),
    }
    results = {}
    for name, target in targets.items():
        seconds, report = timed(lambda t=target: load_warehouse(t, tables))
        phases = ", ".join(f"{k} {v:.1f}" for k, v in report.seconds.items())
        print(
            f"  {name:<20} load {seconds:6.1f} s  (phases, s: {phases}); "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        results[name] = (seconds, *reader_costs(target))
    file_size = targets["file"].stat().st_size
    local_files = sum(p.stat().st_size for p in (root / "lake-local-files").rglob("*") if p.is_file())
    objects, s3_size = bucket_size(server, "bench", "lake/")
    print(
        f"  sizes: file {file_size / 1e6:.0f} MB; lake files {local_files / 1e6:.0f} MB local, "
        f"{s3_size / 1e6:.0f} MB in {objects} objects on S3"
    )
    print(f"\n  {'':<34}{'local':>10}   {'S3':>10}")
    base, lake_local, lake_s3 = results["file"], results["lake, local files"], results["lake, files on S3"]
    line("load: file → lake on S3", base[0], lake_s3[0])
    line("load: lake local → lake on S3", lake_local[0], lake_s3[0])
    line("open + first comparison: file → S3", base[1], lake_s3[1])
    line("open + first comparison: lake → S3", lake_local[1], lake_s3[1])
    line("search median: file → lake on S3", base[2] * 1000, lake_s3[2] * 1000, "ms")
    line("search median: lake local → S3", lake_local[2] * 1000, lake_s3[2] * 1000, "ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000, help="handlings in the synthetic load")
    parser.add_argument("--dir", help="where to work (default: a temporary directory, removed afterwards)")
    args = parser.parse_args()
    root = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="bench-object-storage-"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"command: .venv/bin/python bench/object_storage.py --items {args.items}", flush=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    try:
        with running_s3_server() as server:
            for name, value in server.environment().items():
                os.environ[name] = value  # for this process and the crawl processes it starts
            server.create_bucket("bench")
            archive_operations(root)
            harvest(root, server)
            load(root, server, args.items)
    finally:
        if not args.dir:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
