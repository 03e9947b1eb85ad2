"""How fast ``minutes serve`` answers on a warehouse of a million handlings, over HTTP as a browser asks.

Starts ``minutes serve`` in its own process on 127.0.0.1 against the bench warehouse that
``bench/warehouse.py --dir DIR`` leaves behind (generate it once; it takes a few minutes and several GB
of memory), then times whole answers, request sent to last byte read:

* the search page (HTML) for the ten queries of the warehouse bench (``BENCH_SEARCHES``), and the same
  as JSON;
* the search narrowed to one municipality, and to one municipality, one body and a year of meetings;
* a matter page, a municipality page and a body page.

Goal (issue #15): search answers in at most 300 ms median. The first request of a new connection pays
for opening the file; one untimed request per page comes first. The machine's load average is printed
beside the figures: other work on its two cores slows every query. The server's CPU time per answer is
printed too (from /proc): DuckDB runs a query on both cores, so on an idle machine wall time is about
half of it, and it moves less than wall time when other processes compete for the cores.

Reproduce: .venv/bin/python bench/warehouse.py --dir /tmp/bench-warehouse   (once)
           .venv/bin/python bench/web.py --warehouse /tmp/bench-warehouse/warehouse.duckdb
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo_sites.synthetic_warehouse import BENCH_SEARCHES
from warehouse.query import connect_read_only

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> float:
    """Seconds from sending the request to reading the last byte of a 200 answer."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response.status}")
    return time.perf_counter() - started


def describe(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"median {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   (n={len(ordered)})"
    )


def server_cpu_seconds(pid: int) -> float:
    """CPU time the server process has used (user and system, all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(base: str, paths: list[str], rounds: int, pid: int) -> tuple[list[float], float]:
    """Wall time of each answer, and the server's CPU time per answer (less sensitive to other load)."""
    for path in paths[:1]:
        fetch(base + path)  # untimed: the connection's first query opens the file
    cpu = server_cpu_seconds(pid)
    times = [fetch(base + path) for _ in range(rounds) for path in paths]
    return times, (server_cpu_seconds(pid) - cpu) / len(times)


def search_path(query: str, **filters: str) -> str:
    return "/?" + urllib.parse.urlencode({"q": query, **filters})


def examples(warehouse: Path) -> dict:
    """A cross-municipality matter, a source, its busiest body and a year, to ask the pages about."""
    con = connect_read_only(warehouse)
    try:
        matter = con.execute(
            "SELECT matter_id FROM matters WHERE n_municipalities >= 2 ORDER BY hash(matter_id) LIMIT 1"
        ).fetchone()[0]
        source_id, name = con.execute(
            "SELECT source_id, name FROM sources ORDER BY source_id LIMIT 1"
        ).fetchone()
        body = con.execute(
            "SELECT body FROM items WHERE source_id = $s GROUP BY body ORDER BY count(*) DESC LIMIT 1",
            {"s": source_id},
        ).fetchone()[0]
        year = con.execute("SELECT year(max(meeting_date)) FROM items").fetchone()[0]
    finally:
        con.close()
    return {"matter": matter, "source_id": source_id, "name": name, "body": body, "year": year}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--warehouse",
        default="/tmp/bench-warehouse/warehouse.duckdb",
        help="the bench warehouse (made by bench/warehouse.py --dir DIR)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="times each page is asked for (default 5)")
    args = parser.parse_args()
    warehouse = Path(args.warehouse)
    if not warehouse.exists():
        make = f".venv/bin/python bench/warehouse.py --dir {warehouse.parent}"
        sys.exit(f"no warehouse at {warehouse}: make one with {make}")
    print(f"command: .venv/bin/python bench/web.py --warehouse {warehouse} --rounds {args.rounds}")
    known = examples(warehouse)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "minutes.cli",
            "serve",
            "--port",
            str(port),
            "--warehouse",
            str(warehouse),
            "--data-dir",
            str(warehouse.parent),
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                fetch(base + "/")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit("minutes serve did not start")
                time.sleep(0.2)
        year = known["year"]
        narrow = {"municipality": known["name"]}
        narrower = {
            **narrow,
            "body": known["body"],
            "since": f"{year - 1}-01-01",
            "until": f"{year - 1}-12-31",
        }
        pages = [
            ("search, HTML, top 20", [search_path(q) for q in BENCH_SEARCHES]),
            ("search, JSON, top 20", [search_path(q, format="json") for q in BENCH_SEARCHES]),
            (f"search, {known['name']} only", [search_path(q, **narrow) for q in BENCH_SEARCHES]),
            ("search, + body and a year", [search_path(q, **narrower) for q in BENCH_SEARCHES]),
            ("matter page", [f"/matter/{urllib.parse.quote(known['matter'])}"]),
            ("municipality page", [f"/municipality/{known['source_id']}"]),
            ("body page", [f"/municipality/{known['source_id']}/body/{urllib.parse.quote(known['body'])}"]),
        ]
        for label, paths in pages:
            rounds = args.rounds if len(paths) > 1 else args.rounds * 4
            times, cpu = timed(base, paths, rounds, server.pid)
            print(f"{label + ':':<34}{describe(times)}   server CPU {cpu * 1000:6.1f} ms each", flush=True)
        print(f"load average after: {os.getloadavg()[0]:.1f} (2 cores)")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
