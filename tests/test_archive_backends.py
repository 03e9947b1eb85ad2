"""One archive, two backends: what the archive promises holds in a folder and on object storage alike
(moto's S3 server on 127.0.0.1, spoken to over HTTP by obstore), and what only object storage needs:
one manifest object per crawl run and source, conditional blob writes, checkpoints."""

import hashlib
import itertools
import threading
import time

import obstore
import pytest

from archive import Archive, document_key
from archive.local import LocalArchive
from archive.s3 import S3Archive
from core.config import resolve_settings

URL = "https://kunta.fi/cgi/DREQUEST.PHP?page=meetingitem&id=2026079-3"
HTML = {"content-type": "text/html; charset=utf-8"}
_prefixes = itertools.count()


@pytest.fixture(scope="module")
def bucket(s3_server):
    return s3_server.create_bucket("archive-backends")


@pytest.fixture(params=["folder", "s3"])
def location(request, tmp_path):
    """Where a fresh archive lives: a folder, or a prefix of its own in the test bucket."""
    if request.param == "folder":
        return str(tmp_path / "archive")
    request.getfixturevalue("s3_env")
    return f"s3://{request.getfixturevalue('bucket')}/test-{next(_prefixes)}"


def stored_blobs(archive: Archive) -> dict[str, bytes]:
    """Every blob the archive holds, as its key under the archive (``blobs/ab/abcd…``) → bytes."""
    if isinstance(archive, LocalArchive):
        return {
            str(path.relative_to(archive.root)): path.read_bytes()
            for path in archive.blob_dir.rglob("*")
            if path.is_file()
        }
    return {
        meta["path"]: bytes(obstore.get(archive.store, meta["path"]).bytes())
        for batch in obstore.list(archive.store, "blobs/")
        for meta in batch
    }


def add_torn_line(archive: Archive, source_id: str, fragment: str) -> None:
    """What a write cut short leaves: locally the end of the manifest file; on object storage a run's
    object can only be whole, so a foreign or hand-edited object is the way a torn line gets there."""
    if isinstance(archive, LocalArchive):
        with open(archive.manifest_path(source_id), "a", encoding="utf-8") as handle:
            handle.write(fragment)
    else:
        key = archive.manifest_key(source_id, "99990101T000000.000000Z-elsewhere-1-abcdef")
        obstore.put(archive.store, key, fragment.encode())


def test_an_archive_location_is_a_folder_or_an_s3_url_and_opens_the_backend_for_it(tmp_path, s3_env):
    assert type(Archive(tmp_path)) is LocalArchive
    assert type(Archive(str(tmp_path))) is LocalArchive
    on_s3 = Archive("s3://bucket-name/some/prefix")
    assert type(on_s3) is S3Archive and isinstance(on_s3, Archive)
    assert (on_s3.location.bucket, on_s3.location.prefix) == ("bucket-name", "some/prefix")


def test_the_same_bytes_are_stored_once_under_their_hash(location):
    archive = Archive(location)
    digest = archive.store_blob(b"<html>sama</html>")
    assert (
        archive.store_blob(b"<html>sama</html>") == digest == hashlib.sha256(b"<html>sama</html>").hexdigest()
    )
    assert Archive(location).store_blob(b"<html>sama</html>") == digest  # another run, another machine
    assert stored_blobs(archive) == {f"blobs/{digest[:2]}/{digest}": b"<html>sama</html>"}
    assert archive.read_blob(digest) == b"<html>sama</html>"


def test_a_republished_document_is_a_new_version_and_the_old_one_stays(location):
    archive = Archive(location)
    first = archive.record_response(
        source_id="kunta", url=URL, kind="meetingitem", status=200, body=b"Esityslista", headers=HTML
    )
    second = archive.record_response(
        source_id="kunta", url=URL, kind="meetingitem", status=200, body="Pöytäkirja".encode(), headers=HTML
    )
    archive.close()
    again = Archive(location)
    assert first.sha256 != second.sha256
    assert again.read_blob(first.sha256) == b"Esityslista"
    assert again.read_blob(second.sha256) == "Pöytäkirja".encode()
    assert list(again.rows("kunta")) == [first, second]
    assert again.source_ids() == ["kunta"]


def test_rows_of_later_runs_read_back_after_the_earlier_runs_rows(location):
    runs = []
    for status in (200, 304, 200):
        archive = Archive(location)
        body = b"v2" if len(runs) == 2 else b"v1"
        runs.append(
            archive.record_response(
                source_id="kunta",
                url=URL,
                kind="meetingitem",
                status=status,
                body=b"" if status == 304 else body,
                headers={"etag": f'"{len(runs)}"'},
                known_sha256=runs[0].sha256 if runs else None,
            )
        )
        archive.close()
    reader = Archive(location)
    assert list(reader.rows("kunta")) == runs
    seen = reader.index("kunta")[document_key(URL)]
    assert (seen.sha256, seen.etag, seen.last_seen) == (runs[2].sha256, '"2"', runs[2].fetched_at)


def test_a_torn_manifest_line_is_skipped_and_reported_and_every_whole_row_is_read(location):
    archive = Archive(location)
    row = archive.record_failure(source_id="kunta", url="https://kunta.fi/a", kind="meeting", error="Timeout")
    archive.close()
    add_torn_line(archive, "kunta", '{"source_id": "kunta", "url": "https://ku')
    reader = Archive(location)
    assert list(reader.rows()) == [row]
    (torn,) = reader.torn_lines("kunta")
    where = (
        "kunta.jsonl"
        if isinstance(reader, LocalArchive)
        else "99990101T000000.000000Z-elsewhere-1-abcdef.jsonl"
    )
    assert str(torn).startswith(
        f"torn manifest line {2 if isinstance(reader, LocalArchive) else 1} of {where}"
    )
    assert torn.start == '{"source_id": "kunta", "url": "https://ku'


