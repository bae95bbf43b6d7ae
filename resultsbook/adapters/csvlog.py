"""Plain CSV/TSV logs: one row per step, with or without a header."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Mapping

import numpy as np

from resultsbook.adapters.base import Adapter, Claim, Folder, option_list
from resultsbook.errors import closest
from resultsbook.models import STEP_COLUMNS, Problem, ReadResult, RunRecord, Source
from resultsbook.params import clipped, parse_scalar
from resultsbook.sources import fs
from resultsbook.sources.cv_results import is_cv_results
from resultsbook.sources.dvc_exp import is_exp_show_csv
from resultsbook.sources.keyvalues import holds_numbers
from resultsbook.sources.rlkit import PLANS, planned_status, rllab_settings
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.settings import read_settings
from resultsbook.sources.tabular import RUN_COLUMNS, Table, holds_no_row, read_delimited, row_index_column
from resultsbook.sources.textio import holds_json_lines, to_timestamp
from resultsbook.voice import option

CSV_SUFFIXES = (".csv", ".tsv")
PATTERN_SUFFIXES = (*CSV_SUFFIXES, ".txt")  # Spinning Up's progress.txt is tab-separated
# `Wall time`: TensorBoard's downloads (not `Time`: Spinning Up's elapsed seconds are a metric)
TIME_COLUMNS = ("time", "timestamp", "wall_time", "walltime", "Wall time", "_timestamp")
# a CSV the TensorBoard web UI downloads: `run-<run>-tag-<tag>.csv`, columns Wall time, Step, Value
TENSORBOARD_EXPORT = re.compile(r"run-(?P<run>.+)-tag-(?P<tag>.+?)(?: \(\d+\))?\.csv", re.IGNORECASE)
TENSORBOARD_EXPORT_COLUMNS = ["wall time", "step", "value"]
# a column counting steps: `actor_steps`, `total/steps`, `total_timesteps`, `TimestepsSoFar`, garage's
# `TotalEnvSteps`
_COUNT = re.compile(r"(?:^|[/_])steps$|timesteps$|timestepssofar$|totalenvsteps$")
# the results Ray Tune fills in itself in every row of a trial's progress.csv
RAY_TUNE_RESULTS = frozenset({"training_iteration", "time_this_iter_s", "time_total_s"})
# the text Ray Tune writes beside them: where and when the trial ran, never a metric nor a label of runs
RAY_TUNE_BOOKKEEPING = frozenset(
    {
        "date",
        "hostname",
        "node_ip",
        "experiment_id",
        "trial_id",
        "experiment_tag",
        "done",
        "checkpoint_dir_name",
    }
)


class CsvAdapter(Adapter):
    """Read one run per CSV/TSV file, one row per step."""

    name = "csv"
    summary = "CSV/TSV log, one row per step (found by --pattern or --adapter csv)"
    priority = 90
    claims_by_itself = False
    # 2: columns of text in every row are named once, with --adapter records; pandas' index is no metric
    # 3: a `round` column (Flower's rounds) is the step, not a metric
    # 4: Ray Tune's `training_iteration` is the step; its text columns are one trial's, not labels of runs
    # 5: `Wall time` (TensorBoard's UI download) is wall time; the export's Value is the tag its name holds
    # 6: an rlkit run (Epoch, variant.json's num_epochs) is finished at its last epoch, running before
    # 7: a second header of another width (Acme's actor processes appending to one logs.csv) reads the
    #    rows of its width instead of dropping them; a log stepped by its row number names its *_steps
    # 8: an rllab run (Iteration, params.json's n_itr) is finished at its last iteration, running before;
    #    where rllab logged is provenance, the call it pickled (args_data) no param
    # 9: `dvc exp show --csv` output (a row per experiment) is no run of its own: a problem names the reader
    # 10: a headerless file none of whose lines has a cell per column given is said so, not "its header
    #     line alone" (it has none)
    # 11: a text log (`Step 1 | loss:2.31`, one column of text) is no table: a problem names the text adapter
    # 12: JSON Lines under a .txt name is no table split at its commas: a problem names the records adapter
    # 13: a single JSON object line under a .txt name too
    # 14: a text log whose first line prints no number (a script printed before its log) is no table either
    # 15: text varying in a log of steps (SB3's Progress, `0.82%`) names no records adapter: no metric
    # 16: whole numbers rising row by row make no log of steps (a table sorted by size names records)
    reading_version = 16
    options = {
        "columns": "column names of a file without a header line",
        "step": "the column holding the step (default: step, epoch, ... or the row number)",
        "time": "the column holding wall time (default: time, timestamp, ...)",
        "params": "columns that hold configuration values rather than metrics",
        "delimiter": "field separator (default: tab for .tsv, else guessed)",
        "config": "a settings file (JSON or YAML) beside each log, its keys params: e.g. .hydra/config.yaml",
    }

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim every CSV/TSV file, but only when this adapter was asked for by name."""
        if not forced:
            return None
        names = sorted(n for n in folder.files if n.lower().endswith(CSV_SUFFIXES))
        if not names:
            return None
        return Claim(tuple(self._log_source(folder.file(n)) for n in names), descend=True)

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read any CSV/TSV/TXT file named by a path pattern; with --adapter csv, any file it names."""
        return self._log_source(path) if forced or path.lower().endswith(PATTERN_SUFFIXES) else None

    def _log_source(self, path: str) -> Source:
        """Return the source of one log, with its settings file (a change to it re-reads the run)."""
        settings = self._settings_file(path)
        return self.source(path, [path, settings] if settings else [path])

    def _settings_file(self, path: str) -> str | None:
        """Return the file the `config` option names beside a log (a glob: its first match), if any."""
        wanted = self.config.get("config")
        if not wanted:
            return None
        # the file may lie in a folder beside the log: Hydra's .hydra/config.yaml, ../config.json
        where, name = os.path.split(str(wanted))
        folder = os.path.join(os.path.dirname(path), where) if where else os.path.dirname(path)
        try:
            names = sorted(fnmatch.filter(fs.listdir(folder), name))
        except OSError:
            return None
        return os.path.join(folder, names[0]) if names else None

    def _settings_meant(self, path: str) -> str:
        """Return '; did you mean …?' with the file beside a log the `config` option likely meant."""
        where, name = os.path.split(str(self.config["config"]))
        try:
            guess = closest(name, fs.listdir(os.path.join(os.path.dirname(path), where)))
        except OSError:
            return ""
        return f"; did you mean {os.path.join(where, guess)!r}?" if guess else ""

    def read(self, source: Source) -> ReadResult:
        """Read one CSV/TSV log."""
        problems: list[Problem] = []
        path = source.path
        param_columns = set(option_list(self.config.get("params")) or [])
        wanted_time = self.config.get("time")
        given = option_list(self.config.get("columns"))
        table = read_delimited(
            path,
            problems,
            given,
            self.config.get("delimiter"),
            text={*TIME_COLUMNS, *([wanted_time] if wanted_time else []), *param_columns},
        )
        if table is not None and not given and table.columns[:1] and _json_lines(path, table.columns[0]):
            return ReadResult((), (Problem(path, json_lines_text(), "nothing from this file"),))
        if table is not None and given and not table.rows and problems:  # `--columns epoch,step` on 3 cells
            names = ", ".join(given)
            message = f"no line has the {len(given)} cells of the columns given ({names})"
            message += " (fix: one column name per cell)"
            return ReadResult((), (*problems, Problem(path, message, "no run")))
        if table is None or holds_no_row(table, path, problems):
            return ReadResult((), tuple(problems))
        columns = list(table.columns)
        first = _text_log_line(path, columns) if not self.config.get("columns") else None
        if first is not None:
            problems.append(Problem(path, text_log_text(first), "nothing from this file"))
            return ReadResult((), tuple(problems))
        if is_exp_show_csv(columns) and not self.config.get("step"):
            problems.append(Problem(path, _dvc_exp_text(), "nothing from this file"))
            return ReadResult((), tuple(problems))
        step_column = self.config.get("step") or usual_step_column(columns)
        time_column = wanted_time or next((c for c in TIME_COLUMNS if c in columns), None)
        for wanted in filter(None, [step_column, time_column, *param_columns]):
            if wanted not in columns:
                guess = closest(wanted, columns)  # named, it needs no list (rlkit's progress.csv has 83)
                meant = f"; did you mean {guess!r}?" if guess else f" (columns: {', '.join(columns)})"
                message = f"has no column {wanted!r}{meant}"
                problems.append(Problem(path, message, "the other columns"))
        if step_column in table.numbers:
            steps, has_step = table.column(step_column)
            if not has_step.all():
                problems.append(
                    Problem(
                        path,
                        f"{int((~has_step).sum())} row(s) have no numeric {step_column!r}",
                        "the other rows",
                    )
                )
        else:
            steps, has_step = np.arange(table.rows, dtype=np.float64), np.ones(table.rows, dtype=bool)
            counts = count_columns(columns) if step_column is None else []
            if counts:
                kept = "the row number (from 0) as the step"
                problems.append(Problem(path, _row_number_text(counts), kept))
        runs_in_rows = [] if param_columns else _runs_in_rows(table, path, steps, has_step, step_column)
        if runs_in_rows:  # read as one run, each step would keep its last row: the last run's
            named = ", ".join(runs_in_rows[:4])
            problems.append(
                Problem(
                    path,
                    f"holds the rows of several runs (its steps repeat, column(s) {named} vary): read it "
                    f"with {option('adapter', 'records')}, which makes one run of each distinct set of "
                    "those values, as params",
                    "nothing from this file (read as one run, each step would keep its last row)",
                )
            )
            return ReadResult((), tuple(problems))
        times = None
        if time_column in table.text:
            times = read_times(path, time_column, table.text[time_column], problems)
        builder = SeriesBuilder()
        skip = {step_column, time_column, *param_columns, row_index_column(table)}
        labels = _label_columns(table, skip)
        if labels and RAY_TUNE_RESULTS.issubset(columns):
            nested = [name for name in labels if name not in RAY_TUNE_BOOKKEEPING]
            if nested:
                problems.append(Problem(path, self._ray_tune_text(nested), "the numeric columns"))
            skip.update(labels)
        elif labels:
            kept = "the numeric columns, as one run"
            said = _CV_RESULTS_TEXT if is_cv_results(columns) else _labels_text(labels, table.rows)
            from resultsbook.sources.hints import text_varies  # only to explain

            if _steps_of_one_run(table, step_column) and text_varies(path, labels):
                said = _text_cells_text(table, labels)  # read by records, each row would be a run
            problems.append(Problem(path, said, kept))
            skip.update(labels)
        tag = tensorboard_export_tag(path, columns)
        for name in columns:
            if name in skip:
                continue
            values, present = table.metric_column(name, path, problems)
            keep = present & has_step
            if keep.any():
                key = tag if tag and name.lower() == "value" else name
                builder.add_column(key, steps[keep], values[keep], None if times is None else times[keep])
        series, series_problems = builder.build(path)
        problems.extend(series_problems)
        params = {name: parse_scalar(table.text[name][0]) for name in param_columns if table.text.get(name)}
        logged: dict = {}
        provenance: dict[str, str]
        if self.config.get("config"):
            settings = self._settings_file(path)
            if settings is None:
                message = f"has no {self.config['config']!r} beside it{self._settings_meant(path)}"
                problems.append(Problem(path, message, "the log, without its settings"))
            else:
                settings_params, logged = rllab_settings(read_settings(settings, problems))
                params = {**settings_params, **params}
        # an rlkit (rllab) run: how far its epochs (iterations) went, whichever column steps it, against
        # its variant's num_epochs (its params.json's n_itr)
        status, provenance = "unknown", {}
        for column, planned, counted in PLANS:
            if status == "unknown":
                status, provenance = planned_status(params, last_number(table, column), planned, counted)
        provenance = {**logged, **provenance}
        return ReadResult((_run_for(path, params, series, status, provenance),), tuple(problems))

    def _ray_tune_text(self, nested: list[str]) -> str:
        """Say that the text columns of a Ray Tune trial's progress.csv hold nested results, and where
        its settings are when they are not read."""
        named = ", ".join(repr(name) for name in nested)
        settings = (
            ""
            if self.config.get("config")
            else f"; {option('option', 'config=params.json')} reads its settings"
        )
        said = f"column(s) {named} hold nested values Ray Tune wrote as text in this trial's progress.csv"
        return said + settings


def _label_columns(table: Table, skip: set) -> list[str]:
    """Return the columns (not step, time or params) whose every cell is text: labels, not metrics."""
    return [
        name
        for name in table.columns
        if name not in skip and table.rows and table.bad[name] and not table.present[name].any()
    ]


def text_log_text(first: str, not_what: str = "a table") -> str:
    """Say that a file is a text log printing numbers under keys (its line `first`), not `not_what`,
    and how to read it."""
    return (
        f"is a text log printing numbers under keys ({clipped(first, 60)!r}), not {not_what}: read it with "
        f"{option('adapter', 'text')}, a run per file"
    )


def _text_log_line(path: str, columns: list[str]) -> str | None:
    """Return the line a file read as one column prints numbers under keys on, its header's (`Step 1 |
    loss:2.31`) or a later one's (a log that prints its script first, as modded-nanogpt's records do);
    None when it is a table or prints none."""
    if len(columns) != 1:
        return None
    if holds_numbers(columns[0]):
        return columns[0]
    from resultsbook.adapters.textlog import first_line_of_numbers  # only to explain

    return first_line_of_numbers(path, whole=True)


def _json_lines(path: str, first_column: str) -> bool:
    """Tell whether a file read as a table is JSON Lines (`{"model": "xgboost", "score": 0.88}` a line),
    split at its commas: its first column name opens a JSON object, and its first line is one."""
    return first_column.lstrip().startswith("{") and holds_json_lines(path)


def json_lines_text() -> str:
    """Say that a file is JSON Lines, not a table, and how to read it."""
    return (
        f"holds JSON Lines (a JSON object a line), not a table: read it with {option('adapter', 'records')}, "
        "a run per line"
    )


def _dvc_exp_text() -> str:
    """Say that a CSV is `dvc exp show --csv` output, and how to read it as a run per experiment."""
    return (
        "is `dvc exp show --csv` output, a row per DVC experiment: read it with "
        f"{option('adapter', 'records')}, a run per experiment, or collect "
        "`dvc exp show --json > exps.json`, which also says which columns are params"
    )


_CV_RESULTS_TEXT = (
    "a scikit-learn cv_results_ table (a row per candidate, its folds in split<k>_ columns): read it "
    "with --adapter records, a run per candidate and fold; a table counts the folds as replicates with "
    "--replicate fold"
)


def _labels_text(labels: list[str], rows: int) -> str:
    """Say that text columns name runs, and how to read the file as runs."""
    named = ", ".join(repr(name) for name in labels)
    return (
        f"column(s) {named} hold text in every one of its {rows} row(s): if each row is one run (or one "
        "run at one step), read the file with --adapter records, whose text columns become params"
    )


def _text_cells_text(table: Table, labels: list[str]) -> str:
    """Say that columns of a log whose rows are steps hold text that varies, not numbers: no metric."""
    named = ", ".join(repr(name) for name in labels)
    first = clipped(table.first_bad[labels[0]])
    return (
        f"column(s) {named} hold text, not numbers, in every one of its {table.rows} row(s) (the first: "
        f"{first!r}), so they are no metric"
    )


def _steps_of_one_run(table: Table, step_column: str | None) -> bool:
    """Tell whether a table's rows are the steps of one run: a column named like a step holds numbers,
    or one is named as a count of steps (SB3's `total timesteps`). Whole numbers rising row by row are
    no sign: a results table sorted by model size has them too."""
    return step_column in table.numbers or bool(count_columns(list(table.columns)))


def _runs_in_rows(
    table: Table, path: str, steps: np.ndarray, has_step: np.ndarray, step_column: str | None
) -> list[str]:
    """Return the columns that tell the rows of several runs apart in a log whose steps repeat and whose
    metrics hold two values at one step (a train and a val row at each step, each metric in its own,
    are one run): a seed or run column that varies over the whole file, or the text that varies in its
    first rows (`many_runs_columns`); none for a log of one run."""
    valid = steps[has_step]
    if len(np.unique(valid)) == len(valid):
        return []
    kinds = {name.lower(): name for name in table.columns}
    named = [kinds[key] for key in RUN_COLUMNS if key in kinds]
    metrics = [name for name in table.numbers if name not in (step_column, *named)]
    logged = (steps[table.present[name] & has_step] for name in metrics)
    if not any(len(np.unique(at)) < len(at) for at in logged):  # no metric holds two values at a step
        return []
    varying = [name for name in named if _distinct(table, name) > 1]
    if varying:
        return varying
    from resultsbook.sources.hints import many_runs_columns  # only for a log whose steps repeat

    return many_runs_columns(path)


def _distinct(table: Table, name: str) -> int:
    """Return how many distinct values a column holds, numbers or text, over the whole file."""
    if name in table.numbers and table.present[name].any():
        return len(np.unique(table.numbers[name][table.present[name]]))
    return len(set(table.text.get(name, [])))


def usual_step_column(columns: list[str]) -> str | None:
    """Return the column named like a step (`step`, ..., `epoch`), in any case (Spinning Up: `Epoch`)."""
    by_name = {column.lower(): column for column in reversed(columns)}
    for name in STEP_COLUMNS:
        if name in columns:
            return name
    return next((by_name[name] for name in STEP_COLUMNS if name in by_name), None)


def count_columns(columns: list[str]) -> list[str]:
    """Return the columns named as counts of steps (`actor_steps`, `learner_steps`: Acme's logs.csv;
    OpenAI Baselines' `total/steps`, `total_timesteps`, `TimestepsSoFar`; garage's `TotalEnvSteps`,
    beside its `Evaluation/Iteration`), which could step a log that
    has no column named like a step, those of all workers (`total…`) first; never an episode's length
    (Baselines ddpg's `rollout/episode_steps`, a mean of the episodes' steps)."""
    found = [
        column
        for column in columns
        if _COUNT.search(column.lower()) and "episode" not in column.lower().rsplit("/", 1)[-1]
    ]
    return sorted(found, key=lambda column: "total" not in column.lower())


def _row_number_text(counts: list[str]) -> str:
    """Say that a log is stepped by its row number although columns count its steps, and the fix."""
    named = ", ".join(repr(column) for column in counts)
    return (
        f"has no step column, so its rows are steps 0, 1, 2, …; column(s) {named} count steps: "
        f"{option('option', f'step={counts[0]}')} steps its curves by the first"
    )


def tensorboard_export_tag(path: str, columns: list[str]) -> str | None:
    """Return the tag a TensorBoard UI export names in its file name (its Value column is that metric)."""
    named = TENSORBOARD_EXPORT.fullmatch(os.path.basename(path))
    if named is None or [c.lower() for c in columns] != TENSORBOARD_EXPORT_COLUMNS:
        return None
    return named["tag"]


def read_times(path: str, column: str, cells: list[str], problems: list[Problem]) -> np.ndarray:
    """Return wall times (epoch seconds, NaN where a cell holds none) of a time column, reporting
    the cells that are not times."""
    times = np.full(len(cells), np.nan)
    bad = 0
    for index, cell in enumerate(cells):
        moment = to_timestamp(cell)
        if moment is not None:
            times[index] = moment
        elif cell.strip():
            bad += 1
    if bad:
        problems.append(Problem(path, f"{bad} cell(s) of column {column!r} are not times", "the other times"))
    return times


def last_number(table: Table, name: str) -> float | None:
    """Return the last number a column holds, if the table has it (the last `Epoch` an rlkit run logged)."""
    if name not in table.numbers:
        return None
    values, present = table.column(name)
    return float(values[present][-1]) if present.any() else None


def _run_for(
    path: str, params: dict, series: dict, status: str = "unknown", provenance: Mapping | None = None
) -> RunRecord:
    """Return the run of one log file, named after its folder and file."""
    return RunRecord(
        name=file_run_name(path), params=params, metrics=series, status=status, provenance=provenance or {}
    )


def file_run_name(path: str) -> str:
    """Name a run after its file and the folder holding it (`a/log.csv`): files of one name in several
    folders (a pattern's `**/log.csv`) give runs told apart by their folders."""
    return os.path.join(os.path.basename(os.path.dirname(path)), os.path.basename(path))
