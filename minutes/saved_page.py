"""``minutes parse``: what the project reads from one saved page, the way ``scrapy parse`` shows a
spider's view of one URL.

It runs the spider's own page reader (``read_page`` of the platform's spider module) and the parser's
own item code (``parsing.records``), not copies of them: a person debugging a source sees exactly what
the crawl would follow and what the warehouse would hold.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from archive import ManifestRow, now_utc
from core.registry import PLATFORMS, Source, load_registry
from crawlers.pages import PageReading
from crawlers.spiders import READERS
from crawlers.spiders.base import text_response
from parsing.model import ParsedItem
from parsing.records import PageVersion, handling_row, parse_item_document

#: The item columns ``minutes parse`` shows, in the warehouse's names, plus ``is_own_page``.
HANDLING_COLUMNS = (
    "body",
    "meeting_date",
    "section",
    "agenda_position",
    "title",
    "diary_number",
    "document_type",
    "preparer",
    "presenter",
    "proposal",
    "decision",
    "decision_outcome",
    "pdf_url",
    "is_own_page",
)
#: The manifest kind an item or document of each platform is archived as.
ITEM_KIND = {"dynasty": "meetingitem", "casem": "item_page", "tweb": "item_document"}


class UnreadablePage(ValueError):
    """A file that cannot be read at all (missing, empty, not this platform's)."""


def source_for(platform: str, source_id: str | None, sources_file: Path | None) -> Source:
    """The registry's source (its name, base URL and abbreviations), or a bare one of the platform."""
    if platform not in PLATFORMS:
        raise UnreadablePage(f"unknown platform {platform!r}; known: {', '.join(PLATFORMS)}")
    if source_id is None:
        return Source(
            id="page", name="", kind="municipality", platform=platform, base_url="http://localhost/"
        )
    by_id = {s.id: s for s in load_registry(sources_file)}
    if source_id not in by_id:
        raise UnreadablePage(f"unknown source id {source_id!r}; known: {', '.join(by_id)}")
    source = by_id[source_id]
    if source.platform != platform:
        raise UnreadablePage(f"source {source_id!r} publishes on {source.platform}, not {platform}")
    return source


def read_saved_page(
    path: Path,
    platform: str,
    url: str | None = None,
    source_id: str | None = None,
    sources_file: Path | None = None,
) -> dict:
    """``{"kind", "entries", "handlings", "errors"}`` for the page saved at ``path``."""
    source = source_for(platform, source_id, sources_file)
    try:
        body = Path(path).read_bytes()
    except OSError as exc:
        raise UnreadablePage(f"{path}: {exc.strerror or exc}") from None
    if not body.strip():
        raise UnreadablePage(f"{path}: the file is empty")
    url = url or Path(path).resolve().as_uri()
    if body.lstrip()[:5] == b"%PDF-":
        reading = PageReading("document")
    else:
        reading = READERS[platform](text_response(url, body, None))
    handlings, errors = [], list(reading.errors)
    if reading.kind in ("item", "document"):
        try:
            handlings = _handlings(source, url, body)
        except Exception as exc:  # what process would record as this document's parse error
            errors.append(f"{type(exc).__name__}: {exc}")
    return {
        "kind": reading.kind,
        "entries": [entry.as_json() for entry in reading.entries],
        "handlings": handlings,
        "errors": errors,
    }


def _handlings(source: Source, url: str, body: bytes) -> list[dict]:
    row = ManifestRow(source.id, url, ITEM_KIND[source.platform], now_utc(), 200)
    item: ParsedItem = parse_item_document(source, row, body)
    page = PageVersion(replace(row, sha256=""), row.fetched_at, row.fetched_at, None)
    rows = [handling_row(source, page, item, h, n) for n, h in enumerate(item.handlings)]
    return [{column: _plain(r[column]) for column in HANDLING_COLUMNS} for r in rows]


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value
