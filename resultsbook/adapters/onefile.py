"""One file = one run: a JSON or YAML file holding one run's configuration and results, as many
papers publish them (`report.json`, `results.json`, `metrics.json`, `eval_results.json`,
`scores.json`, a YAML summary). Nested keys are flattened (`metrics.test.score`); which are
results and which are params follows the rule of `resultsbook.sources.fields`."""

from __future__ import annotations

import dataclasses
import fnmatch
import os
from collections.abc import Collection, Mapping
from types import ModuleType
from typing import Any

from resultsbook.adapters.base import Adapter, Claim, Folder, option_choice, option_list
from resultsbook.adapters.csvlog import usual_step_column
from resultsbook.adapters.records import RecordsAdapter
from resultsbook.models import Problem, ReadResult, RunRecord, Series, Source
from resultsbook.params import flatten_fields, normalize_value
from resultsbook.sources import (
    allennlp,
    detectron2,
    dvc_exp,
    fs,
    kerastuner,
    lighteval,
    lm_eval,
    mmcv,
    mmengine,
    nnunet,
    opencompass,
    raytune,
    speechbrain,
)
from resultsbook.sources.fields import FieldRule, is_results_file
from resultsbook.sources.interpolation import (
    InterpolationTooLarge,
    resolve_interpolations,
)
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.settings import read_settings
from resultsbook.sources.settings_names import is_settings_name, settings_file_among
from resultsbook.sources.status_words import normalize_status
from resultsbook.sources.textio import (
    holds_json_lines,
    holds_json_object,
    iter_json_records,
    load_json_file,
    to_float,
)
from resultsbook.sources.yamlio import read_yaml_file
from resultsbook.voice import option

# the names found without being asked for (when a folder holds exactly one of them)
RUN_FILE_NAMES = (
    "report.json", "results.json", "result.json", "metrics.json", "scores.json", "eval_results.json",
    "all_results.json", "summary.json", "report.yaml", "results.yaml", "metrics.yaml", "scores.yaml",
)  # fmt: skip
SUFFIXES = (".json", ".yaml", ".yml")
_YAML = (".yaml", ".yml")


