"""Neptune's run folders (neptune 1.x): `.neptune/offline/run__<id>__<pid>__<key>/`, read without Neptune.

A run started with `neptune.init_run(mode="offline")` (or `NEPTUNE_MODE=offline`) writes its folder and
nothing else: `metadata.json` (the run's id, Neptune's version, when it was created), `last_put_version`
(how many operations the run has queued) and `data-<N>.log`, a disk queue of operations as JSON Lines,
each `{"obj": {"type": ..., "path": [...], ...}, "version": V, "at": T}` (neptune/internal/operation.py,
neptune/core/components/queue/disk_queue.py). `neptune sync` sends them to the server and removes the
folder. The operations are replayed here as the server would apply them: assigned values, series of
floats with their steps, string sets (the tags), deletions. The async mode's folders
(`.neptune/async/...`, the operations not sent yet) are the same queue and are read the same way.

Neptune writes no operation when a run stops: the server sets `sys/state` when it stops hearing from
it. A stopped run and one whose process was killed with its queue flushed look the same; only a run
that raised while Neptune watched (`sys/failed`, set by its exit hook) says how it ended, and a queue
that holds fewer operations than `last_put_version` counts was being written (or its writer killed).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.sources import fs
from resultsbook.sources.fileio import read_file_bytes, unreadable
from resultsbook.sources.limits import CONFIG
from resultsbook.sources.lines import Tally, iter_lines
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.status_words import normalize_status
from resultsbook.sources.textio import load_json_file, to_float, to_timestamp

DATA_FILE = re.compile(r"data-(\d+)\.log")
METADATA_FILE = "metadata.json"
PUT_FILE = "last_put_version"  # the version of the last operation queued (flushed or not)
ACK_FILE = "last_ack_version"  # the version of the last operation the server acknowledged (async)
DEFAULT_NAME = "Untitled"  # sys/name of a run given no name (neptune/internal/init/parameters.py)
DATA_DIRECTORY = ".neptune"  # NEPTUNE_DATA_DIRECTORY's default, in the folder the script ran in
# the namespaces whose assigned values are the run's params, their names without the namespace; found at
# any depth (Lightning's NeptuneLogger assigns its hyperparameters to training/hyperparams/...)
PARAM_NAMESPACES = (
    "parameters",
    "params",
    "hyperparameters",
    "hyperparams",
    "hparams",
    "config",
    "cfg",
    "args",
)
# a seed assigned at the top of the run (run["seed"] = 3), outside the param namespaces: the run's seed,
# a param (the replicate key), not a final value
SEED_FIELDS = ("seed", "random_seed")
# integrations that write the trainer's end as <prefix>/status ("success", "failed"): their key
_STATUS_WRITERS = (("source_code", "integrations", "pytorch-lightning"),)
# what Neptune assigns of its own, or captured from the machine: not the run's params
_OWN_NAMESPACES = ("sys", "monitoring", "source_code")
_ASSIGN = {"AssignFloat", "AssignInt", "AssignBool", "AssignString", "AssignDatetime"}
# operations that carry files, images or artifacts (not read), or series of text and images
_NOT_READ = {
    "UploadFile", "UploadFileContent", "UploadFileSet", "DeleteFiles", "AssignArtifact",
    "TrackFilesToArtifact", "ClearArtifact", "LogImages", "ClearImageLog", "ClearStringLog",
    "ConfigFloatSeries", "CopyAttribute",
}  # fmt: skip

# what a line that is no operation raises: RecursionError from JSON nested too deep to parse,
# OverflowError from a version of Infinity
_NOT_AN_OPERATION = (
    ValueError, KeyError, TypeError, AttributeError, IndexError, OverflowError, RecursionError
)  # fmt: skip


class NeptuneAdapter(Adapter):
    """Read Neptune's offline (and async) run folders; one run per folder."""

    name = "neptune"
    summary = "Neptune offline runs (.neptune/offline/run__<id>/: data-N.log, metadata.json)"
    priority = 20
    claims_by_listing = True
    # 2: an operation line with a bad value (a datetime out of range, a float that is none, an empty
    # path, nesting too deep) is a skipped line, not the whole run lost
    # 3: a `seed` or `random_seed` assigned at the top of the run (run["seed"] = 3) is a param, the
    # run's seed, not a final value
    reading_version = 3

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a run folder: its queue of operations beside last_put_version (or metadata.json, in a
        folder named run__<id>...): a data-1.log beside another tool's metadata.json is not Neptune's."""
        logs = sorted((name for name in folder.files if DATA_FILE.fullmatch(name)), key=_log_number)
        if not logs or not (
            PUT_FILE in folder.files  # Neptune's own name: its queue writes it when the run starts
            or (METADATA_FILE in folder.files and os.path.basename(folder.path).startswith("run__"))
        ):
            return None
        names = [*logs, *(name for name in (METADATA_FILE, PUT_FILE) if name in folder.files)]
        return Claim((self.source(folder.path, [folder.file(name) for name in names]),), descend=False)

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read the run folder of one of its files named alone (metadata.json, a data log...): its
        operations are in the data logs beside, not in the file."""
        name = os.path.basename(path)
        if not (DATA_FILE.fullmatch(name) or name in (METADATA_FILE, PUT_FILE, ACK_FILE)):
            return None
        folder, names = fs.names_beside(path)
        claim = self.claim(Folder(folder, frozenset(names), ()), forced)
        return claim.sources[0] if claim is not None and claim.sources else None

    def read(self, source: Source) -> ReadResult:
        """Replay one run folder's operations into a run."""
        problems: list[Problem] = []
        metadata = _read_metadata(os.path.join(source.path, METADATA_FILE), problems)
        kind = metadata.get("containerType", "run")
        if kind != "run":  # neptune.init_model(), init_model_version(), init_project(): not runs
            what = f"is a Neptune {kind} (metadata.json: containerType), not a run: it holds no run's logs"
            return ReadResult((), (Problem(source.path, what, "nothing"),))
        replay = _Replay()
        logs = sorted((p for p in source.files if DATA_FILE.fullmatch(os.path.basename(p))), key=_log_number)
        for path in logs:
            _replay_log(path, replay, problems)
        first = _log_number(logs[0]) if logs else 1
        if first > 1:  # an async queue whose sent files Neptune removed
            problems.append(
                Problem(
                    logs[0],
                    f"the run's queue starts at operation {first}: Neptune removed the {first - 1} before it "
                    "once its server had them (async mode), so the params and points logged first are on "
                    "the server, not here",
                    f"the operations from {first} on",
                )
            )
        if replay.unknown:
            first_type, first_where = replay.unknown[0]
            problems.append(
                Problem(
                    first_where,
                    f"{len(replay.unknown)} operation(s) of a type this reader does not know (the first: "
                    f"{first_type!r}); if Neptune wrote them, report it to resultsbook with the line",
                    "the other operations",
                )
            )
        queued = _queued(os.path.join(source.path, PUT_FILE), problems)
        status = "failed" if replay.values.get(("sys", "failed")) is True else _integration_status(replay)
        if status != "failed" and queued is not None and queued > replay.last_version:
            status = "running"
            problems.append(
                Problem(
                    os.path.join(source.path, PUT_FILE),
                    f"counts {queued} operations queued, but the run's data logs hold {replay.last_version}: "
                    "the run is still writing them, or its process was killed before Neptune flushed them",
                    f"the {replay.last_version} operations logged, the run as running",
                )
            )
        return ReadResult((_run(source, metadata, replay, status, problems),), tuple(problems))


