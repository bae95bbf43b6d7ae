"""DVCLive folders (dvclive >= 1.0): metrics.json, params.yaml and plots/metrics/**.tsv."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.params import flatten_params
from resultsbook.sources import fs
from resultsbook.sources.dvc_exp import workspace_problem
from resultsbook.sources.fileio import files_below, loop_problem
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.tabular import read_delimited
from resultsbook.sources.textio import load_json_file, to_float
from resultsbook.sources.yamlio import read_yaml_file

METRICS_FILE = "metrics.json"
PARAMS_FILE = "params.yaml"
PLOTS_DIR = "plots"
METRICS_DIR = os.path.join("plots", "metrics")
DEFAULT_DIR = "dvclive"
DVC_FILE = "dvc.yaml"  # marks a DVC project, whose params.yaml holds the experiment's params
_STEP, _TIMESTAMP = "step", "timestamp"


class DvcliveAdapter(Adapter):
    """Read a DVCLive output folder; one run per folder (DVCLive clears it at each new run)."""

    name = "dvclive"
    # 2: the DVC project's params.yaml gives params; 3: metrics.json's step is provenance dvclive.step
    # 4: a Live folder in a DVC project says it holds the workspace's last run, not the experiments
    reading_version = 4
    summary = "DVCLive folders (metrics.json, params.yaml, plots/metrics/**.tsv)"
    priority = 35

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # the plots/ of Live folders the walk goes on below (for nested Live folders): read with them
        self._read_plots: set[str] = set()

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a folder holding plots/ beside metrics.json or params.yaml, or named dvclive."""
        if folder.path in self._read_plots:
            return Claim((), descend=False)  # its TSVs are its Live folder's run, not logs left unread
        if PLOTS_DIR not in folder.dirs or "run.json" in folder.files:
            return None
        named = os.path.basename(folder.path) == DEFAULT_DIR
        if not (named or forced or METRICS_FILE in folder.files or PARAMS_FILE in folder.files):
            return None
        # Live(dir="dvclive/fold_0") inside a Live folder: its own runs (cross-validation folds)
        nested = any(name != PLOTS_DIR for name in folder.dirs)
        if nested:
            self._read_plots.add(os.path.join(folder.path, PLOTS_DIR))
        return Claim((self._live_source(folder.path, folder.files),), descend=nested)

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read the Live folder of a metrics.json or params.yaml a path pattern matched (not the file
        alone: its series are in plots/)."""
        folder = os.path.dirname(path)
        if os.path.basename(path) not in (METRICS_FILE, PARAMS_FILE) or not fs.isdir(
            os.path.join(folder, PLOTS_DIR)
        ):
            return None
        names = {name for name in (METRICS_FILE, PARAMS_FILE) if fs.exists(os.path.join(folder, name))}
        return self._live_source(folder, names)

    def _live_source(self, folder: str, names: Collection[str]) -> Source:
        """Return the source of a Live folder holding these of its top files: them, and every TSV."""
        files = [os.path.join(folder, n) for n in (METRICS_FILE, PARAMS_FILE) if n in names]
        files.extend(path for _, path in metric_tables(folder))
        project = project_params(folder)
        return self.source(folder, files if project is None else [*files, project])

    def read(self, source: Source) -> ReadResult:
        """Read one DVCLive folder."""
        problems: list[Problem] = []
        builder = SeriesBuilder()
        loops: list[str] = []
        for name, path in metric_tables(source.path, loops):
            _add_table(builder, name, path, problems)
        problems.extend(loop_problem(link) for link in loops)
        metrics, series_problems = builder.build(os.path.join(source.path, METRICS_DIR))
        problems.extend(series_problems)
        summary, step = read_summary(os.path.join(source.path, METRICS_FILE), problems)
        # metrics.json repeats each series' latest value (a step behind in a live or killed run):
        # only the values logged with plot=False, which have no TSV, are its own
        summary = {key: value for key, value in summary.items() if key not in metrics}
        params = _read_params(os.path.join(source.path, PARAMS_FILE), problems)
        # the DVC project's params.yaml (what `dvc exp show` shows), found when the folder was claimed
        project = [
            path
            for path in source.files
            if os.path.basename(path) == PARAMS_FILE and os.path.dirname(path) != source.path
        ]
        if project:
            params = {**_read_params(project[0], problems), **params}  # the run's own (log_params) win
            # DVCLive clears its folder at each run: `dvc exp run`'s experiments are git refs, not here
            holds = "this DVCLive folder holds the workspace's last run alone, not the experiments (git refs)"
            said = workspace_problem(source.path, holds, "the folder, as one run", folder=True)
            problems.extend([said] if said is not None else [])
        folder = os.path.abspath(source.path)
        name = os.path.basename(folder)
        if name == DEFAULT_DIR:
            name = f"{os.path.basename(os.path.dirname(folder))}/{name}"
        run = RunRecord(
            name=name,
            params=params,
            metrics=metrics,
            summary=summary,
            # named as DVCLive's, not a bare `step` that `diff` would show beside the params
            provenance={"dvclive": {"step": step}} if step is not None else {},
        )
        return ReadResult((run,), tuple(problems))


def _read_params(path: str, problems: list[Problem]) -> dict[str, Any]:
    """Read a params.yaml into flat params ({} when there is none)."""
    if not fs.exists(path):
        return {}
    loaded = read_yaml_file(path, problems, "no params from it")
    if isinstance(loaded, Mapping):
        return flatten_params(loaded)
    if loaded is not None:
        problems.append(Problem(path, "does not hold a mapping of params", "no params from it"))
    return {}


def project_params(folder: str, levels: int = 3) -> str | None:
    """Return the params.yaml of the DVC project a Live folder belongs to (beside a dvc.yaml, at most
    `levels` folders up), or None."""
    current = os.path.dirname(os.path.abspath(folder))
    for _ in range(levels):
        if fs.exists(os.path.join(current, DVC_FILE)) and fs.exists(os.path.join(current, PARAMS_FILE)):
            return os.path.join(current, PARAMS_FILE)
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
    return None


def inside_live_note(path: str) -> str | None:
    """Say which Live folder to collect when `path` is inside one's plots/ (its series, which are that
    run's, not runs of their own); None for any other folder."""
    if "://" in path:  # object storage: not looked into to explain
        return None
    folder = os.path.abspath(path)
    for levels in range(1, 5):  # plots/metrics/<group>/<subgroup>: DVCLive nests no deeper in practice
        live = os.path.dirname(folder)
        if os.path.basename(folder) == PLOTS_DIR and (
            os.path.basename(live) == DEFAULT_DIR
            or any(fs.exists(os.path.join(live, name)) for name in (METRICS_FILE, PARAMS_FILE))
        ):
            shown = os.path.normpath(os.path.join(path, *[os.pardir] * levels))  # in the words it was given
            return f"it is inside the DVCLive run {shown}, whose series it holds: collect that folder"
        if live == folder:
            break
        folder = live
    return None


