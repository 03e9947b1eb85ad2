"""One item from the CaseM open API: ``Contents(<id>)/ExtendedProperties`` → its handlings.

The answer is a list of named properties, so nothing here is guessed from layout: ``Name`` is the title,
``Article`` the §, ``CaseNativeId`` the diary number, ``Description`` / ``Decisionproposal`` /
``Decision`` the texts (entity-encoded HTML), ``Draftsmans`` / ``Presenters`` the people
(``Name;#title;#phone;#email;#`` per person) and ``HistoryTopics`` the earlier handlings, a JSON list
whose entries carry their own body (``Party``), date (``MeetingDate``, ``/Date(ms)/``) and § (``Article``,
0 where the API does not know it) with the API's own spellings (``DescisionProposal``, ``Descision``).

The answer does not say which body's meeting the item is on, nor when: the listing above it did (the
meeting node "Kokous d.m.yyyy" under its body), and the spider passes that down as the document's
context. A saved answer read alone therefore has no body or date for its own handling (NULL, not a
guess). A decision present makes minutes; an empty one an agenda, as on the item pages.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from parsing.bodies import canonical_body

# the page parser's own rule for a decision that also tells who was disqualified
from parsing.handlings import _without_sentences, is_procedural_item
from parsing.html import html_lines
from parsing.model import ParsedHandling, ParsedItem
from parsing.outcome import decision_outcome
from parsing.people import clean_person_lines, disqualified_people
from parsing.text import clean_characters, normalise_lines

HELSINKI = ZoneInfo("Europe/Helsinki")
MS_DATE = re.compile(r"/Date\((?P<ms>-?\d+)(?:[+-]\d{4})?\)/")
ANCHOR_TEXT = re.compile(r"<a\b[^>]*>(?P<text>.*?)</a>", re.I | re.S)
PERSON_SEPARATOR = ";#"
PERSON_FIELDS = 4  # name, title, phone, email


class NotAnItemAnswer(ValueError):
    """An open-API answer that holds no item's properties."""


def answer_of(text: str) -> dict | None:
    """An open-API answer (a JSON object naming its ``odata.metadata``), or None for anything else."""
    if not text.lstrip().startswith("{"):
        return None
    try:
        answer = json.loads(text)
    except ValueError:
        return None
    if not isinstance(answer, dict) or not isinstance(answer.get("value"), list):
        return None
    return answer if "odata.metadata" in answer else None


def answer_set(answer: dict) -> str:
    """Which entity set an answer holds: ``Nodes``, ``Contents``, ``ExtendedProperties``…"""
    return str(answer.get("odata.metadata", "")).rpartition("#")[2].split("/")[0]


def properties_of(answer: dict) -> dict[str, list[str]]:
    """Property name → its texts, in order (``Attachments`` comes once per attachment)."""
    found: dict[str, list[str]] = {}
    for entry in answer.get("value") or []:
        if isinstance(entry, dict) and isinstance(entry.get("Name"), str):
            text = entry.get("Text")
            found.setdefault(entry["Name"], []).append(text if isinstance(text, str) else "")
    return found


def html_text(fragment: str | None) -> str | None:
    """The text of an entity-encoded HTML fragment, paragraphs kept, None when there is none."""
    if not fragment or not fragment.strip():
        return None
    return normalise_lines([clean_characters(line) for line in html_lines(fragment)]) or None


def people_of(field: str | None) -> str | None:
    """``Name;#title;#phone;#email;#`` per person → "Name, title", contacts left out."""
    if not field:
        return None
    parts = field.split(PERSON_SEPARATOR)
    entries = []
    for start in range(0, len(parts) - 1, PERSON_FIELDS):
        name, title = [*parts[start : start + 2], "", ""][:2]
        entry = ", ".join(p.strip() for p in (name, title) if p.strip())
        if entry:
            entries.append(entry)
    return clean_person_lines(entries)


def people_listed(people: object) -> str | None:
    """``[{"Name": …, "Title": …}, …]`` (how ``HistoryTopics`` lists people) → "Name, title"."""
    if not isinstance(people, list):
        return None
    entries = [
        ", ".join(str(p.get(k) or "").strip() for k in ("Name", "Title") if str(p.get(k) or "").strip())
        for p in people
        if isinstance(p, dict)
    ]
    return clean_person_lines([e for e in entries if e])


def helsinki_date(value: object) -> date | None:
    """``/Date(1493127000000)/`` (milliseconds since 1970, UTC) → the date in Helsinki."""
    found = MS_DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    if not found:
        return None
    return datetime.fromtimestamp(int(found["ms"]) / 1000, UTC).astimezone(HELSINKI).date()


def _section(value: object) -> int | None:
    """An ``Article`` as a §: 0 or nothing is "not known"."""
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() and int(text) > 0 else None


def _first(values: dict, *names: str) -> object:
    for name in names:
        if values.get(name) not in (None, ""):
            return values[name]
    return None


