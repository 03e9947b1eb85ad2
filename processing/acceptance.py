"""Whether one source's parse may replace the rows it had: the blocking verdicts, and a warning.

A parse is accepted when every blocking verdict passes. An accepted parse becomes what the later
stages read for its source; a rejected one is kept beside it for inspection and changes nothing else
(``processing/parsed.py``). The same verdicts are Dagster's checks on the ``handlings`` asset and decide
``minutes process``, so both paths load the same warehouse from the same archive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

#: A warning above this share of a source's item documents that could not be read.
PARSE_FAILURE_WARN = 0.05
#: Blocking above this share of minutes handlings without municipality, body, date or §.
REQUIRED_NULL_ERROR = 0.01
REQUIRED = ("municipality", "body", "meeting_date", "section")

RECORDS_BUILT = "records_built"
REQUIRED_FIELDS = "required_fields"
UNIQUE_HANDLING_KEYS = "unique_handling_keys"
PARSE_FAILURE_RATE = "parse_failure_rate"
#: The verdicts that decide acceptance, in the order they are reported.
BLOCKING = (RECORDS_BUILT, REQUIRED_FIELDS, UNIQUE_HANDLING_KEYS)


@dataclass(frozen=True)
class Verdict:
    name: str
    passed: bool
    blocking: bool
    description: str
    metadata: dict = field(default_factory=dict)


def records_built(failure: str | None) -> Verdict:
    """``failure`` is why the source's rows could not be built at all (an exception in our code)."""
    return Verdict(
        RECORDS_BUILT,
        failure is None,
        True,
        f"its rows could not be built: {failure}" if failure else "rows built",
    )


def required_fields(items: pl.DataFrame) -> Verdict:
    """Minutes handlings of their own page must name municipality, body, date and §."""
    own_minutes = (
        items.filter(pl.col("is_own_page") & (pl.col("document_type") == "minutes"))
        if items.height
        else items
    )
    shares = (
        {c: round(own_minutes[c].null_count() / own_minutes.height, 4) for c in REQUIRED}
        if own_minutes.height
        else {}
    )
    over = {c: share for c, share in shares.items() if share > REQUIRED_NULL_ERROR}
    return Verdict(
        REQUIRED_FIELDS,
        not over,
        True,
        f"missing on more than 1 % of minutes handlings: {over}" if over else "required fields present",
        {"null_share": shares, "minutes_handlings": own_minutes.height},
    )


def unique_handling_keys(items: pl.DataFrame) -> Verdict:
    duplicates = items.height - items["item_id"].n_unique() if items.height else 0
    return Verdict(
        UNIQUE_HANDLING_KEYS,
        duplicates == 0,
        True,
        f"{duplicates} handlings repeat an item_id" if duplicates else "one row per handling",
        {"duplicates": duplicates},
    )


def parse_failure_rate(items: pl.DataFrame, parse_errors: pl.DataFrame, built: bool) -> Verdict:
    """The share of item documents that could not be read; a source whose rows could not be built
    failed whole. Decode and normalise notes are about pages that did load, so they do not count."""
    if not built:
        rate = 1.0
        unread = read = 0
    else:
        read = items.filter(pl.col("is_own_page")).height if items.height else 0
        unread = parse_errors.filter(pl.col("stage") == "parse").height if parse_errors.height else 0
        rate = unread / (unread + read) if unread + read else 0.0
    return Verdict(
        PARSE_FAILURE_RATE,
        rate <= PARSE_FAILURE_WARN,
        False,
        f"{rate:.1%} of item documents could not be read"
        + (" (over 5 %)" if rate > PARSE_FAILURE_WARN else ""),
        {"rate": round(rate, 3), "unread": unread, "read": read},
    )


def judge(items: pl.DataFrame, parse_errors: pl.DataFrame, failure: str | None) -> list[Verdict]:
    """Every verdict on one source's parse: the blocking ones first, then the warning."""
    built = records_built(failure)
    return [
        built,
        required_fields(items),
        unique_handling_keys(items),
        parse_failure_rate(items, parse_errors, built.passed),
    ]


def accepted(verdicts: list[Verdict]) -> bool:
    return all(v.passed for v in verdicts if v.blocking)
