"""EleutherAI lm-evaluation-harness results files, read as one run per task (`-o per_task=true`).

`lm_eval --model hf --model_args pretrained=org/m --tasks hellaswag,arc_easy --output_path results/`
writes `results/org__m/results_<date>T<time>.json` (and, with --log_samples, a
`samples_<task>_<date>T<time>.jsonl` per task beside it: one line per test item, no run):

    {"results": {"hellaswag": {"alias": "hellaswag", "acc,none": 0.57, "acc_stderr,none": 0.005,
                               "acc_norm,none": 0.75, "acc_norm_stderr,none": 0.004}, ...},
     "groups": {...}, "configs": {"hellaswag": {...}, ...}, "versions": {"hellaswag": 1.0, ...},
     "n-shot": {"hellaswag": 0, ...}, "higher_is_better": {"hellaswag": {"acc": true, ...}, ...},
     "n-samples": {"hellaswag": {"original": 10042, "effective": 10042}, ...},
     "config": {"model": "hf", "model_args": "pretrained=org/m", ...}, "git_hash": "...",
     "date": 1737745150.1, "model_name": "org/m", ...}

Read as any JSON file, it was one run of the metrics `results.<task>.<metric>,<filter>`: a table of
models by tasks needed one --metric per task. Here each task (and each group of `groups` that is not
among `results`) is a run of its own: the param `task`, the file's params beside it with the task's
own entries of the sections keyed by task (`configs.<task>.*` as `configs.*`), and its shots as
`num_fewshot` (from `n-shot` in lm-eval 0.4, `config.num_fewshot` in 0.3: one name, so that a table
averaging a 0-shot and a 25-shot evaluation names what differs);
its metrics are named without lm-eval's `,none` filter (`acc`, `acc_norm`; `exact_match,strict-match`
keeps a filter that is not `none`). `acc_stderr` is lm-eval's standard error of the one evaluation over
its test items, a metric of its own: no spread over seeds. lm-eval's `higher_is_better` (or, in files
without it, `configs.<task>.metric_list`) is kept in the run's provenance as `lm_eval.directions`, which
a table checks against its goal."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from resultsbook.sources.textio import to_float

TASK_PARAM = "task"
TRACKER = "lm_eval"  # the provenance key of the directions its tasks record
NO_FILTER = "none"
# the sections holding one entry per task: a task's run keeps its own entry, under the section's name
_PER_TASK = ("configs", "versions", "higher_is_better", "n-samples", "task_hashes")
FEWSHOT_PARAM = "num_fewshot"  # the task's shots, one name whichever lm-eval wrote the file
_LEFT_OUT = ("results", "groups", "group_subtasks")  # the results become runs; the subtasks are tasks


def is_samples_file(path: str) -> bool:
    """Tell whether a file is lm-eval's `samples_<task>_<date>.jsonl` (one line per test item: no run)."""
    name = os.path.basename(path)
    return name.startswith("samples_") and name.endswith(".jsonl")


def is_results(document: Any) -> bool:
    """Tell whether a JSON document is an lm-eval results file: `results` of tasks holding `<metric>,<filter>`
    keys beside `config` or `versions`."""
    if not isinstance(document, Mapping) or not isinstance(document.get("results"), Mapping):
        return False
    if not ("config" in document or "versions" in document or "n-shot" in document):
        return False
    return any(isinstance(task, Mapping) for task in document["results"].values())


def tasks(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Return {task: its metrics} of `results`, and of `groups` for a group `results` does not hold."""
    found = {str(k): v for k, v in document["results"].items() if isinstance(v, Mapping)}
    groups = document.get("groups")
    if isinstance(groups, Mapping):
        for name, values in groups.items():
            if isinstance(values, Mapping) and str(name) not in found:
                found[str(name)] = values
    return found


def task_document(document: Mapping[str, Any], task: str) -> dict[str, Any]:
    """Return the file's fields as one task's run sees them: the sections keyed by task reduced to this
    task's entry, the results of every task left out, and the task's shots as `num_fewshot`."""
    kept: dict[str, Any] = {}
    shots = fewshot(document, task)
    if shots is not None:
        kept[FEWSHOT_PARAM] = shots
    for key, value in document.items():
        if (
            key in _LEFT_OUT
            or key == TASK_PARAM
            or key == "n-shot"
            or (key == FEWSHOT_PARAM and shots is not None)
        ):
            continue
        if key in _PER_TASK and isinstance(value, Mapping):
            if task in value and key != "higher_is_better":  # the goals go to the provenance
                kept[key] = value[task]
            continue
        kept[key] = value
    return kept


def fewshot(document: Mapping[str, Any], task: str) -> Any:
    """Return a task's number of shots: `n-shot` (lm-eval 0.4), else its config's `num_fewshot`, else the
    run's `config.num_fewshot` (lm-eval 0.3, one for every task); None when the file says none."""
    for section, inner in (("n-shot", None), ("configs", "num_fewshot")):
        entries = document.get(section)
        entry = entries.get(task) if isinstance(entries, Mapping) else None
        if isinstance(entry, Mapping) and inner is not None:
            entry = entry.get(inner)
        if isinstance(entry, int) and not isinstance(entry, bool):
            return entry
    config = document.get("config")
    shots = config.get("num_fewshot") if isinstance(config, Mapping) else None
    return shots if isinstance(shots, int) and not isinstance(shots, bool) else None


def metric_name(key: str) -> str:
    """Return a results key's metric name: `acc,none` as `acc`, `exact_match,strict-match` as it is."""
    metric, comma, which = key.rpartition(",")
    return metric if comma and which == NO_FILTER else key


def task_metrics(values: Mapping[str, Any]) -> dict[str, float]:
    """Return a task's numbers by metric name; lm-eval's `N/A` (a stderr it did not compute) and the
    `alias` are none."""
    found: dict[str, float] = {}
    for key, value in values.items():
        if key == "alias" or isinstance(value, bool) or not isinstance(value, (int, float, str)):
            continue
        number = to_float(value)
        if number is not None:
            found[metric_name(str(key))] = number
    return found


def directions(document: Mapping[str, Any], task: str, metrics: Mapping[str, float]) -> dict[str, str]:
    """Return {metric: maximize|minimize} as lm-eval records it for a task: its `higher_is_better`, else
    the `metric_list` of the task's config (older files); a metric's filtered names take its way."""
    ways: dict[str, bool] = {}
    recorded = document.get("higher_is_better")
    if isinstance(recorded, Mapping) and isinstance(recorded.get(task), Mapping):
        ways = {str(k): v for k, v in recorded[task].items() if isinstance(v, bool)}
    configs = document.get("configs")
    config = configs.get(task) if isinstance(configs, Mapping) else None
    listed = config.get("metric_list") if isinstance(config, Mapping) else None
    if not ways and isinstance(listed, list):
        for entry in listed:
            if isinstance(entry, Mapping) and isinstance(entry.get("higher_is_better"), bool):
                ways[str(entry.get("metric"))] = entry["higher_is_better"]
    found: dict[str, str] = {}
    for name in metrics:
        base = name.split(",", 1)[0]
        if base in ways:
            found[name] = "maximize" if ways[base] else "minimize"
    return found


def task_name(key: str) -> str:
    """Return the task a results key names: lm-eval's keys are the tasks."""
    return key