def _handling(
    *,
    body_printed: str | None,
    meeting_date: date | None,
    section: int | None,
    is_own: bool,
    texts: dict[str, str | None],
    abbreviations: dict[str, str],
    text: str,
) -> ParsedHandling:
    proposal, decision, discussion = texts["proposal"], texts["decision"], texts["discussion"]
    disqualified = list(
        dict.fromkeys(
            disqualified_people(texts.get("disqualification") or "")
            + disqualified_people(decision or "")
            + disqualified_people(discussion or "")
        )
    )
    decision = _without_sentences(decision, disqualified)
    return ParsedHandling(
        body=canonical_body(body_printed, abbreviations),
        body_printed=body_printed,
        meeting_date=meeting_date,
        section=section,
        is_own=is_own,
        preparer=texts["preparer"],
        presenter=texts["presenter"],
        explanation=texts["explanation"],
        proposal=proposal,
        discussion=discussion,
        decision=decision,
        decision_outcome=decision_outcome(proposal, decision, discussion),
        disqualifications=disqualified,
        text=text,
    )


def _labelled_text(title: str | None, diary_number: str | None, texts: dict[str, str | None]) -> str:
    """The handling's text the way its item page prints it (title, diary number, labelled sections),
    so that an item harvested from the API and from its page compare alike when linking."""
    lines: list[str] = [line for line in (title, diary_number) if line]
    for label, key in (
        ("Valmistelija", "preparer"),
        ("Perustelut", "explanation"),
        ("Ehdotus", "proposal"),
        ("Esittelijä", "presenter"),
        ("Käsittely", "discussion"),
        ("Päätös", "decision"),
    ):
        if texts.get(key):
            lines += ["", label, *texts[key].split("\n")]
    return normalise_lines(lines)


def _earlier(topics_text: str | None, abbreviations: dict[str, str]) -> list[ParsedHandling]:
    """The earlier handlings ``HistoryTopics`` lists (a JSON text inside the property)."""
    if not topics_text or not topics_text.strip():
        return []
    try:
        topics = json.loads(topics_text)
    except ValueError:
        return []
    handlings = []
    for topic in topics if isinstance(topics, list) else []:
        if not isinstance(topic, dict):
            continue
        texts = {
            "explanation": html_text(_first(topic, "Description")),
            "proposal": html_text(_first(topic, "DecisionProposal", "DescisionProposal")),
            "decision": html_text(_first(topic, "Decision", "Descision")),
            "discussion": html_text(_first(topic, "Meetingcontent")),
            "disqualification": html_text(_first(topic, "Disqualification")),
            "preparer": people_listed(topic.get("Draftsmen")),
            "presenter": people_listed(topic.get("Presenters")),
        }
        party = str(topic.get("Party") or "").strip() or None
        handlings.append(
            _handling(
                body_printed=party,
                meeting_date=helsinki_date(topic.get("MeetingDate")),
                section=_section(topic.get("Article")),
                is_own=False,
                texts=texts,
                abbreviations=abbreviations,
                text=_labelled_text(None, None, texts),
            )
        )
    return handlings


def attachment_names(values: list[str]) -> list[str]:
    names = []
    for value in values:
        names += [html_text(found["text"]) or "" for found in ANCHOR_TEXT.finditer(value)]
    return [name for name in names if name]


def parse_properties(
    answer: dict, context: dict | None = None, abbreviations: dict | None = None
) -> ParsedItem:
    """The item an ``ExtendedProperties`` answer describes: earlier handlings first, then its own,
    whose body and date come from ``context`` (what the meeting listing said), else stay None."""
    context, abbreviations = context or {}, abbreviations or {}
    properties = properties_of(answer)
    if "Name" not in properties and "Article" not in properties:
        raise NotAnItemAnswer("an ExtendedProperties answer without Name or Article: not an item")

    def one(name: str) -> str | None:
        texts = properties.get(name) or [None]
        return texts[0].strip() if texts[0] and texts[0].strip() else None

    title = " ".join((one("Name") or "").split()) or None
    diary_number = one("CaseNativeId")
    texts = {
        "explanation": html_text(one("Description")),
        "proposal": html_text(one("Decisionproposal")),
        "decision": html_text(one("Decision")),
        "discussion": html_text(one("Eventhandling")),
        "disqualification": html_text(one("Disqualification")),
        "preparer": people_of(one("Draftsmans")),
        "presenter": people_of(one("Presenters")),
    }
    text = _labelled_text(title, diary_number, texts)
    meeting_date = date.fromisoformat(context["meeting_date"]) if context.get("meeting_date") else None
    own = _handling(
        body_printed=context.get("body") or None,
        meeting_date=meeting_date,
        section=_section(one("Article")),
        is_own=True,
        texts=texts,
        abbreviations=abbreviations,
        text=text,
    )
    return ParsedItem(
        document_type="minutes" if texts["decision"] else "agenda",
        title=title,
        diary_number=diary_number,
        agenda_position=None,
        is_procedural=is_procedural_item(title, own.proposal),
        handlings=[*_earlier(one("HistoryTopics"), abbreviations), own],
        attachments=attachment_names(properties.get("Attachments", [])),
        text=text,
    )
