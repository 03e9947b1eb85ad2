"""One matter as a single self-contained HTML page: title, timeline, decisions side by side, sources.

Everything the page needs is inside the file (inline CSS, an inline SVG timeline, no scripts, no web
fonts), so it can be mailed, archived or opened offline and still read the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from pathlib import Path

import duckdb

from core.files import replace_atomically

OUTCOMES = {
    "approved": ("approved", "#2e7d32"),
    "approved_amended": ("approved as amended", "#00897b"),
    "noted": ("noted", "#1565c0"),
    "returned": ("returned for preparation", "#ef6c00"),
    "tabled": ("tabled", "#b28704"),
    "rejected": ("rejected", "#c62828"),
    "other": ("other decision", "#6d6d6d"),
    None: ("no decision yet (agenda)", "#ffffff"),
}

#: Room a date label needs on the timeline, in SVG units (a label is about 60 wide at 11 px).
LABEL_WIDTH = 66

HANDLINGS_SQL = """
SELECT item_id, municipality, body, meeting_date, section, document_type, title, diary_number,
       preparer, presenter, proposal, decision, decision_outcome, url, pdf_url
FROM items WHERE matter_id = $matter_id
ORDER BY meeting_date, municipality, body, section
"""


@dataclass(frozen=True)
class Handling:
    item_id: str
    municipality: str
    body: str | None
    meeting_date: date | None
    section: int | None
    document_type: str | None
    title: str | None
    diary_number: str | None
    preparer: str | None
    presenter: str | None
    proposal: str | None
    decision: str | None
    decision_outcome: str | None
    url: str | None
    pdf_url: str | None


@dataclass(frozen=True)
class Matter:
    matter_id: str
    title: str
    handlings: list[Handling]
    loaded_at: str | None


class MatterNotFound(LookupError):
    pass


def read_matter(con: duckdb.DuckDBPyConnection, matter_id: str) -> Matter:
    row = con.execute(
        "SELECT matter_id, title FROM matters WHERE matter_id = $m", {"m": matter_id}
    ).fetchone()
    if row is None:
        raise MatterNotFound(f"no matter {matter_id!r} in the warehouse")
    handlings = [Handling(*r) for r in con.execute(HANDLINGS_SQL, {"matter_id": matter_id}).fetchall()]
    try:
        loaded = con.execute("SELECT strftime(max(loaded_at), '%d.%m.%Y %H:%M') FROM loads").fetchone()[0]
    except duckdb.Error:
        loaded = None
    return Matter(row[0], row[1] or "(untitled matter)", handlings, loaded)


def finnish_date(value: date | None) -> str:
    return f"{value.day}.{value.month}.{value.year}" if value else "undated"


def dated_section(meeting_date: date | None, section: int | None) -> str:
    """When and where in the minutes: ``3.2.2025 § 14``, or the date alone when there is no §."""
    where = f" § {section}" if section is not None else ""
    return f"{finnish_date(meeting_date)}{where}"


def _where(h: Handling) -> str:
    return f"{h.body or 'unknown body'} {dated_section(h.meeting_date, h.section)}"


def _outcome(h: Handling) -> tuple[str, str]:
    return OUTCOMES.get(h.decision_outcome, OUTCOMES["other"])


def _month_ticks(start: date, end: date) -> list[date]:
    """First days of months (or of quarters, or years, when the span is long) between start and end."""
    months = (end.year - start.year) * 12 + end.month - start.month
    step = 1 if months <= 14 else 3 if months <= 48 else 12
    tick = date(start.year, start.month, 1)
    ticks = []
    while tick <= end:
        if tick >= start and (tick.month - 1) % step == 0:
            ticks.append(tick)
        tick = date(tick.year + tick.month // 12, tick.month % 12 + 1, 1)
    return ticks


def timeline_svg(matter: Matter) -> str:
    """Handlings on a time axis, one lane per municipality and body, each municipality's path joined."""
    dated = [h for h in matter.handlings if h.meeting_date]
    if not dated:
        return '<p class="empty">No dated handlings to draw.</p>'
    lanes: list[tuple[str, str]] = []
    for h in sorted(dated, key=lambda h: (h.municipality, h.meeting_date)):
        if (h.municipality, h.body or "") not in lanes:
            lanes.append((h.municipality, h.body or ""))
    first, last = min(h.meeting_date for h in dated), max(h.meeting_date for h in dated)
    pad = max(timedelta(days=14), (last - first) / 12)
    start, end = first - pad, last + pad
    left, right, top, lane_height = 250, 24, 34, 46  # room for a date above and one below
    width = 960
    height = top + lane_height * len(lanes) + 30
    span = (end - start).days

    def x(day: date) -> float:
        return round(left + (width - left - right) * (day - start).days / span, 1)

    def y(h: Handling) -> float:
        return top + lane_height * lanes.index((h.municipality, h.body or "")) + lane_height / 2

    parts = [
        f'<svg class="timeline" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="Timeline of the handlings of {escape(matter.title)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, (municipality, body) in enumerate(lanes):
        lane_y = top + lane_height * index
        shade = "#f4f6f8" if index % 2 == 0 else "#ffffff"
        parts.append(f'<rect x="0" y="{lane_y}" width="{width}" height="{lane_height}" fill="{shade}"/>')
        parts.append(
            f'<text x="8" y="{lane_y + lane_height / 2 + 5}" class="lane">'
            f'<tspan font-weight="bold">{escape(municipality)}</tspan> {escape(body)}</text>'
        )
    for tick in _month_ticks(start, end):
        parts.append(
            f'<line x1="{x(tick)}" y1="{top - 6}" x2="{x(tick)}" y2="{height - 26}" stroke="#d0d5da"/>'
            f'<text x="{x(tick)}" y="{height - 10}" class="tick">{tick.month}/{tick.year}</text>'
        )
    for municipality in dict.fromkeys(h.municipality for h in dated):
        path = sorted((h for h in dated if h.municipality == municipality), key=lambda h: h.meeting_date)
        if len(path) > 1:
            points = " ".join(f"{x(h.meeting_date)},{y(h)}" for h in path)
            parts.append(f'<polyline points="{points}" fill="none" stroke="#9aa5b1" stroke-width="2"/>')
    last_label: dict[tuple[float, int], float] = {}  # (lane y, above/below) → x of its last label
    for h in sorted(dated, key=lambda h: h.meeting_date):
        label, colour = _outcome(h)
        cx, cy = x(h.meeting_date), y(h)
        # a date label above the point, else below it, else none (the tooltip still has it)
        side = next((side for side in (-1, 1) if cx - last_label.get((cy, side), -1e9) >= LABEL_WIDTH), None)
        text = ""
        if side is not None:
            last_label[(cy, side)] = cx
            text = (
                f'<text x="{cx}" y="{cy - 12 if side < 0 else cy + 21}" class="point">'
                f"{escape(finnish_date(h.meeting_date))}</text>"
            )
        parts.append(
            f"<g><title>{escape(h.municipality)}: {escape(_where(h))} — {escape(label)}</title>"
            f'<circle cx="{cx}" cy="{cy}" r="8" fill="{colour}" stroke="#37474f" stroke-width="1.5"/>'
            f"{text}</g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def legend(matter: Matter) -> str:
    used = list(dict.fromkeys(h.decision_outcome for h in matter.handlings))
    items = []
    for outcome in used:
        label, colour = OUTCOMES.get(outcome, OUTCOMES["other"])
        items.append(f'<li><span class="dot" style="background:{colour}"></span>{escape(label)}</li>')
    return f'<ul class="legend">{"".join(items)}</ul>'


def _paragraphs(text: str | None) -> str:
    if not text:
        return '<p class="empty">—</p>'
    return "".join(f"<p>{escape(part.strip())}</p>" for part in text.split("\n") if part.strip())


def _links(h: Handling) -> str:
    return " · ".join(link for link in (_link(h.url, "page"), _link(h.pdf_url, "PDF")) if link)


def _card(h: Handling) -> str:
    label, colour = _outcome(h)
    text_colour = "#222" if h.decision_outcome is None else "#fff"
    return (
        '<article class="handling">'
        f"<h4>{escape(_where(h))}</h4>"
        f'<span class="badge" style="background:{colour};color:{text_colour}">{escape(label)}</span>'
        + (f'<p class="meta">{escape(h.title)}</p>' if h.title else "")
        + "<h5>Proposal</h5>"
        + _paragraphs(h.proposal)
        + "<h5>Decision</h5>"
        + _paragraphs(h.decision)
        + f'<p class="links">{_links(h)}</p></article>'
    )


def side_by_side(matter: Matter) -> str:
    columns = []
    for municipality in sorted({h.municipality for h in matter.handlings}):
        own = [h for h in matter.handlings if h.municipality == municipality]
        cards = "".join(_card(h) for h in own)
        columns.append(f'<section class="column"><h3>{escape(municipality)}</h3>{cards}</section>')
    return f'<div class="columns">{"".join(columns)}</div>'


def web_url(url: str | None) -> str | None:
    """``url`` when it is an http(s) address, else None: a page could carry ``javascript:`` as a link,
    which escaping alone would leave clickable."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


def _link(url: str | None, text: str | None = None) -> str:
    if not web_url(url):  # shown as it is where it stands for itself, left out behind a label
        return escape(url) if url and text is None else ""
    return f'<a href="{escape(url)}">{escape(text or url)}</a>'


def _sources(matter: Matter) -> str:
    rows = [
        f"<tr><td>{escape(h.municipality)}</td><td>{escape(_where(h))}</td>"
        f'<td>{escape(h.document_type or "")}</td><td class="url">{_link(h.url)}</td>'
        f"<td>{_link(h.pdf_url, 'PDF')}</td></tr>"
        for h in matter.handlings
    ]
    return (
        '<table class="sources"><thead><tr><th>Municipality</th><th>Handling</th><th>Document</th>'
        f"<th>Source page</th><th>PDF</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0;
       color: #1f2933; background: #fff; line-height: 1.45; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 32px 48px; }
h1 { font-size: 1.7rem; margin: 0 0 6px; } h2 { font-size: 1.2rem; margin: 32px 0 12px;
     border-bottom: 2px solid #e4e7eb; padding-bottom: 4px; }
.summary { color: #52606d; margin: 0; }
.timeline text.lane { font-size: 13px; fill: #1f2933; } .timeline text.tick { font-size: 11px; fill: #616e7c;
  text-anchor: middle; } .timeline text.point { font-size: 11px; fill: #323f4b; text-anchor: middle; }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 18px; font-size: 0.9rem; }
.dot { display: inline-block; width: 12px; height: 12px; border-radius: 50%; border: 1px solid #37474f;
       margin-right: 6px; vertical-align: -1px; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 18px; }
.column h3 { margin: 0 0 8px; font-size: 1.1rem; break-after: avoid; }
h2 { break-after: avoid; }
.handling { border: 1px solid #d9e2ec; border-radius: 8px; padding: 12px 14px; margin-bottom: 12px;
            background: #fbfcfd; break-inside: avoid; }
.timeline, .sources tr { break-inside: avoid; }
.handling h4 { margin: 0 0 6px; font-size: 0.98rem; } .handling h5 { margin: 10px 0 2px; font-size: 0.8rem;
  text-transform: uppercase; letter-spacing: 0.04em; color: #616e7c; }
.handling p { margin: 0 0 6px; font-size: 0.93rem; } .meta { color: #52606d; font-style: italic; }
.badge { display: inline-block; border-radius: 10px; padding: 1px 9px; font-size: 0.8rem;
         border: 1px solid #37474f; }
.empty { color: #9aa5b1; } .links a, .sources a { color: #0b5cad; }
.sources { border-collapse: collapse; width: 100%; font-size: 0.88rem; }
.sources th, .sources td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e4e7eb;
                           vertical-align: top; }
.sources td.url { word-break: break-all; }
footer { margin-top: 32px; color: #7b8794; font-size: 0.8rem; }
"""


def render_report(matter: Matter) -> str:
    municipalities = sorted({h.municipality for h in matter.handlings})
    dates = [h.meeting_date for h in matter.handlings if h.meeting_date]
    span = f"{finnish_date(min(dates))} – {finnish_date(max(dates))}" if dates else "undated"
    loaded = f", warehouse loaded {escape(matter.loaded_at)}" if matter.loaded_at else ""
    return f"""<!DOCTYPE html>
<html lang="fi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(matter.title)}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>{escape(matter.title)}</h1>
<p class="summary">{len(matter.handlings)} handlings in {len(municipalities)} municipalities
({escape(", ".join(municipalities))}), {span}</p>
<h2>Timeline</h2>
{timeline_svg(matter)}
{legend(matter)}
<h2>Decisions side by side</h2>
{side_by_side(matter)}
<h2>Sources</h2>
{_sources(matter)}
<footer>Matter {escape(matter.matter_id)}{loaded}. Made by minutes report.</footer>
</main>
</body>
</html>
"""


def write_report(con: duckdb.DuckDBPyConnection, matter_id: str, output: Path) -> Path:
    """Write the page for one matter; the file is complete or absent (written aside, then renamed)."""
    html = render_report(read_matter(con, matter_id))
    output.parent.mkdir(parents=True, exist_ok=True)
    replace_atomically(output, lambda part: part.write_text(html, encoding="utf-8"))
    return output
