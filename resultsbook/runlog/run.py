"""A run: one native run folder (config.json, metrics.jsonl, run.json) written while a script runs."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import warnings
from collections import deque
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from resultsbook.params import flatten_fields, json_default
from resultsbook.runlog import lifecycle
from resultsbook.runlog.claim import CLAIM_FILE, THIS_PROCESS, Claim, claim, release, sign
from resultsbook.runlog.provenance import (
    DIFF_FILE,
    MAX_DIFF_BYTES,
    capture_environment,
    capture_git,
    code_folder,
    detect_rank,
)
from resultsbook.runlog.seeding import take_pending_seed

METRICS_FILE = "metrics.jsonl"
RUN_FILE = "run.json"
CONFIG_FILE = "config.json"
IDENTITY_FILE = ".resultsbook-run"  # the name or config a `unique=False` folder was made for
_OWN_FILES = (CONFIG_FILE, "config.yaml", "config.yml", METRICS_FILE, RUN_FILE, DIFF_FILE)
_MAX_BUFFERED = 10_000  # lines held before a write, whatever the interval
_TRACEBACK_LINES = 30
_TRACEBACK_CHARS = 6000
_PLAIN = (float, int)
_PLAIN_TYPES = {float, int}


class Run:
    """One run of a training script, written as a native run folder while it runs.

        >>> with resultsbook.Run("runs/", config={"lr": 0.1, "seed": 0}) as run:   # doctest: +SKIP
        ...     for step in range(1, 101):
        ...         run.log(step, loss=1 / step)
        ...     run.summary(test_acc=0.91)

    The folder (`runs/lr0.1_seed0-20261101-120000-3fa2/`) gets config.json, metrics.jsonl
    (appended in whole lines, flushed every `flush_every` seconds and at the end) and run.json
    (status, times, summary and provenance: git commit, branch, dirty flag and diff, command,
    Python, packages, host, GPUs, data fingerprints). The run ends finished, failed (exception
    type, message, traceback tail) or interrupted (Ctrl-C, SIGTERM), also when the script never
    closes it. Under a multi-process launcher only rank 0 writes unless `all_ranks=True`.

    `unique=False` names the folder after `name` (or the config) alone and replaces a run
    already there, for scripts that rerun the same configurations; a run of that name still
    writing there (another process, or still open in this one) is not replaced: RuntimeError.
    """

    def __init__(
        self,
        root: str | os.PathLike[str] = "runs",
        config: Any = None,
        *,
        name: str | None = None,
        experiment: str | None = None,
        unique: bool = True,
        all_ranks: bool = False,
        code_dir: str | os.PathLike[str] | None = None,
        flush_every: float = 1.0,
        max_diff_bytes: int = MAX_DIFF_BYTES,
        _stem: str | None = None,  # an integration's folder name for no name=: the config stays its identity
    ) -> None:
        self.config: dict[str, Any] = config_dict(config)
        self.experiment = experiment
        self.folder: str | None = None
        self.name: str | None = None
        self.status = "inactive"
        self._summary: dict[str, Any] = {}
        self._data: dict[str, Any] = {}
        self._provenance: dict[str, Any] = {}
        self._error: dict[str, Any] | None = None
        self._buffer: deque[str] = deque()
        self._lock = threading.RLock()  # re-entered when SIGTERM closes the run inside log()
        self._fd: int | None = None
        self._flusher: threading.Thread | None = None
        self._stop = threading.Event()
        self._flush_every = float(flush_every)
        self._flushed_at = time.time()
        self._step: float = 0
        self._ended: str | None = None
        self._warned: set[str] = set()
        self._warned_closed = False
        self._templates: dict[tuple[str, ...], str] = {}
        self._pid = os.getpid()
        self._unique = unique
        self._claim = Claim()
        self.rank, world_size = detect_rank()
        self.active = self.rank in (None, 0) or all_ranks
        if not self.active:
            return
        pending = take_pending_seed()
        if pending is not None:
            self._merge_seed(pending)
        stem = folder_stem(name or None, self.config) if name or not _stem else folder_stem(_stem, {})
        if self.rank is not None and all_ranks:
            stem = f"{stem}_rank{self.rank}"
        self._started = _now_iso()
        self.status = "starting"
        lifecycle.register(self)  # before the folder: a SIGTERM from here on ends the run interrupted
        try:
            self._start(os.fspath(root), stem, name, unique, world_size, code_dir, max_diff_bytes)
        except BaseException as error:  # refused, or stopped: said in run.json if a folder was made
            self.close_with(error)
            raise

    def _start(
        self,
        root: str,
        stem: str,
        name: str | None,
        unique: bool,
        world_size: int | None,
        code_dir: str | os.PathLike[str] | None,
        max_diff_bytes: int,
    ) -> None:
        """Make the folder and write the run's first files; a SIGTERM meanwhile ends it interrupted."""
        with lifecycle.sigterm_held():  # a folder made is the run's before a SIGTERM can end it
            if unique:
                self.folder = make_run_folder(root, stem)
            else:  # named after the name or config alone: claimed for the run's life
                identity = name or _config_identity(self.config)
                self.folder, self._claim = claim_run_folder(root, stem, identity)
            self.name = os.path.basename(self.folder)
        self._provenance.update(capture_environment())
        git = capture_git(os.fspath(code_dir) if code_dir else code_folder(), self.folder, max_diff_bytes)
        if git is not None:
            self._provenance["git"] = git
        if self.rank is not None:
            self._provenance["rank"] = self.rank
            if world_size is not None:
                self._provenance["world_size"] = world_size
        from resultsbook import __version__

        self._provenance["logger"] = f"resultsbook {__version__}"
        self._write_config()
        with self._lock:
            if self.status != "starting":
                return  # ended by a SIGTERM whose earlier handler let the process go on
            path = os.path.join(self.folder, METRICS_FILE)
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC, 0o644)
            self.status = "running"
            self._write_info()

    # ------------------------------------------------------------------ the API
    def log(
        self,
        step: float | Mapping[str, Any] | None = None,
        metrics: Mapping[str, Any] | float | None = None,
        /,
        **values: Any,
    ) -> None:
        """Record metric values at a step (the previous step + 1 when omitted).

        Keys that are not identifiers go in a mapping: `run.log(10, {"val/acc": 0.9}, loss=0.3)`.
        The mapping may come first, as `wandb.log` and MLflow's `log_metrics` take it:
        `run.log({"val/acc": 0.9}, step=10)`. Costs a few microseconds: the line is formatted from a
        template made once per set of keys and written with others at most every `flush_every` seconds.
        """
        if isinstance(step, Mapping):  # the mapping first: run.log({"loss": 0.3}, 10)
            step, metrics = metrics, step
        if values and ("step" in values or isinstance(values.get("metrics"), Mapping)):
            step, metrics = _keyword_arguments(step, metrics, values)
        if self._fd is None:
            if self.status not in ("inactive", "running") and not self._warned_closed:
                self._warned_closed = True
                warnings.warn(
                    f"run {self.name} is {self.status}: log() after the run ended is not recorded; "
                    "log inside the with block (or call run.reopen())",
                    RuntimeWarning,
                    stacklevel=2,
                )
            return
        if metrics is not None:
            if not isinstance(metrics, Mapping):
                raise TypeError(
                    f"Run.log() takes a step and a mapping of metrics, e.g. run.log(10, {{'loss': 0.3}}); it "
                    f"was given {metrics!r} where the mapping goes"
                )
            values = {**metrics, **values}
        if step is None:
            step = self._step + 1
        elif type(step) is not int:
            step = _step_number(step)
        self._step = step
        now = time.time()
        template = self._templates.get(tuple(values))
        numbers = values.values()
        if template and set(map(type, numbers)) <= _PLAIN_TYPES:
            line = template % (step, now, *numbers)
            if ": nan" in line or ": inf" in line or ": -inf" in line:
                line = self._json_line(step, now, values)  # json writes NaN / Infinity
        else:
            line = self._json_line(step, now, values)
        self._buffer.append(line)  # a deque: no lock needed against the flusher thread
        if now - self._flushed_at >= self._flush_every or len(self._buffer) >= _MAX_BUFFERED:
            self._write_buffer(now)
        elif self._flusher is None:
            self._start_flusher()

    def summary(self, values: Mapping[str, Any] | None = None, /, **more: Any) -> None:
        """Record final values (test accuracy...); they are written to run.json at once."""
        if self.folder is None:
            return
        # {"test": {"acc": 0.9}} is test.acc, as the reader names it
        for key, value in flatten_fields({**(values or {}), **more}).items():
            number = self._number(key, value)
            if number is not None:
                self._summary[key] = number
        self._write_info()

    def track_data(self, path: str | os.PathLike[str], name: str | None = None) -> str | None:
        """Record the SHA-256 fingerprint of a data file or folder (cached by size and mtime); return it.

        Two runs whose data differ then differ in `resultsbook diff`, and a table cell mixing
        them is marked. On ranks that do not write, nothing is hashed and None is returned.
        """
        if self.folder is None:
            return None
        from resultsbook.runlog.fingerprint import fingerprint_path

        text = os.fspath(path)
        fingerprint = fingerprint_path(text)
        self._data[name or os.path.normpath(text)] = fingerprint.as_dict(os.path.abspath(text))
        self._write_info()
        return fingerprint.digest

    def update_config(self, values: Mapping[str, Any] | None = None, /, **more: Any) -> None:
        """Add keys to the run's config (hyperparameters known only once training starts)."""
        self.config.update(config_dict({**(values or {}), **more}))
        if self.folder is not None:
            self._write_config()

    def reopen(self) -> None:
        """Continue a closed run in the same folder (testing after fitting); it is running until closed.

        A `unique=False` run whose folder a rerun of its name took since it closed is refused: RuntimeError.
        """
        if self.folder is None or self.status == "running":
            return
        if not self._unique:
            self._claim = claim_again(self.folder, self._started)
        with self._lock:
            path = os.path.join(self.folder, METRICS_FILE)
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            self.status, self._error, self._ended = "running", None, None
            self._stop = threading.Event()
            self._flusher = None
            self._write_info()
        lifecycle.register(self)

    def flush(self) -> None:
        """Write the buffered metric lines now."""
        self._write_buffer(time.time())

    def close(self) -> None:
        """End the run as finished (a `with` block does this, or records the exception that ended it)."""
        self.close_with(None)

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close_with(error)

    # ------------------------------------------------------------ used by hooks
    def close_with(self, error: BaseException | None, signal_name: str | None = None) -> None:
        """End the run: finished, failed or interrupted, from the exception or signal that ended it."""
        if self.status not in ("running", "starting") or os.getpid() != self._pid:
            return  # closed already, or a forked child that inherited the object
        with self._lock:
            starting = self.status == "starting"
            if self.status != "running" and not starting:
                return
            self.status, self._error = outcome(error, signal_name)
            if starting and self.folder is not None:  # ended before its first files: write them
                self._write_config()
                os.close(os.open(os.path.join(self.folder, METRICS_FILE), os.O_WRONLY | os.O_CREAT, 0o644))
            self._stop.set()
            self._write_buffer(time.time())
            fd, self._fd = self._fd, None
            if fd is not None:
                os.close(fd)
            self._ended = _now_iso()
            if self.folder is not None:
                self._write_info()
            release(self._claim)
        lifecycle.unregister(self)

    def record_seed(self, record: Mapping[str, Any]) -> None:
        """Put the seed given to seed_everything into the config (and say which libraries it seeded)."""
        if self.folder is None:
            return
        self._merge_seed(record)
        self._write_config()
        self._write_info()

    # ------------------------------------------------------------------ internals
    def _merge_seed(self, record: Mapping[str, Any]) -> None:
        seed = record["seed"]
        self._provenance["seed_everything"] = dict(record)
        if "seed" not in self.config:
            self.config["seed"] = seed
        elif self.config["seed"] != seed:
            warnings.warn(
                f"seed_everything({seed}) but the run's config says seed = {self.config['seed']!r}; "
                "config.json keeps the config's value and run.json records both",
                RuntimeWarning,
                stacklevel=3,
            )

    def _number(self, key: str, value: Any, stacklevel: int = 3) -> float | int | None:
        """Return a metric value as a number (NumPy and tensor scalars too), or None and warn once
        (`stacklevel` points the warning at the caller's line: the training script's)."""
        if type(value) in _PLAIN:
            return value
        try:
            return float(value)
        except (TypeError, ValueError):
            if key not in self._warned:
                self._warned.add(key)
                warnings.warn(
                    f"metric {key!r} = {value!r} is not a number and is not recorded; log numbers only",
                    RuntimeWarning,
                    stacklevel=stacklevel,
                )
            return None

    def _json_line(self, step: float, now: float, values: Mapping[str, Any]) -> str:
        """Return a line through json (first use of a set of keys, NaN, NumPy or tensor values)."""
        record: dict[str, Any] = {"step": step, "time": round(now, 3)}
        keys = tuple(values)
        if any(isinstance(value, Mapping) for value in values.values()):
            values = flatten_fields(values)  # {"eval": {"acc": 0.9}} is eval.acc, as the reader names it
        for key, value in values.items():
            if key in ("step", "time"):
                raise ValueError(f"{key!r} is written by the logger itself; name the metric differently")
            number = value if type(value) in _PLAIN else self._number(key, value, stacklevel=4)
            if number is not None:
                record[str(key)] = number
        if keys not in self._templates:
            self._templates[keys] = _line_template(keys)
        return json.dumps(record) + "\n"

    def _write_buffer(self, now: float) -> None:
        """Append the buffered lines in one write; the main thread and the flusher take turns."""
        with self._lock:
            self._flushed_at = now
            fd, buffer = self._fd, self._buffer
            count = len(buffer)
            if not count or fd is None:
                return
            data = "".join([buffer.popleft() for _ in range(count)]).encode()
            try:
                while data:
                    data = data[os.write(fd, data) :]
            except OSError:
                return  # closed under us by a signal handler that already wrote the rest

    def _start_flusher(self) -> None:
        """Flush lines logged just before a quiet spell: a daemon thread wakes every `flush_every`."""

        def loop() -> None:
            while not self._stop.wait(self._flush_every):
                if self._buffer:
                    self._write_buffer(time.time())

        self._flusher = threading.Thread(target=loop, name="resultsbook-flush", daemon=True)
        self._flusher.start()

    def _write_config(self) -> None:
        from resultsbook.atomic import write_atomic

        assert self.folder is not None
        text = json.dumps(self.config, indent=2, default=json_default)
        write_atomic(os.path.join(self.folder, CONFIG_FILE), (text + "\n").encode())

    def _write_info(self) -> None:
        """Write run.json atomically: a concurrent collect reads the old or the new one."""
        from resultsbook.atomic import write_atomic

        assert self.folder is not None
        info: dict[str, Any] = {"name": self.name, "status": self.status, "start_time": self._started}
        if self._ended:
            info["end_time"] = self._ended
        if self.experiment is not None:
            info["experiment"] = self.experiment
        if self._summary:
            info["summary"] = self._summary
        if self._error is not None:
            info["error"] = self._error
        if self._data:
            info["data"] = self._data
        info.update(self._provenance)
        text = json.dumps(info, indent=2, default=json_default)
        write_atomic(os.path.join(self.folder, RUN_FILE), (text + "\n").encode())


