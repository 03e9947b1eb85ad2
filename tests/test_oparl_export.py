"""``minutes export DIR --format oparl``: every file validated against the official OParl 1.1 JSON schemas.

The schemas in ``tests/oparl_schemas/`` are the specification's own files (OParl/spec, tag v1.1.1,
CC BY-SA 4.0; that folder's README.md and LICENSE). Two of their habits are followed here: an embedded
object is named by ``"schema": "File.json"`` rather than ``$ref``, so the validator walks into every
embedded object (and list member) with the schema named there; and formats are the specification's
``url`` and ``date-time`` (``yyyy-mm-ddThh:mm:ss±hh:mm``), which are checked as it defines them. Object
lists have no schema file: their shape (``data``, ``pagination``, ``links``) is written below from the
specification's chapter on lists and pagination (2.5).
"""

import copy
import hashlib
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest

from archive import Archive
from demo_sites.example_warehouse import WASTE, example_tables
from warehouse.load import load_warehouse
from warehouse.oparl import export_oparl

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = {
    p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (REPO / "tests/oparl_schemas").glob("*.json")
}
BASE = "https://oparl.example.fi/paijat-hame"
OPARL = "https://schema.oparl.org/1.1/"

ARCHIVED_PAGE = "<html><body>Jätehuollon yhteistoimintasopimus</body></html>".encode()
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("url")
def is_url(value) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


