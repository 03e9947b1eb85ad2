"""What was decided, in effect: the Finnish phrasings of approval, noting, amendment, return, tabling,
rejection, votes and counter-proposals, read off a handling's proposal, discussion and decision."""

from __future__ import annotations

import pytest

from parsing.outcome import decision_outcome

APPROVE = "Lautakunta hyväksyy hankintapäätöksen liitteen mukaisesti."
NOTE = "Lautakunta merkitsee tiedoksi toimintakertomuksen."
REJECT_APPEAL = "Lautakunta hylkää oikaisuvaatimuksen."


@pytest.mark.parametrize(
    ("proposal", "decision", "outcome"),
    [
        (APPROVE, "Ehdotus hyväksyttiin.", "approved"),
        (APPROVE, "Päätösehdotus hyväksyttiin yksimielisesti.", "approved"),
        (APPROVE, "Hyväksyttiin.", "approved"),
        (
            APPROVE,
            "Kunnanhallitus päätti esittää valtuustolle, että valtuusto hyväksyy sopimuksen.",
            "approved",
        ),
        (NOTE, "Päätösehdotus hyväksyttiin.", "noted"),
        (NOTE, "Merkitään tiedoksi.", "noted"),
        (APPROVE, "Kunnanhallitus päätti merkitä asian tiedoksi.", "noted"),
        (APPROVE, "Asia palautettiin lisävalmisteluun.", "returned"),
        (
            APPROVE,
            "Kaupunginhallitus päätti äänestyksen jälkeen äänin 6–5 palauttaa asian valmisteluun.",
            "returned",
        ),
        (APPROVE, "Asia jätetään pöydälle.", "tabled"),
        (APPROVE, "Asian käsittely siirrettiin seuraavaan kokoukseen.", "tabled"),
        (APPROVE, "Ehdotus hyväksyttiin sillä muutoksella, että määräaika on 30.6.2026.", "approved_amended"),
        (APPROVE, "Muutettu päätösehdotus hyväksyttiin yksimielisesti.", "approved_amended"),
        (
            APPROVE,
            "Ehdotus hyväksyttiin seuraavalla lisäyksellä: toteutumisesta raportoidaan.",
            "approved_amended",
        ),
        (APPROVE, "Esittelijä poisti asian esityslistalta.", "other"),
    ],
)
def test_the_usual_phrasings_of_a_decision_give_their_outcome(proposal, decision, outcome):
    assert decision_outcome(proposal, decision) == outcome


@pytest.mark.parametrize(
    ("decision", "outcome"),
    [
        ("Päätösesitys hyväksyttiin äänestyksen jälkeen äänin 9–4.", "approved"),
        ("Äänestyksen jälkeen lautakunta hyväksyi päätösehdotuksen äänin 6–3.", "approved"),
        ("Puheenjohtaja totesi päätösehdotuksen tulleen hyväksytyksi äänin 6–5.", "approved"),
        ("Päätösehdotus hyväksyttiin äänin 7–2. Vastaehdotus hylättiin.", "approved"),
        ("Mäkisen ehdotus raukesi kannattamattomana. Päätösehdotus hyväksyttiin.", "approved"),
        ("Äänestyksen jälkeen päätösehdotus hylättiin äänin 4–5.", "rejected"),
        ("Lautakunta päätti äänestyksen jälkeen äänin 5–4 olla hyväksymättä päätösehdotusta.", "rejected"),
    ],
)
def test_a_vote_decides_nothing_by_itself_the_side_that_won_does(decision, outcome):
    assert decision_outcome(APPROVE, decision) == outcome