class OneFileAdapter(Adapter):
    """Read one run from one JSON or YAML file: params and final results, curves when a result is a
    list of numbers."""

    name = "onefile"
    summary = (
        "one JSON or YAML file per run (report.json, results.json, metrics.json, *.yaml, ...; "
        "MMEngine's vis_data/scalars.json, MMCV 1.x's <timestamp>.log.json, nnU-Net's validation "
        "summary.json, AllenNLP's serialization directories, SpeechBrain's train_log.txt beside "
        "hyperparams.yaml, Keras Tuner's trial_<id>/trial.json)"
    )
    priority = 80  # after every tracker's format (their folders hold such files too), before records
    # 2: a section named like results (`pws_result`, `test_metrics`) holds results
    # 3: a JSON Lines file of a usual name (Detectron2's metrics.json) is one run's curves,
    #    its config.yaml the params, its log.txt and last_checkpoint the status
    # 4: MMEngine's vis_data/scalars.json is one run (training and validation records apart), its
    #    config.py the params, its <timestamp>.log the seed
    # 5: MMCV 1.x's <timestamp>.log.json is one run (training and validation records apart, each at
    #    its own step), the config in its first line the params
    # 6: nnU-Net's summary.json is one run of its means (the cases left out), its folders (or its
    #    fold's debug.json) the params
    # 7: AllenNLP's serialization directory is one run: its metrics_epoch_<N>.json the curves (step N),
    #    metrics.json the finals, config.json the params with the seeds as `seed`; its log/ not walked
    # 8: SpeechBrain's experiment folder is one run: its train_log.txt the curves (step: the epoch) and
    #    the finals (its test line), hyperparams.yaml the params, a seed folder's name the seed
    # 9: an MMCV 1.x training resumed from a checkpoint of its work_dir is the run of the log.json it
    #    started in (it was the last log's: a resume collected after the first log made it missing)
    # 10: an MMEngine training resumed with --resume in a later run folder of its work_dir is the run
    #    of the folder it started in (it was two runs, which a table averaged as two)
    # 11: an nnU-Net v2 fold whose folders and debug.json do not name its dataset takes it from its
    #    trainer folder's plans.json (`dataset_name`)
    # 12: Keras Tuner's trial_<id>/trial.json is one run: hyperparameters.values the params, each
    #    metric's observations a curve, score and best_step the finals, its status read; its oracle.json
    #    and tuner0.json no runs
    # 13: lm-evaluation-harness's samples_<task>_<date>.jsonl beside its results is no run file; with
    #    -o per_task=true a results file is one run per task (param `task`, metrics `acc`, ...)
    # 14: with -o per_task=true a lighteval (Open LLM Leaderboard) results file is one run per task too:
    #    `harness|arc:challenge|25` the task `arc:challenge`, suite `harness`, num_fewshot 25; `all` none
    # 15: OpenCompass's results/<model>/<dataset>.json leaves out `details`, one entry per test item
    #    (its prompt and prediction were params)
    # 16: a results file in a DVC project (dvc.yaml above it) says it is the workspace's alone and how
    #    to read the experiments (`dvc exp show --json`)
    # 17: lighteval's timings (config_general.start_time, end_time, total_evaluation_time_secondes) are
    #    no params: the file's name dates the run's end, its start that less the evaluation's time
    # 18: a file's status queued, scheduled or pending is `queued` (not started), not `running` (pending
    #    was no status, but a param)
    # 19: a text a results file holds outside a section of results (`"model": "gpt2"` beside `"acc": 0.8`)
    #    is a param, not left out; a file named by its seed (`seed_0.json`) is a results file
    # 20: a file named with a results word first (`summary_unet_s0.json`) is a results file; a history's
    #    records that each number a field named like a step (`epoch`) are stepped by it, not by position
    # 21: a key named `success` or `success_rate` (`*_success`) is a result, not a setting
    # 22: a settings file beside a run file (config.json, args.yaml, hparams.yaml) gives the run its
    #    params (it was left unread: runs of several seeds and configs had none); `*.stats.json` and
    #    `stats.json` are results files, plural measures (`episode_rewards`) results
    reading_version = 22
    options = {
        "files": "names (globs) of the files that are runs, e.g. report.json or '*.yaml'",
        "params": "keys (globs) that are params although the rule says results, e.g. 'metrics.n_*'",
        "metrics": "keys (globs) that are results although the rule says params, e.g. 'n_parameters'",
        "ignore": "keys (globs) to leave out, e.g. 'gpus,time'",
        "per_task": "true: an lm-evaluation-harness or lighteval results file is one run per task (param "
        "`task`, its shots `num_fewshot`, metrics `acc`, `acc_norm`, ... without lm-eval's `,none` filter)",
    }

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.files = option_list(self.config.get("files")) or []
        self.rule = FieldRule(
            params=tuple(option_list(self.config.get("params")) or ()),
            metrics=tuple(option_list(self.config.get("metrics")) or ()),
            ignore=tuple(option_list(self.config.get("ignore")) or ()),
        )
        self.per_task = option_choice(self.config, "per_task", ("false", "true")) == "true"

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim the run files of a folder. Unasked, only a folder with exactly one file of a usual
        name (report.json, results.json, ...) is claimed: two such files could be one run or two; and
        MMEngine's `vis_data/` by its scalars.json, with its config.py and the log beside it; AllenNLP's
        serialization directory by its metrics_epoch_<N>.json, its TensorBoard `log/` left unwalked
        (its events repeat the epochs)."""
        if not self.files and allennlp.is_run_folder(folder.files):
            return Claim((self.source(folder.path, allennlp.run_files(folder.path, folder.files)),))
        if not self.files and kerastuner.is_trial_folder(folder.path, folder.files):
            path = folder.file(kerastuner.TRIAL_FILE)  # beside it: checkpoints, build_config.json
            return Claim((self.source(path, [path]),))
        if not self.files and speechbrain.is_run_folder(folder.files):  # its save/ holds checkpoints
            return Claim((self.source(folder.path, speechbrain.run_files(folder.path, folder.files)),))
        if not self.files and mmengine.is_run_folder(folder.path, folder.files):
            path = folder.file(mmengine.SCALARS_FILE)
            beside = mmengine.side_files(folder.path, folder.files)
            return Claim((self.source(path, [path, *beside]),), descend=True)
        logs = [] if self.files else sorted(name for name in folder.files if mmcv.is_run_log(name))
        if logs:  # MMCV 1.x's work_dir: a <timestamp>.log.json per training, the .log and config beside
            paths = [folder.file(name) for name in logs]
            return Claim(
                tuple(
                    self.source(p, [p, *mmcv.side_files(folder.path, folder.files, os.path.basename(p))])
                    for p in paths
                ),
                descend=True,
            )
        names = sorted(
            name
            for name in folder.files
            if self._wanted(name, forced)
            and not kerastuner.is_project_file(name, folder.dirs)
            and not lm_eval.is_samples_file(name)
        )
        if not names or (not forced and not self.files and len(names) > 1):
            return None
        if not forced and not self.files and raytune.TRIAL_FILES.issubset(folder.files):
            return None  # Ray Tune's result.json: a line per iteration, its progress.csv read by a pattern
        beside = detectron2.side_files(folder.path, folder.files)
        paths = [folder.file(name) for name in names if folder.file(name) not in beside]
        if not self.files and names == [nnunet.SUMMARY_FILE]:  # nnU-Net's: its debug.json, plans.json above
            beside = [*beside, *nnunet.side_files(folder.path)]
        elif not forced and not beside and len(paths) == 1:  # its config.json, args.yaml: its params
            beside = self._settings_among(paths[0], folder.files)
        return Claim(tuple(self.source(path, [path, *beside]) for path in paths), descend=True)

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read a file named by a path pattern: a usual name or any YAML file; any file when asked."""
        name = os.path.basename(path)
        if lm_eval.is_samples_file(path):
            return None  # lm-eval's samples_<task>_<date>.jsonl: one line per test item, beside the results
        if not forced and name.lower() == "result.json" and raytune.is_trial_folder(os.path.dirname(path)):
            return None  # Ray Tune's result.json: a line per iteration, its progress.csv read by a pattern
        if name == mmengine.SCALARS_FILE and not self.files:
            return self.source(path, [path, *mmengine.side_files_beside(path)])
        if mmcv.is_run_log(name) and not self.files:
            return self.source(path, [path, *mmcv.side_files_beside(path)])
        if not self.files and (name in allennlp.RUN_FILES or allennlp.EPOCH_FILE.fullmatch(name)):
            folder, names = fs.names_beside(path)
            if allennlp.is_run_folder(names):  # a serialization directory: the folder is the run
                return self.source(folder, allennlp.run_files(folder, names))
        if not self.files and name in speechbrain.RUN_FILES:
            folder, names = fs.names_beside(path)
            # an experiment folder is the run, and so is a train_log.txt named without its hyperparams
            if name == speechbrain.TRAIN_LOG or speechbrain.is_run_folder(names):
                return self.source(folder, speechbrain.run_files(folder, names))
        scalars = None if forced or self.files else mmengine.scalars_of_copy(path)
        if scalars is not None:  # vis_data/<timestamp>.json, which MMDetection's analyze_logs.py takes
            return self.source(scalars, [scalars, *mmengine.side_files_beside(scalars)])
        if name == nnunet.SUMMARY_FILE and not forced and not self.files:
            return self.source(path, [path, *nnunet.side_files(os.path.dirname(path))])
        if not self.files and (name == kerastuner.TRIAL_FILE or kerastuner.is_oracle_file(path)):
            return self.source(path, [path])  # a trial is read as one; the oracle.json says it is none
        if not self.files and kerastuner.is_side_file(path):
            return None
        if forced or self._wanted(name, False) or name.lower().endswith(_YAML):
            return self.source(path, [path, *self._settings_beside(path)])
        if not self.files and is_results_file(name) and holds_json_object(path):
            # one run's results (summary_unet_s0.json), not records
            return self.source(path, [path, *self._settings_beside(path)])
        return None

    def _settings_beside(self, path: str) -> list[str]:
        """Return the settings file beside a run file a pattern named."""
        return self._settings_among(path, fs.files_beside(path))

    def _settings_among(self, path: str, names: Collection[str]) -> list[str]:
        """Return the settings file among the names of a run file's folder (config.json, args.yaml),
        whose keys are the run's params, as a list of none or one; none when `files` names the run
        files, or the run file is one."""
        if self.files or len(names) < 2:  # nothing beside the run file
            return []
        run = os.path.basename(path)
        settings = settings_file_among(name for name in names if name != run)
        if settings is None or is_settings_name(run):
            return []
        return [os.path.join(os.path.dirname(path), settings)]

    def _wanted(self, name: str, forced: bool) -> bool:
        """Tell whether a file name is a run file: the `files` globs, else the usual names (and any
        JSON or YAML file when this adapter was named)."""
        if self.files:
            return any(fnmatch.fnmatch(name, glob) for glob in self.files)
        lowered = name.lower()
        return lowered in RUN_FILE_NAMES or (forced and lowered.endswith(SUFFIXES))

    def read(self, source: Source) -> ReadResult:
        """Read one run file."""
        problems: list[Problem] = []
        path = source.path
        if not self.files and allennlp.is_run_folder(map(os.path.basename, source.files)):
            return allennlp.read_run(path, source.files, _run_name(path, folder=True))
        if not self.files and speechbrain.TRAIN_LOG in map(os.path.basename, source.files):
            return speechbrain.read_run(path, source.files, _run_name(path, folder=True))
        if os.path.basename(path) == mmengine.SCALARS_FILE and not self.files and holds_json_lines(path):
            return mmengine.read_run(path, source.files, _run_name(path))
        if mmcv.is_run_log(os.path.basename(path)) and not self.files:
            return mmcv.read_runs(path, source.files, _run_name(path))
        if path.lower().endswith(".json") and holds_json_lines(path):
            return _read_json_lines(source, problems)
        document = _load(path, problems)
        if document is None:
            return ReadResult((), tuple(problems))
        if not isinstance(document, Mapping):
            problems.append(Problem(path, _not_one_run(document), "nothing from this file"))
            return ReadResult((), tuple(problems))
        if os.path.basename(path) == kerastuner.TRIAL_FILE and kerastuner.is_trial(document):
            run = kerastuner.read_trial(path, document, problems)
            return ReadResult((run,), tuple(problems))
        if os.path.basename(path) == kerastuner.ORACLE_FILE and kerastuner.is_oracle(document):
            problems.append(Problem(path, kerastuner.oracle_message(), "nothing from this file"))
            return ReadResult((), tuple(problems))
        if os.path.basename(path) == nnunet.SUMMARY_FILE and not self.files and nnunet.is_summary(document):
            run = nnunet.read_summary(path, document, list(source.files), problems)
            return ReadResult((run,), tuple(problems))
        if self.per_task and lighteval.is_results(document):
            return self._read_tasks(path, document, problems, lighteval)
        if self.per_task and lm_eval.is_results(document):
            return self._read_tasks(path, document, problems, lm_eval)
        try:
            document = resolve_interpolations(document)
        except InterpolationTooLarge as error:
            problems.append(Problem(path, str(error), "the values with ${...} as written"))
        status, document = _pop_status(opencompass.without_item_details(document))
        in_project = dvc_exp.workspace_problem(path) if is_results_file(os.path.basename(path)) else None
        if in_project is not None:  # a DVC project's metrics.json: its experiments are git refs
            problems.append(in_project)
        params, finals, curves = self.split(flatten_fields(document), is_results_file(os.path.basename(path)))
        for side in source.files[1:]:  # the settings beside it (config.json): its own keys come first
            if is_settings_name(os.path.basename(side)) and side.lower().endswith(SUFFIXES):
                params = {**read_settings(side, problems, kept="the run, without these settings"), **params}
        series: dict[str, Series] = {}
        if curves:
            builder = SeriesBuilder()
            for key, points in curves.items():
                for step, value in points:
                    number = _number(value)
                    if number is not None:  # null: no point at this step
                        builder.add(key, step, number)
            series, series_problems = builder.build(path)
            problems.extend(series_problems)
        run = RunRecord(
            name=_run_name(path),
            params=params,
            metrics=series,
            summary=finals,
            status=status,
        )
        return ReadResult((run,), tuple(problems))

    def _read_tasks(
        self, path: str, document: Mapping[str, Any], problems: list[Problem], suite: ModuleType
    ) -> ReadResult:
        """Read an evaluation suite's results file as one run per task (sources/lm_eval.py, lighteval.py:
        its tasks, each task's own part of the file, its name and the directions it records)."""
        runs = []
        timed = getattr(suite, "times", None)  # lighteval's: the file's name dates the evaluation
        start, end = timed(path, document) if timed is not None else (None, None)
        for key, values in suite.tasks(document).items():
            params, _, _ = self.split(flatten_fields(suite.task_document(document, key)), False)
            metrics = lm_eval.task_metrics(values)
            directions = suite.directions(document, key, metrics)
            task = suite.task_name(key)
            recorded = {suite.TRACKER: {"task": task, "directions": directions}} if directions else {}
            runs.append(
                RunRecord(
                    key=key,
                    name=f"{_run_name(path)}/{key}",
                    params={**params, lm_eval.TASK_PARAM: task},
                    summary=metrics,
                    start_time=start,
                    end_time=end,
                    provenance=recorded,
                )
            )
        return ReadResult(tuple(runs), tuple(problems))

    def split(
        self, fields: Mapping[str, Any], results_file: bool
    ) -> tuple[dict[str, Any], dict[str, float], dict[str, list[tuple[float, Any]]]]:
        """Split flattened fields into params, final results and curves (lists of numbers, each
        point at its position; a history's at the field its records name like a step, `epoch`)."""
        params: dict[str, Any] = {}
        finals: dict[str, float] = {}
        curves: dict[str, list[tuple[float, Any]]] = {}
        for key, value in fields.items():
            kind = self.rule.kind(key, results_file)
            if kind == "drop":
                continue
            if kind == "result":
                number = _number(value)
                if number is not None:
                    finals[key] = number
                elif _is_curve(value):
                    curves[key] = list(enumerate(value))
                elif _is_records(value):  # a history: one object of numbers per epoch
                    columns = _record_columns(value)
                    steps = _record_steps(columns)
                    for field, column in columns.items():
                        if self.rule.kind(f"{key}.{field}", results_file) == "result" and _is_curve(column):
                            curves[f"{key}.{field}"] = [
                                (step, point) for step, point in zip(steps, column) if step is not None
                            ]
                elif _setting_of_results_file(value) and self.rule.kind(key, False) == "param":
                    # a text a results file holds outside any section of results (`"model": "gpt2"`
                    # beside `"acc": 0.8` in results.json) is a setting: only its numbers are results
                    params[key] = normalize_value(value)
                continue  # other text or flags among results are neither results nor params
            params[key] = normalize_value(value)
        return dict(sorted(params.items())), finals, curves


