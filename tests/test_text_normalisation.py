from parsing.text import join_hyphenated, normalise_lines, normalise_text


def test_a_hyphen_before_a_capitalised_word_is_a_real_one():
    assert normalise_text("alueella Päijät-\nHämeessä toimitaan") == "alueella Päijät-Hämeessä toimitaan"


def test_a_hyphen_before_ja_stands_for_a_shared_part_and_keeps_its_space():
    assert normalise_text("vuorovuosittain esi-\nja perusopetuksen kanssa") == (
        "vuorovuosittain esi- ja perusopetuksen kanssa"
    )


def test_an_ordinary_word_broken_at_the_line_end_is_joined():
    assert (
        normalise_text("toiminta-\nkertomus ja kehittämis-\nhankkeet")
        == "toimintakertomus ja kehittämishankkeet"
    )


def test_identical_vowels_and_abbreviations_keep_their_hyphen():
    assert join_hyphenated("linja-", "auto") == "linja-auto"
    assert join_hyphenated("EU-", "rahoitus") == "EU-rahoitus"
    assert join_hyphenated("vuosille 2024-", "2025") == "vuosille 2024-2025"


def test_pdf_hyphen_markers_soft_hyphens_and_nbsp_are_cleaned():
    assert (
        normalise_text("toiminta\u0002\nkertomus\u00a0on\u00a0val\u00admis\u200b")
        == "toimintakertomus on valmis"
    )


def test_bullets_become_list_items_and_their_continuation_lines_join():
    text = "Hankkeita olivat:\n • ensimmäinen hanke\njatkuu tässä\n• toinen hanke\n\nUusi kappale."
    assert normalise_text(text) == (
        "Hankkeita olivat:\n\n- ensimmäinen hanke jatkuu tässä\n\n- toinen hanke\n\nUusi kappale."
    )


def test_a_blank_line_inside_a_sentence_does_not_split_the_paragraph():
    assert normalise_lines(["Toimijat ovat ", "", "vakiinnuttaneet yhteistyön."]) == (
        "Toimijat ovat vakiinnuttaneet yhteistyön."
    )
