"""The gold set and the real items: loading them, parsing each the way the pipeline would, and the
fields a parse is measured on.

``tests/gold/items.jsonl`` holds one line per gold item: its ``id``, the ``source`` (registry id) it
stands for, ``platform`` (dynasty, casem, tweb), ``form`` (``html``: the page's HTML; ``text``: the
page's rendered text; ``pdf``: a ``.layout`` file rendered into a PDF at test time; ``pdf_text``: text
as a PDF extractor gives it), the ``input`` file under ``tests/gold/``, for TWeb the ``context`` its
listing gives, the ``expected`` fields, and optional ``checks`` on texts. The items were written for
this project after the layouts of real pages (``../shared/real-items``) and the seeds; none of their
sentences is copied from them.

The real items (``../shared/real-items/items.jsonl``) are rendered text, not HTML: Dynasty excerpts
are parsed with ``parse_item_lines``, CaseM ones with ``parse_casem_lines``, without a registry entry
(they come from outside Päijät-Häme), so their municipality is not measured.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from core.registry import load_registry
from parsing.casem import parse_casem_lines, parse_casem_page
from parsing.dynasty import parse_item_page
from parsing.handlings import parse_item_lines
from parsing.model import ParsedHandling, ParsedItem
from parsing.pdf import pdf_item_lines
from parsing.tweb import parse_tweb_document
from tests.gold.pdf_layout import render_layout

GOLD_DIR = Path(__file__).resolve().parent
#: The fields measured on every item, in the order the bench prints them.
FIELDS = (
    "municipality",
    "body",
    "document_type",
    "meeting_date",
    "section",
    "title",
    "diary_number",
    "earlier_handlings",
    "preparer",
    "presenter",
    "decision_outcome",
    "is_procedural",
)
#: The fields the real items are labelled with.
REAL_FIELDS = (
    "body",
    "document_type",
    "meeting_date",
    "section",
    "title",
    "diary_number",
    "earlier_handlings",
)


@dataclass(frozen=True)
class GoldItem:
    id: str
    source: str
    platform: str
    form: str
    input: str
    expected: dict
    context: dict = field(default_factory=dict)
    url: str = ""
    checks: dict = field(default_factory=dict)

    @property
    def format(self) -> str:
        """html for a page (its HTML or its rendered text), pdf for a PDF (rendered, or its extracted
        text)."""
        return "pdf" if self.form in ("pdf", "pdf_text") else "html"

    @property
    def kind(self) -> str:
        """platform/format, the unit the bench reports on."""
        return f"{self.platform}/{self.format}"


def load_gold() -> list[GoldItem]:
    with (GOLD_DIR / "items.jsonl").open(encoding="utf-8") as lines:
        return [GoldItem(**json.loads(line)) for line in lines if line.strip()]


@cache
def _sources() -> dict:
    return {source.id: source for source in load_registry()}


def municipality_of(source_id: str) -> str:
    """What the pipeline writes as the municipality: the name of the registry source fetched from."""
    return _sources()[source_id].name


def parse_gold(item: GoldItem) -> ParsedItem:
    """The item parsed by the function the pipeline uses for its platform and form."""
    abbreviations = _sources()[item.source].abbreviations
    raw = (GOLD_DIR / item.input).read_text(encoding="utf-8")
    if item.platform == "tweb":
        return parse_tweb_document(render_layout(raw), item.context, abbreviations)
    if item.platform == "casem":
        if item.form == "html":
            return parse_casem_page(raw, item.url, abbreviations)
        return parse_casem_lines(raw.split("\n"), abbreviations)
    if item.form == "html":
        return parse_item_page(raw, item.url, abbreviations)
    if item.form == "pdf":
        return parse_item_lines(pdf_item_lines(render_layout(raw)), abbreviations)
    return parse_item_lines(raw.split("\n"), abbreviations)


def earlier_label(handling: ParsedHandling) -> str:
    """An earlier handling as the page prints it: "Khall 12.06.2023 § 127"; CaseM prints no date, so
    there it is the body the proposal names, or "?"."""
    parts = [handling.body_printed or "?"]
    if handling.meeting_date:
        parts.append(handling.meeting_date.strftime("%d.%m.%Y"))
    if handling.section is not None:
        parts.append(f"§ {handling.section}")
    return " ".join(parts)


def observed_fields(item: ParsedItem, municipality: str | None = None) -> dict:
    """The measured fields of a parse; the page's own handling gives body, date, §, people, outcome."""
    own = item.own if item.handlings else None
    return {
        "municipality": municipality,
        "body": own.body if own else None,
        "document_type": item.document_type,
        "meeting_date": own.meeting_date.isoformat() if own and own.meeting_date else None,
        "section": own.section if own else None,
        "title": item.title,
        "diary_number": item.diary_number,
        "earlier_handlings": [earlier_label(h) for h in item.handlings if not h.is_own],
        "preparer": own.preparer if own else None,
        "presenter": own.presenter if own else None,
        "decision_outcome": own.decision_outcome if own else None,
        "is_procedural": item.is_procedural,
    }


def gold_fields(item: GoldItem) -> dict:
    return observed_fields(parse_gold(item), municipality_of(item.source))


# ---------------------------------------------------------------------------------------------------
# The real items


def load_real_items(shared_dir: Path) -> list[dict]:
    with (shared_dir / "real-items" / "items.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def parse_real_item(record: dict) -> ParsedItem:
    lines = record["excerpt"].split("\n")
    if record["platform"] == "casem":
        return parse_casem_lines(lines)
    return parse_item_lines(lines)


def _spaced(value):
    """Whitespace in the excerpts is approximate: compare text whitespace-normalised."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return [_spaced(v) for v in value]
    return value


def real_expected(record: dict) -> dict:
    return {name: _spaced(record[name]) for name in REAL_FIELDS}


def real_observed(record: dict) -> dict:
    fields = observed_fields(parse_real_item(record))
    return {name: _spaced(fields[name]) for name in REAL_FIELDS}
