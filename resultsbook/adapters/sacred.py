"""Sacred's FileStorageObserver: `<basedir>/<id>/` with run.json, config.json, metrics.json and info.json."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.params import clipped, flatten_fields, flatten_params, normalize_value, plain_value
from resultsbook.sources import fs
from resultsbook.sources.limits import DOCUMENT
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.status_words import duration, normalize_status, started_if_logged
from resultsbook.sources.textio import load_json_file, to_float, to_timestamp

RUN_FILE = "run.json"
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
INFO_FILE = "info.json"
OUTPUT_FILE = "cout.txt"
_NATIVE_METRICS = "metrics.jsonl"
DEFAULT_STALE_AFTER = 600.0  # seconds; Sacred beats every 10 s by default
FAIL_TRACE_LINES = 5


class SacredAdapter(Adapter):
    """Read the run folders of Sacred's FileStorageObserver."""

    name = "sacred"
    # 2: a metric that is not numbers says what is kept; 3: info.json's numbers; 4: its numpy scalars;
    # 5: PyMARL's `<key>_T` steps; 6: a curve of pickled objects is reported; 7: config.json's numpy
    # arrays and scalars are lists and numbers; 8: a QUEUED run (queue_only, not started) is queued, not
    # running
    reading_version = 8
    summary = "Sacred FileStorageObserver run folders (run.json, config.json, metrics.json, info.json)"
    priority = 20  # before TensorBoard (25): event files a run writes into its own folder are its own
    options = {
        "stale_after": "seconds since the last heartbeat after which a RUNNING run is dead (default 600)",
    }

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a folder holding run.json beside Sacred's config.json, metrics.json or cout.txt."""
        files = folder.files
        if RUN_FILE not in files or _NATIVE_METRICS in files:
            return None  # a native run folder (metrics.jsonl) is the native adapter's
        if CONFIG_FILE not in files and METRICS_FILE not in files and OUTPUT_FILE not in files:
            return None
        return Claim((self._source(folder.path, files),))

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read the run folder of a run.json named or matched by a path pattern, or of another file of
        a Sacred run folder (its metrics.json alone is no run: it has neither config nor status)."""
        name = os.path.basename(path)
        if name not in (RUN_FILE, CONFIG_FILE, METRICS_FILE, INFO_FILE, OUTPUT_FILE):
            return None
        folder = os.path.dirname(path)
        if name != RUN_FILE and not fs.exists(os.path.join(folder, RUN_FILE)):
            return None  # a file of that name elsewhere: another tracker's, or a results file
        files = frozenset(fs.listdir(folder))
        if name != RUN_FILE and _NATIVE_METRICS in files:
            return None
        return self._source(folder, files)

    def _source(self, path: str, files: frozenset[str]) -> Source:
        names = [n for n in (RUN_FILE, CONFIG_FILE, METRICS_FILE, INFO_FILE) if n in files]
        return self.source(path, [os.path.join(path, n) for n in names])

    def clock_state(self, source: Source) -> str:
        """Say "fresh" while run.json was written recently: a RUNNING run then turns dead by the clock."""
        try:
            written = fs.stat(os.path.join(source.path, RUN_FILE)).st_mtime
        except OSError:
            return ""
        return "fresh" if time.time() - written < self.stale_after(DEFAULT_STALE_AFTER) else ""

    def read(self, source: Source) -> ReadResult:
        """Read one Sacred run folder."""
        problems: list[Problem] = []
        files = {os.path.basename(path): path for path in source.files}
        run_path = files.get(RUN_FILE, os.path.join(source.path, RUN_FILE))
        info = load_json_file(run_path, problems, "no run information")
        if not isinstance(info, dict):
            if info is not None:
                problems.append(Problem(run_path, "does not hold a JSON object", "no run information"))
            info = {}
        params = read_sacred_config(files.get(CONFIG_FILE), problems)
        metrics = read_sacred_metrics(files.get(METRICS_FILE), problems)
        finals, curves = read_sacred_info(files.get(INFO_FILE), problems)
        metrics = {**{k: v for k, v in curves.items() if k not in metrics}, **metrics}
        experiment = _mapping(info.get("experiment"))
        status, provenance = self._status(info, run_path, problems)
        status = started_if_logged(status, bool(metrics))  # QUEUED, yet it logged: it started
        provenance.update(_provenance(info, experiment))
        finals.update(_result_values(info.get("result"), run_path, problems))
        basedir = os.path.basename(os.path.dirname(os.path.abspath(source.path)))
        run = RunRecord(
            name=f"{basedir}/{os.path.basename(source.path)}",
            params=params,
            metrics=metrics,
            summary={k: v for k, v in sorted(finals.items()) if k not in metrics},
            status=status,
            start_time=to_timestamp(info.get("start_time")),
            end_time=to_timestamp(info.get("stop_time")),
            experiment=str(experiment["name"]) if experiment.get("name") is not None else None,
            provenance=provenance,
        )
        return ReadResult((run,), tuple(problems))

    def _status(self, info: Mapping[str, Any], path: str, problems: list[Problem]) -> tuple[str, dict]:
        """Return the run's status, a RUNNING run whose heartbeat stopped reported as failed."""
        raw = info.get("status")
        provenance: dict[str, Any] = {"sacred_status": raw} if raw is not None else {}
        status = normalize_status(raw)
        if status != "running":  # a QUEUED entry (queued) has no heartbeat to miss
            return status, provenance
        last_sign = _last_sign_of_life(info, path)
        if last_sign is None:
            return status, provenance
        silent = time.time() - last_sign
        if silent < self.stale_after(DEFAULT_STALE_AFTER):
            return status, provenance
        provenance["dead"] = True
        problems.append(
            Problem(
                path,
                f"status is RUNNING but the run has given no heartbeat for {duration(silent)} "
                "(killed, out of memory or node lost)",
                "the run, as failed, with the metrics of its last heartbeat",
            )
        )
        return "failed", provenance


