"""Linking at national scale: wall time, peak memory and recall on a synthetic corpus of minutes.

The corpus is Finnish-like: a vocabulary of real frequent words of minutes and generated inflected word
forms with Zipf frequencies, sentences of 6–20 words, paragraphs and bullet lists, years and numbers,
~3 KB per item, and per-municipality boilerplate (preparer line, contact line, appeal instructions).
Planted in it at known rates:

- *near-identical groups* (positives): one regional text handled in 2–5 municipalities, each copy with
  its own boilerplate and proposal, typos in ~1 % of words, a sentence replaced or added, bullets
  reordered, and half of the copies rendered as PDF text (hard line breaks, words hyphenated across
  lines, ``•`` bullets, blank page-break lines);
- *other-period versions* (hard negatives): next year's version of a recurring item — the same text with
  the years moved on, some sentences rewritten, a year later; for regional groups, in every member;
- *boilerplate pairs* (hard negatives): short items of one municipality whose text is mostly its
  boilerplate.

Each measured step runs in a child process of its own, which reports its wall time and its peak
resident memory (``ru_maxrss``), with the machine's load average before and after it (other work on the
machine slows a step down; a step whose load is far above the bench's own should be repeated). The steps:

- ``minutes dedupe`` end to end, with a persisted index (ours);
- the library path end to end (``bench/link_engines.py``: Polars shingles, rensa MinHash and LSH, our
  verification and guards), for throughput, peak memory, recall and hard negatives beside ours;
- every part of both engines side by side on the same batches (tokenising and shingling, MinHash,
  banding and candidates), each measured on its own;
- adding a day of new items to the largest index, and a day on which 1 % of the indexed items were
  corrected (each retired from the index and its new version added).

Reproduce with the command printed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

N_SOURCES = 300
GROUP_SHARE = 0.04  # items in near-identical groups
NEXT_PERIOD_GROUP_SHARE = 0.25  # of the groups, those with a next-period group too
LOCAL_RECURRING_SHARE = 0.02  # local items with a next-period version in their municipality
SHORT_SHARE = 0.02  # short, boilerplate-heavy local items
ROW_GROUP = 16384

COMMON = (
    "ja on että sekä kunnan kaupungin vuoden mukaan tai ei se ovat myös kanssa osalta lisäksi vuonna "
    "euroa kunnanhallitus kaupunginhallitus valtuusto lautakunta päätös esitys asia liitteenä toiminta "
    "palvelut alueen kuntien kunta kaupunki yhteistyö hyvinvointialueen talousarvio toteutuminen "
    "tavoitteet tavoitteena kehittäminen valmistelu hankkeen hanke suunnitelma suunnitelman ohjelma "
    "sopimus sopimuksen yhteinen yhteisen alueella kunnassa kaupungissa vastaa vastaava olisi oli olivat "
    "voidaan tulee tulisi tämän näiden niiden joka jotka jonka joiden sen siitä siihen siinä kuin kun "
    "jos myös vielä jo noin yhteensä prosenttia miljoonaa tuhatta henkilöä asukasta lasta oppilasta "
    "palvelujen palveluiden järjestäminen järjestämisestä päättää hyväksyy merkitsee tiedoksi esittää "
    "valtuustolle hallitukselle lautakunnalle asiasta asian käsittely käsiteltiin käsitellyt vuosittain "
    "kuluvan edellisen seuraavan aikana alusta lähtien mennessä saakka välillä osana perusteella "
    "tarkoituksena varten sekä lisäksi kuitenkin esimerkiksi erityisesti pääosin osittain kokonaan "
    "selvitys selvityksen raportti kertomus toimintakertomus arviointi seuranta mittarit kustannukset "
    "menot tulot rahoitus valtionavustus avustus maksu maksut hinta kauppahinta tontti kiinteistö kaava "
    "asemakaava rakentaminen korjaus peruskorjaus investointi hankinta kilpailutus urakka työryhmä "
    "ohjausryhmä johtoryhmä henkilöstö henkilöstön työntekijät asukkaat asiakkaat nuoret ikäihmiset "
    "perheet koulu koulut päiväkoti varhaiskasvatus perusopetus lukio liikunta kulttuuri kirjasto"
).split()
ONSETS = ["k", "t", "p", "s", "h", "l", "m", "n", "r", "v", "j", "", "k", "t", "s", "l"]
BACK, FRONT = (
    ["a", "o", "u", "a", "e", "i", "aa", "uu", "oi", "ai", "ei", "uo"],
    ["ä", "ö", "y", "ä", "e", "i", "ää", "yy", "äi", "ei", "yö", "ie"],
)
CODAS = ["", "", "", "", "n", "s", "l", "t", "r"]
ENDINGS = {
    "back": ["", "", "n", "n", "ssa", "sta", "lla", "lle", "ksi", "an", "in", "ja", "jen", "t", "lta", "na"],
    "front": ["", "", "n", "n", "ssä", "stä", "llä", "lle", "ksi", "än", "in", "jä", "jen", "t", "ltä", "nä"],
}
FIRST_NAMES = (
    "Anna Juha Hanna Mika Sari Ville Laura Pekka Riikka Toni Sanna Harri Noora Jani Minna Kirsi".split()
)
LAST_NAMES = (
    "Mattila Rantanen Koivisto Lindholm Nieminen Lehtonen Rinne Laitinen Mustonen Korhonen Salo".split()
)
ROLES = (
    "Kunnanjohtaja Talousjohtaja Sivistysjohtaja Hallintojohtaja Tekninen_johtaja Hyvinvointijohtaja".split()
)

# A text is built of pieces: a word and what follows it. Piece id = word * VARIANTS + variant.
PLAIN, CAPITAL, END, COMMA, PARAGRAPH_END, LIST_LEAD, ITEM_END, LAST_ITEM = range(8)
VARIANTS = 8
PROSE, LEAD, ITEM = 0, 1, 2


class Vocabulary:
    """Word forms with Zipf frequencies: real frequent words of minutes, then generated Finnish-like
    inflected forms (vowel harmony, CV syllables, case endings)."""

    def __init__(self, rng: np.random.Generator, size: int = 60_000):
        words = list(dict.fromkeys(COMMON + [str(y) for y in range(2015, 2031)]))
        seen = set(words)
        while len(words) < size:
            harmony = "back" if rng.random() < 0.6 else "front"
            vowels = BACK if harmony == "back" else FRONT
            n = int(rng.integers(2, 4))
            parts = zip(
                rng.integers(len(ONSETS), size=n),
                rng.integers(len(vowels), size=n),
                rng.integers(len(CODAS), size=n),
                strict=True,
            )
            stem = "".join(
                ONSETS[o] + vowels[v] + (CODAS[c] if k < n - 1 else "") for k, (o, v, c) in enumerate(parts)
            )
            word = stem + ENDINGS[harmony][int(rng.integers(len(ENDINGS[harmony])))]
            if 4 <= len(word) <= 14 and word not in seen:
                seen.add(word)
                words.append(word)
        self.words = words
        self.year_base = words.index("2015")
        ranks = np.arange(1, len(words) + 1)
        weights = 1 / ranks**1.0
        self.cdf = np.cumsum(weights / weights.sum())
        suffixes = [" ", " ", ". ", ", ", ".\n\n", ":\n- ", "\n- ", "\n\n"]
        pieces = []
        for word in words:
            capital = word[:1].upper() + word[1:]
            pieces += [(capital if v == CAPITAL else word) + suffix for v, suffix in enumerate(suffixes)]
        self.pieces = np.array(pieces, dtype=object)

    def year(self, y: int) -> int:
        return self.year_base + (y - 2015)

    def draw(self, rng: np.random.Generator, n: int, low_rank: int = 0) -> np.ndarray:
        ids = np.searchsorted(self.cdf, rng.random(n) * (1 - self.cdf[low_rank]) + self.cdf[low_rank])
        return np.minimum(ids, len(self.words) - 1)

    def render(self, pieces: np.ndarray) -> str:
        return "".join(self.pieces[pieces].tolist()).rstrip()


def _first_and_last_variants(
    pieces: np.ndarray, starts: np.ndarray, ends: np.ndarray, kinds, paragraph_end
) -> None:
    """Capitals, full stops, colons and bullets where each sentence's kind and place say (in place)."""
    words_first, words_last = pieces[starts] // VARIANTS, pieces[ends - 1] // VARIANTS
    pieces[starts] = words_first * VARIANTS + np.where(kinds == ITEM, PLAIN, CAPITAL)
    last = np.where(
        kinds == PROSE,
        np.where(paragraph_end, PARAGRAPH_END, END),
        np.where(kinds == LEAD, LIST_LEAD, np.where(paragraph_end, LAST_ITEM, ITEM_END)),
    )
    pieces[ends - 1] = words_last * VARIANTS + last


