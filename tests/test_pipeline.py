"""The whole path, crawl → archive → parse → link → load, on the demo sites."""

import socket
import subprocess
import sys
from datetime import date

import pytest

from archive import Archive
from crawlers.run import crawl
from demo_sites.content import load_sites
from minutes.demo import demo_settings, run_demo
from processing.stages import process
from warehouse.connection import connect

TABLES = (
    "sources",
    "documents",
    "meetings",
    "items",
    "matters",
    "matter_links",
    "crawl_errors",
    "parse_errors",
    "matter_comparison",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def table_contents(path, skip_columns=()):
    con = connect(path, read_only=True)
    try:
        contents = {}
        for table in TABLES:
            columns = [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall() if c[0] not in skip_columns]
            rows = con.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            contents[table] = sorted(rows, key=repr)
        return contents
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo_twice(tmp_path_factory):
    """The demo run twice into one data directory, on one port, with a table snapshot after each."""
    settings = demo_settings(tmp_path_factory.mktemp("demo") / "data", None, None)
    port = free_port()
    first = run_demo(settings, port=port, progress=lambda *_: None)
    snapshot = table_contents(settings.warehouse, skip_columns=("last_seen",))
    last_seen_before = (
        connect(settings.warehouse, read_only=True).execute("SELECT max(last_seen) FROM items").fetchone()[0]
    )
    second = run_demo(settings, port=port, progress=lambda *_: None)
    return settings, first, second, snapshot, last_seen_before


def query(settings, sql, params=None):
    con = connect(settings.warehouse, read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def test_the_regional_report_is_one_matter_with_a_row_per_municipality(demo_twice):
    settings = demo_twice[0]
    rows = query(
        settings,
        """
        SELECT municipality, body, meeting_date, section, decision_outcome
        FROM matter_comparison WHERE matter_title ILIKE '%liikuntapalveluiden seudullisen%'
        ORDER BY municipality""",
    )
    assert rows == [
        ("Asikkala", "Vapaa-aikalautakunta", date(2026, 3, 17), 10, "approved"),
        ("Heinola", "Hyvinvointilautakunta", date(2026, 4, 22), 33, "noted"),
        ("Hollola", "Hyvinvointilautakunta", date(2026, 4, 15), 29, "noted"),
    ]


def test_the_regional_agreement_joins_the_boards_and_councils_of_every_municipality(demo_twice):
    # Padasjoki's two handlings come from the CaseM open API, Hollola's board item from the search.
    rows = query(
        demo_twice[0],
        """
        SELECT municipality, body, section, decision_outcome FROM matter_comparison
        WHERE matter_title ILIKE '%jätehuollon yhteistoimintasopimuksen%'
        ORDER BY meeting_date, municipality""",
    )
    assert rows == [
        ("Asikkala", "Kunnanhallitus", 73, "approved"),
        ("Hollola", "Kunnanhallitus", 90, "approved"),
        ("Heinola", "Kaupunginhallitus", 106, "approved"),
        ("Padasjoki", "Kunnanhallitus", 60, "approved"),
        ("Asikkala", "Kunnanvaltuusto", 23, "approved"),
        ("Hollola", "Valtuusto", 16, "approved"),
        ("Heinola", "Kaupunginvaltuusto", 29, "approved"),
        ("Padasjoki", "Kunnanvaltuusto", 20, "approved"),
    ]


def test_only_the_two_regional_matters_span_municipalities(demo_twice):
    rows = query(
        demo_twice[0],
        "SELECT title, n_items, n_municipalities FROM matters WHERE n_municipalities > 1 ORDER BY title",
    )
    assert rows == [
        ("Liikuntapalveluiden seudullisen yhteistyön toimintakertomus 2025", 3, 3),
        ("Päijät-Hämeen jätehuollon yhteistoimintasopimuksen uudistaminen 2026–2030", 8, 4),
    ]


def test_annual_reports_of_different_years_stay_different_matters(demo_twice):
    rows = query(
        demo_twice[0],
        "SELECT count(DISTINCT matter_id) FROM items WHERE title LIKE 'Sivistystoimen toimintakertomus 202%'",
    )
    assert rows == [(2,)]


def test_procedural_items_are_marked_and_never_linked_across_municipalities(demo_twice):
    settings = demo_twice[0]
    served = {row[0] for row in query(settings, "SELECT source_id FROM sources")}
    gold = {
        (source_id, item.title)
        for source_id, site in load_sites().items()
        if source_id in served
        for meeting in site.meetings
        if meeting.date >= settings.since
        for item in meeting.items
        if item.procedural
    }
    marked = query(settings, "SELECT source_id, title FROM items WHERE is_procedural")
    assert len(marked) == 42
    assert set(marked) == gold
    assert query(
        settings,
        """SELECT count(*) FROM matters m JOIN items i USING (matter_id)
                              WHERE i.is_procedural AND m.n_municipalities > 1""",
    ) == [(0,)]


def test_a_second_run_leaves_every_table_unchanged(demo_twice):
    settings, first, second, snapshot, last_seen_before = demo_twice
    # crawl_errors is a log of fetch attempts: a connection a retry mended is a new event, not new content.
    after = table_contents(settings.warehouse, skip_columns=("last_seen",))
    assert {k: v for k, v in after.items() if k != "crawl_errors"} == {
        k: v for k, v in snapshot.items() if k != "crawl_errors"
    }
    counts = [
        {k: v for k, v in run.report.load.row_counts.items() if k != "crawl_errors"}
        for run in (first, second)
    ]
    assert counts[0] == counts[1]
    # Only the time pages were last seen moves on: the second run saw the republished meetings again.
    assert query(settings, "SELECT max(last_seen) FROM items")[0][0] > last_seen_before


def test_the_demo_loads_every_handling_and_records_its_one_bad_document(demo_twice):
    counts = demo_twice[2].report.load.row_counts
    # One county document is a Word file served as a PDF: recorded as a parse error, not loaded.
    # A failed attempt that a retry then mended stays on record ("… (will retry)"); none may be final.
    final_errors = query(
        demo_twice[0], "SELECT url, error FROM crawl_errors WHERE NOT error LIKE '%(will retry)'"
    )
    assert final_errors == []
    assert (counts["items"], counts["parse_errors"], counts["sources"]) == (81, 1, 5)


def test_an_agenda_that_turns_into_minutes_is_one_handling_with_both_versions_kept(
    demo_server, demo_settings
):
    crawl(demo_settings, ["asikkala"])
    demo_server.publish_minutes()
    crawl(demo_settings, ["asikkala"])
    process(demo_settings)
    url = f"{demo_server.base_url('asikkala')}?page=meetingitem&id=2026079-3"
    assert query(
        demo_settings,
        "SELECT document_type, section, agenda_position, decision, decision_outcome "
        "FROM items WHERE url = $url",
        {"url": url},
    ) == [("minutes", 165, 3, "Ehdotus hyväksyttiin.", "approved")]
    versions = query(demo_settings, "SELECT count(*) FROM documents WHERE url = $url", {"url": url})
    assert versions == [(2,)]
    first_seen, last_seen = query(
        demo_settings, "SELECT first_seen, last_seen FROM items WHERE url = $url", {"url": url}
    )[0]
    assert first_seen < last_seen


def test_processing_the_same_archive_twice_gives_identical_tables(demo_settings):
    crawl(demo_settings)
    process(demo_settings)
    before = table_contents(demo_settings.warehouse)
    process(demo_settings)
    assert table_contents(demo_settings.warehouse) == before


def test_a_broken_item_page_is_recorded_and_the_others_still_load(demo_settings):
    crawl(demo_settings, ["heinola"])
    archive = Archive(demo_settings.archive_dir)
    broken_url = "http://127.0.0.1:1/heinola/dynasty2025/cgi/DREQUEST.PHP?page=meetingitem&id=2026999-1"
    archive.record_response(
        source_id="heinola",
        url=broken_url,
        kind="meetingitem",
        status=200,
        body=b"<html><body><p>Palvelu ei ole k\xe4ytett\xe4viss\xe4</p>",
        headers={"content-type": "text/html"},
    )
    report = process(demo_settings)
    assert report.handlings == 17
    assert query(demo_settings, "SELECT source_id, url, reason FROM parse_errors") == [
        (
            "heinola",
            broken_url,
            # an error page in windows-1252 with no declaration, read by its bytes: cut short
            "PageCutShort: page cut short: <html> without </html>",
        )
    ]


def test_minutes_query_cannot_change_the_warehouse(demo_settings):
    crawl(demo_settings, ["heinola"])
    process(demo_settings)
    command = [sys.executable, "-m", "minutes.cli", "query", "--warehouse", str(demo_settings.warehouse)]
    refused = subprocess.run([*command, "DELETE FROM items"], capture_output=True, text=True)
    assert refused.returncode == 1
    assert "read-only" in refused.stderr
    counted = subprocess.run(
        [*command, "SELECT count(*) AS n FROM items", "--format", "csv"], capture_output=True, text=True
    )
    assert counted.stdout == "n\n17\n"