def _mapping(value: Any) -> Mapping[str, Any]:
    """Return a JSON value if it is an object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    """Return a JSON value if it is an array, else an empty one."""
    return value if isinstance(value, list) else []


def _last_sign_of_life(info: Mapping[str, Any], path: str) -> float | None:
    """Return the run's last heartbeat, or run.json's mtime when it has none (copies reset mtimes)."""
    heartbeat = to_timestamp(info.get("heartbeat"))
    if heartbeat is not None:
        return heartbeat
    try:
        return fs.stat(path).st_mtime
    except OSError:
        return None


def _provenance(info: Mapping[str, Any], experiment: Mapping[str, Any]) -> dict[str, Any]:
    """Return git, host, command and failure facts from run.json."""
    provenance: dict[str, Any] = {}
    repositories = [r for r in experiment.get("repositories") or [] if isinstance(r, Mapping)]
    if repositories:
        first = repositories[0]
        provenance["git"] = {
            "commit": first.get("commit"),
            "dirty": first.get("dirty"),
            "url": first.get("url"),
        }
        if len(repositories) > 1:
            provenance["repositories"] = [dict(r) for r in repositories]
    host = info.get("host")
    if isinstance(host, Mapping):
        for key in ("hostname", "python_version", "os", "cpu"):
            if host.get(key) is not None:
                provenance["host" if key == "hostname" else key] = host[key]
    for key in ("command", "heartbeat"):
        if info.get(key) is not None:
            provenance[key] = info[key]
    for key in ("mainfile", "base_dir"):
        if experiment.get(key) is not None:
            provenance[key] = experiment[key]
    if experiment.get("dependencies"):
        provenance["packages"] = list(experiment["dependencies"])
    trace = info.get("fail_trace")
    if isinstance(trace, list) and trace:
        lines = "".join(str(line) for line in trace).rstrip("\n").split("\n")
        provenance["fail_trace"] = "\n".join(lines[-FAIL_TRACE_LINES:])
    return provenance


def read_sacred_config(path: str | None, problems: list[Problem]) -> dict[str, Any]:
    """Read config.json into dotted params; numpy arrays and scalars are their values, other jsonpickle
    objects ({"py/...": ...}) stay JSON text."""
    if path is None:
        return {}
    config = load_json_file(path, problems, "no params")
    if config is None:
        return {}
    if not isinstance(config, Mapping):
        problems.append(Problem(path, "does not hold a mapping of config keys", "no params"))
        return {}
    return flatten_params(_unpickle_free(config))


def read_sacred_info(path: str | None, problems: list[Problem]) -> tuple[dict[str, float], dict[str, Any]]:
    """Read the numbers of info.json (`_run.info`, where many projects keep their results): a number is
    a final value, a list of numbers a curve over its positions (over the list `<key>_T` beside it,
    PyMARL's environment steps), a list of objects one curve per number field (`evaluations.accuracy`);
    text, flags and other lists are not results."""
    if path is None:
        return {}, {}
    data = load_json_file(path, problems, "no values from it", DOCUMENT)
    if data is None:
        return {}, {}
    if not isinstance(data, Mapping):
        problems.append(Problem(path, "does not hold a JSON object", "no values from it"))
        return {}, {}
    finals: dict[str, float] = {}
    builder = SeriesBuilder()
    for key, value in data.items():
        kind = _pickled_curve(value)
        if kind is not None:
            problems.append(
                Problem(
                    path,
                    f"{key!r} is a list of pickled {kind} objects, not numbers; log float(value) "
                    "(or value.item()) into _run.info to have it",
                    f"the other values (nothing of {key!r})",
                )
            )
    fields = flatten_fields(_plain_data(data))
    step_lists = _pymarl_steps(fields)
    for key, value in fields.items():
        number = _info_number(value)
        if key in step_lists.values():
            continue  # the steps of another curve, not a result
        if number is not None:
            finals[key] = number
        elif isinstance(value, list) and all(v is None or _info_number(v) is not None for v in value):
            steps = step_lists.get(key)
            for position, item in enumerate(value):
                point = _info_number(item)
                if point is not None:  # null: no point at this position
                    builder.add(key, fields[steps][position] if steps else position, point)
        elif isinstance(value, list) and all(isinstance(item, Mapping) for item in value):
            for step, item in enumerate(value):
                for field, inner in flatten_fields(item, f"{key}.").items():
                    inner_number = _info_number(inner)
                    if inner_number is not None:
                        builder.add(field, step, inner_number)
    series, series_problems = builder.build(path)
    problems.extend(series_problems)
    return finals, series


def _pymarl_steps(fields: Mapping[str, Any]) -> dict[str, str]:
    """The curves whose steps PyMARL logs beside them: `return_mean` with `return_mean_T`, a list of as
    many numbers (environment steps), by curve key."""
    pairs: dict[str, str] = {}
    for key, value in fields.items():
        steps = fields.get(f"{key}_T")
        if (
            isinstance(value, list)
            and isinstance(steps, list)
            and len(steps) == len(value)
            and all(_info_number(step) is not None for step in steps)
        ):
            pairs[key] = f"{key}_T"
    return pairs


def _pickled_curve(value: Any) -> str | None:
    """Name the kind of a list whose every item is a pickled object no number is read from (PyMARL's
    `grad_norm` logged as torch tensors: `{"py/reduce": [{"py/function": "torch._utils..."}, …]}`)."""
    if not isinstance(value, list) or not value or any(item is not None for item in _plain_data(value)):
        return None
    first = value[0]
    if not isinstance(first, Mapping) or not any(str(key).startswith("py/") for key in first):
        return None
    kind = first.get("py/object")
    reduce = first.get("py/reduce")
    if kind is None and isinstance(reduce, list) and reduce and isinstance(reduce[0], Mapping):
        kind = reduce[0].get("py/function") or reduce[0].get("py/type")
    name = str(kind or "Python")
    return "torch tensor" if name.startswith("torch.") else name


_RESULT_ITEMS = 16  # a tuple main() returns (`return acc, loss`) holds a few results, not predictions


def _result_values(raw: Any, path: str, problems: list[Problem]) -> dict[str, float]:
    """Return what main() returned as final values: a number as `result`, a numpy scalar (which Sacred
    jsonpickles) as its number, a dict's numbers as `result.KEY`, a tuple's or list's as `result.0`,
    `result.1`, ...; say what else was returned."""
    if raw is None:
        return {}
    plain = _plain_data(raw)
    if isinstance(plain, list) and len(plain) > _RESULT_ITEMS:  # `return preds.tolist()`: no results
        problems.append(
            Problem(
                path, f"its result is a list of {len(plain):,} items, not results", "the run without a result"
            )
        )
        return {}
    if isinstance(plain, list):  # `return acc, loss`: a tuple, as its positions (result.0, result.1)
        plain = {str(position): item for position, item in enumerate(plain)}
    if isinstance(plain, Mapping):
        fields = flatten_fields(plain, "result.")
        values = {key: number for key, value in fields.items() if (number := _info_number(value)) is not None}
    else:
        number = _info_number(plain)
        values = {} if number is None else {"result": number}
    if not values:
        shown = clipped(json.dumps(raw if plain is None else plain, default=str), 60)
        problems.append(Problem(path, f"its result {shown} holds no number", "the run without a result"))
    return values


def _info_number(value: Any) -> float | None:
    """Return a JSON number as a float (not a flag, not text, not an integer no float can hold)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return to_float(value)


def _plain_data(value: Any) -> Any:
    """Turn Sacred's jsonpickle encodings into plain data: a tuple into its list, a numpy array into its
    values, a numpy scalar into its number; any other object is dropped (never decoded)."""
    if isinstance(value, Mapping):
        if any(str(key).startswith("py/") for key in value):
            if set(value) == {"py/tuple"} and isinstance(value["py/tuple"], list):
                return [_plain_data(item) for item in value["py/tuple"]]
            if value.get("py/object") == "numpy.ndarray" and isinstance(value.get("values"), list):
                return [_plain_data(item) for item in value["values"]]
            scalar = _numpy_scalar(value)
            if scalar is not None:
                return scalar
            return None
        return {key: _plain_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_data(item) for item in value]
    return value


def _numpy_scalar(value: Mapping[str, Any]) -> float | int | None:
    """The number of a numpy scalar as jsonpickle writes it, `{"py/object": "numpy.float64", "dtype":
    "float64", "value": 0.53}` (PyMARL logs every mean this way), else None."""
    kind = value.get("py/object")
    number = value.get("value")
    if not (isinstance(kind, str) and kind.startswith("numpy.") and kind != "numpy.ndarray"):
        return None
    if set(value) - {"py/object", "dtype", "value"} or isinstance(number, bool):
        return None
    if isinstance(number, float) and value.get("dtype") in ("float32", "float16"):
        return plain_value(np.dtype(value["dtype"]).type(number))  # its shortest decimal, as a config's
    return number if isinstance(number, (int, float)) else None


def _unpickle_free(value: Any) -> Any:
    """Replace jsonpickle-encoded objects by plain data: a tuple or a numpy array by its list, a numpy
    scalar by its number, any other object by its JSON."""
    if isinstance(value, Mapping):
        if any(str(key).startswith("py/") for key in value):
            if set(value) == {"py/tuple"} and isinstance(value["py/tuple"], list):
                return [_unpickle_free(item) for item in value["py/tuple"]]
            if value.get("py/object") == "numpy.ndarray" and isinstance(value.get("values"), list):
                return [_unpickle_free(item) for item in value["values"]]
            scalar = _numpy_scalar(value)
            if scalar is not None:
                return scalar
            return normalize_value(dict(value))  # kept whole, as JSON text: never decoded into objects
        return {key: _unpickle_free(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unpickle_free(item) for item in value]
    return value


def _not_numbers(path: str, key: str, values: list[Any], count: int, keep: list[int]) -> Problem:
    """Say how many points of a metric are not numbers, show the first, and what is left of it; a
    list (Keras' `evaluate` gives [loss, accuracy]) asks for one name per number."""
    kept = set(keep)
    first = next(values[i] for i in range(count) if i not in kept)
    shown = clipped(json.dumps(first, default=str))
    hint = "; log each number of a list under its own name" if isinstance(first, list) else ""
    return Problem(
        path,
        f"{count - len(keep)} point(s) of {key!r} are not numbers (the first: {shown}){hint}",
        "the rest" if keep else f"nothing of {key!r}",
    )


def read_sacred_metrics(path: str | None, problems: list[Problem]) -> dict[str, Any]:
    """Read metrics.json (per metric: steps, values, timestamps) into series."""
    if path is None:
        return {}
    data = load_json_file(path, problems, "no metrics", DOCUMENT)
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        problems.append(Problem(path, "does not hold a JSON object", "no metrics"))
        return {}
    builder = SeriesBuilder()
    for key, entry in data.items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("values"), list):
            problems.append(Problem(path, f"metric {key!r} has no list of values", "the other metrics"))
            continue
        values = [to_float(value) for value in entry["values"]]
        steps = _list(entry.get("steps")) or list(range(len(values)))
        stamps = _list(entry.get("timestamps"))
        if len(steps) != len(values):
            problems.append(
                Problem(path, f"metric {key!r} has {len(steps)} steps but {len(values)} values", "the pairs")
            )
        count = min(len(steps), len(values))
        keep = [i for i in range(count) if values[i] is not None and to_float(steps[i]) is not None]
        if len(keep) < count:
            problems.append(_not_numbers(path, str(key), entry["values"], count, keep))
        if not keep:
            continue
        times = np.array(
            [to_timestamp(stamps[i]) if i < len(stamps) else None for i in keep], dtype=np.float64
        )
        builder.add_column(
            str(key),
            np.array([to_float(steps[i]) for i in keep], dtype=np.float64),
            np.array([values[i] for i in keep], dtype=np.float64),
            times,
        )
    series, series_problems = builder.build(path)
    problems.extend(series_problems)
    return series