def synced_away_note(path: str) -> str | None:
    """Say why a folder whose .neptune/ holds no run folder gave no run (`neptune sync` removes the
    runs it sends); None for any other folder."""
    if "://" in path:  # object storage: not looked into to explain
        return None
    folder = os.path.abspath(path)
    data = folder if os.path.basename(folder) == DATA_DIRECTORY else os.path.join(folder, DATA_DIRECTORY)
    if (
        os.path.basename(folder) in ("offline", "async")
        and os.path.basename(os.path.dirname(folder)) == DATA_DIRECTORY
    ):
        data = os.path.dirname(folder)
    if not fs.isdir(data):
        return None
    shown = os.path.relpath(data) if not os.path.isabs(path) else data
    return (
        f"{shown} holds no Neptune run folder (offline/run__<id>/ with its data-1.log): `neptune sync` "
        "sends a run to Neptune's server and removes its folder, and a run in mode 'debug' or 'disabled' "
        "writes none; collect the .neptune/ of the machine that trained, before syncing it"
    )


def _integration_status(replay: _Replay) -> str:
    """Return how an integration that records its trainer's end says the run ended (Lightning's
    NeptuneLogger.finalize writes training/status: "success", or "failed"), else unknown."""
    paths = _status_paths(replay)
    return normalize_status(replay.values[paths[0]]) if paths else "unknown"


