"""Result files that hold many runs: a JSON list, JSON Lines or CSV with one record per run
(or per run and step); a record may carry a whole curve as a list of numbers. A JSON object of
scores per task, `{"Pong": [14.6, 12.1, ...], ...}` (benchmark results as published), is one run
per task and position: params `task` and `run` (its index from 0), metric `score`; a Keras History
dump, `{"loss": [...], "val_loss": [...]}` of one length, is one run with a curve per metric.

A field's kind is decided over the whole file, never value by value: a field holding any decimal
number is a metric in every record (so the score 510 beside 368.7 stays a score, and an `N/A` or
`nan` among its numbers is a value missing there); a field of text, booleans or only whole numbers
is a param (seeds, epochs) unless the `metrics` option names it, its name says it is a result
(`best_epoch`, `episode_reward`: the rule of sources/fields.py), or, in records of a run and step,
it counts along the step (an episode number beside the step)."""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from itertools import islice
from typing import Any

from resultsbook.adapters.base import Adapter, Claim, Folder, option_list
from resultsbook.adapters.csvlog import file_run_name, usual_step_column
from resultsbook.errors import did_you_mean
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.params import clipped, format_value, normalize_value, parse_scalar
from resultsbook.sources import cv_results, dvc_exp, fs, raytune, wandb_runs_table
from resultsbook.sources.fields import key_kind
from resultsbook.sources.fileio import unreadable
from resultsbook.sources.limits import DOCUMENT, MAX_DEPTH
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.tabular import read_delimited, row_index_column
from resultsbook.sources.textio import holds_json_lines, iter_json_records, load_json_file, to_float, too_deep
from resultsbook.voice import option

RECORD_SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv", ".tsv")


