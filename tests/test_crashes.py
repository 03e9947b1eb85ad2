"""Crash recovery: the pipeline killed (SIGKILL, no chance to clean up) at seeded random points during
crawl, processing and load. After every kill the archive and the warehouse are consistent, and a rerun
converges to the warehouse of a run that was never interrupted."""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from archive import Archive
from demo_sites.server import DemoServer, running_demo_server
from tests.test_faults import content_digest
from warehouse.connection import connect

pytestmark = pytest.mark.timeout(300)  # the crash loop lands on whichever test asks for it first

REPO = Path(__file__).resolve().parents[1]
SEED = 20261122
#: Two platforms' worth of the demo: enough pages for kills to land anywhere, few enough to stay quick.
SOURCES = ("asikkala", "hollola")

#: The load stage on its own: parse and link, say so, then load. Killing after the word lands the kill
#: inside the load (the other stages are hit by killing ``minutes process`` and ``minutes crawl``).
LOAD_SCRIPT = """
import sys
from core.config import resolve_settings
from processing.stages import link_stage, load_stage, parse_stage
from core.registry import load_registry

settings = resolve_settings(sources=sys.argv[1], data_dir=sys.argv[2])
sources = load_registry(settings.sources_file)
records = parse_stage(settings, sources)
links = link_stage(records, settings.processed_dir / "link_index")
print("LOADING", flush=True)
load_stage(settings, sources, records, links)
print("LOADED", flush=True)
"""


@dataclass
class CrashReport:
    kills: dict[str, int] = field(default_factory=lambda: {"crawl": 0, "process": 0, "load": 0})
    #: kills that found the stage still at work (the others came after it had finished)
    mid_stage: dict[str, int] = field(default_factory=lambda: {"crawl": 0, "process": 0, "load": 0})
    inconsistent: list[str] = field(default_factory=list)  # what a check found wrong after a kill
    reference: dict[str, str] = field(default_factory=dict)
    recovered: dict[str, str] = field(default_factory=dict)

    @property
    def converged(self) -> bool:
        return bool(self.reference) and self.recovered == self.reference


def _command(stage: str, registry: Path, data_dir: Path) -> list[str]:
    if stage == "load":
        return [sys.executable, "-c", LOAD_SCRIPT, str(registry), str(data_dir)]
    options = ["--sources", str(registry), "--data-dir", str(data_dir)]
    if stage == "crawl":
        chosen = [arg for source in SOURCES for arg in ("--source", source)]
        return [sys.executable, "-m", "minutes.cli", "crawl", *options, "--since", "2025-01-01", *chosen]
    return [sys.executable, "-m", "minutes.cli", "process", *options]


def _start(stage: str, registry: Path, data_dir: Path, env: dict[str, str]) -> subprocess.Popen:
    # A session of its own, so the kill takes the crawl's child process with it, as a machine crash would.
    return subprocess.Popen(
        _command(stage, registry, data_dir),
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )


def run_to_end(stage: str, registry: Path, data_dir: Path, env: dict[str, str]) -> float:
    """Run a stage uninterrupted; how long it took."""
    started = time.monotonic()
    process = _start(stage, registry, data_dir, env)
    out, _ = process.communicate(timeout=120)
    if process.returncode != 0:
        raise RuntimeError(f"{stage} failed ({process.returncode}): {out[-500:]}")
    return time.monotonic() - started


def time_load(registry: Path, data_dir: Path, env: dict[str, str]) -> float:
    """How long the load takes once parsing and linking are done."""
    process = _start("load", registry, data_dir, env)
    process.stdout.readline()
    started = time.monotonic()
    process.communicate(timeout=120)
    if process.returncode != 0:
        raise RuntimeError(f"load failed ({process.returncode})")
    return time.monotonic() - started


def kill_during(stage: str, registry: Path, data_dir: Path, env: dict[str, str], delay: float) -> bool:
    """Start a stage and SIGKILL its whole process group ``delay`` seconds in (for the load: after
    parsing and linking are done); whether the kill found it still at work."""
    process = _start(stage, registry, data_dir, env)
    if stage == "load":
        process.stdout.readline()  # "LOADING", or end of output if it died first
    time.sleep(delay)
    with contextlib.suppress(ProcessLookupError):  # it may have finished first
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()
    return process.returncode == -signal.SIGKILL


