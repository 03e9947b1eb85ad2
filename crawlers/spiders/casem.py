"""CaseM (CloudNC) sites: ``<slug>.cloudnc.fi/fi-FI``, and their open API ``/api/opennc/v1/``.

Three ways lead to a site's items, and the spider takes each where it answers:

* **the open API** (``crawlers.opennc``): Nodes → the "Toimielimet" node → bodies → their meeting
  containers → meetings "Kokous d.m.yyyy" → each meeting's contents → each item's
  ``ExtendedProperties``. Every meeting is listed with its date, so nothing older than ``since`` is
  opened. Whether today's sites still answer is not known: one request tells.
* **the pages' own links**: ``/fi-FI/Toimielimet`` (bodies and the newest items), each body's page (its
  latest items), and from every item page the meeting in its breadcrumb ("Body > Kokous d.m.yyyy >
  title"), whose page lists all of that meeting's items.
* **the search** ``/fi-FI/haku?n=23&d=1&s=<word>&o=Rank&page=<n>`` (the GET address the site's own
  ASP.NET search box redirects to), for what the first two do not reach: the pages list only the
  newest items. Results are ranked by relevance and carry a title only, so no date can end the walk:
  each word's pages are followed until they run out, and each result's date comes from its item page.
  Words (a few that nearly every item holds, then the bodies' names) are searched one after another
  until one lists only items the crawl already has. A result the archive already holds is dated by
  its archived page, so a later crawl neither asks for one older than ``since`` nor revalidates an
  old one as often as a new one.

An item's key is its content id: the number in parentheses of ``…/<title slug>(<id>)``, the first number
of ``/fi-FI/content/<id>/<node>`` (search results link that form) and the API's ``Contents(<id>)``. The
site reaches one item by several addresses; the key asks for it once. The ways run in turn, each when
nothing is in flight (Scrapy's idle signal): item pages the listings show wait until the API has
answered, so an item the API delivered is not asked for again as a page; the search waits until those
pages and their breadcrumbs' meetings are read, and runs only where the API did not answer, failed on
a meeting or an item, or lacks an item the pages list.

Dates come from the page text ("Kokous 16.3.2026"): the ``Kokous_<d><m><yyyy>`` token in a URL has no
zero padding and ``Kokous_1112022`` may be 1.11. or 11.1.; only its year is certain, and a year before
``since`` is enough to leave an item unopened.
"""

from __future__ import annotations

import re
from datetime import date
from typing import ClassVar
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse
from selectolax.lexbor import LexborHTMLParser

from archive import document_key
from core.dates import find_fi_date
from crawlers import opennc
from crawlers.pages import Entry, LinkRow, PageReading, link_rows
from crawlers.spiders.base import ArchivingSpider, text_response
from parsing.casem import (
    HEADER,
    MEETING_LABEL,
    SECTION_TITLE,
    main_region,
    meeting_in_breadcrumb,
    page_heading,
    parse_casem_page,
)
from parsing.html import html_lines
from parsing.opennc import answer_of

LANGUAGE = r"/[a-z]{2}-[a-z]{2}"
ITEM_PATH = re.compile(
    LANGUAGE + r"/(?:Toimielimet/[^/]+/Kokous_\d+/[^/]*\((?P<id>\d+)\)|content/(?P<cid>\d+)(?:/\d+)?)/?$",
    re.I,
)
MEETING_PATH = re.compile(LANGUAGE + r"/Toimielimet/[^/]+/Kokous_(?P<token>\d+)/?$", re.I)
BODY_PATH = re.compile(LANGUAGE + r"/Toimielimet/[^/]+/?$", re.I)
BODIES_PATH = re.compile(LANGUAGE + r"/Toimielimet/?$", re.I)
SEARCH_PATH = re.compile(LANGUAGE + r"/haku/?$", re.I)
#: A meeting as listings print it, "Kokous 16.3.2026": the only date in a row that is the meeting's (a
#: title can hold dates of its own, "Talousarvion toteutuminen 1.1.–31.8.2026").
MEETING_IN_ROW = re.compile(r"\bKokous\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{4})", re.I)
PAGE_KIND_OF_LINK = {"bodies": "bodies", "body": "meetings", "meeting": "meeting", "item": "item"}


