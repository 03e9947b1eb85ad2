"""The CaseM open API (``/api/opennc/v1/``) of a demo site, shaped like the Mikkeli answers of 2017 in
``../shared/real-markup``: OData v3 JSON, compact, non-ASCII letters escaped (``\\u00e4``), texts as
entity-encoded HTML (``p&auml;&auml;t&ouml;s``), people as ``Name;#title;#phone;#email;#``, earlier
handlings as a JSON text inside ``HistoryTopics`` with the API's own spellings (``DescisionProposal``,
``Descision``) and ``Article`` 0, and a meeting's cover content without a subject.

Node ids: 23 is the site's root (its search node too), 10717 its "Toimielimet" node (the numbers the
Mikkeli answers show); bodies, their "Kokoukset" containers and meetings get ids of their own.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from demo_sites.casem import decision_text, item_number
from demo_sites.content import Body, DemoSite, Handling, Item, Meeting

ROOT_NODE = 23
BODIES_NODE = 10717
MEETING_TYPE = 143
BODY_TYPE = 144
HELSINKI = ZoneInfo("Europe/Helsinki")
CONTENT_TYPE = "application/json;odata=minimalmetadata;streaming=true;charset=utf-8"
ENTITIES = {
    "ä": "&auml;",
    "ö": "&ouml;",
    "å": "&aring;",
    "Ä": "&Auml;",
    "Ö": "&Ouml;",
    "Å": "&Aring;",
    "§": "&sect;",
}


def body_node(body: Body) -> int:
    return 11000 + int(body.id)


def container_node(body: Body) -> int:
    return 12000 + int(body.id)


def meeting_node(meeting: Meeting) -> int:
    return 13000 + int(hashlib.sha256(meeting.id.encode()).hexdigest()[:6], 16) % 6000


def cover_content(meeting: Meeting) -> int:
    return 100000 + meeting_node(meeting)


def _json(metadata_base: str, entity_set: str, values: list[dict]) -> bytes:
    answer = {"odata.metadata": f"{metadata_base}$metadata#{entity_set}", "value": values}
    return json.dumps(answer, separators=(",", ":")).encode("ascii")


def _names(*names: str) -> list[dict]:
    return [{"LanguageId": n, "Name": name, "Link": None} for n, name in enumerate(names, start=1)]


def _stamp(meeting: Meeting, start: str | None = None) -> datetime:
    hour, _, minute = (start or meeting.start or "18.00").partition(".")
    return datetime(meeting.date.year, meeting.date.month, meeting.date.day, int(hour), int(minute or 0))


def _node(node_id: int, parent: int, names: list[dict], when: datetime, node_type: int) -> dict:
    return {
        "NodeId": node_id,
        "ParentId": parent,
        "Names": names,
        "SortOrder": 0,
        "Date": when.isoformat(timespec="milliseconds"),
        "Type": node_type,
    }


def _published(site: DemoSite) -> list[Meeting]:
    return sorted(site.meetings, key=lambda m: m.date)


def _last_change(site: DemoSite, body: Body) -> datetime:
    meetings = [m for m in _published(site) if m.body_id == body.id]
    return _stamp(meetings[-1]) if meetings else datetime(2015, 6, 1, 12, 0)


def children(site: DemoSite, node_id: int) -> list[dict] | None:
    """The nodes under ``node_id``, or None for a node the site does not have."""
    if node_id == ROOT_NODE:
        start = datetime(2015, 5, 21, 16, 21)
        return [
            _node(
                BODIES_NODE, ROOT_NODE, _names("Toimielimet", "Toimielimet en", "Toimielimet sv"), start, 8
            ),
            _node(11533, ROOT_NODE, _names("Viranhaltijat", "Viranhaltijat", "Viranhaltijat"), start, 0),
            _node(
                10686, ROOT_NODE, _names("Ylälaidan linkit", "Ylälaidan linkit", "Ylälaidan linkit"), start, 0
            ),
        ]
    if node_id == BODIES_NODE:
        return [
            _node(body_node(b), BODIES_NODE, _names(b.name), _last_change(site, b), BODY_TYPE)
            for b in site.bodies
        ]
    for body in site.bodies:
        if node_id == body_node(body):
            names = _names("Kokoukset", "Meetings", "Möten")
            return [_node(container_node(body), node_id, names, datetime(2015, 6, 1, 12, 22), 0)]
        if node_id == container_node(body):
            return [
                _node(meeting_node(m), node_id, _names(f"Kokous {_fi(m)}"), _stamp(m), MEETING_TYPE)
                for m in _published(site)
                if m.body_id == body.id
            ]
    if node_id == 11533 or node_id == 10686:
        return []
    return None


def parent_of(site: DemoSite, node_id: int) -> int | None:
    if node_id == BODIES_NODE or node_id in (11533, 10686):
        return ROOT_NODE
    for body in site.bodies:
        if node_id == body_node(body):
            return BODIES_NODE
        if node_id == container_node(body):
            return body_node(body)
    for meeting in site.meetings:
        if node_id == meeting_node(meeting):
            return container_node(site.body(meeting.body_id))
    return None


def nodes_answer(site: DemoSite, chain: list[int], metadata_base: str) -> bytes | None:
    """``Nodes`` (``chain`` empty) or ``Nodes(a)/SubNodes(b)/…/SubNodes()``: the children of the last
    node, when each node of the chain sits under the one before it."""
    for parent, child in itertools.pairwise(chain):
        if parent_of(site, child) != parent:
            return None
    found = children(site, chain[-1] if chain else ROOT_NODE)
    return None if found is None else _json(metadata_base, "Nodes", found)


def _fi(meeting: Meeting) -> str:
    return f"{meeting.date.day}.{meeting.date.month}.{meeting.date.year}"


def _content(
    content_id: int, subject: str, meeting: Meeting, template: int, files: list[int], edited: bool = False
) -> dict:
    """One content as ``Contents()`` lists it; ``edited``: changed since it was first published (an
    agenda item that now carries its decision), which its ``EditedDate`` and ``Version`` show."""
    when = _stamp(meeting).replace(hour=9).isoformat(timespec="milliseconds")
    changed = _stamp(meeting).replace(hour=20).isoformat(timespec="milliseconds") if edited else when
    classifications = [{"NodeId": 59, "NodeName": "Internet", "Type": 12}]
    if not subject:
        classifications.append({"NodeId": 2956, "NodeName": "Näytä tason esittelynä", "Type": 43})
    classifications.append({"NodeId": meeting_node(meeting), "NodeName": f"Kokous {_fi(meeting)}", "Type": 7})
    return {
        "ContentId": content_id,
        "Subject": subject,
        "LanguageId": 1,
        "PublicDate": when,
        "ExpiryDate": when.replace(str(meeting.date.year), str(meeting.date.year + 5), 1),
        "CreatedDate": when,
        "EditedDate": changed,
        "TemplateId": template,
        "Version": 2 if edited else 1,
        "CreatorId": 7519,
        "Editor": 7519,
        "EventStartDate": None,
        "EventEndDate": None,
        "Classifications": classifications,
        "FileLinks": [{"FileId": f} for f in files],
    }


def _file_ids(meeting: Meeting, item: Item) -> list[int]:
    return [item_number(meeting, item) * 10 + n for n in range(1, len(item.attachments) + 1)]


def contents_answer(site: DemoSite, node_id: int, minutes_published: bool, metadata_base: str) -> bytes:
    """The contents classified under a meeting's node: its cover (no subject), then its items."""
    meeting = next((m for m in site.meetings if meeting_node(m) == node_id), None)
    if meeting is None:
        return _json(metadata_base, "Contents", [])
    edited = meeting.published_as == "agenda" and meeting.document_type(minutes_published) == "minutes"
    values = [_content(cover_content(meeting), "", meeting, 71, [cover_content(meeting) * 10], edited)]
    values += [
        _content(item_number(meeting, i), i.title, meeting, 70, _file_ids(meeting, i), edited)
        for i in meeting.items
    ]
    return _json(metadata_base, "Contents", values)


