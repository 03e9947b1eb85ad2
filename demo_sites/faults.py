"""Faults the demo server can be told to produce, per request path: what real municipal sites do on a
bad day. Each fault affects a given number of matching requests, then the path behaves again."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    kind: str  # "status": answer with an error status; "mixup": serve another page (Dynasty's session bug)
    times: int = 1
    status: int = 503
    retry_after: str | None = None
    serve_instead: str | None = None  # for "mixup": the path and query whose page is served instead


class FaultPlan:
    def __init__(self) -> None:
        self._rules: list[tuple[str, Fault]] = []
        self._lock = threading.Lock()

    def add(self, path_contains: str, fault: Fault) -> None:
        with self._lock:
            self._rules.append((path_contains, fault))

    def take(self, path: str) -> Fault | None:
        """The fault this request meets, if any; each use counts against the fault's ``times``."""
        with self._lock:
            for pattern, fault in self._rules:
                if pattern in path and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None
