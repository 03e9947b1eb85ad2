"""What keeps the project's behaviour independent of the machine it runs on: no DuckDB extension is
ever downloaded or loaded implicitly, so a fresh machine (or one without network) behaves as CI does."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PRODUCT_PACKAGES = (
    "archive",
    "crawlers",
    "demo_sites",
    "linking",
    "minutes",
    "parsing",
    "pipelines",
    "warehouse",
    "web",
)
#: The one module allowed to call duckdb.connect: it turns automatic extension install and load off.
CONNECTION_MODULE = REPO / "warehouse" / "connection.py"


def duckdb_connect_calls(path: Path) -> list[int]:
    """Line numbers of ``duckdb.connect(...)`` calls in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "connect"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "duckdb"
    ]


def test_no_module_of_the_product_or_its_benches_opens_duckdb_but_through_warehouse_connection():
    modules = [p for package in (*PRODUCT_PACKAGES, "bench") for p in sorted((REPO / package).rglob("*.py"))]
    assert len(modules) > 50
    offenders = {
        str(path.relative_to(REPO)): lines
        for path in modules
        if path != CONNECTION_MODULE and (lines := duckdb_connect_calls(path))
    }
    assert offenders == {}


def test_the_guard_finds_a_plain_duckdb_connect(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import duckdb\n\ncon = duckdb.connect('x.duckdb', read_only=True)\n")
    assert duckdb_connect_calls(module) == [3]
    assert duckdb_connect_calls(CONNECTION_MODULE) != []
