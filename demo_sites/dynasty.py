"""Pages of a Dynasty (Innofactor) publishing site, as the demo server serves them.

Written for this project in the structure of the real markup in ``../shared/real-markup/`` and of the
live 10.x sites its README describes, with one variant per site so that no single markup is assumed:

* listings put a meeting's date in a cell of its own and write only "Pöytäkirja" / "Esityslista" in
  the link; the bodies page has the columns Toimielin | Viimeisin kokous | Kokouspäivämäärä and says
  "Ei julkaistuja kokouksia" for a body without meetings; links are relative (``?page=meetings&id=…``);
* a meeting page's heading reads "<Body>  Pöytäkirja 17.03.2026 klo 18.00 -  <place>", its item table
  Asianro | (attachment icon) | Otsikko, and a cell "Julkaistu: …" carries the whole-meeting PDF link;
* item pages: every table has a ``<caption>``; the navigation is ``<table class='tbl navigation'>``
  (Asikkala, version 10.4.0.260401) or ``<div class='data-part page-navigation'>`` (Heinola,
  10.4.0.250317); the content sits between ``DATABEGIN``/``DATAEND`` (Asikkala, the page header above
  the start marker) or ``DATA_BEGIN``/``DATA_END`` (Heinola, the header inside, earlier handlings'
  headings as three cells "Khall | 108 § | 27.04.2026"); labels and text are adjacent ``<span>``s with
  no space between them; the item PDF link is single-quoted, "Kokousasia&nbsp;PDF-muodossa" or just
  "Kokousasia"; the footer carries a version string ``DYNASTY/10.5.0.2601`` that looks like a date;
* feeds are ISO-8859-1 with the encoding declared in single quotes, an item's ``<description>``
  repeating its title, and links whose parameters run in another order than the walk's (one
  document, two spellings of its URL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from html import escape

from demo_sites.content import DemoSite, Handling, Item, Meeting
from demo_sites.textlayout import bullets_as_dots, hard_wrap

FI_DATE = "%d.%m.%Y"
ATTACHMENT_ICON = "<img src='att.gif' alt='Liite'>"


@dataclass(frozen=True)
class Variant:
    version: str
    markers: tuple[str, str]
    navigation: str  # "table" | "div"
    header_above_block: bool
    pdf_link_text: str
    id_first: bool  # item links write ``?id=…&page=meetingitem``
    earlier_as_cells: bool  # an earlier handling's heading as three cells


VARIANTS = {
    "asikkala": Variant(
        version="10.4.0.260401",
        markers=("<!--DATABEGIN-->", "<!--DATAEND-->"),
        navigation="table",
        header_above_block=True,
        pdf_link_text="Kokousasia&nbsp;PDF-muodossa",
        id_first=False,
        earlier_as_cells=False,
    ),
    "heinola": Variant(
        version="10.4.0.250317",
        markers=("<!--DATA_BEGIN-->", "<!--DATA_END-->"),
        navigation="div",
        header_above_block=False,
        pdf_link_text="Kokousasia",
        id_first=True,
        earlier_as_cells=True,
    ),
}


def variant(site: DemoSite) -> Variant:
    return VARIANTS.get(site.source_id, VARIANTS["asikkala"])


def item_href(site: DemoSite, meeting_id: str, position: int) -> str:
    if variant(site).id_first:
        return f"?id={meeting_id}-{position}&amp;page=meetingitem"
    return f"?page=meetingitem&amp;id={meeting_id}-{position}"


def _label(document_type: str) -> str:
    return "Pöytäkirja" if document_type == "minutes" else "Esityslista"


def _page(site: DemoSite, title: str, content: str, rss_base: str) -> str:
    items_feed = f"{rss_base}?page=rss/meetingitems&amp;show=30"
    meetings_feed = f"{rss_base}?page=rss/meetings&amp;show=30"
    return f"""<!DOCTYPE html>
