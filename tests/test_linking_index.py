"""The persisted link index: incremental additions, reruns, settings, and ``minutes dedupe``."""

import json
from collections import Counter
from datetime import date

import numpy as np
import polars as pl
import pytest
from fixtures.link_pairs import load

from linking import minhash
from linking.dedupe import _as_items
from linking.index import LinkIndex, batches_by_source
from linking.matters import link_handlings, link_into, link_table
from minutes.cli import main


@pytest.fixture(scope="module")
def items() -> pl.DataFrame:
    return _as_items(load()[0])


def handling_rows(items: pl.DataFrame) -> list[dict]:
    return [
        {
            "item_id": row["item_id"],
            "source_id": row["source"].lower(),
            "municipality": row["source"],
            "meeting_date": row["meeting_date"],
            "title": row["title"],
            "explanation": row["text"],
            "proposal": None,
            "text": row["text"],
            "is_procedural": row["procedural"],
            "diary_number": row["diary"],
        }
        for row in items.iter_rows(named=True)
    ]


def test_days_added_one_at_a_time_after_the_history_get_the_matters_one_run_over_all_gives(items, tmp_path):
    whole = link_table(items)
    index = LinkIndex.create(tmp_path / "index")
    history = items.filter(pl.col("meeting_date") < pl.date(2025, 6, 1))
    link_into(index, batches_by_source(history))
    later = items.join(history, on="item_id", how="anti")
    days = later["meeting_date"].unique().sort().to_list()
    for day in days:
        link_into(index, batches_by_source(later.filter(pl.col("meeting_date") == day)))
    incremental = dict(link_into(index, []).matters.iter_rows())
    assert len(index.segments) == 1 + len(days) == 21
    assert incremental == dict(whole.matters.iter_rows())


def test_new_items_are_paired_only_with_each_other_and_the_band_index(items, tmp_path):
    index = LinkIndex.create(tmp_path / "index")
    early = items.filter(pl.col("meeting_date") < pl.date(2025, 6, 1))
    index.add(batches_by_source(early))
    added = index.add(batches_by_source(items.join(early, on="item_id", how="anti")))
    assert added.first == len(early) == 48
    assert len(added.candidates) > 0
    assert (added.candidates.max(axis=1) >= added.first).all()


def test_a_rerun_over_the_same_handlings_changes_nothing(items, tmp_path):
    rows = handling_rows(items)
    first = link_handlings(rows, {}, index_dir=tmp_path / "index")
    again = link_handlings(rows, {}, index_dir=tmp_path / "index")
    assert again == first
    assert sorted(p.name for p in (tmp_path / "index").iterdir()) == [
        "bands-000000.u64",
        "committed.json",
        "items-000000.parquet",
        "lines-000000.bin",
        "lines-000000.runs",
        "links-000001.parquet",
        "sentences-000000.bin",
        "settings.json",
        "shingles-000000.u32",
        "signatures-000000.u32",
        "years-000000.bin",
    ]


def test_handlings_printed_on_one_page_are_one_matter_with_a_same_page_link(items):
    rows = handling_rows(items)
    page = {"https://example.fi/page": {"asikkala-kh-2025-088", "sysma-kh-2025-071"}}
    matter_of, links = link_handlings(rows, page)
    assert matter_of["asikkala-kh-2025-088"] == matter_of["sysma-kh-2025-071"]
    same_page = [(lk.item_id_a, lk.item_id_b, lk.evidence) for lk in links if lk.link_type == "same_page"]
    assert same_page == [("asikkala-kh-2025-088", "sysma-kh-2025-071", "printed on https://example.fi/page")]


def test_a_handling_whose_text_changed_is_replaced_in_the_index_without_a_rebuild(items, tmp_path):
    rows = handling_rows(items)
    link_handlings(rows, {}, index_dir=tmp_path / "index")
    changed = [dict(row) for row in rows]
    changed[0]["explanation"] += " Lisäys."
    matter_of, _ = link_handlings(changed, {}, index_dir=tmp_path / "index")
    index = LinkIndex.open_or_create(tmp_path / "index")
    assert (len(index.segments), index.n, len(index.live_items())) == (2, 81, 80)
    old_row = index.items.filter(pl.col("item_id") == rows[0]["item_id"])["idx"].to_list()
    assert index.retired.nonzero()[0].tolist() == old_row[:1] and len(old_row) == 2
    assert matter_of == link_handlings(changed, {})[0]  # what a fresh run over the edited handlings gives


