"""The raw archive on object storage (S3 or any S3-compatible store), through obstore.

Layout under ``s3://bucket/prefix``: ``blobs/ab/abcd…`` as locally; ``manifest/<source_id>/<run>.jsonl``,
one object per crawl run and source; ``unreadable/<source_id>.json``.

* **Blobs** are written only if absent (a conditional PUT, ``If-None-Match: *``) and in one request,
  never as a multipart upload: S3 makes an object visible only once its whole body has arrived, so a
  crawl killed mid-upload leaves nothing under the key, and two machines storing the same bytes at
  once both succeed with one object.
* **Manifests**: an object cannot be appended to, so each crawl run writes its own object per source
  and nobody else ever writes it. Two machines crawling different sources therefore never write the
  same object, and readers take the union of a source's objects in the order of their names, which
  begin with the run's start time (UTC). Two runs of one source at once would interleave in time but
  read back one after the other; the orchestration's per-source limit refuses them (``docs/scaling.md``).
* A run's object is uploaded again whole, from memory, at checkpoints: every couple of seconds while
  rows wait, but never faster than its size allows at ``CHECKPOINT_BYTES_PER_SECOND`` (a long backfill's
  growing object costs a bounded upload rate), and at ``close``. A killed crawl loses the rows since its
  last checkpoint; their blobs are stored, and the next crawl, not knowing those documents, fetches them
  again and converges.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import secrets
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

import obstore
from obstore.exceptions import AlreadyExistsError, NotFoundError
from obstore.store import S3Store

from archive import Archive
from core.object_storage import S3Access, S3Location

#: What obstore raises for a missing object: Python's own FileNotFoundError (its NotFoundError too).
MISSING = (FileNotFoundError, NotFoundError)
#: Seconds between checkpoints of a run's manifest objects while rows wait (at the least).
CHECKPOINT_SECONDS = 2.0
#: A checkpoint re-uploads the whole object: wait at least size / this many seconds between two.
CHECKPOINT_BYTES_PER_SECOND = 200_000
#: Blob reads in flight at once while processing reads the archive (``read_blobs``).
READ_AHEAD = 32
#: How often the checkpoint thread looks whether one is due.
CHECKPOINT_TICK = 0.25


def s3_store(location: S3Location, access: S3Access) -> S3Store:
    """An obstore client for ``location``, with what the environment says of endpoint and keys."""
    config: dict[str, str] = {"region": access.region}
    if access.endpoint:
        config["endpoint"] = access.endpoint
    for key in ("access_key_id", "secret_access_key", "session_token"):
        if value := getattr(access, key):
            config[key] = value
    return S3Store(
        location.bucket,
        prefix=location.prefix or None,
        config=config,
        client_options={"allow_http": access.uses_http},
    )


def new_run_id(now: datetime | None = None) -> str:
    """A crawl run's name: its start in UTC (so that names sort in time order), the machine and process
    it ran in, and a random part (every container's first process is pid 1)."""
    started = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S.%fZ")
    host = re.sub(r"[^A-Za-z0-9.-]+", "-", socket.gethostname())[:40] or "host"
    return f"{started}-{host}-{os.getpid()}-{secrets.token_hex(3)}"


class S3Archive(Archive):
    def __init__(self, location: str, access: S3Access | None = None, run_id: str | None = None):
        self.location = S3Location.parse(location)
        self.store = s3_store(self.location, access or S3Access.from_environment())
        self.run_id = run_id or new_run_id()
        self._present: set[str] = set()  # blobs known to be stored: not sent again by this process
        self._runs: dict[str, bytearray] = {}  # this run's manifest lines, per source
        self._dirty: set[str] = set()  # sources whose lines are not all uploaded yet
        self._lock = threading.Lock()  # guards _runs and _dirty
        self._upload_lock = threading.Lock()  # one upload of this run's objects at a time, in order
        self._last_checkpoint = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    def __repr__(self) -> str:
        return f"Archive({self.location.url()!r})"

    def blob_key(self, digest: str) -> str:
        return f"blobs/{digest[:2]}/{digest}"

    def manifest_key(self, source_id: str, run_id: str | None = None) -> str:
        return f"manifest/{source_id}/{run_id or self.run_id}.jsonl"

    def close(self) -> None:
        """Stop checkpointing and upload what this run still holds; raises if the store refused it."""
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
        self._checkpoint()
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    # -- storage --------------------------------------------------------------------------------------
    def read_blob(self, digest: str) -> bytes:
        try:
            return bytes(obstore.get(self.store, self.blob_key(digest)).bytes())
        except MISSING as exc:
            raise FileNotFoundError(f"no blob {digest} in {self.location.url()}") from exc

    def source_ids(self) -> list[str]:
        listed = obstore.list_with_delimiter(self.store, "manifest/")["common_prefixes"]
        with self._lock:
            pending = set(self._runs)
        return sorted({prefix.rstrip("/").rsplit("/", 1)[-1] for prefix in listed} | pending)

    def read_blobs(self, digests: Iterable[str]) -> Iterator[bytes]:
        """In order, with up to ``READ_AHEAD`` requests in flight: one GET is a round trip (tens of
        milliseconds), so reading a million item pages one at a time would take hours."""
        with ThreadPoolExecutor(READ_AHEAD) as pool:
            pending: deque[Future[bytes]] = deque()
            for digest in digests:
                pending.append(pool.submit(self.read_blob, digest))
                if len(pending) >= READ_AHEAD:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    def _put_blob_if_absent(self, digest: str, body: bytes) -> None:
        if digest in self._present:
            return
        with contextlib.suppress(AlreadyExistsError):  # the same bytes, from an earlier run or machine
            obstore.put(self.store, self.blob_key(digest), body, mode="create", use_multipart=False)
        self._present.add(digest)

    def _append_line(self, source_id: str, line: bytes) -> None:
        with self._lock:
            self._runs.setdefault(source_id, bytearray()).extend(line)
            self._dirty.add(source_id)
        if self._thread is None:
            self._start_checkpoints()

    def _manifest_objects(self, source_id: str) -> Iterator[tuple[str, list[bytes]]]:
        """Every run's object of this source in name (= start time) order; this run's own rows from
        memory, which holds all of them, where the store may hold only a checkpoint."""
        own = self.manifest_key(source_id)
        keys = {
            meta["path"]
            for batch in obstore.list(self.store, f"manifest/{source_id}/")
            for meta in batch
            if meta["path"].endswith(".jsonl")
        }
        with self._lock:
            mine = bytes(self._runs[source_id]) if source_id in self._runs else None
        if mine is not None:
            keys.add(own)
        for key in sorted(keys):
            if key == own and mine is not None:
                data = mine
            else:
                try:
                    data = bytes(obstore.get(self.store, key).bytes())
                except MISSING:
                    continue  # listed, then gone: nothing of ours removes manifests, but a person may
            yield self.location.url(key), data.splitlines(keepends=True)

    def _replace_unreadable(self, source_id: str, text: str) -> None:
        obstore.put(self.store, f"unreadable/{source_id}.json", text.encode(), use_multipart=False)

    def _read_unreadable(self, source_id: str) -> str | None:
        try:
            return bytes(obstore.get(self.store, f"unreadable/{source_id}.json").bytes()).decode("utf-8")
        except MISSING:
            return None

    # -- checkpoints ----------------------------------------------------------------------------------
    def _start_checkpoints(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._checkpoint_loop, name="checkpoints", daemon=True)
        self._thread.start()
        atexit.register(self._close_at_exit)

    def _checkpoint_loop(self) -> None:
        while not self._stop.wait(CHECKPOINT_TICK):
            if self._checkpoint_due():
                try:
                    self._checkpoint()
                except Exception as exc:  # the store is away: keep the rows, try again, report at close
                    self._failure = exc

    def _checkpoint_due(self) -> bool:
        with self._lock:
            if not self._dirty:
                return False
            largest = max(len(self._runs[source_id]) for source_id in self._dirty)
        wait = max(CHECKPOINT_SECONDS, largest / CHECKPOINT_BYTES_PER_SECOND)
        return time.monotonic() - self._last_checkpoint >= wait

    def _checkpoint(self) -> None:
        """Upload every object of this run that has rows the store does not hold yet."""
        with self._upload_lock:
            with self._lock:
                todo = {source_id: bytes(self._runs[source_id]) for source_id in sorted(self._dirty)}
                self._dirty.clear()
            try:
                for source_id, data in list(todo.items()):
                    obstore.put(self.store, self.manifest_key(source_id), data, use_multipart=False)
                    del todo[source_id]
            finally:
                with self._lock:
                    self._dirty |= set(todo)  # what did not go up goes up next time
                self._last_checkpoint = time.monotonic()
            self._failure = None

    def _close_at_exit(self) -> None:
        try:
            self.close()
        except Exception as exc:
            print(f"archive {self.location.url()}: manifest rows not uploaded: {exc}", file=sys.stderr)
