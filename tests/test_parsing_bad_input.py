"""Bad documents in the raw archive: each becomes one ``parse_errors`` row naming its source, URL and
reason, and every other document of the run still loads. Checked on ``build_records`` over a small
archive holding one good page per platform and the bad document."""

from __future__ import annotations

import io

import pytest
from reportlab.lib import pdfencrypt
from reportlab.pdfgen.canvas import Canvas

from archive import Archive
from core.registry import load_registry
from parsing import records
from parsing.html import decode_page, page_encoding
from parsing.records import build_records
from tests.gold.harness import GOLD_DIR
from tests.gold.pdf_layout import render_layout

COUNTY = "paijat-hameen-hyvinvointialue"
DYNASTY_URL = "https://kokoukset.heinola.fi/dynasty2025/cgi/DREQUEST.PHP?page=meetingitem&id=2026011-{}"
CASEM_URL = "https://hollola.cloudnc.fi/fi-FI/Toimielimet/Kunnanhallitus/Kokous_932026/Hollola(3199{})"
TWEB_URL = "https://phhyky-julkaisu.tweb.fi/ktwebscr/fileshow?doctype=3&docid=42{}"
TWEB_CONTEXT = {
    "body": "Aluehallitus",
    "meeting_date": "2025-10-13",
    "section": 210,
    "document_type": "minutes",
}
UTF8 = "text/html; charset=utf-8"


def gold_input(name: str) -> str:
    return (GOLD_DIR / "inputs" / name).read_text(encoding="utf-8")


def good_pdf() -> bytes:
    return render_layout(gold_input("tweb-ah-2025-210.layout"))


def locked_pdf() -> bytes:
    buffer = io.BytesIO()
    locked = pdfencrypt.StandardEncryption("salasana", ownerPassword="omistaja", canCopy=0)
    canvas = Canvas(buffer, invariant=True, encrypt=locked)
    canvas.drawString(170, 700, "Päätösesitys hyväksyttiin.")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@pytest.fixture
def archive(tmp_path) -> Archive:
    """An archive with one good item page or document per platform."""
    archive = Archive(tmp_path / "archive")
    store(
        archive,
        "heinola",
        DYNASTY_URL.format(4),
        "meetingitem",
        gold_input("dynasty-heinola-kv-2026-4.html").encode(),
        UTF8,
    )
    store(
        archive,
        "hollola",
        CASEM_URL.format(0),
        "item_page",
        gold_input("casem-hollola-kh-2026-52.html").encode(),
        UTF8,
    )
    store(archive, COUNTY, TWEB_URL.format(0), "item_document", good_pdf(), "application/pdf", TWEB_CONTEXT)
    return archive


def store(archive: Archive, source: str, url: str, kind: str, body: bytes, content_type: str, context=None):
    archive.record_response(
        source_id=source,
        url=url,
        kind=kind,
        status=200,
        body=body,
        headers={"content-type": content_type},
        context=context,
    )


def build(archive: Archive) -> records.Records:
    wanted = {"heinola", "hollola", COUNTY}
    return build_records(archive, [source for source in load_registry() if source.id in wanted])


def errors_and_loaded_pages(result: records.Records) -> tuple[list[tuple[str, str, str]], set[str]]:
    errors = [(e["source_id"], e["url"], e["reason"]) for e in result.parse_errors]
    return errors, {row["url"] for row in result.items if row["is_own_page"]}


GOOD_PAGES = {DYNASTY_URL.format(4), CASEM_URL.format(0), TWEB_URL.format(0)}
PAGE = "<html><body><!--DATABEGIN--><p>Kaupunginhallitus</p><p>Pöytäkirja 12.01.2026/Pykälä 8</p>"


@pytest.mark.parametrize(
    ("source", "url", "kind", "body", "content_type", "reason"),
    [
        pytest.param(
            "heinola",
            DYNASTY_URL.format(9),
            "meetingitem",
            b"<html><body><!--DATABEGIN--><table><tr><td>Kaupunginval",
            UTF8,
            "PageCutShort: page cut short: <html> without </html>",
            id="broken-html",
        ),
        pytest.param(
            "hollola",
            CASEM_URL.format(9),
            "item_page",
            "<html><body><h3>Kuvaus</h3><p>Kokous on päätösvaltainen.</p></body></html>".encode(),
            UTF8,
            "no item header (meeting, date) found",
            id="casem-page-without-its-header",
        ),
        pytest.param(
            COUNTY,
            TWEB_URL.format(9),
            "item_document",
            good_pdf()[:1500],
            "application/pdf",
            "corrupt PDF: truncated (no %%EOF at the end)",
            id="truncated-pdf",
        ),
        pytest.param(
            COUNTY,
            TWEB_URL.format(9),
            "item_document",
            locked_pdf(),
            "application/pdf",
            "encrypted PDF",
            id="encrypted-pdf",
        ),
        pytest.param(
            COUNTY,
            TWEB_URL.format(9),
            "item_document",
            "<!DOCTYPE html><html><body>Asiakirjaa ei löytynyt</body></html>".encode(),
            "application/pdf",
            "not a PDF (html)",
            id="html-served-as-a-pdf",
        ),
    ],
)
def test_a_bad_document_is_one_parse_error_and_the_rest_of_the_run_loads(
    archive, source, url, kind, body, content_type, reason
):
    store(archive, source, url, kind, body, content_type, TWEB_CONTEXT if source == COUNTY else None)

    errors, loaded = errors_and_loaded_pages(build(archive))

    assert errors == [(source, url, reason)]
    assert loaded == GOOD_PAGES


