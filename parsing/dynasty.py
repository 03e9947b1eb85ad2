"""Dynasty pages: what Dynasty URLs name, and item pages read as rendered lines.

Live Dynasty 10.x pages, Dynasty 7 pages and the static exports of older sites differ in markup but not
in structure, so the item page is read by structure:

* the content sits between ``<!--DATABEGIN-->`` and ``<!--DATAEND-->`` (live) or ``<!--DATA_BEGIN-->`` and
  ``<!--DATA_END-->`` (static); without markers, the whole page;
* the page header ("Kaupunginhallitus / Pöytäkirja 08.05.2017 Pykälä 127") may stand inside the block or
  above its start marker, and is looked for in both;
* the navigation (Edellinen asia | Seuraava asia | Muutoksenhakuohje | Kokousasia PDF-muodossa) is a
  table or a div, with a class or a ``<caption>Navigointi</caption>`` or neither, inside or outside the
  block: it is removed by what it is, a block of those links;
* the item's own PDF is the link to ``kokous/<meetingId>-<n>.PDF`` (quoted either way, its text
  "Kokousasia PDF-muodossa", "Kokousasia&nbsp;PDF-muodossa" or just "Kokousasia").

URL knowledge lives here too, because the parser and the spider both need it: ``link_kind`` says what
a URL points at, in the CGI form (``DREQUEST.PHP?page=…&id=…``, either parameter order) and in the static
one (``kokous/TELIMET.HTM``, ``TELIN-<id>.HTM``, ``<meetingId>.HTM``, ``<meetingId>-<n>.HTM``).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from archive import canonical_url
from parsing.handlings import find_header, parse_item_lines
from parsing.html import html_lines
from parsing.model import ParsedItem

PDF_ID = re.compile(r"(?:^|/)(?P<id>\d+(?:-\d+)*)\.PDF$", re.I)
STATIC_PAGE = re.compile(r"/(?P<name>TELIMET|TELIN-\d+|\d+|\d+-\d+)\.HTM$", re.I)
ITEM_ID = re.compile(r"^(?P<meeting>\d+)-(?P<position>\d+)$")
MARKERS = (("<!--DATABEGIN-->", "<!--DATAEND-->"), ("<!--DATA_BEGIN-->", "<!--DATA_END-->"))
NAVIGATION_LINKS = ("Edellinen asia", "Seuraava asia", "Muutoksenhakuohje")
#: Captions that label what follows them as a section does: kept as a line of text.
KEPT_CAPTIONS = ("Liitteet", "Oheismateriaali")
PAGE_FOR = {"meeting_handlers": "bodies", "meetings": "meetings", "meeting": "meeting", "meetingitem": "item"}


def dynasty_query(url: str) -> dict[str, str]:
    """The page and id of a DREQUEST.PHP URL, whatever the parameter order."""
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def link_kind(url: str) -> str | None:
    """What a Dynasty URL points at: ``bodies``, ``meetings``, ``meeting``, ``item``, ``pdf`` or
    ``feed``; None for anything else (search, help, another site)."""
    path = urlsplit(url).path
    if PDF_ID.search(path):
        return "pdf"
    page = dynasty_query(url).get("page")
    if page is not None:
        return "feed" if page.startswith("rss/") else PAGE_FOR.get(page)
    static = STATIC_PAGE.search(path)
    if static is None:
        return None
    name = static["name"].upper()
    if name == "TELIMET":
        return "bodies"
    if name.startswith("TELIN-"):
        return "meetings"
    return "item" if "-" in name else "meeting"


def page_id(url: str) -> str | None:
    """The meeting or item id a page URL names: ``2017406946`` or ``2017406946-3``."""
    if (found := dynasty_query(url).get("id")) is not None:
        return found or None
    static = STATIC_PAGE.search(urlsplit(url).path)
    return static["name"] if static and static["name"][0].isdigit() else None


def pdf_id(url: str) -> str | None:
    """The id a PDF link names: a meeting's, an item's (``<meetingId>-<n>``) or an attachment's."""
    found = PDF_ID.search(urlsplit(url).path)
    return found["id"] if found else None


def agenda_position_from_url(url: str) -> int | None:
    """The asianro from an item URL (``meetingitem&id=<meetingId>-<n>`` or ``<meetingId>-<n>.HTM``):
    an agenda position, never the §."""
    found = ITEM_ID.match(page_id(url) or "")
    return int(found["position"]) if found and link_kind(url) == "item" else None


