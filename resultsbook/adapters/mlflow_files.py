"""Read one run folder of MLflow's file store: meta.yaml, params/, tags/, metrics/ (`ms value step` lines)."""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np

from resultsbook.adapters.mlflow_runs import META_FILE, add_points, deleted_problem, make_run_record
from resultsbook.models import Problem, ReadResult, Source
from resultsbook.sources import fs
from resultsbook.sources.fileio import read_file_bytes, unreadable
from resultsbook.sources.limits import CONFIG
from resultsbook.sources.lines import LineBatch, Tally, iter_lines
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.yamlio import read_yaml_file

# a line of the flat YAML that MLflow's safe_dump writes: `key: value`, value plain or single-quoted
_FLAT_LINE = re.compile(
    r"^([A-Za-z_]+): (?:'((?:[^'\n]|'')*)'|([^'\"\[\]{}&*!|>%@`#\s][^#\n]*?|\[\]|\{\}))?[ \t]*$", re.MULTILINE
)
_INTEGER = re.compile(r"-?\d+")
_NULLS = {"", "null", "~", "Null", "NULL"}
_BATCH_LINES = 200_000  # metric lines parsed in one numpy call (a run's small files together)


def read_run_folder(
    source: Source, keep_deleted: bool, experiments: dict[tuple[str, int, int], dict[str, Any]] | None = None
) -> ReadResult:
    """Read one file-store run folder into a run, reporting what could not be read."""
    problems: list[Problem] = []
    run_path = source.path
    meta_path = os.path.join(run_path, META_FILE)
    info = read_meta(meta_path, problems)
    if info is None:
        return ReadResult((), tuple(problems))
    experiment_meta = read_experiment_meta(os.path.dirname(run_path), problems, experiments)
    if info.get("lifecycle_stage") == "deleted" or experiment_meta.get("lifecycle_stage") == "deleted":
        if not keep_deleted:
            what = "this run" if info.get("lifecycle_stage") == "deleted" else "the experiment of this run"
            return ReadResult((), (*problems, deleted_problem(run_path, what)))
        info = {**info, "lifecycle_stage": "deleted"}
    params: dict[str, str] = {}
    tags: dict[str, str] = {}
    metric_files: list[tuple[str, str]] = []
    prefix = run_path.rstrip(os.sep) + os.sep
    for path in source.files:
        if not path.startswith(prefix):
            continue
        kind, _, key = path[len(prefix) :].partition(os.sep)
        key = key.replace(os.sep, "/")  # keys with "/" are nested folders
        if kind == "metrics":
            metric_files.append((path, key))
        elif kind in ("params", "tags"):
            value = _read_value(path, problems)
            if value is not None:
                (params if kind == "params" else tags)[key] = value
    builder = SeriesBuilder()
    read_metric_files(metric_files, builder, problems)
    series, series_problems = builder.build(os.path.join(run_path, "metrics"))
    problems.extend(series_problems)
    name = experiment_meta.get("name")
    run = make_run_record(info, params, tags, series, None if name is None else str(name))
    return ReadResult((run,), tuple(problems))


def read_experiment_meta(
    folder: str, problems: list[Problem], cache: dict[tuple[str, int, int], dict[str, Any]] | None
) -> dict[str, Any]:
    """Read an experiment's meta.yaml, once per version of the file when given a cache."""
    path = os.path.join(folder, META_FILE)
    try:
        info = fs.stat(path)
    except OSError as error:
        problems.append(
            Problem(path, f"cannot be read ({error.strerror})", "the run, without its experiment")
        )
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


def _read_value(path: str, problems: list[Problem]) -> str | None:
    """Read a param or tag file: its whole text is the value."""
    try:
        data = read_file_bytes(path, CONFIG)
    except OSError as error:
        problems.append(unreadable(path, error, "the other values"))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(path, "holds bytes that are not UTF-8", "the value with them replaced"))
        return data.decode("utf-8", errors="replace")


def read_metric_files(files: list[tuple[str, str]], builder: SeriesBuilder, problems: list[Problem]) -> None:
    """Read a run's metric files (`timestamp_ms value step` per line, path and key) into the builder.

    Lines are read in chunks (a run's small files together): lines MLflow wrote whole (three fields
    each) are parsed in one go, the others line by line; a last line without its newline is dropped
    and reported.
    """
    pending: list[tuple[str, Tally, LineBatch]] = []  # (key, its file's damage, lines): parsed together
    tables: dict[str, list[np.ndarray]] = {}
    tallies: list[tuple[str, Tally]] = []
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
    for path, tally in tallies:
        tally.report(path, problems)
    for key, chunks in tables.items():
        rows = [chunk for chunk in chunks if len(chunk)]
        if rows:
            table = rows[0] if len(rows) == 1 else np.concatenate(rows)
            add_points(builder, key, table[:, 0], table[:, 1], table[:, 2])


def _parse_pending(pending: list[tuple[str, Tally, LineBatch]], tables: dict[str, list[np.ndarray]]) -> None:
    """Parse lines of several files: in one numpy call when every line is three numbers, else each
    file's lines one by one."""
    lines = [line for *_, batch in pending for line in batch.lines]
    text = " ".join(lines)
    try:  # float() per token, then one array: several times faster than numpy's own text parsing
        numbers = np.array(list(map(float, text.split())), dtype=np.float64)
    except ValueError:
        numbers = None
    if numbers is not None and len(numbers) == 3 * len(lines) and text.count(" ") == 3 * len(lines) - 1:
        table = numbers.reshape(-1, 3)[:, [2, 0, 1]]
        first = 0
        for key, _, batch in pending:
            tables.setdefault(key, []).append(table[first : first + len(batch.lines)])
            first += len(batch.lines)
        return
    for key, tally, batch in pending:
        tables.setdefault(key, []).append(_parse_metric_lines(batch, tally))


def _parse_metric_lines(batch: LineBatch, tally: Tally) -> np.ndarray:
    """Return (step, timestamp, value) rows of metric lines one by one; old two-field lines have step 0."""
    rows: list[tuple[float, float, float]] = []
    for offset, line in enumerate(batch.lines):
        fields = line.split()
        if not fields:
            continue
        try:
            if len(fields) == 3:
                rows.append((float(fields[2]), float(fields[0]), float(fields[1])))
                continue
            if len(fields) == 2:  # files of old MLflow versions have no step: MLflow reads step 0
                rows.append((0.0, float(fields[0]), float(fields[1])))
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
