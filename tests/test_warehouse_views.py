"""The warehouse's derived views and its search, on the hand-written example region
(demo_sites/example_warehouse.py)."""

from datetime import date

import duckdb
import pytest

from demo_sites.example_warehouse import example_tables
from warehouse.connection import ExtensionMissing, connect, load_extension
from warehouse.load import load_warehouse
from warehouse.people import people_of
from warehouse.query import connect_for_queries


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    path = tmp_path_factory.mktemp("example") / "warehouse.duckdb"
    load_warehouse(path, example_tables())
    return path


def rows(path, sql, params=None):
    con = connect_for_queries(path)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def test_matters_pending_names_the_member_municipalities_that_have_not_handled_a_regional_matter(example):
    assert rows(
        example,
        "SELECT matter_id, handled_by, missing, n_handled, n_members, other_handlers FROM matters_pending",
    ) == [
        ("waste", ["Asikkala", "Heinola", "Hollola"], ["Padasjoki"], 3, 4, []),
        ("sports", ["Heinola"], ["Asikkala", "Hollola", "Padasjoki"], 1, 4, ["Päijät-Hämeen liitto"]),
    ]


def test_a_matter_every_member_handled_is_compared_but_not_pending_and_a_local_one_is_neither(example):
    pending = {row[0] for row in rows(example, "SELECT matter_id FROM matters_pending")}
    compared = rows(
        example,
        "SELECT matter_id, count(DISTINCT municipality) FROM matter_comparison GROUP BY ALL ORDER BY 1",
    )
    assert ("network" not in pending, "village" not in pending) == (True, True)
    # matter_comparison counts the regional council as a municipality of its own (contract.md)
    assert compared == [("network", 4), ("sports", 2), ("waste", 3)]


def test_which_regional_matters_a_municipality_has_not_handled_is_one_where_clause(example):
    assert rows(
        example, "SELECT title FROM matters_pending WHERE list_contains(missing, 'Asikkala') ORDER BY title"
    ) == [("Liikuntapalveluiden seudullisen yhteistyön toimintakertomus 2025",)]


def test_body_activity_counts_meetings_handlings_and_matters_per_body_and_month(example):
    assert rows(
        example,
        """SELECT body, month, meetings, handlings, substantive_handlings, matters
           FROM body_activity WHERE municipality = 'Asikkala'""",
    ) == [
        ("Kunnanhallitus", date(2026, 4, 1), 1, 3, 2, 2),
        ("Kunnanhallitus", date(2026, 5, 1), 1, 1, 1, 1),
        ("Kunnanvaltuusto", date(2026, 5, 1), 1, 1, 1, 1),
    ]


def test_people_lists_preparers_and_presenters_with_titles_bodies_and_counts(example):
    assert rows(
        example,
        """SELECT person, body, roles, titles, n_prepared, n_presented FROM people
           WHERE municipality IN ('Heinola', 'Hollola') ORDER BY municipality, body, person""",
    ) == [
        ("Sanna Laitinen", "Hyvinvointilautakunta", ["presenter"], ["Hyvinvointijohtaja"], 0, 1),
        ("Toni Rinne", "Hyvinvointilautakunta", ["preparer"], ["Liikuntapäällikkö"], 1, 0),
        ("Harri Mustonen", "Kaupunginhallitus", ["preparer"], ["Kaupunkiympäristöjohtaja"], 2, 0),
        ("Mikko Aaltonen", "Kaupunginhallitus", ["presenter"], ["Kaupunginjohtaja"], 0, 2),
        ("Anna Laine", "Kunnanhallitus", ["presenter"], ["Kunnanjohtaja"], 0, 2),
        ("Pekka Virtanen", "Kunnanhallitus", ["preparer"], ["Tekninen johtaja"], 1, 0),
        ("Sari Lindholm", "Kunnanhallitus", ["preparer"], ["Hallintojohtaja"], 1, 0),
        ("Tiina Virtanen", "Kunnanhallitus", ["preparer"], ["Hallintosihteeri"], 1, 0),
    ]


