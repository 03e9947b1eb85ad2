"""Dynasty (Innofactor) sites: ``DREQUEST.PHP?page=…&id=…``, and the static exports ``kokous/…HTM``.

The walk is bodies (``meeting_handlers``; static ``TELIMET.HTM``) → a body's meetings (``meetings``;
``TELIN-<id>.HTM``) → one meeting (``meeting``; ``<meetingId>.HTM``, with its whole-meeting PDF
``kokous/<meetingId>.PDF``) → its items (``meetingitem``; ``<meetingId>-<n>.HTM``), each linking its
own PDF (``kokous/<meetingId>-<n>.PDF``). Every URL after the entry point is taken from the page's own
links and recognised by its form, so a base URL with a path prefix, either parameter order and either
publication (CGI or static) work alike.

Listings are read by structure (``crawlers.pages``): a meeting's date is wherever its row shows it (live
10.x sites put it in a cell of its own and write only "Pöytäkirja" in the link). A row that shows no
date is not dropped: the meeting page's heading ("Tekninen lautakunta Esityslista 23.09.2026 klo …")
gives it, and failing that each item page does. Meetings older than ``since`` are not opened further.

Dynasty servers keep a session and have been seen answering with another page than the one asked for.
Each meeting and item page names its own id in its PDF link (``kokous/<id>.PDF``); a page whose PDF
link names another id is archived as a failed fetch, not as a version, and asked for again.
"""

from __future__ import annotations

import re
from datetime import date
from typing import ClassVar
from urllib.parse import urlencode

from scrapy import Selector
from scrapy.http import Response, TextResponse

from core.dates import find_fi_date
from crawlers.pages import DOCUMENT_TYPE_WORDS, Entry, LinkRow, PageReading, link_rows, row_date, squashed
from crawlers.spiders.base import ArchivingSpider, spider_flag
from parsing.dynasty import PDF_ID, link_kind, page_id, pdf_id

#: "Pöytäkirja 08.05.2017" in a meeting heading, a listing label or an item header.
DOCUMENT_AND_DATE = re.compile(r"(?P<kind>Pöytäkirja|Esityslista)\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{4})", re.I)
#: An item page's own header: "Pöytäkirja 26.04.2021/Pykälä 14", "Pöytäkirja 08.05.2017 Pykälä 127".
ITEM_HEADER = re.compile(
    r"(?:Pöytäkirja|Esityslista)\s+\d{1,2}\.\d{1,2}\.\d{4}\s*/?\s*(?:Pykälä|Asianro)\s+\d+", re.I
)
SECTION_CELL = re.compile(r"^§?\s*(\d{1,4})\s*§?$")
FEED_TITLE = re.compile(r"^(?P<body>.+?)\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{4})\s*(?:/\s*(?P<title>.+))?$")
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
MIXUP_RETRIES = 3
VISIBLE_TEXT = "//body//text()[not(ancestor::script) and not(ancestor::style)]"


def entry_url(base_url: str) -> str:
    return f"{base_url}?{urlencode({'page': 'meeting_handlers', 'id': ''})}"


def own_pdf_id(response: Response) -> str | None:
    """The id a meeting or item page names in its own PDF link (the first ``kokous/<id>.PDF``)."""
    for href in response.css("a[href]::attr(href)").getall():
        found = pdf_id(href)
        if found and found.count("-") <= 1:  # not an attachment's (<meetingId>-<n>-<k>.PDF)
            return found
    return None


