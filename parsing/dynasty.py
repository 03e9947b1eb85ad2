"""Dynasty item pages: the content between DATABEGIN and DATAEND, read as rendered lines."""

from __future__ import annotations

import re

from parsing.handlings import parse_item_lines
from parsing.html import data_block, html_lines
from parsing.model import ParsedItem

ITEM_ID = re.compile(r"(?:^|[?&])id=(?P<meeting>\d+)-(?P<position>\d+)")


def agenda_position_from_url(url: str) -> int | None:
    """The asianro from ``…meetingitem&id=<meetingId>-<n>``: an agenda position, never the §."""
    match = ITEM_ID.search(url.split("?", 1)[-1])
    return int(match["position"]) if match else None


def parse_item_page(html: str, url: str, abbreviations: dict[str, str] | None = None) -> ParsedItem:
    return parse_item_lines(
        html_lines(data_block(html)), abbreviations, agenda_position=agenda_position_from_url(url)
    )
