"""The web view's one connection to the warehouse, reopened when a load swaps a new file in.

A load never changes the file readers have open: it renames a new one over it (``warehouse/load.py``).
A connection kept open therefore keeps answering from the old file, and DuckDB hands an open database
to every new ``connect`` of the same path in this process, so the old connection must be closed before
the new file can be seen. Before each request the reader compares the file's identity (device, inode,
modification time) with the one it opened; on a change it closes its connection and opens the new file.
A DuckLake is followed the same way by its newest snapshot: a connection stays on the snapshot it
opened, so a load's commit is seen by reopening.

The connection is the one ``minutes query`` uses (``connect_for_queries``: read-only, no external
access, settings locked). Requests take turns on it: a DuckDB query already uses both of this
machine's cores, and one connection swapped under a lock cannot be closed beneath a running query.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core.warehouse_location import DuckLake
from warehouse import lake
from warehouse.query import WarehouseMissing, connect_for_queries


class WarehouseReader:
    def __init__(self, path: Path | DuckLake) -> None:
        self.path = path if isinstance(path, DuckLake) else Path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple[int, ...] | None = None
        #: answers that hold for one warehouse file (the filter choices), dropped with its connection
        self.cache: dict[str, object] = {}

    def _current_identity(self) -> tuple[int, ...]:
        if isinstance(self.path, DuckLake):
            snapshot = lake.current_snapshot(self.path.catalog_file)
            if snapshot is None:
                raise WarehouseMissing(f"no warehouse at {self.path}: run `minutes process` first")
            return (snapshot,)
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise WarehouseMissing(f"no warehouse at {self.path}: run `minutes process` first") from None
        return (stat.st_dev, stat.st_ino, stat.st_mtime_ns)

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The connection to the warehouse as it is now, for one request."""
        with self._lock:
            identity = self._current_identity()
            if identity != self._identity:
                self._close()
                self._con = connect_for_queries(self.path)
                self._identity = identity
            yield self._con

    def _close(self) -> None:
        if self._con is not None:
            self._con.close()
        self._con, self._identity = None, None
        self.cache = {}

    def close(self) -> None:
        with self._lock:
            self._close()
