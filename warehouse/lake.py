"""The warehouse on DuckLake: opening it, and publishing a load into it as one snapshot.

A load is built exactly as for the DuckDB file (``warehouse/load.py``: the same tables, index and load
history, in a local scratch file), then **published**: one transaction replaces every table, view and
macro of the lake with the built ones and commits. DuckLake turns one commit into one snapshot, so a
reader sees the previous load until the commit and the whole new one after it, never a mixture: the
guarantee the file swap gives. A reader connection is pinned to the snapshot that was current when it
opened, as a reader of the file keeps the file it opened until it reconnects.

DuckLake keeps the files of older snapshots until they expire: each publish expires snapshots older than
``SNAPSHOT_RETENTION`` and deletes the files only they used, so a reader may stay connected that long.

Every extension is loaded from its wheel (``warehouse/connection.py``): ``ducklake``, ``sqlite_scanner``
for the catalog, and ``httpfs`` when the data files are on object storage, reached with the same
endpoint and keys as the archive (``core/object_storage.py``) through a temporary secret that is
never written to disk.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import duckdb

from core.object_storage import S3Access, S3Location, is_s3_url
from core.warehouse_location import DuckLake
from warehouse.connection import connect, load_extension
from warehouse.search import SEARCH_MACRO, TERMS_MACRO

#: How long the files of a replaced load stay readable for connections that opened it.
SNAPSHOT_RETENTION = "1 day"
#: Text compresses to about a third with zstd, as in the DuckDB file.
PARQUET_COMPRESSION = "zstd"
#: Where the loader's own macros are written: the statements publish runs again in the lake.
DERIVED_SQL = Path(__file__).with_name("derived.sql")
#: A macro's statement in derived.sql: from its CREATE to the first semicolon that ends a line.
MACRO_STATEMENT = re.compile(r"^CREATE (?:OR REPLACE )?MACRO (\w+).*?;[ \t]*$", re.M | re.S)


def macro_statements() -> list[tuple[set[str], str]]:
    """Every macro a load creates, as (the names one statement creates, that statement), in the order
    the loader runs them. DuckDB keeps no SQL text of a macro to copy, unlike a view's, so publish runs
    the loader's own statements again."""
    derived = DERIVED_SQL.read_text(encoding="utf-8")
    # OR REPLACE: the lake keeps the previous load's macros until this commit replaces them
    statements = [
        ({m.group(1)}, m.group(0).replace("CREATE MACRO", "CREATE OR REPLACE MACRO", 1))
        for m in MACRO_STATEMENT.finditer(derived)
    ]
    search = set(re.findall(r"MACRO (\w+)\(", SEARCH_MACRO))
    return [*statements, ({"search_terms"}, TERMS_MACRO), (search, SEARCH_MACRO)]


class LakeMismatch(ValueError):
    """The catalog is not a DuckLake's, or keeps its files elsewhere than the data path asked for."""


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def reach_object_storage(con: duckdb.DuckDBPyConnection, data_path: str) -> None:
    """Let ``con`` read and write the files under an ``s3://`` data path: ``httpfs`` from its wheel and a
    temporary secret, scoped to the bucket, from the environment's endpoint, region and keys."""
    load_extension(con, "httpfs")
    access = S3Access.from_environment()
    options = {"TYPE": "s3", "REGION": access.region, "SCOPE": S3Location.parse(data_path).url()}
    if access.endpoint:
        tls = "false" if access.uses_http else "true"
        options |= {"ENDPOINT": access.host, "URL_STYLE": "path", "USE_SSL": tls}
    if access.access_key_id:
        options |= {"KEY_ID": access.access_key_id, "SECRET": access.secret_access_key or ""}
    if access.session_token:
        options["SESSION_TOKEN"] = access.session_token
    literal = {"TYPE", "USE_SSL"}  # keywords, not strings
    body = ", ".join(f"{k} {v if k in literal else sql_string(v)}" for k, v in options.items())
    con.execute(f"CREATE OR REPLACE TEMPORARY SECRET minutes_s3 ({body})")