def page_kind(url: str, page: TextResponse) -> str:
    """The kind of a Dynasty page: by its URL where that says, else by what the page holds (a saved
    file has no URL to go by)."""
    if page.body.lstrip()[:100].lower().startswith((b"<?xml", b"<rss")):
        return "feed"
    by_url = link_kind(url)
    if by_url in ("bodies", "meetings", "meeting", "item", "feed"):
        return by_url
    text = squashed(" ".join(page.xpath(VISIBLE_TEXT).getall()))
    # An item page: its header, its content block (live 10.x pages mark it with a class, older ones
    # with comments), or a link to its own item PDF (``<meetingId>-<n>.PDF``).
    item_pdf = any(
        PDF_ID.search(h) and "-" in PDF_ID.search(h)["id"] for h in page.css("a::attr(href)").getall()
    )
    if (
        ITEM_HEADER.search(text)
        or page.css(".meetingitem")
        or (item_pdf and not page.css("a[href*=meetingitem]"))
    ):
        return "item"
    counts = {kind: 0 for kind in ("meetings", "meeting", "item")}
    for href in page.css("a[href]::attr(href)").getall():
        kind = link_kind(page.urljoin(href))
        if kind in counts:
            counts[kind] += 1
    if counts["item"] >= 2:
        return "meeting"
    if counts["meetings"] >= 2:
        return "bodies"
    return "meetings" if counts["meeting"] else "unknown"


def heading_of(page: TextResponse) -> tuple[str | None, str | None, date | None]:
    """(body, minutes | agenda, date) from a meeting or item page's heading, where the body stands
    before "Pöytäkirja/Esityslista <date>" on the same line or on the line above it."""
    lines = [squashed(t) for t in page.xpath(VISIBLE_TEXT).getall()]
    lines = [line for line in lines if line]
    for index, line in enumerate(lines):
        if (found := DOCUMENT_AND_DATE.search(line)) is None:
            continue
        when = find_fi_date(found["date"])
        if when is None:
            continue
        body = line[: found.start()].strip(" -–|") or (lines[index - 1] if index else "")
        kind = DOCUMENT_TYPE_WORDS[found["kind"].lower()]
        return (body or None), kind, when
    return None, None, None


def numbers_are_sections(page: TextResponse) -> bool:
    """Whether a meeting page's item table numbers its rows by § ("Pykälä", static exports) rather
    than by agenda position ("Asianro", live 10.x pages, agendas and minutes alike): by the table's
    column heading, and never guessed when there is none."""
    headings = {squashed(t).strip(" :").lower() for t in page.xpath("//th//text()|//td//text()").getall()}
    return bool(headings & {"pykälä", "§"}) and "asianro" not in headings


def _section(row: LinkRow, document_type: str | None, by_section: bool) -> int | None:
    """The § a minutes listing prints in a cell of its own, where its column is the §."""
    if document_type != "minutes" or not by_section:
        return None
    for cell in row.cells:
        if found := SECTION_CELL.match(cell):
            return int(found[1])
    return None


def _bodies(page: TextResponse) -> list[Entry]:
    return [
        Entry("body", row.url, body=row.text or None)
        for row in link_rows(page, lambda url: link_kind(url) == "meetings")
        if row.text
    ]


def _meetings(page: TextResponse, body: str | None) -> list[Entry]:
    entries = []
    for row in link_rows(page, lambda url: link_kind(url) == "meeting"):
        found = DOCUMENT_AND_DATE.search(row.row)
        words = [w for w, _ in DOCUMENT_TYPE_WORDS.items() if w in row.row.lower()]
        kind = DOCUMENT_TYPE_WORDS[words[0]] if len(words) == 1 else None
        when = find_fi_date(found["date"]) if found else row_date(row)
        entries.append(Entry("meeting", row.url, body=body, meeting_date=when, document_type=kind))
    return entries


def _meeting(page: TextResponse, context: dict) -> PageReading:
    body, kind, when = heading_of(page)
    body = body or context.get("body")
    kind = kind or context.get("document_type")
    when = when or (date.fromisoformat(context["meeting_date"]) if context.get("meeting_date") else None)
    own = page_id(page.url)
    by_section = numbers_are_sections(page)
    entries = [
        Entry("document", url, body=body, meeting_date=when, document_type=kind)
        for url in _pdf_links(page)
        if own is None or pdf_id(url) == own
    ][:1]
    for row in link_rows(page, lambda url: link_kind(url) == "item"):
        entries.append(
            Entry(
                "item",
                row.url,
                body=body,
                meeting_date=when,
                document_type=kind,
                section=_section(row, kind, by_section),
                title=row.text or None,
            )
        )
    return PageReading("meeting", entries, body=body, meeting_date=when, document_type=kind)


