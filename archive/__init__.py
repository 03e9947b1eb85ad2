"""The raw archive: every fetched document, content-addressed, with an append-only manifest.

Nothing fetched is ever overwritten. A body is stored once under its sha256 (``blobs/ab/abcd…``); every
fetch, failed ones included, appends one JSON line to ``manifest/<source_id>.jsonl`` saying what was
asked, when, what came back and where its bytes are. A document the municipality re-publishes with other
content is simply a second blob and a second manifest row: the old version stays.

The manifest is the source of truth for what was fetched; the warehouse is derived from it and can be
rebuilt from it at any time.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from minutes.files import replace_atomically

#: The manifest kinds that hold one item each: Dynasty and CaseM item pages, TWeb item documents.
ITEM_KINDS = frozenset({"meetingitem", "item_page", "item_document"})
#: The manifest kinds of PDFs: an item's own PDF and a meeting's whole minutes (Dynasty).
PDF_KINDS = frozenset({"item_pdf", "meeting_pdf"})


DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """One spelling of a URL for every way sites write it, so that a feed's link and the walk's link
    to one page are one document, not two: entities decoded (``&amp;``), scheme and host lower-cased,
    the default port dropped (Dynasty feeds write ``:443``), query parameters in sorted order
    (``?id=…&page=…`` is ``?page=…&id=…``), and TWeb's literal ``+`` before ``bid`` dropped
    (``?+bid=12867`` is ``?bid=12867``). The path keeps its case: ``TELIN-217668.HTM`` is a name."""
    parts = urlsplit(html.unescape(url.strip()))
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    netloc = host if parts.port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{parts.port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode(sorted((key.lstrip("+ "), value) for key, value in pairs), safe="/:,")
    path = quote(unquote(parts.path or "/"), safe="/()_-.~!$&'*+,;=:@%")
    return urlunsplit((scheme, netloc, path, query, ""))


def document_key(url: str, form: str | None = None) -> str:
    """What identifies a document asked for: its canonical URL, and for a POST the form that was sent
    (one URL answers many forms, each its own document)."""
    url = canonical_url(url)
    return f"{url} {form}" if form else url


@dataclass(frozen=True)
class ManifestRow:
    """One fetch attempt. ``sha256`` is None when nothing was received (a connection error)."""

    source_id: str
    url: str
    kind: str  # what the crawler asked for: meeting_handlers, meetings, meeting, meetingitem, item_pdf, …
    fetched_at: str  # ISO 8601 instant with its zone
    status: int | None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    size: int | None = None
    error: str | None = None
    attempt: int = 1
    context: dict = field(default_factory=dict)  # what the listing said of this document (body, date…)

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def seen(self) -> bool:
        """The document was there: fetched (2xx) or confirmed unchanged (304, with the known hash)."""
        return self.ok or (self.status == 304 and self.sha256 is not None)

    @property
    def key(self) -> str:
        """What identifies the document asked for: its URL, and for a POST the form that was sent."""
        return document_key(self.url, self.context.get("form"))


@dataclass(frozen=True)
class TornLine:
    """A manifest line that is not a whole row, left by a write cut short."""

    path: Path
    line_number: int
    start: str  # its first characters, for the report
    reason: str

    def __str__(self) -> str:
        where = f"torn manifest line {self.line_number} of {self.path.name}"
        return f"{where} skipped ({self.reason}): {self.start!r}"


@dataclass(frozen=True)
class Seen:
    """What the archive knows of one document: its current version and when it was last seen."""

    sha256: str
    etag: str | None
    last_modified: str | None
    last_seen: str


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class Archive:
    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.blob_dir = self.root / "blobs"
        self.manifest_dir = self.root / "manifest"
        self.unreadable_dir = self.root / "unreadable"

    # -- writing -------------------------------------------------------------------------------------
    def store_blob(self, body: bytes) -> str:
        """Store ``body`` under its sha256 and return the hash; storing the same bytes again is free."""
        digest = hashlib.sha256(body).hexdigest()
        path = self.blob_path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write beside the target and rename: a crash leaves a stray temp file, never a torn blob.
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
                handle.write(body)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(handle.name, path)
        return digest

    def record(self, row: ManifestRow) -> None:
        self.manifest_dir.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(asdict(row), ensure_ascii=False, sort_keys=True) + "\n").encode()
        with open(self.manifest_path(row.source_id), "ab+") as handle:
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

    def record_response(
        self,
        *,
        source_id: str,
        url: str,
        kind: str,
        status: int,
        body: bytes,
        headers: dict[str, str],
        context: dict | None = None,
        fetched_at: str | None = None,
        known_sha256: str | None = None,
        attempt: int = 1,
    ) -> ManifestRow:
        """Archive one response. A 304 stores nothing new: its row names the version it confirmed."""
        digest = known_sha256 if status == 304 else self.store_blob(body)
        row = ManifestRow(
            source_id=source_id,
            url=url,
            kind=kind,
            fetched_at=fetched_at or now_utc(),
            status=status,
            content_type=headers.get("content-type"),
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
            sha256=digest,
            size=None if status == 304 else len(body),
            attempt=attempt,
            context=context or {},
        )
        self.record(row)
        return row

    def record_failure(
        self,
        *,
        source_id: str,
        url: str,
        kind: str,
        error: str,
        status: int | None = None,
        attempt: int = 1,
        context: dict | None = None,
    ) -> ManifestRow:
        row = ManifestRow(
            source_id=source_id,
            url=url,
            kind=kind,
            fetched_at=now_utc(),
            status=status,
            error=error,
            attempt=attempt,
            context=context or {},
        )
        self.record(row)
        return row

    def note_unreadable(self, source_id: str, versions: dict[str, str]) -> None:
        """Replace what the last processing found unreadable among the source's documents: per sha256,
        the reason. A crawl asks for those documents again at once, in full, instead of trusting them as
        known: a page that came mislabelled or cut short on a bad day is then mended by the next run,
        not by the next revalidation a day or a month later."""
        self.unreadable_dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps(dict(sorted(versions.items())), ensure_ascii=False, indent=0)
        replace_atomically(self.unreadable_dir / f"{source_id}.json", lambda p: p.write_text(text, "utf-8"))

    # -- reading -------------------------------------------------------------------------------------
    def unreadable(self, source_id: str) -> dict[str, str]:
        """The versions (sha256 → reason) the last processing of this source could not read."""
        path = self.unreadable_dir / f"{source_id}.json"
        if not path.exists():
            return {}
        return json.loads(path.read_text(encoding="utf-8"))

    def blob_path(self, digest: str) -> Path:
        return self.blob_dir / digest[:2] / digest

    def read_blob(self, digest: str) -> bytes:
        return self.blob_path(digest).read_bytes()

    def manifest_path(self, source_id: str) -> Path:
        return self.manifest_dir / f"{source_id}.jsonl"

    def source_ids(self) -> list[str]:
        if not self.manifest_dir.exists():
            return []
        return sorted(p.stem for p in self.manifest_dir.glob("*.jsonl"))

    def index(self, source_id: str) -> dict[str, Seen]:
        """Per document key, the newest version and the last time it was seen: what a crawl needs to
        ask only for what changed (ETag / Last-Modified) and to skip what it checked recently."""
        current: dict[str, Seen] = {}
        for row in self.rows(source_id):
            if not row.seen:
                continue
            previous = current.get(row.key)
            if row.status == 304 and previous is not None:
                current[row.key] = Seen(
                    previous.sha256, previous.etag, previous.last_modified, row.fetched_at
                )
            else:
                current[row.key] = Seen(row.sha256, row.etag, row.last_modified, row.fetched_at)
        return current

    def rows(self, source_id: str | None = None) -> Iterator[ManifestRow]:
        """Every manifest row, in the order written. Torn lines (a crash mid-write) are skipped:
        ``torn_lines`` lists them."""
        for sid in [source_id] if source_id else self.source_ids():
            for _, row in self._lines(sid):
                if isinstance(row, ManifestRow):
                    yield row

    def torn_lines(self, source_id: str) -> list[TornLine]:
        """The lines of a source's manifest that are not a whole row: what a crash mid-write left."""
        return [torn for _, torn in self._lines(source_id) if isinstance(torn, TornLine)]

    def _lines(self, source_id: str) -> Iterator[tuple[int, ManifestRow | TornLine]]:
        path = self.manifest_path(source_id)
        if not path.exists():
            return
        with open(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                line = raw.rstrip(b"\n")
                if not line:
                    continue
                try:
                    yield number, ManifestRow(**json.loads(line))
                except (ValueError, TypeError) as exc:  # JSON, UTF-8 or fields: not a whole row
                    yield number, TornLine(path, number, line.decode("utf-8", "replace")[:120], str(exc))
