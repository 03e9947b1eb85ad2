"""Parsed records, kept per source: every source keeps its last accepted parse until a better one comes.

Parsing runs one source at a time (a Dagster partition of ``handlings``, or one step of ``minutes
process``). Each parse is written as a *generation* of its source, with the verdicts that judged it
(``processing/acceptance.py``); an accepted generation becomes the one later stages read for that source.
So a source whose parse is rejected (its rows could not be built, required fields missing, repeated
keys), or whose crawl stopped at its blocking check and was not parsed at all, keeps the rows of its
last accepted parse in the next warehouse, while every other source moves on. What was not accepted is
said, per source, as a ``parse_errors`` row of stage ``records``.

On disk, under ``<data dir>/processed/parsed/<source_id>/``: one folder per generation (a Parquet file
per table, ``page_groups.json``, ``parse.json`` with the verdicts), and two pointer files, ``latest``
and ``accepted``, each naming a generation and each replaced atomically. Only those two generations
are kept. A per-source lock keeps a writer and a reader of one source apart; sources never wait for
each other.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from core.files import exclusive, fsync, replace_atomically
from parsing.records import Records
from processing.acceptance import Verdict, accepted

TABLES = ("documents", "meetings", "items", "crawl_errors", "parse_errors")


@dataclass
class ParsedRecords:
    """The parsed tables of one or more sources, as frames, and the handlings printed on one page."""

    documents: pl.DataFrame = field(default_factory=pl.DataFrame)
    meetings: pl.DataFrame = field(default_factory=pl.DataFrame)
    items: pl.DataFrame = field(default_factory=pl.DataFrame)
    crawl_errors: pl.DataFrame = field(default_factory=pl.DataFrame)
    parse_errors: pl.DataFrame = field(default_factory=pl.DataFrame)
    page_groups: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_records(cls, records: Records) -> ParsedRecords:
        return cls(
            **{t: pl.DataFrame(getattr(records, t), infer_schema_length=None) for t in TABLES},
            page_groups={page: sorted(ids) for page, ids in records.page_groups.items()},
        )

    @classmethod
    def combined(cls, parts: list[ParsedRecords]) -> ParsedRecords:
        """Several sources' records as one; columns one source lacks (all its values absent) are NULL."""
        tables = {}
        for table in TABLES:
            frames = [getattr(p, table) for p in parts if getattr(p, table).width]
            tables[table] = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
        groups: dict[str, set[str]] = {}
        for part in parts:
            for page, ids in part.page_groups.items():
                groups.setdefault(page, set()).update(ids)
        return cls(**tables, page_groups={page: sorted(ids) for page, ids in sorted(groups.items())})


@dataclass
class SourceParse:
    """One parse of one source, with the verdicts that decide whether it replaces the last accepted."""

    source_id: str
    source_url: str
    records: ParsedRecords
    verdicts: list[Verdict]
    parsed_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def accepted(self) -> bool:
        return accepted(self.verdicts)


@dataclass(frozen=True)
class Generation:
    """What ``parse.json`` says about one stored parse."""

    name: str
    source_id: str
    source_url: str
    parsed_at: str
    accepted: bool
    verdicts: list[dict]

    def failed(self) -> list[str]:
        return [v["description"] for v in self.verdicts if v["blocking"] and not v["passed"]]


class ParsedStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def write(self, parse: SourceParse) -> Generation:
        """Store ``parse`` as its source's latest generation, and as its accepted one if it is."""
        directory = self.root / parse.source_id
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:6]}"
        generation = Generation(
            name,
            parse.source_id,
            parse.source_url,
            parse.parsed_at,
            parse.accepted,
            [asdict(v) for v in parse.verdicts],
        )
        with exclusive(directory):
            building = directory / f"{name}.building"
            building.mkdir(parents=True)
            for table in TABLES:
                getattr(parse.records, table).write_parquet(building / f"{table}.parquet")
            _write_json(building / "page_groups.json", parse.records.page_groups)
            _write_json(building / "parse.json", asdict(generation))
            fsync(building)
            building.rename(directory / name)
            fsync(directory)
            _point(directory / "latest", name)
            if generation.accepted:
                _point(directory / "accepted", name)
            self._prune(directory)
        return generation

    def latest(self, source_id: str) -> Generation | None:
        return self._generation(source_id, "latest")

    def accepted(self, source_id: str) -> Generation | None:
        return self._generation(source_id, "accepted")

    def accepted_item_ids(self, source_id: str) -> set[str]:
        """The handlings the source's accepted parse holds: what a new parse is compared with."""
        directory = self.root / source_id
        with exclusive(directory):
            current = self._pointer(directory, "accepted")
            if current is None:
                return set()
            path = directory / current / "items.parquet"
            return set(pl.read_parquet(path, columns=["item_id"])["item_id"]) if _has_columns(path) else set()

    def read(self, source_ids: list[str]) -> ParsedRecords:
        """Per source, its accepted generation (none: no rows), plus a ``records`` parse error for each
        source whose latest parse was not accepted, saying which rows stand in for it."""
        parts = []
        for source_id in sorted(source_ids):
            directory = self.root / source_id
            with exclusive(directory):
                good = self._generation(source_id, "accepted")
                latest = self._generation(source_id, "latest")
                part = _read_generation(directory / good.name) if good else ParsedRecords()
            if latest and not latest.accepted:
                note = pl.DataFrame([rejection_note(latest, good)], schema=NOTE_SCHEMA)
                part.parse_errors = pl.concat([part.parse_errors, note], how="diagonal_relaxed")
            parts.append(part)
        return ParsedRecords.combined(parts)

    def _generation(self, source_id: str, pointer: str) -> Generation | None:
        directory = self.root / source_id
        name = self._pointer(directory, pointer)
        if name is None:
            return None
        return Generation(**json.loads((directory / name / "parse.json").read_text(encoding="utf-8")))

    @staticmethod
    def _pointer(directory: Path, pointer: str) -> str | None:
        path = directory / pointer
        return path.read_text(encoding="utf-8").strip() if path.exists() else None

    def _prune(self, directory: Path) -> None:
        """Only the latest and the accepted generations are kept (and nothing a killed write left)."""
        keep = {self._pointer(directory, "latest"), self._pointer(directory, "accepted")}
        for child in directory.iterdir():
            if child.is_dir() and child.name not in keep:
                shutil.rmtree(child)


NOTE_SCHEMA = {
    "source_id": pl.String,
    "stage": pl.String,
    "url": pl.String,
    "sha256": pl.String,
    "fetched_at": pl.String,
    "reason": pl.String,
}


def rejection_note(latest: Generation, good: Generation | None) -> dict:
    """The ``parse_errors`` row that says a source's newest parse was not accepted, and what stands."""
    kept = (
        f"the rows of its parse of {good.parsed_at} are kept"
        if good
        else "no parse of this source was accepted before, so it has no rows"
    )
    return {
        "source_id": latest.source_id,
        "stage": "records",
        "url": latest.source_url,
        "sha256": None,
        "fetched_at": None,
        "reason": f"its parse of {latest.parsed_at} was not accepted ({'; '.join(latest.failed())}): {kept}",
    }


def _read_generation(directory: Path) -> ParsedRecords:
    tables = {t: pl.read_parquet(directory / f"{t}.parquet") for t in TABLES}
    groups = json.loads((directory / "page_groups.json").read_text(encoding="utf-8"))
    return ParsedRecords(**tables, page_groups=groups)


def _has_columns(path: Path) -> bool:
    """A table saved with no rows has no columns at all."""
    return bool(pl.read_parquet_schema(path))


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, sort_keys=True), encoding="utf-8")


def _point(pointer: Path, name: str) -> None:
    replace_atomically(pointer, lambda tmp: tmp.write_text(name + "\n", encoding="utf-8"))