def inconsistencies(data_dir: Path, warehouse_must_exist: bool) -> list[str]:
    """What is wrong with the archive and the warehouse after a crash (nothing, if recovery works)."""
    found = []
    archive = Archive(data_dir / "archive")
    for row in archive.rows():
        if row.sha256 and row.status != 304:
            path = archive.blob_path(row.sha256)
            if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != row.sha256:
                found.append(f"manifest names a missing or torn blob: {row.url}")
    warehouse = data_dir / "warehouse.duckdb"
    if not warehouse.exists():
        return found + (["the warehouse is gone"] if warehouse_must_exist else [])
    con = connect(warehouse, read_only=True)
    try:
        items, distinct, in_matters = con.execute(
            "SELECT count(*), count(DISTINCT item_id), (SELECT coalesce(sum(n_items), 0) FROM matters) "
            "FROM items"
        ).fetchone()
    finally:
        con.close()
    if items != distinct:
        found.append(f"{items - distinct} duplicated items")
    if in_matters != items:
        found.append(f"matters count {in_matters} items, the items table has {items}")
    return found


def crash_loop(server: DemoServer, root: Path, seed: int = SEED, kills: tuple[int, int, int] = (7, 6, 7)):
    """An uninterrupted reference run, then ``kills`` SIGKILLs during crawl, process and load in one
    data directory (checked after each), then a clean rerun there; the report of it all."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    registry = server.write_registry(root / "sources.toml")
    report = CrashReport()
    reference = root / "reference"
    timings = {"crawl": run_to_end("crawl", registry, reference, env)}
    timings["process"] = run_to_end("process", registry, reference, env)
    report.reference = content_digest(reference / "warehouse.duckdb")
    timings["load"] = time_load(registry, reference, env)
    rng = random.Random(seed)
    crashed = root / "crashed"
    # Every crawl asks for every item again (conditionally), so a crawl over a fuller archive still takes
    # about as long as the first and a kill drawn within that time lands inside it.
    env = {**env, "MINUTES_REVALIDATE_HOURS": "0"}
    for stage, count in zip(("crawl", "process", "load"), kills, strict=True):
        if stage == "process":
            run_to_end("crawl", registry, crashed, env)  # the crawl finishes at last …
            run_to_end("process", registry, crashed, env)  # … and a warehouse exists to protect
        for _ in range(count):
            if kill_during(stage, registry, crashed, env, rng.uniform(0.05, 0.8 * timings[stage])):
                report.mid_stage[stage] += 1
            report.kills[stage] += 1
            problems = inconsistencies(crashed, warehouse_must_exist=stage != "crawl")
            report.inconsistent += [f"after a kill during {stage}: {p}" for p in problems]
    run_to_end("crawl", registry, crashed, env)  # the next day's run: everything is due
    run_to_end("process", registry, crashed, env)
    report.recovered = content_digest(crashed / "warehouse.duckdb")
    return report


@pytest.fixture(scope="module")
def crashes(tmp_path_factory) -> CrashReport:
    with running_demo_server() as server:
        return crash_loop(server, tmp_path_factory.mktemp("crashes"))


def test_the_pipeline_is_killed_at_least_twenty_times_across_crawl_process_and_load(crashes):
    assert crashes.kills == {"crawl": 7, "process": 6, "load": 7}
    # The delays are drawn within each stage's uninterrupted duration, but a busy machine makes a stage
    # take longer or shorter than it did then: how many kills land mid-stage varies, none would be a bug.
    assert all(crashes.mid_stage[stage] >= 1 for stage in crashes.kills), crashes.mid_stage


def test_after_every_kill_the_archive_and_the_warehouse_are_consistent(crashes):
    assert crashes.inconsistent == []


def test_after_the_kills_a_rerun_converges_to_the_uninterrupted_runs_warehouse(crashes):
    assert crashes.recovered == crashes.reference
    assert crashes.converged
