"""minutes: harvest, process, link and query the published decisions of Päijät-Häme's municipalities,
the regional council and the wellbeing county. Every command exits 0 on success; otherwise non-zero,
with a one-line reason on stderr."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from core.config import HELSINKI, Settings, resolve_settings

EPILOG = """Settings come from a flag, else an environment variable, else a default. Run `minutes COMMAND
--help` for one command; README.md lists them all with examples, warehouse/README.md documents the
warehouse's tables. Set MINUTES_DEBUG=1 to see a failure's full traceback."""


def _add_common(parser: argparse.ArgumentParser, since: bool = False, archive: bool = False) -> None:
    parser.add_argument(
        "--sources",
        metavar="FILE",
        help="sources registry (TOML); env MINUTES_SOURCES; default: the bundled registry of the twelve "
        "Päijät-Häme publishers (core/sources.toml)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="raw archive and intermediate files; env MINUTES_DATA_DIR; default ./data",
    )
    if archive:
        parser.add_argument(
            "--archive",
            metavar="DIR-or-URL",
            help="the raw archive: a folder, or s3://BUCKET/PREFIX on object storage (endpoint, region and "
            "keys from the AWS_* environment variables); env MINUTES_ARCHIVE; default <data dir>/archive",
        )
    parser.add_argument(
        "--warehouse",
        metavar="FILE",
        help="the DuckDB warehouse file, or ducklake:sqlite:CATALOG for a DuckLake with that SQLite "
        "catalog; env MINUTES_WAREHOUSE; default <data dir>/warehouse.duckdb",
    )
    parser.add_argument(
        "--warehouse-data",
        metavar="DIR-or-URL",
        help="a DuckLake's data files: a folder or s3://BUCKET/PREFIX, set when the lake is first "
        "loaded; env MINUTES_WAREHOUSE_DATA; default CATALOG.files/ beside the catalog",
    )
    if since:
        parser.add_argument(
            "--since",
            metavar="YYYY-MM-DD",
            help="earliest meeting date to harvest; env MINUTES_SINCE; default two years back",
        )


def _command(commands, name: str, func, text: str, description: str | None = None) -> argparse.ArgumentParser:
    """A subcommand whose one-line ``text`` shows in ``minutes --help`` and, with ``description``, heads
    its own ``--help``."""
    sub = commands.add_parser(
        name,
        help=text,
        description=f"{text[0].upper()}{text[1:]}." + (f" {description}" if description else ""),
    )
    sub.set_defaults(func=func)
    return sub


def _settings(args: argparse.Namespace) -> Settings:
    return resolve_settings(
        sources=args.sources,
        data_dir=args.data_dir,
        warehouse=args.warehouse,
        warehouse_data=args.warehouse_data,
        since=getattr(args, "since", None),
        archive=getattr(args, "archive", None),
    )


def cmd_demo(args: argparse.Namespace) -> int:
    from core.warehouse_location import warehouse_location
    from minutes.demo import DEMO_PORT, demo_settings, run_demo
    from warehouse.queries import COMPARISON, ERRORS_BY_SOURCE, HANDLINGS_BY_SOURCE_AND_BODY
    from warehouse.query import format_table, run_query

    data_dir = Path(args.data_dir or "data/demo")
    settings = demo_settings(
        data_dir,
        warehouse_location(args.warehouse or data_dir / "warehouse.duckdb", args.warehouse_data),
        resolve_settings(since=args.since).since if args.since else None,
    )
    run = run_demo(settings, port=args.port or DEMO_PORT)
    for title, sql, width in (
        ("Handlings per source and body", HANDLINGS_BY_SOURCE_AND_BODY, 40),
        ("Errors per source", ERRORS_BY_SOURCE, 40),
        ("The same matters across municipalities (matter_comparison)", COMPARISON, 38),
    ):
        columns, rows = run_query(run.settings.warehouse, sql)
        print(f"\n{title}\n{format_table(columns, rows, width)}")
    print(f'\nQuery it yourself: minutes query --warehouse {run.settings.warehouse} "select * from matters"')
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    import dataclasses

    from crawlers.run import crawl

    settings = dataclasses.replace(_settings(args), use_feeds=args.feeds)
    failed = False
    for summary in crawl(settings, args.source):
        refused = f", {summary.robots_refused} refused by robots.txt" if summary.robots_refused else ""
        print(
            f"{summary.source_id}: {summary.verdict}, {summary.items} items, {summary.documents} documents, "
            f"{summary.requests} requests, {summary.failures} failures{refused}"
        )
        for torn in summary.torn_lines:
            print(f"{summary.source_id}: {torn}", file=sys.stderr)
        failed |= summary.status != "finished" and not summary.status.startswith("skipped")
    return 1 if failed else 0


def cmd_process(args: argparse.Namespace) -> int:
    from processing.stages import process

    report = process(_settings(args))
    print(
        f"{report.handlings} handlings in {report.matters} matters; {report.parse_errors} parse errors, "
        f"{report.crawl_errors} crawl errors; warehouse {report.load.path}"
    )
    if report.feeds is not None and report.feeds.compared:
        hits = ", ".join(f"{name} {n}" for name, n in report.feeds.new_hits.items()) or "no watches"
        print(
            f"feeds: {report.feeds.changed_handlings} new or changed handlings; new hits per watch: {hits}; "
            f"{sum(report.feeds.new_matter_entries.values())} new handlings of cross-municipality matters"
        )
    if report.rejected_sources:
        print(
            f"minutes process: the new parse of {', '.join(report.rejected_sources)} was not accepted "
            "(see parse_errors, stage 'records'); their last accepted rows and the other sources loaded",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    status = cmd_crawl(args)
    return cmd_process(args) or status


def cmd_query(args: argparse.Namespace) -> int:
    from warehouse.query import format_rows, run_query

    columns, rows = run_query(_settings(args).warehouse, args.sql)
    print(format_rows(columns, rows, args.format).rstrip("\n"))
    return 0


def _matching_matters(con, query: str) -> list[tuple]:
    """The matters a matter id or words of a title name, best first; says so on stderr when none."""
    from warehouse.queries import MATCHING_MATTERS

    matters = con.execute(MATCHING_MATTERS, {"query": query}).fetchall()
    if not matters:
        print(f"no matter matches {query!r}", file=sys.stderr)
    return matters


def cmd_compare(args: argparse.Namespace) -> int:
    from warehouse.queries import MATTER_HANDLINGS
    from warehouse.query import connect_read_only, format_table

    con = connect_read_only(_settings(args).warehouse)
    try:
        matters = _matching_matters(con, args.matter)
        if not matters:
            return 1
        for matter_id, title, n_items, n_municipalities, first, last in matters:
            result = con.execute(MATTER_HANDLINGS, {"matter_id": matter_id})
            columns = [d[0] for d in result.description]
            print(
                f"\n{title} ({matter_id}): {n_items} handlings in {n_municipalities} municipalities, "
                f"{first} – {last}"
            )
            print(format_table(columns, result.fetchall(), 40))
    finally:
        con.close()
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from warehouse.query import connect_for_queries, format_rows
    from warehouse.search import format_hits, search

    con = connect_for_queries(_settings(args).warehouse)
    try:
        columns, rows = search(con, args.text, args.limit)
    finally:
        con.close()
    if args.format == "list":
        print(format_hits(columns, rows))
    else:
        print(format_rows(columns, rows, args.format).rstrip("\n"))
    return 0 if rows else 1


def cmd_report(args: argparse.Namespace) -> int:
    from warehouse.query import connect_read_only
    from warehouse.report import write_report

    con = connect_read_only(_settings(args).warehouse)
    try:
        matters = _matching_matters(con, args.matter)
        if not matters:
            return 1
        matter_id, title = matters[0][0], matters[0][1]
        output = Path(args.output or f"report-{matter_id}.html")
        write_report(con, matter_id, output)
    finally:
        con.close()
    print(f"{output}: {title} ({matter_id})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from warehouse.export import export_warehouse

    if args.format == "oparl":
        return _export_oparl(args)
    if args.base_url:
        print("minutes export: --base-url is for --format oparl", file=sys.stderr)
        return 2
    written = export_warehouse(_settings(args).warehouse, Path(args.directory), args.format)
    for name, rows, path in written:
        print(f"{name}: {rows} rows → {path}")
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    import json

    from minutes.saved_page import UnreadablePage, read_saved_page

    try:
        result = read_saved_page(
            Path(args.file),
            args.platform,
            args.url,
            args.source,
            Path(args.sources) if args.sources else None,
        )
    except UnreadablePage as exc:
        print(f"minutes parse: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def cmd_watch_add(args: argparse.Namespace) -> int:
    from warehouse.query import connect_read_only
    from warehouse.watches import Watch, add_watch, canonical_names, checked_name, watches_path

    settings = _settings(args)
    checked_name(args.name)
    municipalities, bodies = tuple(args.municipality or ()), tuple(args.body or ())
    if settings.warehouse.exists():  # before the first load there is nothing to check the names against
        con = connect_read_only(settings.warehouse)
        try:
            municipalities, bodies = canonical_names(con, list(municipalities), list(bodies))
        finally:
            con.close()
    watch = add_watch(watches_path(settings.data_dir), Watch(args.name, args.words, municipalities, bodies))
    print(
        f"watch {watch.name}: new hits for {watch.words!r} go to {_feed_path(settings, watch.name)} "
        "after each load"
    )
    return 0


def _feed_path(settings: Settings, name: str) -> Path:
    from warehouse.feeds import watch_feed_path

    return watch_feed_path(settings.data_dir, name)


def _where(watch) -> str:
    """Where a watch looks: ``in Heinola, Kaupunginhallitus`` or ``everywhere``."""
    names = ", ".join([*watch.municipalities, *watch.bodies])
    return f"in {names}" if names else "everywhere"


def cmd_watch_list(args: argparse.Namespace) -> int:
    from warehouse.feeds import feed_entries, watch_feed_key
    from warehouse.query import format_table
    from warehouse.watches import read_watches, watches_path

    settings = _settings(args)
    watches = read_watches(watches_path(settings.data_dir))
    rows = [
        (
            w.name,
            w.words,
            _where(w),
            feed_entries(settings.data_dir, watch_feed_key(w.name)).height,
            _feed_path(settings, w.name),
        )
        for w in watches
    ]
    print(format_table(["name", "words", "where", "entries", "feed"], rows, width=60))
    return 0


def cmd_watch_show(args: argparse.Namespace) -> int:
    from warehouse.feeds import feed_entries, watch_feed_key
    from warehouse.query import format_table
    from warehouse.report import dated_section
    from warehouse.watches import find_watch, watches_path

    settings = _settings(args)
    watch = find_watch(watches_path(settings.data_dir), args.name)
    entries = feed_entries(settings.data_dir, watch_feed_key(watch.name))
    print(f"watch {watch.name}: {watch.words!r} {_where(watch)}, added {watch.created.isoformat()}")
    print(f"feed {_feed_path(settings, watch.name)}: {entries.height} entries")
    rows = [
        (
            e["updated"].astimezone(HELSINKI).strftime("%Y-%m-%d %H:%M"),
            e["municipality"],
            e["body"],
            dated_section(e["meeting_date"], e["section"]),
            e["document_type"],
            e["title"],
        )
        for e in entries.head(args.limit).to_dicts()
    ]
    if rows:
        print(format_table(["found", "municipality", "body", "when", "document", "title"], rows, width=60))
    return 0


def cmd_watch_remove(args: argparse.Namespace) -> int:
    from warehouse.feeds import forget_watch
    from warehouse.watches import remove_watch, watches_path

    settings = _settings(args)
    watch = remove_watch(watches_path(settings.data_dir), args.name)
    forget_watch(settings.data_dir, watch.name)
    print(f"watch {watch.name} removed, and its feed")
    return 0


def _export_oparl(args: argparse.Namespace) -> int:
    from warehouse.oparl import export_oparl

    if not args.base_url:
        print(
            "minutes export: --format oparl needs --base-url (where the tree will be served)", file=sys.stderr
        )
        return 2
    settings = _settings(args)
    archive = settings.archive or (settings.archive_dir if settings.archive_dir.is_dir() else None)
    report = export_oparl(settings.warehouse, Path(args.directory), args.base_url, archive)
    counts = ", ".join(f"{n} {kind}" for kind, n in report.counts.items())
    start = f"{args.base_url.rstrip('/')}/system.json"
    print(f"{report.directory}: {report.files} files ({counts}); start at {start}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from minutes.doctor import diagnose
    from warehouse.query import format_table

    report = diagnose(_settings(args), args.source)
    columns = ["source", "platform", "entry", "bodies", "meetings", "items parsed", "verdict"]
    rows = [
        (h.source_id, h.platform, h.entry, h.bodies, h.meetings, h.items_parsed, "OK" if h.ok else h.problem)
        for h in report
    ]
    print(format_table(columns, rows, width=90))
    ways = [(h.source_id, "; ".join(p.describe() for p in h.paths)) for h in report if h.paths]
    if ways:
        print("\nways to the items, and how far back each reaches:")
        for source_id, described in ways:
            print(f"  {source_id}: {described}")
    return 0 if all(h.ok for h in report) else 1


def cmd_dedupe(args: argparse.Namespace) -> int:
    from linking.dedupe import dedupe

    index_dir = Path(args.index) if args.index else None
    report, _ = dedupe(Path(args.input), Path(args.output), index_dir=index_dir)
    print(
        f"{report.items} items in {report.matters} matters ({report.merged_items} items share theirs); "
        f"{report.links} links; wrote {args.output}"
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from web.server import serve

    settings = _settings(args)
    serve(settings.warehouse, settings.data_dir, args.port)
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    from minutes.ui import run_ui

    return run_ui(args.port, Path(os.environ.get("DAGSTER_HOME", "dagster_home")).resolve())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minutes",
        description=" ".join(__doc__.split()),
        epilog=" ".join(EPILOG.split()),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = _command(
        commands,
        "demo",
        cmd_demo,
        "the whole pipeline, offline, on the bundled demo sites",
        "Starts demo sites of all three platforms on 127.0.0.1, crawls them twice with the real spiders "
        "(an agenda, then its minutes), loads data/demo/warehouse.duckdb and prints a summary and the "
        "matters that span municipalities.",
    )
    _add_common(demo, since=True)
    demo.add_argument("--port", type=int, help="port of the demo server (default 8765)")

    for name, func, text, description in (
        (
            "run",
            cmd_run,
            "crawl, process and load: what the schedule runs",
            "The same as `minutes crawl` followed by `minutes process`.",
        ),
        (
            "crawl",
            cmd_crawl,
            "fetch into the raw archive only",
            "Politely (robots.txt, one request at a time per host, conditional requests), keeping every "
            "response in the raw archive (--archive, default <data dir>/archive). An old --since makes it "
            "a backfill.",
        ),
    ):
        sub = _command(commands, name, func, text, description)
        _add_common(sub, since=True, archive=True)
        sub.add_argument(
            "--source", action="append", metavar="ID", help="a source id from the registry (repeatable)"
        )
        sub.add_argument(
            "--feeds",
            action="store_true",
            help="Dynasty and TWeb: start from the meetings feeds (fast daily path) instead of every "
            "body's listing; TWeb agendas are still asked from the listing",
        )

    proc = _command(
        commands,
        "process",
        cmd_process,
        "raw archive → parsed, linked, loaded; no network",
        "Exits 1, naming the source, when a source's new parse was not accepted (its rows could not be "
        "built, required fields missing, repeated keys): its last accepted rows load, and the other "
        "sources' new ones.",
    )
    _add_common(proc, archive=True)

    query = _command(
        commands,
        "query",
        cmd_query,
        "read-only SQL on the warehouse",
        "Search works in it too: SELECT * FROM search_items('jätehuolto').",
    )
    _add_common(query)
    query.add_argument("sql", help='one SQL statement, e.g. "select * from matter_comparison"')
    query.add_argument("--format", choices=("table", "csv", "json"), default="table", help="default table")

    compare = _command(commands, "compare", cmd_compare, "one matter across municipalities, as a table")
    _add_common(compare)
    compare.add_argument("matter", help="a matter id or words of its title")

    search = _command(
        commands,
        "search",
        cmd_search,
        "full-text search over handlings (Finnish stemming), ranked",
        "Exits 1 when nothing matches.",
    )
    _add_common(search)
    search.add_argument("text", help="words to look for, in any inflected form")
    search.add_argument("--limit", type=int, default=20, help="how many hits (default 20)")
    search.add_argument(
        "--format", choices=("list", "table", "csv", "json"), default="list", help="default list"
    )

    report = _command(
        commands,
        "report",
        cmd_report,
        "a self-contained HTML page for one matter",
        "Timeline, decisions side by side, and every source link.",
    )
    _add_common(report)
    report.add_argument("matter", help="a matter id or words of its title")
    report.add_argument(
        "--output", "-o", metavar="FILE", help="HTML file to write (default report-MATTER.html)"
    )

    export = _command(
        commands,
        "export",
        cmd_export,
        "every table and view as Parquet (or CSV) files, or the warehouse as an OParl 1.1 tree",
        "With --format oparl: a static OParl 1.1 tree (system.json, bodies, paginated lists, one file per "
        "object) whose ids are URLs under --base-url; a rerun on the same warehouse writes identical files.",
    )
    _add_common(export)
    export.add_argument("directory", help="where to write the files (created if absent)")
    export.add_argument(
        "--format", choices=("parquet", "csv", "oparl"), default="parquet", help="default parquet"
    )
    export.add_argument(
        "--base-url",
        metavar="URL",
        help="oparl: the URL the directory will be served at; every object's id is a URL under it",
    )

    watch = _command(
        commands,
        "watch",
        lambda _args: watch.print_help() or 2,
        "saved searches whose new hits go to an Atom feed after every load",
        "Watches live in <data dir>/watches.toml (edit it freely); each watch's feed is "
        "<data dir>/feeds/NAME.xml. A hit is new when its handling was not in the previous load or its "
        "decision changed (an agenda became minutes).",
    )
    watch_commands = watch.add_subparsers(
        dest="watch_command", required=True, metavar="ACTION", help="add, list, show or remove"
    )
    watch_add = _command(
        watch_commands,
        "add",
        cmd_watch_add,
        "add a watch",
        "Its hits are what `minutes search WORDS` finds, narrowed to the municipalities and bodies given; "
        "the feed starts empty and fills from the next load on.",
    )
    _add_common(watch_add)
    watch_add.add_argument(
        "name", help="the watch's name: lower-case letters, digits, - and _ (names its feed)"
    )
    watch_add.add_argument("words", help="words to look for, in any inflected form, as for `minutes search`")
    watch_add.add_argument(
        "--municipality", action="append", metavar="M", help="only hits from this municipality (repeatable)"
    )
    watch_add.add_argument("--body", action="append", metavar="B", help="only hits of this body (repeatable)")
    watch_list = _command(watch_commands, "list", cmd_watch_list, "every watch, with its feed and entries")
    _add_common(watch_list)
    watch_show = _command(
        watch_commands, "show", cmd_watch_show, "one watch and the newest entries of its feed"
    )
    _add_common(watch_show)
    watch_show.add_argument("name", help="the watch's name")
    watch_show.add_argument("--limit", type=int, default=10, help="how many entries to print (default 10)")
    watch_remove = _command(watch_commands, "remove", cmd_watch_remove, "remove a watch and its feed")
    _add_common(watch_remove)
    watch_remove.add_argument("name", help="the watch's name")

    parse = _command(
        commands,
        "parse",
        cmd_parse,
        "what the project reads from one saved page, as JSON",
        "Runs the spider's own page reader and the parser on a file: the page's kind (bodies, meetings, "
        "meeting, item, feed, document), the entries a crawl would follow, the handlings an item gives "
        "(warehouse column names) and what could not be read. Exits 0 when the page was read, even if it "
        "yields nothing; 2 with a one-line reason when it cannot be read.",
    )
    parse.add_argument("file", help="a saved page, feed, API answer or PDF")
    parse.add_argument("--platform", required=True, choices=("dynasty", "casem", "tweb"), help="its platform")
    parse.add_argument("--url", help="the address it was saved from (its kind and links are read from it)")
    parse.add_argument(
        "--source", metavar="ID", help="a registry source id: canonical body names, abbreviations"
    )
    parse.add_argument("--sources", metavar="FILE", help="sources registry (TOML); default: the bundled one")

    doctor = _command(
        commands,
        "doctor",
        cmd_doctor,
        "per source: entry point, bodies, meetings, a parsable item",
        "A short live probe of each source into a scratch folder; exits 1 naming the first stage that "
        "came back empty.",
    )
    _add_common(doctor)
    doctor.add_argument(
        "--source", action="append", metavar="ID", help="a source id from the registry (repeatable)"
    )

    dedupe = _command(
        commands,
        "dedupe",
        cmd_dedupe,
        "link any item table: item_id → matter_id (Parquet)",
        "The linking stage on its own, for item tables from anywhere.",
    )
    dedupe.add_argument("input", help="Parquet with item_id, municipality, meeting_date, title, text")
    dedupe.add_argument("output", help="Parquet to write item_id, matter_id to")
    dedupe.add_argument(
        "--index",
        metavar="DIR",
        help="a link index directory to add the items to (created if absent); an item it holds whose "
        "text, title, date or diary number changed replaces its old version there",
    )

    serve = _command(
        commands,
        "serve",
        cmd_serve,
        "read-only web pages and JSON over the warehouse, on 127.0.0.1",
        "Search with filters, a page per matter, municipality and body, and the feeds and calendars; add "
        "?format=json to any page. A warehouse swapped in by a load is picked up without a restart.",
    )
    _add_common(serve)
    serve.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")

    ui = _command(
        commands,
        "ui",
        cmd_ui,
        "the Dagster UI on this project's instance (127.0.0.1)",
        "Runs `dagster dev` with DAGSTER_HOME (default ./dagster_home): schedules, sensors, runs, checks. "
        "SIGTERM or SIGINT stops it and every process it started within seconds.",
    )
    ui.add_argument("--port", type=int, default=3000, help="port of the UI on 127.0.0.1 (default 3000)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the contract: one line, non-zero
        if os.environ.get("MINUTES_DEBUG"):
            raise
        print(f"minutes {args.command}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
