"""The parts of a spec that collecting needs, read without the rest: where the store is and the
[[sources]]. A collect (and any command that only opens the store) loads none of the tables' and
figures' modules, nor numpy: an unchanged re-collect stays about the cost of a stat walk."""

from __future__ import annotations

import codecs
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from resultsbook.errors import SpecError
from resultsbook.sources.request import CollectRequest
from resultsbook.spec.keys import check_keys
from resultsbook.store import DEFAULT_DB_NAME
from resultsbook.store.location import check_store_location, is_url
from resultsbook.voice import option

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SPEC_NAME = "resultsbook.toml"
LOCK_NAME = "resultsbook.lock"
TOP_KEYS = {
    "store": "the store: a SQLite file beside the spec, or a lab's shared `postgresql://user@host/db` "
    "[default: `$RESULTSBOOK_DB`, else `resultsbook.db` beside the spec]",
    "db": "the older name of `store`, with the same meaning (give one of the two)",
    "lock": "the lock file [default: `resultsbook.lock` in the outputs' common folder]",
    "replicate": 'the keys that tell replicates apart, for every table and figure [default: `["seed"]`]',
    "run_specific": "params that may differ between replicates without a `†` mark, for every table",
    "templates": "folder(s) of template overrides, named as the built-in ones [default: `templates`]",
    "sources": "`[[sources]]`: the log folders `build` collects first",
    "labels": "`[labels]`: display names of keys and values",
    "derived": '`[derived]`: metrics computed from others, `name = "expression"`',
    "defaults": "`[defaults]`: settings every table starts from (any table key)",
    "tables": "`[tables.NAME]`: one table each",
    "style": "`[style]`: the look every figure starts from",
    "figures": "`[figures.NAME]`: one figure each",
    "macros": "`[macros]`: the file of LaTeX commands for numbers quoted in the text",
    "sections": 'Markdown files whose marked regions `build` regenerates, e.g. `["RESULTS.md"]`',
    "report": "`[report]`: the HTML report",
    "venue": "the paper's venue (`icml`, `neurips`, `iclr`, `aaai`, `acl`, `ieee`, `lncs`, `cvpr`, `acm`): "
    "figures a column wide in its font, the preview on its page",
    "preamble": "the lines your paper's preamble already has, e.g. `\\usepackage[T1]{fontenc}`: labels that "
    "need them are not warned about",
    "normalized": "`[normalized.NAME]`: a metric normalised per task with reference scores (human-normalised "
    "Atari scores, D4RL's normalised return)",
}


@dataclass(frozen=True)
class CollectSpec:
    """What `collect` needs of a spec: its path, its store and its [[sources]]."""

    path: str
    db: str  # the store: a SQLite file path or a postgresql:// URL
    sources: tuple[CollectRequest, ...]


def load_collect_spec(path: str) -> CollectSpec:
    """Read a spec's store and [[sources]], its top-level keys checked; its tables, figures and the
    rest are read by `load_spec`, when a command needs them."""
    from resultsbook.spec.sources import read_source

    document = spec_document(path)
    where = os.path.basename(path)
    check_keys(document, TOP_KEYS, where, "the top level")
    folder = os.path.dirname(os.path.abspath(path))
    resolve = spec_path_resolver(folder)
    if not isinstance(document.get("sources", []), list):
        raise SpecError(f'{where}: sources must be a list of tables, e.g. [[sources]] then path = "runs"')
    return CollectSpec(
        path=os.path.abspath(path),
        db=read_store_location(document, resolve, where),
        sources=tuple(read_source(s, i, resolve, where) for i, s in enumerate(document.get("sources", []))),
    )


def spec_path_resolver(folder: str) -> Callable[[str], str]:
    """Return how the spec's paths are read: relative to its folder, `~` as the home folder (as a shell
    reads it; `~/runs` was a folder named `~` in the project, and a store there was made in it)."""
    return lambda path: os.path.normpath(os.path.join(folder, os.path.expanduser(path)))


def spec_document(path: str) -> dict[str, Any]:
    """Return a spec file's TOML document: [tool.resultsbook] of a pyproject.toml."""
    document = read_toml(path)
    if os.path.basename(path) == "pyproject.toml":
        document = document.get("tool", {}).get("resultsbook", {})
    return document


