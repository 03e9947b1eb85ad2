"""The TWeb spider and document parser against the demo wellbeing-county site, over real HTTP.

The demo site is rendered in the structure of real KTweb pages (``demo_sites/tweb.py``): two forms with
a body select each, ids written ``12.000000``, ``bid=`` links without ``+``, ``fileshow`` documents,
both column orders, a cover row and an appeal-instructions row that are not items, and result pages that
never say they were capped (the form page says how many rows they show: 2 on the demo).
"""

import dataclasses
import re
from datetime import UTC, date, datetime

from archive import Archive
from crawlers.run import crawl
from crawlers.spiders.tweb import date_windows, fi, split_window
from demo_sites import tweb as demo_tweb
from demo_sites.faults import Fault
from processing.stages import process
from tests.test_pipeline import query

COUNTY = "paijat-hameen-hyvinvointialue"
SINCE = date(2025, 1, 1)


def archived_items(settings) -> set[tuple[str, int]]:
    rows = Archive(settings.archive_dir).rows(COUNTY)
    return {
        (row.context["meeting_url"].rsplit("=", 1)[1], row.context["section"])
        for row in rows
        if row.kind == "item_document" and row.ok
    }


def items_on_site(server, since=SINCE) -> set[tuple[str, int]]:
    site = server.state.sites[COUNTY]
    return {(m.id, i.section) for m in site.meetings if m.date >= since for i in m.items}


def list_forms(settings, document_type: str | None = None) -> list[str]:
    """The forms of the meeting lists the spider read, in the order archived (a failed attempt that a
    retry mended is the same request again, and not counted)."""
    return [
        row.context["form"]
        for row in Archive(settings.archive_dir).rows(COUNTY)
        if row.kind == "meeting_list" and row.ok and document_type in (None, row.context["document_type"])
    ]


def posts(server) -> list[str]:
    return [s.path.rsplit("/", 1)[1] for s in server.state.requests if s.method == "POST"]


def test_date_windows_cover_the_range_and_a_split_halves_one():
    assert date_windows(date(2025, 1, 1), date(2026, 11, 22)) == [
        (date(2025, 1, 1), date(2026, 1, 1)),
        (date(2026, 1, 2), date(2026, 11, 22)),
    ]
    assert split_window(date(2026, 1, 2), date(2026, 11, 22)) == [
        (date(2026, 1, 2), date(2026, 6, 13)),
        (date(2026, 6, 14), date(2026, 11, 22)),
    ]


def test_the_spider_finds_every_item_of_every_body_and_no_whole_meeting_document(demo_server, demo_settings):
    (summary,) = crawl(demo_settings, [COUNTY])
    assert archived_items(demo_settings) == items_on_site(demo_server)
    assert (summary.items, summary.failures) == (17, 0)
    fetched = [s.path for s in demo_server.state.requests if "docid=" in s.path]
    assert len(fetched) == 17
    # docid …00 is a meeting's cover page, …99 its appeal instructions: documents, not items
    assert not any(path.endswith(("00", "99")) for path in fetched)


def test_each_bodys_meeting_list_is_asked_once_per_window_although_the_form_page_has_two_selects(
    demo_server, demo_settings
):
    crawl(demo_settings, [COUNTY])
    forms = list_forms(demo_settings)
    # 4 bodies × 2 windows × (minutes, agendas), each once; the item text search is never posted to
    assert (len(forms), len(set(forms))) == (16, 16)
    assert sorted(set(posts(demo_server))) == ["epj_kokl_tweb.htm", "pk_kokl_tweb.htm"]


def test_the_body_id_is_sent_exactly_as_the_form_writes_it(demo_settings):
    crawl(demo_settings, [COUNTY])
    minutes = list_forms(demo_settings, "minutes")
    assert sorted({re.sub(r"&pvm1=.*", "", form) for form in minutes}) == [
        f"kirjaamo={n}.000000&oper=where" for n in (11, 12, 13, 14)
    ]
    assert "kirjaamo=12.000000&oper=where&pvm1=01.01.2025&pvm2=01.01.2026" in minutes


