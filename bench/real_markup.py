"""How much of the real markup in ``../shared/real-markup/`` the project reads right: exact-match
accuracy per field and per file, against ``tests/gold/real_markup.toml``, through the same harness the
tests use (``tests/gold/real_markup.py``: the spider's page reader, then the parser, as ``minutes parse``
runs them). A field is right only when it equals the expectation exactly. The exit status is 1 when
any field is wrong.

    .venv/bin/python bench/real_markup.py [--shared ../shared] [--failures]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from tests.conftest import SHARED
from tests.gold.real_markup import Comparison, comparisons, load_gold

COMMAND = ".venv/bin/python bench/real_markup.py"


def field_name(comparison: Comparison) -> str:
    """``handling[1].section`` → ``handlings.section``: fields are summed over handlings."""
    return re.sub(r"^handling\[\d+\]\.", "handlings.", re.sub(r"^entry\[0\]\.", "entry.", comparison.field))


def percent(right: int, total: int) -> str:
    return f"{100 * right / total:5.1f} %" if total else "    – "


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the folder holding real-markup/")
    parser.add_argument("--failures", action="store_true", help="print every wrong field")
    args = parser.parse_args(argv)
    if not (args.shared / "real-markup").is_dir():
        print(f"{args.shared / 'real-markup'} is absent: nothing to measure")
        return 0
    started = time.monotonic()
    by_file: dict[str, list[Comparison]] = {}
    for page in load_gold():
        by_file[page["file"]] = list(comparisons(args.shared, page))
    seconds = time.monotonic() - started
    by_field: dict[str, list[bool]] = defaultdict(list)
    for found in by_file.values():
        for comparison in found:
            by_field[field_name(comparison)].append(comparison.right)

    print(f"Real markup: {len(by_file)} files, {sum(map(len, by_file.values()))} expected fields\n")
    print(f"{'file':<58} {'right':>7} {'of':>4}  accuracy")
    for name, found in sorted(by_file.items()):
        right = sum(c.right for c in found)
        print(f"{name:<58} {right:>7} {len(found):>4}  {percent(right, len(found))}")
    print(f"\n{'field':<58} {'right':>7} {'of':>4}  accuracy")
    for name, results in sorted(by_field.items()):
        print(f"{name:<58} {sum(results):>7} {len(results):>4}  {percent(sum(results), len(results))}")
    wrong = [c for found in by_file.values() for c in found if not c.right]
    total = sum(map(len, by_file.values()))
    print(
        f"\nall fields: {total - len(wrong)} of {total} right "
        f"({percent(total - len(wrong), total).strip()}), "
        f"read in {seconds:.2f} s"
    )
    if args.failures:
        for c in wrong:
            print(f"  {c.file}: {c.field}: read {c.observed!r}, expected {c.expected!r}")
    print(f"\nreproduce: {COMMAND}{' --failures' if args.failures else ''}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
