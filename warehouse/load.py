"""Loading the warehouse: build a complete new DuckDB file beside the old one, then swap it in.

DuckDB lets one process write a file and keeps other processes out while it does. Building the next
warehouse in a file of its own and renaming it over the old one (an atomic ``rename`` on one file
system) means a reader never waits for a load and never sees half of one: it has the previous file
open until it reconnects, and then the new one. A load killed half-way leaves only a stray
``*.building`` file, which the next load removes. ``warehouse/README.md`` explains the choice.

On a DuckLake (``MINUTES_WAREHOUSE=ducklake:…``) the same file is built beside the lake's catalog and
then published into the lake in one commit, one snapshot (``warehouse/lake.py``).

Every table is rebuilt from the rows given, so the result depends only on them: the same input gives
the same tables. An input identical to the one the live warehouse was built from (same fingerprint)
is not loaded again at all: the file is left as it is. Otherwise the load records, in ``loads``, how
many handlings were added, changed and removed since the previous warehouse.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb
import polars as pl

from core.files import exclusive, fsync
from core.warehouse_location import DuckLake
from warehouse import lake
from warehouse.connection import connect
from warehouse.people import printed_people_rows
from warehouse.search import SEARCH_MACRO, TERMS_MACRO, Lexicon, build_index, create_search_index, lexicon_of

BASE_TABLES = ("sources", "documents", "meetings", "items", "matter_links", "crawl_errors", "parse_errors")
#: Tables and views whose row counts a load reports.
COUNTED = (*BASE_TABLES, "matters", "matter_comparison", "matters_pending")
#: Changes whenever the same input would give different tables: a new version rebuilds once.
LOADER_VERSION = "5"
#: DuckDB 1.2 storage and later compress long text with zstd: the items' text takes a third of the space.
STORAGE_VERSION = "v1.2.0"
BUILD_MEMORY_LIMIT = "2GB"

Progress = Callable[[str], None]


def _sql(name: str) -> str:
    return resources.files("warehouse").joinpath(name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class LoadReport:
    path: Path | DuckLake
    row_counts: dict[str, int]
    #: False when the input was the one the live warehouse was built from, and nothing was written.
    changed: bool = True
    items_added: int = 0
    items_changed: int = 0
    items_removed: int = 0
    fingerprint: str = ""
    seconds: dict[str, float] = field(default_factory=dict)


class DuplicateKey(ValueError):
    """Two rows of one table with the same id: the input is wrong, and nothing is swapped in."""


def load_warehouse(
    target: Path | DuckLake, tables: dict[str, list[dict] | pl.DataFrame], progress: Progress | None = None
) -> LoadReport:
    """Make ``tables`` (every base table, as rows) the warehouse at ``target``, atomically.

    ``progress`` is told the name of each phase as it begins (``prepare``, ``tables``, ``derived``,
    ``search``, ``checkpoint``, ``swap``; on a DuckLake ``publish`` and ``commit`` instead of ``swap``),
    for long loads and for the tests that kill a load."""
    # A lake is built beside its catalog, under the catalog's lock, as a file is beside itself.
    path = target.catalog_file if isinstance(target, DuckLake) else Path(target)
    target = target if isinstance(target, DuckLake) else path
    path.parent.mkdir(parents=True, exist_ok=True)
    tell = progress or (lambda _phase: None)
    tell("prepare")
    frames = {table: _frame(tables.get(table, []), table) for table in BASE_TABLES}
    frames = {table: frame.select(_present(table, frame)) for table, frame in frames.items()}
    # One order for one content, whatever order the archive's manifests gave: row ids, the search
    # index's document numbers and the fingerprint are then the same for the same handlings.
    frames["items"] = frames["items"].sort("item_id", maintain_order=True)
    item_hashes = _row_hashes(frames["items"])
    fingerprint = _fingerprint(frames)
    with exclusive(path):
        _remove_stale_builds(path)
        previous = _previous_load(target)
        if previous is not None and previous[0] == fingerprint:
            return LoadReport(target, previous[1], changed=False, fingerprint=fingerprint)
        building = path.with_name(f"{path.name}.{os.getpid()}.building")
        try:
            report = _build(building, target, frames, item_hashes, fingerprint, tell)
            if isinstance(target, DuckLake):
                started = time.monotonic()
                lake.publish(building, target, tell)
                report.seconds["publish"] = round(time.monotonic() - started, 3)
            else:
                fsync(building)
        except BaseException:
            _remove_stale_builds(path)  # a failed load leaves the warehouse, and nothing else
            raise
        if isinstance(target, DuckLake):
            _remove_stale_builds(path)  # published: the built file has done its work
        else:
            os.replace(building, path)
            fsync(path.parent)
    return replace(report, path=target)


def _frame(rows: list[dict] | pl.DataFrame, table: str) -> pl.DataFrame:
    """The rows as a frame; no rows at all (a run in which every source failed) as an empty frame
    with the table's columns, so that every later step finds the columns it reads."""
    frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows, infer_schema_length=None)
    if frame.height == 0 and not frame.columns:
        return pl.DataFrame(schema=dict.fromkeys(table_columns(table), pl.String))
    return frame


