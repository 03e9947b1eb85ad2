"""What every platform's spider shares: the archive, conditional requests, and failure records.

A spider asks for a document through ``fetch``. If the archive already holds it, the request carries
the stored ETag / Last-Modified, and a 304 answer is handed to the callback as the archived version
(``page``), so navigation goes on exactly as if the page had been downloaded. If the document sits
under a listing that did not change and was seen recently, ``fetch`` does not ask at all.
"""

from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, date, datetime
from typing import ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from twisted.python.failure import Failure

# ITEM_KINDS is the archive's; the pipeline imports it from here too.
from archive import ITEM_KINDS, Archive, Seen, document_key
from core.config import DEFAULT_REVALIDATE_HOURS, resolve_settings
from core.files import exclusive
from core.registry import Source, load_registry
from crawlers.pages import PageReading
from crawlers.revalidation import is_fresh
from crawlers.settings import source_settings
from parsing.html import page_encoding

#: In a probe (``minutes doctor``), how many documents of each kind are worth asking for.
PROBE_LIMITS = {
    "meeting": 3,
    "meetingitem": 1,
    "item_page": 1,
    "item_document": 1,
    "item_pdf": 0,
    "meeting_pdf": 0,
}


#: How Scrapy's robots.txt middleware words a refusal (``IgnoreRequest``), as archived.
ROBOTS_REFUSAL = "Forbidden by robots.txt"


def spider_flag(value: bool | str) -> bool:
    """A yes/no spider argument: a bool from ``minutes crawl``, a string from ``scrapy crawl -a``."""
    if isinstance(value, bool):
        return value
    return value.strip().lower() in ("1", "true", "yes", "on")


def is_robots_refusal(failure: Failure) -> bool:
    return failure.check(IgnoreRequest) is not None and ROBOTS_REFUSAL in failure.getErrorMessage()


def text_response(
    url: str, body: bytes, content_type: str | None, request: scrapy.Request | None = None
) -> TextResponse:
    """A response to read, decoded the way the parser decodes the same document
    (``parsing.html.page_encoding``: the header, the page's declaration, the bytes), so that what the
    spider follows and what the parser reads never disagree about a mislabelled page."""
    encoding, _ = page_encoding(body, content_type)
    cls = XmlResponse if body.lstrip()[:5].lower() == b"<?xml" else HtmlResponse
    return cls(url, body=body, encoding=encoding, request=request)


