"""CaseM (CloudNC) items: item pages in either layout the sites serve, and open-API answers.

An item page holds a title "§ N Title", the diary number (``HOLDno-2020-729``), "Pöytäkirja on
tarkastettu" on minutes (absent on an agenda), then Valmistelija / Perustelut / Ehdotus / Esittelijä /
Päätös blocks: when the item was handled before (a council item prepared by the board), the earlier
handling's blocks come first, under "Aikaisempi käsittely", without a date or body of their own. A new
block starts where a preparer, explanation or proposal follows a decision; the last block is the page's
own handling. An earlier block's body and date stay NULL here: the identity step matches it to the
earlier handling's own page by diary number.

Which meeting the page is of is said in one of two places. Older pages open the content with "Body,
kokous d.m.yyyy". Live pages may say it only in the breadcrumb ("Asunto- ja kiinteistölautakunta >
Kokous 7.9.2022 > <title>"), behind a side menu (``#Content_sidenaviArea``, on one site 93 officials)
that comes before the main region (``#ContentStart``, ``role="main"``) and is not item text. The main
region is read when the page marks one; the breadcrumb is found by its structure, not by one markup: a
"Kokous d.m.yyyy" segment beside a separator (or inside an element named a breadcrumb), preferably the
one followed by the page's own title, and never one whose date contradicts the ``Kokous_<dmy>`` token of
the page's address.

An open-API answer (``ExtendedProperties``) is read by ``parsing.opennc``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from core.dates import fi_date
from parsing.bodies import canonical_body
from parsing.handlings import DIARY_NUMBER, build_handling, is_procedural_item, match_label
from parsing.html import html_lines, is_skipped
from parsing.model import ParsedItem
from parsing.opennc import answer_of, parse_properties
from parsing.text import clean_characters, normalise_lines

HEADER = re.compile(r"^\s*(?P<body>[^,\t]{2,80}), kokous (?P<date>\d{1,2}\.\d{1,2}\.\d{4})\s*$")
SECTION_TITLE = re.compile(r"^\s*§\s*(?P<section>\d+)\s+(?P<title>\S.*)$")
MINUTES_MARK = "Pöytäkirja on tarkastettu"
STARTS_A_HANDLING = {"preparer", "preparer_or_explanation", "explanation", "proposal", "presenter"}
MEETING_LABEL = re.compile(r"^Kokous\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{4})$", re.I)
MEETING_TOKEN = re.compile(r"/Kokous_(?P<token>\d{5,8})(?:/|$)", re.I)
CRUMB_SEPARATOR = re.compile(r"(\s*[>›»→]\s*)")
CRUMB_NAMES = ("breadcrumb", "murupolku", "crumb")
MAIN_REGIONS = ("#ContentStart", "[role=main]", "main")
#: Breadcrumb segments that are the site's navigation, never a body.
NAVIGATION_WORDS = {"etusivu", "toimielimet", "kokoukset", "haku", "hakutulokset"}


@dataclass(frozen=True)
class Meeting:
    """Which meeting a page says it is of."""

    body: str | None
    meeting_date: date


def token_matches(when: date, url: str | None) -> bool:
    """Whether a date agrees with the ``Kokous_<d><m><yyyy>`` token of ``url`` (unpadded day and month,
    so the token alone cannot name the date, but it can rule one out)."""
    found = MEETING_TOKEN.search(unquote(urlsplit(url or "").path))
    return found is None or found["token"] == f"{when.day}{when.month}{when.year}"


def _in_crumb_element(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None and parent.tag not in ("body", "html"):
        names = f"{parent.attributes.get('class') or ''} {parent.attributes.get('id') or ''}".lower()
        if any(name in names for name in CRUMB_NAMES) or (
            parent.attributes.get("aria-label") or ""
        ).lower() in (
            "breadcrumb",
            "murupolku",
        ):
            return True
        parent = parent.parent
    return False


@dataclass(frozen=True)
class Segment:
    text: str | None  # None: a separator ("›", ">")
    in_crumb_element: bool


def segments_of(tree: LexborHTMLParser) -> list[Segment]:
    """The page's visible text in document order, cut at breadcrumb separators."""
    root = tree.body or tree.root
    found: list[Segment] = []
    if root is None:
        return found
    for node in root.traverse(include_text=True):
        if node.tag != "-text" or is_skipped(node):
            continue
        in_crumb = _in_crumb_element(node)
        for part in CRUMB_SEPARATOR.split(node.text_content or ""):
            if CRUMB_SEPARATOR.fullmatch(part):
                found.append(Segment(None, in_crumb))
            elif text := " ".join(clean_characters(part).split()):
                found.append(Segment(text, in_crumb))
    return found