class Doc:
    """One text as sentences (piece arrays) with their kind (prose, list lead, list item) and whether
    each ends its paragraph: the form in which copies are edited."""

    def __init__(self, sentences: list[np.ndarray], kinds: list[int], paragraph_end: list[bool]):
        self.sentences, self.kinds, self.paragraph_end = sentences, kinds, paragraph_end

    def pieces(self) -> np.ndarray:
        pieces = np.concatenate(self.sentences)
        ends = np.cumsum([len(x) for x in self.sentences])
        _first_and_last_variants(
            pieces,
            ends - [len(x) for x in self.sentences],
            ends,
            np.array(self.kinds),
            np.array(self.paragraph_end),
        )
        return pieces

    def copy(self) -> Doc:
        return Doc(list(self.sentences), list(self.kinds), list(self.paragraph_end))


def prose(
    vocab: Vocabulary, rng: np.random.Generator, lengths: np.ndarray, years: np.ndarray | None = None
) -> np.ndarray:
    """Words of sentences of the given lengths as PLAIN/COMMA pieces; a third of them name their year."""
    words = vocab.draw(rng, int(lengths.sum()))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    if years is not None:
        with_year = (rng.random(len(lengths)) < 0.3) & (lengths > 4) & (years > 0)
        words[starts[with_year] + 1 + rng.integers(0, 3, size=int(with_year.sum()))] = (
            vocab.year_base + years[with_year] - 2015
        )
    return words * VARIANTS + np.where(rng.random(len(words)) < 0.07, COMMA, PLAIN)