def _setting_of_results_file(value: Any) -> bool:
    """Tell whether a value a results file holds can be a setting: a text (a model's name)."""
    return isinstance(value, str)


def _read_json_lines(source: Source, problems: list[Problem]) -> ReadResult:
    """Read a run's log of one JSON object per line (Detectron2's metrics.json) as its curves, stepped
    by the field named like a step (`iteration`, `iter`, `epoch`...) in its first record."""
    first = next((batch[0] for batch in iter_json_records(source.path, []) if batch), {})
    step = usual_step_column(list(first))
    if step is None:
        fix = f"read it with {option('adapter', 'records')} -o step=FIELD (the field counting the steps)"
        message = f"holds one JSON object per line, none naming a step; {fix}"
        problems.append(Problem(source.path, message, "nothing"))
        return ReadResult((), tuple(problems))
    result = RecordsAdapter(step=step).read(source)
    runs = result.runs
    if len(runs) == 1:
        run = runs[0]
        side = [path for path in source.files if path != source.path] or detectron2.side_files_beside(
            source.path
        )
        if side:  # Detectron2's output folder: params from its config, status from its log
            last_step = max((float(s.steps[-1]) for s in run.metrics.values() if len(s)), default=None)
            root = os.path.dirname(source.path)
            config, status, provenance = detectron2.read_side_files(root, side, last_step, problems)
            run = dataclasses.replace(
                run, params={**config, **run.params}, status=status, provenance=provenance
            )
        runs = (dataclasses.replace(run, name=_run_name(source.path)),)
    return ReadResult(runs, (*problems, *result.problems))