def test_a_council_presented_by_its_board_names_no_person(example):
    assert rows(example, "SELECT count(*) FROM people WHERE body = 'Kunnanvaltuusto'") == [(0,)]


@pytest.mark.parametrize(
    ("printed", "people"),
    [
        ("Sivistysjohtaja Hanna Mattila", [("Hanna Mattila", "Sivistysjohtaja")]),
        ("hyvinvointijohtaja Laitinen, Sanna", [("Sanna Laitinen", "Hyvinvointijohtaja")]),
        ("Tekninen johtaja Pekka Virtanen", [("Pekka Virtanen", "Tekninen johtaja")]),
        (
            "Hallintojohtaja Sari Lindholm, hallintosihteeri Tiina Virtanen",
            [("Sari Lindholm", "Hallintojohtaja"), ("Tiina Virtanen", "Hallintosihteeri")],
        ),
        ("Sari Kivelä, liikuntapäällikkö", [("Sari Kivelä", "Liikuntapäällikkö")]),
        (
            "Hyvinvoinnin ja terveyden edistämisen päällikkö Outi Rantala, strategiajohtaja Sami Heikkilä",
            [
                ("Outi Rantala", "Hyvinvoinnin ja terveyden edistämisen päällikkö"),
                ("Sami Heikkilä", "Strategiajohtaja"),
            ],
        ),
        (
            "Talousjohtaja Pasi Hyvönen, controller Jenni Aalto",
            [("Pasi Hyvönen", "Talousjohtaja"), ("Jenni Aalto", "Controller")],
        ),
        ("Hanna Mattila ja Mika Koivisto", [("Hanna Mattila", None), ("Mika Koivisto", None)]),
        ("Kunnanhallitus", []),
        ("Kunnanjohtaja", []),
        ("Juha Rantanen", [("Juha Rantanen", None)]),
    ],
)
def test_a_printed_preparer_line_reads_as_people(printed, people):
    assert people_of(printed) == people


def test_sources_belong_to_the_paijat_hame_region_unless_told_otherwise(example):
    assert rows(example, "SELECT DISTINCT region FROM sources") == [("Päijät-Häme",)]


@pytest.mark.parametrize("query", ["toimintakertomus", "toimintakertomuksesta", "Toimintakertomukset"])
def test_search_finds_every_inflected_form_and_ranks_the_item_that_is_about_it_first(example, query):
    hits = rows(example, "SELECT item_id, words_matched FROM search_items($q)", {"q": query})
    # Heinola's text says toimintakertomus, -kertomukseen, -kertomuksen, -kertomus; the council's once.
    assert hits == [("heinola-20260422-33", 1), ("paijat-hameen-liitto-20260309-14", 1)]


def test_search_ranks_items_with_more_of_the_words_higher_and_matches_gradated_forms(example):
    hits = rows(example, "SELECT item_id, words_matched FROM search_items('jätehuolto sopimus')")
    # jätehuolto finds jätehuollon; sopimus finds sopimus and, at half weight, sopimusluonnos
    assert hits == [
        ("heinola-20260427-106", 2),
        ("asikkala-20260413-73", 2),
        ("hollola-20260420-88", 2),
        ("asikkala-20260504-23", 1),
    ]


def test_search_finds_a_word_in_a_form_no_text_uses_though_snowball_stems_the_two_apart(example):
    # the texts say sopimus (stem sopimus); the genitive is stemmed sopimuks; the lemmatiser knows both
    hits = rows(example, "SELECT item_id, words_matched, score FROM search_items('sopimuksen')")
    assert hits == [
        ("heinola-20260427-106", 1, 1.25),
        ("asikkala-20260413-73", 1, 1.237),
        ("hollola-20260420-88", 1, 0.787),  # sopimusluonnos: a compound beginning with it, half weight
    ]
    terms = rows(example, "SELECT query_word, word, exact FROM search_terms('SOPIMUKSEN') ORDER BY word")
    assert terms == [("sopimuksen", "sopimus", True), ("sopimuksen", "sopimusluonnos", False)]


