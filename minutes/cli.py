"""The ``minutes`` command line (see contract.md). Exit status 0 on success; otherwise non-zero with a
one-line reason on stderr."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from minutes.config import Settings, resolve_settings


def _add_common(parser: argparse.ArgumentParser, since: bool = False) -> None:
    parser.add_argument("--sources", help="sources registry (TOML); env MINUTES_SOURCES")
    parser.add_argument("--data-dir", help="raw archive and intermediate files; env MINUTES_DATA_DIR")
    parser.add_argument("--warehouse", help="DuckDB file; env MINUTES_WAREHOUSE")
    if since:
        parser.add_argument("--since", help="earliest meeting date, YYYY-MM-DD; env MINUTES_SINCE")


def _settings(args: argparse.Namespace) -> Settings:
    return resolve_settings(
        sources=args.sources,
        data_dir=args.data_dir,
        warehouse=args.warehouse,
        since=getattr(args, "since", None),
    )


def cmd_demo(args: argparse.Namespace) -> int:
    from minutes.demo import DEMO_PORT, demo_settings, run_demo
    from warehouse.queries import COMPARISON, ERRORS_BY_SOURCE, HANDLINGS_BY_SOURCE_AND_BODY
    from warehouse.query import format_table, run_query

    data_dir = Path(args.data_dir or "data/demo")
    settings = demo_settings(
        data_dir,
        Path(args.warehouse) if args.warehouse else None,
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
        print(
            f"{summary.source_id}: {summary.status}, {summary.items} items, {summary.documents} documents, "
            f"{summary.requests} requests, {summary.failures} failures"
        )
        failed |= summary.status != "finished" and not summary.status.startswith("skipped")
    return 1 if failed else 0


def cmd_process(args: argparse.Namespace) -> int:
    from minutes.process import process

    report = process(_settings(args))
    print(
        f"{report.handlings} handlings in {report.matters} matters; {report.parse_errors} parse errors, "
        f"{report.crawl_errors} crawl errors; warehouse {report.load.path}"
    )
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

    written = export_warehouse(_settings(args).warehouse, Path(args.directory), args.format)
    for name, rows, path in written:
        print(f"{name}: {rows} rows → {path}")
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


def cmd_ui(args: argparse.Namespace) -> int:
    home = Path(os.environ.get("DAGSTER_HOME", "dagster_home")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    dagster = Path(sys.executable).with_name("dagster")
    command = [str(dagster), "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", str(args.port)]
    os.execve(command[0], command, env)
    return 0  # not reached


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minutes", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="the whole pipeline, offline, on the bundled demo sites")
    _add_common(demo, since=True)
    demo.add_argument("--port", type=int, help="port of the demo server (default 8765)")
    demo.set_defaults(func=cmd_demo)

    for name, func, text in (
        ("run", cmd_run, "crawl, process and load: what the schedule runs"),
        ("crawl", cmd_crawl, "fetch into the raw archive only"),
    ):
        sub = commands.add_parser(name, help=text)
        _add_common(sub, since=True)
        sub.add_argument("--source", action="append", help="a source id from the registry (repeatable)")
        sub.add_argument(
            "--feeds",
            action="store_true",
            help="Dynasty: start from the meetings feed (fast daily path) instead of every body",
        )
        sub.set_defaults(func=func)

    proc = commands.add_parser("process", help="raw archive → parsed, linked, loaded; no network")
    _add_common(proc)
    proc.set_defaults(func=cmd_process)

    query = commands.add_parser("query", help="read-only SQL on the warehouse")
    _add_common(query)
    query.add_argument("sql")
    query.add_argument("--format", choices=("table", "csv", "json"), default="table")
    query.set_defaults(func=cmd_query)

    compare = commands.add_parser("compare", help="one matter across municipalities")
    _add_common(compare)
    compare.add_argument("matter", help="a matter id or words of its title")
    compare.set_defaults(func=cmd_compare)

    search = commands.add_parser("search", help="full-text search over handlings (Finnish stemming), ranked")
    _add_common(search)
    search.add_argument("text", help="words to look for, in any inflected form")
    search.add_argument("--limit", type=int, default=20, help="how many hits (default 20)")
    search.add_argument("--format", choices=("list", "table", "csv", "json"), default="list")
    search.set_defaults(func=cmd_search)

    report = commands.add_parser("report", help="a self-contained HTML page for one matter")
    _add_common(report)
    report.add_argument("matter", help="a matter id or words of its title")
    report.add_argument("--output", "-o", help="HTML file to write (default report-MATTER.html)")
    report.set_defaults(func=cmd_report)

    export = commands.add_parser("export", help="every table and view as Parquet (or CSV) files")
    _add_common(export)
    export.add_argument("directory")
    export.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    export.set_defaults(func=cmd_export)

    doctor = commands.add_parser("doctor", help="per source: entry point, bodies, meetings, a parsable item")
    _add_common(doctor)
    doctor.add_argument("--source", action="append", help="a source id from the registry (repeatable)")
    doctor.set_defaults(func=cmd_doctor)

    dedupe = commands.add_parser("dedupe", help="link any item table: item_id → matter_id (Parquet)")
    dedupe.add_argument("input", help="Parquet with item_id, municipality, meeting_date, title, text")
    dedupe.add_argument("output", help="Parquet to write item_id, matter_id to")
    dedupe.add_argument("--index", help="a link index directory to add the items to (created if absent)")
    dedupe.set_defaults(func=cmd_dedupe)

    ui = commands.add_parser("ui", help="the Dagster UI on this project's instance (127.0.0.1)")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)
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
