"""Hydra job folders (`.hydra/config.yaml`, `overrides.yaml`, `hydra.yaml`), single runs and multirun
jobs, combined with the metrics the job wrote beside them in any format another adapter reads."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.adapters.compose import InnerRun, find_inner_sources, inner_adapters, read_inner_runs
from resultsbook.adapters.csvlog import CSV_SUFFIXES
from resultsbook.adapters.wandbconsole import exception_line
from resultsbook.models import Problem, ReadResult, RunRecord, Series, Source
from resultsbook.params import flatten_params, format_value, typed_words, values_equal
from resultsbook.sources import fs
from resultsbook.sources.fileio import iter_file_chunks, read_file_end
from resultsbook.sources.interpolation import (
    InterpolationTooLarge,
    has_interpolations,
    resolve_interpolations,
)
from resultsbook.sources.yamlio import read_yaml_file
from resultsbook.voice import command, option, said

HYDRA_DIR = ".hydra"
CONFIG_FILE, OVERRIDES_FILE, HYDRA_FILE = "config.yaml", "overrides.yaml", "hydra.yaml"
_HYDRA_FILES = (CONFIG_FILE, OVERRIDES_FILE, HYDRA_FILE)


class HydraAdapter(Adapter):
    """Read Hydra job folders; their metrics come from whatever other adapter reads the job's files."""

    name = "hydra"
    summary = "Hydra job folders (.hydra/config.yaml), with the metrics the job wrote in any other format"
    priority = 10  # a job folder may hold a native metrics.jsonl or a Lightning CSV: claim it first
    # 2: runs inside that disagree on a key Hydra sets once keep their own values; 3: a job whose only
    # logs are plain CSV says how to read them; 4: a run inside gives the value of a `${...}` Hydra
    # left unresolved; 5: a job with no metrics says so, and one whose job log ends with an error is
    # failed unless its logger keeps a status; 6: so is one whose log's last error is a traceback followed
    # only by its logger's records (lightning-hydra-template's `Output dir: ...`), and one whose log ends
    # with an error while a logger inside says it finished, and a job's `version_N` folders of several
    # Lightning loggers are one run per version
    # 7: a job that left no other metrics is read from the numbers its job log prints (`loss=0.31`)
    # 8: a training that started before a later run of its folder rewrote the config takes none of it,
    # and a TensorBoard folder's trainings are named as that adapter names them (`tb/1796701993`)
    # 9: an error logged with its traceback is the traceback's exception, with the message logged beside it
    reading_version = 9

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._inner: list[Adapter] | None = None
        self._found: dict[str, list[tuple[Source, Adapter]]] = {}  # job folder -> inner sources, by claim
        # a collect's --pattern that matched no file in the job, and how many jobs of its sweep it matched
        self.missed: tuple[str, int] | None = None

    def inner(self) -> list[Adapter]:
        """Return the adapters that read the job's metrics (every other installed one)."""
        if self._inner is None:
            self._inner = inner_adapters(exclude={self.name})
        return self._inner

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a folder holding a `.hydra` folder, with the files of what its job wrote."""
        if HYDRA_DIR not in folder.dirs:
            return None
        hydra = os.path.join(folder.path, HYDRA_DIR)
        files = [os.path.join(hydra, name) for name in _HYDRA_FILES]
        found = self._found[folder.path] = list(
            find_inner_sources(folder.path, self.inner(), stop=(HYDRA_DIR,))
        )
        for source, _ in found:
            files.extend(source.files)
        # Hydra's job log (`main.log`): a job that left no metrics is read again when it logs more
        files.extend(folder.file(name) for name in sorted(folder.files) if name.endswith(".log"))
        return Claim((self.source(folder.path, files),))

    def clock_state(self, source: Source) -> str:
        """Pass on the clock state of the job's inner sources (a Sacred run inside may go stale)."""
        found = self._found.get(source.path, ())
        return "".join(adapter.clock_state(inner) for inner, adapter in found)

    def read(self, source: Source) -> ReadResult:
        """Read one job folder: Hydra's config as params, the runs found inside for metrics."""
        problems: list[Problem] = []
        hydra = os.path.join(source.path, HYDRA_DIR)
        params, provenance, experiment = read_hydra_files(hydra, problems)
        found = list(find_inner_sources(source.path, self.inner(), stop=(HYDRA_DIR,)))
        inner = read_inner_runs(source.path, found, problems)
        name = "/".join(os.path.abspath(source.path).replace(os.sep, "/").split("/")[-2:])
        base = RunRecord(name=name, params=params, experiment=experiment, provenance=provenance)
        log = f"{experiment}.log" if experiment else None  # Hydra's job log, `${hydra.job.name}.log`
        error = _last_error(os.path.join(source.path, log)) if log else None
        if not inner and log:
            inner = _job_log_runs(source.path, log, problems)
        if not inner:
            if error:  # the job's last word is an error: it failed, whatever else it left
                base = replace(base, status="failed", provenance={**provenance, "error": error})
            kept = "the job's params, no metrics" + ("; status failed, with that error" if error else "")
            unread = _unread_logs(source.path)
            if self.missed is not None:
                text = _missed_text(*self.missed, _job_log_told(source.path, log, error))
            elif unread:
                text = _unread_logs_text(unread)
            else:
                text = _no_metrics_text(source.path, log, error)
            problems.append(Problem(source.path, text, kept))
            return ReadResult((base,), tuple(problems))
        by_adapter: dict[str, int] = {}
        for item in inner:
            by_adapter[item.adapter] = by_adapter.get(item.adapter, 0) + 1
        if max(by_adapter.values()) == 1:  # one job, logged by one or several loggers: one run
            run = _combine(base, inner, source.path, problems)
            if error and run.status == "finished":  # closed in a `finally`, before the error ended the job
                problems.append(
                    Problem(source.path, _finished_text(log, error, inner), "status failed, with that error")
                )
            if error and run.status in ("unknown", "finished"):  # a CSV, TensorBoard keep no status
                run = replace(run, status="failed", provenance={**run.provenance, "error": error})
            return ReadResult((run,), tuple(problems))
        config_time = fs.newest_mtime([os.path.join(hydra, CONFIG_FILE)])
        earlier = _written_before(inner, config_time)
        bare = RunRecord(name=name, experiment=experiment)  # a training the saved config is not of
        contested = _contested(params, [item for item in inner if id(item) not in earlier])
        if contested:
            shown = ", ".join(f"{key} = {format_value(params[key])}" for key in contested)
            message = (
                f"the {len(inner)} runs inside disagree on {', '.join(map(repr, contested))}, which Hydra's "
                f"config sets once ({shown}): it is not their config (a .hydra/ folder above runs of their "
                "own, e.g. left by hydra.run.dir=.)"
            )
            kept = "each run's own params; Hydra's fill in the others"
            problems.append(Problem(source.path, message, kept))
        paired = _paired_versions(inner)
        if paired is not None:  # trainings each logged by several Lightning loggers: one run each
            groups = list(paired.values())
            runs = tuple(
                replace(
                    _combine(
                        bare if all(id(item) in earlier for item in items) else base,
                        items,
                        source.path,
                        problems,
                        hydra_wins=not contested,
                    ),
                    key=version,
                    name=f"{name}/{version}",
                )
                for version, items in paired.items()
            )
        else:
            groups = [[item] for item in inner]
            runs = tuple(
                replace(
                    _combine(
                        bare if id(item) in earlier else base,
                        [item],
                        source.path,
                        problems,
                        hydra_wins=not contested,
                    ),
                    key=item.source + (f"#{item.run.key}" if item.run.key else ""),
                    name=_inner_name(name, item),
                )
                for item in inner
            )
        overwritten = [
            run.name.removeprefix(f"{name}/")
            for run, items in zip(runs, groups)
            if all(id(i) in earlier for i in items)
        ]
        if overwritten:
            problems.append(_overwritten_problem(source.path, overwritten, provenance.get("mode")))
        return ReadResult(runs, tuple(problems))


