"""Scalars downloaded from the TensorBoard web UI: `run-<run>-tag-<tag>.csv` (Wall time, Step, Value) or
`.json` ([[wall_time, step, value], ...]), one file per run and tag; the files of one run are one run."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.adapters.csvlog import TENSORBOARD_EXPORT, CsvAdapter
from resultsbook.models import Problem, ReadResult, RunRecord, Series, Source
from resultsbook.sources import fs
from resultsbook.sources.limits import DOCUMENT
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.textio import load_json_file, to_float

# TensorBoard's own run names: `PPO_1` (SB3 counts the runs of an algorithm), `ppo_seed3`, `seed=3`
_SEED_IN_NAME = re.compile(r"(?:^|[_\-])seed[_\-=]?(?P<number>\d+)$", re.IGNORECASE)
_NUMBER_LAST = re.compile(r"[_\-](?P<number>\d+)$")
_NON_FINITE = ("nan", "inf", "infinity")
_SECOND_COPY = re.compile(r" \(\d+\)\.\w+$")  # what a browser names a file downloaded again


class TensorboardExportAdapter(Adapter):
    """Read the scalars the TensorBoard web UI downloads, one run per run name across its tags."""

    name = "tb_export"
    summary = "TensorBoard web UI downloads: run-<run>-tag-<tag>.csv/.json, one run per <run>"
    priority = 60
    claims_by_listing = True

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a folder holding TensorBoard downloads: a source per run, of all its tag files."""
        runs = runs_in(folder.files)
        if not runs:
            return None
        sources = (
            self.source(folder.file(names[0]), [folder.file(n) for n in names]) for names in runs.values()
        )
        return Claim(tuple(sources), descend=True)

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read the run of a download a path pattern names: its tag files beside it, as a claim would."""
        named = export_name(os.path.basename(path))
        if named is None:
            return None
        folder = os.path.dirname(path)
        names = runs_in(fs.listdir(folder)).get(named[0]) or [os.path.basename(path)]
        return self.source(os.path.join(folder, names[0]), [os.path.join(folder, n) for n in names])

    def read(self, source: Source) -> ReadResult:
        """Read one run's tag files, a metric per tag."""
        problems: list[Problem] = []
        metrics: dict[str, Series] = {}
        run_name = ""
        for path in source.files:
            named = export_name(os.path.basename(path))
            if named is None:
                continue
            run_name, tag = named
            series = read_export(path, tag, problems)
            if series is None:
                continue
            if tag in metrics:
                problems.append(Problem(path, f"holds tag {tag!r} of run {run_name!r} again", "the first"))
                continue
            metrics[tag] = series
        if not metrics:
            return ReadResult((), tuple(problems))
        own = run_name == "."  # the event files of the logdir itself: a run that only its folder names
        run = RunRecord(
            name=os.path.basename(os.path.dirname(os.path.abspath(source.path))) if own else run_name,
            params={} if own or source.params else params_of(run_name),  # a pattern's fields say them instead
            metrics=metrics,
            start_time=_first_time(metrics),
        )
        return ReadResult((run,), tuple(problems))


def runs_in(names: Iterable[str]) -> dict[str, list[str]]:
    """Return the downloads among file names by run, each run's in reading order (a browser's second
    copy of a tag after the first)."""
    runs: dict[str, list[str]] = defaultdict(list)
    for name in names:
        named = export_name(name)
        if named is not None:
            runs[named[0]].append(name)
    return {
        run: sorted(found, key=lambda n: (_SECOND_COPY.search(n) is not None, n))
        for run, found in runs.items()
    }


def export_name(file_name: str) -> tuple[str, str] | None:
    """Return (run, tag) a TensorBoard download's file name holds (.csv or .json), else None."""
    stem, suffix = os.path.splitext(file_name)
    if suffix.lower() not in (".csv", ".json"):
        return None
    named = TENSORBOARD_EXPORT.fullmatch(f"{stem}.csv")
    return None if named is None else (named["run"], named["tag"])


def params_of(run_name: str) -> dict[str, object]:
    """Return the params a run's name says: `run` without its number, and `seed` or `run_number`."""
    found = _SEED_IN_NAME.search(run_name)
    key = "seed"
    if found is None:
        found, key = _NUMBER_LAST.search(run_name), "run_number"
    if found is None or found.start() == 0:
        return {"run": run_name}
    return {"run": run_name[: found.start()], key: int(found["number"])}


def read_export(path: str, tag: str, problems: list[Problem]) -> Series | None:
    """Read one downloaded tag's points (CSV or JSON) as the series of that tag."""
    if path.lower().endswith(".csv"):
        csv = CsvAdapter()
        result = csv.read(csv.source(path, [path]))
        problems.extend(result.problems)
        run = result.runs[0] if result.runs else None
        if run is not None and tag not in run.metrics and run.metrics:
            columns = ", ".join(run.metrics)
            problems.append(Problem(path, f"has no Value column (columns read: {columns})", "nothing"))
        return None if run is None else run.metrics.get(tag)
    points = load_json_file(path, problems, "nothing", DOCUMENT)
    if points is None:
        return None
    if not isinstance(points, list) or not all(_is_point(point) for point in points):
        problems.append(Problem(path, "does not hold [[wall_time, step, value], ...]", "nothing"))
        return None
    table = np.array([[_number(cell) for cell in point] for point in points], dtype=np.float64).reshape(-1, 3)
    builder = SeriesBuilder()
    builder.add_column(tag, table[:, 1], table[:, 2], table[:, 0])
    series, built = builder.build(path)
    problems.extend(built)
    return series.get(tag)


def _is_point(point: object) -> bool:
    """Tell whether a JSON value is one [wall_time, step, value] of numbers (a value may be "NaN")."""
    return isinstance(point, list) and len(point) == 3 and all(_number(cell) is not None for cell in point)


def _number(cell: object) -> float | None:
    """Return a JSON cell as a float: a number, or the text TensorBoard writes for NaN and infinities
    (not a bool, nor a number written as text)."""
    if isinstance(cell, bool) or (
        isinstance(cell, str) and cell.strip().lower().lstrip("+-") not in _NON_FINITE
    ):
        return None
    return to_float(cell)  # None too for an integer no float holds


def _first_time(metrics: dict[str, Series]) -> float | None:
    """Return the earliest wall time any tag logged (None when none logged one)."""
    times = [s.times[np.isfinite(s.times)] for s in metrics.values() if s.times is not None]
    finite = [float(each.min()) for each in times if len(each)]
    return min(finite) if finite else None
