"""`table --save NAME`: the table just printed becomes a table of the spec (`[tables.NAME]`, a new
resultsbook.toml when there is none), written only once the spec is checked to build the same table."""

from __future__ import annotations

import contextlib
import glob
import os
import re
import socket
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from resultsbook.atomic import process_alive, write_atomic
from resultsbook.errors import SpecError
from resultsbook.outputs.build import compute_entry
from resultsbook.query.model import ResultTable
from resultsbook.render import render_table
from resultsbook.spec import SPEC_NAME, Spec, load_spec
from resultsbook.spec.collected_sources import (
    SpecSources,
    collected_sources,
    in_collected_folder,
    same_sources,
    sources_not_reading,
    sources_phrase,
)
from resultsbook.spec.toml_text import entry_text, header_text, string_text
from resultsbook.store import DEFAULT_DB_NAME, Store
from resultsbook.store.location import display_location, is_url, location_without_password
from resultsbook.voice import option, said

_OUTPUTS_FOLDERS = ("results", "paper/results")  # where a first table goes, unless it is a folder of runs
_CHECK_PREFIX = ".resultsbook-save-"  # the spec checked before it is written, beside it
_LOCK_WAIT = 10.0  # seconds a save waits for another one (two terminals) to finish
_EMPTY_LOCK_S = 5.0  # a save writes its name into its new lock at once: empty for longer, it was killed


@dataclass(frozen=True)
class SavedTable:
    """What `--save` wrote: the spec file (new or not), the entry's header and the file build writes."""

    spec_path: str
    created: bool
    header: str
    output: str
    notes: tuple[str, ...] = ()
    sources: str = ""  # a new spec: the [[sources]] it got from the store's collects, or how to add them


@dataclass(frozen=True)
class TableToSave:
    """A table `table` printed, to save: its name and spec entry, the store it was read from, and the
    text it printed for the terminal."""

    name: str
    entry: Mapping[str, Any]
    store: Store
    shown: str


def save_table(spec_path: str | None, table: TableToSave) -> SavedTable:
    """Add `[tables.NAME]` to the spec at `spec_path` (None: ./resultsbook.toml; made when there is
    none), once the spec with it prints the table exactly as it was shown; refuse (writing nothing) a
    name taken, an output file there already, a spec that builds from another store, or an entry that
    would build otherwise."""
    name = table.name
    if not isinstance(name, str) or not re.fullmatch(r"[\w-]+", name):
        raise SpecError(
            f"{option('save')}: the table name {name!r} becomes its file's name (NAME.tex), "
            "which LaTeX inputs; use letters, digits, - and _"
        )
    path = os.path.abspath(spec_path or SPEC_NAME)
    if os.path.basename(path) == "pyproject.toml":
        raise SpecError(
            f"{option('save')} writes to a resultsbook.toml; this project's spec is "
            f"{os.path.relpath(path)}: add the entry {_where_entry()} under "
            f"[tool.resultsbook.tables.{name}] by hand"
        )
    if not os.path.isdir(os.path.dirname(path)):
        raise SpecError(
            f"{option('save')}: the folder of {os.path.relpath(path)} does not exist; make it, or save to "
            "the project's spec"
        )
    with _held(path):
        existing = None
        if os.path.lexists(path):  # another save may have made it meanwhile: add to it
            if not os.path.isfile(path):  # a FIFO would block the read, /dev/zero never end it
                raise SpecError(
                    f"{os.path.relpath(path)} is not a regular file (a folder, a pipe, a device?); move it "
                    f"away, then save again"
                )
            existing = path
        return _save(existing, path, table)


def _save(spec_path: str | None, path: str, table: TableToSave) -> SavedTable:
    """`save_table`, holding the spec's save lock."""
    name, location = table.name, table.store.path
    text = _read(path) if spec_path else ""
    folder = os.path.dirname(path)
    spec = load_spec(path) if spec_path else None
    if spec is not None and name in spec.tables:
        raise SpecError(
            f"{os.path.relpath(path)} has a [tables.{name}] already; pick another name for {option('save')}"
        )
    notes: list[str] = []
    head = ""
    if spec is not None and not _same_store(spec.db, location):
        raise SpecError(
            f"{option('save')}: this table was read from {_shown_store(location)}, but "
            f"{os.path.relpath(path)} builds from {_shown_store(spec.db)}; run it again without "
            f"{option('db')} (or with {option('db', _shown_store(spec.db))})"
        )
    if spec is None and not _same_store(os.path.join(folder, DEFAULT_DB_NAME), location):
        written, note = _store_text(location, folder)
        head = f"store = {string_text(written)}\n\n"
        notes += [note] if note else []
    sources = _collected_sources(table.store, folder) if spec is None else None
    if sources is not None:
        head += f"{sources.text}\n" if sources.text else ""
        notes += sources.notes
    output = _output_path(spec, folder, name, table.store)
    if os.path.exists(output):
        raise SpecError(
            f"{option('save')}: {os.path.relpath(output)} exists already and build would write over it; pick "
            f"another name for {option('save')}"
        )
    full_entry = {**table.entry, "outputs": [os.path.relpath(output, folder).replace(os.sep, "/")]}
    header = header_text("tables", name)
    separator = "" if not text else ("\n" if text.endswith("\n") else "\n\n")
    new_text = head + text + separator + entry_text(header, full_entry)
    spec_read, built = _check_builds_alike(new_text, folder, table, sources)
    notes += _runs_not_read(built, spec_read, table.store)
    if spec_path and _read(path) != text:
        raise SpecError(
            f"{os.path.relpath(path)} changed while {option('save')} read it; nothing written: run it again"
        )
    write_atomic(path, new_text.encode("utf-8"))
    said = sources_phrase(sources) if sources is not None else ""
    return SavedTable(path, spec_path is None, f"[{header}]", output, tuple(notes), said)