def _pdf_links(page: TextResponse) -> list[str]:
    return [
        url
        for url in (page.urljoin(h) for h in page.css("a[href]::attr(href)").getall())
        if link_kind(url) == "pdf"
    ]


def _item(page: TextResponse) -> PageReading:
    """An item page links its own PDF (``<meetingId>-<n>.PDF``) and its attachments'
    (``<meetingId>-<n>-<k>.PDF``): the spider follows only the first."""
    own = page_id(page.url)
    ids = {url: pdf_id(url) for url in _pdf_links(page)}
    pdfs = [url for url, pdf_id in ids.items() if (pdf_id == own if own else pdf_id.count("-") == 1)]
    return PageReading("item", [Entry("document", url) for url in pdfs[:1]])


def feed_entries(page: TextResponse) -> list[Entry]:
    """The entries of a Dynasty feed (``rss/meetings`` or ``rss/meetingitems``), an RSS document in
    ISO-8859-1 whose titles ("Kunnanhallitus 10.03.2025", "… / Asian otsikko") sit in CDATA. The
    meetings feed's description names the document ("Pöytäkirja"); an items feed's description only
    repeats the title, so its entries' type stays unknown until the meeting page says."""
    feed = Selector(text=XML_DECLARATION.sub("", page.text, count=1), type="xml")
    entries = []
    for entry in feed.xpath("//item"):
        title = FEED_TITLE.match(squashed(entry.xpath("title/text()").get()))
        link = squashed(entry.xpath("link/text()").get())
        kind = link_kind(link) if link else None
        if not title or kind not in ("meeting", "item"):
            continue
        description = squashed(entry.xpath("description/text()").get()).lower()
        entries.append(
            Entry(
                kind,
                page.urljoin(link),
                body=title["body"],
                meeting_date=find_fi_date(title["date"]),
                document_type=DOCUMENT_TYPE_WORDS.get(description),
                title=title["title"],
            )
        )
    return entries


def read_page(page: TextResponse, context: dict | None = None) -> PageReading:
    """What one Dynasty page is and what it links, as the spider follows it. ``context`` is what the
    page above said of this one (a body's name, a meeting's date and type)."""
    context = context or {}
    kind = page_kind(page.url, page)
    if kind == "feed":
        return PageReading("feed", feed_entries(page))
    if kind == "bodies":
        return PageReading("bodies", _bodies(page))
    if kind == "meetings":
        return PageReading("meetings", _meetings(page, context.get("body")))
    if kind == "meeting":
        return _meeting(page, context)
    if kind == "item":
        return _item(page)
    return PageReading(
        "unknown", errors=["not a Dynasty page this project knows (bodies, meetings, meeting, item or feed)"]
    )


