"""Runs as columns: what a table reads of many runs without building one object per run.

A `Runs` is the runs of a store (or a selection of them) as arrays: their fields, and each param
read from the store only when a table first needs it, with its values coded so that grouping,
sorting and the honesty checks are array operations. It is also a sequence of `StoredRun`, built
(with every param) only when something iterates it.

    >>> runs = Runs.load(store)                      # doctest: +SKIP
    >>> runs.select(filters).codes("model")          # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

import numpy as np

from resultsbook.models import StoredRun
from resultsbook.params import sort_key, value_identity
from resultsbook.query.provenance import data_digests, diff_digest
from resultsbook.store import RUN_FIELD_COLUMNS, Store, stored_run

# the fields of a run row (store.run_rows), in order; RUN_FIELDS of select.py are among them.
# provenance is the stored JSON text (a dict for runs given as `StoredRun`), parsed only for its data
ROW_FIELDS = tuple(RUN_FIELD_COLUMNS)
_FIELD_INDEX = {name: i for i, name in enumerate(ROW_FIELDS)}
# the fields a table reads of every run (its cells' runs and marks: a run without a commit is a mix
# beside runs of its own adapter that record one); the others are read when asked
TABLE_FIELDS = ("id", "run_id", "name", "status", "adapter", "git_commit", "git_dirty", "provenance")
RUN_FIELDS = ("status", "experiment", "name", "adapter", "source", "run_id", "git_commit")  # filterable
ParamLoader = Callable[[str], tuple[Sequence[int], Sequence[Any]]]
FieldLoader = Callable[[Sequence[str]], Sequence[tuple[Any, ...]]]  # rows of (id, *fields)


class Coded:
    """One key's values over the runs as integer codes: runs whose values are equal (as Python's
    `==`, the way a dict of them groups) share a code; `values[code]` is the first value of that code.
    `uniform`: every value of a code has the type of that first one (False when 1 and True, or 1
    and 1.0, share a code: their text differs, so text lookups must take each run's own value)."""

    __slots__ = ("codes", "uniform", "values")

    def __init__(self, codes: np.ndarray, values: list[Any], uniform: bool = True) -> None:
        self.codes = codes
        self.values = values
        self.uniform = uniform


class _Columns:
    """Every run of one read of the store (or of a list of runs): the arrays `Runs` views."""

    def __init__(
        self,
        rows: Sequence[tuple[Any, ...]],
        load_params: ParamLoader | None,
        keys: Callable[[], Sequence[str]],
        stored: Callable[[_Columns], list[StoredRun]],
        constant: Callable[[str], bool] | None = None,
        names: Sequence[str] = ROW_FIELDS,
        load_fields: FieldLoader | None = None,
        coverage: tuple[Callable[[], tuple[int, dict[str, int]]], Callable[[], list[int]]] | None = None,
    ) -> None:
        """`rows` hold the fields `names` (id first); `load_fields` reads the others when asked."""
        self.size = len(rows)
        columns = list(zip(*rows)) if rows else [() for _ in names]
        self.ids = np.fromiter(columns[0], dtype=np.int64, count=self.size)
        self.fields = {name: _object_array(columns[i]) for i, name in enumerate(names) if name != "id"}
        self._load_fields = load_fields
        self._load_params = load_params
        self._keys = keys
        self._stored = stored
        self._constant = constant
        self._constants: dict[str, bool] = {}
        self._coverage = coverage
        self._covered: tuple[int, dict[str, int]] | None = None
        self._with_params: np.ndarray | None = None
        self._stored_runs: list[StoredRun] | None = None
        self._params: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._coded: dict[tuple[str, str], Coded] = {}
        self._identities: dict[Any, tuple[np.ndarray, dict[Any, int]]] = {}
        self._by_id: tuple[np.ndarray, np.ndarray] | None = None  # (order of ids, ids in that order)
        self._key_list: list[str] | None = None
        self._ranks: dict[str, np.ndarray] = {}
        self._digests: list[dict[str, str]] | None = None
        self._has_digests = np.zeros(0, dtype=bool)
        self._diffs: list[str | None] | None = None
        self._wandb_ids: np.ndarray | None = None
        self._wandb_mirrors = np.zeros(0, dtype=bool)  # W&B runs whose synced TensorBoard folder is a run
        self._synced_status = np.zeros(0, dtype=object)  # status, a synced folder's from its W&B run
        self._mlflow_nesting: tuple[np.ndarray, np.ndarray] | None = None
        # by run index, for the runs whose tracker records which way a metric is better: tracker, task, ways
        self._recorded: dict[int, tuple[str, str | None, dict[str, str]]] | None = None
        self._with_recorded = np.zeros(0, dtype=bool)

    def locate(self, runs: np.ndarray) -> np.ndarray:
        """Return the position of each internal run id among these runs, -1 where it is not one."""
        if self._by_id is None:
            order = np.argsort(self.ids, kind="stable")
            self._by_id = (order, self.ids[order])
        order, ordered = self._by_id
        if not len(ordered):
            return np.full(len(runs), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(ordered, runs), len(ordered) - 1)
        return np.where(ordered[at] == runs, order[at], -1)

    def rows(self) -> list[tuple[Any, ...]]:
        """Return the runs as rows of ROW_FIELDS again."""
        self._read_fields([name for name in ROW_FIELDS[1:] if name not in self.fields])
        return list(zip(self.ids.tolist(), *(self.fields[name].tolist() for name in ROW_FIELDS[1:])))

    def field(self, name: str) -> np.ndarray:
        """Return a run field over every run, read from the store the first time it is asked for."""
        found = self.fields.get(name)
        if found is None:
            if name not in ROW_FIELDS[1:]:
                raise KeyError(name)
            self._read_fields([name])
            found = self.fields[name]
        return found

    def _read_fields(self, names: Sequence[str]) -> None:
        """Read run fields not read yet (None for a run the store no longer has)."""
        if not names:
            return
        rows = self._load_fields(("id", *names)) if self._load_fields is not None else []
        columns = list(zip(*rows)) if rows else [() for _ in range(len(names) + 1)]
        at = self.locate(np.fromiter(columns[0], dtype=np.int64, count=len(rows)))
        kept = at >= 0
        for i, name in enumerate(names, start=1):
            values = np.full(self.size, None, dtype=object)
            values[at[kept]] = _object_array(columns[i])[kept]
            self.fields[name] = values

    def param_names(self) -> list[str]:
        """Return every param key any of these runs may have (a superset for a store's subset)."""
        if self._key_list is None:
            self._key_list = list(self._keys())
        return self._key_list

    def param(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (values, has) of a param over every run: None and False where a run lacks it."""
        found = self._params.get(key)
        if found is None:
            values = np.full(self.size, None, dtype=object)
            has = np.zeros(self.size, dtype=bool)
            if self._load_params is not None:
                runs, stored = self._load_params(key)
                at = self.locate(np.array(runs, dtype=np.int64))
                kept = at >= 0
                values[at[kept]] = _object_array(stored)[kept]
                has[at[kept]] = True
            found = self._params[key] = (values, has)
        return found

    def constant(self, key: str) -> bool:
        """Tell whether the store knows, without reading it, that a param has one value wherever set."""
        found = self._constants.get(key)
        if found is None:
            found = self._constants[key] = self._constant is not None and self._constant(key)
        return found

    def everywhere(self, key: str) -> bool:
        """Tell whether the store knows, without reading it, that every run recording a param records
        `key`: then no run lacks it beside one that has it."""
        if self._coverage is None:
            return False
        if self._covered is None:
            self._covered = self._coverage[0]()
        runs, counts = self._covered
        return counts.get(key, 0) == runs

    def with_params(self) -> np.ndarray:
        """Return where each run records at least one param."""
        if self._with_params is None:
            if self._coverage is not None:
                ids = np.array(self._coverage[1](), dtype=np.int64)
            else:
                ids = np.array([run.id for run in self.stored_runs() if run.params], dtype=np.int64)
            found = np.zeros(self.size, dtype=bool)
            at = self.locate(ids)
            found[at[at >= 0]] = True
            self._with_params = found
        return self._with_params

    def stored_runs(self) -> list[StoredRun]:
        if self._stored_runs is None:
            self._stored_runs = self._stored(self)
        return self._stored_runs


class Runs(Sequence[StoredRun]):
    """Runs as columns (all runs of a read, or a selection of them, in the store's order)."""

    def __init__(self, columns: _Columns, index: np.ndarray | None = None) -> None:
        self._columns = columns
        self._at = np.arange(columns.size) if index is None else index
        self._whole = index is None  # every run of the read: the keys it lists are keys some run has

    # ----------------------------------------------------------------- making one
    @classmethod
    def load(cls, store: Store, include_missing: bool = False, also: Sequence[str] = ()) -> Runs:
        """Read the runs of a store: the fields a table reads (and those named in `also`) now, the
        other fields and the params key by key when asked."""

        def stored(columns: _Columns) -> list[StoredRun]:  # made from the columns: no row is kept
            params = store.params_of(columns.ids.tolist()) if columns.size else {}
            return [stored_run(row, params.get(row[0], {})) for row in columns.rows()]

        def load_fields(names: Sequence[str]) -> list[tuple[Any, ...]]:
            return store.run_rows(include_missing, names, ordered=False)

        names = (*TABLE_FIELDS, *also)
        rows = store.run_rows(include_missing, names)
        return cls(
            _Columns(
                rows,
                store.param_column,
                store.param_keys,
                stored,
                store.constant_param,
                names,
                load_fields,
                (store.param_coverage, store.runs_with_params),
            )
        )

    @classmethod
    def of(cls, runs: Sequence[StoredRun] | Runs) -> Runs:
        """Return runs as columns: a `Runs` as it is, a list of `StoredRun` read into columns."""
        if isinstance(runs, Runs):
            return runs
        listed = list(runs)
        rows = [tuple(getattr(run, name) for name in ROW_FIELDS) for run in listed]  # provenance as a dict

        def load(key: str) -> tuple[list[int], list[Any]]:
            having = [run for run in listed if key in run.params]
            return [run.id for run in having], [run.params[key] for run in having]

        keys = sorted({key for run in listed for key in run.params})
        columns = _Columns(rows, load, lambda: keys, lambda _: listed)
        columns._stored_runs = listed
        return cls(columns)

    @classmethod
    def joined(cls, base: Runs, parts: Sequence[Runs]) -> Runs:
        """Return the runs of several selections of one read, one after the other."""
        index = np.concatenate([part._at for part in parts]) if parts else np.zeros(0, dtype=np.int64)
        return cls(base._columns, index)

    # ----------------------------------------------------------------- a sequence of StoredRun
    def __len__(self) -> int:
        return len(self._at)

    @overload
    def __getitem__(self, item: int) -> StoredRun: ...

    @overload
    def __getitem__(self, item: slice) -> Sequence[StoredRun]: ...

    def __getitem__(self, item: int | slice) -> StoredRun | Sequence[StoredRun]:
        stored = self._columns.stored_runs()
        if isinstance(item, slice):
            return [stored[i] for i in self._at[item]]
        return stored[int(self._at[item])]

    def __iter__(self) -> Iterator[StoredRun]:
        stored = self._columns.stored_runs()
        return (stored[i] for i in self._at.tolist())

    def __repr__(self) -> str:
        return f"<Runs: {len(self)} runs>"

    # ----------------------------------------------------------------- selections
    def take(self, chosen: np.ndarray) -> Runs:
        """Return the runs at some positions (an integer array) or where a mask is true."""
        return Runs(self._columns, self._at[chosen])

    def same_source(self, other: Runs) -> bool:
        """Tell whether two selections view the same read of the store."""
        return self._columns is other._columns

    @property
    def positions(self) -> np.ndarray:
        """Return each run's position in the read it belongs to (what `Coded` codes are indexed by)."""
        return self._at

    # ----------------------------------------------------------------- columns
    @property
    def ids(self) -> np.ndarray:
        """Return the internal run ids."""
        return self._columns.ids[self._at]

    def field(self, name: str) -> np.ndarray:
        """Return a run field (`run_id`, `name`, `status`, `source`, ...) as an object array."""
        return self._columns.field(name)[self._at]

    def param(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (values, has) of a param: None and False where a run lacks it."""
        values, has = self._columns.param(key)
        return values[self._at], has[self._at]

    def has_param(self, key: str) -> np.ndarray:
        """Return where runs have a param."""
        return self._columns.param(key)[1][self._at]

    def has_any_param(self, key: str) -> bool:
        """Tell whether any of these runs has a param (not read when these are every run of the read)."""
        if self._whole and key in self._columns.param_names():
            return True
        return bool(self.has_param(key).any())

    def value(self, key: str) -> np.ndarray:
        """Return each run's value of a grouping or filter key: its param, else a run field (as
        `select.run_value`), else None."""
        values, has = self.param(key)
        if key in RUN_FIELDS and not has.all():
            values = np.where(has, values, self.field(key))
        return values

    def known_params(self) -> list[str]:
        """Return the param keys of the read these runs belong to, sorted (no param is loaded)."""
        return self._columns.param_names()

    def constant_param(self, key: str) -> bool:
        """Tell whether every run of the store that has a param has one same value (then no two of
        these runs differ in it); False when unsure."""
        return self._columns.constant(key)

    def param_everywhere(self, key: str) -> bool:
        """Tell whether every run of the store that records a param records `key` (then none of these
        runs lacks it beside one that has it); False when unsure."""
        return self._columns.everywhere(key)

    def with_params(self) -> np.ndarray:
        """Return where runs record at least one param."""
        return self._columns.with_params()[self._at]

    def param_keys(self) -> list[str]:
        """Return the param keys at least one of these runs has, sorted."""
        if self._whole:  # the read's own keys: none to look up
            return list(self._columns.param_names())
        return [key for key in self._columns.param_names() if self.has_param(key).any()]

    def coded(self, key: str) -> Coded:
        """Return `value(key)` of every run of the read as codes (index them with `positions`)."""
        cache = self._columns._coded
        found = cache.get(("value", key))
        if found is None:
            whole = Runs(self._columns)
            found = cache[("value", key)] = _code(whole.value(key))
        return found

    def codes(self, key: str) -> np.ndarray:
        """Return the codes of `value(key)` for these runs."""
        return self.coded(key).codes[self._at]

    def identity_codes(self, key: str, absent_as_none: bool = False) -> np.ndarray:
        """Return codes of a param under which values equal in the sense of `params.values_equal`
        coincide (1 and 1.0, NaN and NaN; True and 1 differ); -1 where a run lacks it, or the code
        of None with `absent_as_none`."""
        cache = self._columns._identities
        if key not in cache:
            values, has = self._columns.param(key)
            coded = _code(values) if key in RUN_FIELDS else Runs(self._columns).coded(key)
            cache[key] = _identities(coded, values, has)
        codes, identities = cache[key]
        found = codes[self._at]
        if absent_as_none:
            found = np.where(found >= 0, found, identities.get(value_identity(None), len(identities)))
        return found

    def value_identity_codes(self, key: str) -> np.ndarray:
        """Return codes of `params.value_identity` of `value(key)` (absent: the identity of None)."""
        cache = self._columns._identities
        if ("value", key) not in cache:
            values = Runs(self._columns).value(key)
            cache[("value", key)] = _identities(self.coded(key), values, np.ones(len(values), dtype=bool))
        return cache[("value", key)][0][self._at]

    def sort_ranks(self, key: str) -> np.ndarray | None:
        """Return ranks of `value(key)` in `params.sort_key` order (equal keys, equal ranks), or None
        when some value cannot be ranked so (NaN: the order of a Python sort then depends on input)."""
        coded = self.coded(key)
        keys = []
        for value in coded.values:
            if isinstance(value, float) and math.isnan(value):
                return None
            keys.append(sort_key(value))
        try:
            order = sorted(range(len(keys)), key=keys.__getitem__)
        except TypeError:
            return None
        ranks = np.zeros(len(keys), dtype=np.int64)
        rank = 0
        for previous, current in zip([None, *order], order):
            if previous is not None and keys[previous] != keys[current]:
                rank += 1
            ranks[current] = rank
        return ranks[coded.codes[self._at]]

    def text_ranks(self, name: str) -> np.ndarray:
        """Return the rank of each run's text field (`name`, `run_id`) in Python's string order."""
        cache = self._columns._ranks
        found = cache.get(name)
        if found is None:
            texts = self._columns.field(name).tolist()
            found = np.empty(len(texts), dtype=np.int64)
            # Python's sort of the texts: numpy's stable argsort of objects orders them alike, up to 3x slower
            found[sorted(range(len(texts)), key=texts.__getitem__)] = np.arange(len(texts))
            cache[name] = found
        return found[self._at]

    def by_run_id(self) -> Runs:
        """Return these runs in the text order of their run ids (runs of one run id in their order)."""
        return self.take(np.argsort(self.text_ranks("run_id"), kind="stable"))

    def data_digests(self) -> list[dict[str, str]]:
        """Return the {data name: digest} of each run, in their order ({} for a run that records no data
        version; an empty list when none does), from provenance parsed once per read."""
        columns = self._columns
        if columns._digests is None:
            columns._digests = [_data_digests(value) for value in columns.field("provenance").tolist()]
            columns._has_digests = np.fromiter(map(bool, columns._digests), dtype=bool, count=columns.size)
        if not columns._has_digests[self._at].any():
            return []
        digests = columns._digests
        return [digests[i] for i in self._at.tolist()]

    def diff_digests(self) -> list[str | None]:
        """Return the digest of each run's uncommitted diff (`git.diff_digest`, None for a run that
        records none), in their order, from provenance parsed once per read."""
        columns = self._columns
        if columns._diffs is None:
            columns._diffs = [_diff_digest(value) for value in columns.field("provenance").tolist()]
        diffs = columns._diffs
        return [diffs[i] for i in self._at.tolist()]

    def wandb_run_ids(self) -> np.ndarray:
        """Return each run's W&B run id (None for a run of another tracker), from provenance read once
        per read of the store: every table of a build asks. The TensorBoard folder a W&B run synced
        (`sync_tensorboard=True`) has that run's id: one training, logged twice."""
        columns = self._columns
        if columns._wandb_ids is None:
            provenance = columns.field("provenance").tolist()
            ids, owners = tracker_run_ids(provenance, lambda: columns.field("source").tolist())
            status = columns.field("status").copy()
            mirrors = np.zeros(columns.size, dtype=bool)
            for i, owner in owners.items():
                mirrors[owner] = True
                if status[i] == "unknown":  # event files record no end: the W&B run that synced them does
                    status[i] = status[owner]
            columns._wandb_ids = _object_array(ids)
            columns._wandb_mirrors, columns._synced_status = mirrors, status
        return columns._wandb_ids[self._at]

    def wandb_mirrors(self) -> np.ndarray:
        """Return, for each run, whether it is a W&B run whose synced TensorBoard folder is a run too."""
        self.wandb_run_ids()
        return self._columns._wandb_mirrors[self._at]

    def synced_statuses(self) -> np.ndarray:
        """Return each run's status; a TensorBoard folder's `unknown` is the W&B run's that synced it."""
        self.wandb_run_ids()
        return self._columns._synced_status[self._at]

    def recorded_goals(self, metric: str) -> dict[str, dict[str, list[str]]]:
        """Return, per tracker that records which way `metric` is better (`optuna`: a study's direction
        of its objective value; `lm_eval`, `lighteval`: a task's `higher_is_better`), {goal: the studies
        or tasks saying it} of these runs; read from provenance once per read of the store, and kept only
        for the runs that record one (100,000 empty dicts weigh 6 MB)."""
        columns = self._columns
        if columns._recorded is None:
            columns._recorded = {
                i: record
                for i, value in enumerate(columns.field("provenance").tolist())
                if (record := _recorded_directions(value)) is not None
            }
            columns._with_recorded = np.zeros(columns.size, dtype=bool)
            columns._with_recorded[list(columns._recorded)] = True
        found: dict[str, dict[str, list[str]]] = {}
        for index in self._at[columns._with_recorded[self._at]].tolist():  # the few, if any
            tracker, task, ways = columns._recorded[index]
            name = str(columns.field("experiment")[index]) if task is None else task  # an Optuna study
            goal = _GOALS.get(ways.get(metric, ""))
            names = found.setdefault(tracker, {}).setdefault(goal, []) if goal is not None else None
            if names is not None and name not in names:
                names.append(name)
        return {tracker: goals for tracker, goals in found.items() if goals}

    def mlflow_nesting(self) -> tuple[np.ndarray, np.ndarray]:
        """Return each run's MLflow run id and its parent's (None where there is none), from provenance
        read once per read of the store; run ids are looked up only when some run has a parent."""
        columns = self._columns
        if columns._mlflow_nesting is None:
            provenance = columns.field("provenance").tolist()
            parents = _object_array([mlflow_parent_id(value) for value in provenance])
            own = np.full(len(provenance), None, dtype=object)
            if any(parent is not None for parent in parents.tolist()):
                own = _object_array([mlflow_run_id(value) for value in provenance])
            columns._mlflow_nesting = (own, parents)
        own, parents = columns._mlflow_nesting
        return own[self._at], parents[self._at]


def mlflow_parent_id(provenance: str | Mapping[str, Any] | None) -> str | None:
    """Return the MLflow run id of the run's parent (tag `mlflow.parentRunId`), if it has one."""
    if isinstance(provenance, str):
        if '"parent_run_id"' not in provenance:  # most runs: no JSON to parse
            return None
        provenance = json.loads(provenance)
    found = provenance.get("parent_run_id") if isinstance(provenance, Mapping) else None
    return found if isinstance(found, str) and found else None


def mlflow_run_id(provenance: str | Mapping[str, Any] | None) -> str | None:
    """Return the MLflow run id a run's provenance records, if it is an MLflow run."""
    return _tracker_run_id(provenance, "mlflow") or None


def wandb_run_id(provenance: str | Mapping[str, Any] | None) -> str | None:
    """Return the W&B run id a run's provenance (its stored JSON text, or a dict) records, if any."""
    return _tracker_run_id(provenance, "wandb")


def wandb_run_key(provenance: str | Mapping[str, Any] | None, experiment: Any) -> tuple[str, str, str] | None:
    """Return what tells a W&B run from any other: its run id, entity and project (a run's
    `experiment`); the same id in another project is another run. None for a run of no W&B run."""
    run_id = wandb_run_id(provenance)
    if run_id is None:
        return None
    if isinstance(provenance, str):
        provenance = json.loads(provenance)
    found = provenance.get("wandb") if isinstance(provenance, Mapping) else None
    entity = found.get("entity") if isinstance(found, Mapping) else None
    return run_id, str(entity or ""), str(experiment or "")


def wandb_tensorboard_dirs(provenance: str | Mapping[str, Any] | None) -> list[str]:
    """Return the TensorBoard log dirs a W&B run synced (`provenance["wandb"]["tensorboard"]`)."""
    if isinstance(provenance, str):
        if '"tensorboard"' not in provenance:
            return []
        provenance = json.loads(provenance)
    found = provenance.get("wandb") if isinstance(provenance, Mapping) else None
    dirs = found.get("tensorboard") if isinstance(found, Mapping) else None
    return [d for d in dirs if isinstance(d, str)] if isinstance(dirs, list) else []


def tracker_run_ids(
    provenances: Sequence[str | Mapping[str, Any] | None], sources: Callable[[], Sequence[str]]
) -> tuple[list[str | None], dict[int, int]]:
    """Return each run's W&B run id, and for each run read from a TensorBoard folder a W&B run synced,
    the position of that W&B run. A run of no tracker whose folder is the log dir a W&B run synced
    (CleanRL's `--track` writes `runs/<run_name>/` and the W&B run copying it) takes that W&B run's
    id: a table then counts the training once. A log dir that several W&B runs synced tells none.
    `sources` (each run's folder) is asked for only when some W&B run synced a log dir."""
    ids = [wandb_run_id(value) for value in provenances]
    synced: dict[tuple[str, ...], int] = {}
    for i, provenance in enumerate(provenances):
        if ids[i] is None:
            continue
        for logdir in wandb_tensorboard_dirs(provenance):
            parts = _logdir_parts(logdir)
            if parts:
                owner = synced.setdefault(parts, i)
                if owner >= 0 and ids[owner] != ids[i]:
                    synced[parts] = -1
    owners: dict[int, int] = {}
    if not synced:
        return ids, owners
    for i, source in enumerate(sources()):
        if ids[i] is not None:
            continue
        parts = _path_parts(str(source))
        owner = next((o for n in range(len(parts)) if (o := synced.get(parts[n:], -1)) >= 0), -1)
        if owner >= 0:
            ids[i], owners[i] = ids[owner], owner
    return ids, owners


def _path_parts(path: str) -> tuple[str, ...]:
    """Split a path on `/` or `\\`, without empty, `.` and `..` parts."""
    return tuple(part for part in path.replace("\\", "/").split("/") if part not in ("", ".", ".."))


def _logdir_parts(logdir: str) -> tuple[str, ...]:
    """Return the path parts a synced log dir is told by: all of a relative one (`runs/<run_name>`,
    as the script named it), the last two of an absolute one (the run folder moved since)."""
    parts = _path_parts(logdir)
    absolute = logdir.startswith(("/", "\\", "~")) or (len(logdir) > 1 and logdir[1] == ":")
    return parts[-2:] if absolute else parts


def _tracker_run_id(provenance: str | Mapping[str, Any] | None, tracker: str) -> str | None:
    """Return `provenance[tracker]["run_id"]` when it is text (the JSON is parsed only if it names the
    tracker: most runs do not)."""
    if isinstance(provenance, str):
        if f'"{tracker}"' not in provenance:
            return None
        provenance = json.loads(provenance)
    found = provenance.get(tracker) if isinstance(provenance, Mapping) else None
    run_id = found.get("run_id") if isinstance(found, Mapping) else None
    return run_id if isinstance(run_id, str) else None


_GOALS = {"maximize": "max", "minimize": "min"}


def _recorded_directions(
    provenance: str | Mapping[str, Any] | None,
) -> tuple[str, str | None, dict[str, str]] | None:
    """Return (tracker, task, {metric: minimize|maximize}) of a run whose tracker records which way its
    metrics are better: an Optuna trial (`provenance.optuna.directions`; no task: its study is the run's
    experiment, read only then) or an lm-eval or lighteval task (`provenance.lm_eval`,
    `provenance.lighteval`); None for any other run."""
    if isinstance(provenance, str):
        if '"directions"' not in provenance:  # most runs record none: nothing to parse
            return None
        provenance = json.loads(provenance)
    if not isinstance(provenance, Mapping):
        return None
    for tracker in ("optuna", "lm_eval", "lighteval"):
        found = provenance.get(tracker)
        if not isinstance(found, Mapping):
            continue
        directions = found.get("directions")
        if isinstance(directions, Mapping) and directions:
            task = None if tracker == "optuna" else str(found.get("task", ""))
            return tracker, task, {str(k): str(v) for k, v in directions.items()}
    return None


def _data_digests(provenance: str | Mapping[str, Any]) -> dict[str, str]:
    """Return the data digests of a provenance, given as its stored JSON text or as a dict."""
    if not isinstance(provenance, str):
        return data_digests(provenance)
    if '"data"' not in provenance:  # no data key: nothing to parse
        return {}
    return data_digests(json.loads(provenance))


def _diff_digest(provenance: str | Mapping[str, Any]) -> str | None:
    """Return the uncommitted diff's digest of a provenance, given as its stored JSON text or as a dict."""
    if not isinstance(provenance, str):
        return diff_digest(provenance)
    if '"diff_digest"' not in provenance:  # no digest: nothing to parse
        return None
    return diff_digest(json.loads(provenance))


def _object_array(values: Sequence[Any]) -> np.ndarray:
    """Return values as a 1-d object array (tuples and lists stay elements)."""
    return np.fromiter(values, dtype=object, count=len(values))


def _code(values: np.ndarray) -> Coded:
    """Code values the way a dict keyed by them groups them (NaN objects each apart, as in a dict)."""
    listed = values.tolist()
    try:
        firsts = list(dict.fromkeys(listed))  # each group's first value, in the order first met
        index = dict(zip(firsts, range(len(firsts))))
        codes = np.fromiter(map(index.__getitem__, listed), dtype=np.int64, count=len(listed))
        kinds = set(map(type, listed))
        # a group holds values of several types (1 and 1.0, 1 and True) when (value, type) pairs
        # outnumber the groups
        uniform = len(kinds) < 2 or len(dict.fromkeys(zip(listed, map(type, listed)))) == len(firsts)
    except TypeError:  # an unhashable value (a list in a StoredRun made by hand): group by its text
        return _code(_object_array([repr(v) for v in listed]))
    return Coded(codes, firsts, uniform)


def _identities(coded: Coded, values: np.ndarray, has: np.ndarray) -> tuple[np.ndarray, dict[Any, int]]:
    """Return codes of `params.value_identity` of the values where `has` (-1 elsewhere), and the
    code of each identity; each code of `coded` is looked at once when its values share a type."""
    identities: dict[Any, int] = {}
    if coded.uniform:
        per_code = np.array(
            [identities.setdefault(value_identity(v), len(identities)) for v in coded.values], dtype=np.int64
        )
        return np.where(has, per_code[coded.codes], -1), identities
    codes = np.full(len(values), -1, dtype=np.int64)
    for i in np.flatnonzero(has).tolist():
        codes[i] = identities.setdefault(value_identity(values[i]), len(identities))
    return codes, identities


def groups_of(codes: Sequence[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """Group rows by several columns of codes: return (first row of each group, group of each row),
    groups numbered in the order of their first row. Columns are folded into one code at a time
    (each fold renumbered densely), so it costs a 1-d sort per column, never a sort of rows."""
    combined = np.zeros(size, dtype=np.int64)
    for column in codes:
        dense = column - int(column.min(initial=0))  # codes may be -1 (absent)
        _, combined = np.unique(combined * (int(dense.max(initial=0)) + 1) + dense, return_inverse=True)
        combined = combined.reshape(-1)
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # group numbers in the order their first row comes
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[inverse.reshape(-1)]


def members_of(groups: np.ndarray, count: int) -> list[np.ndarray]:
    """Return the rows of each group (numbered 0..count-1), each in the rows' order."""
    order = np.argsort(groups, kind="stable")
    return np.split(order, np.cumsum(np.bincount(groups, minlength=count))[:-1])
