"""A bad day on the sites: every kind of fault at once, each on an item of its own, then a rerun after
the faults stop. One healthy run, one faulty run and one rerun are shared by every test here."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.config import Settings
from crawlers.run import crawl
from crawlers.settings import DEFAULT_DOWNLOAD_MAXSIZE, DEFAULT_DOWNLOAD_TIMEOUT, _env_number
from demo_sites.faults import BAD_DAY_DISALLOWED, BAD_DAY_LIMITS, Fault, bad_day
from demo_sites.server import ROBOTS_TXT, Served, running_demo_server
from processing.stages import process
from tests.conftest import settings_for
from tests.test_pipeline import query
from warehouse.connection import connect

pytestmark = pytest.mark.timeout(240)  # the shared runs land on whichever test asks for them first

#: The tables derived from what was fetched, compared between a rerun and a healthy run. ``documents``,
#: ``crawl_errors`` and ``parse_errors`` keep the faulty responses, so they are checked row by row.
DERIVED_TABLES = ("sources", "meetings", "items", "matters", "matter_links")
#: Columns that record a fetch, which two runs never share: when, and which bytes (the same page can
#: arrive in another encoding and read the same).
FETCH_COLUMNS = ("fetched_at", "first_seen", "last_seen", "document_sha256")

#: Per fault: the table that records it and how its reason begins.
RECORDED = {
    "http_500": ("crawl_errors", "HTTP 500 (will retry)"),
    "http_502": ("crawl_errors", "HTTP 502 (will retry)"),
    "http_503": ("crawl_errors", "HTTP 503 (will retry)"),
    "http_429": ("crawl_errors", "HTTP 429 (will retry)"),
    "slow": ("crawl_errors", "DownloadTimeoutError: Getting "),
    "reset": ("crawl_errors", "ResponseDataLossError"),
    "truncate": ("crawl_errors", "ResponseDataLossError"),
    "mixup": ("crawl_errors", "session mix-up: asked for meetingitem 2026041-3, got the page of 2026034-3"),
    "charset": ("parse_errors", "declared utf-8 (Content-Type), but the bytes are not: read as windows-1252"),
    "malformed": ("parse_errors", "PageCutShort: page cut short: <html> without </html>"),
    "vanished": ("crawl_errors", "HTTP 404"),
    "redirect_loop": ("crawl_errors", "redirect loop: "),
    "redirect_offsite": ("crawl_errors", "redirect to another host refused: http://127.0.0.2:"),
    "oversize": ("crawl_errors", "DownloadCancelledError: Expected to receive 3145754 bytes"),
    "gzip_bomb": ("crawl_errors", "IgnoreRequest: Ignored response"),
    "corrupt_pdf": ("parse_errors", "corrupt PDF: truncated (no %%EOF at the end)"),
    "encrypted_pdf": ("parse_errors", "encrypted PDF"),
    "doc_as_pdf": ("parse_errors", "not a PDF (doc)"),
}
#: Faults that cost no item even on the bad day: a retry gets past them within the same run, or (a
#: mislabelled charset) the reader does.
TRANSIENT = {"http_500", "http_502", "http_503", "http_429", "slow", "reset", "truncate", "mixup", "charset"}


def content_digest(warehouse: Path, tables: tuple[str, ...] = DERIVED_TABLES) -> dict[str, str]:
    """Per table, a sha256 of its rows sorted, leaving out the fetch-time columns: equal digests mean
    equal content, whenever and however often the documents were fetched."""
    con = connect(warehouse, read_only=True)
    try:
        digests = {}
        for table in tables:
            columns = [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall()]
            kept = ", ".join(c for c in columns if c not in FETCH_COLUMNS)
            rows = sorted(repr(row) for row in con.execute(f"SELECT {kept} FROM {table}").fetchall())
            digests[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return digests
    finally:
        con.close()


@dataclass
class BadDay:
    healthy: Settings
    faulty: Settings
    faulty_digest: dict[str, str]
    on_the_day: Settings  # the faulty run's warehouse as it was before the rerun
    faulty_items: set[str]  # item urls in the warehouse right after the faulty run
    faulty_requests: list[Served]
    paths: dict[str, str]  # fault name → the path it affected
    statuses: list[str]  # how each source's crawl on the bad day ended


def run_bad_day(root: Path) -> BadDay:
    """A healthy run, then a run on a bad day in a directory of its own, then the next scheduled run
    after the faults stop, with the default revalidation: documents that could not be read are due
    again at once, known good ones are not."""
    with running_demo_server() as server:
        healthy = settings_for(server, root / "healthy")
        crawl(healthy)
        process(healthy)
        faulty = settings_for(server, root / "faulty")
        plan = bad_day()
        for _, path, fault in plan:
            server.add_fault(path, fault)
        server.state.robots_txt = ROBOTS_TXT + f"Disallow: {BAD_DAY_DISALLOWED}\n"
        server.state.requests.clear()
        statuses = [summary.status for summary in crawl(faulty)]
        faulty_requests = list(server.state.requests)
        process(faulty)
        faulty_digest = content_digest(faulty.warehouse)
        faulty_items = {row[0] for row in query(faulty, "SELECT url FROM items")}
        on_the_day = dataclasses.replace(faulty, warehouse=root / "on_the_day.duckdb")
        shutil.copyfile(faulty.warehouse, on_the_day.warehouse)
        server.state.faults.clear()
        server.state.robots_txt = ROBOTS_TXT
        crawl(faulty)
        process(faulty)
    return BadDay(
        healthy,
        faulty,
        faulty_digest,
        on_the_day,
        faulty_items,
        faulty_requests,
        {name: path for name, path, _ in plan},
        statuses,
    )


@pytest.fixture(scope="module")
def day(tmp_path_factory) -> BadDay:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in BAD_DAY_LIMITS.items():
            patch.setenv(name, value)
        return run_bad_day(tmp_path_factory.mktemp("bad_day"))


def linked_groups(settings: Settings) -> dict[str, set[frozenset[str]]]:
    """Per link type, the groups of handlings its links connect: what the links establish, whichever
    pairs were compared to establish it."""
    groups: dict[str, set[frozenset[str]]] = {}
    rows = query(settings, "SELECT link_type, item_id_a, item_id_b FROM matter_links")
    for link_type in {row[0] for row in rows}:
        parent: dict[str, str] = {}

        def root(item: str, parent: dict[str, str] = parent) -> str:
            while parent.setdefault(item, item) != item:
                item = parent[item]
            return item

        for _, a, b in (row for row in rows if row[0] == link_type):
            parent[root(a)] = root(b)
        members: dict[str, set[str]] = {}
        for item in parent:
            members.setdefault(root(item), set()).add(item)
        groups[link_type] = {frozenset(m) for m in members.values()}
    return groups


def test_after_the_faults_stop_a_rerun_yields_the_warehouse_a_healthy_run_yields(day):
    """Every table the same, but for which pairs of near-identical handlings ``matter_links`` records:
    the rerun links incrementally against the index the bad day left (the handlings arrive in another
    order), so its candidate pairs are other pairs of the same groups. The groups the links connect,
    and the matters, are the same."""
    tables = tuple(t for t in DERIVED_TABLES if t != "matter_links")
    assert content_digest(day.faulty.warehouse, tables) == content_digest(day.healthy.warehouse, tables)
    assert linked_groups(day.faulty) == linked_groups(day.healthy)
    # and the comparison can fail: the bad day itself differs from the healthy run
    assert day.faulty_digest["items"] != content_digest(day.healthy.warehouse)["items"]


def test_on_the_bad_day_every_sources_crawl_finishes(day):
    assert day.statuses == ["finished"] * 5


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_each_fault_is_recorded_with_its_source_url_and_reason(day, name):
    table, reason = RECORDED[name]
    path = day.paths[name]
    # Crawl errors stay after the rerun; a parse error is of the version parsed, so it is read from the
    # warehouse of the bad day itself (the damaged version stays in documents, see below).
    column, settings = ("error", day.faulty) if table == "crawl_errors" else ("reason", day.on_the_day)
    rows = query(
        settings,
        f"SELECT source_id, url, {column} FROM {table} WHERE url LIKE '%' || $path ORDER BY fetched_at",
        {"path": path},
    )
    source = {"asikkala": "asikkala", "heinola": "heinola", "phhyky": "paijat-hameen-hyvinvointialue"}
    assert rows, f"{name}: nothing recorded for {path}"
    assert rows[0][0] == source[path.split("/")[1]]
    assert rows[0][1].endswith(path)
    assert rows[0][2].startswith(reason), rows[0][2]


def test_on_the_bad_day_no_item_is_lost_but_those_the_faults_kept_from_being_read(day):
    healthy = {row[0] for row in query(day.healthy, "SELECT url FROM items")}
    lost = {url.split("/", 3)[3] for url in healthy - day.faulty_items}
    kept_back = {path.lstrip("/") for name, path in day.paths.items() if name not in TRANSIENT}
    # The TWeb Word document is a parse error on a healthy day too, so it is not among the items.
    disallowed = {url.split("/", 3)[3] for url in healthy if BAD_DAY_DISALLOWED in url}
    assert len(disallowed) == 4
    assert lost == kept_back | disallowed


def test_no_item_is_duplicated_on_the_bad_day_or_after_it(day):
    for settings in (day.healthy, day.faulty):
        assert query(settings, "SELECT count(*) - count(DISTINCT item_id) FROM items") == [(0,)]
    assert query(day.faulty, "SELECT count(*) FROM items") == query(day.healthy, "SELECT count(*) FROM items")


def test_nothing_robots_txt_disallows_is_fetched_and_each_refusal_is_recorded(day):
    assert [s.path for s in day.faulty_requests if BAD_DAY_DISALLOWED in s.path] == []
    assert query(
        day.faulty,
        "SELECT count(*), min(error), max(error) FROM crawl_errors WHERE url LIKE '%' || $p || '%'",
        {"p": BAD_DAY_DISALLOWED},
    ) == [(4, "IgnoreRequest: Forbidden by robots.txt", "IgnoreRequest: Forbidden by robots.txt")]


def test_a_redirect_to_another_host_is_not_followed(day):
    offsite = day.paths["redirect_offsite"]
    assert [s.status for s in day.faulty_requests if s.path == offsite] == [302]
    # Followed, the request to 127.0.0.2 (where nothing listens) would be archived as a failed fetch.
    assert query(day.faulty, "SELECT count(*) FROM documents WHERE url LIKE 'http://127.0.0.2%'") == [(0,)]
    assert query(day.faulty, "SELECT count(*) FROM crawl_errors WHERE url LIKE 'http://127.0.0.2%'") == [(0,)]


def test_a_damaged_version_stays_in_documents_beside_the_good_one_after_the_rerun(day):
    for name in ("malformed", "corrupt_pdf", "encrypted_pdf", "doc_as_pdf"):
        versions = query(
            day.faulty,
            "SELECT count(DISTINCT sha256) FROM documents WHERE url LIKE '%' || $p",
            {"p": day.paths[name]},
        )
        assert versions == [(2,)], name


def test_crawl_limits_come_from_the_environment_and_keep_their_defaults_otherwise(monkeypatch):
    monkeypatch.delenv("MINUTES_DOWNLOAD_TIMEOUT", raising=False)
    assert _env_number("MINUTES_DOWNLOAD_TIMEOUT", DEFAULT_DOWNLOAD_TIMEOUT) == 60
    assert DEFAULT_DOWNLOAD_MAXSIZE == 64 * 1024 * 1024
    monkeypatch.setenv("MINUTES_DOWNLOAD_TIMEOUT", "5")
    assert _env_number("MINUTES_DOWNLOAD_TIMEOUT", DEFAULT_DOWNLOAD_TIMEOUT) == 5
    monkeypatch.setenv("MINUTES_DOWNLOAD_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="MINUTES_DOWNLOAD_TIMEOUT must be a whole number, not 'soon'"):
        _env_number("MINUTES_DOWNLOAD_TIMEOUT", DEFAULT_DOWNLOAD_TIMEOUT)


def test_a_fault_set_to_every_third_request_hits_the_third_and_sixth_only():
    fault = Fault("status", times=2, every=3)
    assert [fault.applies() for _ in range(9)] == [
        False,
        False,
        True,
        False,
        False,
        True,
        False,
        False,
        False,
    ]


def test_a_seeded_share_of_requests_meets_the_same_faults_every_time():
    def hits() -> list[bool]:
        fault = Fault("reset", times=100, probability=0.3, seed=7)
        return [fault.applies() for _ in range(50)]

    assert hits() == hits()
    assert 5 <= sum(hits()) <= 25


def test_an_unknown_fault_kind_is_refused_with_the_known_ones_named():
    with pytest.raises(ValueError, match="unknown fault kind 'teapot'; known: status, mixup, slow"):
        Fault("teapot")
