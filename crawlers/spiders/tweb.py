"""TWeb (KTweb, Triplan) sites: the wellbeing county's.

The walk: the search forms ``pk_tek_tweb.htm`` (minutes) and ``epj_tek_tweb.htm`` (agendas) name the
bodies in their ``kirjaamo`` select → for each body, the meeting list is a POST of
``kirjaamo=<id>&oper=where&pvm1=…&pvm2=…`` to the form's action, asked in date windows from ``since``
to today (agendas: from 90 days back to a year ahead); a window whose answer says it was capped
("Hakutuloksessa näkyy N riviä") is split in two and asked again → meeting pages
``pk_asil_tweb.htm?+bid=<N>`` → item documents ``fileshow?doctype=3&docid=<N>`` (older sites:
``ktproxy2.dll?doctype=3&docid=<N>``).

A meeting page's columns are in the site's own order, so cells are recognised by what they hold: the §
is a cell of digits, the item is the cell linking a document. A row without a § (the cover page) is
no item. Documents are checked by their first bytes, not by their Content-Type: a Word file served as
a PDF is archived as what it is.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import ClassVar

from scrapy.http import Response

from crawlers.spiders.base import ArchivingSpider
from parsing.text import find_fi_date

CAPPED = re.compile(r"Hakutuloksessa\s+näkyy\s+(\d+)\s+riviä")
SECTION_CELL = re.compile(r"^\s*§?\s*(\d{1,4})\s*$")
DOCUMENT_LINK = re.compile(r"(?:fileshow|ktproxy2\.dll)\?.*docid=(\d+)", re.I)
LISTED = re.compile(r"^(?P<body>.+?):\s*\d+/\d{4}$")
#: The first windows asked: a year at a time; capped windows are halved until they fit.
FIRST_WINDOW = timedelta(days=366)
#: Agendas are asked from this far back (and a year ahead): an older meeting's minutes supersede them.
AGENDA_LOOKBACK = timedelta(days=90)
MIN_WINDOW = timedelta(days=1)


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


class TWebSpider(ArchivingSpider):
    name = "tweb"
    platform = "tweb"
    STAGES: ClassVar[dict[str, tuple[str, ...]]] = {
        "entry": ("search_form",),
        "bodies": ("meeting_list",),
        "meetings": ("meeting",),
        "items": ("item_document",),
    }

    async def start(self):
        base = self.source.base_url if self.source.base_url.endswith("/") else self.source.base_url + "/"
        yield self.fetch(
            base + "pk_tek_tweb.htm", self.parse_form, "search_form", {"document_type": "minutes"}
        )
        yield self.fetch(
            base + "epj_tek_tweb.htm", self.parse_form, "search_form", {"document_type": "agenda"}
        )

    def parse_form(self, response: Response):
        page, _ = self.page(response)
        action = page.urljoin(page.css("form::attr(action)").get() or "pk_kokl_tweb.htm")
        document_type = response.meta["context"]["document_type"]
        today = self.started.date()
        if document_type == "minutes":
            first, last = self.since, today
        else:
            first, last = max(self.since, today - AGENDA_LOOKBACK), today + timedelta(days=365)
        for option in page.css("select[name=kirjaamo] option"):
            body_id = (option.attrib.get("value") or "").strip()
            if not body_id:
                continue
            body = " ".join(option.css("::text").getall()).strip()
            for window_first, window_last in date_windows(first, last):
                yield self.list_window(action, body_id, body, document_type, window_first, window_last)

    def list_window(self, action: str, body_id: str, body: str, document_type: str, first: date, last: date):
        form = {"kirjaamo": body_id, "oper": "where", "pvm1": fi(first), "pvm2": fi(last)}
        context = {
            "body": body,
            "body_id": body_id,
            "document_type": document_type,
            "window": [first.isoformat(), last.isoformat()],
        }
        return self.fetch(action, self.parse_list, "meeting_list", context, form=form)

    def parse_list(self, response: Response):
        page, _ = self.page(response)
        context = response.meta["context"]
        first, last = (date.fromisoformat(d) for d in context["window"])
        if CAPPED.search(" ".join(page.css("body ::text").getall())) and last - first >= MIN_WINDOW:
            # The answer shows only the first N rows: ask for each half of the window instead.
            self.count("windows_split")
            action = response.url
            for half_first, half_last in split_window(first, last):
                yield self.list_window(
                    action,
                    context["body_id"],
                    context["body"],
                    context["document_type"],
                    half_first,
                    half_last,
                )
            return
        for row in page.css("table.list tr"):
            link = row.css("a[href]")
            cells = [" ".join(cell.css("::text").getall()).strip() for cell in row.css("td")]
            if not link or len(cells) < 2:
                continue
            meeting_date = find_fi_date(cells[0])
            if meeting_date is None or meeting_date < self.since:
                continue
            listed = LISTED.match(cells[1])
            meeting_context = {
                "body": listed["body"] if listed else context["body"],
                "meeting_date": meeting_date.isoformat(),
                "document_type": context["document_type"],
                "meeting_label": cells[1],
            }
            url = page.urljoin(link[0].attrib["href"])
            yield self.fetch(url, self.parse_meeting, "meeting", meeting_context)

    def parse_meeting(self, response: Response):
        page, changed = self.page(response)
        context = {**response.meta["context"], "meeting_url": response.url}
        meeting_date = date.fromisoformat(context["meeting_date"])
        for row in page.css("tr"):
            cells = row.css("td")
            section = next(
                (int(m[1]) for c in cells if (m := SECTION_CELL.match(" ".join(c.css("::text").getall())))),
                None,
            )
            document = next((a for a in row.css("a[href]") if DOCUMENT_LINK.search(a.attrib["href"])), None)
            if section is None or document is None:
                continue  # a cover page or other row that is not an item
            item_context = {
                **context,
                "section": section,
                "title": " ".join(document.css("::text").getall()).strip(),
                "docid": DOCUMENT_LINK.search(document.attrib["href"])[1],
                "attachments": " ".join(
                    t for a in row.css("a[href*=epjattn]") for t in a.css("::text").getall()
                ).strip()
                or None,
            }
            yield self.fetch(
                page.urljoin(document.attrib["href"]),
                self.parse_document,
                "item_document",
                item_context,
                parent_changed=changed,
                meeting_date=meeting_date,
            )

    def parse_document(self, response: Response):
        _, changed = self.page(response)
        self.count("items")
        self.count("documents")
        self.count("items_changed" if changed else "items_unchanged")
        if response.status == 200 and not response.body.startswith(b"%PDF"):
            self.count("documents_not_pdf")
