"""Pages of a TWeb (KTweb, Triplan) publishing site, as the demo server serves them.

Written after what is known of real TWeb sites (``platforms.md``): windows-1252 pages under
``/ktwebscr/``; ``pk_tek_tweb.htm`` is a search form whose ``kirjaamo`` select lists the bodies (and
``epj_tek_tweb.htm`` the same for agendas); the meeting list is the answer to a POST of
``kirjaamo=<id>&oper=where&pvm1=…&pvm2=…`` to ``pk_kokl_tweb.htm``, capped at a number of rows with
"Hakutuloksessa näkyy N riviä"; rows ``tr.data0``/``tr.data1`` of ``table.list`` link
``pk_asil_tweb.htm?+bid=<N>`` (the ``+`` is literal); a meeting page lists items with §, title linking
``fileshow?doctype=3&docid=<N>`` and an attachment count, in a column order of the site's own, with
rows such as "Pöytäkirjan kansilehti" that are not items.
"""

from __future__ import annotations

from datetime import date
from html import escape

from demo_sites.content import DemoSite, Item, Meeting

#: Real sites cap a result at 200 rows; the demo caps at 1 so that window splitting is exercised.
ROW_CAP = 1
ENCODING = "windows-1252"
#: This site's meeting table: title first, then §, then attachments (other sites put § first).
COLUMNS = ("title", "section", "attachments")


def docid(meeting: Meeting, item: Item) -> int:
    return int(meeting.id) * 100 + item.position


def cover_docid(meeting: Meeting) -> int:
    return int(meeting.id) * 100


def _fi(d: date) -> str:
    return d.strftime("%d.%m.%Y")


def _page(site: DemoSite, title: str, content: str) -> bytes:
    html = f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html><head><meta http-equiv="Content-Type" content="text/html; charset={ENCODING}">
<title>{escape(title)}</title></head>
<body><div class="otsikko">{escape(site.org_name)} &ndash; {escape(title)}</div>
{content}
</body></html>
"""
    return html.encode(ENCODING, errors="xmlcharrefreplace")


def search_form(site: DemoSite, agendas: bool) -> bytes:
    action = "epj_kokl_tweb.htm" if agendas else "pk_kokl_tweb.htm"
    options = "\n".join(f'<option value="{b.id}">{escape(b.name)}</option>' for b in site.bodies)
    content = f"""<form method="post" action="{action}">
<input type="hidden" name="oper" value="where">
<table><tr><td>Toimielin</td><td><select name="kirjaamo">
<option value="">Valitse toimielin</option>
{options}
</select></td></tr>
<tr><td>Aikaväli</td><td><input name="pvm1" size="10"> - <input name="pvm2" size="10"></td></tr>
</table><input type="submit" value="Hae"></form>"""
    return _page(site, "Esityslistat" if agendas else "Pöytäkirjat", content)


def _parse_fi(value: str | None) -> date | None:
    try:
        day, month, year = (int(p) for p in (value or "").split("."))
        return date(year, month, day)
    except ValueError:
        return None


def meeting_list(site: DemoSite, form: dict[str, str], agendas: bool, minutes_published: bool) -> bytes:
    body_id = form.get("kirjaamo", "")
    first, last = _parse_fi(form.get("pvm1")), _parse_fi(form.get("pvm2"))
    wanted = "agenda" if agendas else "minutes"
    meetings = (
        [
            m
            for m in site.meetings_of(body_id)
            if m.document_type(minutes_published) == wanted
            and (first is None or m.date >= first)
            and (last is None or m.date <= last)
        ]
        if any(b.id == body_id for b in site.bodies)
        else []
    )
    shown = meetings[:ROW_CAP]
    page = "epj_asil_tweb.htm" if agendas else "pk_asil_tweb.htm"
    rows = []
    for n, meeting in enumerate(shown):
        number = sum(
            1
            for m in site.meetings_of(body_id)
            if m.date.year == meeting.date.year and m.date <= meeting.date
        )
        rows.append(
            f'<tr class="data{n % 2}"><td><a href="{page}?+bid={meeting.id}">{_fi(meeting.date)}</a></td>'
            f"<td>{escape(site.body(meeting.body_id).name)}: {number}/{meeting.date.year}</td></tr>"
        )
    note = f"<p>Hakutuloksessa näkyy {ROW_CAP} riviä.</p>" if len(meetings) > ROW_CAP else ""
    content = f'<table class="list"><tr><th>Pvm</th><th>Kokous</th></tr>\n{"".join(rows)}\n</table>{note}'
    return _page(site, "Hakutulos", content)


def _cell(kind: str, meeting: Meeting, item: Item) -> str:
    if kind == "section":
        return f"<td>{item.section}</td>"
    if kind == "title":
        return (
            f'<td><a href="fileshow?doctype=3&amp;docid={docid(meeting, item)}">{escape(item.title)}</a></td>'
        )
    count = len(item.attachments)
    link = f'<a href="epjattn_tweb.htm?{docid(meeting, item)}">{count} kpl</a>' if count else ""
    return f"<td>{link}</td>"


def meeting_page(site: DemoSite, meeting: Meeting, minutes_published: bool) -> bytes:
    body = site.body(meeting.body_id).name
    doc = meeting.document_type(minutes_published)
    heading = f"{'Pöytäkirja' if doc == 'minutes' else 'Esityslista'} {_fi(meeting.date)}"
    headers = {"title": "Asia", "section": "§", "attachments": "Liitteet"}
    rows = [
        "<tr>" + "".join(f"<th>{headers[c]}</th>" for c in COLUMNS) + "</tr>",
        # A cover page: a document, but no item (no §).
        f'<tr><td><a href="fileshow?doctype=3&amp;docid={cover_docid(meeting)}">'
        "Pöytäkirjan kansilehti</a></td><td></td><td></td></tr>",
    ]
    rows += ["<tr>" + "".join(_cell(c, meeting, item) for c in COLUMNS) + "</tr>" for item in meeting.items]
    content = (
        f'<h1>{escape(body)}</h1><h2>{heading}</h2>\n<table class="asiat">\n' + "\n".join(rows) + "\n</table>"
    )
    return _page(site, body, content)


def find_document(site: DemoSite, number: int) -> tuple[Meeting, Item | None] | None:
    """The meeting and item of a docid (item None for a meeting's cover page)."""
    meeting = site.meeting(str(number // 100))
    if meeting is None:
        return None
    if number % 100 == 0:
        return meeting, None
    item = next((i for i in meeting.items if i.position == number % 100), None)
    return (meeting, item) if item else None