def entity_html(text: str | None) -> str:
    """Paragraphs as ``<p>`` with letters as named entities, the way the API returns texts."""
    if not text:
        return ""
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    html = "".join(f"<p>{escape(p, quote=False)}</p>\n\n" for p in paragraphs)
    return "".join(ENTITIES.get(ch, ch) for ch in html)


def _person_parts(person: str | None) -> tuple[str, str, str]:
    """ "Name, title, email" (how the demo content writes people) → name, title, email."""
    parts = [p.strip() for p in (person or "").split(",")]
    email = next((p for p in parts if "@" in p), "")
    rest = [p for p in parts if p and p != email]
    return (rest[0] if rest else ""), ", ".join(rest[1:]), email


def people_field(person: str | None) -> str:
    if not person:
        return ""
    name, title, email = _person_parts(person)
    return f"{name};#{title};#;#{email};#"


def people_list(person: str | None) -> list[dict]:
    if not person:
        return []
    name, title, email = _person_parts(person)
    return [{"Name": name, "Title": title, "Phone": None, "Email": email}]


def _ms(meeting_date, start: str) -> int:
    hour, _, minute = start.partition(".")
    local = datetime(meeting_date.year, meeting_date.month, meeting_date.day, int(hour), int(minute or 0))
    return int(local.replace(tzinfo=HELSINKI).timestamp() * 1000)


