"""Stable-Baselines3 run folders as rl-baselines3-zoo writes them: EvalCallback's evaluations.npz, the
Monitor's `*.monitor.csv` (one per environment), `<env>/args.yml`, `config.yml` and the final model,
and the `<algo>_<N>/` folder of event files that `tensorboard_log` puts beside them."""

from __future__ import annotations

import io
import math
import os
import re
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from resultsbook.adapters import MONITOR_FILE, run_file_of_later
from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.adapters.tb_events import EVENTS_MARK, read_event_files
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.params import clipped, flatten_params
from resultsbook.sources import fs
from resultsbook.sources.fileio import iter_file_chunks, read_file_bytes, unreadable
from resultsbook.sources.limits import DOCUMENT
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.tabular import Table, read_delimited
from resultsbook.sources.textio import parse_json, read_text
from resultsbook.sources.yamlio import read_yaml_file
from resultsbook.voice import option

EVALUATIONS_FILE = "evaluations.npz"
# one environment's Monitor file of a run: make_vec_env's `{rank}.monitor.csv`, OpenAI baselines'
# `{rank}.{subrank}.monitor.csv`, `Monitor(env, log_dir)`'s `monitor.csv`
WORKER_FILE = re.compile(r"(\d+(\.\d+)?\.)?monitor\.csv")
PROGRESS_FILE, PROGRESS_STEP = "progress.csv", "time/total_timesteps"  # SB3's logger, configure(…, ["csv"])
# the timesteps of each row of OpenAI Baselines' logger.configure() progress.csv beside its Monitor files,
# by algorithm: ppo2 (misc/total_timesteps; total_timesteps before it moved under misc/, as a2c, acer and
# acktr write it), ddpg (total/steps), trpo_mpi and ppo1 (TimestepsSoFar), deepq (steps)
BASELINES_STEPS = ("misc/total_timesteps", "total_timesteps", "total/steps", "TimestepsSoFar", "steps")
ARGS_FILE, CONFIG_FILE, COMMAND_FILE = "args.yml", "config.yml", "command.txt"
BEST_MODEL = "best_model.zip"
CHECKPOINT = re.compile(r".*_\d+_steps\.zip")  # CheckpointCallback's rl_model_10000_steps.zip
TENSORBOARD_RUN = re.compile(r"(.+)_(\d+)")  # `tensorboard_log`'s `<tb_log_name>_<N>/`, e.g. PPO_1
FLAGS = {"True": 1.0, "False": 0.0}
# EvalCallback's arrays (one row of episodes per evaluation) and the metric of each row's mean
EVALUATED = {
    "results": "eval/mean_reward",
    "ep_lengths": "eval/mean_ep_length",
    "successes": "eval/success_rate",
}
# arguments of the zoo's train.py that say where and how loudly a run went, not what it trained
BOOKKEEPING = frozenset(
    {"log_folder", "tensorboard_log", "verbose", "progress", "uuid", "num_threads", "n_jobs", "log_interval",
     "save_freq", "device", "storage", "study_name", "wandb_entity", "wandb_group", "wandb_project_name",
     "wandb_tags", "track", "no_optim_plots", "optimization_log_path"}
)  # fmt: skip


