"""The warehouse on DuckLake (``ducklake:sqlite:CATALOG``): the same tables as the DuckDB file, one
snapshot per load, readers on the previous snapshot until the commit, and every reading command
unchanged. Real DuckLake catalogs and data files, real loader and reader processes; the data files on
object storage go to moto's S3 server on 127.0.0.1."""

import filecmp
import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from core.warehouse_location import DuckLake, warehouse_location
from demo_sites.example_warehouse import example_tables
from demo_sites.synthetic_warehouse import synthetic_tables
from minutes.cli import main
from tests.test_warehouse_load import STATE_SQL, consistent, read_until
from warehouse import lake as lakes
from warehouse.connection import connect
from warehouse.load import load_warehouse
from warehouse.query import WarehouseMissing, connect_read_only, run_query

REPO = Path(__file__).resolve().parents[1]

#: Loads a lake in a process of its own, telling each phase; before the commit it waits for a line on
#: its standard input, so that a test can act while everything is written and nothing committed.
LOADER = """
import sys, polars as pl
from pathlib import Path
from warehouse.load import load_warehouse
from core.warehouse_location import warehouse_location

def tell(phase):
    print(phase, flush=True)
    if phase == "commit":
        sys.stdin.readline()

tables = {p.stem: pl.read_parquet(p) for p in Path(sys.argv[2]).glob("*.parquet")}
load_warehouse(warehouse_location(sys.argv[1]), tables, progress=tell)
print("done", flush=True)
"""

#: Instants that say when a load ran, not what it holds.
WHEN_LOADED = {"loads": ("loaded_at",)}


def lake_at(directory: Path, data: str | None = None) -> DuckLake:
    return warehouse_location(f"ducklake:sqlite:{directory / 'lake.sqlite'}", data)


def contents(con: duckdb.DuckDBPyConnection, skip: dict[str, tuple[str, ...]] = WHEN_LOADED) -> dict:
    """Every table and view of the connection's default database: name → its rows, sorted."""
    names = [
        row[0]
        for row in con.execute(
            """SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()
               UNION ALL SELECT view_name FROM duckdb_views()
               WHERE database_name = current_database() AND NOT internal ORDER BY 1"""
        ).fetchall()
    ]
    found = {}
    for name in names:
        columns = [c[0] for c in con.execute(f"DESCRIBE {name}").fetchall() if c[0] not in skip.get(name, ())]
        found[name] = sorted(con.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall(), key=repr)
    return found


def snapshots(lake: DuckLake) -> list[int]:
    """The lake's snapshots, from its catalog's own table (the DuckLake format's ``ducklake_snapshot``)."""
    with closing(sqlite3.connect(f"file:{lake.catalog_file}?mode=ro", uri=True)) as catalog:
        return [row[0] for row in catalog.execute("SELECT snapshot_id FROM ducklake_snapshot ORDER BY 1")]


def state(lake: DuckLake) -> tuple:
    con = connect_read_only(lake)
    try:
        return con.execute(STATE_SQL).fetchone()
    finally:
        con.close()


@pytest.fixture(scope="module")
def two_inputs(tmp_path_factory):
    """Two different synthetic inputs, as Parquet for loader processes and as frames."""
    root = tmp_path_factory.mktemp("inputs")
    first = synthetic_tables(2_000, n_synthetic_sentences=1_000)
    second = {**first, "items": first["items"].slice(300)}  # a later harvest, 300 handlings fewer
    paths = []
    for name, tables in (("first", first), ("second", second)):
        directory = root / name
        directory.mkdir()
        for table, frame in tables.items():
            frame.write_parquet(directory / f"{table}.parquet")
        paths.append(directory)
    return first, second, paths[0], paths[1]


