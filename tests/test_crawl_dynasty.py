"""The Dynasty spider against the demo sites, over real HTTP on 127.0.0.1."""

import dataclasses
import hashlib
from datetime import date, datetime

from archive import Archive
from core.config import USER_AGENT
from core.registry import load_registry
from crawlers.run import crawl
from crawlers.settings import base_settings, source_settings
from demo_sites.faults import Fault
from parsing.dynasty import dynasty_query
from processing.stages import process
from tests.conftest import settings_for
from tests.test_pipeline import query


def archived_item_ids(settings, source_id):
    rows = Archive(settings.archive_dir).rows(source_id)
    return {dynasty_query(row.url)["id"] for row in rows if row.kind == "meetingitem" and row.ok}


def items_on_site(server, source_id, since):
    site = server.state.sites[source_id]
    return {f"{m.id}-{item.position}" for m in site.meetings if m.date >= since for item in m.items}


def test_the_spider_finds_exactly_the_items_each_demo_site_holds(demo_server, demo_settings):
    summaries = {s.source_id: s for s in crawl(demo_settings, ["asikkala", "heinola"])}
    for source_id in ("asikkala", "heinola"):
        assert archived_item_ids(demo_settings, source_id) == items_on_site(
            demo_server, source_id, date(2025, 1, 1)
        )
    # Documents: one whole-meeting PDF per meeting (6 and 4 meetings since 2025); item PDFs are linked.
    assert {k: (v.status, v.items, v.documents, v.failures) for k, v in summaries.items()} == {
        "asikkala": ("finished", 19, 6, 0),
        "heinola": ("finished", 17, 4, 0),
    }


def test_meetings_before_since_are_never_opened(demo_server, tmp_path):
    recent = settings_for(demo_server, tmp_path / "recent", since=date(2025, 1, 1))
    crawl(recent, ["asikkala", "heinola"])
    opened = [served.path for served in demo_server.state.requests]
    assert not any("id=2023097" in path or "id=2023164" in path for path in opened)

    everything = settings_for(demo_server, tmp_path / "all", since=date(2020, 1, 1))
    crawl(everything, ["asikkala", "heinola"])
    assert len(archived_item_ids(everything, "asikkala")) == 22
    assert len(archived_item_ids(everything, "heinola")) == 20
    assert "2023097-2" in archived_item_ids(everything, "asikkala")


def test_every_response_is_archived_with_its_url_time_and_hash(demo_settings):
    crawl(demo_settings, ["asikkala"])
    archive = Archive(demo_settings.archive_dir)
    rows = list(archive.rows("asikkala"))
    kinds = {row.kind for row in rows}
    assert kinds == {
        "robots",
        "meeting_handlers",
        "meetings",
        "meeting",
        "meeting_pdf",
        "meetingitem",
    }
    for row in rows:
        body = archive.read_blob(row.sha256)
        assert hashlib.sha256(body).hexdigest() == row.sha256
        assert row.size == len(body)
        assert row.status == 200
        assert datetime.fromisoformat(row.fetched_at).utcoffset() is not None
        assert row.etag and row.last_modified
    pdfs = [row for row in rows if row.kind == "meeting_pdf"]
    assert len(pdfs) == 6
    assert all(archive.read_blob(row.sha256).startswith(b"%PDF") for row in pdfs)
    assert all(row.content_type == "application/pdf" for row in pdfs)


def test_the_crawler_asks_robots_txt_first_and_names_itself(demo_server, demo_settings):
    crawl(demo_settings, ["heinola"])
    assert demo_server.state.requests[0].path == "/robots.txt"
    assert demo_server.state.user_agents == {USER_AGENT}
    assert "minutes-harvester" in USER_AGENT and "+https://" in USER_AGENT


def test_a_path_disallowed_by_robots_txt_is_never_fetched(demo_server, demo_settings):
    demo_server.state.robots_txt = "User-agent: *\nDisallow: /asikkala/cgi/DREQUEST.PHP?page=meetings&id=12\n"
    crawl(demo_settings, ["asikkala"])
    paths = [served.path for served in demo_server.state.requests]
    assert "/asikkala/cgi/DREQUEST.PHP?page=meetings&id=12" not in paths
    # Body 12 (Kasvatus- ja opetuslautakunta) holds 6 of the 19 items since 2025.
    assert len(archived_item_ids(demo_settings, "asikkala")) == 13


def test_a_source_that_cannot_be_reached_is_recorded_and_the_others_are_crawled(demo_server, tmp_path):
    settings = settings_for(demo_server, tmp_path)
    registry = settings.sources_file.read_text(encoding="utf-8")
    # Port 9 (discard) on loopback: nothing listens there, so the connection is refused at once.
    settings.sources_file.write_text(
        registry.replace(f"{demo_server.root}/heinola", "http://127.0.0.1:9/heinola"), encoding="utf-8"
    )
    summaries = {s.source_id: s for s in crawl(settings, ["asikkala", "heinola"])}
    assert summaries["asikkala"].items == 19
    assert summaries["heinola"].items == 0
    failures = [row for row in Archive(settings.archive_dir).rows("heinola") if row.error]
    assert all("ConnectionRefused" in row.error for row in failures)
    entry = "http://127.0.0.1:9/heinola/dynasty2025/cgi/DREQUEST.PHP?page=meeting_handlers&id="
    # Every attempt is on record: three retries with backoff, then the final failure.
    assert sorted(row.attempt for row in failures if row.url == entry) == [1, 2, 3, 4]
    assert [row.error.endswith("(will retry)") for row in failures if row.url == entry] == [
        True,
        True,
        True,
        False,
    ]