def test_what_processing_could_not_read_is_noted_replaced_and_read_back(location):
    archive = Archive(location)
    assert archive.unreadable("kunta") == {}
    archive.note_unreadable("kunta", {"b" * 64: "no item header", "a" * 64: "PdfError: broken"})
    assert Archive(location).unreadable("kunta") == {"a" * 64: "PdfError: broken", "b" * 64: "no item header"}
    archive.note_unreadable("kunta", {})
    assert Archive(location).unreadable("kunta") == {}


def test_two_machines_crawling_different_sources_write_one_manifest_object_each_and_never_the_same(
    s3_env, bucket
):
    location = f"s3://{bucket}/machines-{next(_prefixes)}"
    machines = [Archive(location), Archive(location)]
    sources = ["asikkala", "hollola"]

    def crawl(archive: Archive, source_id: str) -> None:
        for n in range(40):
            archive.record_response(
                source_id=source_id,
                url=f"https://{source_id}.fi/item/{n}",
                kind="meetingitem",
                status=200,
                body=f"{source_id} {n}".encode(),
                headers=HTML,
            )
        archive.close()

    threads = [threading.Thread(target=crawl, args=pair) for pair in zip(machines, sources, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    prefix = location.split("/", 3)[3]
    manifests = {
        key.removeprefix(f"{prefix}/"): data
        for key, data in s3_env.objects(bucket, f"{prefix}/manifest/").items()
    }
    assert sorted(manifests) == [
        f"manifest/asikkala/{machines[0].run_id}.jsonl",
        f"manifest/hollola/{machines[1].run_id}.jsonl",
    ]
    reader = Archive(location)
    for source_id in sources:
        assert [row.url for row in reader.rows(source_id)] == [
            f"https://{source_id}.fi/item/{n}" for n in range(40)
        ]
    assert len(stored_blobs(reader)) == 80


def test_a_blob_key_that_is_taken_is_never_written_again(s3_env, bucket):
    """The write is conditional (If-None-Match): whatever is under a content key stays. Here a key is
    taken by other bytes on purpose, to see that a store of the bytes it names does not replace them."""
    archive = Archive(f"s3://{bucket}/taken-{next(_prefixes)}")
    digest = hashlib.sha256(b"the real page").hexdigest()
    obstore.put(archive.store, archive.blob_key(digest), b"something else")
    assert archive.store_blob(b"the real page") == digest
    assert stored_blobs(archive) == {archive.blob_key(digest): b"something else"}


def test_rows_reach_the_store_at_a_checkpoint_while_the_crawl_runs_and_all_of_them_at_close(s3_env, bucket):
    location = f"s3://{bucket}/checkpoints-{next(_prefixes)}"
    crawling = Archive(location)
    first = crawling.record_failure(
        source_id="kunta", url="https://kunta.fi/a", kind="meeting", error="Timeout"
    )
    assert list(crawling.rows("kunta")) == [first]  # its own rows, from memory, at once
    deadline = time.monotonic() + 15
    while not list(Archive(location).rows("kunta")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(Archive(location).rows("kunta")) == [first]  # another machine sees it: a checkpoint
    second = crawling.record_failure(
        source_id="kunta", url="https://kunta.fi/b", kind="meeting", error="HTTP 500"
    )
    crawling.close()
    assert list(Archive(location).rows("kunta")) == [first, second]
    assert crawling._thread is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("s3:/bucket/prefix", r"s3://BUCKET\[/PREFIX\]"),
        ("s3://", r"s3://BUCKET\[/PREFIX\]"),
        ("s3://bucket/prefix?region=x", "takes no"),
    ],
)
def test_an_archive_setting_that_is_no_s3_url_is_refused_before_anything_runs(value, message):
    with pytest.raises(ValueError, match=message):
        resolve_settings(archive=value, environ={})


def test_the_archive_setting_comes_from_the_flag_then_the_environment_then_the_data_directory():
    env = {"MINUTES_ARCHIVE": "s3://from-env/a", "MINUTES_DATA_DIR": "/srv/data"}
    assert resolve_settings(archive="s3://from-flag/b/", environ=env).archive_location == "s3://from-flag/b"
    assert resolve_settings(environ=env).archive_location == "s3://from-env/a"
    assert (
        str(resolve_settings(environ={"MINUTES_DATA_DIR": "/srv/data"}).archive_location)
        == "/srv/data/archive"
    )


def test_an_archive_in_a_bucket_that_does_not_exist_fails_at_once_naming_the_bucket(s3_env):
    archive = Archive("s3://no-such-bucket-here/archive")
    with pytest.raises(Exception, match="no-such-bucket-here"):
        archive.source_ids()


def test_blobs_are_read_back_in_the_order_asked_and_a_missing_one_fails_the_read(location):
    archive = Archive(location)
    bodies = [f"<html>sivu {n}</html>".encode() * (n + 1) for n in range(70)]  # more than one read-ahead
    digests = [archive.store_blob(body) for body in bodies]
    assert list(archive.read_blobs(reversed(digests))) == bodies[::-1]
    missing = hashlib.sha256(b"never stored").hexdigest()
    with pytest.raises(FileNotFoundError):
        list(archive.read_blobs([digests[0], missing]))
