"""nnU-Net's validation summaries: the `summary.json` each fold's validation writes.

nnU-Net v2 writes `nnUNet_results/Dataset<ID>_<Name>/<trainer>__<plans>__<configuration>/fold_<k>/
validation/summary.json`: `{"foreground_mean": {"Dice": …, "IoU": …, …}, "mean": {"<label>": {"Dice":
…}, …}, "metric_per_case": [{"metrics": {"<label>": {…}}, "prediction_file": …}, …]}`. nnU-Net v1 writes
`nnUNet/<configuration>/Task<ID>_<Name>/<trainer>__<plans>/fold_<k>/validation_raw/summary.json` (and
`validation_raw_postprocessed/`): `{"task": "Task008_Refuge", "name": …, "results": {"all": [{"<label>":
{"Dice": …}}, …], "mean": {"<label>": {"Dice": …}}}}`.

Read as any results file, each case's numbers became a curve stepped by the case's index (the "last"
Dice of a fold was its last case's), and the fold, configuration and dataset were nowhere. Here a
summary is one run: the means nnU-Net computed are its results, the cases are left out, and the
folders (or, where the folds were copied out of them, the `output_folder` that the fold's
`debug.json` names, or the `dataset_name` of v2's trainer folder's `plans.json`) give the params
`dataset`, `configuration`, `trainer`, `plans`, `fold` and `validation`."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from typing import Any

from resultsbook.models import Problem, RunRecord
from resultsbook.params import flatten_fields
from resultsbook.sources import fs
from resultsbook.sources.textio import load_json_file

SUMMARY_FILE = "summary.json"
DEBUG_FILE = "debug.json"
PLANS_FILE = "plans.json"  # v2's, in the trainer folder: its `dataset_name` is the dataset's folder
FOREGROUND = "foreground_mean"  # v2's mean over the foreground labels; v1's is computed as v1 computes it
FOLD_PARAM = "fold"
_FOLD = re.compile(r"^fold_(?P<fold>\d+|all)$")
_CROSSVAL = "crossval_results"  # v2's summary over the folds' validations merged
_EVALUATIONS = ("validation", _CROSSVAL)
_DATASET = re.compile(r"^(?:Dataset|Task)\d+_.+$")
_CONFIGURATIONS = frozenset({"2d", "3d_fullres", "3d_lowres", "3d_cascade_fullres"})
# the labels nnU-Net v1's foreground_mean() leaves out: background, "ignore" and its 99
_NOT_FOREGROUND = frozenset({"0", "-1", "99"})


def is_summary(document: Any) -> bool:
    """Tell whether a parsed summary.json is nnU-Net's: v2's foreground_mean with its per-label mean
    and cases, or v1's results with `all` (the cases) and `mean`."""
    if not isinstance(document, Mapping):
        return False
    if isinstance(document.get(FOREGROUND), Mapping) and isinstance(document.get("mean"), Mapping):
        return "metric_per_case" in document
    results = document.get("results")
    return isinstance(results, Mapping) and isinstance(results.get("mean"), Mapping) and "all" in results


def side_files(folder: str) -> list[str]:
    """Return the debug.json of the fold a `validation*/` folder is in, and the plans.json of its
    trainer folder (of a crossval folder: the one it is in), those there are."""
    folder = folder.rstrip("/\\")
    if os.path.basename(folder).startswith("validation"):  # a fold's, not crossval's
        fold = os.path.dirname(folder)
        candidates = [os.path.join(fold, DEBUG_FILE), os.path.join(os.path.dirname(fold), PLANS_FILE)]
    else:
        candidates = [os.path.join(os.path.dirname(folder), PLANS_FILE)]
    return [path for path in candidates if fs.isfile(path)]


def read_summary(
    path: str, document: Mapping[str, Any], files: list[str], problems: list[Problem]
) -> RunRecord:
    """Read one nnU-Net summary.json as one finished run: its means as results, its folders as params."""
    folder = os.path.dirname(os.path.abspath(path))
    params = layout_params(folder)
    # named from the trainer's folder down: `<trainer>__<plans>__<configuration>/fold_0/validation`
    depth = 1 + (FOLD_PARAM in params) + ("trainer" in params)
    debug = next((name for name in files if os.path.basename(name) == DEBUG_FILE), None)
    if debug is not None and not {"configuration", "dataset"} <= params.keys():
        written = _output_folder(debug, problems)
        if written:  # the folder the fold was trained in, where the copy lost it
            params = {**layout_params(f"{written}/{os.path.basename(folder)}"), **params}
    task = document.get("task")
    if isinstance(task, str) and task and "dataset" not in params:
        params["dataset"] = task
    plans = next((name for name in files if os.path.basename(name) == PLANS_FILE), None)
    if plans is not None and "dataset" not in params:  # a trainer folder committed without its dataset's
        name = _dataset_name(plans, problems)
        if name:
            params["dataset"] = name
    return RunRecord(
        name="/".join(folder.replace(os.sep, "/").split("/")[-depth:]),
        params=dict(sorted(params.items())),
        summary=summary_results(document),
        status="finished",  # nnU-Net writes summary.json once the fold's validation is done
        provenance=_provenance(document),
    )


