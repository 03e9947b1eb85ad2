"""Dynasty (Innofactor) sites: ``DREQUEST.PHP?page=…&id=…``.

The walk is bodies (``meeting_handlers``) → a body's meetings (``meetings``) → one meeting
(``meeting``, with its whole-meeting PDF ``kokous/<meetingId>.PDF``) → its items (``meetingitem``),
each linking its own PDF (``kokous/<meetingId>-<n>.PDF``). Every URL after the entry point is taken
from the page's own links, so a base URL with a path prefix and either parameter order
(``?page=meetingitem&id=…`` or ``?id=…&page=meetingitem``) work alike. Meetings older than
``since`` are not opened.

Dynasty servers keep a session and have been seen answering with another page than the one asked for.
Each meeting and item page names its own id in its PDF link (``kokous/<id>.PDF``); a page whose PDF
link names another id is archived as a failed fetch, not as a version, and asked for again.
"""

from __future__ import annotations

import re
from datetime import date
from typing import ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

from scrapy import Selector
from scrapy.http import Response

from crawlers.spiders.base import ArchivingSpider
from parsing.text import fi_date

MEETING_LABEL = re.compile(r"(Pöytäkirja|Esityslista)\s+(\d{1,2})\.(\d{1,2})\.(\d{4})")
DOCUMENT_TYPES = {"Pöytäkirja": "minutes", "Esityslista": "agenda"}
PDF_ID = re.compile(r"(?:^|/)(?P<id>\d+(?:-\d+)?)\.PDF$", re.I)
MIXUP_RETRIES = 3
XML_ENCODING_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def dynasty_query(url: str) -> dict[str, str]:
    """The page and id of a DREQUEST.PHP URL, whatever the parameter order."""
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def entry_url(base_url: str) -> str:
    return f"{base_url}?{urlencode({'page': 'meeting_handlers', 'id': ''})}"


def meeting_label(text: str) -> tuple[str, date] | None:
    """("minutes" | "agenda", date) from a listing label such as "Pöytäkirja 10.03.2025"."""
    match = MEETING_LABEL.search(text)
    if not match:
        return None
    kind, day, month, year = match.groups()
    return DOCUMENT_TYPES[kind], date(int(year), int(month), int(day))


FEED_TITLE = re.compile(r"^(?P<body>.+?)\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{4})\s*$")
XML_ENCODING = re.compile(rb"<\?xml[^>]*encoding=[\"']([\w.-]+)")


def feed_meetings(response: Response):
    """(meeting URL, body, "minutes" | "agenda", date) of each entry of a Dynasty meetings feed, an RSS
    document in ISO-8859-1 whose titles ("Kunnanhallitus 10.03.2025") sit in CDATA."""
    declared = XML_ENCODING.search(response.body[:200])
    text = response.body.decode(declared[1].decode() if declared else "utf-8", errors="replace")
    feed = Selector(text=XML_ENCODING_DECLARATION.sub("", text, count=1), type="xml")
    for entry in feed.xpath("//item"):
        title = FEED_TITLE.match((entry.xpath("title/text()").get() or "").strip())
        link = (entry.xpath("link/text()").get() or "").strip()
        kind = DOCUMENT_TYPES.get((entry.xpath("description/text()").get() or "").strip())
        if title and link and dynasty_query(link).get("page") == "meeting":
            yield response.urljoin(link), title["body"], kind or "minutes", fi_date(title["date"])