def attach(
    con: duckdb.DuckDBPyConnection, lake: DuckLake, alias: str, *, read_only: bool, pinned: bool = False
) -> str:
    """Attach ``lake`` as ``alias``; its data path. A new lake (no catalog file yet) is created with
    ``lake.data_path`` or the folder beside its catalog. ``pinned``: to the snapshot current now."""
    for name in ("ducklake", "sqlite_scanner"):
        load_extension(con, name)
    catalog = sql_string(f"ducklake:sqlite:{lake.catalog_file}")
    stored = stored_data_path(lake.catalog_file)
    if stored is None and read_only:
        raise FileNotFoundError(f"no DuckLake catalog at {lake.catalog_file}")
    if stored is None:
        data_path = lake.data_path or lake.default_data_path
        create_catalog(lake.catalog_file)
        if is_s3_url(data_path):
            reach_object_storage(con, data_path)
        else:
            Path(data_path).mkdir(parents=True, exist_ok=True)
        con.execute(f"ATTACH {catalog} AS {alias} (DATA_PATH {sql_string(data_path)})")
        con.execute(f"CALL {alias}.set_option('parquet_compression', '{PARQUET_COMPRESSION}')")
        return data_path
    if lake.data_path and lake.data_path != stored:
        raise LakeMismatch(
            f"the DuckLake {lake} keeps its data files in {stored}, not in {lake.data_path} "
            "(--warehouse-data / MINUTES_WAREHOUSE_DATA): leave the setting out, or use another catalog"
        )
    if is_s3_url(stored):  # before the attach, which checks that it can reach the data path
        reach_object_storage(con, stored)
    con.execute(f"ATTACH {catalog} AS {alias} ({'READ_ONLY' if read_only else 'READ_WRITE'})")
    if pinned:
        (snapshot,) = con.execute(f"SELECT id FROM ducklake_current_snapshot('{alias}')").fetchone()
        con.execute(f"DETACH {alias}")
        con.execute(f"ATTACH {catalog} AS {alias} (READ_ONLY, SNAPSHOT_VERSION {snapshot})")
    return stored


def create_catalog(catalog_file: Path) -> None:
    """An empty SQLite catalog in WAL mode, which DuckLake then fills. WAL is what lets a load commit
    while readers are connected: in SQLite's default mode a reader's open connection holds a lock that
    makes the commit fail with "database is locked". (WAL needs the file on a local disk.)"""
    catalog_file.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(catalog_file)) as catalog:
        catalog.execute("PRAGMA journal_mode = WAL")


def stored_data_path(catalog_file: Path) -> str | None:
    """Where an existing lake keeps its data files, from its catalog's ``ducklake_metadata`` table (the
    DuckLake format's own record), read before attaching: attaching needs the data path reachable.
    None when there is no lake yet: no file, or an empty one (a creation cut short)."""
    if not catalog_file.exists():
        return None
    try:
        with closing(sqlite3.connect(f"file:{catalog_file}?mode=ro", uri=True)) as catalog:
            if catalog.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,):
                return None
            row = catalog.execute("SELECT value FROM ducklake_metadata WHERE key = 'data_path'").fetchone()
    except sqlite3.Error as exc:
        raise LakeMismatch(f"{catalog_file} is not a DuckLake catalog: {exc}") from None
    if row is None:
        raise LakeMismatch(f"{catalog_file} is not a DuckLake catalog: it names no data path")
    return row[0]


def current_snapshot(catalog_file: Path) -> int | None:
    """The lake's newest snapshot, read from its SQLite catalog without attaching (cheap enough to ask
    before every request); None when there is no lake yet."""
    if stored_data_path(catalog_file) is None:
        return None
    with closing(sqlite3.connect(f"file:{catalog_file}?mode=ro", uri=True)) as catalog:
        (snapshot,) = catalog.execute("SELECT max(snapshot_id) FROM ducklake_snapshot").fetchone()
    return snapshot