@FORMATS.checks("date-time")
def is_date_time(value) -> bool:
    return bool(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", value))


#: Chapter 2.5: every list page has data, pagination (all optional integers) and links (urls).
LIST_SCHEMA = {
    "type": "object",
    "required": ["data", "pagination", "links"],
    "properties": {
        "data": {"type": "array", "items": {"type": "object", "required": ["id", "type"]}},
        "pagination": {
            "type": "object",
            "properties": {
                key: {"type": "integer", "minimum": 0}
                for key in ("totalElements", "elementsPerPage", "currentPage", "totalPages")
            },
            "additionalProperties": False,
        },
        "links": {
            "type": "object",
            "properties": {
                key: {"type": "string", "format": "url"}
                for key in ("first", "prev", "self", "next", "last", "web")
            },
            "additionalProperties": False,
        },
    },
}


def schema_errors(obj: dict, where: str) -> list[str]:
    """Every way ``obj`` breaks the schema its ``type`` names, and so every object embedded in it."""
    name = obj.get("type", "").removeprefix(OPARL) if isinstance(obj, dict) else ""
    if name not in SCHEMAS:
        return [f"{where}: type {obj.get('type') if isinstance(obj, dict) else obj!r} is no OParl 1.1 type"]
    schema = SCHEMAS[name]
    errors = [
        f"{where}: {'/'.join(map(str, e.path))}: {e.message}"
        for e in jsonschema.Draft7Validator(schema, format_checker=FORMATS).iter_errors(obj)
    ]
    for key, prop in schema["properties"].items():
        if key not in obj:
            continue
        if prop.get("type") == "object" and "schema" in prop:
            errors += _embedded(obj[key], prop["schema"], f"{where}/{key}")
        elif prop.get("type") == "array" and "schema" in prop.get("items", {}):
            for index, member in enumerate(obj[key]):
                errors += _embedded(member, prop["items"]["schema"], f"{where}/{key}/{index}")
    return errors


def _embedded(obj, schema_file: str, where: str) -> list[str]:
    expected = OPARL + schema_file.removesuffix(".json")
    if not isinstance(obj, dict) or obj.get("type") != expected:
        return [f"{where}: an embedded {schema_file.removesuffix('.json')} must have type {expected}"]
    return schema_errors(obj, where)


def list_errors(page: dict, where: str) -> list[str]:
    errors = [
        f"{where}: {e.message}"
        for e in jsonschema.Draft7Validator(LIST_SCHEMA, format_checker=FORMATS).iter_errors(page)
    ]
    pagination = page.get("pagination", {})
    if pagination.get("currentPage", 1) < pagination.get("totalPages", 1) and "next" not in page.get(
        "links", {}
    ):
        errors.append(f"{where}: every page but the last must link to the next")
    for index, member in enumerate(page.get("data", [])):
        errors += schema_errors(member, f"{where}/data/{index}")
    return errors


def tree(directory: Path) -> dict[str, dict]:
    return {
        str(p.relative_to(directory)): json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(directory.rglob("*.json"))
    }


def with_agenda_and_archive(tmp_path: Path) -> tuple[dict, Path]:
    """The example region, with Hollola's council still at the agenda stage on the waste agreement, and a
    raw archive that holds the page of Asikkala's § 73 (so its File has a SHA-1)."""
    tables = copy.deepcopy(example_tables())
    archive = Archive(tmp_path / "archive")
    digest = archive.store_blob(ARCHIVED_PAGE)
    for row in tables["items"]:
        if row["item_id"] == "asikkala-20260413-73":
            row["document_sha256"] = digest
    for row in tables["documents"]:
        if row["url"].endswith("asikkala-20260413-73"):
            row["sha256"] = digest
    board = next(row for row in tables["items"] if row["item_id"] == "hollola-20260420-88")
    tables["items"].append(
        {
            **board,
            "item_id": "hollola-20260615-40",
            "meeting_id": "hollola-Kunnanvaltuusto-20260615",
            "body": "Kunnanvaltuusto",
            "meeting_date": date(2026, 6, 15),
            "document_type": "agenda",
            "section": 40,
            "agenda_position": None,
            "decision": None,
            "decision_outcome": None,
            "url": "https://hollola.example.fi/cgi/DREQUEST.PHP?page=meetingitem&id=hollola-20260615-40",
            "pdf_url": None,
        }
    )
    tables["meetings"].append(
        {
            "meeting_id": "hollola-Kunnanvaltuusto-20260615",
            "source_id": "hollola",
            "municipality": "Hollola",
            "body": "Kunnanvaltuusto",
            "meeting_date": date(2026, 6, 15),
            "document_type": "agenda",
            "url": "https://hollola.example.fi/cgi/DREQUEST.PHP?page=meeting&id=hollola-20260615",
        }
    )
    return tables, archive.root


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("oparl")
    tables, archive = with_agenda_and_archive(root)
    warehouse = root / "warehouse.duckdb"
    load_warehouse(warehouse, tables)
    export_oparl(warehouse, root / "tree", BASE, archive)
    return root / "tree", warehouse, archive


def test_every_file_of_the_export_is_valid_against_the_oparl_1_1_schemas(exported):
    directory, _, _ = exported
    errors, types = [], {}
    for path, obj in tree(directory).items():
        if "data" in obj:
            errors += list_errors(obj, path)
        else:
            errors += schema_errors(obj, path)
            name = obj["type"].removeprefix(OPARL)
            types[name] = types.get(name, 0) + 1
    assert errors == []
    assert types == {
        "System": 1,
        "Body": 5,
        "Organization": 8,
        "Meeting": 11,
        "AgendaItem": 13,
        "Consultation": 13,
        "Paper": 11,
        "File": 25,
    }


@pytest.mark.parametrize(
    ("path", "change", "message"),
    [
        ("body/asikkala.json", lambda o: o.pop("meeting"), "'meeting' is a required property"),
        ("paper/asikkala/waste.json", lambda o: o.update(date=4), "4 is not of type 'string'"),
        (
            "paper/asikkala/waste.json",
            lambda o: o["consultation"][0].update(authoritative="yes"),
            "'yes' is not of type 'boolean'",
        ),
        (
            "meeting/asikkala-Kunnanhallitus-20260413.json",
            lambda o: o["agendaItem"][0].pop("order"),
            "'order' is a required property",
        ),
        (
            "agendaitem/asikkala-20260413-73.json",
            lambda o: o.update(modified="13.4.2026"),
            "'13.4.2026' is not a 'date-time'",
        ),
        (
            "agendaitem/asikkala-20260413-73.json",
            lambda o: o["auxiliaryFile"][0].pop("accessUrl"),
            "'accessUrl' is a required property",
        ),
    ],
)
def test_the_validator_catches_an_object_that_breaks_the_schema(exported, path, change, message):
    directory, _, _ = exported
    obj = json.loads((directory / path).read_text(encoding="utf-8"))
    assert schema_errors(obj, path) == []
    change(obj)
    assert [e for e in schema_errors(obj, path) if message in e] != []


def test_every_id_is_the_url_of_its_own_file_and_every_reference_leads_to_a_file(exported):
    directory, _, _ = exported
    files = tree(directory)

    def objects(value):
        if isinstance(value, dict):
            if "id" in value:
                yield value
            for member in value.values():
                yield from objects(member)
        elif isinstance(value, list):
            for member in value:
                yield from objects(member)

    def urls(value):
        if isinstance(value, str) and value.startswith(BASE + "/"):
            yield value
        elif isinstance(value, dict):
            for member in value.values():
                yield from urls(member)
        elif isinstance(value, list):
            for member in value:
                yield from urls(member)

    for path, obj in files.items():
        if "id" in obj:
            assert obj["id"] == f"{BASE}/{path}"
        for embedded in objects(obj):
            # an embedded copy is the object its own file holds
            assert files[embedded["id"].removeprefix(BASE + "/")] == embedded
        for url in urls(obj):
            assert url.removeprefix(BASE + "/") in files, (path, url)


def test_a_matter_across_municipalities_is_a_paper_in_each_naming_the_others_and_carrying_its_matter_id(
    exported,
):
    directory, _, _ = exported
    papers = {
        m: json.loads((directory / f"paper/{m}/waste.json").read_text())
        for m in ("asikkala", "heinola", "hollola")
    }
    for municipality, paper in papers.items():
        others = sorted(f"{BASE}/paper/{m}/waste.json" for m in papers if m != municipality)
        assert (paper["relatedPaper"], paper["minutes:matterId"], paper["name"]) == (others, "waste", WASTE)
    hollola = papers["hollola"]
    assert (hollola["reference"], hollola["date"]) == ("109/00.04.01/2026", "2026-04-20")
    assert [(c["role"], c.get("authoritative")) for c in hollola["consultation"]] == [
        ("deliberation", False),  # returned for preparation
        ("scheduled", None),  # on the council's agenda: nothing decided yet
    ]
    assert [c["agendaItem"] for c in hollola["consultation"]] == [
        f"{BASE}/agendaitem/hollola-20260420-88.json",
        f"{BASE}/agendaitem/hollola-20260615-40.json",
    ]
    local = json.loads((directory / "paper/asikkala/village.json").read_text())
    assert "relatedPaper" not in local and local["minutes:matterId"] == "village"


def test_an_agenda_item_carries_its_section_outcome_and_decision_and_a_meeting_no_invented_hour(exported):
    directory, _, _ = exported
    item = json.loads((directory / "agendaitem/hollola-20260420-88.json").read_text())
    assert (item["number"], item["order"], item["name"]) == ("88", 9, WASTE)
    assert (item["result"], item["resolutionText"]) == (
        "returned for preparation",
        "Asia palautettiin uudelleen valmisteltavaksi.",
    )
    meeting = json.loads((directory / "meeting/hollola-Kunnanvaltuusto-20260615.json").read_text())
    assert (meeting["name"], meeting["meetingState"]) == ("Kunnanvaltuusto 15.6.2026", "eingeladen")
    assert "start" not in meeting  # pages give the date, not the hour
    (agenda,) = meeting["agendaItem"]
    assert ("result" not in agenda, "resolutionText" not in agenda, agenda["order"]) == (True, True, 1)
    held = json.loads((directory / "meeting/hollola-Kunnanhallitus-20260420.json").read_text())
    assert held["meetingState"] == "durchgeführt"


def test_a_file_has_the_sha1_of_its_archived_page_and_the_text_of_its_handling(exported):
    directory, _, _ = exported
    page = json.loads((directory / "file/doc-asikkala-20260413-73.json").read_text())
    assert page["sha1Checksum"] == hashlib.sha1(ARCHIVED_PAGE).hexdigest()
    assert page["text"].startswith(f"{WASTE} Kunnanhallitus 13.04.2026 § 73")
    assert (page["mimeType"], page["accessUrl"]) == (
        "text/html",
        "https://asikkala.example.fi/cgi/DREQUEST.PHP?page=meetingitem&id=asikkala-20260413-73",
    )
    other = json.loads((directory / "file/doc-heinola-20260427-106.json").read_text())
    assert "sha1Checksum" not in other  # its blob is not in the archive


def test_lists_come_in_pages_linked_first_previous_next_and_last(exported, tmp_path):
    _, warehouse, _ = exported
    export_oparl(warehouse, tmp_path / "tree", BASE, page_size=2)
    files = tree(tmp_path / "tree")
    first = files["body/asikkala/agendaItem/page-1.json"]
    assert first["pagination"] == {
        "totalElements": 5,
        "elementsPerPage": 2,
        "currentPage": 1,
        "totalPages": 3,
    }
    assert first["links"] == {
        "first": f"{BASE}/body/asikkala/agendaItem/page-1.json",
        "self": f"{BASE}/body/asikkala/agendaItem/page-1.json",
        "next": f"{BASE}/body/asikkala/agendaItem/page-2.json",
        "last": f"{BASE}/body/asikkala/agendaItem/page-3.json",
    }
    ids, page = [], first
    while True:
        ids += [obj["id"].removeprefix(f"{BASE}/agendaitem/") for obj in page["data"]]
        if "next" not in page["links"]:
            break
        page = files[page["links"]["next"].removeprefix(BASE + "/")]
    assert page["links"]["prev"] == f"{BASE}/body/asikkala/agendaItem/page-2.json"
    assert ids == [
        f"asikkala-{n}.json"
        for n in ("20260413-72", "20260413-73", "20260413-74", "20260504-23", "20260518-90")
    ]
    assert files["body/asikkala/person/page-1.json"]["data"] == []
    assert [list_errors(obj, path) for path, obj in files.items() if "data" in obj] == [[]] * sum(
        "data" in o for o in files.values()
    )


def test_a_rerun_writes_identical_files_and_removes_the_files_of_objects_that_are_gone(exported, tmp_path):
    directory, warehouse, archive = exported
    export_oparl(warehouse, tmp_path / "tree", BASE, archive)
    first = {p: (tmp_path / "tree" / p).read_bytes() for p in tree(tmp_path / "tree")}
    export_oparl(warehouse, tmp_path / "tree", BASE, archive)
    assert {p: (tmp_path / "tree" / p).read_bytes() for p in tree(tmp_path / "tree")} == first
    assert first == {p: (directory / p).read_bytes() for p in tree(directory)}
    fewer = copy.deepcopy(example_tables())
    fewer["items"] = [row for row in fewer["items"] if row["item_id"] != "asikkala-20260413-74"]
    load_warehouse(tmp_path / "fewer.duckdb", fewer)
    export_oparl(tmp_path / "fewer.duckdb", tmp_path / "tree", BASE)
    assert not (tmp_path / "tree" / "agendaitem/asikkala-20260413-74.json").exists()
    assert not (tmp_path / "tree" / "paper/asikkala/village.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fewer.duckdb", "fewer.duckdb.lock", "tree"]


def minutes(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "minutes.cli", *args], capture_output=True, text=True, cwd=REPO
    )


def test_the_command_writes_the_tree_and_refuses_a_directory_that_holds_other_files(exported, tmp_path):
    _, warehouse, _ = exported
    done = minutes(
        "export",
        str(tmp_path / "tree"),
        "--format",
        "oparl",
        "--base-url",
        BASE,
        "--warehouse",
        str(warehouse),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(f"start at {BASE}/system.json\n")
    assert json.loads((tmp_path / "tree" / "system.json").read_text())["body"] == f"{BASE}/bodies/page-1.json"
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    refused = minutes(
        "export",
        str(tmp_path / "other"),
        "--format",
        "oparl",
        "--base-url",
        BASE,
        "--warehouse",
        str(warehouse),
    )
    assert refused.returncode == 1
    assert "holds files that are not an OParl export (no system.json)" in refused.stderr
    assert [p.name for p in (tmp_path / "other").iterdir()] == ["notes.txt"]
    missing = minutes("export", str(tmp_path / "x"), "--format", "oparl", "--warehouse", str(warehouse))
    assert (missing.returncode, missing.stderr) == (
        2,
        "minutes export: --format oparl needs --base-url (where the tree will be served)\n",
    )
