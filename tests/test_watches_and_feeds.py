"""Watches, their Atom feeds, the matter feeds and the calendars of upcoming meetings, on real warehouse
files loaded from the example region, read back with feedparser and icalendar as subscribers would."""

import copy
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import feedparser
import icalendar
import pytest

from demo_sites.example_warehouse import NETWORK, WASTE, example_tables
from warehouse.feeds import entry_id, read_entries, state_dir, update_feeds
from warehouse.load import load_warehouse
from warehouse.watches import Watch, WatchError, add_watch, read_watches, remove_watch, watches_path

REPO = Path(__file__).resolve().parents[1]
CREATED = datetime.fromisoformat("2026-03-01T09:00:00+02:00")
TODAY = date(2026, 6, 1)


def with_agenda(tables: dict) -> dict:
    """The example region plus Hollola's council, which has the waste agreement on its agenda for
    15 June 2026 (its agenda is published, the meeting not yet held)."""
    tables = copy.deepcopy(tables)
    board = next(row for row in tables["items"] if row["item_id"] == "hollola-20260420-88")
    council = {
        **board,
        "item_id": "hollola-20260615-40",
        "meeting_id": "hollola-Kunnanvaltuusto-20260615",
        "body": "Kunnanvaltuusto",
        "body_printed": "Kunnanvaltuusto",
        "meeting_date": date(2026, 6, 15),
        "document_type": "agenda",
        "section": 40,
        "decision": None,
        "decision_outcome": None,
        "url": "https://hollola.example.fi/cgi/DREQUEST.PHP?page=meetingitem&id=hollola-20260615-40",
        "pdf_url": None,
    }
    tables["items"].append(council)
    tables["meetings"].append(
        {
            "meeting_id": council["meeting_id"],
            "source_id": "hollola",
            "municipality": "Hollola",
            "body": "Kunnanvaltuusto",
            "meeting_date": date(2026, 6, 15),
            "document_type": "agenda",
            "url": "https://hollola.example.fi/cgi/DREQUEST.PHP?page=meeting&id=hollola-20260615",
        }
    )
    return tables


def with_minutes(tables: dict) -> dict:
    """The council has met: its minutes replace the agenda, and Padasjoki's board handles the agreement."""
    tables = copy.deepcopy(tables)
    council = next(row for row in tables["items"] if row["item_id"] == "hollola-20260615-40")
    council.update(document_type="minutes", decision="Ehdotus hyväksyttiin.", decision_outcome="approved")
    next(m for m in tables["meetings"] if m["meeting_id"] == council["meeting_id"])["document_type"] = (
        "minutes"
    )
    asikkala = next(row for row in tables["items"] if row["item_id"] == "asikkala-20260413-73")
    tables["items"].append(
        {
            **asikkala,
            "item_id": "padasjoki-20260622-70",
            "meeting_id": "padasjoki-Kunnanhallitus-20260622",
            "source_id": "padasjoki",
            "municipality": "Padasjoki",
            "meeting_date": date(2026, 6, 22),
            "section": 70,
            "url": "https://padasjoki.example.fi/cgi/DREQUEST.PHP?page=meetingitem&id=padasjoki-20260622-70",
            "pdf_url": None,
        }
    )
    return tables


@pytest.fixture
def data_dir(tmp_path) -> Path:
    path = tmp_path / "data"
    add_watch(watches_path(path), Watch("jatehuolto", "jätehuollon sopimus", created=CREATED))
    add_watch(
        watches_path(path),
        Watch("heinola-verkko", "palveluverkkoselvitys", ("Heinola",), ("Kaupunginhallitus",), CREATED),
    )
    return path