def connect_read_only(lake: DuckLake) -> tuple[duckdb.DuckDBPyConnection, str]:
    """A connection whose default database is the lake (``warehouse``), read-only and pinned to the
    current snapshot; and the lake's data path (a reader that locks down file access must allow it)."""
    con = connect()
    try:
        data_path = attach(con, lake, "warehouse", read_only=True, pinned=True)
        con.execute("USE warehouse")
    except BaseException:
        con.close()
        raise
    return con, data_path


def publish(built: Path, lake: DuckLake, progress: Callable[[str], None] | None = None) -> int:
    """Make the DuckDB file ``built`` the lake's content in one commit; the snapshot it made.
    ``progress`` hears ``commit`` when everything is written and only the commit is left."""
    con = connect(extensions=("fts",))  # the search macros call stem(), resolved when they are created
    try:
        attach(con, lake, "lake", read_only=False)
        con.execute(f"ATTACH {sql_string(str(built))} AS built (READ_ONLY)")
        tables = _names(con, "built", "table")
        views = con.execute(
            "SELECT sql FROM duckdb_views() WHERE database_name = 'built' AND NOT internal ORDER BY view_oid"
        ).fetchall()
        macros = set(_names(con, "built", "macro"))
        statements = macro_statements()
        if unknown := sorted(macros - set().union(*(names for names, _ in statements))):
            raise RuntimeError(f"the loader made macros publish does not know how to copy: {unknown}")
        con.execute("USE lake")
        con.execute("BEGIN")
        for name in _names(con, "lake", "view"):
            con.execute(f"DROP VIEW lake.main.{name}")
        for name in sorted(set(_names(con, "lake", "table")) - set(tables)):
            con.execute(f"DROP TABLE lake.main.{name}")
        for name in tables:
            con.execute(f"CREATE OR REPLACE TABLE lake.main.{name} AS SELECT * FROM built.main.{name}")
        # macros first: a view may read one (body_freshness), and a macro's body is bound when called
        for names, statement in statements:
            if names & macros:
                con.execute(statement)
        for (sql,) in views:
            con.execute(sql)
        if progress:
            progress("commit")
        con.execute("COMMIT")
        (snapshot,) = con.execute("SELECT id FROM ducklake_current_snapshot('lake')").fetchone()
        con.execute("DETACH built")
        _expire_old_snapshots(con)
        return snapshot
    finally:
        con.close()


def _names(con: duckdb.DuckDBPyConnection, database: str, kind: str) -> list[str]:
    if kind == "table":
        sql = "SELECT table_name FROM duckdb_tables() WHERE database_name = $db AND schema_name = 'main'"
    elif kind == "view":
        sql = "SELECT view_name FROM duckdb_views() WHERE database_name = $db AND NOT internal"
    else:
        sql = """SELECT DISTINCT function_name FROM duckdb_functions()
                 WHERE database_name = $db AND function_type IN ('macro', 'table_macro') AND NOT internal"""
    return sorted(row[0] for row in con.execute(sql, {"db": database}).fetchall())


def _expire_old_snapshots(con: duckdb.DuckDBPyConnection) -> None:
    """Forget snapshots older than the retention (never the current one) and delete the files that
    only they used: the lake's storage stays about one load per retention period."""
    older = f"now() - INTERVAL '{SNAPSHOT_RETENTION}'"
    con.execute(f"CALL ducklake_expire_snapshots('lake', older_than => {older})")
    con.execute("CALL ducklake_cleanup_old_files('lake', cleanup_all => true)")
    # files a killed publish wrote and never committed (none can be another load's: we hold the lock)
    con.execute(f"CALL ducklake_delete_orphaned_files('lake', older_than => {older})")
