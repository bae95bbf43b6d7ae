"""Hugging Face lighteval results files (and the Open LLM Leaderboard's, which lighteval wrote), read as
one run per task (`-o per_task=true`).

`lighteval accelerate <model config> "lighteval|gsm8k|0" --output-dir out/` writes
`out/results/<org>/<model>/results_<date>T<time>.json`; the Open LLM Leaderboard's results repository
keeps the same files under `<org>/<model>/`:

    {"config_general": {"lighteval_sha": "...", "num_fewshot_seeds": 1, "max_samples": null,
                        "model_name": "org/m", "model_sha": "...", ...},
     "results": {"harness|arc:challenge|25": {"acc": 0.56, "acc_stderr": 0.0145, "acc_norm": 0.59, ...},
                 "gsm8k|0": {"em": 0.0, "em_stderr": 0.0}, "mmlu:_average|5": {...},
                 "all": {"acc": 0.62, "acc_stderr": 0.033, ...}},
     "versions": {"harness|arc:challenge|25": 0, ...},
     "config_tasks": {"harness|arc:challenge": {"metric": [{"metric_name": "acc",
                                                             "higher_is_better": true}, ...], ...}},
     "summary_tasks": {"harness|arc:challenge|25": {"hashes": {...}, "effective_few_shots": 25.0, ...}},
     "summary_general": {...}}

A results key is `<suite>|<task>|<shots>` (`<task>|<shots>` in lighteval 0.10 and later): each is a run
of its own, the param `task` without the suite or the shots (`arc:challenge`), the suite as the param
`suite` and the shots as `num_fewshot` (the name lm-eval's files give it, sources/lm_eval.py), so that
one task evaluated 0-shot and 5-shot is two settings. `all` is no task: lighteval's mean of every
metric over the file's tasks (and of their stderrs), left out. The sections keyed by task keep the task's
own entry (`config_tasks.*`, `summary_tasks.*`, `versions`). `acc_stderr` is lighteval's standard error
of the one evaluation over its test items, a metric of its own; the `higher_is_better` of each metric of
`config_tasks` goes to the run's provenance as `lighteval.directions`.

`config_general`'s `start_time` and `end_time` are `time.perf_counter()` readings (seconds since an
arbitrary point of the evaluating machine: 1781075.6, no date), `total_evaluation_time_secondes` their
difference as text (src/lighteval/logging/info_loggers.py, GeneralConfigLogger): they differ in every
evaluation, so they are no params (a re-run of one model would differ in them). The file's name dates it
(`results_<datetime.now()>.json`, `:` as `-`, written when the evaluation ended): the run's end time,
and its start that less `total_evaluation_time_secondes`."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from resultsbook.sources.lm_eval import FEWSHOT_PARAM, TASK_PARAM
from resultsbook.sources.textio import to_float, to_timestamp

SUITE_PARAM = "suite"
TRACKER = "lighteval"  # the provenance key of the directions its tasks record
ALL_TASKS = "all"  # lighteval's mean of every metric over the file's tasks: no task
_PER_TASK = ("versions", "summary_tasks")  # keyed by the results key
_TASK_CONFIGS = "config_tasks"  # keyed by `<suite>|<task>`
_GENERAL = "config_general"
# config_general's timings: perf_counter() readings and their difference, no config (the module's doc)
TIMINGS = ("start_time", "end_time", "total_evaluation_time_secondes")
_TOOK = TIMINGS[2]
# results_2024-05-20T10-11-12.123456.json: lighteval's datetime.now().isoformat(), `:` written `-`
_FILE_DATE = re.compile(r"results_(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d(?:\.\d+)?)\.json")


def is_results(document: Any) -> bool:
    """Tell whether a JSON document is a lighteval results file: `config_general` beside `results` of
    tasks keyed `<suite>|<task>|<shots>` or `<task>|<shots>`."""
    if not isinstance(document, Mapping) or not isinstance(document.get("config_general"), Mapping):
        return False
    results = document.get("results")
    if not isinstance(results, Mapping):
        return False
    return any(isinstance(v, Mapping) and "|" in str(k) for k, v in results.items())


def split_key(key: str) -> tuple[str | None, str, int | None]:
    """Return (suite, task, shots) of a results key: `harness|arc:challenge|25` as ('harness',
    'arc:challenge', 25), `gsm8k|0` as (None, 'gsm8k', 0); a key without shots keeps its name."""
    parts = key.split("|")
    shots = int(parts[-1]) if len(parts) > 1 and parts[-1].isdigit() else None
    named = parts[:-1] if shots is not None else parts
    if len(named) >= 2:
        return named[0], "|".join(named[1:]), shots
    return None, named[0], shots


def tasks(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Return {results key: its metrics}, lighteval's `all` left out."""
    return {
        str(k): v for k, v in document["results"].items() if isinstance(v, Mapping) and str(k) != ALL_TASKS
    }


