"""Full-text search over handlings, with Finnish stemming, built into the warehouse file by the loader.

Why not DuckDB's own ``PRAGMA create_fts_index``: it took 46 s for 100 000 synthetic items on this
project's 2-core machines (about eight minutes for a million), far past the load budget. This index is
the same idea, built faster:

* every handling's ``text`` is split at spaces by polars, in parallel chunks, and grouped by token;
  only the distinct tokens (a few hundred thousand for a million items, against a hundred million
  occurrences) are lower-cased and cut into words (runs of letters and digits), so the regular
  expression runs over a fraction of a per cent of the text, and no global sort of occurrences is
  needed;
* words are what ``words.characters`` says (letters and digits of any script, case folded), and which
  forms are one word is what ``words.forms`` says: only the distinct words (about a hundred thousand
  for a million items) are lemmatised (simplemma) and stemmed, with the Snowball Finnish stemmer of
  DuckDB's ``fts`` extension (``stem(word, 'finnish')``), installed offline from the package index;
* what the lemmatiser and the stemmer said is kept (``search_words``, ``search_lemma_stems``, with the
  ``lexicon`` that made them in ``search_stats``), and the next load asks them about new words only:
  from nothing, the lemmas of a million handlings' hundred thousand words and the stems of their
  lemmas' three million dictionary forms took most of the index's minute;
* ``search_lemma_stems`` holds, for every lemma in the index, the Snowball stems of every form the
  lemmatiser's dictionary knows for it: what lets a query in a form no indexed text uses find its word
  (``jätehuollon`` finds ``jätehuolto``, which Snowball stems apart);
* words are numbered in (stem, word) order and the postings (``word_id``, ``doc``, ``n_tokens``), one
  row per occurrence, are stored in that order, so all forms of one stem sit together and DuckDB's
  min/max zone maps skip every other row group when a query looks them up (``warehouse.connection``
  raises DuckDB's ``dynamic_or_filter_threshold`` so that a query's hundreds of forms reach the scan as
  a list, not as the range from the first to the last, which for two words far apart in the alphabet
  is half the table);
* each posting carries its document's length, so scoring never joins the million documents (that join
  was half of a search's time), and documents are numbered in ``item_id`` order, so the tie-break of
  equal scores is the document number and only the hits shown are looked up in ``search_docs``.

Ranking is BM25 (k1 = 1.2, b = 0.75) over the query's words (each with the forms ``search_terms``
matches), computed by the ``search_items(query)`` table macro stored in the warehouse; readers only
need the ``fts`` extension loaded for ``stem`` (``warehouse.connection``).
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import polars as pl

from core.words.characters import WORD_PATTERN, fold, sql_fold
from core.words.forms import LEMMATISER, forms_of_each, lemma, load_dictionary
from warehouse.connection import connect
from warehouse.report import dated_section

CHUNK_ROWS = 100_000
THREADS = 2
#: A compound that begins with a query word this long or longer matches it, at half weight.
MIN_COMPOUND_HEAD = 6

SEARCH_TABLES = ("search_docs", "search_words", "search_lemma_stems", "search_postings", "search_stats")

#: The forms of each query word that count as hits: every indexed word whose lemma is the query word's
#: lemma. The query word's lemmas are the query word itself (a query is mostly typed in its dictionary
#: form) and the lemmas that have a form with the query word's Snowball stem (``search_lemma_stems``), so
#: ``jätehuollon`` finds ``jätehuolto``'s forms and ``toimintakertomuksesta`` those of
#: ``toimintakertomus``. A compound beginning with one of those lemmas (``sopimusluonnos`` for
#: ``sopimus``) matches at half weight.
TERMS_MACRO = rf"""
CREATE OR REPLACE MACRO search_terms(query) AS TABLE
WITH query_words AS (
    SELECT DISTINCT word AS query_word, stem(word, 'finnish') AS stem
    FROM (SELECT unnest(regexp_extract_all({sql_fold("query")}, '{WORD_PATTERN}')) AS word)
), query_lemmas AS (
    SELECT query_word, query_word AS lemma FROM query_words
    UNION
    SELECT q.query_word, l.lemma FROM query_words q JOIN search_lemma_stems l ON l.stem = q.stem
), matched AS (
    SELECT q.query_word, w.word_id, w.word, TRUE AS exact
    FROM search_words w JOIN query_lemmas q ON w.lemma = q.lemma
    UNION ALL
    SELECT q.query_word, w.word_id, w.word, FALSE AS exact
    FROM search_words w JOIN query_lemmas q
      ON length(q.lemma) >= {MIN_COMPOUND_HEAD} AND w.lemma <> q.lemma AND starts_with(w.lemma, q.lemma)
)
SELECT query_word, word_id, any_value(word) AS word, bool_or(exact) AS exact
FROM matched GROUP BY query_word, word_id
"""


#: Every handling the query's words match, best first: BM25 over the words, each with the forms
#: ``search_terms`` matches. ``item_row`` is the handling's row in ``items`` (its rowid): looked up by it,
#: twenty hits with their text take 65 ms at a million handlings, against 979 ms by ``item_id`` (which
#: has no index, so the join reads the whole column). Scores are DOUBLE
#: arithmetic throughout (integer columns mixed with decimal literals made DuckDB compute in DECIMAL:
#: 15 % of a search's CPU time). Query words are grouped by their number (``term``), not their text.
#: ``search_scored`` is every matching doc with its score; ``search_ranked`` the best of them.
SCORED_MACRO = r"""
CREATE OR REPLACE MACRO search_scored(query) AS TABLE
WITH terms AS (
    SELECT dense_rank() OVER (ORDER BY query_word)::INTEGER AS term, word_id,
           CASE WHEN exact THEN 1.0 ELSE 0.5 END::DOUBLE AS weight
    FROM search_terms(query)
), frequencies AS (
    SELECT t.term, p.doc, any_value(p.n_tokens) AS n_tokens, sum(t.weight) AS tf
    FROM search_postings p JOIN terms t ON t.word_id = p.word_id
    GROUP BY t.term, p.doc
), document_frequencies AS (
    SELECT term, count(*)::DOUBLE AS df FROM frequencies GROUP BY term
)
SELECT f.doc,
       sum(ln(1 + (s.n_docs::DOUBLE - df.df + 0.5) / (df.df + 0.5))
           * f.tf * 2.2 / (f.tf + 1.2 * (0.25 + 0.75 * f.n_tokens::DOUBLE / s.avg_tokens))) AS score,
       count(*) AS words_matched
