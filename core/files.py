"""File handling that more than one stage relies on: one writer at a time, and replacing a file whole."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold ``path`` (a file or a directory) for one process at a time; another waits here. The lock is
    a file beside it, ``<name>.lock``, and it dies with its process, so a killed holder blocks no one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f"{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def replace_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """``write(temporary path)``, flushed to disk, then renamed over ``path``: a reader, or the next run
    after a crash, finds the old file or the whole new one, never part of one."""
    temporary = path.with_name(f"{path.name}.tmp")
    write(temporary)
    fsync(temporary)
    os.replace(temporary, path)


def fsync(target: Path) -> None:
    """Flush a file (or a directory's entries) to disk, so a crash cannot leave a renamed empty file."""
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