def summary_results(document: Mapping[str, Any]) -> dict[str, float]:
    """Return the means of a summary: v2's `foreground_mean.<metric>` and `mean.<label>.<metric>`; v1's
    `mean.<label>.<metric>` with `foreground_mean.<metric>`, the mean over labels other than 0 (and
    -1, 99) that v1's own foreground_mean() writes as `results.mean.mean`. Cases are left out."""
    results = document.get("results")
    if isinstance(results, Mapping):  # v1
        means = results.get("mean")
        means = means if isinstance(means, Mapping) else {}
        labels = {str(k): v for k, v in means.items() if isinstance(v, Mapping)}
        foreground = labels.pop("mean", None) or _foreground_mean(labels)
        found: dict[str, Any] = {"mean": labels, FOREGROUND: foreground}
    else:
        found = {"mean": document.get("mean"), FOREGROUND: document.get(FOREGROUND)}
    numbers = {}
    for key, value in flatten_fields(found).items():
        number = _plain_number(value)
        if number is not None:
            numbers[key] = number
    return dict(sorted(numbers.items()))


def _foreground_mean(labels: Mapping[str, Any]) -> dict[str, float]:
    """Average each metric over the foreground labels as nnU-Net v1's foreground_mean() does (a NaN
    left out, as its np.nanmean does)."""
    foreground = [value for label, value in labels.items() if label not in _NOT_FOREGROUND]
    averaged = {}
    for metric in dict.fromkeys(key for value in foreground for key in value):
        numbers = [_plain_number(value.get(metric)) for value in foreground]
        kept = [number for number in numbers if number is not None and not math.isnan(number)]
        if kept:
            averaged[metric] = sum(kept) / len(kept)
    return averaged


def _plain_number(value: Any) -> float | None:
    """Return a JSON number as a float; None for text, flags and nulls."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def layout_params(folder: str) -> dict[str, Any]:
    """Return the params nnU-Net's folders name, from a fold's `validation*` folder upward: v2's
    `Dataset<ID>_<Name>/<trainer>__<plans>__<configuration>/fold_<k>`, v1's
    `<configuration>/Task<ID>_<Name>/<trainer>__<plans>/fold_<k>`; v2's cross-validation summary
    (`<trainer>__<plans>__<configuration>/crossval_results_folds_0_1_2_3_4/`) has no fold. What a
    folder does not say is left out."""
    parts = [part for part in folder.replace(os.sep, "/").split("/") if part]
    params: dict[str, Any] = {}
    if parts and parts[-1].startswith(_EVALUATIONS):
        params["validation"] = parts.pop()
    found = _FOLD.match(parts[-1]) if parts else None
    if found is not None:
        fold = found.group("fold")
        params[FOLD_PARAM] = int(fold) if fold.isdigit() else fold
        parts.pop()
    elif not params.get("validation", "").startswith(_CROSSVAL):
        return params
    names = parts[-1].split("__") if parts else []
    if len(names) not in (2, 3) or not all(names):
        return params
    params["trainer"], params["plans"] = names[0], names[1]
    if len(names) == 3:
        params["configuration"] = names[2]
    parts.pop()
    if parts and _DATASET.match(parts[-1]):
        params["dataset"] = parts.pop()
        if len(names) == 2 and parts and parts[-1] in _CONFIGURATIONS:
            params["configuration"] = parts[-1]
    return params


def _dataset_name(plans: str, problems: list[Problem]) -> str | None:
    """Return the `dataset_name` a v2 trainer folder's plans.json names (`Dataset004_Hippocampus`)."""
    document = load_json_file(plans, problems, "the params its folders name")
    value = document.get("dataset_name") if isinstance(document, Mapping) else None
    return value if isinstance(value, str) and _DATASET.match(value) else None


def _output_folder(debug: str, problems: list[Problem]) -> str | None:
    """Return the `output_folder` a fold's debug.json names (the trainer's attributes, as text)."""
    document = load_json_file(debug, problems, "the params its folders name")
    value = document.get("output_folder") if isinstance(document, Mapping) else None
    return value.rstrip("/\\").replace("\\", "/") if isinstance(value, str) and value else None


def _provenance(document: Mapping[str, Any]) -> dict[str, Any]:
    """Keep what a v1 summary says of itself (its name, author, id, time)."""
    keys = ("name", "author", "id", "timestamp")
    kept = {key: document[key] for key in keys if isinstance(document.get(key), str)}
    return {"nnunet": kept} if kept else {}