def _status_paths(replay: _Replay) -> list[tuple[str, ...]]:
    """Return the <prefix>/status strings an integration of _STATUS_WRITERS assigned."""
    if not any(key in replay.values for key in _STATUS_WRITERS):
        return []
    return [
        path
        for path, kind in replay.kinds.items()
        if len(path) == 2
        and path[1] == "status"
        and path[0] not in _OWN_NAMESPACES
        and kind == "AssignString"
    ]


def _log_number(name: str) -> int:
    match = DATA_FILE.fullmatch(os.path.basename(name))
    return int(match.group(1)) if match else 0


def _read_metadata(path: str, problems: list[Problem]) -> Mapping[str, Any]:
    """Return metadata.json ({} when there is none or it is damaged, said)."""
    if not fs.exists(path):
        return {}
    loaded = load_json_file(path, problems, "no creation time or Neptune version from it")
    if loaded is None:
        return {}
    if not isinstance(loaded, Mapping):
        problems.append(Problem(path, "does not hold a JSON object", "no creation time or Neptune version"))
        return {}
    return loaded


def _queued(path: str, problems: list[Problem]) -> int | None:
    """Return the number last_put_version holds, or None (absent, empty or not a number); one that
    cannot be read (a FIFO, a link to a device) is said."""
    try:
        data = read_file_bytes(path, CONFIG) if fs.exists(path) else None
    except FileNotFoundError:
        return None
    except OSError as error:
        problems.append(unreadable(path, error, "the run, without telling whether it was still written"))
        return None
    try:
        return int(data.strip()) if data and data.strip() else None
    except ValueError:
        return None


def _whole(text: str) -> bool:
    """Tell whether a last line without its newline is a whole operation (its closing brace ends it)."""
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):  # RecursionError: arrays nested deeper than the parser goes
        return False


def _replay_log(path: str, replay: _Replay, problems: list[Problem]) -> None:
    """Apply every operation of one data log, counting the lines that are none."""
    tally = Tally()
    try:
        for batch in iter_lines(path, problems, tally, keep_last=_whole):
            for number, line in enumerate(batch.lines, start=batch.first):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                    replay.apply(entry["obj"], int(entry["version"]), entry.get("at"), f"{path}:{number}")
                except _NOT_AN_OPERATION:
                    tally.add(
                        "is not an operation Neptune wrote: skipped",
                        "are not operations Neptune wrote: skipped",
                        number,
                        "the other lines",
                    )
    except OSError as error:
        problems.append(unreadable(path, error, "nothing from this log"))
    tally.report(path, problems)