def _inner_name(job: str, item: InnerRun) -> str:
    """Name a run found inside a job as its adapter names it within its folder (a TensorBoard
    training, `tb/1796701993`, as its problem lines do), else by its folder and key."""
    folder = posixpath.normpath(posixpath.join(job, item.source))
    if item.run.key and item.run.name.startswith(posixpath.basename(folder) + "/"):
        return posixpath.join(posixpath.dirname(folder), item.run.name)
    return f"{job}/{item.source}" + (f"[{item.run.key}]" if item.run.key else "")


def _written_before(inner: list[InnerRun], config_time: float | None) -> set[int]:
    """Return (by id) the runs inside a job that started before its `.hydra/config.yaml` was written,
    while another started after: Hydra rewrites the config on every run of a folder, before the job
    starts, so they are trainings of an earlier run, whose config is lost. When none started after
    it (a copied folder, whose files took the copy's times), none is told apart."""
    if config_time is None:
        return set()
    started = [(id(item), item.run.start_time) for item in inner if item.run.start_time is not None]
    if not any(start >= config_time for _, start in started):
        return set()
    return {key for key, start in started if start < config_time}


def _overwritten_problem(job: str, names: list[str], mode: Any) -> Problem:
    """Say that trainings in a job folder ran before a later run of the folder overwrote its config."""
    option, default = ("sweep", "multirun") if mode == "MULTIRUN" else ("run", "outputs")
    return Problem(
        job,
        f"{HYDRA_DIR}/{CONFIG_FILE} and {OVERRIDES_FILE} were overwritten by a later run of the same "
        f"folder: {', '.join(names)} ran before it, with a config no longer saved; give each {option} "
        f"its own hydra.{option}.dir (Hydra's default, {default}/${{now:%Y-%m-%d}}/${{now:%H-%M-%S}}, "
        "is new each time)",
        "those runs without Hydra's params, the later run's with them",
    )


