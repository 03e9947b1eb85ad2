"""Watches: saved searches a person keeps in one TOML file, ``<data dir>/watches.toml``.

The file is the watches' only home, outside the warehouse, so a rebuilt warehouse leaves them as they
were and a person can edit the file by hand or keep it under version control. Commands that change it
(``minutes watch add`` and ``remove``) go through tomlkit, which keeps that person's comments and layout,
and replace the file whole under a lock, so two commands at once cannot lose a watch.

The layout, one table per watch::

    [watch.jatehuolto]
    words = "jätehuollon sopimus"          # what `minutes search` is asked
    municipalities = ["Asikkala", "Hollola"] # optional: only hits from these (any, when empty)
    bodies = ["Kunnanhallitus"]              # optional: only hits of these bodies
    created = 2026-12-01T09:30:00+02:00      # when the watch was added: its empty feed's date
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import tomlkit
import tomlkit.exceptions

from core.config import HELSINKI
from core.files import exclusive, replace_atomically

WATCHES_FILE = "watches.toml"
#: A watch's name is also its feed's file name and part of a URL: lower-case letters, digits, - and _.
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
KEYS = {"words", "municipalities", "bodies", "created"}
HEADER = """\
# Watches: saved searches for `minutes watch`. After every load, each watch's new hits go to its Atom feed,
# <data dir>/feeds/<name>.xml. Edit freely; README.md describes the keys.
"""


class WatchError(ValueError):
    """A watch or the watches file is not what it should be; the message says what and where."""


@dataclass(frozen=True)
class Watch:
    name: str
    words: str
    municipalities: tuple[str, ...] = ()
    bodies: tuple[str, ...] = ()
    created: datetime = field(default_factory=lambda: datetime.now(HELSINKI).replace(microsecond=0))


def watches_path(data_dir: Path) -> Path:
    return Path(data_dir) / WATCHES_FILE


def checked_name(name: str) -> str:
    """``name`` itself when it can name a feed file and a URL; otherwise a WatchError saying why."""
    if not NAME_PATTERN.fullmatch(name):
        raise WatchError(
            f"watch name {name!r}: use 1-64 lower-case letters a-z, digits, '-' or '_', starting with a "
            "letter or digit (it names the feed file)"
        )
    return name


def read_watches(path: Path) -> list[Watch]:
    """Every watch in the file, by name; none when the file does not exist yet."""
    return sorted(_watches_of(_document(path), path), key=lambda w: w.name)


def find_watch(path: Path, name: str) -> Watch:
    for watch in read_watches(path):
        if watch.name == name:
            return watch
    raise WatchError(f"no watch named {name!r} in {path}")


def add_watch(path: Path, watch: Watch) -> Watch:
    """Add ``watch`` to the file; a WatchError, and the file unchanged, when the name is taken or bad."""
    checked_name(watch.name)
    if not watch.words.strip():
        raise WatchError(f"watch {watch.name!r}: give the words to look for")
    with exclusive(path):
        document = _document(path)
        _watches_of(document, path)  # a malformed file is reported before it is rewritten
        table = document.setdefault("watch", tomlkit.table(is_super_table=True))
        if watch.name in table:
            raise WatchError(f"a watch named {watch.name!r} exists already in {path}")
        entry = tomlkit.table()
        entry["words"] = watch.words
        entry["municipalities"] = list(watch.municipalities)
        entry["bodies"] = list(watch.bodies)
        entry["created"] = watch.created
        table[watch.name] = entry
        _write(path, document)
    return watch


def remove_watch(path: Path, name: str) -> Watch:
    """Remove the watch ``name``; the watch that was removed."""
    with exclusive(path):
        document = _document(path)
        watch = next((w for w in _watches_of(document, path) if w.name == name), None)
        if watch is None:
            raise WatchError(f"no watch named {name!r} in {path}")
        del document["watch"][name]
        _write(path, document)
    return watch


def _document(path: Path) -> tomlkit.TOMLDocument:
    if not path.exists():
        document = tomlkit.document()
        for line in HEADER.splitlines():
            document.add(tomlkit.comment(line.removeprefix("# ")))
        return document
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except tomlkit.exceptions.ParseError as exc:
        raise WatchError(f"{path} is not valid TOML: {exc}") from None


def _write(path: Path, document: tomlkit.TOMLDocument) -> None:
    text = tomlkit.dumps(document)
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_atomically(path, lambda part: part.write_text(text, encoding="utf-8"))


def _watches_of(document: tomlkit.TOMLDocument, path: Path) -> list[Watch]:
    tables = document.get("watch", {})
    if not isinstance(tables, dict):
        raise WatchError(f"{path}: 'watch' must be a table of watches ([watch.NAME])")
    return [
        _watch(name, values.unwrap() if hasattr(values, "unwrap") else values, path)
        for name, values in tables.items()
    ]


def _watch(name: str, values: object, path: Path) -> Watch:
    where = f"{path}: watch {name!r}"
    try:
        checked_name(name)
    except WatchError as exc:
        raise WatchError(f"{path}: {exc}") from None
    if not isinstance(values, dict):
        raise WatchError(f"{where} must be a table")
    unknown = sorted(set(values) - KEYS)
    if unknown:
        raise WatchError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(KEYS))})")
    words = values.get("words")
    if not isinstance(words, str) or not words.strip():
        raise WatchError(f"{where}: 'words' must be the words to look for")
    lists = {}
    for key in ("municipalities", "bodies"):
        value = values.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise WatchError(f"{where}: {key!r} must be a list of names")
        lists[key] = tuple(value)
    created = values.get("created")
    if not isinstance(created, datetime) or created.tzinfo is None:
        raise WatchError(
            f"{where}: 'created' must be a date and time with its offset (2026-12-01T09:30:00+02:00)"
        )
    return Watch(name, words, lists["municipalities"], lists["bodies"], created)


def canonical_names(
    con, municipalities: list[str], bodies: list[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names as the warehouse spells them (``heinola`` → ``Heinola``); a WatchError naming the first
    unknown one and what is known, so a typo is caught when the watch is added, not never."""
    known = {
        "municipality": [
            r[0] for r in con.execute("SELECT DISTINCT municipality FROM items ORDER BY 1").fetchall()
        ],
        "body": [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT body FROM items WHERE body IS NOT NULL ORDER BY 1"
            ).fetchall()
        ],
    }
    result = []
    for kind, names in (("municipality", municipalities), ("body", bodies)):
        by_lower = {name.lower(): name for name in known[kind]}
        canonical = []
        for name in names:
            if name.lower() not in by_lower:
                raise WatchError(
                    f"no {kind} {name!r} in the warehouse; known: {', '.join(known[kind]) or 'none yet'}"
                )
            canonical.append(by_lower[name.lower()])
        result.append(tuple(dict.fromkeys(canonical)))
    return result[0], result[1]
