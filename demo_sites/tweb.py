"""Pages of a TWeb (KTweb, Triplan) publishing site, as the demo server serves them.

Rendered in the structure of real KTweb pages (``../shared/real-markup/tweb-*``, and what the live
sites served in 2026), so that the spider meets what it will meet there, not a markup of our own:

* windows-1252 pages under ``/ktwebscr/``, each with ``<meta name="robots" content="noindex, nofollow">``;
* ``pk_tek_tweb.htm`` (minutes) and ``epj_tek_tweb.htm`` (agendas) hold **two forms**, each with its
  own ``select name="kirjaamo"``: the meeting search (POST to ``pk_kokl_tweb.htm``, hidden
  ``oper=where``, ``pvm1``/``pvm2``) and the item text search (``pk_asil2_tweb.htm``). Option values
  are written the way KTweb writes its ids, ``12.000000``. The form page says how many rows a result
  shows ("Hakutuloksessa näykyy N riviä", the vendor's spelling);
* the meeting list (``table.list``, rows ``tr.data0``/``tr.data1``) links ``pk_asil_tweb.htm?bid=<N>``
  (no ``+``) with "d.m.yyyy hh:mm" and says nothing when it is capped; its second cell reads
  "Aluehallitus: 3/2026", or for some bodies "Tarkastuslautakunta: Tarkastuslautakunta";
* a meeting page heads its table with "Body: n/yyyy<br>date time<br>Pöytäkirja", then lists the cover
  page (no §), the items (§, title linking ``fileshow?doctype=3&docid=<N>``, "N kpl" attachments
  linking ``epjattn_tweb.htm?<docid>``) and, in minutes, "Muutoksenhakuohjeet" (no §). Bodies alternate
  between the column orders § | Otsikko | Liitteet and § | Liitteet | Otsikko;
* ``pk_rssfeed.htm?toimielin=<id>``: an RSS feed of a body's newest minutes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from html import escape

from demo_sites.content import Body, DemoSite, Item, Meeting

#: Real sites cap a result at 200 rows; the demo caps at 2 so that window splitting is exercised.
ROW_CAP = 2
ENCODING = "windows-1252"
#: The two column orders of real meeting pages; bodies take them in turn.
COLUMN_ORDERS = (("section", "title", "attachments"), ("section", "attachments", "title"))
COLUMN_HEADERS = {"section": "§", "title": "Otsikko", "attachments": "Liitteet"}
#: How many meetings a body's feed names (real feeds: about 50, half a year).
FEED_SIZE = 50
#: The docid of a minutes' appeal instructions, a whole-document row that is not an item.
APPEAL_DOCUMENT = 99
BACK = '<a href="javascript:history.go(-1);">&laquo;  Paluu edelliselle sivulle</a>'


def form_value(body: Body) -> str:
    """A body's id as KTweb's form writes it: a number with six decimals."""
    return f"{body.id}.000000"


def body_of_form_value(site: DemoSite, value: str) -> Body | None:
    return next((b for b in site.bodies if form_value(b) == value), None)


def docid(meeting: Meeting, item: Item) -> int:
    return int(meeting.id) * 100 + item.position


def cover_docid(meeting: Meeting) -> int:
    return int(meeting.id) * 100


def _fi(d: date) -> str:
    return f"{d.day}.{d.month}.{d.year}"


def _clock(meeting: Meeting) -> str:
    return meeting.start.replace(".", ":")


def _variant(site: DemoSite, body_id: str) -> int:
    return [b.id for b in site.bodies].index(body_id) % 2


def meeting_number(site: DemoSite, meeting: Meeting) -> int:
    """The body's running number of the meeting in its year (the "5" of "Kaupunginhallitus: 5/2017")."""
    return sum(
        1
        for m in site.meetings_of(meeting.body_id)
        if m.date.year == meeting.date.year and m.date <= meeting.date
    )


def meeting_label(site: DemoSite, meeting: Meeting) -> str:
    """The meeting list's second cell: "Body: n/yyyy", or on some bodies "Body: Body"."""
    body = site.body(meeting.body_id).name
    if _variant(site, meeting.body_id):
        return f"{body}: {body}"
    return f"{body}: {meeting_number(site, meeting)}/{meeting.date.year}"


def _page(site: DemoSite, heading: str, content: str, agendas: bool) -> bytes:
    menu = (
        '<li><a href="epj_tek_tweb.htm"{}>Esityslistat</a></li>'
        '<li class="menuSpacer">|</li>'
        '<li><a href="pk_tek_tweb.htm"{}>Pöytäkirjat</a></li>'
        '<li class="menuSpacer">|</li>'
        '<li><a href="ktohje.htm">Ohje</a></li>'
    ).format(' class="active"' if agendas else "", "" if agendas else ' class="active"')
    html = f"""<!DOCTYPE html>
<html><head>
<meta http-equiv="content-type" content="text/html; charset={ENCODING}">
<title>Kokousasiakirjat - {escape(site.org_name)}</title>
<meta name="robots" content="noindex, nofollow">
</head>
<body class="wrap"><div id="wrapper"><div id="containerAll">
<div id="header"><a href="https://www.paijatha.fi/">{escape(site.org_name)}</a></div>
<div class="HeadMenuContainer"><ul id="nav" class="nav navbar-nav">{menu}</ul></div>
<div id="content">
<h1>{escape(heading)}</h1>
{content}
</div></div>
<footer><div id="footer"><a class="copyright" href="https://www.triplan.fi/">&copy; Triplan Oy</a></div>
</footer>
</div></body></html>
"""
    return html.encode(ENCODING, errors="xmlcharrefreplace")


