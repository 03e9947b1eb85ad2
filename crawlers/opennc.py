"""The CaseM open API (``…/api/opennc/v1/``, OData v3 JSON): its addresses and what each answer lists.

A CloudNC site is a tree of nodes. The root's node "Toimielimet" holds a node per body; a body holds
containers ("Kokoukset") whose nodes are its meetings, each named "Kokous d.m.yyyy"; a meeting's items
are the contents classified under its node (``Contents()?$filter=Classifications/any(…)``), and an
item's fields (title, §, diary number, texts, earlier handlings) are its ``ExtendedProperties``.

Saved answers (Mikkeli, 2017) show ``Nodes``, ``Nodes(10717)/SubNodes()`` and
``Nodes(10717)/SubNodes(11217)/SubNodes()`` answering, so a node's children are asked for by extending
the path that reached the node (``…/SubNodes(<id>)/SubNodes()``): the one form known to work. Whether
today's sites still answer is not known; the spider asks once and walks the HTML pages either way.

Node types are read where they say something the saved answers confirm (bodies are type 144), and
names where the site's own words are unambiguous ("Toimielimet", "Kokous d.m.yyyy"); what a node is
follows from where it sits, which the spider passes down in ``context["level"]``.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from urllib.parse import urlsplit

from scrapy.http import TextResponse

from core.dates import find_fi_date
from crawlers.pages import Entry, PageReading, squashed
from parsing.opennc import answer_set

API_PATH = "/api/opennc/v1/"
BODIES_NODE = "toimielimet"
BODY_NODE_TYPE = 144
MEETING_NAME = re.compile(r"^\s*Kokous\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{4})\s*$", re.I)
CONTENT_ID = re.compile(r"/Contents\((?P<id>\d+)\)")
BELOW_A_DIRECTORY = re.compile(r"/SubNodes\(\d+\)")
FINNISH = 1


def api_base(site_base: str) -> str:
    """The API's root for a site whose pages sit under ``…/fi-FI``: ``…/api/opennc/v1/``."""
    base = site_base.rstrip("/")
    root = re.sub(r"/[a-z]{2}-[A-Z]{2}$", "", base)
    return root + API_PATH


def root_nodes_url(site_base: str) -> str:
    return api_base(site_base) + "Nodes"


def is_api_url(url: str) -> bool:
    return API_PATH in urlsplit(url).path


def contents_url(api: str, node_id: int) -> str:
    """The contents (items) classified under one meeting's node."""
    return f"{api}Contents()?$filter=Classifications/any(f:f/NodeId%20eq%20{node_id})"


def properties_url(api: str, content_id: int) -> str:
    return f"{api}Contents({content_id})/ExtendedProperties"


def content_id(url: str) -> int | None:
    """The content id an API URL names (``Contents(4020)/ExtendedProperties`` → 4020)."""
    found = CONTENT_ID.search(urlsplit(url).path)
    return int(found["id"]) if found else None


def _api_of(page_url: str, answer: dict) -> str:
    """The API root, from the page's own address where it is an API address (a saved file's is not:
    then from the answer's ``odata.metadata``)."""
    if is_api_url(page_url):
        return page_url[: page_url.index(API_PATH) + len(API_PATH)]
    return str(answer["odata.metadata"]).split("$metadata", 1)[0]


def node_name(node: dict) -> str:
    """A node's Finnish name (the answers carry one per language)."""
    names = [n for n in node.get("Names") or [] if isinstance(n, dict) and n.get("Name")]
    finnish = [n for n in names if n.get("LanguageId") == FINNISH]
    return squashed((finnish or names or [{"Name": ""}])[0]["Name"])


def child_url(page_url: str, api: str, node: dict) -> str:
    """Where a node's children are asked for: the path that reached this answer, extended by the node."""
    node_id = node["NodeId"]
    if is_api_url(page_url):
        path = urlsplit(page_url).path
        if path.endswith("/Nodes"):
            return f"{api}Nodes({node_id})/SubNodes()"
        if page_url.endswith("SubNodes()"):
            return f"{page_url[: -len('SubNodes()')]}SubNodes({node_id})/SubNodes()"
    return f"{api}Nodes({node['ParentId']})/SubNodes({node_id})/SubNodes()"


def meeting_date_of(name: str) -> date | None:
    found = MEETING_NAME.match(name or "")
    return find_fi_date(found["date"]) if found else None


def _nodes(page_url: str, answer: dict, context: dict) -> PageReading:
    api = _api_of(page_url, answer)
    below_body = context.get("level") == "body" or bool(BELOW_A_DIRECTORY.search(page_url))
    body = context.get("body")
    entries = []
    for node in answer["value"]:
        if not isinstance(node, dict) or "NodeId" not in node:
            continue
        name = node_name(node)
        if (when := meeting_date_of(name)) is not None:
            url = contents_url(api, node["NodeId"])
            entries.append(Entry("meeting", url, body=body, meeting_date=when, title=name))
        elif node.get("Type") == BODY_NODE_TYPE or context.get("level") == "bodies":
            entries.append(Entry("body", child_url(page_url, api, node), body=name or None))
        elif name.casefold() == BODIES_NODE:  # the root's directory of bodies
            entries.append(Entry("body", child_url(page_url, api, node), title=name))
        elif below_body:  # a body's container of meetings ("Kokoukset")
            entries.append(Entry("body", child_url(page_url, api, node), body=body, title=name or None))
    meetings = any(e.kind == "meeting" for e in entries)
    return PageReading("meetings" if meetings or below_body else "bodies", entries, body=body)


def _classified_meeting(content: dict) -> date | None:
    for classification in content.get("Classifications") or []:
        if isinstance(classification, dict) and (when := meeting_date_of(classification.get("NodeName"))):
            return when
    return None


def _contents(page_url: str, answer: dict, context: dict) -> PageReading:
    """A meeting's contents: its items, and a content without a subject (the meeting's own
    presentation, with its document) listed as a document."""
    api = _api_of(page_url, answer)
    body = context.get("body")
    entries = []
    for content in answer["value"]:
        if not isinstance(content, dict) or "ContentId" not in content:
            continue
        when = _classified_meeting(content)
        subject = squashed(content.get("Subject"))
        url = properties_url(api, content["ContentId"])
        kind = "item" if subject else "document"
        entries.append(Entry(kind, url, body=body, meeting_date=when, title=subject or None))
    dates = Counter(e.meeting_date for e in entries if e.meeting_date)
    when = dates.most_common(1)[0][0] if dates else None
    return PageReading("meeting", entries, body=body, meeting_date=when)


def read_answer(page: TextResponse, answer: dict, context: dict) -> PageReading:
    """What one answer of the open API lists, in the shape every page reader returns."""
    entity_set = answer_set(answer)
    if entity_set == "Nodes":
        return _nodes(page.url, answer, context)
    if entity_set == "Contents":
        return _contents(page.url, answer, context)
    if entity_set == "ExtendedProperties":
        when = date.fromisoformat(context["meeting_date"]) if context.get("meeting_date") else None
        decided = any(
            isinstance(p, dict) and p.get("Name") == "Decision" and str(p.get("Text") or "").strip()
            for p in answer["value"]
        )
        return PageReading(
            "item",
            body=context.get("body"),
            meeting_date=when,
            document_type="minutes" if decided else "agenda",  # as ``parsing.opennc`` decides it
        )
    return PageReading("unknown", errors=[f"an open-API answer of {entity_set or 'no'} entity set"])
