"""CaseM (CloudNC) item pages.

The page opens "Body, kokous d.m.yyyy", then "Pöytäkirja on tarkastettu" on minutes (absent on an
agenda), "§ N Title" and the diary number (``HOLDno-2020-729``). Then come Valmistelija / Perustelut /
Ehdotus / Esittelijä / Päätös blocks: when the item was handled before (a council item prepared by the
board), the earlier handling's blocks come first, under "Aikaisempi käsittely", without a date or body of
their own. A new block starts where a preparer, explanation or proposal follows a decision; the last
block is the page's own handling. An earlier block's body and date stay NULL here: the identity step
matches it to the earlier handling's own page by diary number.
"""

from __future__ import annotations

import re

from parsing.bodies import canonical_body
from parsing.handlings import DIARY_NUMBER, build_handling, is_procedural_item, match_label
from parsing.html import html_lines
from parsing.model import ParsedItem
from parsing.text import clean_characters, fi_date, normalise_lines

HEADER = re.compile(r"^\s*(?P<body>[^,\t]{2,80}), kokous (?P<date>\d{1,2}\.\d{1,2}\.\d{4})\s*$")
SECTION_TITLE = re.compile(r"^\s*§\s*(?P<section>\d+)\s+(?P<title>\S.*)$")
MINUTES_MARK = "Pöytäkirja on tarkastettu"
STARTS_A_HANDLING = {"preparer", "preparer_or_explanation", "explanation", "proposal", "presenter"}


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


def parse_casem_page(html: str, url: str, abbreviations: dict[str, str] | None = None) -> ParsedItem:
    return parse_casem_lines(html_lines(html), abbreviations)


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


def parse_casem_lines(raw_lines: list[str], abbreviations: dict[str, str] | None = None) -> ParsedItem:
    """The rendered text of a CaseM item page (from its HTML, or text copied off the page): header,
    title, diary number, then the handlings, earlier ones first."""
    abbreviations = abbreviations or {}
    lines = [clean_characters(line).rstrip() for line in raw_lines]
    start = next((i for i, line in enumerate(lines) if HEADER.match(line)), None)
    header = HEADER.match(lines[start]) if start is not None else None
    rest = lines[start + 1 :] if start is not None else _after_chrome(lines)
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
    own.section = section
    return ParsedItem(
        # Without the header line nothing says which meeting this is, nor whether it is minutes.
        document_type=("minutes" if is_minutes else "agenda") if header else None,
        title=title,
        diary_number=diary_number,
        agenda_position=None,
        is_procedural=is_procedural_item(title, own.proposal),
        handlings=handlings,
        text=item_text,
    )


def _after_chrome(lines: list[str]) -> list[str]:
    """A page whose header line is missing (an excerpt, a changed layout): its text from the first
    section label on, so that the page chrome above is not read as item text."""
    first = next((i for i, line in enumerate(lines) if match_label(line)), len(lines))
    return lines[first:]