def casem_item_key(url: str) -> str | None:
    """The content id an item URL names, in any of its forms, or None for another URL."""
    if (api_id := opennc.content_id(url)) is not None:
        return str(api_id)
    match = ITEM_PATH.search(unquote(urlsplit(url).path))
    return (match["id"] or match["cid"]) if match else None


def link_kind(url: str) -> str | None:
    """What a CaseM URL points at: ``item``, ``meeting``, ``body``, ``bodies`` or ``search``."""
    path = unquote(urlsplit(url).path)
    for kind, pattern in (
        ("item", ITEM_PATH),
        ("meeting", MEETING_PATH),
        ("body", BODY_PATH),
        ("bodies", BODIES_PATH),
        ("search", SEARCH_PATH),
    ):
        if pattern.search(path):
            return kind
    return None


def url_year(url: str) -> int | None:
    """The year of the ``Kokous_<d><m><yyyy>`` token in an item or meeting URL (its last four digits:
    the only part of the token that is unambiguous)."""
    found = re.search(r"/Kokous_(\d{5,8})(?:/|$)", unquote(urlsplit(url).path), re.I)
    return int(found[1][-4:]) if found else None


def _row_meeting_date(row: LinkRow) -> date | None:
    found = MEETING_IN_ROW.search(row.row)
    return find_fi_date(found["date"]) if found else None


def _section_and_title(text: str) -> tuple[int | None, str | None]:
    found = SECTION_TITLE.match(text)
    if found:
        return int(found["section"]), found["title"].strip()
    return None, text or None


def _page_meeting(page: TextResponse, context: dict) -> tuple[str | None, date | None]:
    """The body and date a meeting or item page names: its breadcrumb, its header line ("Body,
    kokous d.m.yyyy") or a heading "Kokous d.m.yyyy", else what the listing above said."""
    tree = LexborHTMLParser(page.text)
    region = main_region(tree)
    heading = page_heading(region or tree)
    crumb = meeting_in_breadcrumb(tree, page.url, heading)
    known = date.fromisoformat(context["meeting_date"]) if context.get("meeting_date") else None
    if crumb:
        return crumb.body or context.get("body"), crumb.meeting_date
    for line in html_lines(region.html if region is not None else page.text):
        if found := HEADER.match(line):
            return found["body"].strip(), find_fi_date(found["date"])
    if heading and (found := MEETING_LABEL.match(heading)):
        return context.get("body"), find_fi_date(found["date"])
    return context.get("body"), known


def _items(page: TextResponse, body: str | None, meeting_date: date | None) -> list[Entry]:
    entries = []
    for row in link_rows(page, lambda url: link_kind(url) == "item"):
        section, title = _section_and_title(row.text)
        when = _row_meeting_date(row) or meeting_date
        entries.append(Entry("item", row.url, body=body, meeting_date=when, section=section, title=title))
    return entries


def _meetings(page: TextResponse, body: str | None) -> list[Entry]:
    return [
        Entry("meeting", row.url, body=body, meeting_date=_row_meeting_date(row), title=row.text or None)
        for row in link_rows(page, lambda url: link_kind(url) == "meeting")
    ]


def _bodies(page: TextResponse) -> list[Entry]:
    return [
        Entry("body", row.url, body=row.text)
        for row in link_rows(page, lambda url: link_kind(url) == "body")
        if row.text and not MEETING_IN_ROW.search(row.text)
    ]


def _content_kind(page: TextResponse) -> str:
    """The kind of a page whose address does not say (a saved file): by what its main region holds
    (a side menu of bodies is on every page of the live layout, so it says nothing)."""
    tree = _tree(page.text)
    region = main_region(tree)
    heading = page_heading(region or tree)
    lines = html_lines(region.html if region is not None else page.text)
    if (heading and SECTION_TITLE.match(heading)) or any(HEADER.match(line) for line in lines[:80]):
        return "item"
    hrefs = [a.attributes.get("href") or "" for a in (region or tree).css("a[href]")]
    kinds = [link_kind(page.urljoin(href)) for href in hrefs]
    if heading and MEETING_LABEL.match(heading) and "item" in kinds:
        return "meeting"
    if (heading or "").casefold() == "toimielimet" or kinds.count("body") >= 2:
        return "bodies"
    return "meetings" if "item" in kinds else "unknown"


