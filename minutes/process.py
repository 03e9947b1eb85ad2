"""Raw archive → warehouse, with no network: parse and normalise, link, load.

Each stage is a function of the previous stage's output, so the CLI runs them in one go and Dagster
runs them as separate assets. The warehouse is rebuilt from the archive every time: the result depends
only on what was fetched, and a rerun over the same archive yields the same tables.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from archive import Archive
from linking.matters import Link, link_handlings
from minutes.config import Settings
from minutes.registry import Source, load_registry
from parsing.records import Records, build_records
from warehouse.load import LoadReport, load_warehouse


@dataclass(frozen=True)
class ProcessReport:
    handlings: int
    matters: int
    parse_errors: int
    crawl_errors: int
    load: LoadReport
    #: sources whose rows could not be built this time: their handlings are missing from this load
    failed_sources: tuple[str, ...] = ()


def parse_stage(settings: Settings, sources: list[Source] | None = None) -> Records:
    """The archive's rows; the archive is told which documents could not be read, so that the next
    crawl asks for them again (``Archive.note_unreadable``)."""
    archive = Archive(settings.archive_location)
    records = build_records(archive, sources or load_registry(settings.sources_file))
    for source_id, versions in records.unreadable.items():
        archive.note_unreadable(source_id, versions)
    return records


def link_stage(records: Records, index_dir: Path | None = None) -> list[Link]:
    """Give every handling its matter id (in place); the links that joined them. With ``index_dir``
    the link index persists there, and only handlings it has not seen are compared."""
    matter_of, links = link_handlings(records.items, records.page_groups, index_dir=index_dir)
    for row in records.items:
        row["matter_id"] = matter_of[row["item_id"]]
    return links


def load_stage(settings: Settings, sources: list[Source], records: Records, links: list[Link]) -> LoadReport:
    tables = {
        "sources": [
            {
                "source_id": s.id,
                "name": s.name,
                "kind": s.kind,
                "platform": s.platform,
                "base_url": s.base_url,
            }
            for s in sources
        ],
        "documents": records.documents,
        "meetings": records.meetings,
        "items": records.items,
        "matter_links": [asdict(link) for link in links],
        "crawl_errors": records.crawl_errors,
        "parse_errors": records.parse_errors,
    }
    return load_warehouse(settings.warehouse, tables)


def process(settings: Settings) -> ProcessReport:
    sources = load_registry(settings.sources_file)
    records = parse_stage(settings, sources)
    links = link_stage(records, settings.processed_dir / "link_index")
    report = load_stage(settings, sources, records, links)
    return ProcessReport(
        handlings=report.row_counts["items"],
        matters=report.row_counts["matters"],
        parse_errors=len(records.parse_errors),
        crawl_errors=len(records.crawl_errors),
        load=report,
        failed_sources=tuple(records.failed_sources),
    )


RECORD_TABLES = ("documents", "meetings", "items", "crawl_errors", "parse_errors")


def save_records(records: Records, directory: Path) -> None:
    """Persist a stage's output between separate runs (Dagster assets): one Parquet file per table."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in RECORD_TABLES:
        pl.DataFrame(getattr(records, name), infer_schema_length=None).write_parquet(
            directory / f"{name}.parquet"
        )
    groups = {page: sorted(ids) for page, ids in records.page_groups.items()}
    (directory / "page_groups.json").write_text(json.dumps(groups, ensure_ascii=False), encoding="utf-8")
    (directory / "failed_sources.json").write_text(json.dumps(records.failed_sources), encoding="utf-8")


def read_records(directory: Path) -> Records:
    tables = {name: pl.read_parquet(directory / f"{name}.parquet").to_dicts() for name in RECORD_TABLES}
    groups = json.loads((directory / "page_groups.json").read_text(encoding="utf-8"))
    failed = json.loads((directory / "failed_sources.json").read_text(encoding="utf-8"))
    return Records(
        **tables, page_groups={page: set(ids) for page, ids in groups.items()}, failed_sources=failed
    )


def read_record_columns(path: Path, columns: list[str]) -> pl.DataFrame:
    """Only ``columns`` of one table ``save_records`` wrote. A table saved with no rows has no columns
    at all: it reads as an empty frame with these columns."""
    if not pl.read_parquet_schema(path):
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.Null))
    return pl.read_parquet(path, columns=columns)


def save_links(links: list[Link], directory: Path) -> None:
    schema = {
        "item_id_a": pl.String,
        "item_id_b": pl.String,
        "link_type": pl.String,
        "score": pl.Float64,
        "evidence": pl.String,
    }
    pl.DataFrame([asdict(link) for link in links], schema=schema).write_parquet(
        directory / "matter_links.parquet"
    )


def read_links(directory: Path) -> list[Link]:
    return [Link(**row) for row in pl.read_parquet(directory / "matter_links.parquet").to_dicts()]