def _options(site: DemoSite) -> str:
    first = '<option value="" selected="selected">Kaikki toimielimet</option>'
    return first + "".join(f'<option value="{form_value(b)}">{escape(b.name)}</option>' for b in site.bodies)


def search_form(site: DemoSite, agendas: bool) -> bytes:
    """The form page: the meeting search and the item text search, each with its own body select."""
    prefix = "epj" if agendas else "pk"
    what = "esityslistoja" if agendas else "pöytäkirjoja"
    content = f"""<form class="meet" action="{prefix}_kokl_tweb.htm" name="form1" method="POST">
<input name="oper" value="where" type="hidden">
<header><div>Hae {what} toimielimen ja kokouspäivän mukaan.
Hakutuloksessa näykyy {ROW_CAP} riviä.</div></header>
<div><label>Toimielin</label><div><select name="kirjaamo" size="1">{_options(site)}</select></div></div>
<div><label>Kokouspvm.</label><div class="pvm_placeholder">
<input name="pvm1" size="10" maxlength="10" placeholder="pp.kk.vvvv"> -
<input name="pvm2" size="10" maxlength="10" placeholder="pp.kk.vvvv"></div></div>
<div class="button"><button class="submit" type="submit">Hae kokoukset</button></div>
</form>
<form class="meet" action="{prefix}_asil2_tweb.htm" name="form2" method="POST">
<header><h2>Asiat</h2><div>Hae asioita otsikon sanoilla (3–30 merkkiä).</div></header>
<div><label>Toimielin</label><div><select name="kirjaamo" size="1">{_options(site)}</select></div></div>
<div><label>Hakuteksti</label><div><input size="30" maxlength="30" name="text" type="text"></div></div>
<div><label>Kokouspvm.</label><div class="pvm_placeholder"><span class="nowrap">
<input name="pvm1" size="10" maxlength="10"> - <input name="pvm2" size="10" maxlength="10"></span></div></div>
<div><label>Diaarinumero</label><div><input name="dnro" size="20" maxlength="20" type="text"></div></div>
<div class="button"><button class="submit" type="submit">Hae asiat</button></div>
</form>"""
    return _page(site, "Esityslistat" if agendas else "Pöytäkirjat", content, agendas)


def _parse_fi(value: str | None) -> date | None:
    try:
        day, month, year = (int(p) for p in (value or "").split("."))
        return date(year, month, day)
    except ValueError:
        return None


def listed_meetings(site: DemoSite, form: dict[str, str], agendas: bool, minutes_published: bool) -> list:
    """The meetings a POST of the meeting search asks for, newest first, before the cap; none for a
    body id the site does not know. An empty ``kirjaamo`` ("Kaikki toimielimet") asks for every body."""
    value = form.get("kirjaamo", "")
    body = body_of_form_value(site, value)
    if value and body is None:
        return []
    first, last = _parse_fi(form.get("pvm1")), _parse_fi(form.get("pvm2"))
    wanted = "agenda" if agendas else "minutes"
    if body is not None:
        meetings = site.meetings_of(body.id)
    else:
        meetings = sorted(site.meetings, key=lambda m: m.date, reverse=True)
    return [
        m
        for m in meetings
        if m.document_type(minutes_published) == wanted
        and (first is None or m.date >= first)
        and (last is None or m.date <= last)
    ]


def meeting_list(site: DemoSite, form: dict[str, str], agendas: bool, minutes_published: bool) -> bytes:
    """The answer to the meeting search: at most ``ROW_CAP`` rows, and, as on real sites, no word of
    whether more were left out."""
    shown = listed_meetings(site, form, agendas, minutes_published)[:ROW_CAP]
    page = "epj_asil_tweb.htm" if agendas else "pk_asil_tweb.htm"
    rows = "".join(
        f'<tr class="data{n % 2}"><td class="data"><a href="{page}?bid={m.id}">{_fi(m.date)} {_clock(m)}</a>'
        f'</td>\n<td class="data">{escape(meeting_label(site, m))}</td></tr>\n'
        for n, m in enumerate(shown)
    )
    content = f"""<table class="list">
<tr class="colheader"><td class="colheader">Kokouspvm</td><td class="colheader">Toimielin</td></tr>
{rows}<tr><td colspan="2">{BACK}</td></tr>
</table>"""
    return _page(site, "Esityslistat" if agendas else "Pöytäkirjat", content, agendas)


