"""Damaged variants of the battery's valid trees: each `Case` damages one file (or folder) of a copy.

A case says whether the damage can be told from the file alone (`detectable`): a log cut exactly at
a line end is a shorter valid log, an MLflow param file cut short is a shorter valid value, a flipped
byte inside an SQLite page has no checksum to fail. A detectable damage must yield a problem line.
"""

from __future__ import annotations

import json
import os
import random
import socket
import sqlite3
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trees import TREES, Target, Tree

HUGE = 2 * 1024**3  # a sparse file this big costs no disk, but reading it whole exceeds the memory limit
LONG_LINE = 40 * 1024**2
DEEP = 100_000
BIG_DIGITS = "1" + "0" * 5000  # beyond Python's 4300-digit limit for int(str)
BEYOND_INT64 = 2**70
STEPS = {
    "huge-step 2^63": 2**63,
    "huge-step 2^64": 2**64,
    "inexact-step 2^53+1": 2**53 + 1,
    "negative-step": -5,
}
LINE_KINDS = {"jsonl", "csv", "tsv", "mlflow-metric"}
STEP_COLUMNS = ("step", "epoch", "env_step")
BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    + ["top: [*i, *i, *i, *i, *i, *i, *i, *i, *i]", ""]
)
RECURSIVE_ALIAS = "loop: &loop [*loop]\nother: 1\n"


@dataclass(frozen=True)
class Case:
    """One damaged variant: which tree, what is damaged and how, and whether a problem is owed."""

    tree: str
    target: str
    family: str
    detail: str
    detectable: bool
    apply: Callable[[Path], None]
    sample: bool = False

    @property
    def id(self) -> str:
        name = self.target.rsplit("/", 1)[-1]
        return f"{self.tree}:{name}:{self.family}" + (f":{self.detail}" if self.detail else "")


# ---------------------------------------------------------------- writing damage
def _rewrite(relative: str, data: bytes) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / relative
        path.unlink()
        path.write_bytes(data)

    return apply


def _replace_with(relative: str, make: Callable[[Path], None]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / relative
        path.unlink()
        make(path)

    return apply


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> None:
    folder = os.open(path.parent, os.O_RDONLY)
    server = socket.socket(socket.AF_UNIX)
    try:  # through /proc: a socket's path is limited to 108 bytes
        server.bind(f"/proc/self/fd/{folder}/{path.name}")  # the file stays after the socket closes
    finally:
        server.close()
        os.close(folder)


def _link_to(target: str) -> Callable[[Path], None]:
    return lambda path: path.symlink_to(target)


def _sparse(path: Path) -> None:
    with open(path, "wb") as handle:
        handle.truncate(HUGE)


# ---------------------------------------------------------------- formats
def _record_ends_tfrecord(data: bytes) -> set[int]:
    ends, position = {0}, 0
    while position + 12 <= len(data):
        (length,) = struct.unpack_from("<Q", data, position)
        position += 16 + length
        ends.add(position)
    return ends


def _record_ends_wandb(data: bytes) -> set[int]:
    """Offsets where a `.wandb` log may end without a torn record (after a FULL or LAST chunk)."""
    ends, position, block = {7}, 7, 32 * 1024
    while position + 7 <= len(data):
        if block - position % block < 7:
            position += block - position % block
            continue
        _, length, kind = struct.unpack_from("<IHB", data, position)
        if length == 0 and kind == 0:
            position += block - position % block
            continue
        position += 7 + length
        if kind in (1, 4):
            ends.add(position)
    return ends


def _varint(value: int) -> bytes:
    if value < 0:  # two's complement, as int64 fields are sent; 2**64 stays too wide on purpose
        value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | 0x80 if value else byte)
        if not value:
            return bytes(out)


def _field(number: int, wire: int, payload: bytes) -> bytes:
    head = _varint(number << 3 | wire)
    return head + (_varint(len(payload)) + payload if wire == 2 else payload)


def _tfrecord(data: bytes) -> bytes:
    import google_crc32c

    def masked(chunk: bytes) -> int:
        crc = google_crc32c.value(chunk)
        return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF

    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked(length)) + data + struct.pack("<I", masked(data))


