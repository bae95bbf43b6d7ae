"""Optuna's journal storage (`JournalStorage(JournalFileBackend("journal.log"))`), read without Optuna.

The file is a JSON Lines log of operations (optuna/storages/journal/_storage.py): create a study,
create a trial, set a param, its state and values, an intermediate value, an attr. It is replayed
here as Optuna replays it: a trial's id is the count of trials created before it, its number the
count in its study; an operation on a finished trial, a study deleted or never created is ignored.
The trials are then made runs as the SQLite storage's are (optuna_studies.Trial).

A study still writing appends whole lines under a lock of its own: the file is read without it, and a
last line without its newline (being written, or cut off) is skipped and said, as Optuna skips it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from resultsbook.adapters.optuna_studies import METRIC_NAMES, Trial, decode_json_param
from resultsbook.models import Problem, ReadResult, RunRecord
from resultsbook.sources.fileio import read_file_bytes, unreadable
from resultsbook.sources.limits import DOCUMENT

# optuna/storages/journal/_storage.py, JournalOperation
CREATE_STUDY, DELETE_STUDY, SET_STUDY_USER_ATTR, SET_STUDY_SYSTEM_ATTR = 0, 1, 2, 3
CREATE_TRIAL, SET_TRIAL_PARAM, SET_TRIAL_STATE_VALUES, SET_TRIAL_INTERMEDIATE_VALUE = 4, 5, 6, 7
SET_TRIAL_USER_ATTR, SET_TRIAL_SYSTEM_ATTR = 8, 9
# optuna/trial/_state.py and optuna/study/_study_direction.py: IntEnums, written as their numbers
_STATES = {0: "RUNNING", 1: "COMPLETE", 2: "PRUNED", 3: "FAIL", 4: "WAITING"}
_DIRECTIONS = {0: "not_set", 1: "minimize", 2: "maximize"}
_FINISHED = {"COMPLETE", "PRUNED", "FAIL"}
_FIRST = re.compile(rb'\s*\{\s*"op_code"\s*:')  # how Optuna's json.dumps starts every line


def starts_as_journal(data: bytes) -> bool:
    """Tell whether bytes begin as an Optuna journal: a JSON object whose first key is `op_code`."""
    return _FIRST.match(data) is not None


def read_journal(path: str) -> ReadResult:
    """Read every trial of every study of a journal file."""
    try:
        data = read_file_bytes(path, DOCUMENT)
    except OSError as error:
        return ReadResult((), (unreadable(path, error, "nothing"),))
    if data.strip() and not starts_as_journal(data):
        what = "is not an Optuna journal (its first line is no operation with an op_code)"
        return ReadResult((), (Problem(path, what, "nothing"),))
    problems: list[Problem] = []
    replay = _Replay()
    lines = data.split(b"\n")
    last = lines.pop()  # after the last newline: empty, or a line being written
    bad: list[int] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            operation = json.loads(line)  # Optuna writes NaN and Infinity as Python's json does
            replay.apply(operation)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):
            bad.append(number)
    if bad:
        where = ", ".join(str(n) for n in bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        problems.append(
            Problem(
                path, f"{len(bad)} line(s) are not operations Optuna wrote (line {where})", "the other lines"
            )
        )
    if last.strip():
        problems.append(
            Problem(
                path,
                "its last line has no newline (a study is writing it, or its writer stopped mid-line); "
                "Optuna skips such a line too",
                "the lines before it",
            )
        )
    runs: list[RunRecord] = [trial.run(path, problems) for trial in replay.trials()]
    return ReadResult(tuple(runs), tuple(problems))


class _Replay:
    """The studies and trials of a journal, as Optuna's JournalStorageReplayResult builds them."""

    def __init__(self) -> None:
        self.studies: dict[int, dict[str, Any]] = {}  # id -> name, directions, system attrs
        self.next_study = 0
        self.by_id: dict[int, Trial] = {}
        self.study_of: dict[int, int] = {}
        self.counts: dict[int, int] = {}  # study -> trials created in it

    def apply(self, operation: Mapping[str, Any]) -> None:
        code = operation["op_code"]
        if code == CREATE_STUDY:
            name = str(operation["study_name"])
            if any(study["name"] == name for study in self.studies.values()):
                return
            directions = [_DIRECTIONS.get(int(d), str(d)) for d in operation["directions"]]
            self.studies[self.next_study] = {"name": name, "directions": directions, "system": {}}
            self.counts[self.next_study] = 0
            self.next_study += 1
        elif code == DELETE_STUDY:
            self.studies.pop(operation["study_id"], None)
        elif code == SET_STUDY_SYSTEM_ATTR:
            if operation["study_id"] in self.studies:
                self.studies[operation["study_id"]]["system"].update(operation["system_attr"])
        elif code == CREATE_TRIAL:
            self._create_trial(operation)
        elif code in (SET_TRIAL_PARAM, SET_TRIAL_STATE_VALUES, SET_TRIAL_INTERMEDIATE_VALUE):
            self._update_trial(code, operation)
        elif code in (SET_TRIAL_USER_ATTR, SET_TRIAL_SYSTEM_ATTR):
            trial = self._updatable(operation["trial_id"])
            if trial is not None:
                attrs = trial.user_attrs if code == SET_TRIAL_USER_ATTR else trial.system_attrs
                attrs.update(operation["user_attr" if code == SET_TRIAL_USER_ATTR else "system_attr"])

    def _create_trial(self, operation: Mapping[str, Any]) -> None:
        study_id = operation["study_id"]
        if study_id not in self.studies:
            return
        trial_id = len(self.by_id)  # trials of a study deleted later keep their ids
        distributions = operation.get("distributions") or {}
        params = {
            str(name): decode_json_param(value, distributions.get(name))
            for name, value in (operation.get("params") or {}).items()
        }
        values = operation.get("values")
        if values is None and operation.get("value") is not None:
            values = [operation["value"]]
        study = self.studies[study_id]
        self.by_id[trial_id] = Trial(
            study=study["name"],
            number=self.counts[study_id],
            trial_id=trial_id,
            state=_STATES.get(int(operation.get("state", 0)), "RUNNING"),
            started=_seconds(operation.get("datetime_start")),
            completed=_seconds(operation.get("datetime_complete")),
            params=params,
            values={index: float(value) for index, value in enumerate(values or [])},
            curve=sorted(
                (float(k), float(v)) for k, v in (operation.get("intermediate_values") or {}).items()
            ),
            user_attrs=dict(operation.get("user_attrs") or {}),
            system_attrs=dict(operation.get("system_attrs") or {}),
            directions=study["directions"],
            metric_names=None,
        )
        self.study_of[trial_id] = study_id
        self.counts[study_id] += 1

    def _update_trial(self, code: int, operation: Mapping[str, Any]) -> None:
        trial = self._updatable(operation["trial_id"])
        if trial is None:
            return
        if code == SET_TRIAL_PARAM:
            name = str(operation["param_name"])
            trial.params[name] = decode_json_param(
                operation["param_value_internal"], operation["distribution"]
            )
        elif code == SET_TRIAL_INTERMEDIATE_VALUE:
            step = float(operation["step"])
            trial.curve = [point for point in trial.curve if point[0] != step]
            trial.curve.append((step, float(operation["intermediate_value"])))
            trial.curve.sort()
        else:
            state = _STATES.get(int(operation["state"]), "RUNNING")
            if state == trial.state == "RUNNING":
                return  # a waiting trial popped by two workers: the second is rejected
            if state == "RUNNING":
                trial.started = _seconds(operation.get("datetime_start"))
            if state in _FINISHED:
                trial.completed = _seconds(operation.get("datetime_complete"))
            trial.state = state
            if operation.get("values") is not None:
                trial.values = {index: float(value) for index, value in enumerate(operation["values"])}

    def _updatable(self, trial_id: int) -> Trial | None:
        """Return a trial an operation may change: one that exists and is not finished."""
        trial = self.by_id.get(trial_id)
        return None if trial is None or trial.state in _FINISHED else trial

    def trials(self) -> list[Trial]:
        """Return the trials of the studies not deleted, their metric names set, by study and number."""
        found = []
        for trial_id, trial in self.by_id.items():
            study = self.studies.get(self.study_of[trial_id])
            if study is None:
                continue
            names = study["system"].get(METRIC_NAMES)
            if isinstance(names, list) and all(isinstance(name, str) for name in names):
                trial.metric_names = names
            found.append(trial)
        return sorted(found, key=lambda trial: (trial.study, trial.number))


def _seconds(text: Any) -> float | None:
    """Return epoch seconds of a journal's time: UTC with its offset (Optuna 4), else local time."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.timestamp()  # a time without its offset is the local time of the machine reading it
