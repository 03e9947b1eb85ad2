"""What was decided, in effect, from a handling's proposal, discussion and decision texts.

``noted`` is an approval of a proposal to take note: the effective decision is that the body noted the
matter, which is what a user comparing municipalities wants to see, not "approved".

A vote decides nothing by itself: "Päätösehdotus hyväksyttiin äänestyksen jälkeen äänin 9–4" is an
approval. What counts is which side won. When a counter-proposal (``vastaehdotus``, ``muutosehdotus``,
"Virtasen ehdotus") won, the outcome is what that counter-proposal asked for: to return the matter, to
table it, to reject it, or otherwise to decide differently from the proposal (``approved_amended``). A
counter-proposal that lapsed or lost leaves the proposal approved.
"""

from __future__ import annotations

import re

from parsing.bodies import BODY_STEMS

RETURNED = re.compile(
    r"palaut\w*\s+(?:\w+\s+){0,3}?(?:lisä|uudelleen)?valmistel\w*|palaut\w*\s+(?:asia\w*\s+)?esittelijälle",
    re.I,
)
TABLED = re.compile(
    r"(?:jätettiin|jättää|jätti|jätetään|jättämään|pantiin|panna)\s+(?:asia\w*\s+)?(?:yksimielisesti\s+)?pöydälle|"
    r"pöydällepano\w*\s+hyväksyttiin|käsittely\w*\s+siirr\w*|siirr\w*\s+(?:asian\s+)?käsittely\w*",
    re.I,
)
REJECTING = re.compile(
    r"\bhylät\w*|\bhylkäsi\b|\bhylkää\w*|\bhylkäämään\b|ei\s+hyväksynyt|ei\s+hyväksytty|hyväksymättä|"
    r"hylätyksi",
    re.I,
)
AMENDED = re.compile(
    r"muutettuna|muutoksin|muutoksella|seuraavin\s+muutok|seuraavalla\s+muutok|lisäyksin|lisäyksellä|"
    r"täydennettynä|täydennyksellä|korjattuna|muutetussa\s+muodossa|muutettu\w*\s+(?:päätös)?ehdotu|"
    r"seuraavin\s+lisäyk",
    re.I,
)
APPROVED = re.compile(
    r"hyväksyttiin|hyväksyi|hyväksytään|hyväksyä|hyväksytyksi|ehdotuksen\s+mukaisesti|"
    r"esityksen\s+mukaisesti|päätti\b|päättää\b|päätettiin|yksimielisesti|todettiin|valittiin|valitsi\b",
    re.I,
)
NOTED = re.compile(r"merki\w*\s+(?:\S+\s+){0,6}?tiedo(?:ksi|kseen)|tiedoksi\s+merki\w*", re.I)
# Verbs that make a proposal more than taking note: approving, granting, choosing, obliging…
SUBSTANTIVE = re.compile(
    r"hyväksy|myöntä|valitse|valita|nimeä|antaa\s+lausun|esittää|velvoitta|kehotta|oikeutta|valtuutta|"
    r"osoitta",
    re.I,
)
# A counter-proposal: named as such, or by its mover ("Virtasen ehdotus"); roles and bodies are not
# movers ("puheenjohtajan ehdotus" is the chair's proposal, the one put to the vote first).
COUNTER = re.compile(
    r"\b(?P<mover>[A-ZÅÄÖ][\wåäö-]+?)(?:n|in|en)\s+(?:tekemä\w*\s+)?(?i:vasta|muutos)?ehdotu\w*|"
    r"(?i:vasta|muutos)ehdotu\w*"
)
NOT_A_MOVER = (
    "johtaja",
    "esittelijä",
    "valmistelija",
    "päällikkö",
    *BODY_STEMS,
    "kunna",
    "kaupungi",
    "päätös",
    "viranhaltija",
)
COUNTER_WON = re.compile(r"hyväksy\w*|mukaisesti|voitti|tulleen\s+hyväksytyksi", re.I)
COUNTER_LOST = re.compile(
    r"hylättiin|hylkäsi|hylätyksi|raukesi|raukeavan|rauenn\w*|kannattamattom\w*|hävisi", re.I
)
PROPOSAL_WORD = re.compile(r"(?:päätös)?ehdotu\w*|(?:päätös)?esity\w*", re.I)
MOTION = re.compile(r"ehdotti[^.]*?(?:,\s*)?että\s+(?P<content>[^.]+)", re.I)
#: A sentence of a decision that reports a motion or its support ("Strandman esitti, että asia
#: palautetaan…", "Hokkanen kannatti…"): what someone moved, not what was decided (CaseM prints the
#: whole course of a vote in the decision).
MOVED = re.compile(r"\b(?:esitti|ehdotti)\b[^.]*\bettä\b|\bkannatti\b", re.I)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9])")