def test_politeness_defaults_and_a_sources_own_override():
    settings = base_settings()
    assert settings["ROBOTSTXT_OBEY"] is True
    assert settings["AUTOTHROTTLE_ENABLED"] is True
    assert settings["DOWNLOAD_MAXSIZE"] == 64 * 1024 * 1024
    assert 429 in settings["RETRY_HTTP_CODES"]
    lahti = next(s for s in load_registry() if s.id == "lahti")
    assert source_settings(lahti) == {
        "RETRY_BASE_DELAY": 1.0,
        "DOWNLOAD_DELAY": 1.0,
        "AUTOTHROTTLE_START_DELAY": 1.0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    }


def test_the_meetings_feed_leads_to_the_same_items_without_walking_every_body(demo_server, demo_settings):
    settings = dataclasses.replace(demo_settings, use_feeds=True)
    (summary,) = crawl(settings, ["asikkala"])
    assert archived_item_ids(settings, "asikkala") == items_on_site(demo_server, "asikkala", date(2025, 1, 1))
    asked = [served.path for served in demo_server.state.requests]
    assert asked[1] == "/asikkala/cgi/DREQUEST.PHP?page=rss%2Fmeetings&show=200"
    assert not any("page=meeting_handlers" in path or "page=meetings&" in path for path in asked)
    assert summary.items == 19


def test_a_feed_that_fails_falls_back_to_walking_the_site(demo_server, demo_settings):
    demo_server.add_fault("page=rss", Fault("status", status=404, times=10))
    settings = dataclasses.replace(demo_settings, use_feeds=True)
    crawl(settings, ["heinola"])
    assert archived_item_ids(settings, "heinola") == items_on_site(demo_server, "heinola", date(2025, 1, 1))


def test_item_links_with_the_id_first_are_followed_like_any_other(demo_server, demo_settings):
    crawl(demo_settings, ["heinola"])
    asked = {served.path for served in demo_server.state.requests}
    assert "/heinola/dynasty2025/cgi/DREQUEST.PHP?id=2026058-4&page=meetingitem" in asked
    assert "2026058-4" in archived_item_ids(demo_settings, "heinola")


def test_a_site_whose_robots_txt_disallows_everything_is_reported_as_that_and_nothing_is_fetched(
    demo_server, demo_settings
):
    # The vendor's 26-byte file most TWeb installs serve, here for every path of the demo host.
    demo_server.state.robots_txt = "User-Agent: *\nDisallow: /\n"
    (summary,) = crawl(demo_settings, ["asikkala"])
    assert [served.path for served in demo_server.state.requests] == ["/robots.txt"]
    assert (summary.robots_disallows_site, summary.robots_refused, summary.failures) == (True, 1, 0)
    assert summary.verdict == "robots.txt disallows the site: nothing fetched"


def test_meetings_a_listing_shows_without_dates_are_dated_by_their_heading_and_none_is_dropped(
    demo_server, demo_settings
):
    crawl(demo_settings, ["asikkala"])
    dated = archived_item_ids(demo_settings, "asikkala")
    undated = settings_for(demo_server, demo_settings.data_dir.parent / "undated")
    demo_server.state.listing_dates = False
    (summary,) = crawl(undated, ["asikkala"])
    assert archived_item_ids(undated, "asikkala") == dated
    assert summary.items == len(dated) == 19

    def meeting_pages(settings) -> int:
        return sum(1 for r in Archive(settings.archive_dir).rows("asikkala") if r.kind == "meeting")

    # the older meetings are opened too (their rows show no date), and go no further than their heading
    assert meeting_pages(undated) > meeting_pages(demo_settings)


def test_meetings_dated_by_neither_listing_nor_heading_are_dated_by_their_item_pages(
    demo_server, demo_settings
):
    crawl(demo_settings, ["asikkala"])
    process(demo_settings)
    demo_server.state.listing_dates = demo_server.state.heading_dates = False
    undated = settings_for(demo_server, demo_settings.data_dir.parent / "undated")
    crawl(undated, ["asikkala"])
    process(undated)
    in_window = (
        "SELECT body, meeting_date, section FROM items WHERE meeting_date >= '2025-01-01' ORDER BY ALL"
    )
    assert query(undated, in_window) == query(demo_settings, in_window)


def test_a_meeting_the_feed_and_the_walk_spell_differently_is_one_document_asked_again_conditionally(
    demo_server, demo_settings
):
    crawl(dataclasses.replace(demo_settings, use_feeds=True), ["asikkala"])  # links ?id=…&page=meeting
    demo_server.state.requests.clear()
    crawl(demo_settings, ["asikkala"])  # links ?page=meeting&id=…
    rows = [r for r in Archive(demo_settings.archive_dir).rows("asikkala") if r.kind == "meeting"]
    spellings = {r.url.split("?")[1].split("=")[0] for r in rows}
    assert spellings == {"id", "page"}
    assert len({r.key for r in rows}) == len({dynasty_query(r.url)["id"] for r in rows}) == 6
    walked = [s.status for s in demo_server.state.requests if "page=meeting&id=" in s.path]
    assert walked == [304] * 6  # known under one key: asked conditionally, nothing downloaded again