def _job_log_runs(job: str, log: str, problems: list[Problem]) -> list[InnerRun]:
    """Read the numbers a job's log prints with a counter (`log.info(f"epoch {e}: loss={loss}")`)."""
    from resultsbook.adapters.textlog import TextLogAdapter

    path = os.path.join(job, log)
    if not fs.isfile(path):
        return []
    result = TextLogAdapter().read_log(path, counted_only=True)
    runs = [InnerRun("text", log, run) for run in result.runs if run.metrics]
    if runs:
        problems.extend(result.problems)
    return runs


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# a record of Hydra's job log, `[2024-03-14 23:01:57,523][flwr][ERROR] - message`
_RECORD = re.compile(r"^\[[^\]\n]*\]\[([^\]\n]*)\]\[([A-Z]+)\] - (.*)$", re.MULTILINE)
_LOG_TAIL = 65536  # bytes of a job log read for its last record: a long run's log can be large
_ERROR_LEVELS = ("ERROR", "CRITICAL")
_TRACEBACK = "Traceback (most recent call last):"
_ERROR_ROOM = 200  # characters of a job's error, beyond which the message logged with it is left out
_EPILOGUE = 2  # records a wrapper's `finally` logs after the error: `Output dir: ...`, `Closing wandb!`


def _last_error(log: str) -> str | None:
    """Return the error a Hydra job log ends with (`flwr ERROR: the actor died`), else None: a job whose
    log ends with an error failed. An error whose traceback is followed only by one or two records of
    the logger that logged it ends the log too: lightning-hydra-template's `task_wrapper` logs the
    exception, then `Output dir: ...` (and `Closing wandb!`) in its `finally`, before the job dies."""
    try:
        text = read_file_end(log, _LOG_TAIL).decode("utf-8", errors="replace")
    except OSError:  # no job log (a job that logs nothing), or not a file (a FIFO is never opened)
        return None
    records = list(_RECORD.finditer(text))
    errors = [index for index, record in enumerate(records) if record.group(2) in _ERROR_LEVELS]
    if not errors:
        return None
    index = errors[-1]
    logger, level, message = records[index].groups()
    after = records[index + 1 :]
    body = text[records[index].end() : after[0].start() if after else len(text)]
    trace = body.splitlines()[1:]
    traceback = [number for number, line in enumerate(trace) if line.startswith(_TRACEBACK)]
    if after and (
        not traceback or len(after) > _EPILOGUE or any(record.group(1) != logger for record in after)
    ):
        return None  # the job went on after it: an error it lived through
    raised = exception_line(trace[traceback[-1] :]) if traceback else None
    message = message.strip()
    if not raised:
        return f"{logger} {level}: {message or 'an error with no message'}"
    # `log.exception("training failed"); raise`: the exception says what failed, the message where
    error = f"{logger} {level}: {raised}"
    if message and message not in raised and len(error) + len(message) <= _ERROR_ROOM:
        error += f" (logged as: {message})"
    return error


