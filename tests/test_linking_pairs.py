"""The labelled pair set (tests/fixtures/link_pairs.toml) linked the way ``minutes dedupe`` links."""

import json
from collections import Counter

import numpy as np
import polars as pl
import pytest
from fixtures.link_pairs import EXPECTED, NO_LINK, load

from linking.dedupe import _as_items
from linking.fingerprints import fingerprint, source_key
from linking.matters import MIN_JACCARD, exact_similarity, link_table


@pytest.fixture(scope="module")
def labelled():
    items, pairs = load()
    linked = link_table(_as_items(items))
    matter = dict(linked.matters.iter_rows())
    own = linked.links.filter(pl.col("link_type") == "own_wording")
    linked_matters = {
        frozenset((matter[a], matter[b])) for a, b in own.select("item_id_a", "item_id_b").iter_rows()
    }

    def outcome(a: str, b: str) -> str:
        if matter[a] == matter[b]:
            return "merged"
        return "linked" if frozenset((matter[a], matter[b])) in linked_matters else "apart"

    return items, pairs, linked, outcome


def outcomes_of(labelled, kind: str) -> Counter:
    _, pairs, _, outcome = labelled
    return Counter(outcome(p.a, p.b) for p in pairs if p.kind == kind)


def test_the_labelled_set_has_over_80_pairs_of_every_kind_the_issue_names():
    _, pairs = load()
    counts = Counter(p.kind for p in pairs)
    assert counts == {
        "near_identical": 46,
        "other_period": 10,
        "own_wording": 8,
        "council_carries_board": 7,
        "shared_boilerplate": 5,
        "procedural": 4,
        "diary_reuse": 3,
        "own_plans": 3,
        "other_programme": 2,
    }
    assert set(counts) == set(EXPECTED)
    assert sum(counts.values()) == 88


def test_every_copy_in_html_and_pdf_form_is_one_matter_with_its_originals(labelled):
    assert outcomes_of(labelled, "near_identical") == {"merged": 46}


def test_a_council_handling_that_carries_its_boards_text_is_the_boards_matter(labelled):
    assert outcomes_of(labelled, "council_carries_board") == {"merged": 7}


def test_each_municipalitys_own_text_about_one_regional_programme_is_linked(labelled):
    assert outcomes_of(labelled, "own_wording") == {"linked": 6, "merged": 2}


def test_own_wording_links_merge_only_on_strong_evidence(labelled):
    links = labelled[2].links
    strong = links.filter(pl.col("link_type") == "own_wording_strong").select("item_id_a", "item_id_b").rows()
    assert strong == [
        ("asikkala-kh-2025-101", "heinola-kh-2025-118"),
        ("hollola-kh-2025-130", "sysma-kh-2025-098"),
    ]
    weak = links.filter(pl.col("link_type") == "own_wording")
    assert weak["evidence"].str.starts_with("shared_sentences=2 of ").all()


def test_annual_reports_and_agreements_of_different_years_never_merge(labelled):
    assert outcomes_of(labelled, "other_period") == {"apart": 10}
    reasons = labelled[2].blocked["reason"].to_list()
    assert sum(r.startswith("titles name other years") for r in reasons) == 15


def test_a_recurring_item_whose_title_names_no_year_is_told_apart_by_the_years_in_its_text(labelled):
    _, _, linked, outcome = labelled
    assert outcome("padasjoki-kh-2025-020", "padasjoki-kh-2025-140") == "apart"
    reasons = linked.blocked["reason"].to_list()
    assert sorted(r for r in reasons if r.startswith("years exchanged")) == [
        "years exchanged in 2 of 2 shared contexts",
        "years exchanged in 2 of 2 shared contexts",
    ]


def test_the_same_diary_number_reused_for_a_later_decision_never_merges(labelled):
    assert outcomes_of(labelled, "diary_reuse") == {"apart": 3}


def test_standing_procedural_items_of_two_municipalities_never_merge(labelled):
    items, _, linked, _ = labelled
    assert outcomes_of(labelled, "procedural") == {"apart": 4}
    procedural = set(items.filter(pl.col("is_procedural"))["item_id"])
    assert len(procedural) == 5
    assert not procedural & (set(linked.links["item_id_a"]) | set(linked.links["item_id_b"]))


def test_different_matters_sharing_their_municipalitys_boilerplate_stay_apart(labelled):
    assert outcomes_of(labelled, "shared_boilerplate") == {"apart": 5}


def test_without_boilerplate_removal_the_short_items_would_look_like_one_text():
    items, pairs = load()
    texts = dict(items.select("item_id", "text").iter_rows())
    pair = next(p for p in pairs if p.kind == "shared_boilerplate")
    separate_sources = np.array([source_key(pair.a), source_key(pair.b)], dtype=np.uint64)
    fp = fingerprint([texts[pair.a], texts[pair.b]], separate_sources)  # nothing is boilerplate
    o = fp.shingle_offsets
    sets = {0: np.unique(fp.shingles[o[0] : o[1]]), 1: np.unique(fp.shingles[o[1] : o[2]])}
    jaccard, _ = exact_similarity(sets, np.array([[0, 1]]))
    assert jaccard[0] >= MIN_JACCARD  # the near-identical check alone would merge them


def test_each_municipalitys_own_plan_quoting_the_same_law_is_not_even_linked(labelled):
    assert outcomes_of(labelled, "own_plans") == {"apart": 3}
    assert outcomes_of(labelled, "other_programme") == {"apart": 2}
    assert set(NO_LINK) == {"own_plans", "other_programme"}


def test_real_items_that_are_related_or_share_boilerplate_are_neither_merged_nor_linked(shared_dir):
    folder = shared_dir / "real-items"
    rows = [json.loads(line) for line in (folder / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    table = pl.DataFrame(
        {
            "item_id": [r["id"] for r in rows],
            "municipality": [r["municipality"] for r in rows],
            "meeting_date": [r["meeting_date"] for r in rows],
            "title": [r["title"] for r in rows],
            "text": [r["excerpt"] for r in rows],
        }
    ).with_columns(pl.col("meeting_date").str.to_date())
    linked = link_table(_as_items(table))
    matter = dict(linked.matters.iter_rows())
    pairs = [json.loads(line) for line in (folder / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(pairs) == 9
    assert [matter[p["a"]] == matter[p["b"]] for p in pairs] == [False] * 9
    assert linked.links.is_empty()
