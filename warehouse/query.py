"""Read-only access to the warehouse, for ``minutes query`` and for scripts."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import date, datetime
from pathlib import Path

import duckdb

from core.warehouse_location import DuckLake
from warehouse import lake
from warehouse.connection import connect, load_extension

#: How long a reader keeps retrying a file another process holds locked, before it gives up.
LOCK_PATIENCE_SECONDS = 1.0


class WarehouseMissing(FileNotFoundError):
    pass


def connect_read_only(path: Path | DuckLake) -> duckdb.DuckDBPyConnection:
    """A connection that cannot change the warehouse: DuckDB refuses every write on it.

    Loads never write the file readers open (they build a new one and rename it over), so a lock
    conflict means someone opened the warehouse read-write by hand; we retry for a second, then say so.
    A DuckLake is attached read-only at its current snapshot, as the default database."""
    return _open_read_only(path)[0]


def _open_read_only(path: Path | DuckLake) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    """The read-only connection, and the folders besides the warehouse itself that it must read."""
    if not (path.catalog_file if isinstance(path, DuckLake) else Path(path)).exists():
        raise WarehouseMissing(f"no warehouse at {path}: run `minutes process` (or `minutes demo`) first")
    if isinstance(path, DuckLake):
        con, data_path = lake.connect_read_only(path)
        return con, [data_path]
    deadline = time.monotonic() + LOCK_PATIENCE_SECONDS
    while True:
        try:
            con = connect(path, read_only=True)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    return con, []


def connect_for_queries(path: Path | DuckLake) -> duckdb.DuckDBPyConnection:
    """A read-only connection for arbitrary SQL: search works, and nothing outside the file is reachable.

    Read-only already refuses writes to the warehouse; with external access off and the settings
    locked, a statement also cannot attach another database, read or write files, or turn that back on.
    A DuckLake's data files stay readable: its data path is the one directory allowed."""
    con, data_dirs = _open_read_only(path)
    try:
        load_extension(con, "fts")  # stem(), for search_items(...)
        if data_dirs:
            con.execute("SET allowed_directories = $dirs", {"dirs": data_dirs})
    except BaseException:
        con.close()
        raise
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def run_query(path: Path | DuckLake, sql: str) -> tuple[list[str], list[tuple]]:
    con = connect_for_queries(path)
    try:
        result = con.execute(sql)
        columns = [d[0] for d in result.description] if result.description else []
        return columns, result.fetchall()
    finally:
        con.close()


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def format_rows(columns: list[str], rows: list[tuple], fmt: str = "table", width: int = 60) -> str:
    if fmt == "json":
        return json.dumps(
            [dict(zip(columns, map(_plain, row), strict=True)) for row in rows], ensure_ascii=False, indent=2
        )
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows([[_plain(v) for v in row] for row in rows])
        return out.getvalue()
    return format_table(columns, rows, width)


def format_table(columns: list[str], rows: list[tuple], width: int = 60) -> str:
    def cell(value) -> str:
        text = "" if value is None else str(_plain(value))
        text = " ".join(text.split())
        return text if len(text) <= width else text[: width - 1] + "…"

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)), line]
    out += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)
