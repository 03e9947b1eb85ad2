"""Faults the demo server can be told to produce, per request path: what real municipal sites do on a
bad day. Each fault affects a given number of matching requests (``times``), then the path behaves
again. With ``every=N`` only every N-th matching request meets the fault, so a fault can hit a share of
the requests to a path rather than the first ones; with ``probability`` and ``seed`` a seeded random
share does.

The kinds, and what the server does for each (in ``demo_sites/server.py``):

- ``status``: answer with ``status`` (500, 502, 503, 429 with ``retry_after``, 404 for a page that
  vanished between listing and fetch) and an empty body;
- ``mixup``: serve the page of ``serve_instead`` (Dynasty's session bug);
- ``slow``: wait ``delay`` seconds, then answer normally (slower than a short download timeout);
- ``reset``: send the headers and part of the body, then reset the connection;
- ``truncate``: declare a Content-Length larger than the body sent, then close;
- ``charset``: re-encode the page as windows-1252 while the header still says UTF-8;
- ``malformed``: broken HTML (cut short, unclosed tags, stray bytes);
- ``corrupt_pdf``, ``encrypted_pdf``, ``doc_as_pdf``: a damaged PDF, a PDF with a user password, a Word
  file, each served as ``application/pdf``;
- ``redirect_loop``: a 302 to the same address; ``redirect_offsite``: a 302 to ``offsite_host``;
- ``oversize``: a body of ``size`` bytes (larger than the crawler's size limit);
- ``gzip_bomb``: ``Content-Encoding: gzip``, a small body that inflates to ``size`` bytes;
- ``script``: the page with a ``<script>`` element (``SCRIPT``) injected at the top of its body.
"""

from __future__ import annotations

import gzip
import io
import random
import threading
from dataclasses import dataclass, field

KINDS = (
    "status",
    "mixup",
    "slow",
    "reset",
    "truncate",
    "charset",
    "malformed",
    "corrupt_pdf",
    "encrypted_pdf",
    "doc_as_pdf",
    "redirect_loop",
    "redirect_offsite",
    "oversize",
    "gzip_bomb",
    "script",
)


@dataclass
class Fault:
    kind: str
    times: int = 1
    status: int = 503
    retry_after: str | None = None
    serve_instead: str | None = None  # for "mixup": the path and query whose page is served instead
    delay: float = 0.0  # for "slow": seconds before answering
    size: int = 0  # for "oversize" and "gzip_bomb": bytes sent, or bytes after inflating
    offsite_host: str = "127.0.0.2"  # for "redirect_offsite": the other host (same port)
    every: int = 1  # only every N-th matching request meets the fault
    probability: float = 1.0  # else a seeded random share of matching requests
    seed: int = 0
    matched: int = 0  # matching requests seen so far
    _random: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(KINDS)}")
        self._random.seed(self.seed)

    def applies(self) -> bool:
        """Whether this matching request meets the fault (it counts against ``times`` if so)."""
        self.matched += 1
        if self.times <= 0 or self.matched % self.every:
            return False
        if self.probability < 1.0 and self._random.random() >= self.probability:
            return False
        self.times -= 1
        return True


class FaultPlan:
    def __init__(self) -> None:
        self._rules: list[tuple[str, Fault]] = []
        self._lock = threading.Lock()

    def add(self, path_contains: str, fault: Fault) -> None:
        with self._lock:
            self._rules.append((path_contains, fault))

    def clear(self) -> None:
        """The faults stop: every path behaves again."""
        with self._lock:
            self._rules.clear()

    def take(self, path: str) -> Fault | None:
        """The fault this request meets, if any; each use counts against the fault's ``times``."""
        with self._lock:
            for pattern, fault in self._rules:
                if pattern in path and fault.times > 0 and fault.applies():
                    return fault
        return None


#: The kinds that answer 200 with a damaged body (or a connection broken part-way through it).
BODY_FAULTS = frozenset(
    {
        "reset",
        "truncate",
        "charset",
        "malformed",
        "corrupt_pdf",
        "encrypted_pdf",
        "doc_as_pdf",
        "oversize",
        "gzip_bomb",
        "script",
    }
)
#: What the "script" fault injects: a page's script must stay data, never code run nor text parsed.
SCRIPT = b'<script>document.title = "HIJACKED-BY-SCRIPT"; fetch("/steal?c=" + document.cookie);</script>'

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def faulty_body(fault: Fault, body: bytes, content_type: str) -> tuple[bytes, str, str | None]:
    """The body, Content-Type and Content-Encoding a page is served with under ``fault``."""
    if fault.kind == "charset":
        text = body.decode("utf-8", errors="replace")
        return text.encode("cp1252", errors="replace"), "text/html; charset=utf-8", None
    if fault.kind == "malformed":
        return _malformed(body), content_type, None
    if fault.kind == "corrupt_pdf":
        return (
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R" + bytes(range(256)),
            ("application/pdf"),
            None,
        )
    if fault.kind == "encrypted_pdf":
        return encrypted_pdf(), "application/pdf", None
    if fault.kind == "doc_as_pdf":
        return OLE2_MAGIC + b"\x00" * 504 + "Pöytäkirja".encode("utf-16-le"), "application/pdf", None
    if fault.kind == "oversize":
        return b"<html><body>" + b"x" * fault.size + b"</body></html>", content_type, None
    if fault.kind == "gzip_bomb":
        return _gzip_zeros(fault.size), content_type, "gzip"
    if fault.kind == "script":
        return body.replace(b"<body>", b"<body>" + SCRIPT, 1), content_type, None
    return body, content_type, None  # reset, truncate: the page itself, cut short in transit


