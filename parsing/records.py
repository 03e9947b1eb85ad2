"""The raw archive → rows of the warehouse's tables (documents, meetings, items, errors).

This is where identity is decided. A handling is identified by what it is, never by content: the
source, the body, the meeting date and, for the page's own handling, the agenda position (so an agenda
item and the same item in the later minutes are one handling), or the § for an earlier handling that a
later page carries. When a handling is seen both on its own page and carried on a later one, its own
page is authoritative. Of the versions of one page, the newest wins; every version stays in
``documents``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from archive import ITEM_KINDS, Archive, ManifestRow, TornLine, document_key
from core.registry import Source
from parsing.casem import parse_casem_page
from parsing.dynasty import parse_item_page
from parsing.html import decode_page, encoding_note
from parsing.model import ParsedHandling, ParsedItem
from parsing.pdf import PdfError
from parsing.tweb import parse_tweb_document

PAGE_PARSERS = {"dynasty": parse_item_page, "casem": parse_casem_page}
#: The longest a field of an item row may be, in characters: a real title, name or diary number is far
#: shorter, a section's text far shorter than the long cap. A longer value (a broken or hostile page) is
#: cut to the cap and the cut recorded in ``parse_errors``, so one page can never swell the warehouse.
SHORT_FIELD_CHARS = 2_000
LONG_FIELD_CHARS = 200_000
SHORT_FIELDS = ("title", "body", "body_printed", "diary_number", "preparer", "presenter")
LONG_FIELDS = ("explanation", "proposal", "discussion", "decision", "text")


def parse_item_document(source: Source, row: ManifestRow, body: bytes) -> ParsedItem:
    """One archived item, whatever its platform: HTML decoded by its declared charset, TWeb PDFs
    read with what their listing said of them."""
    if source.platform == "tweb":
        return parse_tweb_document(body, row.context, source.abbreviations, url=row.url)
    html = decode_page(body, row.content_type)
    if source.platform == "casem":  # an open-API answer names no meeting: its listing did
        return parse_casem_page(html, row.url, source.abbreviations, row.context)
    return PAGE_PARSERS[source.platform](html, row.url, source.abbreviations)


def short_hash(*parts: object, length: int = 16) -> str:
    return hashlib.sha256("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:length]


def meeting_key(source_id: str, body: str | None, meeting_date: date | None) -> str:
    return f"{source_id}-{short_hash(source_id, body, meeting_date)}"


@dataclass
class Records:
    documents: list[dict] = field(default_factory=list)
    meetings: list[dict] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)
    crawl_errors: list[dict] = field(default_factory=list)
    parse_errors: list[dict] = field(default_factory=list)
    #: item ids printed on one page: one matter by construction
    page_groups: dict[str, set[str]] = field(default_factory=dict)
    #: sources whose rows could not be built at all this time (each with a ``parse_errors`` row)
    failed_sources: list[str] = field(default_factory=list)
    #: per source processed, the document versions (sha256 → reason) that could not be read
    unreadable: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class PageVersion:
    row: ManifestRow  # the newest version's first fetch
    first_seen: str
    last_seen: str
    pdf_url: str | None


def document_rows(rows: Iterable[ManifestRow]) -> list[dict]:
    """One row per distinct (url, content): the versions of every document, with their first fetch."""
    first: dict[tuple[str, str], ManifestRow] = {}
    for row in rows:
        if row.sha256 and (row.url, row.sha256) not in first:
            first[(row.url, row.sha256)] = row
    return [
        {
            "document_id": short_hash(row.source_id, url, sha, length=20),
            "source_id": row.source_id,
            "url": url,
            "kind": row.kind,
            "content_type": row.content_type,
            "http_status": row.status,
            "fetched_at": row.fetched_at,
            "size_bytes": row.size,
            "sha256": sha,
            "etag": row.etag,
            "last_modified": row.last_modified,
        }
        for (url, sha), row in first.items()
    ]


def crawl_error_rows(rows: Iterable[ManifestRow]) -> list[dict]:
    return [
        {
            "source_id": row.source_id,
            "url": row.url,
            "kind": row.kind,
            "http_status": row.status,
            "error": row.error or f"HTTP {row.status}",
            "fetched_at": row.fetched_at,
            "attempt": row.attempt,
        }
        for row in rows
        if row.error or (row.status is not None and row.status >= 400 and not _absence_expected(row))
    ]


def _absence_expected(row: ManifestRow) -> bool:
    """robots.txt, and a discovery path asked whether it exists (the CaseM open API): a 404 there
    says what the site offers, not that a fetch failed (``minutes doctor`` reports it as that)."""
    return row.kind == "robots" or (row.context.get("may_be_absent") and row.status in (404, 410))


def item_page_versions(rows: list[ManifestRow]) -> list[PageVersion]:
    pdf_of: dict[str, str] = {}
    seen: dict[str, list[ManifestRow]] = {}  # per document (its canonical key), every fetch that saw it
    for row in rows:
        if row.kind == "item_pdf" and row.seen and row.context.get("item_url"):
            pdf_of[document_key(row.context["item_url"])] = row.url
        if row.kind in ITEM_KINDS and row.seen:
            seen.setdefault(row.key, []).append(row)
    versions = []
    for key, fetches in seen.items():
        fetches.sort(key=lambda r: r.fetched_at)
        newest_sha = fetches[-1].sha256
        newest = next(r for r in fetches if r.sha256 == newest_sha)
        versions.append(PageVersion(newest, fetches[0].fetched_at, fetches[-1].fetched_at, pdf_of.get(key)))
    return versions


def handling_row(
    source: Source, page: PageVersion, item: ParsedItem, handling: ParsedHandling, index: int
) -> dict:
    context = page.row.context
    if handling.is_own and item.agenda_position is not None:
        key = ("own", handling.body, handling.meeting_date, "pos", item.agenda_position)
    elif handling.section is not None and handling.meeting_date is not None:
        key = ("sec", handling.body, handling.meeting_date, "sec", handling.section)
    else:
        key = ("page", page.row.url, index)
    document_type = item.document_type if handling.is_own else "minutes"
    return {
        "item_id": f"{source.id}-{short_hash(source.id, *key[1:])}",
        "key_kind": key[0],
        "meeting_id": meeting_key(source.id, handling.body, handling.meeting_date),
        "source_id": source.id,
        "municipality": source.name,
        "body": handling.body,
        "body_printed": handling.body_printed,
        "meeting_date": handling.meeting_date,
        "document_type": document_type,
        "section": handling.section,
        "agenda_position": item.agenda_position if handling.is_own else None,
        "title": item.title,
        "diary_number": item.diary_number,
        "preparer": handling.preparer,
        "presenter": handling.presenter,
        "explanation": handling.explanation,
        "proposal": handling.proposal,
        "discussion": handling.discussion,
        "decision": handling.decision,
        "decision_outcome": handling.decision_outcome,
        "disqualifications": handling.disqualifications,
        "text": handling.text,
        "url": page.row.url,
        "pdf_url": page.pdf_url or item.pdf_url,
        "meeting_url": context.get("meeting_url") if handling.is_own else None,
        "is_procedural": item.is_procedural,
        "is_own_page": handling.is_own,
        "document_sha256": page.row.sha256,
        "first_seen": page.first_seen,
        "last_seen": page.last_seen,
    }


def truncate_fields(row: dict) -> set[str]:
    """Cut over-long text fields of ``row`` (in place) to their cap; a reason per field cut."""
    reasons = set()
    for names, cap in ((SHORT_FIELDS, SHORT_FIELD_CHARS), (LONG_FIELDS, LONG_FIELD_CHARS)):
        for name in names:
            value = row.get(name)
            if isinstance(value, str) and len(value) > cap:
                row[name] = value[:cap]
                reasons.add(f"{name} truncated from {len(value)} to {cap} characters")
    return reasons


def _authority(row: dict) -> tuple:
    """Which of two rows for one handling wins: its own page, then minutes over agenda, then newest."""
    return (row["is_own_page"], row["document_type"] == "minutes", row["last_seen"], row["url"])


def build_records(archive: Archive, sources: list[Source], only: list[str] | None = None) -> Records:
    """Every source's rows, or those of the archive's sources named in ``only``. A source whose rows
    cannot be built (an unexpected exception in this code, not a bad page, which is a parse error of
    its own) is recorded in ``parse_errors`` and in ``failed_sources``, and the other sources' rows are
    built all the same."""
    records = Records()
    by_id = {source.id: source for source in sources}
    for source_id in archive.source_ids():
        if only is not None and source_id not in only:
            continue
        rows = list(archive.rows(source_id))
        records.documents += document_rows(rows)
        records.crawl_errors += crawl_error_rows(rows)
        records.parse_errors += [_torn_line_error(source_id, torn) for torn in archive.torn_lines(source_id)]
        source = by_id.get(source_id)
        if source is None:
            continue  # archived earlier from a source no longer in this registry: kept, not processed
        try:
            items, page_groups, errors = source_items(archive, source, rows)
        except Exception as exc:
            records.failed_sources.append(source_id)
            records.parse_errors.append(_source_error(source, f"{type(exc).__name__}: {exc}"))
            continue
        records.items += items
        records.parse_errors += errors
        records.unreadable[source_id] = {e["sha256"]: e["reason"] for e in errors if e["stage"] == "parse"}
        for page, ids in page_groups.items():
            records.page_groups.setdefault(page, set()).update(ids)
    records.meetings = meeting_rows(records.items)
    return records


def source_items(
    archive: Archive, source: Source, rows: list[ManifestRow]
) -> tuple[list[dict], dict[str, set[str]], list[dict]]:
    """One source's handlings, page groups and parse errors, from its manifest rows."""
    errors: list[dict] = []
    candidates: dict[str, dict] = {}
    pages = item_page_versions(rows)
    for page, body in zip(pages, archive.read_blobs(p.row.sha256 for p in pages), strict=True):
        try:
            item = parse_item_document(source, page.row, body)
        except PdfError as exc:
            errors.append(_parse_error(page.row, exc.reason))
            continue
        except Exception as exc:  # one broken page must not stop the others
            errors.append(_parse_error(page.row, f"{type(exc).__name__}: {exc}"))
            continue
        if item.document_type is None or not item.handlings or item.own.meeting_date is None:
            errors.append(_parse_error(page.row, "no item header (meeting, date) found"))
            continue
        if source.platform != "tweb" and (note := encoding_note(body, page.row.content_type)):
            errors.append(_parse_error(page.row, note, stage="decode"))
        truncated: set[str] = set()
        for index, handling in enumerate(item.handlings):
            row = handling_row(source, page, item, handling, index)
            truncated |= truncate_fields(row)
            current = candidates.get(row["item_id"])
            if current is None or _authority(row) > _authority(current):
                candidates[row["item_id"]] = row
        errors += [_parse_error(page.row, reason, stage="normalise") for reason in sorted(truncated)]
    items, page_groups = resolve_carried_handlings(candidates.values())
    return items, page_groups, errors