def _tree(text: str) -> LexborHTMLParser:
    return LexborHTMLParser(text)


def _item_page(page: TextResponse) -> PageReading:
    """An item page: its meeting and body as its breadcrumb links them (the way to the meeting's other
    items), and what it says of itself."""
    item = parse_casem_page(page.text, page.url)
    own = item.own
    entries = []
    if own.meeting_date is not None:
        for row in link_rows(page, lambda url: link_kind(url) == "meeting"):
            label = MEETING_LABEL.match(row.text)
            if label and find_fi_date(label["date"]) == own.meeting_date:
                entries.append(
                    Entry("meeting", row.url, body=own.body_printed, meeting_date=own.meeting_date)
                )
                break
    if own.body_printed:
        for row in link_rows(page, lambda url: link_kind(url) == "body"):
            if row.text == own.body_printed:
                entries.append(Entry("body", row.url, body=own.body_printed))
                break
    return PageReading(
        "item",
        entries,
        body=own.body_printed,
        meeting_date=own.meeting_date,
        document_type=item.document_type,
    )


def read_page(page: TextResponse, context: dict | None = None) -> PageReading:
    """What one CaseM page or open-API answer is and what it links, as the spider follows it.
    ``context`` is what the page above said of this one (a body's name, a meeting's date, the level
    of an API node)."""
    context = context or {}
    if (answer := answer_of(page.text)) is not None:
        return opennc.read_answer(page, answer, context)
    if page.text.lstrip().startswith(("{", "[")):
        return PageReading("unknown", errors=["JSON that is no open-API answer"])
    by_url = link_kind(page.url)
    kind = "meetings" if by_url == "search" else PAGE_KIND_OF_LINK.get(by_url or "") or _content_kind(page)
    if kind == "item":
        return _item_page(page)
    if kind == "bodies":
        return PageReading("bodies", _bodies(page) + _items(page, None, None))
    if kind == "meeting":
        body, when = _page_meeting(page, context)
        return PageReading("meeting", _items(page, body, when), body=body, meeting_date=when)
    if kind == "meetings":
        body = context.get("body")
        if by_url == "body" or (by_url is None and not body):
            heading = page_heading(_tree(page.text))
            body = body or (heading if heading and not MEETING_LABEL.match(heading) else None)
        if by_url == "search":
            body = None  # a search spans the whole site
        return PageReading("meetings", _meetings(page, body) + _items(page, body, None), body=body)
    return PageReading(
        "unknown",
        errors=["not a CaseM page this project knows (bodies, body, meeting, item, search, open-API answer)"],
    )