class ArchivingSpider(scrapy.Spider):
    platform = ""
    #: The manifest kinds of each stage of the walk, for ``minutes doctor``: the entry page, the pages
    #: that list a body's meetings, the meeting listings, and the items.
    STAGES: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: The ways to a site's items and the manifest kinds of each one's listings, for ``minutes doctor``
    #: (which answered, how far back each reaches). Empty: one way, the walk of ``STAGES``.
    DISCOVERY: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: In a probe, how many documents of each kind are worth asking for.
    PROBE_LIMITS: ClassVar[dict[str, int]] = PROBE_LIMITS

    def __init__(
        self,
        source: Source | str,
        since: date | str | None = None,
        archive_root: str | None = None,
        revalidate_hours: float | str = DEFAULT_REVALIDATE_HOURS,
        probe: bool | str = False,
        **kwargs,
    ):
        """``minutes crawl`` hands over a ``Source`` and every setting. ``scrapy crawl dynasty -a
        source=hollola`` hands over strings: the source is looked up in the registry and the rest comes
        from the same settings ``minutes`` resolves (``MINUTES_SOURCES``, ``MINUTES_DATA_DIR``,
        ``MINUTES_SINCE``, ``MINUTES_ARCHIVE``), and the crawl holds the source's crawl lock, as
        ``minutes crawl`` does."""
        self.held = ExitStack()  # the crawl lock, when this spider takes it itself
        self.started_by_scrapy = isinstance(source, str)
        if isinstance(source, str) or since is None or archive_root is None:
            source, since, archive_root = self._from_arguments(source, since, archive_root)
        since = date.fromisoformat(since) if isinstance(since, str) else since
        revalidate_hours = float(revalidate_hours)
        probe = spider_flag(probe)
        super().__init__(name=f"{self.platform}-{source.id}", **kwargs)
        self.source = source
        # Only the source's own host: a redirect to another host is refused (and recorded as a failure).
        self.allowed_domains = [urlsplit(source.base_url).hostname or ""]
        self.since = since
        self.archive = Archive(archive_root)
        self.known: dict[str, Seen] = self.archive.index(source.id)
        #: versions the last processing could not read: due again now, asked for in full
        self.unreadable = set(self.archive.unreadable(source.id))
        self.revalidate_hours = revalidate_hours
        self.started = datetime.now(UTC)
        self.probe = probe
        self.probed: dict[str, int] = {}
        self.listed: set[str] = set()
        self.requested: set[str] = set()  # document keys asked for in this crawl

    def _from_arguments(
        self, source: Source | str, since: date | str | None, archive_root: str | None
    ) -> tuple[Source, date | str, str]:
        settings = resolve_settings()
        if isinstance(source, str):
            by_id = {s.id: s for s in load_registry(settings.sources_file)}
            if source not in by_id:
                raise ValueError(f"no source {source!r} in the registry (one of: {', '.join(sorted(by_id))})")
            source = by_id[source]
            self.held.enter_context(exclusive(settings.data_dir / "locks" / f"crawl-{source.id}"))
        if source.platform != self.platform:
            raise ValueError(
                f"source {source.id!r} is on {source.platform}: "
                f"crawl it with `scrapy crawl {source.platform}`"
            )
        return (
            source,
            since if since is not None else settings.since,
            archive_root or str(settings.archive_location),
        )

    def closed(self, reason: str) -> None:
        """Scrapy calls this when the crawl ends: a run started by ``scrapy crawl`` stores its last
        manifest rows (object storage) and lets go of the source's crawl lock."""
        if self.started_by_scrapy:  # minutes crawl closes its archives and locks itself
            self.archive.close()
            self.held.close()

    def meeting_page_context(self, response: Response, reading: PageReading) -> dict | None:
        """What a meeting page's items inherit: the listing's context with the body, date and document
        type the page's own heading gives. None when that heading dates the meeting before the
        harvest's window (a listing that did not date it could not tell)."""
        if reading.meeting_date is not None and reading.meeting_date < self.since:
            return None
        return {
            **response.meta["context"],
            "body": reading.body,
            "meeting_date": reading.meeting_date.isoformat() if reading.meeting_date else None,
            "document_type": reading.document_type,
            "meeting_url": response.url,
        }

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # The spider is built before the crawler's settings freeze: each source brings its own politeness.
        crawler.settings.setdict(source_settings(spider.source), priority="spider")
        crawler.signals.connect(spider.refuse_offsite, signal=signals.request_scheduled)
        crawler.signals.connect(spider.record_dropped_redirect, signal=signals.request_dropped)
        return spider

    def refuse_offsite(self, request: scrapy.Request, spider: scrapy.Spider) -> None:
        """Scrapy drops a request to another host without a trace (a redirect off the source's site, or
        a link to one); the archive records the refusal under the address the crawl asked for."""
        host = urlsplit(request.url).hostname or ""
        # The offsite rule Scrapy applies: the source's host or a subdomain of it.
        if spider is self and not any(host == d or host.endswith("." + d) for d in self.allowed_domains):
            self._record_refused(request, f"redirect to another host refused: {request.url}")

    def record_dropped_redirect(self, request: scrapy.Request, spider: scrapy.Spider) -> None:
        """A redirect back to an address already asked for (a redirect loop) is dropped by the
        duplicate filter, again silently: recorded here."""
        if spider is self and request.meta.get("redirect_urls"):
            self._record_refused(request, f"redirect loop: {request.url} redirects back to itself")

    def _record_refused(self, request: scrapy.Request, reason: str) -> None:
        self.count("failures")
        self.record_failed_request(
            request, reason, url=(request.meta.get("redirect_urls") or [request.url])[0]
        )

    def record_failed_request(
        self,
        request: scrapy.Request,
        error: str,
        *,
        url: str | None = None,
        kind: str | None = None,
        status: int | None = None,
    ) -> None:
        """Archive a failed fetch of ``request``: by default under its own URL and the kind it was asked
        as ("other" when none), with the attempt it was and what the listing said of the document."""
        self.archive.record_failure(
            source_id=self.source.id,
            url=request.url if url is None else url,
            kind=request.meta.get("kind", "other") if kind is None else kind,
            error=error,
            status=status,
            attempt=request.meta.get("retry_times", 0) + 1,
            context=request.meta.get("context", {}),
        )

    def fetch(
        self,
        url: str,
        callback,
        kind: str,
        context: dict,
        *,
        parent_changed: bool = True,
        meeting_date: date | None = None,
        form: dict[str, str] | None = None,
        errback=None,
    ) -> scrapy.Request | None:
        """A request for ``url``, conditional when the archive has it; None when not worth asking."""
        if self.probe:
            limit = self.PROBE_LIMITS.get(kind)
            if limit is not None and self.probed.get(kind, 0) >= limit:
                return None
            self.probed[kind] = self.probed.get(kind, 0) + 1
        body = "&".join(f"{k}={v}" for k, v in form.items()) if form else None
        context = {**context, "form": body} if body else context
        key = document_key(url, body)
        if kind in ITEM_KINDS and key not in self.listed:
            self.listed.add(key)
            self.count("items_listed")  # what the site shows, fetched or not: zero means it broke
        if key in self.requested:
            return None  # one document reached by two spellings of its URL (a feed's :443, the walk's)
        self.requested.add(key)
        seen = self.known.get(key)
        if seen is not None and seen.sha256 in self.unreadable:
            seen = None  # as if never fetched: not fresh, and no validator that would confirm the bad copy
            self.count("unreadable_asked_again")
        if not parent_changed and is_fresh(seen, meeting_date, self.started, self.revalidate_hours):
            self.crawler.stats.inc_value("minutes/skipped_fresh")
            return None
        headers = {}
        if seen is not None and body is None:
            if seen.etag:
                headers["If-None-Match"] = seen.etag
            if seen.last_modified:
                headers["If-Modified-Since"] = seen.last_modified
        return scrapy.Request(
            url,
            method="POST" if body else "GET",
            body=body,
            headers={**headers, **({"Content-Type": "application/x-www-form-urlencoded"} if body else {})},
            callback=callback,
            errback=errback or self.record_failure,
            dont_filter=body is not None,  # one URL, many forms: each window is its own document
            meta={
                "kind": kind,
                "context": context,
                "known_sha256": seen.sha256 if seen else None,
                "handle_httpstatus_list": [304],
            },
        )

    def page(self, response: Response) -> tuple[TextResponse, bool]:
        """The document to read, and whether it changed since the archive last had it. A 304 is
        answered from the archive, so callbacks read the same page either way."""
        known = response.meta.get("known_sha256")
        if response.status == 304 and known:
            return text_response(response.url, self.archive.read_blob(known), None, response.request), False
        # The archive middleware hashed this body when it stored it.
        changed = known is None or known != response.meta["archived_sha256"]
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        return text_response(response.url, response.body, content_type, response.request), changed

    def count(self, stat: str) -> None:
        self.crawler.stats.inc_value(f"minutes/{stat}")

    def record_failure(self, failure: Failure):
        """A request that got no usable response. Responses with an error status are archived as they
        came by the archive middleware; this records what never produced a response at all."""
        request = failure.request
        if is_robots_refusal(failure):
            # Obeyed, not failed: the site asks not to be fetched there. Counted apart, so that a
            # site whose robots.txt disallows everything reads as that, never as "site changed?".
            self.count("robots_refused")
            if request.meta.get("kind") in self.STAGES.get("entry", ()):
                self.count("robots_refused_entry")
        else:
            self.count("failures")
        if getattr(failure.value, "response", None) is not None:
            return  # already in the archive with its status
        self.record_failed_request(request, f"{failure.type.__name__}: {failure.getErrorMessage()}")
