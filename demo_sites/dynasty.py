"""Pages of a Dynasty (Innofactor) publishing site, as the demo server serves them.

Written after the URL scheme and rendered text of real Dynasty sites (``platforms.md``): the CGI
``DREQUEST.PHP?page=…&id=…`` pages, the item content between ``<!--DATABEGIN-->`` and
``<!--DATAEND-->`` with the navigation table inside it, an attachments table, one or more handlings per
item page, ``Label<TAB>text`` rows, and PDFs under ``kokous/`` beside ``cgi/``.
"""

from __future__ import annotations

from html import escape

from demo_sites.content import DemoSite, Handling, Item, Meeting
from demo_sites.textlayout import bullets_as_dots, hard_wrap

FI_DATE = "%d.%m.%Y"
#: Sites whose links put the id first (``?id=…&page=meetingitem``), as some real Dynasty sites do.
ID_FIRST = {"heinola"}


def item_href(site: DemoSite, meeting_id: str, position: int) -> str:
    if site.source_id in ID_FIRST:
        return f"DREQUEST.PHP?id={meeting_id}-{position}&amp;page=meetingitem"
    return f"DREQUEST.PHP?page=meetingitem&amp;id={meeting_id}-{position}"


def _page(site: DemoSite, title: str, content: str, rss_base: str) -> str:
    items_feed = f"{rss_base}?page=rss/meetingitems&amp;show=30"
    meetings_feed = f"{rss_base}?page=rss/meetings&amp;show=30"
    return f"""<!DOCTYPE html>
<html lang="fi">
<head><meta charset="utf-8"><title>{escape(title)}</title></head>
<body>
<div class="top">Dynasty tietopalvelu <a href="DREQUEST.PHP?page=haku">Haku</a>
<a href="DREQUEST.PHP?page=rss">RSS</a> {escape(site.org_name)}</div>
<div class="rss">RSS-linkki<br>
Kokousasiat:<a href="{items_feed}">{items_feed}</a><br>
Kokoukset:<br><a href="{meetings_feed}">{meetings_feed}</a></div>
{content}
</body>
</html>
"""


def _label(document_type: str) -> str:
    return "Pöytäkirja" if document_type == "minutes" else "Esityslista"


def meeting_handlers_page(site: DemoSite, minutes_published: bool, rss_base: str) -> str:
    rows = []
    for body in site.bodies:
        meetings = site.meetings_of(body.id)
        latest = meetings[0] if meetings else None
        latest_cell = (
            f'<a href="DREQUEST.PHP?page=meeting&amp;id={latest.id}">'
            f"{_label(latest.document_type(minutes_published))} {latest.date.strftime(FI_DATE)}</a>"
            if latest
            else ""
        )
        rows.append(
            f'<tr><td><a href="DREQUEST.PHP?page=meetings&amp;id={body.id}">{escape(body.name)}</a></td>'
            f"<td>{latest_cell}</td></tr>"
        )
    table = '<table class="toimielimet"><tr><th>Toimielin</th><th>Viimeisin kokous</th></tr>\n'
    return _page(site, "Toimielimet", table + "\n".join(rows) + "\n</table>", rss_base)


def meetings_page(site: DemoSite, body_id: str, minutes_published: bool, rss_base: str) -> str:
    body = site.body(body_id)
    rows = [
        f'<tr><td><a href="DREQUEST.PHP?page=meeting&amp;id={m.id}">'
        f"{_label(m.document_type(minutes_published))} {m.date.strftime(FI_DATE)}</a></td></tr>"
        for m in site.meetings_of(body_id)
    ]
    content = f'<h1>{escape(body.name)}</h1>\n<table class="kokoukset">\n' + "\n".join(rows) + "\n</table>"
    return _page(site, body.name, content, rss_base)


def meeting_page(site: DemoSite, meeting: Meeting, minutes_published: bool, rss_base: str) -> str:
    body = site.body(meeting.body_id)
    doc = meeting.document_type(minutes_published)
    heading = (
        f"{escape(body.name)} {_label(doc)} {meeting.date.strftime(FI_DATE)} klo {meeting.start} "
        f"&ndash; {escape(meeting.place)}"
    )
    rows = [
        f'<tr><td>{item.position}</td><td><a href="{item_href(site, meeting.id, item.position)}">'
        f"{escape(item.title)}</a></td></tr>"
        for item in meeting.items
    ]
    content = (
        f"<h1>{heading}</h1>\n"
        f'<p><a href="../kokous/{meeting.id}.PDF">{_label(doc)} PDF-muodossa</a></p>\n'
        '<table class="asiat"><tr><th>Asianro</th><th>Otsikko</th></tr>\n' + "\n".join(rows) + "\n</table>"
    )
    return _page(site, body.name, content, rss_base)


def _row(label: str, text: str) -> str:
    return f'<table class="kohta"><tr><td class="otsikko">{label}</td><td>{escape(text)}</td></tr></table>'


def _paragraphs(text: str, as_pdf_text: bool) -> list[str]:
    if as_pdf_text:
        # Text pasted out of a PDF keeps the PDF's hard line breaks, hyphenated line ends and bullets.
        return [
            "<p>" + "<br>\n".join(escape(line) for line in hard_wrap(bullets_as_dots(paragraph))) + "</p>"
            for paragraph in text.split("\n\n")
        ]
    out = []
    for paragraph in text.split("\n\n"):
        out.extend(f"<p>{escape(line.strip())}</p>" for line in paragraph.splitlines() if line.strip())
        out.append("<p>&#xa0;</p>")
    return out


