"""The linking engine against the libraries, part by part: what ``bench/link_scale.py`` runs in its steps.

Three parts make candidates out of texts, and each has a library counterpart:

- tokenising and shingling: ours is ``linking.fingerprints`` over ``linking.tokens`` (NumPy over UTF-8
  bytes); the library path is Polars: the same joiners and boilerplate lines by regular expressions,
  ``str.extract_all`` for the words, ``list.eval`` joining three words and hashing;
- MinHash: the linker had its own (one permutation, densified); measured here against rensa 0.5's
  R-MinHash it was 1.3× faster only because rensa hands its digests over as lists, short of the 1.5×
  a hand-built part must win by, so ``linking.minhash.signatures`` is now rensa's
  ``digest_matrix_from_flat_token_hashes`` with that copy into NumPy. Both halves are timed here, and
  the other input rensa's LSH needs, ``RMinHash`` objects;
- banding and candidates: ours is ``linking.minhash``'s band keys, sorted runs and star and chain
  edges; the library is rensa's ``RMinHashLSH`` (``insert_pairs``, ``query_all``), 32 bands of 4 rows
  as ours.

``measure_parts`` runs every part of both on the same batches (MinHash and banding on the same shingles),
so each pair of figures differs in that part alone; ``docs/linking-engine.md`` has the figures and the
decisions. ``rensa_pipeline`` links a corpus with the library
parts end to end — Polars shingles, rensa MinHash and LSH — and our exact verification (Jaccard or
containment of the shingle sets) and guards, for recall and hard negatives beside ``minutes dedupe``.
Its guards read no year contexts (the corpus's other-period versions are told apart by their titles'
years and their dates), and it has no own-wording search (the corpus plants no such pairs).
"""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import polars as pl
import rensa

from core.words.characters import INVISIBLE, JOINING_WORDS, WORD_PATTERN
from linking import minhash
from linking.dedupe import read_batches
from linking.fingerprints import BOILERPLATE_MIN_ITEMS, SHINGLE_WORDS, fingerprint, source_key
from linking.guards import pair_block_reason, title_years_column
from linking.index import MIN_SHINGLES, ItemBatch
from linking.matters import MIN_CONTAINMENT, MIN_JACCARD, components, exact_similarity
from linking.tokens import string_keys

RENSA_SEED = 42
_WORD_CLASS = r"[\p{L}\p{N}]"


class Clock:
    """Wall and CPU seconds (every thread of the process) spent in each named part."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)

    @contextmanager
    def part(self, name: str):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall[name] += time.perf_counter() - wall
            self.cpu[name] += time.process_time() - cpu

    def figures(self) -> dict[str, dict[str, float]]:
        return {name: {"wall_s": self.wall[name], "cpu_s": self.cpu[name]} for name in self.wall}


# --- tokenising and shingling in Polars ---------------------------------------------------------------


def polars_shingles(batch: ItemBatch) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, shingle hashes) of a batch, as ``linking.fingerprints`` makes them but in Polars: case
    lowered, invisible characters removed, joining hyphens removed (not before a joining word, not
    between digits), lines printed in ``BOILERPLATE_MIN_ITEMS`` items of one source dropped, then
    word 3-grams hashed."""
    joining = "|".join(JOINING_WORDS)
    text = (
        pl.col("text")
        .fill_null("")
        .str.to_lowercase()
        .str.replace_all(f"[{INVISIBLE}]", "")
        .str.replace_all("[\u0002\ufffe]", "-")
        # a line-end hyphen joins unless a joining word follows; then a hyphen inside a word joins
        .str.replace_all(rf"-([ \t\r]*\n[ \t\r\n]*)({joining})\b", r" $2")
        .str.replace_all(rf"({_WORD_CLASS})-[ \t\r]*\n[ \t\r\n]*({_WORD_CLASS})", "$1$2")
    )
    for _ in range(2):  # a match takes the letter after its hyphen: twice joins "a-b-c" too
        text = text.str.replace_all(r"([^\d\W])-(\w)|(\w)-([^\d\W])", "$1$3$2$4")
    frame = pl.DataFrame(
        {"item": np.arange(len(batch), dtype=np.int64), "source": batch.meta["source"], "text": batch.texts}
    )
    lines = (
        frame.select("item", "source", text.str.split("\n").alias("line"))
        .explode("line")
        .with_columns(words=pl.col("line").str.extract_all(WORD_PATTERN))
        .with_columns(key=pl.col("words").list.join(" "))
    )
    boilerplate = (
        lines.filter(pl.col("key") != "")
        .group_by("source", "key")
        .agg(pl.col("item").n_unique().alias("items"))
        .filter(pl.col("items") >= BOILERPLATE_MIN_ITEMS)
    )
    kept = lines.join(
        boilerplate.select("source", "key"), on=["source", "key"], how="anti", maintain_order="left"
    )
    words = kept.group_by("item", maintain_order=True).agg(
        pl.col("words").list.explode(keep_nulls=False, empty_as_null=False)
    )
    element = pl.element()
    shingles = words.select(
        "item",
        pl.col("words")
        .list.eval(
            pl.concat_str([element.shift(-k) for k in range(SHINGLE_WORDS)], separator=" ")
            .drop_nulls()
            .hash(7)
        )
        .alias("shingles"),
    )
    counts = np.zeros(len(batch), dtype=np.int64)
    counts[shingles["item"].to_numpy()] = shingles["shingles"].list.len().to_numpy()
    flat = shingles["shingles"].explode().drop_nulls().to_numpy().astype(np.uint64)
    return np.concatenate(([0], np.cumsum(counts))), flat


