"""Body names as printed (abbreviations, capitals) to one canonical full name."""

from __future__ import annotations

import pytest

from parsing.bodies import canonical_body


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("KH", "Kunnanhallitus"),
        ("KHALL", "Kunnanhallitus"),
        ("Khall", "Kunnanhallitus"),
        ("Kvalt", "Kunnanvaltuusto"),
        ("KV", "Kunnanvaltuusto"),
        ("VAPLTK", "Vapaa-aikalautakunta"),
        ("KASOPLTK", "Kasvatus- ja opetuslautakunta"),
        ("KUNNANHALLITUS", "Kunnanhallitus"),
        ("SOSIAALI- JA TERVEYSLAUTAKUNTA", "Sosiaali- ja terveyslautakunta"),
        ("tekninen lautakunta", "Tekninen lautakunta"),
    ],
)
def test_common_abbreviations_and_capitals_become_the_full_name(printed, name):
    assert canonical_body(printed) == name


def test_a_sources_own_abbreviation_wins_over_the_common_one():
    heinola = {"Khall": "Kaupunginhallitus", "KV": "Kaupunginvaltuusto"}
    assert canonical_body("Khall", heinola) == "Kaupunginhallitus"
    assert canonical_body("kv", heinola) == "Kaupunginvaltuusto"


def test_an_unknown_acronym_stays_as_printed():
    assert canonical_body("HENJAO") == "HENJAO"
