"""The demo server: the bundled demo sites over real HTTP on 127.0.0.1.

One server holds every demo site, each under its own path prefix, the way real Dynasty sites sit under
``/cgi/`` or ``/dynasty2025/cgi/``. It answers conditional requests (ETag, If-Modified-Since) like a
well-behaved web server, keeps a log of the requests it served (tests count them), and can publish the
minutes of a meeting that was first published as an agenda (``publish_minutes``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from demo_sites import casem, dynasty, opennc, pdf, tweb
from demo_sites.content import DemoSite, load_sites
from demo_sites.faults import BODY_FAULTS, Fault, FaultPlan, faulty_body


@dataclass(frozen=True)
class DemoSource:
    """How a demo site appears in a sources registry."""

    id: str
    name: str
    kind: str
    platform: str
    path_prefix: str


DEMO_SOURCES = (
    DemoSource("asikkala", "Asikkala", "municipality", "dynasty", "asikkala"),
    # Heinola's real site moved to a year-named folder in 2025; the demo keeps such a prefix.
    DemoSource("heinola", "Heinola", "municipality", "dynasty", "heinola/dynasty2025"),
    DemoSource("hollola", "Hollola", "municipality", "casem", "hollola"),
    DemoSource("padasjoki", "Padasjoki", "municipality", "casem", "padasjoki"),
    DemoSource(
        "paijat-hameen-hyvinvointialue", "Päijät-Hämeen hyvinvointialue", "wellbeing_county", "tweb", "phhyky"
    ),
)

#: TWeb documents that are Word files although the meeting page links them like every PDF.
WORD_DOCUMENTS = {("paijat-hameen-hyvinvointialue", "4186", 3)}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

ROBOTS_TXT = """User-agent: *
Disallow: /*/cgi/DREQUEST.PHP?page=haku
"""

# Pages change only when the demo's state changes; these are their Last-Modified instants.
AGENDA_PUBLISHED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
MINUTES_PUBLISHED = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Served:
    method: str
    path: str
    status: int
    at: float  # time.monotonic() when answered


class DemoState:
    def __init__(self, sites: dict[str, DemoSite]):
        self.sites = sites
        self.minutes_published = False
        self.requests: list[Served] = []
        self.user_agents: set[str] = set()
        self.robots_txt = ROBOTS_TXT
        # Dynasty listings and meeting headings show their meetings' dates; a test can take them away.
        self.listing_dates = True
        self.heading_dates = True
        self.faults = FaultPlan()
        self.lock = threading.Lock()

    def log(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.requests.append(Served(method, path, status, time.monotonic()))


def _dynasty_response(site: DemoSite, state: DemoState, query: dict[str, str], rss_base: str):
    page, ident = query.get("page", ""), query.get("id", "")
    published = state.minutes_published
    if page == "meeting_handlers":
        return dynasty.meeting_handlers_page(site, published, rss_base)
    if page == "meetings" and any(b.id == ident for b in site.bodies):
        return dynasty.meetings_page(site, ident, published, rss_base, dated=state.listing_dates)
    if page == "meeting" and (meeting := site.meeting(ident)):
        return dynasty.meeting_page(site, meeting, published, rss_base, dated=state.heading_dates)
    if page == "meetingitem" and (found := _find_item(site, ident)):
        meeting, item = found
        return dynasty.item_page(site, meeting, item, published, rss_base)
    return None


def _dynasty_feed(site: DemoSite, state: DemoState, query: dict[str, str], rss_base: str) -> bytes | None:
    show = int(query["show"]) if query.get("show", "").isdigit() else 30
    if query.get("page") == "rss/meetings":
        return dynasty.rss_meetings(site, state.minutes_published, rss_base, show)
    if query.get("page") == "rss/meetingitems":
        return dynasty.rss_meeting_items(site, state.minutes_published, rss_base, show)
    return None


def _find_item(site: DemoSite, ident: str):
    meeting_id, _, position = ident.partition("-")
    meeting = site.meeting(meeting_id)
    if meeting is None or not position.isdigit():
        return None
    item = next((i for i in meeting.items if i.position == int(position)), None)
    return (meeting, item) if item else None


def _casem_response(site: DemoSite, state: DemoState, rest: str, query: dict[str, str], base: str):
    """A CaseM page: the bodies, a body, a meeting, an item (either address), or the search GET form
    ``haku?n=23&d=1&s=<word>&o=Rank&page=<n>``."""
    published = state.minutes_published
    if rest == "Toimielimet":
        return casem.bodies_page(site, base)
    body = next((b for b in site.bodies if rest == f"Toimielimet/{casem.body_slug(b.name)}"), None)
    if body is not None:
        return casem.body_page(site, body.id, base)
    if rest.lower() == "haku":
        page = query.get("page", "1")
        if query.get("s", "").strip() and page.isdigit() and int(page) >= 1:
            return casem.search_page(site, query["s"], int(page), base, published)
        return None
    if meeting := casem.find_meeting(site, rest):
        return casem.meeting_page(site, meeting, base)
    found = casem.find_item(site, rest)
    if found:
        return casem.item_page(site, *found, published, base)
    return None


def _open_api_response(site: DemoSite, state: DemoState, rest: str, query: dict[str, str], metadata: str):
    """The open API of a CaseM demo site that has one (``casem.OPEN_API``); None is a 404."""
    if site.source_id not in casem.OPEN_API:
        return None
    return opennc.api_answer(site, rest, query, state.minutes_published, metadata)


def _tweb_response(
    site: DemoSite, state: DemoState, page: str, raw_query: str, form: dict[str, str], base: str
) -> tuple[bytes, str] | None:
    published = state.minutes_published
    html = "text/html; charset=windows-1252"
    # Parsed by hand: "?+bid=4231" (older links) carries a literal plus, not an encoded space.
    query = dict(part.partition("=")[::2] for part in raw_query.split("&"))
    if page in ("pk_tek_tweb.htm", "epj_tek_tweb.htm"):
        return tweb.search_form(site, agendas=page.startswith("epj")), html
    if page in ("pk_kokl_tweb.htm", "epj_kokl_tweb.htm") and form:
        return tweb.meeting_list(site, form, page.startswith("epj"), published), html
    if page in ("pk_asil_tweb.htm", "epj_asil_tweb.htm"):
        meeting = site.meeting(query.get("bid") or query.get("+bid") or "")
        if meeting is not None:
            return tweb.meeting_page(site, meeting, published), html
        return None
    if page == "pk_rssfeed.htm":
        feed = tweb.feed(site, unquote(query.get("toimielin", "")), published, base)
        return (feed, "application/rss+xml; charset=windows-1252") if feed is not None else None
    if page == "fileshow":
        found = tweb.find_document(site, int(query["docid"])) if query.get("docid", "").isdigit() else None
        if found is None:
            return None
        meeting, item, title = found
        if item is None:
            return pdf.attachment_pdf(title), "application/pdf"
        if (site.source_id, meeting.id, item.position) in WORD_DOCUMENTS:
            return OLE2_MAGIC + b"\x00" * 504 + item.title.encode("utf-16-le"), "application/pdf"
        return pdf.item_pdf(site, meeting, item, meeting.document_type(published)), "application/pdf"
    return None


PDF_NAME = re.compile(r"^(?P<meeting>\d+)(?:-(?P<position>\d+))?(?:-(?P<attachment>\d+))?\.PDF$")


def _pdf_response(site: DemoSite, state: DemoState, name: str) -> bytes | None:
    match = PDF_NAME.match(name)
    if not match:
        return None
    meeting = site.meeting(match["meeting"])
    if meeting is None:
        return None
    doc = meeting.document_type(state.minutes_published)
    if match["position"] is None:
        return pdf.meeting_pdf(site, meeting, doc)
    found = _find_item(site, f"{meeting.id}-{match['position']}")
    if not found:
        return None
    item = found[1]
    if match["attachment"] is None:
        return pdf.item_pdf(site, meeting, item, doc)
    index = int(match["attachment"]) - 1
    return pdf.attachment_pdf(item.attachments[index]) if 0 <= index < len(item.attachments) else None


def _make_handler(state: DemoState, sources: dict[str, DemoSource]):
    class Handler(BaseHTTPRequestHandler):
        server_version = "DemoDynasty/1.0"

        def log_message(self, format, *args):  # the request log is kept in state, not on stderr
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode("latin-1")).items()}
            self.do_GET(form=form, method="POST")

        def do_GET(self, form: dict[str, str] | None = None, method: str = "GET"):
            fault = state.faults.take(self.path)
            if fault is not None and self._answer_without_body(fault, method):
                return
            path = fault.serve_instead if fault is not None and fault.kind == "mixup" else self.path
            status, body, content_type = self._route(path, form or {})
            last_modified = MINUTES_PUBLISHED if state.minutes_published else AGENDA_PUBLISHED
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            if fault is not None and fault.kind in BODY_FAULTS and status == 200:
                body, content_type, encoding = faulty_body(fault, body, content_type)
                self._send_faulty(fault, method, body, content_type, encoding)
                return
            if (status == 200 and self.headers.get("If-None-Match") == etag) or (
                status == 200
                and self.headers.get("If-Modified-Since") == format_datetime(last_modified, usegmt=True)
                and not self.headers.get("If-None-Match")
            ):
                status, body = 304, b""
            state.log(method, self.path, status)
            state.user_agents.add(self.headers.get("User-Agent", ""))
            self.send_response(status)
            if status in (200, 304):
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", format_datetime(last_modified, usegmt=True))
            if status != 304:
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def _answer_without_body(self, fault: Fault, method: str) -> bool:
            """Faults answered before the page is built: an error status, a redirect, a wait (after
            which the page is answered as usual, so this returns False)."""
            if fault.kind == "slow":
                time.sleep(fault.delay)
                return False
            if fault.kind == "status":
                state.log(method, self.path, fault.status)
                self.send_response(fault.status)
                if fault.retry_after:
                    self.send_header("Retry-After", fault.retry_after)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return True
            if fault.kind in ("redirect_loop", "redirect_offsite"):
                state.log(method, self.path, 302)
                self.send_response(302)
                if fault.kind == "redirect_loop":
                    location = self.path
                else:
                    location = f"http://{fault.offsite_host}:{self.server.server_address[1]}{self.path}"
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return True
            return False

        def _send_faulty(
            self, fault: Fault, method: str, body: bytes, content_type: str, encoding: str | None
        ) -> None:
            """A 200 whose body is damaged, or whose connection breaks part-way through the body."""
            state.log(method, self.path, 200)
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            if encoding:
                self.send_header("Content-Encoding", encoding)
            declared = len(body) + 4096 if fault.kind == "truncate" else len(body)
            self.send_header("Content-Length", str(declared))
            self.end_headers()
            if fault.kind in ("reset", "truncate"):
                self.wfile.write(body[: len(body) // 2] if fault.kind == "reset" else body)
                self.wfile.flush()
                self.close_connection = True
                if fault.kind == "reset":
                    # SO_LINGER 0: closing sends a TCP reset instead of an orderly end of stream.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                return
            self.wfile.write(body)

        def _route(self, path: str, form: dict[str, str]) -> tuple[int, bytes, str]:
            parts = urlsplit(path)
            if parts.path == "/robots.txt":
                return 200, state.robots_txt.encode(), "text/plain; charset=utf-8"
            for source in sources.values():
                prefix = f"/{source.path_prefix}/"
                if not parts.path.startswith(prefix):
                    continue
                site = state.sites[source.id]
                rest = unquote(parts.path[len(prefix) :])
                query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                if source.platform == "casem" and rest.startswith("fi-FI/"):
                    html = _casem_response(site, state, rest[len("fi-FI/") :], query, f"{prefix}fi-FI")
                    if html is not None:
                        return 200, html.encode("utf-8"), "text/html; charset=utf-8"
                elif source.platform == "casem" and rest.startswith("api/opennc/v1/"):
                    host = f"http://{self.headers.get('Host', '127.0.0.1')}{prefix}api/opennc/v1/"
                    answer = _open_api_response(site, state, rest[len("api/opennc/v1/") :], query, host)
                    if answer is not None:
                        return 200, answer, opennc.CONTENT_TYPE
                elif rest == "cgi/DREQUEST.PHP":
                    rss_base = f"http://{self.headers.get('Host', '127.0.0.1')}{prefix}cgi/DREQUEST.PHP"
                    feed = _dynasty_feed(site, state, query, rss_base)
                    if feed is not None:
                        return 200, feed, "application/rss+xml; charset=ISO-8859-1"
                    html = _dynasty_response(site, state, query, rss_base)
                    if html is not None:
                        return 200, html.encode("utf-8"), "text/html; charset=utf-8"
                elif source.platform == "tweb" and rest.startswith("ktwebscr/"):
                    base = f"http://{self.headers.get('Host', '127.0.0.1')}{prefix}ktwebscr/"
                    answer = _tweb_response(site, state, rest[len("ktwebscr/") :], parts.query, form, base)
                    if answer is not None:
                        return 200, *answer
                elif rest.startswith("kokous/"):
                    data = _pdf_response(site, state, rest[len("kokous/") :])
                    if data is not None:
                        return 200, data, "application/pdf"
            return 404, b"<html><body>Sivua ei l\xc3\xb6ytynyt</body></html>", "text/html; charset=utf-8"

    return Handler


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 refuses connections when several crawls start at once.
    request_queue_size = 128
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A crawler that gives up on a response (too large, too slow) closes the connection while the
        server still writes: expected under faults, so not printed as a server error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class DemoServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, sites: dict[str, DemoSite] | None = None):
        self.state = DemoState(sites or load_sites())
        self.sources = {s.id: s for s in DEMO_SOURCES if s.id in self.state.sites}
        self.httpd = _Server((host, port), _make_handler(self.state, self.sources))
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="demo-server", daemon=True)

    @property
    def root(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def base_url(self, source_id: str) -> str:
        source = self.sources[source_id]
        if source.platform == "casem":
            return f"{self.root}/{source.path_prefix}/fi-FI"
        if source.platform == "tweb":
            return f"{self.root}/{source.path_prefix}/ktwebscr/"
        return f"{self.root}/{source.path_prefix}/cgi/DREQUEST.PHP"

    def add_fault(self, path_contains: str, fault: Fault) -> None:
        self.state.faults.add(path_contains, fault)

    def edit_decision(self, source_id: str, meeting_id: str, position: int, decision: str) -> None:
        """The municipality corrects an item's decision text: the page changes, its address does not."""
        site = self.state.sites[source_id]
        meetings = []
        for meeting in site.meetings:
            if meeting.id == meeting_id:
                items = tuple(
                    dataclasses.replace(
                        item,
                        handlings=(*item.handlings[:-1], dataclasses.replace(item.own, decision=decision)),
                    )
                    if item.position == position
                    else item
                    for item in meeting.items
                )
                meeting = dataclasses.replace(meeting, items=items)
            meetings.append(meeting)
        self.state.sites[source_id] = dataclasses.replace(site, meetings=tuple(meetings))

    def publish_minutes(self) -> None:
        """The meetings first published as agendas now publish their minutes, at the same addresses."""
        self.state.minutes_published = True

    def registry_toml(self, download_delay: float = 0.0) -> str:
        blocks = []
        for source in self.sources.values():
            site = self.state.sites[source.id]
            lines = [
                "[[sources]]",
                f'id = "{source.id}"',
                f'name = "{source.name}"',
                f'kind = "{source.kind}"',
                f'platform = "{source.platform}"',
                f'base_url = "{self.base_url(source.id)}"',
                f"download_delay = {download_delay}",
            ]
            if site.abbreviations:
                lines.append("[sources.abbreviations]")
                lines += [f'{key} = "{value}"' for key, value in site.abbreviations.items()]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks) + "\n"

    def write_registry(self, path: Path, download_delay: float = 0.0) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.registry_toml(download_delay), encoding="utf-8")
        return path

    def start(self) -> DemoServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def running_demo_server(**kwargs) -> Iterator[DemoServer]:
    server = DemoServer(**kwargs).start()
    try:
        yield server
    finally:
        server.stop()