def _neighbour(segments: list[Segment], index: int, step: int) -> tuple[str | None, bool]:
    """The text segment next to ``index`` in direction ``step``, and whether a separator lay between."""
    index += step
    separated = False
    while 0 <= index < len(segments) and segments[index].text is None:
        separated = True
        index += step
    text = segments[index].text if 0 <= index < len(segments) else None
    return text, separated


def _title_core(title: str | None) -> str | None:
    if not title:
        return None
    found = SECTION_TITLE.match(title)
    return (found["title"] if found else title).strip()


def _follows_title(text: str | None, title: str | None) -> bool:
    """The segment after the meeting is the page's own title (breadcrumbs may shorten it with "…")."""
    core = _title_core(title)
    if not text or not core:
        return False
    shown = text.rstrip(".…").strip()
    return text in (title, core) or (len(shown) >= 10 and core.startswith(shown))


def meeting_in_breadcrumb(tree: LexborHTMLParser, url: str | None, title: str | None) -> Meeting | None:
    """The meeting the breadcrumb names ("… > Body > Kokous d.m.yyyy > title"), or None."""
    segments = segments_of(tree)
    candidates = []
    for index, segment in enumerate(segments):
        found = MEETING_LABEL.match(segment.text or "")
        if not found:
            continue
        try:
            when = fi_date(found["date"])
        except ValueError:
            continue
        before, separated_before = _neighbour(segments, index, -1)
        after, separated_after = _neighbour(segments, index, 1)
        in_crumb = segment.in_crumb_element or separated_before or separated_after
        if not in_crumb or not token_matches(when, url):
            continue
        body = before if before and before.casefold() not in NAVIGATION_WORDS else None
        if not (separated_before or segment.in_crumb_element):
            body = None  # the text before is not a segment of this breadcrumb
        candidates.append((not _follows_title(after, title), index, Meeting(body, when)))
    return min(candidates)[2] if candidates else None


def main_region(tree: LexborHTMLParser) -> LexborNode | None:
    """The page's main region, where the page marks one that holds text."""
    for selector in MAIN_REGIONS:
        node = tree.css_first(selector)
        if node is not None and (node.text(separator=" ") or "").strip():
            return node
    return None


def page_heading(region: LexborNode | LexborHTMLParser) -> str | None:
    node = region.css_first("h1")
    text = " ".join((node.text(separator=" ") if node else "").split())
    return clean_characters(text) or None


def split_blocks(lines: list[str]) -> list[list[str]]:
    """Lines → one list of lines per handling: a block ends once it has a decision and a new
    preparer, explanation or proposal begins."""
    blocks: list[list[str]] = [[]]
    decided = False
    for line in lines:
        labelled = match_label(line)
        if labelled and labelled[0] == "earlier":
            continue
        if labelled and labelled[0] in STARTS_A_HANDLING and decided:
            blocks.append([])
            decided = False
        if labelled and labelled[0] == "decision":
            decided = True
        blocks[-1].append(line)
    return [block for block in blocks if any(line.strip() for line in block)]


