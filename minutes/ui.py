"""``minutes ui``: ``dagster dev`` (webserver, daemon, code servers) as one service that stops cleanly.

A service manager stops a service with SIGTERM (an interactive user with Ctrl-C, SIGINT) and expects
every process of it gone soon after. ``dagster dev`` maps SIGTERM to whatever SIGINT does, and SIGINT is
*ignored* in a process started in the background by a non-interactive shell or some service managers,
so it used to ignore SIGTERM too, and its webserver, daemon and code servers outlived it. Here
``dagster dev`` runs as a child in a process group of its own (with SIGINT at its default, since Python
handlers are reset on exec): on SIGTERM or SIGINT the whole group is asked to stop with SIGINT, and
whatever of it is still there after ``GRACE_SECONDS`` is killed. The code location comes from a workspace
file written into DAGSTER_HOME, so ``minutes ui`` works from any directory and names the location as
``dagster dev`` from the repository root does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

#: How long the Dagster services get to shut down by themselves before the rest of the group is killed.
GRACE_SECONDS = 5.0


class _Stop(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stop(signum: int, _frame) -> None:
    raise _Stop(signum)


#: The code location, named as ``dagster dev`` from the repository root names it (pyproject.toml's
#: [tool.dagster]), so both keep one set of schedule and sensor states in the instance.
WORKSPACE = """load_from:
  - python_module:
      module_name: pipelines.definitions
      location_name: minutes
"""


def dagster_dev_command(port: int, workspace: Path, host: str = "127.0.0.1") -> list[str]:
    """``dagster dev`` on this project's definitions, from any working directory."""
    dagster = Path(sys.executable).with_name("dagster")
    return [str(dagster), "dev", "-w", str(workspace), "-h", host, "-p", str(port)]


def run_ui(port: int, dagster_home: Path) -> int:
    """Run the Dagster UI until it exits or this process is told to stop; its exit status (0 on a stop
    by signal)."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    workspace = dagster_home / "workspace.yaml"
    workspace.write_text(WORKSPACE, encoding="utf-8")
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
    previous = {s: signal.signal(s, _raise_stop) for s in (signal.SIGTERM, signal.SIGINT)}
    child = None
    try:
        child = subprocess.Popen(dagster_dev_command(port, workspace), env=env, start_new_session=True)
        return child.wait()
    except _Stop:
        return 0
    finally:
        # No second signal may interrupt the shutdown itself.
        for signum in previous:
            signal.signal(signum, signal.SIG_IGN)
        if child is not None:
            stop_group(child)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def stop_group(child: subprocess.Popen, grace: float = GRACE_SECONDS) -> None:
    """SIGINT to the child's whole process group, then SIGKILL to whatever is left after ``grace``."""
    group = child.pid  # the leader of a new session: its pid is the group's id
    _signal_group(group, signal.SIGINT)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and _group_alive(group):
        if child.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=0.2)
        else:
            time.sleep(0.2)
    _signal_group(group, signal.SIGKILL)
    child.wait()


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # nobody left in the group
        os.killpg(group, signum)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
