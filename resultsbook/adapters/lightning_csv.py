"""PyTorch Lightning's CSVLogger: `<save_dir>/<name>/version_N/` with metrics.csv and hparams.yaml."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import orjson

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.models import Problem, ReadResult, RunRecord, Series, Source
from resultsbook.params import flatten_params, parse_scalar
from resultsbook.sources import fs
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.settings import read_settings
from resultsbook.sources.tabular import Table, read_delimited
from resultsbook.sources.textio import to_timestamp
from resultsbook.voice import said

METRICS_FILE = "metrics.csv"
HPARAMS_FILE = "hparams.yaml"
META_TAGS_FILE = "meta_tags.csv"  # test-tube's, Lightning's logger before 0.7: a `key,value` row per hparam
_RUN_FILES = (HPARAMS_FILE, METRICS_FILE, META_TAGS_FILE)
TEST_TUBE_TIME = "created_at"  # test-tube's metrics.csv: each row's wall time, `2020-03-03 15:56:57.686896`
STEP_COLUMN = "step"
NO_METRICS = (
    f"holds {HPARAMS_FILE} but no {METRICS_FILE} nor TensorBoard event file: a run that has not logged "
    "yet, crashed before its first log, or whose logger wrote elsewhere"
)


class LightningCsvAdapter(Adapter):
    """Read the version folders of PyTorch Lightning's CSVLogger."""

    name = "lightning_csv"
    summary = "PyTorch Lightning CSVLogger folders (version_N/metrics.csv + hparams.yaml)"
    priority = 30
    claims_by_listing = True

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a folder with metrics.csv beside hparams.yaml (or test-tube's meta_tags.csv), or named
        version_<N>; a version_<N> with hparams.yaml alone too (a run that has logged nothing yet: said,
        not skipped)."""
        version_folder = os.path.basename(folder.path).startswith("version_")
        if METRICS_FILE not in folder.files and not (version_folder and HPARAMS_FILE in folder.files):
            return None
        # test-tube's pair marks a version folder however it was renamed (hall_of_fame/<date>/lightning_logs)
        settings = HPARAMS_FILE in folder.files or META_TAGS_FILE in folder.files
        if not settings and not version_folder:
            return None
        names = [n for n in _RUN_FILES if n in folder.files]
        return Claim((self.source(folder.path, [folder.file(n) for n in names]),))

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read the version folder of a metrics.csv matched by a path pattern, or of a hparams.yaml
        named (the run is its folder's, not a run of params alone beside it)."""
        name, folder = os.path.basename(path), os.path.dirname(path)
        names = [n for n in _RUN_FILES if fs.exists(os.path.join(folder, n))]
        version_folder = os.path.basename(folder).startswith("version_")
        if name not in (HPARAMS_FILE, METRICS_FILE) or (METRICS_FILE not in names and not version_folder):
            return None
        return self.source(folder, [os.path.join(folder, n) for n in names])

    def read(self, source: Source) -> ReadResult:
        """Read one version folder."""
        problems: list[Problem] = []
        params = read_hparams(os.path.join(source.path, HPARAMS_FILE), problems)
        test_tube = META_TAGS_FILE in map(os.path.basename, source.files)
        if not params and test_tube:
            params = read_meta_tags(os.path.join(source.path, META_TAGS_FILE), problems)
        metrics_path = os.path.join(source.path, METRICS_FILE)
        table = None
        times = TEST_TUBE_TIME if test_tube else None
        if fs.exists(metrics_path):
            table = read_delimited(metrics_path, problems, delimiter=",", text=(times,) if times else ())
        else:
            problems.append(Problem(source.path, NO_METRICS, "its params, no metrics"))
        metrics = read_sparse_table(metrics_path, table, STEP_COLUMN, problems, times) if table else {}
        metrics, summary = split_validation_after_fit(metrics_path, metrics, problems)
        parts = os.path.abspath(source.path).replace(os.sep, "/").split("/")
        run = RunRecord(
            name="/".join(parts[-2:]),
            params=params,
            metrics=metrics,
            summary=summary,
            experiment=parts[-2] if len(parts) > 1 else None,
        )
        return ReadResult((run,), tuple(problems))


def split_validation_after_fit(
    path: str, metrics: dict[str, Series], problems: list[Problem]
) -> tuple[dict[str, Series], dict[str, float]]:
    """Take a `trainer.validate()` run after `fit` out of the curves, as the final values it reports.

    Lightning logs it at the step after the fit's last validation and one epoch past the fit's last:
    the fit validates at the last step of each epoch, so its validations are more than one step
    apart (with one step an epoch the two cannot be told apart, and nothing is taken out).
    """
    epochs = metrics.get("epoch")
    if epochs is None or len(epochs) < 2:
        return metrics, {}
    step, epoch = epochs.steps[-1], epochs.values[-1]
    if epochs.steps[-2] != step - 1 or epochs.values[-2] != epoch - 1:
        return metrics, {}
    after_fit = [
        name
        for name, series in metrics.items()
        if name != "epoch" and len(series) >= 3 and series.steps[-1] == step
        and series.steps[-2] == step - 1 and series.steps[-3] < step - 2
    ]  # fmt: skip
    if not after_fit:
        return metrics, {}
    summary = {name: float(metrics[name].values[-1]) for name in after_fit}
    trimmed = {
        name: Series(s.steps[:-1], s.values[:-1], None if s.times is None else s.times[:-1])
        if name in after_fit else s
        for name, s in metrics.items()
    }  # fmt: skip
    names = ", ".join(after_fit)
    problems.append(
        Problem(
            path,
            f"its last points, at epoch {int(epoch)} (one past the fit's last) a step after its last "
            "validation, are a trainer.validate() after fit",
            f"as the final value of {names}{said(' (`resultsbook runs --metric KEY:summary`)', '')}, not a "
            "point of their curves",
        )
    )
    return trimmed, summary


def read_hparams(path: str, problems: list[Problem]) -> dict[str, Any]:
    """Read hparams.yaml safely (Python tags become plain data) into dotted params."""
    return read_settings(path, problems, "hyperparameters") if fs.exists(path) else {}


def read_meta_tags(path: str, problems: list[Problem]) -> dict[str, Any]:
    """Read test-tube's meta_tags.csv (a `key,value` row per hparam, lists as `[10, 10]`) into params."""
    table = read_delimited(path, problems, delimiter=",", text=True)
    if table is None:
        return {}
    if table.columns[:2] != ("key", "value"):
        problems.append(Problem(path, "has no key,value columns, as test-tube writes them", "no params"))
        return {}
    pairs = zip(table.text["key"], table.text["value"])
    return flatten_params({key: _tag_value(value) for key, value in pairs if key})


def _tag_value(text: str) -> Any:
    """Return a meta_tags.csv value as its type: a number, a bool, a JSON list or object, else the text."""
    if text.lstrip().startswith(("[", "{")):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:  # a Python repr (`['a']`): the text, as written
            return text
    return parse_scalar(text)


def read_sparse_table(
    path: str, table: Table, step_column: str, problems: list[Problem], time_column: str | None = None
) -> dict[str, Series]:
    """Read a table whose rows each hold some metrics at a step (empty cells: not logged then), and
    the wall time of each row from `time_column` (read as text) when it has one.

    The same value repeated at one step (Lightning adds `epoch` to the train and the validation
    row of a step) is one point, not a duplicate.
    """
    row_times = None
    if time_column is not None and time_column in table.text:
        stamps = map(to_timestamp, table.text[time_column])
        row_times = np.array([math.nan if stamp is None else stamp for stamp in stamps], dtype=np.float64)
    columns = list(table.columns)
    if step_column in table.numbers:
        steps, has_step = table.column(step_column)
        if not has_step.all():
            problems.append(
                Problem(
                    path, f"{int((~has_step).sum())} row(s) have no numeric {step_column!r}", "the others"
                )
            )
    else:
        problems.append(Problem(path, f"has no {step_column!r} column", "rows numbered from 0 as steps"))
        steps, has_step = np.arange(table.rows, dtype=np.float64), np.ones(table.rows, dtype=bool)
    builder = SeriesBuilder()
    for name in columns:
        if name in (step_column, time_column):
            continue
        values, present = table.metric_column(name, path, problems)
        keep = np.flatnonzero(present & has_step)
        if not len(keep):
            continue
        key_steps, key_values = steps[keep], values[keep]
        key_times = None if row_times is None else row_times[keep]
        if len(keep) > 1:
            repeated = (key_steps[1:] == key_steps[:-1]) & (
                (key_values[1:] == key_values[:-1]) | (np.isnan(key_values[1:]) & np.isnan(key_values[:-1]))
            )
            if repeated.any():
                unique = np.concatenate([[True], ~repeated])
                key_steps, key_values = key_steps[unique], key_values[unique]
                key_times = None if key_times is None else key_times[unique]
        builder.add_column(name, key_steps, key_values, key_times)
    series, series_problems = builder.build(path)
    problems.extend(series_problems)
    return series


def inside_version_note(path: str) -> str | None:
    """Say which Lightning version folder to collect when `path` is a folder inside one (its
    `checkpoints/`), where no run of its own is; None for any other folder."""
    if "://" in path:  # object storage: not looked into to explain
        return None
    version = os.path.dirname(os.path.abspath(path))
    if not os.path.basename(version).startswith("version_"):
        return None
    try:
        with fs.scandir(version) as entries:
            names = [entry.name for entry in entries]
    except OSError:
        return None
    logs = sorted(name for name in names if name in (HPARAMS_FILE, METRICS_FILE) or "tfevents" in name)
    if not logs:
        return None
    shown = os.path.normpath(os.path.join(path, os.pardir))  # in the words it was given
    held = ", ".join(logs[:2]) + (", …" if len(logs) > 2 else "")
    return (
        f"it is inside the Lightning version folder {shown}, which holds its logs ({held}): collect that "
        f"folder, or {os.path.normpath(os.path.join(shown, os.pardir))} for every version"
    )
