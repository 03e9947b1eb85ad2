"""What the CaseM page reader and parser read from each kind of page, in both layouts the demo sites
serve, and from the open API's answers: the spider's own ``read_page`` and the parser's own
``parse_casem_page``, on pages rendered by ``demo_sites.casem`` and ``demo_sites.opennc``."""

from __future__ import annotations

import json
from datetime import date

import pytest
from scrapy.http import HtmlResponse

from crawlers.spiders.casem import casem_item_key, link_kind, read_page, url_year
from demo_sites import casem, opennc
from demo_sites.content import load_sites
from minutes.saved_page import read_saved_page
from parsing.casem import parse_casem_page
from parsing.opennc import helsinki_date, parse_properties, people_of

SITES = load_sites()
HOLLOLA, PADASJOKI = SITES["hollola"], SITES["padasjoki"]
BASE = "https://hollola.example/fi-FI"


def page(url: str, html: str) -> HtmlResponse:
    return HtmlResponse(url, body=html.encode("utf-8"), encoding="utf-8")


def meeting_of(site, meeting_id):
    return site.meeting(meeting_id)


def item_of(site, meeting_id, position):
    meeting = site.meeting(meeting_id)
    return meeting, next(i for i in meeting.items if i.position == position)


def test_an_item_key_is_its_content_id_in_every_form_of_its_address():
    assert (
        casem_item_key(f"{BASE}/Toimielimet/Valtuusto/Kokous_2222021/Paijat_Hameen_maahanmuutto(1234)")
        == "1234"
    )
    assert casem_item_key("https://hameenkyro.cloudnc.fi/fi-FI/content/20068/13194") == "20068"
    assert casem_item_key("https://x.cloudnc.fi/api/opennc/v1/Contents(4020)/ExtendedProperties") == "4020"
    assert casem_item_key(f"{BASE}/Toimielimet/Valtuusto") is None
    assert casem_item_key(f"{BASE}/Toimielimet/Valtuusto/Kokous_2222021") is None


def test_links_are_known_by_their_form_and_only_the_year_of_a_meeting_token_is_trusted():
    assert link_kind(f"{BASE}/Toimielimet") == "bodies"
    assert link_kind(f"{BASE}/Toimielimet/Kunnanhallitus") == "body"
    assert link_kind(f"{BASE}/Toimielimet/Kunnanhallitus/Kokous_1112022") == "meeting"
    assert link_kind(f"{BASE}/haku?n=23&d=1&s=kaava&o=Rank&page=2") == "search"
    assert link_kind(f"{BASE}/Viranhaltijat/Kunnanjohtaja") is None
    # 1.11.2022 or 11.1.2022: the token cannot say, but its year can.
    assert url_year(f"{BASE}/Toimielimet/Kunnanhallitus/Kokous_1112022/Talousarvio(5)") == 2022
    assert url_year(f"{BASE}/content/5/23") is None


def test_a_live_item_page_names_its_body_and_meeting_only_in_the_breadcrumb_behind_a_long_side_menu():
    meeting, item = item_of(HOLLOLA, "hol-2026-04-20-102", 3)
    html = casem.item_page(HOLLOLA, meeting, item, True, BASE)
    assert html.count("/Viranhaltijat/") == 93 and ", kokous 20.4.2026" not in html.lower()
    parsed = parse_casem_page(
        html, f"{BASE}/{casem.item_path(HOLLOLA, meeting, item)}", HOLLOLA.abbreviations
    )
    own = parsed.own
    assert (parsed.document_type, parsed.title, parsed.diary_number) == (
        "minutes",
        "Päijät-Hämeen jätehuollon yhteistoimintasopimuksen uudistaminen 2026–2030",
        "HOLDno-2026-187",
    )
    assert (own.body, own.meeting_date, own.section, own.decision_outcome) == (
        "Kunnanhallitus",
        date(2026, 4, 20),
        90,
        "approved",
    )
    assert own.preparer == "Kirsi Oksanen, hallintojohtaja"
    # Neither the side menu, the breadcrumb, the feedback box nor the footer is item text.
    for chrome in ("Rakennustarkastaja", "Etusivu", "Anna palautetta", "CloudNC", "Kokous 20.4.2026"):
        assert chrome not in parsed.text


def test_an_item_page_under_its_content_address_reads_the_same():
    meeting, item = item_of(HOLLOLA, "hol-2026-04-20-102", 3)
    html = casem.item_page(HOLLOLA, meeting, item, True, BASE)
    by_content = parse_casem_page(html, f"{BASE}/{casem.content_path(meeting, item)}")
    assert (by_content.own.body, by_content.own.meeting_date, by_content.own.section) == (
        "Kunnanhallitus",
        date(2026, 4, 20),
        90,
    )