def test_a_handling_that_vanished_leaves_the_index_and_the_items_it_joined_are_compared_again(
    items, tmp_path
):
    rows = handling_rows(items)
    directory = tmp_path / "index"
    first, links = link_handlings(rows, {}, index_dir=directory)
    # the item most often linked to others is the bridge of its matter
    degree = Counter(x for link in links for x in (link.item_id_a, link.item_id_b))
    bridge = max(degree, key=lambda item_id: (degree[item_id], item_id))
    members = sorted(i for i, m in first.items() if m == first[bridge] and i != bridge)
    remaining = [row for row in rows if row["item_id"] != bridge]
    index = LinkIndex.open_or_create(directory)
    before = set(index.links.filter(pl.col("link_type") == "near_identical").select("a", "b").iter_rows())
    matter_of, _ = link_handlings(remaining, {}, index_dir=directory)
    assert bridge == "sysma-kv-2024-044" and bridge not in matter_of
    assert members == [
        "hollola-kh-2024-201",
        "hollola-kv-2024-061",
        "karkola-kh-2024-133",
        "karkola-kv-2024-052",
        "padasjoki-kh-2024-122",
        "sysma-kh-2024-140",
    ]
    assert len({matter_of[m] for m in members}) == 1
    assert matter_of == link_handlings(remaining, {})[0]
    index = LinkIndex.open_or_create(directory)
    after = set(index.links.filter(pl.col("link_type") == "near_identical").select("a", "b").iter_rows())
    assert (index.n, len(index.segments), int(index.retired.sum())) == (80, 1, 1)
    assert after - before  # pairs that were joined only through the bridge, verified now


def test_an_index_made_with_the_previous_tokeniser_is_built_afresh_once(items, tmp_path):
    directory = tmp_path / "index"
    link_into(LinkIndex.create(directory), batches_by_source(items))
    settings = json.loads((directory / "settings.json").read_text())
    assert settings["tokeniser"] == "unicode-simple-fold/bytes-poly32-length/v2"
    (directory / "settings.json").write_text(json.dumps({**settings, "tokeniser": "bytes-poly32-length/v1"}))
    rebuilt = LinkIndex.open_or_create(directory)
    assert rebuilt.n == 0
    link_into(rebuilt, batches_by_source(items))
    assert LinkIndex.open_or_create(directory).n == 80


def test_a_retirement_a_run_did_not_commit_is_not_in_the_index(items, tmp_path):
    directory = tmp_path / "index"
    link_into(LinkIndex.create(directory), batches_by_source(items))
    index = LinkIndex.open_or_create(directory)
    links = len(index.links)
    index.retire(np.array([0, 1]))
    index._drop_retired_bands()
    (directory / "bands-000000.000002.u64").write_bytes(b"half a file")  # a commit killed half-way
    reopened = LinkIndex.open_or_create(directory)
    assert (int(reopened.retired.sum()), len(reopened.links), reopened.segments[0].bands.shape) == (
        0,
        links,
        (minhash.BANDS, 80),
    )
    assert not (directory / "bands-000000.000002.u64").exists()


def test_the_index_records_algorithm_seed_and_shingling_and_refuses_other_settings(items, tmp_path):
    directory = tmp_path / "index"
    link_into(LinkIndex.create(directory), batches_by_source(items))
    settings = json.loads((directory / "settings.json").read_text())
    assert settings["minhash"] == minhash.ALGORITHM
    assert f"seed={minhash.SEED}" in settings["minhash"]
    assert settings["shingling"].startswith("word3-shingles/")
    signatures = np.fromfile(directory / "signatures-000000.u32", dtype=np.uint32)
    assert signatures.size == 80 * minhash.SLOTS
    assert LinkIndex.open_or_create(directory).n == 80
    (directory / "settings.json").write_text(json.dumps({**settings, "minhash": "another/seed=1"}))
    assert LinkIndex.open_or_create(directory).n == 0


def test_minutes_dedupe_writes_every_items_matter_whatever_the_row_order(items, tmp_path, capsys):
    table = load()[0]
    grouped, shuffled = tmp_path / "grouped.parquet", tmp_path / "shuffled.parquet"
    table.sort("municipality").write_parquet(grouped)
    table.sample(fraction=1.0, shuffle=True, seed=5).write_parquet(shuffled)
    assert main(["dedupe", str(grouped), str(tmp_path / "a.parquet")]) == 0
    assert main(["dedupe", str(shuffled), str(tmp_path / "b.parquet")]) == 0
    a, b = (pl.read_parquet(tmp_path / name) for name in ("a.parquet", "b.parquet"))
    assert a.columns == ["item_id", "matter_id"]
    assert dict(a.iter_rows()) == dict(b.iter_rows()) == dict(link_table(items).matters.iter_rows())
    assert capsys.readouterr().out.startswith("80 items in 47 matters (47 items share theirs); 76 links")