def _finished_text(log: str | None, error: str, inner: list[InnerRun]) -> str:
    """Say that a job's log ends with an error while the logger that keeps a status says it finished."""
    told = next(item for item in inner if item.run.status == "finished")
    return (
        f"its job log {log} ends with an error ({error}) while {told.source} ({told.adapter}) says the run "
        "finished: it was closed in a `finally` (lightning-hydra-template's task_wrapper calls "
        "wandb.finish(), exit code 0) before the error ended the job"
    )


def _size(path: str) -> int | None:
    """Return a file's size, or None when it is not there."""
    try:
        return int(fs.stat(path).st_size)
    except OSError:
        return None


def _job_log_told(job: str, log: str | None, error: str | None) -> str:
    """Say what a job's log tells of a job that left no metrics."""
    if error:
        listed = said("`resultsbook status` lists it", "`book.runs(where={'status': 'failed'})` lists it")
        return f"its job log {log} ends with an error: the job failed ({listed})"
    if (size := _size(os.path.join(job, log)) if log else None) is None:
        return f"it has no job log ({log or 'hydra.job.name.log'}) to say why"
    if size == 0:
        return f"its job log {log} is empty: the job stopped, or never ran, before it logged anything"
    return f"its job log {log} ends with no error, as the log of a job killed while it ran does"


def _no_metrics_text(job: str, log: str | None, error: str | None) -> str:
    """Say that a job left no metrics, what its job log says of it, and where else they may be."""
    return (
        f"holds no metrics: no file beside {HYDRA_DIR}/ is a log an adapter reads, and "
        f"{_job_log_told(job, log, error)}; if the job wrote its metrics elsewhere, collect that folder "
        "(`resultsbook adapters` lists the formats read)"
    )


def _missed_text(pattern: str, matched: int, told: str) -> str:
    """Say that a job of a sweep holds no file a collect's pattern matched in its other jobs."""
    others = "another job of its sweep does" if matched == 1 else f"{matched} other jobs of its sweep do"
    return (
        f"holds no file {option('pattern', pattern)} matches, as {others}, and {told}; "
        "it is a run of its params, which a table's missing-seed mark names as ran but without a value, "
        "not as never launched"
    )


def job_missed_by_pattern(hydra: Adapter, pattern: str, matched: int) -> HydraAdapter:
    """Return a Hydra adapter that reads a job folder in which a collect's `--pattern` matched no file,
    while it matched one in `matched` other jobs of the sweep: a job that crashed before writing its
    metrics is a run of its params, and its problem line says which pattern missed it."""
    reader = HydraAdapter(**hydra.config)
    reader.missed = (pattern, matched)
    return reader


def _unread_logs(job: str) -> list[str]:
    """Return the names of the plain CSV logs in a job folder, which no adapter claims by name."""
    try:
        names = fs.listdir(job)
    except OSError:
        return []
    return sorted(name for name in names if name.lower().endswith(CSV_SUFFIXES))


def _unread_logs_text(names: list[str]) -> str:
    """Say that a job's metrics are plain CSV logs no adapter read, and the collect that reads one.
    Names have `*` for their numbers, so that the jobs of a sweep that names its log after its settings
    (`fedavg_Seed=4_C=100.csv`) are one problem line, not one each."""
    globs = sorted({_NUMBER.sub("*", name) for name in names})
    config = f"config={HYDRA_DIR}/{CONFIG_FILE}"
    fix = f"{option('pattern', '**/' + globs[0])} {option('option', config)}"
    return (
        f"holds no metrics an adapter reads: its log(s) {', '.join(globs)} are plain CSV, which no adapter "
        f"claims by name; collect one with {fix} to read it with the job's config as params: that collect "
        "drops the run of params alone of each job it reads a file in"
    )


