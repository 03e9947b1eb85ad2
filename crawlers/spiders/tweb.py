"""TWeb (KTweb, Triplan) sites: the wellbeing county's.

The walk: the search forms ``pk_tek_tweb.htm`` (minutes) and ``epj_tek_tweb.htm`` (agendas) name the
bodies in a ``kirjaamo`` select → for each body, the meeting list is a POST of the form's own fields
(``kirjaamo=<id>&oper=where&pvm1=…&pvm2=…``) to the form's action, asked in date windows from ``since``
to today (agendas: from 90 days back to a year ahead) → meeting pages ``pk_asil_tweb.htm?bid=<N>``
(older sites write ``?+bid=``) → item documents ``fileshow?doctype=3&docid=<N>`` (older sites:
``ktproxy2.dll?doctype=3&docid=<N>``). With ``use_feeds``, a body's minutes come from its RSS feed
``pk_rssfeed.htm?toimielin=<id>`` (the newest half year) instead, and from the windows if the feed
fails or names no meeting.

The form page holds two forms, each with its own ``kirjaamo`` select (the second searches items by
text): only the form whose action lists meetings is read, so each body's windows are asked once. The
body id is sent exactly as the form writes it (``55015.000000`` on some sites).

A result page says nothing when it is capped; the form page says how many rows an answer shows
("Hakutuloksessa näykyy 200 riviä", sic). A window whose answer holds that many rows is split in two
and asked again; its rows are followed all the same (each meeting is asked for once).

Every page is read by ``read_page`` here, the function ``minutes parse`` runs, and by structure, not by
one markup: a meeting list's row is the largest element around its meeting link (``crawlers.pages``),
its date wherever the row shows it, its body the text before the colon of "Kaupunginhallitus: 5/2017"
(or "Kaupunginhallitus: Kaupunginhallitus"); a meeting page's columns come in the site's own order
(§ | Otsikko | Liitteet, or § | Liitteet | Otsikko), so the § is the cell of digits and the item the
cell linking a document. A row linking a document without a § (the cover page, "Järjestäytymispykälät",
"Muutoksenhakuohjeet") is a document of the meeting, never taken for an item: ``read_page`` lists it,
and the spider leaves it where the archived meeting page links it (nothing downstream reads it, and on
a real meeting of a dozen items it would add a quarter more requests). A meeting
whose row shows no date is still opened: the heading of its page ("Kaupunginhallitus: 5/2017 /
27.3.2017 15:00 / Pöytäkirja") dates it, and failing that its documents do.

Documents are checked by their first bytes, not by their Content-Type: a Word file served as a PDF is
archived as what it is.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import ClassVar
from urllib.parse import quote, urlsplit

from scrapy import Selector
from scrapy.http import Response, TextResponse

from core.dates import FI_DATE, find_fi_date
from crawlers.pages import DOCUMENT_TYPE_WORDS, Entry, LinkRow, PageReading, link_rows, row_date, squashed
from crawlers.spiders.base import ArchivingSpider, spider_flag

#: The platform's pages by name; ``pk_`` pages are minutes, ``epj_`` pages agendas.
PAGE_NAME = re.compile(r"(?:^|/)(?P<kind>pk|epj)_(?P<page>tek|kokl|asil|rssfeed)(?:_tweb)?\.htm$", re.I)
PAGE_KINDS = {"tek": "bodies", "kokl": "meetings", "asil": "meeting", "rssfeed": "feed"}
DOCUMENT_PATH = re.compile(r"(?:^|/)(?:fileshow|ktproxy2\.dll)$", re.I)
DOCUMENT_ID = re.compile(r"(?:^|&)docid=(\d+)", re.I)
#: A meeting page is named by ``bid``, written ``?bid=13721`` or, with a literal plus, ``?+bid=12867``.
MEETING_ID = re.compile(r"(?:^|&)\+?bid=(\d+)", re.I)
#: The form page's note of how many rows a result shows; "näykyy" is how the vendor spells it.
ROW_CAP_NOTE = re.compile(r"Hakutuloksessa\s+\S+\s+(\d+)\s+rivi", re.I)
#: Real sites show 200 rows and say so on the form page; this is the cap when a form page does not.
DEFAULT_ROW_CAP = 200
SECTION_CELL = re.compile(r"^(?:§\s*)?(\d{1,4})(?:\s*§)?$")
#: "Kaupunginhallitus: 5/2017", "Kaupunginhallitus: Kaupunginhallitus": the body, before the colon.
BODY_LABEL = re.compile(r"^(?P<body>[^\W\d_][^:]{0,120}?)\s*:\s*\S")
CLOCK = re.compile(r"(?<!\d)\d{1,2}[:.]\d{2}(?!\d)")
DOCUMENT_WORD = re.compile(r"(?<!\w)(Pöytäkirja|Esityslista)(?!\w)", re.I)
PLURAL_WORDS = {"pöytäkirjat": "minutes", "esityslistat": "agenda"}
VISIBLE = "not(ancestor::script) and not(ancestor::style) and not(ancestor::head) and not(ancestor::option)"
#: The first windows asked: a year at a time; capped windows are halved until they fit.
FIRST_WINDOW = timedelta(days=366)
#: Agendas are asked from this far back (and a year ahead): an older meeting's minutes supersede them.
AGENDA_LOOKBACK = timedelta(days=90)


def fi(d: date) -> str:
    return d.strftime("%d.%m.%Y")


def date_windows(first: date, last: date, size: timedelta = FIRST_WINDOW) -> list[tuple[date, date]]:
    windows, start = [], first
    while start <= last:
        end = min(start + size - timedelta(days=1), last)
        windows.append((start, end))
        start = end + timedelta(days=1)
    return windows


def split_window(first: date, last: date) -> list[tuple[date, date]]:
    middle = first + (last - first) // 2
    return [(first, middle), (middle + timedelta(days=1), last)]


# --- what a URL is ---------------------------------------------------------------------------------


def link_kind(url: str) -> str | None:
    """What a TWeb URL points at: ``bodies`` (a search form), ``meetings`` (a meeting list), ``meeting``,
    ``feed`` or ``document`` (an item's or a meeting's file); None for anything else (the item text
    search ``pk_asil2_tweb.htm``, attachments ``epjattn_tweb.htm``, help, another site)."""
    parts = urlsplit(url)
    if DOCUMENT_PATH.search(parts.path):
        return "document" if DOCUMENT_ID.search(parts.query) else None
    found = PAGE_NAME.search(parts.path)
    if found is None:
        return None
    kind = PAGE_KINDS[found["page"].lower()]
    if kind == "meeting" and not MEETING_ID.search(parts.query):
        return None
    return kind


def url_document_type(url: str) -> str | None:
    """Minutes for the platform's ``pk_`` pages, agenda for its ``epj_`` pages."""
    found = PAGE_NAME.search(urlsplit(url).path)
    if found is None:
        return None
    return "minutes" if found["kind"].lower() == "pk" else "agenda"


