"""After every load: each watch's new hits, and each cross-municipality matter's new handlings, as Atom
feeds; and the calendars of upcoming meetings.

**What is new.** A handling is new in a load when it was not in the previous load, or when its decision
changed since (an agenda's proposal became the minutes' decision, or the decision was corrected): its
*decision key*, a digest of ``document_type``, ``decision_outcome`` and ``decision``, differs. The
previous load's handlings and their keys are kept outside the warehouse, in
``<data dir>/processed/feeds/seen.parquet``, with the identity of that load (``loaded_at`` and
``fingerprint`` from ``loads``). So:

* the same load seen twice (``minutes process`` on an unchanged archive writes nothing) adds nothing;
* a warehouse rebuilt from scratch (its ``loads`` history restarting at 1) is compared with what the
  feeds saw last, not with nothing, and adds only what really changed;
* a watch added today starts with an empty feed and collects from the next load on
  (``minutes watch show`` and ``minutes search`` show what already matches).

A watch's hits are the rows ``minutes search WORDS`` gives (the same ``search_ranked`` ranking over the
same index), narrowed to its municipalities and bodies. A matter's feed begins, at the first load in which
the matter spans municipalities, with all its handlings; later loads add the new ones.

**Entries.** An entry's id is a UUID made from the handling's ``item_id`` and its decision key, so the
same version of a handling has the same id in every run, in every feed that carries it, and after every
rebuild: a feed reader never shows it twice. The minutes that follow an agenda are a new entry. Entries
are kept in ``<data dir>/processed/feeds/entries.parquet`` (every entry a feed ever had) and each feed
file shows its newest ``FEED_ENTRIES``. Entries are saved before the state that says the load was seen:
a run killed between the two repeats the comparison and finds the same entries, which are there already.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from core.config import today_in_helsinki
from core.files import exclusive, replace_atomically
from warehouse.calendar import calendar_dir, calendar_files
from warehouse.query import connect_for_queries
from warehouse.report import OUTCOMES, dated_section, web_url
from warehouse.search import SearchFilters, ranked_hits
from warehouse.watches import Watch, read_watches, watches_path

#: How many entries a feed file shows, newest first (all are kept in the entries store).
FEED_ENTRIES = 100
#: Namespace of feed and entry ids (``urn:uuid:…``, RFC 4122 name-based).
ID_NAMESPACE = uuid.UUID("0b0f6c1e-5a0e-4f1e-9d53-3f2a8f5c7d21")
AUTHOR = "minutes"

DECISION_KEYS_SQL = """
SELECT item_id, md5(to_json([document_type, decision_outcome, decision])) AS decision_key FROM items
"""
#: The handlings of cross-municipality matters that are new in this load, and every handling of such a
#: matter that has no feed yet (its feed starts with its whole history). Rows are found by the few
#: columns that decide, then read by rowid: only their row groups are decompressed.
MATTER_ENTRIES_SQL = """
WITH wanted AS (
    SELECT i.rowid AS row_number
    FROM items i JOIN matters m USING (matter_id)
    WHERE m.n_municipalities >= 2
      AND (i.item_id IN (SELECT item_id FROM changed_items)
           OR i.matter_id NOT IN (SELECT matter_id FROM fed_matters))
)
SELECT i.item_id, c.decision_key, i.matter_id, i.municipality, i.body, i.meeting_date, i.section, i.title,
       i.document_type, i.decision_outcome, i.decision, i.proposal, i.url, i.pdf_url