def metric_tables(folder: str, loops: list[str] | None = None) -> list[tuple[str, str]]:
    """Return (metric name, path) of every TSV under plots/metrics; sub-folders join the name with "/".
    Links are followed; one back to a folder that contains it is added to `loops`."""
    root = os.path.join(folder, METRICS_DIR)
    found: list[tuple[str, str]] = []
    for path in files_below(root, [] if loops is None else loops):
        if path.endswith(".tsv"):
            relative = os.path.relpath(path, root)[: -len(".tsv")]
            found.append((relative.replace(os.sep, "/"), path))
    return found


def _add_table(builder: SeriesBuilder, name: str, path: str, problems: list[Problem]) -> None:
    """Add one metric's TSV (optional timestamp in ms, step, value) to the builder."""
    table = read_delimited(path, problems, delimiter="\t")
    if table is None or not table.rows:
        return
    columns = list(table.columns)
    value_column = name.rsplit("/", 1)[-1]
    if value_column not in columns:
        others = [c for c in columns if c not in (_STEP, _TIMESTAMP)]
        if not others:
            problems.append(Problem(path, "has no value column", "nothing from this file"))
            return
        value_column = others[-1]
    values, present = table.column(value_column)
    if table.bad[value_column]:
        problems.append(Problem(path, table.not_numbers(value_column, "value(s) are"), "the numeric ones"))
    if _STEP in table.numbers:
        steps, has_step = table.column(_STEP)
        if not has_step.all():
            problems.append(
                Problem(path, f"{int((~has_step).sum())} row(s) have no numeric step", "the others")
            )
    else:
        steps, has_step = np.arange(table.rows, dtype=np.float64), np.ones(table.rows, dtype=bool)
    times = None
    if _TIMESTAMP in table.numbers:
        stamps, has_stamp = table.column(_TIMESTAMP)
        times = np.where(has_stamp, stamps / 1000.0, np.nan)  # DVCLive writes milliseconds
    keep = present & has_step
    if keep.any():
        builder.add_column(name, steps[keep], values[keep], None if times is None else times[keep])


def read_summary(path: str, problems: list[Problem]) -> tuple[dict[str, float], Any]:
    """Return the final values of metrics.json (nested names joined with "/") and its `step`."""
    if not fs.exists(path):
        return {}, None
    data = load_json_file(path, problems, "no final values")
    if data is None:
        return {}, None
    if not isinstance(data, Mapping):
        problems.append(Problem(path, "does not hold a JSON object", "no final values"))
        return {}, None
    summary: dict[str, float] = {}
    bad: list[str] = []

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        for key, value in node.items():
            if isinstance(value, Mapping):
                walk(value, f"{prefix}{key}/")
                continue
            number = to_float(value)  # DVCLive writes non-finite values as "nan", "inf" strings
            if number is not None:
                summary[f"{prefix}{key}"] = number
            else:
                bad.append(f"{prefix}{key}")

    step = data.get(_STEP)
    if step is not None and (to_float(step) is None or isinstance(step, bool)):
        bad.append(_STEP)
        step = None
    walk({k: v for k, v in data.items() if k != _STEP}, "")
    if bad:
        problems.append(
            Problem(path, f"{len(bad)} value(s) are not numbers (the first: {bad[0]!r})", "the numbers")
        )
    return summary, step
