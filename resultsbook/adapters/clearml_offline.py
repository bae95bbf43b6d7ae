"""ClearML offline sessions: `~/.clearml/cache/offline/offline-<id>/` and `offline-<id>.zip`.

`Task.set_offline(True)` makes ClearML write a task's session into a folder of its own: `task.json`
(what `Task.export_task` returns: name, project, hyperparameter sections, the git commit and diff it
detected), `metrics.jsonl` (one JSON list of reported events a line; a scalar is
`{"type": "training_stats_scalar", "metric": title, "variant": series, "iter", "value", "timestamp"}`),
`log.jsonl` (the console, a traceback at level "error" when the script raised) and `data/` (artifacts).
When the task closes it zips the folder to `offline-<id>.zip` beside it. `task.json` holds no status
and no times: a session with its zip closed (failed when its log ends in a traceback), one without is
still running, or was killed when it has not been written for `stale_after` seconds; times are those
of the first and last event logged.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from typing import Any

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.params import parse_scalar
from resultsbook.sources import fs
from resultsbook.sources.fileio import open_regular, read_file_bytes, unreadable
from resultsbook.sources.limits import CONFIG, DOCUMENT, Limit
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.textio import parse_json, to_float
from resultsbook.sources.zipmembers import RefusedArchive, wanted_members

TASK_FILE = "task.json"
METRICS_FILE = "metrics.jsonl"
LOG_FILE = "log.jsonl"
SESSION = re.compile(r"offline-[0-9a-f]{32}")
ZIP_SUFFIX = ".zip"
SCALAR = "training_stats_scalar"
SINGLE_VALUE = ("Summary", -(2**31))  # Logger.report_single_value: title "Summary" at this iteration
DEFAULT_STALE_AFTER = 600.0  # seconds without a write after which an unzipped session was killed
FAIL_TRACE_LINES = 5
_LIMITS: dict[str, Limit] = {TASK_FILE: CONFIG, METRICS_FILE: DOCUMENT, LOG_FILE: DOCUMENT}


class ClearmlAdapter(Adapter):
    """Read ClearML offline sessions, as folders and as the zips ClearML makes of them."""

    name = "clearml"
    summary = "ClearML offline sessions (offline-<id>/ with task.json, metrics.jsonl; offline-<id>.zip)"
    priority = 20  # before native (40): a session folder holds a metrics.jsonl of ClearML's own
    claims_by_listing = True
    # 2: failed only when the log ends in a traceback, not for a handled one; a zip member read past its
    # limit refuses the zip instead of being kept cut
    reading_version = 2
    options = {
        "stale_after": "seconds without a write after which a session never zipped was killed (default 600)",
    }

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a session folder (`offline-<id>` holding task.json beside metrics.jsonl or log.jsonl),
        and the `offline-<id>.zip` files of a folder that does not hold their session folder too."""
        files = folder.files
        session = forced or SESSION.fullmatch(os.path.basename(os.path.abspath(folder.path)))
        if session and TASK_FILE in files and (METRICS_FILE in files or LOG_FILE in files):
            return Claim((self._folder_source(folder.path, files),))
        dirs = set(folder.dirs)
        zips = sorted(
            name
            for name in files
            if name.endswith(ZIP_SUFFIX) and (forced or SESSION.fullmatch(name[: -len(ZIP_SUFFIX)]))
            and name[: -len(ZIP_SUFFIX)] not in dirs  # the folder is read: it holds all the zip does
        )  # fmt: skip
        if not zips:
            return None
        return Claim(
            tuple(self.source(folder.file(name), [folder.file(name)]) for name in zips), descend=True
        )

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read the session of a task.json or of an offline-<id>.zip matched by a path pattern."""
        name = os.path.basename(path)
        if name == TASK_FILE:
            folder = os.path.dirname(path)
            try:
                return self._folder_source(folder, frozenset(fs.listdir(folder)))
            except OSError:
                return None
        if name.endswith(ZIP_SUFFIX) and (forced or SESSION.fullmatch(name[: -len(ZIP_SUFFIX)])):
            return self.source(path, [path])
        return None

    def _folder_source(self, path: str, files: frozenset[str]) -> Source:
        """A session folder's source: its files, and the zip ClearML writes beside it when the task closes
        (absent while it runs: its appearance makes collect read the session again)."""
        names = [n for n in (TASK_FILE, METRICS_FILE, LOG_FILE) if n in files]
        folder = path.rstrip("/") if fs.is_remote(path) else os.path.abspath(path).rstrip(os.sep)
        zipped = folder + ZIP_SUFFIX
        return self.source(path, [*(os.path.join(path, n) for n in names), zipped])

    def clock_state(self, source: Source) -> str:
        """Say "fresh" while a session never zipped was written recently: it is running, then killed."""
        if source.path.endswith(ZIP_SUFFIX) or fs.exists(source.files[-1]):
            return ""
        return self.fresh_while_written(source.files[:-1], DEFAULT_STALE_AFTER)

    def read(self, source: Source) -> ReadResult:
        """Read one session, from its folder or from its zip."""
        problems: list[Problem] = []
        if source.path.endswith(ZIP_SUFFIX):
            texts = _zip_members(source.path, problems)
            if texts is None:
                return ReadResult((), tuple(problems))
            closed, where = True, source.path
        else:
            texts = _folder_members(source.path, problems)
            closed, where = fs.exists(source.files[-1]), source.path
            if closed and not (texts.get(TASK_FILE) or "").strip():
                # ClearML rewrites task.json as the task closes, after zipping: cut short at exit it is
                # left empty beside a zip holding it whole
                zipped = (_zip_members(source.files[-1], problems) or {}).get(TASK_FILE)
                if zipped:
                    texts[TASK_FILE] = zipped
        task_path = os.path.join(where, TASK_FILE)
        task_text = texts.get(TASK_FILE)
        if task_text is None:
            if TASK_FILE not in texts:
                problems.append(Problem(task_path, "is missing (ClearML writes it at Task.init)", "no run"))
            return ReadResult((), tuple(problems))
        if not task_text.strip():  # ClearML rewrites it whole ("wt") at every change of the task
            message = "is empty (ClearML rewrites it whole while the task runs; a process ended mid-write "
            message += "leaves it so, and no zip holds it whole)"
            problems.append(Problem(task_path, message, "no run; read again once it is written"))
            return ReadResult((), tuple(problems))
        ok, task = parse_json(task_text)
        if not ok or not isinstance(task, dict):
            why = f"is not valid JSON ({task})" if not ok else "does not hold a JSON object"
            problems.append(Problem(task_path, why, "no run"))
            return ReadResult((), tuple(problems))
        builder, summary = SeriesBuilder(), dict[str, float]()
        times: list[float] = []
        events = _events(os.path.join(where, METRICS_FILE), texts.get(METRICS_FILE), problems)
        for event in events:
            _add_scalar(event, builder, summary, times)
        if METRICS_FILE not in texts and closed:
            message = (
                "holds no metrics.jsonl (ClearML zips a task that raised before its last metrics are written)"
            )
            kept = "the run without metrics; the session folder beside the zip, when kept, holds them"
            problems.append(Problem(where, message, kept))
        log = _events(os.path.join(where, LOG_FILE), texts.get(LOG_FILE), problems)
        times += [t for t in (_seconds(e.get("timestamp")) for e in log) if t is not None]
        trace = _traceback(log)
        provenance = _provenance(task, trace)
        status = _status(closed, trace)
        if status == "running" and not self.fresh_while_written(source.files[:-1], DEFAULT_STALE_AFTER):
            provenance["dead"] = True
            status = "failed"
            message = f"was never zipped to {os.path.basename(source.files[-1])} and has not been written "
            message += (
                f"for over {self.stale_after(DEFAULT_STALE_AFTER):.0f} s (killed, out of memory or node lost)"
            )
            problems.append(Problem(where, message, "the run, as failed, with the metrics it logged"))
        series, built = builder.build(os.path.join(where, METRICS_FILE))
        problems += built
        run = RunRecord(
            key=str(task.get("id") or ""),
            name=str(task.get("name") or os.path.basename(where)),
            params=_params(task.get("hyperparams")),
            metrics=series,
            summary={k: v for k, v in summary.items() if k not in series},
            status=status,
            start_time=min(times) if times else None,
            end_time=max(times) if times and status != "running" else None,
            experiment=str(task["project_name"]) if task.get("project_name") else None,
            provenance=provenance,
        )
        return ReadResult((run,), tuple(problems))


def _folder_members(path: str, problems: list[Problem]) -> dict[str, str | None]:
    """Return the text of a session folder's files (None: unreadable, reported); absent ones are not keys."""
    texts: dict[str, str | None] = {}
    for name, limit in _LIMITS.items():
        file = os.path.join(path, name)
        if not fs.exists(file):
            continue
        try:
            texts[name] = read_file_bytes(file, limit).decode("utf-8", errors="replace")
        except OSError as error:
            problems.append(unreadable(file, error, "the session without it"))
            texts[name] = None
    return texts