def test_an_exception_inside_a_parser_is_recorded_not_raised(archive, monkeypatch):
    def crash(html, url, abbreviations):
        raise RuntimeError("layout changed")

    monkeypatch.setitem(records.PAGE_PARSERS, "dynasty", crash)

    errors, loaded = errors_and_loaded_pages(build(archive))

    assert errors == [("heinola", DYNASTY_URL.format(4), "RuntimeError: layout changed")]
    assert loaded == {CASEM_URL.format(0), TWEB_URL.format(0)}


def test_a_page_in_the_single_byte_charset_it_declares_still_decodes():
    assert page_encoding(PAGE.encode("cp1252"), "text/html; charset=ISO-8859-1") == ("cp1252", "header")
    assert decode_page(PAGE.encode("cp1252"), "text/html; charset=ISO-8859-1") == PAGE
    in_meta = '<meta charset="windows-1252"><p>Äänestys – päätös</p>'
    assert decode_page(in_meta.encode("cp1252"), "text/html") == in_meta


def test_a_windows_1252_page_served_as_utf_8_is_read_by_its_bytes():
    assert page_encoding(PAGE.encode("cp1252"), UTF8) == ("cp1252", "bytes")
    assert decode_page(PAGE.encode("cp1252"), UTF8) == PAGE


def test_a_utf_8_page_declared_as_iso_8859_1_is_read_as_utf_8_not_as_mojibake():
    assert page_encoding(PAGE.encode("utf-8"), "text/html; charset=ISO-8859-1") == ("utf-8", "bytes")
    assert decode_page(PAGE.encode("utf-8"), "text/html; charset=ISO-8859-1") == PAGE


def test_the_pages_own_declaration_is_taken_when_the_header_contradicts_the_bytes():
    page = '<meta charset="windows-1252"><p>Päätös</p>'
    assert page_encoding(page.encode("cp1252"), UTF8) == ("cp1252", "page")


def test_a_feed_declaring_its_encoding_in_single_quotes_is_read_by_that_declaration():
    feed = "<?xml version='1.0' encoding='iso-8859-1'?><rss><title>Kärkölä</title></rss>"
    assert page_encoding(feed.encode("cp1252"), "application/xml") == ("cp1252", "page")


def test_bytes_no_encoding_decodes_still_give_text_with_a_replacement_character():
    assert decode_page(b"<p>P\xe4\x81t</p>", UTF8) == "<p>Pä\ufffdt</p>"


def test_a_mislabelled_page_loads_like_a_well_labelled_one(archive):
    good = build(archive)
    mislabelled = Archive(archive.root.parent / "mislabelled")
    for row in archive.rows():
        body = archive.read_blob(row.sha256)
        if row.url == DYNASTY_URL.format(4):
            body = body.decode("utf-8").encode("cp1252")
        store(mislabelled, row.source_id, row.url, row.kind, body, row.content_type, row.context)

    result = build(mislabelled)

    assert [e["stage"] for e in result.parse_errors] == ["decode"]
    assert [_without_fetch(r) for r in result.items] == [_without_fetch(r) for r in good.items]


def _without_fetch(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("first_seen", "last_seen", "document_sha256")}


def test_a_mislabelled_page_is_noted_with_what_it_declared_and_how_it_was_read(archive):
    page = gold_input("dynasty-heinola-kv-2026-4.html").encode("cp1252")
    store(archive, "heinola", DYNASTY_URL.format(9), "meetingitem", page, UTF8)

    result = build(archive)

    assert [(e["stage"], e["url"], e["reason"]) for e in result.parse_errors] == [
        (
            "decode",
            DYNASTY_URL.format(9),
            "declared utf-8 (Content-Type), but the bytes are not: read as windows-1252 by its bytes",
        )
    ]
    assert result.unreadable["heinola"] == {}