def test_search_answers_in_a_notebook_that_opens_the_file_with_plain_duckdb_and_loads_the_stemmer(example):
    # exactly the two lines warehouse/README.md and warehouse/connection.py give a notebook
    con = duckdb.connect(str(example), read_only=True)
    try:
        load_extension(con, "fts")
        assert con.execute("SELECT count(*) FROM search_items('palveluverkkoselvitys')").fetchone() == (4,)
    finally:
        con.close()


def test_search_answers_through_the_query_connection_of_minutes_query(example):
    con = connect_for_queries(example)
    try:
        assert con.execute("SELECT count(*) FROM search_items('palveluverkkoselvitys')").fetchone() == (4,)
    finally:
        con.close()


def test_the_projects_connections_never_install_or_load_an_extension_by_themselves(example):
    con = connect(example, read_only=True)
    try:
        settings = con.execute(
            "SELECT current_setting('autoinstall_known_extensions'), "
            "current_setting('autoload_known_extensions')"
        ).fetchone()
        assert settings == (False, False)
        # without the explicit load, search fails at once, naming the extension, on every machine alike
        with pytest.raises(duckdb.CatalogException, match="exists in the fts extension"):
            con.execute("SELECT count(*) FROM search_items('palveluverkkoselvitys')")
    finally:
        con.close()


def test_a_missing_extension_wheel_is_named_in_the_error():
    con = connect()
    try:
        with pytest.raises(ExtensionMissing, match="package duckdb-extension-nosuch is missing"):
            load_extension(con, "nosuch")
    finally:
        con.close()


def test_the_search_index_counts_words_split_by_any_separator_not_only_spaces():
    import polars as pl

    from warehouse.search import build_index

    items = pl.DataFrame(
        {
            "item_id": ["a", "b", "c"],
            "text": ["Kunta,\tkunta.\nKUNTA  (kunnan) 2024–2025 § 12", None, "kunta"],
            "title": ["ei käytetä", "Vain otsikko", None],
        }
    )
    index = build_index(items)
    assert index.docs.rows() == [(0, "a", 7), (1, "b", 2), (2, "c", 1)]
    occurrences = index.postings.join(index.words, on="word_id").group_by("word").agg(pl.col("doc").sort())
    assert sorted(occurrences.rows()) == [
        ("12", [0]),
        ("2024", [0]),
        ("2025", [0]),
        ("kunnan", [0]),
        ("kunta", [0, 0, 0, 2]),
        ("otsikko", [1]),
        ("vain", [1]),
    ]


def test_the_search_index_holds_every_word_occurrence_a_plain_regular_expression_finds():
    """The index splits at spaces first and cuts only distinct tokens into words; that must come to
    exactly what cutting every text with the word pattern gives."""
    import polars as pl

    from core.words.characters import WORD_PATTERN, fold
    from demo_sites.synthetic_warehouse import synthetic_tables
    from warehouse.search import build_index

    items = synthetic_tables(3000, n_synthetic_sentences=2000)["items"].select("item_id", "text", "title")
    items = items.sort("item_id")  # the loader's order, and the index's doc numbers
    texts = pl.coalesce("text", "title", pl.lit("")).map_elements(fold, return_dtype=pl.String)
    words = texts.str.extract_all(WORD_PATTERN)
    expected = items.select(pl.int_range(pl.len(), dtype=pl.Int32).alias("doc"), words.alias("word"))
    index = build_index(items)
    assert index.docs["n_tokens"].to_list() == expected["word"].list.len().to_list()
    found = index.postings.join(index.words, on="word_id").select("word", "doc").sort("word", "doc")
    assert found.equals(expected.explode("word").drop_nulls("word").select("word", "doc").sort("word", "doc"))