def outcome(error: BaseException | None, signal_name: str | None = None) -> tuple[str, dict[str, Any] | None]:
    """Return the status a run ends with and the error recorded (type, message, traceback tail)."""
    if signal_name is not None:
        return "interrupted", {"type": signal_name, "message": f"the process received {signal_name}"}
    if error is None:
        return "finished", None
    if isinstance(error, SystemExit) and error.code in (0, None):
        return "finished", None
    status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
    return status, describe_error(error)


def describe_error(error: BaseException) -> dict[str, Any]:
    """Return an exception's type, message and the last lines of its traceback."""
    import traceback

    kind = type(error)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    lines = "".join(traceback.format_exception(kind, error, error.__traceback__)).splitlines()
    tail = "\n".join(lines[-_TRACEBACK_LINES:])[-_TRACEBACK_CHARS:]
    message = str(error) if not isinstance(error, SystemExit) else f"exit code {error.code}"
    return {"type": name, "message": message[:2000], "traceback_tail": tail}


def config_dict(config: Any) -> dict[str, Any]:
    """Return a config (mapping, dataclass, argparse.Namespace, pydantic model) as a plain JSON dict."""
    import dataclasses

    if config is None:
        raw: Any = {}
    elif isinstance(config, Mapping):
        raw = dict(config)
    elif dataclasses.is_dataclass(config) and not isinstance(config, type):
        raw = dataclasses.asdict(config)
    elif hasattr(config, "model_dump"):
        raw = config.model_dump()
    elif hasattr(config, "to_dict"):
        raw = config.to_dict()
    elif hasattr(config, "__dict__") and not isinstance(config, type):
        raw = vars(config)
    else:
        raise TypeError(
            f"config must be a mapping, a dataclass or an argparse.Namespace, not {type(config).__name__}; "
            "pass dict(...) of it"
        )
    plain = json.loads(json.dumps(raw, default=json_default))  # np.float32(0.001) stays 0.001
    if not isinstance(plain, dict):
        raise TypeError("config must turn into a mapping of keys to values")
    return plain


