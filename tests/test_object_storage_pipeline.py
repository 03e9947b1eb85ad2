"""Past one machine, end to end: crawls on two "machines" (two crawl processes with data folders of their
own) harvest the demo sites into one bucket at the same time, one process builds a DuckLake from that
bucket, and its tables hold exactly what a single-machine run puts in its DuckDB file. The bucket is
moto's S3 server on 127.0.0.1; the spiders crawl the demo server over real HTTP; a crawl is killed
with SIGKILL in the middle of a real upload."""

import hashlib
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from archive import Archive
from core.config import Settings
from core.warehouse_location import DuckLake
from crawlers.run import crawl
from demo_sites.server import running_demo_server
from processing.stages import process
from tests.s3_server import ThrottledRelay
from warehouse.connection import connect
from warehouse.query import connect_read_only

REPO = Path(__file__).resolve().parents[1]
SINCE = date(2025, 1, 1)
MACHINE_A = ["asikkala", "hollola"]
MACHINE_B = ["heinola", "padasjoki", "paijat-hameen-hyvinvointialue"]

#: When each document was fetched and each warehouse loaded: two crawls of one site never share these
#: instants (nor the fingerprint, which covers them); every other value must be the same.
WHEN = {
    "documents": ("fetched_at",),
    "items": ("first_seen", "last_seen"),
    "crawl_errors": ("fetched_at",),
    "parse_errors": ("fetched_at",),
    "loads": ("loaded_at", "fingerprint"),
    "load_item_hashes": ("row_hash",),  # a hash of each whole items row, first_seen and last_seen with it
}


def table_digests(con) -> dict[str, tuple[int, str]]:
    """Per table and view of the connection's warehouse: its row count and a sha256 of its sorted rows
    (each row as DuckDB prints it), the instants in ``WHEN`` left out."""
    names = [
        row[0]
        for row in con.execute(
            """SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()
               UNION ALL SELECT view_name FROM duckdb_views()
               WHERE database_name = current_database() AND NOT internal ORDER BY 1"""
        ).fetchall()
    ]
    digests = {}
    for name in names:
        columns = [c[0] for c in con.execute(f"DESCRIBE {name}").fetchall() if c[0] not in WHEN.get(name, ())]
        digests[name] = con.execute(
            f"""SELECT count(*), sha256(coalesce(string_agg(r, chr(10) ORDER BY r), ''))
                FROM (SELECT CAST(ROW({", ".join(columns)}) AS VARCHAR) AS r FROM {name})"""
        ).fetchone()
    return digests


def digests_of(warehouse: Path | DuckLake) -> dict[str, tuple[int, str]]:
    con = (
        connect_read_only(warehouse)
        if isinstance(warehouse, DuckLake)
        else connect(warehouse, read_only=True)
    )
    try:
        return table_digests(con)
    finally:
        con.close()


def timed_crawl(settings: Settings, sources: list[str]) -> tuple[float, float, list]:
    started = time.monotonic()
    summaries = crawl(settings, sources)
    return started, time.monotonic(), summaries


@pytest.fixture(scope="module")
def two_machines(tmp_path_factory, s3_server):
    """The demo harvested twice: by two machines into one bucket at once, then by one machine onto its
    own disk; the bucket processed into a DuckLake (data files in the bucket), the disk into a file."""
    root = tmp_path_factory.mktemp("two-machines")
    bucket = s3_server.create_bucket("two-machines")
    archive = f"s3://{bucket}/archive"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in s3_server.environment().items():
            patch.setenv(name, value)
        with running_demo_server() as demo:
            registry = demo.write_registry(root / "sources.toml")

            def machine(name: str) -> Settings:
                return Settings(registry, root / name, root / name / "unused.duckdb", SINCE, archive=archive)

            with ThreadPoolExecutor(2) as pool:  # each crawl runs in a process of its own
                a = pool.submit(timed_crawl, machine("machine-a"), MACHINE_A)
                b = pool.submit(timed_crawl, machine("machine-b"), MACHINE_B)
                crawls = {"a": a.result(), "b": b.result()}
            single = Settings(registry, root / "single", root / "single" / "warehouse.duckdb", SINCE)
            crawls["single"] = timed_crawl(single, None)
        manifests = sorted(s3_server.objects(bucket, "archive/manifest/"))
        lake = DuckLake(root / "lake.sqlite", f"s3://{bucket}/lake/")
        processor = Settings(registry, root / "processor", lake, SINCE, archive=archive)
        lake_report = process(processor)
        file_report = process(single)
        yield {
            "crawls": crawls,
            "manifests": manifests,
            "lake": lake,
            "file": single.warehouse,
            "reports": (lake_report, file_report),
            "lake_digests": digests_of(lake),
            "file_digests": digests_of(single.warehouse),
        }