def test_search_documents_are_numbered_in_item_id_order_and_each_posting_carries_its_length():
    """Ties in search are broken by item id through the doc number, and scoring reads a doc's length
    from its postings: both hold whatever order the handlings arrive in."""
    import polars as pl

    from warehouse.search import build_index

    items = pl.DataFrame(
        {
            "item_id": ["c", "a", "b"],
            "text": ["kunta kunta", "kunta ja kaupunki", None],
            "title": [None, None, "Kylä"],
        }
    )
    index = build_index(items)
    assert index.docs.rows() == [(0, "a", 3), (1, "b", 1), (2, "c", 2)]
    postings = index.postings.join(index.words, on="word_id").select("word", "doc", "n_tokens")
    assert sorted(postings.rows()) == [
        ("ja", 0, 3),
        ("kaupunki", 0, 3),
        ("kunta", 0, 3),
        ("kunta", 2, 2),
        ("kunta", 2, 2),
        ("kylä", 1, 1),
    ]


def _lexicon_of_index(index):
    from warehouse.search import Lexicon

    return Lexicon(words=index.words.select("word", "lemma", "stem"), lemma_stems=index.lemma_stems)


def test_an_index_built_with_the_previous_loads_lexicon_is_the_index_built_from_nothing():
    """A load reuses what the previous index said about its words; what it builds must not depend on
    that history: words gone since (``kylätalon``) leave no stem behind, new ones are looked up."""
    import polars as pl

    from warehouse.search import build_index

    before = pl.DataFrame(
        {
            "item_id": ["a", "b"],
            "text": ["Kylätalon kunnostus ja jätehuollon sopimus", "Toimintakertomus 2024"],
            "title": [None, None],
        }
    )
    after = pl.DataFrame(
        {
            "item_id": ["b", "c"],
            "text": ["Toimintakertomus 2024", "Jätehuoltoon uusi sopimusluonnos ja avustuksia"],
            "title": [None, None],
        }
    )
    reused = build_index(after, _lexicon_of_index(build_index(before)))
    fresh = build_index(after)
    for table in ("docs", "words", "lemma_stems", "postings"):
        assert getattr(reused, table).equals(getattr(fresh, table)), table
    assert "kylätalo" not in reused.lemma_stems["lemma"].to_list()
    assert set(reused.words["word"]) == {
        "2024",
        "toimintakertomus",
        "jätehuoltoon",
        "uusi",
        "sopimusluonnos",
        "ja",
        "avustuksia",
    }


def test_a_word_the_previous_lexicon_knows_is_not_lemmatised_again():
    import polars as pl

    from warehouse.search import Lexicon, build_index

    items = pl.DataFrame({"item_id": ["a"], "text": ["kunnan avustus"], "title": [None]})
    lexicon = _lexicon_of_index(build_index(items))
    planted = lexicon.words.with_columns(
        pl.when(pl.col("word") == "kunnan").then(pl.lit("kuntaplanted")).otherwise("lemma").alias("lemma")
    )
    index = build_index(items, Lexicon(words=planted, lemma_stems=lexicon.lemma_stems))
    assert dict(index.words.select("word", "lemma").rows()) == {
        "kunnan": "kuntaplanted",
        "avustus": "avustus",
    }


def test_a_warehouse_records_its_lexicon_and_one_another_lemmatiser_made_offers_none(tmp_path):
    """The next load reuses ``lexicon_of`` the live warehouse: never words lemmatised another way."""
    import duckdb

    from demo_sites.example_warehouse import example_tables
    from warehouse.connection import connect
    from warehouse.load import load_warehouse
    from warehouse.search import LEXICON_VERSION, lexicon_of

    path = tmp_path / "warehouse.duckdb"
    load_warehouse(path, example_tables())
    con = connect(path, read_only=True)
    try:
        assert con.execute("SELECT lexicon FROM search_stats").fetchone() == (LEXICON_VERSION,)
        lexicon = lexicon_of(con)
        assert lexicon.words.height == con.execute("SELECT count(*) FROM search_words").fetchone()[0] > 0
    finally:
        con.close()
    with duckdb.connect(str(path)) as writable:
        writable.execute("UPDATE search_stats SET lexicon = 'another lemmatiser'")
    con = connect(path, read_only=True)
    try:
        assert lexicon_of(con).words.height == 0
    finally:
        con.close()
