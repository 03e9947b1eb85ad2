"""CaseM (CloudNC) sites: ``<slug>.cloudnc.fi/fi-FI``.

The walk is the bodies page (``/fi-FI/Toimielimet``) → each body's page, which lists only its latest
items → the body's paginated search (``/fi-FI/haku?…&page=<n>``), followed page by page until results
are older than ``since`` → item pages. An item's stable key is the number in parentheses at the end of
its URL, ``…/<title slug>(<itemId>)``, or the ``/fi-FI/content/<a>/<b>`` path. Dates come from the
listing's text ("Kokous 16.3.2026"): the ``Kokous_<d><m><yyyy>`` token in the URL has no zero padding
and ``Kokous_1112022`` may be 1.11. or 11.1.
"""

from __future__ import annotations

import re
from datetime import date
from typing import ClassVar
from urllib.parse import urlsplit

from scrapy.http import Response

from crawlers.spiders.base import ArchivingSpider
from parsing.text import find_fi_date

ITEM_PATH = re.compile(
    r"/fi-FI/(?:Toimielimet/[^/]+/Kokous_\d+/[^/]*\((?P<id>\d+)\)|content/(?P<a>\d+)/(?P<b>\d+))$"
)
BODY_PATH = re.compile(r"/fi-FI/Toimielimet/[^/]+$")


def casem_item_key(url: str) -> str | None:
    """The stable id of a CaseM item URL: "12345", or "content/a/b" for the other URL form."""
    match = ITEM_PATH.search(urlsplit(url).path)
    if not match:
        return None
    return match["id"] or f"content/{match['a']}/{match['b']}"


class CaseMSpider(ArchivingSpider):
    name = "casem"
    platform = "casem"
    STAGES: ClassVar[dict[str, tuple[str, ...]]] = {
        "entry": ("bodies",),
        "bodies": ("body",),
        "meetings": ("body", "search"),
        "items": ("item_page",),
    }

    async def start(self):
        base = self.source.base_url.rstrip("/")
        yield self.fetch(f"{base}/Toimielimet", self.parse_bodies, "bodies", {})

    def parse_bodies(self, response: Response):
        page, _ = self.page(response)
        for link in page.css("a[href]"):
            url = page.urljoin(link.attrib["href"])
            if BODY_PATH.search(urlsplit(url).path):
                name = " ".join(link.css("::text").getall()).strip()
                yield self.fetch(url, self.parse_listing, "body", {"body": name})

    def parse_listing(self, response: Response):
        """A body page or one page of its search: item links with their meeting dates, and the way on."""
        page, changed = self.page(response)
        body = response.meta["context"]["body"]
        oldest: date | None = None
        for row in page.css("li"):
            link = row.css("a[href]")
            if not link:
                continue
            url = page.urljoin(link[0].attrib["href"])
            key = casem_item_key(url)
            meeting_date = find_fi_date(" ".join(row.css("::text").getall()))
            if key is None or meeting_date is None:
                continue
            oldest = meeting_date if oldest is None else min(oldest, meeting_date)
            if meeting_date < self.since:
                continue
            context = {
                "body": body,
                "item_id": key,
                "meeting_date": meeting_date.isoformat(),
                "listing_url": response.url,
            }
            yield self.fetch(
                url, self.parse_item, "item_page", context, parent_changed=changed, meeting_date=meeting_date
            )
        for link in page.css("a[href]"):
            url = page.urljoin(link.attrib["href"])
            path = urlsplit(url).path
            is_search = path.endswith("/haku")
            is_next = "next" in link.attrib.get("class", "") or "Seuraava" in "".join(
                link.css("::text").getall()
            )
            if is_search and response.meta["kind"] == "body" and not is_next:
                yield self.fetch(url, self.parse_listing, "search", {"body": body})
            elif is_search and is_next and (oldest is None or oldest >= self.since):
                # Results run newest first: a page that already reached past ``since`` is the last one.
                yield self.fetch(url, self.parse_listing, "search", {"body": body})

    def parse_item(self, response: Response):
        _, changed = self.page(response)
        self.count("items")
        self.count("items_changed" if changed else "items_unchanged")
