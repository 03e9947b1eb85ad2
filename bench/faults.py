"""Does the pipeline survive a bad day and a crash? Figures against the demo server.

Every fault kind the demo server can produce is injected once, all at once, each on an item of its own
(plus a robots.txt that disallows part of a site): a healthy run, the run on the bad day, and a rerun
after the faults stop (revalidation due). Then a seeded crash loop: SIGKILLs during crawl, processing
and load in one data directory, and a clean rerun, compared with a run never interrupted.

Goals (issue #8): crashes 0 (a run that ends in an error of its own, not a kill), items lost 0, items
duplicated 0, every fault recorded with source, URL and reason, every recovery rerun converged (the
derived tables' content hash equals the healthy or uninterrupted run's).

Reproduce: .venv/bin/python bench/faults.py [--seed N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from demo_sites.faults import BAD_DAY_LIMITS, bad_day
from demo_sites.server import running_demo_server
from tests.test_crashes import SEED, crash_loop
from tests.test_faults import RECORDED, BadDay, content_digest, run_bad_day
from tests.test_pipeline import query
from warehouse.connection import connect


def item_ids(warehouse: Path) -> list[str]:
    con = connect(warehouse, read_only=True)
    try:
        return [row[0] for row in con.execute("SELECT item_id FROM items").fetchall()]
    finally:
        con.close()


def lost_and_duplicated(expected: Path, got: Path) -> tuple[int, int]:
    """Items of ``expected`` missing from ``got``, and rows of ``got`` beyond one per item."""
    ids = item_ids(got)
    return len(set(item_ids(expected)) - set(ids)), len(ids) - len(set(ids))


def faults_recorded(day: BadDay) -> int:
    """How many of the injected faults are recorded with their source, URL and reason."""
    recorded = 0
    for name, (table, reason) in RECORDED.items():
        column, settings = ("error", day.faulty) if table == "crawl_errors" else ("reason", day.on_the_day)
        rows = query(
            settings,
            f"SELECT source_id, {column} FROM {table} WHERE url LIKE '%' || $p ORDER BY fetched_at",
            {"p": day.paths[name]},
        )
        recorded += bool(rows) and bool(rows[0][0]) and rows[0][1].startswith(reason)
    return recorded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the crash loop's kill points")
    seed = parser.parse_args().seed
    os.environ.update(BAD_DAY_LIMITS)
    started = time.monotonic()
    crashes = lost = duplicated = converged = reruns = runs = 0
    kinds = sorted({fault.kind for _, _, fault in bad_day()} | {"robots"})
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        recorded = 0
        try:
            day = run_bad_day(root / "faults")
            runs += 6  # healthy, bad day, rerun: a crawl and a process each
            reruns += 1
            converged += content_digest(day.faulty.warehouse) == content_digest(day.healthy.warehouse)
            recorded = faults_recorded(day)
            n_lost, n_dup = lost_and_duplicated(day.healthy.warehouse, day.faulty.warehouse)
            lost, duplicated = lost + n_lost, duplicated + n_dup
        except Exception as exc:  # a run that fails on its own is what this bench is here to count
            crashes += 1
            print(f"the fault runs failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        with running_demo_server() as server:
            try:
                report = crash_loop(server, root / "crashes", seed=seed)
                reruns += 1
                converged += report.converged
                runs += sum(report.kills.values()) + 2 + 4  # the kills, the reference run, the rest
                n_lost, n_dup = lost_and_duplicated(
                    root / "crashes" / "reference" / "warehouse.duckdb",
                    root / "crashes" / "crashed" / "warehouse.duckdb",
                )
                lost, duplicated = lost + n_lost, duplicated + n_dup
            except Exception as exc:
                report = None
                crashes += 1
                print(f"the crash loop failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    print(f"fault kinds injected          {len(kinds)} ({', '.join(kinds)}), {len(RECORDED)} faults")
    print(f"faults recorded               {recorded} of {len(RECORDED)} (source, URL, reason)")
    if report is not None:
        kills = ", ".join(f"{n} during {stage}" for stage, n in report.kills.items())
        mid = sum(report.mid_stage.values())
        print(f"kills (SIGKILL)               {sum(report.kills.values())}: {kills}; {mid} landed mid-stage")
        print(f"inconsistent after a kill     {len(report.inconsistent)} (goal 0)")
    print(f"runs (crawl, process, load)   {runs}")
    print(f"crashes                       {crashes} (goal 0)")
    print(f"items lost                    {lost} (goal 0)")
    print(f"items duplicated              {duplicated} (goal 0)")
    print(f"recovery reruns converged     {converged} of {reruns} (goal all)")
    print(f"seconds                       {time.monotonic() - started:.0f}")
    print(f"reproduce: .venv/bin/python bench/faults.py --seed {seed}")


if __name__ == "__main__":
    main()
