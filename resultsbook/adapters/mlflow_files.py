"""Read one run folder of MLflow's file store: meta.yaml, params/, tags/, metrics/ (`ms value step` lines)."""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np

from resultsbook.adapters.mlflow_runs import META_FILE, add_points, deleted_problem, make_run_record
from resultsbook.models import Problem, ReadResult, Source
from resultsbook.sources import fs
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.textio import read_file_bytes
from resultsbook.sources.yamlio import load_yaml_text

# a line of the flat YAML that MLflow's safe_dump writes: `key: value`, value plain or single-quoted
_FLAT_LINE = re.compile(
    r"^([A-Za-z_]+): (?:'((?:[^'\n]|'')*)'|([^'\"\[\]{}&*!|>%@`#\s][^#\n]*?|\[\]|\{\}))?[ \t]*$", re.MULTILINE
)
_INTEGER = re.compile(r"-?\d+")
_NULLS = {"", "null", "~", "Null", "NULL"}


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
    try:
        text = read_file_bytes(path).decode("utf-8", errors="replace")
    except OSError as error:
        problems.append(Problem(path, f"cannot be read ({error.strerror})", kept))
        return None
    meta = parse_flat_yaml(text)
    if meta is None:
        try:
            meta = load_yaml_text(text)
        except Exception as error:  # yaml errors of every kind: MLflow rewrites this file in place
            problems.append(Problem(path, f"is not valid YAML ({error})".replace("\n", " "), kept))
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
    for match in found:
        key, quoted, plain = match.groups()
        if quoted is not None:
            meta[key] = quoted.replace("''", "'")
        elif plain is None or plain in _NULLS:
            meta[key] = None
        elif _INTEGER.fullmatch(plain):
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
        data = read_file_bytes(path)
    except OSError as error:
        problems.append(Problem(path, f"cannot be read ({error.strerror})", "the other values"))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(path, "holds bytes that are not UTF-8", "the value with them replaced"))
        return data.decode("utf-8", errors="replace")


def read_metric_files(files: list[tuple[str, str]], builder: SeriesBuilder, problems: list[Problem]) -> None:
    """Read a run's metric files (`timestamp_ms value step` per line, path and key) into the builder.

    The files MLflow wrote whole (full lines of three fields) are parsed in one go; the others
    line by line.
    """
    whole: list[tuple[str, bytes, int]] = []
    for path, key in files:
        try:
            data = read_file_bytes(path)
        except OSError as error:
            problems.append(Problem(path, f"cannot be read ({error.strerror})", "the other metrics"))
            continue
        lines = data.count(b"\n")
        if lines and data.endswith(b"\n") and data.count(b" ") == 2 * lines:
            whole.append((key, data, lines))
        else:
            _read_metric_lines(path, key, data.decode("utf-8", errors="replace"), builder, problems)
    if not whole:
        return
    try:
        text = b"".join(data for _, data, _ in whole).decode("latin-1")  # float(str) beats float(bytes)
        numbers = list(map(float, text.split()))
    except ValueError:
        numbers = []
    if len(numbers) != 3 * sum(lines for _, _, lines in whole):  # a bad token: find it file by file
        paths = dict((key, path) for path, key in files)
        for key, data, _ in whole:
            _read_metric_lines(paths[key], key, data.decode("utf-8", errors="replace"), builder, problems)
        return
    table = np.array(numbers, dtype=np.float64).reshape(-1, 3)
    first = 0
    for key, _, lines in whole:
        part = table[first : first + lines]
        first += lines
        add_points(builder, key, part[:, 2], part[:, 0], part[:, 1])


def _read_metric_lines(
    path: str, key: str, text: str, builder: SeriesBuilder, problems: list[Problem]
) -> None:
    """Read a metric file line by line: old two-field lines, bad lines and a cut-off last line."""
    rows: list[tuple[float, float, float]] = []
    lines = text.split("\n")
    if lines[-1]:  # a line without its newline is still being written: never trust it
        problems.append(
            Problem(
                path,
                f"last line ({len(lines)}) is cut off (a run still writing?)",
                f"the {len(lines) - 1} line(s) before it",
            )
        )
    lines.pop()
    bad = 0
    for line in lines:
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
        bad += 1
    if bad:
        problems.append(Problem(path, f"{bad} line(s) are not `timestamp value step`", "the other lines"))
    if rows:
        table = np.array(rows, dtype=np.float64)
        add_points(builder, key, table[:, 0], table[:, 1], table[:, 2])
