"""Reading TensorBoard event files into one EventData a file (or a folder's files joined): scalars
by tag in record order, hparams sessions, CleanRL's `hyperparameters` text table and the Hugging Face
Trainer's `args` JSON text; the adapter
(tensorboard_events.py) makes runs of them."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from resultsbook.adapters.tb_proto import (
    SimpleScalars,
    parse_event,
    parse_hparams_content,
    parse_simple_scalar,
    parse_simple_scalars,
    parse_summary,
    tensor_scalar,
    tensor_strings,
)
from resultsbook.adapters.tfrecord import read_record_blocks
from resultsbook.models import Problem
from resultsbook.params import flatten_params, parse_scalar
from resultsbook.sources.fileio import unreadable
from resultsbook.sources.protowire import WireError
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.textio import parse_json

EVENTS_MARK = "tfevents"
HPARAMS_PLUGIN = "hparams"
TEXT_PLUGIN = "text"
# CleanRL's `writer.add_text("hyperparameters", "|param|value|\n|-|-|\n|lr|0.1|...")` (torch adds the suffix)
HYPERPARAMETER_TAGS = ("hyperparameters/text_summary", "hyperparameters")
# the Hugging Face Trainer's TensorBoardCallback: `add_text("args", args.to_json_string())`
ARGS_TAG = "args/text_summary"
# where a Trainer run wrote, not how it was configured (logging_dir differs by run): no params
_ARGS_RUN_PATHS = ("output_dir", "logging_dir", "run_name")  # as hf_trainer keeps them apart
SCALARS_PLUGIN = "scalars"
SESSION_START = 1
_NAN = float("nan")
# below this many records, decoding record by record beats the fixed cost of array operations
_VECTOR_MINIMUM = 64


_Chunk = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # record order, steps, values, times


@dataclass
class EventData:
    """What a folder's event files hold: scalar points by tag, hparams, how the session ended."""

    chunks: dict[str, list[_Chunk]] = field(default_factory=dict)
    restarts: list[tuple[int, int]] = field(default_factory=list)  # (record order, step) of START
    hparams: dict[str, Any] | None = None
    text_params: dict[str, Any] | None = None  # a `hyperparameters` text table (CleanRL), HF's `args`
    end_status: int | None = None
    end_time: float | None = None
    first_time: float | None = None
    files: list[str] = field(default_factory=list)  # the event files read into it, in name order

    def add_to(self, builder: SeriesBuilder, folder: str) -> None:
        """Add every tag's points to a series builder, named after the sub-folder they come from."""
        for tag, chunks in self.chunks.items():
            order, steps, values, times = _in_record_order(chunks)
            keep = np.ones(len(order), dtype=bool)
            for restart, step in self.restarts:  # TensorBoard drops what a restart logs again
                keep &= (order > restart) | (steps < step)
            if not keep.all():
                steps, values, times = steps[keep], values[keep], times[keep]
            if len(steps):
                builder.add_column(metric_key(folder, tag), steps, values, times)


def _in_record_order(chunks: list[_Chunk]) -> _Chunk:
    """Join a tag's chunks of points into arrays ordered as the records were written."""
    if len(chunks) == 1:
        return chunks[0]
    joined = tuple(np.concatenate([chunk[i] for chunk in chunks]) for i in range(4))
    order = np.argsort(joined[0], kind="stable")
    return joined[0][order], joined[1][order], joined[2][order], joined[3][order]


def _stored_steps(chunk: _Chunk) -> _Chunk:
    """Return a tag's points whose steps are stored (within ±2^53): one dropped as damaged, a step of
    -2^63, is no restart of the steps."""
    keep = np.abs(chunk[1]) <= 2.0**53
    return chunk if keep.all() else (chunk[0][keep], chunk[1][keep], chunk[2][keep], chunk[3][keep])


def restart_said(part: EventData) -> str:
    """Say where one event file's steps start over, every tag logged on doing so: a tag logged again
    from its first step or before, after a later step (`'val/acc' goes back from step 49 to 0 at its
    point 51, 2026-12-08 03:49:01 UTC`); "" when they do not, when only some tags go back (a batch
    index as the step, the epochs going on), or when a SessionLog START says how to read them."""
    if part.restarts:
        return ""
    tagged = {tag: _stored_steps(_in_record_order(chunks)) for tag, chunks in part.chunks.items()}
    bounds = _restart_bounds(tagged)
    if not bounds:
        return ""
    edges = [-1, *(at for at, _, _ in bounds), np.inf]
    firsts: list[dict[str, float]] = [{} for _ in range(len(edges) - 1)]  # each part's first step, by tag
    for tag, (order, steps, _, _) in tagged.items():
        for k, first in enumerate(firsts):
            keep = (order >= edges[k]) & (order < edges[k + 1])
            if keep.any():
                first[tag] = steps[keep][0]
    for earlier, later in itertools.pairwise(firsts):  # a restart of some tags only is no new training
        if any(later[tag] > earlier[tag] for tag in later.keys() & earlier.keys()):
            return ""
    _, tag, point = bounds[0]
    order, steps, _, times = tagged[tag]
    when = (
        f", {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(times[point]))}" if times[point] > 0 else ""
    )
    return (
        f"{tag!r} goes back from step {steps[point - 1]:g} to {steps[point]:g} at its point {point + 1}"
        + when
    )