_COLUMNS: dict[str, list[str]] = {}


def table_columns(table: str) -> list[str]:
    """The columns of a base table, in schema order (from ``schema.sql`` in a scratch database)."""
    if not _COLUMNS:
        con = connect()
        con.execute(_sql("schema.sql"))
        for name in BASE_TABLES:
            _COLUMNS[name] = [row[0] for row in con.execute(f"DESCRIBE {name}").fetchall()]
        con.close()
    return _COLUMNS[table]


def _present(table: str, frame: pl.DataFrame) -> list[str]:
    return [c for c in table_columns(table) if c in frame.columns]


#: Columns that say when a handling was looked at, not what it is: a page fetched again and found the
#: same is not a changed handling.
OBSERVATION_COLUMNS = ("last_seen",)


def _row_hashes(items: pl.DataFrame) -> pl.DataFrame:
    """``item_id`` and a hash of the row but its observation columns: what tells a changed handling from
    an unchanged one."""
    if items.height == 0:
        return pl.DataFrame(schema={"item_id": pl.String, "row_hash": pl.UInt64})
    content = items.drop(OBSERVATION_COLUMNS, strict=False)
    return pl.DataFrame({"item_id": items["item_id"], "row_hash": content.hash_rows(seed=6)})


def _fingerprint(frames: dict[str, pl.DataFrame]) -> str:
    """A digest of the whole input (observation columns too: a new ``last_seen`` is loaded) and of the
    code that turns it into tables, independent of row order."""
    digest = hashlib.sha256(LOADER_VERSION.encode())
    for name in ("schema.sql", "derived.sql"):
        digest.update(_sql(name).encode())
    digest.update((TERMS_MACRO + SEARCH_MACRO).encode())
    for table, frame in frames.items():
        digest.update(f"{table}:{frame.schema}:{frame.height}".encode())
        digest.update(frame.hash_rows(seed=6).sort().to_numpy().tobytes() if frame.height else b"")
    return digest.hexdigest()


def _remove_stale_builds(path: Path) -> None:
    """Files of loads that were killed: safe to remove, since we hold the loader lock."""
    for stale in path.parent.glob(f"{path.name}.*.building*"):
        stale.unlink(missing_ok=True)


def _open_live(live: Path | DuckLake) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to the live warehouse, or None where there is none to read."""
    if not (live.catalog_file if isinstance(live, DuckLake) else live).exists():
        return None
    try:
        if isinstance(live, DuckLake):
            return lake.connect_read_only(live)[0]
        return connect(live, read_only=True)
    except duckdb.Error:
        return None


def _previous_load(live: Path | DuckLake) -> tuple[str, dict[str, int]] | None:
    """The fingerprint and row counts of the live warehouse, or None where there is none to compare."""
    con = _open_live(live)
    if con is None:
        return None
    try:
        row = con.execute(
            "SELECT fingerprint, row_counts FROM loads ORDER BY load_number DESC LIMIT 1"
        ).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return (row[0], dict(row[1])) if row else None


def _previous_lexicon(live: Path | DuckLake) -> Lexicon:
    """What the live warehouse's search index knows of its words (empty where there is none)."""
    con = _open_live(live)
    if con is None:
        return Lexicon.empty()
    try:
        return lexicon_of(con)
    finally:
        con.close()


def _build(
    building: Path,
    live: Path | DuckLake,
    frames: dict[str, pl.DataFrame],
    item_hashes: pl.DataFrame,
    fingerprint: str,
    tell: Progress,
) -> LoadReport:
    phases = _Phases(tell)
    # The search index is mostly polars work that releases the GIL: compute it beside DuckDB's work.
    background = ThreadPoolExecutor(1)
    index = background.submit(lambda: build_index(frames["items"], _previous_lexicon(live)))
    # fts: the search macros call stem(), which DuckDB resolves when they are created
    con = connect(extensions=("fts",))
    try:
        # DuckDB's share of the build; the rest is polars (the input, the search index). Spills go to a
        # directory that the next load's clean-up also removes if this one is killed.
        con.execute(f"SET memory_limit = '{BUILD_MEMORY_LIMIT}'")
        con.execute(f"SET temp_directory = '{building}.tmp'")
        con.execute(f"ATTACH '{building}' AS warehouse (STORAGE_VERSION '{STORAGE_VERSION}')")
        con.execute("USE warehouse")
        con.execute("SET force_compression = 'zstd'")  # applies to text columns only
        phases.begin("tables")
        con.execute(_sql("schema.sql"))
        for table in BASE_TABLES:
            _insert(con, table, frames[table])
        _check_unique(con, "items", "item_id")
        _insert(con, "printed_people", pl.DataFrame(printed_people_rows(_printed_lines(frames["items"]))))
        phases.begin("derived")
        con.execute(_sql("derived.sql"))
        phases.begin("search")
        create_search_index(con, index.result())
        counts = {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in COUNTED}
        added, changed, removed = _record_load(con, live, item_hashes, fingerprint, counts)
        phases.begin("checkpoint")
        con.execute("CHECKPOINT")
        con.execute("USE memory")
        con.execute("DETACH warehouse")
        phases.begin("publish" if isinstance(live, DuckLake) else "swap")
    finally:
        con.close()
        background.shutdown(cancel_futures=True)
        shutil.rmtree(f"{building}.tmp", ignore_errors=True)
    return LoadReport(building, counts, True, added, changed, removed, fingerprint, phases.seconds())


