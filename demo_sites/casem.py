"""Pages of a CaseM (CloudNC) publishing site, as the demo server serves them.

Written after the URL scheme and rendered text of real CaseM sites (``platforms.md``): items at
``/fi-FI/Toimielimet/<Body_slug>/Kokous_<d><m><yyyy>/<title slug ≤ 40>(<itemId>)`` with unpadded day
and month, body slugs that spell letters as HTML entity names (``Ympaumlristouml…``), some items at
``/fi-FI/content/<a>/<b>``, a body page that lists only the latest items, a paginated search for the
rest, and item text that opens "Body, kokous d.m.yyyy", "Pöytäkirja on tarkastettu", "§ N Title", the
diary number, and then Valmistelija / Perustelut / Ehdotus / Esittelijä / Päätös blocks, earlier
handlings first and without a date of their own.
"""

from __future__ import annotations

import hashlib
import re
from html import escape

from demo_sites.content import DemoSite, Handling, Item, Meeting

#: Real body pages show about 15 latest items and search pages 20 results; the demo shows fewer so
#: that a small site still needs the search and its pagination.
LATEST_ON_BODY_PAGE = 3
RESULTS_PER_PAGE = 4

ENTITY_NAMES = {"ä": "auml", "ö": "ouml", "å": "aring", "Ä": "Auml", "Ö": "Ouml", "Å": "Aring", "é": "eacute"}
APPEAL = "Tähän päätökseen tyytymätön voi tehdä kirjallisen oikaisuvaatimuksen."
PLAIN_LETTERS = {"ä": "a", "ö": "o", "å": "a", "Ä": "A", "Ö": "O", "Å": "A", "é": "e"}


def body_slug(name: str) -> str:
    """ "Ympäristö- ja rakennuslautakunta" → "Ympaumlristouml_ja_rakennuslautakunta"."""
    text = "".join(ENTITY_NAMES.get(ch, ch) for ch in name)
    return re.sub(r"[^A-Za-z0-9_]", "", text.replace(" ", "_"))


def title_slug(title: str) -> str:
    text = "".join(PLAIN_LETTERS.get(ch, ch) for ch in title).replace(" ", "_")
    return re.sub(r"[^A-Za-z0-9_]", "", text)[:40]


def meeting_token(meeting: Meeting) -> str:
    """Kokous_<d><m><yyyy> with no zero padding: 8.3.2021 and 8.3.2021 look alike as 832021."""
    return f"Kokous_{meeting.date.day}{meeting.date.month}{meeting.date.year}"


def item_number(meeting: Meeting, item: Item) -> int:
    return 10000 + int(hashlib.sha256(f"{meeting.id}-{item.position}".encode()).hexdigest()[:8], 16) % 89999


def item_path(site: DemoSite, meeting: Meeting, item: Item) -> str:
    if item.procedural:  # standing items are linked in the other URL form
        return f"content/{site.body(meeting.body_id).id}/{item_number(meeting, item)}"
    body = body_slug(site.body(meeting.body_id).name)
    number = item_number(meeting, item)
    return f"Toimielimet/{body}/{meeting_token(meeting)}/{title_slug(item.title)}({number})"


def find_item(site: DemoSite, path: str) -> tuple[Meeting, Item] | None:
    match = re.search(r"\((\d+)\)$", path) or re.fullmatch(r"content/\d+/(\d+)", path)
    if not match:
        return None
    number = int(match[1])
    for meeting in site.meetings:
        for item in meeting.items:
            if item_number(meeting, item) == number and item_path(site, meeting, item) == path:
                return meeting, item
    return None


