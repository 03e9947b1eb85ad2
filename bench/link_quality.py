"""Linking quality on labelled pairs: per pair kind, how many came out as they must.

Pairs come from three places:

- ``tests/fixtures/link_pairs.toml``: our own labelled set (near-identical copies in HTML and PDF form,
  councils carrying their boards' texts, own-wording pairs, and hard negatives of every kind);
- the two seed documents in ``../shared/seeds`` (one matter; skipped when absent);
- ``../shared/real-items/pairs.jsonl`` (real items that must not be one matter; skipped when absent).

All items are linked together in one run of the same code as ``minutes dedupe`` and the pipeline. A
positive kind counts a pair as found when its two items are one matter (``merge``), or one matter or
joined by an own-wording link (``link``). A hard negative counts as an error when its items are one
matter — or, for the kinds that must not even be linked, when an own-wording link joins them.
Precision is over every merged labelled pair; the goal is 1.0 (no hard negative merged).

Reproduce: .venv/bin/python bench/link_quality.py
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from fixtures.link_pairs import EXPECTED, NO_LINK, LabelledPair, load  # noqa: E402

from linking.matters import Linked, comparison_text, link_table  # noqa: E402

SHARED = Path(os.environ.get("MINUTES_SHARED", REPO.parent / "shared"))
SEEDS = (("000_b32b2a9a00ceff1b.txt", "asikkala"), ("001_6dbe717e5ac0cbaf.txt", "heinola"))
#: kinds of the real pairs, all of which must stay apart and unlinked
REAL_KINDS = ("related_not_same", "different_shared_boilerplate")
GOALS = {"near_identical": 0.98, "council_carries_board": 0.98, "own_wording": 0.8}


def seed_items() -> tuple[list[dict], list[LabelledPair]]:
    if not (SHARED / "seeds").is_dir():
        return [], []
    from core.registry import load_registry
    from parsing.handlings import parse_item_lines

    sources = {s.id: s for s in load_registry()}
    rows = []
    for name, source_id in SEEDS:
        text = (SHARED / "seeds" / name).read_text(encoding="utf-8")
        item = parse_item_lines(text.split("\n"), sources[source_id].abbreviations)
        own = item.own
        rows.append(
            {
                "item_id": f"seed-{source_id}",
                "municipality": sources[source_id].name,
                "meeting_date": own.meeting_date,
                "title": item.title,
                "diary_number": item.diary_number,
                "is_procedural": item.is_procedural,
                "text": comparison_text(
                    {"explanation": own.explanation, "proposal": own.proposal, "text": own.text}
                ),
            }
        )
    return rows, [LabelledPair("seed-asikkala", "seed-heinola", "near_identical")]


def real_items() -> tuple[list[dict], list[LabelledPair]]:
    folder = SHARED / "real-items"
    if not (folder / "items.jsonl").exists() or not (folder / "pairs.jsonl").exists():
        return [], []
    rows = []
    for line in (folder / "items.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        rows.append(
            {
                "item_id": f"real-{item['id']}",
                "municipality": item["municipality"] or item["id"].split("-")[0],
                "meeting_date": date.fromisoformat(item["meeting_date"]) if item["meeting_date"] else None,
                "title": item["title"],
                "diary_number": item["diary_number"],
                "is_procedural": False,
                "text": item["excerpt"],
            }
        )
    pairs = []
    for line in (folder / "pairs.jsonl").read_text(encoding="utf-8").splitlines():
        pair = json.loads(line)
        pairs.append(LabelledPair(f"real-{pair['a']}", f"real-{pair['b']}", pair["label"]))
    return rows, pairs


def all_items() -> tuple[pl.DataFrame, list[LabelledPair]]:
    items, pairs = load()
    for extra_rows, extra_pairs in (seed_items(), real_items()):
        if extra_rows:
            extra = pl.DataFrame(extra_rows, schema_overrides={"meeting_date": pl.Date}, strict=False)
            items = pl.concat([items, extra.select(items.columns)], how="vertical_relaxed")
        pairs += extra_pairs
    return items, pairs


def expected(pair: LabelledPair) -> str:
    return EXPECTED.get(pair.kind, "apart")


def outcomes(linked: Linked, pairs: list[LabelledPair]) -> dict[LabelledPair, str]:
    """Each pair: ``merged`` (one matter), ``linked`` (an own-wording link between their matters) or
    ``apart``."""
    matter = dict(linked.matters.iter_rows())
    own = linked.links.filter(pl.col("link_type") == "own_wording")
    linked_matters = {
        frozenset((matter[a], matter[b])) for a, b in own.select("item_id_a", "item_id_b").iter_rows()
    }
    result = {}
    for pair in pairs:
        ma, mb = matter[pair.a], matter[pair.b]
        result[pair] = (
            "merged" if ma == mb else "linked" if frozenset((ma, mb)) in linked_matters else "apart"
        )
    return result


def is_right(pair: LabelledPair, outcome: str) -> bool:
    want = expected(pair)
    if want == "merge":
        return outcome == "merged"
    if want == "link":
        return outcome in ("merged", "linked")
    if pair.kind in NO_LINK or pair.kind in REAL_KINDS:
        return outcome == "apart"
    return outcome != "merged"


def report(items: pl.DataFrame, pairs: list[LabelledPair], linked: Linked) -> dict:
    found = outcomes(linked, pairs)
    right = Counter(p.kind for p in pairs if is_right(p, found[p]))
    total = Counter(p.kind for p in pairs)
    merged = [p for p in pairs if found[p] == "merged"]
    wrongly_merged = [p for p in merged if expected(p) == "apart"]
    print(f"{len(items)} items, {len(pairs)} labelled pairs\n")
    print(f"{'kind':<30} {'expected':<9} {'measure':<14} {'right':>7}  {'rate':>6}  goal")
    for kind in sorted(total, key=lambda k: (EXPECTED.get(k, "apart"), k)):
        rate = right[kind] / total[kind]
        want = EXPECTED.get(kind, "apart")
        measure = "recall" if want in ("merge", "link") else "kept apart"
        goal = f"≥ {GOALS[kind]}" if kind in GOALS else "1.0"
        print(f"{kind:<30} {want:<9} {measure:<14} {right[kind]:>3}/{total[kind]:<3}  {rate:6.3f}  {goal}")
    precision = (len(merged) - len(wrongly_merged)) / len(merged) if merged else 1.0
    print(
        f"\nprecision of merges: {precision:.3f} "
        f"({len(wrongly_merged)} hard negatives merged of {len(merged)} merges)"
    )
    for pair in [p for p in pairs if not is_right(p, found[p])]:
        print(f"  wrong: {pair.kind} {pair.a} ~ {pair.b}: {found[pair]}")
    return {"precision": precision, "right": right, "total": total}


def main() -> None:
    items, pairs = all_items()
    linked = link_table(_as_link_items(items))
    report(items, pairs, linked)
    print("\nreproduce: .venv/bin/python bench/link_quality.py")


def _as_link_items(items: pl.DataFrame) -> pl.DataFrame:
    from linking.dedupe import _as_items

    return _as_items(items)


if __name__ == "__main__":
    main()
