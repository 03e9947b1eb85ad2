"""``minutes serve``: read-only pages over the warehouse, each also as JSON (``?format=json``).

Starlette routes, Jinja2 templates (``web/templates``) with autoescaping on, so every value that came
from a site (a title, a decision, a URL) is shown as text: a page that carries ``<script>`` shows it.
The only markup inserted as it is comes from ``warehouse/report.py``, which escapes every value itself.
No page runs JavaScript; there is nothing to build.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from core.warehouse_location import DuckLake
from warehouse.feeds import feeds_dir
from warehouse.query import WarehouseMissing
from warehouse.report import (
    OUTCOMES,
    STYLE,
    dated_section,
    finnish_date,
    legend,
    side_by_side,
    timeline_svg,
    web_url,
)
from web import pages
from web.reader import WarehouseReader

TEMPLATES = Path(__file__).with_name("templates")
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")
MEDIA_TYPES = {".xml": "application/atom+xml; charset=utf-8", ".ics": "text/calendar; charset=utf-8"}


def plain(value):
    """``value`` as JSON holds it: dates and instants in ISO 8601, lists for tuples."""
    if isinstance(value, dict):
        return {key: plain(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["when"] = lambda h: dated_section(h["meeting_date"], h["section"])
    env.filters["day"] = finnish_date
    env.filters["outcome"] = lambda code: OUTCOMES.get(code, OUTCOMES["other"])[0]
    env.filters["colour"] = lambda code: OUTCOMES.get(code, OUTCOMES["other"])[1]
    env.filters["web_url"] = web_url
    return env


def create_app(warehouse: Path | DuckLake, data_dir: Path) -> Starlette:
    """The web view of ``warehouse``, with the feeds and calendars of ``data_dir``."""
    reader = WarehouseReader(warehouse)
    env = _environment()

    def render(request: Request, template: str, data: dict, status: int = 200, **extra) -> Response:
        if request.query_params.get("format") == "json":
            return JSONResponse(plain(data), status_code=status)
        html = env.get_template(template).render(request=request, data=data, **extra)
        return HTMLResponse(html, status_code=status)

    def failure(request: Request, status: int, message: str) -> Response:
        return render(request, "error.html", {"error": message, "status": status}, status=status)

    def page(build):
        """A route whose ``build(request, con, cache)`` gives (template, data, extra); errors become pages."""

        async def endpoint(request: Request) -> Response:
            try:
                with reader.connection() as con:
                    template, data, extra = build(request, con, reader.cache)
            except pages.NotFound as exc:
                return failure(request, 404, str(exc))
            except pages.BadRequest as exc:
                return failure(request, 400, str(exc))
            except WarehouseMissing as exc:
                return failure(request, 503, str(exc))
            return render(request, template, data, **extra)

        return endpoint

    def search(request, con, cache):
        return "search.html", pages.search_page(con, cache, dict(request.query_params)), {}

    def matter(request, con, cache):
        data, report = pages.matter_page(con, request.path_params["matter_id"])
        parts = {
            "timeline": Markup(timeline_svg(report)),
            "legend": Markup(legend(report)),
            "decisions": Markup(side_by_side(report)),
            "style": Markup(STYLE),
        }
        return "matter.html", data, parts

    def municipality(request, con, cache):
        return "municipality.html", pages.municipality_page(con, cache, request.path_params["source_id"]), {}

    def body(request, con, cache):
        params = request.path_params
        return "body.html", pages.body_page(con, cache, params["source_id"], params["body"]), {}

    def feeds(request, con, cache):
        return "feeds.html", pages.feeds_page(con, data_dir), {}

    async def feed_file(request: Request) -> Response:
        folder, name = request.path_params.get("folder", ""), request.path_params["name"]
        path = feeds_dir(data_dir) / folder / name
        known = folder in ("", "matters", "calendar") and FILE_NAME.fullmatch(name)
        if not known or path.suffix not in MEDIA_TYPES or not path.is_file():
            return failure(request, 404, f"no feed or calendar {folder + '/' if folder else ''}{name}")
        return FileResponse(path, media_type=MEDIA_TYPES[path.suffix])

    routes = [
        Route("/", page(search)),
        Route("/matter/{matter_id}", page(matter)),
        Route("/municipality/{source_id}", page(municipality)),
        Route("/municipality/{source_id}/body/{body:path}", page(body)),
        Route("/feeds", page(feeds)),
        Route("/feeds/{name}", feed_file),
        Route("/feeds/{folder:str}/{name}", feed_file),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        yield
        reader.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.reader = reader
    return app
