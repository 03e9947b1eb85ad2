"""``minutes export DIR``: every table and view of the warehouse as one Parquet (or CSV) file each.

The search index tables are left out: they are an index of ``items.text``, rebuilt by every load, and
mean nothing outside DuckDB. Each file is written beside its final name and renamed, so a reader of
the directory never picks up half a file.
"""

from __future__ import annotations

from pathlib import Path

from core.files import replace_atomically
from warehouse.query import connect_read_only
from warehouse.search import SEARCH_TABLES

INTERNAL = (*SEARCH_TABLES, "load_item_hashes")
FORMATS = {"parquet": "(FORMAT parquet, COMPRESSION zstd)", "csv": "(FORMAT csv, HEADER)"}


def exported_names(con) -> list[str]:
    """The user-facing tables and views, in the order ``duckdb_tables()``/``duckdb_views()`` list them."""
    rows = con.execute(
        """SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()
           UNION ALL
           SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal"""
    ).fetchall()
    return sorted(name for (name,) in rows if name not in INTERNAL)


def export_warehouse(warehouse: Path, directory: Path, fmt: str = "parquet") -> list[tuple[str, int, Path]]:
    """Write each table and view to ``directory``; returns (name, rows, file) for each."""
    directory.mkdir(parents=True, exist_ok=True)
    con = connect_read_only(warehouse)
    written = []
    try:
        for name in exported_names(con):
            target = directory / f"{name}.{fmt}"
            written.append((name, _export(con, name, target, fmt), target))
    finally:
        con.close()
    return written


def _export(con, name: str, target: Path, fmt: str) -> int:
    """Write one table or view to ``target`` whole; the rows written, as COPY counts them (a view is
    computed once)."""
    rows = 0

    def copy(part: Path) -> None:
        nonlocal rows
        rows = con.execute(f"COPY (SELECT * FROM {name}) TO '{part}' {FORMATS[fmt]}").fetchone()[0]

    replace_atomically(target, copy)
    return rows
