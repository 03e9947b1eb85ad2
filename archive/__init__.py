"""The raw archive: every fetched document, content-addressed, with an append-only manifest.

Nothing fetched is ever overwritten. A body is stored once under its sha256 (``blobs/ab/abcd…``); every
fetch, failed ones included, adds one JSON line to the source's manifest saying what was asked, when,
what came back and where its bytes are. A document the municipality re-publishes with other content is
simply a second blob and a second manifest row: the old version stays.

The manifest is the source of truth for what was fetched; the warehouse is derived from it and can be
rebuilt from it at any time.

Where the archive lives is a backend behind one interface, chosen by its location, the way ``Path``
picks ``PosixPath``: ``Archive("data/archive")`` is a folder (``archive/local.py``: one manifest file
per source, appended and fsynced row by row), ``Archive("s3://bucket/prefix")`` is object storage
(``archive/s3.py``: one manifest object per crawl run and source, read back as their union in time
order). This class holds everything that does not depend on where the bytes go: what a row is, how a
response and a failure are recorded, how a torn line is told and reported, what the crawl's index of
known documents is.
"""

from __future__ import annotations

import hashlib
import html
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from core.object_storage import is_s3_url

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

    path: Path | str  # the manifest file, or the s3:// URL of the manifest object
    line_number: int
    start: str  # its first characters, for the report
    reason: str

    def __str__(self) -> str:
        where = f"torn manifest line {self.line_number} of {PurePosixPath(str(self.path)).name}"
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


def backend_for(location: Path | str) -> type[Archive]:
    """The backend class that keeps an archive at ``location``."""
    if is_s3_url(location):
        from archive.s3 import S3Archive

        return S3Archive
    from archive.local import LocalArchive

    return LocalArchive


class Archive(ABC):
    """The raw archive at ``location``: a folder (``Path`` or string) or an ``s3://bucket/prefix`` URL.

    ``Archive(location)`` returns the backend for it (``LocalArchive`` or ``S3Archive``), so every caller
    (the spiders, the middlewares, processing, the tests) opens an archive the same way wherever it is.
    A backend supplies only the storage primitives below the line ``-- storage``."""

    def __new__(cls, location: Path | str, *args, **kwargs):
        return super().__new__(backend_for(location) if cls is Archive else cls)

    # -- writing -------------------------------------------------------------------------------------
    def store_blob(self, body: bytes) -> str:
        """Store ``body`` under its sha256 and return the hash; storing the same bytes again is free."""
        digest = hashlib.sha256(body).hexdigest()
        self._put_blob_if_absent(digest, body)
        return digest

    def record(self, row: ManifestRow) -> None:
        line = (json.dumps(asdict(row), ensure_ascii=False, sort_keys=True) + "\n").encode()
        self._append_line(row.source_id, line)

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
        text = json.dumps(dict(sorted(versions.items())), ensure_ascii=False, indent=0)
        self._replace_unreadable(source_id, text)

    @abstractmethod
    def close(self) -> None:
        """Make every row recorded so far durable. Locally each row already is; object storage uploads
        what it still holds. Reading after ``close`` is fine; so is recording, which reopens."""

    # -- reading -------------------------------------------------------------------------------------
    def read_blobs(self, digests: Iterable[str]) -> Iterator[bytes]:
        """The bytes of each of ``digests``, in their order: what processing reads, one blob per item
        page. A backend whose every read is a round trip reads ahead."""
        for digest in digests:
            yield self.read_blob(digest)

    def unreadable(self, source_id: str) -> dict[str, str]:
        """The versions (sha256 → reason) the last processing of this source could not read."""
        text = self._read_unreadable(source_id)
        return {} if text is None else json.loads(text)

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
        for location, lines in self._manifest_objects(source_id):
            for number, raw in enumerate(lines, start=1):
                line = raw.rstrip(b"\n")
                if not line:
                    continue
                try:
                    yield number, ManifestRow(**json.loads(line))
                except (ValueError, TypeError) as exc:  # JSON, UTF-8 or fields: not a whole row
                    yield number, TornLine(location, number, line.decode("utf-8", "replace")[:120], str(exc))

    # -- storage: what a backend supplies ---------------------------------------------------------------
    @abstractmethod
    def read_blob(self, digest: str) -> bytes:
        """The bytes stored under ``digest``; ``FileNotFoundError`` when there are none."""

    @abstractmethod
    def source_ids(self) -> list[str]:
        """The sources with a manifest, sorted."""

    @abstractmethod
    def _put_blob_if_absent(self, digest: str, body: bytes) -> None:
        """Store ``body`` under ``digest`` unless something is there already (it is the same bytes), so
        that no reader can ever see a blob's key with partial or other content."""

    @abstractmethod
    def _append_line(self, source_id: str, line: bytes) -> None:
        """Add one whole manifest line (ending in a newline) after the source's earlier rows."""

    @abstractmethod
    def _manifest_objects(self, source_id: str) -> Iterable[tuple[Path | str, Iterable[bytes]]]:
        """The source's manifest, as (where, its lines) in the order the rows were written."""

    @abstractmethod
    def _replace_unreadable(self, source_id: str, text: str) -> None:
        """Replace the source's note of unreadable versions with ``text`` (JSON), whole or not at all."""

    @abstractmethod
    def _read_unreadable(self, source_id: str) -> str | None:
        """The source's note of unreadable versions, or None when there is none."""