def test_a_breadcrumb_date_that_its_address_contradicts_is_not_taken():
    meeting, item = item_of(HOLLOLA, "hol-2026-04-20-102", 3)
    html = casem.item_page(HOLLOLA, meeting, item, True, BASE)
    wrong_token = f"{BASE}/Toimielimet/Kunnanhallitus/Kokous_2142026/Jatehuolto(1)"
    parsed = parse_casem_page(html, wrong_token)
    assert (parsed.own.meeting_date, parsed.document_type) == (None, None)


LIVE_ITEM = """<html><body>
<div id="Content_sidenaviArea"><ul>
<li><a href="/fi-FI/Toimielimet/Tekninen_lautakunta/Kokous_192022">Kokous 1.9.2022</a></li>
<li><a href="/fi-FI/Toimielimet/Tekninen_lautakunta/Kokous_792022">Kokous 7.9.2022</a></li>
</ul></div>
{crumb}
<div id="ContentStart" role="main"><h1>§ 4 Sipolantien 9 purku-urakka</h1>
<p>TEKDno-2022-81</p><h3>Ehdotus</h3><p>Valitaan urakoitsija.</p></div>
</body></html>"""


@pytest.mark.parametrize(
    "crumb",
    [
        # separators written as text, segments as links and a last segment as text
        '<p><a href="/fi-FI">Etusivu</a> › <a href="/fi-FI/Toimielimet/Tekninen_lautakunta">Tekninen '
        'lautakunta</a> › <a href="/fi-FI/Toimielimet/Tekninen_lautakunta/Kokous_792022">Kokous 7.9.2022</a>'
        " › Sipolantien 9 purku-urakka</p>",
        # one text with ">" separators, as the README quotes it
        "<div>Tekninen lautakunta > Kokous 7.9.2022 > Sipolantien 9 purku-urakka</div>",
        # a list whose separators are drawn by CSS: found by the element's name
        '<ol class="breadcrumb"><li>Toimielimet</li><li>Tekninen lautakunta</li><li>Kokous 7.9.2022</li>'
        "<li>Sipolantien 9 purku-…</li></ol>",
    ],
)
def test_the_breadcrumb_is_found_by_its_structure_and_a_side_menu_of_meetings_is_not_it(crumb):
    parsed = parse_casem_page(LIVE_ITEM.format(crumb=crumb), "file:///saved.html")
    assert (parsed.own.body, parsed.own.meeting_date, parsed.own.section, parsed.title) == (
        "Tekninen lautakunta",
        date(2022, 9, 7),
        4,
        "Sipolantien 9 purku-urakka",
    )
    assert (parsed.diary_number, parsed.document_type, parsed.own.proposal) == (
        "TEKDno-2022-81",
        "agenda",
        "Valitaan urakoitsija.",
    )


def test_without_a_breadcrumb_or_header_nothing_names_the_meeting():
    parsed = parse_casem_page(LIVE_ITEM.format(crumb=""), "file:///saved.html")
    assert (parsed.own.body, parsed.own.meeting_date, parsed.document_type, parsed.own.section) == (
        None,
        None,
        None,
        4,
    )


def test_an_older_item_page_names_its_meeting_in_the_header_line():
    meeting, item = item_of(PADASJOKI, "pad-2026-05-25-201", 3)
    html = casem.item_page(PADASJOKI, meeting, item, True, BASE)
    parsed = parse_casem_page(html, "", PADASJOKI.abbreviations)
    earlier, own = parsed.handlings
    assert (earlier.body, earlier.meeting_date, earlier.is_own) == ("Kunnanhallitus", None, False)
    assert (own.body, own.meeting_date, own.section, own.decision_outcome) == (
        "Kunnanvaltuusto",
        date(2026, 5, 25),
        20,
        "approved",
    )
    assert (parsed.document_type, parsed.diary_number) == ("minutes", "PADDno-2026-58")


def test_the_live_bodies_page_lists_the_bodies_of_its_side_menu_and_the_newest_items():
    reading = read_page(page(f"{BASE}/Toimielimet", casem.bodies_page(HOLLOLA, BASE)))
    bodies = [e.body for e in reading.entries if e.kind == "body"]
    items = [e for e in reading.entries if e.kind == "item"]
    assert (reading.kind, bodies) == (
        "bodies",
        ["Valtuusto", "Kunnanhallitus", "Hyvinvointilautakunta", "Tekninen lautakunta"],
    )
    assert [(e.section, e.meeting_date) for e in items] == [
        (162, None),
        (161, None),
        (160, None),
        (16, None),
        (15, None),
    ]


