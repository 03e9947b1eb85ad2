"""Every file in ../shared/real-markup/, read the way the project reads it (``minutes parse``'s own
function: the spider's page reader, then the parser), against the expectations in
``tests/gold/real_markup.toml``. The files stay in ../shared; these tests skip when it is absent."""

from __future__ import annotations

import pytest

from tests.conftest import SHARED
from tests.gold.real_markup import comparisons, load_gold

GOLD = load_gold()


@pytest.mark.parametrize("page", GOLD, ids=[page["file"] for page in GOLD])
def test_a_real_page_reads_as_its_expectations_say(shared_dir, page):
    wrong = [(c.field, c.observed, c.expected) for c in comparisons(shared_dir, page) if not c.right]
    assert wrong == []


def test_every_real_markup_file_has_expectations(shared_dir):
    files = sorted(p.name for p in (shared_dir / "real-markup").iterdir() if p.name != "README.md")
    assert sorted(page["file"] for page in GOLD) == files


@pytest.mark.skipif(not (SHARED / "real-markup").is_dir(), reason="../shared is absent")
def test_the_expectations_can_fail():
    page = dict(GOLD[0], kind="no such kind")
    assert [c.field for c in comparisons(SHARED, page) if not c.right] == ["kind"]
