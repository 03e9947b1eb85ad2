"""TWeb item documents: one PDF per item, whose body, date and § the meeting list and meeting page
already said. Those listings are authoritative for where and when; the PDF gives the rest (title,
diary number, earlier handlings, preparer, explanation, proposal, decision)."""

from __future__ import annotations

from datetime import date

from parsing.bodies import canonical_body
from parsing.handlings import parse_item_lines
from parsing.model import ParsedItem
from parsing.pdf import PdfError, pdf_item_lines, sniff_document


def parse_tweb_document(
    data: bytes, context: dict, abbreviations: dict[str, str] | None = None, url: str | None = None
) -> ParsedItem:
    """One item document. Its ``url`` is the item's PDF itself (``fileshow?doctype=3&docid=…``), so it is
    the item's ``pdf_url`` too; what the meeting page said (body, date, §, type) overrides the PDF's
    own reading, and where the page said nothing (a meeting dated by nothing but its documents) the
    PDF's reading stands."""
    kind = sniff_document(data)
    if kind != "pdf":
        raise PdfError(f"not a PDF ({kind})")
    item = parse_item_lines(pdf_item_lines(data), abbreviations)
    item.pdf_url = url
    own = item.own
    if context.get("body"):
        own.body_printed = context["body"]
        own.body = canonical_body(context["body"], abbreviations)
    if context.get("meeting_date"):
        own.meeting_date = date.fromisoformat(context["meeting_date"])
    if context.get("section") is not None:
        own.section = int(context["section"])
    item.document_type = context.get("document_type") or item.document_type
    item.title = item.title or context.get("title")
    if item.document_type == "agenda":
        own.decision = own.decision_outcome = None
    return item
