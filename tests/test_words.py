"""One definition of a word and of a word's forms (``words``), as Python, Polars and DuckDB apply it."""

import duckdb
import polars as pl

from core.words.characters import WORD_PATTERN, comparison_words, fold, sql_fold, words
from core.words.forms import lemma, same_word

MIXED = "Päijät-Hämeen ŠAKKI, Žiraffi & ÅLAND: МОСКВА ΟΔΟΣ თბილისი 2024–2025 § 12 a_b ½"


def test_differently_broken_copies_give_the_same_comparison_words():
    html_copy = "Seikkaillen Päijät-Hämeessä, esi- ja perusopetuksen toimintakertomus 2024-2025."
    pdf_copy = (
        "Seikkaillen Päijät-\nHämeessä, esi-\nja perus\u00adopetuksen toiminta\u0002\nkertomus 2024-\n2025"
    )
    assert comparison_words(html_copy) == comparison_words(pdf_copy)
    assert comparison_words(pdf_copy) == [
        "seikkaillen",
        "päijäthämeessä",
        "esi",
        "ja",
        "perusopetuksen",
        "toimintakertomus",
        "2024",
        "2025",
    ]


def test_case_is_folded_in_every_script_one_character_for_one():
    assert fold("ŠAKKI Žiraffi ÅLAND МОСКВА ΟΔΟΣ οδος ẞ") == "šakki žiraffi åland москва οδοσ οδοσ ß"


def test_python_finds_exactly_the_words_polars_finds_with_the_search_pattern():
    in_polars = pl.Series([fold(MIXED)]).str.extract_all(WORD_PATTERN)[0].to_list()
    assert words(MIXED) == in_polars
    assert words(MIXED) == [
        "päijät",
        "hämeen",
        "šakki",
        "žiraffi",
        "åland",
        "москва",
        "οδοσ",
        "თბილისი",
        "2024",
        "2025",
        "12",
        "a",
        "b",
        "½",
    ]


def test_duckdb_folds_a_query_as_python_folds_it():
    folded = duckdb.sql(f"SELECT {sql_fold('$q')}", params={"q": MIXED}).fetchone()[0]
    assert folded == fold(MIXED)


def test_inflected_forms_with_consonant_gradation_are_one_word():
    assert lemma("jätehuollon") == lemma("jätehuolto") == "jätehuolto"
    assert lemma("toimintakertomuksesta") == lemma("Toimintakertomukset") == "toimintakertomus"
    assert lemma("lausunnon") == "lausunto"
    assert same_word("Hämeen", "häme")
    assert same_word("sopimuksen", "sopimus")


def test_a_compound_is_another_word_than_its_first_part():
    assert not same_word("sopimusluonnos", "sopimus")
    assert not same_word("kotoutumisohjelma", "kotoutuminen")


def test_a_word_the_lemmatiser_does_not_know_is_its_own_lemma_and_a_stray_character_is_dropped():
    assert lemma("xkcdxkcd") == "xkcdxkcd"
    assert lemma("2024") == "2024"
    assert lemma("luosaasta") == "luosaa"  # simplemma answers "luosaa."


def test_the_forms_of_many_lemmas_at_once_are_the_forms_of_each_alone():
    """The search index takes the forms of every lemma at once, folding each last part's forms once."""
    from core.words.forms import forms, forms_of_each

    lemmas = ["jätehuolto", "toimintakertomus", "talouskertomus", "sopimusluonnos", "xkcdxkcd", "kunta"]
    each = forms_of_each(lemmas)
    assert each == {of_lemma: forms(of_lemma) for of_lemma in lemmas}
    assert each["xkcdxkcd"] == ["xkcdxkcd"]
    assert each["jätehuolto"][:1] == ["jätehuolto"] and "jätehuollon" in each["jätehuolto"]
    assert "toimintakertomuksen" in each["toimintakertomus"] and "talouskertomuksen" in each["talouskertomus"]