class Sb3Adapter(Adapter):
    """Read Stable-Baselines3 run folders (rl-baselines3-zoo's layout, or EvalCallback's log_path)."""

    name = "sb3"
    summary = "Stable-Baselines3 run folders (evaluations.npz, *.monitor.csv, progress.csv, zoo args.yml)"
    priority = 35
    # 2: the event files of `tensorboard_log` in the run folder give metrics
    # 3: the logger's progress.csv beside the Monitor files gives metrics
    # 4: OpenAI Baselines' progress.csv (ppo2's misc/total_timesteps, ddpg's total/steps, …) gives them too
    # 5: the keys of the Monitor files' header line but t_start (env_id) give params
    reading_version = 5

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a folder holding EvalCallback's evaluations.npz, with its Monitor files and the zoo's
        `<env>/` folder of arguments and hyperparameters; or a folder of Monitor files alone (one run,
        its environments' episodes together, as SB3's `load_results` reads them)."""
        if EVALUATIONS_FILE in folder.files:
            return Claim((self.source(folder.path, _run_files(folder.path, folder.files, folder.dirs)),))
        monitors = sorted(name for name in folder.files if MONITOR_FILE.fullmatch(name))
        if not monitors or (not forced and run_file_of_later(self.name, folder) is not None):
            return None  # a native run's folder (metrics.jsonl) where SB3's Monitor also wrote stays native's
        sources = []
        if any(WORKER_FILE.fullmatch(name) for name in monitors):
            files = _run_files(folder.path, folder.files, folder.dirs, tensorboard=False)
            sources.append(self.source(folder.path, [path for path in files if not _run_of_its_own(path)]))
        # `Monitor(env, "logs/seed_0")`'s seed_0.monitor.csv: a run of its own, not an environment of one
        sources += [self.source(path, [path]) for path in map(folder.file, monitors) if _run_of_its_own(path)]
        # the folders below may hold runs of their own (another training's Monitor files, PPO_1/)
        return Claim(tuple(sources), descend=True)

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read the run folder of an evaluations.npz or a Monitor file named or matched by a path
        pattern, as the walk claims it: a Monitor file's curve is stepped by timesteps however it
        was found (`--adapter csv` reads one file alone, stepped by episode)."""
        name = os.path.basename(path)
        if name != EVALUATIONS_FILE and not MONITOR_FILE.fullmatch(name):
            return None
        folder = os.path.dirname(path) or "."
        names = fs.listdir(folder)
        dirs = tuple(sorted(name for name in names if fs.isdir(os.path.join(folder, name))))
        found = self.claim(Folder(folder, frozenset(names).difference(dirs), dirs), forced)
        own = os.path.join(folder, name)
        sources = () if found is None else found.sources
        return next((source for source in sources if source.path == own or own in source.files), None)

    def read(self, source: Source) -> ReadResult:
        """Read one run folder: evaluations at their timesteps, training episodes at the timesteps of
        all environments together (as SB3's own plots count them), params from the zoo's YAML files."""
        problems: list[Problem] = []
        alone = _run_of_its_own(source.path)  # one Monitor file, not a folder
        root = os.path.dirname(source.path) if alone else source.path
        files = {os.path.relpath(path, root).replace(os.sep, "/"): path for path in source.files}
        builder = SeriesBuilder()
        evaluated = _read_evaluations(files.get(EVALUATIONS_FILE), builder, problems)
        # a folder without evaluations.npz: its environments' files, not the runs of their own beside them
        environments = MONITOR_FILE if alone or EVALUATIONS_FILE in files else WORKER_FILE
        monitors = sorted(path for name, path in files.items() if environments.fullmatch(name))
        start, end, episodes, headers = _read_monitors(monitors, builder, problems)
        evaluated |= _read_progress(files.get(PROGRESS_FILE), evaluated, builder, problems)
        logged, first_time = _read_tensorboard(root, files, evaluated, builder, problems)
        if EVALUATIONS_FILE not in files and not episodes and first_time is None:
            return ReadResult((), tuple(problems))  # a `monitor.csv` of another program: no run of SB3
        series, series_problems = builder.build(source.path)
        problems.extend(series_problems)
        params, provenance = _read_settings(files, problems)
        params = {**headers, **logged, **params}  # args.yml and config.yml win, then the event files
        named = source.path[: -len(".monitor.csv")] if alone else source.path  # logs/seed_0
        parts = os.path.abspath(named).replace(os.sep, "/").split("/")
        settings = next((n.split("/")[0] for n in files if n.endswith("/" + ARGS_FILE)), None)
        models = [n for n in files if "/" not in n and _is_final_model(n, settings)]
        run = RunRecord(
            name="/".join(parts[-2:]),
            params=params,
            metrics=series,
            # the zoo saves `<env>.zip` once training ends: without it the run was killed or still runs
            status="finished" if models else "unknown",
            start_time=start if start is not None else first_time,
            end_time=end,
            provenance=provenance,
        )
        return ReadResult((run,), tuple(problems))


def _run_of_its_own(path: str) -> bool:
    """Tell whether a path is a Monitor file named for a run of its own (`Monitor(env, "logs/seed_0")`
    writes seed_0.monitor.csv), not one environment's of a run (`0.monitor.csv`, `monitor.csv`)."""
    name = os.path.basename(path)
    return MONITOR_FILE.fullmatch(name) is not None and WORKER_FILE.fullmatch(name) is None


