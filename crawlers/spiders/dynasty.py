"""Dynasty (Innofactor) sites: ``DREQUEST.PHP?page=…&id=…``.

The walk is bodies (``meeting_handlers``) → a body's meetings (``meetings``) → one meeting
(``meeting``) → its items (``meetingitem``) and each item's PDF (``kokous/<meetingId>-<n>.PDF``).
Every URL after the entry point is taken from the page's own links, so a base URL with a path prefix
and either parameter order (``?page=meetingitem&id=…`` or ``?id=…&page=meetingitem``) work alike.
Meetings older than ``since`` are not opened.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from archive import Archive
from crawlers.settings import source_settings
from minutes.registry import Source

MEETING_LABEL = re.compile(r"(Pöytäkirja|Esityslista)\s+(\d{1,2})\.(\d{1,2})\.(\d{4})")
DOCUMENT_TYPES = {"Pöytäkirja": "minutes", "Esityslista": "agenda"}


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


class DynastySpider(scrapy.Spider):
    name = "dynasty"

    def __init__(self, source: Source, since: date, archive_root: str, **kwargs):
        super().__init__(name=f"dynasty-{source.id}", **kwargs)
        self.source = source
        self.since = since
        self.archive = Archive(archive_root)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # The spider is built before the crawler's settings freeze: each source brings its own politeness.
        crawler.settings.setdict(source_settings(spider.source), priority="spider")
        return spider

    async def start(self):
        yield self._request(entry_url(self.source.base_url), self.parse_bodies, "meeting_handlers", {})

    def _request(self, url: str, callback, kind: str, context: dict) -> scrapy.Request:
        return scrapy.Request(
            url, callback=callback, errback=self.record_failure, meta={"kind": kind, "context": context}
        )

    def _links(self, response: Response, page: str):
        for link in response.css("a[href]"):
            url = response.urljoin(link.attrib["href"])
            if dynasty_query(url).get("page") == page:
                yield url, " ".join(link.css("::text").getall()).strip()

    def parse_bodies(self, response: Response):
        for url, name in self._links(response, "meetings"):
            yield self._request(url, self.parse_meetings, "meetings", {"body": name})

    def parse_meetings(self, response: Response):
        body = response.meta["context"]["body"]
        for url, label in self._links(response, "meeting"):
            parsed = meeting_label(label)
            if parsed is None:
                self.logger.warning("%s: meeting link without a date: %r", response.url, label)
                continue
            document_type, meeting_date = parsed
            if meeting_date < self.since:
                continue
            context = {
                "body": body,
                "meeting_id": dynasty_query(url).get("id"),
                "meeting_date": meeting_date.isoformat(),
                "document_type": document_type,
            }
            yield self._request(url, self.parse_meeting, "meeting", context)

    def parse_meeting(self, response: Response):
        context = {**response.meta["context"], "meeting_url": response.url}
        pdf = next((a for a in response.css("a[href]") if a.attrib["href"].upper().endswith(".PDF")), None)
        if pdf is not None:
            context["meeting_pdf_url"] = response.urljoin(pdf.attrib["href"])
        for url, title in self._links(response, "meetingitem"):
            item_context = {**context, "item_id": dynasty_query(url).get("id"), "listed_title": title}
            yield self._request(url, self.parse_item, "meetingitem", item_context)

    def parse_item(self, response: Response):
        context = response.meta["context"]
        self.crawler.stats.inc_value("minutes/items")
        for link in response.css("a[href]"):
            href = link.attrib["href"]
            if href.upper().endswith(".PDF") and "PDF-muodossa" in " ".join(link.css("::text").getall()):
                pdf_context = {"item_id": context.get("item_id"), "item_url": response.url}
                yield self._request(response.urljoin(href), self.parse_document, "item_pdf", pdf_context)

    def parse_document(self, response: Response):
        self.crawler.stats.inc_value("minutes/documents")

    def record_failure(self, failure: Failure):
        """A request that got no usable response. Responses with an error status are archived as they
        came by the archive middleware; this records what never produced a response at all."""
        request = failure.request
        response = getattr(failure.value, "response", None)
        self.crawler.stats.inc_value("minutes/failures")
        if response is not None:
            return  # already in the archive with its status
        self.archive.record_failure(
            source_id=self.source.id,
            url=request.url,
            kind=request.meta.get("kind", "other"),
            error=f"{failure.type.__name__}: {failure.getErrorMessage()}",
            attempt=request.meta.get("retry_times", 0) + 1,
            context=request.meta.get("context", {}),
        )