def folder_stem(name: str | None, config: Mapping[str, Any]) -> str:
    """Return a readable folder name: `name`, else up to four short config values (mlp_moons_seed0)."""
    if name:
        return _safe_name(name) or "run"
    parts: list[str] = []
    for key, value in config.items():
        if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
            continue
        if isinstance(value, str):
            if 0 < len(value) <= 24:
                parts.append(value)
        else:
            parts.append(f"{key}{value}")
        if len(parts) == 4 or sum(len(part) + 1 for part in parts) > 40:
            break
    return _safe_name("_".join(parts)) or "run"


def _config_identity(config: Mapping[str, Any]) -> str:
    """Return the text a config is known by across reruns: an object's address (`<Net at 0x7f…>`, its
    text in a config) differs each run, and is left out."""
    import re

    return re.sub(r" at 0x[0-9a-fA-F]+", "", json.dumps(config, sort_keys=True, default=str))


def _holds_another(folder: str, identity: str) -> bool:
    """Tell whether `folder` holds a run of another name or config (which a `unique=False` run of
    this one, its folder name made alike, would replace): the identity it was made for says so. A
    folder made before identities were kept is taken as this run's, as it always was."""
    try:
        with open(os.path.join(folder, IDENTITY_FILE), encoding="utf-8") as handle:
            return handle.read() != identity
    except (OSError, ValueError):
        return False


