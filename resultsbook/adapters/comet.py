"""Comet ML offline experiments: the `<experiment key>.zip` archives `comet_ml.OfflineExperiment`
(or `COMET_MODE=offline`, `comet_ml.start(online=False)`) writes into its offline directory at
`end()`, read without comet_ml and without uploading them.

One archive is one run (and so is a folder holding an archive unzipped by hand; an archive unzipped
into a folder of its own name beside it is read from that folder, once). It holds
`experiment.json` (the key, project, tags, start and stop times in epoch milliseconds, and whether
the script raised) and `messages.json`, JSON Lines of typed messages:

- `parameter_msg`: a param (`log_parameter(s)`); a nested dict arrives flattened as `model|width`,
  read as `model.width`; the `curr_step` and `curr_epoch` Comet logs itself at each new step are
  counters, not params;
- `metric_msg`: one point of a curve, at its `step` (a point without one takes the next position);
  the `epoch` a point was logged with becomes the curve `epoch` over the same steps; Comet's own
  `process duration` and system metrics (`sys.cpu.percent.avg`, `sys.gpu.0.used_memory`, ...: its
  System Metrics tab) are not results;
- `log_other`: `Name` (`set_name`) is the run's name; the others are provenance;
- `git_metadata`: the commit (`parent`: the checked-out commit), branch and origin;
- anything else (system details, packages, assets' names) is not read.

Status: an archive written by `end()` or by Comet's exit hook is finished, or failed when the script
raised (`customer_error_reported`, the error kept). A process killed before `end()` (SIGKILL, out of
memory, a lost node) leaves the empty zip Comet created at start, named in one line, and what it
logged in `messages.json` of its scratch folder (a `tmp*` folder of the temp directory), which
`--adapter comet` reads as a run `running` (killed, or still running: they look the same).

Only those two members are unpacked (assets an archive may hold are not),
each up to RESULTSBOOK_MAX_DOCUMENT_SIZE; a member named with `..` or an absolute path, and an archive
cut off, are refused in one line.
"""

from __future__ import annotations

import math
import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.params import normalize_value
from resultsbook.sources import fs
from resultsbook.sources.fileio import open_regular, read_file_bytes, unreadable
from resultsbook.sources.limits import DOCUMENT
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.textio import iter_json_lines, parse_json, to_float, to_timestamp
from resultsbook.sources.zipmembers import DAMAGED, RefusedArchive, wanted_members
from resultsbook.voice import option

# `<key>.zip`, or `<key>-<suffix>.zip` for an experiment resumed offline (a key is 32-50 letters and
# digits: comet_ml's offline.py, `_get_offline_archive_file_name`)
ARCHIVE_NAME = r"[0-9A-Za-z]{32,50}(-[0-9A-Za-z]+)?\.zip"
_ARCHIVE = re.compile(ARCHIVE_NAME)
_FORCED = re.compile(r"(?i:.+\.zip)")
_METADATA = "experiment.json"
_MESSAGES = "messages.json"
_WANTED = (_METADATA, _MESSAGES)
_COUNTERS = frozenset({"curr_step", "curr_epoch"})  # Comet's own, logged at each new step or epoch
_NOT_RESULTS = frozenset({"process duration"})  # Comet's own, at the end
_SYSTEM = "sys."  # Comet's system metrics (log_env_cpu, _gpu, _disk, _network: sys.gpu.0.used_memory)
_EPOCH = "epoch"
_SCRATCH = "scratch folder"  # stands for the experiment.json a scratch folder lacks
_OWN_OTHERS = ("offline_experiment", "hasNestedParams")  # Comet's notes to its server, not the run's


