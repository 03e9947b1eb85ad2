"""Pages of a CaseM (CloudNC) publishing site, as the demo server serves them, in two layouts.

Written after the URL scheme and the structure of real CaseM sites (``platforms.md`` and the README of
``../shared/real-markup``): items at ``/fi-FI/Toimielimet/<Body_slug>/Kokous_<d><m><yyyy>/<title slug ≤
40>(<itemId>)`` with unpadded day and month, body slugs that spell letters as HTML entity names
(``Ympaumlristouml…``), the same item also at ``/fi-FI/content/<itemId>/<node>`` (the form search
results link), a body page that lists only the latest items, and the search GET form
``/fi-FI/haku?n=23&d=1&s=<word>&o=Rank&page=<n>`` (20 results a page on real sites, ranked by
relevance, each a title only). No single markup is assumed by the spider, so the two demo sites differ:

* ``breadcrumb`` (Hollola): the live layout of 2026. Every page has an ASP.NET form, a breadcrumb, a
  long side menu ``#Content_sidenaviArea`` (the bodies and 93 officials) before the main region
  ``#ContentStart`` (``role="main"``), then ``.right-content`` (feedback, registry office) and the
  footer. An item page names its body and meeting only in the breadcrumb ("Body > Kokous d.m.yyyy >
  title"), under an ``<h1>`` "§ N Title". Listings show titles, no dates; the breadcrumb links the
  meeting's page, which lists all its items. The open API answers 404.
* ``header`` (Padasjoki): the older layout, whose item text opens "Body, kokous d.m.yyyy"; body pages
  list their latest items with the meeting's date in the row. The open API answers
  (``demo_sites.opennc``), shaped like the Mikkeli answers in ``../shared/real-markup``.
"""

from __future__ import annotations

import hashlib
import re
from html import escape
from urllib.parse import quote

from demo_sites.content import DemoSite, Handling, Item, Meeting

#: Real sites show 15 newest items on the bodies page and 20 search results a page; the demo shows
#: fewer so that its small sites still need every way to their items.
LATEST_ON_BODIES_PAGE = 5
LATEST_ON_BODY_PAGE = 3
RESULTS_PER_PAGE = 5
SEARCH_NODE = 23

#: Each CaseM demo site's layout, and the sites whose open API answers.
LAYOUTS = {"hollola": "breadcrumb", "padasjoki": "header"}
OPEN_API = frozenset({"padasjoki"})

ENTITY_NAMES = {"ä": "auml", "ö": "ouml", "å": "aring", "Ä": "Auml", "Ö": "Ouml", "Å": "Aring", "é": "eacute"}
APPEAL = "Tähän päätökseen tyytymätön voi tehdä kirjallisen oikaisuvaatimuksen."
PLAIN_LETTERS = {"ä": "a", "ö": "o", "å": "a", "Ä": "A", "Ö": "O", "Å": "A", "é": "e"}
OFFICIAL_ROLES = (
    "Kunnanjohtaja",
    "Hallintojohtaja",
    "Talousjohtaja",
    "Henkilöstöpäällikkö",
    "Sivistysjohtaja",
    "Varhaiskasvatusjohtaja",
    "Rehtori",
    "Kirjastotoimenjohtaja",
    "Liikuntapäällikkö",
    "Kulttuuripäällikkö",
    "Nuorisopäällikkö",
    "Tekninen johtaja",
    "Rakennuttajapäällikkö",
    "Kunnossapitopäällikkö",
    "Kaavoituspäällikkö",
    "Maankäyttöinsinööri",
    "Rakennustarkastaja",
    "Ympäristönsuojelusihteeri",
    "Tilapalvelupäällikkö",
    "Ruokapalvelupäällikkö",
    "Elinvoimapäällikkö",
    "Hankintapäällikkö",
    "Tietohallintopäällikkö",
    "Hyvinvointijohtaja",
    "Hyvinvointikoordinaattori",
    "Kehittämispäällikkö",
    "Viestintäpäällikkö",
    "Kirjaamosihteeri",
    "Maaseutuasiamies",
    "Vesihuoltopäällikkö",
    "Palvelupäällikkö",
)
OFFICIAL_AREAS = ("keskushallinto", "sivistyspalvelut", "tekniset palvelut")


def layout(site: DemoSite) -> str:
    return LAYOUTS.get(site.source_id, "header")