def _document_cell(number: int, title: str) -> str:
    link = f'<a target="_blank" href="fileshow?doctype=3&amp;docid={number}">{escape(title)}</a>'
    return f'<td class="data">{link}</td>'


def _cell(kind: str, meeting: Meeting, item: Item) -> str:
    if kind == "section":
        return f'<td class="data_pykala">{item.section}</td>'
    if kind == "title":
        return _document_cell(docid(meeting, item), item.title)
    count = len(item.attachments)
    if not count:
        return '<td class="data">-</td>'
    return f'<td class="data"><a href="epjattn_tweb.htm?{docid(meeting, item)}">{count} kpl</a></td>'


def _whole_document_row(columns: tuple[str, ...], number: int, title: str) -> str:
    """A row linking a document of the whole meeting: no §, no attachments."""
    cells = {
        "section": '<td class="data_pykala"></td>',
        "title": _document_cell(number, title),
        "attachments": '<td class="data">-</td>',
    }
    return "<tr>" + "".join(cells[c] for c in columns) + "</tr>"


def meeting_page(site: DemoSite, meeting: Meeting, minutes_published: bool) -> bytes:
    doc = meeting.document_type(minutes_published)
    word = "Pöytäkirja" if doc == "minutes" else "Esityslista"
    columns = COLUMN_ORDERS[_variant(site, meeting.body_id)]
    body = site.body(meeting.body_id).name
    header = f"{escape(body)}: {meeting_number(site, meeting)}/{meeting.date.year}"
    rows = [
        f'<tr class="header"><td class="header" colspan="3">{header}<br>{_fi(meeting.date)} '
        f"{_clock(meeting)}<br>{word}</td></tr>",
        '<tr class="colheader">'
        + "".join(f'<td class="colheader">{COLUMN_HEADERS[c]}</td>' for c in columns)
        + "</tr>",
        _whole_document_row(columns, cover_docid(meeting), f"{word}n kansilehti"),
    ]
    rows += [
        f'<tr class="data{n % 2}">' + "".join(_cell(c, meeting, item) for c in columns) + "</tr>"
        for n, item in enumerate(meeting.items)
    ]
    if doc == "minutes":
        appeal = cover_docid(meeting) + APPEAL_DOCUMENT
        rows.append(_whole_document_row(columns, appeal, "Muutoksenhakuohjeet"))
    other = f'<a href="epj_asil_tweb.htm?bid={meeting.id}">Hae esityslista</a>' if doc == "minutes" else ""
    content = (
        '<table class="list">\n'
        + "\n".join(rows)
        + "\n</table>\n"
        + f'<table class="list"><tr><td class="colheader">Kokousmateriaali:</td></tr>'
        f'<tr><td class="colheader">{other}</td></tr>'
        f"<tr><td>{BACK}</td></tr></table>"
    )
    return _page(site, "Pöytäkirjat" if doc == "minutes" else "Esityslistat", content, doc != "minutes")


def feed(site: DemoSite, value: str, minutes_published: bool, base: str) -> bytes | None:
    """A body's minutes feed: title "Body: n/yyyy d.m.yyyy hh:mm", link the meeting page, category the
    body, pubDate when the minutes were put up (a week after the meeting here, not the meeting's date)."""
    body = body_of_form_value(site, value)
    if body is None:
        return None
    meetings = [m for m in site.meetings_of(body.id) if m.document_type(minutes_published) == "minutes"]
    items = []
    for meeting in meetings[:FEED_SIZE]:
        published = datetime.combine(meeting.date + timedelta(days=7), datetime.min.time(), UTC)
        number = f"{meeting_number(site, meeting)}/{meeting.date.year}"
        title = f"{body.name}: {number} {_fi(meeting.date)} {_clock(meeting)}"
        items.append(
            f"<item><title>{escape(title)}</title><link>{base}pk_asil_tweb.htm?bid={meeting.id}</link>"
            f"<category>{escape(body.name)}</category>"
            f"<pubDate>{format_datetime(published + timedelta(hours=10), usegmt=True)}</pubDate></item>"
        )
    xml = f"""<?xml version="1.0" encoding="{ENCODING}"?>
<rss version="2.0"><channel><title>{escape(site.org_name)}: {escape(body.name)}, pöytäkirjat</title>
<link>{base}pk_tek_tweb.htm</link><description>Uusimmat pöytäkirjat</description>
{"".join(items)}
</channel></rss>
"""
    return xml.encode(ENCODING, errors="xmlcharrefreplace")


def find_document(site: DemoSite, number: int) -> tuple[Meeting, Item | None, str] | None:
    """The meeting, item and title of a docid; item None for a whole-meeting document (the cover page,
    the appeal instructions)."""
    meeting = site.meeting(str(number // 100))
    if meeting is None:
        return None
    if number % 100 == 0:
        return meeting, None, "Kokouksen kansilehti"
    if number % 100 == APPEAL_DOCUMENT:
        return meeting, None, "Muutoksenhakuohjeet"
    item = next((i for i in meeting.items if i.position == number % 100), None)
    return (meeting, item, item.title) if item else None
