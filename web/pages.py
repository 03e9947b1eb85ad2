"""What each page of the web view shows, as plain data: the templates render it, ``?format=json`` returns
it as it is. Every query here runs on the read-only connection of ``web/reader.py``."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path

import duckdb

from warehouse.connection import TIME_ZONE
from warehouse.feeds import feeds_dir, watch_feed_path
from warehouse.report import MatterNotFound, read_matter
from warehouse.search import SearchFilters, search
from warehouse.watches import read_watches, watches_path

LATEST_HANDLINGS = 30
SEARCH_LIMIT = 20


class NotFound(LookupError):
    """The page names something the warehouse does not hold."""


class BadRequest(ValueError):
    """A parameter the page cannot use; the message says which and why."""


def parse_day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} must be a date as YYYY-MM-DD, got {value!r}") from None


def parse_limit(value: str | None) -> int:
    if not value:
        return SEARCH_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= 500:
        raise BadRequest(f"limit must be a whole number from 1 to 500, got {value!r}")
    return int(value)


def filter_choices(con: duckdb.DuckDBPyConnection, cache: dict) -> dict:
    """The municipalities and bodies the filters offer (computed once per warehouse file)."""
    if "choices" not in cache:
        cache["choices"] = {
            "municipalities": [
                {"source_id": s, "name": n}
                for s, n in con.execute("SELECT source_id, name FROM sources ORDER BY name").fetchall()
            ],
            "bodies": [
                b
                for (b,) in con.execute(
                    "SELECT DISTINCT body FROM items WHERE body IS NOT NULL ORDER BY body"
                ).fetchall()
            ],
        }
    return cache["choices"]


def search_page(con: duckdb.DuckDBPyConnection, cache: dict, params: dict[str, str]) -> dict:
    """Hits ranked as ``minutes search`` ranks them, narrowed by municipality, body and meeting dates."""
    query = (params.get("q") or "").strip()
    filters = SearchFilters(
        municipalities=(params["municipality"],) if params.get("municipality") else (),
        bodies=(params["body"],) if params.get("body") else (),
        since=parse_day(params.get("since"), "since"),
        until=parse_day(params.get("until"), "until"),
    )
    limit = parse_limit(params.get("limit"))
    hits = []
    if query:
        columns, rows = search(con, query, limit, filters)
        hits = [dict(zip(columns, row, strict=True)) for row in rows]
    return {
        "query": query,
        "filters": {
            "municipality": params.get("municipality") or None,
            "body": params.get("body") or None,
            "since": filters.since,
            "until": filters.until,
            "limit": limit,
        },
        "hits": hits,
        "choices": filter_choices(con, cache),
    }


def matter_page(con: duckdb.DuckDBPyConnection, matter_id: str) -> tuple[dict, object]:
    """The matter's handlings (for JSON) and the report's matter (for its timeline and decisions)."""
    try:
        matter = read_matter(con, matter_id)
    except MatterNotFound as exc:
        raise NotFound(str(exc)) from None
    municipalities = sorted({h.municipality for h in matter.handlings})
    data = {
        "matter_id": matter.matter_id,
        "title": matter.title,
        "municipalities": municipalities,
        "loaded_at": matter.loaded_at,
        "handlings": [asdict(h) for h in matter.handlings],
    }
    return data, matter


def has_view(con: duckdb.DuckDBPyConnection, cache: dict, name: str) -> bool:
    key = f"view:{name}"
    if key not in cache:
        cache[key] = bool(
            con.execute(
                "SELECT count(*) FROM duckdb_views() WHERE view_name = $n AND NOT internal", {"n": name}
            ).fetchone()[0]
        )
    return cache[key]


def freshness_rows(
    con: duckdb.DuckDBPyConnection, cache: dict, source_id: str, body: str | None = None
) -> list[dict]:
    """The source's rows of ``body_freshness`` (is each body still publishing?), by body, where the
    warehouse has that view; none where it has not."""
    if not has_view(con, cache, "body_freshness"):
        return []
    rows = [r for r in _freshness_ledger(con, cache) if r["source_id"] == source_id]
    if body is not None:
        rows = [r for r in rows if r["body"] == body]
    return sorted(rows, key=lambda r: (r["body"] is None, r["body"] or ""))


def _freshness_ledger(con: duckdb.DuckDBPyConnection, cache: dict) -> list[dict]:
    """Every row of ``body_freshness``, read once a day per warehouse: the ledger reads every meeting,
    handling and document (a quarter of a second at a million handlings, two thirds of a municipality
    page's time), and it changes only with the warehouse, which drops the cache, or with the day."""
    (today,) = con.execute("SELECT timezone($zone, now())::DATE", {"zone": TIME_ZONE}).fetchone()
    day, rows = cache.get("freshness", (None, []))
    if day != today:
        rows = _rows(con, "SELECT * FROM body_freshness", {})
        cache["freshness"] = (today, rows)
    return rows


HANDLING_COLUMNS = """item_id, matter_id, municipality, body, meeting_date, section, document_type, title,
                      decision_outcome, url, pdf_url"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> list[dict]:
    result = con.execute(sql, params)
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def _source(con: duckdb.DuckDBPyConnection, source_id: str) -> dict:
    rows = _rows(
        con,
        "SELECT source_id, name, kind, platform, base_url FROM sources WHERE source_id = $s",
        {"s": source_id},
    )
    if not rows:
        raise NotFound(f"no municipality or other source {source_id!r} in the warehouse")
    return rows[0]


def municipality_page(con: duckdb.DuckDBPyConnection, cache: dict, source_id: str) -> dict:
    """A source: its bodies (handlings, meetings, the latest meeting, freshness) and its latest handlings."""
    source = _source(con, source_id)
    bodies = _rows(
        con,
        """SELECT body, count(*) AS handlings, count(DISTINCT meeting_id) AS meetings,
                  max(meeting_date) AS last_meeting
           FROM items WHERE source_id = $s AND body IS NOT NULL GROUP BY body ORDER BY body""",
        {"s": source_id},
    )
    latest = _rows(
        con,
        f"""SELECT {HANDLING_COLUMNS} FROM items WHERE source_id = $s
            ORDER BY meeting_date DESC NULLS LAST, body, section DESC NULLS LAST, item_id
            LIMIT {LATEST_HANDLINGS}""",
        {"s": source_id},
    )
    return {
        "source": source,
        "bodies": bodies,
        "freshness": freshness_rows(con, cache, source_id),
        "latest": latest,
    }


def body_page(con: duckdb.DuckDBPyConnection, cache: dict, source_id: str, body: str) -> dict:
    source = _source(con, source_id)
    latest = _rows(
        con,
        f"""SELECT {HANDLING_COLUMNS} FROM items WHERE source_id = $s AND body = $b
            ORDER BY meeting_date DESC NULLS LAST, section DESC NULLS LAST, item_id
            LIMIT {LATEST_HANDLINGS}""",
        {"s": source_id, "b": body},
    )
    if not latest:
        raise NotFound(f"no body {body!r} in {source['name']}")
    return {
        "source": source,
        "body": body,
        "freshness": freshness_rows(con, cache, source_id, body),
        "latest": latest,
    }


def feeds_page(con: duckdb.DuckDBPyConnection, data_dir: Path) -> dict:
    """The feeds and calendars that exist under ``<data dir>/feeds``, with what each is."""
    directory = feeds_dir(data_dir)
    watches = [
        {
            "name": w.name,
            "words": w.words,
            "municipalities": list(w.municipalities),
            "bodies": list(w.bodies),
            "feed": f"/feeds/{w.name}.xml" if watch_feed_path(data_dir, w.name).exists() else None,
        }
        for w in read_watches(watches_path(data_dir))
    ]
    ids = sorted(p.stem for p in (directory / "matters").glob("*.xml"))
    titles = dict(
        con.execute(
            "SELECT matter_id, title FROM matters WHERE matter_id IN (SELECT unnest($ids))", {"ids": ids}
        ).fetchall()
    )
    matters = [{"matter_id": m, "title": titles.get(m), "feed": f"/feeds/matters/{m}.xml"} for m in ids]
    calendars = [
        {"name": p.stem, "file": f"/feeds/calendar/{p.name}"}
        for p in sorted((directory / "calendar").glob("*.ics"))
    ]
    return {"watches": watches, "matters": matters, "calendars": calendars}
