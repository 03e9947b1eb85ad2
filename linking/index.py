"""The link index: every item's fingerprints, persisted, so that new items are compared with it alone.

An index is a directory of *segments*, one per ``add``: the first holds the whole warehouse, each later
one a day's new items. A segment stores, per item, what any later comparison needs and nothing that can
be recomputed cheaply:

- ``items-S.parquet``: ids, source, date, title, diary number, procedural flag, where its shingles are;
- ``shingles-S.u32``: every item's shingle hashes (low 32 bits), for exact verification of candidates;
- ``signatures-S.u32``: the MinHash signatures (items × SLOTS), kept with the settings that made them;
- ``bands-S.u64``: per band, the band keys of the segment's items sorted with the item number in their
  low bits — a new item's candidates are one binary search per band and segment;
- ``sentences-S.parquet``, ``years-S.parquet``, ``lines-S.parquet``: distinctive sentences (for the
  own-wording search), year contexts (for the period guard), and per-source line counts (so that a new
  item's boilerplate is judged against everything its source published before).

``settings.json`` records the tokeniser, the shingling, the MinHash algorithm with its seed and banding,
and the format; an index made with other settings is never reused (``open_or_create`` starts afresh).
Links found so far are in ``links.parquet``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from linking import minhash
from linking.fingerprints import SHINGLE_SETTINGS, Fingerprints, fingerprint, source_key
from linking.guards import title_years_column
from linking.tokens import TOKENISER_VERSION

INDEX_FORMAT = 1
MIN_SHINGLES = 25  # an item with fewer shingles has too little text of its own to be compared

SETTINGS = {
    "format": INDEX_FORMAT,
    "tokeniser": TOKENISER_VERSION,
    "shingling": SHINGLE_SETTINGS,
    "minhash": minhash.ALGORITHM,
    "min_shingles": MIN_SHINGLES,
    "item_bits": minhash.ITEM_BITS,
}

#: the item columns a batch must carry (``text`` is read, never stored)
ITEM_COLUMNS = {
    "item_id": pl.String,
    "source": pl.String,
    "meeting_date": pl.Date,
    "title": pl.String,
    "diary": pl.String,
    "procedural": pl.Boolean,
    "content_key": pl.String,
    "text": pl.String,
}

LINK_SCHEMA = {
    "a": pl.Int64,
    "b": pl.Int64,
    "link_type": pl.String,
    "score": pl.Float64,
    "evidence": pl.String,
}


@dataclass
class Segment:
    """One ``add``'s items: rows ``first`` … ``first + n - 1`` of the index."""

    name: str
    first: int
    n: int
    shingles: np.ndarray  # uint32, memory-mapped
    bands: np.ndarray  # (BANDS, n) uint64 packed and sorted per band, memory-mapped

    def band_roots(self, band: int, keys: np.ndarray) -> np.ndarray:
        """For each key, the smallest item of this segment with that key in ``band``, else -1."""
        run = self.bands[band]
        if not len(run) or not len(keys):
            return np.full(len(keys), -1, dtype=np.int64)
        high = keys & ~np.uint64((1 << minhash.ITEM_BITS) - 1)
        at = np.minimum(np.searchsorted(run, high), len(run) - 1)
        found = (run[at] >> np.uint64(minhash.ITEM_BITS)) == (high >> np.uint64(minhash.ITEM_BITS))
        items = (run[at] & np.uint64((1 << minhash.ITEM_BITS) - 1)).astype(np.int64)
        return np.where(found, items, -1)


@dataclass
class Added:
    """What one ``add`` brought: its rows and the candidate pairs it produced (each with a new item)."""

    first: int
    n: int
    candidates: np.ndarray  # (pairs, 2) int64, a < b


