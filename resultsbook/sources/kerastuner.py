"""Keras Tuner's project folders: `<directory>/<project_name>/trial_<id>/trial.json`, one per trial.

`keras_tuner.RandomSearch(..., directory="my_dir", project_name="helloworld")` (and Hyperband,
BayesianOptimization, GridSearch) writes `my_dir/helloworld/oracle.json` (the search's state: the
space, the trials tried, their order), `tuner0.json`, and one `trial_<id>/` folder per trial holding
`trial.json` beside its `checkpoint.weights.h5`:

    {"trial_id": "03",
     "hyperparameters": {"space": [{"class_name": "Int", "config": {...}}, ...],
                         "values": {"units": 64, "learning_rate": 0.001}},
     "metrics": {"metrics": {"val_accuracy": {"direction": "max",
                                              "observations": [{"value": [0.87], "step": 4}]}}},
     "score": 0.87, "best_step": 4, "status": "COMPLETED", "message": null}

Read as any JSON file, the search space became one param of JSON text, each observation's `step` a
curve and its `value` nothing. Here a trial is one run: `hyperparameters.values` are its params (the
space, which every trial shares, is left out) with `project`, the folder holding oracle.json; each
metric's observations are a curve at their steps; `score` and `best_step` are its finals, the score
named `objective_score`: it is the best value of the search's objective, better low when that is
`val_loss`, and a bare `score` reads as better high (query/goal.py); the objective's direction is in
trial.json, but no goal is taken from a log. An observation holds one value per execution of the trial
at that step (Keras Tuner 1.0 logged each execution's epochs; since 1.1 it logs the executions' mean at
the best epoch alone): a point is their mean, as Keras Tuner scores a trial, and a problem says so.
`oracle.json` and `tuner<N>.json` are no runs."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from resultsbook.models import Problem, RunRecord
from resultsbook.params import normalize_value
from resultsbook.sources import fs
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.textio import to_float

TRIAL_FILE = "trial.json"
ORACLE_FILE = "oracle.json"
BUILD_CONFIG_FILE = "build_config.json"  # the model's input shape, beside a trial's checkpoint
# the trial's `score`: its objective's best value, better high or low as the objective (val_loss: low);
# named so that no goal is read from its name (a bare `score` reads as higher-is-better)
SCORE = "objective_score"
PROJECT_PARAM = "project"  # the project_name, the folder holding oracle.json and the trials
_TRIAL_FOLDER = re.compile(r"^trial_.+$")
_TUNER_FILE = re.compile(r"^tuner.*\.json$")  # tuner0.json, or KERASTUNER_TUNER_ID's name
# Keras Tuner's TrialStatus: INVALID crashed (retried later), STOPPED and IDLE never ran
_STATUS = {
    "COMPLETED": "finished",
    "FAILED": "failed",
    "INVALID": "failed",
    "RUNNING": "running",
    "STOPPED": "interrupted",
}


def is_trial_folder(folder: str, files: Iterable[str]) -> bool:
    """Tell whether a folder is a Keras Tuner trial's: `trial_<id>/` holding trial.json."""
    return bool(_TRIAL_FOLDER.match(os.path.basename(folder.rstrip("/\\")))) and TRIAL_FILE in files


def is_project_file(name: str, dirs: Iterable[str]) -> bool:
    """Tell whether a file of a folder holding trial folders is its project's oracle.json or
    tuner<N>.json: the search's state, no run."""
    return (name == ORACLE_FILE or bool(_TUNER_FILE.match(name))) and any(
        _TRIAL_FOLDER.match(folder) for folder in dirs
    )


def is_side_file(path: str) -> bool:
    """Tell whether a file a path pattern named is one Keras Tuner writes beside its trials that holds
    no run and says nothing of them: a trial folder's build_config.json, the project's tuner<N>.json."""
    name = os.path.basename(path)
    if name != BUILD_CONFIG_FILE and not _TUNER_FILE.match(name):
        return False
    folder, names = fs.names_beside(path)
    if name == BUILD_CONFIG_FILE:
        return is_trial_folder(folder, names)
    return any(_TRIAL_FOLDER.match(entry) for entry in names)


def is_oracle_file(path: str) -> bool:
    """Tell whether a file a path pattern named is a project's oracle.json: beside trial folders."""
    if os.path.basename(path) != ORACLE_FILE:
        return False
    return is_project_file(ORACLE_FILE, fs.names_beside(path)[1])