def documents(
    vocab: Vocabulary, rng: np.random.Generator, years: np.ndarray, short: np.ndarray | None = None
):
    """Bodies of len(years) documents at once: (pieces, sentence starts, kinds, paragraph ends, each
    document's first sentence). Short documents are one paragraph."""
    n = len(years)
    paragraphs_per_doc = rng.integers(5, 8, size=n)
    if short is not None:
        paragraphs_per_doc[short] = 1
    n_paragraphs = int(paragraphs_per_doc.sum())
    sizes = rng.integers(2, 6, size=n_paragraphs)
    is_list = (rng.random(n_paragraphs) < 0.15) & (sizes >= 3)
    place = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    kinds = np.where(np.repeat(is_list, sizes), np.where(place == 0, LEAD, ITEM), PROSE)
    paragraph_end = place == np.repeat(sizes - 1, sizes)
    lengths = np.where(
        kinds == PROSE, rng.integers(6, 21, size=len(kinds)), rng.integers(4, 10, size=len(kinds))
    )
    doc_of_paragraph = np.repeat(np.arange(n), paragraphs_per_doc)
    sentence_years = np.where(kinds == PROSE, years[np.repeat(doc_of_paragraph, sizes)], 0)
    pieces = prose(vocab, rng, lengths, sentence_years)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    _first_and_last_variants(pieces, starts, ends, kinds, paragraph_end)
    first_sentence = np.concatenate(
        ([0], np.cumsum(np.bincount(np.repeat(doc_of_paragraph, sizes), minlength=n)))
    )
    return pieces, np.append(starts, len(pieces)), kinds, paragraph_end, first_sentence


def as_doc(batch, k: int) -> Doc:
    pieces, bounds, kinds, paragraph_end, first = batch
    a, b = first[k], first[k + 1]
    return Doc(
        [pieces[bounds[i] : bounds[i + 1]].copy() for i in range(a, b)],
        list(kinds[a:b]),
        list(paragraph_end[a:b]),
    )


def doc_pieces(batch, k: int) -> np.ndarray:
    pieces, bounds, _, _, first = batch
    return pieces[bounds[first[k]] : bounds[first[k + 1]]]


class Municipality:
    def __init__(self, k: int, vocab: Vocabulary, rng: np.random.Generator):
        self.name = vocab.words[len(COMMON) + 16 + k * 7].capitalize() + f"-{k:03d}"
        slug = self.name.lower()
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        phone = f"044 {rng.integers(100, 999)} {rng.integers(1000, 9999)}"
        email = f"{first.lower()}.{last.lower()}@{slug}.fi"
        self.preparer = f"Valmistelija {rng.choice(ROLES)} {first} {last}, puh. {phone}, {email}"
        self.contact = (
            f"Lisätietoja antaa {rng.choice(ROLES)} {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}."
        )
        self.appeal = (
            "Oikaisuvaatimusohje: Tähän päätökseen tyytymätön voi tehdä kirjallisen oikaisuvaatimuksen. "
            "Oikaisuvaatimus on tehtävä 14 päivän kuluessa päätöksen tiedoksisaannista, ja se toimitetaan "
            f"osoitteeseen {self.name}n kunta, kirjaamo, PL {rng.integers(10, 99)}, "
            f"{rng.integers(10000, 99999)} {self.name}. Asianosaisen katsotaan saaneen päätöksestä tiedon "
            "seitsemän päivän kuluttua kirjeen lähettämisestä."
        )

    def item_text(self, text_body: str, proposal: str) -> str:
        return (
            f"{self.preparer}\n\n{text_body}\n\nPäätösehdotus {proposal}\n\n{self.contact}\n\n{self.appeal}"
        )


def titles(vocab: Vocabulary, rng: np.random.Generator, years: list[int | None]) -> list[str]:
    lengths = rng.integers(3, 7, size=len(years))
    words = vocab.draw(rng, int(lengths.sum()), low_rank=300)
    out, at = [], 0
    for length, year in zip(lengths, years, strict=True):
        text = " ".join(vocab.words[w] for w in words[at : at + length]).capitalize()
        out.append(f"{text} {year}" if year else text)
        at += length
    return out


def proposals(vocab: Vocabulary, rng: np.random.Generator, n: int) -> list[str]:
    lengths = rng.integers(8, 16, size=n)
    pieces = prose(vocab, rng, lengths)
    ends = np.cumsum(lengths)
    _first_and_last_variants(pieces, ends - lengths, ends, np.zeros(n, dtype=int), np.zeros(n, dtype=bool))
    return [vocab.render(p) for p in np.split(pieces, ends[:-1])]


# --- edits that a copy of one text picks up on its way to another municipality ------------------


def typos(text: str, rng: np.random.Generator, rate: float = 0.01) -> str:
    words = text.split(" ")
    for k in np.flatnonzero(rng.random(len(words)) < rate):
        w = words[k]
        if len(w) > 4 and w.isalpha():
            i = int(rng.integers(1, len(w) - 2))
            words[k] = w[:i] + w[i + 1 :] if rng.random() < 0.5 else w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    return " ".join(words)


