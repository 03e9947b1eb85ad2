"""What must never merge, however alike the text: the rules checked on every candidate pair.

Near-identical text is not enough to be one matter. These pairs stay apart:

- *recurring items of different periods* — the annual report of 2022 and of 2023, the budget 2024 and
  2025, agreements of different terms: their titles name different years, or their texts are the same
  sentences with the years exchanged (a *year substitution*: the same words before and after a year, and
  another year between them), or their meetings are further apart than one matter's handlings ever are
  (``MAX_DAYS_APART``);
- *one source's different decisions*: a municipality registers one matter under one diary number and
  keeps its title, so two of its items with different diary numbers, with titles that do not agree, or
  more than ``SAME_SOURCE_MAX_DAYS`` apart are different decisions — even under one reused diary number;
- standing procedural items never take part in a text link at all (checked before pairs are formed).

Each rule returns the reason it blocked a pair, which the tests and the quality bench read.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import numpy as np
import polars as pl

from core.words.characters import words
from core.words.forms import lemma

#: Handlings of one regional matter fall within months of each other (the region's bodies, then each
#: municipality's board and council); a recurring item comes back after a year.
MAX_DAYS_APART = 320
#: Within one municipality a matter goes from board to council within weeks, at most a few months.
SAME_SOURCE_MAX_DAYS = 240
#: One source keeps a matter's title from board to council: titles agreeing less are two decisions.
#: (How far titles must agree for an own-wording link is ``own_wording.LINK_TITLE_AGREEMENT``.)
SAME_SOURCE_TITLE_AGREEMENT = 0.5
#: words of a title that say what is done, not what the matter is
GENERIC_TITLE_WORDS = frozenset(
    "hyväksyminen hyväksyminen käsittely vahvistaminen merkitseminen tiedoksi päättäminen lausunto "
    "lausunnon antaminen esitys vuodelta vuodelle vuosille vuoden vuonna ajalle ajalta alkaen "
    "kunnan kaupungin asia ja sekä tai".split()
)


def title_words(title: str | None) -> list[str]:
    """The words of a title that name the matter, as lemmas (``words.forms``): years, numbers and
    words of what is done left out."""
    found = [lemma(w) for w in words(title) if len(w) >= 3 and not w.isdigit()]
    return [w for w in found if w not in _generic_lemmas()]


@cache
def _generic_lemmas() -> frozenset[str]:
    return frozenset(lemma(w) for w in GENERIC_TITLE_WORDS)


def title_agreement(a: str | None, b: str | None) -> float:
    """The share of both titles' naming words that are, in some form, in the other title too."""
    words_a, words_b = title_words(a), title_words(b)
    if not words_a or not words_b:
        return 0.0
    set_a, set_b = set(words_a), set(words_b)
    matched = sum(w in set_b for w in words_a) + sum(w in set_a for w in words_b)
    return matched / (len(words_a) + len(words_b))


def title_years_column(titles: pl.Expr) -> pl.Expr:
    """The years a title names, sorted and joined (``"2026|2030"``), or ``""``."""
    years = titles.fill_null("").str.extract_all(r"\b(?:19|20)\d{2}\b").list.unique().list.sort()
    return years.list.join("|")


def year_substitutions(
    pairs: np.ndarray, year_item: np.ndarray, year_context: np.ndarray, year_value: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each (a, b) pair: how many year contexts both texts have, and in how many the two texts name
    only different years."""
    n_pairs = len(pairs)
    if not n_pairs or not len(year_item):
        return np.zeros(n_pairs, dtype=np.int64), np.zeros(n_pairs, dtype=np.int64)
    years = pl.DataFrame({"item": year_item, "context": year_context, "year": year_value})
    sides = pl.DataFrame({"pair": np.arange(n_pairs), "a": pairs[:, 0], "b": pairs[:, 1]})
    side_a = sides.join(years, left_on="a", right_on="item").select("pair", "context", year_a="year")
    side_b = sides.join(years, left_on="b", right_on="item").select("pair", "context", year_b="year")
    shared = (
        side_a.join(side_b, on=["pair", "context"])
        .group_by("pair", "context")
        .agg(agree=(pl.col("year_a") == pl.col("year_b")).any())
        .group_by("pair")
        .agg(shared=pl.len(), substituted=(~pl.col("agree")).sum())
    )
    counts = pl.DataFrame({"pair": np.arange(n_pairs)}).join(shared, on="pair", how="left").fill_null(0)
    return counts["shared"].to_numpy(), counts["substituted"].to_numpy()


def _days_apart(a: date | None, b: date | None) -> int | None:
    return None if a is None or b is None else abs((a - b).days)


def pair_block_reason(
    a: dict,
    b: dict,
    shared_year_contexts: int = 0,
    substituted_year_contexts: int = 0,
) -> str | None:
    """Why items ``a`` and ``b`` (rows with source, title, title_years, meeting_date, diary, procedural)
    must not be one matter; None if nothing forbids it."""
    if a.get("procedural") or b.get("procedural"):
        return "procedural item"
    if a.get("title_years") and b.get("title_years") and a["title_years"] != b["title_years"]:
        return f"titles name other years ({a['title_years']} vs {b['title_years']})"
    if substituted_year_contexts:
        return f"years exchanged in {substituted_year_contexts} of {shared_year_contexts} shared contexts"
    days = _days_apart(a.get("meeting_date"), b.get("meeting_date"))
    if days is not None and days > MAX_DAYS_APART:
        return f"meetings {days} days apart"
    if a.get("source") == b.get("source"):
        return _same_source_block_reason(a, b, days)
    return None


def _same_source_block_reason(a: dict, b: dict, days: int | None) -> str | None:
    if a.get("diary") and b.get("diary") and a["diary"] != b["diary"]:
        return f"one source, different diary numbers ({a['diary']} vs {b['diary']})"
    if days is not None and days > SAME_SOURCE_MAX_DAYS:
        return f"one source, meetings {days} days apart"
    agreement = title_agreement(a.get("title"), b.get("title")) if a.get("title") and b.get("title") else 1.0
    if agreement < SAME_SOURCE_TITLE_AGREEMENT:
        return "one source, titles that do not agree"
    return None
