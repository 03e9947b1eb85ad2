"""Dynasty item pages as the demo sites render them, parsed with exact expectations."""

from datetime import date

import pytest

from demo_sites import dynasty
from demo_sites.content import load_sites
from parsing.dynasty import agenda_position_from_url, item_lines, parse_item_page

SITES = load_sites()


def parsed(source_id: str, meeting_id: str, position: int, minutes_published: bool = True):
    site = SITES[source_id]
    meeting = site.meeting(meeting_id)
    item = next(i for i in meeting.items if i.position == position)
    html = dynasty.item_page(site, meeting, item, minutes_published, "http://demo/cgi/DREQUEST.PHP")
    url = f"http://demo/cgi/DREQUEST.PHP?page=meetingitem&id={meeting_id}-{position}"
    return parse_item_page(html, url, site.abbreviations)


def test_the_asianro_comes_from_the_url_in_either_parameter_order():
    assert agenda_position_from_url("https://x.fi/cgi/DREQUEST.PHP?page=meetingitem&id=2023277-5") == 5
    assert agenda_position_from_url("https://x.fi/cgi/DREQUEST.PHP?id=2021152-4&page=meetingitem") == 4
    assert agenda_position_from_url("https://x.fi/cgi/DREQUEST.PHP?page=meeting&id=2023277") is None


def test_navigation_and_rss_furniture_are_not_item_text():
    site = SITES["asikkala"]
    meeting = site.meeting("2026026")
    html = dynasty.item_page(site, meeting, meeting.items[1], True, "http://demo/cgi/DREQUEST.PHP")
    lines = [line for line in item_lines(html) if line.strip()]
    assert lines[:2] == ["Vapaa-aikalautakunta", "Pöytäkirja 17.03.2026/Pykälä 10"]
    assert "RSS-linkki" not in " ".join(lines)
    item = parsed("asikkala", "2026026", 2)
    assert "Edellinen asia" not in item.text and "Muutoksenhakuohje" not in item.text


def test_a_council_page_carries_the_boards_earlier_handling_as_its_own_row():
    item = parsed("heinola", "2026058", 4)
    assert item.title == "Uimahallin peruskorjauksen hankesuunnitelman hyväksyminen"
    assert item.diary_number == "287/10.03.02/2026"
    assert [
        (h.is_own, h.body, h.body_printed, h.meeting_date, h.section, h.decision_outcome)
        for h in item.handlings
    ] == [
        (False, "Kaupunginhallitus", "Khall", date(2026, 4, 27), 108, "approved"),
        (True, "Kaupunginvaltuusto", "Kaupunginvaltuusto", date(2026, 5, 18), 30, "returned"),
    ]
    board, council = item.handlings
    assert board.preparer == "Tilapalvelupäällikkö Marko Heikkinen"
    assert board.presenter == "Kaupunginjohtaja Mikko Aaltonen"
    assert council.decision == "Asia palautettiin uudelleen valmisteltavaksi."


def test_an_abbreviated_board_is_named_in_full_and_its_disqualification_is_kept():
    item = parsed("asikkala", "2026026", 2)
    own = item.own
    assert (own.body, own.body_printed, own.meeting_date, own.section) == (
        "Vapaa-aikalautakunta",
        "VAPLTK",
        date(2026, 3, 17),
        10,
    )
    assert item.diary_number == "58/12.06.00/2026"
    assert own.disqualifications == ["Jari Salminen"]
    assert own.decision == "Ehdotus hyväksyttiin."
    assert "Jari Salminen" not in own.decision


def test_an_amended_proposal_is_approved_amended():
    assert parsed("asikkala", "2026026", 3).own.decision_outcome == "approved_amended"


def test_an_agenda_item_has_a_position_but_no_section_and_no_decision():
    agenda = parsed("asikkala", "2026079", 3, minutes_published=False)
    assert (agenda.document_type, agenda.agenda_position, agenda.own.section) == ("agenda", 3, None)
    assert (agenda.own.decision, agenda.own.decision_outcome) == (None, None)
    minutes = parsed("asikkala", "2026079", 3, minutes_published=True)
    assert (minutes.document_type, minutes.agenda_position, minutes.own.section) == ("minutes", 3, 165)
    assert minutes.own.decision_outcome == "approved"


def test_pdf_shaped_text_on_an_item_page_is_repaired():
    own = parsed("heinola", "2026047", 3).own
    assert own.decision_outcome == "noted"
    assert "Syksyllä 2025 Päijät-Hämeessä toteutettiin" in own.explanation
    assert "yhdessä esi- ja perusopetuksen kanssa" in own.explanation
    assert (
        "- liikuntapaikkojen yhteisen sähköisen varausjärjestelmän hankinnan valmistelu." in own.explanation
    )
    assert "\u2022" not in own.explanation


@pytest.mark.parametrize("source_id", ["asikkala", "heinola"])
def test_every_demo_item_parses_to_its_gold_fields(source_id):
    """Every item the content files describe comes back with the body, date, §, title, diary number,
    handlings and procedural flag the content gives it."""
    site = SITES[source_id]
    for meeting in site.meetings:
        for gold in meeting.items:
            item = parsed(source_id, meeting.id, gold.position)
            assert item.title == gold.title
            assert item.diary_number == gold.diary_number
            assert item.is_procedural == gold.procedural, gold.title
            assert len(item.handlings) == len(gold.handlings)
            for handling, expected in zip(item.handlings, gold.handlings, strict=True):
                assert handling.body_printed == expected.body
                assert handling.meeting_date == expected.date
                assert handling.section == expected.section
            assert item.own.body == site.body(meeting.body_id).name


def test_a_sentence_that_begins_with_a_labels_word_is_text_not_a_new_section():
    own = parsed("asikkala", "2026026", 3).own
    assert own.discussion.endswith("Heinosen muutosehdotuksen yksimielisesti. Päätös tarkastetaan heti.")
    assert own.decision_outcome == "approved_amended"
    assert "tarkastetaan" not in (own.decision or "")
