"""Identity across pages, and a source that cannot be processed: ``build_records`` on small archives."""

from __future__ import annotations

from datetime import date

import pytest

from archive import Archive
from core.registry import load_registry
from parsing import records
from parsing.records import build_records
from tests.gold.harness import GOLD_DIR

HOLLOLA = "https://hollola.cloudnc.fi/fi-FI/Toimielimet/"
BOARD_URL = HOLLOLA + "Kunnanhallitus/Kokous_2612026/Hulevesiohjelma_2026_2030(3100)"
COUNCIL_URL = HOLLOLA + "Valtuusto/Kokous_1622026/Hulevesiohjelma_2026_2030(3140)"
BOARD_PAGE = """<!DOCTYPE html><html lang="fi"><head><meta charset="utf-8"></head><body>
<div id="content"><h1>Kunnanhallitus, kokous 26.1.2026</h1>
<p class="status">Pöytäkirja on tarkastettu</p>
<h2>§ 12 Hulevesiohjelma 2026–2030</h2><p class="dno">HOLDno-2025-1244</p>
<h3>Valmistelija</h3><ul><li>Petri Vainio, kunnaninsinööri, petri.vainio@hollola.fi</li></ul>
<h3>Perustelut</h3><p>Rankkasateet ovat viime vuosina aiheuttaneet tulvia.</p>
<h3>Ehdotus</h3><p>Kunnanhallitus esittää valtuustolle, että valtuusto hyväksyy hulevesiohjelman.</p>
<h3>Päätös</h3><p>Ehdotus hyväksyttiin.</p></div></body></html>"""
HTML = {"content-type": "text/html; charset=utf-8"}


def archived(tmp_path, *pages: tuple[str, str, str]) -> Archive:
    archive = Archive(tmp_path / "archive")
    for source_id, url, page in pages:
        archive.record_response(
            source_id=source_id, url=url, kind="item_page", status=200, body=page.encode(), headers=HTML
        )
    return archive


def sources(*ids: str):
    return [source for source in load_registry() if source.id in ids]


def council_page() -> str:
    return (GOLD_DIR / "inputs" / "casem-hollola-valtuusto-2026-9.html").read_text(encoding="utf-8")


def test_an_earlier_handling_printed_with_a_diary_number_and_no_date_defers_to_its_own_earlier_page(tmp_path):
    # The board's own page is archived (and so resolved) before the council page that carries it.
    archive = archived(tmp_path, ("hollola", BOARD_URL, BOARD_PAGE), ("hollola", COUNCIL_URL, council_page()))

    result = build_records(archive, sources("hollola"))

    assert [(r["body"], r["meeting_date"], r["section"], r["url"]) for r in result.items] == [
        ("Kunnanhallitus", date(2026, 1, 26), 12, BOARD_URL),
        ("Valtuusto", date(2026, 2, 16), 9, COUNCIL_URL),
    ]
    board_id, council_id = (r["item_id"] for r in result.items)
    assert result.page_groups == {BOARD_URL: {board_id}, COUNCIL_URL: {board_id, council_id}}
    assert result.parse_errors == []
    assert "page_key" not in result.items[0]


def test_a_source_whose_rows_cannot_be_built_is_recorded_and_the_others_still_load(tmp_path, monkeypatch):
    heinola_page = (GOLD_DIR / "inputs" / "dynasty-heinola-kv-2026-4.html").read_text(encoding="utf-8")
    heinola_url = "https://kokoukset.heinola.fi/dynasty2025/cgi/DREQUEST.PHP?page=meetingitem&id=2026011-4"
    archive = archived(tmp_path, ("hollola", BOARD_URL, BOARD_PAGE), ("heinola", heinola_url, heinola_page))
    archive.record_response(
        source_id="heinola",
        url=heinola_url,
        kind="meetingitem",
        status=200,
        body=heinola_page.encode(),
        headers=HTML,
    )

    def broken(rows):
        if any(r["source_id"] == "hollola" for r in rows):
            raise KeyError("page_key")
        return original(rows)

    original = records.resolve_carried_handlings
    monkeypatch.setattr(records, "resolve_carried_handlings", broken)

    result = build_records(archive, sources("hollola", "heinola"))

    assert result.failed_sources == ["hollola"]
    assert [(e["source_id"], e["stage"], e["reason"]) for e in result.parse_errors] == [
        ("hollola", "records", "this source's rows could not be built: KeyError: 'page_key'")
    ]
    assert {r["source_id"] for r in result.items} == {"heinola"}


@pytest.mark.parametrize("fragment", ['{"source_id": "hollola", "url": "https://holl', '{"source_id": '])
def test_a_torn_manifest_line_is_reported_as_an_archive_parse_error_and_every_other_row_is_read(
    tmp_path, fragment
):
    archive = archived(tmp_path, ("hollola", BOARD_URL, BOARD_PAGE))
    with open(archive.manifest_path("hollola"), "a", encoding="utf-8") as handle:
        handle.write(fragment)
    archive.record_response(
        source_id="hollola",
        url=COUNCIL_URL,
        kind="item_page",
        status=200,
        body=council_page().encode(),
        headers=HTML,
    )

    result = build_records(archive, sources("hollola"))

    assert [r["url"] for r in result.items] == [BOARD_URL, COUNCIL_URL]
    assert [(e["stage"], e["url"], e["reason"][:36]) for e in result.parse_errors] == [
        ("archive", str(archive.manifest_path("hollola")), "torn manifest line 2 of hollola.json")
    ]


def test_minutes_process_exits_1_naming_the_source_whose_rows_could_not_be_built(
    tmp_path, monkeypatch, capsys
):
    from minutes.cli import main

    data = tmp_path / "data"
    archive = Archive(data / "archive")
    for source_id, url, page in (
        ("hollola", BOARD_URL, BOARD_PAGE),
        ("hollola", COUNCIL_URL, council_page()),
    ):
        archive.record_response(
            source_id=source_id, url=url, kind="item_page", status=200, body=page.encode(), headers=HTML
        )

    def broken(rows):
        raise KeyError("page_key")

    monkeypatch.setattr(records, "resolve_carried_handlings", broken)

    status = main(["process", "--data-dir", str(data)])

    assert status == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "minutes process: the new parse of hollola was not accepted (see parse_errors, stage 'records'); "
        "their last accepted rows and the other sources loaded"
    )