class PageCutShort(ValueError):
    """A page whose content block opens and never closes: the response was cut off (a proxy error in
    the middle of the document, a dropped connection the server did not report). Reading what came
    would load part of an item as if it were all of it."""


def data_block(html: str) -> tuple[str, str]:
    """The page before its content block, and the block, between either pair of markers; the whole
    page as the block when there are none. A start marker without its end marker raises
    ``PageCutShort``."""
    for begin, end in MARKERS:
        start = html.find(begin)
        if start >= 0:
            stop = html.find(end, start)
            if stop < 0:
                raise PageCutShort(f"page cut short: {begin} without {end}")
            return html[:start], html[start + len(begin) : stop]
    return "", html


def item_pdf_url(html: str, url: str) -> str | None:
    """The item's own PDF: the link to this item's ``<meetingId>-<n>.PDF`` where the URL names the
    item, else the first link to an item PDF whose text begins "Kokousasia"."""
    own = page_id(url) if link_kind(url) == "item" else None
    labelled = []
    for link in LexborHTMLParser(html).css("a[href]"):
        href = link.attributes.get("href") or ""
        found = pdf_id(href)
        if found is None or found.count("-") != 1:
            continue  # a meeting's or an attachment's PDF
        if found == own:
            return canonical_url(urljoin(url, href))
        if " ".join(link.text(deep=True).split()).startswith("Kokousasia"):
            labelled.append(canonical_url(urljoin(url, href)))
    # A page whose URL names another item than its PDF link does is not that item's page.
    return labelled[0] if labelled and own is None else None


def without_navigation(html: str) -> str:
    """``html`` with the item navigation removed, whatever element carries it (a table or div with
    a navigation class, one captioned "Navigointi", or any table or div whose links are the
    navigation's own: Edellinen asia, Seuraava asia, Muutoksenhakuohje), and tables' captions but
    those that label a section (Liitteet, Oheismateriaali)."""
    tree = LexborHTMLParser(html)
    doomed = list(tree.css(".navigation, .page-navigation"))
    for caption in tree.css("caption"):
        text = " ".join(caption.text(deep=True).split())
        if text == "Navigointi" and caption.parent is not None:
            doomed.append(caption.parent)
        elif text not in KEPT_CAPTIONS:
            # Live pages caption every table; a caption is the table's name, not the item's text
            # (left in, "Navigointi" or "Kokousasia" became every item's title).
            doomed.append(caption)
    for node in tree.css("table, div"):
        texts = {" ".join(a.text(deep=True).split()) for a in node.css("a")}
        if texts & set(NAVIGATION_LINKS) and not _holds_content(node):
            doomed.append(node)
    for node in doomed:
        node.decompose()
    return tree.html or ""


def _holds_content(node) -> bool:
    """Whether an element holds more than the navigation: text beyond its links' and the bars."""
    text = node.text(deep=True)
    for link in node.css("a"):
        text = text.replace(link.text(deep=True), "")
    return len(text.replace("|", "").replace("©", "").split()) > 3


def item_lines(html: str) -> list[str]:
    """The rendered lines of an item page's content, with its header (which may stand above the
    block) at the top where the block itself lacks one. A page that opens ``<html>`` and never closes
    it was cut off: ``PageCutShort``."""
    lowered = html.lower()
    if "<html" in lowered and "</html>" not in lowered:
        raise PageCutShort("page cut short: <html> without </html>")
    head, block = data_block(html)
    lines = html_lines(without_navigation(block))
    if head and not _has_header(lines):
        head_lines = [line for line in html_lines(without_navigation(head)) if line.strip()]
        header = _header_lines(head_lines)
        lines = header + lines
    return lines


def _has_header(lines: list[str]) -> bool:
    return find_header([line for line in lines if line.strip()]) is not None


def _header_lines(lines: list[str]) -> list[str]:
    """The header of a page head: the line with "Pöytäkirja/Esityslista <date> …" and the body's line
    above it (or the body on the same line, which ``find_header`` reads as well)."""
    header = find_header(lines)
    if header is None:
        return []
    return [*lines[max(0, header.index - 1) : header.index + 1], ""]


def parse_item_page(html: str, url: str, abbreviations: dict[str, str] | None = None) -> ParsedItem:
    item = parse_item_lines(item_lines(html), abbreviations, agenda_position=agenda_position_from_url(url))
    item.pdf_url = item_pdf_url(html, url)
    return item