FROM items i JOIN current_items c USING (item_id)
WHERE i.rowid IN (SELECT row_number FROM wanted)
"""
#: The columns of ``items`` an entry needs beyond those of a hit.
ENTRY_EXTRA = ", i.document_type, i.decision_outcome, i.decision, i.proposal"

ENTRY_SCHEMA = {
    "feed": pl.String,
    "entry_id": pl.String,
    "updated": pl.Datetime("us", "UTC"),
    "item_id": pl.String,
    "decision_key": pl.String,
    "matter_id": pl.String,
    "municipality": pl.String,
    "body": pl.String,
    "meeting_date": pl.Date,
    "section": pl.Int64,
    "title": pl.String,
    "document_type": pl.String,
    "decision_outcome": pl.String,
    "decision": pl.String,
    "proposal": pl.String,
    "url": pl.String,
    "pdf_url": pl.String,
}


@dataclass(frozen=True)
class Load:
    """Which load of which warehouse: ``loaded_at`` and ``fingerprint`` survive a rebuild's renumbering."""

    load_number: int
    loaded_at: datetime
    fingerprint: str

    def same_as(self, other: dict | None) -> bool:
        return (
            bool(other)
            and other["loaded_at"] == self.loaded_at.isoformat()
            and (other["fingerprint"] == self.fingerprint)
        )


@dataclass(frozen=True)
class FeedsReport:
    load: Load
    #: False when this load had been compared already (nothing could be new)
    compared: bool
    #: handlings new or with a changed decision in this load
    changed_handlings: int
    new_hits: dict[str, int]
    new_matter_entries: dict[str, int]
    files: list[Path] = field(default_factory=list)


def feeds_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "feeds"


def state_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "processed" / "feeds"


def watch_feed_path(data_dir: Path, name: str) -> Path:
    return feeds_dir(data_dir) / f"{name}.xml"


def matter_feed_path(data_dir: Path, matter_id: str) -> Path:
    return feeds_dir(data_dir) / "matters" / f"{matter_id}.xml"


def watch_feed_key(name: str) -> str:
    return f"watch/{name}"


def matter_feed_key(matter_id: str) -> str:
    return f"matter/{matter_id}"


def entry_id(item_id: str, decision_key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, f'{item_id}/{decision_key}')}"


@dataclass(frozen=True)
class _Comparison:
    """What one load brought: every handling's decision key, those new or changed, the entries found."""

    current: pl.DataFrame
    changed: pl.DataFrame
    new_hits: dict[str, int]
    new_matter_entries: dict[str, int]
    entries: pl.DataFrame


def update_feeds(data_dir: Path, warehouse: Path, today: date | None = None) -> FeedsReport:
    """Compare the warehouse's latest load with the one the feeds saw last, add the new entries, and
    write every feed and calendar (a file is rewritten only when its bytes change). One run at a time:
    the CLI and Dagster may both run it after a load."""
    data_dir = Path(data_dir)
    state = state_dir(data_dir)
    with exclusive(state):
        watches = read_watches(watches_path(data_dir))
        con = connect_for_queries(warehouse)
        try:
            load = latest_load(con)
            entries = read_entries(state)
            seen_load = _read_json(state / "load.json")
            comparison = None if load.same_as(seen_load) else _compare(con, state, watches, entries, load)
            new = (
                comparison.entries.join(entries, on=["feed", "entry_id"], how="anti")
                if comparison
                else entries.clear()
            )
            entries = comparison.entries if comparison else entries
            if new.height:
                _write_entries(state, entries)
            files = _write_feeds(con, data_dir, watches, entries, new)
            files += _write_calendars(
                data_dir, calendar_files(con, today or today_in_helsinki(), load.loaded_at)
            )
        finally:
            con.close()
        if comparison:  # last: a run killed before this point repeats the comparison and adds nothing twice
            _write_seen(state, comparison.current)
            _write_json(
                state / "load.json",
                {"loaded_at": load.loaded_at.isoformat(), "fingerprint": load.fingerprint},
            )
    if comparison is None:
        return FeedsReport(load, False, 0, {}, {}, files)
    return FeedsReport(
        load, True, comparison.changed.height, comparison.new_hits, comparison.new_matter_entries, files
    )