@dataclass
class _SegmentWriter:
    """Streams one segment's files while batches are fingerprinted."""

    directory: Path
    name: str
    first: int
    n: int = 0
    shingle_count: int = 0
    metas: list = field(default_factory=list)
    band_parts: list = field(default_factory=list)
    writers: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.shingle_file = (self.directory / f"shingles-{self.name}.u32").open("wb")
        self.signature_file = (self.directory / f"signatures-{self.name}.u32").open("wb")

    def write_table(self, kind: str, table: pa.Table) -> None:
        if kind not in self.writers:
            self.writers[kind] = pq.ParquetWriter(
                self.directory / f"{kind}-{self.name}.parquet", table.schema
            )
        self.writers[kind].write_table(table)

    def close(self) -> None:
        self.shingle_file.close()
        self.signature_file.close()
        for writer in self.writers.values():
            writer.close()


class LinkIndex:
    """Items fingerprinted so far, their band index, and the links found between them."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.segments: list[Segment] = []
        self.items = pl.DataFrame(schema=_META_SCHEMA)
        self.links = pl.DataFrame(schema=LINK_SCHEMA)

    # --- opening and saving -------------------------------------------------------------------------

    @classmethod
    def open_or_create(cls, directory: Path) -> LinkIndex:
        """The index in ``directory``; a fresh one if there is none or it was made with other settings."""
        directory = Path(directory)
        settings_file = directory / "settings.json"
        if settings_file.exists() and json.loads(settings_file.read_text()) == SETTINGS:
            return cls._load(directory)
        return cls.create(directory)

    @classmethod
    def create(cls, directory: Path) -> LinkIndex:
        directory = Path(directory)
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        (directory / "settings.json").write_text(json.dumps(SETTINGS, indent=2) + "\n")
        return cls(directory)

    @classmethod
    def _load(cls, directory: Path) -> LinkIndex:
        index = cls(directory)
        names = sorted(p.name[len("items-") : -len(".parquet")] for p in directory.glob("items-*.parquet"))
        metas = []
        for name in names:
            meta = pl.read_parquet(directory / f"items-{name}.parquet")
            metas.append(meta)
            index.segments.append(index._open_segment(name, int(meta["idx"].min()), len(meta)))
        if metas:
            index.items = pl.concat(metas)
        if (directory / "links.parquet").exists():
            index.links = pl.read_parquet(directory / "links.parquet")
        return index

    def _open_segment(self, name: str, first: int, n: int) -> Segment:
        return Segment(
            name=name,
            first=first,
            n=n,
            shingles=_memmap(self.directory / f"shingles-{name}.u32", np.uint32),
            bands=_memmap(self.directory / f"bands-{name}.u64", np.uint64).reshape(minhash.BANDS, n),
        )

    def save_links(self, links: pl.DataFrame) -> None:
        self.links = links
        links.write_parquet(self.directory / "links.parquet")

    def discard(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    # --- reading ------------------------------------------------------------------------------------

    @property
    def n(self) -> int:
        return len(self.items)

    def shingle_sets(self, items: np.ndarray) -> dict[int, np.ndarray]:
        rows = self.items[np.unique(items)].select("idx", "segment", "shingle_start", "shingle_count")
        return {
            idx: np.unique(self.segments[segment].shingles[start : start + count])
            for idx, segment, start, count in rows.iter_rows()
        }

    def _scan(self, kind: str) -> pl.LazyFrame | None:
        files = sorted(self.directory.glob(f"{kind}-*.parquet"))
        return pl.scan_parquet(files) if files else None

    def year_contexts(self, items: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        scan = self._scan("years")
        if scan is None or not len(items):
            return np.empty(0, np.int64), np.empty(0, np.uint64), np.empty(0, np.uint16)
        wanted = pl.LazyFrame({"item": np.unique(items).astype(np.int64)})
        rows = scan.join(wanted, on="item", how="semi").collect()
        return rows["item"].to_numpy(), rows["context"].to_numpy(), rows["year"].to_numpy()

    def shared_sentences(self, items: np.ndarray | None = None) -> pl.DataFrame:
        """(hash, item) rows of every distinctive sentence that more than one item has — or, given
        ``items``, that one of them has and some other item too."""
        scan = self._scan("sentences")
        if scan is None:
            return pl.DataFrame(schema={"hash": pl.UInt64, "item": pl.Int64})
        if items is None:
            return scan.filter(pl.col("hash").is_duplicated()).collect()
        wanted = pl.LazyFrame({"item": np.asarray(items, dtype=np.int64)})
        theirs = scan.join(wanted, on="item", how="semi").select("hash").unique()
        return scan.join(theirs, on="hash", how="semi").filter(pl.col("hash").is_duplicated()).collect()

    def sentence_counts(self, items: np.ndarray) -> np.ndarray:
        return self.items["sentence_count"].to_numpy()[items]

    def _prior_line_counts(self, keys: np.ndarray) -> np.ndarray:
        scan = self._scan("lines")
        if scan is None:
            return np.zeros(len(keys), dtype=np.int64)
        wanted = pl.DataFrame({"key": keys})
        found = (
            scan.join(wanted.lazy(), on="key", how="semi")
            .group_by("key")
            .agg(pl.col("items").sum())
            .collect()
        )
        counts = wanted.join(found, on="key", how="left").fill_null(0)
        return counts["items"].to_numpy()

    # --- adding -------------------------------------------------------------------------------------

    def add(self, batches: Iterable[pl.DataFrame]) -> Added:
        """Fingerprint new items (each batch holding every new item of its sources) into a new segment,
        and find their candidate pairs among themselves and with every earlier item."""
        first = self.n
        name = f"{len(self.segments):06d}"
        writer = _SegmentWriter(self.directory, name, first)
        try:
            for batch in batches:
                self._add_batch(writer, batch)
        finally:
            writer.close()
        if not writer.n:
            return Added(first, 0, np.empty((0, 2), dtype=np.int64))
        meta = pl.concat(writer.metas)
        keys = np.concatenate(writer.band_parts)
        eligible = meta["eligible"].to_numpy()
        candidates, runs = self._candidates(keys, eligible, first)
        runs.tofile(self.directory / f"bands-{name}.u64")
        meta.drop("eligible").write_parquet(self.directory / f"items-{name}.parquet")
        self.items = pl.concat([self.items, meta.drop("eligible")])
        self.segments.append(self._open_segment(name, first, writer.n))
        return Added(first, writer.n, candidates)

    def _add_batch(self, writer: _SegmentWriter, batch: pl.DataFrame) -> None:
        batch = _conform(batch)
        n = len(batch)
        idx = writer.first + writer.n + np.arange(n)
        keys = {s: source_key(s) for s in batch["source"].unique().to_list()}
        sources = batch["source"].replace_strict(keys, return_dtype=pl.UInt64).to_numpy()
        procedural = batch["procedural"].to_numpy()
        # standing items take part in no text link: nothing of theirs is compared
        texts = batch.select(pl.when(pl.col("procedural")).then(pl.lit("")).otherwise(pl.col("text")))
        prior = self._prior_line_counts if self.segments else None
        fp = fingerprint(texts.to_series().to_arrow(), sources, prior=prior)
        signatures = minhash.signatures(fp.shingle_offsets, fp.shingles)
        counts = fp.shingle_counts()
        eligible = (counts >= MIN_SHINGLES) & ~procedural
        writer.band_parts.append(minhash.band_keys(signatures))
        fp.shingles.astype(np.uint32).tofile(writer.shingle_file)
        signatures.tofile(writer.signature_file)
        self._write_side_tables(writer, fp, idx)
        writer.metas.append(
            batch.select(
                pl.Series("idx", idx, dtype=pl.Int64),
                "item_id",
                "source",
                "meeting_date",
                "title",
                title_years_column(pl.col("title")).alias("title_years"),
                "diary",
                "procedural",
                "content_key",
                pl.lit(len(self.segments), dtype=pl.Int32).alias("segment"),
                pl.Series("shingle_start", writer.shingle_count + fp.shingle_offsets[:-1], dtype=pl.Int64),
                pl.Series("shingle_count", counts, dtype=pl.Int32),
                pl.Series("sentence_count", np.bincount(fp.sentence_item, minlength=n), dtype=pl.Int32),
                pl.Series("eligible", eligible),
            )
        )
        writer.shingle_count += len(fp.shingles)
        writer.n += n

    def _write_side_tables(self, writer: _SegmentWriter, fp: Fingerprints, idx: np.ndarray) -> None:
        writer.write_table(
            "sentences",
            pa.table({"hash": fp.sentence_hash, "item": idx[fp.sentence_item]}),
        )
        writer.write_table(
            "years",
            pa.table({"item": idx[fp.year_item], "context": fp.year_context, "year": fp.year_value}),
        )
        writer.write_table("lines", pa.table({"key": fp.line_keys, "items": fp.line_counts}))

    def _candidates(
        self, keys: np.ndarray, eligible: np.ndarray, first: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Star edges of the new items: to an earlier segment's bucket root when the bucket exists,
        else to the smallest new item of their bucket. Also the new segment's sorted band runs."""
        n = len(keys)
        items = first + np.arange(n)
        runs = np.empty((minhash.BANDS, n), dtype=np.uint64)
        roots, members = [], []
        for band in range(minhash.BANDS):
            band_keys = keys[:, band].copy()
            # an item too short to compare keeps a key nothing else has: its own number in the top bits
            band_keys[~eligible] = _unmatchable(items[~eligible])
            runs[band] = minhash.sorted_band(band_keys, items)
            root, member = minhash.star_edges_in_sorted(runs[band])
            if self.segments:
                old = np.where(eligible, self._old_roots(band, band_keys), -1)
                has_old = old >= 0
                roots.append(old[has_old])
                members.append(items[has_old])
                # among the new items, pair only within buckets no earlier item is in
                keep = ~has_old[member - first]
                root, member = root[keep], member[keep]
            roots.append(root)
            members.append(member)
        return minhash.unique_pairs(roots, members), runs

    def _old_roots(self, band: int, keys: np.ndarray) -> np.ndarray:
        best = np.full(len(keys), -1, dtype=np.int64)
        for segment in self.segments:
            found = segment.band_roots(band, keys)
            better = (found >= 0) & ((best < 0) | (found < best))
            best = np.where(better, found, best)
        return best


