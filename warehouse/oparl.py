"""``minutes export DIR --format oparl``: the warehouse as a static OParl 1.1 tree.

OParl is the open standard for council information systems; its clients read a tree of JSON objects
that starts at a ``System``. Ours map almost one to one:

| OParl | ours |
|---|---|
| Body | a source (municipality, the regional council, the wellbeing county) |
| Organization | a body of a source (Kunnanhallitus) |
| Meeting | a meeting; ``agendaItem`` embedded |
| AgendaItem | one handling: ``number`` the §, ``result`` the outcome, ``resolutionText`` the decision |
| Paper | a matter in one source, ``reference`` its diary number, ``consultation`` its handlings embedded |
| Consultation | one handling of a paper: ``authoritative`` and ``role`` from its outcome |
| File | the page a handling was read from (``text`` its whole text) and its PDF |

A matter that spans sources is one Paper per source, each naming the others in ``relatedPaper`` and
carrying the matter id in the one extension property, ``minutes:matterId`` (the specification's form
for vendor properties, "Herstellerprefix:name").

What the pages do not show stays out (the specification asks for absent properties, not nulls): a
meeting's ``start`` is a date-time and pages give only the date, so a Meeting carries its date in its
``name``; a File has ``sha1Checksum`` when the raw archive holding its blob is at hand (the warehouse
keeps sha256, not sha1); ``person`` and ``legislativeTerm`` are empty lists.

Every object has its own file and its id is that file's URL under ``base_url``; lists are paginated
(``PAGE_SIZE`` per page) and sorted by id, and every value comes from the warehouse, so a rerun on the
same warehouse writes identical files. The tree is built beside ``DIR`` and swapped in whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from archive import Archive
from core.config import HELSINKI
from warehouse.query import connect_read_only
from warehouse.report import OUTCOMES, finnish_date

OPARL = "https://schema.oparl.org/1.1/"
PAGE_SIZE = 100
EXTENSION = "minutes:matterId"
PRODUCT = "https://github.com/paijat-hame/minutes"
#: Recommended values of the specification: invited (agenda out), held (minutes out).
MEETING_STATES = {"agenda": "eingeladen", "minutes": "durchgeführt"}
#: Consultation.role and .authoritative from a handling's outcome: a decision on the matter, taking
#: note of it, or deliberation without a decision (sent back, tabled); NULL outcome: on an agenda.
ROLES = {
    "approved": "decision",
    "approved_amended": "decision",
    "rejected": "decision",
    "other": "decision",
    "noted": "information",
    "returned": "deliberation",
    "tabled": "deliberation",
    None: "scheduled",
}

HANDLINGS_SQL = """
SELECT i.item_id, i.meeting_id, i.source_id, i.body, i.meeting_date, i.document_type, i.section,
       i.agenda_position, i.title, i.diary_number, i.decision, i.decision_outcome, i.text, i.url, i.pdf_url,
       coalesce(i.matter_id, i.item_id) AS matter_id, i.first_seen,
       page.document_id AS page_document_id, page.content_type AS page_content_type,
       page.size_bytes AS page_size, page.sha256 AS page_sha256, page.fetched_at AS page_fetched_at,
       pdf.document_id AS pdf_document_id, pdf.content_type AS pdf_content_type, pdf.size_bytes AS pdf_size,
       pdf.sha256 AS pdf_sha256
FROM items i
LEFT JOIN (
    SELECT sha256, url, min(document_id) AS document_id, arg_min(content_type, document_id) AS content_type,
           arg_min(size_bytes, document_id) AS size_bytes, min(fetched_at) AS fetched_at
    FROM documents WHERE source_id = $source GROUP BY sha256, url
) page ON page.sha256 = i.document_sha256 AND page.url = i.url
LEFT JOIN (
    SELECT url, arg_max(document_id, (fetched_at, document_id)) AS document_id,
           arg_max(content_type, (fetched_at, document_id)) AS content_type,
           arg_max(size_bytes, (fetched_at, document_id)) AS size_bytes,
           arg_max(sha256, (fetched_at, document_id)) AS sha256
    FROM documents WHERE source_id = $source GROUP BY url
) pdf ON pdf.url = i.pdf_url
WHERE i.source_id = $source
ORDER BY i.item_id
"""
MEETINGS_SQL = """
SELECT meeting_id, source_id, body, meeting_date, document_type, url FROM meetings
WHERE source_id = $source ORDER BY meeting_id
"""
PAPERS_SQL = "SELECT DISTINCT source_id, coalesce(matter_id, item_id) FROM items"
SOURCES_SQL = "SELECT source_id, name, kind, base_url FROM sources ORDER BY source_id"


class ExportRefused(ValueError):
    """The target directory holds something that is not an OParl tree of ours: nothing is touched."""


@dataclass(frozen=True)
class OParlReport:
    directory: Path
    files: int
    counts: dict[str, int]


def safe_key(value: str) -> str:
    """``value`` itself where it can be a file name and a URL path segment; otherwise a digest of it."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", value):
        return value
    return hashlib.sha1(value.encode()).hexdigest()[:20]