def test_a_window_whose_answer_holds_as_many_rows_as_the_form_page_says_is_split(demo_server, demo_settings):
    demo_server.publish_minutes()  # Aluehallitus now has two 2026 minutes: as many as the demo's cap of 2
    crawl(demo_settings, [COUNTY])
    today = datetime.now(UTC).date()
    later = date_windows(SINCE, today)[1]
    asked = [
        form.split("&pvm1=")[1]
        for form in list_forms(demo_settings, "minutes")
        if form.startswith("kirjaamo=12.000000&")
    ]
    windows = [f"{fi(a)}&pvm2={fi(b)}" for a, b in date_windows(SINCE, today)]
    halves = [f"{fi(a)}&pvm2={fi(b)}" for a, b in split_window(*later)]
    # each half holds one meeting, under the cap: not split again
    assert sorted(asked) == sorted([*windows, *halves])
    assert {("4231", 101), ("4352", 163)} <= archived_items(demo_settings)
    assert archived_items(demo_settings) == items_on_site(demo_server)


def test_the_cap_is_the_one_the_form_page_states(demo_server, demo_settings, monkeypatch):
    monkeypatch.setattr(demo_tweb, "ROW_CAP", 3)  # the form page now says 3 rows, and answers up to 3
    demo_server.publish_minutes()
    crawl(demo_settings, [COUNTY])
    assert len(list_forms(demo_settings, "minutes")) == 8  # two rows of three: nothing split
    assert archived_items(demo_settings) == items_on_site(demo_server)


def test_a_meeting_whose_listing_row_shows_no_date_is_dated_by_its_page_heading(
    demo_server, demo_settings, monkeypatch
):
    listing = demo_tweb.meeting_list

    def undated(*args, **kwargs) -> bytes:
        return re.sub(
            rb">\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}:\d{2}</a>", b">Kokous</a>", listing(*args, **kwargs)
        )

    monkeypatch.setattr(demo_tweb, "meeting_list", undated)
    crawl(demo_settings, [COUNTY])
    assert archived_items(demo_settings) == items_on_site(demo_server)
    process(demo_settings)
    assert query(
        demo_settings,
        "SELECT body, meeting_date, count(*) FROM items WHERE source_id = $s AND is_own_page "
        "GROUP BY ALL ORDER BY meeting_date",
        {"s": COUNTY},
    ) == [
        ("Aluehallitus", date(2025, 9, 15), 4),
        ("Palvelulautakunta", date(2026, 3, 19), 2),  # its third document is the Word file
        ("Aluehallitus", date(2026, 4, 27), 4),
        ("Aluevaltuusto", date(2026, 6, 8), 3),
        ("Aluehallitus", date(2026, 9, 14), 3),
    ]


def test_a_meeting_dated_neither_by_its_row_nor_by_its_heading_is_dated_by_its_documents(
    demo_server, demo_settings, monkeypatch
):
    listing, meeting_page = demo_tweb.meeting_list, demo_tweb.meeting_page

    def undated_list(*args, **kwargs) -> bytes:
        dated = rb">\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}:\d{2}</a>"
        return re.sub(dated, b">Kokous</a>", listing(*args, **kwargs))

    def undated_page(*args, **kwargs) -> bytes:
        return re.sub(
            rb"<br>\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}:\d{2}<br>", b"<br>", meeting_page(*args, **kwargs)
        )

    monkeypatch.setattr(demo_tweb, "meeting_list", undated_list)
    monkeypatch.setattr(demo_tweb, "meeting_page", undated_page)
    crawl(demo_settings, [COUNTY])
    assert archived_items(demo_settings) == items_on_site(demo_server)
    assert {
        row.context["meeting_date"]
        for row in Archive(demo_settings.archive_dir).rows(COUNTY)
        if row.kind == "item_document"
    } == {None}
    process(demo_settings)
    assert query(
        demo_settings,
        "SELECT meeting_date, count(*) FROM items WHERE source_id = $s AND is_own_page "
        "GROUP BY ALL ORDER BY 1",
        {"s": COUNTY},
    ) == [
        (date(2025, 9, 15), 4),
        (date(2026, 3, 19), 2),
        (date(2026, 4, 27), 4),
        (date(2026, 6, 8), 3),
        (date(2026, 9, 14), 3),
    ]


def test_with_feeds_each_bodys_minutes_come_from_its_feed_and_only_agendas_are_posted_for(
    demo_server, demo_settings
):
    (summary,) = crawl(dataclasses.replace(demo_settings, use_feeds=True), [COUNTY])
    feeds = sorted(s.path.rsplit("/", 1)[1] for s in demo_server.state.requests if "rssfeed" in s.path)
    assert feeds == [f"pk_rssfeed.htm?toimielin={n}.000000" for n in (11, 12, 13, 14)]
    assert set(posts(demo_server)) == {"epj_kokl_tweb.htm"}
    assert archived_items(demo_settings) == items_on_site(demo_server)
    assert (summary.items, summary.failures) == (17, 0)