def _malformed(body: bytes) -> bytes:
    """Cut in the middle of a tag, with unclosed elements, a NUL and stray bytes: what a failing
    template or a proxy error page in the middle of a document looks like."""
    cut = body[: len(body) // 3]
    return cut + b'<div><table><tr><td \x00 class="<<<</td></scr' + b"<p><p><p>"


def _gzip_zeros(size: int) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as handle:
        chunk = b"\0" * (1 << 20)
        for _ in range(size // len(chunk) + 1):
            handle.write(chunk)
    return buffer.getvalue()


def encrypted_pdf() -> bytes:
    """A one-page PDF that opens only with a user password: published by mistake as it was saved."""
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, encrypt=StandardEncryption("salainen", ownerPassword="omistaja"))
    canvas.drawString(72, 720, "Pöytäkirja 1/2026")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


#: The limits a crawl is given while the demo server has a bad day (``MINUTES_DOWNLOAD_TIMEOUT`` and
#: ``MINUTES_DOWNLOAD_MAXSIZE``): short enough that "slow", "oversize" and "gzip_bomb" cross them.
BAD_DAY_LIMITS = {"MINUTES_DOWNLOAD_TIMEOUT": "2", "MINUTES_DOWNLOAD_MAXSIZE": str(2 * 1024 * 1024)}
_ASIKKALA = "/asikkala/cgi/DREQUEST.PHP?page=meetingitem&id="


def bad_day() -> list[tuple[str, str, Fault]]:
    """Every kind of fault at once, each on an item of its own: (name, path it affects, fault). The
    transient ones (error statuses, slowness, broken connections) hit once and a retry gets the page;
    the others answer every request until the faults stop."""
    heinola = "/heinola/dynasty2025/cgi/DREQUEST.PHP?id={}&page=meetingitem"
    tweb = "/phhyky/ktwebscr/fileshow?doctype=3&docid={}"
    return [
        ("http_500", _ASIKKALA + "2026026-3", Fault("status", status=500)),
        ("http_502", _ASIKKALA + "2026026-2", Fault("status", status=502)),
        ("http_503", _ASIKKALA + "2026026-1", Fault("status", status=503, retry_after="1")),
        ("http_429", _ASIKKALA + "2025031-3", Fault("status", status=429, retry_after="1")),
        ("slow", _ASIKKALA + "2026022-3", Fault("slow", delay=3.0)),
        ("reset", _ASIKKALA + "2026034-4", Fault("reset")),
        ("truncate", _ASIKKALA + "2026079-3", Fault("truncate")),
        ("mixup", _ASIKKALA + "2026041-3", Fault("mixup", serve_instead=_ASIKKALA + "2026034-3")),
        ("charset", _ASIKKALA + "2026041-2", Fault("charset", times=10)),
        ("malformed", _ASIKKALA + "2026041-1", Fault("malformed", times=10)),
        ("vanished", heinola.format("2026091-4"), Fault("status", status=404, times=10)),
        ("redirect_loop", heinola.format("2026091-3"), Fault("redirect_loop", times=100)),
        ("redirect_offsite", heinola.format("2026091-2"), Fault("redirect_offsite", times=10)),
        ("oversize", heinola.format("2026091-1"), Fault("oversize", size=3 * 1024 * 1024, times=10)),
        ("gzip_bomb", heinola.format("2026047-4"), Fault("gzip_bomb", size=32 * 1024 * 1024, times=10)),
        ("corrupt_pdf", tweb.format("418602"), Fault("corrupt_pdf", times=10)),
        ("encrypted_pdf", tweb.format("423104"), Fault("encrypted_pdf", times=10)),
        ("doc_as_pdf", tweb.format("396204"), Fault("doc_as_pdf", times=10)),
    ]


#: robots.txt on a bad day: the site also disallows part of Hollola's item pages, the addresses its
#: search links (the four items of the board's meeting of 20.4.2026 are reached by no other).
BAD_DAY_DISALLOWED = "/hollola/fi-FI/content/"
