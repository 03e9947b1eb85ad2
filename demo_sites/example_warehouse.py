"""A small region written by hand, with answers known in advance: for the tests and for trying the SQL
of ``warehouse/README.md`` (``python -m demo_sites.example_warehouse FILE`` loads it).

Four member municipalities and the regional council. The waste agreement went to three of the four
municipalities' boards (Hollola's board sent it back); the sports report came from the regional
council to Heinola only; every municipality gave its statement on the service network; Asikkala's
village hall grant is local. Preparer lines are printed in the ways real pages print them.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

SOURCES = [
    ("asikkala", "Asikkala", "municipality"),
    ("heinola", "Heinola", "municipality"),
    ("hollola", "Hollola", "municipality"),
    ("padasjoki", "Padasjoki", "municipality"),
    ("paijat-hameen-liitto", "Päijät-Hämeen liitto", "region"),
]
NAMES = {source_id: name for source_id, name, _ in SOURCES}

WASTE = "Päijät-Hämeen jätehuollon yhteistoimintasopimuksen uudistaminen 2026–2030"
SPORTS = "Liikuntapalveluiden seudullisen yhteistyön toimintakertomus 2025"
NETWORK = "Lausunto hyvinvointialueen palveluverkkoselvityksestä"
VILLAGE = "Avustus Kalkkisten kyläyhdistykselle kylätalon kunnostukseen"
LAWFUL = "Kokouksen laillisuus ja päätösvaltaisuus"

#: (source, body, date, §, matter, title, preparer, presenter, outcome, decision, explanation)
HANDLINGS = [
    (
        "asikkala",
        "Kunnanhallitus",
        date(2026, 4, 13),
        72,
        "lawful-a1",
        LAWFUL,
        None,
        "Kunnanjohtaja Juha Rantanen",
        "approved",
        "Kokous todettiin lailliseksi ja päätösvaltaiseksi.",
        "Kokouskutsu on lähetetty jäsenille.",
    ),
    (
        "asikkala",
        "Kunnanhallitus",
        date(2026, 4, 13),
        73,
        "waste",
        WASTE,
        "Hallintojohtaja Sari Lindholm",
        "Kunnanjohtaja Juha Rantanen",
        "approved",
        "Ehdotus hyväksyttiin.",
        "Jätehuollon yhteistoimintasopimus uudistetaan. Sopimus koskee kaikkia jäsenkuntia.",
    ),
    (
        "asikkala",
        "Kunnanhallitus",
        date(2026, 4, 13),
        74,
        "village",
        VILLAGE,
        "Elinvoimapäällikkö Laura Nieminen",
        "Kunnanjohtaja Juha Rantanen",
        "approved",
        "Ehdotus hyväksyttiin.",
        "Kyläyhdistys hakee avustusta kylätalon katon uusimiseen.",
    ),
    (
        "asikkala",
        "Kunnanvaltuusto",
        date(2026, 5, 4),
        23,
        "waste",
        WASTE,
        None,
        "Kunnanhallitus",
        "approved",
        "Kunnanhallituksen ehdotus hyväksyttiin.",
        "Valtuusto hyväksyy jätehuollon yhteistoimintasopimuksen.",
    ),
    (
        "asikkala",
        "Kunnanhallitus",
        date(2026, 5, 18),
        90,
        "network",
        NETWORK,
        "Hallintojohtaja Sari Lindholm",
        "Kunnanjohtaja Juha Rantanen",
        "approved_amended",
        "Ehdotus hyväksyttiin muutettuna.",
        "Palveluverkkoselvityksestä pyydetään kunnan lausuntoa.",
    ),
    (
        "heinola",
        "Kaupunginhallitus",
        date(2026, 4, 27),
        106,
        "waste",
        WASTE,
        "Kaupunkiympäristöjohtaja Harri Mustonen",
        "Kaupunginjohtaja Mikko Aaltonen",
        "approved",
        "Päätösehdotus hyväksyttiin.",
        "Jätehuollon sopimus on valmisteltu jäsenkuntien kesken.",
    ),
    (
        "heinola",
        "Hyvinvointilautakunta",
        date(2026, 4, 22),
        33,
        "sports",
        SPORTS,
        "Liikuntapäällikkö Rinne, Toni",
        "hyvinvointijohtaja Laitinen, Sanna",
        "noted",
        "Päätösehdotus hyväksyttiin.",
        "Toimintakertomus kertoo yhteistyön tuloksista. Toimintakertomukseen on koottu tavoitteet, ja "
        "toimintakertomuksen liitteenä ovat hankkeet. Toimintakertomus saatetaan tiedoksi.",
    ),
    (
        "heinola",
        "Kaupunginhallitus",
        date(2026, 5, 25),
        120,
        "network",
        NETWORK,
        "Kaupunkiympäristöjohtaja Harri Mustonen",
        "Kaupunginjohtaja Mikko Aaltonen",
        "approved",
        "Päätösehdotus hyväksyttiin.",
        "Kaupunki antaa lausunnon palveluverkkoselvityksestä.",
    ),
    (
        "hollola",
        "Kunnanhallitus",
        date(2026, 4, 20),
        88,
        "waste",
        WASTE,
        "Tekninen johtaja Pekka Virtanen",
        "Kunnanjohtaja Anna Laine",
        "returned",
        "Asia palautettiin uudelleen valmisteltavaksi.",
        "Jätehuollon sopimusluonnos esitellään hallitukselle.",
    ),
    (
        "hollola",
        "Kunnanhallitus",
        date(2026, 5, 11),
        95,
        "network",
        NETWORK,
        "Hallintojohtaja Sari Lindholm, hallintosihteeri Tiina Virtanen",
        "Kunnanjohtaja Anna Laine",
        "approved",
        "Ehdotus hyväksyttiin.",
        "Lausunto palveluverkkoselvityksestä annetaan määräajassa.",
    ),
    (
        "padasjoki",
        "Kunnanhallitus",
        date(2026, 6, 1),
        61,
        "network",
        NETWORK,
        "Kunnanjohtaja Ville Hämäläinen",
        "Kunnanjohtaja Ville Hämäläinen",
        "noted",
        "Merkittiin tiedoksi.",
        "Palveluverkkoselvitys merkitään tiedoksi.",
    ),
    (
        "paijat-hameen-liitto",
        "Maakuntahallitus",
        date(2026, 3, 9),
        14,
        "sports",
        SPORTS,
        "Suunnittelija Kirsi Aaltonen",
        "Maakuntajohtaja Niko Kyynäräinen",
        "approved",
        "Ehdotus hyväksyttiin.",
        "Seudullisen liikuntayhteistyön toimintakertomus vuodelta 2025 hyväksytään.",
    ),
]


def _item(index: int, handling: tuple) -> dict:
    source_id, body, day, section, matter, title, preparer, presenter, outcome, decision, explanation = (
        handling
    )
    item_id = f"{source_id}-{day:%Y%m%d}-{section}"
    proposal = f"Esitetään, että asia {title.lower()} käsitellään."
    text = "\n\n".join(
        part
        for part in (
            f"{title} {body} {day:%d.%m.%Y} § {section}",
            f"Valmistelija {preparer}" if preparer else None,
            explanation,
            f"Esittelijä {presenter}" if presenter else None,
            f"Päätösehdotus {proposal}",
            f"Päätös {decision}",
        )
        if part
    )
    base = f"https://{source_id}.example.fi/cgi/DREQUEST.PHP"
    return {
        "item_id": item_id,
        "meeting_id": f"{source_id}-{body}-{day:%Y%m%d}",
        "source_id": source_id,
        "municipality": NAMES[source_id],
        "body": body,
        "body_printed": body,
        "meeting_date": day,
        "document_type": "minutes",
        "section": section,
        "agenda_position": index,
        "title": title,
        "diary_number": f"{100 + index}/00.04.01/2026",
        "preparer": preparer,
        "presenter": presenter,
        "explanation": explanation,
        "proposal": proposal,
        "discussion": None,
        "decision": decision,
        "decision_outcome": outcome,
        "disqualifications": [],
        "text": text,
        "url": f"{base}?page=meetingitem&id={item_id}",
        "pdf_url": f"https://{source_id}.example.fi/kokous/{item_id}.PDF",
        "meeting_url": f"{base}?page=meeting&id={source_id}-{day:%Y%m%d}",
        "is_procedural": title == LAWFUL,
        "is_own_page": True,
        "document_sha256": f"{index:064x}",
        "matter_id": matter,
        "first_seen": f"{day:%Y-%m-%d}T18:00:00+03:00",
        "last_seen": f"{day:%Y-%m-%d}T18:00:00+03:00",
    }


def example_tables() -> dict[str, list[dict]]:
    """The base tables of the example region, as ``load_warehouse`` takes them."""
    items = [_item(index, handling) for index, handling in enumerate(HANDLINGS, start=1)]
    meetings = {
        row["meeting_id"]: {
            "meeting_id": row["meeting_id"],
            "source_id": row["source_id"],
            "municipality": row["municipality"],
            "body": row["body"],
            "meeting_date": row["meeting_date"],
            "document_type": "minutes",
            "url": row["meeting_url"],
        }
        for row in items
    }
    return {
        "sources": [
            {
                "source_id": source_id,
                "name": name,
                "kind": kind,
                "platform": "dynasty",
                "base_url": f"https://{source_id}.example.fi/cgi/DREQUEST.PHP",
            }
            for source_id, name, kind in SOURCES
        ],
        "documents": [
            {
                "document_id": f"doc-{row['item_id']}",
                "source_id": row["source_id"],
                "url": row["url"],
                "kind": "meetingitem",
                "content_type": "text/html",
                "http_status": 200,
                "fetched_at": row["first_seen"],
                "size_bytes": len(row["text"]),
                "sha256": row["document_sha256"],
            }
            for row in items
        ],
        "meetings": list(meetings.values()),
        "items": items,
        "matter_links": [],
        "crawl_errors": [],
        "parse_errors": [],
    }


if __name__ == "__main__":
    from warehouse.load import load_warehouse

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "example.duckdb")
    print(load_warehouse(target, example_tables()).row_counts)