class RecordsAdapter(Adapter):
    """Read files of run records; by default text, bool and integer fields are params,
    decimal numbers are final metric values and lists of numbers are curves."""

    name = "records"
    summary = "JSON / JSON Lines / CSV file with one record per run (or per run and step)"
    priority = 85
    claims_by_itself = False
    # 2: a whole-number field counting along the step is a metric, not a param; pandas' index is no field
    # 3: an object's records are its first list of objects, not its first list (of numbers: a curve)
    # 4: runs of the same params whose step starts again (or side by side) are runs of their own;
    #    a -o step no record has reads nothing
    # 5: a `round` field (Flower's rounds) is the step, not a metric
    # 6: a W&B runs table's row is a run named by its Name, with its State; its bookkeeping is no param
    # 7: a Keras History dump ({"loss": [...], ...}) is one run of curves, not scores per task
    # 8: a whole-number field named as a result (best_epoch) is a metric; a text (N/A) or nan among a
    #    field's numbers is a missing or NaN value, not a param of that record's run
    # 9: a .json file of one object per line (Detectron2's metrics.json) is read as JSON Lines
    # 10: a scikit-learn cv_results_ table is a run per candidate and fold, not a run per row
    # 11: a second header of another width in a CSV reads the rows of its width instead of dropping them
    # 12: a step field holding a list (DreamerV3's score files: `xs` beside `ys`) steps the record's curves
    # 13: `dvc exp show --json` / `--csv` output is a run per experiment, named as DVC names it, with its
    #     state; a failed experiment's metrics (the files it was queued with) are not read
    # 14: a `dvc exp show --json` value of another shape than DVC writes is a problem naming its row and
    #     key, the other rows and experiments read (not the file lost, nor read as plain records)
    # 15: a queued `dvc exp show` experiment (not started) is `queued`, not `running`
    # 16: a W&B runs table's Pending run (and a record's status queued, scheduled or pending) is `queued`
    # 17: JSON Lines under a name of no JSON suffix (`baselines.txt`), named by --adapter records, is read
    # 18: a run is named by its params and those of its path (a pattern's fields), else by its folder and
    #     file (`a/log.txt`), not by the file's name alone
    # 19: a whole-number field named `success` or `success_rate` (0 or 1 per evaluation, TD-MPC2's) is a
    #     metric, not a param splitting each seed into a run that succeeded and one that did not
    # 20: a seed field written as a decimal of a whole number (`"seed": 1.0`, CURL's Atari 100k evals) is
    #     the seed param, not a metric averaged over the runs it should set apart
    reading_version = 20
    options = {
        "params": "fields that are params (added to the automatic choice)",
        "metrics": "fields that are metrics (added to the automatic choice)",
        "step": "field holding the step when records are one per run and step, or the list of steps of "
        "each record's curves (default xs, beside a list as long, as DreamerV3's score files hold)",
        "rename": "rename fields, e.g. run_index:seed,algorithm:algo",
        "records": "key of the list of records when the JSON file holds an object",
        "task": "scores per task ({task: [score, ...]}): the param the tasks become (default task)",
        "index": "the param numbering runs of the same params: a score's position in its list, or a run's "
        "place among records whose step starts again (default run)",
        "value": "scores per task: the metric the scores become (default score)",
    }

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim record files, but only when this adapter was asked for by name."""
        if not forced:
            return None
        names = sorted(n for n in folder.files if n.lower().endswith(RECORD_SUFFIXES))
        return (
            Claim(tuple(self.source(folder.file(n), [folder.file(n)]) for n in names), descend=True)
            if names
            else None
        )

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read a JSON or JSON Lines file named by a path pattern (unasked, not a Ray Tune trial's
        result.json: its records are one trial's results, which its progress.csv holds too)."""
        if (
            not forced
            and os.path.basename(path) == "result.json"
            and raytune.is_trial_folder(os.path.dirname(path))
        ):
            return None
        if path.lower().endswith((".json", ".jsonl", ".ndjson")):
            return self.source(path, [path])
        # named by --adapter records: JSON Lines under another name (a `results.txt` of one object a line)
        if forced and not path.lower().endswith(RECORD_SUFFIXES) and holds_json_lines(path):
            return self.source(path, [path])
        return None

    def read(self, source: Source) -> ReadResult:
        """Read every run of one records file."""
        problems: list[Problem] = []
        renames = _parse_renames(self.config.get("rename"))
        wandb_runs: list[tuple[str, str]] = []  # (name, status) of each row of a W&B runs table
        dvc_params: set[str] = set()
        dvc_metrics: set[str] = set()
        fold_params: set[str] = set()
        census = Census(self.config.get("step") or "step")
        records: list[Mapping[str, Any]] | None = None
        if self._json_lines(source.path):  # streamed twice (a census, then the runs), never held whole
            raw_fields: dict[str, None] = {}
            head: Mapping[str, Any] | None = None  # the first record
            for record in self._records(source.path, problems):
                head = record if head is None else head
                raw_fields.update(dict.fromkeys(record))
                census.add(_renamed(record, renames))
            if (head is not None and wandb_runs_table.is_runs_table([head])) or cv_results.is_cv_results(
                raw_fields
            ):  # rows of runs, held as the other formats are
                records, census = list(self._records(source.path, [])), Census(census.step)
        else:
            records = list(self._records(source.path, problems))
        if self._dvc_rows is not None:  # `dvc exp show --json`: its rows say what each value is
            runs = dvc_exp.read_exp_show(source.path, self._dvc_rows, problems)
            return ReadResult(tuple(runs), tuple(problems))
        if records is not None:
            if wandb_runs_table.is_runs_table(records):
                rows = [wandb_runs_table.run_fields(record) for record in records]
                wandb_runs, records = (
                    [(name, status) for name, status, _ in rows],
                    [kept for *_, kept in rows],
                )
            elif dvc_exp.is_exp_show_csv(self._csv_columns):  # a row per experiment, named by DVC
                settings = _params_beside(source.path, problems)
                wandb_runs, records, dvc_params, dvc_metrics = dvc_exp.csv_runs(
                    source.path,
                    records,
                    settings,
                    problems,
                    option_list(self.config.get("params")) or (),
                    self._csv_columns,
                )
            fields = {name for record in records for name in record}
            if cv_results.is_cv_results(fields):  # a row per candidate: a run per candidate and fold
                fold_params = cv_results.candidate_params(fields)
                records = [fold for record in records for fold in cv_results.fold_records(record)]
            records = [_renamed(r, renames) for r in records]
            for record in records:
                census.add(record)
        held = records
        path = source.path

        def every_record() -> Iterable[Mapping[str, Any]]:
            """Yield the records again: those held, or those of the JSON Lines file read once more."""
            if held is not None:
                return held
            # as many as the census counted: lines a run appends meanwhile are for the next collect
            return islice((_renamed(record, renames) for record in self._records(path, [])), census.count)

        forced_params = set(option_list(self.config.get("params")) or [])
        forced_params |= {renames.get(name, name) for name in fold_params | dvc_params}
        forced_metrics = set(option_list(self.config.get("metrics")) or [])
        forced_metrics |= {renames.get(name, name) for name in dvc_metrics} - forced_params
        if getattr(self, "_task_scores", False):
            forced_params |= {self._option("task"), self._option("index")}
            forced_metrics.add(self._option("value"))
        forced_params |= census.whole_seed_fields() - forced_metrics
        forced_metrics |= census.decimal_fields() - forced_params
        forced_metrics |= census.result_named_fields() - forced_params
        problems += census.texts_among_numbers(source.path, forced_metrics - forced_params)
        step_field = self.config.get("step") or ("step" if "step" in census.names else None)
        step_field = step_field or (_XS if census.count and census.all_xs_ys else None)
        if self.config.get("step") and census.count and step_field not in census.names:
            # each record would be a run of its own: a curve of N points read as N runs
            fields = set(census.names)
            problems.append(
                Problem(
                    source.path,
                    f"the step field {step_field!r} (the 'step' option) is in no record; "
                    f"{did_you_mean(str(step_field), fields, 'fields')}",
                    "nothing",
                )
            )
            return ReadResult((), tuple(problems))
        if step_field:
            forced_metrics |= census.counter_fields(step_field) - forced_params
        grouped: dict[str, tuple[dict[str, Any], SeriesBuilder, dict[str, float]]] = {}
        order: list[str] = []
        repeated: list[int] = []
        earlier_of: dict[int, int] = {}  # a repeated record (0-based) -> the earlier record of its params
        copies: list[tuple[int, int]] = []  # (record, the earlier record it repeats field for field)
        first_record: dict[str, int] = {}
        restarts = StepRestarts()
        names: dict[str, tuple[str, str]] = {}
        unstepped: dict[str, tuple[int, int, int]] = {}  # curve -> (record, its points, the steps listed)
        first_of: dict[str, Mapping[str, Any]] = {}  # the first record of each key (one per run)
        params_key = ParamsKey()
        for number, record in enumerate(every_record()):
            params, curves, finals = _split_fields(record, forced_params, forced_metrics, step_field)
            key = params_key(params)
            steps_list = _steps_list(record.get(step_field)) if step_field else None
            step = to_float(record.get(step_field)) if step_field and steps_list is None else None
            back = len(restarts.went_back)
            key = restarts.key(key, step, set(curves) | set(finals))
            if len(restarts.went_back) > back:
                restarts.records.append(number + 1)
            if wandb_runs:  # a W&B run is its row, whatever its params
                key = f"{wandb_runs[number][0]}#{number}"
                names[key] = wandb_runs[number]
            if key in grouped and step is None:
                earlier = first_record[key]
                if first_of[key] == record:  # every field the same: one row written twice
                    copies.append((number + 1, earlier + 1))
                else:
                    repeated.append(number + 1)
                    earlier_of[number] = earlier
                key = f"{key}#{number}"
            first_record.setdefault(key, number)
            first_of.setdefault(key, record)
            if key not in grouped:
                grouped[key] = (params, SeriesBuilder(), {})
                order.append(key)
            _, builder, summary = grouped[key]
            for name, values in curves.items():
                at: list[float] | range = range(len(values))  # a curve's steps: its positions, or the list
                if steps_list is not None and len(steps_list) == len(values):
                    at = steps_list
                elif steps_list is not None:
                    unstepped.setdefault(name, (number + 1, len(values), len(steps_list)))
                for index, value in enumerate(values):
                    builder.add(name, at[index], value)
            for name, value in finals.items():
                if step is None:
                    summary[name] = value
                else:
                    builder.add(name, step, value)
        named = usual_step_column(list(census.names))
        if named and copies:  # records alike of a file with a step column are rather points of curves
            repeated, copies = sorted([*repeated, *(n for n, _ in copies)]), []
        if repeated:
            first = ", ".join(str(n) for n in repeated[:5]) + (" ..." if len(repeated) > 5 else "")
            stepped = f" (step={named})" if named else ""  # Dopamine's `Iteration`: points of curves
            again = list(every_record())
            fix = (
                len(again) == census.count  # not a file rewritten since
                and settings_read_as_metrics(again, earlier_of, forced_metrics - forced_params)
            ) or (
                "fix: name the distinguishing fields, e.g. the seed, with the 'params' option, or, where "
                f"each record is a point of a curve, its step field with the 'step' option{stepped}"
            )
            problems.append(
                Problem(
                    source.path,
                    f"{len(repeated)} record(s) have the same params as an earlier one "
                    f"(records {first}; {fix})",
                    "each, as a separate run",
                )
            )
        if copies:
            shown = ", ".join(f"{n} repeats {e}" for n, e in copies[:5]) + (" ..." if len(copies) > 5 else "")
            problems.append(
                Problem(
                    source.path,
                    f"{len(copies)} record(s) repeat an earlier one field for field (record {shown}): a row "
                    "written twice counts its run twice; fix: delete the repeated rows from the file",
                    "each, as a separate run",
                )
            )
        for name, (number, points, listed) in unstepped.items():
            problems.append(
                Problem(
                    source.path,
                    f"curve {name!r} of record {number} has {points} point(s) but the step list "
                    f"{step_field!r} {listed}: stepped by its positions 0, 1, ... there",
                    "the curve, by position",
                )
            )
        uneven = restarts.uneven(source.path, self._option("index"))
        if uneven is not None:
            problems.append(uneven)
        if not step_field and not wandb_runs:
            problems.extend(
                _points_read_as_runs(source.path, census.names, [grouped[key][0] for key in order])
            )
        runs = []
        for key in order:
            params, builder, summary = grouped[key]
            if restarts.any:  # runs of the same params told apart by their position, as the step restarted
                place = restarts.position.get(key, 0)  # a record without a step is its run's first
                params = dict(sorted({**params, self._option("index"): place}.items()))
            series, series_problems = builder.build(source.path)
            problems.extend(series_problems)
            # named by its params, those its path gave (a pattern's fields) among them, else by its file
            named_by = {**source.params, **params} if source.params else params
            label = ",".join(f"{k}={format_value(v)}" for k, v in sorted(named_by.items()))
            name, status = names.get(key, ("", "unknown"))
            runs.append(
                RunRecord(
                    key=key,
                    name=name or label or file_run_name(source.path),
                    params=params,
                    metrics=series,
                    summary=summary,
                    status=status,
                )
            )
        return ReadResult(tuple(runs), tuple(problems))

    def _json_lines(self, path: str) -> bool:
        """Tell whether `_records` reads a file as JSON Lines (under any name but .csv and .tsv)."""
        lowered = path.lower()
        return not lowered.endswith((".csv", ".tsv")) and (
            not lowered.endswith(".json") or holds_json_lines(path)
        )

    def _records(self, path: str, problems: list[Problem]) -> Iterable[Mapping[str, Any]]:
        """Yield the raw records of a JSON, JSON Lines or CSV file."""
        self._task_scores = False
        self._dvc_rows: list[Any] | None = None
        self._csv_columns: list[str] = []
        lowered = path.lower()
        if lowered.endswith((".csv", ".tsv")):
            table = read_delimited(path, problems, text=True)
            if table is not None:
                self._csv_columns = list(table.columns)
                names = [name for name in table.columns if name != row_index_column(table)]
                for index in range(table.rows):
                    cells = ((name, table.text[name][index]) for name in names)
                    yield {name: parse_scalar(cell) for name, cell in cells if cell != ""}
            return
        if self._json_lines(path):  # JSON Lines, under any other name
            deep = 0
            try:
                for records in iter_json_records(path, problems):
                    for record in records:
                        nests = not _CONTAINERS.isdisjoint(
                            map(type, record.values())
                        )  # parsed: no subclasses
                        if nests and too_deep(record):
                            deep += 1
                        else:
                            yield record
            except OSError as error:
                problems.append(unreadable(path, error, "nothing from this file"))
            if deep:
                problems.append(
                    Problem(path, f"{deep} record(s) nest deeper than {MAX_DEPTH} levels", "the others")
                )
            return
        data = load_json_file(path, problems, limit=DOCUMENT)
        if data is None:
            return
        rows = None if self.config.get("records") else dvc_exp.exp_show_rows(data, path, problems)
        if rows is not None:
            self._dvc_rows = rows
            return
        if isinstance(data, Mapping) and not self.config.get("records") and is_keras_history(data):
            yield data  # one run: a curve per metric, its positions the 0-based epochs (as CSVLogger's)
            return
        if isinstance(data, Mapping) and not self.config.get("records") and is_task_scores(data):
            self._task_scores = True
            empty = sorted(str(task) for task, scores in data.items() if scores == [])
            if empty:
                problems.append(
                    Problem(path, f"{len(empty)} task(s) have no score: {', '.join(empty[:8])}", "the others")
                )
            yield from self._task_score_records(data)
            return
        if isinstance(data, Mapping):
            lists = [k for k, v in data.items() if isinstance(v, list)]
            key = self.config.get("records") or next(
                (k for k in lists if any(isinstance(v, Mapping) for v in data[k])), None
            )
            if key is None:  # a config or a result of one run: its lists are curves or settings
                problems.append(Problem(path, _no_records(lists), "nothing"))
                return
            data = data.get(key)
        if not isinstance(data, list):
            problems.append(Problem(path, _no_records([]), "nothing"))
            return
        for number, record in enumerate(data):
            if isinstance(record, Mapping):
                yield record
            else:
                problems.append(Problem(path, f"record {number + 1} is not an object", "the other records"))

    def _option(self, name: str) -> str:
        return str(self.config.get(name) or {"task": "task", "index": "run", "value": "score"}[name])

    def _task_score_records(self, data: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
        """Yield one record per task and position of a {task: [score, ...]} object."""
        task, index, value = self._option("task"), self._option("index"), self._option("value")
        for name, scores in data.items():
            for position, score in enumerate(scores if isinstance(scores, list) else [scores]):
                yield {task: str(name), index: position, value: score}


SHOWN_RUNS = 4  # runs a restart's message names with their last step


class StepRestarts:
    """Tell apart runs of the same params listed in one file without a field naming them (Dopamine's
    baselines: an agent's seeds one after another, the step starting again from the first, or side
    by side, each step's value once per seed in a row)."""

    def __init__(self) -> None:
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self.runs: dict[str, int] = {}
        self.at_step: dict[str, list[set[str]]] = {}
        self.side_by_side: set[str] = set()
        self.position: dict[str, int] = {}
        self.any = False
        self.ends: dict[str, float] = {}  # run key -> its last step
        self.went_back: list[tuple[str, float, float]] = []  # (params key, last step, step) at a restart
        self.records: list[int] = []  # the record (from 1) of each restart

    def key(self, key: str, step: float | None, metrics: set[str]) -> str:
        """Return a record's run key: a step back to the run's first after it rose starts the next
        run; where the first step's records repeat a metric, the runs are side by side, and a record
        repeating a metric of those just before it at its step is the next run's."""
        if step is None:
            self.position.setdefault(key, 0)
            return key
        if key in self.first and self.last[key] > self.first[key] and step <= self.first[key]:
            self.runs[key] = self.runs.get(key, 0) + 1
            self.went_back.append((key, self.last[key], step))
        else:
            self.first.setdefault(key, step)
        if self.last.get(key) != step:
            self.at_step[key] = []
        # rows of one step logging other metrics are one run's; a step logged again later (a resumed
        # run) is left to the series' check of repeated steps unless the runs were side by side from the start
        side = sum(1 for earlier in self.at_step[key] if earlier & metrics)
        if side and step == self.first[key]:
            self.side_by_side.add(key)
        side = side if key in self.side_by_side else 0
        self.at_step[key].append(metrics)
        self.last[key] = step
        count = self.runs.get(key, 0) + side
        self.any = self.any or count > 0
        run_key = f"{key}#run{count}" if count else key
        self.position[run_key] = count
        self.ends[run_key] = step
        return run_key

    def _ends(self, key: str) -> list[float]:
        """Return the last step of each run of one params key, in their order."""
        return [self.ends[key], *(self.ends[f"{key}#run{n}"] for n in range(1, self.runs[key] + 1))]

    def uneven(self, path: str, index: str) -> Problem | None:
        """Say where the step went back when the runs it starts end at different steps: seeds one after
        another, the last still running, or a training started again in the same place (Detectron2's
        metrics.json), which are not seeds; None when every run ends at one step (Dopamine's seeds)."""
        uneven = [
            (at, record)
            for at, record in zip(self.went_back, self.records)
            if len(set(self._ends(at[0]))) > 1
        ]
        if not uneven:
            return None
        (key, last, step), record = uneven[0]
        ends = self._ends(key)
        params = ", ".join(f"{k}={format_value(v)}" for k, v in json.loads(key).items())
        runs = ", ".join(f"{index}={n} (to step {end:g})" for n, end in enumerate(ends[:SHOWN_RUNS]))
        more = f" and {len(ends) - SHOWN_RUNS} more" if len(ends) > SHOWN_RUNS else ""
        return Problem(
            path,
            f"the step goes back from {last:g} to {step:g} at record {record}"
            f"{f' ({params})' if params else ''}: read as runs {runs}{more}, which end at different steps: "
            "seeds one after another, the last still running, or a training started again in the same "
            f"place, whose runs are not seeds (keep the one meant, e.g. {option('where', f'{index}=1')})",
            "each, as a separate run",
        )


def _points_read_as_runs(
    path: str, fields: Iterable[str], params_of_runs: list[dict[str, Any]]
) -> list[Problem]:
    """Report runs told apart only by a field named like a step (Detectron2's `iteration`): each
    record of a curve read as a run of its own, a param the step."""
    named = usual_step_column(list(fields))
    if named is None or not all(named in params for params in params_of_runs):
        return []
    rest = {
        json.dumps({k: v for k, v in p.items() if k != named}, sort_keys=True, default=str)
        for p in params_of_runs
    }
    if len(rest) == len(params_of_runs):
        return []
    return [
        Problem(
            path,
            f"{len(params_of_runs)} runs differ only in {named!r}, a step: where each record is a point "
            f"of a curve, name its step field with the 'step' option (step={named})",
            "each record as a run",
        )
    ]


def is_task_scores(data: Mapping[str, Any]) -> bool:
    """Tell whether a JSON object maps tasks to scores: every value a number or a list of numbers."""

    def number(value: Any) -> bool:
        return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))

    values = list(data.values())
    shaped = all(
        (isinstance(v, list) and all(number(x) for x in v)) or (number(v) and v is not None) for v in values
    )
    return shaped and any(v != [] for v in values)


