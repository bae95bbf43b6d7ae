"""Read one run folder of MLflow's file store: meta.yaml, params/, tags/, metrics/ (`ms value step` lines)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import orjson

from resultsbook.adapters.mlflow_runs import (
    META_FILE,
    RUN_FOLDERS,
    add_points,
    deleted_problem,
    make_run_record,
    series_builder,
)
from resultsbook.models import Problem, ReadResult, Series, Source
from resultsbook.sources import fs
from resultsbook.sources.fileio import CHUNK, FileTooLarge, read_file_bytes, read_listed_file, unreadable
from resultsbook.sources.limits import CONFIG, RECORD
from resultsbook.sources.lines import LineBatch, Tally, cut_off, iter_lines
from resultsbook.sources.series import usual_block
from resultsbook.sources.yamlio import read_yaml_file

# a line of the flat YAML that MLflow's safe_dump writes: `key: value`, value plain or single-quoted;
# a plain value ends at its last non-blank character (greedy: a lazy match tries the end at each one)
_FLAT_LINE = re.compile(
    r"^([A-Za-z_]+): (?:'((?:[^'\n]|'')*)'|([^'\"\[\]{}&*!|>%@`#\s](?:[^#\n]*[^#\s])?|\[\]|\{\}))?[ \t]*$",
    re.MULTILINE,
)
_INTEGER = re.compile(r"-?\d+")
_NULLS = {"", "null", "~", "Null", "NULL"}
_BATCH_LINES = 200_000  # metric lines parsed in one numpy call (a run's small files together)
_BATCH_BYTES = 8 << 20  # metric files read whole and parsed in one go, at most this much at a time
_NUMBER_BYTES = b"0123456789.eE+-"  # the bytes of the numbers MLflow writes, NaN and infinities aside
_LINE_SEPARATORS_TEXT = b"  \n"
_LINE_SEPARATORS = np.array([32, 32, 10], dtype=np.uint8)  # " ", " ", "\n": three numbers a line
_TO_COMMAS = bytes.maketrans(b" \n", b",,")


def read_run_folder(
    source: Source,
    keep_deleted: bool,
    experiments: dict[tuple[str, int, int], dict[str, Any]] | None = None,
    listed: bool = False,
) -> ReadResult:
    """Read one file-store run folder into a run, reporting what could not be read.

    `listed`: its listing found only regular files and folders, so each file is opened without a
    stat first (the open descriptor is still checked).
    """
    problems: list[Problem] = []
    run_path = source.path
    meta_path = os.path.join(run_path, META_FILE)
    info = read_meta(meta_path, problems)
    if info is None:
        return ReadResult((), tuple(problems))
    for key in ("run_id", "run_uuid"):  # an id of digits alone is a YAML number: 0064… read as 64
        if isinstance(info.get(key), int):
            info[key] = os.path.basename(os.path.normpath(run_path))
    experiment_meta = read_experiment_meta(os.path.dirname(run_path), problems, experiments)
    if info.get("lifecycle_stage") == "deleted" or experiment_meta.get("lifecycle_stage") == "deleted":
        if not keep_deleted:
            what = "run" if info.get("lifecycle_stage") == "deleted" else "run's experiment"
            return ReadResult((), (*problems, deleted_problem(run_path, what)))
        info = {**info, "lifecycle_stage": "deleted"}
    files = _files_by_kind(run_path, source.files)
    if listed:
        cap = CONFIG.bytes()
        read: Callable[[str], bytes] = lambda path: read_listed_file(path, cap, CONFIG)  # noqa: E731
    else:
        read = lambda path: read_file_bytes(path, CONFIG)  # noqa: E731
    params = _read_values(files["params"], problems, read)
    tags = _read_values(files["tags"], problems, read)
    read_metrics = read_listed_metric_files if listed else read_metric_files
    series = read_metrics(files["metrics"], problems, os.path.join(run_path, "metrics"))
    name = experiment_meta.get("name")
    run = make_run_record(info, params, tags, series, None if name is None else str(name))
    return ReadResult((run,), tuple(problems))


def _files_by_kind(run_path: str, files: tuple[str, ...]) -> dict[str, list[tuple[str, str]]]:
    """Sort a run's files into metrics, params and tags, each with its key."""
    found: dict[str, list[tuple[str, str]]] = {kind: [] for kind in RUN_FOLDERS}
    prefix = run_path.rstrip(os.sep) + os.sep
    for path in files:
        if not path.startswith(prefix):
            continue
        kind, _, key = path[len(prefix) :].partition(os.sep)
        if kind in found:
            found[kind].append((path, key.replace(os.sep, "/")))  # keys with "/" are nested folders
    return found