def organization_key(source_id: str, body: str) -> str:
    """One body of one source: readable, and exact (the digest tells apart names that slug alike)."""
    readable = re.sub(r"[^a-z0-9]+", "-", body.lower().translate(str.maketrans("äöåé", "aoae"))).strip("-")
    return f"{source_id}-{readable or 'body'}-{hashlib.sha1(body.encode()).hexdigest()[:6]}"


def instant(value: datetime | None) -> str | None:
    """``yyyy-mm-ddThh:mm:ss±hh:mm`` in Helsinki time, as the specification writes a date-time."""
    return value.astimezone(HELSINKI).replace(microsecond=0).isoformat() if value else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def compact(obj: dict) -> dict:
    """The object without its absent values: OParl asks servers to leave out what they do not know."""
    return {key: value for key, value in obj.items() if value is not None}


class Urls:
    """Every id of the tree: the URL of the object's file under the base URL."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")

    def system(self) -> str:
        return f"{self.base}/system.json"

    def bodies(self, page: int = 1) -> str:
        return f"{self.base}/bodies/page-{page}.json"

    def body(self, source_id: str) -> str:
        return f"{self.base}/body/{safe_key(source_id)}.json"

    def body_list(self, source_id: str, kind: str, page: int = 1) -> str:
        return f"{self.base}/body/{safe_key(source_id)}/{kind}/page-{page}.json"

    def organization(self, key: str) -> str:
        return f"{self.base}/organization/{key}.json"

    def organization_meetings(self, key: str, page: int = 1) -> str:
        return f"{self.base}/organization/{key}/meeting/page-{page}.json"

    def meeting(self, meeting_id: str) -> str:
        return f"{self.base}/meeting/{safe_key(meeting_id)}.json"

    def agenda_item(self, item_id: str) -> str:
        return f"{self.base}/agendaitem/{safe_key(item_id)}.json"

    def consultation(self, item_id: str) -> str:
        return f"{self.base}/consultation/{safe_key(item_id)}.json"

    def paper(self, source_id: str, matter_id: str) -> str:
        return f"{self.base}/paper/{safe_key(source_id)}/{safe_key(matter_id)}.json"

    def file(self, key: str) -> str:
        return f"{self.base}/file/{safe_key(key)}.json"

    def path(self, url: str) -> Path:
        """Where the file of ``url`` lies in the tree."""
        return Path(url.removeprefix(self.base + "/"))


def export_oparl(
    warehouse: Path,
    directory: Path,
    base_url: str,
    archive_dir: Path | str | None = None,
    page_size: int = PAGE_SIZE,
) -> OParlReport:
    """Write the OParl tree of ``warehouse`` to ``directory``, whose ids start with ``base_url``."""
    if not re.match(r"https?://[^/\s]+", base_url):
        raise ExportRefused(f"--base-url must be an absolute http(s) URL, got {base_url!r}")
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()) and not (directory / "system.json").exists():
        raise ExportRefused(
            f"{directory} holds files that are not an OParl export (no system.json): choose an empty or new "
            "directory"
        )
    con = connect_read_only(warehouse)
    tree = _Tree(directory, Urls(base_url), page_size)
    try:
        write_tree(con, tree, archive_dir)
        tree.commit()
    finally:
        tree.abandon()
        con.close()
    return OParlReport(directory, sum(tree.counts.values()), dict(sorted(tree.counts.items())))


def write_tree(con: duckdb.DuckDBPyConnection, tree: _Tree, archive_dir: Path | str | None) -> None:
    """Every file of the tree, one source at a time (so a large warehouse is never in memory whole)."""
    urls = tree.urls
    sha1 = _Sha1(archive_dir)
    papers_of_matter: dict[str, set[str]] = defaultdict(set)
    for source_id, matter_id in con.execute(PAPERS_SQL).fetchall():
        papers_of_matter[matter_id].add(urls.paper(source_id, matter_id))
    bodies = []
    for source_id, name, kind, _base_url in con.execute(SOURCES_SQL).fetchall():
        _write_source(con, tree, source_id, sha1, papers_of_matter)
        body = compact(
            {
                "id": urls.body(source_id),
                "type": OPARL + "Body",
                "system": urls.system(),
                "name": name,
                "classification": kind,
                "organization": urls.body_list(source_id, "organization"),
                "person": urls.body_list(source_id, "person"),
                "meeting": urls.body_list(source_id, "meeting"),
                "paper": urls.body_list(source_id, "paper"),
                "agendaItem": urls.body_list(source_id, "agendaItem"),
                "consultation": urls.body_list(source_id, "consultation"),
                "file": urls.body_list(source_id, "file"),
                "legislativeTerm": [],
            }
        )
        tree.add(body)
        bodies.append(body)
    tree.add_list(urls.bodies, bodies)
    tree.add(
        {
            "id": urls.system(),
            "type": OPARL + "System",
            "oparlVersion": OPARL,
            "name": "minutes: the decisions of Päijät-Häme",
            "body": urls.bodies(),
            "product": PRODUCT,
        }
    )


def _write_source(
    con: duckdb.DuckDBPyConnection,
    tree: _Tree,
    source_id: str,
    sha1: _Sha1,
    papers_of_matter: dict[str, set[str]],
) -> None:
    """One source's organizations, meetings, agenda items, consultations, papers and files, and its lists."""
    urls = tree.urls
    meetings = con.execute(MEETINGS_SQL, {"source": source_id}).fetchall()
    result = con.execute(HANDLINGS_SQL, {"source": source_id})
    columns = [d[0] for d in result.description]
    handlings = [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
    by_meeting: dict[str, list[dict]] = defaultdict(list)
    by_paper: dict[str, list[dict]] = defaultdict(list)
    for h in handlings:
        by_meeting[h["meeting_id"]].append(h)
        by_paper[h["matter_id"]].append(h)
    organizations: dict[str, dict] = {}
    for meeting_id, _source, body, _date, _type, _url in meetings:
        if body:
            organizations.setdefault(organization_key(source_id, body), {"body": body, "meetings": []})
            organizations[organization_key(source_id, body)]["meetings"].append(urls.meeting(meeting_id))
    for h in handlings:
        if h["body"]:
            organizations.setdefault(
                organization_key(source_id, h["body"]), {"body": h["body"], "meetings": []}
            )

    files = _merged_files(urls, handlings, sha1)
    agenda_items = {h["item_id"]: _agenda_item(urls, h, files[h["item_id"]], by_meeting) for h in handlings}
    consultations = {h["item_id"]: _consultation(urls, h) for h in handlings}
    lists: dict[str, list[dict]] = defaultdict(list)

    for key, org in sorted(organizations.items()):
        obj = {
            "id": urls.organization(key),
            "type": OPARL + "Organization",
            "body": urls.body(source_id),
            "name": org["body"],
            "meeting": urls.organization_meetings(key),
        }
        tree.add(obj)
        lists["organization"].append(obj)
    meeting_objects = {}
    for meeting_id, _source, body, meeting_date, document_type, url in meetings:
        own = sorted(by_meeting.get(meeting_id, []), key=_agenda_order)
        obj = compact(
            {
                "id": urls.meeting(meeting_id),
                "type": OPARL + "Meeting",
                "name": f"{body or 'Meeting'} {finnish_date(meeting_date)}",
                "meetingState": MEETING_STATES.get(document_type),
                "organization": [urls.organization(organization_key(source_id, body))] if body else None,
                "agendaItem": [agenda_items[h["item_id"]] for h in own] or None,
                "web": url,
                "created": instant(min((h["first_seen"] for h in own if h["first_seen"]), default=None)),
                "modified": instant(
                    max((h["page_fetched_at"] for h in own if h["page_fetched_at"]), default=None)
                ),
            }
        )
        tree.add(obj)
        meeting_objects[obj["id"]] = obj
        lists["meeting"].append(obj)
    for key, org in sorted(organizations.items()):
        own_meetings = [meeting_objects[url] for url in sorted(set(org["meetings"]))]
        tree.add_list(lambda page, k=key: urls.organization_meetings(k, page), own_meetings)
    for h in handlings:
        tree.add(agenda_items[h["item_id"]])
        tree.add(consultations[h["item_id"]])
        lists["agendaItem"].append(agenda_items[h["item_id"]])
        lists["consultation"].append(consultations[h["item_id"]])
        for file in files[h["item_id"]]:
            tree.add(file)
            lists["file"].append(file)
    for matter_id, own in sorted(by_paper.items()):
        obj = _paper(
            urls, source_id, matter_id, sorted(own, key=_date_order), consultations, files, papers_of_matter
        )
        tree.add(obj)
        lists["paper"].append(obj)
    for kind in ("organization", "person", "meeting", "paper", "agendaItem", "consultation", "file"):
        tree.add_list(lambda page, k=kind: urls.body_list(source_id, k, page), _unique_by_id(lists[kind]))


def _agenda_order(h: dict) -> tuple:
    return (h["agenda_position"] is None, h["agenda_position"] or 0, h["section"] or 0, h["item_id"])


def _date_order(h: dict) -> tuple:
    return (h["meeting_date"] or date.max, h["item_id"])


def _unique_by_id(objects: Iterable[dict]) -> list[dict]:
    return sorted({obj["id"]: obj for obj in objects}.values(), key=lambda obj: obj["id"])


class _Tree:
    """Writes the tree's files as they are made into a directory beside ``directory``; ``commit`` swaps
    it in whole, so a reader sees the old tree or the new one, and files of objects that are gone do not
    linger. ``abandon`` removes what is left of a build that did not commit."""

    def __init__(self, directory: Path, urls: Urls, page_size: int) -> None:
        self.directory = Path(directory)
        self.urls = urls
        self.page_size = page_size
        parent = self.directory.resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        self.building = parent / f".{self.directory.name}.{os.getpid()}.building"
        shutil.rmtree(self.building, ignore_errors=True)
        self.written: set[Path] = set()
        self.counts: dict[str, int] = defaultdict(int)

    def _write(self, url: str, obj: dict, kind: str) -> None:
        path = self.urls.path(url)
        if path in self.written:  # one file shown by two handlings of one page: written once
            return
        target = self.building / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        self.written.add(path)
        self.counts[kind] += 1

    def add(self, obj: dict) -> None:
        self._write(obj["id"], obj, obj["type"].removeprefix(OPARL))

    def add_list(self, page_url, members: list[dict]) -> None:
        """An external object list: its objects in pages of ``page_size``, each page linking to the first,
        previous, next and last (an empty list is one empty page)."""
        total_pages = max(1, -(-len(members) // self.page_size))
        for page in range(1, total_pages + 1):
            links = compact(
                {
                    "first": page_url(1),
                    "prev": page_url(page - 1) if page > 1 else None,
                    "self": page_url(page),
                    "next": page_url(page + 1) if page < total_pages else None,
                    "last": page_url(total_pages),
                }
            )
            listing = {
                "data": members[(page - 1) * self.page_size : page * self.page_size],
                "pagination": {
                    "totalElements": len(members),
                    "elementsPerPage": self.page_size,
                    "currentPage": page,
                    "totalPages": total_pages,
                },
                "links": links,
            }
            self._write(page_url(page), listing, "list page")

    def commit(self) -> None:
        old = self.building.with_name(self.building.name.replace(".building", ".old"))
        if self.directory.exists():
            os.replace(self.directory, old)
        os.replace(self.building, self.directory)
        shutil.rmtree(old, ignore_errors=True)

    def abandon(self) -> None:
        shutil.rmtree(self.building, ignore_errors=True)


class _Sha1:
    """SHA-1 of a blob of the raw archive, where the archive is at hand; None otherwise."""

    def __init__(self, archive_dir: Path | str | None) -> None:
        self.archive = Archive(archive_dir) if archive_dir is not None else None
        self.known: dict[str, str | None] = {}

    def __call__(self, sha256: str | None) -> str | None:
        if not sha256 or self.archive is None:
            return None
        if sha256 not in self.known:
            path = self.archive.blob_path(sha256)
            self.known[sha256] = hashlib.sha1(path.read_bytes()).hexdigest() if path.is_file() else None
        return self.known[sha256]


def _merged_files(urls: Urls, handlings: list[dict], sha1: _Sha1) -> dict[str, list[dict]]:
    """Each handling's files. A page that prints two handlings (the board's and the council's) is one
    File naming both agenda items, so the file and every copy embedded in an agenda item agree."""
    by_id: dict[str, dict] = {}
    of_item: dict[str, list[str]] = {}
    for h in handlings:
        of_item[h["item_id"]] = []
        for file in _files(urls, h, sha1):
            known = by_id.setdefault(file["id"], file)
            for key in ("agendaItem", "meeting", "paper"):
                known[key] = sorted(set(known[key]) | set(file[key]))
            of_item[h["item_id"]].append(file["id"])
    return {item_id: [by_id[file_id] for file_id in ids] for item_id, ids in of_item.items()}


def _files(urls: Urls, h: dict, sha1: _Sha1) -> list[dict]:
    files = []
    if h["url"]:
        files.append(
            compact(
                {
                    "id": urls.file(h["page_document_id"] or f"{h['item_id']}-page"),
                    "type": OPARL + "File",
                    "name": f"{h['title'] or 'Handling'} (page)",
                    "mimeType": (h["page_content_type"] or "").split(";")[0].strip() or None,
                    "size": h["page_size"],
                    "sha1Checksum": sha1(h["page_sha256"]),
                    "text": h["text"],
                    "accessUrl": h["url"],
                    "agendaItem": [urls.agenda_item(h["item_id"])],
                    "meeting": [urls.meeting(h["meeting_id"])],
                    "paper": [urls.paper(h["source_id"], h["matter_id"])],
                    "modified": instant(h["page_fetched_at"]),
                }
            )
        )
    if h["pdf_url"]:
        files.append(
            compact(
                {
                    "id": urls.file(h["pdf_document_id"] or f"{h['item_id']}-pdf"),
                    "type": OPARL + "File",
                    "name": f"{h['title'] or 'Handling'} (PDF)",
                    "mimeType": (h["pdf_content_type"] or "").split(";")[0].strip() or None,
                    "size": h["pdf_size"],
                    "sha1Checksum": sha1(h["pdf_sha256"]),
                    "accessUrl": h["pdf_url"],
                    "agendaItem": [urls.agenda_item(h["item_id"])],
                    "meeting": [urls.meeting(h["meeting_id"])],
                    "paper": [urls.paper(h["source_id"], h["matter_id"])],
                }
            )
        )
    return files


def _agenda_item(urls: Urls, h: dict, files: list[dict], by_meeting: dict[str, list[dict]]) -> dict:
    own = sorted(by_meeting[h["meeting_id"]], key=_agenda_order)
    order = h["agenda_position"] if h["agenda_position"] is not None else own.index(h) + 1
    return compact(
        {
            "id": urls.agenda_item(h["item_id"]),
            "type": OPARL + "AgendaItem",
            "meeting": urls.meeting(h["meeting_id"]),
            "number": str(h["section"]) if h["section"] is not None else None,
            "order": order,
            "name": h["title"],
            "consultation": urls.consultation(h["item_id"]),
            "result": OUTCOMES.get(h["decision_outcome"], OUTCOMES["other"])[0]
            if h["decision_outcome"]
            else None,
            "resolutionText": h["decision"],
            "auxiliaryFile": files or None,
            "web": h["url"],
            "created": instant(h["first_seen"]),
            "modified": instant(h["page_fetched_at"]),
        }
    )


def _consultation(urls: Urls, h: dict) -> dict:
    role = ROLES.get(h["decision_outcome"], "decision")
    return compact(
        {
            "id": urls.consultation(h["item_id"]),
            "type": OPARL + "Consultation",
            "paper": urls.paper(h["source_id"], h["matter_id"]),
            "agendaItem": urls.agenda_item(h["item_id"]),
            "meeting": urls.meeting(h["meeting_id"]),
            "organization": [urls.organization(organization_key(h["source_id"], h["body"]))]
            if h["body"]
            else None,
            "authoritative": None if h["decision_outcome"] is None else role == "decision",
            "role": role,
            "created": instant(h["first_seen"]),
            "modified": instant(h["page_fetched_at"]),
        }
    )


def _paper(
    urls: Urls,
    source_id: str,
    matter_id: str,
    own: list[dict],
    consultations: dict[str, dict],
    files: dict[str, list[dict]],
    papers_of_matter: dict[str, set[str]],
) -> dict:
    paper_id = urls.paper(source_id, matter_id)
    first = own[0]
    related = sorted(papers_of_matter[matter_id] - {paper_id})
    return compact(
        {
            "id": paper_id,
            "type": OPARL + "Paper",
            "body": urls.body(source_id),
            "name": next((h["title"] for h in own if h["title"]), None),
            "reference": next((h["diary_number"] for h in own if h["diary_number"]), None),
            "date": day(first["meeting_date"]),
            "relatedPaper": related or None,
            "mainFile": files[first["item_id"]][0] if files[first["item_id"]] else None,
            "consultation": [consultations[h["item_id"]] for h in own],
            "created": instant(min((h["first_seen"] for h in own if h["first_seen"]), default=None)),
            "modified": instant(
                max((h["page_fetched_at"] for h in own if h["page_fetched_at"]), default=None)
            ),
            EXTENSION: matter_id,
        }
    )
