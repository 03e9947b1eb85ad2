"""The TWeb spider and document parser against the demo wellbeing-county site, over real HTTP."""

from datetime import date

from archive import Archive
from crawlers.run import crawl
from crawlers.spiders.tweb import date_windows, split_window
from minutes.process import process
from tests.test_pipeline import query

COUNTY = "paijat-hameen-hyvinvointialue"


def archived_items(settings) -> set[tuple[str, int]]:
    rows = Archive(settings.archive_dir).rows(COUNTY)
    return {
        (row.context["meeting_url"].rsplit("=", 1)[1], row.context["section"])
        for row in rows
        if row.kind == "item_document" and row.ok
    }


def items_on_site(server, since) -> set[tuple[str, int]]:
    site = server.state.sites[COUNTY]
    return {(m.id, i.section) for m in site.meetings if m.date >= since for i in m.items}


def test_date_windows_cover_the_range_and_a_split_halves_one():
    assert date_windows(date(2025, 1, 1), date(2026, 11, 22)) == [
        (date(2025, 1, 1), date(2026, 1, 1)),
        (date(2026, 1, 2), date(2026, 11, 22)),
    ]
    assert split_window(date(2026, 1, 2), date(2026, 11, 22)) == [
        (date(2026, 1, 2), date(2026, 6, 13)),
        (date(2026, 6, 14), date(2026, 11, 22)),
    ]


def test_the_spider_finds_every_item_of_every_body_but_not_the_cover_pages(demo_server, demo_settings):
    (summary,) = crawl(demo_settings, [COUNTY])
    assert archived_items(demo_settings) == items_on_site(demo_server, date(2025, 1, 1))
    assert (summary.items, summary.failures) == (17, 0)
    fetched = [s.path for s in demo_server.state.requests if "docid=" in s.path]
    assert not any(path.endswith("00") for path in fetched)  # docid …00 is a meeting's cover page


def test_a_capped_meeting_list_is_asked_again_in_smaller_windows(demo_server, demo_settings):
    demo_server.publish_minutes()  # Aluehallitus now has two minutes in one year: over the demo's cap of 1
    crawl(demo_settings, [COUNTY])
    windows = {
        tuple(date.fromisoformat(d) for d in row.context["window"])
        for row in Archive(demo_settings.archive_dir).rows(COUNTY)
        if row.kind == "meeting_list"
        and row.context["body_id"] == "12"
        and row.context["document_type"] == "minutes"
    }
    # The window holding both 2026 meetings came back capped and was asked again as its two halves.
    assert any(set(split_window(*window)) <= windows for window in windows)
    assert {("4231", 101), ("4352", 163)} <= archived_items(demo_settings)


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


def test_an_item_pdf_takes_body_date_and_section_from_its_listing(demo_settings):
    crawl(demo_settings, [COUNTY])
    process(demo_settings)
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