def _mark_identity(folder: str, identity: str) -> None:
    """Keep in the folder the name or config it was made for (the config as the run began)."""
    with (
        contextlib.suppress(OSError),
        open(os.path.join(folder, IDENTITY_FILE), "w", encoding="utf-8") as out,
    ):
        out.write(identity)


def _with_digest(stem: str, whole: str) -> str:
    """Return `stem` with a short digest of what it stands for, so that two different wholes differ."""
    import hashlib

    return f"{stem[:71].rstrip('._-')}-{hashlib.sha1(whole.encode()).hexdigest()[:8]}"


def claim_run_folder(root: str, stem: str, identity: str) -> tuple[str, Claim]:
    """Claim the `unique=False` folder `stem` (NAME-<digest> when it holds a run of another name or
    config) and empty it of a previous run's files; refuse one a live run of this name writes."""
    folder = os.path.join(root, stem)
    os.makedirs(folder, exist_ok=True)
    taken = claim(folder)
    if _holds_another(folder, identity):
        release(taken)
        folder = os.path.join(root, _with_digest(stem, identity))
        os.makedirs(folder, exist_ok=True)
        taken = claim(folder)
    if taken.holder is not None:
        raise RuntimeError(_busy(folder, taken))
    _mark_identity(folder, identity)
    sign(taken)  # after the identity: a run refused beside this one reads it once signed
    for name in _OWN_FILES:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(folder, name))
    return folder, taken