class _Phases:
    """Tells ``progress`` each phase as it begins and keeps how long each took."""

    def __init__(self, tell: Progress) -> None:
        self.tell = tell
        self.started: list[tuple[str, float]] = []

    def begin(self, name: str) -> None:
        self.tell(name)
        self.started.append((name, time.monotonic()))

    def seconds(self) -> dict[str, float]:
        ends = [t for _, t in self.started[1:]]
        return {name: round(end - start, 3) for (name, start), end in zip(self.started, ends, strict=False)}


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    if frame.height == 0:
        return
    # Every column is one of the table's: load_warehouse cut the frames to them, and printed_people rows
    # carry exactly its keys. String views go to DuckDB without a copy (the default copies every string).
    con.register("incoming", frame.to_arrow(compat_level=pl.CompatLevel.newest()))
    names = ", ".join(frame.columns)
    con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM incoming")
    con.unregister("incoming")


def _check_unique(con: duckdb.DuckDBPyConnection, table: str, column: str) -> None:
    duplicate = con.execute(
        f"SELECT {column}, count(*) FROM {table} GROUP BY {column} HAVING count(*) > 1 LIMIT 1"
    ).fetchone()
    if duplicate:
        raise DuplicateKey(f"{table}.{column} {duplicate[0]!r} occurs {duplicate[1]} times")


def _printed_lines(items: pl.DataFrame) -> list[str]:
    lines: set[str] = set()
    for column in ("preparer", "presenter"):
        if column in items.columns:
            lines.update(items[column].drop_nulls().unique().to_list())
    return sorted(lines)


def _record_load(
    con: duckdb.DuckDBPyConnection,
    live: Path | DuckLake,
    item_hashes: pl.DataFrame,
    fingerprint: str,
    counts: dict[str, int],
) -> tuple[int, int, int]:
    """Carry the load history over from the live warehouse, compare handlings, and add this load."""
    con.register("incoming_hashes", item_hashes.to_arrow())
    con.execute(
        "CREATE TABLE load_item_hashes AS SELECT item_id, row_hash FROM incoming_hashes ORDER BY item_id"
    )
    con.unregister("incoming_hashes")
    previous = _attach_previous(con, live)
    if previous:
        con.execute("INSERT INTO loads SELECT * FROM previous.loads")
        added, changed, removed = con.execute(
            """SELECT count(*) FILTER (WHERE p.item_id IS NULL),
                      count(*) FILTER (WHERE p.row_hash <> n.row_hash),
                      count(*) FILTER (WHERE n.item_id IS NULL)
               FROM load_item_hashes n FULL JOIN previous.load_item_hashes p USING (item_id)"""
        ).fetchone()
        con.execute("DETACH previous")
    else:
        added, changed, removed = counts["items"], 0, 0
    con.execute(
        """INSERT INTO loads
           SELECT coalesce(max(load_number), 0) + 1, $at, $fingerprint, $items, $added, $changed, $removed,
                  MAP($tables::VARCHAR[], $counts::BIGINT[])
           FROM loads""",
        {
            "at": datetime.now(UTC),
            "fingerprint": fingerprint,
            "items": counts["items"],
            "added": added,
            "changed": changed,
            "removed": removed,
            "tables": list(counts),
            "counts": list(counts.values()),
        },
    )
    return added, changed, removed


def _attach_previous(con: duckdb.DuckDBPyConnection, live: Path | DuckLake) -> bool:
    """Attach the live warehouse read-only when it has a load history to continue."""
    if not (live.catalog_file if isinstance(live, DuckLake) else live).exists():
        return False
    try:
        if isinstance(live, DuckLake):
            lake.attach(con, live, "previous", read_only=True)
        else:
            con.execute(f"ATTACH '{live}' AS previous (READ_ONLY)")
    except duckdb.Error:
        return False
    tables = {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'previous'"
        ).fetchall()
    }
    if not {"loads", "load_item_hashes"} <= tables:
        con.execute("DETACH previous")
        return False
    return True
