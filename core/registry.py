"""The sources registry: who publishes, on which platform, at which address.

The registry is the only place that knows a base URL. A bad entry fails loading with a message that
names the entry, because a scheduled run that silently skips a municipality is worse than one that
refuses to start.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse

PLATFORMS = ("dynasty", "casem", "tweb")
KINDS = ("municipality", "region", "wellbeing_county")


class RegistryError(ValueError):
    """A registry file that cannot be used as it is."""


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    kind: str
    platform: str
    base_url: str
    download_delay: float | None = None
    concurrent_requests: int | None = None
    abbreviations: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return urlparse(self.base_url).hostname or ""


def bundled_registry_path() -> Path:
    return Path(str(resources.files("core").joinpath("sources.toml")))


def load_registry(path: Path | str | None = None) -> list[Source]:
    """Read and validate a registry file; the bundled one when no path is given."""
    path = Path(path) if path else bundled_registry_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RegistryError(f"sources registry {path}: {exc}") from exc
    entries = raw.get("sources")
    if not isinstance(entries, list) or not entries:
        raise RegistryError(f"sources registry {path}: no [[sources]] entries")
    sources = [_source_from_entry(entry, index) for index, entry in enumerate(entries, start=1)]
    seen: set[str] = set()
    for source in sources:
        if source.id in seen:
            raise RegistryError(f"sources registry {path}: source id {source.id!r} appears twice")
        seen.add(source.id)
    return sources


def _source_from_entry(entry: dict, index: int) -> Source:
    label = f"source #{index} ({entry.get('id', 'no id')})"
    for key in ("id", "name", "kind", "platform", "base_url"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise RegistryError(f"{label}: missing or empty {key!r}")
    if entry["platform"] not in PLATFORMS:
        raise RegistryError(f"{label}: unknown platform {entry['platform']!r}, expected one of {PLATFORMS}")
    if entry["kind"] not in KINDS:
        raise RegistryError(f"{label}: unknown kind {entry['kind']!r}, expected one of {KINDS}")
    url = urlparse(entry["base_url"])
    if url.scheme not in ("http", "https") or not url.hostname:
        raise RegistryError(f"{label}: base_url {entry['base_url']!r} is not an http(s) URL")
    delay = entry.get("download_delay")
    if delay is not None and (not isinstance(delay, int | float) or delay < 0):
        raise RegistryError(f"{label}: download_delay must be a number of seconds ≥ 0")
    concurrency = entry.get("concurrent_requests")
    if concurrency is not None and (not isinstance(concurrency, int) or concurrency < 1):
        raise RegistryError(f"{label}: concurrent_requests must be a whole number ≥ 1")
    return Source(
        id=entry["id"],
        name=entry["name"],
        kind=entry["kind"],
        platform=entry["platform"],
        base_url=entry["base_url"],
        download_delay=float(delay) if delay is not None else None,
        concurrent_requests=concurrency,
        abbreviations=dict(entry.get("abbreviations", {})),
    )


def select_sources(sources: list[Source], ids: list[str] | None) -> list[Source]:
    """The sources named by ``ids`` (all when empty), failing on an id the registry lacks."""
    if not ids:
        return list(sources)
    by_id = {source.id: source for source in sources}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise RegistryError(f"unknown source id(s): {', '.join(unknown)}; known: {', '.join(by_id)}")
    return [by_id[i] for i in ids]