def claim_again(folder: str, started: str) -> Claim:
    """Claim a closed run's folder to reopen it, unless another run took it meanwhile (its run.json
    has another start time than this run's `started`)."""
    taken = claim(folder)
    if taken.holder is not None:
        raise RuntimeError(_busy(folder, taken))
    if _start_time(folder) != started:
        release(taken)
        raise RuntimeError(
            f"run folder {folder} cannot be reopened: another run of the same name was written there "
            "since this one closed; give the runs other names= (or unique=True) to keep both"
        )
    sign(taken)
    return taken


def _start_time(folder: str) -> Any:
    """Return the start time in a folder's run.json, or None when it has none."""
    try:
        with open(os.path.join(folder, RUN_FILE), encoding="utf-8") as handle:
            info = json.load(handle)
    except (OSError, ValueError):
        return None
    return info.get("start_time") if isinstance(info, dict) else None


def _busy(folder: str, taken: Claim) -> str:
    holder = taken.holder
    if taken.ended is not None:
        lock = os.path.join(folder, CLAIM_FILE)
        return (
            f"run folder {folder} is held by a process that process {taken.ended} started (a data loader "
            f"worker?), living on after {taken.ended}, the run signed in its claim, ended; stop it "
            f"(`fuser -v {lock}` names it: the lock does not), or give this run another name= (or "
            "unique=True)"
        )
    if holder == THIS_PROCESS:  # a nested run, or one in another thread
        return (
            f"run folder {folder} belongs to a run of the same name still open in this same process; close "
            "it first, or give this run another name= (or unique=True)"
        )
    return (
        f"run folder {folder} is being written by a run of the same name ({holder}); let it end or "
        "stop it, or give this run another name= (or unique=True)"
    )