def meeting_id(url: str) -> str | None:
    found = MEETING_ID.search(urlsplit(url).query)
    return found[1] if found else None


def document_id(url: str) -> str | None:
    found = DOCUMENT_ID.search(urlsplit(url).query)
    return found[1] if found else None


def feed_url(list_url: str, body_id: str) -> str:
    """A body's minutes feed, beside the meeting list the form posts to."""
    return _beside(list_url, f"pk_rssfeed.htm?toimielin={quote(body_id, safe='.')}")


def _beside(url: str, name: str) -> str:
    return url.split("?", 1)[0].rsplit("/", 1)[0] + "/" + name


# --- what a page is ---------------------------------------------------------------------------------


def _links(page: TextResponse) -> list[str]:
    return [page.urljoin(h) for h in page.css("a[href]::attr(href)").getall()]


def page_kind(page: TextResponse) -> str:
    """The kind of a TWeb page: by its URL where that says, else by what it holds (a saved file has no
    URL to go by): links to documents make a meeting page, a ``kirjaamo`` select a form page, links to
    meeting pages a meeting list."""
    head = page.body.lstrip()[:200].lower()
    if head.startswith((b"<?xml", b"<rss")) or b"<rss" in head:
        return "feed"
    by_url = link_kind(page.url)
    if by_url is not None:
        return by_url
    kinds = {link_kind(url) for url in _links(page)}
    if "document" in kinds:
        return "meeting"
    if page.css("select[name=kirjaamo]"):
        return "bodies"
    if "meeting" in kinds:
        return "meetings"
    return "unknown"


def listing_cap(page: TextResponse) -> int | None:
    """How many rows a meeting list shows at most, as the form page says; None when it does not say."""
    found = ROW_CAP_NOTE.search(squashed(" ".join(page.xpath(f"//body//text()[{VISIBLE}]").getall())))
    return int(found[1]) if found else None


