"""Body names: one spelling per body across the warehouse.

Sites print bodies as abbreviations (``KH``, ``Khall``, ``KASOPLTK``). A source's own abbreviations come
from the registry and win; the common ones below apply to every municipality (a city's registry entry
maps ``KH`` to ``Kaupunginhallitus``)."""

from __future__ import annotations

import re

COMMON_ABBREVIATIONS = {
    "kh": "Kunnanhallitus",
    "khall": "Kunnanhallitus",
    "kv": "Kunnanvaltuusto",
    "kvalt": "Kunnanvaltuusto",
    "kvaltuusto": "Kunnanvaltuusto",
    "tela": "Tekninen lautakunta",
    "tekla": "Tekninen lautakunta",
    "ytlk": "Ympäristö- ja tekninen lautakunta",
    "rakla": "Rakennuslautakunta",
    "sivla": "Sivistyslautakunta",
    "sivltk": "Sivistyslautakunta",
    "hyvla": "Hyvinvointilautakunta",
    "tarla": "Tarkastuslautakunta",
    "tarkla": "Tarkastuslautakunta",
    "tarkltk": "Tarkastuslautakunta",
    "ympltk": "Ympäristölautakunta",
    "rakltk": "Rakennuslautakunta",
    "tekltk": "Tekninen lautakunta",
    "vapltk": "Vapaa-aikalautakunta",
    "kasopltk": "Kasvatus- ja opetuslautakunta",
    "keskusvaalilautakunta": "Keskusvaalilautakunta",
}

#: The words a body's name ends in (…lautakunta, …hallitus, Päijät-Hämeen liitto), each with the stem
#: its inflected forms are built on ("lautakunnan ehdotus" is the board's proposal, not a person's):
#: the one list of body words, for the parser, the outcome's movers and the warehouse's people.
BODY_ENDINGS = {
    "hallitus": "hallitukse",
    "valtuusto": "valtuusto",
    "lautakunta": "lautakunna",
    "jaosto": "jaosto",
    "toimikunta": "toimikunna",
    "johtokunta": "johtokunna",
    "neuvosto": "neuvosto",
    "toimielin": "toimielime",
    "jaos": "jaokse",
    "kokous": "kokoukse",
    "valiokunta": "valiokunna",
    "työryhmä": "työryhmä",
    "ryhmä": "ryhmä",
    "liitto": "liito",
}
#: A body's name as printed, in its basic form or in the genitive headings use ("Kunnanhallituksen").
BODY_WORDS = (*BODY_ENDINGS, "lautakunnan", "hallituksen")
#: The stems of every inflected form of a body word.
BODY_STEMS = tuple(dict.fromkeys(BODY_ENDINGS.values()))


def canonical_body(printed: str | None, abbreviations: dict[str, str] | None = None) -> str | None:
    if not printed:
        return None
    name = re.sub(r"\s+", " ", printed).strip(" :,.")
    if not name:
        return None
    own = abbreviations or {}
    if name in own:
        return own[name]
    lowered = {key.lower(): value for key, value in own.items()}
    if name.lower() in lowered:
        return lowered[name.lower()]
    if name.lower() in COMMON_ABBREVIATIONS:
        return COMMON_ABBREVIATIONS[name.lower()]
    if name.isupper() and name.lower().endswith(BODY_WORDS):
        return name.capitalize()  # "KUNNANHALLITUS" in a PDF heading is the board, not an acronym
    return name[0].upper() + name[1:]


def looks_like_body(name: str, abbreviations: dict[str, str] | None = None) -> bool:
    """Whether a line's leading words can name a body: a known abbreviation, a name ending in a body
    word (…lautakunta, …hallitus), or a short all-letters token such as ``KASOPLTK`` or ``Henjao``."""
    name = name.strip()
    if not name or len(name) > 80 or any(ch.isdigit() for ch in name):
        return False
    lowered = name.lower()
    if abbreviations and (name in abbreviations or lowered in {k.lower() for k in abbreviations}):
        return True
    if lowered in COMMON_ABBREVIATIONS:
        return True
    if lowered.endswith(BODY_WORDS) and len(name.split()) <= 6:
        return True
    return " " not in name and name.isalpha() and 2 <= len(name) <= 12 and name[0].isupper()
