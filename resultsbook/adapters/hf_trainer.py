"""Hugging Face Trainer output folders: trainer_state.json (or the newest checkpoint's), *_results.json.

Never unpickles training_args.bin: params come from a training_args.json when a script wrote one,
`trial_params` of a hyperparameter search, and the model's config.json name, type and fine-tuning task.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Mapping
from typing import Any

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.params import flatten_params, normalize_value
from resultsbook.sources import fs
from resultsbook.sources.limits import DOCUMENT
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.textio import load_json_file, to_float
from resultsbook.voice import command

STATE_FILE = "trainer_state.json"
RESULT_FILES = (
    "all_results.json",
    "train_results.json",
    "eval_results.json",
    "test_results.json",
    "predict_results.json",
)
_RESULT_SET = frozenset(RESULT_FILES)
ARGS_FILE = "training_args.json"
MODEL_CONFIG = "config.json"
_CHECKPOINT = re.compile(r"checkpoint-(\d+)")
_STEP = "step"
_FINAL_KEY = "train_runtime"  # only in the log entry written when train() returns
_EVALUATION = "eval_"  # the prefix of evaluate()'s metrics (its metric_key_prefix)
_REPORTED = -1  # the entry of a final value the results files alone hold
_STATE_PARAMS = ("train_batch_size", "num_train_epochs")  # params too: often the only config a folder has
_STATE_FACTS = (
    "global_step",
    "max_steps",
    "num_train_epochs",
    "best_metric",
    "best_model_checkpoint",
    "best_global_step",
    "epoch",
    "train_batch_size",
    "logging_steps",
    "eval_steps",
    "save_steps",
    "trial_name",
)
# what the model's config.json says of the run: run_glue.py (and run_ner, run_xnli) set finetuning_task
# from --task_name, which is otherwise only in the folder's name and in training_args.bin
_MODEL_PARAMS = (
    ("_name_or_path", "model.name_or_path"),
    ("model_type", "model.model_type"),
    ("finetuning_task", "model.finetuning_task"),
)
# where a run wrote, not how it was configured: provenance, else every run differs in config
_RUN_PATHS = ("output_dir", "logging_dir", "run_name")  # run_name: output_dir unless set
DEFAULT_STALE_AFTER = 3600.0  # checkpoints can be an hour apart
# trackers' folders an output folder can hold when `output_dir` is the project folder ("./")
_TRACKER_FOLDERS = {"wandb": "W&B", "mlruns": "MLflow", "lightning_logs": "Lightning"}


class HfTrainerAdapter(Adapter):
    """Read Hugging Face Trainer output folders."""

    name = "hf_trainer"
    # 2: train_batch_size and num_train_epochs of trainer_state.json are params; 3: an evaluation after
    # train() is the last point, the one the results files report (MNLI: matched, not mismatched);
    # 4: a newest checkpoint within save_steps of the end is unknown, not failed; 5: a checkpoint-N
    # collected by itself under its run's output folder is named as such; 6: the model's name from the
    # newest checkpoint's config.json while the output folder has none; 7: its finetuning_task too; 8: a
    # checkpoint of another training left in the folder is reported; 9: not one whose log_history the
    # run read continues (a training resumed with more epochs)
    reading_version = 9
    summary = "Hugging Face Trainer output folders (trainer_state.json, checkpoint-N/, *_results.json)"
    priority = 20  # before TensorBoard (25): event files a run writes into its own folder are its own
    options = {
        "stale_after": "seconds without a write after which an unfinished run is failed (default 3600)",
    }

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim an output folder: trainer_state.json, results files or checkpoint-N/trainer_state.json."""
        files = folder.files
        checkpoint = None
        if STATE_FILE not in files:  # every folder of the walk comes here: cheap tests first
            has_results = not _RESULT_SET.isdisjoint(files)
            if folder.dirs:
                checkpoint = newest_checkpoint_state(folder.path, folder.dirs)
            if checkpoint is None and not has_results:
                return None
        names = [n for n in (STATE_FILE, *RESULT_FILES, ARGS_FILE) if n in files]
        if MODEL_CONFIG in files:
            names.append(MODEL_CONFIG)
        paths = [folder.file(n) for n in names] + ([checkpoint] if checkpoint else [])
        if checkpoint and MODEL_CONFIG not in files:  # until train() returns, the model's config is there
            model_config = os.path.join(os.path.dirname(checkpoint), MODEL_CONFIG)
            paths += [model_config] if fs.exists(model_config) else []
        return Claim((self.source(folder.path, paths),))

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read the output folder of a trainer_state.json, or of a results file beside one (or beside
        checkpoints), named by the user or matched by a path pattern."""
        name = os.path.basename(path)
        if name != STATE_FILE and name not in _RESULT_SET:
            return None
        folder = os.path.dirname(path)
        listed = fs.listdir(folder)
        checkpoints = tuple(
            n for n in listed if _CHECKPOINT.fullmatch(n) and fs.isdir(os.path.join(folder, n))
        )
        if name != STATE_FILE and STATE_FILE not in listed and not checkpoints:
            return None  # a results file alone is no output folder's: another adapter reads it as it is
        return self.claim(Folder(folder, frozenset(listed), checkpoints), forced).sources[0]  # type: ignore[union-attr]

    def clock_state(self, source: Source) -> str:
        """Say "fresh" while the source was written recently: an unfinished run then fails by the clock."""
        return self.fresh_while_written(source.files, DEFAULT_STALE_AFTER)

    def read(self, source: Source) -> ReadResult:
        """Read one output folder."""
        problems: list[Problem] = []
        files = {os.path.relpath(p, source.path).replace(os.sep, "/"): p for p in source.files}
        state_path = files.get(STATE_FILE) or next(
            (p for rel, p in files.items() if rel.endswith("/" + STATE_FILE)), None
        )
        state = (
            load_json_file(state_path, problems, "the results files only", DOCUMENT) if state_path else None
        )
        if state is not None and not isinstance(state, Mapping):
            problems.append(Problem(state_path or source.path, "does not hold a JSON object", "nothing"))
            state = None
        state = state or {}
        history: list[Any] = state["log_history"] if isinstance(state.get("log_history"), list) else []
        summary = read_results(files, problems)
        metrics = read_log_history(state_path or source.path, history, problems, summary)
        params = read_training_params(files, state, problems)
        provenance: dict[str, Any] = {k: state[k] for k in _STATE_FACTS if state.get(k) is not None}
        provenance.update({k: params.pop(k) for k in _RUN_PATHS if k in params})
        if state_path and state_path != files.get(STATE_FILE):
            provenance["state_from"] = os.path.relpath(state_path, source.path).replace(os.sep, "/")
        status = self._status(state, history, files, source, provenance, problems)
        problems.extend(_trackers_left_unread(source.path))
        problems.extend(_checkpoint_of_a_run(source.path))
        problems.extend(_other_trainings(source.path, state_path, state))
        run = RunRecord(
            name=os.path.basename(os.path.abspath(source.path)),
            params=params,
            metrics=metrics,
            summary=summary,
            status=status,
            provenance=provenance,
        )
        return ReadResult((run,), tuple(problems))

    def _status(
        self,
        state: Mapping[str, Any],
        history: list[Any],
        files: Mapping[str, str],
        source: Source,
        provenance: dict[str, Any],
        problems: list[Problem],
    ) -> str:
        """Finished when train() returned (its final log entry, train_results.json, or the last step
        reached); otherwise running while files are fresh, failed once they are stale, unknown when
        only a checkpoint says where it stopped and no later one was due before the end."""
        global_step, max_steps = to_float(state.get("global_step")), to_float(state.get("max_steps"))
        control = _mapping(
            _mapping(_mapping(state.get("stateful_callbacks")).get("TrainerControl")).get("args")
        )
        if (
            any(isinstance(entry, Mapping) and _FINAL_KEY in entry for entry in history)
            or "train_results.json" in files
            or (global_step is not None and max_steps and global_step >= max_steps)
            or control.get("should_training_stop") is True
        ):
            return "finished"
        if not state:
            return "unknown"  # results files only: an evaluation, nothing says how training went
        newest = fs.newest_mtime(source.files)
        if newest is None or time.time() - newest < self.stale_after(DEFAULT_STALE_AFTER):
            return "running"
        save_steps = to_float(state.get("save_steps"))
        if (
            "state_from" in provenance
            and global_step is not None
            and max_steps
            and save_steps
            and global_step % save_steps == 0  # saved every save_steps, not each epoch (due at the end too)
            and max_steps - global_step < save_steps  # no checkpoint was due before the end
        ):
            problems.append(
                Problem(
                    source.path,
                    f"its newest checkpoint is at step {global_step:.0f} of {max_steps:.0f}, the last "
                    f"save due before the end (save_steps = {save_steps:.0f}): whether training ran "
                    "to the end is not recorded (trainer.save_state() after train() would say)",
                    "the run, as unknown, with the log history of its newest checkpoint",
                )
            )
            return "unknown"
        provenance["incomplete"] = True
        where = (
            f"step {global_step:.0f} of {max_steps:.0f}"
            if global_step is not None and max_steps
            else "unknown step"
        )
        problems.append(
            Problem(
                source.path,
                f"training stopped at {where} and nothing was written for over "
                f"{self.stale_after(DEFAULT_STALE_AFTER) / 60:.0f} min",
                "the run, as failed, with the log history of its last saved state",
            )
        )
        return "failed"


def _mapping(value: Any) -> Mapping[str, Any]:
    """Return a JSON value if it is an object, else an empty one (a damaged file may hold anything)."""
    return value if isinstance(value, Mapping) else {}


def newest_checkpoint_state(path: str, dirs: tuple[str, ...]) -> str | None:
    """Return the trainer_state.json of the highest checkpoint-N folder that has one."""
    numbered = sorted(
        (
            (int(m.group(1)), name)
            for name in dirs
            if name.startswith("checkpoint-") and (m := _CHECKPOINT.fullmatch(name))
        ),
        reverse=True,
    )
    for _, name in numbered:
        candidate = os.path.join(path, name, STATE_FILE)
        if fs.exists(candidate):
            return candidate
    return None


def read_log_history(
    path: str, history: list[Any], problems: list[Problem], reported: Mapping[str, float] | None = None
) -> dict[str, Any]:
    """Read `log_history` entries ({..., "step": N}) into series; `epoch` is kept as a metric.

    An evaluation after train() returned (run_glue.py's `trainer.evaluate()`) is the run's final value
    at the last step: it replaces the in-training one there, and of several (MNLI's matched, then
    mismatched set) the one the results files report is kept.
    """
    builder = SeriesBuilder()
    skipped: dict[str, int] = {}
    last: dict[str, tuple[float, float]] = {}  # epoch repeats on the train and eval entry of a step
    not_objects = 0
    final = _final_evaluations(history, reported or {})
    hidden: list[str] = []  # non-finite values at the final step, where the reported value stands
    for index, entry in enumerate(history):
        if not isinstance(entry, Mapping):
            not_objects += 1
            continue
        step = to_float(entry.get(_STEP))
        if entry.get(_STEP) is not None and step is None:
            skipped[_STEP] = skipped.get(_STEP, 0) + 1
            continue
        for key, raw in entry.items():
            if key == _STEP:
                continue
            value = to_float(raw)
            if value is None:
                skipped[key] = skipped.get(key, 0) + 1
                continue
            chosen = None if step is None else final.get((key, step))
            if chosen is not None and chosen != (index, value):
                if chosen[0] == _REPORTED and not math.isfinite(value):  # damage the final value hides
                    hidden.append(f"{key} at step {step:g} is {value}")
                continue  # an in-training value, or another evaluation, at the final evaluation's step
            point = (builder.next_step(key) if step is None else step, value)
            if last.get(key) != point:
                builder.add(key, *point)
                last[key] = point
    for (key, step), (_, value) in final.items():
        if (key, step) not in {(k, p[0]) for k, p in last.items()}:  # reported, never logged: added last
            builder.add(key, step, value)
    if not_objects:
        problems.append(Problem(path, f"{not_objects} log_history entries are not objects", "the others"))
    if hidden:
        problems.append(
            Problem(path, f"log_history's {', '.join(hidden)}", "the final value its results files report")
        )
    for key, count in skipped.items():
        kept = "the other entries" if key == _STEP else "the rest"
        problems.append(Problem(path, f"{count} value(s) of {key!r} in log_history are not numbers", kept))
    series, series_problems = builder.build(path)
    problems.extend(series_problems)
    return series


def _final_evaluations(
    history: list[Any], reported: Mapping[str, float]
) -> dict[tuple[str, float], tuple[int, float]]:
    """Return, per (key, step) an entry after train()'s final one logs, the entry and value to keep:
    the value the results files report if one of them is it, else the first."""
    ended = [i for i, entry in enumerate(history) if isinstance(entry, Mapping) and _FINAL_KEY in entry]
    chosen: dict[tuple[str, float], tuple[int, float]] = {}
    for index in range(ended[-1] + 1 if ended else len(history), len(history)):
        entry = history[index]
        step = to_float(entry.get(_STEP)) if isinstance(entry, Mapping) else None
        if step is None:
            continue
        for key, raw in entry.items():
            value = to_float(raw)
            if key == _STEP or value is None:
                continue
            if (key, step) not in chosen or (reported.get(key) == value != chosen[key, step][1]):
                chosen[key, step] = (index, value)
    if not ended:
        return chosen
    # run_glue.py saves trainer_state.json before its evaluate(): the evaluation after training is in
    # the results files alone, the value a paper quotes; it is the last point of a metric logged before
    step = to_float(history[ended[-1]].get(_STEP))
    logged = {key for entry in history if isinstance(entry, Mapping) for key in entry}
    for key, value in reported.items():
        if step is not None and key.startswith(_EVALUATION) and key in logged and (key, step) not in chosen:
            chosen[key, step] = (_REPORTED, value)
    return chosen


def read_results(files: Mapping[str, str], problems: list[Problem]) -> dict[str, float]:
    """Read the final values of *_results.json; all_results.json wins, the split files fill in."""
    summary: dict[str, float] = {}
    for name in RESULT_FILES:
        path = files.get(name)
        if path is None:
            continue
        data = load_json_file(path, problems, "the other results files")
        if data is None:
            continue
        if not isinstance(data, Mapping):
            problems.append(Problem(path, "does not hold a JSON object", "the other results files"))
            continue
        bad = 0
        for key, raw in data.items():
            value = to_float(raw)
            if value is not None:
                summary.setdefault(str(key), value)
            else:
                bad += 1
        if bad:
            problems.append(Problem(path, f"{bad} value(s) are not numbers", "the numbers"))
    return summary


def read_training_params(
    files: Mapping[str, str], state: Mapping[str, Any], problems: list[Problem]
) -> dict[str, Any]:
    """Return params from safe sources: training_args.json, trial_params, the batch size and epochs
    trainer_state.json records, the model config's name."""
    params: dict[str, Any] = {}
    if ARGS_FILE in files:
        args = load_json_file(files[ARGS_FILE], problems, "no params from it")
        if isinstance(args, Mapping):
            params.update(flatten_params(args))
    trial = state.get("trial_params")
    if isinstance(trial, Mapping):
        params.update(flatten_params(trial))
    for key in _STATE_PARAMS:  # how the Trainer was set up, as trainer_state.json records it
        if isinstance(state.get(key), (int, float)) and not isinstance(state.get(key), bool):
            params.setdefault(key, normalize_value(state[key]))
    model_config = files.get(MODEL_CONFIG) or next(
        (path for rel, path in files.items() if rel.endswith("/" + MODEL_CONFIG)), None
    )
    if model_config is not None:
        model = load_json_file(model_config, problems, "no model name")
        if isinstance(model, Mapping):
            for key, name in _MODEL_PARAMS:
                if model.get(key):
                    params.setdefault(name, normalize_value(model[key]))
    return params


def _other_trainings(folder: str, state_path: str | None, state: Mapping[str, Any]) -> list[Problem]:
    """Report the checkpoints of another training left in a reused output folder (their max_steps,
    batch size or epochs differ from the state read, and their log_history is not its start): only the
    newest checkpoint's state is read."""
    if not state_path or not fs.isdir(folder):
        return []
    numbered = sorted(
        ((int(m.group(1)), name) for name in fs.listdir(folder) if (m := _CHECKPOINT.fullmatch(name))),
        reverse=True,
    )
    # a training's setup -> its newest checkpoint, which holds its whole log history
    others: dict[tuple[tuple[str, float], ...], str] = {}
    for _, name in numbered[:_CHECKPOINTS_COMPARED]:
        path = os.path.join(folder, name, STATE_FILE)
        if os.path.abspath(path) == os.path.abspath(state_path) or not fs.exists(path):
            continue
        other = load_json_file(path, [], limit=DOCUMENT)  # a damaged older checkpoint: not this run's
        differ = _setup_differences(state, other) if isinstance(other, Mapping) else ()
        if differ and not _history_continued(state, other):
            others.setdefault(differ, name)
    read_from = os.path.relpath(state_path, folder).replace(os.sep, "/")
    problems = []
    for differ, name in others.items():
        theirs = ", ".join(f"{key} {value:g}" for key, value in differ)
        ours = ", ".join(f"{key} {to_float(state[key]):g}" for key, _ in differ)
        checkpoint = os.path.join(folder, name)
        problems.append(
            Problem(
                checkpoint,
                f"is the newest checkpoint of another training left in this output folder ({theirs}; the "
                f"run read, from {read_from}, has {ours})",
                f"nothing from it; {command('collect', checkpoint)} reads it as a run of its own",
            )
        )
    return problems


def _setup_differences(state: Mapping[str, Any], other: Mapping[str, Any]) -> tuple[tuple[str, float], ...]:
    """Return the setup values (max_steps, batch size, epochs) of `other` that differ from `state`'s."""
    differ = []
    for key in _TRAINING_SETUP:  # numbers alone: a damaged file's value may be anything
        ours, theirs = to_float(state.get(key)), to_float(other.get(key))
        if ours is not None and theirs is not None and ours != theirs:
            differ.append((key, theirs))
    return tuple(differ)


def _history_continued(state: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    """Tell whether `other`'s log_history is the start of `state`'s: the same training, resumed with
    more epochs or steps (its older checkpoint), not another one."""
    ours, theirs = state.get("log_history"), other.get("log_history")
    if not isinstance(ours, list) or not isinstance(theirs, list) or len(theirs) > len(ours):
        return False
    # as text: a NaN loss, read twice, is no equal float
    return json.dumps(theirs, sort_keys=True) == json.dumps(ours[: len(theirs)], sort_keys=True)


_TRAINING_SETUP = ("max_steps", "train_batch_size", "num_train_epochs")  # another value: another training
_CHECKPOINTS_COMPARED = 50  # save_total_limit keeps a few; a folder of hundreds is read no slower for them


def _checkpoint_of_a_run(folder: str) -> list[Problem]:
    """Report a checkpoint-N folder collected by itself when the folder above is its run's output folder."""
    match = _CHECKPOINT.fullmatch(os.path.basename(os.path.abspath(folder)))
    parent = os.path.dirname(os.path.abspath(folder))
    output_files = (os.path.join(parent, name) for name in (STATE_FILE, *RESULT_FILES))
    if match is None or not any(fs.exists(path) for path in output_files):
        return []
    shown = os.path.join(os.path.dirname(folder.rstrip("/" + os.sep)) or ".", "")
    return [
        Problem(
            folder,
            f"is checkpoint {match.group(1)} of the Hugging Face output folder {shown}, read as a run of "
            "its own: it repeats the first steps of that folder's run",
            f"the checkpoint as a run; {command('forget', folder)} removes it, "
            f"{command('collect', shown)} reads the run",
        )
    ]


def _trackers_left_unread(folder: str) -> list[Problem]:
    """Report a tracker's folder inside an output folder: the walk stops at the output folder."""
    problems = []
    for name, tracker in _TRACKER_FOLDERS.items():
        inner = os.path.join(folder, name)
        if fs.isdir(inner):
            problems.append(
                Problem(
                    inner,
                    f"holds {tracker} runs, not read as part of the Hugging Face output folder around it",
                    f"nothing from it; `resultsbook collect {inner}` reads them (the {tracker} runs of "
                    "this training repeat its metrics, to collect once)",
                )
            )
    return problems