def start_loader(target: str, inputs: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", LOADER, target, str(inputs)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_ducklake_holds_exactly_the_tables_views_and_rows_of_the_duckdb_file_built_from_the_same_input(
    tmp_path,
):
    lake = lake_at(tmp_path)
    load_warehouse(tmp_path / "warehouse.duckdb", example_tables())
    report = load_warehouse(lake, example_tables())
    file = connect(tmp_path / "warehouse.duckdb", read_only=True)
    lake_con = connect_read_only(lake)
    try:
        in_file, in_lake = contents(file), contents(lake_con)
    finally:
        file.close()
        lake_con.close()
    assert report.path == lake and report.changed
    assert list(in_lake) == list(in_file)
    assert {"items", "matters", "matter_comparison", "matters_pending", "search_postings"} <= set(in_lake)
    assert {name: rows for name, rows in in_lake.items()} == in_file
    # built beside the catalog, published, and gone: the catalog (with SQLite's -wal and -shm while a
    # process has it open), its lock and its data files remain
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "lake.sqlite",
        "lake.sqlite.files",
        "lake.sqlite.lock",
        "warehouse.duckdb",
        "warehouse.duckdb.lock",
    ]


def test_a_load_commits_one_snapshot_and_the_same_input_again_commits_none(tmp_path):
    lake = lake_at(tmp_path)
    first = load_warehouse(lake, example_tables())
    after_first = snapshots(lake)
    again = load_warehouse(lake, example_tables())
    after_again = snapshots(lake)
    changed = example_tables()
    changed["items"] = changed["items"][1:]
    third = load_warehouse(lake, changed)
    after_third = snapshots(lake)
    assert (first.changed, again.changed, third.changed) == (True, False, True)
    assert after_again == after_first
    assert after_third == [*after_first, after_first[-1] + 1]
    assert state(lake)[1] == len(changed["items"])
    assert (third.items_added, third.items_changed, third.items_removed) == (0, 0, 1)


def test_a_reader_connection_keeps_the_snapshot_it_opened_until_it_reconnects(tmp_path):
    lake = lake_at(tmp_path)
    load_warehouse(lake, example_tables())
    reader = connect_read_only(lake)
    try:
        before = reader.execute("SELECT count(*) FROM items").fetchone()[0]
        fewer = example_tables()
        fewer["items"] = fewer["items"][3:]
        load_warehouse(lake, fewer)
        # every statement of an open connection answers from the load it opened, not a mixture
        assert reader.execute("SELECT count(*) FROM items").fetchone()[0] == before
        assert reader.execute("SELECT n_items FROM loads ORDER BY load_number DESC LIMIT 1").fetchone() == (
            before,
        )
    finally:
        reader.close()
    assert state(lake)[1] == before - 3


@pytest.mark.timeout(180)
def test_minutes_query_answers_from_the_previous_snapshot_while_a_load_waits_to_commit(tmp_path, two_inputs):
    first, _second, _first_dir, second_dir = two_inputs
    lake = lake_at(tmp_path)
    load_warehouse(lake, first)
    command = [sys.executable, "-m", "minutes.cli", "query", "--warehouse", str(lake), "--format", "csv"]
    loader = start_loader(str(lake), second_dir)
    read_until(loader, "commit")  # every data file of the new load written, the commit not yet made
    during = subprocess.run([*command, STATE_SQL], capture_output=True, text=True, cwd=REPO)
    still_loading = loader.poll() is None
    _out, err = loader.communicate("go\n", timeout=120)
    after = subprocess.run([*command, STATE_SQL], capture_output=True, text=True, cwd=REPO)
    assert still_loading and loader.returncode == 0, err
    assert (during.returncode, after.returncode) == (0, 0), during.stderr + after.stderr
    # items, the load's own count, the matters' and the search index's: all of one load
    assert during.stdout.splitlines()[1].split(",")[1:5] == [str(first["items"].height)] * 4
    assert after.stdout.splitlines()[1].split(",")[1:5] == [str(first["items"].height - 300)] * 4


@pytest.mark.timeout(180)
def test_a_load_killed_before_its_commit_leaves_the_previous_snapshot_and_the_next_load_completes(
    tmp_path, two_inputs
):
    first, second, _first_dir, second_dir = two_inputs
    lake = lake_at(tmp_path)
    load_warehouse(lake, first)
    before, snapshots_before = state(lake), snapshots(lake)
    for phase in ("publish", "commit"):  # copying the tables into the lake; all copied, not committed
        loader = start_loader(str(lake), second_dir)
        read_until(loader, phase)
        loader.send_signal(signal.SIGKILL)
        loader.wait(timeout=30)
        assert (phase, state(lake), snapshots(lake)) == (phase, before, snapshots_before)
    finished = load_warehouse(lake, second)
    after = state(lake)
    assert finished.changed and consistent(after) and after[1] == before[1] - 300
    assert snapshots(lake) == [*snapshots_before, snapshots_before[-1] + 1]
    assert [p.name for p in tmp_path.iterdir() if ".building" in p.name] == []