def own_pdf_id(response: Response) -> str | None:
    """The id a meeting or item page names in its own PDF link (the first ``kokous/<id>.PDF``)."""
    for href in response.css("a[href]::attr(href)").getall():
        match = PDF_ID.search(href)
        if match:
            return match["id"]
    return None


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

    def __init__(self, *args, use_feeds: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.use_feeds = use_feeds

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
        entries = list(feed_meetings(self.page(response)[0]))
        if not entries:
            self.logger.warning("%s: no meetings in the feed, walking the site instead", response.url)
            yield self.walk_from_entry()
            return
        for url, body, document_type, meeting_date in entries:
            yield self.meeting_request(url, body, document_type, meeting_date)

    def walk_from_entry(self):
        return self.fetch(entry_url(self.source.base_url), self.parse_bodies, "meeting_handlers", {})

    def meeting_request(self, url: str, body: str, document_type: str, meeting_date: date):
        """The request for one meeting page, or None for a meeting before ``since``."""
        if meeting_date < self.since:
            return None
        context = {
            "body": body,
            "meeting_id": dynasty_query(url).get("id"),
            "meeting_date": meeting_date.isoformat(),
            "document_type": document_type,
        }
        return self.fetch(url, self.parse_meeting, "meeting", context)

    def wrong_page(self, request, response: Response) -> str | None:
        """Why a response is not the page asked for (the session mix-up), or None."""
        kind = request.meta.get("kind")
        if kind not in ("meeting", "meetingitem") or response.status != 200:
            return None
        asked = dynasty_query(request.url).get("id")
        got = own_pdf_id(response)
        if got is not None and asked and got != asked:
            return f"session mix-up: asked for {kind} {asked}, got the page of {got}"
        return None

    def _links(self, response: Response, page: str):
        for link in response.css("a[href]"):
            url = response.urljoin(link.attrib["href"])
            if dynasty_query(url).get("page") == page:
                yield url, " ".join(link.css("::text").getall()).strip()

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
        for url, name in self._links(page, "meetings"):
            yield self.fetch(url, self.parse_meetings, "meetings", {"body": name})

    def parse_meetings(self, response: Response):
        page, _ = self.page(response)
        body = response.meta["context"]["body"]
        for url, label in self._links(page, "meeting"):
            parsed = meeting_label(label)
            if parsed is None:
                self.logger.warning("%s: meeting link without a date: %r", response.url, label)
                continue
            document_type, meeting_date = parsed
            yield self.meeting_request(url, body, document_type, meeting_date)

    def parse_meeting(self, response: Response):
        if response.meta.get("wrong_page"):
            yield self._retry_mixup(response)
            return
        page, changed = self.page(response)
        context = {**response.meta["context"], "meeting_url": response.url}
        meeting_date = date.fromisoformat(context["meeting_date"])
        for link in page.css("a[href]"):
            href = link.attrib["href"]
            if PDF_ID.search(href):
                pdf_context = {**context, "meeting_pdf": True}
                yield self.fetch(
                    page.urljoin(href),
                    self.parse_document,
                    "meeting_pdf",
                    pdf_context,
                    parent_changed=changed,
                    meeting_date=meeting_date,
                )
                break
        for url, title in self._links(page, "meetingitem"):
            item_context = {**context, "item_id": dynasty_query(url).get("id"), "listed_title": title}
            yield self.fetch(
                url,
                self.parse_item,
                "meetingitem",
                item_context,
                parent_changed=changed,
                meeting_date=meeting_date,
            )

    def parse_item(self, response: Response):
        if response.meta.get("wrong_page"):
            yield self._retry_mixup(response)
            return
        page, changed = self.page(response)
        context = response.meta["context"]
        self.count("items")
        self.count("items_changed" if changed else "items_unchanged")
        if self.item_pdfs:
            for link in page.css("a[href]"):
                href = link.attrib["href"]
                if PDF_ID.search(href) and "PDF-muodossa" in " ".join(link.css("::text").getall()):
                    pdf_context = {"item_id": context.get("item_id"), "item_url": response.url}
                    yield self.fetch(
                        page.urljoin(href),
                        self.parse_document,
                        "item_pdf",
                        pdf_context,
                        parent_changed=changed,
                        meeting_date=date.fromisoformat(context["meeting_date"]),
                    )

    def parse_document(self, response: Response):
        self.count("documents")