def _load(path: str, problems: list[Problem]) -> Any:
    """Parse a JSON file, or a YAML one (any other name is read as YAML, which JSON also is)."""
    if path.lower().endswith(".json"):
        return load_json_file(path, problems)
    return read_yaml_file(path, problems)


def _not_one_run(document: Any) -> str:
    """Say what a file holds instead of one run's fields."""
    if isinstance(document, list):
        return (
            f"holds a list of {len(document)} items, not one run's fields "
            f"(a list of runs is read by {option('adapter', 'records')})"
        )
    return f"holds a {type(document).__name__}, not an object of one run's fields"


def _pop_status(document: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """Return the run's status when the file states one, and the document without it."""
    for key in ("status", "state"):
        value = document.get(key)
        if isinstance(value, str) and normalize_status(value) != "unknown":
            return normalize_status(value), {k: v for k, v in document.items() if k != key}
    return "unknown", document


def _number(value: Any) -> float | None:
    """Return a result's number: JSON numbers, and numbers YAML left as text ('1e-3'); not flags."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, str)):
        return to_float(value)
    return None


def _is_curve(value: Any) -> bool:
    """Tell whether a value is a non-empty list of numbers (nulls allowed: missing points)."""
    return (
        isinstance(value, list)
        and any(v is not None for v in value)
        and all(v is None or _number(v) is not None for v in value)
    )


def _is_records(value: Any) -> bool:
    """Tell whether a value is a list of objects (nulls allowed), as a per-epoch history is kept."""
    return (
        isinstance(value, list)
        and any(isinstance(v, Mapping) for v in value)
        and all(v is None or isinstance(v, Mapping) for v in value)
    )


def _record_columns(records: list[Any]) -> dict[str, list[Any]]:
    """Return a list of objects as columns by dotted field, a missing field or record as null."""
    rows = [flatten_fields(record) if isinstance(record, Mapping) else {} for record in records]
    fields = dict.fromkeys(field for row in rows for field in row)
    return {field: [row.get(field) for row in rows] for field in fields}


def _record_steps(columns: dict[str, list[Any]]) -> list[float | None]:
    """Return the step of each record of a history: its field named like a step (`epoch`, `step`) when
    every record has a number there, which is then no curve; else its position."""
    named = usual_step_column(list(columns))
    values = [_number(value) for value in columns.get(named, [])] if named is not None else []
    if named is None or any(value is None for value in values):
        return [float(position) for position in range(len(next(iter(columns.values()), [])))]
    del columns[named]
    return list(values)


def _run_name(path: str, folder: bool = False) -> str:
    """Name a run by where its file is: `0-evaluation/3` for .../0-evaluation/3/report.json, or
    `results/seed3` for results/seed3.yaml, `<work_dir>/<timestamp>` for MMEngine's scalars.json; a
    run `folder` (AllenNLP's serialization directory) by it and its parent, as its metrics.json was."""
    parts = os.path.abspath(path).replace(os.sep, "/").split("/")
    if folder:
        return "/".join(parts[-2:])
    name = parts[-1]
    if name == mmengine.SCALARS_FILE and parts[-2:-1] == [mmengine.VIS_FOLDER]:
        return "/".join(parts[-4:-2])  # <work_dir>/<timestamp> of <work_dir>/<timestamp>/vis_data/...
    if mmcv.is_run_log(name):
        return "/".join([*parts[-2:-1], name.removesuffix(".log.json")])  # <work_dir>/<timestamp>
    if name.lower() in RUN_FILE_NAMES:
        return "/".join(parts[-3:-1])
    return "/".join([*parts[-2:-1], os.path.splitext(name)[0]])
