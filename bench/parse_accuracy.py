"""How accurately the parser reads items: exact-match accuracy per field, per platform and format, on the
gold set (``tests/gold``: items written for this project in the real layouts, HTML pages, page text,
PDFs rendered at run time and PDF-extracted text) and on the real item pages in ``../shared/real-items``
(rendered text with labels; skipped when the folder is absent).

A field counts as right only when it equals the expected value exactly (titles of the real items are
compared whitespace-normalised: their excerpts' whitespace is approximate). Goals: 99 % on
municipality, body, date, §, title, diary number and earlier handlings; 95 % on preparer, presenter
and outcome. The exit status is 1 when a goal is missed.

    .venv/bin/python bench/parse_accuracy.py [--shared ../shared] [--failures]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from tests.conftest import SHARED
from tests.gold.harness import (
    FIELDS,
    REAL_FIELDS,
    gold_fields,
    load_gold,
    load_real_items,
    real_expected,
    real_observed,
)

COMMAND = ".venv/bin/python bench/parse_accuracy.py"
GOALS = {
    "municipality": 99.0,
    "body": 99.0,
    "meeting_date": 99.0,
    "section": 99.0,
    "title": 99.0,
    "diary_number": 99.0,
    "earlier_handlings": 99.0,
    "preparer": 95.0,
    "presenter": 95.0,
    "decision_outcome": 95.0,
}
LABELS = {"meeting_date": "date", "section": "§", "decision_outcome": "outcome"}

# One comparison: (item id, column, field, observed, expected).
Result = tuple[str, str, str, object, object]


def gold_results() -> list[Result]:
    results = []
    for item in load_gold():
        observed = gold_fields(item)
        for name in FIELDS:
            results.append((item.id, item.kind, name, observed[name], item.expected[name]))
    return results


def real_results(shared: Path) -> list[Result]:
    results = []
    for record in load_real_items(shared):
        observed, expected = real_observed(record), real_expected(record)
        for name in REAL_FIELDS:
            results.append((record["id"], record["platform"], name, observed[name], expected[name]))
    return results


def _share(results: Iterable[Result]) -> tuple[int, int]:
    results = list(results)
    return sum(1 for r in results if r[3] == r[4]), len(results)


def _cell(right: int, total: int) -> str:
    return f"{100 * right / total:5.1f} ({right}/{total})" if total else "–"


def table(results: list[Result], fields: tuple[str, ...], columns: list[str]) -> tuple[list[str], list[str]]:
    """Lines of the accuracy table, and the fields that miss their goal."""
    items_in = {c: len({r[0] for r in results if r[1] == c}) for c in columns}
    head = [f"{c} (n={items_in[c]})" for c in columns] + [f"all (n={len({r[0] for r in results})})"]
    widths = [max(len(h), 15) for h in head]
    lines = ["field".ljust(18) + "  ".join(h.rjust(w) for h, w in zip(head, widths, strict=True)) + "  goal"]
    missed = []
    for name in fields:
        of_field = [r for r in results if r[2] == name]
        cells = [_cell(*_share(r for r in of_field if r[1] == c)) for c in columns]
        right, total = _share(of_field)
        cells.append(_cell(right, total))
        goal = GOALS.get(name)
        verdict = "–"
        if goal is not None:
            met = total and 100 * right / total >= goal
            verdict = f"≥{goal:.0f} {'met' if met else 'MISSED'}"
            if not met:
                missed.append(name)
        row = "  ".join(cell.rjust(w) for cell, w in zip(cells, widths, strict=True))
        lines.append(LABELS.get(name, name).ljust(18) + row + "  " + verdict)
    return lines, missed


def failures(results: list[Result]) -> list[str]:
    return [
        f"  {item_id} [{column}] {LABELS.get(name, name)}: got {observed!r}, expected {expected!r}"
        for item_id, column, name, observed, expected in results
        if observed != expected
    ]


def report(
    title: str, results: list[Result], fields: tuple[str, ...], order: Callable, show: bool
) -> list[str]:
    """Print one table (and its misses when asked); the fields that miss their goal."""
    columns = sorted({r[1] for r in results}, key=order)
    lines, missed = table(results, fields, columns)
    print(f"\n{title}")
    print("\n".join(lines))
    if show and (wrong := failures(results)):
        print("misses:")
        print("\n".join(wrong))
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder (real-items/)")
    parser.add_argument("--failures", action="store_true", help="list every field that does not match")
    args = parser.parse_args(argv)

    print(f"Parse accuracy: exact match per field, platform/format. Reproduce: {COMMAND}")
    kinds = ["dynasty/html", "dynasty/pdf", "casem/html", "tweb/pdf"]
    missed = report(
        "Gold set (tests/gold)",
        gold_results(),
        FIELDS,
        lambda c: kinds.index(c) if c in kinds else len(kinds),
        args.failures,
    )
    print("  municipality is the registry name of the source each item came from, as the pipeline writes it.")
    if (args.shared / "real-items" / "items.jsonl").is_file():
        missed += report(
            f"Real items ({args.shared / 'real-items'})",
            real_results(args.shared),
            REAL_FIELDS,
            lambda c: c,
            args.failures,
        )
        print("  municipality, preparer, presenter and outcome are not labelled on the real items.")
    else:
        print(f"\nReal items: {args.shared / 'real-items'} is absent, skipped.")
    print("\nAll goals met." if not missed else f"\nGoals missed: {', '.join(dict.fromkeys(missed))}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
