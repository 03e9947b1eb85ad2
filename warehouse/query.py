"""Read-only access to the warehouse, for ``minutes query`` and for scripts."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import duckdb


class WarehouseMissing(FileNotFoundError):
    pass


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection that cannot change the warehouse: DuckDB refuses every write on it."""
    if not Path(path).exists():
        raise WarehouseMissing(f"no warehouse at {path}: run `minutes process` (or `minutes demo`) first")
    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET TimeZone = 'Europe/Helsinki'")
    return con


def run_query(path: Path, sql: str) -> tuple[list[str], list[tuple]]:
    con = connect_read_only(path)
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