def body_slug(name: str) -> str:
    """ "Ympäristö- ja rakennuslautakunta" → "Ympaumlristouml_ja_rakennuslautakunta"."""
    text = "".join(ENTITY_NAMES.get(ch, ch) for ch in name)
    return re.sub(r"[^A-Za-z0-9_]", "", text.replace(" ", "_"))


def title_slug(title: str) -> str:
    text = "".join(PLAIN_LETTERS.get(ch, ch) for ch in title).replace(" ", "_")
    return re.sub(r"[^A-Za-z0-9_]", "", text)[:40]


def meeting_token(meeting: Meeting) -> str:
    """Kokous_<d><m><yyyy> with no zero padding: 1.11.2022 and 11.1.2022 both read 1112022."""
    return f"Kokous_{meeting.date.day}{meeting.date.month}{meeting.date.year}"


def item_number(meeting: Meeting, item: Item) -> int:
    """The item's content id: in its URLs and, on an open-API site, its ``ContentId``."""
    return 10000 + int(hashlib.sha256(f"{meeting.id}-{item.position}".encode()).hexdigest()[:8], 16) % 89999


def meeting_path(site: DemoSite, meeting: Meeting) -> str:
    return f"Toimielimet/{body_slug(site.body(meeting.body_id).name)}/{meeting_token(meeting)}"


def item_path(site: DemoSite, meeting: Meeting, item: Item) -> str:
    return f"{meeting_path(site, meeting)}/{title_slug(item.title)}({item_number(meeting, item)})"


def content_path(meeting: Meeting, item: Item, node: int = SEARCH_NODE) -> str:
    return f"content/{item_number(meeting, item)}/{node}"


def find_item(site: DemoSite, path: str) -> tuple[Meeting, Item] | None:
    """The item at ``path``: its friendly address, or ``content/<id>/<node>`` (any node)."""
    match = re.search(r"\((\d+)\)$", path) or re.fullmatch(r"content/(\d+)/\d+", path)
    if not match:
        return None
    number = int(match[1])
    for meeting in site.meetings:
        for item in meeting.items:
            if item_number(meeting, item) != number:
                continue
            if path.startswith("content/") or item_path(site, meeting, item) == path:
                return meeting, item
    return None


def find_meeting(site: DemoSite, path: str) -> Meeting | None:
    return next((m for m in site.meetings if meeting_path(site, m) == path), None)


def _fi(d) -> str:
    return f"{d.day}.{d.month}.{d.year}"


# -- page furniture ---------------------------------------------------------------------------------
def _side_menu(site: DemoSite, base: str) -> str:
    """The long side menu of the live layout: bodies, then officials (93 on the site it copies)."""
    bodies = "\n".join(
        f'<li><a href="{base}/Toimielimet/{body_slug(b.name)}">{escape(b.name)}</a></li>' for b in site.bodies
    )
    officials = "\n".join(
        f'<li><a href="{base}/Viranhaltijat/{body_slug(f"{role} {area}")}">{escape(role)}, {area}</a></li>'
        for area in OFFICIAL_AREAS
        for role in OFFICIAL_ROLES
    )
    return (
        '<div id="Content_sidenaviArea" class="sidenavi">\n<h2>Toimielimet</h2>\n<ul>\n'
        f"{bodies}\n</ul>\n<h2>Viranhaltijat</h2>\n<ul>\n{officials}\n</ul>\n</div>"
    )


def _breadcrumb(crumbs: list[tuple[str, str | None]]) -> str:
    parts = [
        f'<a href="{href}">{escape(text)}</a>' if href else f"<span>{escape(text)}</span>"
        for text, href in crumbs
    ]
    return '<div class="breadcrumb">' + " &gt; ".join(parts) + "</div>"


def _live_page(
    site: DemoSite, base: str, title: str, crumbs: list[tuple[str, str | None]], content: str
) -> str:
    viewstate = hashlib.sha256(f"{site.source_id}|{title}".encode()).hexdigest()
    return f"""<!DOCTYPE html>
<html lang="fi"><head><meta charset="utf-8"><title>{escape(title)} - {escape(site.org_name)}</title>
<script>var theForm = document.forms['aspnetForm'];</script></head>
<body>
<form method="post" action="./" id="aspnetForm">
<div class="aspNetHidden"><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{viewstate}"></div>
<header id="header"><a class="logo" href="{base}">{escape(site.org_name)}</a>
<div class="search"><label for="txtSearchText">Hae sivustolta</label>
<input name="ctl00$txtSearchText" type="text" id="txtSearchText">
<input type="submit" name="ctl00$btnSearch" value="Hae"></div></header>
{_breadcrumb([("Etusivu", base), *crumbs])}
{_side_menu(site, base)}
<div id="ContentStart" role="main">
{content}
</div>
<div class="right-content"><h2>Anna palautetta</h2><p>Kerro, mitä mieltä olet sivuston palveluista.</p>
<h2>Kirjaamo</h2><p>{escape(site.org_name)}, kirjaamo, avoinna arkisin klo 9–15.</p></div>
<footer id="footer"><p>© {escape(site.org_name)} · CloudNC</p></footer>
</form>
</body></html>
"""