def read_experiment_meta(
    folder: str, problems: list[Problem], cache: dict[tuple[str, int, int], dict[str, Any]] | None
) -> dict[str, Any]:
    """Read an experiment's meta.yaml, once per version of the file when given a cache."""
    path = os.path.join(folder, META_FILE)
    try:
        info = fs.stat(path)
    except OSError as error:
        problems.append(unreadable(path, error, "the run, without its experiment"))
        return {}
    key = (path, info.st_size, info.st_mtime_ns)
    if cache is not None and key in cache:
        return cache[key]
    meta = read_meta(path, problems, "the run, without its experiment") or {}
    if cache is not None:
        cache[key] = meta
    return meta


def read_meta(
    path: str, problems: list[Problem], kept: str = "nothing from this run"
) -> dict[str, Any] | None:
    """Read a run's or experiment's meta.yaml (flat YAML), or report why it could not be."""
    meta = read_yaml_file(path, problems, kept, fast=parse_flat_yaml)
    if meta is None:
        return None
    if not isinstance(meta, dict) or not meta:
        problems.append(Problem(path, "is empty or not a mapping (being rewritten?)", kept))
        return None
    return meta


def parse_flat_yaml(text: str) -> dict[str, Any] | None:
    """Parse MLflow's flat meta.yaml quickly; None when a line needs a real YAML parser."""
    meta: dict[str, Any] = {}
    found = list(_FLAT_LINE.finditer(text))
    if len(found) != sum(1 for line in text.splitlines() if line.strip()):  # a line it does not cover
        return None
    if not found:
        return None
    for match in found:
        key, quoted, plain = match.groups()
        if quoted is not None:
            meta[key] = quoted.replace("''", "'")
        elif plain is None or plain in _NULLS:
            meta[key] = None
        elif _INTEGER.fullmatch(plain):
            if len(plain) > 20:  # no field MLflow writes is that long: let the YAML reader say why
                return None
            meta[key] = int(plain)
        elif plain == "[]":
            meta[key] = []
        elif plain == "{}":
            meta[key] = {}
        else:
            meta[key] = plain
    return meta


def _read_values(
    files: list[tuple[str, str]], problems: list[Problem], read: Callable[[str], bytes]
) -> dict[str, str]:
    """Read param or tag files (path and key) with `read`: each file's whole text is a value."""
    values: dict[str, str] = {}
    for path, key in files:
        value = _read_value(path, problems, read)
        if value is not None:
            values[key] = value
    return values


def _read_value(path: str, problems: list[Problem], read: Callable[[str], bytes]) -> str | None:
    """Read a param or tag file with `read`: its whole text is the value."""
    try:
        data = read(path)
    except OSError as error:
        problems.append(unreadable(path, error, "the other values"))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(path, "holds bytes that are not UTF-8", "the value with them replaced"))
        return data.decode("utf-8", errors="replace")


def read_metric_files(
    files: list[tuple[str, str]], problems: list[Problem], folder: str
) -> dict[str, Series]:
    """Read a run's metric files (`timestamp_ms value step` per line, path and key) into series.

    Lines are read in chunks (a run's small files together): lines MLflow wrote whole (three fields
    each) are parsed in one go, the others line by line; a last line without its newline is dropped
    and reported.
    """
    tables: dict[str, list[np.ndarray]] = {}
    tallies: list[tuple[str, Tally]] = []
    _read_metric_lines(files, tables, problems, tallies)
    for path, tally in tallies:
        tally.report(path, problems)
    return _series(tables, problems, folder)


