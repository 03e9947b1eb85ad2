"""Where a search page's time goes, part by part, on the warehouse of a million handlings.

``bench/web.py`` times whole answers over HTTP; this times, on one read-only connection (the web
view's), each statement a search page and a municipality page run, over the ten bench queries:

* ``search_terms`` alone: the forms each query word matches (run twice per search page: inside the
  ranking, and again for the words an excerpt highlights);
* ``search_ranked``: the best twenty, scored;
* the hits' columns, without and with ``text`` (the excerpts' source), read by rowid as
  ``ranked_hits`` reads them;
* ``warehouse.search.search`` whole: ranking, columns, text, highlighted words and excerpts;
* ``body_freshness`` read whole, which the municipality and body pages keep for a day.

Reproduce: .venv/bin/python bench/warehouse.py --dir /tmp/bench-warehouse   (once)
           .venv/bin/python bench/search_parts.py --warehouse /tmp/bench-warehouse/warehouse.duckdb
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo_sites.synthetic_warehouse import BENCH_SEARCHES
from warehouse.query import connect_for_queries
from warehouse.search import HIT_COLUMNS, search

HITS = """WITH kept AS (SELECT * FROM search_ranked($q))
SELECT {columns} FROM kept r JOIN items i ON i.rowid = r.item_row"""


def median_ms(run: Callable[[str], object], rounds: int) -> float:
    for query in BENCH_SEARCHES[:1]:
        run(query)  # untimed: the connection's first query opens the file
    times = []
    for _ in range(rounds):
        for query in BENCH_SEARCHES:
            started = time.perf_counter()
            run(query)
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", required=True, type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    con = connect_for_queries(args.warehouse)

    def sql(statement: str) -> Callable[[str], object]:
        return lambda query: con.execute(statement, {"q": query}).fetchall()

    parts = {
        "search_terms (the forms of the query's words)": sql("SELECT * FROM search_terms($q)"),
        "search_ranked (the best twenty, scored)": sql("SELECT * FROM search_ranked($q)"),
        "  + the hits' columns but text": sql(HITS.format(columns=HIT_COLUMNS)),
        "  + the hits' columns and text": sql(HITS.format(columns=HIT_COLUMNS + ", i.text")),
        "search() whole (with highlighted words, excerpts)": lambda query: search(con, query),
    }
    print(
        f"command: .venv/bin/python bench/search_parts.py --warehouse {args.warehouse} --rounds {args.rounds}"
    )
    print(f"load average at the start: {os.getloadavg()[0]:.1f} (2 cores)")
    for label, run in parts.items():
        print(f"{label:52s} median {median_ms(run, args.rounds):7.1f} ms")
    ledger = median_ms(lambda _query: con.execute("SELECT * FROM body_freshness").fetchall(), 1)
    print(f"{'body_freshness read whole':52s} median {ledger:7.1f} ms")
    con.close()


if __name__ == "__main__":
    main()