class CaseMSpider(ArchivingSpider):
    name = "casem"
    platform = "casem"
    STAGES: ClassVar[dict[str, tuple[str, ...]]] = {
        "entry": ("bodies", "api_root"),
        "bodies": ("body", "api_nodes"),
        "meetings": ("body", "meeting_page", "search", "api_contents"),
        "items": ("item_page",),
    }
    DISCOVERY: ClassVar[dict[str, tuple[str, ...]]] = {
        "api": ("api_root", "api_nodes", "api_contents"),
        "listings": ("bodies", "body", "meeting_page"),
        "search": ("search",),
    }
    #: A probe opens a couple of meetings and search pages, and one item per way to the items
    #: (``item_request``), so that ``minutes doctor`` can tell how far back each way reaches.
    PROBE_LIMITS: ClassVar[dict[str, int]] = {
        **ArchivingSpider.PROBE_LIMITS,
        "api_contents": 2,
        "meeting_page": 2,
        "search": 2,
        "item_page": 3,
    }
    #: Words searched for besides every body's name: words nearly every item's text holds. On a live
    #: site the words decide what the search reaches; ``minutes doctor`` reports how far that is.
    SEARCH_WORDS: ClassVar[tuple[str, ...]] = ("ehdotus", "päätös")
    #: The ``n`` of the search address: the node searched under (23, the site's root, on the sites seen).
    SEARCH_NODE = 23
    #: Results a page on the real sites; a shorter page that links no next one is the last.
    SEARCH_PAGE_SIZE = 20
    #: A safety stop per word (20 results a page): 5,000 results.
    MAX_SEARCH_PAGES = 250

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.api_answered = False  # some open-API answer was read
        self.api_meetings = 0  # meetings the API listed
        self.api_failures = 0  # API requests for items or meetings that failed
        self.item_ids: set[str] = set()  # items asked for (or known fresh) in this crawl, by content id
        self.delivered: set[str] = set()  # items the crawl has a document of
        self.held = True  # item pages of the listings wait until the API has answered
        #: the walk's phase: discover (API and listings), structure (their items), search, done
        self.phase = "discover"
        self.missing: dict[str, tuple[Entry, dict, bool]] = {}  # listed items the API did not deliver
        self.pending: dict[str, tuple[Entry, dict, bool]] = {}
        self.body_names: list[str] = []
        self.probed_ways: set[str] = set()  # in a probe, the ways an item was asked through
        #: per item (its form, page or API answer, and its key), the address the archive holds it under
        self.archived_url: dict[tuple[bool, str], str] = {}
        for row in self.archive.rows(self.source.id):
            if row.kind == "item_page" and row.seen and (key := casem_item_key(row.url)):
                self.archived_url.setdefault((_is_api(row.url), key), row.url)
        self.search_results: dict[str, set[str]] = {}  # per word, the item ids its pages listed
        self.search_page_sizes: dict[str, int] = {}  # per word, the most results a page of it listed
        self.search_added: dict[str, int] = {}  # per word, results that were new to the crawl
        self.search_queue: list[str] = []  # words still to search

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.release_held_items, signal=signals.spider_idle)
        return spider

    @property
    def base(self) -> str:
        return self.source.base_url.rstrip("/")

    async def start(self):
        requests = (
            self.fetch(
                opennc.root_nodes_url(self.base),
                self.parse_api,
                "api_root",
                {"via": "api", "may_be_absent": True},
                errback=self.api_failed,
            ),
            self.fetch(f"{self.base}/Toimielimet", self.parse_listing, "bodies", {"via": "listings"}),
        )
        for request in requests:
            if request is not None:
                yield request

    # -- the open API ------------------------------------------------------------------------------
    def api_failed(self, failure):
        """An API request without a usable answer: the API is not complete, so the search will run. A
        site without the API (its root answers 404) is no failure: the pages are walked as usual."""
        response = getattr(failure.value, "response", None)
        if failure.request.meta.get("kind") == "api_root":
            if response is not None and response.status in (404, 410):
                self.logger.info("%s: no open API (HTTP %s)", failure.request.url, response.status)
                return None
        else:
            self.api_failures += 1
        return self.record_failure(failure)

    def parse_api(self, response: Response):
        page, changed = self.page(response)
        context = response.meta["context"]
        reading = read_page(page, context)
        if reading.kind == "unknown":
            self.logger.info("%s: not an open-API answer", response.url)
            if response.meta["kind"] != "api_root":
                self.api_failures += 1
            return
        self.api_answered = True
        for entry in reading.entries:
            if entry.kind == "body":
                level = "body" if entry.body else "bodies"
                if entry.body and level == "body" and entry.title is None:
                    self.body_names.append(entry.body)
                node_context = {"via": "api", "body": entry.body, "level": level}
                yield self.fetch(
                    entry.url, self.parse_api, "api_nodes", node_context, errback=self.api_failed
                )
            elif entry.kind == "meeting":
                self.api_meetings += 1
                if entry.meeting_date is not None and entry.meeting_date < self.since:
                    continue
                meeting_context = {"via": "api", "body": entry.body, "meeting_date": _iso(entry.meeting_date)}
                yield self.fetch(
                    entry.url, self.parse_api, "api_contents", meeting_context, errback=self.api_failed
                )
            elif entry.kind == "item":
                yield self.item_request(entry, {**context, "via": "api"}, changed, errback=self.api_failed)

    # -- the pages -----------------------------------------------------------------------------------
    def parse_listing(self, response: Response):
        """The bodies page, a body's page, a meeting's page or a page of search results."""
        page, changed = self.page(response)
        context = response.meta["context"]
        reading = read_page(page, context)
        via = context.get("via", "listings")
        for entry in reading.entries:
            if entry.kind == "body":
                if entry.body and entry.body not in self.body_names:
                    self.body_names.append(entry.body)
                yield self.fetch(
                    entry.url, self.parse_listing, "body", {"via": "listings", "body": entry.body}
                )
            elif entry.kind == "meeting":
                yield self.meeting_page_request(entry)
            elif entry.kind == "item":
                item_context = {**context, "via": via, "listing_url": response.url}
                if response.meta["kind"] == "meeting_page":
                    item_context["meeting_url"] = response.url
                if response.meta["kind"] == "search" and self.is_new_to_crawl(entry):
                    self.search_added[context["word"]] = self.search_added.get(context["word"], 0) + 1
                yield self.listed_item(entry, item_context, changed)
        if response.meta["kind"] == "search":
            yield self.after_search_page(page, context, reading)

    def meeting_page_request(self, entry: Entry) -> scrapy.Request | None:
        if self.too_old(entry):
            return None
        context = {"via": "listings", "body": entry.body, "meeting_date": _iso(entry.meeting_date)}
        return self.fetch(entry.url, self.parse_listing, "meeting_page", context)

    def listed_item(self, entry: Entry, context: dict, changed: bool) -> scrapy.Request | None:
        key = casem_item_key(entry.url)
        if key is None or key in self.item_ids or self.too_old(entry):
            return None
        if self.held:
            self.pending.setdefault(key, (entry, context, changed))
            return None
        return self.item_request(entry, context, changed)

    def item_request(self, entry: Entry, context: dict, changed: bool, errback=None) -> scrapy.Request | None:
        """The request for one item (page or API answer), or None when this crawl has it already or
        the archive's copy is fresh enough."""
        key = casem_item_key(entry.url)
        if key is None or key in self.item_ids:
            return None
        # One item, many addresses: it is asked for by the one the archive knows it by, so a later
        # crawl that meets it first under another address still asks conditionally.
        url = self.archived_url.get((_is_api(entry.url), key), entry.url)
        meeting_date = entry.meeting_date or _date(context.get("meeting_date"))
        archived = self.archived_reading(url, context) if not changed or meeting_date is None else None
        if archived is not None:
            meeting_date = meeting_date or archived.meeting_date
            # An agenda is due until it is minutes, whether or not the listing above it changed.
            changed = changed or archived.document_type == "agenda"
        if meeting_date is not None and meeting_date < self.since:
            return None
        via = context.get("via", "listings")
        if self.probe and via in self.probed_ways:
            return None
        self.item_ids.add(key)
        item_context = {
            **context,
            "body": entry.body or context.get("body"),
            "meeting_date": _iso(meeting_date),
            "item_id": key,
            "listed_title": entry.title,
            "section": entry.section,
        }
        request = self.fetch(
            url,
            self.parse_item,
            "item_page",
            item_context,
            parent_changed=changed,
            meeting_date=meeting_date,
            errback=errback,
        )
        if request is None:
            self.delivered.add(key)  # fresh in the archive, or not asked in a probe
        elif self.probe:
            self.probed_ways.add(via)
        return request

    def too_old(self, entry: Entry) -> bool:
        """Whether what a listing shows of an entry already puts it before ``since``."""
        if entry.meeting_date is not None:
            return entry.meeting_date < self.since
        year = url_year(entry.url)
        return year is not None and year < self.since.year

    def archived_reading(self, url: str, context: dict) -> PageReading | None:
        """What the archive's copy of an item says of itself (its meeting date, agenda or minutes):
        the date of a search result, and whether a known item can still change."""
        seen = self.known.get(document_key(url))
        if seen is None:
            return None
        try:
            page = text_response(url, self.archive.read_blob(seen.sha256), None)
        except OSError:
            return None
        return read_page(page, context)

    def parse_item(self, response: Response):
        page, changed = self.page(response)
        context = response.meta["context"]
        self.count("items")
        self.count("items_changed" if changed else "items_unchanged")
        self.delivered.add(context["item_id"])
        reading = read_page(page, context)
        for entry in reading.entries:
            if entry.kind == "meeting":
                yield self.meeting_page_request(entry)
            elif entry.kind == "body":
                yield self.fetch(
                    entry.url, self.parse_listing, "body", {"via": "listings", "body": entry.body}
                )

    # -- after the API has answered: held items and the search -------------------------------------
    def release_held_items(self, spider: scrapy.Spider) -> None:
        """Each time nothing is in flight, the next way to the items: first (once the API has answered,
        or not) the items the listings showed that the API did not deliver, with the meetings their
        breadcrumbs link; then, where it helps, the search, for what neither reached. So the search
        adds only what the site's structure does not link, and an item is archived under the address
        its structure gives it whenever it has one."""
        if spider is not self or self.phase == "done":
            return
        requests: list[scrapy.Request | None] = []
        if self.phase == "discover":
            self.phase, self.held = "structure", False
            self.missing = {key: held for key, held in self.pending.items() if key not in self.delivered}
            requests = [self.item_request(*held) for held in self.missing.values()]
        if self.phase == "structure" and not any(requests):
            self.phase = "search"
            if self.search_helps(self.missing):
                self.search_queue = self.search_words()
                requests = [self.next_search_word()]
        elif self.phase == "search":
            self.phase = "done"
        scheduled = [r for r in requests if r is not None]
        for request in scheduled:
            self.crawler.engine.crawl(request)
        if scheduled:
            raise DontCloseSpider

    def search_helps(self, missing: dict) -> bool:
        """The API is the complete list where it answers: every meeting with its date. The search is
        needed where it did not answer, failed on a meeting or an item, or lacks an item the pages
        list (a frozen API beside a live site)."""
        return not self.api_answered or not self.api_meetings or self.api_failures > 0 or bool(missing)

    def search_words(self) -> list[str]:
        words: list[str] = []
        for word in (*self.SEARCH_WORDS, *self.body_names):
            if word and word.casefold() not in {w.casefold() for w in words}:
                words.append(word)
        return words

    def search_request(self, word: str, page: int) -> scrapy.Request | None:
        query = urlencode({"n": self.SEARCH_NODE, "d": 1, "s": word, "o": "Rank", "page": page})
        context = {"via": "search", "word": word, "page": page}
        return self.fetch(f"{self.base}/haku?{query}", self.parse_listing, "search", context)

    def next_search_word(self) -> scrapy.Request | None:
        """Words are searched one after another, so that one can tell the next is not needed."""
        while self.search_queue:
            if (request := self.search_request(self.search_queue.pop(0), 1)) is not None:
                return request
        return None

    def is_new_to_crawl(self, entry: Entry) -> bool:
        key = casem_item_key(entry.url)
        return key is not None and key not in self.item_ids and key not in self.delivered

    def after_search_page(
        self, page: TextResponse, context: dict, reading: PageReading
    ) -> scrapy.Request | None:
        """Results are ranked by relevance, not by date, so no date ends the walk. The next page is
        asked for while a page adds results this word had not listed (a site may answer a page past
        the end with the last one again, or with none) and either links the next page or is as long
        as a full page (20 results on real sites) and as the longest before it, up to
        ``MAX_SEARCH_PAGES``. When a word's results end, the next word follows, unless this one
        listed results and none was new to the crawl: then the search reaches nothing more."""
        word, number = context["word"], context["page"]
        seen = self.search_results.setdefault(word, set())
        listed = {key for e in reading.entries if e.kind == "item" and (key := casem_item_key(e.url))}
        new = listed - seen
        seen |= listed
        longest = self.search_page_sizes.get(word, 0)
        self.search_page_sizes[word] = max(longest, len(listed))
        full = len(listed) >= max(self.SEARCH_PAGE_SIZE, longest)
        if new and (full or _links_search_page(page, number + 1)) and number < self.MAX_SEARCH_PAGES:
            return self.search_request(word, number + 1)
        if seen and not self.search_added.get(word):
            self.logger.info("%s: search for %r found nothing new; no more words", self.source.id, word)
            self.search_queue = []
            return None
        return self.next_search_word()


def _links_search_page(page: TextResponse, number: int) -> bool:
    """Whether a results page links the results page ``number`` (its pager's next page)."""
    for href in page.css("a[href]::attr(href)").getall():
        url = page.urljoin(href)
        if link_kind(url) == "search" and parse_qs(urlsplit(url).query).get("page") == [str(number)]:
            return True
    return False


def _is_api(url: str) -> bool:
    return opennc.content_id(url) is not None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