def test_minutes_dedupe_with_an_index_adds_only_the_items_it_has_not_seen(tmp_path, capsys):
    table = load()[0]
    early = table.filter(pl.col("meeting_date") < pl.date(2025, 6, 1))
    early.write_parquet(tmp_path / "early.parquet")
    table.write_parquet(tmp_path / "all.parquet")
    index = ["--index", str(tmp_path / "index")]
    assert main(["dedupe", str(tmp_path / "early.parquet"), str(tmp_path / "m1.parquet"), *index]) == 0
    assert main(["dedupe", str(tmp_path / "all.parquet"), str(tmp_path / "m2.parquet"), *index]) == 0
    added = pl.read_parquet(tmp_path / "m2.parquet")
    assert len(added) == 80 - len(early) == 32
    assert set(added["item_id"]) == set(table["item_id"]) - set(early["item_id"])
    assert "32 items in" in capsys.readouterr().out.splitlines()[-1]


def test_minutes_dedupe_with_an_index_replaces_an_item_whose_text_changed(tmp_path, capsys):
    table = load()[0]
    table.write_parquet(tmp_path / "all.parquet")
    edited = table.with_columns(
        pl.when(pl.col("item_id") == "asikkala-kh-2025-041")
        .then(pl.col("text") + " Lisäys.")
        .otherwise(pl.col("text"))
        .alias("text")
    )
    edited.write_parquet(tmp_path / "edited.parquet")
    index = ["--index", str(tmp_path / "index")]
    assert main(["dedupe", str(tmp_path / "all.parquet"), str(tmp_path / "m1.parquet"), *index]) == 0
    assert main(["dedupe", str(tmp_path / "edited.parquet"), str(tmp_path / "m2.parquet"), *index]) == 0
    again = pl.read_parquet(tmp_path / "m2.parquet")
    fresh = dict(link_table(_as_items(edited)).matters.iter_rows())
    assert dict(again.iter_rows()) == {"asikkala-kh-2025-041": fresh["asikkala-kh-2025-041"]}
    grown = LinkIndex.open_or_create(tmp_path / "index")
    assert (grown.n, int(grown.retired.sum())) == (81, 1)
    assert "1 items in" in capsys.readouterr().out.splitlines()[-1]


def test_minutes_dedupe_names_a_missing_column(tmp_path, capsys):
    load()[0].drop("title").write_parquet(tmp_path / "bad.parquet")
    assert main(["dedupe", str(tmp_path / "bad.parquet"), str(tmp_path / "out.parquet")]) == 1
    assert "lacks column(s) title" in capsys.readouterr().err


def test_a_segment_added_by_a_run_killed_before_its_links_were_saved_is_added_again(items, tmp_path):
    rows = handling_rows(items)
    history = [row for row in rows if row["meeting_date"] < date(2025, 6, 1)]
    directory = tmp_path / "index"
    link_handlings(history, {}, index_dir=directory)
    # the next run fingerprints the later items into a segment, and is killed before it saves links
    index = LinkIndex.open_or_create(directory)
    index.add(batches_by_source(items.filter(pl.col("meeting_date") >= pl.date(2025, 6, 1))))
    assert sorted(p.name for p in directory.glob("items-*.parquet")) == [
        "items-000000.parquet",
        "items-000001.parquet",
    ]
    reopened = LinkIndex.open_or_create(directory)
    assert (reopened.n, len(reopened.segments)) == (48, 1)
    assert sorted(p.name for p in directory.glob("items-*.parquet")) == ["items-000000.parquet"]
    link_handlings(history, {}, index_dir=tmp_path / "uninterrupted")
    uninterrupted = link_handlings(rows, {}, index_dir=tmp_path / "uninterrupted")
    assert link_handlings(rows, {}, index_dir=directory) == uninterrupted


def test_a_matter_keeps_its_id_when_a_later_handling_with_a_smaller_item_id_joins_it(items):
    text = items.filter(pl.col("item_id") == "asikkala-kh-2025-041")["text"].item()
    first = {
        "item_id": "heinola-kh-2025-052",
        "source_id": "heinola",
        "municipality": "Heinola",
        "meeting_date": date(2025, 3, 3),
        "title": "Jätehuollon yhteistoimintasopimus",
        "explanation": text,
        "proposal": None,
        "text": text,
        "is_procedural": False,
        "diary_number": None,
    }
    later = {**first, "item_id": "asikkala-kh-2025-061", "source_id": "asikkala", "municipality": "Asikkala"}
    later["meeting_date"] = date(2025, 4, 7)
    alone, _ = link_handlings([first], {})
    together, _ = link_handlings([first, later], {})
    assert together == {
        "heinola-kh-2025-052": alone["heinola-kh-2025-052"],
        "asikkala-kh-2025-061": alone["heinola-kh-2025-052"],
    }