def find_spec(start: str = ".") -> str | None:
    """Return the nearest resultsbook.toml (or pyproject.toml with [tool.resultsbook]) upwards."""
    folder = os.path.abspath(start)
    while True:
        candidate = os.path.join(folder, SPEC_NAME)
        if os.path.isfile(candidate):
            return candidate
        pyproject = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(pyproject) and "resultsbook" in read_toml(pyproject).get("tool", {}):
            return pyproject
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def spec_not_a_file(start: str = ".") -> str | None:
    """Return why no spec was found when a resultsbook.toml upwards is no regular file (a pipe, a
    folder), which `find_spec` passes over; else None."""
    folder = os.path.abspath(start)
    while True:
        candidate = os.path.join(folder, SPEC_NAME)
        if os.path.isfile(candidate):
            return None
        if os.path.exists(candidate):
            shown = os.path.relpath(candidate)
            return f"{shown} is not a regular file (a folder, a pipe, a device?): no spec was read"
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def read_store_location(document: Mapping[str, Any], resolve: Any, where: str) -> str:
    """Return the spec's store: `store` (or its older name `db`), a file beside the spec or a URL."""
    if "store" in document and "db" in document:
        raise SpecError(f"{where}: `store` and `db` both name the store; keep `store` and delete `db`")
    key = "store" if "store" in document else "db"
    value = document.get(key, DEFAULT_DB_NAME)
    if not isinstance(value, str):
        example = f'{key} = "results.db"'
        raise SpecError(
            f"{where}: {key} = {value!r} must be a file path or a postgresql:// URL, e.g. {example}"
        )
    location = check_store_location(value, f"{where}: {key}")  # a file:// URL becomes its path
    if is_url(value):
        return location
    if os.path.isdir(resolve(location)):  # `store = "runs"`: the folder of the runs, not the store's file
        inside = f"{value.rstrip('/')}/{DEFAULT_DB_NAME}"
        example = f'{key} = "{inside}"'
        raise SpecError(f"{where}: {key} = {value!r} is a folder; the store is a file, e.g. {example}")
    return resolve(location)


def read_toml(path: str) -> dict[str, Any]:
    """Return a TOML file's document; refuse a file that is not regular, not UTF-8 or not valid TOML."""
    if os.path.exists(path) and not os.path.isfile(path):  # a FIFO blocks the read, /dev/zero never ends
        raise SpecError(
            f"{path} is not a regular file (a folder, a pipe, a device?); check the {option('config')} path"
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        # Windows editors save "UTF-8" with a byte-order mark, which TOML does not allow; it says nothing
        text = data.removeprefix(codecs.BOM_UTF8).decode()
        return tomllib.loads(text)
    except OSError as error:
        raise SpecError(
            f"cannot read {path} ({error.strerror}); check the {option('config')} path"
        ) from error
    except UnicodeDecodeError as error:
        raise SpecError(_not_utf8(path, data, error.start)) from error
    except tomllib.TOMLDecodeError as error:
        raise SpecError(
            _twice_message(path, text, str(error))
            or f"{path} is not valid TOML ({error}); fix the syntax at that line"
        ) from error


def _not_utf8(path: str, data: bytes, start: int) -> str:
    """Say why a spec's bytes are not UTF-8: saved as UTF-16 or in a one-byte code page, or not text."""
    head = data[:64]
    # ASCII in UTF-16 without a byte-order mark: every other byte NUL, the others not
    halves = [(head[0::2], head[1::2]), (head[1::2], head[0::2])]
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or any(
        len(zeros) > 1 and zeros.count(0) == len(zeros) and 0 not in letters for letters, zeros in halves
    )
    if utf16:
        return f"{path} is saved as UTF-16; save it as UTF-8 (TOML files are UTF-8)"
    if b"\x00" not in data:
        letter = data[start : start + 1].decode("cp1252", errors="replace")
        line = data[:start].count(b"\n") + 1
        return (
            f"{path}: line {line} has a byte that is not UTF-8 ({letter!r} in Latin-1 or Windows-1252?); "
            "save the file as UTF-8 (TOML files are UTF-8)"
        )
    return (
        f"{path} is not a spec: byte {start} is not UTF-8 text (a store or another binary file?); "
        f"check the {option('config')} path"
    )


def _twice_message(path: str, text: str, error: str) -> str | None:
    """Return what a key set twice is called, with its line and table (tomllib names neither)."""
    match = re.match(r"Cannot overwrite a value \(at line (\d+),", error)
    lines = text.splitlines()
    if not match or int(match[1]) > len(lines):
        return None
    number = int(match[1])
    line = lines[number - 1].strip()
    key = line.strip("[] ") if line.startswith("[") else line.split("=")[0].strip()
    headers = [h.strip() for h in lines[: number - 1] if h.strip().startswith("[")]
    where = f" in {headers[-1]}" if headers and not line.startswith("[") else ""
    return f"{path} sets {key} twice (line {number}{where}); keep one of the two"
