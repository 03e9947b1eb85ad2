"""The CaseM spider and parser against the demo Hollola site, over real HTTP on 127.0.0.1."""

from datetime import date

from archive import Archive
from crawlers.run import crawl
from crawlers.spiders.casem import casem_item_key
from demo_sites import casem
from parsing.casem import parse_casem_page
from parsing.text import find_fi_date
from tests.conftest import settings_for
from tests.test_pipeline import query


def items_on_site(server, since):
    site = server.state.sites["hollola"]
    return {
        casem_item_key("/fi-FI/" + casem.item_path(site, m, i))
        for m in site.meetings
        if m.date >= since
        for i in m.items
    }


def archived_keys(settings):
    rows = Archive(settings.archive_dir).rows("hollola")
    return {casem_item_key(row.url) for row in rows if row.kind == "item_page" and row.ok}


def test_the_item_key_is_the_number_in_parentheses_or_the_content_path():
    url = "https://hollola.cloudnc.fi/fi-FI/Toimielimet/Valtuusto/Kokous_2222021/Paijat_Hameen_maahanmuutto(1234)"
    assert casem_item_key(url) == "1234"
    assert casem_item_key("https://hollola.cloudnc.fi/fi-FI/content/20068/13194") == "content/20068/13194"
    assert casem_item_key("https://hollola.cloudnc.fi/fi-FI/Toimielimet/Valtuusto") is None


def test_dates_come_from_the_listing_text_not_the_unpadded_url_token():
    assert find_fi_date("Kokous 1.11.2022 § 5 Talousarvio") == date(2022, 11, 1)
    assert find_fi_date("Kokous 11.1.2022") == date(2022, 1, 11)


def test_body_slugs_spell_letters_as_entity_names():
    assert casem.body_slug("Ympäristö- ja rakennuslautakunta") == "Ympaumlristouml_ja_rakennuslautakunta"


def test_the_spider_reaches_older_items_through_the_paginated_search(demo_server, tmp_path):
    settings = settings_for(demo_server, tmp_path, since=date(2020, 1, 1))
    (summary,) = crawl(settings, ["hollola"])
    assert archived_keys(settings) == items_on_site(demo_server, date(2020, 1, 1))
    assert (summary.items, summary.failures) == (20, 0)
    searched = [s.path for s in demo_server.state.requests if "/haku?" in s.path]
    # Each body page shows its 3 latest items; the rest are found on search pages of 4 results.
    assert "/hollola/fi-FI/haku?toimielin=Kunnanhallitus&page=3" in searched


def test_search_pages_past_since_are_not_followed(demo_server, demo_settings):
    crawl(demo_settings, ["hollola"])
    assert archived_keys(demo_settings) == items_on_site(demo_server, date(2025, 1, 1))
    opened = [s.path for s in demo_server.state.requests]
    assert not any("Kokous_" in p and p.endswith("2023)") for p in opened)


def test_a_council_page_carrying_the_boards_handling_is_one_matter_with_the_board_item(
    demo_server, demo_settings
):
    from minutes.process import process

    crawl(demo_settings, ["hollola"])
    process(demo_settings)
    rows = query(
        demo_settings,
        "SELECT body, section, is_own_page FROM items "
        "WHERE diary_number = 'HOLDno-2026-187' ORDER BY section DESC",
    )
    assert rows == [("Kunnanhallitus", 90, True), ("Valtuusto", 16, True)]
    assert query(
        demo_settings, "SELECT count(DISTINCT matter_id) FROM items WHERE diary_number = 'HOLDno-2026-187'"
    ) == [(1,)]


def test_a_casem_page_gives_its_header_section_title_diary_number_and_handlings():
    from demo_sites.content import load_sites

    site = load_sites()["hollola"]
    meeting = site.meeting("hol-2026-05-11-101")
    item = next(i for i in meeting.items if i.position == 3)
    parsed = parse_casem_page(casem.item_page(site, meeting, item, True), "", site.abbreviations)
    assert (parsed.document_type, parsed.title, parsed.diary_number) == (
        "minutes",
        "Päijät-Hämeen jätehuollon yhteistoimintasopimuksen uudistaminen 2026–2030",
        "HOLDno-2026-187",
    )
    earlier, own = parsed.handlings
    assert (earlier.body, earlier.meeting_date, earlier.section, earlier.is_own) == (
        "Kunnanhallitus",
        None,
        None,
        False,
    )
    assert earlier.preparer == "Kirsi Oksanen, hallintojohtaja"
    assert (own.body, own.meeting_date, own.section, own.decision_outcome) == (
        "Valtuusto",
        date(2026, 5, 11),
        16,
        "approved",
    )


def test_a_casem_agenda_has_no_minutes_mark_and_no_decision():
    from demo_sites.content import load_sites

    site = load_sites()["hollola"]
    meeting = next(m for m in site.meetings if m.becomes_minutes)
    item = next(i for i in meeting.items if not i.procedural)
    agenda = parse_casem_page(casem.item_page(site, meeting, item, False), "", site.abbreviations)
    assert (agenda.document_type, agenda.own.decision, agenda.own.decision_outcome) == ("agenda", None, None)
    assert agenda.own.section == item.section
    minutes = parse_casem_page(casem.item_page(site, meeting, item, True), "", site.abbreviations)
    assert minutes.document_type == "minutes" and minutes.own.decision == item.own.decision