FROM frequencies f
JOIN document_frequencies df USING (term)
CROSS JOIN search_stats s
GROUP BY f.doc
"""

#: The order of every search: score, then item id, which is the document number's order. The best
#: docs are looked up in ``search_docs`` by rowid (its rows are in doc order): a join on ``doc`` read
#: every row's ``item_id`` to find twenty.
RANKED_MACRO = (
    SCORED_MACRO
    + """;
CREATE OR REPLACE MACRO search_ranked(query, max_results := 20) AS TABLE
SELECT s.score AS raw_score, s.words_matched, d.item_id, d.item_row
FROM (SELECT * FROM search_scored(query) ORDER BY score DESC, doc LIMIT max_results) s
JOIN search_docs d ON d.rowid = s.doc
ORDER BY s.score DESC, s.doc
"""
)

#: What a hit shows, from ``items`` (alias ``i``) and a row of ``search_ranked`` (alias ``r``).
HIT_COLUMNS = """round(r.raw_score, 3) AS score, i.municipality, i.body, i.meeting_date, i.section, i.title,
       i.url, i.pdf_url, i.item_id, i.matter_id, r.words_matched"""

SEARCH_MACRO = (
    RANKED_MACRO
    + f""";
CREATE OR REPLACE MACRO search_items(query, max_results := 20) AS TABLE
SELECT {HIT_COLUMNS}
FROM search_ranked(query, max_results := max_results) r JOIN items i ON i.rowid = r.item_row
ORDER BY r.raw_score DESC, r.item_id
"""
)


def _tokens_of_chunk(chunk: pl.DataFrame) -> pl.DataFrame:
    """For one chunk of (doc, text): each distinct space-separated token with its docs, in doc order,
    once per occurrence."""
    text = pl.coalesce("text", "title", pl.lit(""))
    tokens = chunk.select("doc", text.str.split(" ").alias("token")).explode("token")
    return tokens.group_by("token").agg("doc")  # rows keep their order within a group


#: Fewer new words than this are looked up in the lemmatiser's compact dictionary (3,000 a second)
#: rather than decoding it whole first (7 s).
LOOKUPS_BEFORE_DECODING = 10_000
#: What made an index's lemmas and stems: an index made otherwise is not reused by the next load.
LEXICON_VERSION = f"{LEMMATISER}; snowball-finnish/duckdb-{duckdb.__version__}"


@dataclass(frozen=True)
class Lexicon:
    """What the lemmatiser and the stemmer say about words: ``words`` (``word``, ``lemma``, ``stem``) and
    ``lemma_stems`` (``stem``, ``lemma``, ``from_forms``: the stem of a dictionary form of the lemma, not
    only of an indexed word)."""

    words: pl.DataFrame
    lemma_stems: pl.DataFrame

    @classmethod
    def empty(cls) -> Lexicon:
        return cls(
            words=pl.DataFrame(schema={"word": pl.String, "lemma": pl.String, "stem": pl.String}),
            lemma_stems=pl.DataFrame(
                schema={"stem": pl.String, "lemma": pl.String, "from_forms": pl.Boolean}
            ),
        )


def lexicon_of(con: duckdb.DuckDBPyConnection) -> Lexicon:
    """The lexicon of the search index in the warehouse ``con`` reads, if the same lemmatiser and
    stemmer made it (``search_stats.lexicon``); otherwise, or for a warehouse without an index, empty."""
    try:
        (version,) = con.execute("SELECT lexicon FROM search_stats").fetchone()
    except (duckdb.Error, TypeError):  # no index, or one from before the lexicon was recorded
        return Lexicon.empty()
    if version != LEXICON_VERSION:
        return Lexicon.empty()
    return Lexicon(
        words=con.execute("SELECT word, lemma, stem FROM search_words").pl(),
        lemma_stems=con.execute("SELECT stem, lemma, from_forms FROM search_lemma_stems").pl(),
    )


@dataclass(frozen=True)
class SearchIndex:
    """The index tables, computed outside the warehouse being built (so alongside its other work)."""

    docs: pl.DataFrame  # doc, item_id, n_tokens
    words: pl.DataFrame  # word_id, word, stem, lemma, n_occurrences
    lemma_stems: pl.DataFrame  # stem, lemma, from_forms: the stems of every known form of each lemma
    postings: pl.DataFrame  # word_id, doc, n_tokens (the doc's): one row per occurrence, in word_id order


def build_index(items: pl.DataFrame, known: Lexicon | None = None) -> SearchIndex:
    """The search index of ``items`` (``item_id``, ``text``, ``title``); polars and a scratch DuckDB only,
    so a loader can run it in a thread while DuckDB writes the tables. Documents are numbered in
    ``item_id`` order (the loader's order already, so that a doc number is also the handling's rowid).

    ``known``: what an earlier index said about its words (``lexicon_of`` the live warehouse), so that
    only new words go to the lemmatiser and the stemmer: lemmatising a million handlings' hundred
    thousand words, and stemming the three million forms of their lemmas, is most of the index's time."""
    if items.height == 0:  # an input with no handlings (a new registry, nothing crawled yet) has no columns
        items = pl.DataFrame(schema={"item_id": pl.String, "text": pl.String, "title": pl.String})
    if not items["item_id"].is_sorted():
        items = items.sort("item_id")
    docs = items.select(pl.int_range(pl.len(), dtype=pl.Int32).alias("doc"), "item_id", "text", "title")
    chunks = [docs.slice(start, CHUNK_ROWS) for start in range(0, max(docs.height, 1), CHUNK_ROWS)]
    with ThreadPoolExecutor(THREADS) as pool:  # polars runs string kernels of one chunk on one core
        parts = list(pool.map(_tokens_of_chunk, chunks))
    # chunks are concatenated in doc order, so every token's docs stay in doc order
    tokens = pl.concat(parts).group_by("token").agg(pl.col("doc").list.explode()).sort("token")
    del parts  # each step below copies the postings (a hundred million for 1M items): free the inputs
    folded = pl.Series("folded", [fold(token) for token in tokens["token"].to_list()], dtype=pl.String)
    words_of_tokens = (
        tokens.select("token", folded.str.extract_all(WORD_PATTERN).alias("word"))
        .explode("word")
        .drop_nulls("word")
    )
    words = (
        words_of_tokens.join(tokens, on="token", maintain_order="left")
        .group_by("word")
        .agg(pl.col("doc").list.explode())
    )
    del tokens, words_of_tokens
    lexicon = _lexicon(words.select("word"), known or Lexicon.empty())
    words = (
        words.join(lexicon.words, on="word")
        .sort("stem", "word")
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int32).alias("word_id"))
    )
    postings = words.select("word_id", "doc").explode("doc")
    lengths = np.bincount(postings["doc"].to_numpy(), minlength=docs.height).astype(np.int32)
    postings = postings.with_columns(pl.Series("n_tokens", lengths[postings["doc"].to_numpy()]))
    return SearchIndex(
        docs=docs.select("doc", "item_id", pl.Series("n_tokens", lengths)),
        words=words.select(
            "word_id", "word", "stem", "lemma", pl.col("doc").list.len().alias("n_occurrences")
        ),
        lemma_stems=lexicon.lemma_stems,
        postings=postings,
    )