def test_a_live_body_page_lists_titles_without_dates_and_a_meeting_page_dates_them_by_its_breadcrumb():
    body = page(f"{BASE}/Toimielimet/Valtuusto", casem.body_page(HOLLOLA, "101", BASE))
    reading = read_page(body, {"body": "Valtuusto"})
    assert reading.kind == "meetings"
    assert [(e.kind, e.section, e.meeting_date) for e in reading.entries] == [
        ("item", 16, None),
        ("item", 15, None),
        ("item", 14, None),
    ]
    meeting = meeting_of(HOLLOLA, "hol-2026-04-20-102")
    url = f"{BASE}/{casem.meeting_path(HOLLOLA, meeting)}"
    reading = read_page(page(url, casem.meeting_page(HOLLOLA, meeting, BASE)))
    assert (reading.kind, reading.body, reading.meeting_date) == (
        "meeting",
        "Kunnanhallitus",
        date(2026, 4, 20),
    )
    assert [(e.section, e.body, e.meeting_date) for e in reading.entries] == [
        (section, "Kunnanhallitus", date(2026, 4, 20)) for section in (88, 89, 90, 91)
    ]


def test_an_older_body_page_dates_each_row_by_its_meeting_not_by_a_date_in_the_title():
    reading = read_page(page(f"{BASE}/Toimielimet/Kunnanhallitus", casem.body_page(PADASJOKI, "202", BASE)))
    assert [(e.section, e.meeting_date, e.title) for e in reading.entries] == [
        (121, date(2026, 9, 21), "Talousarvion toteutuminen 1.1.–31.8.2026"),
        (120, date(2026, 9, 21), "Kokouksen laillisuus ja päätösvaltaisuus"),
        (61, date(2026, 4, 27), "Kunnantalon ilmanvaihdon peruskorjaus, urakoitsijan valinta"),
    ]


def test_a_live_item_page_links_the_meeting_and_body_of_its_breadcrumb_only():
    meeting, item = item_of(HOLLOLA, "hol-2026-04-15-103", 3)
    url = f"{BASE}/{casem.item_path(HOLLOLA, meeting, item)}"
    reading = read_page(page(url, casem.item_page(HOLLOLA, meeting, item, True, BASE)))
    assert (reading.kind, reading.body, reading.meeting_date, reading.document_type) == (
        "item",
        "Hyvinvointilautakunta",
        date(2026, 4, 15),
        "minutes",
    )
    assert [(e.kind, e.url) for e in reading.entries] == [
        ("meeting", f"{BASE}/Toimielimet/Hyvinvointilautakunta/Kokous_1542026"),
        ("body", f"{BASE}/Toimielimet/Hyvinvointilautakunta"),
    ]


def test_search_results_are_titles_ranked_by_relevance_not_by_date():
    results = casem.search_results(HOLLOLA, "ehdotus", True)
    dates = [m.date for m, _ in results]
    assert len(results) == 17 and dates != sorted(dates) and dates != sorted(dates, reverse=True)
    url = f"{BASE}/haku?n=23&d=1&s=ehdotus&o=Rank&page=1"
    reading = read_page(page(url, casem.search_page(HOLLOLA, "ehdotus", 1, BASE, True)))
    assert reading.kind == "meetings"
    assert [(e.kind, e.meeting_date, e.body) for e in reading.entries] == [("item", None, None)] * 5
    assert [e.url for e in reading.entries] == [f"{BASE}/{casem.content_path(m, i)}" for m, i in results[:5]]


def test_a_saved_live_item_page_reads_through_minutes_parse_without_its_address(tmp_path):
    meeting, item = item_of(HOLLOLA, "hol-2026-05-11-101", 3)
    saved = tmp_path / "item.html"
    saved.write_text(casem.item_page(HOLLOLA, meeting, item, True, BASE), encoding="utf-8")
    result = read_saved_page(saved, "casem")
    assert (result["kind"], result["errors"]) == ("item", [])
    assert [(h["body"], h["meeting_date"], h["section"], h["is_own_page"]) for h in result["handlings"]] == [
        ("Kunnanhallitus", None, None, False),
        ("Valtuusto", "2026-05-11", 16, True),
    ]


def test_json_that_is_no_open_api_answer_is_an_unknown_page_with_a_reason():
    reading = read_page(page(f"{BASE}/x", '{"value": 3}'))
    assert (reading.kind, reading.errors) == ("unknown", ["JSON that is no open-API answer"])


def api(site, path, query=None, published=True) -> dict:
    return json.loads(opennc.api_answer(site, path, query or {}, published, "http://demo/api/opennc/v1/"))