def _history(site: DemoSite, meeting: Meeting, item: Item) -> str:
    """The earlier handlings as the API nests them: a JSON text escaped the way .NET writes it."""
    topics = []
    for handling in item.handlings[:-1]:
        earlier = next(
            (
                m
                for m in site.meetings
                if m.date == handling.date and site.body(m.body_id).name == handling.body
            ),
            None,
        )
        topics.append(
            {
                "Description": entity_html(handling.explanation),
                "DescisionProposal": entity_html(handling.proposal),
                "Descision": entity_html(decision_text(handling)),
                "Party": handling.body,
                "PartySv": "",
                "Article": 0,
                "MeetingDate": f"/Date({_ms(handling.date, earlier.start if earlier else '16.00')})/",
                "Draftsmen": people_list(handling.preparer),
                "Presenters": people_list(handling.presenter),
                "Disqualification": "",
                "DissentingOpinion": "",
                "Meetingcontent": entity_html(handling.discussion),
                "Votings": [],
            }
        )
    text = json.dumps(topics, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _property(prop_id: int, name: str, text: str) -> dict:
    return {"Id": prop_id, "Name": name, "Text": text, "Number": None, "Date": None}


def properties_answer(
    site: DemoSite, content_id: int, minutes_published: bool, metadata_base: str
) -> bytes | None:
    found = next(((m, i) for m in site.meetings for i in m.items if item_number(m, i) == content_id), None)
    if found is None:
        return None
    meeting, item = found
    own: Handling = item.own
    decided = meeting.document_type(minutes_published) == "minutes"
    attachments = [
        _property(
            1703,
            "Attachments",
            f"<a href='download.aspx?ID={file_id}&GUID={{{_guid(file_id)}}}' target='_blank'>"
            f"{escape(name)}.pdf</a>",
        )
        for file_id, name in zip(_file_ids(meeting, item), item.attachments, strict=True)
    ]
    values = [
        _property(1694, "Name", item.title),
        _property(1690, "Article", str(item.section or "")),
        _property(1707, "CaseNativeId", item.diary_number or ""),
        _property(1712, "IsAdditionalTopic", "False"),
        _property(1692, "Description", entity_html(own.explanation)),
        _property(1691, "Decisionproposal", entity_html(own.proposal)),
        _property(1689, "Decision", entity_html(decision_text(own)) if decided else ""),
        _property(1708, "Inform", entity_html(own.distribution) if decided else ""),
        *attachments,
        _property(1709, "HistoryTopics", _history(site, meeting, item)),
        _property(1710, "Draftsmans", people_field(own.preparer)),
        _property(1711, "Presenters", people_field(own.presenter)),
        _property(1715, "DraftingNotes", ""),
        _property(1716, "DecisionNotes", ""),
        _property(1734, "Eventhandling", entity_html(own.discussion) if decided else ""),
        _property(1735, "Disqualification", ""),
        _property(1736, "DissentingOpinion", ""),
    ]
    return _json(metadata_base, "ExtendedProperties", values)


def _guid(file_id: int) -> str:
    digest = hashlib.sha256(str(file_id).encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


NODES_PATH = re.compile(r"^Nodes(?:\((?P<first>\d+)\)(?P<rest>(?:/SubNodes\(\d+\))*)/SubNodes\(\))?$")
CONTENTS_PATH = re.compile(r"^Contents\(\)$")
PROPERTIES_PATH = re.compile(r"^Contents\((?P<id>\d+)\)/ExtendedProperties$")
FILTER = re.compile(r"^Classifications/any\(f:f/NodeId eq (?P<id>\d+)\)$")


def api_answer(
    site: DemoSite, path: str, query: dict[str, str], minutes_published: bool, metadata_base: str
) -> bytes | None:
    """The answer to ``…/api/opennc/v1/<path>?<query>``, or None (404) for what the API does not hold."""
    if found := NODES_PATH.match(path):
        chain = []
        if found["first"]:
            chain = [int(found["first"]), *map(int, re.findall(r"\((\d+)\)", found["rest"] or ""))]
        return nodes_answer(site, chain, metadata_base)
    if CONTENTS_PATH.match(path) and (wanted := FILTER.match(query.get("$filter", "").strip())):
        return contents_answer(site, int(wanted["id"]), minutes_published, metadata_base)
    if found := PROPERTIES_PATH.match(path):
        return properties_answer(site, int(found["id"]), minutes_published, metadata_base)
    return None
