"""Guild AI runs: `<guild_home>/runs/<32-hex id>/` with `.guild/attrs/` (one YAML document a file),
the output scalars Guild parses from stdout into `.guild/events.out.tfevents.*`, and the event files
the script itself wrote anywhere in the run folder."""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
from typing import Any

import yaml

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.adapters.compose import find_inner_sources, read_inner_runs
from resultsbook.adapters.tb_events import EVENTS_MARK, read_event_files
from resultsbook.atomic import process_alive
from resultsbook.models import Problem, ReadResult, RunRecord, Series, Source
from resultsbook.params import flatten_params
from resultsbook.sources import fs
from resultsbook.sources.fileio import read_file_bytes, unreadable
from resultsbook.sources.limits import CONFIG
from resultsbook.sources.series import SeriesBuilder
from resultsbook.sources.textio import read_nonempty_text
from resultsbook.sources.yamlio import UnsafeYaml, load_yaml_text

GUILD_DIR = ".guild"
RUN_ID = re.compile(r"[0-9a-f]{32}")
# the attributes read (Guild writes more: cmd, env, deps, pip_freeze, platform, run_params...)
ATTRS = (
    "exit_status",
    "flags",
    "host",
    "id",
    "label",
    "random_seed",
    "started",
    "stopped",
    "tags",
    "vcs_commit",
)
# the marker files Guild keeps beside attrs/ while a run is queued, staged or running
MARKERS = ("LOCK", "LOCK.remote", "PENDING", "STAGED")
BATCH_PROTO = "proto"  # the trial operation a batch run starts (`batch_util.is_batch`)
OUTPUT = "output"  # captured stdout: grows with every output scalar Guild parses
_LOCK_BYTES = 64