def _handling_html(handling: Handling, item: Item, doc: str, is_own: bool, show_decision: bool) -> list[str]:
    parts = [f'<p class="kasittely">{_heading_text(handling, doc, is_own)}</p>']
    as_pdf = item.layout == "pdf_text"
    if handling.preparer:
        label = "Valmistelu" if as_pdf else "Valmistelija"
        parts.append(_row(label, handling.preparer))
    if handling.explanation:
        parts.extend(_paragraphs(handling.explanation, as_pdf))
    if handling.presenter:
        parts.append(_row("Esittelijä", handling.presenter))
    if handling.proposal:
        parts.append(_row("Päätösehdotus", handling.proposal))
    if handling.authority:
        parts.append(_row("Toimivalta", handling.authority))
    if show_decision and handling.discussion:
        parts.append(_row("Käsittely", handling.discussion))
    if show_decision and handling.decision:
        parts.append(_row("Päätös", handling.decision))
        parts.extend(
            f"<p>{escape(name)} ilmoitti olevansa esteellinen (jäävi) ja poistui kokouksesta tämän asian "
            "käsittelyn ajaksi.</p>"
            for name in handling.disqualified
        )
    if handling.distribution and (show_decision or not is_own):
        parts.append(_row("Tiedoksi", handling.distribution))
    return parts


def item_page(site: DemoSite, meeting: Meeting, item: Item, minutes_published: bool, rss_base: str) -> str:
    body = site.body(meeting.body_id)
    doc = meeting.document_type(minutes_published)
    if doc == "minutes":
        header = f"Pöytäkirja {meeting.date.strftime(FI_DATE)}/Pykälä {item.section}"
    else:
        header = f"Esityslista {meeting.date.strftime(FI_DATE)}/Asianro {item.position}"
    item_id = f"{meeting.id}-{item.position}"
    positions = [i.position for i in meeting.items]
    index = positions.index(item.position)
    prev_link = (
        f'<a href="{item_href(site, meeting.id, positions[index - 1])}">Edellinen asia</a>'
        if index > 0
        else "Edellinen asia"
    )
    next_link = (
        f'<a href="{item_href(site, meeting.id, positions[index + 1])}">Seuraava asia</a>'
        if index + 1 < len(positions)
        else "Seuraava asia"
    )
    parts = [
        "<!--DATABEGIN-->",
        f'<table class="otsake"><tr><td class="toimielin">{escape(body.name)}</td></tr>'
        f"<tr><td>{header}</td></tr></table>",
        f'<table class="navigointi"><tr><td>{prev_link} | </td><td>{next_link} | </td>'
        '<td><a href="DREQUEST.PHP?page=muutoksenhaku">Muutoksenhakuohje</a> </td>'
        f'<td><a href="../kokous/{item_id}.PDF">Kokousasia PDF-muodossa</a> | </td></tr></table>',
    ]
    if item.attachments:
        rows = "".join(
            f'<tr><td>{n}</td><td><a href="../kokous/{item_id}-{n}.PDF">{escape(name)}</a></td></tr>'
            for n, name in enumerate(item.attachments, start=1)
        )
        parts.append(f'<table class="liitteet">{rows}</table>')
    parts.append(f'<p class="asiaotsikko"><b>{escape(item.title)}</b></p>')
    for n, handling in enumerate(item.handlings):
        is_own = n == len(item.handlings) - 1
        html = _handling_html(handling, item, doc, is_own, show_decision=not is_own or doc == "minutes")
        if n == 0 and item.diary_number:
            # The diary number stands right under the first handling's heading, as on real pages.
            html.insert(1, f'<p class="dno">{escape(item.diary_number)}</p>')
        parts.extend(html)
    parts.append("<!--DATAEND-->")
    return _page(site, item.title, "\n".join(parts), rss_base)


def _heading_text(handling: Handling, doc: str, is_own: bool) -> str:
    date_text = handling.date.strftime(FI_DATE)
    if is_own and doc == "agenda":
        return f"{escape(handling.body)} {date_text}"
    return f"{escape(handling.body)} {date_text} &sect; {handling.section}"


def _rss(site: DemoSite, title: str, entries: list[tuple[str, str, str]], rss_base: str) -> bytes:
    """An RSS 2.0 feed as Dynasty serves it: ISO-8859-1, texts in CDATA."""
    items = "".join(
        f"<item><title><![CDATA[{entry_title}]]></title><link>{rss_base}?{query}</link>"
        f"<description><![CDATA[{description}]]></description></item>\n"
        for entry_title, query, description in entries
    )
    xml = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<rss version="2.0"><channel>'
        f"<title><![CDATA[{site.org_name} - {title}]]></title><link>{rss_base}</link>\n"
        f"{items}</channel></rss>\n"
    )
    return xml.encode("iso-8859-1", errors="xmlcharrefreplace")


def _newest_meetings(site: DemoSite, show: int) -> list[Meeting]:
    return sorted(site.meetings, key=lambda m: (m.date, m.id), reverse=True)[:show]


def rss_meetings(site: DemoSite, minutes_published: bool, rss_base: str, show: int = 30) -> bytes:
    entries = [
        (
            f"{site.body(m.body_id).name} {m.date.strftime(FI_DATE)}",
            f"page=meeting&amp;id={m.id}",
            _label(m.document_type(minutes_published)),
        )
        for m in _newest_meetings(site, show)
    ]
    return _rss(site, "Kokoukset", entries, rss_base)


def rss_meeting_items(site: DemoSite, minutes_published: bool, rss_base: str, show: int = 30) -> bytes:
    entries = [
        (
            f"{site.body(m.body_id).name} {m.date.strftime(FI_DATE)} / {item.title}",
            f"page=meetingitem&amp;id={m.id}-{item.position}",
            _label(m.document_type(minutes_published)),
        )
        for m in _newest_meetings(site, show)
        for item in m.items
    ][:show]
    return _rss(site, "Kokousasiat", entries, rss_base)