def _old_page(site: DemoSite, title: str, content: str) -> str:
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


def _crumbs_to(site: DemoSite, base: str, meeting: Meeting | None = None, body_id: str | None = None):
    body = site.body(meeting.body_id if meeting else body_id)
    crumbs = [
        ("Toimielimet", f"{base}/Toimielimet"),
        (body.name, f"{base}/Toimielimet/{body_slug(body.name)}"),
    ]
    if meeting:
        crumbs.append((f"Kokous {_fi(meeting.date)}", f"{base}/{meeting_path(site, meeting)}"))
    return crumbs


def _item_link(site: DemoSite, base: str, meeting: Meeting, item: Item) -> str:
    return f'<a href="{base}/{item_path(site, meeting, item)}">§ {item.section} {escape(item.title)}</a>'


def _newest_items(site: DemoSite, body_id: str | None = None) -> list[tuple[Meeting, Item]]:
    meetings = (
        site.meetings_of(body_id) if body_id else sorted(site.meetings, key=lambda m: m.date, reverse=True)
    )
    return [(m, i) for m in meetings for i in sorted(m.items, key=lambda i: -i.position)]


# -- pages ------------------------------------------------------------------------------------------
def bodies_page(site: DemoSite, base: str) -> str:
    if layout(site) == "header":
        links = "\n".join(
            f'<li><a href="{base}/Toimielimet/{body_slug(b.name)}">{escape(b.name)}</a></li>'
            for b in site.bodies
        )
        return _old_page(site, "Toimielimet", f"<h1>Toimielimet</h1>\n<ul>\n{links}\n</ul>")
    newest = _newest_items(site)[:LATEST_ON_BODIES_PAGE]
    rows = "\n".join(f"<li>{_item_link(site, base, m, i)}</li>" for m, i in newest)
    content = f'<h1>Toimielimet</h1>\n<h2>Uusimmat</h2>\n<ul class="newest">\n{rows}\n</ul>'
    return _live_page(site, base, "Toimielimet", [("Toimielimet", None)], content)


def body_page(site: DemoSite, body_id: str, base: str) -> str:
    body = site.body(body_id)
    latest = _newest_items(site, body_id)[:LATEST_ON_BODY_PAGE]
    if layout(site) == "header":
        rows = "\n".join(
            f'<li><span class="date">Kokous {_fi(m.date)}</span> {_item_link(site, base, m, i)}</li>'
            for m, i in latest
        )
        content = (
            f'<h1>{escape(body.name)}</h1>\n<h2>Viimeisimmät asiat</h2>\n<ul class="latest">\n{rows}\n</ul>'
        )
        return _old_page(site, body.name, content)
    rows = "\n".join(f"<li>{_item_link(site, base, m, i)}</li>" for m, i in latest)
    content = f'<h1>{escape(body.name)}</h1>\n<h2>Viimeisimmät asiat</h2>\n<ul class="latest">\n{rows}\n</ul>'
    crumbs = _crumbs_to(site, base, body_id=body_id)
    return _live_page(site, base, body.name, [crumbs[0], (body.name, None)], content)


def meeting_page(site: DemoSite, meeting: Meeting, base: str) -> str:
    body = site.body(meeting.body_id)
    rows = "\n".join(f"<li>{_item_link(site, base, meeting, i)}</li>" for i in meeting.items)
    if layout(site) == "header":
        content = f"<h1>{escape(body.name)}, kokous {_fi(meeting.date)}</h1>\n<ul>\n{rows}\n</ul>"
        return _old_page(site, body.name, content)
    content = f'<h1>Kokous {_fi(meeting.date)}</h1>\n<ul class="items">\n{rows}\n</ul>'
    crumbs = _crumbs_to(site, base, meeting)
    return _live_page(
        site, base, f"Kokous {_fi(meeting.date)}", [*crumbs[:-1], (crumbs[-1][0], None)], content
    )