class CometAdapter(Adapter):
    """Read Comet ML offline experiment archives, one run per `<experiment key>.zip`."""

    name = "comet"
    summary = (
        "Comet ML offline experiments, one run per archive <experiment key>.zip "
        "(OfflineExperiment's offline_directory); any .zip with --adapter comet"
    )
    priority = 20
    claims_by_listing = True
    reading_version = 3  # 2: sys.* system metrics left out; 3: the empty zip names the scratch folder

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim the folder's archives named by an experiment key (any .zip with --adapter comet) but those
        unzipped beside themselves, and a folder holding an archive unzipped (experiment.json beside
        messages.json); with --adapter comet, a folder holding messages.json alone too (the scratch folder
        of a run killed before end())."""
        pattern = _FORCED if forced else _ARCHIVE
        dirs = set(folder.dirs)
        names = sorted(
            n for n in folder.files
            if pattern.fullmatch(n)
            and n[: -len(".zip")] not in dirs  # unzipped beside itself: the folder is read, one run
        )  # fmt: skip
        resumed: dict[str, list[str]] = {}  # `<key>.zip` and `<key>-<suffix>.zip`: one experiment, resumed
        for n in sorted(names, key=lambda n: ("-" in n, n)):  # the first archive first: the source's path
            key = n[: -len(".zip")].partition("-")[0] if _ARCHIVE.fullmatch(n) else n  # any .zip: its own
            resumed.setdefault(key, []).append(n)
        sources = [
            self.source(folder.file(held[0]), [folder.file(n) for n in held]) for held in resumed.values()
        ]
        if _MESSAGES in folder.files and (forced or _METADATA in folder.files):
            held = [n for n in _WANTED if n in folder.files]
            sources.append(self.source(folder.path, [folder.file(n) for n in held]))
        return Claim(tuple(sources), descend=True) if sources else None

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read an archive named by a path pattern."""
        if not (_FORCED if forced else _ARCHIVE).fullmatch(os.path.basename(path)):
            return None
        return self.source(path, [path])

    def read(self, source: Source) -> ReadResult:
        """Read one archive (with the archives of its resumptions), or one unzipped archive's folder,
        into one run."""
        if source.files and os.path.basename(source.files[-1]) == _MESSAGES:
            return read_unzipped(source.path)
        if len(source.files) > 1:
            return resumed_run([read_archive(path) for path in source.files], source.path)
        return read_archive(source.path)


def resumed_run(parts: list[ReadResult], path: str) -> ReadResult:
    """Return the one run of an experiment resumed offline (`ExistingOfflineExperiment` writes
    `<key>-<suffix>.zip` beside `<key>.zip`), as Comet merges the archives on upload: params, others and
    points of the later parts over the earlier (a step logged in both keeps the later value), its start
    from the first and its status and end from the last."""
    problems = [problem for part in parts for problem in part.problems]
    runs = sorted(
        (run for part in parts for run in part.runs),
        key=lambda run: (run.start_time is None, run.start_time or 0.0),
    )
    if len(runs) < 2:
        return ReadResult(tuple(runs), tuple(problems))
    builder = SeriesBuilder()
    params: dict[str, Any] = {}
    provenance: dict[str, Any] = {}
    spans: dict[str, tuple[float, float]] = {}  # each metric's first and last step so far
    shifted: set[str] = set()
    for run in runs:
        params.update(run.params)
        provenance.update(run.provenance)
        for key, series in run.metrics.items():
            steps = series.steps
            if key in spans and len(steps) and steps[0] <= spans[key][0]:  # counted from the start again
                steps = steps + (spans[key][1] + 1 - steps[0])
                shifted.add(key)
            if len(steps):
                begun, ended = spans.get(key, (float(steps[0]), -math.inf))
                spans[key] = (begun, max(ended, float(steps[-1])))
            builder.add_column(key, steps, series.values, series.times)
    metrics, merged = builder.build(path)
    if shifted:
        problems.append(
            Problem(
                path,
                f"a resumed archive counts the steps of {', '.join(sorted(shifted)[:3])} from the start "
                "again (logged without step=)",
                "its points after the earlier archive's, steps moved on",
            )
        )
    provenance["comet"] = {**provenance.get("comet", {}), "resumed_in": len(runs)}
    first, last = runs[0], runs[-1]
    named = next((run.name for run in reversed(runs) if run.name != run.key), first.name)
    run = replace(
        last, name=named, params=params, metrics=metrics, start_time=first.start_time, provenance=provenance
    )
    return ReadResult((run,), (*problems, *merged))


