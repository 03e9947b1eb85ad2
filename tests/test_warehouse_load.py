"""Loads that cannot hurt readers: reruns, killed loads and readers querying during loads, on real files
and real processes."""

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from demo_sites.example_warehouse import example_tables
from demo_sites.synthetic_warehouse import synthetic_tables
from warehouse.connection import connect
from warehouse.load import DuplicateKey, load_warehouse
from warehouse.query import run_query

REPO = Path(__file__).resolve().parents[1]

#: What one consistent warehouse shows: every count agrees with the load that built it.
STATE_SQL = """
SELECT (SELECT fingerprint FROM loads ORDER BY load_number DESC LIMIT 1),
       (SELECT count(*) FROM items),
       (SELECT n_items FROM loads ORDER BY load_number DESC LIMIT 1),
       (SELECT sum(n_items) FROM matters),
       (SELECT count(*) FROM search_docs),
       (SELECT count(*) FROM matter_comparison)
"""

LOADER = """
import sys, polars as pl
from pathlib import Path
from warehouse.load import load_warehouse
tables = {p.stem: pl.read_parquet(p) for p in Path(sys.argv[2]).glob("*.parquet")}
load_warehouse(Path(sys.argv[1]), tables, progress=lambda phase: print(phase, flush=True))
print("done", flush=True)
"""

READER = """
import json, sys, time
from pathlib import Path
from warehouse.query import connect_read_only
path, stop, sql = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
seen = []
while not stop.exists():
    started = time.monotonic()
    try:
        con = connect_read_only(path)
        try:
            row = con.execute(sql).fetchone()
        finally:
            con.close()
        seen.append({"state": list(row), "seconds": time.monotonic() - started})
        stop.with_suffix(".ready").touch()
    except Exception as exc:
        seen.append({"error": f"{type(exc).__name__}: {exc}", "seconds": time.monotonic() - started})
print(json.dumps(seen))
"""


def state(path):
    con = connect(path, read_only=True)
    try:
        return con.execute(STATE_SQL).fetchone()
    finally:
        con.close()


def consistent(observed) -> bool:
    _fingerprint, items, loaded, in_matters, indexed, _compared = observed
    return items == loaded == in_matters == indexed


@pytest.fixture(scope="module")
def two_inputs(tmp_path_factory):
    """Two different synthetic inputs, as Parquet for loader processes and as frames."""
    root = tmp_path_factory.mktemp("inputs")
    first = synthetic_tables(6_000, n_synthetic_sentences=2_000)
    second = {**first, "items": first["items"].slice(500)}  # a later harvest, 500 handlings fewer
    paths = []
    for name, tables in (("first", first), ("second", second)):
        directory = root / name
        directory.mkdir()
        for table, frame in tables.items():
            frame.write_parquet(directory / f"{table}.parquet")
        paths.append(directory)
    return first, second, paths[0], paths[1]


def test_loading_the_same_input_again_writes_nothing(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    first = load_warehouse(path, example_tables())
    before = path.stat()
    again = load_warehouse(path, example_tables())
    after = path.stat()
    assert (first.changed, again.changed) == (True, False)
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        before.st_ino,
        before.st_mtime_ns,
        before.st_size,
    )
    assert again.row_counts == first.row_counts
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb", "warehouse.duckdb.lock"]