def is_keras_history(data: Mapping[str, Any]) -> bool:
    """Tell whether a JSON object is a Keras History dump (`json.dump(model.fit(...).history)`): a
    list of numbers per metric, `loss` among them, each one value per epoch; not scores per task."""
    lengths = {len(value) if isinstance(value, list) else -1 for value in data.values()}
    return "loss" in data and len(lengths) == 1 and min(lengths) > 0 and is_task_scores(data)


_SEED_NAME = re.compile(r"(\w+_)?seed", re.IGNORECASE)


def _whole_valued(value: Any) -> bool:
    """Tell whether a value is a whole number, written as one or as a decimal (`1.0`)."""
    return _whole(value) or (isinstance(value, float) and value.is_integer())


def settings_read_as_metrics(
    records: list[Mapping[str, Any]], earlier_of: Mapping[int, int], metrics: set[str]
) -> str:
    """Say which metric fields set apart records of the same params while holding whole numbers in some
    records and decimals in others (`n_labeled`: 100, 1000, 0.1), as a setting given as a count or a
    fraction does, with the option that makes them params; empty when none does."""
    mixed, whole = [], []
    for name in sorted(metrics):
        values = [record[name] for record in records if record.get(name) is not None]
        if not any(
            records[number].get(name) != records[earlier].get(name) for number, earlier in earlier_of.items()
        ):
            continue
        if {"whole", "decimal"} <= {_kind(value) for value in values}:
            mixed.append(name)
        elif (  # a run index written 1.0, 2.0; not a score that happens to be whole (return: 250.0)
            values
            and all(isinstance(v, float) and _whole_valued(v) for v in values)
            and key_kind(name.split("."), results_file=False) != "result"
        ):
            whole.append(name)
    if not mixed and not whole:
        return ""
    named = ", ".join(repr(name) for name in mixed + whole)
    why = (
        "for the decimals it holds beside whole numbers"
        if mixed
        else "for its whole numbers written as decimals (1.0)"
    )
    return (
        f"they differ in {named}, read as a metric {why}; fix: "
        f"{option('option', 'params=' + ','.join(mixed + whole))} reads it as a setting"
    )


