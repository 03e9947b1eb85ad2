"""What a warehouse of a million handlings costs: load time, file size, query latency, peak memory.

Builds the synthetic input (``demo_sites/synthetic_warehouse.py``: the demo sites' Finnish, twelve
sources, one handling in twenty part of a regional matter), then:

1. a full load into a new warehouse (every table, the derived views' tables and the search index);
2. a rerun with the same input (the loader recognises it and writes nothing);
3. a rerun with 1 % of the handlings changed and 0.5 % new (a rebuild that reports what changed);
   beside these, the search index built alone in a child process (its share of a load's CPU time),
   from nothing and with the full load's lexicon (what a later load, in a process of its own, does);
4. latency, on a read-only connection, of the queries users ask: one matter across municipalities
   (``matter_comparison``), the regional matters a municipality has not handled (``matters_pending``),
   and ranked full-text search (``search_items``), each over many different arguments.

Goals (issue #6): load ≤ 60 s; comparison and pending median ≤ 200 ms; search median ≤ 500 ms.

The input is generated in a child process and handed over as Parquet, so the peak memory printed
for this process is the loader's and the queries'. Wall time depends on what else the machine runs:
CPU seconds and the load average are printed beside it.

Reproduce: .venv/bin/python bench/warehouse.py            (--items N for another size)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl

from demo_sites.synthetic_warehouse import BENCH_SEARCHES, synthetic_tables
from warehouse.connection import load_extension
from warehouse.load import load_warehouse
from warehouse.query import connect_read_only
from warehouse.search import build_index, lexicon_of

SEARCHES = BENCH_SEARCHES
COMPARISON = """SELECT municipality, body, meeting_date, section, decision_outcome, decision, url
FROM matter_comparison WHERE matter_id = $matter"""
PENDING = """SELECT matter_id, title, handled_by, last_date
FROM matters_pending WHERE list_contains(missing, $municipality) ORDER BY last_date DESC"""
SEARCH = "SELECT * FROM search_items($query)"


def peak_memory_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def load_line(label: str, action) -> object:
    """Run a load; print its wall time, CPU time, the machine's load average and the loader's phases."""
    cpu = cpu_seconds()
    seconds, report = timed(action)
    phases = ", ".join(f"{name} {value:.1f}" for name, value in report.seconds.items())
    print(
        f"{label:<24}{seconds:6.1f} s wall, {cpu_seconds() - cpu:6.1f} s CPU, load average "
        f"{os.getloadavg()[0]:.1f}" + (f"   (phases, s: {phases})" if phases else "")
    )
    return report


def generate(n_items: int, directory: Path) -> None:
    """Child process: write the synthetic input as one Parquet file per table."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, frame in synthetic_tables(n_items).items():
        frame.write_parquet(directory / f"{name}.parquet")


def index_alone(directory: Path, lexicon_from: Path | None = None) -> None:
    """Child process: build the search index of the input's items (with the lexicon of the warehouse
    ``lexicon_from``, as the next load does, read inside the timing); print its cost as JSON."""
    items = pl.read_parquet(directory / "items.parquet", columns=["item_id", "text", "title"])
    cpu, started = cpu_seconds(), time.perf_counter()
    known = None
    if lexicon_from:
        con = connect_read_only(lexicon_from)
        known = lexicon_of(con)
        con.close()
    build_index(items, known)
    cost = {"wall": time.perf_counter() - started, "cpu": cpu_seconds() - cpu, "peak_mb": peak_memory_mb()}
    print(json.dumps(cost))


def read_input(directory: Path) -> dict[str, pl.DataFrame]:
    return {path.stem: pl.read_parquet(path) for path in sorted(directory.glob("*.parquet"))}


def changed_input(tables: dict[str, pl.DataFrame], share_changed: float, share_new: float) -> dict:
    """The same input with some decisions rewritten and some handlings added (a later harvest)."""
    items = tables["items"]
    every = round(1 / share_changed)
    changed = items.with_columns(
        pl.when(pl.int_range(pl.len()) % every == 0)
        .then(pl.col("decision") + " Päätöstä täydennettiin.")
        .otherwise(pl.col("decision"))
        .alias("decision")
    )
    new = items.head(round(items.height * share_new)).with_columns(
        (pl.col("item_id") + "-uusi").alias("item_id"), (pl.col("matter_id") + "-uusi").alias("matter_id")
    )
    return {**tables, "items": pl.concat([changed, new])}