def as_pdf_text(text: str, rng: np.random.Generator, width: int = 68) -> str:
    """Hard line breaks, words hyphenated across lines, • bullets, blank page-break lines."""
    out_lines = []
    for paragraph in text.split("\n\n"):
        for raw_line in paragraph.split("\n"):
            bullet = raw_line.startswith("- ")
            line = "• " if bullet else ""
            for word in (raw_line[2:] if bullet else raw_line).split(" "):
                if len(line) + len(word) + 1 <= width:
                    line = f"{line} {word}" if line and line != "• " else line + word
                    continue
                room = width - len(line) - 2
                if len(word) >= 8 and room >= 3 and word[:room].isalpha():
                    out_lines.append(f"{line} {word[:room]}-")
                    line = word[room:]
                else:
                    out_lines.append(line)
                    line = word
            out_lines.append(line)
        out_lines.append(" " if rng.random() < 0.5 else "")
    return "\n".join(out_lines)


def edited(vocab: Vocabulary, rng: np.random.Generator, doc: Doc) -> Doc:
    """A copy as another municipality prints it: a sentence replaced, maybe one of its own added at
    the start, maybe the bullets of a list in another order."""
    copy = doc.copy()
    prose_at = [k for k, kind in enumerate(copy.kinds) if kind == PROSE]
    k = prose_at[int(rng.integers(len(prose_at)))]
    copy.sentences[k] = prose(vocab, rng, rng.integers(6, 16, size=1))
    if rng.random() < 0.5:
        copy.sentences.insert(0, prose(vocab, rng, rng.integers(6, 14, size=1)))
        copy.kinds.insert(0, PROSE)
        copy.paragraph_end.insert(0, False)
    items = [k for k, kind in enumerate(copy.kinds) if kind == ITEM]
    if items and rng.random() < 0.3:
        run = [items[0]]
        while run[-1] + 1 in items:
            run.append(run[-1] + 1)
        order = rng.permutation(run)
        copy.sentences[run[0] : run[-1] + 1] = [copy.sentences[i] for i in order]
    return copy