class DynastySpider(ArchivingSpider):
    """By default the whole-meeting PDF is archived once per meeting and an item's own PDF (the same
    text as its HTML page) only linked: ``item_pdfs=True`` archives those too, at one request per item."""

    name = "dynasty"
    platform = "dynasty"
    item_pdfs = False
    STAGES: ClassVar[dict[str, tuple[str, ...]]] = {
        "entry": ("meeting_handlers", "feed"),
        "bodies": ("meetings",),
        "meetings": ("meeting",),
        "items": ("meetingitem",),
    }

    #: How many of the newest meetings the feed is asked for (Dynasty answers up to about 1000).
    FEED_SIZE = 200

    def __init__(self, *args, use_feeds: bool | str = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.use_feeds = spider_flag(use_feeds)

    async def start(self):
        if self.use_feeds:
            feed = f"{self.source.base_url}?{urlencode({'page': 'rss/meetings', 'show': self.FEED_SIZE})}"
            yield self.fetch(feed, self.parse_feed, "feed", {}, errback=self.feed_failed)
        else:
            yield self.walk_from_entry()

    def feed_failed(self, failure):
        """A feed that fails costs nothing but its request: the full walk takes over."""
        self.record_failure(failure)
        self.logger.warning("%s: the feed failed, walking the site instead", failure.request.url)
        yield self.walk_from_entry()

    def parse_feed(self, response: Response):
        """The fast path: the meetings feed names the newest meetings with their body and date, so a
        daily run opens only those meeting pages instead of every body's meeting list. A feed that does
        not answer or names no meeting falls back to the full walk."""
        entries = [e for e in read_page(self.page(response)[0]).entries if e.kind == "meeting"]
        if not entries:
            self.logger.warning("%s: no meetings in the feed, walking the site instead", response.url)
            yield self.walk_from_entry()
            return
        for entry in entries:
            yield self.meeting_request(entry)

    def walk_from_entry(self):
        return self.fetch(entry_url(self.source.base_url), self.parse_bodies, "meeting_handlers", {})

    def meeting_request(self, entry: Entry):
        """The request for one meeting page, or None for a meeting the listing dates before ``since``
        (an undated one is opened: its heading tells)."""
        if entry.meeting_date is not None and entry.meeting_date < self.since:
            return None
        context = {
            "body": entry.body,
            "meeting_id": page_id(entry.url),
            "meeting_date": entry.meeting_date.isoformat() if entry.meeting_date else None,
            "document_type": entry.document_type,
        }
        return self.fetch(entry.url, self.parse_meeting, "meeting", context)

    def wrong_page(self, request, response: Response) -> str | None:
        """Why a response is not the page asked for (the session mix-up), or None."""
        kind = request.meta.get("kind")
        if kind not in ("meeting", "meetingitem") or response.status != 200:
            return None
        asked = page_id(request.url)
        got = own_pdf_id(response)
        if got is not None and asked and got != asked:
            return f"session mix-up: asked for {kind} {asked}, got the page of {got}"
        return None

    def _retry_mixup(self, response: Response):
        attempts = response.meta.get("mixup_attempts", 0) + 1
        self.count("session_mixups")
        if attempts > MIXUP_RETRIES:
            self.count("failures")
            return None
        retry = response.request.replace(dont_filter=True)
        retry.meta.pop("wrong_page", None)
        retry.meta["mixup_attempts"] = attempts
        return retry

    def parse_bodies(self, response: Response):
        page, _ = self.page(response)
        for entry in read_page(page).entries:
            if entry.kind == "body":
                yield self.fetch(entry.url, self.parse_meetings, "meetings", {"body": entry.body})

    def parse_meetings(self, response: Response):
        page, _ = self.page(response)
        reading = read_page(page, response.meta["context"])
        for entry in reading.entries:
            if entry.kind == "meeting":
                if entry.meeting_date is None:
                    self.count("meetings_undated_in_listing")
                yield self.meeting_request(entry)

    def parse_meeting(self, response: Response):
        if response.meta.get("wrong_page"):
            yield self._retry_mixup(response)
            return
        page, changed = self.page(response)
        reading = read_page(page, response.meta["context"])
        context = self.meeting_page_context(response, reading)
        if context is None:
            return
        for entry in reading.entries:
            if entry.kind == "document":
                yield self.fetch(
                    entry.url,
                    self.parse_document,
                    "meeting_pdf",
                    {**context, "meeting_pdf": True},
                    parent_changed=changed,
                    meeting_date=reading.meeting_date,
                )
            elif entry.kind == "item":
                item_context = {
                    **context,
                    "item_id": page_id(entry.url),
                    "listed_title": entry.title,
                    "section": entry.section,
                }
                yield self.fetch(
                    entry.url,
                    self.parse_item,
                    "meetingitem",
                    item_context,
                    parent_changed=changed,
                    meeting_date=reading.meeting_date,
                )

    def parse_item(self, response: Response):
        if response.meta.get("wrong_page"):
            yield self._retry_mixup(response)
            return
        page, changed = self.page(response)
        context = response.meta["context"]
        self.count("items")
        self.count("items_changed" if changed else "items_unchanged")
        if not self.item_pdfs:
            return
        meeting_date = date.fromisoformat(context["meeting_date"]) if context.get("meeting_date") else None
        for entry in read_page(page, context).entries:
            pdf_context = {"item_id": context.get("item_id"), "item_url": response.url}
            yield self.fetch(
                entry.url,
                self.parse_document,
                "item_pdf",
                pdf_context,
                parent_changed=changed,
                meeting_date=meeting_date,
            )

    def parse_document(self, response: Response):
        self.count("documents")