def _is_final_model(name: str, settings: str | None) -> bool:
    """Tell whether a file is the model the zoo saves when training ends: `<env>.zip`, named as the
    folder of args.yml; without that folder, a .zip that is neither the best model nor a checkpoint."""
    if settings is not None:
        return name == f"{settings}.zip"
    return name.endswith(".zip") and name != BEST_MODEL and not CHECKPOINT.fullmatch(name)


def _run_files(
    path: str, files: frozenset[str], dirs: tuple[str, ...], tensorboard: bool = True
) -> list[str]:
    """Return the files of a run folder to read: evaluations, Monitor files, the final model (its name
    only: a finished run), the zoo's settings in the `<env>/` folder that holds args.yml and (unless
    told not to) the event files of `<algo>_<N>/`."""
    wanted = [
        n
        for n in sorted(files)
        if n in (EVALUATIONS_FILE, PROGRESS_FILE) or MONITOR_FILE.fullmatch(n) or n.endswith(".zip")
    ]
    found = [os.path.join(path, name) for name in wanted]
    settings = False
    for sub in sorted(dirs):
        inner = os.path.join(path, sub)
        listed = set(fs.listdir(inner)) if sub not in ("tensorboard", "__pycache__") else set()
        if ARGS_FILE in listed and not settings:
            found += [os.path.join(inner, n) for n in (ARGS_FILE, CONFIG_FILE, COMMAND_FILE) if n in listed]
            settings = True
        elif tensorboard and TENSORBOARD_RUN.fullmatch(sub):
            found += [os.path.join(inner, n) for n in sorted(listed) if EVENTS_MARK in n]
    return found


def _read_tensorboard(
    root: str, files: Mapping[str, str], evaluated: set[str], builder: SeriesBuilder, problems: list[Problem]
) -> tuple[dict[str, Any], float | None]:
    """Add the metrics of the `<algo>_<N>/` event files SB3's `tensorboard_log` wrote in the run folder
    (rollout/*, train/*, time/*; those evaluations.npz gave are kept from it); several such folders
    (`learn` called again) are as many trainings: the last is read. Return its params and first time."""
    runs: dict[str, list[str]] = {}
    for name, path in files.items():
        if name.count("/") == 1 and EVENTS_MARK in name.rsplit("/", 1)[1]:
            runs.setdefault(name.split("/")[0], []).append(path)
    if not runs:
        return {}, None
    names = sorted(runs, key=lambda sub: int(sub.rsplit("_", 1)[1]))
    last = names[-1]
    if len(names) > 1:
        message = f"holds {len(names)} TensorBoard runs ({', '.join(names)}), one per learn(): "
        message += "the training ran again in this folder"
        kept = f"the metrics of {last}, the last; {option('adapter', 'tensorboard')} reads each as a run"
        problems.append(Problem(root, message, kept))
    events = read_event_files(runs[last], problems)
    for tag in evaluated & set(events.chunks):
        del events.chunks[tag]
    events.add_to(builder, "")
    return {**(events.text_params or {}), **(events.hparams or {})}, events.first_time