def next_period(vocab: Vocabulary, rng: np.random.Generator, doc: Doc, year: int) -> Doc:
    """Next year's version: the same text with the years moved on and a fifth of the sentences new."""
    following = doc.copy()
    old, new = vocab.year(year), vocab.year(year + 1)
    for k, s in enumerate(following.sentences):
        moved = s.copy()
        moved[moved // VARIANTS == old] += (new - old) * VARIANTS
        if following.kinds[k] == PROSE and rng.random() < 0.2:
            moved = prose(vocab, rng, rng.integers(6, 16, size=1), np.array([year + 1]))
        following.sentences[k] = moved
    return following


# --- the corpus --------------------------------------------------------------------------------------


def plan_groups(n_items: int, rng: np.random.Generator) -> list[dict]:
    """Regional groups: member municipalities, a year, and whether a next-period group follows."""
    groups, members = [], 0
    while members < GROUP_SHARE * n_items:
        size = int(rng.integers(2, 6))
        follows = bool(rng.random() < NEXT_PERIOD_GROUP_SHARE)
        groups.append(
            {
                "sources": rng.choice(N_SOURCES, size=size, replace=False),
                "year": int(rng.integers(2019, 2026)),
                "next": follows,
            }
        )
        members += size * (2 if follows else 1)
    return groups


CORPUS_SCHEMA = pa.schema(
    [
        ("item_id", pa.string()),
        ("municipality", pa.string()),
        ("meeting_date", pa.date32()),
        ("title", pa.string()),
        ("text", pa.string()),
    ]
)


def _regional_copies(vocab, rng, n_items: int) -> dict[int, list]:
    """Per municipality, the regional texts it handles: (group, period, Doc, date, title)."""
    groups = plan_groups(n_items, rng)
    years = np.array([g["year"] for g in groups])
    batch = documents(vocab, rng, years)
    group_titles = titles(vocab, rng, [None] * len(groups))
    copies: dict[int, list] = {s: [] for s in range(N_SOURCES)}
    for g, group in enumerate(groups):
        start = date(group["year"], 1, 1) + timedelta(days=int(rng.integers(30, 300)))
        original = as_doc(batch, g)
        versions = [(group["year"], original, start)]
        if group["next"]:
            versions.append(
                (
                    group["year"] + 1,
                    next_period(vocab, rng, original, group["year"]),
                    start + timedelta(days=365),
                )
            )
        for period, doc, when in versions:
            for s in group["sources"]:
                copies[int(s)].append((g, period, doc, when, f"{group_titles[g]} {period}"))
    return copies


def generate(n_items: int, corpus: Path, truth: Path, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    vocab = Vocabulary(rng)
    municipalities = [Municipality(k, vocab, rng) for k in range(N_SOURCES)]
    copies = _regional_copies(vocab, rng, n_items)
    per_source = max(1, (n_items - sum(len(c) for c in copies.values())) // N_SOURCES)
    truth_rows: list[tuple[str, str, str]] = []
    members: dict[tuple[int, int], list[str]] = {}
    pending: list[dict] = []
    with pq.ParquetWriter(
        corpus, CORPUS_SCHEMA, compression="lz4", use_dictionary=["municipality"]
    ) as writer:
        for s, municipality in enumerate(municipalities):
            pending += _source_rows(vocab, rng, municipality, per_source, copies[s], truth_rows, members)
            if len(pending) >= ROW_GROUP or s == len(municipalities) - 1:
                writer.write_table(
                    pa.Table.from_pylist(pending, schema=CORPUS_SCHEMA), row_group_size=ROW_GROUP
                )
                pending = []
    for (g, period), ids in members.items():
        truth_rows += [(a, b, "near_identical") for i, a in enumerate(ids) for b in ids[i + 1 :]]
        truth_rows += [(a, b, "other_period") for a in ids for b in members.get((g, period + 1), [])]
    pl.DataFrame(truth_rows, schema=["a", "b", "kind"], orient="row").write_parquet(truth)


def _source_rows(vocab, rng, municipality, n_local, copies, truth_rows, members) -> list[dict]:
    """One municipality's items: its copies of regional texts, then its own items, some of them short
    and some with a next-period version."""
    texts, item_titles, dates, regional = [], [], [], []
    for g, period, doc, when, item_title in copies:
        text_body = typos(vocab.render(edited(vocab, rng, doc).pieces()), rng)
        texts.append(as_pdf_text(text_body, rng) if rng.random() < 0.5 else text_body)
        item_titles.append(item_title)
        dates.append(when + timedelta(days=int(rng.integers(0, 120))))
        regional.append((g, period, len(texts) - 1))
    n_own = max(0, n_local)
    recurring = rng.random(n_own) < LOCAL_RECURRING_SHARE
    n_base = n_own - int(recurring.sum())
    recurring = recurring[:n_base]
    short = rng.random(n_base) < SHORT_SHARE
    years = rng.integers(2019, 2026, size=n_base)
    with_year = rng.random(n_base) < 0.6
    batch = documents(vocab, rng, years, short)
    base_titles = titles(vocab, rng, [int(y) if w else None for y, w in zip(years, with_year, strict=True)])
    shorts, pairs = [], []
    for k in range(n_base):
        when = date(int(years[k]), 1, 1) + timedelta(days=int(rng.integers(0, 350)))
        texts.append(vocab.render(doc_pieces(batch, k)))
        item_titles.append(base_titles[k])
        dates.append(when)
        if short[k]:
            shorts.append(len(texts) - 1)
        elif recurring[k]:
            following = next_period(vocab, rng, as_doc(batch, k), int(years[k]))
            texts.append(vocab.render(following.pieces()))
            item_titles.append(base_titles[k].replace(str(years[k]), str(years[k] + 1)))
            dates.append(when + timedelta(days=int(rng.integers(350, 380))))
            pairs.append((len(texts) - 2, len(texts) - 1))
    ids = [f"{municipality.name.lower()}-{k:07d}" for k in range(len(texts))]
    for g, period, position in regional:
        members.setdefault((g, period), []).append(ids[position])
    truth_rows += [(ids[a], ids[b], "other_period") for a, b in pairs]
    truth_rows += [
        (ids[a], ids[b], "shared_boilerplate") for a, b in zip(shorts[::2], shorts[1::2], strict=False)
    ]
    props = proposals(vocab, rng, len(texts))
    return [
        {
            "item_id": i,
            "municipality": municipality.name,
            "meeting_date": d,
            "title": t,
            "text": municipality.item_text(x, p),
        }
        for i, d, t, x, p in zip(ids, dates, item_titles, texts, props, strict=True)
    ]


# --- the measured steps (each in a child process) ------------------------------------------------------


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_link(corpus: Path, out: Path, index_dir: Path | None) -> dict:
    from linking.dedupe import dedupe

    started = time.perf_counter()
    report, _ = dedupe(corpus, out, index_dir=index_dir)
    return {
        "seconds": time.perf_counter() - started,
        "peak_mib": peak_mib(),
        "items": report.items,
        "matters": report.matters,
        "links": report.links,
    }


def step_datasketch(corpus: Path, out: Path) -> dict:
    """The common choice: Python word shingles, datasketch MinHash (bulk) and MinHashLSH."""
    import re

    from datasketch import MinHash, MinHashLSH

    word = re.compile(r"\w+")
    started = time.perf_counter()
    table = pl.read_parquet(corpus, columns=["item_id", "text"])
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    pairs = set()
    ids = table["item_id"].to_list()
    texts = table["text"].to_list()
    for start in range(0, len(ids), 2000):
        shingle_sets = []
        for text in texts[start : start + 2000]:
            words = word.findall(text.casefold())
            shingle_sets.append({" ".join(words[i : i + 3]).encode() for i in range(len(words) - 2)})
        for item_id, minhash in zip(
            ids[start : start + 2000], MinHash.bulk(shingle_sets, num_perm=128), strict=True
        ):
            for other in lsh.query(minhash):
                pairs.add((other, item_id))
            lsh.insert(item_id, minhash)
    pl.DataFrame(sorted(pairs), schema=["a", "b"], orient="row").write_parquet(out)
    return {
        "seconds": time.perf_counter() - started,
        "peak_mib": peak_mib(),
        "items": len(ids),
        "candidate_pairs": len(pairs),
    }


def step_parts(corpus: Path, truth: Path) -> dict:
    from link_engines import measure_parts

    started = time.perf_counter()
    measured = measure_parts(corpus, truth)
    return {**measured, "seconds": time.perf_counter() - started, "peak_mib": peak_mib()}


def step_rensa(corpus: Path, out: Path) -> dict:
    from link_engines import rensa_pipeline

    started = time.perf_counter()
    measured = rensa_pipeline(corpus, out)
    return {**measured, "seconds": time.perf_counter() - started, "peak_mib": peak_mib()}


def make_corrections(corpus: Path, share: float, out: Path, seed: int = 13) -> None:
    """A day on which ``share`` of the items were corrected, as minutes correct an agenda: a few words
    changed and a sentence added. Only the corrected items are in the day's file."""
    rng = np.random.default_rng(seed)
    ids = pl.read_parquet(corpus, columns=["item_id"])["item_id"]
    chosen = pl.DataFrame({"item_id": ids.sample(fraction=share, seed=seed)})
    rows = pl.scan_parquet(corpus).join(chosen.lazy(), on="item_id", how="semi").collect()
    texts = [
        typos(text, rng, 0.02) + "\n\nPöytäkirjaan korjattu kokouksessa tehty muutos."
        for text in rows["text"]
    ]
    rows.with_columns(pl.Series("text", texts)).write_parquet(out)


def step_corrections(day: Path, out: Path, index_dir: Path) -> dict:
    from linking.dedupe import dedupe
    from linking.index import LinkIndex

    started = time.perf_counter()
    report, _ = dedupe(day, out, index_dir=index_dir)
    seconds = time.perf_counter() - started
    index = LinkIndex.open_or_create(index_dir)
    return {
        "seconds": seconds,
        "peak_mib": peak_mib(),
        "items": report.items,
        "retired": int(index.retired.sum()),
        "index_rows": index.n,
    }


def run_child(*args: str) -> dict:
    """A step in a process of its own; its result with the process's wall time (start-up included)."""
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    result = subprocess.run(
        [sys.executable, __file__, "--step", *args], capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"step {args} failed:\n{result.stderr}")
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    return {
        **measured,
        "process_s": time.perf_counter() - started,
        "load": f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after",
    }


def recall(matters: Path, truth: Path) -> dict[str, tuple[int, int]]:
    """Per planted kind: (pairs in one matter, pairs)."""
    matter = pl.read_parquet(matters)
    pairs = pl.read_parquet(truth)
    joined = pairs.join(matter.rename({"item_id": "a", "matter_id": "ma"}), on="a").join(
        matter.rename({"item_id": "b", "matter_id": "mb"}), on="b"
    )
    counts = joined.group_by("kind").agg(pl.len(), (pl.col("ma") == pl.col("mb")).sum().alias("merged"))
    return {row["kind"]: (row["merged"], row["len"]) for row in counts.iter_rows(named=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[200_000, 1_000_000], help="corpus sizes to link (items)"
    )
    parser.add_argument(
        "--datasketch", type=int, default=0, help="corpus run through datasketch too (0: skip)"
    )
    parser.add_argument(
        "--no-rensa", action="store_true", help="skip the library path and the side-by-side parts"
    )
    parser.add_argument("--add", type=int, default=1000, help="items added to the largest index (0: skip)")
    parser.add_argument(
        "--corrected",
        type=float,
        default=0.01,
        help="share of the largest index's items corrected in one day (0: skip)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=REPO / "data" / "bench" / "link_scale",
        help="where corpora (kept between runs), indexes and outputs go",
    )
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(run_step(*args.step)))
    else:
        report(args)


def run_step(kind: str, *rest: str) -> dict:
    if kind == "generate":
        generate(int(rest[0]), Path(rest[1]), Path(rest[2]), int(rest[3]))
        return {"peak_mib": peak_mib()}
    if kind == "link":
        return step_link(Path(rest[0]), Path(rest[1]), Path(rest[2]) if len(rest) > 2 else None)
    if kind == "additions":
        make_additions(Path(rest[0]), Path(rest[1]), int(rest[2]), Path(rest[3]), Path(rest[4]))
        return {"peak_mib": peak_mib()}
    if kind == "datasketch":
        return step_datasketch(Path(rest[0]), Path(rest[1]))
    if kind == "parts":
        return step_parts(Path(rest[0]), Path(rest[1]))
    if kind == "rensa":
        return step_rensa(Path(rest[0]), Path(rest[1]))
    if kind == "corrections":
        make_corrections(Path(rest[0]), float(rest[1]), Path(rest[2]))
        return {"peak_mib": peak_mib()}
    if kind == "corrected":
        return step_corrections(Path(rest[0]), Path(rest[1]), Path(rest[2]))
    raise SystemExit(f"unknown step {kind}")


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def report(args: argparse.Namespace) -> None:
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    print(f"linking scale bench, {os.cpu_count()} CPUs, {load()}")
    results = {}
    for n in args.sizes:
        corpus, truth = work / f"corpus-{n}.parquet", work / f"truth-{n}.parquet"
        if not corpus.exists() or not truth.exists():
            generated = run_child("generate", str(n), str(corpus), str(truth), "7")
            size = corpus.stat().st_size / 2**30
            print(f"generated {n:,} items in {generated['process_s']:.0f} s ({size:.2f} GiB Parquet, lz4)")
        index_dir = work / f"index-{n}"
        shutil.rmtree(index_dir, ignore_errors=True)
        measured = run_child("link", str(corpus), str(work / f"matters-{n}.parquet"), str(index_dir))
        measured["recall"] = recall(work / f"matters-{n}.parquet", truth)
        results[n] = measured
        _print_link(n, measured)
        if not args.no_rensa:
            library = run_child("rensa", str(corpus), str(work / f"rensa-matters-{n}.parquet"))
            library["recall"] = recall(work / f"rensa-matters-{n}.parquet", truth)
            _print_rensa(n, library, measured)
            _print_parts(n, run_child("parts", str(corpus), str(truth)))
    if args.datasketch:
        _compare_datasketch(work, args.datasketch, results.get(args.datasketch))
    if args.add:
        _measure_add(args, work, max(args.sizes))
    if args.corrected:
        _measure_corrections(args, work, max(args.sizes), results[max(args.sizes)])
    sizes = " ".join(str(n) for n in args.sizes)
    options = f"--sizes {sizes} --datasketch {args.datasketch} --add {args.add} --corrected {args.corrected}"
    options += " --no-rensa" if args.no_rensa else ""
    print(f"\nreproduce: .venv/bin/python bench/link_scale.py {options}")


def _print_link(n: int, measured: dict) -> None:
    recalls = ", ".join(
        f"{kind} {merged:,}/{total:,} in one matter"
        for kind, (merged, total) in sorted(measured["recall"].items())
    )
    print(
        f"\nours, {n:,} items: {measured['seconds']:.1f} s linking ({n / measured['seconds']:,.0f} items/s; "
        f"{measured['process_s']:.1f} s with start-up), peak {measured['peak_mib']:,.0f} MiB; "
        f"{measured['matters']:,} matters, {measured['links']:,} links; {measured['load']}"
    )
    print(f"  planted pairs: {recalls}")


def _recalls(measured: dict) -> str:
    return ", ".join(
        f"{kind} {merged:,}/{total:,} in one matter"
        for kind, (merged, total) in sorted(measured["recall"].items())
    )


def _print_rensa(n: int, measured: dict, ours: dict) -> None:
    parts = ", ".join(f"{name} {f['wall_s']:.1f} s" for name, f in measured["parts"].items())
    print(
        f"\nlibrary path (Polars shingles, rensa MinHash and LSH, our verification and guards), {n:,} items: "
        f"{measured['seconds']:.1f} s ({n / measured['seconds']:,.0f} items/s), peak "
        f"{measured['peak_mib']:,.0f} MiB; {measured['matters']:,} matters, {measured['links']:,} links; "
        f"{measured['load']}"
    )
    print(f"  parts: {parts}")
    print(f"  planted pairs: {_recalls(measured)}")
    print(f"  library time / ours: {measured['seconds'] / ours['seconds']:.2f}×")


def _print_parts(n: int, measured: dict) -> None:
    """Each part of ours beside the library's, on the same batches, with the ratio the decision reads."""
    parts = measured["parts"]
    print(f"\nparts side by side, {n:,} items, one process, batch by batch; {measured['load']}")
    print(f"  {'part':<40} {'wall s':>8} {'CPU s':>8} {'items/s':>10}")
    for name, figures in parts.items():
        rate = n / figures["wall_s"] if figures["wall_s"] else float("inf")
        print(f"  {name:<40} {figures['wall_s']:8.1f} {figures['cpu_s']:8.1f} {rate:10,.0f}")
    cpu = {name: figures["cpu_s"] for name, figures in parts.items()}
    ratios = {
        "tokenise+shingle: Polars / ours": cpu["tokenise+shingle polars"] / cpu["tokenise+shingle ours"],
        "banding+candidates: rensa LSH / ours": cpu["banding+candidates rensa"]
        / cpu["banding+candidates ours"],
        "MinHash and banding: rensa objects and LSH / rensa digests and our banding": (
            cpu["minhash rensa: objects for its LSH"] + cpu["banding+candidates rensa"]
        )
        / (
            cpu["minhash rensa: computing"]
            + cpu["minhash rensa: digests into NumPy"]
            + cpu["banding+candidates ours"]
        ),
    }
    for label, ratio in ratios.items():
        print(f"  {label:<75} {ratio:5.2f}× (CPU seconds)")
    connected = measured["planted_connected"]
    print(
        "  planted near-identical pairs connected by candidates: "
        + ", ".join(f"{k} {a:,}/{b:,}" for k, (a, b) in connected.items())
        + f"; candidate pairs: ours {measured['candidate_pairs']['ours']:,}, rensa "
        f"{measured['candidate_pairs']['rensa']:,}; peak {measured['peak_mib']:,.0f} MiB"
    )


def _compare_datasketch(work: Path, n: int, ours: dict | None) -> None:
    measured = run_child(
        "datasketch", str(work / f"corpus-{n}.parquet"), str(work / f"datasketch-{n}.parquet")
    )
    print(
        f"\ndatasketch MinHash.bulk + MinHashLSH(threshold=0.5), {n:,} items: {measured['seconds']:.1f} s "
        f"({n / measured['seconds']:,.0f} items/s), peak {measured['peak_mib']:,.0f} MiB, "
        f"{measured['candidate_pairs']:,} candidate pairs (not verified); {load()}"
    )
    if ours:
        print(f"  throughput ratio, ours / datasketch: {measured['seconds'] / ours['seconds']:.1f}×")


def make_additions(corpus: Path, truth: Path, n_new: int, out: Path, out_truth: Path, seed: int = 11) -> None:
    """A day's new items: half are edited copies of indexed regional items (each must join its
    original's matter), half are fresh items of another corpus."""
    rng = np.random.default_rng(seed)
    members = pl.read_parquet(truth).filter(pl.col("kind") == "near_identical")["a"].unique().sort()
    originals = pl.DataFrame({"item_id": members.sample(n_new // 2, seed=seed)})
    rows = pl.scan_parquet(corpus).join(originals.lazy(), on="item_id", how="semi").collect()
    copies = []
    for row in rows.iter_rows(named=True):
        text = typos(row["text"], rng)
        copy = as_pdf_text(text, rng) if rng.random() < 0.5 else text
        copies.append({**row, "item_id": "new-" + row["item_id"], "text": copy})
    fresh_corpus = out.with_name("fresh-" + out.name)
    generate(n_new * 4, fresh_corpus, out.with_name("fresh-truth-" + out.name), seed)
    fresh = pl.read_parquet(fresh_corpus).sample(n_new - len(copies), seed=seed)
    fresh = fresh.with_columns(pl.lit("new-fresh-") + pl.col("item_id"))
    pl.concat([pl.DataFrame(copies, schema=fresh.schema), fresh]).write_parquet(out)
    originals_of = [c["item_id"][len("new-") :] for c in copies]
    copy_ids = [c["item_id"] for c in copies]
    pl.DataFrame({"a": originals_of, "b": copy_ids, "kind": "near_identical"}).write_parquet(out_truth)


def _measure_add(args: argparse.Namespace, work: Path, n: int) -> None:
    """The day's new items into the largest index, as ``minutes dedupe NEW.parquet OUT --index`` does."""
    extra, extra_truth = work / f"additions-{args.add}.parquet", work / f"additions-truth-{args.add}.parquet"
    corpus, truth = work / f"corpus-{n}.parquet", work / f"truth-{n}.parquet"
    run_child("additions", str(corpus), str(truth), str(args.add), str(extra), str(extra_truth))
    matters = work / f"matters-additions-{args.add}.parquet"
    measured = run_child("link", str(extra), str(matters), str(work / f"index-{n}"))
    joined, total = _copies_joined(work / f"index-{n}", extra_truth)
    print(
        f"\nadding {args.add:,} items to the {n:,}-item index: {measured['seconds']:.1f} s "
        f"({measured['process_s']:.1f} s with start-up), peak {measured['peak_mib']:,.0f} MiB; "
        f"{joined:,}/{total:,} copies of indexed items joined their original's matter; {measured['load']}"
    )


def _measure_corrections(args: argparse.Namespace, work: Path, n: int, full: dict) -> None:
    """A day on which a share of the largest index's items was corrected, as ``minutes dedupe DAY.parquet
    OUT --index`` takes it: each retired from the index and its new version added."""
    day = work / f"corrections-{n}-{args.corrected}.parquet"
    run_child("corrections", str(work / f"corpus-{n}.parquet"), str(args.corrected), str(day))
    out = work / f"matters-corrections-{n}.parquet"
    measured = run_child("corrected", str(day), str(out), str(work / f"index-{n}"))
    truth = work / f"truth-{n}.parquet"
    kept, total = _corrected_pairs_kept(work / f"index-{n}", truth, day)
    print(
        f"\na day with {args.corrected:.0%} of the {n:,} items corrected ({measured['items']:,} items): "
        f"{measured['seconds']:.1f} s ({measured['process_s']:.1f} s with start-up), peak "
        f"{measured['peak_mib']:,.0f} MiB, against {full['seconds']:.1f} s for linking all of them; "
        f"{measured['retired']:,} rows retired of {measured['index_rows']:,}; {kept:,}/{total:,} planted "
        f"near-identical pairs with a corrected item still in one matter; {measured['load']}"
    )


def _corrected_pairs_kept(index_dir: Path, truth: Path, day: Path) -> tuple[int, int]:
    from linking.index import LinkIndex
    from linking.matters import MERGING, components

    index = LinkIndex.open_or_create(index_dir)
    merging = index.links.filter(pl.col("link_type").is_in(MERGING))
    labels = components(index.n, merging["a"].to_numpy(), merging["b"].to_numpy())
    live = index.live_items()
    label = dict(zip(live["item_id"].to_list(), labels[live["idx"].to_numpy()].tolist(), strict=True))
    corrected = set(pl.read_parquet(day, columns=["item_id"])["item_id"].to_list())
    pairs = pl.read_parquet(truth).filter(pl.col("kind") == "near_identical").select("a", "b").rows()
    touched = [(a, b) for a, b in pairs if (a in corrected or b in corrected) and a in label and b in label]
    return sum(label[a] == label[b] for a, b in touched), len(touched)


def _copies_joined(index_dir: Path, truth: Path) -> tuple[int, int]:
    """How many copies are in their original's matter in the grown index (a copy with a smaller id
    renames the matter, so ids from before the addition are not compared)."""
    from linking.index import LinkIndex
    from linking.matters import MERGING, components

    index = LinkIndex.open_or_create(index_dir)
    merging = index.links.filter(pl.col("link_type").is_in(MERGING))
    labels = components(index.n, merging["a"].to_numpy(), merging["b"].to_numpy())
    live = index.live_items()
    position = dict(zip(live["item_id"].to_list(), live["idx"].to_list(), strict=True))
    pairs = pl.read_parquet(truth).select("a", "b").rows()
    return sum(labels[position[a]] == labels[position[b]] for a, b in pairs), len(pairs)


if __name__ == "__main__":
    main()