SWEEP_FILE = "multirun.yaml"  # Hydra's record of a sweep, in the folder above its jobs


def inside_hydra_note(path: str) -> str | None:
    """Say which folder to collect when `path` is a Hydra job's `.hydra` folder, one of its files, or a
    sweep's `multirun.yaml`: their config is the job's params, not a run; None for any other path."""
    if "://" in path:  # object storage: not looked into to explain
        return None
    folder, name = os.path.split(os.path.abspath(path))
    above = os.path.normpath(os.path.join(path, os.pardir))  # in the words it was given
    if os.path.basename(folder) == HYDRA_DIR and name in _HYDRA_FILES:
        job = os.path.normpath(os.path.join(above, os.pardir))
        return (
            f"it is a file of the Hydra job {job}, not a run: collect that folder, {command('collect', job)}"
        )
    if name == HYDRA_DIR:
        return (
            f"it holds the config of the Hydra job {above}, not its logs: collect that folder, "
            f"{command('collect', above)}"
        )
    if name == SWEEP_FILE and _starts_with(path, b"hydra:"):
        return (
            f"it is Hydra's record of the sweep {above} (its config and the values swept), not a run: "
            f"collect that folder, {command('collect', above)}, where each job folder is a run"
        )
    return None


def _starts_with(path: str, text: bytes) -> bool:
    """Tell whether a file's first line starts with `text`."""
    try:
        return next(iter_file_chunks(path, len(text)), b"") == text
    except OSError:  # not there, or not a file (a FIFO is never opened)
        return False


def read_hydra_files(
    hydra: str, problems: list[Problem]
) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    """Return (params, provenance, job name) from a `.hydra` folder."""
    params: dict[str, Any] = {}
    provenance: dict[str, Any] = {}
    config_path = os.path.join(hydra, CONFIG_FILE)
    if fs.exists(config_path):
        config = read_yaml_file(config_path, problems, "no params")
        if isinstance(config, Mapping):
            try:
                params = flatten_params(resolve_interpolations(config))
            except InterpolationTooLarge as error:
                problems.append(Problem(config_path, str(error), "the params with ${...} as written"))
                params = flatten_params(config)
        elif config is not None:
            problems.append(Problem(config_path, "does not hold a mapping of config keys", "no params"))
    else:
        problems.append(Problem(config_path, "is missing", "no params"))
    overrides_path = os.path.join(hydra, OVERRIDES_FILE)
    if fs.exists(overrides_path):
        overrides = read_yaml_file(overrides_path, problems, "no overrides")
        if isinstance(overrides, list):
            provenance["overrides"] = [str(item) for item in overrides]
    experiment = None
    hydra_path = os.path.join(hydra, HYDRA_FILE)
    if fs.exists(hydra_path):
        document = read_yaml_file(hydra_path, problems, "no job information")
        node = document.get("hydra") if isinstance(document, Mapping) else None
        if isinstance(node, Mapping):
            experiment = _job_facts(node, provenance)
    return params, provenance, experiment


def _job_facts(node: Mapping[str, Any], provenance: dict[str, Any]) -> str | None:
    """Copy the useful runtime facts of hydra.yaml into provenance; return the job name."""
    job: Mapping[str, Any] = node["job"] if isinstance(node.get("job"), Mapping) else {}
    runtime: Mapping[str, Any] = node["runtime"] if isinstance(node.get("runtime"), Mapping) else {}
    facts = {
        "job_num": job.get("num"),
        "job_id": job.get("id"),
        "override_dirname": job.get("override_dirname") or None,
        "mode": node.get("mode"),
        "hydra_version": runtime.get("version"),
        "cwd": runtime.get("cwd"),
    }
    # "???" is OmegaConf's MISSING: job.num and job.id of a single (non-multirun) run
    provenance.update({key: value for key, value in facts.items() if value not in (None, "???")})
    choices = runtime.get("choices")
    if isinstance(choices, Mapping):
        picked = {str(k): v for k, v in choices.items() if not str(k).startswith("hydra/") and v is not None}
        if picked:
            provenance["choices"] = picked
    return str(job["name"]) if job.get("name") is not None else None