def _read_evaluations(path: str | None, builder: SeriesBuilder, problems: list[Problem]) -> set[str]:
    """Add EvalCallback's evaluations (one row of episodes per evaluation) as their means per timestep;
    return the metrics added."""
    added: set[str] = set()
    if path is None:
        return added
    kept = "nothing from this file"
    try:
        with np.load(io.BytesIO(read_file_bytes(path, DOCUMENT)), allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except OSError as error:
        problems.append(unreadable(path, error, kept))
        return added
    except (ValueError, zipfile.BadZipFile, EOFError, KeyError) as error:
        # ValueError: object arrays (episodes of unequal counts), never unpickled
        why = "it holds pickled objects, which are never unpickled" if "pickle" in str(error) else error
        problems.append(Problem(path, f"is not a readable NumPy .npz file ({why})", kept))
        return added
    steps = arrays.get("timesteps")
    if steps is None or steps.ndim != 1:
        problems.append(Problem(path, "has no 'timesteps' array (one timestep per evaluation)", kept))
        return added
    at = steps.astype(np.float64)
    for array_name, metric in EVALUATED.items():
        if array_name not in arrays:
            continue
        episodes = arrays[array_name].astype(np.float64)
        if episodes.ndim > 2:  # older SB3 kept each episode's reward as [r]
            episodes = episodes.reshape(len(episodes), -1)
        if episodes.ndim != 2 or len(episodes) != len(steps) or not episodes.size:
            shape = "×".join(str(n) for n in arrays[array_name].shape)
            message = f"'{array_name}' is {shape}, not one row of episodes per timestep"
            problems.append(Problem(path, message, f"nothing of {metric}"))
            continue
        builder.add_column(metric, at, episodes.mean(axis=1))
        added.add(metric)
        if array_name == "results":
            builder.add_column("eval/std_reward", at, episodes.std(axis=1))
    return added


def _read_progress(
    path: str | None, evaluated: set[str], builder: SeriesBuilder, problems: list[Problem]
) -> set[str]:
    """Add the columns of SB3's logger CSV beside the Monitor files (rollout/ep_rew_mean, train/*, …)
    at its time/total_timesteps, or of OpenAI Baselines' (eprewmean, loss/*, rollout/return, …) at the
    timesteps its algorithm logs (those evaluations.npz gave are kept from it); return the metrics added."""
    table = None if path is None else read_delimited(path, problems)
    if path is None or table is None:
        return set()
    step = next((name for name in (PROGRESS_STEP, *BASELINES_STEPS) if name in table.numbers), None)
    if step is None:
        named = ", ".join(repr(name) for name in (PROGRESS_STEP, *BASELINES_STEPS))
        message = f"has no column of the timesteps of each row ({named})"
        apart = f"{option('pattern', '**/' + PROGRESS_FILE)} {option('db', 'csv.db')}"
        kept = f"nothing from this file; {apart} reads it as a CSV log into a store of its own (in this one "
        kept += "each run would be read twice)"
        problems.append(Problem(path, message, kept))
        return set()
    steps, stepped = table.column(step)
    added = set()
    for name in table.columns:
        if name == step or name in evaluated:
            continue
        values, present = table.metric_column(name, path, problems)
        if (keep := stepped & present).any():
            builder.add_column(name, steps[keep], values[keep])
            added.add(name)
    return added


MONITOR_COLUMNS = (("l", "episode length"), ("t", "seconds"))  # what a Monitor file has beside the return


def _read_monitors(
    paths: list[str], builder: SeriesBuilder, problems: list[Problem]
) -> tuple[float | None, float | None, int, dict[str, Any]]:
    """Add the training episodes of every environment's Monitor file as one stream, in the order they
    ended, stepped by the timesteps of all environments so far; return the first start, the last end,
    how many episodes were read and the params of the files' header lines (the first file's win)."""
    columns: dict[str, list[np.ndarray]] = {}
    seconds: list[np.ndarray] = []
    starts: list[float | None] = []
    params: dict[str, Any] = {}
    read: list[str] = []  # the files read, with their columns
    headers: list[tuple[str, ...]] = []
    for path in paths:
        table = read_delimited(path, problems, text=True)  # text: `info_keywords` flags (is_success)
        if table is None or "l" not in table.columns or "t" not in table.columns:
            if table is not None:
                csv = option("adapter", "csv")
                every = f"{option('pattern', '**/' + os.path.basename(path))} {csv}"
                lacking = [f"{key!r} ({what})" for key, what in MONITOR_COLUMNS if key not in table.columns]
                message = f"has no {' and no '.join(lacking)} column: it is no Monitor file of "
                message += f"Stable-Baselines3; read it as a CSV log with {csv} (the file named alone), "
                message += f"or {every} (every such file under a folder)"
                problems.append(Problem(path, message, "nothing from this file"))
            continue
        start, header = _monitor_header(path, problems)
        starts.append(start)
        params = {**header, **params}
        read.append(path)
        headers.append(table.columns)
        _, present = table.column("l")
        times, timed = table.column("t")
        keep = present & timed
        seconds.append(times[keep])
        for name in table.columns:
            if name in ("l", "t"):
                columns.setdefault(name, []).append(table.column(name)[0][keep])
            else:
                columns.setdefault(name, []).append(_episode_values(table, name, path, problems)[keep])
    if not seconds:
        return None, None, 0, params
    # a file without its t_start: every environment's seconds counted from its own start, as if all
    # began together (they do, in one vectorised env), rather than its episodes before all the others'
    known = [start for start in starts if start is not None]
    dated = len(known) == len(starts)
    ends = np.concatenate([(start if dated else 0.0) + times for start, times in zip(starts, seconds)])
    order = np.argsort(ends, kind="stable")
    finished = ends[order]
    steps = np.cumsum(np.concatenate(columns["l"])[order])
    for name, parts in columns.items():
        if name == "t":
            continue
        if len(parts) != len(seconds):  # a column not in every file: no stream of its own
            without = [path for path, names in zip(read, headers) if name not in names]
            message = (
                f"has no column {name!r}, which {len(parts)} of the run's {len(seconds)} Monitor files have"
            )
            problems.append(Problem(without[0], message, f"no curve of {name!r} for the run"))
            continue
        values = np.concatenate(parts)[order]
        kept = ~np.isnan(values)
        stamps = finished[kept] if dated else None
        builder.add_column(name, steps[kept].astype(np.float64), values[kept], stamps)
    begun = min(known) if dated else None
    end = float(finished[-1]) if begun is not None and len(finished) else None
    return begun, end, len(finished), params


def _episode_values(table: Table, name: str, path: str, problems: list[Problem]) -> np.ndarray:
    """Return a Monitor column as numbers: an `info_keywords` flag such as `is_success`, written as
    True/False, as 1/0 (its mean is the success rate, as SB3 reads it with pandas)."""
    if table.bad[name] and set(table.text[name]) <= FLAGS.keys() | {""}:
        return np.array([FLAGS.get(cell, np.nan) for cell in table.text[name]], dtype=np.float64)
    return table.metric_column(name, path, problems)[0]


def _monitor_header(path: str, problems: list[Problem]) -> tuple[float | None, dict[str, Any]]:
    """Return the `t_start` of a Monitor file's opening `#{...}` line (seconds since the epoch) and
    its other keys as params (`env_id`); a problem names a file whose line is missing or damaged."""
    kept = "its episodes, their seconds counted from its start; the run without wall times"
    try:  # a FIFO in its place is refused, never opened
        first = next(iter_file_chunks(path, 4096), b"").split(b"\n", 1)[0].decode("utf-8", "replace")
    except OSError as error:
        problems.append(unreadable(path, error, kept))
        return None, {}
    ok, header = parse_json(first.lstrip("#").strip()) if first.startswith("#") else (False, None)
    if not ok or not isinstance(header, Mapping):
        header = {}
    # an environment made without a spec has none: SB3 writes "None" (str of it), OpenAI Baselines null
    params = flatten_params({k: v for k, v in header.items() if k != "t_start" and v not in (None, "None")})
    start = header.get("t_start")
    if isinstance(start, (int, float)) and not isinstance(start, bool) and math.isfinite(start):
        return float(start), params
    line = clipped(first.strip())
    problems.append(
        Problem(path, f"opens with {line!r}, not the '#{{\"t_start\": …}}' line SB3's Monitor writes", kept)
    )
    return None, params


def _read_settings(
    files: Mapping[str, str], problems: list[Problem]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return params (the hyperparameters of config.yml, then the arguments of args.yml, which win) and
    provenance (where the run was logged, the command line)."""
    by_name = {name.rsplit("/", 1)[-1]: path for name, path in files.items() if "/" in name}
    hyper = _ordered_dict(read_yaml_file(by_name[CONFIG_FILE], problems)) if CONFIG_FILE in by_name else {}
    args = _ordered_dict(read_yaml_file(by_name[ARGS_FILE], problems)) if ARGS_FILE in by_name else {}
    provenance: dict[str, Any] = {key: args.pop(key) for key in sorted(BOOKKEEPING & set(args))}
    args.pop("hyperparams", None)  # the overrides: config.yml already holds them merged
    if isinstance(args.get("n_timesteps"), int) and args["n_timesteps"] <= 0:
        args.pop("n_timesteps")  # -1: the budget of config.yml
    if COMMAND_FILE in by_name:
        try:
            provenance["command"] = read_text(by_name[COMMAND_FILE], problems).strip()
        except OSError as error:
            problems.append(unreadable(by_name[COMMAND_FILE], error, "the run without its command line"))
    return flatten_params({**hyper, **args}), provenance


def _ordered_dict(value: Any) -> dict[str, Any]:
    """Return the mapping the zoo wrote as `!!python/object/apply:collections.OrderedDict` (read
    safely: a list holding one list of [key, value] pairs), or a plain mapping as it is."""
    if isinstance(value, Mapping):
        return dict(value)
    pairs = value[0] if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list) else value
    if not isinstance(pairs, list):
        return {}
    if all(isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str) for pair in pairs):
        return dict(pairs)
    return {}