def _restart_bounds(tagged: dict[str, _Chunk]) -> list[tuple[int, str, int]]:
    """Return where the steps start over, as (record order, the tag seen doing so, its point): each
    tag's point at its first step or before, after a later one; the tags that start over together,
    each at its first point after the restart, say one restart."""
    found: list[tuple[int, int, str, int]] = []  # (record order, the tag's record before, tag, point)
    for tag, (order, steps, _, _) in tagged.items():
        back = np.flatnonzero((steps[1:] <= steps[0]) & (steps[1:] < steps[:-1])) + 1
        found.extend((int(order[i]), int(order[i - 1]), tag, int(i)) for i in back)
    bounds: list[tuple[int, str, int]] = []
    for at, before, tag, point in sorted(found):
        if not bounds or before >= bounds[-1][0]:
            bounds.append((at, tag, point))
    return bounds


def metric_key(folder: str, tag: str) -> str:
    """Name a tag logged in a sub-folder of the run (relative path with "/"; "" for the run's own).

    `add_scalars("loss", {"train": v})` logs tag "loss" into "loss/train" (tensorboardX) or
    "loss_train" (torch): both become "loss/train".
    """
    if not folder:
        return tag
    if folder.startswith(tag + "/"):
        return folder
    torch_prefix = tag.replace("/", "_") + "_"
    if folder.startswith(torch_prefix):
        return f"{tag}/{folder[len(torch_prefix) :]}"
    return f"{folder}/{tag}"


def read_event_files(paths: list[str], problems: list[Problem]) -> EventData:
    """Read event files (in name order, as one stream) into scalar points, hparams and end status."""
    return joined(read_each_event_file(paths, problems))


def read_each_event_file(paths: list[str], problems: list[Problem]) -> list[EventData]:
    """Read event files in name order, each into its own EventData; record order runs on across them."""
    parts: list[EventData] = []
    plugins: dict[str, str] = {}  # TF writes a tag's plugin metadata on its first value only
    offset = 0  # record order across the files
    for path in sorted(paths):
        data = EventData(files=[path])
        bad = 0
        try:
            for content, starts, ends in read_record_blocks(path, problems):
                bad += _read_block(content, starts, ends, offset, data, plugins)
                offset += len(starts)
        except OSError as error:
            problems.append(unreadable(path, error, "the other event files"))
        if bad:
            problems.append(Problem(path, f"{bad} record(s) are not valid Event messages", "the others"))
        parts.append(data)
    return parts


def joined(parts: list[EventData]) -> EventData:
    """Join the EventData of event files read one after the other into one stream."""
    if len(parts) == 1:
        return parts[0]
    data = EventData()
    for part in parts:
        data.files.extend(part.files)
        for tag, chunks in part.chunks.items():
            data.chunks.setdefault(tag, []).extend(chunks)
        data.restarts.extend(part.restarts)
        if part.hparams is not None:
            data.hparams = {**(data.hparams or {}), **part.hparams}
        if part.text_params is not None:
            data.text_params = {**(data.text_params or {}), **part.text_params}
        if part.end_status is not None:
            data.end_status, data.end_time = part.end_status, part.end_time
        if data.first_time is None:
            data.first_time = part.first_time
    return data


def _read_block(
    content: bytes,
    starts: np.ndarray,
    ends: np.ndarray,
    offset: int,
    data: EventData,
    plugins: dict[str, str],
) -> int:
    """Add the events of one block of records; return how many did not decode."""
    pending: dict[str, tuple[list[int], list[int], list[float], list[float]]] = {}
    if len(starts) < _VECTOR_MINIMUM:
        general = list(range(len(starts)))
        simple = None
    else:
        simple = parse_simple_scalars(content, starts, ends)
        general = np.flatnonzero(~simple.simple).tolist()
    bad = 0
    for index in general:
        try:
            _add_event(content[starts[index] : ends[index]], offset + index, data, plugins, pending)
        except (WireError, ValueError, UnicodeDecodeError, IndexError, RecursionError, OverflowError):
            bad += 1
    for tag, (order, steps, values, times) in pending.items():
        data.chunks.setdefault(tag, []).append(
            (np.array(order), np.array(steps, dtype=np.float64), np.array(values), np.array(times))
        )
    if simple is not None:
        if data.first_time is None and simple.simple[0] and simple.wall_times[0]:
            data.first_time = float(simple.wall_times[0])
        _add_simple_scalars(simple, offset, plugins, data)
    return bad