def _tb_event(step: int, value: float, tag: str = "loss") -> bytes:
    summary_value = _field(1, 2, tag.encode()) + _field(2, 5, struct.pack("<f", value))
    event = _field(1, 1, struct.pack("<d", 1.7e9)) + _field(2, 0, _varint(step))
    return _tfrecord(event + _field(5, 2, _field(1, 2, summary_value)))


def _wandb_history(items: dict[str, str], step: int) -> bytes:
    body = b"".join(
        _field(1, 2, _field(1, 2, key.encode()) + _field(16, 2, raw.encode())) for key, raw in items.items()
    )
    body += _field(2, 2, _field(1, 0, _varint(step)))
    return _field(2, 2, body)  # Record.history


def _append_wandb_record(data: bytes, record: bytes) -> bytes:
    """Append one record to a `.wandb` log with LevelDB framing (chunks never cross a 32 KiB block)."""
    out = bytearray(data)
    block = 32 * 1024
    first = True
    while True:
        left = block - len(out) % block
        if left < 7:
            out += bytes(left)
            continue
        piece, record = record[: left - 7], record[left - 7 :]
        kind = (1 if not record else 2) if first else (4 if not record else 3)
        crc = zlib.crc32(piece, zlib.crc32(bytes([kind])))
        out += struct.pack("<IHB", crc, len(piece), kind) + piece
        first = False
        if not record:
            return bytes(out)


# ---------------------------------------------------------------- JSON positions
def _numeric_leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _numeric_leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _numeric_leaves(value, (*path, index))
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield path, node


def _set(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    copy = json.loads(json.dumps(node))
    target = copy
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return copy


def _is_step(path: tuple[Any, ...]) -> bool:
    return any(part in ("step", "steps", "global_step", "_step") for part in path if isinstance(part, str))


def _spread(items: list[Any], count: int) -> list[Any]:
    """Pick `count` items spread over a list: first, last and evenly between."""
    if len(items) <= count:
        return items
    return (
        [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)] if count > 1 else items[:1]
    )


# ---------------------------------------------------------------- the cases
def cases_for(name: str, tree: Tree, root: Path, full: bool) -> list[Case]:
    """Return every damaged variant of a tree built at `root` (a representative few unless `full`)."""
    found: list[Case] = []
    for target in tree.targets:
        data = (root / target.path).read_bytes()
        found += _structural(name, target, data, full)
        if target.kind in ("json", "jsonl", "yaml"):
            found += _documents(name, target, data, full)
        if target.kind in ("csv", "tsv"):
            found += _tables(name, target, data, full)
        if target.kind == "mlflow-metric":
            found += _mlflow_lines(name, target, data)
        if target.kind == "tfrecord":
            found += _tfrecord_cases(name, target, data)
        if target.kind == "wandb":
            found += _wandb_cases(name, target, data)
        if target.kind == "sqlite":
            found += _sqlite_cases(name, target)
    if tree.rename:
        found.append(_rename_case(name, tree.rename))
    if tree.loop_in:
        relative = f"{tree.loop_in}/loop"
        found.append(Case(name, relative, "link-loop", "", True, lambda r: (r / relative).symlink_to(".")))
    _mark_sample(found)
    return found