def test_the_demo_api_walks_from_the_root_to_a_meetings_items_like_mikkelis():
    root = api(PADASJOKI, "Nodes")
    assert [n["Names"][0]["Name"] for n in root["value"]] == [
        "Toimielimet",
        "Viranhaltijat",
        "Ylälaidan linkit",
    ]
    bodies = api(PADASJOKI, "Nodes(10717)/SubNodes()")
    board = next(n for n in bodies["value"] if n["Names"][0]["Name"] == "Kunnanhallitus")
    (container,) = api(PADASJOKI, f"Nodes(10717)/SubNodes({board['NodeId']})/SubNodes()")["value"]
    chain = f"Nodes(10717)/SubNodes({board['NodeId']})/SubNodes({container['NodeId']})/SubNodes()"
    meetings = [n["Names"][0]["Name"] for n in api(PADASJOKI, chain)["value"]]
    assert meetings == ["Kokous 13.11.2023", "Kokous 27.4.2026", "Kokous 21.9.2026"]
    assert opennc.api_answer(PADASJOKI, "Nodes(10717)/SubNodes(99)/SubNodes()", {}, True, "x/") is None


def test_an_api_item_reads_as_its_page_does_and_knows_its_earlier_handlings_date():
    meeting, item = item_of(PADASJOKI, "pad-2026-05-25-201", 3)
    answer = api(PADASJOKI, f"Contents({casem.item_number(meeting, item)})/ExtendedProperties")
    context = {"body": "Kunnanvaltuusto", "meeting_date": "2026-05-25"}
    from_api = parse_properties(answer, context, PADASJOKI.abbreviations)
    from_page = parse_casem_page(casem.item_page(PADASJOKI, meeting, item, True), "", PADASJOKI.abbreviations)
    fields = ("body", "section", "preparer", "presenter", "proposal", "decision", "decision_outcome")
    for api_handling, page_handling in zip(from_api.handlings, from_page.handlings, strict=True):
        assert [getattr(api_handling, f) for f in fields] == [getattr(page_handling, f) for f in fields]
    assert [(h.meeting_date, h.is_own) for h in from_api.handlings] == [
        (date(2026, 4, 27), False),
        (date(2026, 5, 25), True),
    ]
    assert (from_api.title, from_api.diary_number, from_api.document_type) == (
        from_page.title,
        from_page.diary_number,
        "minutes",
    )
    assert from_api.attachments == [f"{name}.pdf" for name in item.attachments]


def test_an_api_item_of_an_agenda_has_no_decision_until_the_minutes_are_published():
    meeting, item = item_of(PADASJOKI, "pad-2026-09-21-202", 2)
    path = f"Contents({casem.item_number(meeting, item)})/ExtendedProperties"
    agenda = parse_properties(api(PADASJOKI, path, published=False))
    minutes = parse_properties(api(PADASJOKI, path, published=True))
    assert (agenda.document_type, agenda.own.decision, agenda.own.decision_outcome) == ("agenda", None, None)
    assert (minutes.document_type, minutes.own.decision_outcome) == ("minutes", "noted")


def test_api_dates_are_helsinki_days_and_people_drop_their_contacts():
    assert helsinki_date("/Date(1493127000000)/") == date(2017, 4, 25)
    assert helsinki_date("/Date(1493160000000)/") == date(2017, 4, 26)  # 22.40 UTC is 01.40 in Helsinki
    assert helsinki_date("25.4.2017") is None
    assert (
        people_of("Timo Halonen;#kaupunginjohtaja;#;#timo.halonen@mikkeli.fi;#")
        == "Timo Halonen, kaupunginjohtaja"
    )
    two = "A Aalto;#hallintojohtaja;#040 1;#a@x.fi;#B Berg;#talousjohtaja;#;#b@x.fi;#"
    assert people_of(two) == "A Aalto, hallintojohtaja, B Berg, talousjohtaja"
    assert people_of("") is None


@pytest.mark.parametrize(
    ("render", "kind"),
    [
        (lambda: casem.bodies_page(HOLLOLA, BASE), "bodies"),
        (lambda: casem.bodies_page(PADASJOKI, BASE), "bodies"),
        (lambda: casem.body_page(HOLLOLA, "102", BASE), "meetings"),
        (lambda: casem.body_page(PADASJOKI, "202", BASE), "meetings"),
        (lambda: casem.meeting_page(HOLLOLA, HOLLOLA.meeting("hol-2026-04-20-102"), BASE), "meeting"),
        (lambda: casem.search_page(HOLLOLA, "ehdotus", 1, BASE, True), "meetings"),
        (lambda: casem.search_page(PADASJOKI, "ehdotus", 1, BASE, True), "meetings"),
        (lambda: casem.item_page(HOLLOLA, *item_of(HOLLOLA, "hol-2026-04-20-102", 1), True, BASE), "item"),
        (
            lambda: casem.item_page(PADASJOKI, *item_of(PADASJOKI, "pad-2026-04-27-202", 1), True, BASE),
            "item",
        ),
    ],
)
def test_a_saved_page_without_its_address_is_known_by_what_its_main_region_holds(render, kind):
    assert read_page(page("file:///saved.html", render())).kind == kind