@pytest.mark.parametrize(
    ("decision", "discussion", "outcome"),
    [
        (
            "Äänestyksen jälkeen lautakunta hyväksyi Niemisen vastaehdotuksen äänin 5–4.",
            None,
            "approved_amended",
        ),
        (
            "Lautakunta päätti äänestyksen jälkeen hyväksyä Lindqvistin muutosehdotuksen.",
            None,
            "approved_amended",
        ),
        (
            "Äänestyksessä annettiin 6 jaa-ääntä ja 5 ei-ääntä. "
            "Puheenjohtaja totesi Laineen vastaehdotuksen tulleen hyväksytyksi.",
            None,
            "approved_amended",
        ),
        (
            "Valtuusto hyväksyi äänin 27–24 Virtasen tekemän vastaehdotuksen, jonka mukaan hakemus hylätään.",
            None,
            "rejected",
        ),
        (
            "Äänestyksen jälkeen kunnanhallitus päätti Salosen ehdotuksen mukaisesti.",
            "Salonen ehdotti Kivisen kannattamana, että asia palautetaan uudelleen valmisteltavaksi.",
            "returned",
        ),
        (
            "Äänestyksen jälkeen (jaa 4, ei 5) lautakunta päätti Heikkilän vastaehdotuksen mukaisesti.",
            "Heikkilä ehdotti Salon kannattamana, että hankinta hylätään ja kilpailutus uusitaan.",
            "rejected",
        ),
        (
            "Äänestyksen jälkeen valtuusto päätti Virtasen ehdotuksen mukaisesti jättää asian pöydälle.",
            None,
            "tabled",
        ),
    ],
)
def test_a_counter_proposal_that_won_gives_what_it_asked_for(decision, discussion, outcome):
    assert decision_outcome(APPROVE, decision, discussion) == outcome


def test_the_chairs_or_the_presenters_proposal_is_no_counter_proposal():
    assert decision_outcome(
        APPROVE, "Äänestyksen jälkeen lautakunta päätti puheenjohtajan ehdotuksen mukaisesti."
    ) == ("approved")
    assert decision_outcome(APPROVE, "Lautakunta hyväksyi esittelijän ehdotuksen äänin 5–2.") == "approved"


def test_rejecting_what_the_proposal_asked_to_reject_is_an_approval():
    assert decision_outcome(REJECT_APPEAL, "Lautakunta hylkäsi oikaisuvaatimuksen.") == "approved"
    assert decision_outcome(REJECT_APPEAL, "Päätösehdotus hyväksyttiin.") == "approved"
    assert decision_outcome(APPROVE, "Lautakunta hylkäsi hakemuksen.") == "rejected"


def test_an_agenda_without_a_decision_has_no_outcome():
    assert decision_outcome(APPROVE, None) is None
    assert decision_outcome(APPROVE, "  ") is None


@pytest.mark.parametrize(
    "decision",
    [
        "Kunnanhallituksen ehdotus hyväksyttiin.",
        "Kaupunginhallituksen ehdotus hyväksyttiin yksimielisesti.",
        "Aluehallituksen päätösesitys hyväksyttiin.",
    ],
)
def test_a_council_approving_its_boards_proposal_approves_it_unamended(decision):
    proposal = "Kunnanhallitus esittää valtuustolle, että valtuusto hyväksyy yhteistoimintasopimuksen."
    assert decision_outcome(proposal, decision) == "approved"


def test_a_motion_reported_in_the_decision_that_lost_the_vote_leaves_the_proposal_approved():
    decision = (
        "Keskustelun aikana Strandman esitti, että asia palautetaan uudelleen valmisteltavaksi. "
        "Hokkanen kannatti Strandmanin esitystä. Suoritetussa äänestyksessä annettiin 5 jaa-ääntä ja "
        "5 ei-ääntä. Puheenjohtaja totesi esittelijän esityksen tulleen hyväksytyksi puheenjohtajan äänen "
        "ratkaistessa äänestyksen tuloksen."
    )
    assert decision_outcome(APPROVE, decision) == "approved"
    won = decision.replace(
        "esittelijän esityksen tulleen hyväksytyksi", "asian palautetun uudelleen valmisteltavaksi"
    )
    assert decision_outcome(APPROVE, won) == "returned"
