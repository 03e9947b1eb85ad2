"""``minutes doctor`` against the demo sites: healthy ones pass, a broken one says where it breaks."""

import subprocess
import sys
from datetime import date

from demo_sites.faults import Fault
from minutes.doctor import diagnose

HEINOLA_MEETINGS = "/heinola/dynasty2025/cgi/DREQUEST.PHP?page=meeting&"


def test_every_healthy_demo_source_passes_every_stage(demo_settings):
    report = {h.source_id: h for h in diagnose(demo_settings)}
    assert {k: (h.ok, h.entry, h.items_parsed) for k, h in report.items()} == {
        "asikkala": (True, "HTTP 200", 1),
        "heinola": (True, "HTTP 200", 1),
        # CaseM probes open one item per way that reached one: listings and search (Hollola), and the
        # open API too (Padasjoki)
        "hollola": (True, "HTTP 200", 2),
        "padasjoki": (True, "HTTP 200", 3),
        "paijat-hameen-hyvinvointialue": (True, "HTTP 200", 1),
    }
    assert (report["asikkala"].bodies, report["asikkala"].meetings) == (4, 3)
    assert [(p.path, p.answered) for p in report["asikkala"].paths] == [("walk", True)]


def test_each_way_to_a_casem_sites_items_says_whether_it_answered_and_how_far_back_it_reaches(demo_settings):
    report = {h.source_id: h for h in diagnose(demo_settings, ["hollola", "padasjoki"])}
    hollola = {p.path: p for p in report["hollola"].paths}
    assert hollola["api"].describe() == "api: no answer (HTTP 404)"
    assert (hollola["listings"].answered, hollola["search"].answered) == (True, True)
    assert hollola["search"].oldest_listed is None  # results carry no date: only the items opened say
    padasjoki = {p.path: p for p in report["padasjoki"].paths}
    # every meeting of every body is listed with its date, those before the probe's year too
    assert (padasjoki["api"].answered, padasjoki["api"].meetings) == (True, 5)
    assert padasjoki["api"].oldest == date(2023, 11, 13)
    assert padasjoki["listings"].oldest_listed == date(2026, 3, 16)


def test_a_site_whose_meeting_pages_vanished_is_reported_at_that_stage(demo_server, demo_settings):
    demo_server.add_fault(HEINOLA_MEETINGS, Fault("status", status=404, times=1000))
    report = {h.source_id: h for h in diagnose(demo_settings, ["heinola", "asikkala"])}
    assert report["heinola"].problem == "no meeting could be read (3 tried: HTTP 404)"
    assert report["asikkala"].ok


def test_an_unreachable_entry_point_is_named_and_the_command_fails(demo_server, demo_settings):
    registry = demo_settings.sources_file.read_text(encoding="utf-8")
    demo_settings.sources_file.write_text(
        registry.replace(f"{demo_server.root}/hollola", "http://127.0.0.1:9/hollola"), encoding="utf-8"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "minutes.cli",
            "doctor",
            "--sources",
            str(demo_settings.sources_file),
            "--source",
            "hollola",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert "entry point unreachable: DownloadConnectionRefusedError" in done.stdout


def test_a_site_that_robots_txt_closes_is_reported_as_closed_not_as_changed(demo_server, demo_settings):
    demo_server.state.robots_txt = "User-Agent: *\nDisallow: /\n"
    (health,) = diagnose(demo_settings, ["heinola"])
    assert health.entry == "disallowed by robots.txt"
    assert health.problem == (
        f"robots.txt disallows the entry point ({demo_server.base_url('heinola')}"
        "?page=meeting_handlers&id=): obeyed, nothing fetched"
    )
    assert [served.path for served in demo_server.state.requests] == ["/robots.txt"]
