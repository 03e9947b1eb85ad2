"""minutes search, compare, report and export on the example region, run as a user runs them."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pypdfium2
import pytest

from demo_sites.example_warehouse import NETWORK, WASTE, example_tables
from warehouse.connection import connect
from warehouse.load import load_warehouse

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("example") / "warehouse.duckdb"
    load_warehouse(path, example_tables())
    return path


def minutes(warehouse, *args):
    return subprocess.run(
        [sys.executable, "-m", "minutes.cli", args[0], "--warehouse", str(warehouse), *args[1:]],
        capture_output=True,
        text=True,
        cwd=REPO,
    )


def test_minutes_search_lists_ranked_hits_with_municipality_body_date_section_and_link(warehouse):
    result = minutes(warehouse, "search", "toimintakertomuksen")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(" 1. Heinola · Hyvinvointilautakunta · 22.4.2026 § 33  (score ")
    assert lines[1] == "    Liikuntapalveluiden seudullisen yhteistyön toimintakertomus 2025"
    assert "Toimintakertomus kertoo yhteistyön tuloksista" in lines[2]
    assert lines[3] == (
        "    https://heinola.example.fi/cgi/DREQUEST.PHP?page=meetingitem&id=heinola-20260422-33"
        "  PDF https://heinola.example.fi/kokous/heinola-20260422-33.PDF"
    )
    assert lines[4].startswith(" 2. Päijät-Hämeen liitto · Maakuntahallitus · 9.3.2026 § 14")
    assert len(lines) == 8


def test_minutes_search_says_so_when_nothing_matches(warehouse):
    result = minutes(warehouse, "search", "ydinvoimala")
    assert (result.returncode, result.stdout) == (1, "no handling matches\n")


def test_minutes_compare_prints_the_matter_as_a_table_of_municipalities_and_bodies(warehouse):
    result = minutes(warehouse, "compare", "jätehuollon")
    assert result.returncode == 0, result.stderr
    rows = [
        line.split()[:4]
        for line in result.stdout.splitlines()
        if re.match(r"^(Asikkala|Heinola|Hollola) ", line)
    ]
    assert rows == [
        ["Asikkala", "Kunnanhallitus", "2026-04-13", "73"],
        ["Hollola", "Kunnanhallitus", "2026-04-20", "88"],
        ["Heinola", "Kaupunginhallitus", "2026-04-27", "106"],
        ["Asikkala", "Kunnanvaltuusto", "2026-05-04", "23"],
    ]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_minutes_export_writes_every_table_and_view_with_all_its_rows(warehouse, tmp_path, fmt):
    result = minutes(warehouse, "export", str(tmp_path / "out"), "--format", fmt)
    assert result.returncode == 0, result.stderr
    con = connect(warehouse, read_only=True)
    expected = {
        name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        for name in (
            "sources documents meetings items matters matter_links matter_sources crawl_errors parse_errors "
            "printed_people loads matter_comparison matters_pending body_activity people body_freshness"
        ).split()
    }
    con.close()
    read = pl.read_parquet if fmt == "parquet" else pl.read_csv
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == sorted(f"{name}.{fmt}" for name in expected)
    assert {f.stem: read(f).height for f in files} == expected


def report(warehouse, tmp_path, matter):
    output = tmp_path / "report.html"
    result = minutes(warehouse, "report", matter, "--output", str(output))
    assert result.returncode == 0, result.stderr
    return output


def test_the_report_is_one_file_that_needs_nothing_from_the_network(warehouse, tmp_path):
    html = report(warehouse, tmp_path, "waste").read_text(encoding="utf-8")
    assert re.findall(r"<script|<link|<img|<iframe|@import|url\(|src=", html) == []
    assert html.count("<svg") == 1 and html.count("<style>") == 1
    links = {href.replace("&amp;", "&") for href in re.findall(r'<a href="([^"]+)"', html)}
    waste = [row for row in example_tables()["items"] if row["matter_id"] == "waste"]
    assert links == {row["url"] for row in waste} | {row["pdf_url"] for row in waste}


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium: apt-get install chromium")
@pytest.mark.timeout(120)
def test_the_report_shows_a_person_the_timeline_and_the_decisions_side_by_side(warehouse, tmp_path):
    page = report(warehouse, tmp_path, NETWORK)
    pdf = tmp_path / "report.pdf"
    screenshot = tmp_path / "report.png"
    for output in (f"--print-to-pdf={pdf}", f"--screenshot={screenshot}"):
        subprocess.run(
            [
                CHROMIUM,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={tmp_path / 'profile'}",
                "--window-size=1280,1600",
                "--no-pdf-header-footer",
                output,
                page.as_uri(),
            ],
            capture_output=True,
            timeout=90,
            check=True,
        )
    document = pypdfium2.PdfDocument(str(pdf))
    seen = " ".join(
        " ".join(document[i].get_textpage().get_text_range().split()) for i in range(len(document))
    )
    assert seen.startswith(
        f"{NETWORK} 4 handlings in 4 municipalities (Asikkala, Heinola, Hollola, Padasjoki)"
    )
    # the timeline: one lane per municipality and body, each handling's date on it
    for lane in ("Asikkala Kunnanhallitus", "Heinola Kaupunginhallitus", "Padasjoki Kunnanhallitus"):
        assert lane in seen
    for day in ("18.5.2026", "25.5.2026", "11.5.2026", "1.6.2026"):
        assert day in seen
    # decisions side by side, each with its outcome
    decisions = seen[seen.index("Decisions side by side") : seen.index("Sources")]
    assert "Asikkala Kunnanhallitus 18.5.2026 § 90 approved as amended" in decisions
    assert "Padasjoki Kunnanhallitus 1.6.2026 § 61 noted" in decisions
    assert "Ehdotus hyväksyttiin muutettuna." in seen and "Merkittiin tiedoksi." in seen
    assert seen.count("page · PDF") == 4
    assert screenshot.stat().st_size > 20_000


def test_a_report_for_an_unknown_matter_fails_with_one_line(warehouse, tmp_path):
    result = minutes(warehouse, "report", "ydinvoimala", "--output", str(tmp_path / "r.html"))
    assert (result.returncode, result.stderr, (tmp_path / "r.html").exists()) == (
        1,
        "no matter matches 'ydinvoimala'\n",
        False,
    )


def test_the_report_of_a_matter_handled_by_one_municipality_still_draws_its_timeline(warehouse, tmp_path):
    html = report(warehouse, tmp_path, "village").read_text(encoding="utf-8")
    assert html.count("<circle") == 1 and "1 handlings in 1 municipalities" in html
    assert WASTE not in html
