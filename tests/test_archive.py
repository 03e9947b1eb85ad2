import hashlib

from archive import ITEM_KINDS, PDF_KINDS, Archive
from crawlers.spiders.base import PROBE_LIMITS


def test_the_same_bytes_are_stored_once_under_their_hash(tmp_path):
    archive = Archive(tmp_path)
    digest = archive.store_blob(b"<html>sama</html>")
    assert (
        archive.store_blob(b"<html>sama</html>") == digest == hashlib.sha256(b"<html>sama</html>").hexdigest()
    )
    assert list((tmp_path / "blobs").rglob("*")) == [
        tmp_path / "blobs" / digest[:2],
        archive.blob_path(digest),
    ]


def test_a_republished_document_is_a_new_version_and_the_old_one_stays(tmp_path):
    archive = Archive(tmp_path)
    url = "https://kunta.fi/cgi/DREQUEST.PHP?page=meetingitem&id=2026079-3"
    headers = {"content-type": "text/html; charset=utf-8"}
    first = archive.record_response(
        source_id="kunta", url=url, kind="meetingitem", status=200, body=b"Esityslista", headers=headers
    )
    second = archive.record_response(
        source_id="kunta",
        url=url,
        kind="meetingitem",
        status=200,
        body=b"P\xc3\xb6yt\xc3\xa4kirja",
        headers=headers,
    )
    assert first.sha256 != second.sha256
    assert archive.read_blob(first.sha256) == b"Esityslista"
    assert archive.read_blob(second.sha256) == "Pöytäkirja".encode()
    assert [row.sha256 for row in archive.rows("kunta")] == [first.sha256, second.sha256]


def test_a_torn_last_manifest_line_from_a_crash_is_skipped(tmp_path):
    archive = Archive(tmp_path)
    archive.record_failure(source_id="kunta", url="https://kunta.fi/a", kind="meeting", error="Timeout")
    with open(archive.manifest_path("kunta"), "a", encoding="utf-8") as handle:
        handle.write('{"source_id": "kunta", "url": "https://ku')
    rows = list(archive.rows())
    assert [(row.url, row.error, row.ok) for row in rows] == [("https://kunta.fi/a", "Timeout", False)]


def test_the_item_and_pdf_kinds_are_the_document_kinds_the_spiders_archive_besides_meetings():
    assert set(PROBE_LIMITS) - {"meeting"} == ITEM_KINDS | PDF_KINDS
    assert not ITEM_KINDS & PDF_KINDS
