"""Find the sources under a collect root: adapters claim folders as the walk goes, or a path pattern
picks files and folders and its fields become params. Every file is found once however it is
reached (links included), and what the search met is kept to explain an empty result."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from resultsbook.adapters import Adapter, ClaimHint, available_adapters, claim_hints, get_adapter
from resultsbook.adapters.base import Folder
from resultsbook.errors import AdapterError, SpecError, closest
from resultsbook.models import Problem, Source
from resultsbook.params import clipped, format_value
from resultsbook.sources import fs
from resultsbook.sources.fields import is_results_file
from resultsbook.sources.listings import FolderListings
from resultsbook.sources.request import CollectRequest
from resultsbook.sources.walk import WalkNotes, walk_folders
from resultsbook.voice import command, option, said

if TYPE_CHECKING:
    from resultsbook.sources.pathpattern import PathPattern


_NAMES_KEPT = 1000  # file names kept to find the one a mistyped pattern meant
_SIBLINGS_LOOKED_AT = 20  # files of one kind whose first rows a hint reads to tell they hold many runs alike


@dataclass
class SearchLog:
    """What a search met: walk problems, and what was looked at, to explain an empty result."""

    walk: WalkNotes = field(default_factory=WalkNotes)
    looked_at: int = 0  # files and folders a pattern was tried on
    matched: int = 0  # of those, the ones the pattern matched
    example: str = ""  # the first path a pattern was tried on (relative to the root)
    unread: str = ""  # the first matched path no adapter would read
    missed: int = 0  # paths a pattern did not match that are named like those it matches
    missed_example: str = ""  # the first of them
    # files of the pattern's own file name (`progress.txt`) nearer the root than its depth: runs of
    # another layout (a `misc/` folder) that the pattern leaves out
    elsewhere: int = 0
    elsewhere_example: str = ""
    names: set[str] = field(default_factory=set)  # names of files a pattern's file name did not match
    # the adapters a walk loaded by their claim hints (None: adapters named, given options, or plug-ins)
    hinted: tuple[Adapter, ...] | None = None
    # log files in folders no adapter claimed, by name, and the path of the first of each: a walk that
    # found runs beside them read none of them, which the collect says
    unclaimed: dict[str, list[str]] = field(default_factory=dict)  # the first UNCLAIMED_KEPT paths of each
    unclaimed_count: int = 0
    # .json files named as results and numbered (`summary_unet_s0.json`) in such folders: the first path
    # of each name
    unclaimed_results: dict[str, str] = field(default_factory=dict)
    # a pattern's fields from the first file that gave each run of several files (an AllenNLP folder's
    # metrics_epoch_<N>.json), and the first field two files of one run gave two values: (source, field,
    # first value, other value)
    fields_of: dict[str, dict[str, Any]] = field(default_factory=dict)
    split: tuple[str, str, Any, Any] | None = None
    # per pattern field: the matched paths that gave it a number, and those that gave it a text (the first
    # of them and its value): `{seed}` of `seed_{seed}.json` is 0 … 4 and `sweep_summary`
    numbered: dict[str, int] = field(default_factory=dict)
    worded: dict[str, tuple[int, str, Any]] = field(default_factory=dict)


def find_sources(
    request: CollectRequest,
    start: str | None = None,
    log: SearchLog | None = None,
    listings: FolderListings | None = None,
) -> Iterable[tuple[Source, Adapter]]:
    """Yield the sources under a request's root (or under `start` within it) and their adapters;
    `listings` spares listing the folders unchanged since they were listed."""
    log = log if log is not None else SearchLog()
    forced = request.adapter is not None
    root = request.path
    if not fs.isfile(root) and not request.pattern:  # a walk: adapters load as folders need them
        yield from _walk_claims(start or root, Claimers(request), log, listings)
        return
    adapters = make_adapters(request)
    if request.pattern:
        from resultsbook.sources.pathpattern import compile_pattern  # path patterns only

        patterned = compile_pattern(request.pattern)
        yield from _pattern_walk(request, patterned, adapters, forced, start, log, listings)
        return
    if not forced:
        from resultsbook.adapters.hydra import inside_hydra_note  # to explain
        from resultsbook.adapters.mlflow_runs import inside_store_note  # to explain

        # onefile would read Hydra's config, or an MLflow experiment's meta.yaml, as a run of params alone
        note = inside_hydra_note(root) or inside_store_note(root)
        if note is not None:
            raise SpecError(f"{root}: {note}")
    found = source_for_file(adapters, _with_its_folder(root), forced, FolderClaims())
    # a reader of any `.log` takes the file only when it is none of the kinds a note explains
    note = None if found is None or forced or not found[1].last_resort else _file_note(root)
    if found is not None and note is None:
        yield _with_params(found[0], request.params), found[1]
        return
    from resultsbook.sources.remote import web_address_hint

    note = note or _file_note(root)
    if note is not None:
        raise SpecError(f"no adapter reads {root}; {note}")
    hint = web_address_hint(root)
    raise SpecError(
        f"no adapter reads {root}; {hint + '; for a file, ' if hint else ''}"
        f"name one with {option('adapter')} (see `resultsbook adapters`)"
    )


def _file_note(path: str) -> str | None:
    """Say how a file given alone that no adapter reads (or only a reader of any `.log`) is read: W&B's
    debug log, a Ray Tune result.json, a fairseq-train log, an Optuna storage, dvc.lock, a compressed
    log; None for any other file."""
    from resultsbook.adapters.optuna_studies import optuna_note  # to explain
    from resultsbook.adapters.wandbrun import debug_log_note  # to explain
    from resultsbook.sources.dvc_exp import lock_note  # to explain
    from resultsbook.sources.raytune import result_json_note  # to explain

    return (
        debug_log_note(path)
        or result_json_note(path)
        or _fairseq_log_note(path)
        or optuna_note(path)
        or lock_note(path)
        or _compressed_note(path)
    )


def _fairseq_log_note(path: str) -> str | None:
    """Say how a fairseq-train log given alone is read (no adapter claims a `.log` unasked); None when
    the file is not one."""
    from resultsbook.adapters.fairseq import starts_as_fairseq_log  # to explain

    if fs.is_remote(path) or not starts_as_fairseq_log(path):
        return None
    return f"it is a fairseq-train log: read it with {option('adapter', 'fairseq')}, a run per training in it"


def _compressed_note(path: str) -> str | None:
    """Say how a compressed log given alone is read (DreamerV3's `scores/*.json.gz`): decompressed; None
    for any other file."""
    from resultsbook.sources.hints import compressed_log  # to explain

    found = compressed_log(path)
    if found is None:
        return None
    plain, command = found
    return f"it is compressed: decompress it ({command} {path}) and collect {plain}"


def _with_its_folder(path: str) -> str:
    """Return a local file's path with a folder adapters can name a run after: `metrics.jsonl` given
    from inside its run folder (or ./, ../) is taken by its absolute path."""
    if fs.is_remote(path) or os.path.basename(os.path.dirname(path)) not in ("", ".", ".."):
        return path
    return os.path.abspath(path)


def _pattern_walk(
    request: CollectRequest,
    pattern: PathPattern,
    adapters: list[Adapter],
    forced: bool,
    start: str | None,
    log: SearchLog,
    listings: FolderListings | None = None,
) -> Iterable[tuple[Source, Adapter]]:
    """Yield the sources of the files and folders under the root whose path the pattern matches."""
    root = request.path
    begin = start or root
    depth = pattern.depth
    if depth is not None:  # a fixed-depth pattern never looks below its last folder
        depth = max(depth - 1 - _relative(begin, root).count("/"), 0)
    claims = FolderClaims()
    claimers = Claimers(request, adapters)
    jobs: dict[str, Folder] = {}  # Hydra job folders (a `.hydra/` inside) met, by path
    holding: set[str] = set()  # the folders above a source the pattern matched
    sweeps: set[str] = set()  # the folders holding a Hydra sweep's multirun.yaml
    for folder in walk_folders(begin, lambda folder: True, log.walk, depth, listings):
        prefix = _relative(folder.path, root)
        if ".hydra" in folder.dirs:
            jobs[folder.path] = folder
        if "multirun.yaml" in folder.files:  # a sweep's folder, where Hydra writes what it launched
            sweeps.add(folder.path)
        with fs.WalkedFolder(folder.path, folder.files):  # the side files of a file found here: no listing
            matched = [
                found
                for name in sorted(folder.files)
                for found in _match_file(
                    folder.file(name), f"{prefix}{name}", pattern, adapters, request, forced, log, claims
                )
            ]
        for found in matched:
            _hold(found[0].path, holding)
            yield found
        for name in folder.dirs:
            for found in _match_folder(
                os.path.join(folder.path, name), f"{prefix}{name}", pattern, claimers, log
            ):
                _hold(found[0].path, holding)
                yield found
    if jobs and holding:
        yield from _jobs_without_a_match(request, jobs, holding, sweeps, adapters)


def _sweep_of(job: str, sweeps: set[str]) -> str:
    """Return the sweep folder of a Hydra job: the nearest folder above it holding multirun.yaml,
    else the folder it is in."""
    path = os.path.dirname(job)
    while path not in sweeps:
        path, below = os.path.dirname(path), path
        if path == below:
            return os.path.dirname(job)
    return path


def _hold(path: str, holding: set[str]) -> None:
    """Add a matched source's path and the folders above it to `holding`."""
    while path not in holding:
        holding.add(path)
        path, above = os.path.dirname(path), path
        if path == above:
            return


def _jobs_without_a_match(
    request: CollectRequest,
    jobs: Mapping[str, Folder],
    holding: set[str],
    sweeps: set[str],
    adapters: Sequence[Adapter],
) -> Iterable[tuple[Source, Adapter]]:
    """Yield, as a Hydra job of params alone, each job folder of a sweep that holds no file the pattern
    matched while other jobs of the sweep do: a job that crashed before it wrote its metrics ran, and
    its seed is no seed never launched. A job's sweep is the folder above it that holds multirun.yaml
    (jobs may sit folders deep, named by hydra.job.override_dirname), else the folder it is in."""
    hydra = next((adapter for adapter in adapters if adapter.name == "hydra"), None)
    if hydra is None:  # --adapter names another: only its files are read
        return
    from resultsbook.adapters.hydra import job_missed_by_pattern  # Hydra sweeps only

    by_sweep: dict[str, list[str]] = {}
    for path in jobs:
        by_sweep.setdefault(_sweep_of(path, sweeps), []).append(path)
    for paths in by_sweep.values():
        missed = sorted(path for path in paths if path not in holding)
        if not missed or len(missed) == len(paths):
            continue
        reader = job_missed_by_pattern(hydra, request.pattern or "", len(paths) - len(missed))
        for path in missed:
            claim = reader.claim(jobs[path])
            for source in claim.sources if claim is not None else ():
                yield _with_params(source, request.params), reader


def _walk_claims(
    start: str, claimers: Claimers, log: SearchLog, listings: FolderListings | None = None
) -> Iterable[tuple[Source, Adapter]]:
    """Yield the sources the adapters claim walking down from `start`; each claim says whether to go on."""
    claimed: list[tuple[Source, Adapter]] = []

    def descend(folder: Folder) -> bool:
        found = claimers.claim(folder)
        if found is None:
            if _is_projector_folder(folder):
                return True
            for name in folder.files:
                lowered = name.lower()
                if lowered.endswith(_UNCLAIMED_LOGS):
                    log.unclaimed_count += 1
                    kept = log.unclaimed.setdefault(name, [])
                    if len(kept) < UNCLAIMED_KEPT:
                        kept.append(folder.file(name))
                elif lowered.endswith(".json") and any(map(str.isdigit, name)) and is_results_file(name):
                    log.unclaimed_results.setdefault(name, folder.file(name))
            return True
        sources, deeper = found
        claimed.extend(sources)
        return deeper

    for _ in walk_folders(start, descend, log.walk, listings=listings):
        yield from claimed
        claimed.clear()
    log.hinted = tuple(claimers.active) if claimers.hinted else None


# logs of metrics a walk notes when no adapter claims their folder (not any .json or .yaml: configs
# too; a .json named as results, `summary_unet_s0.json`, is noted)
_UNCLAIMED_LOGS = (".csv", ".tsv", ".jsonl", ".ndjson")
UNCLAIMED_KEPT = 1000  # paths kept of each name, enough to make a pattern of (memory stays bounded)


def _is_projector_folder(folder: Folder) -> bool:
    """Tell whether a folder holds what TensorBoard's `add_embedding` writes (`<step>/<tag>/tensors.tsv`,
    `metadata.tsv`): the points of an embedding, no log of metrics."""
    return "tensors.tsv" in folder.files and os.path.basename(os.path.dirname(folder.path)).isdigit()


def unclaimed_logs_note(request: CollectRequest, log: SearchLog) -> str | None:
    """Say which log files a walk that found runs left unread (no adapter claims them by name: plain
    CSVs beside Lightning folders), and the pattern that reads them; None unless two or more share a
    name (a summary.csv beside the runs is no sweep)."""
    from resultsbook.sources.hints import numbered_family, pattern_for, settings_beside  # only to explain

    name = max(log.unclaimed, key=lambda key: (len(log.unclaimed[key]), key), default=None)
    if name is None or len(log.unclaimed[name]) < 2:
        # results files each named after their run (`summary_unet_s0.json` … `summary_fpn_s2.json`)
        found = numbered_family(log.unclaimed_results)
        if found is None:
            return None
        glob, size, first = found
        example = os.path.relpath(log.unclaimed_results[first], request.path).replace(os.sep, "/")
        return (
            f"{size} results file(s) under {request.path} were not read (named {glob}; e.g. {example}): no "
            f"adapter claims them by name; collect them too with "
            f"{option('pattern', f'**/{glob}')} {option('adapter', 'onefile')}"
        )

    count = log.unclaimed_count
    paths = [os.path.relpath(path, request.path).replace(os.sep, "/") for path in log.unclaimed[name]]
    other = f", {len(log.unclaimed) - 1} other name(s)" if len(log.unclaimed) > 1 else ""
    folders = f" (or {option('pattern', pattern_for(paths[0], name, paths))} to make the folders params)"
    settings = settings_beside(request.path, paths[0]) if name.lower().endswith((".csv", ".tsv")) else None
    # Ray Tune's params.json beside each trial's progress.csv: the settings a pattern alone leaves out
    beside = (
        f"; {settings_option(request.path, paths[0], settings)} adds the settings beside them"
        if settings
        else ""
    )
    return (
        f"{count} log file(s) under {request.path} were not read (named {name}{other}; e.g. {paths[0]}): no "
        f"adapter claims them by name; collect them too with {option('pattern', f'**/{name}')}"
        f"{folders if '/' in paths[0] else ''}{beside}"
    )


# what one folder's claim found: its sources and whether the walk goes deeper (None: unclaimed)
_Claimed = tuple[list[tuple[Source, Adapter]], bool] | None


class Claimers:
    """The adapters that may claim the folders of a walk, in claiming order. Unless adapters are
    named or given options, a built-in adapter is loaded only when a folder first holds what it
    claims (its `ClaimHint`): a tree of one format loads one adapter's module."""

    def __init__(self, request: CollectRequest, adapters: Sequence[Adapter] | None = None) -> None:
        self.request = request
        self.forced = request.adapter is not None
        hints = None if adapters is not None or self.forced or request.options else claim_hints()
        self.hinted = hints is not None
        self.waiting: list[ClaimHint] = list(hints or ())
        if hints is None:
            loaded = adapters if adapters is not None else make_adapters(request)
            self.active = [a for a in loaded if self.forced or a.claims_by_itself]
        else:
            self.active = []
        self._hinted()

    def claim(self, folder: Folder) -> _Claimed:
        """Return the sources the first claiming adapter finds in a folder, and whether to go deeper."""
        if self.waiting and self._may_wake(folder):
            self._wake(folder)
        for adapter in self.active:
            claim = adapter.claim(folder, self.forced)
            if claim is not None:
                params = self.request.params
                if not params:
                    return [(source, adapter) for source in claim.sources], claim.descend
                return [(_with_params(s, params), adapter) for s in claim.sources], claim.descend
        return None

    def _may_wake(self, folder: Folder) -> bool:
        """Tell (fast) whether a folder holds what any adapter not loaded yet claims."""
        if self._endings and folder.path.endswith(self._endings):
            return True
        key = (folder.files, folder.dirs)  # run folders repeat a few sets of names: match each once
        known = self._matched.get(key)
        if known is None:
            match = self._names.fullmatch
            known = any(match(name) for name in folder.files) or any(match(name) for name in folder.dirs)
            if len(self._matched) < 4096:
                self._matched[key] = known
        return known

    def _wake(self, folder: Folder) -> None:
        """Load the adapters that may claim this folder; once loaded, an adapter is asked about every
        folder (its claim may depend on what it claimed before)."""
        woken = [hint for hint in self.waiting if hint.may_claim(folder)]
        for hint in woken:
            self.waiting.remove(hint)
            self.active.append(hint.load())
        self.active.sort(key=lambda adapter: (adapter.priority, adapter.name))
        self._hinted()

    def _hinted(self) -> None:
        self._names = re.compile("|".join(f"(?:{hint.names.pattern})" for hint in self.waiting) or "(?!)")
        self._endings = tuple(ending for hint in self.waiting for ending in hint.path_endings)
        self._matched: dict[tuple[frozenset[str], tuple[str, ...]], bool] = {}


def find_sources_near(
    request: CollectRequest, paths: Sequence[str], log: SearchLog | None = None
) -> Iterable[tuple[Source, Adapter]]:
    """Yield the sources that changed files belong to (what `watch` needs): a changed file's run is
    found by claiming the folders from the root down to it, a new folder is walked."""
    log = log if log is not None else SearchLog()
    adapters = make_adapters(request)
    forced = request.adapter is not None
    pattern = None
    if request.pattern:
        from resultsbook.sources.pathpattern import compile_pattern

        pattern = compile_pattern(request.pattern)
    root = os.path.abspath(request.path)
    claims: dict[str, _Claimed] = {}  # changed paths share parent folders: claim each folder once
    file_claims = FolderClaims()
    claimers = Claimers(request, adapters)
    for path in (os.path.abspath(p) for p in paths):
        if pattern is None:
            yield from _sources_around(path, root, claimers, claims, log)
            continue
        if os.path.isdir(path):
            yield from find_sources(request, start=path, log=log)
        for candidate in _self_and_parents(path, root):
            relative = _relative(candidate, root).rstrip("/")
            if os.path.isfile(candidate):
                found = list(
                    _match_file(candidate, relative, pattern, adapters, request, forced, log, file_claims)
                )
            else:
                found = list(_match_folder(candidate, relative, pattern, claimers, log))
            if found:
                yield from found
                break


def _sources_around(
    path: str, root: str, claimers: Claimers, claims: dict[str, _Claimed], log: SearchLog
) -> Iterable[tuple[Source, Adapter]]:
    """Yield the sources a changed path belongs to, claiming its folders from the root down as the
    full walk does: an outer claim wins (a Hydra job over the Lightning or native run inside it, a
    TensorBoard run over its hparams sub-folder); a folder not inside a run is walked for runs."""
    folders = [c for c in reversed(_self_and_parents(path, root)) if os.path.isdir(c)]
    for folder in folders:
        if folder not in claims:
            listed = list_folder(folder)
            claims[folder] = None if listed is None else claimers.claim(listed)
        found = claims[folder]
        if found is None:
            continue
        sources, deeper = found
        if not deeper:  # the walk stops here: the path is part of what this claim reads
            yield from sources
            return
        yield from ((s, a) for s, a in sources if path_under(path, s.path) or path in s.files)
    if os.path.isdir(path):
        yield from _walk_claims(path, claimers, log)


class FolderClaims:
    """Each folder listed once and claimed once per adapter, for files named one by one."""

    def __init__(self) -> None:
        self.listings: dict[str, Folder | None] = {}
        self.claims: dict[tuple[str, str], tuple[Source, ...]] = {}

    def sources(self, adapter: Adapter, folder: str, forced: bool) -> tuple[Source, ...]:
        """Return the sources `adapter` claims in `folder`."""
        key = (adapter.name, folder)
        if key not in self.claims:
            if folder not in self.listings:
                self.listings[folder] = list_folder(folder)
            listed = self.listings[folder]
            claim = None if listed is None else adapter.claim(listed, forced)
            self.claims[key] = () if claim is None else claim.sources
        return self.claims[key]


def source_for_file(
    adapters: Sequence[Adapter], path: str, forced: bool, claims: FolderClaims
) -> tuple[Source, Adapter] | None:
    """Return the source (and its adapter) for a file a pattern or the user named, or None.

    Each adapter is asked for the file first; when none takes it, the adapters that only know how
    to claim folders (many plug-ins) get it through a claim of the file's folder: the claimed source
    that holds the file is the file's source; last, the readers of any file of a suffix (`.log`)."""
    found = _named_file_source([a for a in adapters if not a.last_resort], path, forced)
    if found is not None:
        return found
    for adapter in adapters:
        if not (forced or adapter.claims_by_itself):
            continue
        for candidate in claims.sources(adapter, os.path.dirname(path), forced):
            if candidate.path == path or path in candidate.files:
                return candidate, adapter
    return _named_file_source([a for a in adapters if a.last_resort], path, forced)


def _named_file_source(adapters: Sequence[Adapter], path: str, forced: bool) -> tuple[Source, Adapter] | None:
    """Return the source (and its adapter) of the first adapter that reads a named file, or None."""
    for adapter in adapters:
        try:
            source = adapter.source_for_file(path, forced)
        except OSError:  # its folder went away or cannot be listed since the walk: no source of it
            continue
        if source is not None:
            return source, adapter
    return None


def _match_file(
    path: str,
    relative: str,
    pattern: PathPattern,
    adapters: list[Adapter],
    request: CollectRequest,
    forced: bool,
    log: SearchLog,
    claims: FolderClaims,
) -> Iterable[tuple[Source, Adapter]]:
    """Yield the source of a file whose relative path matches the pattern, its fields as params."""
    fields = _tried(pattern, relative, log)
    if fields is None:
        return
    found = source_for_file(adapters, path, forced, claims)
    if found is None:
        log.unread = log.unread or relative
        return
    if found[0].path != path and log.split is None:  # a file of a run of several: one value each field
        first = log.fields_of.setdefault(found[0].path, fields)
        split = next((key for key in fields if key in first and first[key] != fields[key]), None)
        if split is not None:
            log.split = (found[0].path, split, first[split], fields[split])
    yield _with_params(found[0], {**request.params, **fields}), found[1]


def _match_folder(
    path: str, relative: str, pattern: PathPattern, claimers: Claimers, log: SearchLog
) -> Iterable[tuple[Source, Adapter]]:
    """Yield the sources of a folder whose relative path matches the pattern, its fields as params."""
    fields = _tried(pattern, relative, log)
    if fields is None:
        return
    listed = list_folder(path)
    found = None if listed is None else claimers.claim(listed)
    if found is None or not found[0]:
        log.unread = log.unread or relative
        return
    for source, adapter in found[0]:
        yield _with_params(source, {**claimers.request.params, **fields}), adapter


def _tried(pattern: PathPattern, relative: str, log: SearchLog) -> dict[str, Any] | None:
    """Match a relative path, counting what was looked at and matched."""
    log.looked_at += 1
    log.example = log.example or relative
    fields = pattern.match(relative)
    if fields is not None:
        log.matched += 1
        for key, value in fields.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                log.numbered[key] = log.numbered.get(key, 0) + 1
            elif isinstance(value, str):
                count, first, said = log.worded.get(key, (0, relative, value))
                log.worded[key] = (count + 1, first, said)
    elif pattern.near_miss(relative):
        log.missed += 1
        log.missed_example = log.missed_example or relative
    elif pattern.file_name is not None and relative.rpartition("/")[2] == pattern.file_name:
        log.elsewhere += 1
        log.elsewhere_example = log.elsewhere_example or relative
    elif len(log.names) < _NAMES_KEPT:
        log.names.add(relative.rsplit("/", 1)[-1])
    return fields


def list_folder(path: str) -> Folder | None:
    """List one folder the way the walk does; None when it cannot be listed."""
    files: list[str] = []
    dirs: list[str] = []
    try:
        with fs.scandir(path) as entries:
            for entry in entries:
                try:
                    (dirs if entry.is_dir() else files).append(entry.name)
                except OSError:
                    continue
    except OSError:
        return None
    return Folder(path, frozenset(files), tuple(sorted(dirs)))


_STEPPED_RESULTS = re.compile(r".+_step\d+\.json")  # a results file named by its checkpoint's step


def pattern_misses(request: CollectRequest, log: SearchLog) -> Problem | None:
    """Report the paths named like a pattern's files that it did not match: runs left out, maybe by
    a pattern too narrow (one folder spelled another way)."""
    if not log.missed or not log.matched:
        return None
    return Problem(
        request.path,
        f"{log.missed} path(s) named like those {option('pattern', request.pattern)} matches do not match it "
        f"(the first: {log.missed_example!r}); their runs were not collected: widen the pattern",
        f"the {log.matched} path(s) it matches",
    )


def _elsewhere(paths: Sequence[str], example: str) -> str:
    """Say how many of the files a hint's pattern is built from lie at another depth than `example`,
    which that pattern does not reach (`pythia-160m-0.5MtokBS/*.json` beside `<model>/zero-shot/*.json`)."""
    depth = example.replace(os.sep, "/").count("/")
    other = [path for path in paths if path.count("/") != depth]
    if not other:
        return ""
    return (
        f"; {len(other)} of the {len(paths)} files seen {'lies' if len(other) == 1 else 'lie'} at another "
        f"depth (e.g. {other[0]}), which it "
        "does not reach: read them with a pattern of their own depth"
    )


def pattern_elsewhere(request: CollectRequest, log: SearchLog) -> Problem | None:
    """Report the files of the pattern's file name that lie nearer the root than the pattern reaches
    (siddinkar/RainbowPolicyGradientPaper's `misc/integrated_algo_s0/progress.txt` beside
    `{algo}/{env}/{run}/progress.txt`): their runs were not collected, and nothing said so."""
    if not log.elsewhere or not log.matched:
        return None
    return Problem(
        request.path,
        f"{log.elsewhere} file(s) named {log.elsewhere_example.rpartition('/')[2]} lie at another depth than "
        f"{option('pattern', request.pattern)} matches (the first: {log.elsewhere_example!r}); their runs "
        f"were not collected: collect them with a pattern of their own depth, or with '**/' in this one",
        f"the {log.matched} path(s) it matches",
    )


def pattern_split(request: CollectRequest, log: SearchLog) -> Problem | None:
    """Report a pattern field that takes several values in the files of one run (`{epoch}` of
    AllenNLP's metrics_epoch_{epoch}.json): the run has one value of each param, its first file's."""
    if log.split is None:
        return None
    source, key, first, other = log.split
    message = (
        f"the field {{{key}}} of {option('pattern', request.pattern)} is {format_value(first)} in one of "
        f"this run's files and {format_value(other)} in another, and a run has one value of a param: "
        f"put '*' in its place"
    )
    return Problem(source, message, f"{key} = the first file's value")


def pattern_words_among_numbers(request: CollectRequest, log: SearchLog) -> Problem | None:
    """Report a pattern field that is a number in most paths it matched and a text in fewer (`{seed}` of
    `seed_{seed}.json` over HAGD's seed_0.json … seed_4.json and seed_sweep_summary.json): the path of
    the text is most likely no run of the others' kind, and `{seed:[0-9]+}` leaves it out."""
    pattern = str(request.pattern)
    for key, (count, first, value) in log.worded.items():
        numbers = log.numbered.get(key, 0)
        if count < numbers and f"{{{key}}}" in pattern:  # not a field of a regex of its own
            fix = option("pattern", pattern.replace(f"{{{key}}}", f"{{{key}:[0-9]+}}"))
            path = os.path.join(request.path, first)
            message = (
                f"the field {{{key}}} of {option('pattern', request.pattern)} is a number in {numbers} "
                f"path(s) but a text in {count} ({first}: {format_value(value)!r}), which are likely no "
                f"runs of the others' kind; {fix} matches numbers alone, and `{command('forget', path)}` "
                "drops a run read so"
            )
            return Problem(path, message, f"its run, with {key} = that text")
    return None


def explain_nothing_found(request: CollectRequest, log: SearchLog) -> str:
    """Say why a request found no source, naming what was tried and what to change."""
    head = f"no runs found under {request.path}"
    root, unpatterned = request.path, f"no {option('pattern')}"
    if request.spec_entry:  # a [[sources]] entry: named as the spec writes it, its keys as keys
        head, root, unpatterned = f"{request.spec_entry} found no runs", "the entry's path", "no pattern"
    if request.pattern:
        if not log.looked_at:
            against = option("pattern", request.pattern)
            if fs.isfile(request.path):
                return (
                    f"{head}: it is a file, and {against} matches the paths under a folder; collect the "
                    f"file without {option('pattern')}, or give its folder"
                )
            return f"{head}; it holds no files or folders to match {against} against"
        if not log.matched:
            return (
                f"{head}; no path there matches {option('pattern', request.pattern)} ({log.looked_at} tried, "
                f"e.g. {log.missed_example or log.example!r}); a pattern is matched against paths "
                f"relative to {root}{_meant_pattern(request.pattern, log) or _deeper(request)}"
            )
        see = " (see `resultsbook adapters`)"
        if request.adapter:
            unread = f"the {request.adapter} adapter reads none of them"
            fix = f"point {option('pattern')} at the files it reads, or name another adapter{see}"
        elif _data_file(log.unread):  # pickles, tensors: no adapter to name
            unread, fix = "no installed adapter reads their format", _WRITE_THEM_OUT
        elif _keras_log(request.path, log.unread):
            unread, fix = "no adapter claims them by name", _read_keras()
        else:
            unread, fix = "no installed adapter reads them", f"name the format with {option('adapter')}{see}"
        return (
            f"{head}; {log.matched} path(s) match {option('pattern', request.pattern)} but {unread} "
            f"(e.g. {log.unread!r}); {fix}"
        )
    from resultsbook.adapters.clearml_offline import hidden_cache_note  # to explain
    from resultsbook.adapters.dvclive import inside_live_note  # to explain
    from resultsbook.adapters.hydra import inside_hydra_note  # to explain
    from resultsbook.adapters.lightning_csv import inside_version_note  # to explain
    from resultsbook.adapters.mlflow_runs import (  # to explain
        artifacts_only_note,
        empty_experiments_note,
        inside_store_note,
    )
    from resultsbook.adapters.neptune_offline import synced_away_note  # to explain
    from resultsbook.adapters.wandbrun import inside_run_note  # to explain

    note = (
        artifacts_only_note(request.path)
        or empty_experiments_note(request.path)
        or inside_store_note(request.path)
        or inside_live_note(request.path)
        or inside_hydra_note(request.path)
        or inside_run_note(request.path)
        or inside_version_note(request.path)
        or hidden_cache_note(request.path)
        or synced_away_note(request.path)
    )
    if note is not None:
        return f"{head}; {note}"
    from resultsbook.sources.dvc_exp import project_note  # to explain

    note = None if request.adapter else project_note(request.path)
    if note is not None:  # its requirements.txt or data files are no logs to read with a pattern
        return f"{head}; {note}"
    if request.adapter:
        return (
            f"{head}; the {request.adapter} adapter found nothing it reads there; "
            f"point {option('pattern')} at the files it should read"
        )
    logs = _log_files_hint(request.path)
    if logs:
        return f"{head} (every installed adapter, {unpatterned}); {logs}"
    return (
        f"{head} (every installed adapter, {unpatterned}); name the format with {option('adapter')} "
        f"(see `resultsbook adapters`), or point {option('pattern')} at the log files"
    )


def _data_file(path: str) -> bool:
    """Tell whether a path names an array or a pickle (`.pkl`, `.pt`), a format no adapter reads."""
    from resultsbook.sources.hints import DATA_SUFFIXES  # only to explain

    return path.lower().endswith(DATA_SUFFIXES)


def _meant_pattern(text: str, log: SearchLog) -> str:
    """Say which pattern a mistyped file name in it meant (`logs.csv` where the files are log.csv)."""
    from resultsbook.sources.pathpattern import compile_pattern  # to explain

    name = compile_pattern(text).file_name
    if not name:
        return _meant_suffix(text, log)
    guess = closest(name, log.names)
    if not guess or guess == name:
        return ""
    meant = text.rstrip("/")[: -len(name)] + guess
    return f" (did you mean {option('pattern', meant)}?)"


def _meant_suffix(text: str, log: SearchLog) -> str:
    """Say which suffix a pattern of file names meant (`**/*.cvs` where the files are .csv)."""
    written = re.search(r"\.\w+$", text.rstrip("/"))
    suffixes = {os.path.splitext(name)[1] for name in log.names} - {""}
    if written is None or written.group(0) in suffixes:
        return ""
    guess = closest(written.group(0), suffixes)
    if guess is None:
        return ""
    meant = text.rstrip("/")[: written.start()] + guess
    return f" (did you mean {option('pattern', meant)}?)"


_DEEPER_LOOKS = 20_000  # folder entries a look for the pattern's file further down reads, at most


def _deeper(request: CollectRequest) -> str:
    """Say that the pattern's file lies at another depth than the pattern reaches
    (`{algo}/{run}/progress.txt` where the files are data/sac/sac-Hopper/sac-Hopper_s0/progress.txt),
    with the pattern of that depth; empty when no such file is found close by."""
    from resultsbook.sources.pathpattern import compile_pattern  # to explain

    pattern = str(request.pattern).strip("/")
    name = compile_pattern(pattern).file_name
    last = pattern.rpartition("/")[2]
    root = request.path
    # a file part of fields (`{task}.csv`) is looked for by its own match, when it ends in a literal suffix
    named = compile_pattern(last) if not name and re.search(r"\.\w+$", last) else None
    if not (name or named) or "://" in root or not os.path.isdir(root):
        return ""
    wanted = pattern.count("/") + 1
    depths: dict[int, list[list[str]]] = {}  # the folders above each file found, by the file's depth
    first: dict[int, str] = {}  # the name of the first file found at each depth
    looked = 0
    for folder, folders, files in os.walk(root):
        relative = os.path.relpath(folder, root)
        level = 0 if relative == "." else relative.count(os.sep) + 1
        hit = name if name in files else None
        if named is not None:
            hit = next((file for file in sorted(files) if named.match(file) is not None), None)
        if hit is not None and level + 1 != wanted:
            depths.setdefault(level + 1, []).append([] if relative == "." else relative.split(os.sep))
            first.setdefault(level + 1, hit)
        looked += len(folders) + len(files)
        folders.sort()  # the example named is the first in name order, whatever the disk's order
        if level + 1 >= wanted + 2 or looked > _DEEPER_LOOKS:
            folders.clear()
    if len(depths) != 1:
        return ""
    [(depth, found)] = depths.items()
    shown = first[depth] if named is not None or name is None else name
    example = "/".join([*found[0], shown])
    parts = pattern.split("/")
    levels = abs(depth - wanted)
    fixed = _with_levels(parts, found, levels) if depth > wanted else "/".join(parts[wanted - depth :])
    where = f"{levels} level{'s' if levels > 1 else ''} {'deeper' if depth > wanted else 'higher'}"
    meant = f"; e.g. {option('pattern', fixed)}" if fixed else ""
    return f" ({shown} lies {where} than the pattern reaches: {example}{meant})"


def _with_levels(parts: list[str], found: list[list[str]], extra: int) -> str | None:
    """Return the pattern `parts` with `extra` more folder levels where the files found (`found`: the
    folders above each) have them: a folder of one same name in every path (`runs/`, `logs/`) as that
    name, in its place; else `*` before the run's folder."""
    if len(found) > 1:
        same = [level for level in range(len(found[0])) if len({path[level] for path in found}) == 1]
        if len(same) == extra:
            folders = parts[:-1]
            for level in same:
                folders.insert(level, found[0][level])
            return "/".join([*folders, parts[-1]])
    if len(found) == 1 and extra <= len(found[0]):  # one folder holds them (`results/`): named as it is
        return "/".join([*found[0][:extra], *parts])
    if len(parts) < 2:
        return None
    return "/".join([*parts[:-2], *["*"] * extra, *parts[-2:]])


def _read_keras() -> str:
    """Say how CSVLogger files of names of their own are read (keras_csv claims only the usual ones)."""
    return (
        f"they are Keras CSVLogger logs (a header starting with 'epoch'): {option('adapter', 'keras_csv')} "
        "reads them under any name, one run per file"
    )


def _keras_log(root: str, relative: str) -> bool:
    """Tell whether a path (relative to a local root) is a Keras CSVLogger file."""
    from resultsbook.adapters.keras_csv import starts_as_csvlogger  # only to explain

    return "://" not in root and starts_as_csvlogger(os.path.join(root, relative))


_WRITE_THEM_OUT = (
    "write them out as CSV (one row per step) or JSON and collect those, or read them with an adapter "
    "of your own (see writing-an-adapter in the documentation)"
)  # what to do with pickles and tensors, which no installed adapter reads


def _log_files_hint(root: str) -> str:
    """Say which log files a folder holds that no adapter claimed, and the pattern to read them."""
    from resultsbook.sources.hints import (  # only to explain
        aim_repository,
        comet_archives,
        comet_scratch,
        common_log_file,
        compressed_log,
        compressed_logs,
        fairseq_logs,
        guild_home,
        keras_logs,
        lighteval_results,
        lm_eval_results,
        log_file_paths,
        many_runs_columns,
        name_parts_pattern,
        numbered_only,
        opencompass_pattern,
        opencompass_summary,
        optuna_storages,
        pattern_for,
        rsl_rl_settings,
        settings_beside,
        sklearn_cv_results,
        text_logs,
        unread_data_file,
        wandb_chart_export,
    )

    if "://" in root or not os.path.isdir(root):
        return ""
    aim = aim_repository(root)
    if aim is not None:
        where = os.path.join(root, aim) if aim else root
        return (
            f"it {'holds' if aim else 'is'} an Aim repository ({where}), which resultsbook does not read "
            "(Aim keeps runs in RocksDB and SQLite files of its own): export its runs with Aim's Python "
            "SDK (aim.Repo(...).query_metrics(...): each metric's steps and values, each run's params) to "
            "CSV or resultsbook's native format, a folder per run, and collect those"
        )
    guild = guild_home(root)
    if guild is not None:
        home = os.path.join(root, guild)
        return (
            f"its Guild AI runs are in {guild.replace(os.sep, '/')}/runs/, in a hidden folder collect does "
            f"not walk into: {command('collect', home)} (the Guild home) reads them, a run per run folder"
        )
    optuna = optuna_storages(root)
    if optuna is not None:
        count, example, kind = optuna
        return (
            f"it holds {count} {kind} file(s), and {example} is an Optuna study storage under a name the "
            f"optuna adapter does not claim unasked: read it with {option('adapter', 'optuna')}, a run "
            "per trial"
        )
    comet = comet_archives(root)
    if comet is not None:
        count, example = comet
        return (
            f"it holds {count} .zip file(s), and {example} is a Comet offline archive under a name that is "
            f"no experiment key (renamed?): read them with {option('adapter', 'comet')}, a run per archive"
        )
    scratch = comet_scratch(root)  # before the pattern that would read the messages as one-file results
    if scratch is not None:
        count, example = scratch
        return (
            f"it holds {count} messages.json file(s), and {example} is what a Comet run that never reached "
            "end() (killed, or still running) logged, left in its scratch folder: read it with "
            f"{option('adapter', 'comet')}"
        )
    fairseq = fairseq_logs(root)  # before the dict.en.txt and preprocess.log of fairseq's data-bin
    if fairseq is not None:
        count, example = fairseq
        return (
            f"it holds {count} .log file(s) that no adapter claims by name, and {example} is a "
            f"fairseq-train log: read them with {option('adapter', 'fairseq')}, a run per training, its "
            "curves stepped by num_updates"
        )
    text = text_logs(root) if keras_logs(root) is None else None
    if text is not None:
        suffix, count, example, line = text
        shown = clipped(line, 60)
        return (
            f"it holds {count} {suffix} file(s) that no adapter claims by name, and {example} is a text log "
            f"printing numbers under keys ({shown!r}): read them with {option('adapter', 'text')}, a run "
            f"per file; {option('pattern')} with {{fields}} in their names (e.g. "
            f"'train_{{model}}_seed{{seed}}{suffix}') makes those parts params"
        )
    rsl_rl = rsl_rl_settings(root)  # before the pattern that would read the settings as runs
    if rsl_rl is not None:
        count, example = rsl_rl
        return (
            f"it holds {count} params/agent.yaml (e.g. {example}), the settings of an RSL-RL run folder "
            "(Isaac Lab, legged_gym), but no event file (events.out.tfevents.*) beside them: their scalars "
            "were not kept (not committed, or left in Git LFS); put the event files back in those folders "
            "and collect again, the yaml files are then read as their params"
        )
    found = common_log_file(root)
    keras = keras_logs(root) if found is None else None
    if keras is not None:
        count, example = keras
        unclaimed = f"it holds {count} .log file(s) (e.g. {example}) that no adapter claims by name"
        return f"{unclaimed}; {_read_keras()}"
    compressed = compressed_logs(root) if found is None else None
    if compressed is not None:
        suffix, count, example = compressed
        plain, decompress = compressed_log(example) or (example, "gunzip -k")
        return (
            f"it holds {count} {suffix} file(s) (e.g. {example}), compressed, which no adapter reads: "
            f"decompress them ({decompress} {os.path.normpath(os.path.join(root, example))}, and so on) and "
            f"collect the {os.path.splitext(plain)[1]} files they become"
        )
    if found is None:
        data = unread_data_file(root)
        if data is None:
            return ""
        suffix, count, example = data
        unread = "a format no installed adapter reads"
        return f"it holds {count} {suffix} file(s) (e.g. {example}), {unread}: {_WRITE_THEM_OUT}"
    name, count, example = found
    chart = wandb_chart_export(os.path.join(root, example)) if name.endswith(".csv") else None
    if chart is not None:  # one run per W&B run of the chart, its bands left out: the wide adapter
        what = f"{name[1:]} file(s)" if name.startswith("*") else f"file(s) named {name}"
        parts = name_parts_pattern(root, example) if name.startswith("*") else None
        named = f", with {option('pattern', parts)} to make the parts of their names params" if parts else ""
        return (
            f"it holds {count} {what} (e.g. {example}) that are W&B chart exports (column {chart!r} and "
            f"its __MIN/__MAX band): read them with {option('adapter', 'wide')}{named}, a run per W&B run, "
            "each named by its seed or its name"
        )
    if name.endswith((".csv", ".tsv")) and sklearn_cv_results(os.path.join(root, example)):
        what = f"{name[1:]} file(s)" if name.startswith("*") else f"file(s) named {name}"
        return (
            f"it holds {count} {what} (e.g. {example}) that are scikit-learn cv_results_ tables: read them "
            f"with {option('pattern', f'**/{name}')} {option('adapter', 'records')}, a run per candidate "
            f"and fold; a table counts the folds as replicates with {option('replicate', 'fold')}"
        )
    suite = (
        "lm-evaluation-harness"
        if lm_eval_results(os.path.join(root, example))
        else "lighteval (Open LLM Leaderboard)"
        if lighteval_results(os.path.join(root, example))
        else None
    )
    if suite is not None:  # a file of many tasks, named by its date or its task
        seen = log_file_paths(root, name)
        paths = [] if name.startswith("*") else seen
        # results_<date>.json: the date a param, so that a model evaluated twice is said to be (stamp)
        dated = os.path.basename(example).startswith("results_")
        # Pythia's evals/<model>/zero-shot/70m_step143000.json: the checkpoint a param, not averaged over
        stepped = not dated and _STEPPED_RESULTS.fullmatch(os.path.basename(example)) is not None
        files = "results_{stamp}.json" if dated else "{_}_step{step}.json" if stepped else "*.json"
        glob = pattern_for(example, name, paths).rsplit("/", 1)[0] + "/" + files if "/" in example else files
        what = f"{name[1:]} file(s)" if name.startswith("*") else f"file(s) named {name}"
        return (
            f"it holds {count} {what} (e.g. {example}) that are {suite} results: read every "
            f"results file beside them with {option('pattern', glob)} {option('adapter', 'onefile')} "
            f"{option('option', 'per_task=true')}, "
            "a run per task (the param task, the metrics acc, acc_norm, ...), the folders params"
            + (", the date of each file the param stamp" if dated else "")
            + (", the checkpoint in each file's name the param step" if stepped else "")
            + _elsewhere(seen, example)
        )
    if name.endswith(".csv") and opencompass_summary(os.path.join(root, example)):
        pattern, results = opencompass_pattern(example.replace(os.sep, "/"))
        kept = os.path.isdir(os.path.join(root, results))
        beside = (
            "of their run folder" if kept else "of their run folder (not in this tree: copy results/ too)"
        )
        what = f"{name[1:]} file(s)" if name.startswith("*") else f"file(s) named {name}"
        return (
            f"it holds {count} {what} (e.g. {example}) that are OpenCompass summaries, a dataset per row "
            f"and a model per column, rounded to 2 decimals: read the results/<model>/<dataset>.json "
            f"{beside} with {option('pattern', pattern)} {option('adapter', 'onefile')}, a run per model "
            "and dataset (the params model and dataset, the metrics accuracy, ...)"
        )
    runs_in_rows = many_runs_columns(os.path.join(root, example)) if name.endswith((".csv", ".tsv")) else []
    if runs_in_rows:
        named = ", ".join(runs_in_rows[:4])
        siblings = log_file_paths(root, name)[:_SIBLINGS_LOOKED_AT] if name.startswith("*") else []
        alike = all(many_runs_columns(os.path.join(root, path)) == runs_in_rows for path in siblings)
        if name.startswith("*") and alike:  # every file named its own way holds such rows: records reads all
            parts = name_parts_pattern(root, example)
            read = (
                f"{option('pattern', parts)} {option('adapter', 'records')}"
                if parts
                else option("adapter", "records")
            )
            return (
                f"it holds {count} {name[1:]} file(s), each named its own way and each with rows that look "
                f"like the rows of many runs (column(s) {named}, e.g. {example}): read them with {read}, "
                "which makes one run of each distinct set of those values, as params"
                + (", the parts of their names too" if parts else "")
            )
        if name.startswith("*"):  # only the file looked at has those columns: records would read every one
            parts = name_parts_pattern(root, example)
            others = (
                f"; {option('pattern', parts)} reads the others, the parts of their names as params"
                if parts
                else ""
            )
            return (
                f"it holds {count} {name[1:]} file(s), each named its own way; one of them, {example}, has "
                f"rows that look like the rows of many runs (column(s) {named}): read it alone with "
                f"{option('pattern', example)} {option('adapter', 'records')}, which makes one run of each "
                f"distinct set of those values, as params{others}"
            )
        return (
            f"it holds {count} file(s) named {name} (e.g. {example}) whose rows look like the rows of many "
            f"runs (column(s) {named}): read them with {option('adapter', 'records')}, which makes one run "
            "of each distinct set of those values, as params"
        )
    paths = log_file_paths(root, name)
    # a JSON object is one run, which only onefile reads from a pattern (the records adapter wants a list);
    # JSON Lines under another name (a `log.txt` of an object a line) only records reads
    from resultsbook.adapters.keras_csv import holds_missing_marks, starts_as_csvlogger  # to explain
    from resultsbook.sources.textio import opens_json_object  # to explain

    file = os.path.join(root, example)
    onefile = f" {option('adapter', 'onefile')}" if opens_json_object(file) else ""
    # Keras' CSVLogger under a name of the user's own: its NA cells are missing values to keras_csv alone
    tabular = name.lower().endswith((".csv", ".tsv"))
    csvlogger = tabular and starts_as_csvlogger(file) and holds_missing_marks(file)
    onefile = onefile or (f" {option('adapter', 'keras_csv')}" if csvlogger else "")
    onefile = onefile or (f" {option('adapter', 'records')}" if _json_lines(file) else "")
    onefile = onefile or (f" {option('adapter', 'text')}" if _text_log(file) else "")
    fielded = pattern_for(example, name, paths)
    folders = option("pattern", fielded) + onefile
    folder_part, _, name_part = fielded.rpartition("/")
    named_too = "the folders and the parts of the names" if "{" in folder_part else "their names"
    what_params = named_too if "{" in name_part else "the folders"
    fields = f", or {folders} to make {what_params} params" if "/" in example else ""
    parts = name_parts_pattern(root, example) if name.startswith("*") else None
    if parts is not None:  # one CSV per model and data set: the names say what each run is
        fields += f", or {option('pattern', parts)}{onefile} to make the parts of their names params"
    settings = settings_beside(root, example) if name.lower().endswith((".csv", ".tsv")) else None
    if settings is not None:  # the csv adapter reads it beside each log
        fields += f"; {settings_option(root, example, settings)} adds the settings beside them"
    what = f"{name[1:]} file(s), each named its own way" if name.startswith("*") else f"file(s) named {name}"
    return (
        f"it holds {count} {what} (e.g. {example}) that no adapter claims by name: read "
        f"them with {option('pattern', numbered_only(root, name))}{onefile}{fields} (see `resultsbook "
        f"adapters` for the formats read without a pattern){_seeded_table_hint(root, example)}"
    )


def _seeded_table_hint(root: str, example: str) -> str:
    """Say which table beside the files named has a row per run and seed (a paper's results CSV, which
    the hint above would not read as runs), and how to read it; empty when none has."""
    from resultsbook.sources.hints import rows_a_run, seeded_table  # only to explain

    found = seeded_table(root)
    if found is None or found[0] == example:
        return ""
    path, columns = found
    named = ", ".join(columns[:4])
    if rows_a_run(os.path.join(root, path), columns):  # tdmpc's results/<task>.csv: seed,step,return
        return (
            f"; {path} holds several rows of each run (column(s) {named}): read it alone with "
            f"{option('pattern', path)} {option('adapter', 'records')}, a run of each distinct set of those "
            "values"
        )
    return (
        f"; {path} has a row per run (column(s) {named}): read it alone with "
        f"{option('pattern', path)} {option('adapter', 'records')}, a run per row"
    )


def _text_log(path: str) -> bool:
    """Tell whether a `.txt` file, which a pattern gives the csv adapter, is a text log printing numbers
    under keys (`step:125/1393 val_loss:4.27`), which only the text adapter reads."""
    from resultsbook.adapters.textlog import first_line_of_numbers  # to explain

    return path.lower().endswith(".txt") and first_line_of_numbers(path, whole=True) is not None


def _json_lines(path: str) -> bool:
    """Tell whether a file of another suffix than .json holds JSON Lines (`log.txt`, an object a line)."""
    from resultsbook.sources.textio import holds_json_lines  # to explain

    return not path.lower().endswith(".json") and holds_json_lines(path)


def _self_and_parents(path: str, root: str) -> list[str]:
    """Return `path` (when it exists) and its parent folders up to and including `root`."""
    chain = []
    current = path
    while True:
        if os.path.exists(current):
            chain.append(current)
        if current == root or len(current) <= len(root):
            return chain
        current = os.path.dirname(current)


def _relative(path: str, root: str) -> str:
    """Return a folder's path relative to the root as a '/'-terminated prefix ('' for the root)."""
    if fs.is_remote(root):
        relative = path[len(root) :].strip("/") or "."
    else:
        relative = os.path.relpath(path, root).replace(os.sep, "/")
    return "" if relative == "." else f"{relative}/"


def settings_option(root: str, example: str, settings: str) -> str:
    """Return `-o config=SETTINGS`, the csv adapter's option that reads a settings file beside each log,
    with `--adapter csv` when another adapter reads the log a pattern matches (Lightning's reads every
    metrics.csv): without it the option changed nothing, and the runs lost their settings again."""
    given = option("option", f"config={settings}")
    request = CollectRequest(root, options={"config": settings})
    found = source_for_file(make_adapters(request), os.path.join(root, example), False, FolderClaims())
    if found is None or found[1].name == "csv":
        return given
    named = option("adapter", "csv")
    return said(f"{named} {given}", f"{named}, {given}")


def make_adapters(request: CollectRequest) -> list[Adapter]:
    """Instantiate the adapters for a request; each gets the options it declares."""
    options = dict(request.options)
    if request.adapter is not None:
        return [get_adapter(request.adapter)(**options)]
    classes = list(available_adapters().values())
    declared = {name for cls in classes for name in cls.options}
    unknown = sorted(set(options) - declared)
    if unknown:
        guess = closest(unknown[0], declared)
        meant = f" (did you mean {guess!r}?)" if guess else ""
        raise AdapterError(
            f"no adapter has an option {unknown[0]!r}{meant}; name the adapter with {option('adapter')} "
            "and see `resultsbook adapters` for each one's options"
        )
    return [cls(**{k: v for k, v in options.items() if k in cls.options}) for cls in classes]


def _with_params(source: Source, params: Mapping[str, Any]) -> Source:
    """Return the source carrying extra params."""
    return replace(source, params=dict(params)) if params else source


def path_under(path: str, root: str) -> bool:
    """Tell whether a path lies under (or is) a root path; both stored ('/') or both absolute."""
    if root in (".", ""):
        return True
    return path == root or path.startswith(root.rstrip("/" + os.sep) + "/") or path.startswith(root + os.sep)