def _zip_members(path: str, problems: list[Problem]) -> dict[str, str | None] | None:
    """Return the text of a session zip's task.json, metrics.jsonl and log.jsonl (its artifacts are never
    read); None, said in one line, for a zip refused whole (`zipmembers`)."""
    kept = "nothing from this zip"
    try:
        # a local zip is read member by member (its artifacts may be large); a remote one is fetched whole
        handle = (
            io.BytesIO(read_file_bytes(path, DOCUMENT))
            if fs.is_remote(path)
            else os.fdopen(open_regular(path), "rb")
        )
        with handle:
            _, members = wanted_members(handle, _LIMITS)
    except RefusedArchive as refused:
        problems.append(Problem(path, f"{refused.reason}: refused as a whole", kept))
        return None
    except OSError as error:
        problems.append(unreadable(path, error, kept))
        return None
    return {name: content.decode("utf-8", errors="replace") for name, content in members.items()}


def _events(path: str, text: str | None, problems: list[Problem]) -> list[dict[str, Any]]:
    """Return the events of a ClearML .jsonl file: each line a JSON list of events (objects)."""
    if not text:
        return []
    events: list[dict[str, Any]] = []
    lines = text.split("\n")
    bad = 0
    first_bad = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        ok, value = parse_json(line)
        if ok and isinstance(value, list):
            events += [e for e in value if isinstance(e, dict)]
        elif number == len(lines):  # the last line, not ended: being written
            continue
        else:
            bad += 1
            first_bad = first_bad or number
    if bad:
        message = f"has {bad} line(s) that are not a JSON list of events (the first at line {first_bad})"
        problems.append(Problem(path, message, "the other lines"))
    return events


