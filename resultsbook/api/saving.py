"""`Table.save(NAME)`: a table made with `book.table` becomes `[tables.NAME]` of the spec, as
`resultsbook table --save NAME` does from the command line."""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from resultsbook.api.arguments import path_argument
from resultsbook.api.table import merge_labels, metric_names, names, statistics
from resultsbook.errors import ResultsbookError, SpecError
from resultsbook.render.layout import Labels

if TYPE_CHECKING:
    from resultsbook.api.book import Book
    from resultsbook.api.table import Table
    from resultsbook.outputs.saved_table import SavedTable


@dataclass(frozen=True)
class TableOrigin:
    """How `book.table` made a table: its book and the arguments passed (what `save` writes)."""

    book: Book
    arguments: Mapping[str, Any]
    passed: frozenset[str]  # the arguments not left at their defaults


def table_origin(book: Book, arguments: Mapping[str, Any]) -> TableOrigin:
    """Return the origin of a `book.table(**arguments)` call."""
    defaults = _table_defaults()
    passed = frozenset(name for name, value in arguments.items() if not _is_default(value, defaults[name]))
    return TableOrigin(book, dict(arguments), passed)


@functools.cache
def _table_defaults() -> dict[str, Any]:
    """Return `book.table`'s arguments and their defaults (read once)."""
    from resultsbook.api.book import Book

    return {name: p.default for name, p in inspect.signature(Book.table).parameters.items()}


def save_table_made(table: Table, name: str, spec: str | os.PathLike[str] | None) -> SavedTable:
    """Add a table `book.table` made to a spec (`spec`; else the book's, else the nearest
    resultsbook.toml, else a new ./resultsbook.toml), once that spec is checked to build it alike."""
    from resultsbook.outputs.saved_table import TableToSave, save_table
    from resultsbook.outputs.table_entry import table_entry
    from resultsbook.render import render_table
    from resultsbook.spec import find_spec, load_spec
    from resultsbook.spec.toml_text import entry_text, header_text

    if not isinstance(name, str):
        raise SpecError(f"table.save takes the table's name, e.g. table.save('main'); it was given {name!r}")
    origin = table.origin
    if origin is None:
        raise SpecError(
            f"this table is [tables.{table.name}] of the spec already; save tables made with book.table"
        )
    book, arguments = origin.book, origin.arguments
    if spec is None and book.spec is not None and not os.path.exists(book.spec.path):
        raise SpecError(  # a new file there would hold this table alone, without the spec's sources
            f"table.save: the book's spec {book.spec.path} is gone (moved or deleted); give the file to save "
            "into: table.save(NAME, spec='path/to/resultsbook.toml')"
        )
    path = _spec_path(book, spec) if spec is not None or book.spec is not None else find_spec()
    entry: dict[str, Any] = {}
    try:
        target = load_spec(path) if path and os.path.exists(path) else None
        metrics = metric_names(arguments["metric"])
        direction = arguments["direction"]
        goals = {m: goal for m in metrics if (goal := (arguments["goals"] or {}).get(m, direction))}
        listed = ("rows", "columns", "replicate", "pool", "run_specific", "tasks", "aggregates")
        settings = {
            **arguments,
            **{name: names(arguments[name]) for name in listed},
            "metrics": metrics,
            "where": _where(arguments["where"]),
            "labels": _labels(arguments["labels"]),
            "derived": dict(arguments["derived"] or {}),
        }
        entry = table_entry(
            settings,
            lambda argument: argument in origin.passed,
            statistics(arguments["stats"], arguments["tasks"]),
            goals,
            dict(target.derived) if target else {},
            target.table_defaults if target else (),
        )
        # as the spec will label it (its [labels], the table's own over them), whatever the book's labels
        labels = merge_labels(target.labels if target else Labels(), arguments["labels"])
        shown = render_table(table.result, "terminal", table.format, labels)
        return save_table(path, TableToSave(name, entry, book.store, shown))
    except ResultsbookError as error:
        if not entry:
            raise
        inside = ("tool", "resultsbook") if path and path.endswith("pyproject.toml") else ()
        by_hand = entry_text(header_text(*inside, "tables", str(name)), entry).rstrip("\n")
        try:
            explained = type(error)(f"{error}\nThe entry, to add by hand:\n{by_hand}")
        except TypeError:  # an error made of more than its message: as it is
            raise error from None
        raise explained from error


def _spec_path(book: Book, spec: str | os.PathLike[str] | None) -> str:
    """Return the spec to save to: the one given (a file, or a folder holding it), else the book's."""
    from resultsbook.spec import SPEC_NAME

    if spec is None:
        assert book.spec is not None
        return book.spec.path
    path = path_argument("spec", spec, SPEC_NAME)
    if os.path.isdir(path):
        return os.path.join(path, SPEC_NAME)
    if os.path.exists(path) and not os.path.isfile(path):  # a FIFO would block the read
        raise SpecError(f"spec={path!r} is not a regular file (a pipe, a device?); give the spec's file")
    if not path.endswith(".toml"):
        raise SpecError(f"spec={path!r} is not a resultsbook.toml; give the spec, or the folder holding it")
    return path


def _where(where: Any) -> Any:
    """Return `where` as the entry takes it: filter texts, or {param: [values]}."""
    from resultsbook.api.book import where_values

    if isinstance(where, Mapping):
        return {key: where_values(key, value) for key, value in where.items()}
    return where


def _labels(labels: Mapping[str, Any] | None) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Return `labels` as (a key's name, a value's names), read as `book.table` reads them."""
    read = merge_labels(Labels(), labels)
    return dict(read.keys), {key: dict(names) for key, names in read.values.items()}


def _is_default(value: Any, default: Any) -> bool:
    """Tell whether an argument was left at its default (arrays and frames never are)."""
    if value is default:
        return True
    try:
        return type(value) is type(default) and bool(value == default)
    except (TypeError, ValueError):
        return False
