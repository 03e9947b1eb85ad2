"""The link index: every item's fingerprints, persisted, so that new items are compared with it alone.

An index is a directory of *segments*, one per ``add``: the first holds the whole warehouse, each later
one a day's new items. A segment ``S`` stores, per item, what a later comparison needs:

- ``items-S.parquet``: ids, source, date, title, diary number, procedural flag, and where the item's
  rows are in the files below;
- ``shingles-S.u32``: every item's shingle hashes (low 32 bits), for exact verification of candidates;
- ``signatures-S.u32``: the MinHash signatures (items × SLOTS), kept with the settings that made them;
- ``bands-S.u64``: per band, the segment's band keys sorted with the item number in their low bits — a
  new item's candidates are one binary search per band and segment;
- ``years-S.bin`` (year contexts, for the period guard) and ``sentences-S.bin`` (distinctive sentences,
  for the own-wording search), in item order;
- ``lines-S.bin``: per batch, the (source, line) keys sorted with the number of items carrying each, so
  that a new item's boilerplate is judged against everything its source published before.

``settings.json`` records the tokeniser, the shingling, the MinHash algorithm with its seed and banding,
and the format; an index made with other settings is never reused (``open_or_create`` starts afresh).

An item that changed or vanished since it was added is *retired* (``retire``): its rows leave every
segment's band runs (the runs are written anew without them), its links are dropped, and the items it
joined to others are compared again with each other, since in a fresh run they might have been joined
directly. A changed item's new version is then added like a new item. The retired rows stay in the
segment files, unread; once they are a quarter of the index (``COMPACT_SHARE``) the pipeline builds the
index afresh.

Each commit is a generation ``G``: the links found so far in ``links-G.parquet``, the retired rows in
``retired-G.i64``, and a segment whose band runs lost retired rows in ``bands-S.G.u64``.
``committed.json``, replaced atomically once those are written, names the segments and the files that
belong together: a segment, band runs or links that a killed run wrote without committing them are
dropped when the index is opened, and its items are added (or retired) again, so no item sits in the
index without its links.

An item is fingerprinted once, with the boilerplate its source is known for at that time: the first
items of a source that is new to the index keep lines in their shingles that later turn out to be
boilerplate. Building the index afresh (``LinkIndex.create``) judges every line again.

Batches are fingerprinted by two worker threads (NumPy and Polars release the interpreter lock in their
array work) and written in order by the caller's thread.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import shutil
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from core.files import replace_atomically
from linking import minhash
from linking.fingerprints import SHINGLE_SETTINGS, fingerprint, source_key
from linking.guards import title_years_column
from linking.tokens import TOKENISER_VERSION, ranges, string_keys

INDEX_FORMAT = 4
MIN_SHINGLES = 25  # an item with fewer shingles has too little text of its own to be compared
WORKERS = 2
#: Retired rows beyond this share of the index make the pipeline build it afresh (``needs_compaction``).
COMPACT_SHARE = 0.25

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

YEAR_ROW = np.dtype([("context", "<u8"), ("year", "<u2")])
SENTENCE_ROW = np.dtype([("hash", "<u8"), ("item", "<i8")])
LINE_ROW = np.dtype([("key", "<u8"), ("matter", "<u8")])

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
    "year_start": pl.Int64,
    "year_count": pl.Int32,
    "sentence_count": pl.Int32,
}


@dataclass(frozen=True)
class ItemBatch:
    """Items to add: every column but the text as Polars, and the texts as Arrow strings, as read —
    the texts are the bulk of a batch and go to the fingerprinting without another copy."""

    meta: pl.DataFrame
    texts: pa.Array

    def __len__(self) -> int:
        return len(self.meta)

    @classmethod
    def of(cls, batch: pl.DataFrame | ItemBatch) -> ItemBatch:
        if isinstance(batch, ItemBatch):
            return cls(_conform(batch.meta), batch.texts)
        batch = _conform(batch)
        return cls(batch.drop("text"), batch["text"].to_arrow())


class RowFile:
    """Rows of one dtype in a file, read by position (``os.pread``): reading a few items' rows costs
    neither a mapping of the whole file nor its pages in this process's memory."""

    def __init__(self, path: Path, dtype: np.dtype):
        self.dtype = np.dtype(dtype)
        self.fd = os.open(path, os.O_RDONLY) if path.exists() else None

    def read(self, start: int, count: int) -> np.ndarray:
        if self.fd is None or not count:
            return np.empty(0, dtype=self.dtype)
        size = self.dtype.itemsize
        return np.frombuffer(os.pread(self.fd, count * size, start * size), dtype=self.dtype)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __del__(self) -> None:
        self.close()


