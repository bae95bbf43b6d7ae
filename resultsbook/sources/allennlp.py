"""AllenNLP's serialization directory, as `allennlp train -s DIR` writes it: `config.json` (the whole
experiment config, nested: `model.dropout`, `trainer.optimizer.lr`, and the seeds `random_seed`,
`numpy_seed`, `pytorch_seed` when the config sets them), a `metrics_epoch_<N>.json` after each epoch
(that epoch's `training_*` and `validation_*` values, with the running `best_validation_*`,
`best_epoch`, `peak_*_memory_MB` and `training_duration` so far) and, once training has ended,
`metrics.json` (the last epoch's values, `best_validation_*` at `best_epoch`, and `test_*` when the
test set was evaluated). AllenNLP 0.x also writes TensorBoard events under `log/train` and
`log/validation`, which repeat the epochs' values.

Read as files of a usual name, metrics.json alone was the run: no params (config.json was not read),
no curve (the epoch files were not read), and each `log/` folder's events a run of its own."""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from resultsbook.models import Problem, ReadResult, RunRecord
from resultsbook.params import normalize_value
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.settings import read_settings
from resultsbook.sources.textio import load_json_file, to_float

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"  # written when training has ended: the run's finals
EPOCH_FILE = re.compile(r"metrics_epoch_(\d+)\.json")
RUN_FILES = (CONFIG_FILE, METRICS_FILE)  # a path pattern naming one of them reads the folder's run
# what an epoch's file holds of that epoch; the rest (best_*, peak_*, counters) is the run so far
EPOCH_PREFIXES = ("training_", "validation_")
COUNTERS = frozenset({"training_epochs", "training_start_epoch"})  # epochs counted, not measured
SEED_SETTINGS = ("random_seed", "numpy_seed", "pytorch_seed")  # Python's, NumPy's and PyTorch's
DURATION_KEY = "training_duration"  # "3:39:57.532164", "2 days, 1:02:03": a final in seconds
_DURATION = re.compile(r"^(?:(\d+) days?, )?(\d+):(\d\d):(\d\d(?:\.\d+)?)$")


def is_run_folder(names: Iterable[str]) -> bool:
    """Tell whether a folder's file names are those of a serialization directory: a metrics file of an
    epoch (`metrics_epoch_0.json`), which no other program names so."""
    return any(EPOCH_FILE.fullmatch(name) for name in names)


def run_files(folder: str, names: Collection[str]) -> list[str]:
    """Return the files of a serialization directory that make its run: config.json, metrics.json and
    the epochs' files in the order of their epochs."""
    epochs = sorted((int(found.group(1)), name) for name in names if (found := EPOCH_FILE.fullmatch(name)))
    ends = [name for name in (CONFIG_FILE, METRICS_FILE) if name in names]
    return [os.path.join(folder, name) for name in [*ends, *(name for _, name in epochs)]]


def read_run(folder: str, files: Sequence[str], name: str) -> ReadResult:
    """Read one serialization directory: a curve per `training_*` and `validation_*` metric stepped by
    the epoch its file is named after, the finals of metrics.json, params from config.json."""
    problems: list[Problem] = []
    by_name = {os.path.basename(path): path for path in files}
    builder = SeriesBuilder()
    for path in files:
        found = EPOCH_FILE.fullmatch(os.path.basename(path))
        if found is None:
            continue
        document = load_json_file(path, problems, "the run without this epoch")
        if not isinstance(document, dict):
            if document is not None:
                problems.append(Problem(path, "holds no object of metrics", "the run without this epoch"))
            continue
        epoch = int(found.group(1))
        for key, value in document.items():
            number = _number(value)
            if number is not None and key.startswith(EPOCH_PREFIXES) and key not in COUNTERS:
                builder.add(key, epoch, number)
    series, series_problems = builder.build(folder)
    problems.extend(series_problems)
    epochs = [path for path in files if EPOCH_FILE.fullmatch(os.path.basename(path))]
    if epochs and not series and not problems:  # another program's metrics_epoch_<N>.json
        message = "holds no number named training_* or validation_*, as AllenNLP's metrics of an epoch do"
        problems.append(Problem(epochs[0], message, "the run without curves"))
    finals: dict[str, float] = {}
    metrics_path = by_name.get(METRICS_FILE)
    if metrics_path is not None:
        document = load_json_file(metrics_path, problems, "the run without its finals")
        if isinstance(document, dict):
            finals = _finals(document)
    config_path = by_name.get(CONFIG_FILE)
    params = config_params(config_path, problems) if config_path else {}
    run = RunRecord(
        name=name,
        params=params,
        metrics=series,
        summary=finals,
        # metrics.json is written once training has ended; before, a run going and one killed look alike
        status="finished" if metrics_path is not None else "unknown",
    )
    return ReadResult((run,), tuple(problems))


def config_params(path: str, problems: list[Problem]) -> dict[str, Any]:
    """Return config.json flattened (`trainer.optimizer.lr`), its seeds as the one param `seed`: the
    value they share, else the list of them in that order (`[13370, 1337, 133]`)."""
    params = read_settings(path, problems, "config keys", kept="the run without params")
    seeds = [params.pop(key) for key in SEED_SETTINGS if key in params]
    if seeds:
        params["seed"] = seeds[0] if all(seed == seeds[0] for seed in seeds) else normalize_value(seeds)
    return dict(sorted(params.items()))


def _finals(document: dict[str, Any]) -> dict[str, float]:
    """Return metrics.json's numbers, `training_duration` in seconds."""
    finals = {key: number for key, value in document.items() if (number := _number(value)) is not None}
    duration = document.get(DURATION_KEY)
    seconds = _seconds(duration) if isinstance(duration, str) else None
    if seconds is not None:
        finals[DURATION_KEY] = seconds
    return finals


def _seconds(text: str) -> float | None:
    """Return a Python timedelta as str() writes it (`1 day, 3:39:57.53`) in seconds, else None."""
    found = _DURATION.match(text.strip())
    if found is None:
        return None
    days, hours, minutes, seconds = found.groups()
    return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _number(value: Any) -> float | None:
    """Return a JSON number's value; None for flags, text and null."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return to_float(value)