def read_archive(path: str) -> ReadResult:
    """Read one Comet offline archive; report what is wrong with it in one line each."""
    kept = "nothing from this archive"
    try:
        with fs.local_copy(path) as local, os.fdopen(open_regular(local), "rb") as handle:
            names, members = wanted_members(handle, dict.fromkeys(_WANTED, DOCUMENT))
    except RefusedArchive as refused:
        return ReadResult((), (_refused(path, refused, kept),))
    except OSError as error:
        return ReadResult((), (unreadable(path, error, kept),))
    if not names:
        why = (
            "is an empty zip: Comet creates the archive at start and fills it at end(), so the run never "
            "reached end(): it was killed (SIGKILL, out of memory, a lost node), or is still running; what "
            "it logged is in the messages.json Comet keeps in a tmp* folder of the temp directory of the "
            "machine that ran it (unless cleaned since): collect that folder with "
            + option("adapter", "comet")
        )
        return ReadResult((), (Problem(path, why, "nothing from this archive"),))
    missing = [name for name in _WANTED if name not in members]
    if missing:
        held = ", ".join(sorted(names)[:5]) + (", ..." if len(names) > 5 else "")
        why = f"is not a Comet offline archive (no {' or '.join(missing)}; it holds {held})"
        if "task.json" in names:  # ClearML's session zip: its docs name it by the bare task id, like a key
            why += f": a ClearML offline session, read with {option('adapter', 'clearml')}"
        return ReadResult((), (Problem(path, why, kept),))
    return _read_members(path, members, f"{path}!")


def read_unzipped(folder: str) -> ReadResult:
    """Read a folder holding an archive's experiment.json and messages.json, unzipped by hand, or
    messages.json alone: Comet's scratch folder (`experiment.tmpdir`), where a run killed before
    `end()` left what it logged."""
    members = {}
    for name in _WANTED:
        path = os.path.join(folder, name)
        if name == _METADATA and not fs.exists(path):
            continue
        try:
            members[name] = read_file_bytes(path, DOCUMENT)
        except OSError as error:
            return ReadResult((), (unreadable(path, error, "nothing from this folder"),))
    return _read_members(folder, members, os.path.join(folder, ""))


def _read_members(path: str, members: Mapping[str, bytes], inside: str) -> ReadResult:
    """Read experiment.json and messages.json into the run (`inside` + a name: where each is said)."""
    problems: list[Problem] = []
    ok, metadata = parse_json(members[_METADATA]) if _METADATA in members else (True, {_SCRATCH: True})
    if not ok or not isinstance(metadata, Mapping):
        why = f"is not a JSON object ({metadata if not ok else type(metadata).__name__})"
        problems.append(Problem(inside + _METADATA, why, "no key, project, times or status from it"))
        metadata = {}
    text = members[_MESSAGES].decode("utf-8", errors="replace")
    messages = list(iter_json_lines(inside + _MESSAGES, text, problems)) if text.strip() else []
    return ReadResult((_run(path, metadata, messages, problems, inside),), tuple(problems))


def is_comet_archive(path: str) -> bool:
    """Tell whether a local file is a zip holding Comet's experiment.json and messages.json (only to
    explain an empty collect: a damaged or unreadable file answers False)."""
    try:
        with os.fdopen(open_regular(path), "rb") as handle, zipfile.ZipFile(handle) as archive:
            return set(_WANTED) <= set(archive.namelist())
    except (OSError, *DAMAGED):
        return False


def starts_as_comet_messages(head: bytes) -> bool:
    """Tell whether the first bytes of a messages.json are Comet's: a line of a typed message."""
    first = head.split(b"\n", 1)[0].strip()
    ok, message = parse_json(first)
    return ok and isinstance(message, dict) and {"payload", "type"} <= set(message)


def _refused(path: str, refused: RefusedArchive, kept: str) -> Problem:
    """Say why an archive was not read, with what Comet's own archives tell of the cause."""
    if refused.kind == "damaged":
        why = (
            f"{refused.reason}: Comet was still writing it at end(), or a copy was cut short; collect again "
            "once it is whole, or copy it again from where the run wrote it"
        )
        return Problem(path, why, kept)
    if refused.kind == "outside":
        return Problem(
            path, f"{refused.reason}; it was not read", f"{kept}; an archive Comet wrote has no such name"
        )
    return Problem(path, refused.reason, kept)