def test_a_page_fetched_again_and_found_the_same_is_loaded_but_not_counted_as_changed(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    load_warehouse(path, example_tables())
    later = example_tables()
    seen_again = later["items"][0]
    seen_again["last_seen"] = "2026-12-01T08:00:00+02:00"
    report = load_warehouse(path, later)
    con = connect(path, read_only=True)
    (last_seen,) = con.execute(
        "SELECT last_seen FROM items WHERE item_id = ?", [seen_again["item_id"]]
    ).fetchone()
    con.close()
    assert report.changed is True
    assert (report.items_added, report.items_changed, report.items_removed) == (0, 0, 0)
    assert last_seen == datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def test_a_rerun_changes_exactly_the_rows_whose_input_changed_and_records_what_it_did(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    load_warehouse(path, example_tables())
    con = connect(path, read_only=True)
    before = {row[0]: row for row in con.execute("SELECT * FROM items").fetchall()}
    con.close()

    later = example_tables()
    changed, removed = later["items"][1], later["items"].pop(2)
    changed["decision"] = "Ehdotus hyväksyttiin yksimielisesti."
    added = {**later["items"][0], "item_id": "asikkala-20260601-80", "section": 80}
    later["items"].append(added)
    report = load_warehouse(path, later)

    con = connect(path, read_only=True)
    after = {row[0]: row for row in con.execute("SELECT * FROM items").fetchall()}
    loads = con.execute(
        "SELECT load_number, n_items, items_added, items_changed, items_removed FROM loads ORDER BY 1"
    ).fetchall()
    con.close()
    assert (report.items_added, report.items_changed, report.items_removed) == (1, 1, 1)
    assert loads == [(1, 12, 12, 0, 0), (2, 12, 1, 1, 1)]
    assert set(after) == set(before) - {removed["item_id"]} | {added["item_id"]}
    untouched = set(before) - {removed["item_id"], changed["item_id"]}
    assert {item_id: after[item_id] for item_id in untouched} == {
        item_id: before[item_id] for item_id in untouched
    }
    assert after[changed["item_id"]] != before[changed["item_id"]]


def test_a_load_that_fails_keeps_the_previous_warehouse_and_leaves_no_files_behind(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    load_warehouse(path, example_tables())
    before = state(path)
    broken = example_tables()
    broken["items"].append(dict(broken["items"][0]))
    with pytest.raises(DuplicateKey, match=r"items\.item_id 'asikkala-20260413-72' occurs 2 times"):
        load_warehouse(path, broken)
    assert state(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb", "warehouse.duckdb.lock"]


def start_loader(path: Path, inputs: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", LOADER, str(path), str(inputs)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_until(process: subprocess.Popen, phase: str) -> list[str]:
    lines = []
    for line in process.stdout:
        lines.append(line.strip())
        if line.strip() == phase:
            return lines
    raise AssertionError(f"the loader ended before {phase!r}: {lines}, {process.stderr.read()}")


@pytest.mark.timeout(120)
def test_a_load_killed_in_any_phase_leaves_the_previous_warehouse_and_the_next_load_completes(
    tmp_path, two_inputs
):
    first, second, _first_dir, second_dir = two_inputs
    path = tmp_path / "warehouse.duckdb"
    load_warehouse(path, first)
    before = state(path)
    for phase in ("tables", "derived", "search", "checkpoint"):
        loader = start_loader(path, second_dir)
        read_until(loader, phase)
        loader.send_signal(signal.SIGKILL)
        loader.wait(timeout=30)
        assert (phase, state(path)) == (phase, before)
        assert [p.name for p in tmp_path.iterdir() if ".building" in p.name] != []

    finished = load_warehouse(path, second)
    after = state(path)
    assert finished.changed and consistent(after) and after[1] == before[1] - 500
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb", "warehouse.duckdb.lock"]


@pytest.mark.timeout(60)
def test_a_load_killed_while_it_swaps_leaves_the_old_or_the_new_warehouse_whole(tmp_path, two_inputs):
    first, second, _first_dir, second_dir = two_inputs
    path = tmp_path / "warehouse.duckdb"
    load_warehouse(path, first)
    before = state(path)
    loader = start_loader(path, second_dir)
    read_until(loader, "swap")
    loader.send_signal(signal.SIGKILL)
    loader.wait(timeout=30)
    killed = state(path)
    assert consistent(killed) and killed[1] in (before[1], before[1] - 500)
    assert load_warehouse(path, second).changed == (killed == before)
    assert state(path)[1] == before[1] - 500


@pytest.mark.timeout(180)
def test_a_reader_never_sees_half_a_load_nor_waits_for_one(tmp_path, two_inputs):
    first, second, _first_dir, _second_dir = two_inputs
    path = tmp_path / "warehouse.duckdb"
    load_warehouse(path, first)
    states = {state(path)}
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(path), str(stop), STATE_SQL],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ready = stop.with_suffix(".ready")
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline:  # the reader's imports and first query
        time.sleep(0.05)
    for tables in (second, first, second):
        assert load_warehouse(path, tables).changed
        states.add(state(path))
    stop.touch()
    out, _err = reader.communicate(timeout=60)
    seen = json.loads(out)

    assert [s for s in seen if "error" in s] == []
    assert len(states) == 2 and all(consistent(s) for s in states)
    observed = {tuple(s["state"]) for s in seen}
    assert observed <= states
    assert len(observed) == 2, "the reader should have seen both warehouses while they were swapped"
    assert max(s["seconds"] for s in seen) < 1.0  # connecting and querying: no lock waited for
    assert len(seen) > 20


@pytest.mark.timeout(120)
def test_minutes_query_answers_from_the_previous_warehouse_while_a_load_runs(tmp_path, two_inputs):
    first, _second, _first_dir, second_dir = two_inputs
    path = tmp_path / "warehouse.duckdb"
    load_warehouse(path, first)
    command = [sys.executable, "-m", "minutes.cli", "query", "--warehouse", str(path), "--format", "csv"]
    loader = start_loader(path, second_dir)
    read_until(loader, "search")
    loader.send_signal(signal.SIGSTOP)  # a load that takes its time, caught half-way
    try:
        during = subprocess.run([*command, "SELECT count(*) AS n FROM items"], capture_output=True, text=True)
        still_loading = loader.poll() is None
    finally:
        loader.send_signal(signal.SIGCONT)
    _out, err = loader.communicate(timeout=90)
    after = subprocess.run([*command, "SELECT count(*) AS n FROM items"], capture_output=True, text=True)
    assert still_loading and loader.returncode == 0, err
    assert (during.returncode, during.stdout) == (0, f"n\n{first['items'].height}\n")
    assert (after.returncode, after.stdout) == (0, f"n\n{first['items'].height - 500}\n")


@pytest.fixture(scope="module")
def example_warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("example") / "warehouse.duckdb"
    load_warehouse(path, example_tables())
    return path


@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        ("DELETE FROM items", "read-only"),
        ("CREATE TABLE notes AS SELECT 1", "read-only"),
        ("COPY items TO '{dir}/items.csv'", "file system operations are disabled"),
        ("ATTACH '{dir}/other.duckdb' AS other", "file system operations are disabled"),
        ("SET enable_external_access = true", "configuration has been locked"),
    ],
)
def test_the_queries_of_minutes_query_cannot_change_the_warehouse_or_reach_other_files(
    example_warehouse, sql, refusal
):
    before = (example_warehouse.stat().st_mtime_ns, state(example_warehouse))
    with pytest.raises(duckdb.Error, match=refusal):
        run_query(example_warehouse, sql.format(dir=example_warehouse.parent))
    assert (example_warehouse.stat().st_mtime_ns, state(example_warehouse)) == before
    assert sorted(p.name for p in example_warehouse.parent.iterdir()) == [
        "warehouse.duckdb",
        "warehouse.duckdb.lock",
    ]


def test_a_load_accepts_rows_as_dicts_or_as_polars_frames_alike(tmp_path):
    rows = example_tables()
    frames = {name: pl.DataFrame(table, infer_schema_length=None) for name, table in rows.items() if table}
    a = load_warehouse(tmp_path / "a.duckdb", rows)
    b = load_warehouse(tmp_path / "b.duckdb", frames)
    assert a.row_counts == b.row_counts
    assert state(tmp_path / "a.duckdb")[1:] == state(tmp_path / "b.duckdb")[1:]