def _compare(
    con: duckdb.DuckDBPyConnection, state: Path, watches: list[Watch], entries: pl.DataFrame, load: Load
) -> _Comparison:
    """The handlings new or changed since the load the feeds saw, and the entries they make."""
    current = con.execute(DECISION_KEYS_SQL).pl()
    changed = changed_handlings(current, _read_seen(state))
    con.register("changed_items", changed.to_arrow())
    con.register("current_items", current.to_arrow())
    try:
        found = [_watch_entries(con, watch, changed, load) for watch in watches]
        matter_frame = _matter_entries(con, entries, load)
    finally:
        for name in ("changed_items", "current_items", "fed_matters"):
            con.unregister(name)
    new_hits = {watch.name: frame.height for watch, frame in zip(watches, found, strict=True)}
    new_matter = {
        key.removeprefix("matter/"): n
        for key, n in matter_frame.group_by("feed").len().sort("feed").iter_rows()
    }
    return _Comparison(current, changed, new_hits, new_matter, merge_entries(entries, [*found, matter_frame]))


def _matter_titles(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, str]:
    rows = con.execute(
        "SELECT matter_id, title FROM matters WHERE matter_id IN (SELECT unnest($ids))", {"ids": ids}
    )
    return dict(rows.fetchall())


def latest_load(con: duckdb.DuckDBPyConnection) -> Load:
    row = con.execute(
        "SELECT load_number, loaded_at, fingerprint FROM loads ORDER BY load_number DESC LIMIT 1"
    ).fetchone()
    if row is None:
        raise LookupError("the warehouse records no load: run `minutes process` first")
    return Load(*row)


def changed_handlings(current: pl.DataFrame, seen: pl.DataFrame) -> pl.DataFrame:
    """The handlings of ``current`` (item_id, decision_key) that ``seen`` lacks or knew with another key."""
    return current.join(seen, on=["item_id", "decision_key"], how="anti").sort("item_id")


def _watch_entries(
    con: duckdb.DuckDBPyConnection, watch: Watch, changed: pl.DataFrame, load: Load
) -> pl.DataFrame:
    """The watch's hits among this load's new and changed handlings, as entries of its feed."""
    filters = SearchFilters(watch.municipalities, watch.bodies)
    columns, hits = ranked_hits(con, watch.words, None, filters, within="changed_items", extra=ENTRY_EXTRA)
    frame = pl.DataFrame(hits, schema=columns, orient="row", infer_schema_length=None)
    frame = frame.join(changed, on="item_id", how="left") if frame.height else frame
    return _as_entries(frame, pl.lit(watch_feed_key(watch.name)), load)


def _matter_entries(con: duckdb.DuckDBPyConnection, entries: pl.DataFrame, load: Load) -> pl.DataFrame:
    fed = entries.filter(pl.col("feed").str.starts_with("matter/")).select("matter_id").unique()
    con.register("fed_matters", fed.to_arrow())
    frame = con.execute(MATTER_ENTRIES_SQL).pl()
    return _as_entries(frame, pl.lit("matter/") + pl.col("matter_id"), load)


def _as_entries(frame: pl.DataFrame, feed: pl.Expr, load: Load) -> pl.DataFrame:
    if frame.height == 0:
        return pl.DataFrame(schema=ENTRY_SCHEMA)
    ids = [entry_id(i, k) for i, k in zip(frame["item_id"], frame["decision_key"], strict=True)]
    return frame.with_columns(
        feed.alias("feed"),
        pl.Series("entry_id", ids, pl.String),
        pl.lit(load.loaded_at).cast(pl.Datetime("us", "UTC")).alias("updated"),
    ).select([pl.col(name).cast(dtype) for name, dtype in ENTRY_SCHEMA.items()])


def merge_entries(entries: pl.DataFrame, found: list[pl.DataFrame]) -> pl.DataFrame:
    """``entries`` plus the found ones each feed does not hold yet (by entry id): a rerun adds nothing."""
    new = pl.concat([entries.clear(), *found]).unique(["feed", "entry_id"], keep="first", maintain_order=True)
    new = new.join(entries.select("feed", "entry_id"), on=["feed", "entry_id"], how="anti")
    return pl.concat([entries, new]).sort("feed", "updated", "meeting_date", "item_id", "entry_id")


