"""``minutes dedupe``: the pipeline's linking on any item table, Parquet in, Parquet out.

The input has columns ``item_id, municipality, meeting_date, title, text`` (and, if known,
``diary_number`` and ``is_procedural``; without the latter, standing items are recognised by their
titles). The output has ``item_id, matter_id``. A table whose rows come grouped by municipality is
streamed in batches, so a table of millions of items never sits in memory whole; any other table is
read whole and grouped first.

With a persisted index (``--index``), an item the index holds is compared again only when what it says
changed (its content key: text, title, date, diary number, municipality): its old version is retired
from the index and the new one added. Items absent from the input stay as they are: a day's file
holds that day's items, not the whole warehouse.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from core.files import exclusive
from linking.index import ItemBatch, LinkIndex, batches_by_source, reuse_freed_memory
from linking.matters import Linked, link_into
from linking.tokens import string_keys
from parsing.handlings import PROCEDURAL_TITLE

REQUIRED = ("item_id", "municipality", "meeting_date", "title", "text")
OPTIONAL = ("diary_number", "is_procedural")
BATCH_ITEMS = 4096


@dataclass(frozen=True)
class DedupeReport:
    items: int
    matters: int
    merged_items: int  # items that share their matter with another item
    links: int


def _as_items(table: pl.DataFrame) -> pl.DataFrame:
    """The input's columns in the link index's names and types (``text`` only if present)."""
    procedural = (
        pl.col("is_procedural").cast(pl.Boolean).fill_null(False)
        if "is_procedural" in table.columns
        else pl.col("title").fill_null("").str.contains("(?i)" + PROCEDURAL_TITLE.pattern)
    )
    diary = (
        pl.col("diary_number").cast(pl.String) if "diary_number" in table.columns else pl.lit(None, pl.String)
    )
    text = [pl.col("text").cast(pl.String)] if "text" in table.columns else []
    return table.select(
        pl.col("item_id").cast(pl.String),
        pl.col("municipality").cast(pl.String).alias("source"),
        pl.col("meeting_date").cast(pl.Date),
        pl.col("title").cast(pl.String),
        diary.alias("diary"),
        procedural.alias("procedural"),
        *text,
    )


def _item_batch(table: pa.Table) -> ItemBatch:
    """A batch from Arrow rows: the columns but the text through Polars, the texts as they are."""
    # taken row by row into buffers of their own: the reader's buffers are far larger than the rows
    columns = table.drop_columns(["text"])
    meta = _as_items(pl.from_arrow(columns.take(pa.array(np.arange(len(columns))))))
    texts = table.column("text").combine_chunks()
    if not meta.select(pl.struct("source", "item_id").is_sorted()).item():
        order = meta.with_row_index().sort("source", "item_id")["index"].to_arrow()
        meta, texts = meta[order.to_numpy()], texts.take(order)
    return ItemBatch(meta, texts)


def _grouped_by_municipality(path: Path) -> bool:
    municipalities = pl.read_parquet(path, columns=["municipality"])["municipality"]
    return municipalities.rle_id().max() + 1 == municipalities.n_unique() if len(municipalities) else True


def read_batches(path: Path, batch_items: int = BATCH_ITEMS) -> Iterator[ItemBatch | pl.DataFrame]:
    """Batches of whole municipalities, about ``batch_items`` items each."""
    file = pq.ParquetFile(path)
    missing = [c for c in REQUIRED if c not in file.schema_arrow.names]
    if missing:
        raise ValueError(f"{path} lacks column(s) {', '.join(missing)}")
    columns = [c for c in (*REQUIRED, *OPTIONAL) if c in file.schema_arrow.names]
    if not _grouped_by_municipality(path):
        yield from batches_by_source(_as_items(pl.read_parquet(path, columns=columns)), batch_items)
        return
    carried: pa.Table | None = None
    for record_batch in file.iter_batches(batch_size=batch_items, columns=columns):
        rows = pa.Table.from_batches([record_batch])
        rows = rows if carried is None else pa.concat_tables([carried, rows])
        # the last municipality may go on in the next chunk: carry it over
        municipality = rows.column("municipality")
        cut = len(rows) - pc.sum(pc.equal(municipality, municipality[-1])).as_py()
        if cut:
            yield _item_batch(rows.slice(0, cut))
        carried = rows.slice(cut)
    if carried is not None and len(carried):
        yield _item_batch(carried)


def content_keys(meta: pl.DataFrame, texts: pa.Array) -> pl.Series:
    """A stable key of what each item says (``tokens.string_keys`` of its fields and text), by which an
    edited item is told from the version the index holds."""
    fields = meta.select(
        pl.concat_str(
            [pl.col(c).cast(pl.String).fill_null("") for c in ("source", "meeting_date", "title", "diary")]
            + [pl.col("procedural").cast(pl.String)],
            separator="\x1f",
        )
    ).to_series()
    joined = pc.binary_join_element_wise(
        fields.to_arrow().cast(pa.large_string()),
        pc.fill_null(texts.cast(pa.large_string()), ""),
        pa.scalar("\x1f", pa.large_string()),
    )
    return pl.Series("content_key", string_keys(joined), dtype=pl.UInt64).cast(pl.String)


def _unseen(batches: Iterator[ItemBatch | pl.DataFrame], index: LinkIndex) -> Iterator[ItemBatch]:
    """The items the index has not seen yet, or not as they read now: the version an edited item had
    is retired from the index as its new one goes by."""
    known = index.live_items().select("idx", "item_id", "content_key")
    for batch in map(ItemBatch.of, batches):
        meta = batch.meta.with_columns(content_key=content_keys(batch.meta, batch.texts))
        if known.is_empty():
            yield ItemBatch(meta, batch.texts)
            continue
        seen = meta.select("item_id", "content_key").join(
            known, on="item_id", how="left", suffix="_indexed", maintain_order="left"
        )
        index.retire(seen.filter(pl.col("content_key") != pl.col("content_key_indexed"))["idx"].to_numpy())
        new = (seen["content_key"] != seen["content_key_indexed"]).fill_null(True).to_numpy()
        if new.any():
            keep = np.flatnonzero(new)
            yield ItemBatch(meta[keep], batch.texts.take(pa.array(keep)))


def dedupe(
    source: Path, target: Path, index_dir: Path | None = None, batch_items: int = BATCH_ITEMS
) -> tuple[DedupeReport, Linked]:
    """Link the items of ``source`` and write ``item_id, matter_id`` to ``target``. With ``index_dir``
    the items the link index there has not seen are added to it (it is created if absent), as the
    pipeline does, and ``target`` gets the matters of those items."""
    reuse_freed_memory()
    with tempfile.TemporaryDirectory(prefix="link-index-") as scratch:
        directory = Path(index_dir) if index_dir else Path(scratch) / "index"
        with exclusive(directory):
            batches = read_batches(Path(source), batch_items)
            if index_dir:
                index = LinkIndex.open_or_create(directory)
                linked = link_into(index, _unseen(batches, index), only_new=True)
            else:
                linked = link_into(LinkIndex.create(directory), batches)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    linked.matters.write_parquet(target)
    sizes = linked.matters.group_by("matter_id").len()
    report = DedupeReport(
        items=len(linked.matters),
        matters=len(sizes),
        merged_items=int(sizes.filter(pl.col("len") > 1)["len"].sum() or 0),
        links=len(linked.links),
    )
    return report, linked