def _document_type_of_page(page: TextResponse, lines: list[str], context: dict) -> str | None:
    """A page's own word for what it is ("Pöytäkirja" in a meeting's heading), else its URL's
    ``pk_``/``epj_``, else its title ("Pöytäkirjat"), else what the page above said."""
    words = {DOCUMENT_TYPE_WORDS[m[1].lower()] for line in lines for m in DOCUMENT_WORD.finditer(line)}
    if len(words) == 1:
        return words.pop()
    if by_url := url_document_type(page.url):
        return by_url
    plural = {PLURAL_WORDS[line.lower()] for line in lines if line.lower() in PLURAL_WORDS}
    if len(plural) == 1:
        return plural.pop()
    return context.get("document_type")


def _body_label(text: str) -> str | None:
    """The body of "Kaupunginhallitus: 5/2017" (dates and clock times left out first, so that a row
    read as one block, "27.3.2017 15:00 Kaupunginhallitus: 5/2017", gives it too)."""
    found = BODY_LABEL.match(squashed(CLOCK.sub(" ", FI_DATE.sub(" ", text))))
    return found["body"].strip() if found else None


# --- the form page: bodies --------------------------------------------------------------------------


def _listing_forms(page: TextResponse) -> list[Selector]:
    """The forms that list meetings. The form page has two ``kirjaamo`` selects, one in the meeting
    search and one in the item text search (``pk_asil2_tweb.htm``): only the first kind is followed."""
    forms = [form for form in page.css("form") if form.css("select[name=kirjaamo]")]
    listing = [f for f in forms if link_kind(page.urljoin(f.attrib.get("action", ""))) == "meetings"]
    return listing or forms[:1]


def _bodies(page: TextResponse, context: dict) -> PageReading:
    text = [squashed(t) for t in page.xpath(f"//body//text()[{VISIBLE} and not(ancestor::a)]").getall()]
    document_type = _document_type_of_page(page, [t for t in text if t], context)
    entries, seen = [], set()
    for form in _listing_forms(page):
        action = page.urljoin(form.attrib.get("action") or _beside(page.url, "pk_kokl_tweb.htm"))
        hidden = {
            field.attrib["name"]: field.attrib.get("value", "")
            for field in form.css("input[type=hidden][name]")
            if field.attrib["name"] != "kirjaamo"
        }
        for option in form.css("select[name=kirjaamo] option"):
            body_id = (option.attrib.get("value") or "").strip()
            name = squashed(" ".join(option.css("::text").getall()))
            if not body_id or (action, body_id) in seen:
                continue  # "Kaikki toimielimet" (every body at once) and repeats
            seen.add((action, body_id))
            form_fields = {"kirjaamo": body_id, "oper": "where", **hidden}
            entries.append(
                Entry(
                    "body",
                    action,
                    body=name or None,
                    document_type=url_document_type(action) or document_type,
                    form=form_fields,
                )
            )
    return PageReading("bodies", entries, document_type=document_type)


# --- a meeting list, and a feed: meetings -----------------------------------------------------------


def _meetings(page: TextResponse, context: dict) -> PageReading:
    entries = []
    for row in link_rows(page, lambda url: link_kind(url) == "meeting"):
        body = next((found for cell in row.cells if (found := _body_label(cell))), None)
        entries.append(
            Entry(
                "meeting",
                row.url,
                body=body or context.get("body"),
                meeting_date=row_date(row),
                document_type=url_document_type(row.url) or context.get("document_type"),
            )
        )
    return PageReading("meetings", entries)


def feed_entries(page: TextResponse, context: dict) -> list[Entry]:
    """The meetings of a body's minutes feed: title "Tekninen lautakunta: 10/2026 18.8.2026 18:00",
    link the meeting page, category the body. The publication date is not the meeting's and is not
    used."""
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", page.text, count=1)
    feed = Selector(text=text, type="xml")
    feed.remove_namespaces()
    entries = []
    for item in feed.xpath("//item"):
        link = squashed(item.xpath("link/text()").get())
        url = page.urljoin(link) if link else ""
        if link_kind(url) != "meeting":
            continue
        title = squashed(item.xpath("title/text()").get())
        body = squashed(item.xpath("category/text()").get()) or _body_label(title) or context.get("body")
        entries.append(
            Entry(
                "meeting",
                url,
                body=body or None,
                meeting_date=find_fi_date(title),
                document_type=url_document_type(url) or "minutes",
            )
        )
    return entries