def task_config(document: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    """Return the `config_tasks` entry of a results key: `<suite>|<task>` (lighteval 0.10 keys results
    `<task>|<shots>` and its configs `lighteval|<task>`: then the one entry of that task)."""
    configs = document.get(_TASK_CONFIGS)
    if not isinstance(configs, Mapping):
        return None
    suite, task, _ = split_key(key)
    if suite is not None:
        found = configs.get(f"{suite}|{task}")
        return found if isinstance(found, Mapping) else None
    entries = [v for k, v in configs.items() if str(k).rpartition("|")[2] == task and isinstance(v, Mapping)]
    return entries[0] if len(entries) == 1 else None


def task_document(document: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Return the file's fields as one task's run sees them: the sections keyed by task reduced to this
    task's entry, the results of every task left out, its suite and shots as params."""
    suite, _, shots = split_key(key)
    kept: dict[str, Any] = {}
    if suite is not None:
        kept[SUITE_PARAM] = suite
    if shots is not None:
        kept[FEWSHOT_PARAM] = shots
    for name, value in document.items():
        if name in ("results", TASK_PARAM, SUITE_PARAM, FEWSHOT_PARAM):
            continue
        if name in _PER_TASK and isinstance(value, Mapping):
            if key in value:
                kept[name] = value[key]
            continue
        if name == _GENERAL and isinstance(value, Mapping):
            kept[name] = {k: v for k, v in value.items() if k not in TIMINGS}
            continue
        if name == _TASK_CONFIGS:
            config = task_config(document, key)
            if config is not None:
                kept[name] = {k: v for k, v in config.items() if k != "metric"}  # the goals: provenance
            continue
        kept[name] = value
    return kept


def directions(document: Mapping[str, Any], key: str, metrics: Mapping[str, float]) -> dict[str, str]:
    """Return {metric: maximize|minimize} as the task's `config_tasks` entry records it (`metric`: a list
    of {metric_name, higher_is_better}); a metric's `_stderr` takes none."""
    config = task_config(document, key)
    listed = config.get("metric") if config is not None else None
    ways: dict[str, bool] = {}
    for entry in listed if isinstance(listed, list) else ():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("higher_is_better"), bool):
            continue
        names = entry.get("metric_name")
        for name in names if isinstance(names, list) else [names]:
            ways[str(name)] = entry["higher_is_better"]
    return {name: "maximize" if ways[name] else "minimize" for name in metrics if name in ways}


def task_name(key: str) -> str:
    """Return the task a results key names (`harness|arc:challenge|25` names `arc:challenge`)."""
    return split_key(key)[1]


def times(path: str, document: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """Return the evaluation's (start, end) in seconds since the epoch: its end the date the file's name
    gives (lighteval names it when the evaluation ended), its start that less config_general's
    total_evaluation_time_secondes; None where the name or the duration does not say."""
    found = _FILE_DATE.fullmatch(os.path.basename(path))
    end = to_timestamp(f"{found[1]}:{found[2]}:{found[3]}") if found else None
    general = document.get(_GENERAL)
    took = to_float(general.get(_TOOK)) if isinstance(general, Mapping) else None
    start = end - took if end is not None and took is not None and 0 <= took < float("inf") else None
    return start, end
