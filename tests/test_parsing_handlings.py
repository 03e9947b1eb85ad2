"""How a page's lines become its title, diary number and handlings, in the layouts the platforms print."""

from __future__ import annotations

from datetime import date

from parsing.handlings import parse_item_lines


def test_sections_extracted_before_the_heading_belong_to_the_pages_own_handling():
    item = parse_item_lines(
        [
            "Päätös Ehdotus hyväksyttiin.",
            "",
            "Esittelijä kunnanjohtaja Ville Halonen",
            "",
            "Tonttien myyntihinnat 2026",
            "",
            "Khall 12.01.2026 § 4",
            "Valmistelija Tekninen johtaja Ari Peltonen",
            "Hinnat tarkistetaan vuosittain.",
        ]
    )
    assert item.title == "Tonttien myyntihinnat 2026"
    own = item.own
    assert (own.decision, own.presenter, own.preparer) == (
        "Ehdotus hyväksyttiin.",
        "Kunnanjohtaja Ville Halonen",
        "Tekninen johtaja Ari Peltonen",
    )
    assert own.decision_outcome == "approved"


def test_a_title_that_opens_like_a_label_is_still_the_title():
    item = parse_item_lines(
        ["Päätös kuntayhtymän purkamisesta", "", "Khall 12.01.2026 § 5", "Päätös Hyväksyttiin."]
    )
    assert item.title == "Päätös kuntayhtymän purkamisesta"
    assert item.own.decision == "Hyväksyttiin."


def test_a_title_wrapped_over_two_pdf_lines_is_one_title():
    item = parse_item_lines(
        [
            "Kaupunkitapahtumien avustusperusteiden uudistaminen ja Heinola-päivien",
            "järjestäminen vuonna 2026",
            "",
            "Kaupunginhallitus 19.01.2026 § 12",
        ]
    )
    assert (
        item.title
        == "Kaupunkitapahtumien avustusperusteiden uudistaminen ja Heinola-päivien järjestäminen vuonna 2026"
    )


def test_a_diary_number_after_a_dno_caption_and_attachments_under_a_liitteet_label_are_read():
    item = parse_item_lines(
        [
            "Liitteet",
            "  Palveluverkkosuunnitelma 2026-2030",
            "",
            "Palveluverkkosuunnitelma 2026–2030",
            "Dno\tPHHYKY/2215/00.01.02/2025",
            "Aluehallitus 13.10.2025 § 210",
        ]
    )
    assert (item.title, item.diary_number, item.attachments) == (
        "Palveluverkkosuunnitelma 2026–2030",
        "PHHYKY/2215/00.01.02/2025",
        ["Palveluverkkosuunnitelma 2026-2030"],
    )


def test_a_page_showing_only_an_earlier_handling_gets_its_own_from_the_header():
    item = parse_item_lines(
        [
            "Kunnanvaltuusto",
            "Pöytäkirja 16.06.2025/Pykälä 30",
            "Yhteistyösopimus",
            "Khall 02.06.2025 § 112",
            "Päätös Ehdotus hyväksyttiin.",
        ]
    )
    earlier, own = item.handlings
    assert (earlier.is_own, earlier.body, earlier.section, earlier.decision_outcome) == (
        False,
        "Kunnanhallitus",
        112,
        "approved",
    )
    assert (own.is_own, own.body, own.meeting_date, own.section, own.decision) == (
        True,
        "Kunnanvaltuusto",
        date(2025, 6, 16),
        30,
        None,
    )


def test_a_pdf_without_a_page_header_is_an_agenda_when_its_own_heading_has_no_section():
    agenda = parse_item_lines(["Vesihuollon kehittämissuunnitelma", "", "Kaupunginhallitus 15.12.2025"])
    minutes = parse_item_lines(
        ["Vesihuollon kehittämissuunnitelma", "", "Kaupunginhallitus 15.12.2025 § 301"]
    )
    assert (agenda.document_type, agenda.own.section) == ("agenda", None)
    assert (minutes.document_type, minutes.own.section) == ("minutes", 301)