# --- a meeting page: items and documents ------------------------------------------------------------


def heading_lines(page: TextResponse, first_document: Selector | None) -> list[str]:
    """The page's own text above its first document link, links left out (menus, "Hae esityslista"):
    the meeting's heading is there, whatever element holds it."""
    scope = (
        first_document.xpath(f"preceding::text()[{VISIBLE} and not(ancestor::a)]")
        if first_document is not None
        else page.xpath(f"//body//text()[{VISIBLE} and not(ancestor::a)]")
    )
    return [line for line in (squashed(t) for t in scope.getall()) if line]


def _section(row: LinkRow) -> int | None:
    """The § of a meeting page's row: a cell of digits (in whichever column), or in a row that is one
    block ("§ 12 Katusuunnitelma 2 kpl"), the digits before the link."""
    for cell in row.cells:
        if cell != row.text and (found := SECTION_CELL.match(cell)):
            return int(found[1])
    before = row.row[: row.row.find(row.text)].strip() if len(row.cells) == 1 and row.text else ""
    found = SECTION_CELL.match(before)
    return int(found[1]) if found else None


def _meeting(page: TextResponse, context: dict) -> PageReading:
    anchors = [a for a in page.css("a[href]") if link_kind(page.urljoin(a.attrib["href"])) == "document"]
    lines = heading_lines(page, anchors[0] if anchors else None)
    when = next((found for line in lines if (found := find_fi_date(line))), None)
    if when is None and context.get("meeting_date"):
        when = date.fromisoformat(context["meeting_date"])
    body = next((found for line in lines if (found := _body_label(line))), None) or context.get("body")
    kind = _document_type_of_page(page, lines, context)
    entries = []
    for row in link_rows(page, lambda url: link_kind(url) == "document"):
        title = row.text or None
        section = _section(row)
        entries.append(
            Entry(
                "item" if section is not None else "document",
                row.url,
                body=body,
                meeting_date=when,
                document_type=kind,
                section=section,
                title=title,
            )
        )
    return PageReading("meeting", entries, body=body, meeting_date=when, document_type=kind)


def read_page(page: TextResponse, context: dict | None = None) -> PageReading:
    """What one TWeb page is and what it links, as the spider follows it. ``context`` is what the page
    above said of this one (a body's name and id, a meeting's date and type)."""
    context = context or {}
    kind = page_kind(page)
    if kind == "feed":
        return PageReading("feed", feed_entries(page, context))
    if kind == "bodies":
        return _bodies(page, context)
    if kind == "meetings":
        return _meetings(page, context)
    if kind == "meeting":
        return _meeting(page, context)
    if kind == "document":
        return PageReading("document")
    return PageReading(
        "unknown",
        errors=["not a TWeb page this project knows (search form, meeting list, meeting, feed or document)"],
    )


# --- the spider -------------------------------------------------------------------------------------


