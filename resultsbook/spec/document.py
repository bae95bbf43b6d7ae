"""Read resultsbook.toml (or [tool.resultsbook] in pyproject.toml) into one frozen Spec.

Every error names the file, the key, the bad value and the fix.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from resultsbook.errors import SpecError
from resultsbook.render.figstyle import FigureStyle
from resultsbook.render.layout import Labels
from resultsbook.sources.collect import CollectRequest
from resultsbook.spec.figures import FigureSpec, read_figures, read_style
from resultsbook.spec.keys import check_keys, mapping_at
from resultsbook.spec.labels import read_labels
from resultsbook.spec.macros import MacroSpec, read_macros
from resultsbook.spec.report import ReportSpec, read_report
from resultsbook.spec.sections import read_sections
from resultsbook.spec.sources import read_source
from resultsbook.spec.tables import TABLE_KEYS, TableSpec, read_table
from resultsbook.store import DEFAULT_DB_NAME
from resultsbook.store.locator import check_store_location, url_scheme

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SPEC_NAME = "resultsbook.toml"
LOCK_NAME = "resultsbook.lock"
TOP_KEYS = {
    "store", "db", "lock", "replicate", "run_specific", "templates", "sources", "labels", "derived",
    "defaults", "tables", "style", "figures", "macros", "sections", "report",
}  # fmt: skip


@dataclass(frozen=True)
class Spec:
    """A whole resultsbook.toml."""

    path: str
    db: str  # the store: a SQLite file path or a postgresql:// URL
    sources: tuple[CollectRequest, ...]
    labels: Labels
    tables: Mapping[str, TableSpec]
    template_dirs: tuple[str, ...]
    derived: Mapping[str, str] = field(default_factory=dict)
    lock: str = ""
    style: FigureStyle = field(default_factory=FigureStyle)
    figures: Mapping[str, FigureSpec] = field(default_factory=dict)
    macros: MacroSpec | None = None
    sections: tuple[str, ...] = ()
    report: ReportSpec | None = None

    @property
    def folder(self) -> str:
        """Return the folder relative paths in the spec are resolved against."""
        return os.path.dirname(os.path.abspath(self.path))


def find_spec(start: str = ".") -> str | None:
    """Return the nearest resultsbook.toml (or pyproject.toml with [tool.resultsbook]) upwards."""
    folder = os.path.abspath(start)
    while True:
        candidate = os.path.join(folder, SPEC_NAME)
        if os.path.isfile(candidate):
            return candidate
        pyproject = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(pyproject) and "resultsbook" in _read_toml(pyproject).get("tool", {}):
            return pyproject
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def load_spec(path: str) -> Spec:
    """Read and validate a spec file."""
    document = _read_toml(path)
    if os.path.basename(path) == "pyproject.toml":
        document = document.get("tool", {}).get("resultsbook", {})
    where = os.path.basename(path)
    check_keys(document, TOP_KEYS, where, "the top level")
    folder = os.path.dirname(os.path.abspath(path))
    resolve = lambda p: os.path.normpath(os.path.join(folder, p))  # noqa: E731
    derived = mapping_at(document, "derived", where, "the top level")
    templates = document.get("templates", "templates")
    template_dirs = tuple(resolve(t) for t in ([templates] if isinstance(templates, str) else templates))
    labels = read_labels(mapping_at(document, "labels", where, "the top level"), where)
    defaults = mapping_at(document, "defaults", where, "the top level")
    check_keys(defaults, TABLE_KEYS, where, "[defaults]")
    project: dict[str, Any] = {k: document[k] for k in ("replicate", "run_specific") if k in document}
    tables = {}
    for name, entry in mapping_at(document, "tables", where, "the top level").items():
        context = f"[tables.{name}]"
        if not isinstance(entry, Mapping):
            raise SpecError(f"{where}: {context} must be a table of settings")
        merged = {**project, **defaults, **entry}
        tables[name] = read_table(name, merged, derived, template_dirs, resolve, where, context)
    style = read_style(document, where)
    figures = read_figures(document, tables, project, defaults, derived, template_dirs, resolve, style, where)
    macros = (
        read_macros(document.get("macros"), tables, project, resolve, where) if "macros" in document else None
    )
    sections = read_sections(document, resolve, where)
    report = read_report(document.get("report"), resolve, where) if "report" in document else None
    written = [output for table in tables.values() for output in table.outputs]
    written += [output for figure in figures.values() for output in figure.outputs]
    if macros is not None and macros.output:
        written.append(macros.output)
    return Spec(
        path=os.path.abspath(path),
        db=read_store_location(document, resolve, where),
        sources=tuple(read_source(s, i, resolve, where) for i, s in enumerate(document.get("sources", []))),
        labels=labels,
        tables=tables,
        template_dirs=template_dirs,
        derived=dict(derived),
        lock=resolve(document["lock"]) if "lock" in document else default_lock_path(folder, written),
        style=style,
        figures=figures,
        macros=macros,
        sections=sections,
        report=report,
    )


def read_store_location(document: Mapping[str, Any], resolve: Any, where: str) -> str:
    """Return the spec's store: `store` (or its older name `db`), a file beside the spec or a URL."""
    if "store" in document and "db" in document:
        raise SpecError(f"{where}: `store` and `db` both name the store; keep `store` and delete `db`")
    key = "store" if "store" in document else "db"
    value = document.get(key, DEFAULT_DB_NAME)
    if not isinstance(value, str):
        raise SpecError(
            f'{where}: {key} must be a file path or a postgresql:// URL, e.g. store = "results.db"'
        )
    check_store_location(value, f"{where}: {key}")
    return value if url_scheme(value) else resolve(value)


def default_lock_path(spec_folder: str, outputs: list[str]) -> str:
    """Put the lock beside the outputs (their common folder), or beside the spec when there are none."""
    if not outputs:
        return os.path.join(spec_folder, LOCK_NAME)
    folders = [os.path.dirname(os.path.abspath(path)) for path in outputs]
    return os.path.join(os.path.commonpath(folders), LOCK_NAME)


def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise SpecError(f"cannot read {path} ({error.strerror}); check the --config path") from error
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path} is not valid TOML ({error}); fix the syntax at that line") from error