@dataclass
class Segment:
    """One ``add``'s items: rows ``first`` … ``first + n - 1`` of the index."""

    name: str
    first: int
    n: int
    shingles: RowFile  # uint32
    years: RowFile  # YEAR_ROW
    bands: np.ndarray  # (BANDS, n) uint64 packed and sorted per band, memory-mapped
    lines: np.ndarray  # LINE_ROW: sorted runs, one per batch
    line_runs: np.ndarray  # int64 offsets of the runs

    def band_neighbours(self, band: int, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each key, the smallest and the largest item of this segment with that key in ``band``
        (-1 when there is none)."""
        run = self.bands[band]
        none = np.full(len(keys), -1, dtype=np.int64)
        if not len(run) or not len(keys):
            return none, none
        high = keys & ~minhash.ITEM_MASK
        first = np.minimum(np.searchsorted(run, high), len(run) - 1)
        last = np.maximum(np.searchsorted(run, high | minhash.ITEM_MASK, "right") - 1, 0)
        found = (run[first] >> np.uint64(minhash.ITEM_BITS)) == (high >> np.uint64(minhash.ITEM_BITS))
        first_items = (run[first] & minhash.ITEM_MASK).astype(np.int64)
        last_items = (run[last] & minhash.ITEM_MASK).astype(np.int64)
        return np.where(found, first_items, -1), np.where(found, last_items, -1)

    def lines_of(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The (key, matter) rows of this segment for the given (sorted, distinct) line keys."""
        found_keys, found_matters = [], []
        for start, end in zip(self.line_runs[:-1], self.line_runs[1:], strict=True):
            run = self.lines[start:end]
            low, high = np.searchsorted(run["key"], keys, "left"), np.searchsorted(run["key"], keys, "right")
            hits = np.flatnonzero(high > low)
            if len(hits):
                at = ranges(low[hits], high[hits])
                found_keys.append(run["key"][at])
                found_matters.append(run["matter"][at])
        if not found_keys:
            return np.empty(0, np.uint64), np.empty(0, np.uint64)
        return np.concatenate(found_keys), np.concatenate(found_matters)


@dataclass
class Added:
    """What one ``add`` brought: its rows and the candidate pairs it produced (each with a new item)."""

    first: int
    n: int
    candidates: np.ndarray  # (pairs, 2) int64, a < b


@dataclass
class _BatchResult:
    meta: pl.DataFrame
    shingles: np.ndarray
    signatures: np.ndarray
    band_keys: np.ndarray
    years: np.ndarray
    sentences: np.ndarray
    lines: np.ndarray
    eligible: np.ndarray


@dataclass
class _SegmentWriter:
    """Streams one segment's files while batches are fingerprinted."""

    directory: Path
    name: str
    first: int
    n: int = 0
    shingle_count: int = 0
    year_count: int = 0
    metas: list = field(default_factory=list)
    eligible: list = field(default_factory=list)
    line_runs: list = field(default_factory=lambda: [0])

    def __post_init__(self) -> None:
        files = {
            "shingles": "u32",
            "signatures": "u32",
            "years": "bin",
            "sentences": "bin",
            "lines": "bin",
            "keys": "tmp",  # band keys, read back whole once every batch is in
        }
        self.files = {
            kind: (self.directory / f"{kind}-{self.name}.{ext}").open("wb") for kind, ext in files.items()
        }

    def write(self, result: _BatchResult) -> None:
        result.shingles.tofile(self.files["shingles"])
        result.signatures.tofile(self.files["signatures"])
        result.years.tofile(self.files["years"])
        result.sentences.tofile(self.files["sentences"])
        result.lines.tofile(self.files["lines"])
        self.line_runs.append(self.line_runs[-1] + len(result.lines))
        self.metas.append(
            result.meta.with_columns(
                pl.col("shingle_start") + self.shingle_count, pl.col("year_start") + self.year_count
            )
        )
        result.band_keys.tofile(self.files["keys"])
        self.eligible.append(result.eligible)
        self.shingle_count += len(result.shingles)
        self.year_count += len(result.years)
        self.n += len(result.meta)

    def close(self) -> None:
        for file in self.files.values():
            file.close()
        np.array(self.line_runs, dtype=np.int64).tofile(self.directory / f"lines-{self.name}.runs")


class LinkIndex:
    """Items fingerprinted so far, their band index, and the links found between them."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.segments: list[Segment] = []
        self.items = pl.DataFrame(schema=_META_SCHEMA)
        self.links = pl.DataFrame(schema=LINK_SCHEMA)
        self.retired = np.zeros(0, dtype=bool)  # per row: changed or vanished since it was added
        self.generation = 0
        self.band_files: dict[str, str] = {}  # segment → its band runs' file, where not bands-S.u64
        self._rewritten: set[str] = set()  # segments whose band runs lost rows since the last commit
        self._recheck = np.empty((0, 2), dtype=np.int64)  # pairs to verify again (``retire``)

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
        committed = _committed(directory)
        for stray in _unreferenced(directory, committed):
            stray.unlink()  # written by a run killed before it committed them
        index.generation = committed["generation"]
        index.band_files = dict(committed["bands"])
        metas = []
        for name in committed["segments"]:
            meta = pl.read_parquet(directory / f"items-{name}.parquet")
            metas.append(meta)
            index.segments.append(index._open_segment(name, int(meta["idx"].min()), len(meta)))
        if metas:
            index.items = pl.concat(metas)
        index.retired = np.zeros(index.n, dtype=bool)
        if committed["retired"]:
            index.retired[np.fromfile(directory / committed["retired"], dtype=np.int64)] = True
        if committed["links"]:
            index.links = pl.read_parquet(directory / committed["links"])
        return index

    def _open_segment(self, name: str, first: int, n: int) -> Segment:
        path = self.directory
        bands = _memmap(path / self.band_files.get(name, f"bands-{name}.u64"), np.uint64)
        return Segment(
            name=name,
            first=first,
            n=n,
            shingles=RowFile(path / f"shingles-{name}.u32", np.uint32),
            years=RowFile(path / f"years-{name}.bin", YEAR_ROW),
            bands=bands.reshape(minhash.BANDS, -1),  # fewer than n per band once rows are retired
            lines=_memmap(path / f"lines-{name}.bin", LINE_ROW),
            line_runs=np.fromfile(path / f"lines-{name}.runs", dtype=np.int64),
        )

    def commit(self, links: pl.DataFrame) -> None:
        """Make the segments added so far and the rows retired so far, with ``links`` (every link among
        the live items), the index that the next ``open_or_create`` finds."""
        self.generation += 1
        generation = f"{self.generation:06d}"
        links_file = f"links-{generation}.parquet"
        replace_atomically(self.directory / links_file, links.write_parquet)
        retired_file = None
        if self.retired.any():
            retired_file = f"retired-{generation}.i64"
            rows = np.flatnonzero(self.retired).astype(np.int64)
            replace_atomically(self.directory / retired_file, rows.tofile)
        self._drop_retired_bands()
        for segment in self.segments:
            if segment.name in self._rewritten:
                band_file = f"bands-{segment.name}.{generation}.u64"
                replace_atomically(self.directory / band_file, np.ascontiguousarray(segment.bands).tofile)
                self.band_files[segment.name] = band_file
        record = {
            "generation": self.generation,
            "segments": [segment.name for segment in self.segments],
            "bands": self.band_files,
            "links": links_file,
            "retired": retired_file,
        }
        text = json.dumps(record, indent=2) + "\n"
        replace_atomically(self.directory / "committed.json", lambda path: path.write_text(text))
        for old in _unreferenced(self.directory, record):
            old.unlink()
        self._rewritten.clear()
        self.links = links

    @property
    def uncommitted(self) -> bool:
        """Whether rows were retired since the last commit."""
        return bool(self._rewritten)

    # --- retiring -----------------------------------------------------------------------------------

    def retire(self, rows: np.ndarray) -> None:
        """Take items (by row) out of the index: their links dropped now, their band keys before the
        next candidates are looked up or the next commit (``_drop_retired_bands``). Pairs of the items
        each of them was linked to are to be verified again (``take_recheck``): a fresh run might have
        joined them directly, not through the item that is gone."""
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        rows = rows[~self.retired[rows]]
        if not len(rows):
            return
        self.retired[rows] = True
        for segment in self.segments:
            if ((rows >= segment.first) & (rows < segment.first + segment.n)).any():
                self._rewritten.add(segment.name)
        gone = self.links["a"].is_in(rows) | self.links["b"].is_in(rows)
        recheck = _neighbour_pairs(self.links.filter(gone), self.retired)
        self._recheck = np.concatenate([self._recheck, recheck])
        self.links = self.links.filter(~gone)

    def _drop_retired_bands(self) -> None:
        """Band runs of the segments that hold retired rows, without them (in memory until committed)."""
        for segment in self.segments:
            if segment.name not in self._rewritten:
                continue
            items = (segment.bands & minhash.ITEM_MASK).astype(np.int64)
            live = ~self.retired[items]
            if live.all():
                continue
            n_live = int(live[0].sum())  # every row has one key per band
            segment.bands = np.ascontiguousarray(segment.bands[live].reshape(minhash.BANDS, n_live))

    def take_recheck(self) -> np.ndarray:
        """The pairs ``retire`` left to verify again, once."""
        pairs, self._recheck = self._recheck, np.empty((0, 2), dtype=np.int64)
        return pairs

    def needs_compaction(self, more: int = 0) -> bool:
        """Whether retired rows (with ``more`` to come) would be over ``COMPACT_SHARE`` of the index."""
        return bool(self.n) and self.retired.sum() + more > COMPACT_SHARE * self.n

    def live_items(self) -> pl.DataFrame:
        """The rows of items that are not retired."""
        return self.items.filter(pl.Series(~self.retired)) if self.retired.any() else self.items

    # --- reading ------------------------------------------------------------------------------------

    @property
    def n(self) -> int:
        return len(self.items)

    def shingle_sets(self, items: np.ndarray) -> dict[int, np.ndarray]:
        """Each item's distinct shingle hashes (low 32 bits), sorted."""
        rows = self.items[np.unique(items)].select("idx", "segment", "shingle_start", "shingle_count")
        return {
            idx: np.unique(self.segments[segment].shingles.read(start, count))
            for idx, segment, start, count in rows.sort("segment", "shingle_start").iter_rows()
        }

    def year_contexts(self, items: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(item, context, year) rows of the given items."""
        rows = self.items[np.unique(items)].select("idx", "segment", "year_start", "year_count")
        parts = [
            (idx, self.segments[segment].years.read(start, count))
            for idx, segment, start, count in rows.iter_rows()
            if count
        ]
        if not parts:
            return np.empty(0, np.int64), np.empty(0, np.uint64), np.empty(0, np.uint16)
        years = np.concatenate([p for _, p in parts])
        owner = np.repeat([idx for idx, _ in parts], [len(p) for _, p in parts])
        return owner, years["context"], years["year"]

    def shared_sentences(self, items: np.ndarray | None = None) -> pl.DataFrame:
        """(hash, item) rows of every distinctive sentence that more than one item has — or, given
        ``items``, that one of them has and some other item too."""
        parts = [_memmap(self.directory / f"sentences-{s.name}.bin", SENTENCE_ROW) for s in self.segments]
        rows = (
            (parts[0] if len(parts) == 1 else np.concatenate(parts)) if parts else np.empty(0, SENTENCE_ROW)
        )
        if self.retired.any():
            rows = rows[~self.retired[rows["item"]]]
        if items is None:
            # sorted with the item in the low bits, equal sentences run together (as band keys do)
            root, member = minhash.bucket_edges_in_sorted(minhash.sorted_band(rows["hash"], rows["item"]))
            sharing = np.zeros(self.n, dtype=bool)
            sharing[root] = sharing[member] = True
            rows = rows[sharing[rows["item"]]]
            table = pl.DataFrame({"hash": rows["hash"], "item": rows["item"]})
        else:
            theirs = np.zeros(self.n, dtype=bool)
            theirs[items] = True
            wanted = pl.DataFrame({"hash": np.unique(rows["hash"][theirs[rows["item"]]])})
            table = pl.DataFrame({"hash": rows["hash"], "item": rows["item"]}).join(
                wanted, on="hash", how="semi"
            )
        return table.filter(pl.col("hash").is_duplicated())

    def earlier_lines(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(key, matter) rows of every segment for the given line keys."""
        parts = [segment.lines_of(np.sort(keys)) for segment in self.segments]
        if not parts:
            return np.empty(0, np.uint64), np.empty(0, np.uint64)
        return np.concatenate([k for k, _ in parts]), np.concatenate([m for _, m in parts])

    # --- adding -------------------------------------------------------------------------------------

    def add(self, batches: Iterable[pl.DataFrame | ItemBatch]) -> Added:
        """Fingerprint new items (each batch holding every new item of its sources) into a new segment,
        and find their candidate pairs among themselves and with every earlier item."""
        first = self.n
        name = f"{len(self.segments):06d}"
        writer = _SegmentWriter(self.directory, name, first)
        try:
            for result in self._fingerprinted(batches, first):
                writer.write(result)
        finally:
            writer.close()
            release_freed_memory()
        if not writer.n:
            for empty in _files_of_segment(self.directory, name):
                empty.unlink()
            return Added(first, 0, np.empty((0, 2), dtype=np.int64))
        meta = pl.concat(writer.metas)
        keys_file = self.directory / f"keys-{name}.tmp"
        keys = np.fromfile(keys_file, dtype=np.uint64).reshape(writer.n, minhash.BANDS)
        keys_file.unlink()
        self._drop_retired_bands()
        with (self.directory / f"bands-{name}.u64").open("wb") as runs:
            candidates = self._candidates(keys, np.concatenate(writer.eligible), first, runs)
        del keys
        meta.write_parquet(self.directory / f"items-{name}.parquet")
        self.items = pl.concat([self.items, meta])
        self.retired = np.concatenate([self.retired, np.zeros(writer.n, dtype=bool)])
        self.segments.append(self._open_segment(name, first, writer.n))
        return Added(first, writer.n, candidates)

    def _fingerprinted(
        self, batches: Iterable[pl.DataFrame | ItemBatch], first: int
    ) -> Iterator[_BatchResult]:
        """Batch results in order, computed two at a time."""
        segment = len(self.segments)
        prior = self.earlier_lines if self.segments else None
        pending: deque[Future] = deque()
        with ThreadPoolExecutor(WORKERS) as pool:
            for batch in batches:
                batch = ItemBatch.of(batch)
                pending.append(pool.submit(_fingerprint_batch, batch, first, segment, prior))
                first += len(batch)
                if len(pending) > WORKERS:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    def _candidates(self, keys: np.ndarray, eligible: np.ndarray, first: int, runs) -> np.ndarray:
        """Candidate pairs of the new items, per band: star and chain edges among them
        (``minhash.bucket_edges_in_sorted``), and to the first and last earlier item of their bucket.
        The segment's sorted band runs go to ``runs``, band after band."""
        n = len(keys)
        items = first + np.arange(n)
        unmatchable = _unmatchable(items[~eligible])

        def one_band(band: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            band_keys = keys[:, band].copy()
            # an item too short to compare keeps a key nothing else has: its own number in the top bits
            band_keys[~eligible] = unmatchable
            run = minhash.sorted_band(band_keys, items)
            others, member = minhash.bucket_edges_in_sorted(run)
            if not self.segments:
                return run, others, member
            # new items join an earlier bucket through its first and its last earlier item
            first_old, last_old = self._old_neighbours(band, band_keys)
            has_old = eligible & (first_old >= 0)
            others = np.concatenate([others, first_old[has_old], last_old[has_old]])
            member = np.concatenate([member, items[has_old], items[has_old]])
            return run, others, member

        roots, members = [], []
        with ThreadPoolExecutor(WORKERS) as pool:
            for run, root, member in pool.map(one_band, range(minhash.BANDS)):
                run.tofile(runs)
                roots.append(root)
                members.append(member)
        return minhash.unique_pairs(roots, members)

    def _old_neighbours(self, band: int, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each key, the smallest and the largest earlier item sharing it in ``band`` (-1: none)."""
        first = np.full(len(keys), -1, dtype=np.int64)
        last = np.full(len(keys), -1, dtype=np.int64)
        for segment in self.segments:
            low, high = segment.band_neighbours(band, keys)
            first = np.where((low >= 0) & ((first < 0) | (low < first)), low, first)
            last = np.maximum(last, high)
        return first, last


def _fingerprint_batch(batch: ItemBatch, first: int, segment: int, prior) -> _BatchResult:
    meta = batch.meta
    n = len(meta)
    idx = first + np.arange(n)
    keys = {s: source_key(s) for s in meta["source"].unique().to_list()}
    sources = meta["source"].replace_strict(keys, return_dtype=pl.UInt64).to_numpy()
    procedural = meta["procedural"].to_numpy()
    texts = batch.texts
    if procedural.any():  # standing items take part in no text link: nothing of theirs is compared
        texts = pc.if_else(pa.array(procedural), pa.scalar("", texts.type), texts)
    # a board's and a council's handling of one matter share its diary number
    matters = string_keys(
        meta.select(pl.col("source") + "\x1f" + pl.coalesce("diary", "item_id")).to_series()
    )
    fp = fingerprint(texts, sources, matters=matters, prior=prior)
    signatures = minhash.signatures(fp.shingle_offsets, fp.shingles)
    counts = fp.shingle_counts()
    years = np.empty(len(fp.year_item), dtype=YEAR_ROW)
    years["context"], years["year"] = fp.year_context, fp.year_value
    sentences = np.empty(len(fp.sentence_item), dtype=SENTENCE_ROW)
    sentences["hash"], sentences["item"] = fp.sentence_hash, idx[fp.sentence_item]
    lines = np.empty(len(fp.line_keys), dtype=LINE_ROW)
    lines["key"], lines["matter"] = fp.line_keys, fp.line_matters  # sorted by key
    year_offsets = np.searchsorted(fp.year_item, np.arange(n + 1))
    meta = meta.select(
        pl.Series("idx", idx, dtype=pl.Int64),
        "item_id",
        "source",
        "meeting_date",
        "title",
        title_years_column(pl.col("title")).alias("title_years"),
        "diary",
        "procedural",
        "content_key",
        pl.lit(segment, dtype=pl.Int32).alias("segment"),
        pl.Series("shingle_start", fp.shingle_offsets[:-1], dtype=pl.Int64),
        pl.Series("shingle_count", counts, dtype=pl.Int32),
        pl.Series("year_start", year_offsets[:-1], dtype=pl.Int64),
        pl.Series("year_count", np.diff(year_offsets), dtype=pl.Int32),
        pl.Series("sentence_count", np.bincount(fp.sentence_item, minlength=n), dtype=pl.Int32),
    )
    return _BatchResult(
        meta=meta,
        shingles=fp.shingles.astype(np.uint32),
        signatures=signatures,
        band_keys=minhash.band_keys(signatures),
        years=years,
        sentences=sentences,
        lines=lines,
        eligible=(counts >= MIN_SHINGLES) & ~procedural,
    )


def reuse_freed_memory() -> None:
    """Keep freed memory for the next batch instead of returning it to the kernel at once.

    glibc hands blocks over 128 KiB back to the kernel when they are freed; the linker frees and
    allocates arrays of the same few sizes batch after batch, and on a virtual machine the page faults
    of taking them back cost about a third of its time. This raises glibc's thresholds for the process
    and keeps at most 256 MiB free in one heap shared by all threads (no effect on other C
    libraries)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_mmap_threshold, m_arena_max = -1, -3, -8
    libc.mallopt(m_arena_max, 1)  # one heap for all threads: what one frees, another reuses
    libc.mallopt(m_mmap_threshold, 32 * 2**20)
    libc.mallopt(m_trim_threshold, 256 * 2**20)


def release_freed_memory() -> None:
    """Hand what the batches freed back to the kernel once they are all in: the later steps need it
    more than the allocators' caches do."""
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _unmatchable(items: np.ndarray) -> np.ndarray:
    return (items.astype(np.uint64) << np.uint64(64 - minhash.ITEM_BITS)) | np.uint64(1)


def _committed(directory: Path) -> dict:
    """What the last commit made the index (nothing before the first)."""
    path = directory / "committed.json"
    if not path.exists():
        return {"generation": 0, "segments": [], "bands": {}, "links": None, "retired": None}
    return json.loads(path.read_text())


#: the files of segments (``keys`` while one is being written) and of commits
_INDEX_FILE = re.compile(
    r"(?:(?:items|shingles|signatures|years|sentences|lines|bands|keys)-\d{6}(?:\.\d{6})?"
    r"|links-\d{6}|retired-\d{6})\.\w+(?:\.tmp)?"
)
_SEGMENT_FILE = re.compile(
    r"(?:items|shingles|signatures|years|sentences|lines|bands|keys)-(\d{6})(?:\.\d{6})?\.\w+(?:\.tmp)?"
)
_SEGMENT_PARTS = ("items-{}.parquet", "shingles-{}.u32", "signatures-{}.u32", "years-{}.bin")
_SEGMENT_PARTS += ("sentences-{}.bin", "lines-{}.bin", "lines-{}.runs")


def _unreferenced(directory: Path, committed: dict) -> list[Path]:
    """The index's files that ``committed`` does not name: of segments, band runs, links or retired rows
    written by a run killed before it committed them, or replaced by a later commit."""
    keep = {committed["links"], committed["retired"]}
    for name in committed["segments"]:
        keep.update(part.format(name) for part in _SEGMENT_PARTS)
        keep.add(committed["bands"].get(name, f"bands-{name}.u64"))
    return [
        path for path in directory.iterdir() if _INDEX_FILE.fullmatch(path.name) and path.name not in keep
    ]


def _files_of_segment(directory: Path, name: str) -> list[Path]:
    """The files of one segment (its own, not a commit's, which are numbered alike)."""
    return [
        path
        for path in directory.iterdir()
        if (match := _SEGMENT_FILE.fullmatch(path.name)) and match.group(1) == name
    ]


def _neighbour_pairs(links: pl.DataFrame, retired: np.ndarray) -> np.ndarray:
    """Every pair of live items that one retired item was linked to, (a, b) with a < b."""
    a, b = links["a"].to_numpy(), links["b"].to_numpy()
    a_gone = retired[a] & ~retired[b]
    b_gone = retired[b] & ~retired[a]
    ends = pl.DataFrame(
        {
            "gone": np.concatenate([a[a_gone], b[b_gone]]),
            "other": np.concatenate([b[a_gone], a[b_gone]]),
        },
        schema={"gone": pl.Int64, "other": pl.Int64},
    )
    pairs = ends.join(ends, on="gone", suffix="_b").filter(pl.col("other") < pl.col("other_b"))
    return pairs.select("other", "other_b").unique().sort("other", "other_b").to_numpy().reshape(-1, 2)


def _memmap(path: Path, dtype) -> np.ndarray:
    if not path.exists() or path.stat().st_size == 0:
        return np.empty(0, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r")


def _conform(batch: pl.DataFrame) -> pl.DataFrame:
    """The batch with every item column, in its type (missing optional columns are nulls)."""
    columns = []
    for name, dtype in ITEM_COLUMNS.items():
        if name == "text" and name not in batch.columns:
            continue
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
