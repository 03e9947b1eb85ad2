"""Loading the warehouse: build a complete new DuckDB file beside the old one, then swap it in.

DuckDB lets one process write a file and keeps other processes out while it does. Building the next
warehouse in a file of its own and renaming it over the old one (an atomic ``rename`` on one file
system) means a reader never waits for a load and never sees half of one: it has the previous file
open until it reconnects, and then the new one. A load killed half-way leaves only a stray
``*.building`` file, which the next load removes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb
import polars as pl

BASE_TABLES = ("sources", "documents", "meetings", "items", "matter_links", "crawl_errors", "parse_errors")


def _sql(name: str) -> str:
    return resources.files("warehouse").joinpath(name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class LoadReport:
    path: Path
    row_counts: dict[str, int]


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict] | pl.DataFrame) -> None:
    frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows, infer_schema_length=None)
    if frame.height == 0:
        return
    columns = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()]
    present = [c for c in columns if c in frame.columns]
    con.register("incoming", frame.select(present).to_arrow())
    names = ", ".join(present)
    con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM incoming")
    con.unregister("incoming")


def load_warehouse(path: Path, tables: dict[str, list[dict] | pl.DataFrame]) -> LoadReport:
    """Write ``tables`` (every base table, as rows) as the new warehouse at ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f"{path.name}.*.building*"):
        stale.unlink(missing_ok=True)
    building = path.with_name(f"{path.name}.{os.getpid()}.building")
    con = duckdb.connect(str(building))
    try:
        con.execute("SET TimeZone = 'Europe/Helsinki'")
        con.execute(_sql("schema.sql"))
        for table in BASE_TABLES:
            _insert(con, table, tables.get(table, []))
        con.execute(_sql("derived.sql"))
        counts = {
            table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in (*BASE_TABLES, "matters", "matter_comparison")
        }
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(building, path)
    _fsync_dir(path.parent)
    return LoadReport(path, counts)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
