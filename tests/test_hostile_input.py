"""Hostile and bad input: names that try to leave the archive, pages with scripts, fields far too long,
writes through the read-only query command. (A registry entry with a bad URL or an unknown platform is
refused with the entry named: tests/test_registry_and_config.py.)"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

from archive import Archive
from crawlers.run import crawl
from demo_sites.faults import SCRIPT, Fault
from parsing.records import LONG_FIELD_CHARS, SHORT_FIELD_CHARS
from processing.stages import process
from tests.test_pipeline import query

ITEM = "/asikkala/cgi/DREQUEST.PHP?page=meetingitem&id=2026041-3"
HOSTILE_NAMES = ("../../x", "/etc/passwd", "..\\..\\y", "Liite\u202eexe.pdf \u0000 \U0001d54f\u0301\ufeff")
BLOB = re.compile(r"blobs/(?P<prefix>[0-9a-f]{2})/(?P<digest>[0-9a-f]{64})")


def give_attachments(server, source_id: str, meeting_id: str, position: int, names: tuple[str, ...]) -> None:
    """The site publishes an item whose attachments carry the given names."""
    site = server.state.sites[source_id]
    meetings = tuple(
        dataclasses.replace(
            meeting,
            items=tuple(
                dataclasses.replace(item, attachments=names) if item.position == position else item
                for item in meeting.items
            ),
        )
        if meeting.id == meeting_id
        else meeting
        for meeting in site.meetings
    )
    server.state.sites[source_id] = dataclasses.replace(site, meetings=meetings)


def test_hostile_attachment_names_are_archived_only_as_content_addressed_blobs(demo_server, demo_settings):
    give_attachments(demo_server, "asikkala", "2026041", 3, HOSTILE_NAMES)
    before = set(demo_settings.data_dir.parent.parent.iterdir())
    crawl(demo_settings, ["asikkala"])
    root = demo_settings.archive_dir
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    manifests = [f for f in files if f.startswith("manifest/")]
    blobs = [f for f in files if not f.startswith("manifest/")]
    assert manifests == ["manifest/asikkala.jsonl"]
    assert all((m := BLOB.fullmatch(f)) and m["digest"].startswith(m["prefix"]) for f in blobs), blobs
    # Nothing was written beside the test's own directory, and the names did reach the archive as data.
    assert set(demo_settings.data_dir.parent.parent.iterdir()) == before
    (page,) = [r for r in Archive(root).rows("asikkala") if r.url.endswith(ITEM)]
    assert "../../x" in Archive(root).read_blob(page.sha256).decode()
    process(demo_settings)
    assert query(demo_settings, "SELECT count(*) FROM items WHERE url LIKE '%' || $i", {"i": ITEM}) == [(1,)]


def test_the_archive_files_a_body_by_its_hash_whatever_the_url_says(tmp_path):
    archive = Archive(tmp_path / "archive")
    row = archive.record_response(
        source_id="asikkala",
        url="http://127.0.0.1/../../../etc/passwd",
        kind="meetingitem",
        status=200,
        body=b"root:x:0:0",
        headers={"content-disposition": 'attachment; filename="../../x"'},
    )
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == [f"archive/blobs/{row.sha256[:2]}/{row.sha256}", "archive/manifest/asikkala.jsonl"]


def test_a_page_with_a_script_is_archived_byte_for_byte_and_its_script_never_reaches_a_field(
    demo_server, demo_settings
):
    demo_server.add_fault(ITEM, Fault("script", times=2))
    crawl(demo_settings, ["asikkala"])
    with urllib.request.urlopen(demo_server.root + ITEM) as response:  # the second, same answer
        served = response.read()
    assert SCRIPT in served
    (page,) = [r for r in Archive(demo_settings.archive_dir).rows("asikkala") if r.url.endswith(ITEM)]
    assert Archive(demo_settings.archive_dir).read_blob(page.sha256) == served
    process(demo_settings)
    columns = [c[0] for c in query(demo_settings, "DESCRIBE items") if c[1] == "VARCHAR"]
    leaked = " OR ".join(f"{c} LIKE '%HIJACKED%' OR {c} LIKE '%document.cookie%'" for c in columns)
    assert query(demo_settings, f"SELECT count(*) FROM items WHERE {leaked}") == [(0,)]
    assert query(demo_settings, "SELECT body, section FROM items WHERE url LIKE '%' || $i", {"i": ITEM}) == [
        ("Kunnanvaltuusto", 23)
    ]


def test_a_five_megabyte_title_is_cut_to_its_cap_with_the_cut_recorded_and_the_load_goes_on(
    demo_server, demo_settings
):
    crawl(demo_settings, ["asikkala"])
    archive = Archive(demo_settings.archive_dir)
    (page,) = [r for r in archive.rows("asikkala") if r.url.endswith(ITEM)]
    html = archive.read_blob(page.sha256).decode()
    title = re.search(r"<span style='font-weight:bold'>(.*?)</span>", html)[1]
    huge = "Jätehuolto " * 500_000  # 5.5 million characters
    archive.record_response(
        source_id="asikkala",
        url=page.url,
        kind=page.kind,
        status=200,
        body=html.replace(title, huge).encode(),
        headers={"content-type": page.content_type},
        context=page.context,
    )
    process(demo_settings)
    assert query(
        demo_settings,
        "SELECT length(title), count(*) FROM items WHERE url LIKE '%' || $i GROUP BY 1",
        {"i": ITEM},
    ) == [(SHORT_FIELD_CHARS, 1)]
    reasons = query(
        demo_settings, "SELECT reason FROM parse_errors WHERE url LIKE '%' || $i ORDER BY reason", {"i": ITEM}
    )
    # The title is also the first line of the handling's text, which is cut at the long cap.
    assert [r[0].split(" from ")[0] for r in reasons] == ["text truncated", "title truncated"]
    assert reasons[1] == (f"title truncated from {len(huge.strip())} to {SHORT_FIELD_CHARS} characters",)
    assert reasons[0][0].endswith(f" to {LONG_FIELD_CHARS} characters")
    assert query(demo_settings, "SELECT count(*) FROM items WHERE source_id = 'asikkala'") == [(19,)]


def test_minutes_query_refuses_statements_that_would_change_the_warehouse(demo_server, demo_settings):
    crawl(demo_settings, ["asikkala"])
    process(demo_settings)
    before = query(demo_settings, "SELECT count(*) FROM items")
    for sql in (
        "DELETE FROM items",
        "INSERT INTO sources (source_id) VALUES ('x')",
        "CREATE TABLE t AS SELECT 1",
    ):
        completed = subprocess.run(
            [sys.executable, "-m", "minutes.cli", "query", "--warehouse", str(demo_settings.warehouse), sql],
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
            check=False,
        )
        assert completed.returncode != 0, sql
        assert "read-only" in completed.stderr.lower(), completed.stderr[-500:]
    assert query(demo_settings, "SELECT count(*) FROM items") == before
    assert query(demo_settings, "SELECT count(*) FROM information_schema.tables WHERE table_name = 't'") == [
        (0,)
    ]
