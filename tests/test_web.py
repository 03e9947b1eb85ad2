"""``minutes serve`` run as a person runs it, on a real warehouse file, over HTTP on 127.0.0.1; the search,
a matter page and a municipality page opened in headless Chromium (Debian's package, driven by
Playwright; these tests skip where /usr/bin/chromium is absent). One screenshot per page is kept in the
test's temporary folder."""

import copy
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import feedparser
import icalendar
import pytest

from core.warehouse_location import DuckLake, warehouse_location
from demo_sites.example_warehouse import NETWORK, SPORTS, WASTE, example_tables
from warehouse.connection import connect
from warehouse.feeds import update_feeds
from warehouse.load import load_warehouse
from warehouse.watches import Watch, add_watch, watches_path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE_TITLE = '<script>alert("x")</script> Koulukuljetusten kilpailutus'
HOSTILE_DECISION = 'Hyväksyttiin <img src=x onerror=alert(1)> & "muutettuna".'
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium: apt-get install chromium"
)


def hostile_tables() -> dict:
    """The example region plus a handling whose page carries markup and a script in its text."""
    tables = copy.deepcopy(example_tables())
    village = next(row for row in tables["items"] if row["item_id"] == "asikkala-20260413-74")
    tables["items"].append(
        {
            **village,
            "item_id": "padasjoki-20260601-62",
            "meeting_id": "padasjoki-Kunnanhallitus-20260601",
            "source_id": "padasjoki",
            "municipality": "Padasjoki",
            "meeting_date": date(2026, 6, 1),
            "section": 62,
            "title": HOSTILE_TITLE,
            "decision": HOSTILE_DECISION,
            "text": f"{HOSTILE_TITLE}\n\nKoulukuljetukset kilpailutetaan.\n\nPäätös {HOSTILE_DECISION}",
            "matter_id": "hostile",
            "url": "https://padasjoki.example.fi/cgi/DREQUEST.PHP?page=meetingitem&id=padasjoki-20260601-62",
            "pdf_url": "javascript:alert(2)",
        }
    )
    return tables


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "minutes.cli", *args]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(warehouse: Path | DuckLake, data_dir: Path):
    """``minutes serve`` in its own process, until the block ends."""
    port = free_port()
    process = subprocess.Popen(
        command("serve", "--port", str(port), "--warehouse", str(warehouse), "--data-dir", str(data_dir)),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"minutes serve did not start: {process.stderr.read()}") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("web")
    data_dir, warehouse = root / "data", root / "data" / "warehouse.duckdb"
    add_watch(
        watches_path(data_dir),
        Watch("jatehuolto", "jätehuolto", created=datetime.fromisoformat("2026-03-01T09:00:00+02:00")),
    )
    load_warehouse(warehouse, hostile_tables())
    update_feeds(data_dir, warehouse, date(2026, 4, 1))
    with serving(warehouse, data_dir) as base:
        yield base, warehouse, data_dir


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["content-type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["content-type"], error.read().decode()


def get_json(url: str) -> dict:
    status, content_type, body = get(url + ("&" if "?" in url else "?") + "format=json")
    assert (status, content_type) == (200, "application/json"), body
    return json.loads(body)


def query(**params) -> str:
    return "/?" + urllib.parse.urlencode(params)


def test_the_search_ranks_hits_as_minutes_search_does(site):
    base, warehouse, _ = site
    cli = subprocess.run(
        command("search", "toimintakertomuksen", "--format", "json", "--warehouse", str(warehouse)),
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    served = get_json(base + query(q="toimintakertomuksen"))
    assert served["hits"] == json.loads(cli.stdout)
    assert [h["item_id"] for h in served["hits"]] == [
        "heinola-20260422-33",
        "paijat-hameen-liitto-20260309-14",
    ]


def test_the_search_filters_by_municipality_body_and_meeting_date(site):
    base, _, _ = site

    def hits(**params):
        return [
            (h["municipality"], h["body"], h["meeting_date"])
            for h in get_json(base + query(**params))["hits"]
        ]

    # every form of the word is the one lemma and counts in full: BM25 alone orders the four
    assert hits(q="palveluverkkoselvityksestä") == [
        ("Padasjoki", "Kunnanhallitus", "2026-06-01"),
        ("Heinola", "Kaupunginhallitus", "2026-05-25"),
        ("Asikkala", "Kunnanhallitus", "2026-05-18"),
        ("Hollola", "Kunnanhallitus", "2026-05-11"),
    ]
    assert hits(q="palveluverkkoselvityksestä", municipality="Heinola") == [
        ("Heinola", "Kaupunginhallitus", "2026-05-25")
    ]
    assert hits(q="palveluverkkoselvityksestä", body="Kunnanhallitus", since="2026-05-12") == [
        ("Padasjoki", "Kunnanhallitus", "2026-06-01"),
        ("Asikkala", "Kunnanhallitus", "2026-05-18"),
    ]
    assert hits(q="palveluverkkoselvityksestä", until="2026-05-11") == [
        ("Hollola", "Kunnanhallitus", "2026-05-11")
    ]


def test_a_bad_date_or_an_unknown_page_gets_a_clear_answer(site):
    base, _, _ = site
    status, _, body = get(base + query(q="avustus", since="1.5.2026", format="json"))
    assert (status, json.loads(body)) == (
        400,
        {"error": "since must be a date as YYYY-MM-DD, got '1.5.2026'", "status": 400},
    )
    status, content_type, body = get(base + "/matter/no-such-matter")
    assert (status, content_type) == (404, "text/html; charset=utf-8")
    assert "no matter &#39;no-such-matter&#39; in the warehouse" in body
    assert get(base + "/municipality/lahti")[0] == 404
    assert get(base + "/feeds/..%2Fwarehouse.duckdb")[0] == 404


def test_the_matter_page_gives_its_handlings_side_by_side_and_as_json(site):
    base, _, _ = site
    data = get_json(base + "/matter/waste")
    assert (data["title"], data["municipalities"]) == (WASTE, ["Asikkala", "Heinola", "Hollola"])
    assert [
        (h["municipality"], h["body"], h["meeting_date"], h["decision_outcome"]) for h in data["handlings"]
    ] == [
        ("Asikkala", "Kunnanhallitus", "2026-04-13", "approved"),
        ("Hollola", "Kunnanhallitus", "2026-04-20", "returned"),
        ("Heinola", "Kaupunginhallitus", "2026-04-27", "approved"),
        ("Asikkala", "Kunnanvaltuusto", "2026-05-04", "approved"),
    ]
    status, _, html = get(base + "/matter/waste")
    assert status == 200 and html.count("<svg") == 1 and html.count('<section class="column">') == 3


def test_the_municipality_and_body_pages_list_the_latest_handlings(site):
    base, _, _ = site
    data = get_json(base + "/municipality/asikkala")
    assert data["source"]["name"] == "Asikkala"
    assert [(b["body"], b["meetings"], b["handlings"], b["last_meeting"]) for b in data["bodies"]] == [
        ("Kunnanhallitus", 2, 4, "2026-05-18"),
        ("Kunnanvaltuusto", 1, 1, "2026-05-04"),
    ]
    assert [h["section"] for h in data["latest"]] == [90, 23, 74, 73, 72]
    assert [(f["body"], f["last_meeting"]) for f in data["freshness"]] == [
        ("Kunnanhallitus", "2026-05-18"),
        ("Kunnanvaltuusto", "2026-05-04"),
    ]
    body = get_json(base + "/municipality/heinola/body/Hyvinvointilautakunta")
    assert [(h["title"], h["decision_outcome"]) for h in body["latest"]] == [(SPORTS, "noted")]


def test_the_feeds_and_calendars_are_served_as_feed_readers_and_calendars_expect(site):
    base, _, _ = site
    listing = get_json(base + "/feeds")
    assert listing["watches"][0]["feed"] == "/feeds/jatehuolto.xml"
    assert [m["matter_id"] for m in listing["matters"]] == ["network", "sports", "waste"]
    status, content_type, body = get(base + "/feeds/jatehuolto.xml")
    assert (status, content_type) == (200, "application/atom+xml; charset=utf-8")
    assert len(feedparser.parse(body).entries) == 4
    status, content_type, body = get(base + "/feeds/matters/network.xml")
    assert feedparser.parse(body).entries[0].title.startswith("Padasjoki · Kunnanhallitus 1.6.2026 § 61:")
    status, content_type, body = get(base + "/feeds/calendar/region-paijat-hame.ics")
    assert (status, content_type) == (200, "text/calendar; charset=utf-8")
    assert str(icalendar.Calendar.from_ical(body)["X-WR-CALNAME"]) == "Päijät-Häme: upcoming meetings"


def test_what_came_from_a_site_is_shown_as_text_never_run(site):
    base, _, _ = site
    status, _, html = get(base + "/matter/hostile")
    assert status == 200
    assert "<script" not in html and "<img" not in html
    assert "<h1>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Koulukuljetusten kilpailutus</h1>" in html
    assert "Hyväksyttiin &lt;img src=x onerror=alert(1)&gt; &amp; &quot;muutettuna&quot;." in html
    _, _, search = get(base + query(q="koulukuljetusten"))
    assert "<script" not in search and "&lt;script&gt;" in search
    # a link the page gave as javascript: is shown as text, never as a link
    assert 'href="javascript' not in html and 'href="javascript' not in search


def test_a_warehouse_swapped_in_by_a_load_is_served_without_a_restart(tmp_path):
    data_dir, warehouse = tmp_path / "data", tmp_path / "data" / "warehouse.duckdb"
    load_warehouse(warehouse, example_tables())
    with serving(warehouse, data_dir) as base:
        assert get_json(base + query(q="koulukuljetusten"))["hits"] == []
        load_warehouse(warehouse, hostile_tables())  # a new file renamed over the one being served
        hits = get_json(base + query(q="koulukuljetusten"))["hits"]
        assert [h["item_id"] for h in hits] == ["padasjoki-20260601-62"]
        assert get_json(base + "/matter/hostile")["title"] == HOSTILE_TITLE


def test_a_ducklake_warehouse_is_served_and_its_next_load_seen_without_a_restart(tmp_path):
    data_dir = tmp_path / "data"
    lake = warehouse_location(f"ducklake:sqlite:{tmp_path / 'lake.sqlite'}")
    load_warehouse(lake, example_tables())
    with serving(lake, data_dir) as base:
        assert get_json(base + query(q="koulukuljetusten"))["hits"] == []
        assert get_json(base + "/matter/waste")["municipalities"] == ["Asikkala", "Heinola", "Hollola"]
        load_warehouse(lake, hostile_tables())  # one more snapshot committed while the view serves
        hits = get_json(base + query(q="koulukuljetusten"))["hits"]
        assert [h["item_id"] for h in hits] == ["padasjoki-20260601-62"]


def test_the_municipality_and_body_pages_show_the_body_freshness_ledger(tmp_path):
    data_dir, warehouse = tmp_path / "data", tmp_path / "data" / "warehouse.duckdb"
    load_warehouse(warehouse, example_tables())
    # The ledger as of a fixed day rather than today, so that the figures stay what they are
    con = connect(warehouse)
    con.execute("CREATE OR REPLACE VIEW body_freshness AS SELECT * FROM body_freshness_at(DATE '2026-06-10')")
    con.close()
    with serving(warehouse, data_dir) as base:
        data = get_json(base + "/municipality/asikkala")
        common = {"source_id": "asikkala", "municipality": "Asikkala", "agenda_delay_days": None}
        assert data["freshness"] == [
            {
                **common,
                "body": "Kunnanhallitus",
                "meetings": 2,
                "usual_interval_days": 35.0,
                "last_meeting": "2026-05-18",
                "days_since": 23,
                "overdue": False,
                "minutes_delay_days": 0.0,
                "minutes_after_agenda_share": None,
            },
            {
                **common,
                "body": "Kunnanvaltuusto",
                "meetings": 1,
                "usual_interval_days": None,
                "last_meeting": "2026-05-04",
                "days_since": 37,
                "overdue": None,
                "minutes_delay_days": 0.0,
                "minutes_after_agenda_share": None,
            },
        ]
        body = get_json(base + "/municipality/asikkala/body/Kunnanvaltuusto")
        assert [row["body"] for row in body["freshness"]] == ["Kunnanvaltuusto"]
        _, _, html = get(base + "/municipality/asikkala")
        assert "<th>usual_interval_days</th>" in html and "<td>37</td>" in html


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, java_script_enabled=True)
    tab = context.new_page()
    dialogs = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.dialogs = dialogs
    yield tab
    context.close()


@needs_chromium
@pytest.mark.timeout(120)
def test_a_person_searches_narrows_to_one_municipality_and_sees_the_hits(site, page, tmp_path):
    base, _, _ = site
    page.goto(base + "/")
    page.fill("input[name=q]", "toimintakertomuksen")
    page.click("button[type=submit]")
    assert page.inner_text("h2") == "2 hits for “toimintakertomuksen”"
    hits = page.locator("ol.hits > li").all_inner_texts()
    assert hits[0].splitlines()[0].startswith("Heinola · Hyvinvointilautakunta · 22.4.2026 § 33 score ")
    assert hits[0].splitlines()[1] == SPORTS
    assert "Toimintakertomus kertoo yhteistyön tuloksista" in hits[0]
    page.select_option("select[name=municipality]", "Päijät-Hämeen liitto")
    page.click("button[type=submit]")
    assert page.inner_text("h2") == "1 hit for “toimintakertomuksen”"
    assert (
        page.locator("ol.hits > li .where").inner_text().startswith("Päijät-Hämeen liitto · Maakuntahallitus")
    )
    assert page.input_value("select[name=municipality]") == "Päijät-Hämeen liitto"
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
    page.click("ol.hits > li .title a")
    assert page.inner_text("h1") == SPORTS
    assert (tmp_path / "search.png").stat().st_size > 10_000


@needs_chromium
@pytest.mark.timeout(120)
def test_a_person_sees_a_matters_timeline_and_its_decisions_side_by_side(site, page, tmp_path):
    base, _, _ = site
    page.goto(base + f"/matter/{urllib.parse.quote('network')}")
    assert page.inner_text("h1") == NETWORK
    assert page.inner_text(".summary") == (
        "4 handlings in 4 municipalities (Asikkala, Heinola, Hollola, Padasjoki)"
    )
    assert page.locator("svg.timeline").is_visible()
    lanes = page.locator("svg.timeline text.lane").all_text_contents()
    assert lanes == [
        "Asikkala Kunnanhallitus",
        "Heinola Kaupunginhallitus",
        "Hollola Kunnanhallitus",
        "Padasjoki Kunnanhallitus",
    ]
    columns = page.locator(".columns > section.column")
    assert columns.locator("h3").all_inner_texts() == ["Asikkala", "Heinola", "Hollola", "Padasjoki"]
    boxes = [columns.nth(i).bounding_box() for i in range(4)]
    assert len({round(b["y"]) for b in boxes}) == 1  # side by side, on one row
    assert columns.nth(0).locator("h4").inner_text() == "Kunnanhallitus 18.5.2026 § 90"
    assert columns.nth(0).locator(".badge").inner_text() == "approved as amended"
    assert "Merkittiin tiedoksi." in columns.nth(3).inner_text()
    page.screenshot(path=str(tmp_path / "matter.png"), full_page=True)
    assert (tmp_path / "matter.png").stat().st_size > 10_000


@needs_chromium
@pytest.mark.timeout(120)
def test_a_person_sees_a_municipalitys_bodies_and_latest_handlings(site, page, tmp_path):
    base, _, _ = site
    page.goto(base + "/municipality/asikkala")
    assert page.inner_text("h1") == "Asikkala"
    bodies = page.locator("table.list").first.locator("tbody tr").all_inner_texts()
    assert [row.split("\t") for row in bodies] == [
        ["Kunnanhallitus", "2", "4", "18.5.2026"],
        ["Kunnanvaltuusto", "1", "1", "4.5.2026"],
    ]
    latest = page.locator("table.list").last.locator("tbody tr").first.inner_text().split("\t")
    assert latest[:6] == [
        "18.5.2026 § 90",
        "Asikkala",
        "Kunnanhallitus",
        NETWORK,
        "minutes",
        "approved as amended",
    ]
    page.screenshot(path=str(tmp_path / "municipality.png"), full_page=True)
    page.click("text=Kunnanvaltuusto")
    assert page.inner_text("h1") == "Kunnanvaltuusto"
    assert (tmp_path / "municipality.png").stat().st_size > 10_000


@needs_chromium
@pytest.mark.timeout(120)
def test_a_page_that_carries_a_script_shows_it_as_text_and_runs_nothing(site, page, tmp_path):
    base, _, _ = site
    page.goto(base + "/matter/hostile")
    assert page.inner_text("h1") == HOSTILE_TITLE
    assert HOSTILE_DECISION in page.inner_text(".columns")
    assert page.evaluate("document.querySelectorAll('script, img').length") == 0
    assert page.dialogs == []
    page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
