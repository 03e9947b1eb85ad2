"""What the feeds cost after a load of a million handlings: ``update_feeds`` with a few watches.

Uses the bench warehouse that ``bench/warehouse.py --dir DIR`` leaves behind and a fresh data directory
with five watches (three of them narrowed to a municipality or a body), then times:

1. the first run, in which every handling is new (the upper bound: every watch searches all of them,
   every cross-municipality matter gets its feed, every calendar is written);
2. a second run on the same load (nothing to compare: the load was seen);
3. a run after the same warehouse is seen as a new load with nothing changed (every decision key
   compared again, no entry added), which is what a daily load with few changes costs, less its entries.

Reproduce: .venv/bin/python bench/feeds.py --warehouse /tmp/bench-warehouse/warehouse.duckdb
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from warehouse.feeds import state_dir, update_feeds
from warehouse.watches import Watch, add_watch, watches_path

WATCHES = (
    Watch("jatehuolto", "jätehuolto"),
    Watch("avustus", "avustus"),
    Watch("kaava-lahti", "asemakaavan muutos", ("Lahti",)),
    Watch("varhaiskasvatus", "varhaiskasvatus", (), ("Sivistyslautakunta",)),
    Watch("kylatalo", "kylätalon kunnostus", ("Asikkala", "Hollola")),
)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(label: str, action):
    cpu, started = cpu_seconds(), time.perf_counter()
    report = action()
    print(
        f"{label:<38}{time.perf_counter() - started:6.1f} s wall, {cpu_seconds() - cpu:6.1f} s CPU, "
        f"load average {os.getloadavg()[0]:.1f}; {report.changed_handlings} new or changed, new hits "
        f"{sum(report.new_hits.values())}, matter entries {sum(report.new_matter_entries.values())}",
        flush=True,
    )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--warehouse", default="/tmp/bench-warehouse/warehouse.duckdb", help="the bench warehouse"
    )
    args = parser.parse_args()
    warehouse = Path(args.warehouse)
    if not warehouse.exists():
        sys.exit(f"no warehouse at {warehouse}: make one with .venv/bin/python bench/warehouse.py --dir DIR")
    print(f"command: .venv/bin/python bench/feeds.py --warehouse {warehouse}")
    data_dir = Path(tempfile.mkdtemp(prefix="bench-feeds-"))
    for watch in WATCHES:
        add_watch(watches_path(data_dir), watch)
    timed("first run (every handling new):", lambda: update_feeds(data_dir, warehouse))
    timed("same load again:", lambda: update_feeds(data_dir, warehouse))
    load = state_dir(data_dir) / "load.json"
    load.write_text(json.dumps({"loaded_at": "earlier", "fingerprint": "other"}), encoding="utf-8")
    timed("a new load, nothing changed:", lambda: update_feeds(data_dir, warehouse))
    files = [p for p in (data_dir / "feeds").rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files) / 1e6
    print(f"{len(files)} feed and calendar files, {size:.1f} MB, in {data_dir}")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
