"""The CaseM spider against the demo CaseM sites, over real HTTP on 127.0.0.1: Hollola in the live
layout without the open API (pages, breadcrumbs and the search), Padasjoki in the older layout with
the open API answering."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date

from archive import Archive
from crawlers.run import crawl
from crawlers.spiders.casem import casem_item_key
from demo_sites import casem
from demo_sites.faults import Fault
from demo_sites.opennc import meeting_node
from processing.stages import process
from tests.conftest import settings_for
from tests.test_pipeline import query


def items_on_site(server, source_id, since):
    site = server.state.sites[source_id]
    return {str(casem.item_number(m, i)) for m in site.meetings if m.date >= since for i in m.items}


def archived_items(settings, source_id):
    """Per item key, the ways its archived documents were reached."""
    found: dict[str, set[str]] = {}
    for row in Archive(settings.archive_dir).rows(source_id):
        if row.kind == "item_page" and row.ok:
            found.setdefault(casem_item_key(row.url), set()).add(row.context["via"])
    return found


def served(server, contains):
    return [s.path for s in server.state.requests if contains in s.path]


def asked_for(server, path):
    return [s.path for s in server.state.requests if s.path == path]


def handlings(settings, source_id):
    return query(
        settings,
        "SELECT body, meeting_date, section, title, diary_number, document_type, decision_outcome, preparer, "
        "presenter, proposal, decision, is_procedural FROM items WHERE source_id = $s "
        "ORDER BY meeting_date, section",
        {"s": source_id},
    )


def test_an_open_api_site_is_harvested_through_the_api_and_its_pages_are_not_asked_again(
    demo_server, tmp_path
):
    settings = settings_for(demo_server, tmp_path)
    (summary,) = crawl(settings, ["padasjoki"])
    archived = archived_items(settings, "padasjoki")
    assert set(archived) == items_on_site(demo_server, "padasjoki", date(2025, 1, 1))
    assert set().union(*archived.values()) == {"api"}
    assert (summary.items, summary.items_listed, summary.failures) == (12, 12, 0)
    # the body pages listed items the API had delivered: not one item page, and no search, was asked for
    assert served(demo_server, "/padasjoki/fi-FI/Toimielimet/Kunnanhallitus/Kokous_") == []
    assert served(demo_server, "/padasjoki/fi-FI/haku") == []
    # the meeting of 13.11.2023 is listed with its date and not opened
    meetings = served(demo_server, "/padasjoki/api/opennc/v1/Contents()")
    assert len(meetings) == 4


def test_a_site_without_the_api_is_harvested_through_its_pages_breadcrumbs_and_search(demo_server, tmp_path):
    settings = settings_for(demo_server, tmp_path)
    (summary,) = crawl(settings, ["hollola"])
    archived = archived_items(settings, "hollola")
    assert set(archived) == items_on_site(demo_server, "hollola", date(2025, 1, 1))
    assert (summary.items, summary.failures) == (17, 0)
    # The board meeting of 20.4.2026 is on no listing: only the search reaches it.
    site = demo_server.state.sites["hollola"]
    board = site.meeting("hol-2026-04-20-102")
    assert {tuple(archived[str(casem.item_number(board, i))]) for i in board.items} == {("search",)}
    # the body pages list 3 items each, but the breadcrumbs' meeting pages list the rest of the four
    # other meetings: the search runs after them and adds only what no page links
    assert Counter(len(v) for v in archived.values()) == {1: 17}  # each opened once, by one way
    assert Counter(next(iter(v)) for v in archived.values()) == {"listings": 13, "search": 4}
    # The breadcrumb's meeting pages list what the body pages do not: every meeting in the window.
    assert len(asked_for(demo_server, "/hollola/fi-FI/Toimielimet/Hyvinvointilautakunta/Kokous_1542026")) == 1
    process(settings)
    assert query(settings, "SELECT count(*) FROM crawl_errors") == [(0,)]  # the API's 404 is no error
    assert query(
        settings,
        "SELECT body, meeting_date, section FROM items WHERE diary_number = 'HOLDno-2026-187' ORDER BY 2",
    ) == [("Kunnanhallitus", date(2026, 4, 20), 90), ("Valtuusto", date(2026, 5, 11), 16)]


def test_search_pages_are_followed_until_they_run_out_whatever_the_dates(demo_server, demo_settings):
    crawl(demo_settings, ["hollola"])
    by_word: dict[str, list[int]] = {}
    for path in served(demo_server, "/hollola/fi-FI/haku?"):
        params = dict(part.split("=", 1) for part in path.split("?", 1)[1].split("&"))
        assert (params["n"], params["d"], params["o"]) == ("23", "1", "Rank")
        by_word.setdefault(params["s"], []).append(int(params["page"]))
    # 17 results for "ehdotus", 5 a page: the fourth page links no fifth. "päätös" then lists only
    # items the crawl has, so no body's name is searched for.
    expected = len(casem.search_results(demo_server.state.sites["hollola"], "päätös", False))
    assert by_word == {
        "ehdotus": [1, 2, 3, 4],
        "p%C3%A4%C3%A4t%C3%B6s": list(range(1, (expected + 4) // 5 + 1)),
    }


def test_a_search_result_older_than_since_is_opened_once_for_its_date_and_then_left_alone(
    demo_server, tmp_path
):
    settings = settings_for(demo_server, tmp_path, since=date(2026, 1, 1))
    site = demo_server.state.sites["hollola"]
    technical = site.meeting("hol-2025-10-21-104")
    friendly = {f"/hollola/fi-FI/{casem.item_path(site, technical, i)}" for i in technical.items}
    content = {f"/hollola/fi-FI/{casem.content_path(technical, i)}" for i in technical.items}
    crawl(settings, ["hollola"])
    asked = [s.path for s in demo_server.state.requests]
    # The body page links them under Kokous_21102025 (a year before since: not opened); the search
    # links them without a date, so each is opened once, and its page dates it 21.10.2025.
    assert ([p for p in asked if p in friendly], sorted(p for p in asked if p in content)) == (
        [],
        sorted(content),
    )
    assert f"/hollola/fi-FI/{casem.meeting_path(site, technical)}" not in asked
    seen = len(demo_server.state.requests)
    crawl(dataclasses.replace(settings, revalidate_hours=0), ["hollola"])
    again = [s.path for s in demo_server.state.requests[seen:]]
    assert [p for p in again if p in content] == []  # the archive's copy says it is older than since
    assert any("/haku?" in p for p in again)


def before_since(server, source_id):
    site = server.state.sites[source_id]
    return {str(casem.item_number(m, i)) for m in site.meetings if m.date < date(2025, 1, 1) for i in m.items}


def test_when_the_api_is_gone_the_pages_and_search_give_the_same_handlings(demo_server, tmp_path):
    through_api = settings_for(demo_server, tmp_path / "api")
    crawl(through_api, ["padasjoki"])
    process(through_api)
    demo_server.add_fault("/padasjoki/api/opennc/v1/Nodes", Fault("status", status=404, times=1000))
    through_pages = settings_for(demo_server, tmp_path / "pages")
    crawl(through_pages, ["padasjoki"])
    process(through_pages)
    archived = archived_items(through_pages, "padasjoki")
    assert set().union(*archived.values()) == {"listings", "search"}
    # The search dates its results only by their pages: the two of 13.11.2023 were opened to learn it.
    in_window = items_on_site(demo_server, "padasjoki", date(2025, 1, 1))
    assert set(archived) - in_window == before_since(demo_server, "padasjoki")
    assert len(before_since(demo_server, "padasjoki")) == 2
    recent = [row for row in handlings(through_pages, "padasjoki") if row[1] >= date(2025, 1, 1)]
    assert recent == handlings(through_api, "padasjoki")
    assert len(recent) == 12


def test_an_api_that_fails_on_a_meeting_is_completed_by_the_pages_and_search(demo_server, demo_settings):
    site = demo_server.state.sites["padasjoki"]
    council = site.meeting("pad-2026-05-25-201")
    demo_server.add_fault(f"NodeId%20eq%20{meeting_node(council)}", Fault("status", status=404, times=1000))
    (summary,) = crawl(demo_settings, ["padasjoki"])
    archived = archived_items(demo_settings, "padasjoki")
    expected = items_on_site(demo_server, "padasjoki", date(2025, 1, 1)) | before_since(
        demo_server, "padasjoki"
    )
    assert set(archived) == expected
    council_ways = {next(iter(archived[str(casem.item_number(council, i))])) for i in council.items}
    assert council_ways <= {"listings", "search"}
    assert summary.failures == 1


def test_an_agenda_turned_minutes_through_the_api_is_one_handling_with_both_versions(
    demo_server, demo_settings
):
    crawl(demo_settings, ["padasjoki"])
    demo_server.publish_minutes()
    crawl(demo_settings, ["padasjoki"])
    process(demo_settings)
    rows = query(
        demo_settings,
        "SELECT document_type, section, decision_outcome, url FROM items "
        "WHERE source_id = 'padasjoki' AND meeting_date = DATE '2026-09-21' ORDER BY section",
    )
    assert [r[:3] for r in rows] == [("minutes", 120, "approved"), ("minutes", 121, "noted")]
    versions = query(demo_settings, "SELECT count(*) FROM documents WHERE url = $u", {"u": rows[1][3]})
    assert versions == [(2,)]


def test_an_earlier_handling_from_the_api_is_the_boards_own_handling_and_one_matter(
    demo_server, demo_settings
):
    crawl(demo_settings, ["padasjoki"])
    process(demo_settings)
    rows = query(
        demo_settings,
        "SELECT body, meeting_date, section, is_own_page FROM items "
        "WHERE diary_number = 'PADDno-2026-58' ORDER BY 2",
    )
    assert rows == [
        ("Kunnanhallitus", date(2026, 4, 27), 60, True),
        ("Kunnanvaltuusto", date(2026, 5, 25), 20, True),
    ]
    assert query(
        demo_settings, "SELECT count(DISTINCT matter_id) FROM items WHERE diary_number = 'PADDno-2026-58'"
    ) == [(1,)]


def test_an_unchanged_site_recrawled_downloads_no_item_whichever_address_it_meets_first(
    demo_server, demo_settings
):
    crawl(demo_settings, ["hollola"])
    archive = Archive(demo_settings.archive_dir)
    before = len(list(archive.rows("hollola")))
    crawl(demo_settings, ["hollola"])
    rerun = list(archive.rows("hollola"))[before:]
    items = Counter(row.status for row in rerun if row.kind == "item_page")
    # the agendas of 14.9.2026 are asked again, as every agenda until it is minutes: answered 304
    assert items == {304: 3}
    assert Counter(row.status for row in rerun if row.kind not in ("robots", "api_root")) == {
        304: len(rerun) - 2
    }