def _add_simple_scalars(simple: SimpleScalars, offset: int, plugins: dict[str, str], data: EventData) -> None:
    """Add a file's simple scalar points to `data`, one chunk per tag."""
    if not simple.tags:
        return
    order = np.flatnonzero(simple.simple) + offset
    by_tag = np.argsort(simple.tag_codes, kind="stable")
    bounds = np.cumsum(np.bincount(simple.tag_codes, minlength=len(simple.tags))).tolist()
    times = np.where(simple.wall_times == 0, np.nan, simple.wall_times)  # Guild writes no wall time
    steps = simple.steps.astype(np.float64)
    first = 0
    for code, tag_bytes in enumerate(simple.tags):
        rows = by_tag[first : bounds[code]]
        first = bounds[code]
        tag = tag_bytes.decode("utf-8", errors="replace")
        if plugins.get(tag, SCALARS_PLUGIN) != SCALARS_PLUGIN:
            continue
        data.chunks.setdefault(tag, []).append((order[rows], steps[rows], simple.values[rows], times[rows]))


def _add_event(
    record: bytes,
    order: int,
    data: EventData,
    plugins: dict[str, str],
    pending: dict[str, tuple[list[int], list[int], list[float], list[float]]],
) -> None:
    """Add one Event's scalars, hparams and session-log restarts."""
    simple = parse_simple_scalar(record)
    if simple is not None:
        wall_time, step, tag_bytes, simple_value = simple
        tag = tag_bytes.decode("utf-8", errors="replace")
        if plugins.get(tag, SCALARS_PLUGIN) == SCALARS_PLUGIN:
            _append(pending, tag, order, step, simple_value, wall_time)
            if data.first_time is None and wall_time:
                data.first_time = wall_time
            return
    event = parse_event(record)
    if data.first_time is None and event.wall_time:
        data.first_time = event.wall_time
    if event.session_status == SESSION_START:
        data.restarts.append((order, event.step))
        return
    if event.summary is None:
        return
    for value in parse_summary(event.summary):
        tag = value.tag
        if value.plugin_name is not None:
            plugins.setdefault(tag, value.plugin_name)
        plugin = plugins.get(tag, "")
        if plugin == HPARAMS_PLUGIN:
            _add_hparams(value.plugin_content, data)
            continue
        if plugin == TEXT_PLUGIN and tag in HYPERPARAMETER_TAGS and value.tensor is not None:
            texts = tensor_strings(value.tensor)
            table = markdown_params(texts[0].decode("utf-8", errors="replace")) if len(texts) == 1 else None
            if table is not None:
                data.text_params = {**(data.text_params or {}), **table}
            continue
        if plugin == TEXT_PLUGIN and tag == ARGS_TAG and value.tensor is not None:
            texts = tensor_strings(value.tensor)
            args = json_params(texts[0].decode("utf-8", errors="replace")) if len(texts) == 1 else None
            if args is not None:
                data.text_params = {**(data.text_params or {}), **args}
            continue
        if value.simple_value is not None:
            number: float | None = value.simple_value
        elif value.tensor is not None and plugin in ("", SCALARS_PLUGIN):
            number = tensor_scalar(value.tensor)
        else:
            number = None
        if number is not None:
            _append(pending, tag, order, event.step, number, event.wall_time)


def _append(
    pending: dict[str, tuple[list[int], list[int], list[float], list[float]]],
    tag: str,
    order: int,
    step: int,
    value: float,
    wall_time: float,
) -> None:
    """Add one point of a tag to the points decoded record by record."""
    points = pending.get(tag)
    if points is None:
        points = pending[tag] = ([], [], [], [])
    points[0].append(order)
    points[1].append(step)
    points[2].append(value)
    points[3].append(wall_time or _NAN)


def markdown_params(text: str) -> dict[str, Any] | None:
    """Return the params of a two-column Markdown table (`|param|value|`, a `|-|-|` rule, then one
    `|key|value|` row per param), typed as text read from logs is; None for any other text."""
    rows = [line.strip() for line in text.strip().splitlines()]
    if len(rows) < 3 or not all(row.startswith("|") and row.endswith("|") and len(row) > 1 for row in rows):
        return None
    cells = [[cell.strip() for cell in row[1:-1].split("|")] for row in rows]
    if any(len(row) != 2 for row in cells) or not all(set(cell) <= set("-: ") and cell for cell in cells[1]):
        return None
    return {key: parse_scalar(value) for key, value in cells[2:] if key}


def json_params(text: str) -> dict[str, Any] | None:
    """Return the params of a JSON object (the Trainer's TrainingArguments), flattened, without the
    folders it wrote to; None for any other text."""
    ok, value = parse_json(text)
    if not ok or not isinstance(value, dict):
        return None
    return {key: v for key, v in flatten_params(value).items() if key not in _ARGS_RUN_PATHS}


def _add_hparams(content: bytes, data: EventData) -> None:
    """Take the hparams (session start) or the end status (session end) of an hparams summary."""
    decoded = parse_hparams_content(content)
    if decoded.hparams is not None:
        data.hparams = {**(data.hparams or {}), **decoded.hparams}
    if decoded.end_status is not None:
        data.end_status = decoded.end_status
        data.end_time = decoded.end_time