_VERSION = re.compile(r"version_\d+")  # a Lightning logger's folder of one training


def _paired_versions(inner: list[InnerRun]) -> dict[str, list[InnerRun]] | None:
    """Return the runs inside a job by Lightning version folder (`version_1`) when each version holds
    one run of every logger (`csv/version_1/`, `tensorboard/version_1/`): a job folder a training ran
    in twice holds two trainings, each written by every logger, not one run per copy. None when
    they do not pair so (a W&B run has no version folder)."""
    adapters = sorted({item.adapter for item in inner})
    if len(adapters) < 2:
        return None
    paired: dict[str, list[InnerRun]] = {}
    for item in inner:
        version = item.source.rsplit("/", 1)[-1]
        if item.run.key or not _VERSION.fullmatch(version):
            return None
        paired.setdefault(version, []).append(item)
    if any(sorted(item.adapter for item in items) != adapters for items in paired.values()):
        return None
    return paired


def _contested(params: Mapping[str, Any], inner: list[InnerRun]) -> list[str]:
    """Return the keys Hydra's config sets that the runs inside hold different values of: one job's
    config cannot be theirs."""
    contested = []
    for key in sorted(params):
        values = [item.run.params[key] for item in inner if key in item.run.params]
        if any(not values_equal(values[0], value) for value in values[1:]):
            contested.append(key)
    return contested


def _apart(value: Any, other: Any) -> str:
    """Say a value as it prints, with its kind where `other` prints alike (the number 0.1, the text
    '0.1'): two sides of a message that read the same would say no difference."""
    return typed_words(value) if format_value(value) == format_value(other) else format_value(value)


def _combine(
    base: RunRecord, inner: list[InnerRun], where: str, problems: list[Problem], hydra_wins: bool = True
) -> RunRecord:
    """Merge the inner runs of one job into the Hydra run: Hydra's params win, theirs fill in (or,
    when Hydra's config is not theirs, theirs win and Hydra's fill in)."""
    params = dict(base.params)
    metrics: dict[str, Series] = {}
    summary: dict[str, float] = {}
    provenance = dict(base.provenance)
    status, start, end = "unknown", None, None
    sources: list[str] = []
    kept: list[str] = []  # which logger's copy of a metric two of them log is the run's
    owner: dict[str, str] = {}  # metric -> the source whose copy is kept
    for item in inner:
        run = item.run
        sources.append(f"{item.adapter}:{item.source}")
        for key, value in run.params.items():
            if key not in params or not hydra_wins:
                params[key] = value
            elif has_interpolations(params[key]) and not has_interpolations(value):
                # `${hydra:runtime.cwd}`, a custom resolver: Hydra saved it as written, the run inside
                # logged what it resolved to on the run's machine
                params[key] = value
            elif not values_equal(params[key], value):
                problems.append(
                    Problem(
                        where,
                        f"param {key!r} is {_apart(params[key], value)} in Hydra's config but "
                        f"{_apart(value, params[key])} in {item.source} ({item.adapter})",
                        "Hydra's value",
                    )
                )
        repeated = sorted(key for key in run.metrics if key in metrics)
        if repeated:  # the same training, logged by two loggers at once (Lightning's csv + tensorboard)
            kept.append(f"{owner[repeated[0]]}, over {item.source}'s copy of {len(repeated)} metric(s)")
        for key, series in run.metrics.items():
            metrics.setdefault(key, series)
            owner.setdefault(key, sources[-1])
        for key, number in run.summary.items():
            summary.setdefault(key, number)
        for key, value in run.provenance.items():
            provenance.setdefault(key, value)
        if status == "unknown":
            status = run.status
        start = start if start is not None else run.start_time
        end = end if end is not None else run.end_time
    provenance["metrics_from"] = sources
    if kept:
        provenance["metrics_kept"] = "; ".join(kept)
    return replace(
        base,
        params=params,
        metrics=metrics,
        summary=summary,
        provenance=provenance,
        status=status,
        start_time=start,
        end_time=end,
        experiment=base.experiment or next((i.run.experiment for i in inner if i.run.experiment), None),
    )