@pytest.fixture(scope="module")
def file_and_lake(tmp_path_factory):
    """The example region loaded into a DuckDB file and into a DuckLake."""
    root = tmp_path_factory.mktemp("file-and-lake")
    load_warehouse(root / "warehouse.duckdb", example_tables())
    lake = lake_at(root)
    load_warehouse(lake, example_tables())
    return root / "warehouse.duckdb", lake


def minutes(warehouse, *args, cwd=REPO):
    return subprocess.run(
        [sys.executable, "-m", "minutes.cli", args[0], "--warehouse", str(warehouse), *args[1:]],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def minutes_here(capsys, warehouse, *args) -> tuple[int, str, str]:
    """``minutes ARGS`` in this process (the CLI's own ``main``): exit status, stdout, stderr."""
    status = main([args[0], "--warehouse", str(warehouse), *args[1:]])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    "command",
    [
        (
            "query",
            "SELECT municipality, body, meeting_date, section, decision_outcome FROM matter_comparison",
        ),
        ("query", "SELECT title, handled_by, missing FROM matters_pending", "--format", "json"),
        ("query", "SELECT * FROM search_items('toimintakertomus')", "--format", "csv"),
        ("search", "jätehuollon"),
        ("search", "toimintakertomuksen", "--format", "table"),
        ("compare", "jätehuollon"),
    ],
    ids=["query", "query-pending-json", "query-search-csv", "search", "search-table", "compare"],
)
def test_the_reading_commands_print_the_same_from_a_ducklake_as_from_the_duckdb_file(
    file_and_lake, command, capsys
):
    file, lake = file_and_lake
    from_file, from_lake = minutes_here(capsys, file, *command), minutes_here(capsys, lake, *command)
    assert from_file[0] == 0, from_file[2]
    assert from_lake[0::2] == (0, "")
    assert from_lake[1] == from_file[1]
    assert len(from_lake[1].splitlines()) >= 3


def test_minutes_report_and_export_write_the_same_files_from_a_ducklake(file_and_lake, tmp_path, capsys):
    file, lake = file_and_lake
    for name, warehouse in (("file", file), ("lake", lake)):
        report = minutes_here(
            capsys, warehouse, "report", "jätehuollon", "-o", str(tmp_path / f"{name}.html")
        )
        export = minutes_here(capsys, warehouse, "export", str(tmp_path / name), "--format", "csv")
        assert (report[0], export[0]) == (0, 0), report[2] + export[2]
    # the footer names the minute each warehouse was loaded; everything else is the same page
    pages = [(tmp_path / f"{name}.html").read_text(encoding="utf-8") for name in ("file", "lake")]
    assert pages[0].split("warehouse loaded")[0] == pages[1].split("warehouse loaded")[0]
    exported = sorted(p.name for p in (tmp_path / "lake").iterdir())
    assert exported == sorted(p.name for p in (tmp_path / "file").iterdir())
    assert "items.csv" in exported and "search_postings.csv" not in exported
    same, different, _ = filecmp.cmpfiles(tmp_path / "file", tmp_path / "lake", exported, shallow=False)
    assert different == ["loads.csv"]  # when each was loaded
    assert len(same) == len(exported) - 1


@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        ("DELETE FROM items", "read-only"),
        ("CREATE TABLE notes AS SELECT 1", "read-only"),
        ("COPY items TO '{dir}/items.csv'", "file system operations are disabled"),
        ("SELECT * FROM read_csv('{dir}/lake.sqlite.lock')", "file system operations are disabled"),
        ("ATTACH '{dir}/other.duckdb' AS other", "file system operations are disabled"),
        ("SET allowed_directories = ['/']", "configuration has been locked"),
    ],
)
def test_the_queries_of_minutes_query_on_a_ducklake_cannot_change_it_or_reach_other_files(
    file_and_lake, sql, refusal
):
    _file, lake = file_and_lake
    before = (snapshots(lake), sorted(lake.catalog_file.parent.rglob("*.parquet")))
    with pytest.raises(duckdb.Error, match=refusal):
        run_query(lake, sql.format(dir=lake.catalog_file.parent))
    assert (snapshots(lake), sorted(lake.catalog_file.parent.rglob("*.parquet"))) == before
    assert not (lake.catalog_file.parent / "items.csv").exists()


