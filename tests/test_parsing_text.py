"""Line-break hyphens that are real ones: a name before the hyphen, and what the text itself shows."""

from __future__ import annotations

from parsing.text import normalise_text


def test_a_capitalised_name_mid_sentence_keeps_its_hyphen_before_a_lowercase_word():
    assert normalise_text("Hanke sai tukea Leader-\nryhmältä vuonna 2025.") == (
        "Hanke sai tukea Leader-ryhmältä vuonna 2025."
    )
    assert (
        normalise_text("Kunta järjestää Hollola-\npäivät elokuussa.")
        == "Kunta järjestää Hollola-päivät elokuussa."
    )


def test_a_capitalised_word_starting_a_sentence_is_joined_like_any_other():
    assert normalise_text("Raportti valmistui. Toiminta-\nkertomus hyväksyttiin.") == (
        "Raportti valmistui. Toimintakertomus hyväksyttiin."
    )


def test_a_sentence_start_stem_used_as_a_name_elsewhere_keeps_its_hyphen():
    text = "Tapahtuma on osa Hollolan kesää.\n\nHollola-\npäivät järjestetään elokuussa."
    assert normalise_text(text).endswith("Hollola-päivät järjestetään elokuussa.")


def test_a_capital_inside_the_stem_marks_a_name():
    assert (
        normalise_text("Kunnan DigiOne-\npalvelu otetaan käyttöön.")
        == "Kunnan DigiOne-palvelu otetaan käyttöön."
    )


def test_the_texts_own_spelling_of_a_compound_decides():
    assert normalise_text("Sote-alueen palvelut. Uusi sote-\nalue aloittaa.") == (
        "Sote-alueen palvelut. Uusi sote-alue aloittaa."
    )
    assert normalise_text("Toimintakertomus on valmis. Toiminta-\nkertomus hyväksyttiin.") == (
        "Toimintakertomus on valmis. Toimintakertomus hyväksyttiin."
    )


def test_lowercase_words_broken_at_the_line_end_are_still_joined():
    assert (
        normalise_text("kehittämis-\nhankkeet ja ikäänty-\nneille") == "kehittämishankkeet ja ikääntyneille"
    )