def parse_casem_page(
    html: str, url: str, abbreviations: dict[str, str] | None = None, context: dict | None = None
) -> ParsedItem:
    """One archived CaseM item: an open-API answer, or an item page in either layout. ``context`` is
    what the listing said of it (an API answer does not name its own meeting)."""
    answer = answer_of(html)
    if answer is not None:
        return parse_properties(answer, context, abbreviations)
    tree = LexborHTMLParser(html)
    region = main_region(tree)
    heading = page_heading(region or tree)
    meeting = meeting_in_breadcrumb(tree, url, heading)
    lines = html_lines(region.html if region is not None else html)
    return parse_casem_lines(lines, abbreviations, meeting, heading)


def _title_and_diary_number(rest: list[str]) -> tuple[int | None, str | None, str | None, int]:
    """The "§ N Title" line and the diary number under it, and where the handlings begin."""
    title = section = diary_number = None
    body_start = 0
    for index, line in enumerate(rest):
        if not line.strip():
            continue
        if title is None and (found := SECTION_TITLE.match(line)):
            section, title = int(found["section"]), found["title"].strip()
            body_start = index + 1
        elif diary_number is None and (dno := DIARY_NUMBER.match(line)):
            diary_number = dno["dno"]
            body_start = index + 1
        else:
            break
    return section, title, diary_number, body_start


def _from_title_line(lines: list[str], heading: str | None) -> list[str]:
    """A page with no header line: its text from the title ("§ N Title", the page's ``<h1>`` where it
    has one) on, so that navigation and breadcrumb lines above it are not read as item text; failing
    a title, from the first section label on."""
    wanted = " ".join(heading.split()) if heading and SECTION_TITLE.match(heading) else None
    for index, line in enumerate(lines):
        squashed = " ".join(line.split())
        if (wanted and squashed == wanted) or (wanted is None and SECTION_TITLE.match(line)):
            return lines[index:]
    first = next((i for i, line in enumerate(lines) if match_label(line)), len(lines))
    return lines[first:]


def parse_casem_lines(
    raw_lines: list[str],
    abbreviations: dict[str, str] | None = None,
    meeting: Meeting | None = None,
    heading: str | None = None,
) -> ParsedItem:
    """The rendered text of a CaseM item page (from its HTML, or text copied off the page): header,
    title, diary number, then the handlings, earlier ones first. ``meeting`` is what the breadcrumb
    said, for a page whose text has no header line."""
    abbreviations = abbreviations or {}
    lines = [clean_characters(line).rstrip() for line in raw_lines]
    start = next((i for i, line in enumerate(lines) if HEADER.match(line)), None)
    header = HEADER.match(lines[start]) if start is not None else None
    rest = lines[start + 1 :] if start is not None else _from_title_line(lines, heading)
    is_minutes = any(line.strip() == MINUTES_MARK for line in rest)
    rest = [line for line in rest if line.strip() != MINUTES_MARK]
    section, title, diary_number, body_start = _title_and_diary_number(rest)

    blocks = split_blocks(rest[body_start:]) or [[]]
    item_text = normalise_lines([line for line in rest if line.strip() != "Aikaisempi käsittely"])
    own_index = len(blocks) - 1
    handlings = [
        build_handling(block, None, n == own_index, abbreviations, text=item_text if n == own_index else None)
        for n, block in enumerate(blocks)
    ]
    own = handlings[-1]
    if header:
        own.body = canonical_body(header["body"], abbreviations)
        own.body_printed = header["body"].strip()
        own.meeting_date = fi_date(header["date"])
    elif meeting:
        own.body = canonical_body(meeting.body, abbreviations) if meeting.body else None
        own.body_printed = meeting.body
        own.meeting_date = meeting.meeting_date
    own.section = section
    known = header is not None or meeting is not None
    return ParsedItem(
        # Without the header line or a breadcrumb nothing says which meeting this is, nor whether
        # it is minutes.
        document_type=("minutes" if is_minutes else "agenda") if known else None,
        title=title,
        diary_number=diary_number,
        agenda_position=None,
        is_procedural=is_procedural_item(title, own.proposal),
        handlings=handlings,
        text=item_text,
    )