_META_SCHEMA = {
    "idx": pl.Int64,
    "item_id": pl.String,
    "source": pl.String,
    "meeting_date": pl.Date,
    "title": pl.String,
    "title_years": pl.String,
    "diary": pl.String,
    "procedural": pl.Boolean,
    "content_key": pl.String,
    "segment": pl.Int32,
    "shingle_start": pl.Int64,
    "shingle_count": pl.Int32,
    "sentence_count": pl.Int32,
}


def _unmatchable(items: np.ndarray) -> np.ndarray:
    return (items.astype(np.uint64) << np.uint64(64 - minhash.ITEM_BITS)) | np.uint64(1)


def _memmap(path: Path, dtype) -> np.ndarray:
    if not path.exists() or path.stat().st_size == 0:
        return np.empty(0, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r")


def _conform(batch: pl.DataFrame) -> pl.DataFrame:
    """The batch with every item column, in its type (missing optional columns are nulls)."""
    columns = []
    for name, dtype in ITEM_COLUMNS.items():
        column = pl.col(name).cast(dtype) if name in batch.columns else pl.lit(None, dtype=dtype).alias(name)
        columns.append(column.fill_null(False) if name == "procedural" else column)
    return batch.select(columns)


def batches_by_source(items: pl.DataFrame, max_items: int = 4096) -> Iterator[pl.DataFrame]:
    """The items in batches of whole sources (sorted by source, then item id), about ``max_items`` each:
    a source's boilerplate is judged over all its new items at once."""
    items = items.sort("source", "item_id")
    sizes = items.group_by("source", maintain_order=True).len()
    start = 0
    batch_start = 0
    for count in sizes["len"].to_list():
        start += count
        if start - batch_start >= max_items:
            yield items.slice(batch_start, start - batch_start)
            batch_start = start
    if start > batch_start:
        yield items.slice(batch_start, start - batch_start)