def _page(site: DemoSite, title: str, content: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="fi"><head><meta charset="utf-8"><title>{escape(title)} - {escape(site.org_name)}</title></head>
<body>
<div class="banner">Banneri</div>
<nav><a href="/">Etusivu</a> <a href="Toimielimet">Toimielimet</a></nav>
<div id="content">
{content}
</div>
</body></html>
"""


def _fi(d) -> str:
    return f"{d.day}.{d.month}.{d.year}"


def bodies_page(site: DemoSite, base: str) -> str:
    links = "\n".join(
        f'<li><a href="{base}/Toimielimet/{body_slug(b.name)}">{escape(b.name)}</a></li>' for b in site.bodies
    )
    return _page(site, "Toimielimet", f"<h1>Toimielimet</h1>\n<ul>\n{links}\n</ul>")


def _items_newest_first(site: DemoSite, body_id: str) -> list[tuple[Meeting, Item]]:
    return [(m, i) for m in site.meetings_of(body_id) for i in sorted(m.items, key=lambda i: -i.position)]


def _result_row(site: DemoSite, base: str, meeting: Meeting, item: Item, minutes_published: bool) -> str:
    label = f"§ {item.section} " if meeting.document_type(minutes_published) == "minutes" else ""
    return (
        f'<li><span class="date">Kokous {_fi(meeting.date)}</span> '
        f'<a href="{base}/{item_path(site, meeting, item)}">{label}{escape(item.title)}</a></li>'
    )


def body_page(site: DemoSite, body_id: str, base: str, minutes_published: bool) -> str:
    body = site.body(body_id)
    latest = _items_newest_first(site, body_id)[:LATEST_ON_BODY_PAGE]
    rows = "\n".join(_result_row(site, base, m, i, minutes_published) for m, i in latest)
    search = f"{base}/haku?toimielin={body_slug(body.name)}&amp;page=1"
    content = (
        f'<h1>{escape(body.name)}</h1>\n<h2>Viimeisimmät asiat</h2>\n<ul class="latest">\n{rows}\n</ul>\n'
        f'<p><a href="{search}">Kaikki toimielimen asiat</a></p>'
    )
    return _page(site, body.name, content)


def search_page(site: DemoSite, body_id: str, page: int, base: str, minutes_published: bool) -> str:
    body = site.body(body_id)
    results = _items_newest_first(site, body_id)
    chunk = results[(page - 1) * RESULTS_PER_PAGE : page * RESULTS_PER_PAGE]
    rows = "\n".join(_result_row(site, base, m, i, minutes_published) for m, i in chunk)
    pager = ""
    if page * RESULTS_PER_PAGE < len(results):
        next_page = f"{base}/haku?toimielin={body_slug(body.name)}&amp;page={page + 1}"
        pager = f'<a class="next" href="{next_page}">Seuraava</a>'
    content = (
        f"<h1>Haku: {escape(body.name)}</h1>\n<p>{len(results)} tulosta</p>\n"
        f'<ul class="results">\n{rows}\n</ul>\n<p class="pager">{pager}</p>'
    )
    return _page(site, "Haku", content)


def _blocks(handling: Handling, show_decision: bool) -> list[str]:
    parts = []

    def section(label: str, text: str | None, as_list: bool = False) -> None:
        if not text:
            return
        parts.append(f"<h3>{label}</h3>")
        if as_list:
            parts.append(f"<ul><li>{escape(text)}</li></ul>")
            return
        for paragraph in text.split("\n\n"):
            lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
            if lines and all(line.startswith("- ") for line in lines):
                parts.append("<ul>" + "".join(f"<li>{escape(line[2:])}</li>" for line in lines) + "</ul>")
            else:
                parts.append(f"<p>{escape(' '.join(lines))}</p>")

    section("Valmistelija", handling.preparer, as_list=True)
    section("Perustelut", handling.explanation)
    section("Ehdotus", handling.proposal)
    section("Esittelijä", handling.presenter)
    if show_decision:
        section("Käsittely", handling.discussion)
        decision = handling.decision
        if decision and handling.disqualified:
            names = ", ".join(handling.disqualified)
            decision += f"\n\n{names} ilmoitti olevansa esteellinen eikä osallistunut asian käsittelyyn."
        section("Päätös", decision)
    return parts


def item_page(site: DemoSite, meeting: Meeting, item: Item, minutes_published: bool) -> str:
    body = site.body(meeting.body_id)
    doc = meeting.document_type(minutes_published)
    parts = [f"<h1>{escape(body.name)}, kokous {_fi(meeting.date)}</h1>"]
    if doc == "minutes":
        parts.append('<p class="status">Pöytäkirja on tarkastettu</p>')
    parts.append(f"<h2>§ {item.section} {escape(item.title)}</h2>")
    if item.diary_number:
        parts.append(f'<p class="dno">{escape(item.diary_number)}</p>')
    if len(item.handlings) > 1:
        parts.append("<h3>Aikaisempi käsittely</h3>")
    for n, handling in enumerate(item.handlings):
        own = n == len(item.handlings) - 1
        parts.extend(_blocks(handling, show_decision=not own or doc == "minutes"))
    if doc == "minutes":
        parts.append(f"<h3>Muutoksenhaku</h3><p>{APPEAL}</p>")
    return _page(site, item.title, "\n".join(parts))
