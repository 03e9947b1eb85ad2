"""Every DuckDB connection the project opens, and the extensions it loads, from one place.

DuckDB's defaults install and load a "known" extension on first use by downloading it into
``~/.duckdb/extensions``. That makes a query's success depend on the machine's history: it works where
an earlier run (or a person) left the file in the home folder, and fails with a network error on a
fresh machine or a machine without network. So every connection here turns both off, and loads what it
needs explicitly from the file a ``duckdb-extension-<name>`` wheel installed beside the project. A
missing extension then fails the same way everywhere, with a message that names it.

A notebook or script that opens the warehouse itself needs one line for search (``stem`` comes from
the ``fts`` extension)::

    con = duckdb.connect("data/warehouse.duckdb", read_only=True)
    load_extension(con, "fts")  # from warehouse.connection import load_extension

or simply ``con = connect("data/warehouse.duckdb", read_only=True, extensions=("fts",))``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from pathlib import Path

import duckdb

#: Nothing is downloaded or loaded behind the project's back.
NO_AUTOMATIC_EXTENSIONS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
#: A hash join whose build side has at most this many distinct keys passes them to the other side's
#: scan as a list, which zone maps test row group by row group; above it, only their min and max. A
#: search's words have hundreds of forms (every compound of "avustus"), and with DuckDB's default of 50
#: two query words far apart in the alphabet made a search read half of ``search_postings``: 49 of
#: 111 million rows for "asemakaavan muutos", against 0.6 million with the list (297 → 166 ms).
JOIN_FILTER_KEYS = {"dynamic_or_filter_threshold": 4096}
#: Where meetings happen: DATE columns are Helsinki dates and TIMESTAMPTZ values print in its zone.
TIME_ZONE = "Europe/Helsinki"


class ExtensionMissing(RuntimeError):
    """The wheel that carries a DuckDB extension for this DuckDB version is not installed."""


def extension_file(con: duckdb.DuckDBPyConnection, name: str) -> Path:
    """The ``<name>.duckdb_extension`` file of the ``duckdb-extension-<name>`` wheel for this DuckDB."""
    package = f"duckdb_extension_{name}"
    try:
        module = importlib.import_module(package)
    except ImportError:
        raise ExtensionMissing(
            f"DuckDB extension {name!r} is not installed: the package duckdb-extension-{name} is missing "
            "(./dev.sh setup installs it from uv.lock)"
        ) from None
    version = con.execute("PRAGMA version").fetchone()[0]  # e.g. v1.5.5
    path = Path(next(iter(module.__path__))) / "extensions" / version / f"{name}.duckdb_extension"
    if not path.is_file():
        raise ExtensionMissing(
            f"DuckDB extension {name!r} for DuckDB {version} is not in duckdb-extension-{name} ({path}): "
            "the two packages' versions must match"
        )
    return path


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load extension ``name`` into ``con`` from its wheel's file: nothing downloaded, nothing installed
    under the home folder."""
    con.execute(f"LOAD '{extension_file(con, name)}'")


def connect(
    path: Path | str = ":memory:",
    *,
    read_only: bool = False,
    extensions: Iterable[str] = (),
    config: dict[str, object] | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that never installs or loads an extension by itself, with ``extensions``
    loaded from their wheels, the session in Helsinki time and join filters that search needs."""
    con = duckdb.connect(
        str(path),
        read_only=read_only,
        config={**NO_AUTOMATIC_EXTENSIONS, **JOIN_FILTER_KEYS, **(config or {})},
    )
    try:
        con.execute(f"SET TimeZone = '{TIME_ZONE}'")
        for name in extensions:
            load_extension(con, name)
    except BaseException:
        con.close()
        raise
    return con