def _kind(value: Any) -> str:
    """Return a value's kind for `decimal_fields`: decimal, whole, text (no number) or other."""
    if isinstance(value, bool):
        return "other"
    if isinstance(value, float):
        return "decimal"
    if isinstance(value, int):
        return "whole"
    if isinstance(value, str):  # a CSV's nan or inf is a number; JSON's "1.5" stays text, as before
        number = to_float(value)
        return "text" if number is None else "other" if math.isfinite(number) else "decimal"
    return "other"


class Census:
    """What the whole file says of each field, gathered in one pass over its records (the file need
    not be held): the kinds of values it holds, which decide its kind in every record, its first
    text that is no number, and whether it counts along the step."""

    def __init__(self, step: str) -> None:
        self.step = step  # the step field whose counters are looked for
        self.names: dict[str, None] = {}  # every field, in the order met
        self.count = 0
        self.all_xs_ys = True
        self._kinds: dict[str, list[int]] = {}  # field -> values seen of each kind in _KINDS
        self._first_text: dict[str, tuple[int, str]] = {}  # field -> (record from 1, its text)
        self._seeds: dict[str, bool] = {}  # seed-named field -> its numbers are all whole so far
        self._previous: Mapping[str, Any] | None = None
        self._previous_step: float | None = None
        self._rising: set[str] = set()
        self._falling: set[str] = set()

    def add(self, record: Mapping[str, Any]) -> None:
        """Count one record's values."""
        self.count += 1
        kinds, names = self._kinds, self.names
        for name, value in record.items():
            if name not in names:
                names[name] = None
                if _SEED_NAME.fullmatch(name.rsplit(".", 1)[-1]):
                    self._seeds[name] = True
            if value is None:
                continue
            kind = (
                _DECIMAL if type(value) is float else _WHOLE if type(value) is int else _KINDS[_kind(value)]
            )
            seen = kinds.get(name)
            if seen is None:
                seen = kinds[name] = [0, 0, 0, 0]
            seen[kind] += 1
            if kind == _TEXT and name not in self._first_text:
                self._first_text[name] = (self.count, value)
            if name in self._seeds and not _whole_valued(value):
                self._seeds[name] = False
        if self.all_xs_ys and not _xs_ys(record):
            self.all_xs_ys = False
        self._count_along_step(record)

    def _count_along_step(self, record: Mapping[str, Any]) -> None:
        """Note the whole-number fields that rise and fall where the step rises from the record before."""
        previous, before = self._previous, self._previous_step
        after = to_float(record.get(self.step))
        if previous is not None and before is not None and after is not None and after > before:
            for name, value in record.items():
                earlier = previous.get(name)
                # whole numbers (_whole: JSON and CSV give ints of no other kind than bool)
                if type(value) is not int or type(earlier) is not int or name == self.step:
                    continue
                if value > earlier:
                    self._rising.add(name)
                elif value < earlier:
                    self._falling.add(name)
        self._previous, self._previous_step = record, after

    def decimal_fields(self) -> set[str]:
        """Return the fields that hold numbers, at least one of them decimal: metrics in every record. A
        text that is no number (`N/A`, `OOM`) in fewer records than hold numbers is a value missing
        there, not a setting; `nan` and `inf` are numbers."""
        return {
            name
            for name, (decimal, whole, text, other) in self._kinds.items()
            if decimal and not other and text < decimal + whole
        }

    def whole_seed_fields(self) -> set[str]:
        """Return the fields named as a seed (`seed`, `random_seed`, `config.seed`) whose numbers are all
        whole, some written as decimals (`1.0`, as pandas writes a column with a gap): seeds, as a text
        log's `seed: 1.0` is, not metrics."""
        return {name for name, whole in self._seeds.items() if whole and name in self._kinds}

    def result_named_fields(self) -> set[str]:
        """Return the fields of whole numbers only whose name says they are results, as the one rule of
        fields.py reads names (`best_epoch`, `episode_reward`, `metrics.correct`): not settings that
        would make every run of a cell differ in its configuration."""
        return {
            name
            for name, (decimal, whole, text, other) in self._kinds.items()
            if whole
            and not decimal + text + other
            and key_kind(name.split("."), results_file=False) == "result"
        }

    def texts_among_numbers(self, path: str, metrics: set[str]) -> list[Problem]:
        """Name, per metric field, the records whose value is a text that is no number (`N/A`): each is
        read as no value, which a table counts as a seed without one."""
        problems = []
        for name in sorted(metrics & self._first_text.keys()):
            decimal, whole, texts, other = self._kinds[name]
            first, value = self._first_text[name]
            more = f" and {texts - 1} more" if texts > 1 else ""
            # -o metrics named it
            what = "holds numbers, but text" if decimal + whole + other else "holds no number: text"
            problems.append(
                Problem(
                    path,
                    f"field {name!r} {what} in {texts} record(s) (record {first}: "
                    f"{clipped(value)!r}{more}): read as no value there; if {name} is a setting rather than "
                    "a result, name it with the 'params' option",
                    "the records' other fields",
                )
            )
        return problems

    def counter_fields(self, step_field: str) -> set[str]:
        """Return the whole-number fields that count along the step (an episode or epoch number logged
        beside it): where the step rises from one record to the next, they never fall and rise at
        least once. A seed or a setting stays the same while the step rises, and falls back when a
        run ends."""
        return self._rising - self._falling if step_field == self.step else set()