def is_trial(document: Any) -> bool:
    """Tell whether a parsed trial.json is Keras Tuner's: a trial_id, hyperparameters.values and
    metrics.metrics."""
    if not isinstance(document, Mapping) or "trial_id" not in document:
        return False
    hyperparameters, metrics = document.get("hyperparameters"), document.get("metrics")
    return (
        isinstance(hyperparameters, Mapping)
        and isinstance(hyperparameters.get("values"), Mapping)
        and isinstance(metrics, Mapping)
        and isinstance(metrics.get("metrics"), Mapping)
    )


def is_oracle(document: Any) -> bool:
    """Tell whether a parsed oracle.json is Keras Tuner's oracle state."""
    return isinstance(document, Mapping) and {"ongoing_trials", "tried_so_far"} <= document.keys()


def oracle_message() -> str:
    """Say that an oracle.json is no run, and where the trials are."""
    return (
        "is Keras Tuner's oracle.json, the search's state, not a run: each trial is the "
        "trial_<id>/trial.json beside it, which collect reads without --adapter or --pattern"
    )


def read_trial(path: str, document: Mapping[str, Any], problems: list[Problem]) -> RunRecord:
    """Read one Keras Tuner trial.json as one run."""
    values = document["hyperparameters"]["values"]
    params = {str(key): normalize_value(value) for key, value in sorted(values.items())}
    project = os.path.dirname(os.path.dirname(os.path.abspath(path)))
    if PROJECT_PARAM not in params and fs.isfile(os.path.join(project, ORACLE_FILE)):
        params[PROJECT_PARAM] = os.path.basename(project)  # two searches' scores are two objectives'
    builder = SeriesBuilder()
    pooled: dict[str, int] = {}  # metric -> the most values one of its steps held
    dropped: dict[str, int] = {}  # metric -> observations without a number or a step
    for name, entry in document["metrics"]["metrics"].items():
        observations = entry.get("observations") if isinstance(entry, Mapping) else None
        for observation in observations if isinstance(observations, list) else ():
            step, numbers = _observation(observation)
            if step is None or not numbers:
                dropped[name] = dropped.get(name, 0) + 1
                continue
            if len(numbers) > 1:
                pooled[name] = max(pooled.get(name, 0), len(numbers))
            builder.add(str(name), step, sum(numbers) / len(numbers))
    series, series_problems = builder.build(path)
    if pooled:
        most = max(pooled.values())
        names = ", ".join(repr(name) for name in pooled)
        problems.append(
            Problem(
                path,
                f"holds up to {most} values at one step of {names} (one per execution of the trial, "
                "executions_per_trial)",
                "each step's mean, as Keras Tuner scores a trial",
            )
        )
    if dropped:
        names = ", ".join(f"{name!r} ({count})" for name, count in dropped.items())
        message = f"has observations without a numeric step or value: {names}"
        problems.append(Problem(path, message, "the others"))
    problems.extend(series_problems)
    summary: dict[str, float] = {}
    score = _finite_or_nan(document.get("score"))
    if score is not None:  # a trial that failed has none, and a meaningless best_step of 0
        summary[SCORE] = score
        best_step = _finite_or_nan(document.get("best_step"))
        if best_step is not None:
            summary["best_step"] = best_step
    raw_status = document.get("status")
    status = _STATUS.get(raw_status, "unknown") if isinstance(raw_status, str) else "unknown"
    error = document.get("message")  # the traceback of a FAILED or INVALID trial
    failed = status == "failed" and isinstance(error, str) and error.strip()
    provenance = {"error": error} if failed else {}
    return RunRecord(
        name=run_name(path, document["trial_id"]),
        params=params,
        metrics=series,
        summary=summary,
        status=status,
        provenance=provenance,
    )


def run_name(path: str, trial_id: Any) -> str:
    """Name a trial by its project and folder: `helloworld/trial_03`; a trial.json out of its folder
    by the folder it is in and its trial_id: `results/trial_0002`."""
    parts = os.path.abspath(path).replace(os.sep, "/").split("/")
    if _TRIAL_FOLDER.match(parts[-2]):
        return "/".join(parts[-3:-1])
    return f"{parts[-2]}/trial_{trial_id}"


def _observation(observation: Any) -> tuple[float | None, list[float]]:
    """Return an observation's step and its numbers (one per execution)."""
    if not isinstance(observation, Mapping):
        return None, []
    step = to_float(observation.get("step"))
    value = observation.get("value")
    items = value if isinstance(value, list) else [value]
    numbers = [_finite_or_nan(item) for item in items]
    return step, [number for number in numbers if number is not None]


def _finite_or_nan(value: Any) -> float | None:
    """Return a JSON number as a float (NaN and infinities as they are); None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)