@pytest.mark.timeout(240)
def test_a_ducklake_with_its_data_files_on_object_storage_loads_and_answers_like_a_local_one(
    tmp_path,
    s3_env,
    file_and_lake,
):
    file, _local_lake = file_and_lake
    bucket = s3_env.create_bucket("lake-data")
    lake = lake_at(tmp_path, f"s3://{bucket}/warehouse")
    report = load_warehouse(lake, example_tables())
    files = s3_env.objects(bucket, "warehouse/")
    assert report.changed and files
    assert {key.split("/")[2] for key in files} >= {"items", "documents", "search_postings"}  # small: inlined
    assert [key for key in files if not key.endswith(".parquet")] == []
    assert not any(p.suffix == ".parquet" for p in tmp_path.rglob("*"))  # nothing of it on local disk
    # another process, given only the catalog and the AWS variables, reads it: no data path setting
    home = tmp_path / "home"
    home.mkdir()
    command = (
        "query",
        "SELECT municipality, body, meeting_date, section, decision_outcome FROM matter_comparison",
    )
    from_lake = subprocess.run(
        [sys.executable, "-m", "minutes.cli", command[0], "--warehouse", str(lake), command[1]],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "HOME": str(home)},
    )
    assert (from_lake.returncode, from_lake.stderr) == (0, "")
    assert from_lake.stdout == minutes(file, *command).stdout
    assert list(home.iterdir()) == []  # no extension downloaded, no secret written
    lake_con = connect_read_only(lake)
    file_con = connect(file, read_only=True)
    try:
        assert contents(lake_con) == contents(file_con)
    finally:
        lake_con.close()
        file_con.close()


def test_a_ducklake_given_another_data_path_than_its_catalog_keeps_is_refused_with_both_named(tmp_path):
    lake = lake_at(tmp_path, str(tmp_path / "first"))
    load_warehouse(lake, example_tables())
    elsewhere = lake_at(tmp_path, str(tmp_path / "second"))
    with pytest.raises(lakes.LakeMismatch) as refused:
        load_warehouse(elsewhere, {**example_tables(), "items": []})
    assert str(refused.value) == (
        f"the DuckLake {lake} keeps its data files in {tmp_path / 'first'}/, not in {tmp_path / 'second'}/ "
        "(--warehouse-data / MINUTES_WAREHOUSE_DATA): leave the setting out, or use another catalog"
    )
    assert not (tmp_path / "second").exists()
    assert state(lake)[1] == len(example_tables()["items"])


@pytest.mark.parametrize(
    ("spec", "data", "message"),
    [
        ("ducklake:catalog.ducklake", None, "a DuckLake warehouse is ducklake:sqlite:CATALOG-FILE"),
        ("ducklake:postgres:dbname=minutes", None, "only a SQLite catalog"),
        ("ducklake:sqlite:", None, "a DuckLake warehouse is ducklake:sqlite:CATALOG-FILE"),
        ("warehouse.duckdb", "s3://bucket/lake", "is where a DuckLake keeps its files"),
        ("ducklake:sqlite:lake.sqlite", "s3:/bucket", "s3://BUCKET[/PREFIX]"),
    ],
)
def test_a_warehouse_setting_that_names_no_usable_warehouse_is_refused_with_the_reason(spec, data, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        warehouse_location(spec, data)


def test_reading_a_ducklake_that_was_never_loaded_says_to_load_it_first(tmp_path):
    lake = lake_at(tmp_path)
    with pytest.raises(
        WarehouseMissing, match=r"no warehouse at ducklake:sqlite:.*lake\.sqlite: run `minutes"
    ):
        run_query(lake, "SELECT 1")
    assert list(tmp_path.iterdir()) == []
