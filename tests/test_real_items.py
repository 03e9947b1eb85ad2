"""The real item pages in ../shared/real-items: their rendered text parsed the way each platform's page is
(Dynasty with ``parse_item_lines``, CaseM with ``parse_casem_lines``) and compared with the labels the
file gives. The texts stay in ../shared; these tests skip when it is absent, and what they assert beyond
the labels is derived from the excerpt at run time, so no real sentence or name is copied here."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import SHARED
from tests.gold.harness import load_real_items, parse_real_item, real_expected, real_observed

ITEMS_FILE = SHARED / "real-items" / "items.jsonl"


def _records_at_collection() -> list[dict]:
    if not ITEMS_FILE.is_file():
        return []
    with ITEMS_FILE.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


COLLECTED = _records_at_collection()


def ids_of(platform: str) -> list[str]:
    return [record["id"] for record in COLLECTED if record["platform"] == platform]


def real_item(shared_dir, item_id: str) -> dict:
    return next(record for record in load_real_items(shared_dir) if record["id"] == item_id)


@pytest.mark.parametrize("item_id", ids_of("dynasty"))
def test_real_dynasty_page_text_parses_to_its_labelled_fields(shared_dir, item_id):
    record = real_item(shared_dir, item_id)
    assert real_observed(record) == real_expected(record)


@pytest.mark.parametrize("item_id", ids_of("casem"))
def test_real_casem_page_text_parses_to_its_labelled_fields(shared_dir, item_id):
    record = real_item(shared_dir, item_id)
    assert real_observed(record) == real_expected(record)


def _lines(record: dict) -> list[str]:
    return [" ".join(line.split()) for line in record["excerpt"].split("\n")]


def test_a_presenter_on_the_proposal_line_is_not_part_of_the_proposal(shared_dir):
    record = real_item(shared_dir, "luhva-2023277-5")
    printed = next(line for line in _lines(record) if line.startswith("Päätösehdotus "))
    own = parse_real_item(record).own
    assert own.presenter == printed.removeprefix("Päätösehdotus ")
    assert own.presenter not in own.proposal
    assert own.proposal.startswith("Aluehallitus päättää")


def test_preparers_listed_one_per_line_under_a_label_with_a_note_are_each_kept(shared_dir):
    record = real_item(shared_dir, "luhva-2023277-5")
    lines = _lines(record)
    start = next(i for i, line in enumerate(lines) if line.startswith("Valmistelijat ja lisätiedot"))
    end = next(i for i, line in enumerate(lines) if line.startswith("Päätösehdotus"))
    names = [line for line in lines[start + 1 : end] if line]
    assert len(names) == 4
    assert parse_real_item(record).own.preparer == ", ".join(names)


def test_a_preparer_split_over_label_name_phone_and_email_lines_is_the_name_alone(shared_dir):
    record = real_item(shared_dir, "parikkala-2023250-1")
    lines = _lines(record)
    label = lines.index("Valmistelija:")
    name = lines[label + 1]
    assert lines[label + 2].startswith("puh.") and "@" in lines[label + 3]
    carried = parse_real_item(record).handlings[0]
    assert carried.preparer == name[0].upper() + name[1:]
    assert carried.explanation.startswith(lines[label + 4][:40])


def test_a_subheading_after_the_preparer_line_is_explanation_not_a_person(shared_dir):
    record = real_item(shared_dir, "hsy-202041-2")
    handling = parse_real_item(record).handlings[0]
    preparer_line = next(line for line in _lines(record) if line.startswith("Valmistelija "))
    expected = re.sub(r",\s*puh\..*$", "", preparer_line.removeprefix("Valmistelija "))
    assert handling.preparer == expected
    assert handling.explanation.startswith("Toiminta")


def test_three_preparers_on_one_line_keep_their_titles_without_phone_numbers(shared_dir):
    record = real_item(shared_dir, "jamsa-2023337-4")
    preparer = parse_real_item(record).handlings[0].preparer
    assert "puh" not in preparer and not re.search(r"\d", preparer)
    assert preparer.count(",") == 1 and " ja " in preparer
    assert [word for word in preparer.split() if word.endswith(("johtaja", "päällikkö"))] == [
        "Hallintojohtaja",
        "henkilöstöpäällikkö",
        "kehittämispäällikkö",
    ]


def test_a_page_cut_before_its_own_handling_still_has_one_from_its_header(shared_dir):
    record = real_item(shared_dir, "parikkala-2023250-1")
    item = parse_real_item(record)
    carried, own = item.handlings
    assert (carried.is_own, own.is_own) == (False, True)
    assert (own.body, own.meeting_date.isoformat(), own.section) == (
        record["body"],
        record["meeting_date"],
        record["section"],
    )
    assert own.decision is None and own.decision_outcome is None


@pytest.mark.parametrize("item_id", ["vesilahti-hyvos-20230222-4", "kajaani-kh-20220111-3"])
def test_casem_preparers_listed_as_bullets_lose_the_bullet_and_the_email(shared_dir, item_id):
    record = real_item(shared_dir, item_id)
    lines = _lines(record)
    bullets = [line for line in lines[lines.index("Valmistelija") + 1 :] if line.startswith("•")]
    expected = ", ".join(re.sub(r",\s*\S+@\S+$", "", line.lstrip("• ")) for line in bullets)
    assert parse_real_item(record).own.preparer == expected


def test_a_casem_excerpt_without_its_header_is_no_meeting_but_a_standing_item(shared_dir):
    record = real_item(shared_dir, "hameenkyro-content-20068-13194")
    item = parse_real_item(record)
    assert (item.document_type, item.own.meeting_date, item.title) == (None, None, None)
    assert item.is_procedural