def _sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_END.split(" ".join(text.split())) if s]


def _is_a_mover(match: re.Match[str]) -> bool:
    """Whether a "X:n ehdotus" names a person. The whole genitive word is checked, since the lazy mover
    group stops early ("Kunnanhallituks|en"): a body's or a role's proposal is no counter-proposal."""
    if not match["mover"]:
        return True
    word = match.group(0).split()[0].lower()
    return not any(stem in word for stem in NOT_A_MOVER)


def _counter_mentions(sentence: str) -> list[re.Match[str]]:
    return [m for m in COUNTER.finditer(sentence) if _is_a_mover(m)]


def _about_a_counter_that_lost(sentence: str) -> bool:
    return bool(_counter_mentions(sentence)) and bool(COUNTER_LOST.search(sentence))


def _winning_counter(sentences: list[str]) -> tuple[str, str | None] | None:
    """The sentence saying a counter-proposal won, and its mover where named."""
    for sentence in sentences:
        mentions = _counter_mentions(sentence)
        if mentions and COUNTER_WON.search(sentence) and not COUNTER_LOST.search(sentence):
            return sentence, mentions[0]["mover"]
    return None


def _what_was_asked(text: str) -> str | None:
    """returned / tabled / rejected for a motion's content, None for anything else."""
    if RETURNED.search(text):
        return "returned"
    if TABLED.search(text):
        return "tabled"
    if REJECTING.search(text) or re.search(r"\bei\s+\w+", text):
        return "rejected"
    return None


def _counter_outcome(sentence: str, mover: str | None, discussion: str | None) -> str:
    """What the winning counter-proposal asked for: its content in the decision ("…, jonka mukaan
    hakemus hylätään") or in the discussion ("Virtanen ehdotti, että asia palautetaan…")."""
    said = re.search(r"(?:jonka\s+mukaan|että)\s+(?P<content>.+)$", sentence)
    if said and (asked := _what_was_asked(said["content"])):
        return asked
    motions = " ".join((discussion or "").split())
    for motion in MOTION.finditer(motions):
        moved_by = motions[max(0, motion.start() - 80) : motion.start()].lower()
        if mover and mover[:4].lower() not in moved_by:
            continue
        if asked := _what_was_asked(motion["content"]):
            return asked
        break
    return "approved_amended"


def _rejection_outcome(proposal: str | None, sentences: list[str]) -> str | None:
    """rejected when the body turned the proposal down; approved when it rejected what the proposal
    itself asked it to reject (an appeal, an application)."""
    rejecting = [s for s in sentences if REJECTING.search(s)]
    if not rejecting:
        return None
    if any(PROPOSAL_WORD.search(s) for s in rejecting):
        return "rejected"
    if proposal and REJECTING.search(proposal):
        return "approved"
    return "rejected"


def _is_only_noting(text: str) -> bool:
    return bool(NOTED.search(text)) and not SUBSTANTIVE.search(NOTED.sub("", text))


def decision_outcome(proposal: str | None, decision: str | None, discussion: str | None = None) -> str | None:
    """One of approved, approved_amended, noted, returned, tabled, rejected, other; None without a
    decision (an agenda)."""
    if not decision or not decision.strip():
        return None
    sentences = [s for s in _sentences(decision) if not _about_a_counter_that_lost(s)]
    moved = [s for s in sentences if MOVED.search(s)]
    sentences = [s for s in sentences if s not in moved]
    text = " ".join(sentences)
    if RETURNED.search(text):
        return "returned"
    if TABLED.search(text):
        return "tabled"
    if won := _winning_counter(sentences):
        return _counter_outcome(*won, " ".join([discussion or "", *moved]))
    if AMENDED.search(text):
        return "approved_amended"
    if rejection := _rejection_outcome(proposal, sentences):
        return rejection
    if NOTED.search(text):
        return "noted" if _is_only_noting(text) else "approved"
    if APPROVED.search(text):
        return "noted" if proposal and _is_only_noting(proposal) else "approved"
    # A decision that only restates what was resolved (Espoo prints the body's name and the final
    # wording): the discussion says whether a counter-proposal changed it.
    if discussion and (won := _winning_counter(_sentences(discussion))):
        return _counter_outcome(*won, discussion)
    return "other"
