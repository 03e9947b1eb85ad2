"""The two published versions of one regional report that started the project (../shared/seeds)."""

from datetime import date

import pytest

from core.registry import load_registry
from linking.matters import link_handlings
from parsing.handlings import parse_item_lines

ASIKKALA_SEED = "000_b32b2a9a00ceff1b.txt"
HEINOLA_SEED = "001_6dbe717e5ac0cbaf.txt"


def parse_seed(shared_dir, name, source_id):
    source = next(s for s in load_registry() if s.id == source_id)
    text = (shared_dir / "seeds" / name).read_text(encoding="utf-8")
    return parse_item_lines(text.split("\n"), source.abbreviations)


@pytest.fixture
def asikkala(shared_dir):
    return parse_seed(shared_dir, ASIKKALA_SEED, "asikkala")


@pytest.fixture
def heinola(shared_dir):
    return parse_seed(shared_dir, HEINOLA_SEED, "heinola")


def test_asikkala_seed_is_the_education_boards_handling_of_14_march_2024(asikkala):
    own = asikkala.own
    assert len(asikkala.handlings) == 1
    assert own.body == "Kasvatus- ja opetuslautakunta"
    assert own.body_printed == "KASOPLTK"
    assert own.meeting_date == date(2024, 3, 14)
    assert own.section == 38
    assert asikkala.diary_number == "86/12.00.00/2024"
    assert (
        asikkala.title == "Sivistyspalveluiden seudullisen verkostoyhteistyön toimintakertomus vuodelta 2023"
    )


def test_asikkala_seed_was_approved_with_one_member_disqualified(asikkala):
    own = asikkala.own
    assert own.decision_outcome == "approved"
    assert own.decision == "Ehdotus hyväksyttiin."
    assert own.disqualifications == ["Henna Rautavuo-Hätönen"]
    assert own.preparer == "Sivistysjohtaja Haapanen Petri"
    assert own.presenter == "Sivistysjohtaja Haapanen Petri"
    assert own.proposal.startswith("Lautakunta hyväksyy esitetyn sivistystoimen seudullisen")
    assert own.explanation.endswith("Toimintakertomus on asialistan liitteenä.")


def test_heinola_seed_took_note_although_its_decision_is_printed_first(heinola):
    own = heinola.own
    assert own.body == "Hyvinvointilautakunta"
    assert own.proposal == "Hyvinvointilautakunta päättää merkitä asian tiedokseen."
    assert own.decision == "Päätösehdotus hyväksyttiin."
    assert own.decision_outcome == "noted"
    assert own.preparer == "Hyvinvointijohtaja Hepo-oja, Pirjo"
    assert own.presenter == "Hyvinvointijohtaja Hepo-oja, Pirjo"
    # The excerpt lost its heading: what the page does not show stays unknown.
    assert own.meeting_date is None and own.section is None and heinola.diary_number is None


def test_heinola_seeds_pdf_line_breaks_are_repaired(heinola):
    explanation = heinola.own.explanation
    assert "Koululäsnäolon vahvistaminen Päijät-Hämeessä" in explanation
    assert "Nuorisotyön seudullisen koordinaation kehittäminen Päijät-Hämeessä (AVI)" in explanation
    assert "vuorovuosittain esi- ja perusopetuksen arviointikyselyn" in explanation
    assert "- Verkostoperuskoulu-hankkeen (Kuntaliiton pilottialue) toteuttamisen" in explanation


def test_the_two_seeds_are_one_matter_across_two_municipalities(asikkala, heinola):
    rows = []
    for source_id, item in (("asikkala", asikkala), ("heinola", heinola)):
        own = item.own
        rows.append(
            {
                "item_id": f"{source_id}-seed",
                "source_id": source_id,
                "title": item.title,
                "explanation": own.explanation,
                "proposal": own.proposal,
                "text": own.text,
                "is_procedural": item.is_procedural,
            }
        )
    matter_of, links = link_handlings(rows, {})
    assert matter_of["asikkala-seed"] == matter_of["heinola-seed"]
    assert [(link.item_id_a, link.item_id_b, link.link_type) for link in links] == [
        ("asikkala-seed", "heinola-seed", "near_identical")
    ]
