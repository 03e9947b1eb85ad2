"""A real S3 API on 127.0.0.1: moto's standalone server in a process of its own, for the tests and the
bench. Nothing here stands in for S3's behaviour: the archive and DuckDB talk HTTP to it as to any
S3-compatible store (signed requests, conditional PUTs, path-style URLs)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

#: Any key pair works with moto; real ones are never needed (or read) by the tests.
ACCESS_KEY, SECRET_KEY, REGION = "testing-key", "testing-secret", "eu-north-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    process: subprocess.Popen

    @property
    def port(self) -> int:
        return int(self.endpoint.rsplit(":", 1)[1])

    def environment(self) -> dict[str, str]:
        """The AWS variables a client on this machine needs to reach the server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": REGION,
        }

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def create_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        return name

    def objects(self, bucket: str, prefix: str = "") -> dict[str, bytes]:
        """Every object under ``prefix``, key → bytes."""
        client = self.client()
        found = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                found[entry["Key"]] = client.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
        return found


@contextmanager
def running_s3_server(timeout: float = 30.0) -> Iterator[S3Server]:
    """Start moto's server on a free port of 127.0.0.1, wait until it answers, stop it afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto's S3 server did not start on {endpoint}") from None
                time.sleep(0.1)
        yield S3Server(endpoint, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """One server for the whole run; each test module keeps to buckets of its own."""
    with running_s3_server() as server:
        yield server


@pytest.fixture
def s3_env(s3_server: S3Server, monkeypatch) -> S3Server:
    """The server, with the AWS variables set for this process and the crawl processes it starts."""
    for name, value in s3_server.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    return s3_server


@dataclass
class Upload:
    """One request the relay saw going to the store: its method, path, size and how much of its body
    had been passed on."""

    method: str
    path: str
    length: int
    forwarded: int = 0


class ThrottledRelay:
    """A TCP relay on 127.0.0.1 in front of the S3 server that reads the HTTP framing of the requests
    as they pass, so that a test can kill a client while a given upload is half-way through: the first
    PUT whose path contains ``watch`` and whose body is at least ``min_length`` bytes sets
    ``upload_started`` and has its body passed on at ``bytes_per_second``. Everything else passes at
    full speed."""

    def __init__(self, target_port: int, watch: str, min_length: int, bytes_per_second: int = 2_000):
        self.target_port, self.watch, self.min_length = target_port, watch, min_length
        self.rate = bytes_per_second
        self.uploads: list[Upload] = []
        self.upload_started = threading.Event()
        self.watched: Upload | None = None
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.closed = True
        self.listener.close()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._requests, args=(client, server), daemon=True).start()
            threading.Thread(target=self._answers, args=(server, client), daemon=True).start()

    def _answers(self, server: socket.socket, client: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := server.recv(65536):
                client.sendall(data)
        with contextlib.suppress(OSError):
            client.shutdown(socket.SHUT_WR)

    def _requests(self, client: socket.socket, server: socket.socket) -> None:
        """Pass requests on slowly, one HTTP/1.1 request (head, then ``Content-Length`` body) at a time."""
        buffer = b""
        with contextlib.suppress(OSError):
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = client.recv(65536)
                    if not data:
                        server.shutdown(socket.SHUT_WR)
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                upload = self._upload(head)
                server.sendall(head + b"\r\n\r\n")
                remaining = upload.length
                while remaining:
                    if not buffer:
                        buffer = client.recv(65536)
                        if not buffer:
                            return
                    piece, buffer = buffer[: min(remaining, 1024)], buffer[min(remaining, 1024) :]
                    server.sendall(piece)
                    upload.forwarded += len(piece)
                    if upload is self.watched:
                        time.sleep(len(piece) / self.rate)
                    remaining -= len(piece)

    def _upload(self, head: bytes) -> Upload:
        request_line, *headers = head.decode("latin-1").split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        length = next(
            (int(h.split(":", 1)[1]) for h in headers if h.lower().startswith("content-length:")), 0
        )
        upload = Upload(method, path, length)
        self.uploads.append(upload)
        if method == "PUT" and self.watch in path and length >= self.min_length and self.watched is None:
            self.watched = upload
            self.upload_started.set()
        return upload