def _collected_sources(store: Store, folder: str) -> SpecSources:
    """Return the `[[sources]]` of a new spec in `folder`: the roots `store`'s collects read."""
    return collected_sources(
        [(store.absolute(root), text) for root, text in store.collect_readings()], folder
    )


def _runs_not_read(built: ResultTable, spec: Spec, store: Store) -> list[str]:
    """Say which of a table's runs the spec's `[[sources]]` would not collect again."""
    ids = {int(i) for cell in built.cells.values() for i in cell.runs.ids.tolist()}
    paths = {store.absolute(run.source) for run in store.runs() if run.id in ids}
    return sources_not_reading(paths, spec.sources)


def _check_builds_alike(
    text: str, folder: str, table: TableToSave, sources: SpecSources | None
) -> tuple[Spec, ResultTable]:
    """Refuse an entry whose table, built as `build` builds it, prints otherwise than the one shown, and
    new `[[sources]]` that would not collect as the store's collects did. Nothing is collected here (a
    save that is refused must leave the store as it was): the table is built from the store as it is.
    Return the spec read back and the table it builds."""
    for left in glob.glob(os.path.join(glob.escape(folder), f"{_CHECK_PREFIX}*.toml")):
        with contextlib.suppress(OSError):  # a killed save's: this save holds the lock, none is running
            os.unlink(left)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=folder, prefix=_CHECK_PREFIX, suffix=".toml", delete=False
    ) as handle:
        handle.write(text)
    try:
        spec = load_spec(handle.name)
        table_spec = spec.tables[table.name]
        built = compute_entry(spec, table_spec, table.store, table.store.runs()).table
    finally:
        os.unlink(handle.name)
    if sources is not None and not same_sources(spec.sources, sources):
        raise SpecError(
            f"{option('save')}: the [[sources]] written from the store's collects would not read them back "
            "as they were collected (please report it); nothing written: the entry is "
            f"{_where_entry()}, to add by hand with a [[sources]] entry per folder collected"
        )
    assert built is not None  # a table entry always computes its table
    if render_table(built, "terminal", table_spec.format, table_spec.labels) != table.shown:
        unstated = sorted(set(spec.table_defaults) - set(table.entry))
        why = (
            f"its tables inherit {', '.join(unstated)} from the spec's [defaults] or top level, which "
            f"{said('`resultsbook table`', 'book.table')} does not apply"
            if unstated
            else "a flag it cannot say yet"
        )
        raise SpecError(
            f"{option('save')}: the spec entry would not build the same table ({why}); "
            f"nothing written: the entry is {_where_entry()}, to adapt by hand"
        )
    return spec, built


@contextlib.contextmanager
def _held(path: str) -> Iterator[None]:
    """Hold the spec's save lock, so that two saves at once (two terminals) each keep their table;
    a lock whose process is gone (killed) is taken over."""
    lock = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.save-lock")
    deadline = time.monotonic() + _LOCK_WAIT
    while True:
        try:
            descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            if _abandoned(lock):
                with contextlib.suppress(OSError):
                    os.unlink(lock)
                continue
            if time.monotonic() > deadline:
                raise SpecError(
                    f"another save is writing {os.path.relpath(path)} (its lock: "
                    f"{os.path.relpath(lock)}); run it again when it is done"
                ) from None
            time.sleep(0.05)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(f"{socket.gethostname()} {os.getpid()}")
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)


def _abandoned(lock: str) -> bool:
    """Tell whether a save lock was left by a process of this machine that is gone, or by one killed
    between making it and writing its name into it (empty for longer than any save takes to write)."""
    try:
        with open(lock, encoding="utf-8", errors="replace") as handle:
            host, _, pid = handle.read().partition(" ")
        age = time.time() - os.stat(lock).st_mtime
    except OSError:
        return False
    if not host and age > _EMPTY_LOCK_S:
        return True
    return host == socket.gethostname() and pid.isdigit() and not process_alive(int(pid))


def _output_path(spec: Spec | None, folder: str, name: str, store: Store) -> str:
    """Return where build writes the table: beside the spec's first LaTeX table, else under results/,
    or paper/results/ when results/ is (or lies in) a folder of runs the store collected."""
    for table in spec.tables.values() if spec is not None else ():
        for output in table.outputs:
            if output.endswith(".tex"):
                return os.path.join(os.path.dirname(output), f"{name}.tex")
    outputs = [os.path.join(folder, outputs_folder) for outputs_folder in _OUTPUTS_FOLDERS]
    # a build writing into the runs' folder puts its table and lock among the logs a collect reads
    free = (path for path in outputs if not in_collected_folder(path, store))
    return os.path.join(next(free, outputs[0]), f"{name}.tex")


def _where_entry() -> str:
    """Say where the entry to add by hand is: the command line prints it before the error, Python adds
    it to the error's message, after."""
    return said("above", "below")


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _same_store(one: str, other: str) -> bool:
    return one == other if is_url(one) or is_url(other) else os.path.abspath(one) == os.path.abspath(other)


def _shown_store(location: str) -> str:
    return display_location(location) if is_url(location) else os.path.relpath(location)


def _store_text(location: str, folder: str) -> tuple[str, str | None]:
    """Return the store as the new spec names it (a path relative to it, a URL without its password),
    and a note when a password was left out."""
    if not is_url(location):
        return os.path.relpath(location, folder).replace(os.sep, "/"), None
    written = location_without_password(location)
    if written == location:
        return written, None
    return written, "the store's URL is written without its password (give it by ~/.pgpass or PGPASSWORD)"
