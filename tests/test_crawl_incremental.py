"""Incremental and polite crawling: conditional requests, new versions, retries, the session mix-up."""

import dataclasses

import pytest

from archive import Archive
from crawlers.middlewares import retry_after_seconds
from crawlers.run import crawl
from demo_sites.faults import Fault
from processing.stages import process
from tests.test_pipeline import query

ITEM = "page=meetingitem&id=2026041-3"  # Asikkala's council handling of the waste agreement


def listing_page(path: str) -> bool:
    return any(f"page={kind}&" in path for kind in ("meeting_handlers", "meetings", "meeting"))


def test_a_second_crawl_of_an_unchanged_site_asks_only_for_listing_pages(demo_server, demo_settings):
    crawl(demo_settings, ["asikkala"])
    demo_server.state.requests.clear()
    (summary,) = crawl(demo_settings, ["asikkala"])
    served = demo_server.state.requests
    assert [s.path for s in served if not listing_page(s.path)] == ["/robots.txt"]
    # 1 body list + 4 bodies' meeting lists + 6 meetings since 2025, each answered "not modified"
    assert len([s for s in served if listing_page(s.path)]) == 11
    assert {s.status for s in served if listing_page(s.path)} == {304}
    # Not asked at all: the 19 known items and the 6 meeting PDFs under unchanged meeting pages.
    assert (summary.items, summary.items_changed, summary.skipped_fresh) == (0, 0, 19 + 6)


def test_when_revalidation_is_due_known_items_cost_a_304_and_no_download(demo_server, demo_settings):
    crawl(demo_settings, ["asikkala"])
    demo_server.state.requests.clear()
    (summary,) = crawl(dataclasses.replace(demo_settings, revalidate_hours=0), ["asikkala"])
    items = [s for s in demo_server.state.requests if "meetingitem" in s.path or s.path.endswith(".PDF")]
    assert len(items) == 19 + 6
    assert {s.status for s in items} == {304}
    assert (summary.items, summary.items_changed, summary.not_modified) == (19, 0, 1 + 4 + 6 + 19 + 6)


def test_an_edited_document_is_archived_as_a_new_version_and_the_old_one_stays(demo_server, demo_settings):
    crawl(demo_settings, ["asikkala"])
    demo_server.edit_decision(
        "asikkala", "2026041", 3, "Kunnanhallituksen ehdotus hyväksyttiin yksimielisesti."
    )
    crawl(dataclasses.replace(demo_settings, revalidate_hours=0), ["asikkala"])
    archive = Archive(demo_settings.archive_dir)
    versions = {
        row.sha256 for row in archive.rows("asikkala") if row.url.endswith(ITEM) and row.status == 200
    }
    assert len(versions) == 2
    texts = {archive.read_blob(sha).decode() for sha in versions}
    assert sum("hyväksyttiin yksimielisesti." in t for t in texts) == 1
    process(demo_settings)
    assert query(demo_settings, "SELECT decision FROM items WHERE url LIKE '%' || $i", {"i": ITEM}) == [
        ("Kunnanhallituksen ehdotus hyväksyttiin yksimielisesti.",)
    ]
    assert query(demo_settings, "SELECT count(*) FROM documents WHERE url LIKE '%' || $i", {"i": ITEM}) == [
        (2,)
    ]


@pytest.mark.parametrize("status", [503, 429])
def test_a_busy_server_is_asked_again_after_the_delay_it_names(demo_server, demo_settings, status):
    demo_server.add_fault(ITEM, Fault("status", status=status, retry_after="1", times=1))
    crawl(demo_settings, ["asikkala"])
    asked = [s for s in demo_server.state.requests if s.path.endswith(ITEM)]
    assert [s.status for s in asked] == [status, 200]
    assert asked[1].at - asked[0].at >= 1.0
    process(demo_settings)
    assert query(demo_settings, "SELECT http_status, error, attempt FROM crawl_errors") == [
        (status, f"HTTP {status} (will retry)", 1)
    ]
    assert query(demo_settings, "SELECT count(*) FROM items WHERE url LIKE '%' || $i", {"i": ITEM}) == [(1,)]