def resolve_carried_handlings(rows: Iterable[dict]) -> tuple[list[dict], dict[str, set[str]]]:
    """An earlier handling carried on a later page and the same handling on its own page are one row:
    the own page's. The carrying page still says the two belong to one matter (its page group).

    The own page is found by body, date and § where the carrying page prints them (Dynasty), else by
    diary number (CaseM prints earlier handlings without a date): the one own-page handling of the same
    diary number, of the same body where that is known, dated before the carrying page's meeting. A
    diary number that leads to no such handling, or to several, decides nothing.

    Returns the rows kept and, per page (its URL), the ids of the handlings it prints."""
    rows = list(rows)
    own_by_section = {
        (r["source_id"], r["body"], r["meeting_date"], r["section"]): r["item_id"]
        for r in rows
        if r["is_own_page"] and r["section"] is not None
    }
    own_by_dno: dict[tuple[str, str], list[dict]] = {}
    page_date: dict[str, date] = {}
    for r in rows:
        if r["is_own_page"]:
            page_date[r["url"]] = r["meeting_date"]
            if r["diary_number"]:
                own_by_dno.setdefault((r["source_id"], r["diary_number"]), []).append(r)
    kept: list[dict] = []
    page_groups: dict[str, set[str]] = {}
    for row in rows:
        own = None
        if not row["is_own_page"]:
            if row["meeting_date"] is not None:
                own = own_by_section.get((row["source_id"], row["body"], row["meeting_date"], row["section"]))
            if own is None and row["diary_number"] and row["section"] is None:
                # CaseM prints an earlier handling without a date, and its open API with a date but
                # without a § (Article 0): the diary number finds its own page, on that date if known.
                carried_on = page_date.get(row["url"])
                matches = [
                    r["item_id"]
                    for r in own_by_dno.get((row["source_id"], row["diary_number"]), [])
                    if r["url"] != row["url"]
                    and (row["body"] is None or r["body"] == row["body"])
                    and (row["meeting_date"] is None or r["meeting_date"] == row["meeting_date"])
                    and (carried_on is None or r["meeting_date"] < carried_on)
                ]
                own = matches[0] if len(matches) == 1 else None
        if own is None or own == row["item_id"]:
            kept.append(row)
        page_groups.setdefault(row["url"], set()).add(own or row["item_id"])
    return kept, page_groups


