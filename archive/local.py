"""The raw archive in a folder: ``blobs/ab/abcd…``, ``manifest/<source_id>.jsonl``, ``unreadable/``.

Every manifest row is appended and fsynced as it is recorded, so a kill loses at most the line it was
writing; that line is a torn line, ended before the next append and reported by every reader.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from archive import Archive
from core.files import replace_atomically


class LocalArchive(Archive):
    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.blob_dir = self.root / "blobs"
        self.manifest_dir = self.root / "manifest"
        self.unreadable_dir = self.root / "unreadable"

    def __repr__(self) -> str:
        return f"Archive({str(self.root)!r})"

    def blob_path(self, digest: str) -> Path:
        return self.blob_dir / digest[:2] / digest

    def manifest_path(self, source_id: str) -> Path:
        return self.manifest_dir / f"{source_id}.jsonl"

    def close(self) -> None:
        """Nothing waits: every row was fsynced as it was recorded."""

    # -- storage --------------------------------------------------------------------------------------
    def read_blob(self, digest: str) -> bytes:
        return self.blob_path(digest).read_bytes()

    def source_ids(self) -> list[str]:
        if not self.manifest_dir.exists():
            return []
        return sorted(p.stem for p in self.manifest_dir.glob("*.jsonl"))

    def _put_blob_if_absent(self, digest: str, body: bytes) -> None:
        path = self.blob_path(digest)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename: a crash leaves a stray temp file, never a torn blob.
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)

    def _append_line(self, source_id: str, line: bytes) -> None:
        self.manifest_dir.mkdir(parents=True, exist_ok=True)
        with open(self.manifest_path(source_id), "ab+") as handle:
            # A write cut short (a kill, a full disk) leaves a fragment with no newline. Appending onto it
            # would glue this row to the fragment and make both unreadable: end the fragment first, so
            # it stays a torn line of its own, skipped and reported by ``rows``.
            if handle.seek(0, os.SEEK_END) > 0:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":
                    line = b"\n" + line
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def _manifest_objects(self, source_id: str) -> Iterator[tuple[Path, Iterator[bytes]]]:
        path = self.manifest_path(source_id)
        if not path.exists():
            return
        with open(path, "rb") as handle:
            yield path, iter(handle)

    def _replace_unreadable(self, source_id: str, text: str) -> None:
        self.unreadable_dir.mkdir(parents=True, exist_ok=True)
        replace_atomically(self.unreadable_dir / f"{source_id}.json", lambda p: p.write_text(text, "utf-8"))

    def _read_unreadable(self, source_id: str) -> str | None:
        path = self.unreadable_dir / f"{source_id}.json"
        return path.read_text(encoding="utf-8") if path.exists() else None