def _lexicon(words: pl.DataFrame, known: Lexicon) -> Lexicon:
    """The lemma and stem of each of ``words`` and the stems of the forms of their lemmas: from ``known``
    where it has them, from the lemmatiser and the stemmer for the rest. The same as with nothing known,
    whatever index ``known`` came from: a lemma's pairs from its dictionary forms are kept with it, and
    the pairs of words are made again from the words of this index only."""
    reused = words.join(known.words, on="word")
    new = words.join(known.words, on="word", how="anti")
    if new.height > LOOKUPS_BEFORE_DECODING:
        load_dictionary()  # decoded whole: lookups are then hundreds of times faster
    new = new.with_columns(pl.Series("lemma", [lemma(w) for w in new["word"].to_list()], dtype=pl.String))
    lemmas = pl.concat([reused.select("lemma"), new.select("lemma")]).unique()
    kept_forms = known.lemma_stems.filter("from_forms").join(lemmas, on="lemma", how="semi")
    unseen = lemmas.join(kept_forms, on="lemma", how="anti")
    new_forms = _known_forms(unseen)
    stems = _stems(pl.concat([new.select("word"), new_forms.select("word")]).unique())
    new = new.join(stems, on="word")
    indexed = pl.concat([reused.select("word", "lemma", "stem"), new.select("word", "lemma", "stem")])
    pairs = pl.concat(
        [
            kept_forms.select("stem", "lemma", "from_forms"),
            new_forms.join(stems, on="word").select("stem", "lemma", pl.lit(True).alias("from_forms")),
            indexed.select("stem", "lemma", pl.lit(False).alias("from_forms")),
        ]
    )
    lemma_stems = pairs.group_by("stem", "lemma").agg(pl.col("from_forms").any()).sort("stem", "lemma")
    return Lexicon(words=indexed, lemma_stems=lemma_stems)


