"""``minutes ui`` is a service: SIGTERM (a service manager) or SIGINT (Ctrl-C) stops it and every process
it started (webserver, daemon, code servers) within 10 seconds."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie (an exited child nobody has reaped yet is gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


LOCATIONS = (
    "{ workspaceOrError { ... on Workspace { locationEntries "
    "{ name loadStatus locationOrLoadError { __typename } } } } }"
)


def locations(port: int) -> list[tuple[str, str, str]] | None:
    """The code locations the webserver has (name, load status, what loaded), or None while it does not
    answer yet."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": LOCATIONS}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            entries = json.load(response)["data"]["workspaceOrError"]["locationEntries"]
    except (OSError, KeyError, TypeError, ValueError):
        return None
    return [(e["name"], e["loadStatus"], (e["locationOrLoadError"] or {}).get("__typename")) for e in entries]


def wait_until_loaded(port: int, process: subprocess.Popen) -> list[tuple[str, str, str]]:
    deadline = time.monotonic() + 180
    while True:
        found = locations(port)
        if found and all(status == "LOADED" for _, status, _ in found):
            return found
        assert process.poll() is None, f"exited with {process.returncode} before its code location loaded"
        assert time.monotonic() < deadline, f"no code location loaded within 180 s: {found}"
        time.sleep(1)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_minutes_ui_stops_with_every_process_it_started_within_ten_seconds(tmp_path, signum):
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    # Started as a service manager would: in the background, with SIGINT ignored (as a non-interactive
    # shell starts a background job), which is what made dagster dev deaf to SIGTERM.
    ui = subprocess.Popen(
        [sys.executable, "-m", "minutes.cli", "ui", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        assert wait_until_loaded(port, ui) == [("minutes", "LOADED", "RepositoryLocation")]
        started = descendants(ui.pid)
        assert len(started) >= 3  # dagster dev, its webserver and its daemon, and their code servers
        if signum == signal.SIGINT:
            ui.send_signal(signal.SIGINT)  # what Ctrl-C sends: the handler is ours, not the ignored one
        else:
            ui.terminate()
        stopped = time.monotonic()
        assert ui.wait(timeout=10) == 0
        while any(alive(pid) for pid in started) and time.monotonic() - stopped < 10:
            time.sleep(0.2)
        assert [pid for pid in started if alive(pid)] == []
        assert time.monotonic() - stopped < 10
    finally:
        stop_whatever_is_left(ui)


def stop_whatever_is_left(ui: subprocess.Popen) -> None:
    """After a failed assertion: stop minutes ui and everything it started, so no failure leaves a
    webserver or daemon behind (SIGKILL to minutes ui alone would orphan them)."""
    if ui.poll() is not None:
        return
    left = descendants(ui.pid)
    ui.terminate()
    try:
        ui.wait(timeout=15)
    except subprocess.TimeoutExpired:
        ui.kill()
        ui.wait()
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.timeout(240)
def test_dagster_dev_from_the_repository_root_loads_the_definitions_with_no_arguments(tmp_path):
    from minutes.ui import stop_group

    port = free_port()
    (tmp_path / "dagster_home").mkdir()
    dev = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster")), "dev", "-p", str(port)],
        cwd=REPO,
        env={**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert wait_until_loaded(port, dev) == [("minutes", "LOADED", "RepositoryLocation")]
    finally:
        stop_group(dev)
