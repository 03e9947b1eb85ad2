"""Settings, each resolved in one order: command-line flag, then environment variable, then default."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from core.object_storage import S3Location, is_s3_url
from core.warehouse_location import DuckLake, warehouse_location

HELSINKI = ZoneInfo("Europe/Helsinki")

#: Who we are, for the sites we harvest: an honest user agent with a way to reach us.
CONTACT_URL = "https://github.com/paijat-hame/minutes"
USER_AGENT = f"minutes-harvester/0.1 (+{CONTACT_URL})"
#: A day's run revalidates every item of recent meetings; a rerun within the day does not
#: (``crawlers/revalidation.py`` scales it up for older meetings).
DEFAULT_REVALIDATE_HOURS = 20.0


@dataclass(frozen=True)
class Settings:
    sources_file: Path | None
    data_dir: Path
    #: the DuckDB file, or a DuckLake (``core/warehouse_location.py``)
    warehouse: Path | DuckLake
    since: date
    #: how long a known item under an unchanged listing counts as fresh (scaled up for old meetings)
    revalidate_hours: float = DEFAULT_REVALIDATE_HOURS
    #: Dynasty and TWeb: start from the meetings feeds (the daily fast path) instead of every listing
    use_feeds: bool = False
    #: the raw archive when it is not the data directory's own folder: a folder or ``s3://bucket/prefix``
    archive: str | None = None

    @property
    def archive_dir(self) -> Path:
        """The archive's folder inside the data directory: the default when ``archive`` is not set."""
        return self.data_dir / "archive"

    @property
    def archive_location(self) -> Path | str:
        """Where the raw archive is, as ``Archive(...)`` takes it."""
        return self.archive or self.archive_dir

    @property
    def processed_dir(self) -> Path:
        return self.data_dir / "processed"


def today_in_helsinki() -> date:
    from datetime import datetime

    return datetime.now(HELSINKI).date()


def two_years_back(today: date) -> date:
    try:
        return today.replace(year=today.year - 2)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 2, day=28)


def resolve_settings(
    sources: str | Path | None = None,
    data_dir: str | Path | None = None,
    warehouse: str | Path | DuckLake | None = None,
    since: str | date | None = None,
    revalidate_hours: float | str | None = None,
    use_feeds: bool = False,
    environ: dict[str, str] | None = None,
    archive: str | Path | None = None,
    warehouse_data: str | Path | None = None,
) -> Settings:
    env = os.environ if environ is None else environ
    sources_value = sources or env.get("MINUTES_SOURCES") or None
    data = Path(data_dir or env.get("MINUTES_DATA_DIR") or "data")
    warehouse_path = warehouse_location(
        warehouse or env.get("MINUTES_WAREHOUSE") or data / "warehouse.duckdb",
        warehouse_data or env.get("MINUTES_WAREHOUSE_DATA") or None,
    )
    since_value = since or env.get("MINUTES_SINCE")
    if isinstance(since_value, str):
        try:
            since_value = date.fromisoformat(since_value)
        except ValueError as exc:
            raise ValueError(f"--since / MINUTES_SINCE must be YYYY-MM-DD, got {since_value!r}") from exc
    revalidate = revalidate_hours if revalidate_hours is not None else env.get("MINUTES_REVALIDATE_HOURS")
    return Settings(
        sources_file=Path(sources_value) if sources_value else None,
        data_dir=data,
        warehouse=warehouse_path,
        since=since_value or two_years_back(today_in_helsinki()),
        revalidate_hours=float(revalidate) if revalidate not in (None, "") else DEFAULT_REVALIDATE_HOURS,
        use_feeds=use_feeds,
        archive=archive_setting(archive or env.get("MINUTES_ARCHIVE") or None),
    )


def archive_setting(value: str | Path | None) -> str | None:
    """``--archive`` / ``MINUTES_ARCHIVE`` as the crawl processes are handed it: an ``s3://`` URL checked
    here (a typo would otherwise surface in the middle of a crawl), a folder as its path."""
    if value is None or str(value) == "":
        return None
    if is_s3_url(value):
        return S3Location.parse(value).url()
    if str(value).startswith("s3:"):
        raise ValueError(f"--archive / MINUTES_ARCHIVE on object storage is s3://BUCKET[/PREFIX]: {value!r}")
    return str(value)