def _known_forms(lemmas: pl.DataFrame) -> pl.DataFrame:
    """(word, lemma): every form the lemmatiser knows of each of ``lemmas`` (``words.forms``)."""
    each = forms_of_each(lemmas["lemma"].unique().to_list())
    # as two columns, not three million (form, lemma) rows: a third of the time
    return pl.DataFrame(
        {
            "word": [form for its_forms in each.values() for form in its_forms],
            "lemma": [its for its, its_forms in each.items() for _ in its_forms],
        },
        schema={"word": pl.String, "lemma": pl.String},
    )


def _stems(words: pl.DataFrame) -> pl.DataFrame:
    """Each distinct word with its Snowball Finnish stem (DuckDB's ``stem``, in a scratch database)."""
    con = connect(extensions=("fts",))
    try:
        con.register("distinct_words", words.to_arrow())
        return con.execute("SELECT word, stem(word, 'finnish') AS stem FROM distinct_words").pl()
    finally:
        con.close()


def create_search_index(con: duckdb.DuckDBPyConnection, index: SearchIndex) -> None:
    """Write the index tables and the ``search_items`` macro into the warehouse being built."""
    for name, frame in (
        ("search_docs", index.docs),
        ("search_words", index.words),
        ("search_lemma_stems", index.lemma_stems),
        ("search_postings", index.postings),
    ):
        con.register("incoming", frame.to_arrow())
        if name == "search_docs":  # each handling's row in items, for lookups that skip the rest
            con.execute(
                """CREATE TABLE search_docs AS
                SELECT d.doc, d.item_id, d.n_tokens, i.rowid AS item_row
                FROM incoming d JOIN items i USING (item_id) ORDER BY d.doc"""
            )
        else:
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
        con.unregister("incoming")
    con.execute(
        """CREATE TABLE search_stats AS
        SELECT count(*)::BIGINT AS n_docs, coalesce(avg(n_tokens), 1)::DOUBLE AS avg_tokens,
               $lexicon AS lexicon
        FROM search_docs""",
        {"lexicon": LEXICON_VERSION},
    )
    con.execute(TERMS_MACRO)
    con.execute(SEARCH_MACRO)