def _read_metric_lines(
    files: list[tuple[str, str]],
    tables: dict[str, list[np.ndarray]],
    problems: list[Problem],
    tallies: list[tuple[str, Tally]],
) -> None:
    """Read metric files a chunk at a time into `tables` (by key), counting each file's damaged lines
    in a tally added to `tallies`."""
    pending: list[tuple[str, Tally, LineBatch]] = []  # (key, its file's damage, lines): parsed together
    size = 0
    for path, key in files:
        tally = Tally()
        tallies.append((path, tally))
        try:
            for batch in iter_lines(path, problems, tally):
                pending.append((key, tally, batch))
                size += len(batch.lines)
                if size > _BATCH_LINES:
                    _parse_pending(pending, tables)
                    pending, size = [], 0
        except OSError as error:
            problems.append(unreadable(path, error, "the other metrics"))
    _parse_pending(pending, tables)


def _series(tables: dict[str, list[np.ndarray]], problems: list[Problem], folder: str) -> dict[str, Series]:
    """Return the series of each metric's parsed rows (timestamp, value, step), in the order met:
    checked all at once when they are as MLflow writes them, else settled and reported by the builder."""
    parts = [(key, [chunk for chunk in chunks if len(chunk)]) for key, chunks in tables.items()]
    parts = [(key, chunks) for key, chunks in parts if chunks]
    if not parts:
        return {}
    block = np.concatenate([chunk for _, chunks in parts for chunk in chunks])
    times, values, steps = np.ascontiguousarray(block.T)
    counts = [sum(len(chunk) for chunk in chunks) for _, chunks in parts]
    usual = usual_block([key for key, _ in parts], counts, steps, values, times / 1000.0)
    if usual is not None:
        return usual
    builder = series_builder()
    for key, chunks in parts:
        table = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
        add_points(builder, key, table[:, 2], table[:, 0], table[:, 1])
    series, series_problems = builder.build(folder)
    problems.extend(series_problems)
    return series


def read_listed_metric_files(
    files: list[tuple[str, str]], problems: list[Problem], folder: str
) -> dict[str, Series]:
    """Read metric files its folder's listing names regular files (path and key) into series.

    Each file up to CHUNK bytes is read in one go, and the whole lines of several are parsed in one
    call; a file that is larger, or whose lines are not all `timestamp value step` in MLflow's own
    spelling, is read again as `read_metric_files` reads it, which reports its damage line by line.
    A last line without its newline is dropped and reported, as there.
    """
    cap = min(CHUNK, RECORD.bytes())  # no line of a file read whole is longer than the record limit
    found: list[list[Problem]] = [[] for _ in files]  # each file's problems, reported in file order
    tables: dict[str, list[np.ndarray]] = {key: [] for _, key in files}
    whole: list[tuple[int, bytes, str]] = []  # (file, its whole lines, its cut-off last line)
    again: list[int] = []  # files read the line-by-line way
    size = 0
    for index, (path, _) in enumerate(files):
        try:
            data = read_listed_file(path, cap, RECORD)
        except FileTooLarge:
            again.append(index)
            continue
        except OSError as error:
            found[index].append(unreadable(path, error, "the other metrics"))
            continue
        end = data.rfind(b"\n") + 1
        if not data[end:].isascii():  # a cut-off line whose bytes need the careful reader
            again.append(index)
            continue
        whole.append((index, data[:end], data[end:].decode("ascii")))
        size += end
        if size > _BATCH_BYTES:
            again.extend(_parse_whole(whole, files, tables, found))
            whole, size = [], 0
    again.extend(_parse_whole(whole, files, tables, found))
    tallies: list[tuple[str, Tally]] = []
    for index in sorted(again):
        _read_metric_lines([files[index]], tables, found[index], tallies)
    for index in range(len(files)):
        problems.extend(found[index])
    for path, tally in tallies:
        tally.report(path, problems)
    return _series(tables, problems, folder)