def read_entries(state: Path) -> pl.DataFrame:
    path = state / "entries.parquet"
    return pl.read_parquet(path) if path.exists() else pl.DataFrame(schema=ENTRY_SCHEMA)


def _read_seen(state: Path) -> pl.DataFrame:
    path = state / "seen.parquet"
    if not path.exists():
        return pl.DataFrame(schema={"item_id": pl.String, "decision_key": pl.String})
    return pl.read_parquet(path)


def _write_seen(state: Path, current: pl.DataFrame) -> None:
    state.mkdir(parents=True, exist_ok=True)
    replace_atomically(state / "seen.parquet", lambda part: current.write_parquet(part))


def _write_entries(state: Path, entries: pl.DataFrame) -> None:
    state.mkdir(parents=True, exist_ok=True)
    replace_atomically(state / "entries.parquet", lambda part: entries.write_parquet(part))


def _read_json(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _write_json(path: Path, value: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_atomically(path, lambda part: part.write_text(json.dumps(value), encoding="utf-8"))


def _write_if_changed(path: Path, content: bytes) -> bool:
    """Replace ``path`` whole when its bytes differ: an unchanged feed keeps its file and its mtime."""
    if path.exists() and path.read_bytes() == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_atomically(path, lambda part: part.write_bytes(content))
    return True


def _write_feeds(
    con: duckdb.DuckDBPyConnection,
    data_dir: Path,
    watches: list[Watch],
    entries: pl.DataFrame,
    new: pl.DataFrame,
) -> list[Path]:
    """Every watch's feed, and the feed of every matter that got entries now or has no file yet; feed
    files of removed watches go. A matter feed nothing was added to is left as it is: after a day's load
    most of them are, and rendering them all again from every entry ever found cost tens of seconds at a
    million handlings."""
    written = []
    for watch in watches:
        path = watch_feed_path(data_dir, watch.name)
        _write_if_changed(
            path, watch_feed(watch, entries.filter(pl.col("feed") == watch_feed_key(watch.name)))
        )
        written.append(path)
    matter_keys = set(entries.filter(pl.col("feed").str.starts_with("matter/"))["feed"].unique().to_list())
    existing = {matter_feed_key(p.stem) for p in feeds_dir(data_dir).glob("matters/*.xml")}
    render = set(new["feed"].to_list()) & matter_keys | (matter_keys - existing)
    if render:
        frames = entries.filter(pl.col("feed").is_in(sorted(render))).partition_by("feed", as_dict=True)
        titles = _matter_titles(con, [key.removeprefix("matter/") for key in render])
        for (key,), frame in sorted(frames.items()):
            matter_id = key.removeprefix("matter/")
            _write_if_changed(
                matter_feed_path(data_dir, matter_id), matter_feed(matter_id, titles.get(matter_id), frame)
            )
    written += [matter_feed_path(data_dir, key.removeprefix("matter/")) for key in sorted(matter_keys)]
    keep = set(written)
    for stale in [*feeds_dir(data_dir).glob("*.xml"), *feeds_dir(data_dir).glob("matters/*.xml")]:
        if stale not in keep:
            stale.unlink()
    return written


def _write_calendars(data_dir: Path, calendars: dict[str, bytes]) -> list[Path]:
    directory = calendar_dir(feeds_dir(data_dir))
    written = []
    for name, content in calendars.items():
        _write_if_changed(directory / name, content)
        written.append(directory / name)
    for stale in directory.glob("*.ics"):
        if stale not in written:
            stale.unlink()
    return written


def watch_feed(watch: Watch, entries: pl.DataFrame | None) -> bytes:
    """The Atom feed of one watch: its newest entries; dated by its newest entry, or its creation."""
    where = ", ".join([*watch.municipalities, *watch.bodies]) or "every municipality and body"
    return _atom(
        feed_id=f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, watch_feed_key(watch.name))}",
        title=f"minutes watch {watch.name}: {watch.words}",
        subtitle=f"New handlings that `minutes search {watch.words}` finds in {where}.",
        entries=entries,
        empty_since=watch.created,
    )