def make_run_folder(root: str, stem: str) -> str:
    """Create a new run folder `stem-YYYYmmdd-HHMMSS-xxxx`."""
    os.makedirs(root, exist_ok=True)
    for _ in range(100):
        folder = os.path.join(root, f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}-{os.urandom(2).hex()}")
        try:
            os.mkdir(folder)
        except FileExistsError:
            continue
        return folder
    raise FileExistsError(f"could not create a new run folder under {root}; clear out old run folders")


def _safe_name(text: str) -> str:
    """Return `text` as a folder name: letters of any script kept, at most 80 characters and 120 bytes
    (a filesystem allows 255 bytes a name: room for the time stamp or digest added to it)."""
    import re

    name = re.sub(r"[^\w.+=-]+", "_", text)[:80]
    while len(name.encode("utf-8", "surrogatepass")) > _NAME_BYTES:
        name = name[:-1]
    return name.strip("._-")


_NAME_BYTES = 120


def _line_template(keys: tuple[str, ...]) -> str:
    """Return the %-template of a metrics line with these keys (`{"step": %r, "time": %.3f, "loss": %r}`).

    `%r` of an int or a finite float is exactly what json writes. Keys that json would escape get
    no template (json.dumps writes their every line) so that ": nan" can only be a value.
    """
    if any(not (isinstance(key, str) and key.isascii() and key.isprintable()) for key in keys):
        return ""
    if any('"' in key or "\\" in key for key in keys):
        return ""
    fields = "".join(', "' + key.replace("%", "%%") + '": %r' for key in keys)
    return '{"step": %r, "time": %.3f' + fields + "}\n"


def _step_number(step: Any) -> int | float:
    """Return a step given as a NumPy or tensor scalar as a plain number."""
    number = float(step)
    return int(number) if number.is_integer() else number


def _now_iso() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _keyword_arguments(step: Any, metrics: Any, values: dict[str, Any]) -> tuple[Any, Any]:
    """Take `step=` and `metrics=` out of the keyword values of `Run.log`: they name its arguments
    (wandb.log's `step=`), not metrics; refuse one given twice."""
    if "step" in values:
        if step is not None:
            raise TypeError(f"Run.log() got the step twice: {step!r} and step={values['step']!r}")
        step = values.pop("step")
    if isinstance(values.get("metrics"), Mapping):
        if metrics is not None:
            raise TypeError("Run.log() got the metrics twice: a mapping and metrics=")
        metrics = values.pop("metrics")
    return step, metrics