def matched_words(con: duckdb.DuckDBPyConnection, query: str) -> list[str]:
    """The forms of the query's words that occur in the warehouse (for highlighting excerpts)."""
    rows = con.execute(
        "SELECT DISTINCT word FROM search_terms($q) ORDER BY length(word) DESC, word", {"q": query}
    ).fetchall()
    return [row[0] for row in rows]


def excerpt(text: str | None, words: list[str], after: str | None = None, width: int = 120) -> str:
    """A single line of ``text`` around the first of ``words`` it contains (whole words only).

    ``after``: text to look past first (the title, which the text repeats and the hit already shows)."""
    flat = " ".join((text or "").split())
    if not words:
        return flat[:width]
    pattern = re.compile(r"(?<![\w])(" + "|".join(map(re.escape, words)) + r")(?![\w])", re.IGNORECASE)
    skip = len(" ".join(after.split())) if after and flat.startswith(" ".join(after.split())) else 0
    match = pattern.search(flat, skip) or pattern.search(flat)
    if match is None:
        return flat[:width]
    start = max(0, match.start() - width // 3)
    snippet = flat[start : start + width]
    return ("…" if start else "") + snippet + ("…" if start + width < len(flat) else "")


@dataclass(frozen=True)
class SearchFilters:
    """Where hits may come from: any of ``municipalities`` and of ``bodies`` (names, in any case; empty:
    all), meetings from ``since`` to ``until`` (inclusive; None: open)."""

    municipalities: tuple[str, ...] = ()
    bodies: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None

    def any(self) -> bool:
        return bool(self.municipalities or self.bodies or self.since or self.until)

    def where(self) -> tuple[str, dict]:
        """The SQL condition on a row of ``items i`` and its parameters."""
        conditions, params = ["true"], {}
        if self.municipalities:
            conditions.append("list_contains($municipalities, lower(i.municipality))")
            params["municipalities"] = [m.lower() for m in self.municipalities]
        if self.bodies:
            conditions.append("list_contains($bodies, lower(i.body))")
            params["bodies"] = [b.lower() for b in self.bodies]
        if self.since:
            conditions.append("i.meeting_date >= $since")
            params["since"] = self.since
        if self.until:
            conditions.append("i.meeting_date <= $until")
            params["until"] = self.until
        return " AND ".join(conditions), params


#: ``search_ranked`` ranks every match when asked for this many (more than any warehouse holds).
ALL_RESULTS = 2**62


def ranked_hits(
    con: duckdb.DuckDBPyConnection,
    query: str,
    limit: int | None = 20,
    filters: SearchFilters = SearchFilters(),
    within: str | None = None,
    extra: str = "",
) -> tuple[list[str], list[tuple]]:
    """The rows ``search_items`` gives for ``query``, best first, that pass ``filters`` and, with
    ``within`` (a relation with an ``item_id`` column), are among its items; at most ``limit`` (None:
    all); ``extra``: more columns of ``items i`` after them (``, i.text``).

    Every path scores with ``search_scored`` and orders as ``search_ranked`` does (score, then item
    id), so a narrowed answer lists its hits in the order ``minutes search`` does. Hits are narrowed
    before they are cut to ``limit`` (reading only the columns the filters need), and only the hits
    kept read their titles and links."""
    n = ALL_RESULTS if limit is None else limit
    if not filters.any() and within is None:
        ranked, params = "SELECT * FROM search_ranked($q, max_results := $n)", {}
    else:
        # narrowed before the cut: the filters read their few columns of the matching rows (by rowid)
        condition, params = filters.where()
        restrict = f"AND i.item_id IN (SELECT item_id FROM {within})" if within else ""
        ranked = f"""SELECT s.score AS raw_score, s.words_matched, d.item_id, d.item_row
                     FROM search_scored($q) s
                     JOIN search_docs d ON d.doc = s.doc JOIN items i ON i.rowid = d.item_row
                     WHERE {condition} {restrict}
                     ORDER BY s.score DESC, d.item_id LIMIT $n"""
    result = con.execute(
        f"""WITH kept AS ({ranked})
            SELECT {HIT_COLUMNS}{extra}
            FROM kept r JOIN items i ON i.rowid = r.item_row
            ORDER BY r.raw_score DESC, r.item_id""",
        {"q": query, "n": n, **params},
    )
    return [d[0] for d in result.description], result.fetchall()


def search(
    con: duckdb.DuckDBPyConnection, query: str, limit: int = 20, filters: SearchFilters = SearchFilters()
) -> tuple[list[str], list[tuple]]:
    """Ranked hits for ``query``: the columns of ``search_items`` plus an excerpt of each item's text."""
    columns, rows = ranked_hits(con, query, limit, filters, extra=", i.text")
    columns = columns[:-1]
    if not rows:
        return [*columns, "excerpt"], []
    words = matched_words(con, query)
    title = columns.index("title")
    hits = [(*row[:-1], excerpt(row[-1], words, row[title])) for row in rows]
    return [*columns, "excerpt"], hits


def format_hits(columns: list[str], rows: list[tuple]) -> str:
    """Hits as people read them: rank and score, where and when (with §), title, excerpt, link."""
    if not rows:
        return "no handling matches"
    lines = []
    for rank, row in enumerate(rows, start=1):
        hit = dict(zip(columns, row, strict=True))
        when = dated_section(hit["meeting_date"], hit["section"])
        lines += [
            f"{rank:>2}. {hit['municipality']} · {hit['body']} · {when}  (score {hit['score']:.2f})",
            f"    {hit['title']}",
            f"    {hit['excerpt']}",
            f"    {hit['url']}" + (f"  PDF {hit['pdf_url']}" if hit["pdf_url"] else ""),
        ]
    return "\n".join(lines)
