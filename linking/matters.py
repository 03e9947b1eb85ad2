"""Handlings → matters: which handlings, across bodies and municipalities, deal with the same matter.

Two kinds of evidence join handlings into one matter:

- ``same_page``: handlings printed on one item page (a council page carrying the board's earlier
  handling) are one matter by construction;
- ``near_identical``: the same text handled elsewhere, found by MinHash/LSH over word shingles and
  confirmed by exact Jaccard or containment of the shingle sets.

What must never merge is kept out before comparing: standing procedural items take part in no text
link, and two items whose titles name different years (the annual report 2024 and 2025) are never
linked, however alike their text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from linking.fingerprints import boilerplate_by_source, hash_shingles, shingles, years_in
from linking.minhash import candidate_pairs, signature

MIN_SHINGLES = 25
MIN_JACCARD = 0.5
MIN_CONTAINMENT = 0.8


@dataclass(frozen=True)
class LinkItem:
    item_id: str
    source_id: str
    title: str | None
    text: str
    is_procedural: bool = False


@dataclass(frozen=True)
class Link:
    item_id_a: str
    item_id_b: str
    link_type: str
    score: float
    evidence: str


class _UnionFind:
    def __init__(self, ids: Iterable[str]):
        self.parent = {i: i for i in ids}

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def similarity(a: set[str], b: set[str]) -> tuple[float, float]:
    """(Jaccard, containment of the smaller in the larger)."""
    common = len(a & b)
    return common / len(a | b), common / min(len(a), len(b))


def matter_id_for(member_ids: Iterable[str]) -> str:
    return "m-" + hashlib.sha256(min(member_ids).encode()).hexdigest()[:16]


def link_items(
    items: list[LinkItem], page_groups: dict[str, set[str]] | None = None
) -> tuple[dict[str, str], list[Link]]:
    """Every item's matter id, and the evidence that joined items. ``page_groups`` names, per page,
    the handlings printed on it."""
    union = _UnionFind(item.item_id for item in items)
    links: list[Link] = []

    for page, members in sorted((page_groups or {}).items()):
        ordered = sorted(m for m in members if m in union.parent)
        for other in ordered[1:]:
            union.union(ordered[0], other)
            links.append(Link(ordered[0], other, "same_page", 1.0, f"printed on {page}"))

    comparable = [item for item in items if not item.is_procedural]
    boilerplate = boilerplate_by_source((item.source_id, item.text) for item in comparable)
    shingle_sets = {item.item_id: shingles(item.text, boilerplate.get(item.source_id)) for item in comparable}
    shingle_sets = {k: v for k, v in shingle_sets.items() if len(v) >= MIN_SHINGLES}
    signatures = {k: signature(hash_shingles(v)) for k, v in shingle_sets.items()}
    by_id = {item.item_id: item for item in items}
    for a, b in sorted(candidate_pairs(signatures)):
        years_a, years_b = years_in(by_id[a].title), years_in(by_id[b].title)
        if years_a and years_b and years_a != years_b:
            continue  # the same recurring item of another period: a different matter
        jaccard, containment = similarity(shingle_sets[a], shingle_sets[b])
        if jaccard >= MIN_JACCARD or containment >= MIN_CONTAINMENT:
            union.union(a, b)
            links.append(
                Link(
                    a,
                    b,
                    "near_identical",
                    round(max(jaccard, containment), 4),
                    f"jaccard={jaccard:.3f} containment={containment:.3f}",
                )
            )

    members: dict[str, list[str]] = {}
    for item in items:
        members.setdefault(union.find(item.item_id), []).append(item.item_id)
    matter_of = {}
    for group in members.values():
        matter = matter_id_for(group)
        for item_id in group:
            matter_of[item_id] = matter
    return matter_of, links


def comparison_text(row: dict) -> str:
    """What an item is compared on: its explanation and proposal (the shared report or agreement text),
    or its whole text when it has no explanation of its own."""
    if row.get("explanation"):
        return "\n\n".join(p for p in (row["explanation"], row.get("proposal")) if p)
    return row.get("text") or ""


def link_handlings(rows: list[dict], page_groups: dict[str, set[str]]) -> tuple[dict[str, str], list[Link]]:
    items = [
        LinkItem(
            item_id=row["item_id"],
            source_id=row["source_id"],
            title=row.get("title"),
            text=comparison_text(row),
            is_procedural=bool(row.get("is_procedural")),
        )
        for row in rows
    ]
    return link_items(items, page_groups)
