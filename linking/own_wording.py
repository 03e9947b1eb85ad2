"""The same regional matter in each municipality's own words.

Municipalities often explain one regional programme, report or agreement in texts of their own that
share only a few sentences — those quoted from the region's letter or the programme itself. Such items
are linked (``own_wording``) when

- they are in different sources and not already one matter;
- they share at least ``MIN_SHARED_SENTENCES`` *distinctive* sentences: long enough, outside either
  source's boilerplate, citing no statute (the paragraph of law every municipality quotes is not
  evidence), and printed in at most ``SENTENCE_BUCKET_CAP`` matters (a sentence everyone prints is a
  phrase of the trade, not a quotation);
- their titles agree on what the matter is (``LINK_TITLE_AGREEMENT``, a looser bar than the
  ``guards.SAME_SOURCE_TITLE_AGREEMENT`` that one source's two items must pass: these are different
  municipalities' own titles);
- no guard forbids it: not another period, not too far apart in time.

The link is recorded with its evidence and does not merge the two matters — unless the evidence is
strong (``strong_own_wording``): titles that agree closely and name the same years, and several shared
sentences. Then the two are one matter.

Candidates come from the sentences themselves: a sentence shared by a few matters yields their pairs.
That is a pair search within small buckets only; a bucket over the cap is dropped whole.
"""

from __future__ import annotations

import numpy as np
import polars as pl

MIN_SHARED_SENTENCES = 2
SENTENCE_BUCKET_CAP = 24
LINK_TITLE_AGREEMENT = 0.3
STRONG_SHARED_SENTENCES = 3
STRONG_TITLE_AGREEMENT = 0.6


def shared_sentence_pairs(
    shared: pl.DataFrame, labels: np.ndarray, sources: np.ndarray, focus: np.ndarray | None = None
) -> pl.DataFrame:
    """Pairs of items of different matters and sources that share distinctive sentences: (a, b, shared),
    a < b, one item per matter (the smallest that has the sentences). With ``focus`` (item numbers),
    only pairs with an item of it."""
    empty = pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64, "shared": pl.UInt32})
    if shared.is_empty():
        return empty
    rows = shared.with_columns(
        matter=pl.Series(labels)[shared["item"]],
        source=pl.Series(sources)[shared["item"]],
    )
    per_matter = rows.group_by("hash", "matter").agg(pl.col("item").min(), pl.col("source").first())
    buckets = per_matter.filter(pl.len().over("hash").is_between(2, SENTENCE_BUCKET_CAP))
    pairs = (
        buckets.join(buckets, on="hash", suffix="_b")
        .filter((pl.col("matter") < pl.col("matter_b")) & (pl.col("source") != pl.col("source_b")))
        .group_by("matter", "matter_b")
        .agg(pl.len().alias("shared"), pl.col("item").min().alias("a"), pl.col("item_b").min().alias("b"))
        .filter(pl.col("shared") >= MIN_SHARED_SENTENCES)
    )
    if focus is not None:
        pairs = pairs.filter(pl.col("a").is_in(focus) | pl.col("b").is_in(focus))
    ordered = pairs.select(
        pl.min_horizontal("a", "b").alias("a"), pl.max_horizontal("a", "b").alias("b"), "shared"
    )
    return ordered.sort("a", "b") if not ordered.is_empty() else empty


def own_wording_strength(shared: int, title_agreement: float, years_a: str, years_b: str) -> str | None:
    """``"strong"`` (merge), ``"weak"`` (record only), or None (no link) for a guarded candidate."""
    if shared < MIN_SHARED_SENTENCES or title_agreement < LINK_TITLE_AGREEMENT:
        return None
    if (
        shared >= STRONG_SHARED_SENTENCES
        and title_agreement >= STRONG_TITLE_AGREEMENT
        and years_a
        and years_a == years_b
    ):
        return "strong"
    return "weak"
