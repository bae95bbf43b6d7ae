"""The package's layers: a lower layer never imports a higher one (docs/architecture.md draws them)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "resultsbook"

# What each part may import, besides itself. Foundation: errors, models, params, atomic, __version__.
ALLOWED: dict[str, set[str]] = {
    "foundation": set(),
    "runlog": {"foundation"},
    "integrations": {"foundation", "runlog"},
    "store": {"foundation"},
    "adapters": {"foundation", "sources.readers"},
    "sources": {"foundation", "adapters", "store"},
    "query": {"foundation", "store"},
    "render": {"foundation", "query"},
    "spec": {"foundation", "sources", "store", "query", "render"},
    "outputs": {"foundation", "spec", "store", "query", "render"},
    "freshness": {"foundation", "spec", "sources", "store", "query", "render", "outputs"},
    "cli": {
        "foundation",
        "spec",
        "adapters",
        "sources",
        "store",
        "query",
        "render",
        "outputs",
        "freshness",
        "api",
    },
    "api": {
        "foundation",
        "runlog",
        "spec",
        "sources",
        "store",
        "query",
        "render",
        "outputs",
        "freshness",
        "cli",
    },
}
ENTRY_POINTS = {"__main__", "console"}  # the command's: they load the command line, as the API may
FOUNDATION = {"errors", "models", "params", "atomic", "commandenv", "voice", "jsontext", "urlparts"}
# the parts of sources an adapter may use: readers, not the collector that drives the adapters
SOURCE_DRIVERS = {"collect", "parallel"}


def part_of(module: str) -> str:
    """Return the layer a dotted module name (or a name imported from it) belongs to."""
    parts = module.split(".")
    if parts == ["resultsbook", "__version__"]:
        return "foundation"
    if len(parts) == 1 or parts[1] in ENTRY_POINTS:
        return "api"
    if parts[1] in FOUNDATION:
        return "foundation"
    if parts[1] == "sources" and (len(parts) < 3 or parts[2] not in SOURCE_DRIVERS):
        return "sources.readers"
    return parts[1]


def module_name(path: Path, root: Path) -> str:
    """Return the dotted name of a module file under `root`."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """Yield (line, imported name) for every resultsbook import, lazy ones inside functions included."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "resultsbook":
                yield from ((node.lineno, f"resultsbook.{alias.name}") for alias in node.names)
            elif node.module.startswith("resultsbook."):
                yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names if a.name.startswith("resultsbook"))


def violations(package: Path) -> list[str]:
    """Return one line per import that goes against ALLOWED."""
    found = []
    for path in sorted(package.rglob("*.py")):
        own = part_of(module_name(path, package.parent))
        own = "sources" if own == "sources.readers" else own
        for line, target in imports_of(path):
            other = part_of(target)
            allowed = (
                ALLOWED[own] | {own} | ({"sources.readers"} if "sources" in ALLOWED[own] | {own} else set())
            )
            if other not in allowed:
                found.append(f"{path.relative_to(package.parent)}:{line} ({own}) imports {target} ({other})")
    return found


def test_no_layer_imports_a_layer_above_it():
    assert violations(PACKAGE) == []


def test_every_part_of_the_package_has_a_layer():
    tops = {p.name.removesuffix(".py") for p in PACKAGE.iterdir() if not p.name.startswith("_")}
    tops.discard("py.typed")
    assert tops - {"__pycache__"} <= set(ALLOWED) | FOUNDATION | ENTRY_POINTS


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "from resultsbook.outputs.build import build\n",
            "(store) imports resultsbook.outputs.build (outputs)",
        ),
        (
            "def f():\n    from resultsbook.render import render_table\n",
            "imports resultsbook.render (render)",
        ),
    ],
)
def test_the_check_catches_an_upward_import_even_a_lazy_one(tmp_path, source, expected):
    fake = tmp_path / "resultsbook"
    (fake / "store").mkdir(parents=True)
    (fake / "store" / "__init__.py").write_text(source)
    found = violations(fake)
    assert len(found) == 1 and found[0].endswith(expected)


def test_an_adapter_may_use_the_readers_but_not_the_collector(tmp_path):
    fake = tmp_path / "resultsbook"
    (fake / "adapters").mkdir(parents=True)
    (fake / "adapters" / "mine.py").write_text(
        "from resultsbook.sources.textio import read_text\nfrom resultsbook.sources.collect import collect\n"
    )
    assert [line.split(" imports ")[1] for line in violations(fake)] == [
        "resultsbook.sources.collect (sources)"
    ]