def meeting_rows(items: Iterable[dict]) -> list[dict]:
    meetings: dict[str, dict] = {}
    for row in sorted(items, key=lambda r: (not r["is_own_page"], r["meeting_id"])):
        meeting = meetings.setdefault(
            row["meeting_id"],
            {
                "meeting_id": row["meeting_id"],
                "source_id": row["source_id"],
                "municipality": row["municipality"],
                "body": row["body"],
                "meeting_date": row["meeting_date"],
                "document_type": row["document_type"],
                "url": row["meeting_url"],
            },
        )
        if row["is_own_page"] and row["document_type"] == "minutes":
            meeting["document_type"] = "minutes"
        meeting["url"] = meeting["url"] or row["meeting_url"]
    return list(meetings.values())


def _parse_error(row: ManifestRow, reason: str, stage: str = "parse") -> dict:
    return {
        "source_id": row.source_id,
        "stage": stage,
        "url": row.url,
        "sha256": row.sha256,
        "fetched_at": row.fetched_at,
        "reason": reason,
    }


def _source_error(source: Source, reason: str) -> dict:
    return {
        "source_id": source.id,
        "stage": "records",
        "url": source.base_url,
        "sha256": None,
        "fetched_at": None,
        "reason": f"this source's rows could not be built: {reason}",
    }


def _torn_line_error(source_id: str, torn: TornLine) -> dict:
    return {
        "source_id": source_id,
        "stage": "archive",
        "url": str(torn.path),
        "sha256": None,
        "fetched_at": None,
        "reason": str(torn),
    }