# --- MinHash and LSH in rensa -------------------------------------------------------------------------


def rensa_matrix(offsets: np.ndarray, shingles: np.ndarray) -> rensa.RMinHashDigestMatrix:
    return rensa.RMinHash.digest_matrix_from_flat_token_hashes(
        shingles, offsets.astype(np.uint64), minhash.SLOTS, RENSA_SEED
    )


def rensa_digests(matrix: rensa.RMinHashDigestMatrix) -> np.ndarray:
    """The matrix as NumPy: what our band index (or anything else) would need to read it. rensa offers
    no buffer, only ``to_rows`` (a list of lists)."""
    return np.array(matrix.to_rows(), dtype=np.uint32)


def rensa_objects(offsets: np.ndarray, shingles: np.ndarray) -> list[rensa.RMinHash]:
    """One ``RMinHash`` per item, the input ``RMinHashLSH`` queries take. rensa takes tokens as
    ``str`` or ``bytes``, not integers: each shingle hash goes in as its 8 bytes."""
    tokens = shingles.astype(np.uint64).view("S8").tolist()  # NUL-stripped, still one string per value
    sets = [tokens[a:b] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)]
    return rensa.RMinHash.from_token_sets(sets, num_perm=minhash.SLOTS, seed=RENSA_SEED)


def rensa_candidates(objects: list[rensa.RMinHash], eligible: np.ndarray) -> np.ndarray:
    """Candidate pairs (a < b) of the eligible items: every pair sharing a band in ``RMinHashLSH``."""
    lsh = rensa.RMinHashLSH(threshold=0.5, num_perm=minhash.SLOTS, num_bands=minhash.BANDS)
    keys = np.flatnonzero(eligible)
    chosen = [objects[k] for k in keys.tolist()]
    lsh.insert_pairs(list(zip(keys.tolist(), chosen, strict=True)))
    found = lsh.query_all(chosen)
    a = np.repeat(keys, [len(f) for f in found])
    b = np.fromiter((k for f in found for k in f), dtype=np.int64, count=len(a))
    keep = a < b
    return (
        np.unique(np.stack([a[keep], b[keep]], axis=1), axis=0) if keep.any() else np.empty((0, 2), np.int64)
    )


# --- measuring the parts side by side -----------------------------------------------------------------


def _our_fingerprints(batch: ItemBatch):
    meta = batch.meta
    keys = {s: source_key(s) for s in meta["source"].unique().to_list()}
    sources = meta["source"].replace_strict(keys, return_dtype=pl.UInt64).to_numpy()
    matters = string_keys(
        meta.select(pl.col("source") + "\x1f" + pl.coalesce("diary", "item_id")).to_series()
    )
    return fingerprint(batch.texts, sources, matters=matters)


