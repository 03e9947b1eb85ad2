"""People in minutes: preparers, presenters, and members who declared themselves disqualified.

Names are kept as the page prints them (``Sivistysjohtaja Haapanen Petri``) with phone numbers and
email addresses removed: contact details are not what a user compares, and they change."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+(?:@|\(a\)|\[at\])[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?:\b(?:puh|p|tel|gsm|mob)\.?:?\s*)?\+?\d[\d ()-]{5,}\d")
CONTACT_WORDS = re.compile(r"\b(?:puh|p|tel|gsm|sähköposti|s-posti|email)\.?:?\s*$", re.I)
ROLE_SUFFIXES = (
    "johtaja",
    "päällikkö",
    "pormestari",
    "sihteeri",
    "esimies",
    "insinööri",
    "arkkitehti",
    "lakimies",
    "asiantuntija",
    "kamreeri",
    "koordinaattori",
    "suunnittelija",
    "puheenjohtaja",
    "neuvos",
    "rehtori",
    "ohjaaja",
    "vastaava",
    "tarkastaja",
    "kanslisti",
    "sihteerinä",
    "esittelijä",
    "kehittäjä",
    "valmistelija",
    "lääkäri",
    "hoitaja",
    "kirjaaja",
    "juristi",
    "ekonomi",
    "kemisti",
    "agronomi",
)


def strip_contacts(text: str) -> str:
    text = EMAIL.sub("", text)
    text = PHONE.sub("", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"\s+", " ", text)
    text = CONTACT_WORDS.sub("", text.strip())
    return text.strip(" ,;:-/")


BULLET_MARK = re.compile(r"^\s*[•·▪\-–*]\s+")
INCOMPLETE_END = re.compile(r"(?:[,/&-]|\b(?:ja|sekä|puh|p|tel|gsm)\.?:?)$", re.I)


def _without_contacts_is_empty(line: str) -> bool:
    return not strip_contacts(line)


def _is_incomplete_name(text: str) -> bool:
    """A lone role or a role with one name word ("Talousjohtaja Tiina"): a PDF wrapped the name."""
    words = strip_contacts(text).replace(",", " ").split()
    if len(words) == 1:
        return True
    return len(words) == 2 and words[0].lower().endswith(ROLE_SUFFIXES) and EMAIL.search(text) is None


def continues_person(previous: str, line: str) -> bool:
    """Whether ``line`` carries on the person entry of ``previous`` rather than naming someone else.

    A PDF wraps a preparer line anywhere: after a comma, inside a phone number, between a first name
    and a surname. A new bullet always starts a new person; lines that hold only contact details, or
    that follow a line cut off mid-name or mid-number, belong to the person above."""
    before, after = previous.strip(), line.strip()
    if not before or not after or BULLET_MARK.match(after):
        return False
    if _without_contacts_is_empty(after):
        return True
    if len(strip_contacts(after).split()) > 6:
        return False  # a sentence of the explanation, not the rest of a name
    if INCOMPLETE_END.search(before):
        return True
    if before[-1].isdigit() and after[0].isdigit():
        return True  # a phone number broken over two lines
    has_contact = EMAIL.search(before) or PHONE.search(before)
    return not has_contact and _is_incomplete_name(before)


def person_entries(lines: list[str]) -> list[str]:
    """The people of a preparer/presenter block, one string each, wrapped lines joined."""
    entries: list[str] = []
    adjacent = False
    for raw in lines:
        line = raw.strip()
        if not line:
            adjacent = False
            continue
        wrapped = entries and continues_person(entries[-1], line)
        if wrapped and (adjacent or _without_contacts_is_empty(line)):
            joiner = "" if entries[-1].endswith("-") and line[:1].isalpha() else " "
            entries[-1] = f"{entries[-1]}{joiner}{line}"
        else:
            entries.append(BULLET_MARK.sub("", line, count=1))
        adjacent = True
    return entries


def clean_person_lines(lines: list[str]) -> str | None:
    """One string for the people a preparer/presenter section names, contacts removed."""
    people = []
    for entry in person_entries(lines):
        cleaned = strip_contacts(entry)
        if cleaned and not re.fullmatch(r"\(?etunimi\.sukunimi.*", cleaned):
            people.append(cleaned)
    if not people:
        return None
    joined = ", ".join(people)
    joined = re.sub(r"\s*,\s*(?:,\s*)+", ", ", joined).strip(" ,")
    joined = re.sub(r",\s+(ja|sekä)\s+", r" \1 ", joined)  # "…Mäntykoski, puh. 040 … ja kehittämispäällikkö"
    return joined[0].upper() + joined[1:] if joined else None


def looks_like_person_line(line: str) -> bool:
    """A line of a preparer block: contact details, a bullet, or a short "Title First Last" line.

    PDF text breaks sentences into short lines, so shortness alone is no sign: the words must read
    like a name (mostly capitalised) or begin with a role such as "kunnanjohtaja"."""
    stripped = line.strip()
    if not stripped:
        return False
    if EMAIL.search(stripped) or re.search(r"\b(?:puh|p|tel|gsm)\.?:?\s*\+?\d", stripped):
        return True
    if stripped.startswith(("•", "- ")):
        return True
    words = stripped.replace(",", " ").split()
    if len(words) > 8 or stripped.endswith("."):
        return False
    if words[0].lower().endswith(ROLE_SUFFIXES):
        return True
    if len(words) == 1:
        return False  # a subheading ("Toiminta", "Taustaa"), not a name: names have two words
    capitalised = sum(1 for w in words if w[:1].isupper())
    return capitalised * 2 > len(words)


def is_role(text: str) -> bool:
    """Whether ``text`` is a role alone, "Kaupunginjohtaja" or "Vt. kaupunginjohtaja", no name."""
    words = text.strip().split()
    return 1 <= len(words) <= 2 and words[-1].lower().endswith(ROLE_SUFFIXES) and words[0][:1].isupper()


def starts_with_role(text: str) -> bool:
    """Whether text is a role and a name, "Kunnanjohtaja Anna Laine" or "hyvinvointijohtaja Hepo-oja,
    Pirjo", rather than the start of a sentence ("Puheenjohtaja toteaa läsnäolijat")."""
    words = text.strip().replace(",", " ").split()
    if not 2 <= len(words) <= 6 or text.strip().endswith("."):
        return False
    if not words[0].lower().endswith(ROLE_SUFFIXES):
        return False
    return all(word[:1].isupper() for word in words[1:])


DISQUALIFIED = re.compile(
    r"(?P<name>(?:[A-ZÅÄÖ][\w'-]+\s+){0,3}[A-ZÅÄÖ][\w'-]+)\s+"
    r"(?:ilmoitti\s+olevansa\s+(?:esteellinen|jäävi)|ilmoitti\s+esteellisyydestään|ilmoitti\s+jääviydestään|"
    r"jääväsi\s+itsensä|oli\s+esteellinen|oli\s+jäävi|poistui\s+esteellisenä|poistui\s+jäävinä)"
)


def disqualified_people(text: str) -> list[str]:
    names = []
    for match in DISQUALIFIED.finditer(text):
        words = match["name"].split()
        # Drop a leading capitalised word that is a sentence start or a title, not a name.
        while len(words) > 2:
            words = words[1:]
        name = " ".join(words)
        if name not in names:
            names.append(name)
    return names