def _parse_whole(
    whole: list[tuple[int, bytes, str]],
    files: list[tuple[str, str]],
    tables: dict[str, list[np.ndarray]],
    found: list[list[Problem]],
) -> list[int]:
    """Parse the whole lines of files read whole, all at once, else each file's alone; return the
    files whose lines need the line-by-line reader."""
    if not whole:
        return []
    counts = [data.count(b"\n") for _, data, _ in whole]  # each file's lines, counted once
    parsed = [parse_metric_block(b"".join(data for _, data, _ in whole), sum(counts))]
    if parsed[0] is None and len(whole) > 1:
        parsed = [parse_metric_block(data, lines) for (_, data, _), lines in zip(whole, counts)]
    elif parsed[0] is not None:
        block, first, parsed = parsed[0], 0, []
        for lines in counts:
            parsed.append(block[first : first + lines])
            first += lines
    refused = []
    for (index, _, last), table in zip(whole, parsed):
        path, key = files[index]
        if table is None:
            refused.append(index)
            continue
        tables[key].append(table)
        if last.strip():
            found[index].append(cut_off(path, len(table) + 1))
    return refused


def parse_metric_block(data: bytes, lines: int | None = None) -> np.ndarray | None:
    """Return the (timestamp, value, step) rows of whole metric lines, each three numbers apart by
    single spaces as MLflow writes them, exactly as `float()` reads them; None for any other lines.
    `lines`: the number of newlines in `data`, when the caller has counted them."""
    if not data:
        return np.empty((0, 3))
    if lines is None:
        lines = data.count(b"\n")
    # what is left of lines as MLflow writes them once the numbers' bytes are gone: "  \n" each
    as_written = data.translate(None, _NUMBER_BYTES) == _LINE_SEPARATORS_TEXT * lines
    if not as_written:
        separators = np.frombuffer(data, np.uint8)
        separators = separators[separators <= 32]  # spaces, newlines, and any other whitespace
        if len(separators) % 3 or not (separators.reshape(-1, 3) == _LINE_SEPARATORS).all():
            return None  # not three numbers on each line
    numbers: list[float] | None = None
    # "-0" is 0 to a JSON parser, -0.0 to float(); NaN and infinities are not JSON
    if as_written and not (b"-" in data and (b"-0 " in data or b"-0\n" in data)):
        try:  # orjson reads numbers exactly as float() does, several times faster
            numbers = orjson.loads(b"[" + data[:-1].translate(_TO_COMMAS) + b"]")
        except orjson.JSONDecodeError:
            numbers = None
    if numbers is None:
        try:
            numbers = list(map(float, data.split()))
        except ValueError:
            return None
    return np.array(numbers, dtype=np.float64).reshape(-1, 3)


def _parse_pending(pending: list[tuple[str, Tally, LineBatch]], tables: dict[str, list[np.ndarray]]) -> None:
    """Parse lines of several files: all at once when every line is three numbers, else each file's
    lines one by one."""
    lines = [line for *_, batch in pending for line in batch.lines]
    table = parse_metric_block(("\n".join(lines) + "\n").encode()) if lines else None
    if table is not None and len(table) == len(lines):
        first = 0
        for key, _, batch in pending:
            tables.setdefault(key, []).append(table[first : first + len(batch.lines)])
            first += len(batch.lines)
        return
    for key, tally, batch in pending:
        tables.setdefault(key, []).append(_parse_metric_lines(batch, tally))


def _parse_metric_lines(batch: LineBatch, tally: Tally) -> np.ndarray:
    """Return (timestamp, value, step) rows of metric lines one by one; old two-field lines have step 0."""
    rows: list[tuple[float, float, float]] = []
    for offset, line in enumerate(batch.lines):
        fields = line.split()
        if not fields:
            continue
        try:
            if len(fields) == 3:
                rows.append((float(fields[0]), float(fields[1]), float(fields[2])))
                continue
            if len(fields) == 2:  # files of old MLflow versions have no step: MLflow reads step 0
                rows.append((float(fields[0]), float(fields[1]), 0.0))
                continue
        except ValueError:
            pass
        tally.add(
            "is not `timestamp value step`",
            "are not `timestamp value step`",
            batch.first + offset,
            "the other lines",
        )
    return np.array(rows, dtype=np.float64).reshape(-1, 3)
