"""Item text → handlings, for any platform whose pages read as lines of rendered text.

An item page (or a PDF of one) holds a header naming the page's own meeting, a title, and one or more
handlings, each introduced by a line such as ``Kunnanhallitus 01.03.2021 § 43`` (or ``KH 01.03.2021
§ 43``, or without § on an agenda) and made of labelled sections: Valmistelija, Selostus, Esittelijä,
Päätösehdotus, Käsittely, Päätös… Text that no label introduces is the explanation. Labels are matched
at the start of a line, alone or followed by a colon, a tab or the section's first words, because
extracted PDF text and HTML tables put them in all three ways.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from core.dates import fi_date
from parsing.bodies import canonical_body, looks_like_body
from parsing.html import ELEMENT_BOUNDARY
from parsing.model import ParsedHandling, ParsedItem
from parsing.outcome import decision_outcome
from parsing.people import (
    clean_person_lines,
    continues_person,
    disqualified_people,
    is_role,
    looks_like_person_line,
    starts_with_role,
    strip_contacts,
)
from parsing.text import clean_characters, normalise_lines

# Section labels as printed, and the field each one opens. Longer spellings first.
LABELS: dict[str, str] = {
    "Valmistelijat / lisätiedot": "preparer",
    "Valmistelija / lisätiedot": "preparer",
    "Valmistelijat ja lisätiedot": "preparer",
    "Valmistelija ja lisätiedot": "preparer",
    "Valmistelu ja lisätiedot": "preparer",
    "Lisätiedot antaa": "preparer",
    "Valmistelijat": "preparer",
    "Valmistelija": "preparer",
    "Lisätietoja": "preparer",
    "Lisätiedot": "preparer",
    "Valmistelu": "preparer_or_explanation",
    "Selostus": "explanation",
    "Perustelut": "explanation",
    "Kuvaus": "explanation",
    "Esittelyteksti": "explanation",
    "Tiivistelmä": "explanation",
    "Esittelijä": "presenter",
    "Kaupunginhallituksen ehdotus": "proposal",
    "Kaupunginhallituksen esitys": "proposal",
    "Kunnanhallituksen ehdotus": "proposal",
    "Kunnanhallituksen esitys": "proposal",
    "Maakuntahallituksen ehdotus": "proposal",
    "Aluehallituksen ehdotus": "proposal",
    "Aluehallituksen esitys": "proposal",
    "Kaupunginjohtajan esitys": "proposal",
    "Kaupunginjohtajan ehdotus": "proposal",
    "Kunnanjohtajan esitys": "proposal",
    "Kunnanjohtajan ehdotus": "proposal",
    "Päätösehdotus": "proposal",
    "Päätösesitys": "proposal",
    "Ehdotus": "proposal",
    "Esitys": "proposal",
    "Käsittely": "discussion",
    "Päätös": "decision",
    "Toimivalta": "authority",
    "Jakelu": "distribution",
    "Tiedoksianto": "distribution",
    "Tiedoksi": "distribution",
    "Täytäntöönpano": "distribution",
    "Muutoksenhakuohje": "appeal",
    "Muutoksenhaku": "appeal",
    "Liitteet": "attachments",
    "Liite": "attachments",
    "Oheismateriaali": "attachments",
    "Aikaisempi käsittely": "earlier",
    "Päätöshistoria": "earlier",
    "Diaarinumero": "diary",
    "Dnro": "diary",
    "Dno": "diary",
}
# Labels that are also ordinary first words of a sentence ("Ehdotus hyväksyttiin."): a label only alone
# or before a tab or colon.
ALONE_ONLY = {"Ehdotus", "Esitys", "Lisätiedot", "Lisätietoja", "Liitteet", "Liite", "Oheismateriaali"}
#: Fields whose label word also begins sentences with a verb after it ("Päätös tarkastetaan heti.",
#: "Käsittely jatkuu."): followed by a plain space and a lower-case word, such a line is text.
SENTENCE_FIELDS = {"decision", "discussion", "proposal", "explanation", "authority"}
LABEL_LINE = re.compile(
    r"^\s*(?P<label>" + "|".join(re.escape(k) for k in sorted(LABELS, key=len, reverse=True)) + r")"
    r"(?:\s*\([^)]*\))?\s*(?P<sep>:|\t|\s|$)\s*(?P<rest>.*)$"
)

#: A page header: "Pöytäkirja 26.04.2021/Pykälä 14" (live), "Pöytäkirja 08.05.2017 Pykälä 127" (static), the
#: body on the line above it or before it on the same line.
HEADER = re.compile(
    r"^\s*(?P<body>[^\t]*?)\s*(?P<kind>Pöytäkirja|Esityslista)\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{4})"
    r"\s*/?\s*(?:Pykälä|Asianro)\s+(?P<number>\d+)"
)
#: A title line without a number ("Konsernijaosto Pöytäkirja 16.06.2026", a live page's ``h1title``):
#: the header of last resort.
TITLE_HEADER = re.compile(
    r"^\s*(?P<body>[^\t\d]{2,80}?)\s+(?P<kind>Pöytäkirja|Esityslista)\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{4})\s*$"
)
HEADING = re.compile(
    r"^\s*(?P<body>[^\d\t§]{2,80}?)[\s,]+(?P<date>\d{1,2}\.\d{1,2}\.\d{4})(?:\s*§\s*(?P<section>\d+))?\s*$"
)
SECTION_LINE = re.compile(r"^\s*§\s*(\d+)\s*$")
#: A handling's heading printed as three cells (or lines): body, "105 §", "10.4.2017" (Word exports).
SECTION_CELL = re.compile(r"^\s*(?:§\s*(?P<a>\d+)|(?P<b>\d+)\s*§)\s*$")
DATE_CELL = re.compile(r"^\s*(?P<date>\d{1,2}\.\d{1,2}\.\d{4})\s*$")
#: The task class printed under a diary number on its own line ("00.01.01.00"): part of the number's
#: record, not a title.
TASK_CLASS = re.compile(r"^\s*\d{2}(?:\.\d{2}){1,4}\s*$")
#: A diary number standing alone on its line, in the forms the platforms print: the archive code form
#: ``810/04.03.01/2020``, optionally after an organisation code (``KH 810/…``, ``TRE:4787/10.03.01/2016``);
#: CaseM's ``<organisation>Dno-<year>-<n>``, where the organisation is an upper-case code (``HOLDno``), a
#: capitalised abbreviation (``MliDno``) or a whole place name (``JyväskyläDno``); and ``225/2022``.
DIARY_NUMBER = re.compile(
    r"^\s*(?P<dno>(?:[A-ZÅÄÖ]{2,8}(?:\s|/|:\s?)?)?\d{1,6}/\d{2}(?:\.\d{2}){0,6}/\d{4}"
    r"|[A-ZÅÄÖ][A-Za-zÅÄÖåäö]{1,20}Dno-\d{4}-\d+|\d{1,6}/\d{4})\s*$"
)
ATTACHMENT_LINE = re.compile(r"^\s*\d{1,2}(?:\t|\s+\|\s+|\s+)\S")
FURNITURE = re.compile(
    r"^(?:RSS-linkki|Kokousasiat:|Kokoukset:|https?://\S+$|Dynasty tietopalvelu)|"
    r"Edellinen asia|Seuraava asia|Kokousasia PDF-muodossa|^Banneri$"
)
BODY_IN_PROPOSAL = re.compile(
    r"^\s*(?P<body>[A-ZÅÄÖ][\w-]*(?:\s(?:ja|-)\s[\w-]+)*?(?:lautakunta|hallitus|valtuusto|jaosto|toimikunta|johtokunta))\s+"
    r"(?:päättää|päätti|esittää|hyväksyy|merkitsee|antaa|myöntää|valitsee)"
)
PROCEDURAL_TITLE = re.compile(
    r"laillisuu|päätösvaltaisuu|pöytäkirjan\s+tarkast|tarkastajien\s+valinta|pöytäkirjantarkast|"
    r"työjärjestys|ilmoitusasiat|viranhaltijapäätö|viranhaltijoiden\s+päätö|kokouksen\s+avaus|"
    r"esityslistan\s+hyväksyminen|kokouksen\s+päättäminen|tiedoksi\s+merkittävät|muut\s+asiat$|"
    r"saapuneet\s+kirjeet|kokouksen\s+järjestäytyminen|ääntenlaskij",
    re.I,
)

# What a standing item proposes, for an excerpt that lost its title.
PROCEDURAL_PROPOSAL = re.compile(
    r"(?:lailliseksi|laillisesti\s+koolle\s+kutsutuksi)\s+ja\s+päätösvaltaiseksi|"
    r"pöytäkirjan\s*tarkastajiksi|työjärjestykseksi",
    re.I,
)


def is_procedural_item(title: str | None, proposal: str | None) -> bool:
    """A standing item (lawfulness of the meeting, minute checkers, agenda order…) by its title, or by
    its proposal where the text shows no title."""
    if title:
        return bool(PROCEDURAL_TITLE.search(title))
    return bool(proposal and PROCEDURAL_PROPOSAL.search(proposal))


def clean_line(line: str) -> str:
    """A rendered line with clean characters, its tabs kept: a tab is where a table row's label cell
    ends (``Valmistelija<TAB>…``, ``1<TAB>Attachment name``). Where two spans met with no space
    between them (``ELEMENT_BOUNDARY``), a label or a role in the first span ends there as if at a
    tab ("Valmistelija" + "Hallintojohtaja …"); any other boundary joins its two halves (a word split
    across spans)."""
    if ELEMENT_BOUNDARY in line:
        first, rest = line.split(ELEMENT_BOUNDARY, 1)
        line = f"{first}\t{rest}" if _labels_a_row(first) else f"{first}{rest}"
    if "\t" not in line:
        return clean_characters(line).rstrip()
    return "\t".join(clean_characters(part) for part in line.split("\t")).rstrip()


@dataclass
class Header:
    index: int
    body_printed: str | None
    document_type: str
    date: date
    number: int | None  # the § (minutes) or the asianro (agenda); None from a title line


def find_header(lines: list[str]) -> Header | None:
    """The page's own header: a numbered one ("Pöytäkirja 26.04.2021/Pykälä 14"), else a title line
    ("Konsernijaosto Pöytäkirja 16.06.2026")."""
    for pattern in (HEADER, TITLE_HEADER):
        for index, line in enumerate(lines):
            match = pattern.match(line)
            if not match:
                continue
            try:
                when = fi_date(match["date"])
            except ValueError:
                continue
            body = match["body"].strip(" |-–") or next(
                (lines[j].strip() for j in range(index - 1, -1, -1) if lines[j].strip()), None
            )
            kind = "minutes" if match["kind"] == "Pöytäkirja" else "agenda"
            number = int(match["number"]) if "number" in match.groupdict() else None
            return Header(index, body, kind, when, number)
    return None


def heading_of(line: str, abbreviations: dict[str, str]) -> tuple[str, date, int | None] | None:
    match = HEADING.match(line)
    if not match or not looks_like_body(match["body"], abbreviations):
        return None
    try:
        when = fi_date(match["date"])
    except ValueError:
        return None
    return match["body"].strip(), when, int(match["section"]) if match["section"] else None


def _labels_a_row(text: str) -> bool:
    """Whether a span's whole text is a section label or a role (a presenter's title standing where
    Dynasty 10 pages put the label of the proposal)."""
    text = " ".join(clean_characters(text).split())
    return text in LABELS or (len(text.split()) <= 2 and is_role(text))


def match_label(line: str) -> tuple[str, str] | None:
    match = LABEL_LINE.match(line)
    if not match:
        return None
    label, rest = match["label"], match["rest"].strip()
    if label in ALONE_ONLY and rest and match["sep"] not in ("\t", ":"):
        return None  # "Ehdotus hyväksyttiin." is a sentence; "Liitteet<TAB>1 Kartta" a labelled row
    gap = line[match.end("label") : match.start("rest")]
    if LABELS[label] in SENTENCE_FIELDS and gap == " " and rest[:1].islower() and not starts_with_role(rest):
        return None  # "Päätös tarkastetaan heti." is a sentence, not the decision's label
    return LABELS[label], rest


def presenter_row(line: str) -> tuple[str, str] | None:
    """(role, proposal) from a row whose label cell is the presenter's title and whose text is the
    proposal ("Kaupunginjohtaja<TAB>Konserni- ja kaupunkikehitysjaosto päättää, että …"), as Dynasty 10
    pages print the proposal; None for any other line."""
    if "\t" not in line:
        return None
    role, text = (part.strip() for part in line.split("\t", 1))
    if is_role(role) and BODY_IN_PROPOSAL.match(text):
        return role, text
    return None


def split_sections(lines: list[str]) -> dict[str, list[str]]:
    """A handling's lines → field → lines. Unlabelled text is explanation; a preparer section holds
    only the person lines that follow its label (a name wrapped over two lines included), a presenter
    section one person, after whom unlabelled text continues the proposal."""
    sections: dict[str, list[str]] = {}
    current = "explanation"
    for line in lines:
        if presented := presenter_row(line):
            sections.setdefault("presenter", []).append(presented[0])
            current = "proposal"
            sections.setdefault(current, []).append(presented[1])
            continue
        labelled = match_label(line)
        if labelled:
            section, rest = labelled
            if section == "preparer_or_explanation":
                section = "preparer" if rest and looks_like_person_line(rest) else "explanation"
            if section == "proposal" and rest and starts_with_role(rest):
                sections.setdefault("presenter", []).append(rest)
                rest = ""
            current = section
            sections.setdefault(current, [])
            if rest:
                sections[current].append(rest)
            continue
        if current in ("preparer", "presenter") and line.strip():
            current = _person_section_goes_on(current, sections[current], line)
        sections.setdefault(current, []).append(line)
    return sections


def _person_section_goes_on(current: str, section: list[str], line: str) -> str:
    """Where a line after preparer or presenter lines belongs: to the same person when it carries
    on a wrapped name or contact details, else to the explanation (after a preparer) or the proposal
    (after a presenter, whose label sits in the proposal's place)."""
    filled = [entry for entry in section if entry.strip()]
    if filled and continues_person(filled[-1], line) and (section[-1].strip() or not strip_contacts(line)):
        return current
    if current == "preparer":
        return "preparer" if looks_like_person_line(line) else "explanation"
    return "proposal" if filled else "presenter"


def _text(lines: list[str] | None) -> str | None:
    if not lines:
        return None
    return normalise_lines(lines) or None


def _without_sentences(text: str | None, names: list[str]) -> str | None:
    if not text or not names:
        return text
    paragraphs = [p for p in text.split("\n\n") if not any(name in p for name in names)]
    return "\n\n".join(paragraphs) or None


def build_handling(
    lines: list[str],
    heading: tuple[str, date, int | None] | None,
    is_own: bool,
    abbreviations: dict[str, str],
    heading_line: str | None = None,
    text: str | None = None,
) -> ParsedHandling:
    """One handling from its lines. Its ``text`` is its lines normalised, unless the caller gives it
    (the page's own handling carries the whole item's text)."""
    sections = split_sections(lines)
    proposal = _text(sections.get("proposal"))
    decision_text = _text(sections.get("decision"))
    discussion = _text(sections.get("discussion"))
    disqualified = disqualified_people(decision_text or "") + disqualified_people(discussion or "")
    disqualified = list(dict.fromkeys(disqualified))
    decision = _without_sentences(decision_text, disqualified)
    body_printed = heading[0] if heading else None
    if body_printed is None and proposal and (found := BODY_IN_PROPOSAL.match(proposal)):
        body_printed = found["body"]
    if text is None:
        text = normalise_lines(([heading_line] if heading_line else []) + lines)
    return ParsedHandling(
        body=canonical_body(body_printed, abbreviations),
        body_printed=body_printed,
        meeting_date=heading[1] if heading else None,
        section=heading[2] if heading else None,
        is_own=is_own,
        preparer=clean_person_lines(sections.get("preparer", [])),
        presenter=clean_person_lines(sections.get("presenter", [])),
        explanation=_text(sections.get("explanation")),
        proposal=proposal,
        discussion=discussion,
        decision=decision,
        decision_outcome=decision_outcome(proposal, decision, discussion),
        disqualifications=disqualified,
        text=text,
    )


@dataclass
class Preamble:
    """What precedes the first handling: the title, a diary number on some sites, attachment names, and
    labelled sections that a PDF's text came out with before the heading (``misplaced``)."""

    title: str | None = None
    diary_number: str | None = None
    attachments: list[str] = field(default_factory=list)
    misplaced: list[str] = field(default_factory=list)


def diary_number_of(line: str) -> str | None:
    """The diary number a line holds alone, or after a ``Dno`` caption (TWeb PDFs)."""
    if found := DIARY_NUMBER.match(line):
        return found["dno"]
    labelled = match_label(line)
    if labelled and labelled[0] == "diary" and (found := DIARY_NUMBER.match(labelled[1])):
        return found["dno"]
    return None


def _joined_title(run: list[str]) -> str:
    """A title from its lines: a PDF wraps a long title, so a line of 40 characters or more followed
    by another is one title; otherwise the last line is (the ones above it are attachment names)."""
    run = [" ".join(line.split()) for line in run]
    title = run[-1]
    for line in reversed(run[:-1]):
        if len(line) < 40:
            break
        title = normalise_lines([line, title])
    return title


def read_preamble(lines: list[str]) -> Preamble:
    """Attachments, a diary number and the title (the last run of lines) before the first handling
    heading. Text extracted from a PDF in drawing order may put the decision, the presenter or the
    proposal above the heading: a run of lines opening with such a label, other than the last run (a
    title such as "Päätös kuntayhtymän purkamisesta" may read like one), belongs to the page's own
    handling."""
    preamble = Preamble()
    runs: list[list[str]] = [[]]
    listing_attachments = False  # the lines under a "Liitteet" label, up to a blank line
    for line in lines:
        stripped = line.strip()
        if not stripped:
            runs.append([])
            listing_attachments = False
            continue
        if SECTION_LINE.match(line) or TASK_CLASS.match(line):
            continue
        if dno := diary_number_of(line):
            preamble.diary_number = preamble.diary_number or dno
            runs.append([])
        elif ATTACHMENT_LINE.match(line) and ("\t" in line or " | " in line):
            name = re.split(r"\t|\s\|\s", stripped, maxsplit=1)[1]
            preamble.attachments.append(name.strip().strip("|").strip())
        elif (labelled := match_label(line)) and labelled[0] in ("attachments", "earlier"):
            runs.append([])
            listing_attachments = labelled[0] == "attachments"
            if listing_attachments and labelled[1]:
                preamble.attachments.append(labelled[1])
        elif listing_attachments:
            preamble.attachments.append(stripped)
        else:
            runs[-1].append(line)
    filled = [run for run in runs if run]
    preamble.title = _joined_title(filled[-1]) if filled else None
    for run in filled[:-1]:
        if (labelled := match_label(run[0])) and labelled[0] not in ("attachments", "earlier", "diary"):
            preamble.misplaced += [*run, ""]
    return preamble


def _title_after_section_line(block: list[str], start: int) -> tuple[str | None, int]:
    """The title under a "§ N" line standing alone (wellbeing-county pages, TWeb PDFs) and the index
    after it."""
    run: list[str] = []
    index = start
    while index < len(block):
        line = block[index]
        if not line.strip():
            if run:
                break
            index += 1
            continue
        if match_label(line) or diary_number_of(line) or SECTION_LINE.match(line):
            break
        run.append(line.strip())
        index += 1
    return (_joined_title(run) if run else None), index


def _own_block(blocks: list[tuple], header: Header | None, abbreviations: dict[str, str]) -> int | None:
    """Which block is the page's own handling: the one whose heading names the header's body and
    date (or its date and §), else the last. None when the header's meeting comes after every heading
    printed: the page shows only earlier handlings (an excerpt cut before its own one)."""
    if header is None:
        return len(blocks) - 1
    header_body = canonical_body(header.body_printed, abbreviations)
    for n, (heading, _, _) in enumerate(blocks):
        if heading and heading[1] == header.date:
            same_body = canonical_body(heading[0], abbreviations) == header_body
            same_section = header.document_type == "minutes" and heading[2] == header.number
            if same_body or same_section:
                return n
    headings = [heading for heading, _, _ in blocks]
    if headings and all(heading and heading[1] < header.date for heading in headings):
        return None
    return len(blocks) - 1


def _cleaned_block(block: list[str], title: str | None) -> tuple[list[str], str | None, str | None]:
    """A handling's lines without the "§ N" line, the repeated title and the diary number at its
    start; the title found under a "§ N" line and the diary number, if any."""
    body_lines: list[str] = []
    diary_number = None
    index = 0
    while index < len(block):
        line = block[index]
        index += 1
        if SECTION_LINE.match(line):
            found, after = _title_after_section_line(block, index)
            if title is None and found:
                title, index = found, after
            continue
        at_start = not any(b.strip() for b in body_lines)
        if title and " ".join(line.split()) == title and at_start:
            continue
        if at_start and (dno := diary_number_of(line)):
            diary_number = diary_number or dno
            continue
        body_lines.append(line)
    return body_lines, title, diary_number


def _document_type(header: Header | None, own_heading: tuple | None, own: ParsedHandling) -> str | None:
    """Minutes or agenda: the header says; without one (a PDF), the own handling's heading does (an
    agenda prints it without §), else a printed decision makes minutes."""
    if header:
        return header.document_type
    if own_heading:
        return "minutes" if own_heading[2] is not None else "agenda"
    return "minutes" if own.decision else None


def joined_cell_headings(lines: list[str], abbreviations: dict[str, str]) -> list[str]:
    """``lines`` with each handling heading printed as three cells (body, "105 §", "10.4.2017", on lines
    of their own or tab-separated on one) written as one heading line, "Kaupunginhallitus 10.4.2017 §
    105", the form ``heading_of`` reads."""
    out = list(lines)
    for index, line in enumerate(out):
        cells = [c.strip() for c in line.split("\t")] if line.count("\t") == 2 else None
        if cells is None:
            following = [j for j in range(index + 1, min(index + 8, len(out))) if out[j].strip()][:2]
            if len(following) < 2 or not line.strip():
                continue
            cells = [line.strip(), out[following[0]].strip(), out[following[1]].strip()]
        else:
            following = []
        body, *rest = cells
        numbers = [SECTION_CELL.match(c) for c in rest]
        dates = [DATE_CELL.match(c) for c in rest]
        if not (any(numbers) and any(dates)) or numbers == dates:
            continue
        number = next(m for m in numbers if m)
        joined = f"{body} {next(m for m in dates if m)['date']} § {number['a'] or number['b']}"
        if heading_of(joined, abbreviations) is None:
            continue
        out[index] = joined
        for j in following:
            out[j] = ""
    return out


def _own_section_line(lines: list[str], start: int, header: Header | None, headings: set[int]) -> int | None:
    """Where the page's own handling begins when the page prints only "§ N" for it (static exports:
    the header names the §, an earlier handling's heading may stand above it): the first "§ N" line
    after the header with the header's own §."""
    if header is None or header.document_type != "minutes" or header.number is None:
        return None
    for index in range(start, len(lines)):
        found = SECTION_LINE.match(lines[index])
        if found and int(found[1]) == header.number and index not in headings:
            return index
    return None


def _merged_blocks(
    blocks: list[tuple[tuple | None, str | None, list[str]]], abbreviations: dict[str, str]
) -> list[tuple[tuple | None, str | None, list[str]]]:
    """One block per handling: a page that names one earlier handling twice (a reference at the top,
    its text under "Päätöshistoria" further down) gives one handling, at its first place, with the
    lines of both."""
    merged: dict[object, int] = {}
    out: list[tuple[tuple | None, str | None, list[str]]] = []
    for heading, heading_line, block in blocks:
        key = (canonical_body(heading[0], abbreviations), heading[1], heading[2]) if heading else object()
        if key in merged:
            first_heading, first_line, first_block = out[merged[key]]
            out[merged[key]] = (first_heading, first_line or heading_line, first_block + block)
            continue
        merged[key] = len(out)
        out.append((heading, heading_line, block))
    return out


def parse_item_lines(
    raw_lines: list[str],
    abbreviations: dict[str, str] | None = None,
    agenda_position: int | None = None,
) -> ParsedItem:
    """Parse the rendered text of one item (page, PDF or pasted text) into its handlings."""
    abbreviations = abbreviations or {}
    lines = [clean_line(line) for line in raw_lines]
    lines = [line for line in lines if not FURNITURE.search(line.strip())]
    lines = joined_cell_headings(lines, abbreviations)
    header = find_header(lines)
    start = header.index + 1 if header else 0
    heads = [(i, h) for i in range(start, len(lines)) if (h := heading_of(lines[i], abbreviations))]
    own_line = _own_section_line(lines, start, header, {i for i, _ in heads})
    if own_line is not None:
        heads = sorted([*heads, (own_line, (header.body_printed, header.date, header.number))])

    preamble = read_preamble(lines[start : heads[0][0]]) if heads else Preamble()
    title, diary_number = preamble.title, preamble.diary_number

    blocks: list[tuple[tuple | None, str | None, list[str]]] = []
    if heads:
        for n, (index, heading) in enumerate(heads):
            end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
            if index == own_line:  # the "§ N" line stays: the title under it is read from the block
                blocks.append((heading, None, lines[index:end]))
            else:
                blocks.append((heading, lines[index].strip(), lines[index + 1 : end]))
    else:
        blocks.append((None, None, lines[start:]))

    cleaned_blocks = []
    for heading, heading_line, block in _merged_blocks(blocks, abbreviations):
        # the title under the own handling's "§ N" line is the item's, whatever the preamble held
        under_own_section = heading_line is None and bool(block) and SECTION_LINE.match(block[0])
        body_lines, found, dno = _cleaned_block(block, None if under_own_section else title)
        title = found or title
        diary_number = diary_number or dno
        cleaned_blocks.append((heading, heading_line, body_lines))

    own_index = _own_block(cleaned_blocks, header, abbreviations)
    if own_index is None:
        cleaned_blocks.append((None, None, []))
        own_index = len(cleaned_blocks) - 1
    if preamble.misplaced:
        heading, heading_line, block = cleaned_blocks[own_index]
        cleaned_blocks[own_index] = (heading, heading_line, preamble.misplaced + block)
    item_text = normalise_lines(
        ([title] if title else []) + [line for _, hl, b in cleaned_blocks for line in [hl or "", *b]]
    )
    handlings = [
        build_handling(
            block,
            heading,
            n == own_index,
            abbreviations,
            heading_line,
            text=item_text if n == own_index else None,
        )
        for n, (heading, heading_line, block) in enumerate(cleaned_blocks)
    ]
    own = handlings[own_index]
    if header:
        own.body = canonical_body(header.body_printed, abbreviations) or own.body
        own.body_printed = own.body_printed or header.body_printed
        own.meeting_date = header.date
        if header.document_type == "minutes":
            own.section = header.number
        else:
            own.section = None
            agenda_position = agenda_position or header.number
    document_type = _document_type(header, cleaned_blocks[own_index][0], own)
    return ParsedItem(
        document_type=document_type,
        title=title,
        diary_number=diary_number,
        agenda_position=agenda_position,
        is_procedural=is_procedural_item(title, own.proposal),
        handlings=handlings,
        attachments=preamble.attachments,
        text=item_text,
    )