def latencies(con, sql: str, arguments: list[dict], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for params in arguments:
            seconds, _rows = timed(lambda p=params: con.execute(sql, p).fetchall())
            times.append(seconds)
    return times


def describe(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(ordered)
    return f"median {median * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   (n={len(ordered)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--dir", help="where to build the warehouse (default: a temporary directory)")
    parser.add_argument("--generate-only", help=argparse.SUPPRESS)  # the child processes' jobs
    parser.add_argument("--index-only", help=argparse.SUPPRESS)
    parser.add_argument("--lexicon-from", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        generate(args.items, Path(args.generate_only))
        return
    if args.index_only:
        index_alone(Path(args.index_only), Path(args.lexicon_from) if args.lexicon_from else None)
        return
    root = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="bench-warehouse-"))
    root.mkdir(parents=True, exist_ok=True)
    path, inputs = root / "warehouse.duckdb", root / "input"
    for old in root.glob("warehouse.duckdb*"):
        old.unlink()

    print(f"command: .venv/bin/python bench/warehouse.py --items {args.items}", flush=True)
    seconds, _ = timed(
        lambda: subprocess.run(
            [sys.executable, __file__, "--items", str(args.items), "--generate-only", str(inputs)], check=True
        )
    )
    generator_peak = peak_memory_mb(resource.RUSAGE_CHILDREN)
    # built before this process holds the input: a child forked later reports our memory as its peak
    child = subprocess.run(
        [sys.executable, __file__, "--index-only", str(inputs)], check=True, capture_output=True, text=True
    )
    index = json.loads(child.stdout.strip().splitlines()[-1])
    tables = read_input(inputs)
    text_mb = tables["items"]["text"].str.len_bytes().sum() / 1e6
    print(
        f"synthetic input: {args.items} handlings, {text_mb:.0f} MB of item text, made in {seconds:.1f} s "
        f"(generator peak memory {generator_peak:.0f} MB)"
    )
    print(
        f"search index alone:     {index['wall']:6.1f} s wall, {index['cpu']:6.1f} s CPU, peak memory "
        f"{index['peak_mb']:.0f} MB (its input included)"
    )

    load_line("full load:", lambda: load_warehouse(path, tables))
    print(f"warehouse file:         {path.stat().st_size / 1e6:6.0f} MB")
    child = subprocess.run(
        [sys.executable, __file__, "--index-only", str(inputs), "--lexicon-from", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    again = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"search index again, with the load's lexicon (what the next load's process does): "
        f"{again['wall']:.1f} s wall, {again['cpu']:.1f} s CPU"
    )
    same = load_line("rerun, same input:", lambda: load_warehouse(path, tables))
    later = changed_input(tables, 0.01, 0.005)
    rerun = load_line("rerun, 1 % changed:", lambda: load_warehouse(path, later))
    print(
        f"    (same input reloaded: {same.changed}; the changed one: added {rerun.items_added}, "
        f"changed {rerun.items_changed}, removed {rerun.items_removed})"
    )

    con = connect_read_only(path)
    load_extension(con, "fts")
    matters = [
        {"matter": row[0]}
        for row in con.execute(
            "SELECT matter_id FROM matters WHERE n_municipalities >= 2 ORDER BY hash(matter_id) LIMIT 20"
        ).fetchall()
    ]
    names = con.execute("SELECT name FROM sources WHERE kind = 'municipality'").fetchall()
    municipalities = [{"municipality": row[0]} for row in names]
    con.execute(SEARCH, {"query": "lämmitys"}).fetchall()  # the first query pays for opening the file
    print(f"comparison (one matter):    {describe(latencies(con, COMPARISON, matters, 3))}")
    print(f"pending (one municipality): {describe(latencies(con, PENDING, municipalities, 6))}")
    searches = [{"query": q} for q in SEARCHES]
    print(f"search (ranked, top 20):    {describe(latencies(con, SEARCH, searches, 5))}")
    hits = con.execute("SELECT count(*) FROM search_items('toimintakertomus', max_results := 10000000)")
    print(f"'toimintakertomus' matches {hits.fetchone()[0]} handlings")
    con.close()
    print(f"peak memory of the loader and queries (max RSS): {peak_memory_mb():.0f} MB")
    print(f"warehouse kept at {path}")


if __name__ == "__main__":
    main()
