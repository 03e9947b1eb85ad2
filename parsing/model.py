"""What parsing produces: one ``ParsedItem`` per item page or document, holding one ``ParsedHandling``
per body that dealt with the item at a meeting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class ParsedHandling:
    body: str | None  # the canonical full name
    body_printed: str | None  # as the page printed it (an abbreviation, maybe)
    meeting_date: date | None
    section: int | None
    is_own: bool  # the page's own handling (its header's), not an earlier one it carries
    preparer: str | None = None
    presenter: str | None = None
    explanation: str | None = None
    proposal: str | None = None
    discussion: str | None = None
    decision: str | None = None
    decision_outcome: str | None = None
    disqualifications: list[str] = field(default_factory=list)
    text: str = ""


@dataclass
class ParsedItem:
    document_type: str | None  # "minutes" | "agenda"
    title: str | None
    diary_number: str | None
    agenda_position: int | None
    is_procedural: bool
    handlings: list[ParsedHandling]
    attachments: list[str] = field(default_factory=list)
    text: str = ""
    pdf_url: str | None = None  # the item's own PDF, where the page links one

    @property
    def own(self) -> ParsedHandling:
        return next(h for h in self.handlings if h.is_own)
