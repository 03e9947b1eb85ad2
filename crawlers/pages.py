"""What a page of a platform says, in one shape for every platform: its kind and the entries it lists.

A spider's callbacks and ``minutes parse`` read pages through the same platform function
(``read_page`` in each spider module), so what a person sees when debugging one saved page is exactly
what the crawl follows. An entry carries what the listing shows of the document it links (body, date,
document type, §, title), each None where the listing does not show it: the spider then takes it from
the next page down (the meeting page's heading, the item page itself), never from a guess.

Listings are read by structure, not by one markup: a link's *row* is the largest element around it
that holds no other link of the same kind, whatever that element is (``tr``, ``li``, ``div``), so a date
in its own cell, in the link text or in a neighbouring span is found alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from scrapy import Selector
from scrapy.http import TextResponse

from core.dates import find_fi_date

PAGE_KINDS = ("bodies", "meetings", "meeting", "item", "feed", "document", "unknown")
ENTRY_KINDS = ("body", "meeting", "item", "document")
DOCUMENT_TYPE_WORDS = {"pöytäkirja": "minutes", "esityslista": "agenda"}


@dataclass(frozen=True)
class Entry:
    """One document a page links, with what the page shows of it."""

    kind: str  # body | meeting | item | document
    url: str
    body: str | None = None
    meeting_date: date | None = None
    document_type: str | None = None  # minutes | agenda
    section: int | None = None
    title: str | None = None
    #: for a POST (TWeb's meeting lists), the form fields sent; None for a GET
    form: dict[str, str] | None = None

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "url": self.url,
            "body": self.body,
            "meeting_date": self.meeting_date.isoformat() if self.meeting_date else None,
            "document_type": self.document_type,
            "section": self.section,
            "title": self.title,
            **({"form": self.form} if self.form else {}),
        }


@dataclass
class PageReading:
    """A page's kind, the entries a spider would follow, and what on it could not be read."""

    kind: str
    entries: list[Entry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: what the page says of itself where that matters to the walk (a meeting's heading: body, date,
    #: document type)
    body: str | None = None
    meeting_date: date | None = None
    document_type: str | None = None


@dataclass(frozen=True)
class LinkRow:
    url: str  # absolute, as the page writes it
    text: str  # the link's own text, whitespace collapsed
    row: str  # the text of its row, cells separated by " | "
    cells: list[str]  # the row's cells (or its blocks), in order, whitespace collapsed


def squashed(text: str | None) -> str:
    return " ".join((text or "").split())


def text_of(node: Selector) -> str:
    return squashed(" ".join(node.xpath(".//text()").getall()))


def link_rows(page: TextResponse, wanted: Callable[[str], bool]) -> Iterator[LinkRow]:
    """Each link whose absolute URL ``wanted`` accepts, with the text of its row: the largest element
    around the link that holds no other wanted link. Links to one URL are read once (a title link and
    an icon link to the same meeting are one entry), with the row of the first."""
    links = [(a, page.urljoin(a.attrib["href"])) for a in page.css("a[href]")]
    chosen = [(a, url) for a, url in links if wanted(url)]
    wanted_urls = {url for _, url in chosen}
    seen: set[str] = set()
    for anchor, url in chosen:
        if url in seen:
            continue
        seen.add(url)
        row = anchor
        for ancestor in reversed(anchor.xpath("ancestor::*")):
            if ancestor.root.tag in ("body", "html", "table", "tbody", "thead", "ul", "ol"):
                break
            others = {page.urljoin(h) for h in ancestor.xpath(".//a/@href").getall()} & wanted_urls
            if others - {url}:
                break
            row = ancestor
        cells = [text_of(cell) for cell in row.xpath("./td|./th")] or [text_of(row)]
        yield LinkRow(url, text_of(anchor), text_of(row), [c for c in cells if c])


def row_date(row: LinkRow) -> date | None:
    """The meeting date a listing row shows: in a cell of its own, in the link text, anywhere in it."""
    return find_fi_date(row.row)


def row_document_type(row: LinkRow) -> str | None:
    """Minutes or agenda, by the words "Pöytäkirja" / "Esityslista" in the row."""
    lowered = row.row.lower()
    found = [kind for word, kind in DOCUMENT_TYPE_WORDS.items() if word in lowered]
    return found[0] if len(found) == 1 else None