def _seconds(value: Any) -> float | None:
    """Return an event's timestamp (milliseconds since the epoch) in seconds."""
    number = to_float(value)
    return number / 1000.0 if number is not None and not isinstance(value, bool) else None


def _add_scalar(
    event: Mapping[str, Any], builder: SeriesBuilder, summary: dict[str, float], times: list
) -> None:
    """Add a reported scalar as a point of the curve `title/series` at its iteration."""
    when = _seconds(event.get("timestamp"))
    if when is not None:
        times.append(when)
    if event.get("type") != SCALAR:
        return
    title, series = str(event.get("metric", "")), str(event.get("variant", ""))
    value, step = to_float(event.get("value")), to_float(event.get("iter"))
    if value is None or step is None:
        return
    if (title, step) == SINGLE_VALUE:
        summary[series] = value  # report_single_value(name, value): a final value named as given
        return
    builder.add(f"{title}/{series}", step, value, when)


BARE_SECTIONS = ("Args", "General")  # argparse's arguments; a dict given to task.connect() without a name


def _params(sections: Any) -> dict[str, Any]:
    """Return the hyperparameters: those of argparse (`Args/lr`) and of `task.connect(dict)` without a
    name (`General/seed`) by their own names, `lr` and `seed`, as the script spells them (so `seed`
    counts the replicates); a name both sections hold, and those of any other section, as
    `<section>.<name>` (`model.batch_size`). Values are typed from ClearML's text (`"0.01"` is 0.01,
    `"[64, 64]"` stays text)."""
    params: dict[str, Any] = {}
    if not isinstance(sections, Mapping):
        return params
    named = [
        (str(section), str(key), entry)
        for section, entries in sections.items()
        if isinstance(entries, Mapping)
        for key, entry in entries.items()
    ]
    bare = [key for section, key, _ in named if section in BARE_SECTIONS]
    for section, key, entry in named:
        raw = entry.get("value") if isinstance(entry, Mapping) else entry
        own = section in BARE_SECTIONS and bare.count(key) == 1
        name = key if own else f"{section}.{key}".replace("/", ".")
        params[name] = parse_scalar(raw) if isinstance(raw, str) else raw
    return params