def test_a_page_that_keeps_failing_is_recorded_and_the_other_items_are_harvested(demo_server, demo_settings):
    demo_server.add_fault(ITEM, Fault("status", status=500, times=10))
    (summary,) = crawl(demo_settings, ["asikkala"])
    assert (summary.items, summary.failures) == (18, 1)
    process(demo_settings)
    assert query(demo_settings, "SELECT http_status, error, attempt FROM crawl_errors ORDER BY attempt") == [
        (500, "HTTP 500 (will retry)", 1),
        (500, "HTTP 500 (will retry)", 2),
        (500, "HTTP 500 (will retry)", 3),
        (500, "HTTP 500", 4),
    ]
    assert query(demo_settings, "SELECT count(*) FROM items WHERE source_id = 'asikkala'") == [(18,)]


def test_a_session_mix_up_is_not_taken_for_the_page_asked_and_is_asked_again(demo_server, demo_settings):
    other = "/asikkala/cgi/DREQUEST.PHP?page=meetingitem&id=2026034-3"
    demo_server.add_fault(ITEM, Fault("mixup", serve_instead=other, times=1))
    crawl(demo_settings, ["asikkala"])
    rows = [r for r in Archive(demo_settings.archive_dir).rows("asikkala") if r.url.endswith(ITEM)]
    assert [(r.status, r.error) for r in rows] == [
        (200, "session mix-up: asked for meetingitem 2026041-3, got the page of 2026034-3"),
        (200, None),
    ]
    process(demo_settings)
    assert query(demo_settings, "SELECT body, section FROM items WHERE url LIKE '%' || $i", {"i": ITEM}) == [
        ("Kunnanvaltuusto", 23)
    ]


def test_retry_after_is_read_as_seconds_or_as_an_http_date():
    from datetime import UTC, datetime

    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120.0
    assert retry_after_seconds("Sun, 22 Nov 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon", now) is None


def test_a_crawl_after_a_torn_manifest_line_keeps_every_earlier_row_and_reports_the_tear(
    demo_server, demo_settings
):
    crawl(demo_settings, ["asikkala"])
    archive = Archive(demo_settings.archive_dir)
    before = list(archive.rows("asikkala"))
    with open(archive.manifest_path("asikkala"), "a", encoding="utf-8") as handle:
        handle.write('{"source_id": "asikkala", "url": "http://127.0.0.1')  # a kill mid-append

    (summary,) = crawl(dataclasses.replace(demo_settings, revalidate_hours=0), ["asikkala"])

    after = list(archive.rows("asikkala"))
    assert after[: len(before)] == before
    assert len(after) > len(before)  # the second crawl's rows were appended and are read back
    assert summary.status == "finished"
    assert summary.torn_lines == (
        f"torn manifest line {len(before) + 1} of asikkala.jsonl skipped (Unterminated string starting at: "
        f'line 1 column 34 (char 33)): \'{{"source_id": "asikkala", "url": "http://127.0.0.1\'',
    )
    # the third crawl and processing see the same single tear
    assert [str(t) for t in archive.torn_lines("asikkala")] == list(summary.torn_lines)
    process(demo_settings)
    assert query(
        demo_settings, "SELECT stage, count(*) FROM parse_errors WHERE source_id = 'asikkala' GROUP BY 1"
    ) == [("archive", 1)]


def test_a_page_that_could_not_be_read_is_asked_for_again_in_full_by_the_next_run(demo_server, demo_settings):
    broken = "page=meetingitem&id=2026041-1"
    demo_server.add_fault(broken, Fault("malformed"))
    crawl(demo_settings, ["asikkala"])
    process(demo_settings)
    read = "SELECT count(*) FROM items WHERE url LIKE '%' || $p"
    unread = "SELECT reason FROM parse_errors WHERE url LIKE '%' || $p"
    assert query(demo_settings, read, {"p": broken}) == [(0,)]
    assert query(demo_settings, unread, {"p": broken}) == [
        ("PageCutShort: page cut short: <html> without </html>",)
    ]
    demo_server.state.requests.clear()

    crawl(demo_settings, ["asikkala"])  # the default revalidation: every other known item is still fresh

    asked = [s for s in demo_server.state.requests if not listing_page(s.path) and s.path != "/robots.txt"]
    assert [(s.path.split("?")[1], s.status) for s in asked] == [(broken, 200)]
    process(demo_settings)
    assert query(demo_settings, read, {"p": broken}) == [(1,)]
    assert query(demo_settings, unread, {"p": broken}) == []
