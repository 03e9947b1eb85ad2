"""Settings, each resolved in one order: command-line flag, then environment variable, then default."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")

#: Who we are, for the sites we harvest: an honest user agent with a way to reach us.
CONTACT_URL = "https://github.com/paijat-hame/minutes"
USER_AGENT = f"minutes-harvester/0.1 (+{CONTACT_URL})"


@dataclass(frozen=True)
class Settings:
    sources_file: Path | None
    data_dir: Path
    warehouse: Path
    since: date
    #: how long a known item under an unchanged listing counts as fresh (scaled up for old meetings)
    revalidate_hours: float = 20.0
    #: Dynasty and TWeb: start from the meetings feeds (the daily fast path) instead of every listing
    use_feeds: bool = False

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

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
    warehouse: str | Path | None = None,
    since: str | date | None = None,
    revalidate_hours: float | str | None = None,
    use_feeds: bool = False,
    environ: dict[str, str] | None = None,
) -> Settings:
    env = os.environ if environ is None else environ
    sources_value = sources or env.get("MINUTES_SOURCES") or None
    data = Path(data_dir or env.get("MINUTES_DATA_DIR") or "data")
    warehouse_path = Path(warehouse or env.get("MINUTES_WAREHOUSE") or data / "warehouse.duckdb")
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
        revalidate_hours=float(revalidate) if revalidate not in (None, "") else 20.0,
        use_feeds=use_feeds,
    )
