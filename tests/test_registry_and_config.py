from datetime import date
from pathlib import Path

import pytest

from core.config import resolve_settings, two_years_back
from core.registry import RegistryError, load_registry, select_sources

ENTRY = """
[[sources]]
id = "{id}"
name = "Testikunta"
kind = "municipality"
platform = "{platform}"
base_url = "{url}"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_registry_holds_all_twelve_publishers_of_the_region():
    sources = load_registry()
    assert [s.id for s in sources] == [
        "lahti",
        "heinola",
        "asikkala",
        "orimattila",
        "karkola",
        "iitti",
        "sysma",
        "hartola",
        "paijat-hameen-liitto",
        "hollola",
        "padasjoki",
        "paijat-hameen-hyvinvointialue",
    ]
    by_id = {s.id: s for s in sources}
    assert by_id["heinola"].base_url == "https://kokoukset.heinola.fi/dynasty2025/cgi/DREQUEST.PHP"
    assert by_id["hartola"].base_url == "https://www.hartola.fi/djulkaisu/cgi/DREQUEST.PHP"
    assert (
        by_id["hollola"].platform == "casem"
        and by_id["hollola"].base_url == "https://hollola.cloudnc.fi/fi-FI"
    )
    assert by_id["paijat-hameen-hyvinvointialue"].kind == "wellbeing_county"
    assert by_id["paijat-hameen-liitto"].kind == "region"
    assert by_id["asikkala"].abbreviations == {"KASOPLTK": "Kasvatus- ja opetuslautakunta"}


def test_an_unknown_platform_fails_with_a_message_naming_the_entry(tmp_path):
    path = write(tmp_path, ENTRY.format(id="testikunta", platform="sharepoint", url="https://x.fi/"))
    with pytest.raises(RegistryError, match=r"source #1 \(testikunta\): unknown platform 'sharepoint'"):
        load_registry(path)


def test_a_bad_base_url_fails_with_a_message_naming_the_entry(tmp_path):
    text = ENTRY.format(id="a", platform="dynasty", url="https://a.fi/cgi/DREQUEST.PHP") + ENTRY.format(
        id="b", platform="dynasty", url="ftp:/nowhere"
    )
    with pytest.raises(
        RegistryError, match=r"source #2 \(b\): base_url 'ftp:/nowhere' is not an http\(s\) URL"
    ):
        load_registry(write(tmp_path, text))


def test_a_duplicate_source_id_is_refused(tmp_path):
    text = ENTRY.format(id="a", platform="dynasty", url="https://a.fi/") * 2
    with pytest.raises(RegistryError, match="source id 'a' appears twice"):
        load_registry(write(tmp_path, text))


def test_selecting_an_unknown_source_names_it():
    with pytest.raises(RegistryError, match="unknown source id\\(s\\): espoo"):
        select_sources(load_registry(), ["lahti", "espoo"])


def test_a_flag_beats_the_environment_which_beats_the_default():
    env = {"MINUTES_DATA_DIR": "/env/data", "MINUTES_SINCE": "2024-01-01", "MINUTES_SOURCES": "/env/s.toml"}
    from_env = resolve_settings(environ=env)
    assert (from_env.data_dir, from_env.since, from_env.sources_file) == (
        Path("/env/data"),
        date(2024, 1, 1),
        Path("/env/s.toml"),
    )
    assert from_env.warehouse == Path("/env/data/warehouse.duckdb")
    from_flags = resolve_settings(data_dir="/flag", since="2023-05-01", warehouse="/w.duckdb", environ=env)
    assert (from_flags.data_dir, from_flags.since, from_flags.warehouse) == (
        Path("/flag"),
        date(2023, 5, 1),
        Path("/w.duckdb"),
    )
    defaults = resolve_settings(environ={})
    assert (defaults.data_dir, defaults.warehouse, defaults.sources_file) == (
        Path("data"),
        Path("data/warehouse.duckdb"),
        None,
    )


def test_the_default_since_is_two_years_back():
    assert two_years_back(date(2026, 11, 22)) == date(2024, 11, 22)
    assert two_years_back(date(2028, 2, 29)) == date(2026, 2, 28)


def test_a_malformed_since_is_a_clear_error():
    with pytest.raises(ValueError, match=r"--since / MINUTES_SINCE must be YYYY-MM-DD, got '22\.11\.2026'"):
        resolve_settings(since="22.11.2026", environ={})