@pytest.mark.timeout(600)
def test_two_machines_harvest_different_sources_into_one_bucket_at_the_same_time(two_machines):
    (a_start, a_end, a_crawls), (b_start, b_end, b_crawls) = (
        two_machines["crawls"]["a"],
        two_machines["crawls"]["b"],
    )
    assert [(c.source_id, c.status) for c in a_crawls] == [(s, "finished") for s in MACHINE_A]
    assert [(c.source_id, c.status) for c in b_crawls] == [(s, "finished") for s in MACHINE_B]
    assert a_start < b_end and b_start < a_end  # at the same time
    assert all(c.items > 0 and c.failures == 0 for c in a_crawls + b_crawls)
    # one object per crawl run and source, named by the run (start, host, process, random part): each
    # machine's crawl process wrote the objects of its own sources and no other
    by_process: dict[str, set[str]] = {}
    for key in two_machines["manifests"]:
        _archive, _manifest, source_id, name = key.split("/")
        _started, _host, pid, _random = name.removesuffix(".jsonl").rsplit("-", 3)
        by_process.setdefault(pid, set()).add(source_id)
    assert sorted(map(sorted, by_process.values())) == sorted([sorted(MACHINE_A), sorted(MACHINE_B)])
    assert len(two_machines["manifests"]) == 5


@pytest.mark.timeout(600)
def test_one_process_builds_a_ducklake_whose_tables_hold_exactly_the_single_machine_runs_content(
    two_machines,
):
    lake_report, file_report = two_machines["reports"]
    lake, file = two_machines["lake_digests"], two_machines["file_digests"]
    assert (lake_report.handlings, lake_report.rejected_sources) == (file_report.handlings, ())
    assert lake_report.handlings > 60
    assert list(lake) == list(file)
    assert {"items", "documents", "matters", "matter_links", "search_postings", "matter_comparison"} <= set(
        lake
    )
    assert {name: digest for name, digest in lake.items()} == file
    assert lake["items"][0] == file_report.handlings


def blob_problems(objects: dict[str, bytes]) -> list[str]:
    """Objects under a content key whose bytes are not that content."""
    return [
        key
        for key, data in objects.items()
        if "/blobs/" in key and key.rsplit("/", 1)[1] != hashlib.sha256(data).hexdigest()
    ]


@pytest.mark.timeout(600)
def test_a_crawl_killed_mid_upload_leaves_no_partial_blob_under_a_content_key_and_its_rerun_converges(
    tmp_path, s3_env
):
    bucket = s3_env.create_bucket("killed-crawl")
    archive = f"s3://{bucket}/archive"
    # the first upload of a blob of 6 kB or more (one of Asikkala's meeting PDFs) crawls at 2 kB/s
    relay = ThrottledRelay(s3_env.port, watch=f"/{bucket}/archive/blobs/", min_length=6_000)
    with running_demo_server() as demo:
        registry = demo.write_registry(tmp_path / "sources.toml")
        settings = Settings(
            registry, tmp_path / "machine", tmp_path / "machine" / "warehouse.duckdb", SINCE, archive=archive
        )
        command = [
            sys.executable,
            "-m",
            "crawlers.run",
            "--sources",
            str(registry),
            "--data-dir",
            str(settings.data_dir),
            "--archive",
            archive,
            "--since",
            SINCE.isoformat(),
            "--source",
            "asikkala",
        ]
        crawler = subprocess.Popen(
            command,
            cwd=REPO,
            env={**os.environ, "AWS_ENDPOINT_URL": relay.endpoint},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            assert relay.upload_started.wait(timeout=120), "no large blob upload came"
            time.sleep(1.0)  # about 2 of its 6-7 kB passed on
            upload = relay.watched
            in_flight = (upload.forwarded, upload.length)
            os.killpg(crawler.pid, signal.SIGKILL)
        finally:
            crawler.wait(timeout=30)
            relay.close()
        assert 0 < in_flight[0] < in_flight[1], in_flight  # killed while the body was on its way
        key = upload.path.split("?")[0].removeprefix(f"/{bucket}/")
        after_kill = s3_env.objects(bucket)
        assert key not in after_kill
        assert blob_problems(after_kill) == []
        stored = Archive(archive)
        for row in stored.rows():  # what the killed run had checkpointed names only whole blobs
            if row.sha256 and row.status != 304:
                assert hashlib.sha256(stored.read_blob(row.sha256)).hexdigest() == row.sha256

        (rerun,) = crawl(settings, ["asikkala"])
        clean = Settings(registry, tmp_path / "clean", tmp_path / "clean" / "warehouse.duckdb", SINCE)
        (clean_crawl,) = crawl(clean, ["asikkala"])
    after_rerun = s3_env.objects(bucket)
    assert rerun.status == clean_crawl.status == "finished"
    assert key in after_rerun and blob_problems(after_rerun) == []
    process(settings)
    process(clean)
    assert digests_of(settings.warehouse) == digests_of(clean.warehouse)
    assert digests_of(clean.warehouse)["items"][0] == clean_crawl.items_listed
