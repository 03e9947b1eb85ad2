"""Where the warehouse is: one DuckDB file (the default), or a DuckLake.

``MINUTES_WAREHOUSE`` (``--warehouse``) is a file path, or ``ducklake:sqlite:CATALOG`` for a DuckLake
whose catalog is the SQLite file CATALOG and whose data files (Parquet) live under
``MINUTES_WAREHOUSE_DATA`` (``--warehouse-data``): a folder, or ``s3://bucket/prefix`` on the same
object store as the archive. Without a data setting a new lake keeps its files beside the catalog
(``CATALOG.files/``); an existing one keeps them where its catalog says.

Only a SQLite catalog is accepted. DuckLake's other catalogs are a DuckDB file, which admits one process
at a time (a reader open anywhere would fail the next load, and a load would lock every reader out:
the very thing the file swap avoids), and PostgreSQL or MySQL, whose extensions this project does not
install. This module only parses (it sits in ``core`` because the settings name the warehouse);
``warehouse/lake.py`` opens and loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.object_storage import S3Location, is_s3_url

PREFIX = "ducklake:"
SQLITE = "sqlite:"


@dataclass(frozen=True)
class DuckLake:
    """A DuckLake warehouse: its SQLite catalog file and, when set, where its data files go."""

    catalog_file: Path
    data_path: str | None = None  # a folder or s3:// prefix, always ending in "/"

    @classmethod
    def parse(cls, spec: str, data_path: str | Path | None = None) -> DuckLake:
        catalog = spec.removeprefix(PREFIX)
        if not catalog.startswith(SQLITE) or not catalog.removeprefix(SQLITE).strip():
            raise ValueError(
                f"a DuckLake warehouse is ducklake:sqlite:CATALOG-FILE, got {spec!r} (only a SQLite catalog "
                "is supported: a DuckDB-file catalog admits one process at a time, and PostgreSQL or MySQL "
                "catalogs need DuckDB extensions this project does not install)"
            )
        return cls(Path(catalog.removeprefix(SQLITE)), normalised_data_path(data_path))

    def __str__(self) -> str:
        return f"{PREFIX}{SQLITE}{self.catalog_file}"

    @property
    def default_data_path(self) -> str:
        """Where a new lake keeps its files when no data path is set: beside its catalog."""
        return f"{self.catalog_file.resolve()}.files/"


def normalised_data_path(value: str | Path | None) -> str | None:
    """A data path as DuckLake wants it: absolute, ending in ``/``; an ``s3://`` URL checked and kept."""
    if value is None or str(value) == "":
        return None
    if is_s3_url(value):
        return S3Location.parse(value).url() + "/"
    if str(value).startswith("s3:"):
        raise ValueError(f"an object storage location is s3://BUCKET[/PREFIX], got {value!r}")
    return f"{Path(value).resolve()}/"


def warehouse_location(value: str | Path | DuckLake, data_path: str | Path | None = None) -> Path | DuckLake:
    """The warehouse a setting names: a ``DuckLake`` for ``ducklake:…``, else the DuckDB file's path."""
    if isinstance(value, DuckLake):
        return value if data_path is None else DuckLake(value.catalog_file, normalised_data_path(data_path))
    if isinstance(value, str) and value.startswith(PREFIX):
        return DuckLake.parse(value, data_path)
    if data_path:
        raise ValueError(
            "--warehouse-data / MINUTES_WAREHOUSE_DATA is where a DuckLake keeps its files; the warehouse "
            f"{value} is a DuckDB file (use --warehouse ducklake:sqlite:CATALOG for a DuckLake)"
        )
    return Path(value)