def test_a_feed_that_fails_gives_way_to_that_bodys_meeting_list(demo_server, demo_settings):
    demo_server.add_fault("pk_rssfeed.htm?toimielin=12.000000", Fault("status", status=404, times=5))
    (summary,) = crawl(dataclasses.replace(demo_settings, use_feeds=True), [COUNTY])
    minutes = list_forms(demo_settings, "minutes")
    assert {form.split("&")[0] for form in minutes} == {"kirjaamo=12.000000"}
    assert archived_items(demo_settings) == items_on_site(demo_server)
    assert summary.failures == 1


def test_a_robots_txt_that_disallows_the_site_is_obeyed_and_nothing_is_fetched(demo_server, demo_settings):
    demo_server.state.robots_txt = "User-Agent: *\nDisallow: /\n"  # the vendor's file on most TWeb hosts
    (summary,) = crawl(demo_settings, [COUNTY])
    assert [s.path for s in demo_server.state.requests] == ["/robots.txt"]
    refused = {
        (row.url.rsplit("/", 1)[1], row.error)
        for row in Archive(demo_settings.archive_dir).rows(COUNTY)
        if row.kind != "robots"  # robots.txt itself is archived as it came
    }
    assert refused == {
        ("pk_tek_tweb.htm", "IgnoreRequest: Forbidden by robots.txt"),
        ("epj_tek_tweb.htm", "IgnoreRequest: Forbidden by robots.txt"),
    }
    assert (summary.items, summary.items_listed) == (0, 0)


def test_pages_are_read_as_windows_1252(demo_settings):
    crawl(demo_settings, [COUNTY])
    titles = {
        row.context["title"]
        for row in Archive(demo_settings.archive_dir).rows(COUNTY)
        if row.kind == "item_document"
    }
    assert "Suun terveydenhuollon palveluverkon muutokset 2026–2027" in titles


def test_a_word_file_served_as_a_pdf_is_recorded_and_the_other_items_load(demo_settings):
    crawl(demo_settings, [COUNTY])
    process(demo_settings)
    assert query(demo_settings, "SELECT reason FROM parse_errors") == [("not a PDF (doc)",)]
    assert query(demo_settings, "SELECT count(*) FROM items WHERE source_id = $s", {"s": COUNTY}) == [(16,)]


def test_an_item_pdf_takes_body_date_and_section_from_its_listing_and_is_its_own_pdf_url(
    demo_server, demo_settings
):
    crawl(demo_settings, [COUNTY])
    process(demo_settings)
    base = demo_server.base_url(COUNTY)
    assert query(
        demo_settings, "SELECT url, pdf_url FROM items WHERE source_id = $s AND section = 101", {"s": COUNTY}
    ) == [(f"{base}fileshow?doctype=3&docid=423104",) * 2]
    rows = query(
        demo_settings,
        "SELECT body, meeting_date, section, document_type, title, diary_number, decision, decision_outcome "
        "FROM items WHERE source_id = $s AND section IN (101, 234) ORDER BY section",
        {"s": COUNTY},
    )
    assert rows == [
        (
            "Aluehallitus",
            date(2026, 4, 27),
            101,
            "minutes",
            "Suun terveydenhuollon palveluverkon muutokset 2026–2027",
            "PHHYKY/1011/05.00.00/2026",
            "Asia jätettiin pöydälle.",
            "tabled",
        ),
        (
            "Aluehallitus",
            date(2025, 9, 15),
            234,
            "minutes",
            "Sosiaali- ja terveydenhuollon asiakasmaksut 1.1.2026 alkaen",
            "PHHYKY/1987/02.05.10/2025",
            "Päätösesitys hyväksyttiin äänestyksen jälkeen äänin 9–4.",
            "approved",
        ),
    ]


def test_a_council_document_carrying_the_boards_handling_defers_to_the_boards_own(demo_settings):
    crawl(demo_settings, [COUNTY])
    process(demo_settings)
    rows = query(
        demo_settings,
        "SELECT body, section, is_own_page FROM items WHERE diary_number = 'PHHYKY/934/00.01.02/2026' "
        "ORDER BY section DESC",
    )
    assert rows == [("Aluehallitus", 100, True), ("Aluevaltuusto", 33, True)]
