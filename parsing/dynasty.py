"""Dynasty item pages: the content between DATABEGIN and DATAEND, read as rendered lines."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from parsing.handlings import parse_item_lines
from parsing.html import html_lines
from parsing.model import ParsedItem

ITEM_ID = re.compile(r"(?:^|[?&])id=(?P<meeting>\d+)-(?P<position>\d+)")
ITEM_PDF_LINK = re.compile(r'href="(?P<href>[^"]+\.PDF)"[^>]*>\s*Kokousasia PDF-muodossa', re.I)


def data_block(html: str) -> str:
    """The part of a Dynasty page between ``<!--DATABEGIN-->`` and ``<!--DATAEND-->`` (the whole page
    when the markers are missing; older exports spell the first ``DATA_BEGIN``)."""
    for begin in ("<!--DATABEGIN-->", "<!--DATA_BEGIN-->"):
        start = html.find(begin)
        if start >= 0:
            end = html.find("<!--DATAEND-->", start)
            return html[start + len(begin) : end if end >= 0 else len(html)]
    return html


def agenda_position_from_url(url: str) -> int | None:
    """The asianro from ``…meetingitem&id=<meetingId>-<n>``: an agenda position, never the §."""
    match = ITEM_ID.search(url.split("?", 1)[-1])
    return int(match["position"]) if match else None


def item_pdf_url(html: str, url: str) -> str | None:
    """The item's own PDF: the page's "Kokousasia PDF-muodossa" link (``kokous/<meetingId>-<n>.PDF``)."""
    match = ITEM_PDF_LINK.search(html)
    return urljoin(url, match["href"].replace("&amp;", "&")) if match else None


def parse_item_page(html: str, url: str, abbreviations: dict[str, str] | None = None) -> ParsedItem:
    item = parse_item_lines(
        html_lines(data_block(html)), abbreviations, agenda_position=agenda_position_from_url(url)
    )
    item.pdf_url = item_pdf_url(html, url)
    return item