<html lang="fi">
<head><meta charset="utf-8"><title>{escape(title)}</title></head>
<body>
<div class='top'><span>Dynasty tietopalvelu</span> <a href='?page=haku'>Haku</a>
<a href='?page=rss'>RSS</a> <span>{escape(site.org_name)}</span></div>
<div class='rss'>RSS-linkki<br>
Kokousasiat:<a href='{items_feed}'>{items_feed}</a><br>
Kokoukset:<br><a href='{meetings_feed}'>{meetings_feed}</a></div>
{content}
<div class='footer'>DYNASTY/{variant(site).version} &copy; Innofactor</div>
</body>
</html>
"""


def meeting_handlers_page(site: DemoSite, minutes_published: bool, rss_base: str) -> str:
    rows = []
    for body in site.bodies:
        meetings = site.meetings_of(body.id)
        latest = meetings[0] if meetings else None
        if latest is None:
            cells = "<td colspan='2'>Ei julkaistuja kokouksia</td>"
        else:
            cells = (
                f"<td><a href='?page=meeting&amp;id={latest.id}'>"
                f"{_label(latest.document_type(minutes_published))}</a></td>"
                f"<td>{latest.date.strftime(FI_DATE)}</td>"
            )
        rows.append(
            f"<tr><td><a href='?page=meetings&amp;id={body.id}'>{escape(body.name)}</a></td>{cells}</tr>"
        )
    table = (
        "<table class='tbl'><caption>Toimielimet</caption>"
        "<tr><th>Toimielin</th><th>Viimeisin kokous</th><th>Kokouspäivämäärä</th></tr>\n"
    )
    return _page(site, "Toimielimet", table + "\n".join(rows) + "\n</table>", rss_base)


def meetings_page(
    site: DemoSite, body_id: str, minutes_published: bool, rss_base: str, dated: bool = True
) -> str:
    """A body's meetings. ``dated=False`` leaves the date cells empty, as a listing that fails to
    describe its meetings: the crawl must take the dates from the pages below it."""
    body = site.body(body_id)
    rows = [
        f"<tr><td>&#xa0;{m.date.strftime(FI_DATE) if dated else ''}&#xa0;</td>"
        f"<td><a href='?page=meeting&amp;id={m.id}'>"
        f"{_label(m.document_type(minutes_published))}</a></td></tr>"
        for m in site.meetings_of(body_id)
    ]
    content = (
        f"<div class='h1title'>{escape(body.name)}</div>\n<table class='tbl'><caption>Kokoukset</caption>"
        "<tr><th>Kokouspäivämäärä</th><th>Asiakirja</th></tr>\n" + "\n".join(rows) + "\n</table>"
    )
    return _page(site, body.name, content, rss_base)


def meeting_page(
    site: DemoSite, meeting: Meeting, minutes_published: bool, rss_base: str, dated: bool = True
) -> str:
    """One meeting. ``dated=False`` prints a heading without its date (and no publication date)."""
    body = site.body(meeting.body_id)
    doc = meeting.document_type(minutes_published)
    when = f"{meeting.date.strftime(FI_DATE)} " if dated else ""
    heading = (
        f"<span>{escape(body.name)}</span>&#xa0; <span>{_label(doc)} {when}"
        f"klo {meeting.start}</span> -&#xa0; <span>{escape(meeting.place)}</span>"
    )
    rows = [
        f"<tr><td>{item.position}</td><td>{ATTACHMENT_ICON if item.attachments else ''}</td>"
        f"<td><a href='{item_href(site, meeting.id, item.position)}'>{escape(item.title)}</a></td></tr>"
        for item in meeting.items
    ]
    published = meeting.date - timedelta(days=6)
    content = (
        f"<div class='h1title'>{heading}</div>\n"
        "<table class='tbl'><caption>Kokousasiat</caption>"
        "<tr><th>Asianro</th><th></th><th>Otsikko</th></tr>\n" + "\n".join(rows) + "\n</table>\n"
        "<table class='tbl'><caption>Kokous</caption>"
        f"<tr><td>Julkaistu: {published.strftime(FI_DATE) if dated else ''}</td>"
        f"<td><a href='../kokous/{meeting.id}.PDF'>{_label(doc)}&nbsp;PDF-muodossa</a></td></tr></table>"
    )
    return _page(site, body.name, content, rss_base)


def _row(label: str, text: str) -> str:
    """A labelled section as live pages print it: label and text in adjacent spans, no space between,
    and each further paragraph of the text a paragraph of its own."""
    first, *more = text.split("\n\n")
    rest = "".join(f"<p><span>{escape(paragraph)}</span></p>" for paragraph in more)
    return f"<p class='kohta'><span class='otsikko'>{label}</span><span>{escape(first)}</span></p>{rest}"


def _paragraphs(text: str, as_pdf_text: bool) -> list[str]:
    if as_pdf_text:
        # Text pasted out of a PDF keeps the PDF's hard line breaks, hyphenated line ends and bullets.
        return [
            "<p>" + "<br>\n".join(escape(line) for line in hard_wrap(bullets_as_dots(paragraph))) + "</p>"
            for paragraph in text.split("\n\n")
        ]
    out = []
    for paragraph in text.split("\n\n"):
        out.extend(
            f"<p><span>{escape(line.strip())}</span></p>" for line in paragraph.splitlines() if line.strip()
        )
        out.append("<p>&#xa0;</p>")
    return out


def _heading_html(site: DemoSite, handling: Handling, doc: str, is_own: bool) -> str:
    date_text = handling.date.strftime(FI_DATE)
    if is_own and doc == "agenda":
        return f"<p class='kasittely'><span>{escape(handling.body)}</span> <span>{date_text}</span></p>"
    if not is_own and variant(site).earlier_as_cells:
        return (
            "<table class='kasittely'><caption>Käsittely</caption><tr>"
            f"<td><p>{escape(handling.body)}</p></td><td><p>{handling.section} §</p></td>"
            f"<td><p>{date_text}</p></td></tr></table>"
        )
    return (
        f"<p class='kasittely'><span>{escape(handling.body)}</span> <span>{date_text}</span> "
        f"<span>&sect; {handling.section}</span></p>"
    )


def _handling_html(
    site: DemoSite, handling: Handling, item: Item, doc: str, is_own: bool, show_decision: bool
) -> list[str]:
    parts = [_heading_html(site, handling, doc, is_own)]
    as_pdf = item.layout == "pdf_text"
    if handling.preparer:
        parts.append(_row("Valmistelu" if as_pdf else "Valmistelija", handling.preparer))
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


def _navigation(site: DemoSite, meeting: Meeting, item: Item) -> str:
    positions = [i.position for i in meeting.items]
    index = positions.index(item.position)
    previous = (
        f"<a href='{item_href(site, meeting.id, positions[index - 1])}'>Edellinen asia</a>"
        if index > 0
        else "Edellinen asia"
    )
    following = (
        f"<a href='{item_href(site, meeting.id, positions[index + 1])}'>Seuraava asia</a>"
        if index + 1 < len(positions)
        else "Seuraava asia"
    )
    pdf = f"../kokous/{meeting.id}-{item.position}.PDF"
    pdf_link = f"<a class='' target='_blank' href='{pdf}'>{variant(site).pdf_link_text}</a>"
    cells = (
        f"<caption>Navigointi</caption><tr><td>{previous} | {following}</td>"
        "<td><a href='?page=muutoksenhaku'>Muutoksenhakuohje</a></td>"
        f"<td>{pdf_link}</td><td>&copy;</td></tr>"
    )
    if variant(site).navigation == "div":
        return f"<div class='data-part page-navigation'><table class='data-part-table'>{cells}</table></div>"
    return f"<table class='tbl navigation'>{cells}</table>"


def item_page(site: DemoSite, meeting: Meeting, item: Item, minutes_published: bool, rss_base: str) -> str:
    body = site.body(meeting.body_id)
    doc = meeting.document_type(minutes_published)
    look = variant(site)
    if doc == "minutes":
        number = f"Pöytäkirja {meeting.date.strftime(FI_DATE)}/Pykälä {item.section}"
    else:
        number = f"Esityslista {meeting.date.strftime(FI_DATE)}/Asianro {item.position}"
    header = (
        f"<div class='h1title'>{escape(body.name)} {_label(doc)} {meeting.date.strftime(FI_DATE)}</div>\n"
        f"<table class='tbl otsake'><caption>Kokousasia</caption><tr><td>{escape(body.name)}</td></tr>"
        f"<tr><td>{number}</td></tr></table>"
    )
    begin, end = look.markers
    content = [_navigation(site, meeting, item)]
    if item.attachments:
        rows = "".join(
            f"<tr><td>{n}</td><td><a href='../kokous/{meeting.id}-{item.position}-{n}.PDF'>"
            f"{escape(name)}</a></td></tr>"
            for n, name in enumerate(item.attachments, start=1)
        )
        content.append(f"<table class='tbl liitteet'><caption>Liitteet</caption>{rows}</table>")
    content.append(
        "<div class='data-part meetingitem'>"
        f"<p><span style='font-weight:bold'>{escape(item.title)}</span></p>"
    )
    for n, handling in enumerate(item.handlings):
        is_own = n == len(item.handlings) - 1
        html = _handling_html(site, handling, item, doc, is_own, show_decision=not is_own or doc == "minutes")
        if n == 0 and item.diary_number:
            # The diary number stands right under the first handling's heading, as on real pages.
            html.insert(1, f"<p class='dno'><span>{escape(item.diary_number)}</span></p>")
        content.extend(html)
    content.append("</div>")
    block = "\n".join([begin, *content, end])
    page = (
        f"{header}\n{block}"
        if look.header_above_block
        else f"{begin}\n{header}\n" + "\n".join([*content, end])
    )
    return _page(site, item.title, page, rss_base)


def _rss(site: DemoSite, title: str, entries: list[tuple[str, str, str]], rss_base: str) -> bytes:
    """An RSS 2.0 feed as Dynasty serves it: ISO-8859-1 declared in single quotes, texts in CDATA."""
    items = "".join(
        f"<item><title><![CDATA[{entry_title}]]></title><description><![CDATA[{description}]]></description>"
        f"<link><![CDATA[{rss_base}?{query}]]></link></item>\n"
        for entry_title, query, description in entries
    )
    xml = (
        "<?xml version='1.0' encoding='iso-8859-1'?><rss version='2.0'><channel>"
        f"<title><![CDATA[Dynasty]]></title><description><![CDATA[Dynasty - {title}]]></description>"
        f"<link><![CDATA[{rss_base}?page=meeting_frames]]></link>\n{items}</channel></rss>\n"
    )
    return xml.encode("iso-8859-1", errors="xmlcharrefreplace")


def _newest_meetings(site: DemoSite, show: int) -> list[Meeting]:
    return sorted(site.meetings, key=lambda m: (m.date, m.id), reverse=True)[:show]


def rss_meetings(site: DemoSite, minutes_published: bool, rss_base: str, show: int = 30) -> bytes:
    # The walk links ``?page=meeting&id=…``; the feed writes the parameters the other way round.
    entries = []
    for m in _newest_meetings(site, show):
        title = f"{site.body(m.body_id).name} {m.date.strftime(FI_DATE)}"
        entries.append((title, f"id={m.id}&page=meeting", title))
    return _rss(site, "Kokoukset", entries, rss_base)


def rss_meeting_items(site: DemoSite, minutes_published: bool, rss_base: str, show: int = 30) -> bytes:
    entries = [
        (
            f"{site.body(m.body_id).name} {m.date.strftime(FI_DATE)} / {item.title}",
            f"page=meetingitem&id={m.id}-{item.position}",
            item.title,
        )
        for m in _newest_meetings(site, show)
        for item in m.items
    ][:show]
    return _rss(site, "Kokousasiat", entries, rss_base)
