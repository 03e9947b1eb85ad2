"""The import graph runs one way: each product package imports only the packages below it.

Read from the source with ``ast`` (every ``import``, at module level or inside a function), so an import
that runs upward fails here before it makes two packages depend on each other.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Bottom to top, in the order the data travels. A package may import itself and any package of a
#: lower layer; packages of one layer do not import each other.
LAYERS = [
    ["core"],  # settings, registry, files, object storage locations, dates, words
    ["archive"],
    ["parsing"],
    ["crawlers"],
    ["linking"],
    ["warehouse"],
    ["processing"],
    ["pipelines", "web"],
    ["minutes"],  # the command line: imports everything, imported by nothing
]
LEVEL = {package: level for level, packages in enumerate(LAYERS) for package in packages}
#: The made-up data of the demo, the tests and the benches: only the command line's demo reads it.
DEMO = "demo_sites"


def imported_packages(path: Path) -> set[str]:
    """The project's top-level packages that the module at ``path`` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return {name.split(".")[0] for name in names} & (set(LEVEL) | {DEMO})


def upward_imports(package: str) -> list[str]:
    """``module imports package`` for each import of ``package``'s modules that runs upward, sideways
    or into the demo data."""
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for imported in sorted(imported_packages(path) - {package}):
            allowed = imported != DEMO and LEVEL[imported] < LEVEL[package]
            if package == "minutes" and imported == DEMO:
                allowed = True  # `minutes demo` serves the demo sites
            if not allowed:
                wrong.append(f"{path.relative_to(ROOT)} imports {imported}")
    return wrong


@pytest.mark.parametrize("package", list(LEVEL))
def test_a_package_imports_only_the_packages_below_it(package):
    assert upward_imports(package) == []


def test_every_package_of_the_wheel_has_a_place_in_the_layers():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert sorted(packages) == sorted([*LEVEL, DEMO])


def test_an_import_from_a_higher_layer_is_reported_with_its_module(tmp_path, monkeypatch):
    module = tmp_path / "archive" / "reads_the_cli.py"
    module.parent.mkdir()
    module.write_text("def f():\n    from minutes.cli import main\n    return main\n", encoding="utf-8")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert upward_imports("archive") == ["archive/reads_the_cli.py imports minutes"]