def feed(data_dir: Path, name: str) -> feedparser.FeedParserDict:
    parsed = feedparser.parse((data_dir / "feeds" / f"{name}.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def titles(parsed) -> list[str]:
    return [entry.title for entry in parsed.entries]


def test_the_first_load_puts_every_hit_of_a_watch_in_its_feed_newest_meeting_first(data_dir):
    warehouse = data_dir / "warehouse.duckdb"
    load_warehouse(warehouse, with_agenda(example_tables()))
    report = update_feeds(data_dir, warehouse, TODAY)
    assert (report.compared, report.changed_handlings) == (True, 13)
    assert report.new_hits == {"heinola-verkko": 1, "jatehuolto": 5}
    assert report.new_matter_entries == {"network": 4, "sports": 2, "waste": 5}
    waste = feed(data_dir, "jatehuolto")
    assert waste.feed.title == "minutes watch jatehuolto: jätehuollon sopimus"
    assert titles(waste) == [
        f"Hollola · Kunnanvaltuusto 15.6.2026 § 40: {WASTE} (agenda)",
        f"Asikkala · Kunnanvaltuusto 4.5.2026 § 23: {WASTE} (minutes)",
        f"Heinola · Kaupunginhallitus 27.4.2026 § 106: {WASTE} (minutes)",
        f"Hollola · Kunnanhallitus 20.4.2026 § 88: {WASTE} (minutes)",
        f"Asikkala · Kunnanhallitus 13.4.2026 § 73: {WASTE} (minutes)",
    ]
    agenda, minutes = waste.entries[0], waste.entries[3]
    assert agenda.summary == f"On the agenda. Proposal: Esitetään, että asia {WASTE.lower()} käsitellään."
    assert (
        minutes.summary
        == "Decision (returned for preparation): Asia palautettiin uudelleen valmisteltavaksi."
    )
    assert [(link.rel, link.type) for link in minutes.links] == [
        ("alternate", "text/html"),
        ("related", "application/pdf"),
    ]
    assert (
        minutes.link == "https://hollola.example.fi/cgi/DREQUEST.PHP?page=meetingitem&id=hollola-20260420-88"
    )
    assert [tag.term for tag in minutes.tags] == ["Hollola", "Kunnanhallitus"]
    network = feed(data_dir, "heinola-verkko")
    assert titles(network) == [f"Heinola · Kaupunginhallitus 25.5.2026 § 120: {NETWORK} (minutes)"]
    matter = feedparser.parse((data_dir / "feeds" / "matters" / "waste.xml").read_bytes())
    assert matter.feed.title == f"minutes matter: {WASTE}"
    assert {e.id for e in matter.entries} == {e.id for e in waste.entries}
    # a matter handled by one municipality gets no feed
    assert sorted(p.name for p in (data_dir / "feeds" / "matters").iterdir()) == [
        "network.xml",
        "sports.xml",
        "waste.xml",
    ]


def test_a_second_load_with_no_change_adds_no_entry_and_leaves_every_file_as_it_was(data_dir):
    warehouse = data_dir / "warehouse.duckdb"
    tables = with_agenda(example_tables())
    load_warehouse(warehouse, tables)
    update_feeds(data_dir, warehouse, TODAY)
    files = {p: p.read_bytes() for p in (data_dir / "feeds").rglob("*") if p.is_file()}
    entries = read_entries(state_dir(data_dir))
    assert load_warehouse(warehouse, tables).changed is False
    again = update_feeds(data_dir, warehouse, TODAY)
    assert (again.compared, again.new_hits, again.new_matter_entries) == (False, {}, {})
    assert {p: p.read_bytes() for p in (data_dir / "feeds").rglob("*") if p.is_file()} == files
    assert read_entries(state_dir(data_dir)).equals(entries)


def test_minutes_after_an_agenda_are_a_new_entry_and_unchanged_handlings_are_not_repeated(data_dir):
    warehouse = data_dir / "warehouse.duckdb"
    first = with_agenda(example_tables())
    load_warehouse(warehouse, first)
    update_feeds(data_dir, warehouse, TODAY)
    before = feed(data_dir, "jatehuolto")
    load_warehouse(warehouse, with_minutes(first))
    report = update_feeds(data_dir, warehouse, TODAY)
    assert (report.changed_handlings, report.new_hits) == (2, {"heinola-verkko": 0, "jatehuolto": 2})
    assert report.new_matter_entries == {"waste": 2}
    after = feed(data_dir, "jatehuolto")
    new = [e for e in after.entries if e.id not in {old.id for old in before.entries}]
    assert [e.title for e in new] == [
        f"Padasjoki · Kunnanhallitus 22.6.2026 § 70: {WASTE} (minutes)",
        f"Hollola · Kunnanvaltuusto 15.6.2026 § 40: {WASTE} (minutes)",
    ]
    assert new[1].summary == "Decision (approved): Ehdotus hyväksyttiin."
    # the agenda's entry is still there under its own id; no id appears twice
    ids = [e.id for e in after.entries]
    assert len(ids) == len(set(ids)) == 7
    assert set(ids) >= {e.id for e in before.entries}
    assert before.entries[0].title.endswith("(agenda)") and before.entries[0].id in ids


def test_a_matter_that_comes_to_span_municipalities_gets_a_feed_of_its_whole_history(data_dir):
    warehouse = data_dir / "warehouse.duckdb"
    tables = example_tables()
    load_warehouse(warehouse, tables)
    update_feeds(data_dir, warehouse, TODAY)
    assert not (data_dir / "feeds" / "matters" / "village.xml").exists()  # Asikkala's alone so far
    later = copy.deepcopy(tables)
    village = next(row for row in later["items"] if row["item_id"] == "asikkala-20260413-74")
    later["items"].append(
        {
            **village,
            "item_id": "hollola-20260608-101",
            "source_id": "hollola",
            "municipality": "Hollola",
            "meeting_date": date(2026, 6, 8),
            "section": 101,
            "url": "https://hollola.example.fi/cgi/DREQUEST.PHP?page=meetingitem&id=hollola-20260608-101",
        }
    )
    load_warehouse(warehouse, later)
    report = update_feeds(data_dir, warehouse, TODAY)
    assert report.new_matter_entries == {"village": 2}
    matter = feedparser.parse((data_dir / "feeds" / "matters" / "village.xml").read_bytes())
    assert [e.title.split(":")[0] for e in matter.entries] == [
        "Hollola · Kunnanhallitus 8.6.2026 § 101",
        "Asikkala · Kunnanhallitus 13.4.2026 § 74",
    ]


def test_a_warehouse_rebuilt_from_scratch_brings_no_entry_twice(data_dir):
    warehouse = data_dir / "warehouse.duckdb"
    tables = with_agenda(example_tables())
    load_warehouse(warehouse, tables)
    update_feeds(data_dir, warehouse, TODAY)
    entries = read_entries(state_dir(data_dir))
    warehouse.unlink()
    load_warehouse(warehouse, tables)  # a new file: its loads history starts again at 1
    report = update_feeds(data_dir, warehouse, TODAY)
    assert (report.compared, report.changed_handlings, sum(report.new_hits.values())) == (True, 0, 0)
    assert read_entries(state_dir(data_dir)).equals(entries)


def test_entry_ids_are_the_same_for_the_same_version_of_a_handling_everywhere(data_dir):
    warehouse = data_dir / "warehouse.duckdb"
    load_warehouse(warehouse, with_agenda(example_tables()))
    update_feeds(data_dir, warehouse, TODAY)
    entries = read_entries(state_dir(data_dir))
    row = entries.filter(entries["item_id"] == "hollola-20260420-88").row(0, named=True)
    assert row["entry_id"] == entry_id("hollola-20260420-88", row["decision_key"])
    assert row["entry_id"].startswith("urn:uuid:") and len(row["entry_id"]) == 45
    assert entry_id("hollola-20260420-88", row["decision_key"]) != entry_id("hollola-20260420-88", "other")


def test_a_new_watch_starts_with_an_empty_feed_dated_when_it_was_added(data_dir):
    warehouse = data_dir / "warehouse.duckdb"
    load_warehouse(warehouse, with_agenda(example_tables()))
    update_feeds(data_dir, warehouse, TODAY)
    added = datetime.fromisoformat("2026-06-02T10:00:00+03:00")
    add_watch(watches_path(data_dir), Watch("liikunta", "toimintakertomus", created=added))
    update_feeds(data_dir, warehouse, TODAY)
    parsed = feed(data_dir, "liikunta")
    assert (parsed.entries, parsed.feed.updated) == ([], "2026-06-02T10:00:00+03:00")


def test_a_removed_watch_loses_its_feed_file(data_dir):
    warehouse = data_dir / "warehouse.duckdb"
    load_warehouse(warehouse, example_tables())
    update_feeds(data_dir, warehouse, TODAY)
    assert (data_dir / "feeds" / "heinola-verkko.xml").exists()
    remove_watch(watches_path(data_dir), "heinola-verkko")
    update_feeds(data_dir, warehouse, TODAY)
    assert sorted(p.name for p in (data_dir / "feeds").glob("*.xml")) == ["jatehuolto.xml"]


def events(path: Path) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Helsinki"
    return list(calendar.walk("VEVENT"))


def test_the_calendars_hold_meetings_whose_agenda_is_out_and_that_are_not_held_yet(data_dir):
    warehouse = data_dir / "warehouse.duckdb"
    load_warehouse(warehouse, with_agenda(example_tables()))
    update_feeds(data_dir, warehouse, TODAY)
    calendars = data_dir / "feeds" / "calendar"
    assert sorted(p.name for p in calendars.iterdir()) == [
        "asikkala.ics",
        "heinola.ics",
        "hollola.ics",
        "padasjoki.ics",
        "paijat-hameen-liitto.ics",
        "region-paijat-hame.ics",
    ]
    (event,) = events(calendars / "hollola.ics")
    assert str(event["SUMMARY"]) == "Hollola: Kunnanvaltuusto"
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (date(2026, 6, 15), date(2026, 6, 16))
    assert str(event["DESCRIPTION"]).splitlines() == [
        "Kunnanvaltuusto 15.6.2026 (agenda published).",
        f"§ 40 {WASTE}",
        "https://hollola.example.fi/cgi/DREQUEST.PHP?page=meeting&id=hollola-20260615",
    ]
    assert str(event["URL"]) == "https://hollola.example.fi/cgi/DREQUEST.PHP?page=meeting&id=hollola-20260615"
    assert [str(e["UID"]) for e in events(calendars / "region-paijat-hame.ics")] == [str(event["UID"])]
    assert events(calendars / "asikkala.ics") == []
    # the meeting day itself still counts as upcoming; the day after, it is gone
    update_feeds(data_dir, warehouse, date(2026, 6, 15))
    assert len(events(calendars / "hollola.ics")) == 1
    update_feeds(data_dir, warehouse, date(2026, 6, 16))
    assert events(calendars / "hollola.ics") == []


def test_a_meeting_whose_minutes_are_out_leaves_the_calendar(data_dir):
    warehouse = data_dir / "warehouse.duckdb"
    tables = with_agenda(example_tables())
    load_warehouse(warehouse, tables)
    update_feeds(data_dir, warehouse, TODAY)
    load_warehouse(warehouse, with_minutes(tables))
    update_feeds(data_dir, warehouse, TODAY)
    assert events(data_dir / "feeds" / "calendar" / "hollola.ics") == []


def test_the_watches_file_keeps_a_persons_comments_when_a_command_changes_it(tmp_path):
    path = tmp_path / "watches.toml"
    path.write_text(
        '# my watches\n\n[watch.kaava]  # for the story on zoning\nwords = "asemakaava"\n'
        "created = 2026-01-05T08:00:00+02:00\n",
        encoding="utf-8",
    )
    add_watch(path, Watch("koulu", "koulu", ("Hollola",), created=CREATED))
    remove_watch(path, "kaava")
    add_watch(path, Watch("kaava", "asemakaava", created=CREATED))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# my watches\n")
    assert [w.name for w in read_watches(path)] == ["kaava", "koulu"]
    assert read_watches(path)[1] == Watch("koulu", "koulu", ("Hollola",), (), CREATED)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[watch.a]\nwords = 'x'\ncreated = 2026-01-05T08:00:00+02:00\ncolour = 'red'\n",
            "unknown key 'colour'",
        ),
        ("[watch.a]\ncreated = 2026-01-05T08:00:00+02:00\n", "'words' must be the words to look for"),
        ("[watch.a]\nwords = 'x'\ncreated = 2026-01-05T08:00:00\n", "'created' must be a date and time"),
        ("[watch.A]\nwords = 'x'\ncreated = 2026-01-05T08:00:00+02:00\n", "watch name 'A'"),
        ("[watch.a\nwords = 'x'\n", "is not valid TOML"),
    ],
)
def test_a_malformed_watches_file_is_reported_with_what_is_wrong_and_where(tmp_path, text, message):
    path = tmp_path / "watches.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WatchError, match=str(path)) as error:
        read_watches(path)
    assert message in str(error.value)
    with pytest.raises(WatchError):
        add_watch(path, Watch("b", "y"))
    assert path.read_text(encoding="utf-8") == text