class GuildAdapter(Adapter):
    """Read Guild AI run folders (a guild home's runs/)."""

    name = "guild"
    summary = "Guild AI runs (<guild_home>/runs/<id>/.guild/attrs, output scalars, the run's event files)"
    priority = 20  # before TensorBoard (25): the event files a run writes are its own
    reading_version = 2  # 2: a pending or staged run (not started) is queued, not running

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._inner: dict[str, list[tuple[Source, Adapter]]] = {}  # run folder -> its own event files

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a run folder: one holding `.guild/` with Guild's `attrs/` or `opref` in it (a guild
        home's `runs/<id>/`, or the folder of `guild run --run-dir`); a deleted run in the guild home's
        trash/runs/ and a batch run (its trials are the runs) are passed over, with everything inside
        them."""
        if GUILD_DIR not in folder.dirs:
            return None
        runs_folder = os.path.dirname(folder.path)
        trashed = (
            os.path.basename(runs_folder) == "runs"
            and os.path.basename(os.path.dirname(runs_folder)) == "trash"
        )
        if trashed and RUN_ID.fullmatch(os.path.basename(folder.path)):
            return Claim(())
        guild = os.path.join(folder.path, GUILD_DIR)
        try:
            inside = set(fs.listdir(guild))
        except OSError:
            return None
        if "attrs" not in inside and "opref" not in inside:
            return None  # a project's own Guild home (.guild/runs/), or another tool's .guild
        if BATCH_PROTO in inside:  # a batch (grid, optimizer) whose trials are the runs, each in its folder
            return Claim(())
        files = [os.path.join(guild, "attrs", name) for name in ATTRS]
        files += [os.path.join(guild, name) for name in (OUTPUT, *MARKERS)]
        files += [os.path.join(guild, name) for name in sorted(inside) if EVENTS_MARK in name]
        from resultsbook.adapters.tensorboard_events import TensorboardAdapter

        found = self._inner[folder.path] = list(find_inner_sources(folder.path, [TensorboardAdapter()]))
        for source, _ in found:
            files.extend(source.files)
        return Claim((self.source(folder.path, files),))

    def clock_state(self, source: Source) -> str:
        """Say "alive" while the process named in `.guild/LOCK` lives: when it dies without a word (killed,
        node lost), the run is read again and becomes failed."""
        if fs.is_remote(source.path):
            return ""  # its process is on another machine: no request per run and collect to ask
        pid = _lock_pid(os.path.join(source.path, GUILD_DIR, "LOCK"))
        return "alive" if pid is not None and process_alive(pid) else ""

    def read(self, source: Source) -> ReadResult:
        """Read one run folder."""
        problems: list[Problem] = []
        guild = os.path.join(source.path, GUILD_DIR)
        attrs, unread = _read_attrs(os.path.join(guild, "attrs"), problems)
        flags = attrs.get("flags")
        params: dict[str, Any] = {}
        if isinstance(flags, dict):
            params = flatten_params(flags)
        elif "flags" in attrs:
            problems.append(
                Problem(os.path.join(guild, "attrs", "flags"), "is not a mapping of flags", "no params")
            )
        status, provenance = self._status(guild, attrs, unread, problems)
        provenance.update(_provenance(guild, attrs))
        metrics = _output_scalars(guild, problems)
        metrics = self._with_own_event_files(source.path, metrics, problems)
        run_id = str(attrs.get("id") or os.path.basename(source.path))
        label = attrs.get("label")
        run = RunRecord(
            key=run_id,
            name=str(label) if label not in (None, "") else run_id[:8],
            params=params,
            metrics=metrics,
            status=status,
            start_time=_seconds(attrs.get("started")),
            end_time=_seconds(attrs.get("stopped")),
            experiment=_operation(os.path.join(guild, "opref"), problems),
            provenance=provenance,
        )
        return ReadResult((run,), tuple(problems))

    def _status(
        self, guild: str, attrs: dict[str, Any], unread: set[str], problems: list[Problem]
    ) -> tuple[str, dict[str, Any]]:
        """Guild's own rule (`Run.status`): a remote lock, PENDING or STAGED is a run to come or on
        another machine; else `exit_status` 0 is completed, > 0 an error, < 0 terminated; else a LOCK
        whose process lives is running, and no LOCK or a dead one is a run that crashed."""
        provenance: dict[str, Any] = {}
        for marker, word in (("LOCK.remote", "running"), ("PENDING", "pending"), ("STAGED", "staged")):
            if fs.exists(os.path.join(guild, marker)):
                provenance["guild_status"] = word
                return ("running" if word == "running" else "queued"), provenance  # queued: not started
        if "exit_status" in unread:  # there, but empty or no YAML: said where it was read
            return "unknown", provenance
        code = attrs.get("exit_status")
        if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
            problems.append(
                Problem(
                    os.path.join(guild, "attrs", "exit_status"),
                    f"holds {code!r}, not an exit status (an integer, as Guild writes it: 0 when the run "
                    "completed); put the run's exit code there",
                    "the run, status unknown",
                )
            )
            return "unknown", provenance
        if isinstance(code, int):
            provenance["exit_status"] = code
            if code == 0:
                provenance["guild_status"] = "completed"
                return "finished", provenance
            if code > 0:
                provenance["guild_status"] = "error"
                provenance["error"] = f"exited with status {code}"
                return "failed", provenance
            provenance["guild_status"] = "terminated"
            provenance["error"] = f"terminated by {_signal_name(-code)}"
            return "interrupted", provenance
        lock = os.path.join(guild, "LOCK")
        pid = _lock_pid(lock)
        host = attrs.get("host")
        if pid is not None and host not in (None, socket.gethostname()):
            provenance["guild_status"] = "running"
            problems.append(
                Problem(
                    lock,
                    f"names process {pid} of host {host!r}, not this one: whether the run still runs cannot "
                    "be told here; collect on that host to know",
                    "the run, as running",
                )
            )
            return "running", provenance
        if pid is not None and process_alive(pid):
            provenance["guild_status"] = "running"
            return "running", provenance
        provenance["guild_status"] = "error"
        why = f"its process {pid} is gone" if pid is not None else "it holds no LOCK"
        problems.append(
            Problem(
                os.path.join(guild, "attrs", "exit_status"),
                f"is missing and {why}: the run stopped without Guild recording its end (killed, out of "
                "memory or node lost), as `guild runs` says error",
                "the run, as failed, with the scalars it printed",
            )
        )
        return "failed", provenance

    def _with_own_event_files(
        self, path: str, metrics: dict[str, Series], problems: list[Problem]
    ) -> dict[str, Series]:
        """Add the curves of the event files the script wrote in the run folder, named by their
        sub-folder; an output scalar of the same name is kept."""
        found = self._inner.get(path)
        if found is None:
            from resultsbook.adapters.tensorboard_events import TensorboardAdapter

            found = list(find_inner_sources(path, [TensorboardAdapter()]))
        for inner in read_inner_runs(path, found, problems):
            for key, series in inner.run.metrics.items():
                metrics.setdefault(key if inner.source == "." else f"{inner.source}/{key}", series)
        return metrics


def _read_attrs(folder: str, problems: list[Problem]) -> tuple[dict[str, Any], set[str]]:
    """Read the attributes of `ATTRS` a run has, one small YAML document a file; return them and the
    names of those whose file is there but could not be read (reported)."""
    try:
        present = set(fs.listdir(folder))
    except OSError as error:
        problems.append(unreadable(folder, error, "no flags, status or times"))
        return {}, set()
    attrs: dict[str, Any] = {}
    unread: set[str] = set()
    for name in ATTRS:
        if name not in present:
            continue
        path = os.path.join(folder, name)
        text = read_nonempty_text(path, problems, f"no {name}")
        if text is None:
            unread.add(name)
            continue
        try:  # written whole by Guild (yaml.safe_dump); hand-made samples may end without a newline
            attrs[name] = load_yaml_text(text)
        except UnsafeYaml as error:
            problems.append(Problem(path, f"is refused: {error}", f"no {name}"))
            unread.add(name)
        except (yaml.YAMLError, ValueError, RecursionError) as error:
            problems.append(Problem(path, f"is not valid YAML ({error})".replace("\n", " "), f"no {name}"))
            unread.add(name)
    return attrs, unread


def _output_scalars(guild: str, problems: list[Problem]) -> dict[str, Series]:
    """Read the event files Guild writes in `.guild/` from the `key: value` lines the script printed
    (they carry no wall time)."""
    try:
        names = sorted(name for name in fs.listdir(guild) if EVENTS_MARK in name)
    except OSError:
        return {}
    if not names:
        return {}
    data = read_event_files([os.path.join(guild, name) for name in names], problems)
    builder = SeriesBuilder()
    data.add_to(builder, "")
    series, more = builder.build(guild)
    problems.extend(more)
    return series


def _provenance(guild: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """Return the run id, Guild's own seed, host, tags and git commit (`git:<sha>`, `*` when dirty)."""
    provenance: dict[str, Any] = {}
    if attrs.get("id") is not None:
        provenance["guild_id"] = str(attrs["id"])
    if attrs.get("random_seed") is not None:  # Guild's, not the script's: only a flag is a param
        provenance["random_seed"] = attrs["random_seed"]
    if attrs.get("host") is not None:
        provenance["host"] = str(attrs["host"])
    if isinstance(attrs.get("tags"), list) and attrs["tags"]:
        provenance["tags"] = [str(tag) for tag in attrs["tags"]]
    commit = attrs.get("vcs_commit")
    if isinstance(commit, str) and ":" in commit:
        kind, _, sha = commit.partition(":")
        if kind == "git" and sha.strip("*"):
            provenance["git"] = {"commit": sha.rstrip("*"), "dirty": sha.endswith("*")}
    return provenance