def _run(
    path: str,
    metadata: Mapping[str, Any],
    messages: list[dict[str, Any]],
    problems: list[Problem],
    inside: str,
) -> RunRecord:
    """Make the run of one archive from its metadata and messages."""
    params: dict[str, Any] = {}
    others: dict[str, Any] = {}
    git: dict[str, Any] = {}
    builder = SeriesBuilder()
    epochs: dict[float, float] = {}
    not_numbers: set[str] = set()
    metric_names: set[str] = set()
    for message in messages:
        kind = message.get("type")
        payload = message.get("payload")
        if not isinstance(payload, Mapping):
            continue
        if kind == "parameter_msg":
            param = payload.get("param") or payload.get("params")
            if isinstance(param, Mapping) and isinstance(param.get("paramName"), str):
                name = param["paramName"]
                if name in _COUNTERS and param.get("source") == "auto-logged":
                    continue
                params[name.replace("|", ".")] = normalize_value(param.get("paramValue"))
        elif kind == "metric_msg":
            metric = payload.get("metric")
            if not isinstance(metric, Mapping) or not isinstance(metric.get("metricName"), str):
                continue
            name = metric["metricName"]
            if name in _NOT_RESULTS or name.startswith(_SYSTEM):
                continue
            value = to_float(metric.get("metricValue"))
            if value is None:
                not_numbers.add(name)
                continue
            step = to_float(metric.get("step"))
            step = float(builder.next_step(name)) if step is None else step
            builder.add(name, step, value, to_timestamp(payload.get("local_timestamp")))
            metric_names.add(name)
            epoch = to_float(metric.get("epoch"))
            if epoch is not None:
                epochs[step] = epoch
        elif kind == "log_other":
            if isinstance(payload.get("key"), str):
                others[payload["key"]] = payload.get("value")
        elif kind == "git_metadata" and isinstance(payload.get("git_metadata"), Mapping):
            found = payload["git_metadata"]
            for ours, theirs in (
                ("commit", "parent"),
                ("branch", "branch"),
                ("url", "origin"),
            ):
                if found.get(theirs) is not None:
                    git[ours] = found[theirs]
    if epochs and _EPOCH not in metric_names:  # a metric of its own called epoch wins
        for step, epoch in sorted(epochs.items()):
            builder.add(_EPOCH, step, epoch)
    series, series_problems = builder.build(inside + _MESSAGES)
    problems.extend(series_problems)
    if not_numbers:
        names = ", ".join(sorted(not_numbers)[:5])
        problems.append(
            Problem(inside + _MESSAGES, f"metric(s) {names} logged values that are no numbers", "the numbers")
        )
    key = str(metadata.get("offline_id") or os.path.basename(path).partition(".")[0].partition("-")[0])
    name = others.pop("Name", None)
    for own in _OWN_OTHERS:
        others.pop(own, None)
    comet: dict[str, Any] = {"key": key}
    for field in ("workspace", "tags", "resume_strategy"):
        if metadata.get(field):
            comet[field] = metadata[field]
    if others:
        comet["others"] = {k: normalize_value(v) for k, v in others.items()}
    provenance: dict[str, Any] = {"comet": comet}
    if git:
        provenance["git"] = git
    status = "finished"
    if metadata.get("customer_error_reported"):
        status = "failed"
        raised = str(metadata.get("customer_error_message") or "the script raised")
        provenance["error"] = {"type": "Failed", "message": raised}
    elif metadata.get(_SCRATCH):  # no end(): killed, or still running (a live run's folder grows)
        status = "running"
        comet["scratch"] = "messages.json without experiment.json: the run never reached end()"
    elif not metadata:
        status = "unknown"
    project = metadata.get("project_name")
    return RunRecord(
        key=key,
        name=str(name) if name not in (None, "") else key,
        params=params,
        metrics=series,
        status=status,
        start_time=to_timestamp(metadata.get("start_time")),
        end_time=to_timestamp(metadata.get("stop_time")),
        experiment=str(project) if project else None,
        provenance=provenance,
    )
