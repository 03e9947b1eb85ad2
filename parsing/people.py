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
    "vastaava",
)


def strip_contacts(text: str) -> str:
    text = EMAIL.sub("", text)
    text = PHONE.sub("", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"\s+", " ", text)
    text = CONTACT_WORDS.sub("", text.strip())
    return text.strip(" ,;:-/")


def clean_person_lines(lines: list[str]) -> str | None:
    """One string for the people a preparer/presenter section names, contacts removed."""
    people = []
    for line in filter(str.strip, lines):
        line = re.sub(r"^\s*(?:[•·▪\-–*]\s+)", "", line)
        cleaned = strip_contacts(line)
        if cleaned and not re.fullmatch(r"\(?etunimi\.sukunimi.*", cleaned):
            people.append(cleaned)
    if not people:
        return None
    joined = ", ".join(people)
    joined = re.sub(r"\s*,\s*(?:,\s*)+", ", ", joined).strip(" ,")
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
    capitalised = sum(1 for w in words if w[:1].isupper())
    return capitalised * 2 > len(words)


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