def matter_feed(matter_id: str, title: str | None, entries: pl.DataFrame) -> bytes:
    return _atom(
        feed_id=f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, matter_feed_key(matter_id))}",
        title=f"minutes matter: {title or matter_id}",
        subtitle=f"New handlings of matter {matter_id}, in every municipality that handles it.",
        entries=entries,
        empty_since=None,
    )


def _atom(
    feed_id: str, title: str, subtitle: str, entries: pl.DataFrame | None, empty_since: datetime | None
) -> bytes:
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.subtitle(subtitle)
    feed.author({"name": AUTHOR})
    feed.language("fi")
    rows = (
        []
        if entries is None
        else entries.sort(
            ["updated", "meeting_date", "item_id", "entry_id"], descending=True, nulls_last=True
        )
        .head(FEED_ENTRIES)
        .to_dicts()
    )
    feed.updated(rows[0]["updated"] if rows else empty_since)
    for row in rows:
        _add_entry(feed, row)
    return feed.atom_str(pretty=True)


class _Entry(FeedEntry):
    """feedgen 1.0.0 writes an entry's links without their ``rel``, ``type`` and ``title`` (the loop in
    ``FeedEntry.atom_entry`` reads them from the element it is building, not from the link): every link
    would read as the alternate page. This puts them back, in the order the links were given."""

    def atom_entry(self, extensions: bool = True):
        element = super().atom_entry(extensions)
        for link, given in zip(element.findall("link"), self.link() or [], strict=True):
            for key in ("rel", "type", "title"):
                if given.get(key):
                    link.attrib[key] = given[key]
        return element


def _add_entry(feed: FeedGenerator, row: dict) -> None:
    entry = feed.add_entry(_Entry(), order="append")
    entry.id(row["entry_id"])
    when = dated_section(row["meeting_date"], row["section"])
    where = f"{row['municipality']} · {row['body'] or 'unknown body'} {when}"
    stage = "minutes" if row["document_type"] == "minutes" else "agenda"
    entry.title(f"{where}: {row['title'] or '(untitled)'} ({stage})")
    entry.updated(row["updated"])
    entry.published(row["updated"])
    if web_url(row["url"]):
        entry.link(href=row["url"], rel="alternate", type="text/html")
    if web_url(row["pdf_url"]):
        entry.link(href=row["pdf_url"], rel="related", type="application/pdf", title="PDF")
    entry.category([{"term": row["municipality"]}, *([{"term": row["body"]}] if row["body"] else [])])
    entry.summary(_summary(row))
    if not web_url(row["url"]):
        entry.content(_summary(row), type="text")  # Atom: an entry without a page link carries content


def _summary(row: dict) -> str:
    """What a person reads first: the decision and its outcome, or, on an agenda, the proposal."""
    if row["document_type"] == "minutes" or row["decision"]:
        outcome = OUTCOMES.get(row["decision_outcome"], OUTCOMES["other"])[0]
        return f"Decision ({outcome}): {row['decision'] or '—'}"
    return f"On the agenda. Proposal: {row['proposal'] or '—'}"


def feed_entries(data_dir: Path, key: str) -> pl.DataFrame:
    """The entries a feed holds (``watch/NAME`` or ``matter/ID``), newest first."""
    entries = read_entries(state_dir(data_dir)).filter(pl.col("feed") == key)
    return entries.sort(["updated", "meeting_date", "item_id"], descending=True, nulls_last=True)


def forget_watch(data_dir: Path, name: str) -> None:
    """A removed watch's feed file and entries go with it: a new watch of that name starts empty."""
    state = state_dir(data_dir)
    entries = read_entries(state)
    if entries.filter(pl.col("feed") == watch_feed_key(name)).height:
        _write_entries(state, entries.filter(pl.col("feed") != watch_feed_key(name)))
    watch_feed_path(data_dir, name).unlink(missing_ok=True)