def _traceback(log: list[dict[str, Any]]) -> str | None:
    """Return the last lines of the traceback the console log ends with, if it does."""
    if not log or log[-1].get("level") != "error":  # a handled one (print_exc, logging.exception) is
        return None  # followed by more output
    last = str(log[-1].get("msg", ""))
    if not last.lstrip().startswith("Traceback"):
        return None
    return "\n".join(last.rstrip("\n").split("\n")[-FAIL_TRACE_LINES:])


def _status(closed: bool, trace: str | None) -> str:
    """finished or failed once zipped (interrupted for a KeyboardInterrupt), running before."""
    if not closed:
        return "running"
    if trace is None:
        return "finished"
    return "interrupted" if trace.rsplit("\n", 1)[-1].startswith("KeyboardInterrupt") else "failed"


def _provenance(task: Mapping[str, Any], trace: str | None) -> dict[str, Any]:
    """Return the task id and type, the git commit, branch, remote and diff (or the script ClearML kept
    when it found no commit), the entry point, the trace."""
    provenance: dict[str, Any] = {"clearml_id": task.get("id")}
    if task.get("type"):
        provenance["clearml_type"] = task["type"]
    script = task.get("script")
    if isinstance(script, Mapping):
        git = {
            "commit": script.get("version_num") or None,
            "branch": script.get("branch") or None,
            "remote": script.get("repository") or None,
        }
        git = {k: v for k, v in git.items() if v}
        if git.get("commit"):
            git["dirty"] = bool(script.get("diff"))
            if script.get("diff"):
                git["diff"] = str(script["diff"])
        elif script.get("diff"):  # no commit found: ClearML keeps the whole script in `diff`
            provenance["script"] = str(script["diff"])
        if git:
            provenance["git"] = git
        for key in ("entry_point", "working_dir", "binary"):
            if script.get(key):
                provenance[key] = script[key]
    if trace is not None:
        provenance["fail_trace"] = trace
    return {k: v for k, v in provenance.items() if v is not None}


CACHE = os.path.join(".clearml", "cache", "offline")  # where ClearML keeps sessions, under the home folder


def hidden_cache_note(root: str) -> str | None:
    """Say where ClearML's offline sessions are when a collect of a home folder found none: the walk
    skips hidden folders, and `~/.clearml/cache/offline` is one."""
    if "://" in root:
        return None
    cache = os.path.join(root, CACHE)
    try:
        names = fs.listdir(cache)
    except OSError:
        return None
    if not any(SESSION.fullmatch(n.removesuffix(ZIP_SUFFIX)) for n in names):
        return None
    return (
        f"ClearML keeps offline sessions in {cache}, a hidden folder the walk does not enter: collect "
        f"{cache} (a run per session)"
    )