class _Replay:
    """The run's fields as its operations leave them, by path (a tuple of names)."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, ...], Any] = {}
        self.kinds: dict[tuple[str, ...], str] = {}  # the Assign* type that set each value
        self.series = SeriesBuilder()
        self.points: dict[tuple[str, ...], list[tuple[float, float, float | None]]] = {}
        self.sets: dict[tuple[str, ...], list[str]] = {}
        self.texts: dict[tuple[str, ...], list[str]] = {}
        self.unknown: list[tuple[str, str]] = []  # (type, path:line) of operations not known
        self.last_version = 0
        self.first_at: float | None = None
        self.last_at: float | None = None

    def apply(self, obj: Mapping[str, Any], version: int, at: Any, where: str) -> None:
        """Apply one operation; one that cannot be applied raises before it changes anything."""
        kind = str(obj["type"])
        if not isinstance(obj["path"], list) or not obj["path"]:
            raise ValueError("an operation's path is a non-empty list of names")
        path = tuple(str(part) for part in obj["path"])
        if kind in _ASSIGN:
            self.values[path] = _assigned(kind, obj["value"])
            self.kinds[path] = kind
        elif kind == "LogFloats":
            self.points.setdefault(path, []).extend([_point(point) for point in obj["values"]])
        elif kind == "ClearFloatLog":
            self.points.pop(path, None)
        elif kind == "LogStrings":  # kept: the traceback alone (stdout and stderr can be long)
            if path[-1] == "traceback":
                texts = [str(point["value"]) for point in obj["values"]]
                self.texts.setdefault(path, []).extend(texts)
        elif kind == "AddStrings":
            added = [str(value) for value in obj["values"]]
            known = self.sets.setdefault(path, [])
            known.extend(value for value in dict.fromkeys(added) if value not in known)
        elif kind == "RemoveStrings":
            gone = {str(value) for value in obj["values"]}
            self.sets[path] = [value for value in self.sets.get(path, []) if value not in gone]
        elif kind == "ClearStringSet":
            self.sets.pop(path, None)
        elif kind == "DeleteAttribute":
            self.values.pop(path, None)
            self.points.pop(path, None)
            self.sets.pop(path, None)
            self.texts.pop(path, None)
        elif kind not in _NOT_READ:
            self.unknown.append((kind, where))
        self.last_version = max(self.last_version, version)
        if isinstance(at, (int, float)) and not isinstance(at, bool) and math.isfinite(at):
            self.first_at = at if self.first_at is None else min(self.first_at, at)
            self.last_at = at if self.last_at is None else max(self.last_at, at)


def _point(point: Mapping[str, Any]) -> tuple[float, float, Any]:
    """Return a LogFloats point as (step, NaN when it has none; value; its time as written)."""
    step = float("nan") if point.get("step") is None else float(point["step"])
    return step, float(point["value"]), point.get("ts")


def _assigned(kind: str, value: Any) -> Any:
    """Return the value an Assign* operation sets, or raise ValueError when it is not of its type."""
    if kind in ("AssignFloat", "AssignInt"):
        number = None if isinstance(value, bool) else to_float(value)
        if number is None:
            raise ValueError(f"{kind} of {value!r}, not a number")
        return value if isinstance(value, int) else number
    if kind == "AssignDatetime":  # milliseconds since the epoch
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"AssignDatetime of {value!r}, not milliseconds")
        try:
            return datetime.fromtimestamp(value / 1000, tz=timezone.utc).isoformat()
        except (OverflowError, OSError, ValueError) as error:  # OSError: out of the platform's range
            raise ValueError(f"AssignDatetime of {value!r}: {error}") from None
    wanted = bool if kind == "AssignBool" else str
    if not isinstance(value, wanted):
        raise ValueError(f"{kind} of {value!r}, not a {wanted.__name__}")
    return value


def _run(
    source: Source, metadata: Mapping[str, Any], replay: _Replay, status: str, problems: list[Problem]
) -> RunRecord:
    """Make the replayed fields a run: params, series, final values, sys/* and the error."""
    params, collided = _params(replay)
    summary: dict[str, float] = {}
    statuses = set(_status_paths(replay))
    for path, value in replay.values.items():
        if path[0] in _OWN_NAMESPACES or _param_start(path) is not None or path in statuses:
            continue
        if len(path) == 1 and path[0] in SEED_FIELDS and path[0] not in params:
            params[path[0]] = value  # a namespace's own `seed` wins: this one stays a final value
        elif replay.kinds[path] in ("AssignFloat", "AssignInt"):
            summary["/".join(path)] = float(value)  # a final value (run["test/acc"] = 0.91)
        else:
            params[".".join(path)] = value  # a setting assigned outside the param namespaces
    builder = replay.series
    for path, points in replay.points.items():
        if path[0] in _OWN_NAMESPACES:
            continue
        key = "/".join(path)
        for index, (step, value, at) in enumerate(points):
            stamp = float(at) if isinstance(at, (int, float)) and not isinstance(at, bool) else None
            builder.add(key, index if step != step else step, value, stamp)  # no step: its index
    metrics, series_problems = builder.build(source.path)
    problems.extend(series_problems)
    if collided:
        problems.append(
            Problem(
                source.path,
                f"{len(collided)} param(s) are assigned in more than one namespace (the first: "
                f"{collided[0]!r}): each keeps its namespace ({', '.join(PARAM_NAMESPACES[:2])}...)",
                "all of them",
            )
        )
    sys = {path[1]: value for path, value in replay.values.items() if len(path) == 2 and path[0] == "sys"}
    run_id = str(metadata.get("containerId") or os.path.basename(os.path.abspath(source.path)))
    neptune: dict[str, Any] = {"run_id": run_id, "mode": metadata.get("mode")}
    tags = replay.sets.get(("sys", "tags"))
    if tags:
        neptune["tags"] = sorted(tags)
    for key in ("custom_run_id", "description", "failed"):
        if sys.get(key) not in (None, ""):
            neptune[key] = sys[key]
    if metadata.get("neptuneClientVersion"):
        neptune["version"] = metadata["neptuneClientVersion"]
    provenance: dict[str, Any] = {"neptune": {k: v for k, v in neptune.items() if v is not None}}
    if sys.get("hostname"):
        provenance["host"] = sys["hostname"]
    if metadata.get("pythonVersion"):
        provenance["python"] = str(metadata["pythonVersion"]).split()[0]
    if metadata.get("os"):
        provenance["os"] = metadata["os"]
    entry = replay.values.get(("source_code", "entrypoint"))
    if entry:
        provenance["program"] = entry
    if status == "failed":
        provenance["error"] = _error(replay)
    created = to_timestamp(metadata.get("createdAt"))  # ISO 8601 with its offset
    return RunRecord(
        name=str(
            (sys.get("name") if sys.get("name") != DEFAULT_NAME else None)
            or sys.get("custom_run_id")
            or run_id
        ),
        params=params,
        metrics=metrics,
        summary=summary,
        status=status,
        start_time=created if created is not None else replay.first_at,
        end_time=replay.last_at,
        provenance=provenance,
    )


def _param_start(path: tuple[str, ...]) -> int | None:
    """Return the index of the param namespace a path is under (its first), or None."""
    if path[0] in _OWN_NAMESPACES:
        return None
    return next((index for index, part in enumerate(path[:-1]) if part in PARAM_NAMESPACES), None)


def _params(replay: _Replay) -> tuple[dict[str, Any], list[str]]:
    """Return the values assigned under the param namespaces, named without the namespace (with it
    where two namespaces assign one name), and the names that collided."""
    found: dict[str, list[tuple[str, Any]]] = {}
    for path, value in replay.values.items():
        start = _param_start(path)
        if start is not None:
            found.setdefault(".".join(path[start + 1 :]), []).append((".".join(path[: start + 1]), value))
    params: dict[str, Any] = {}
    collided = sorted(name for name, values in found.items() if len({ns for ns, _ in values}) > 1)
    for name, values in found.items():
        if name in collided:
            params.update({f"{namespace}.{name}": value for namespace, value in values})
        else:
            params[name] = values[-1][1]
    return params, collided


def _error(replay: _Replay) -> dict[str, Any]:
    """Return how a failed run ended: the traceback Neptune's exit hook logged to
    monitoring/<hash>/traceback, three header lines, the frames, then the exception's message (its
    type is not logged)."""
    for path, texts in replay.texts.items():
        if path[0] == "monitoring" and path[-1] == "traceback" and texts:
            frames = [index for index, text in enumerate(texts) if text.startswith("  File ")]
            after = frames[-1] + 1 if frames else min(3, len(texts))
            message = "\n".join(texts[after:]).strip() or "(no message)"
            tail = "\n".join(text.rstrip("\n") for text in texts[max(after - 1, 0) :])
            return {"type": "uncaught exception", "message": message, "traceback_tail": tail}
    return {"type": "failed", "message": "sys/failed is true (Neptune logged no traceback)"}
