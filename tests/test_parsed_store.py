"""The parsed store: each source's parses kept as generations, and its last accepted one handed on."""

from datetime import date

import polars as pl

from parsing.records import Records
from processing.acceptance import judge
from processing.parsed import ParsedRecords, ParsedStore, SourceParse


def handling(item_id: str, source_id: str, section: int | None = 1) -> dict:
    return {
        "item_id": item_id,
        "meeting_id": f"{source_id}-m",
        "source_id": source_id,
        "municipality": source_id.title(),
        "body": "Kunnanhallitus",
        "meeting_date": date(2026, 5, 4),
        "document_type": "minutes",
        "section": section,
        "is_own_page": True,
        "is_procedural": False,
    }


def parse_of(source_id: str, items: list[dict], failure: str | None = None, at: str = "") -> SourceParse:
    parsed = ParsedRecords.from_records(Records(items=items, page_groups={f"{source_id}/p": {"a"}}))
    verdicts = judge(parsed.items, parsed.parse_errors, failure)
    return SourceParse(source_id, f"https://{source_id}.example/", parsed, verdicts, parsed_at=at)


def test_a_rejected_parse_leaves_the_accepted_rows_and_says_so(tmp_path):
    store = ParsedStore(tmp_path)
    store.write(
        parse_of("hollola", [handling("h1", "hollola"), handling("h2", "hollola")], at="2026-05-05T06:10")
    )
    store.write(parse_of("heinola", [handling("k1", "heinola")], at="2026-05-05T06:12"))
    # the next morning: Hollola's rows have no § (a changed layout), Heinola's are fine
    store.write(parse_of("hollola", [handling("h1", "hollola", None)], at="2026-05-06T06:10"))
    store.write(
        parse_of("heinola", [handling("k1", "heinola"), handling("k2", "heinola")], at="2026-05-06T06:12")
    )

    read = store.read(["hollola", "heinola"])
    assert sorted(read.items["item_id"].to_list()) == ["h1", "h2", "k1", "k2"]
    assert read.items.filter(pl.col("item_id") == "h1")["section"].to_list() == [1]
    assert read.parse_errors.select("source_id", "stage", "url", "reason").rows() == [
        (
            "hollola",
            "records",
            "https://hollola.example/",
            "its parse of 2026-05-06T06:10 was not accepted (missing on more than 1 % of minutes "
            "handlings: {'section': 1.0}): the rows of its parse of 2026-05-05T06:10 are kept",
        )
    ]
    assert read.page_groups == {"heinola/p": ["a"], "hollola/p": ["a"]}
    assert store.accepted_item_ids("hollola") == {"h1", "h2"}


def test_a_source_never_accepted_has_no_rows_and_a_note(tmp_path):
    store = ParsedStore(tmp_path)
    store.write(parse_of("hollola", [], failure="KeyError: 'page_key'", at="2026-05-06T06:10"))
    read = store.read(["hollola"])
    assert read.items.height == 0
    assert read.parse_errors["reason"].to_list() == [
        "its parse of 2026-05-06T06:10 was not accepted (its rows could not be built: KeyError: "
        "'page_key'): no parse of this source was accepted before, so it has no rows"
    ]


def test_only_the_latest_and_the_accepted_generations_are_kept_and_a_killed_write_is_cleared(tmp_path):
    store = ParsedStore(tmp_path)
    first = store.write(parse_of("hollola", [handling("h1", "hollola")]))
    (tmp_path / "hollola" / "20260101T000000000000-dead00.building").mkdir()  # a write that was killed
    second = store.write(parse_of("hollola", [handling("h1", "hollola", None)]))
    assert sorted(p.name for p in (tmp_path / "hollola").iterdir() if p.is_dir()) == sorted(
        [first.name, second.name]
    )
    third = store.write(parse_of("hollola", [handling("h2", "hollola")]))
    assert [p.name for p in (tmp_path / "hollola").iterdir() if p.is_dir()] == [third.name]
    assert (store.latest("hollola"), store.accepted("hollola")) == (third, third)
    assert store.read(["hollola"]).items["item_id"].to_list() == ["h2"]
