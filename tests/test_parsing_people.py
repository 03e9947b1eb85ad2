"""Preparers and presenters as the page prints them, contact details removed, however a PDF wrapped them."""

from __future__ import annotations

from parsing.handlings import split_sections
from parsing.people import clean_person_lines, looks_like_person_line


def test_a_name_wrapped_between_first_name_and_surname_is_one_person():
    lines = ["Talousjohtaja Tiina", "Rask, puh. 044 123 4567, tiina.rask@phhyky.fi"]
    assert clean_person_lines(lines) == "Talousjohtaja Tiina Rask"


def test_a_phone_number_broken_over_two_lines_leaves_no_digits_behind():
    lines = ["Hallintojohtaja Sari Lindholm, puh. 044 123", "4567, sari.lindholm@orimattila.fi"]
    assert clean_person_lines(lines) == "Hallintojohtaja Sari Lindholm"


def test_people_on_lines_of_their_own_stay_apart():
    assert clean_person_lines(["Syrjälä Markku", "", "Mattila Jaana", "Pelto Matti"]) == (
        "Syrjälä Markku, Mattila Jaana, Pelto Matti"
    )
    assert clean_person_lines(
        [
            "Palvelualuejohtaja Anu Virtanen, puh. 044 712 5520",
            "Kehittämispäällikkö Jukka Mattila, puh. 044 712 5530",
        ]
    ) == ("Palvelualuejohtaja Anu Virtanen, Kehittämispäällikkö Jukka Mattila")


def test_bulleted_people_lose_their_bullets_and_emails():
    lines = [
        " • Laura Heikkinen, hyvinvointikoordinaattori, laura.heikkinen@padasjoki.fi",
        " • Harri Ylinen, kunnanjohtaja",
    ]
    assert (
        clean_person_lines(lines) == "Laura Heikkinen, hyvinvointikoordinaattori, Harri Ylinen, kunnanjohtaja"
    )


def test_three_people_on_one_line_joined_by_ja_keep_no_stray_comma():
    line = (
        "hallintojohtaja Leena Aaltonen,  puh. 040 557 2140, henkilöstöpäällikkö Marja Kivelä, "
        "puh. 040 748 7900 ja työhyvinvointikoordinaattori Oona Salmi, puh. 040 571 2000"
    )
    assert clean_person_lines([line]) == (
        "Hallintojohtaja Leena Aaltonen, henkilöstöpäällikkö Marja Kivelä "
        "ja työhyvinvointikoordinaattori Oona Salmi"
    )


def test_a_one_word_subheading_is_not_a_person_but_a_lone_role_is():
    assert not looks_like_person_line("Taustaa")
    assert looks_like_person_line("Kunnanjohtaja")


def test_a_subheading_after_the_preparer_starts_the_explanation():
    sections = split_sections(
        [
            "Valmistelija Talousjohtaja Pekka Mäntylä, puh. 044 712 3900",
            "",
            "Taustaa",
            "",
            "Tilinpäätös valmistui.",
        ]
    )
    assert clean_person_lines(sections["preparer"]) == "Talousjohtaja Pekka Mäntylä"
    assert [line for line in sections["explanation"] if line] == ["Taustaa", "Tilinpäätös valmistui."]


def test_a_presenter_wrapped_over_two_lines_is_not_cut_into_the_proposal():
    sections = split_sections(
        [
            "Esittelijä\tHyvinvointialuejohtaja Marko",
            "Leino",
            "Päätösesitys\tAluehallitus hyväksyy suunnitelman.",
        ]
    )
    assert clean_person_lines(sections["presenter"]) == "Hyvinvointialuejohtaja Marko Leino"
    assert sections["proposal"] == ["Aluehallitus hyväksyy suunnitelman."]


def test_text_after_a_presenter_on_the_proposal_line_is_the_proposal():
    sections = split_sections(
        ["Päätösehdotus Kunnanjohtaja Sanna Mäkelä", "", "Kunnanhallitus hyväksyy sopimuksen."]
    )
    assert sections["presenter"] == ["Kunnanjohtaja Sanna Mäkelä"]
    assert [line for line in sections["proposal"] if line] == ["Kunnanhallitus hyväksyy sopimuksen."]