class TWebSpider(ArchivingSpider):
    name = "tweb"
    platform = "tweb"
    STAGES: ClassVar[dict[str, tuple[str, ...]]] = {
        "entry": ("search_form",),
        "bodies": ("meeting_list", "feed"),
        "meetings": ("meeting",),
        "items": ("item_document",),
    }

    def __init__(self, *args, use_feeds: bool | str = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.use_feeds = spider_flag(use_feeds)

    async def start(self):
        base = self.source.base_url if self.source.base_url.endswith("/") else self.source.base_url + "/"
        for page, document_type in (("pk_tek_tweb.htm", "minutes"), ("epj_tek_tweb.htm", "agenda")):
            yield self.fetch(base + page, self.parse_form, "search_form", {"document_type": document_type})

    def parse_form(self, response: Response):
        page, _ = self.page(response)
        context = response.meta["context"]
        reading = read_page(page, context)
        cap = listing_cap(page) or DEFAULT_ROW_CAP
        for entry in reading.entries:
            if entry.kind != "body":
                continue
            body = {
                "body": entry.body,
                "body_id": entry.form["kirjaamo"],
                "document_type": entry.document_type or context["document_type"],
                "action": entry.url,
                "fields": entry.form,
                "cap": cap,
            }
            if self.use_feeds and body["document_type"] == "minutes":
                yield self.fetch(
                    feed_url(entry.url, body["body_id"]),
                    self.parse_feed,
                    "feed",
                    body,
                    errback=self.feed_failed,
                )
            else:
                yield from self.body_windows(body)

    def body_windows(self, body: dict):
        """A body's meeting list, window by window over the harvest's range."""
        today = self.started.date()
        if body["document_type"] == "minutes":
            first, last = self.since, today
        else:
            first, last = max(self.since, today - AGENDA_LOOKBACK), today + timedelta(days=365)
        for window_first, window_last in date_windows(first, last):
            yield self.list_window(body, window_first, window_last)

    def list_window(self, body: dict, first: date, last: date):
        form = {**body["fields"], "pvm1": fi(first), "pvm2": fi(last)}
        context = {**body, "window": [first.isoformat(), last.isoformat()]}
        return self.fetch(body["action"], self.parse_list, "meeting_list", context, form=form)

    def _body_of(self, context: dict) -> dict:
        keys = ("body", "body_id", "document_type", "action", "fields", "cap")
        return {key: context[key] for key in keys}

    def feed_failed(self, failure):
        """A feed that fails costs nothing but its request: the body's windows take over."""
        self.record_failure(failure)
        self.logger.warning("%s: the feed failed, asking the meeting list instead", failure.request.url)
        yield from self.body_windows(self._body_of(failure.request.meta["context"]))

    def parse_feed(self, response: Response):
        page, _ = self.page(response)
        context = response.meta["context"]
        entries = [e for e in read_page(page, context).entries if e.kind == "meeting"]
        if not entries:
            self.logger.warning("%s: no meetings in the feed, asking the meeting list", response.url)
            yield from self.body_windows(self._body_of(context))
            return
        for entry in entries:
            yield self.meeting_request(entry, context)

    def parse_list(self, response: Response):
        page, _ = self.page(response)
        context = response.meta["context"]
        entries = [e for e in read_page(page, context).entries if e.kind == "meeting"]
        first, last = (date.fromisoformat(d) for d in context["window"])
        if len(entries) >= context["cap"]:
            # The result page says nothing when capped: as many rows as the cap means there may be more.
            if last > first:
                self.count("windows_split")
                for half_first, half_last in split_window(first, last):
                    yield self.list_window(self._body_of(context), half_first, half_last)
            else:
                self.count("windows_capped")
                self.logger.warning(
                    "%s: %s on %s lists %d meetings, the site's cap; more may not be shown",
                    response.url,
                    context["body"],
                    first,
                    len(entries),
                )
        for entry in entries:
            yield self.meeting_request(entry, context)

    def meeting_request(self, entry: Entry, context: dict):
        """The request for one meeting page, or None for a meeting the listing dates before ``since``
        (an undated one is opened: its heading tells)."""
        if entry.meeting_date is not None and entry.meeting_date < self.since:
            return None
        if entry.meeting_date is None:
            self.count("meetings_undated_in_listing")
        meeting_context = {
            "body": entry.body,
            "body_id": context.get("body_id"),
            "meeting_id": meeting_id(entry.url),
            "meeting_date": entry.meeting_date.isoformat() if entry.meeting_date else None,
            "document_type": entry.document_type or context.get("document_type"),
        }
        return self.fetch(entry.url, self.parse_meeting, "meeting", meeting_context)

    def parse_meeting(self, response: Response):
        page, changed = self.page(response)
        reading = read_page(page, response.meta["context"])
        context = self.meeting_page_context(response, reading)
        if context is None:
            return
        for entry in reading.entries:
            if entry.kind != "item":
                # The cover page and the other whole-meeting documents: not items, and nothing downstream
                # reads them; they stay linked from the archived meeting page.
                self.count("meeting_documents_not_fetched")
                continue
            item_context = {
                **context,
                "section": entry.section,
                "title": entry.title,
                "docid": document_id(entry.url),
            }
            yield self.fetch(
                entry.url,
                self.parse_document,
                "item_document",
                item_context,
                parent_changed=changed,
                meeting_date=reading.meeting_date,
            )

    def parse_document(self, response: Response):
        _, changed = self.page(response)
        self.count("items")
        self.count("documents")
        self.count("items_changed" if changed else "items_unchanged")
        if response.status == 200 and not response.body.startswith(b"%PDF"):
            self.count("documents_not_pdf")