def search_results(site: DemoSite, word: str, minutes_published: bool) -> list[tuple[Meeting, Item]]:
    """The items whose text holds a word beginning with ``word``, most mentions first: ranked by
    relevance the way the real search ranks, so that neither dates nor the sites' order decide it
    (ties broken by a hash of the item and the word)."""
    wanted = word.casefold().strip()
    scored = []
    for meeting in site.meetings:
        for item in meeting.items:
            words = re.findall(r"\w+", item_text(site, meeting, item, minutes_published).casefold())
            score = sum(1 for w in words if wanted and w.startswith(wanted))
            if score:
                tie = hashlib.sha256(f"{wanted}|{item_number(meeting, item)}".encode()).hexdigest()
                scored.append((-score, tie, meeting, item))
    return [(m, i) for _, _, m, i in sorted(scored, key=lambda s: s[:2])]


def search_page(site: DemoSite, word: str, page: int, base: str, minutes_published: bool) -> str:
    results = search_results(site, word, minutes_published)
    chunk = results[(page - 1) * RESULTS_PER_PAGE : page * RESULTS_PER_PAGE]
    rows = "\n".join(
        f'<li><a href="{base}/{content_path(m, i)}">{escape(i.title)}</a></li>' for m, i in chunk
    )
    pager = ""
    if page * RESULTS_PER_PAGE < len(results):
        query = f"n={SEARCH_NODE}&amp;d=1&amp;s={quote(word)}&amp;o=Rank&amp;page={page + 1}"
        pager = f'<a class="next" href="{base}/haku?{query}">Seuraava</a>'
    content = (
        f"<h1>Hakutulokset</h1>\n<p>Haulla {escape(word)} löytyi {len(results)} tulosta</p>\n"
        f'<ol class="results">\n{rows}\n</ol>\n<p class="pager">{pager}</p>'
    )
    if layout(site) == "header":
        return _old_page(site, "Haku", content)
    return _live_page(site, base, "Haku", [("Haku", None)], content)


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
        section("Päätös", decision_text(handling))
    return parts


def decision_text(handling: Handling) -> str | None:
    """The decision as printed: a member's disqualification is told at its end."""
    decision = handling.decision
    if decision and handling.disqualified:
        names = ", ".join(handling.disqualified)
        decision += f"\n\n{names} ilmoitti olevansa esteellinen eikä osallistunut asian käsittelyyn."
    return decision


def _item_content(
    meeting: Meeting, item: Item, minutes_published: bool, header: str | None = None
) -> list[str]:
    """The item's text: "§ N Title" (an ``<h1>``, or under a header line "Body, kokous d.m.yyyy"),
    "Pöytäkirja on tarkastettu" on minutes, the diary number, then the handlings, earlier ones first."""
    doc = meeting.document_type(minutes_published)
    status = ['<p class="status">Pöytäkirja on tarkastettu</p>'] if doc == "minutes" else []
    title = f"§ {item.section} {escape(item.title)}"
    parts = [f"<h1>{header}</h1>", *status, f"<h2>{title}</h2>"] if header else [f"<h1>{title}</h1>", *status]
    if item.diary_number:
        parts.append(f'<p class="dno">{escape(item.diary_number)}</p>')
    if len(item.handlings) > 1:
        parts.append("<h3>Aikaisempi käsittely</h3>")
    for n, handling in enumerate(item.handlings):
        own = n == len(item.handlings) - 1
        parts.extend(_blocks(handling, show_decision=not own or doc == "minutes"))
    if doc == "minutes":
        parts.append(f"<h3>Muutoksenhaku</h3><p>{APPEAL}</p>")
    return parts


def item_text(site: DemoSite, meeting: Meeting, item: Item, minutes_published: bool) -> str:
    """What the search indexes of an item: its title and its page's text."""
    return re.sub(r"<[^>]+>", " ", " ".join(_item_content(meeting, item, minutes_published)))


def _short(title: str) -> str:
    return title if len(title) <= 40 else title[:40].rstrip() + "…"


def item_page(site: DemoSite, meeting: Meeting, item: Item, minutes_published: bool, base: str = "") -> str:
    body = site.body(meeting.body_id)
    if layout(site) == "header":
        header = f"{escape(body.name)}, kokous {_fi(meeting.date)}"
        return _old_page(site, item.title, "\n".join(_item_content(meeting, item, minutes_published, header)))
    parts = _item_content(meeting, item, minutes_published)
    crumbs = [*_crumbs_to(site, base, meeting), (_short(item.title), None)]
    return _live_page(site, base, item.title, crumbs, "\n".join(parts))
