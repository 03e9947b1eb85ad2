"""What was decided, in effect, from a handling's proposal, discussion and decision texts.

``noted`` is an approval of a proposal to take note: the effective decision is that the body noted the
matter, which is what a user comparing municipalities wants to see, not "approved"."""

from __future__ import annotations

import re

RETURNED = re.compile(r"palaut\w*\s+(?:asian\s+)?(?:uudelleen\s+)?valmistel", re.I)
TABLED = re.compile(
    r"(?:jätettiin|jättää|jätti|pantiin)\s+(?:asian\s+)?pöydälle|pöydällepano\w*\s+hyväksyttiin", re.I
)
REJECTED = re.compile(r"\bhylät\w*|\bhylkäsi\b|\bhylkää\b|ei\s+hyväksynyt|\bhylättiin\b", re.I)
AMENDED = re.compile(
    r"muutettuna|muutoksin|seuraavin\s+muutok|seuraavalla\s+muutok|lisäyksin|täydennettynä|"
    r"seuraavin\s+lisäyk|vastaehdotuksen\s+mukaisesti",
    re.I,
)
APPROVED = re.compile(
    r"hyväksyttiin|hyväksyi|hyväksytään|ehdotuksen\s+mukaisesti|esityksen\s+mukaisesti|"
    r"päätti\b|päättää\b|yksimielisesti",
    re.I,
)
NOTED_DECISION = re.compile(
    r"merkits\w*\s+(?:\w+\s+){0,4}tiedo(?:ksi|kseen)|merkittiin\s+tiedo(?:ksi|kseen)", re.I
)
NOTING_PROPOSAL = re.compile(r"merki\w*\s+(?:\S+\s+){0,6}?tiedo(?:ksi|kseen)", re.I)
# Verbs that make a proposal more than taking note: approving, granting, choosing, obliging…
SUBSTANTIVE_PROPOSAL = re.compile(
    r"hyväksy|myöntä|valitse|nimeä|antaa\s+lausun|esittää|velvoitta|kehotta|oikeutta|valtuutta|osoitta",
    re.I,
)


def decision_outcome(proposal: str | None, decision: str | None, discussion: str | None = None) -> str | None:
    """One of approved, approved_amended, noted, returned, tabled, rejected, other; None without a
    decision (an agenda)."""
    if not decision or not decision.strip():
        return None
    text = decision
    if RETURNED.search(text):
        return "returned"
    if TABLED.search(text):
        return "tabled"
    if AMENDED.search(text):
        return "approved_amended"
    if REJECTED.search(text) and not re.search(r"hyväksyttiin", text, re.I):
        return "rejected"
    if NOTED_DECISION.search(text):
        return "noted"
    if APPROVED.search(text):
        if (
            proposal
            and NOTING_PROPOSAL.search(proposal)
            and not SUBSTANTIVE_PROPOSAL.search(NOTING_PROPOSAL.sub("", proposal))
        ):
            return "noted"
        return "approved"
    return "other"