def _operation(path: str, problems: list[Problem]) -> str | None:
    """Return the operation of `.guild/opref` (`<type>:<location> <version> <model> <op>`, shell-quoted):
    `model:op`, or the op (a script's file name) when it has no model; an opref that cannot be read
    (a FIFO, a link to a device) is said."""
    try:
        data = read_file_bytes(path, CONFIG)
    except FileNotFoundError:
        return None
    except OSError as error:
        problems.append(unreadable(path, error, "the run without its operation"))
        return None
    if not data:
        return None
    try:
        parts = shlex.split(data.decode("utf-8", errors="replace"))
    except ValueError:
        return None
    if len(parts) < 4:
        return None
    model, op = parts[-2], parts[-1]
    return f"{model}:{op}" if model else op


def _lock_pid(path: str) -> int | None:
    """Return the process id written in a LOCK file, or None."""
    try:
        data = read_file_bytes(path, CONFIG)[:_LOCK_BYTES]
    except OSError:
        return None
    try:
        return int(data.strip()) if data else None
    except ValueError:
        return None


def _seconds(value: Any) -> float | None:
    """Return Guild's integer microseconds since the epoch in seconds."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value / 1_000_000


def _signal_name(number: int) -> str:
    """Name a signal: `SIGTERM (15)`."""
    try:
        return f"{signal.Signals(number).name} ({number})"
    except ValueError:
        return f"signal {number}"
