"""The TWeb page reader (``crawlers.spiders.tweb.read_page``, the function the spider and ``minutes
parse`` share) on the real saved KTweb pages in ../shared/real-markup/, on the demo site's pages and on
pages in other shapes than either, so that no single markup is assumed."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from crawlers.spiders.base import text_response
from crawlers.spiders.tweb import feed_url, link_kind, listing_cap, read_page
from demo_sites import tweb as demo_tweb
from demo_sites.content import load_sites
from minutes.saved_page import read_saved_page
from tests.gold.real_markup import load_gold

OULU = "http://asiakirjat.ouka.fi/ktwebbin/dbisa.dll/ktwebscr/"
FORM, LIST, MEETING = (
    "tweb-pk_tek_searchform-oulu2017.html",
    "tweb-pk_kokl_meetinglist-oulu2017.html",
    "tweb-pk_asil_meeting-oulu2017.html",
)
DEMO = "http://127.0.0.1:8765/phhyky/ktwebscr/"
TWEB_GOLD = [page for page in load_gold() if page["platform"] == "tweb"]


def real_page(shared: Path, name: str, url: str | None = None):
    path = shared / "real-markup" / name
    return text_response(url or path.resolve().as_uri(), path.read_bytes(), None)


@pytest.fixture(scope="module")
def county():
    return load_sites()["paijat-hameen-hyvinvointialue"]


def demo_page(url: str, body: bytes):
    return text_response(url, body, "text/html; charset=windows-1252")


# --- addresses ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (OULU + "pk_tek_tweb.htm", "bodies"),
        (OULU + "epj_tek_tweb.htm", "bodies"),
        (OULU + "pk_kokl_tweb.htm", "meetings"),
        (OULU + "pk_asil_tweb.htm?+bid=12867", "meeting"),
        ("https://phhyky-julkaisu.tweb.fi/ktwebscr/pk_asil_tweb.htm?bid=13721", "meeting"),
        ("https://phhyky-julkaisu.tweb.fi/ktwebscr/epj_asil_tweb.htm?bid=13721", "meeting"),
        ("https://phhyky-julkaisu.tweb.fi/ktwebscr/pk_rssfeed.htm?toimielin=55015.000000", "feed"),
        ("https://phhyky-julkaisu.tweb.fi/ktwebscr/fileshow?doctype=3&docid=632581", "document"),
        ("http://asiakirjat.ouka.fi/ktwebbin/ktproxy2.dll?doctype=3&docid=632581", "document"),
        (OULU + "pk_asil2_tweb.htm", None),  # the item text search
        (OULU + "epjattn_tweb.htm?632581", None),  # an item's attachments
        (OULU + "pk_asil_tweb.htm", None),  # no meeting named
        (OULU + "ktohje.htm", None),
    ],
)
def test_a_tweb_address_is_recognised_by_its_page_name_and_parameters(url, kind):
    assert link_kind(url) == kind


def test_a_bodys_feed_sits_beside_the_meeting_list_and_names_the_id_as_the_form_writes_it():
    assert (
        feed_url(OULU + "pk_kokl_tweb.htm", "55015.000000") == OULU + "pk_rssfeed.htm?toimielin=55015.000000"
    )


# --- the real pages ----------------------------------------------------------------------------------


def test_every_real_tweb_file_has_its_expectations(shared_dir):
    names = {page["file"] for page in TWEB_GOLD}
    assert names == {p.name for p in (shared_dir / "real-markup").glob("tweb-*")} == {FORM, LIST, MEETING}


def test_the_real_form_page_names_each_body_once_from_the_meeting_search_only(shared_dir):
    reading = read_page(real_page(shared_dir, FORM, OULU + "pk_tek_tweb.htm"))
    ids = [entry.form["kirjaamo"] for entry in reading.entries]
    assert (len(ids), len(set(ids))) == (31, 31)
    assert {entry.url for entry in reading.entries} == {OULU + "pk_kokl_tweb.htm"}
    assert ("Kaupunginhallitus", "690") in {(e.body, e.form["kirjaamo"]) for e in reading.entries}
    assert {entry.document_type for entry in reading.entries} == {"minutes"}


def test_the_real_form_page_states_the_cap_of_a_result_in_the_vendors_spelling(shared_dir):
    assert listing_cap(real_page(shared_dir, FORM)) == 200


def test_the_real_meeting_page_is_named_and_dated_by_its_heading(shared_dir):
    reading = read_page(real_page(shared_dir, MEETING))
    assert (reading.body, reading.meeting_date, reading.document_type) == (
        "Kaupunginhallitus",
        date(2017, 3, 27),
        "minutes",
    )


def test_the_real_meeting_page_gives_items_by_their_section_and_the_rest_as_documents(shared_dir):
    entries = read_page(real_page(shared_dir, MEETING, OULU + "pk_asil_tweb.htm?+bid=12867")).entries
    documents = [(e.title, e.url.rsplit("=", 1)[1]) for e in entries if e.kind == "document"]
    assert documents == [
        ("Pöytäkirjan kansilehti", "632577"),
        ("Järjestäytymispykälät", "632579"),
        ("Muutoksenhakuohjeet", "632605"),
    ]
    items = {e.section: e for e in entries if e.kind == "item"}
    assert sorted(items) == list(range(72, 85))
    assert items[78].url == "http://asiakirjat.ouka.fi/ktwebbin/ktproxy2.dll?doctype=3&docid=642429"
    # a title broken over three lines in the markup is one line
    assert items[81].title == (
        "Takalaanilan kaupunginosan korttelin 3 tonttia nro 12 sekä katu-, puisto- ja lähivirkistysaluetta "
        "koskeva asemakaavan muutos (Takalaanilantie) 564-2250"
    )


@pytest.mark.parametrize("page", TWEB_GOLD, ids=[page["file"] for page in TWEB_GOLD])
def test_a_real_page_saved_without_its_address_reads_as_the_same_kind_and_entries(shared_dir, page):
    with_url = read_saved_page(shared_dir / "real-markup" / page["file"], "tweb", page["url"])
    without = read_saved_page(shared_dir / "real-markup" / page["file"], "tweb")
    assert (without["kind"], len(without["entries"])) == (with_url["kind"], len(with_url["entries"]))
    assert [e["meeting_date"] for e in without["entries"]] == [e["meeting_date"] for e in with_url["entries"]]


def test_minutes_parse_prints_the_readers_view_of_a_real_meeting_list(shared_dir):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "minutes.cli",
            "parse",
            str(shared_dir / "real-markup" / LIST),
            "--platform",
            "tweb",
            "--url",
            OULU + "pk_kokl_tweb.htm",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["kind"], len(result["entries"]), result["handlings"], result["errors"]) == (
        "meetings",
        114,
        [],
        [],
    )
    assert result["entries"][-1] == {
        "kind": "meeting",
        "url": OULU + "pk_asil_tweb.htm?+bid=1350",
        "body": "Kaupunginhallitus",
        "meeting_date": "2013-03-19",
        "document_type": "minutes",
        "section": None,
        "title": None,
    }


# --- the demo site's pages ---------------------------------------------------------------------------


def test_the_demo_form_page_has_two_body_selects_and_is_read_as_one_list_of_bodies(county):
    html = demo_tweb.search_form(county, agendas=True)
    assert html.count(b'<select name="kirjaamo"') == 2
    reading = read_page(demo_page(DEMO + "epj_tek_tweb.htm", html))
    assert [(e.body, e.url, e.document_type, e.form) for e in reading.entries] == [
        (name, DEMO + "epj_kokl_tweb.htm", "agenda", {"kirjaamo": f"{n}.000000", "oper": "where"})
        for name, n in (
            ("Aluevaltuusto", 11),
            ("Aluehallitus", 12),
            ("Tarkastuslautakunta", 13),
            ("Palvelulautakunta", 14),
        )
    ]


def test_both_column_orders_of_a_meeting_page_give_the_same_items(county, monkeypatch):
    meeting = county.meeting("3962")
    readings = []
    for order in demo_tweb.COLUMN_ORDERS:
        monkeypatch.setattr(demo_tweb, "COLUMN_ORDERS", (order, order))
        html = demo_tweb.meeting_page(county, meeting, minutes_published=False)
        readings.append(read_page(demo_page(DEMO + "pk_asil_tweb.htm?bid=3962", html)).entries)
    assert readings[0] == readings[1]
    assert [(e.kind, e.section) for e in readings[0]] == [
        ("document", None),
        ("item", 231),
        ("item", 232),
        ("item", 233),
        ("item", 234),
        ("document", None),
    ]


def test_a_meeting_row_that_repeats_the_body_instead_of_a_number_still_names_the_body(county):
    form = {"kirjaamo": "12.000000", "oper": "where", "pvm1": "01.01.2025", "pvm2": "31.12.2025"}
    html = demo_tweb.meeting_list(county, form, agendas=False, minutes_published=False)
    assert "Aluehallitus: Aluehallitus" in html.decode("windows-1252")
    (entry,) = read_page(demo_page(DEMO + "pk_kokl_tweb.htm", html), {"body": "from the form"}).entries
    assert (entry.url, entry.body, entry.meeting_date, entry.document_type) == (
        DEMO + "pk_asil_tweb.htm?bid=3962",
        "Aluehallitus",
        date(2025, 9, 15),
        "minutes",
    )


def test_a_feed_names_each_meeting_with_the_date_of_its_title_not_of_its_publication(county):
    xml = demo_tweb.feed(county, "12.000000", minutes_published=True, base=DEMO)
    reading = read_page(text_response(DEMO + "pk_rssfeed.htm?toimielin=12.000000", xml, None))
    assert reading.kind == "feed"
    assert [(e.kind, e.url, e.body, e.meeting_date, e.document_type) for e in reading.entries] == [
        ("meeting", DEMO + "pk_asil_tweb.htm?bid=4352", "Aluehallitus", date(2026, 9, 14), "minutes"),
        ("meeting", DEMO + "pk_asil_tweb.htm?bid=4231", "Aluehallitus", date(2026, 4, 27), "minutes"),
        ("meeting", DEMO + "pk_asil_tweb.htm?bid=3962", "Aluehallitus", date(2025, 9, 15), "minutes"),
    ]


# --- shapes neither the real pages nor the demo use -------------------------------------------------


def test_a_meeting_list_whose_rows_are_blocks_still_gives_each_meetings_date_and_body():
    html = b"""<html><body><div class="tulokset">
    <div class="rivi"><a href="pk_asil_tweb.htm?bid=501">3.2.2026 18:00</a> Tekninen lautakunta: 2/2026</div>
    <div class="rivi"><span>Tekninen lautakunta: 1/2026</span> <a href="pk_asil_tweb.htm?bid=488">Kokous</a>
    </div></div></body></html>"""
    reading = read_page(text_response("https://x.tweb.fi/ktwebscr/pk_kokl_tweb.htm", html, None))
    assert [(e.url.rsplit("=", 1)[1], e.body, e.meeting_date) for e in reading.entries] == [
        ("501", "Tekninen lautakunta", date(2026, 2, 3)),
        ("488", "Tekninen lautakunta", None),  # not dropped: the meeting page will say
    ]


def test_a_meeting_page_without_a_table_gives_its_items_and_heading_all_the_same():
    html = """<html><body><h2>Tekninen lautakunta: 2/2026</h2><p>3.2.2026 klo 18.00</p><p>Esityslista</p>
    <ul><li>Kansilehti <a href="fileshow?doctype=3&amp;docid=9000">avaa</a></li>
    <li><span>§ 12</span> <a href="fileshow?doctype=3&amp;docid=9001">Katusuunnitelma</a> 2 kpl</li></ul>
    </body></html>""".encode()
    reading = read_page(text_response("https://x.tweb.fi/ktwebscr/epj_asil_tweb.htm?bid=501", html, None))
    assert (reading.body, reading.meeting_date, reading.document_type) == (
        "Tekninen lautakunta",
        date(2026, 2, 3),
        "agenda",
    )
    assert [(e.kind, e.section, e.title) for e in reading.entries] == [
        ("document", None, "avaa"),
        ("item", 12, "Katusuunnitelma"),
    ]


def test_a_page_that_is_not_tweb_is_unknown_with_a_reason():
    reading = read_page(
        text_response("https://x.fi/etusivu.html", b"<html><body>Tervetuloa</body></html>", None)
    )
    assert (reading.kind, reading.entries) == ("unknown", [])
    assert reading.errors == [
        "not a TWeb page this project knows (search form, meeting list, meeting, feed or document)"
    ]