def _structural(name: str, target: Target, data: bytes, full: bool) -> list[Case]:
    """Damage any file can take: cuts, flipped bytes, garbage, non-regular files, huge sizes."""
    path, kind, size = target.path, target.kind, len(data)
    cases = []
    ends = (
        _record_ends_tfrecord(data)
        if kind == "tfrecord"
        else _record_ends_wandb(data)
        if kind == "wandb"
        else None
    )
    count = 12 if full else 6
    offsets = sorted({0, 1, size - 1, size - 2, *(size * i // count for i in range(1, count))} - {size})
    for offset in (o for o in offsets if 0 <= o < size):
        cut = data[:offset]
        if kind == "jsonl":  # a whole JSON object cannot be the start of a longer line
            detectable = offset > 0 and cut[-1:] != b"\n" and not _parses(cut.rsplit(b"\n", 1)[-1])
        elif kind in LINE_KINDS:
            detectable = offset > 0 and cut[-1:] != b"\n"
        elif kind == "yaml":
            detectable = offset == 0 or cut[-1:] != b"\n"
        elif kind == "json":
            detectable = not _parses(cut)
        elif ends is not None:
            detectable = offset not in ends
        elif kind == "sqlite":
            detectable = True
        else:  # an MLflow param/tag value or a number file: a shorter text is a valid value
            detectable = False
        cases.append(Case(name, path, "truncate", f"at {offset} of {size}", detectable, _rewrite(path, cut)))
    if kind in LINE_KINDS:
        torn = data.rstrip(b"\n")[:-2]
        cases.append(Case(name, path, "torn-last-number", "", True, _rewrite(path, torn)))
    rng = random.Random(f"{name}:{path}")
    for position in sorted(rng.sample(range(size), min(size, 6 if full else 3))):
        flipped = bytearray(data)
        flipped[position] = 0xFF if flipped[position] != 0xFF else 0x00
        cases.append(
            Case(name, path, "flip-byte", f"at {position}", kind != "sqlite", _rewrite(path, bytes(flipped)))
        )
    garbage = random.Random(path).randbytes(4096)
    cases.append(Case(name, path, "garbage", "4 KiB", True, _rewrite(path, garbage)))
    for family, make in (
        ("fifo", _fifo),
        ("socket", _socket),
        ("dev-zero", _link_to("/dev/zero")),
        ("dev-null", _link_to("/dev/null")),
        ("sparse-2GiB", _sparse),
    ):
        cases.append(Case(name, path, family, "", True, _replace_with(path, make)))
    if kind in LINE_KINDS:
        lines = data.split(b"\n")
        long_line = b"x" * LONG_LINE
        cases.append(
            Case(
                name,
                path,
                "huge-line",
                "40 MiB",
                True,
                _rewrite(path, b"\n".join([lines[0], long_line, *lines[1:]])),
            )
        )
    elif kind in ("json", "yaml") and target.role not in ("metrics", "records"):  # configs: 16 MiB cap
        cases.append(Case(name, path, "oversized", "40 MiB", True, _rewrite(path, _oversized(kind, data))))
    return cases


def _parses(cut: bytes) -> bool:
    try:
        json.loads(cut)
    except ValueError:
        return False
    return True


def _oversized(kind: str, data: bytes) -> bytes:
    """A valid document of the same kind, padded past any sensible size for a config."""
    padding = "p" * LONG_LINE
    if kind == "json":
        document = json.loads(data)
        if isinstance(document, dict):
            return json.dumps({**document, "padding": padding}).encode()
        return json.dumps([*document, padding]).encode()
    return data + f"padding: {padding}\n".encode()


def _documents(name: str, target: Target, data: bytes, full: bool) -> list[Case]:
    """Damage to JSON, JSON Lines and YAML: deep nesting, huge integers, bad values and steps."""
    path, kind, role = target.path, target.kind, target.role
    cases = []
    if kind == "yaml":
        cases.append(Case(name, path, "billion-laughs", "", True, _rewrite(path, BILLION_LAUGHS.encode())))
        cases.append(Case(name, path, "recursive-alias", "", True, _rewrite(path, RECURSIVE_ALIAS.encode())))
        deep = "deep: " + "[" * DEEP + "]" * DEEP + "\n"
        cases.append(Case(name, path, "deep-nesting", str(DEEP), True, _rewrite(path, deep.encode())))
        cases.append(
            Case(
                name,
                path,
                "big-int",
                "5001 digits",
                True,
                _rewrite(path, data + f"huge: {BIG_DIGITS}\n".encode()),
            )
        )
        if role == "config":
            cases.append(
                Case(
                    name,
                    path,
                    "int-beyond-int64",
                    "",
                    True,
                    _rewrite(path, data + f"huge: {BEYOND_INT64}\n".encode()),
                )
            )
        return cases
    lines = data.decode().split("\n") if kind == "jsonl" else None
    deep_value = "[" * DEEP + "]" * DEEP
    if lines is not None:
        first = json.loads(lines[0])
        floats = [k for k, v in first.items() if isinstance(v, float)]
        key = next(
            (k for k in floats if k not in ("step", "time")), floats[0] if floats else next(iter(first))
        )
        nested = lines[0].replace(json.dumps(first[key]), deep_value, 1)
        big = lines[0].replace(json.dumps(first[key]), BIG_DIGITS, 1)
        surrogate = lines[0].replace(f'"{key}"', f'"{key}\\ud800"', 1)
        for family, detail, line in (
            ("deep-nesting", str(DEEP), nested),
            ("big-int", "5001 digits", big),
            ("lone-surrogate", "in a key", surrogate),
        ):
            cases.append(
                Case(name, path, family, detail, True, _rewrite(path, "\n".join([line, *lines[1:]]).encode()))
            )
        documents = [(index, json.loads(line)) for index, line in enumerate(lines) if line.strip()]
        if role == "metrics":  # a metric logged as a list at every step (the arrays line up)
            listed = [
                json.dumps({**doc, key: [0.1, 0.2]}) if key in doc else lines[i] for i, doc in documents
            ]
            cases.append(
                Case(
                    name,
                    path,
                    "list-column",
                    f"{key} in every line",
                    True,
                    _rewrite(path, "\n".join([*listed, ""]).encode()),
                )
            )
    else:
        text = data.decode()
        document = json.loads(text)
        wrapped = (
            json.dumps({**document, "deep": "@@"})
            if isinstance(document, dict)
            else json.dumps([*document, "@@"])
        )
        cases.append(
            Case(
                name,
                path,
                "deep-nesting",
                str(DEEP),
                True,
                _rewrite(path, wrapped.replace('"@@"', deep_value).encode()),
            )
        )
        cases.append(
            Case(
                name,
                path,
                "big-int",
                "5001 digits",
                True,
                _rewrite(path, wrapped.replace('"@@"', BIG_DIGITS).encode()),
            )
        )
        if isinstance(document, dict):  # where a file's unknown top-level keys are not read, no harm
            surrogate = json.dumps({**document, "key\ud800": 1}, ensure_ascii=True)
            cases.append(
                Case(
                    name,
                    path,
                    "lone-surrogate",
                    "in a key",
                    role in ("config", "summary", "records"),
                    _rewrite(path, surrogate.encode()),
                )
            )
        if role == "config":
            beyond = wrapped.replace('"@@"', str(BEYOND_INT64))
            cases.append(Case(name, path, "int-beyond-int64", "", True, _rewrite(path, beyond.encode())))
        documents = [(None, document)]
    if role not in ("metrics", "summary"):
        return cases
    leaves = [
        (index, leaf_path, value)
        for index, doc in documents
        for leaf_path, value in _numeric_leaves(doc)
        if not target.only or any(str(part).startswith(target.only) for part in leaf_path)
    ]
    values = [leaf for leaf in leaves if not _is_step(leaf[1])]
    steps = [leaf for leaf in leaves if _is_step(leaf[1])] if role == "metrics" else []
    replacements: list[tuple[str, str, Any]] = [
        ("wrong-type", "list", [0.1, 0.2]),
        ("wrong-type", "object", {"x": "y"}),
        ("wrong-type", "text", "abc"),
        ("nan-value", "NaN", float("nan")),
        ("nan-value", "Infinity", float("inf")),
    ]
    for index, leaf_path, _ in _spread(values, 6 if full else 2):
        for family, detail, replacement in replacements:
            where = "/".join(str(part) for part in leaf_path) + (
                f" line {index + 1}" if index is not None else ""
            )
            cases.append(
                Case(
                    name,
                    path,
                    family,
                    f"{detail} at {where}",
                    True,
                    _rewrite(path, _with_value(kind, data, documents, index, leaf_path, replacement)),
                )
            )
    step_values: list[tuple[str, Any]] = [*STEPS.items(), ("nan-step", float("nan"))]
    for index, leaf_path, _ in _spread(steps, 3 if full else 1):
        for family, replacement in step_values:
            where = "/".join(str(part) for part in leaf_path) + (
                f" line {index + 1}" if index is not None else ""
            )
            cases.append(
                Case(
                    name,
                    path,
                    family.split(" ")[0],
                    f"{family} at {where}",
                    True,
                    _rewrite(path, _with_value(kind, data, documents, index, leaf_path, replacement)),
                )
            )
    return cases


def _with_value(
    kind: str,
    data: bytes,
    documents: list[tuple[int | None, Any]],
    index: int | None,
    leaf: tuple[Any, ...],
    value: Any,
) -> bytes:
    """Return the file with one value replaced; other lines of a JSON Lines file stay byte for byte."""
    if kind == "jsonl":
        lines = data.decode().split("\n")
        document = dict(documents)[index]
        lines[index] = json.dumps(_set(document, leaf, value))  # type: ignore[index]
        return "\n".join(lines).encode()
    return json.dumps(_set(documents[0][1], leaf, value), indent=2).encode() + b"\n"


def _tables(name: str, target: Target, data: bytes, full: bool) -> list[Case]:
    """Damage to CSV/TSV cells: text, lists and NaN in value cells; huge, negative and NaN steps."""
    path = target.path
    delimiter = "\t" if target.kind == "tsv" else ","
    lines = data.decode().split("\n")
    header = lines[0].split(delimiter)
    rows = [(number, line.split(delimiter)) for number, line in enumerate(lines) if number and line]
    if target.role == "records":
        return []
    step_at = next((header.index(c) for c in STEP_COLUMNS if c in header), None)
    if target.role != "metrics":
        step_at = None
    cells = [
        (n, c)
        for n, row in rows
        for c, cell in enumerate(row)
        if c != step_at and _number(cell) and header[c].startswith(target.only)
    ]
    cases = []
    quoted_list = '"[0.1, 0.2]"' if delimiter == "," else "[0.1, 0.2]"
    for number, column in _spread(cells, 6 if full else 2):
        for family, detail, text in (
            ("wrong-type", "list", quoted_list),
            ("wrong-type", "text", "abc"),
            ("nan-value", "nan", "nan"),
            ("nan-value", "inf", "inf"),
        ):
            cases.append(
                Case(
                    name,
                    path,
                    family,
                    f"{detail} at line {number + 1} column {header[column]}",
                    True,
                    _rewrite(path, _with_cell(lines, number, column, delimiter, text)),
                )
            )
    if step_at is not None:
        for number, _ in _spread(rows, 3 if full else 1):
            for family, value in [*STEPS.items(), ("nan-step", "nan")]:
                cases.append(
                    Case(
                        name,
                        path,
                        family.split(" ")[0],
                        f"{family} at line {number + 1}",
                        True,
                        _rewrite(path, _with_cell(lines, number, step_at, delimiter, str(value))),
                    )
                )
    return cases


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _with_cell(lines: list[str], number: int, column: int, delimiter: str, text: str) -> bytes:
    copy = list(lines)
    cells = copy[number].split(delimiter)
    cells[column] = text
    copy[number] = delimiter.join(cells)
    return "\n".join(copy).encode()


def _mlflow_lines(name: str, target: Target, data: bytes) -> list[Case]:
    """Damage to MLflow metric lines (`timestamp value step`): bad values, huge and negative steps."""
    path = target.path
    lines = data.decode().split("\n")
    cases = []
    for family, detail, field, text in (
        ("wrong-type", "text value", 1, "abc"),
        ("wrong-type", "list value", 1, "[0.1,0.2]"),
        ("nan-value", "nan", 1, "nan"),
        *(((family.split(" ")[0], family, 2, str(value)) for family, value in STEPS.items())),
        ("nan-step", "nan", 2, "nan"),
    ):
        copy = list(lines)
        fields = copy[1].split(" ")
        fields[field] = text
        copy[1] = " ".join(fields)
        cases.append(
            Case(name, path, family, f"{detail} at line 2", True, _rewrite(path, "\n".join(copy).encode()))
        )
    return cases


def _tfrecord_cases(name: str, target: Target, data: bytes) -> list[Case]:
    """Records appended to a valid event file: huge, negative steps and a NaN value."""
    path = target.path
    cases = [
        Case(name, path, family.split(" ")[0], family, True, _rewrite(path, data + _tb_event(step, 0.5)))
        for family, step in STEPS.items()
    ]
    cases.append(
        Case(name, path, "nan-value", "NaN", True, _rewrite(path, data + _tb_event(99, float("nan"))))
    )
    return cases


def _wandb_cases(name: str, target: Target, data: bytes) -> list[Case]:
    """History records appended to a valid W&B log: huge and negative steps, values that are not numbers."""
    path = target.path
    cases = []
    for family, step in STEPS.items():
        record = _wandb_history({"_step": str(step), "loss": "0.5"}, step)
        cases.append(
            Case(
                name,
                path,
                family.split(" ")[0],
                family,
                True,
                _rewrite(path, _append_wandb_record(data, record)),
            )
        )
    for detail, raw in (
        ("list", "[0.1, 0.2]"),
        ("text", '"abc"'),
        ("deep", "[" * DEEP + "]" * DEEP),
        ("NaN", "NaN"),
    ):
        record = _wandb_history({"_step": "99", "loss": raw}, 99)
        family = "nan-value" if detail == "NaN" else "deep-nesting" if detail == "deep" else "wrong-type"
        cases.append(
            Case(name, path, family, detail, True, _rewrite(path, _append_wandb_record(data, record)))
        )
    return cases


def _sqlite_cases(name: str, target: Target) -> list[Case]:
    """Values MLflow never writes, put into its metrics table: text values, huge and negative steps."""
    path = target.path

    def update(sql: str) -> Callable[[Path], None]:
        def apply(root: Path) -> None:
            with sqlite3.connect(root / path) as conn:
                conn.execute(sql)
            conn.close()

        return apply

    first = "rowid = (SELECT min(rowid) FROM metrics)"
    return [
        Case(
            name,
            path,
            "wrong-type",
            "text value",
            True,
            update(f"UPDATE metrics SET value = 'abc' WHERE {first}"),
        ),
        Case(
            name,
            path,
            "wrong-type",
            "blob value",
            True,
            update(f"UPDATE metrics SET value = x'00ff' WHERE {first}"),
        ),
        Case(
            name,
            path,
            "huge-step",
            "2^63-1",
            True,
            update(f"UPDATE metrics SET step = 9223372036854775807 WHERE {first}"),
        ),
        Case(name, path, "negative-step", "-5", True, update(f"UPDATE metrics SET step = -5 WHERE {first}")),
        Case(
            name,
            path,
            "wrong-type",
            "text step",
            True,
            update(f"UPDATE metrics SET step = 'abc' WHERE {first}"),
        ),
    ]


def _rename_case(name: str, relative: str) -> Case:
    def apply(root: Path) -> None:
        source = os.fsencode(root / relative)
        stem, dot, suffix = (
            source.rpartition(b".") if b"." in os.path.basename(source) else (source, b"", b"")
        )
        os.rename(source, stem + b"\xff" + dot + suffix)

    return Case(name, relative, "non-utf8-name", "", True, apply)


# families sampled by default (the first case of each per tree), the rest only in the full sweep
# (links to /dev/zero and names that are not UTF-8 are sampled by tests/test_damaged_files.py)
SAMPLED = ("torn-last-number", "fifo", "wrong-type", "list-column", "billion-laughs", "huge-step")


def _mark_sample(cases: list[Case]) -> None:
    seen: set[str] = set()
    for index, case in enumerate(cases):
        if case.family in SAMPLED and case.family not in seen:
            seen.add(case.family)
            cases[index] = Case(**{**case.__dict__, "sample": True})


def all_trees() -> dict[str, Tree]:
    return TREES
