"""How fast the parser reads PDFs and HTML item pages, on one core.

PDFs: ``parsing.pdf.pdf_item_lines`` over a generated corpus of multi-page minutes and agendas (every
demo meeting as a whole-meeting PDF, plus one long PDF per site holding all of its items). HTML:
``parsing.dynasty.parse_item_page`` over every demo item rendered as a Dynasty page. Goals: 100 PDF
pages/s and 500 HTML items/s. Rates are per second of the process's own CPU time (one core's
throughput, whatever else the machine runs), with the wall-clock rate beside them. Peak memory is the
process's peak resident set size, which counts PDFium's own allocations (tracemalloc would see only
Python's).

    .venv/bin/python bench/parse_speed.py [--seconds 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import os
import pstats
import resource
import sys
import time
from collections.abc import Callable

import pypdfium2 as pdfium

from demo_sites import dynasty
from demo_sites.content import DemoSite, Meeting, load_sites
from demo_sites.pdf import meeting_pdf
from parsing.dynasty import parse_item_page
from parsing.pdf import pdf_item_lines

PDF_GOAL, HTML_GOAL = 100.0, 500.0
RSS_BASE = "http://127.0.0.1:8765/cgi/DREQUEST.PHP"


def one_core() -> str:
    """Pin the process to one CPU, so that no library can spread the work and the figure is one core's."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity here)"


def document_types(meeting: Meeting) -> list[str]:
    return ["agenda", "minutes"] if meeting.becomes_minutes else [meeting.published_as]


def pdf_corpus(sites: dict[str, DemoSite]) -> list[bytes]:
    corpus = []
    for site in sites.values():
        for meeting in site.meetings:
            corpus += [meeting_pdf(site, meeting, kind) for kind in document_types(meeting)]
        every_item = tuple(item for meeting in site.meetings for item in meeting.items)
        long_meeting = dataclasses.replace(site.meetings[0], items=every_item)
        corpus.append(meeting_pdf(site, long_meeting, "minutes"))
    return corpus


def html_corpus(sites: dict[str, DemoSite]) -> list[tuple[str, str, dict[str, str]]]:
    pages = []
    for site in sites.values():
        for meeting in site.meetings:
            for kind in document_types(meeting):
                for item in meeting.items:
                    html = dynasty.item_page(site, meeting, item, kind == "minutes", RSS_BASE)
                    url = f"{RSS_BASE}?page=meetingitem&id={meeting.id}-{item.position}"
                    pages.append((html, url, site.abbreviations))
    return pages


def page_count(data: bytes) -> int:
    pdf = pdfium.PdfDocument(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


@dataclasses.dataclass
class Rate:
    cpu: float  # units per second of this process's CPU time: what one core does, however busy the machine
    wall: float  # units per second of elapsed time: lower when other processes share the core
    rounds: int


def rate(work: Callable[[], None], units_per_round: int, seconds: float) -> Rate:
    """Units per second over whole rounds of ``work``, after one warm-up round."""
    work()
    rounds, wall_start, cpu_start = 0, time.perf_counter(), time.process_time()
    while True:
        work()
        rounds += 1
        wall = time.perf_counter() - wall_start
        if wall >= seconds:
            cpu = time.process_time() - cpu_start
            return Rate(units_per_round * rounds / cpu, units_per_round * rounds / wall, rounds)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def verdict(value: float, goal: float) -> str:
    return "goal met" if value >= goal else "GOAL MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum time per measurement")
    parser.add_argument("--profile", action="store_true", help="cProfile one round of the PDF path")
    args = parser.parse_args()

    pinned = one_core()
    sites = load_sites()
    pdfs = pdf_corpus(sites)
    pages = sum(page_count(data) for data in pdfs)
    htmls = html_corpus(sites)
    rss_before = peak_rss_mib()

    def read_pdfs() -> None:
        for data in pdfs:
            pdf_item_lines(data)

    def read_htmls() -> None:
        for html, url, abbreviations in htmls:
            parse_item_page(html, url, abbreviations)

    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(read_pdfs)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)

    pdf = rate(read_pdfs, pages, args.seconds)
    rss_pdf = peak_rss_mib()
    html = rate(read_htmls, len(htmls), args.seconds)
    rss_html = peak_rss_mib()

    print(f"python {sys.version.split()[0]}, pypdfium2 {pdfium.PYPDFIUM_INFO}, one process, {pinned}")
    print(
        f"PDF : {len(pdfs)} PDFs, {pages} pages per round, {pdf.rounds} rounds: {pdf.cpu:.0f} pages per "
        f"CPU-second ({1000 / pdf.cpu:.2f} ms/page), {pdf.wall:.0f} pages/s wall; goal {PDF_GOAL:.0f}: "
        f"{verdict(pdf.cpu, PDF_GOAL)}"
    )
    print(
        f"HTML: {len(htmls)} item pages per round, {html.rounds} rounds: {html.cpu:.0f} items per CPU-second "
        f"({1000 / html.cpu:.2f} ms/item), {html.wall:.0f} items/s wall; goal {HTML_GOAL:.0f}: "
        f"{verdict(html.cpu, HTML_GOAL)}"
    )
    print(
        f"peak RSS: {rss_before:.0f} MiB after building the corpora, {rss_pdf:.0f} MiB after the PDF runs, "
        f"{rss_html:.0f} MiB after the HTML runs"
    )
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} (1 min)")
    print(f"reproduce: .venv/bin/python bench/parse_speed.py --seconds {args.seconds:g}")


if __name__ == "__main__":
    main()
