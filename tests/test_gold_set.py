"""The gold set (tests/gold): items written for this project in the shapes of real Dynasty, CaseM and
TWeb pages and PDFs, each parsed the way the pipeline parses its platform and format and compared
field by field with what its text says. One test per platform and form; a failure names the item."""

from __future__ import annotations

from collections import Counter

import pytest

from parsing.model import ParsedItem
from tests.gold.harness import (
    FIELDS,
    GoldItem,
    load_gold,
    municipality_of,
    observed_fields,
    parse_gold,
)

GOLD = load_gold()


def items_of(platform: str, form: str) -> list[GoldItem]:
    return [item for item in GOLD if item.platform == platform and item.form == form]


def check_texts(item: ParsedItem, checks: dict) -> None:
    """The optional text checks of a gold item: exact sections, phrases the normalised text must (or
    must not) hold, and every handling's identity, outcome and people."""
    own = item.own
    for name in ("proposal", "decision", "discussion"):
        if name in checks:
            assert getattr(own, name) == checks[name], name
    for phrase in checks.get("proposal_contains", []):
        assert phrase in own.proposal
    for phrase in checks.get("explanation_contains", []):
        assert phrase in own.explanation
    for phrase in checks.get("text_excludes", []):
        assert phrase not in item.text
    if "disqualifications" in checks:
        assert own.disqualifications == checks["disqualifications"]
    if "attachments" in checks:
        assert item.attachments == checks["attachments"]
    if "agenda_position" in checks:
        assert item.agenda_position == checks["agenda_position"]
    if "handlings" in checks:
        assert [
            [h.body, h.meeting_date.isoformat() if h.meeting_date else None, h.section, h.decision_outcome]
            for h in item.handlings
        ] == checks["handlings"]
    if "handling_people" in checks:
        assert [[h.preparer, h.presenter] for h in item.handlings] == checks["handling_people"]


def assert_matches_gold(gold: GoldItem) -> None:
    item = parse_gold(gold)
    assert observed_fields(item, municipality_of(gold.source)) == gold.expected
    check_texts(item, gold.checks)


def test_the_gold_set_covers_three_platforms_both_formats_and_forty_items():
    kinds = Counter(item.kind for item in GOLD)
    assert len(GOLD) >= 40
    assert set(kinds) == {"dynasty/html", "dynasty/pdf", "casem/html", "tweb/pdf"}
    assert all(set(item.expected) == set(FIELDS) for item in GOLD)


@pytest.mark.parametrize("gold", items_of("dynasty", "html"), ids=lambda item: item.id)
def test_dynasty_item_pages_parse_to_their_gold_fields(gold):
    assert_matches_gold(gold)


@pytest.mark.parametrize("gold", items_of("dynasty", "text"), ids=lambda item: item.id)
def test_dynasty_rendered_page_text_parses_to_its_gold_fields(gold):
    assert_matches_gold(gold)


@pytest.mark.parametrize("gold", items_of("dynasty", "pdf"), ids=lambda item: item.id)
def test_dynasty_item_pdfs_parse_to_their_gold_fields(gold):
    assert_matches_gold(gold)


@pytest.mark.parametrize("gold", items_of("dynasty", "pdf_text"), ids=lambda item: item.id)
def test_text_extracted_from_dynasty_pdfs_parses_to_its_gold_fields(gold):
    assert_matches_gold(gold)


@pytest.mark.parametrize("gold", items_of("casem", "html"), ids=lambda item: item.id)
def test_casem_item_pages_parse_to_their_gold_fields(gold):
    assert_matches_gold(gold)


@pytest.mark.parametrize("gold", items_of("casem", "text"), ids=lambda item: item.id)
def test_casem_rendered_page_text_parses_to_its_gold_fields(gold):
    assert_matches_gold(gold)


@pytest.mark.parametrize("gold", items_of("tweb", "pdf"), ids=lambda item: item.id)
def test_tweb_item_pdfs_parse_to_their_gold_fields(gold):
    assert_matches_gold(gold)
