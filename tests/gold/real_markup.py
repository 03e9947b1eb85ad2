"""Expected readings of the real markup in ``../shared/real-markup/`` (``real_markup.toml``) and what
the project reads from each file, through ``minutes parse``'s own function.

The expectations hold only the facts that identify what a page is and says (kind, how many entries,
their dates, bodies, §, diary numbers, titles, links, outcomes), never the pages' text: that stays in
``../shared``. Both the tests (``tests/test_real_markup.py``) and the bench (``bench/real_markup.py``)
compare through ``comparisons`` here, so they cannot disagree about what counts as right.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from minutes.saved_page import read_saved_page

GOLD_FILE = Path(__file__).with_name("real_markup.toml")
#: Per page, the fields compared besides the handlings' own.
PAGE_FIELDS = ("kind", "entries", "entry_kinds", "entry_dates", "entry_sections", "errors")


@dataclass(frozen=True)
class Comparison:
    file: str
    field: str  # "kind", "entries", … or "handling[<n>].<column>"
    observed: object
    expected: object

    @property
    def right(self) -> bool:
        return self.observed == self.expected


def load_gold() -> list[dict]:
    return tomllib.loads(GOLD_FILE.read_text(encoding="utf-8"))["page"]


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def read(shared: Path, page: dict) -> dict:
    return read_saved_page(
        shared / "real-markup" / page["file"], page["platform"], page.get("url"), page.get("source")
    )


def observed_page_fields(result: dict) -> dict[str, object]:
    entries = result["entries"]
    return {
        "kind": result["kind"],
        "entries": len(entries),
        "entry_kinds": sorted({e["kind"] for e in entries}),
        "entry_dates": [e["meeting_date"] for e in entries if e["meeting_date"]],
        "entry_sections": [e["section"] for e in entries if e["section"] is not None],
        "errors": result["errors"],
    }


def comparisons(shared: Path, page: dict) -> Iterator[Comparison]:
    """Each expected field of one page against what is read from it. ``entry_dates`` may be given as
    ``{first, last, distinct}`` for a long listing instead of every date; ``null = [...]`` in an entry
    or a handling lists the fields that must be NULL."""
    result = read(shared, page)
    observed = observed_page_fields(result)
    for field in PAGE_FIELDS:
        if field not in page:
            continue
        expected, seen = page[field], observed[field]
        if field == "entry_dates" and isinstance(expected, dict):
            seen = {"first": seen[0], "last": seen[-1], "distinct": len(set(seen))} if seen else {}
            expected = {k: _plain(v) for k, v in expected.items()}
        elif field == "entry_dates":
            expected = [_plain(v) for v in expected]
        yield Comparison(page["file"], field, seen, expected)
    first = result["entries"][0] if result["entries"] else {}
    for field, expected in _expected_fields(page.get("entry", {})):  # the first entry's fields
        yield Comparison(page["file"], f"entry[0].{field}", first.get(field), expected)
    expected_handlings = page.get("handlings", [])
    if "handlings" in page:
        yield Comparison(page["file"], "handlings", len(result["handlings"]), len(expected_handlings))
    for n, expected in enumerate(expected_handlings):
        got = result["handlings"][n] if n < len(result["handlings"]) else {}
        for column, value in _expected_fields(expected):
            yield Comparison(page["file"], f"handling[{n}].{column}", got.get(column), value)


def _expected_fields(expected: dict) -> Iterator[tuple[str, object]]:
    """(field, value) of an expectation, the names in its ``null`` list with None (TOML has no null)."""
    for field, value in expected.items():
        if field != "null":
            yield field, _plain(value)
    for field in expected.get("null", []):
        yield field, None