_KINDS = {"decimal": 0, "whole": 1, "text": 2, "other": 3}  # the kinds of `_kind`, as indexes
_DECIMAL, _WHOLE, _TEXT = 0, 1, 2


class ParamsKey:
    """Return the key of a run's params (canonical JSON), remembering those of plain values: the
    records of one run repeat them."""

    def __init__(self) -> None:
        self._known: dict[tuple[Any, ...], str] = {}

    def __call__(self, params: Mapping[str, Any]) -> str:
        if not params:
            return "{}"
        plain = all(type(value) in _PLAIN for value in params.values())
        # the type too: True, 1 and 1.0 are equal keys of a dict, but not the same JSON
        known = tuple((name, type(value), value) for name, value in params.items()) if plain else None
        key = self._known.get(known) if known is not None else None
        if key is None:
            key = json.dumps(params, sort_keys=True, default=str)
            if known is not None:
                if len(self._known) >= _KNOWN_KEYS:
                    self._known.clear()
                self._known[known] = key
        return key


_PLAIN = {str, int, float, bool, type(None)}
_CONTAINERS = {dict, list}
_KNOWN_KEYS = 4096


def _renamed(record: Mapping[str, Any], renames: Mapping[str, str]) -> Mapping[str, Any]:
    """Return a record flattened to dotted keys and renamed: the record itself when that changes nothing."""
    if not renames and dict not in set(map(type, record.values())):
        return record  # parsed JSON nests dicts, no other mapping
    return {renames.get(k, k): v for k, v in flatten_params_keep_lists(record).items()}


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def flatten_params_keep_lists(record: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten nested objects to dotted keys but keep lists as lists (they may be curves)."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, Mapping) and value:
            for inner, inner_value in flatten_params_keep_lists(value).items():
                flat[f"{key}.{inner}"] = inner_value
        else:
            flat[str(key)] = value
    return flat


def _split_fields(
    record: Mapping[str, Any], forced_params: set[str], forced_metrics: set[str], step_field: str | None
) -> tuple[dict[str, Any], dict[str, list[float]], dict[str, float]]:
    """Split one record into params, curves (lists of numbers) and final metric values."""
    params: dict[str, Any] = {}
    curves: dict[str, list[float]] = {}
    finals: dict[str, float] = {}
    for name, value in record.items():
        if name == step_field:
            continue
        if name in forced_params:
            params[name] = normalize_value(value)
        elif (
            isinstance(value, list) and value and all(to_float(v) is not None for v in value if v is not None)
        ):
            curves[name] = [float("nan") if v is None else float(to_float(v)) for v in value]  # type: ignore[arg-type]
        elif name in forced_metrics or (isinstance(value, float) and not isinstance(value, bool)):
            number = to_float(value)
            if number is not None:
                finals[name] = number
        else:
            params[name] = normalize_value(value)
    return dict(sorted(params.items())), curves, finals


_XS = "xs"  # DreamerV3's scores/*.json.gz: {task, method, seed, xs: [env steps], ys: [scores]}


def _xs_ys(record: Mapping[str, Any]) -> bool:
    """Tell whether a record holds a curve as DreamerV3's score files do: its steps in `xs`, its values in
    a list as long beside it (`ys`, or what -o rename made of it)."""
    steps = _steps_list(record.get(_XS))
    return steps is not None and any(
        isinstance(value, list) and len(value) == len(steps) for name, value in record.items() if name != _XS
    )


def _steps_list(value: Any) -> list[float] | None:
    """Return a field's list of steps (numbers, none missing), or None when it holds no such list."""
    if not isinstance(value, list) or not value:
        return None
    steps = [to_float(v) for v in value]
    return None if any(step is None for step in steps) else steps  # type: ignore[return-value]


def _params_beside(path: str, problems: list[Problem]) -> Mapping[str, Any] | None:
    """Return the DVC project's params.yaml beside a `dvc exp show --csv` file (written from the
    project's folder), or None when there is none."""
    from resultsbook.sources.yamlio import read_yaml_file

    settings = os.path.join(os.path.dirname(path), dvc_exp.PARAMS_FILE)
    if not fs.exists(settings):
        return None
    loaded = read_yaml_file(settings, problems, "no params from it")
    return loaded if isinstance(loaded, Mapping) else None


def _parse_renames(raw: Any) -> dict[str, str]:
    """Accept renames as a mapping or as 'old:new,old:new' text."""
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items()}
    pairs = option_list(raw) or []
    return dict(pair.split(":", 1) for pair in pairs if ":" in pair)


def _no_records(lists: list[str]) -> str:
    """Say that a JSON file holds no list of records, naming its lists of numbers or text, and the fixes."""
    named = f" (its lists hold no objects: {', '.join(repr(k) for k in lists[:3])})" if lists else ""
    return (
        f"holds no list of records{named}; read a file that is one run with --adapter onefile, or name the "
        "list of records with -o records=FIELD"
    )
