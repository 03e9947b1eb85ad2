"""Handlings → matters: which handlings, across bodies and municipalities, deal with the same matter.

Evidence that joins handlings into one matter:

- ``same_page``: handlings printed on one item page (a council page carrying the board's earlier
  handling) are one matter by construction;
- ``near_identical``: the same text handled elsewhere — found by MinHash/LSH over word shingles of the
  text without its source's boilerplate (``linking.minhash``), confirmed by exact Jaccard
  (``MIN_JACCARD``) or containment (``MIN_CONTAINMENT``) of the shingle sets;
- ``own_wording_strong``: each municipality's own text about one regional matter, with strong evidence
  (``linking.own_wording``).

Weaker evidence is recorded without merging: ``own_wording`` links two matters that are probably the same
regional matter told in different words.

What must never merge is kept apart by ``linking.guards`` (other periods, one source's different
decisions) and by leaving standing procedural items out of every text comparison.

Linking is incremental: items are added to a persisted ``LinkIndex`` and compared with it, never with
the whole warehouse; an item whose text changed (minutes correcting an agenda) or that vanished is
retired from the index and its new version added, again without a rebuild; a rerun over the same items
changes nothing, so matter ids stay the same.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from core.files import exclusive
from linking import own_wording
from linking.guards import pair_block_reason, title_agreement, year_substitutions
from linking.index import ITEM_COLUMNS, LINK_SCHEMA, LinkIndex, batches_by_source

MIN_JACCARD = 0.5
MIN_CONTAINMENT = 0.8
#: link types that make their two items one matter
MERGING = ("same_page", "near_identical", "own_wording_strong")


@dataclass(frozen=True)
class Link:
    item_id_a: str
    item_id_b: str
    link_type: str
    score: float
    evidence: str


@dataclass
class Linked:
    """Every item's matter, the links found (by item id), and the near-identical pairs a guard kept
    apart (by item number in the index, with the guard's reason)."""

    matters: pl.DataFrame  # item_id, matter_id — in the index's order
    links: pl.DataFrame  # item_id_a, item_id_b, link_type, score, evidence
    blocked: pl.DataFrame  # a, b, reason: near-identical pairs a guard kept apart


def matter_id_for(member_id: str) -> str:
    """A matter is named after its first handling (earliest meeting, then smallest item id; undated
    handlings last). The name depends only on the members, so a rerun keeps it, and handlings that join
    later — the usual case, other municipalities deciding after the first — keep it too. Only an
    earlier handling found later, or two matters joined into one, renames a matter."""
    return "m-" + hashlib.sha256(member_id.encode()).hexdigest()[:16]


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components of items 0 … n-1 joined by edges (a, b): each item's smallest member."""
    labels = np.arange(n)
    if not len(a):
        return labels
    while True:
        low = np.minimum(labels[a], labels[b])
        before = labels.copy()
        np.minimum.at(labels, a, low)
        np.minimum.at(labels, b, low)
        while True:  # pointer jumping: every item straight to its current root
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        if np.array_equal(labels, before):
            return labels


def exact_similarity(sets: dict[int, np.ndarray], pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Jaccard and containment (of the smaller in the larger) of each pair's shingle sets."""
    jaccard = np.zeros(len(pairs))
    containment = np.zeros(len(pairs))
    for k, (a, b) in enumerate(pairs.tolist()):
        set_a, set_b = sets[a], sets[b]
        if not len(set_a) or not len(set_b):
            continue
        common = len(np.intersect1d(set_a, set_b, assume_unique=True))
        jaccard[k] = common / (len(set_a) + len(set_b) - common)
        containment[k] = common / min(len(set_a), len(set_b))
    return jaccard, containment


def _pair_rows(index: LinkIndex, items: np.ndarray) -> dict[int, dict]:
    """What the guards read of the given items, by item number."""
    columns = ["idx", "source", "title", "title_years", "meeting_date", "diary", "procedural"]
    rows = index.items[np.unique(items)].select(columns)
    return {row["idx"]: row for row in rows.iter_rows(named=True)}


def _guard(index: LinkIndex, pairs: np.ndarray, rows: dict[int, dict]) -> list[str | None]:
    """Each pair's reason to stay apart, or None (``rows``: the pairs' items, from ``_pair_rows``)."""
    shared, substituted = year_substitutions(pairs, *index.year_contexts(pairs.ravel()))
    return [
        pair_block_reason(rows[a], rows[b], int(s), int(x))
        for (a, b), s, x in zip(pairs.tolist(), shared, substituted, strict=True)
    ]


def verify_candidates(index: LinkIndex, pairs: np.ndarray) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Near-identical links among candidate pairs: exactly similar, and allowed by every guard. Also the
    similar pairs a guard kept apart, with its reason."""
    if not len(pairs):
        return pl.DataFrame(schema=LINK_SCHEMA), pl.DataFrame(schema=_BLOCKED_SCHEMA)
    jaccard, containment = exact_similarity(index.shingle_sets(pairs.ravel()), pairs)
    similar = (jaccard >= MIN_JACCARD) | (containment >= MIN_CONTAINMENT)
    pairs, jaccard, containment = pairs[similar], jaccard[similar], containment[similar]
    reasons = _guard(index, pairs, _pair_rows(index, pairs.ravel())) if len(pairs) else []
    allowed = np.array([r is None for r in reasons], dtype=bool)
    links = pl.DataFrame(
        {
            "a": pairs[allowed, 0],
            "b": pairs[allowed, 1],
            "link_type": "near_identical",
            "score": np.round(np.maximum(jaccard, containment)[allowed], 4),
            "evidence": [
                f"jaccard={j:.3f} containment={c:.3f}"
                for j, c in zip(jaccard[allowed], containment[allowed], strict=True)
            ],
        },
        schema=LINK_SCHEMA,
    )
    blocked = pl.DataFrame(
        {"a": pairs[~allowed, 0], "b": pairs[~allowed, 1], "reason": [r for r in reasons if r is not None]},
        schema=_BLOCKED_SCHEMA,
    )
    return links, blocked


_BLOCKED_SCHEMA = {"a": pl.Int64, "b": pl.Int64, "reason": pl.String}


def find_own_wording(index: LinkIndex, labels: np.ndarray, focus: np.ndarray | None) -> pl.DataFrame:
    """Own-wording links with an item of ``focus`` (item numbers: the new items and those to compare
    again; None: every item)."""
    shared = index.shared_sentences(focus)
    if shared.is_empty():
        return pl.DataFrame(schema=LINK_SCHEMA)
    sources = index.items["source"].to_numpy()
    candidates = own_wording.shared_sentence_pairs(shared, labels, sources, focus)
    if candidates.is_empty():
        return pl.DataFrame(schema=LINK_SCHEMA)
    pairs = candidates.select("a", "b").to_numpy()
    rows = _pair_rows(index, pairs.ravel())
    reasons = _guard(index, pairs, rows)
    counts = index.items["sentence_count"].to_numpy()
    links = []
    for (a, b), shared_count, reason in zip(pairs.tolist(), candidates["shared"], reasons, strict=True):
        if reason is not None:
            continue
        agreement = title_agreement(rows[a]["title"], rows[b]["title"])
        strength = own_wording.own_wording_strength(
            shared_count, agreement, rows[a]["title_years"] or "", rows[b]["title_years"] or ""
        )
        if strength is None:
            continue
        fewer = max(1, min(counts[a], counts[b]))
        links.append(
            {
                "a": a,
                "b": b,
                "link_type": "own_wording_strong" if strength == "strong" else "own_wording",
                "score": round(shared_count / fewer, 4),
                "evidence": f"shared_sentences={shared_count} of {fewer} title_agreement={agreement:.2f}"
                f" period={rows[a]['title_years'] or '-'}/{rows[b]['title_years'] or '-'}",
            }
        )
    return pl.DataFrame(links, schema=LINK_SCHEMA)


def _labels(n: int, links: pl.DataFrame, extra_edges: np.ndarray) -> np.ndarray:
    """Each item's matter as its component's smallest item number, over the links that merge."""
    merging = links.filter(pl.col("link_type").is_in(MERGING))
    a = np.concatenate([merging["a"].to_numpy(), extra_edges[:, 0]])
    b = np.concatenate([merging["b"].to_numpy(), extra_edges[:, 1]])
    return components(n, a, b)


def _matter_ids(index: LinkIndex, labels: np.ndarray, wanted: np.ndarray | None = None) -> pl.DataFrame:
    """item_id, matter_id of the ``wanted`` items (all live items by default), in the index's order."""
    members = index.items.select("item_id", "meeting_date", pl.Series("label", labels))
    rows = members[wanted] if wanted is not None else members
    if index.retired.any():
        members = members.filter(pl.Series(~index.retired))
        rows = rows.filter(pl.Series(~index.retired[wanted] if wanted is not None else ~index.retired))
    named = members.join(rows.select("label").unique(), on="label", how="semi")
    first = named.sort("meeting_date", "item_id", nulls_last=True)
    names = first.group_by("label").agg(pl.col("item_id").first())  # a group keeps the rows' order
    names = names.with_columns(
        matter_id=pl.Series([matter_id_for(member) for member in names["item_id"].to_list()], dtype=pl.String)
    )
    return rows.join(
        names.select("label", "matter_id"), on="label", how="left", maintain_order="left"
    ).select("item_id", "matter_id")


def _with_item_ids(index: LinkIndex, links: pl.DataFrame) -> pl.DataFrame:
    """Links as the warehouse keeps them: by item id, in a stable order."""
    ids = index.items["item_id"]
    links = links.sort("a", "b", "link_type")
    return links.select(
        item_id_a=ids[links["a"]],
        item_id_b=ids[links["b"]],
        link_type="link_type",
        score="score",
        evidence="evidence",
    )


def link_into(
    index: LinkIndex,
    batches: Iterable[pl.DataFrame],
    page_links: pl.DataFrame | None = None,
    only_new: bool = False,
) -> Linked:
    """Add new items (batches of whole sources) to ``index``, link them, and name every item's matter
    (with ``only_new``, the new items' matters only). ``page_links`` (a, b, link_type, score, evidence)
    are same-page links, which are not kept in the index (they come with every run)."""
    added = index.add(batches)
    recheck = index.take_recheck()
    near, blocked = verify_candidates(index, np.unique(np.concatenate([added.candidates, recheck]), axis=0))
    links = pl.concat([index.links, near])
    page_links = page_links if page_links is not None else pl.DataFrame(schema=LINK_SCHEMA)
    page_edges = page_links.select("a", "b").to_numpy().reshape(-1, 2)
    if added.n or index.uncommitted:
        labels = _labels(index.n, links, page_edges)
        focus = None if not added.first else np.union1d(np.arange(added.first, index.n), recheck.ravel())
        links = pl.concat([links, find_own_wording(index, labels, focus)])
        index.commit(links)
    labels = _labels(index.n, links, page_edges)
    every_link = pl.concat([links, page_links])
    wanted = np.arange(added.first, index.n) if only_new else None
    return Linked(_matter_ids(index, labels, wanted), _with_item_ids(index, every_link), blocked)


def link_table(
    items: pl.DataFrame, directory: Path | None = None, page_links: pl.DataFrame | None = None
) -> Linked:
    """Link a whole item table in a fresh index (in ``directory``, or a temporary one)."""
    with tempfile.TemporaryDirectory(prefix="link-index-") as scratch:
        index = LinkIndex.create(directory or Path(scratch) / "index")
        return link_into(index, batches_by_source(items), page_links)


# --- the pipeline's entry point -------------------------------------------------------------------


def comparison_text(row: dict) -> str:
    """What an item is compared on: its explanation and proposal (the shared report or agreement text),
    or its whole text when it has no explanation of its own."""
    if row.get("explanation"):
        return "\n\n".join(p for p in (row["explanation"], row.get("proposal")) if p)
    return row.get("text") or ""


def _content_key(row: dict, text: str) -> str:
    parts = (row["source_id"], row.get("title"), row.get("meeting_date"), row.get("diary_number"))
    payload = "\x1f".join("" if p is None else str(p) for p in (*parts, bool(row.get("is_procedural")), text))
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def _item_table(rows: list[dict]) -> pl.DataFrame:
    texts = [comparison_text(row) for row in rows]
    return pl.DataFrame(
        {
            "item_id": [row["item_id"] for row in rows],
            "source": [row["source_id"] for row in rows],
            "meeting_date": [row.get("meeting_date") for row in rows],
            "title": [row.get("title") for row in rows],
            "diary": [row.get("diary_number") for row in rows],
            "procedural": [bool(row.get("is_procedural")) for row in rows],
            "content_key": [_content_key(row, text) for row, text in zip(rows, texts, strict=True)],
            "text": texts,
        },
        schema=ITEM_COLUMNS,
    )


def _edited(index: LinkIndex, table: pl.DataFrame) -> np.ndarray:
    """The index rows of items that changed (another content key) or are no longer in ``table``."""
    known = index.live_items().select("idx", "item_id", "content_key")
    gone = known.join(table.select("item_id", "content_key"), on=["item_id", "content_key"], how="anti")
    return gone["idx"].to_numpy()


def _page_links(page_groups: dict[str, set[str]], position: dict[str, int]) -> pl.DataFrame:
    links = []
    for page, members in sorted((page_groups or {}).items()):
        ordered = sorted(m for m in members if m in position)
        for other in ordered[1:]:
            links.append(
                {
                    "a": position[ordered[0]],
                    "b": position[other],
                    "link_type": "same_page",
                    "score": 1.0,
                    "evidence": f"printed on {page}",
                }
            )
    return pl.DataFrame(links, schema=LINK_SCHEMA)


def link_handlings(
    rows: list[dict], page_groups: dict[str, set[str]], index_dir: Path | None = None
) -> tuple[dict[str, str], list[Link]]:
    """Every handling's matter id, and the evidence that joined handlings. ``page_groups`` names, per
    page, the handlings printed on it. With ``index_dir``, the link index persists there and only
    handlings it has not seen are compared; without, everything is linked afresh."""
    table = _item_table(rows)
    with tempfile.TemporaryDirectory(prefix="link-index-") as scratch:
        directory = Path(index_dir) if index_dir else Path(scratch) / "index"
        with exclusive(directory):
            return _link_in(directory, table, page_groups)


def _link_in(
    directory: Path, table: pl.DataFrame, page_groups: dict[str, set[str]]
) -> tuple[dict[str, str], list[Link]]:
    """``link_handlings`` with the index in ``directory`` (which the caller holds exclusively)."""
    index = LinkIndex.open_or_create(directory)
    edited = _edited(index, table)
    if index.needs_compaction(len(edited)):
        index = LinkIndex.create(directory)
    index.retire(edited)
    new = table.join(index.live_items().select("item_id"), on="item_id", how="anti")
    batches = list(batches_by_source(new))
    # page links need item numbers: the new items are numbered in the order the index adds them
    upcoming = [item_id for batch in batches for item_id in batch["item_id"].to_list()]
    live = index.live_items()
    position = dict(zip(live["item_id"].to_list(), live["idx"].to_list(), strict=True))
    position.update((item_id, index.n + k) for k, item_id in enumerate(upcoming))
    linked = link_into(index, batches, _page_links(page_groups, position))
    matter_of = dict(linked.matters.iter_rows())
    links = [Link(*row) for row in linked.links.iter_rows()]
    return matter_of, links
