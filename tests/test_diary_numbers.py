"""The diary-number forms every platform prints, read by ``parsing.handlings.DIARY_NUMBER`` (through
``diary_number_of``, which also reads one after a ``Dno`` caption)."""

from __future__ import annotations

import pytest

from parsing.casem import parse_casem_lines
from parsing.handlings import diary_number_of, parse_item_lines


@pytest.mark.parametrize(
    "line",
    [
        "HOLDno-2020-729",
        "PADDno-2026-58",
        "MliDno-2017-206",
        "JyväskyläDno-2025-1438",
        "TRE:4787/10.03.01/2016",
        "TRE: 4787/10.03.01/2016",
        "810/04.03.01/2020",
        "86/12.00.00/2024",
        "KH 810/04.03.01/2020",
        "225/2022",
    ],
)
def test_each_printed_form_of_a_diary_number_is_read_whole(line):
    assert diary_number_of(f"  {line} ") == line


def test_a_diary_number_after_a_dno_caption_is_read_without_the_caption():
    assert diary_number_of("Dno\tMliDno-2017-206") == "MliDno-2017-206"
    assert diary_number_of("Dnro TRE:4787/10.03.01/2016") == "TRE:4787/10.03.01/2016"


@pytest.mark.parametrize(
    "line",
    [
        "Kokous 7.9.2022",
        "Dno-2017-206",
        "dno-2017-206",
        "§ 127",
        "2017-206",
        "Kaupunginhallitus 5/2017 kokous",
        "MliDno-2017-206 ja MliDno-2017-207",
        "Tampere:4787/10.03.01/2016",
    ],
)
def test_lines_that_only_resemble_a_diary_number_are_not_one(line):
    assert diary_number_of(line) is None


def test_a_casem_page_keeps_a_place_name_diary_number_under_its_title():
    item = parse_casem_lines(
        [
            "Kaupunginhallitus, kokous 5.6.2017",
            "§ 233 Tonttien hinnoittelu",
            "JyväskyläDno-2025-1438",
            "Ehdotus",
            "Hyväksytään.",
        ]
    )
    assert (item.title, item.diary_number, item.own.section) == (
        "Tonttien hinnoittelu",
        "JyväskyläDno-2025-1438",
        233,
    )


def test_a_dynasty_page_keeps_an_organisation_coded_diary_number_under_its_title():
    item = parse_item_lines(
        [
            "Kunnanhallitus",
            "Pöytäkirja 26.04.2021/Pykälä 14",
            "Maahanmuutto-ohjelma",
            "TRE:4787/10.03.01/2016",
            "Kunnanhallitus 01.03.2021 § 43",
            "Päätös Hyväksyttiin.",
        ]
    )
    assert (item.title, item.diary_number) == ("Maahanmuutto-ohjelma", "TRE:4787/10.03.01/2016")