def measure_parts(corpus: Path, truth: Path) -> dict:
    """Each part of both engines over the corpus, batch by batch (MinHash and banding on our shingles),
    with the share of planted near-identical pairs whose items the candidates connect."""
    clock = Clock()
    ids, keys, objects, eligible = [], [], [], []
    for batch in map(ItemBatch.of, read_batches(corpus)):
        with clock.part("tokenise+shingle ours"):
            fp = _our_fingerprints(batch)
        with clock.part("tokenise+shingle polars"):
            polars_shingles(batch)
        with clock.part("minhash rensa: computing"):
            matrix = rensa_matrix(fp.shingle_offsets, fp.shingles)
        with clock.part("minhash rensa: digests into NumPy"):
            signatures = rensa_digests(matrix)
        with clock.part("minhash rensa: objects for its LSH"):
            objects += rensa_objects(fp.shingle_offsets, fp.shingles)
        with clock.part("banding+candidates ours"):
            keys.append(minhash.band_keys(signatures))
        eligible.append(fp.shingle_counts() >= MIN_SHINGLES)
        ids += batch.meta["item_id"].to_list()
    eligible = np.concatenate(eligible)
    with clock.part("banding+candidates ours"):
        ours = minhash.candidate_pairs(np.concatenate(keys), eligible)
    with clock.part("banding+candidates rensa"):
        theirs = rensa_candidates(objects, eligible)
    return {
        "items": len(ids),
        "parts": clock.figures(),
        "candidate_pairs": {"ours": len(ours), "rensa": len(theirs)},
        "planted_connected": {
            "ours": _planted_connected(ids, ours, truth),
            "rensa": _planted_connected(ids, theirs, truth),
        },
    }


def _planted_connected(ids: list[str], pairs: np.ndarray, truth: Path) -> list[int]:
    """(planted near-identical pairs whose items the candidate edges connect, planted pairs of these
    items)."""
    labels = components(len(ids), pairs[:, 0], pairs[:, 1])
    position = pl.DataFrame({"item_id": ids, "label": labels})
    planted = pl.read_parquet(truth).filter(pl.col("kind") == "near_identical")
    joined = planted.join(position.rename({"item_id": "a", "label": "la"}), on="a").join(
        position.rename({"item_id": "b", "label": "lb"}), on="b"
    )
    return [int((joined["la"] == joined["lb"]).sum()), len(joined)]


# --- the library path end to end ----------------------------------------------------------------------


def rensa_pipeline(corpus: Path, out: Path) -> dict:
    """Link the corpus with Polars shingles, rensa MinHash and LSH, and our verification and guards;
    write ``item_id, matter_id``."""
    clock = Clock()
    metas, objects, eligible, sets = [], [], [], []
    for batch in map(ItemBatch.of, read_batches(corpus)):
        with clock.part("tokenise+shingle polars"):
            offsets, shingles = polars_shingles(batch)
        with clock.part("minhash rensa"):
            objects += rensa_objects(offsets, shingles)
        counts = np.diff(offsets)
        eligible.append((counts >= MIN_SHINGLES) & ~batch.meta["procedural"].to_numpy())
        low = shingles.astype(np.uint32)  # as our index keeps them, for exact verification
        sets += [
            np.unique(low[a:b]) for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)
        ]
        metas.append(batch.meta)
    meta = pl.concat(metas)
    with clock.part("banding+candidates rensa"):
        pairs = rensa_candidates(objects, np.concatenate(eligible))
    del objects
    with clock.part("verification+guards ours"):
        links = _verified(meta, pairs, dict(enumerate(sets)))
    with clock.part("matters"):
        labels = components(len(meta), links[:, 0], links[:, 1])
        matters = meta.select("item_id", matter_id=pl.Series(labels).cast(pl.String))
    matters.write_parquet(out)
    return {
        "items": len(meta),
        "parts": clock.figures(),
        "candidate_pairs": len(pairs),
        "links": len(links),
        "matters": matters["matter_id"].n_unique(),
    }


def _verified(meta: pl.DataFrame, pairs: np.ndarray, sets: dict[int, np.ndarray]) -> np.ndarray:
    """The candidate pairs that are exactly similar and that no guard keeps apart."""
    if not len(pairs):
        return np.empty((0, 2), dtype=np.int64)
    jaccard, containment = exact_similarity(sets, pairs)
    pairs = pairs[(jaccard >= MIN_JACCARD) | (containment >= MIN_CONTAINMENT)]
    columns = meta.select(
        "source", "title", title_years_column(pl.col("title")).alias("title_years"), "meeting_date", "diary"
    ).with_columns(procedural=meta["procedural"])
    rows = columns.to_dicts()
    allowed = [pair_block_reason(rows[a], rows[b]) is None for a, b in pairs.tolist()]
    return pairs[np.array(allowed, dtype=bool)] if len(pairs) else pairs