def minutes(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "minutes.cli", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )


def test_watch_commands_add_list_show_and_remove_as_a_person_types_them(tmp_path):
    data_dir = tmp_path / "data"
    load_warehouse(data_dir / "warehouse.duckdb", example_tables())
    added = minutes(data_dir, "watch", "add", "verkko", "palveluverkkoselvitys", "--municipality", "heinola")
    assert added.returncode == 0, added.stderr
    assert added.stdout == (
        f"watch verkko: new hits for 'palveluverkkoselvitys' go to {data_dir}/feeds/verkko.xml "
        "after each load\n"
    )
    assert read_watches(watches_path(data_dir))[0].municipalities == (
        "Heinola",
    )  # as the warehouse spells it
    update_feeds(data_dir, data_dir / "warehouse.duckdb", TODAY)
    listed = minutes(data_dir, "watch", "list")
    assert listed.stdout.splitlines()[2].split()[:5] == [
        "verkko",
        "palveluverkkoselvitys",
        "in",
        "Heinola",
        "1",
    ]
    shown = minutes(data_dir, "watch", "show", "verkko").stdout.splitlines()
    assert shown[1] == f"feed {data_dir}/feeds/verkko.xml: 1 entries"
    assert shown[4].split()[2:7] == ["Heinola", "Kaupunginhallitus", "25.5.2026", "§", "120"]
    removed = minutes(data_dir, "watch", "remove", "verkko")
    assert (removed.returncode, removed.stdout) == (0, "watch verkko removed, and its feed\n")
    assert not (data_dir / "feeds" / "verkko.xml").exists()


def test_a_watch_for_a_municipality_the_warehouse_does_not_know_is_refused_and_nothing_is_written(tmp_path):
    data_dir = tmp_path / "data"
    load_warehouse(data_dir / "warehouse.duckdb", example_tables())
    result = minutes(data_dir, "watch", "add", "x", "koulu", "--municipality", "Lahtii")
    assert result.returncode == 1
    assert result.stderr == (
        "minutes watch: WatchError: no municipality 'Lahtii' in the warehouse; known: Asikkala, Heinola, "
        "Hollola, Padasjoki, Päijät-Hämeen liitto\n"
    )
    assert not watches_path(data_dir).exists()


def test_the_entries_of_a_feed_are_dated_by_the_load_that_found_them(data_dir):
    warehouse = data_dir / "warehouse.duckdb"
    load_warehouse(warehouse, example_tables())
    update_feeds(data_dir, warehouse, TODAY)
    load_time = datetime.fromisoformat(feed(data_dir, "jatehuolto").entries[0].updated)
    assert timedelta(0) <= datetime.now(load_time.tzinfo) - load_time < timedelta(minutes=5)
