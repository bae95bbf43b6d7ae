"""Read metric values out of the store per run: summaries when they suffice, series when needed,
derived metrics computed point by point, normalised metrics with their task's reference scores.

Nothing is substituted silently: a value read in place of what was asked (the only value a run
logged, for `max`) comes with a `substituted` note, a value that cannot be computed (skip_first
removed every point, `at(step)` of a run that logged no curve) is NaN with a `refused` note saying
why; outputs mark both."""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from resultsbook.errors import QueryError, did_you_mean
from resultsbook.models import STEP_COLUMNS, StoredRun
from resultsbook.params import clipped
from resultsbook.query.expr import Expression, circle_words, derived_cycle, parse_expression
from resultsbook.query.marks import MIN_CURVE_POINTS, curve_codes_of
from resultsbook.query.matrices import MetricSeries, SeriesIndex
from resultsbook.query.model import MetricSpec
from resultsbook.query.normalize import Normalization
from resultsbook.query.reduce import (
    Reduction,
    UnknownDirection,
    best_step_of,
    best_steps_of_rows,
    logged_spans,
    parse_reduction,
    reduce_rows,
    reduce_series,
    reduced_steps,
    step_text,
)
from resultsbook.query.runs import Runs
from resultsbook.store import Store
from resultsbook.voice import command, option, said

Curve = tuple[np.ndarray, np.ndarray]  # steps, values
ValueNote = tuple[str, str]  # (substituted | refused | logged, why), per run
_SUMMARY_KINDS = {"last", "min", "max", "mean"}
# adapters that tell a param from a result by its value (a whole number is a param): `metrics = ...` fixes it
_TYPED_FIELDS = {"records", "onefile"}
_AGGREGATED = re.compile(r"\d\s*(±|\+/?-)\s*\d")  # `0.85 ± 0.01`, `0.85 +- 0.01`: a summary's cell
Job = tuple[Any, ...]  # ("reduce", reduction, skip), ("best steps", direction, skip) or ("spans", None, skip)


_SUMMARY_COLUMNS = ("last", "min", "max", "mean", "summary", "last_step", "first_step")


@dataclass(frozen=True, eq=False)
class Summaries:
    """The stored per-run summaries of one metric key as arrays (NaN where SQL holds NULL)."""

    runs: np.ndarray  # internal run ids, sorted
    n: np.ndarray
    columns: Mapping[str, np.ndarray]  # last, min, max, mean, summary, last_step, first_step
    has_summary: np.ndarray  # the run reported a final value apart from its series

    @classmethod
    def read(cls, store: Store, key: str) -> Summaries:
        rows = store.summary_columns(key)
        # one float matrix, NULL as NaN (SQLite stores NaN as NULL, so NaN means NULL); ids and
        # counts are integers far below 2**53, exact as floats. Read value by value in one pass:
        # np.array of the rows walks them first to find their shape
        width = 2 + len(_SUMMARY_COLUMNS)
        values = itertools.chain.from_iterable(rows)
        table = np.fromiter(values, dtype=np.float64, count=len(rows) * width).reshape(len(rows), width)
        runs = table[:, 0].astype(np.int64)
        order = np.argsort(runs, kind="stable")
        table = table[order]
        numbers = {
            name: np.ascontiguousarray(table[:, i]) for i, name in enumerate(_SUMMARY_COLUMNS, start=2)
        }
        has_summary = ~np.isnan(numbers["summary"])
        return cls(runs[order], table[:, 1].astype(np.int64), numbers, has_summary)

    def find(self, runs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (found, index) of each run id among the summaries."""
        if not len(self.runs):
            return np.zeros(len(runs), dtype=bool), np.zeros(len(runs), dtype=np.int64)
        first, last = int(self.runs[0]), int(self.runs[-1])
        if last - first == len(self.runs) - 1:  # as usual, ids one after the other: where each is, at once
            at = np.clip(runs - first, 0, len(self.runs) - 1)
        else:
            at = np.minimum(np.searchsorted(self.runs, runs), len(self.runs) - 1)
        return self.runs[at] == runs, at

    def logged(self) -> np.ndarray:
        """Return the ids of runs that logged the metric: a series point or a final value, NaN included
        (a seed whose final value is NaN ran, and its cell says so, rather than that it is missing)."""
        return self.runs


class DerivedNameTaken(QueryError):
    """A derived metric named like a metric the runs log: it would be read in the logged one's place."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"derived metric {name!r}: the runs log a metric {name!r}, which it would replace unsaid; "
            "give the derived metric another name"
        )


class MetricReader:
    """Per-run access to plain and derived metrics of one store, cached per key."""

    def __init__(
        self,
        store: Store,
        derived: Mapping[str, str] | None = None,
        normalized: Mapping[str, Normalization] | None = None,
    ) -> None:
        self.store = store
        self.derived_texts = dict(derived or {})
        self.derived: dict[str, Expression] = {
            name: parse_expression(text) for name, text in (derived or {}).items()
        }
        self.normalized = dict(normalized or {})
        self.constant_inputs: dict[int, set[str]] = {}  # derived metrics: inputs a run logged only once
        self._keys = set(store.metric_keys())
        self._check_derived_names()  # first: `acc = "acc * 100"` over a logged acc is a name taken
        circle = derived_cycle(self.derived)
        if circle is not None:  # evaluating it would recurse without end
            raise QueryError(
                f"derived metric {circle[0]!r} {circle_words(circle)} ({' → '.join(circle)}); define it "
                "from logged metrics, under a name of its own"
            )
        self._summaries: dict[str, dict[int, dict[str, Any]]] = {}
        self._series: dict[str, dict[int, tuple[Any, Any, Any]]] = {}
        self._summary_arrays: dict[str, Summaries] = {}
        self._matrices: dict[str, MetricSeries] = {}
        self._indexes: dict[str, SeriesIndex] = {}
        self._reduced: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray]] = {}
        self._planned: dict[str, list[Job]] = {}
        self._curve_codes: dict[str, np.ndarray] = {}

    def _check_derived_names(self) -> None:
        """Raise when a derived metric has the name of a logged one (it would be read in its place)."""
        for name in self.derived:
            if name in self._keys:
                raise DerivedNameTaken(name)

    def plan(self, metrics: Iterable[MetricSpec]) -> None:
        """Say which reductions the coming tables will ask for: the first time a metric's matrix is
        decoded, every one of its planned reductions is computed and the matrix is let go, so that a
        build holds one metric's series at a time (`curves` decodes it again if asked)."""
        for metric in metrics:
            try:
                reduction = parse_reduction(metric.reduce)
            except QueryError:
                continue  # the table reports it when it is computed
            keys = (metric.name, *reduction.metrics)
            if reduction.kind == "best_mean" or not all(k in self._keys and self._is_plain(k) for k in keys):
                continue
            if reduction.kind in _SUMMARY_KINDS and not metric.skip_first:
                continue  # read from the stored summaries
            self._planned.setdefault(metric.name, []).append(("reduce", reduction, metric.skip_first))
            if reduction.kind == "at":  # a run without a point at the step: where its points lie
                self._planned[metric.name].append(("spans", None, metric.skip_first))
            if reduction.kind == "best":
                job = ("best steps", reduction.direction, metric.skip_first)
                self._planned.setdefault(reduction.other, []).append(job)

    def check(self, key: str) -> None:
        """Raise when a metric key is neither logged by any run nor derived."""
        if key in self.normalized:  # checked even when some runs log it already normalised
            self._check_normalized(self.normalized[key])
            return
        if key in self._keys:
            return
        if key in self.derived:
            known = [*self._keys, *self.derived, *self.normalized, *self.store.param_keys()]
            for name in self.derived[key].names:
                if name not in known:
                    hint = did_you_mean(name, known, "metrics and params")
                    raise QueryError(
                        f"derived metric {key!r} reads {name!r}, no run logs it as a metric or param; {hint}"
                    )
            return
        runs, values = self.store.param_column(key) if key in self.store.param_keys() else ([], [])
        params = len(runs)
        if params:
            adapters = sorted({run.adapter for run in self.store.runs() if key in run.params})
            aggregated = [value for value in values if isinstance(value, str) and _AGGREGATED.search(value)]
            if aggregated:  # a summary table's `0.8481 ± 0.0092`: no number of one run
                raise QueryError(
                    f"no run logs a metric {key!r}, but {params} run(s) have a param {key!r} whose values "
                    f"are already aggregated ({clipped(aggregated[0])!r}), text and not numbers: a table "
                    "aggregates one number per run over the seeds; collect the per-seed results instead"
                )
            numbers = all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in values)
            if set(adapters) & _TYPED_FIELDS and numbers:  # a text is a setting: `model` is no metric
                have = _numbers_read_as_param(key, adapters)
                raise QueryError(f"no run logs a metric {key!r}, but {params} run(s) {have}")
            raise QueryError(
                f"no run logs a metric {key!r}, but {params} run(s) have a param {key!r} (read by "
                f"{', '.join(adapters)}): a setting, not a measurement; make it a row or column key, or "
                "select runs by it"
            )
        if not self._keys and not self.store.counts()["runs"]:  # not a typo: no run is there to log it yet
            from resultsbook.query.select import nothing_collected

            raise nothing_collected(self.store)
        hint = (
            _reduction_hint(key, self._keys)
            or _listed_metrics_hint(key, self._keys)
            or _split_metric_hint(key, self._keys)
            or _over_replicates_hint(key, self._keys)
            or did_you_mean(key, [*self._keys, *self.derived, *self.normalized], "logged metrics")
        )
        raise no_metric_error(key, self._keys, _step_column_hint(key) + hint)

    def _check_normalized(self, normalization: Normalization) -> None:
        """Raise when a `[normalized]` metric's raw metric is logged by no run, or its task key is a
        param of none: every run would be left out but those that log it already normalised."""
        from resultsbook.query.runs import RUN_FIELDS
        from resultsbook.query.select import check_params_exist

        context = f"[normalized.{normalization.name}]"
        try:
            self.check(normalization.metric)
            check_params_exist(f"{context} task", normalization.task, [*self.store.param_keys(), *RUN_FIELDS])
        except QueryError as error:
            text = str(error)
            raise QueryError(text if text.startswith(context) else f"{context} {text}") from error

    def check_reduction(self, text: str) -> None:
        """Raise when a reduction is not understood; best(KEY) with a KEY no run logs says so (with
        the key meant) rather than that KEY's direction cannot be told."""
        try:
            parse_reduction(text)
        except UnknownDirection as error:
            try:
                self.check(error.key)
            except QueryError as missing:
                raise QueryError(f"reduction {text!r}: {missing}") from error
            raise

    def logs(self, key: str) -> bool:
        """Tell whether some run of the store logged a metric of this very key."""
        return key in self._keys

    def runs_with(self, key: str) -> set[int]:
        """Return the ids of runs that have a value for a metric (derived: all of its metric inputs)."""
        if key in self.derived:
            inputs = [name for name in self.derived[key].names if name in self._keys or name in self.derived]
            found: set[int] | None = None
            for name in inputs:
                have = self.runs_with(name)
                found = have if found is None else found & have
            return found or set()
        if key in self.normalized:
            logged = self._logged_runs(key)
            return self.runs_with(self.normalized[key].metric) | logged
        return self._logged_runs(key)

    def keys_logged_by(self, ids: set[int]) -> list[str]:
        """Return the metrics some of these runs logged (a did-you-mean when none logged the one asked)."""
        return sorted(key for key in self._keys if not ids.isdisjoint(self._logged_runs(key)))

    def _logged_runs(self, key: str) -> set[int]:
        if key not in self._keys:
            return set()
        return set(self.summary_arrays(key).logged().tolist())

    def having(self, key: str, runs: Runs) -> np.ndarray:
        """Return where runs have a value of a metric (as `runs_with`)."""
        if key in self._keys and key not in self.derived and key not in self.normalized:
            return np.isin(runs.ids, self.summary_arrays(key).logged())
        having = self.runs_with(key)
        return np.fromiter((run in having for run in runs.ids.tolist()), dtype=bool, count=len(runs))

    def logged_instead(self, key: str, runs: Runs) -> list[tuple[str, int]]:
        """Return the logged metrics named like `key` (a typo, another algorithm's name for it), or like
        the metrics it is computed from, and how many of these runs, which lack `key`, log each."""
        import difflib

        if not len(runs):
            return []
        inputs = self.computed_from(key)  # a derived metric: what its runs log instead of its inputs
        others = sorted(self._keys - {key, *inputs})
        matches = (difflib.get_close_matches(wanted, others, n=3, cutoff=0.75) for wanted in inputs or [key])
        alike = list(dict.fromkeys(name for found in matches for name in found))
        counts = [(name, int(self.having(name, runs).sum())) for name in alike]
        return sorted(((name, n) for name, n in counts if n), key=lambda item: -item[1])

    def read_as_param(self, key: str, runs: Runs) -> str:
        """Say how many of these runs, which lack the metric `key`, have a number of that name that a
        results file's reader took for a param (a column of whole numbers in their file, `0.0` in every
        row), with the option that reads it as a metric; "" when none has."""
        values, has = runs.param(key)
        adapters = runs.field("adapter")
        typed = [
            bool(there)
            and adapter in _TYPED_FIELDS
            and (_quoted_number(value) or (isinstance(value, (int, float)) and not isinstance(value, bool)))
            for value, there, adapter in zip(values.tolist(), has.tolist(), adapters.tolist())
        ]
        count = sum(typed)
        if not count:
            return ""
        readers = sorted({adapter for adapter, took in zip(adapters.tolist(), typed) if took})
        quoted = [value for value, took in zip(values.tolist(), typed) if took and isinstance(value, str)]
        if quoted:  # "score": "0.6": a number in quotes is text, and text a setting
            return (
                f"{count} of them hold it as text ({quoted[0]!r}: a number written in quotes), read as a "
                f'param; collect again with {option("option", f"metrics={key}")} (metrics = "{key}" in the '
                "options of its [[sources]] entry) to read it as a number"
            )
        return f"{count} of them {_numbers_read_as_param(key, readers)}"

    def computed_from(self, key: str) -> list[str]:
        """Return the logged metrics a derived or normalised metric is computed from (none if logged)."""
        if key in self.normalized:
            return [self.normalized[key].metric]
        if key in self.derived:
            return [name for name in self.derived[key].names if name in self._keys]
        return []

    def curve_codes(self, key: str, runs: np.ndarray) -> np.ndarray | None:
        """Return a code per run (internal ids) that two runs share when they logged one same curve of
        a logged metric, point for point (`curve_codes_of`); -1 for a run no other run of the store
        logged alike. None for a derived or normalised metric. Coded once per key for every run that
        logged it: each table of a build looks up its runs."""
        if not self._is_plain(key) or key not in self._keys:
            return None
        if key not in self._curve_codes:
            self._curve_codes[key] = self._code_curves(key)
        summaries = self.summary_arrays(key)
        if not len(summaries.runs):
            return np.full(len(runs), -1, dtype=np.int64)
        found, at = summaries.find(runs)
        return np.where(found, self._curve_codes[key][at], -1)

    def _code_curves(self, key: str) -> np.ndarray:
        """Return the curve code of every run that logged a key, in the order of its summaries. Runs
        whose summaries differ are never read: only alike ones are compared."""
        summaries = self.summary_arrays(key)
        runs = summaries.runs
        codes = np.full(len(runs), -1, dtype=np.int64)
        columns = summaries.columns
        n = summaries.n
        curve = np.flatnonzero((n >= MIN_CURVE_POINTS) & (columns["min"] < columns["max"]))
        means = columns["mean"][curve]
        _, inverse, counts = np.unique(means, return_inverse=True, return_counts=True)
        curve = curve[counts[inverse.ravel()] > 1]  # a mean of its own: a curve of its own (one sort)
        if len(curve) < 2:
            return codes
        rows = np.column_stack(
            [n[curve].astype(np.float64), *(columns[name][curve] for name in ("last", "min", "max", "mean"))]
        )
        _, inverse, counts = np.unique(
            rows.view(np.dtype((np.void, rows.shape[1] * 8))), return_inverse=True, return_counts=True
        )
        alike = curve[counts[inverse.ravel()] > 1]
        if not len(alike):
            return codes
        series = self.store.series(key, runs[alike].tolist())
        stored = [series.get(int(runs[position])) for position in alike.tolist()]
        codes[alike] = curve_codes_of([None if s is None or s[1] is None else (s[0], s[1]) for s in stored])
        return codes

    def summary_arrays(self, key: str) -> Summaries:
        """Return the stored per-run summaries of a logged metric as arrays."""
        if key not in self._summary_arrays:
            self._summary_arrays[key] = Summaries.read(self.store, key)
        return self._summary_arrays[key]

    def matrices(self, key: str) -> MetricSeries:
        """Return every run's series of a logged metric, decoded at once."""
        if key not in self._matrices:
            self._matrices[key] = MetricSeries.read(self.store, key)
            self._indexes[key] = self._matrices[key].index()
        return self._matrices[key]

    def series_index(self, key: str) -> SeriesIndex:
        """Return where each run's series of a logged metric sits in arrays computed from it."""
        if key not in self._indexes:
            self.matrices(key)
        return self._indexes[key]

    def summaries(self, key: str) -> dict[int, dict[str, Any]]:
        """Return the stored per-run summaries of a logged metric."""
        if key not in self._summaries:
            self._summaries[key] = self.store.metric_summaries(key)
        return self._summaries[key]

    def curves(self, key: str, runs: Iterable[StoredRun] | Runs, skip_first: int = 0) -> dict[int, Curve]:
        """Return each run's (steps, values) of a plain, derived or normalised metric, first points cut."""
        columns = Runs.of(runs if isinstance(runs, (Runs, list, tuple)) else list(runs))
        if key in self.normalized:
            return self._normalized_curves(self.normalized[key], columns, skip_first)
        return self._own_curves(key, columns, skip_first)

    def _own_curves(self, key: str, runs: Runs, skip_first: int) -> dict[int, Curve]:
        """Return the curves a run logged (or a derived metric computes) under this very key."""
        if key in self.derived:
            curves = {run.id: self._derived_curve(self.derived[key], run) for run in runs}
        else:
            series = self.matrices(key)
            ids = runs.ids
            blocks, rows = series.locate(ids)
            curves = {}
            for run, block, row in zip(ids.tolist(), blocks.tolist(), rows.tolist()):
                if block >= 0:
                    found = series.blocks[block]
                    curves[run] = (found.steps, found.values[row])
        if skip_first:
            curves = {
                run: (steps[skip_first:], values[skip_first:]) for run, (steps, values) in curves.items()
            }
        return curves

    def value_steps(self, metric: MetricSpec, runs: list[StoredRun]) -> list[tuple[float, float] | None]:
        """Return, for each run, the first and last step of the points its value of `metric` is reduced
        from (`reduced_steps`), as `reduce` reduces it: from the stored summaries for last, min, max and
        mean, from its series otherwise; None where no logged point gives it (a final value alone), and
        for best-mean, whose step is the cell's."""
        reduction = parse_reduction(metric.reduce)
        if reduction.kind == "best_mean":
            return [None] * len(runs)
        plain = self._is_plain(metric.name) and metric.name in self._keys
        if plain and reduction.kind in _SUMMARY_KINDS and not metric.skip_first:
            summaries = self.summary_arrays(metric.name)
            found, at = summaries.find(np.array([run.id for run in runs], dtype=np.int64))
            columns = summaries.columns
            first = "last_step" if reduction.kind == "last" else "first_step"
            return [
                (float(columns[first][i]), float(columns["last_step"][i])) if has and summaries.n[i] else None
                for has, i in zip(found.tolist(), at.tolist())
            ]
        curves = self.curves(metric.name, runs, metric.skip_first)
        others = self.curves(reduction.other, runs, metric.skip_first) if reduction.other else {}
        return [
            reduced_steps(reduction, *curves[run.id], others.get(run.id)) if run.id in curves else None
            for run in runs
        ]

    def best_steps(self, metric: MetricSpec, runs: list[StoredRun]) -> list[float | None]:
        """Return, for each run, the step where best(KEY)'s KEY is best (the metric's point read is the
        last at or before it); None for another reduction, or a run with no curve of KEY."""
        reduction = parse_reduction(metric.reduce)
        if reduction.kind != "best" or reduction.other is None:
            return [None] * len(runs)
        others = self.curves(reduction.other, runs, metric.skip_first)
        return [
            best_step_of(*others[run.id], reduction.direction) if run.id in others else None for run in runs
        ]

    def values(self, metric: MetricSpec, runs: Iterable[StoredRun]) -> dict[int, float]:
        """Reduce each run's metric to one number (NaN where the run has none)."""
        return self.values_with_notes(metric, runs)[0]

    def values_with_notes(
        self, metric: MetricSpec, runs: Iterable[StoredRun]
    ) -> tuple[dict[int, float], dict[int, ValueNote]]:
        """Reduce each run's metric to one number, with a note for each value substituted or refused."""
        columns = Runs.of(runs if isinstance(runs, (Runs, list, tuple)) else list(runs))
        values, notes = self.reduce(metric, columns)
        return dict(zip(columns.ids.tolist(), values.tolist())), notes

    def reduce(self, metric: MetricSpec, runs: Runs) -> tuple[np.ndarray, dict[int, ValueNote]]:
        """Reduce each run's metric to one number (NaN where it has none), in the order of `runs`,
        with a note for each value substituted or refused (by internal run id)."""
        reduction = parse_reduction(metric.reduce)
        if reduction.kind == "best_mean":
            raise QueryError("best-mean is computed over a cell's seeds, not per run")
        if metric.name in self.normalized:
            return self._normalized_values(self.normalized[metric.name], metric, runs)
        return self._values(metric, reduction, runs)

    def _values(
        self, metric: MetricSpec, reduction: Reduction, runs: Runs
    ) -> tuple[np.ndarray, dict[int, ValueNote]]:
        """Reduce a logged metric as arrays; a derived one (or one judged by a derived metric) run by run."""
        for key in reduction.metrics:
            self.check(key)
        if not all(self._is_plain(key) for key in (metric.name, *reduction.metrics)):
            by_run, notes = self._plain_values(metric, reduction, list(runs))
            return np.array([by_run[run] for run in runs.ids.tolist()], dtype=np.float64), notes
        if reduction.kind in _SUMMARY_KINDS and not metric.skip_first:
            out, notes = self._summary_values(metric.name, reduction, runs.ids)
        else:
            out, notes = self._series_values(metric, reduction, runs.ids)
        unsaid = np.isnan(out) & ~np.isin(runs.ids, np.fromiter(notes, dtype=np.int64, count=len(notes)))
        if unsaid.any():  # logged, but NaN: said apart from a metric the run never logged
            notes.update(self._nan_notes(metric.name, reduction, runs.ids[unsaid], metric.skip_first))
        return out, notes

    def _nan_notes(self, name: str, reduction: Reduction, ids: np.ndarray, skip: int) -> dict[int, ValueNote]:
        """Say why runs that logged a curve of the metric have no value: every point NaN, or (`last`) the
        curve ends in NaN; runs without a curve get no note (they did not log it)."""
        job = ("spans", None, skip)
        if _job_key(name, job) not in self._reduced:
            self._compute(name, job)
        spans, _ = self._reduced[_job_key(name, job)]
        rows, _ = self.series_index(name).find(ids)
        notes: dict[int, ValueNote] = {}
        for run, row in zip(ids.tolist(), rows.tolist()):
            if row < 0:
                continue
            first, last = spans[row].tolist()
            if math.isnan(first):
                after = f" after the first {skip} (skip_first = {skip})" if skip else ""
                notes[run] = ("refused", f"logged NaN at every point{after}")
            elif reduction.kind in ("last", "last_k"):
                said = (
                    "its last value is NaN"
                    if reduction.kind == "last"
                    else f"its last {reduction.k} points are NaN"
                )
                ending = f"its curve ends in NaN after step {step_text(last)} (diverged?)"
                notes[run] = ("refused", f"{said}: {ending}")
            elif reduction.kind == "best":
                said = f"its value at the best step of {reduction.other!r} is NaN"
                notes[run] = ("refused", f"{said} (its numbers end at step {step_text(last)})")
        return notes

    def _is_plain(self, key: str) -> bool:
        """Tell whether a key is a metric the runs logged (not derived, not normalised)."""
        return key not in self.derived and key not in self.normalized

    def _summary_values(
        self, key: str, reduction: Reduction, ids: np.ndarray
    ) -> tuple[np.ndarray, dict[int, ValueNote]]:
        """Read last, min, max or mean from the stored summaries (a final value where no series)."""
        summaries = self.summary_arrays(key)
        found, at = summaries.find(ids)
        n = np.where(found, summaries.n[at], 0)
        asked = summaries.columns[reduction.kind][at]
        final = summaries.columns["summary"][at]
        out = np.where(found, np.where(n > 0, asked, final), np.nan)
        notes: dict[int, ValueNote] = {}
        if reduction.kind != "last":
            substituted = found & (n == 0) & summaries.has_summary[at]
            note = ("substituted", f"logged only a final value, taken as its {reduction.kind}")
            notes = dict.fromkeys(ids[substituted].tolist(), note)
            # a curve that ends in NaN diverged (or broke): its min, max and mean are of the points before
            diverged = found & (n > 0) & np.isnan(summaries.columns["last"][at]) & ~np.isnan(out)
            notes.update(dict.fromkeys(ids[diverged].tolist(), _diverged_note(reduction)))
        return out, notes

    def _series_values(
        self, metric: MetricSpec, reduction: Reduction, ids: np.ndarray
    ) -> tuple[np.ndarray, dict[int, ValueNote]]:
        """Reduce each run's series, every run that logged the same steps at once."""
        reduced, empty = self._reduced_rows(metric.name, reduction, metric.skip_first)  # first: see plan
        rows, _ = self.series_index(metric.name).find(ids)
        out = np.full(len(ids), np.nan)
        has = rows >= 0
        out[has] = reduced[rows[has]]
        emptied = np.zeros(len(ids), dtype=bool)
        emptied[has] = empty[rows[has]]
        notes: dict[int, ValueNote] = {}
        if metric.skip_first:
            note = ("refused", f"skip_first = {metric.skip_first} removed every point")
            notes.update(dict.fromkeys(ids[emptied].tolist(), note))
        summaries = self.summary_arrays(metric.name)
        found, at = summaries.find(ids)
        final_only = ~has & found & summaries.has_summary[at]
        note = ("refused", f"logged only a final value; {_needs(reduction, metric)}")
        notes.update(dict.fromkeys(ids[final_only].tolist(), note))
        if reduction.kind == "at":
            short = has & ~emptied & np.isnan(out)
            notes.update(self._outside_step(metric.name, reduction, ids[short], metric.skip_first))
        elif reduction.kind != "last":  # last(k), best(KEY), or min, max, mean after skip_first
            ended = found & (summaries.n[at] > 0) & np.isnan(summaries.columns["last"][at])
            diverged = has & ~emptied & ended & ~np.isnan(out)
            notes.update(dict.fromkeys(ids[diverged].tolist(), _diverged_note(reduction)))
        if reduction.kind == "best":
            other_rows, points = self.series_index(reduction.other).find(ids)
            lacking = has & ~emptied & ((other_rows < 0) | (points <= metric.skip_first))
            out[lacking] = np.nan
            note = ("refused", f"logged no {reduction.other!r} curve for {reduction.text}")
            notes.update(dict.fromkeys(ids[lacking].tolist(), note))
        return out, notes

    def _outside_step(
        self, name: str, reduction: Reduction, ids: np.ndarray, skip: int
    ) -> dict[int, ValueNote]:
        """Say why `at(step)` found no value in runs whose points all lie before or after the step
        (a task trained for fewer steps than the table asks about)."""
        if not len(ids):
            return {}
        job = ("spans", None, skip)
        if _job_key(name, job) not in self._reduced:
            self._compute(name, job)
        spans, _ = self._reduced[_job_key(name, job)]
        rows, _ = self.series_index(name).find(ids)
        summaries = self.summary_arrays(name)
        found, at = summaries.find(ids)
        logged_to = np.where(found, summaries.columns["last_step"][at], np.nan)  # NaN points too
        notes: dict[int, ValueNote] = {}
        for run, row, end in zip(ids.tolist(), rows.tolist(), logged_to.tolist()):
            if row < 0:
                continue
            first, last = spans[row].tolist()
            note = _outside_note(first, last, reduction, end)
            if note is not None:
                notes[run] = note
        return notes

    def _reduced_rows(self, name: str, reduction: Reduction, skip: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the reduction of every stored run's series of a metric (rows in `series_index`
        order), and where skipping the first points left none: computed once for every table."""
        key = (name, reduction, skip)
        if key not in self._reduced:
            self._compute(name, ("reduce", reduction, skip))
        return self._reduced[key]

    def _best_steps(self, reduction: Reduction, skip: int, runs: np.ndarray) -> np.ndarray:
        """Return the best step of `reduction.other` for each run (NaN where it has none)."""
        key = ("best steps", reduction.other, reduction.direction, skip)
        if key not in self._reduced:
            self._compute(reduction.other, ("best steps", reduction.direction, skip))
        rows, _ = self.series_index(reduction.other).find(runs)
        out = np.full(len(runs), np.nan)
        has = rows >= 0
        out[has] = self._reduced[key][0][rows[has]]
        return out

    def _compute(self, name: str, asked: Job) -> None:
        """Compute a job on a metric's matrix, with every job planned for that metric; the steps
        its `best(...)` reductions need of other metrics are computed first (one matrix at a time),
        and a planned metric's matrix is let go afterwards."""
        planned = self._planned.pop(name, [])
        jobs = [job for job in dict.fromkeys([asked, *planned]) if _job_key(name, job) not in self._reduced]
        for job in jobs:
            if job[0] == "reduce" and job[1].kind == "best":
                other = ("best steps", job[1].direction, job[2])
                if _job_key(job[1].other, other) not in self._reduced:
                    self._compute(job[1].other, other)
        series = self.matrices(name)
        for job in jobs:
            self._reduced[_job_key(name, job)] = self._run(series, job)
        if planned:
            del self._matrices[name]  # its index stays: where each run's row is, and its length

    def _run(self, series: MetricSeries, job: Job) -> tuple[np.ndarray, np.ndarray]:
        """Return one job's values for every row of the blocks laid end to end, and where skipping
        the first points left none."""
        kind, how, skip = job
        parts, empties = [], []
        for block in series.blocks:
            kept = block.skip(skip)
            if kind == "spans":
                parts.append(logged_spans(kept.steps, kept.values))
            elif kind == "best steps":
                parts.append(
                    best_steps_of_rows(kept.steps, kept.values, how)
                    if len(kept.steps)
                    else np.full(len(block.runs), np.nan)
                )
            else:
                at_steps = self._best_steps(how, skip, block.runs) if how.kind == "best" else None
                parts.append(reduce_rows(how, kept.steps, kept.values, at_steps))
            empties.append(np.full(len(block.runs), len(kept.steps) == 0))
        flat = np.concatenate(parts) if parts else np.zeros(0)
        return flat, np.concatenate(empties) if empties else np.zeros(0, dtype=bool)

    def _plain_values(
        self, metric: MetricSpec, reduction: Reduction, runs: list[StoredRun]
    ) -> tuple[dict[int, float], dict[int, ValueNote]]:
        plain = metric.name not in self.derived
        notes: dict[int, ValueNote] = {}
        if plain and reduction.kind in _SUMMARY_KINDS and not metric.skip_first:
            rows = self.summaries(metric.name)
            out: dict[int, float] = {}
            for run in runs:
                row = rows.get(run.id)
                out[run.id] = _summary_value(row, reduction.kind)
                if (
                    row is not None
                    and not row["n"]
                    and row["summary"] is not None
                    and reduction.kind != "last"
                ):
                    notes[run.id] = (
                        "substituted",
                        f"logged only a final value, taken as its {reduction.kind}",
                    )
            return out, notes
        curves = self._own_curves(metric.name, Runs.of(runs), metric.skip_first)
        others = self._other_curves(reduction, runs, metric.skip_first)
        rows = self.summaries(metric.name) if plain else {}
        out = {}
        for run in runs:
            curve = curves.get(run.id)
            if curve is None or len(curve[1]) == 0:
                out[run.id] = float("nan")
                if curve is not None and metric.skip_first:
                    notes[run.id] = ("refused", f"skip_first = {metric.skip_first} removed every point")
                elif rows.get(run.id) is not None and rows[run.id]["summary"] is not None:
                    notes[run.id] = ("refused", f"logged only a final value; {_needs(reduction, metric)}")
                continue
            other = others.get(reduction.other, {}).get(run.id) if reduction.other else None
            if reduction.other and (other is None or len(other[1]) == 0):
                out[run.id] = float("nan")
                notes[run.id] = ("refused", f"logged no {reduction.other!r} curve for {reduction.text}")
                continue
            out[run.id] = reduce_series(reduction, curve[0], curve[1], other)
            missed = reduction.kind == "at" and out[run.id] != out[run.id]  # NaN: no point at the step
            logged = curve[0][~np.isnan(curve[1])]
            outside = (
                _outside_note(logged[0], logged[-1], reduction, curve[0][-1])
                if missed and len(logged)
                else None
            )
            if outside is not None:
                notes[run.id] = outside
            elif not plain and run.id in self.constant_inputs and reduction.kind != "last":
                # at the last step a final value is the value asked; elsewhere it stands in
                names = ", ".join(sorted(self.constant_inputs[run.id]))
                notes[run.id] = ("substituted", f"logged only a final value of {names}, used at every step")
        return out, notes

    def _normalized_values(
        self, normalization: Normalization, metric: MetricSpec, runs: Runs
    ) -> tuple[np.ndarray, dict[int, ValueNote]]:
        """Normalise the raw metric's values per task; runs that logged the normalised metric keep it."""
        computed = self.having(normalization.metric, runs)
        raw = MetricSpec(
            normalization.metric, metric.reduce, metric.skip_first, metric.budget, metric.direction
        )
        out = np.full(len(runs), np.nan)
        notes: dict[int, ValueNote] = {}
        if computed.any():
            chosen = runs.take(computed)
            values, notes = self._values(raw, parse_reduction(metric.reduce), chosen)
            low, high, missing = normalization.references_of(chosen)
            out[computed] = normalization.apply(values, (low, high))  # NaN where no reference
            notes.update({run: ("refused", text) for run, text in missing.items()})
        logged = ~computed
        if logged.any():
            own = runs.take(logged)
            values, own_notes = self._values(metric, parse_reduction(metric.reduce), own)
            out[logged] = values
            notes.update(own_notes)
            for run in own.ids.tolist():
                notes.setdefault(run, ("logged", f"logged {metric.name} itself"))
        return out, notes

    def _normalized_curves(
        self, normalization: Normalization, runs: Runs, skip_first: int
    ) -> dict[int, Curve]:
        having = self.having(normalization.metric, runs)
        computed = runs.take(having)
        raw = self.curves(normalization.metric, computed, skip_first)
        low, high, missing = normalization.references_of(computed)
        out = {}
        for index, run in enumerate(computed.ids.tolist()):
            if run in raw and run not in missing:
                steps, values = raw[run]
                out[run] = (steps, normalization.apply(values, (low[index], high[index])))
        logged = runs.take(~having)
        if len(logged) and normalization.name in self._keys:
            out.update(self._own_curves(normalization.name, logged, skip_first))
        return out

    def _other_curves(
        self, reduction: Reduction, runs: list[StoredRun], skip: int
    ) -> dict[str, dict[int, Curve]]:
        """Load the curves of the metric a `best(...)` reduction looks at."""
        found = {}
        for key in reduction.metrics:
            self.check(key)
            found[key] = self.curves(key, runs, skip)
        return found

    def _derived_curve(self, expression: Expression, run: StoredRun) -> Curve:
        """Evaluate a derived metric over the steps all of its metric inputs share."""
        inputs: dict[str, Any] = {}
        for name in expression.names:
            if name in self._keys or name in self.derived:
                curve = self.curves(name, [run]).get(run.id)
                if curve is None:
                    value = (
                        _summary_value(self.summaries(name).get(run.id), "summary")
                        if name in self._keys
                        else np.nan
                    )
                    if not np.isnan(value):
                        self.constant_inputs.setdefault(run.id, set()).add(name)
                    inputs[name] = value
                else:
                    inputs[name] = curve
            elif name in run.params:
                inputs[name] = _as_number(run.params[name], name, expression.text)
            else:
                raise QueryError(
                    f"derived metric {expression.text!r}: {name!r} is neither a metric nor a param of run "
                    f"{run.name}; check the spelling or put names with '/' in backticks"
                )
        steps = None
        for value in inputs.values():
            if isinstance(value, tuple):
                steps = value[0] if steps is None else np.intersect1d(steps, value[0])
        if steps is None:
            result = expression.evaluate(lambda name: inputs[name])
            return np.array([0]), np.array([float(result)])
        aligned = {
            name: value[1][np.searchsorted(value[0], steps)] if isinstance(value, tuple) else value
            for name, value in inputs.items()
        }
        return steps, np.asarray(expression.evaluate(lambda name: aligned[name]), dtype=np.float64)


def _job_key(name: str, job: Job) -> tuple[Any, ...]:
    """Return the cache key of a job on a metric."""
    return (name, job[1], job[2]) if job[0] == "reduce" else (job[0], name, job[1], job[2])


def _summary_value(row: Mapping[str, Any] | None, kind: str) -> float:
    """Return a reduction from a stored summary row; runs with only a final value report it."""
    if row is None:
        return float("nan")
    if not row["n"] or kind == "summary":
        return float("nan") if row["summary"] is None else float(row["summary"])
    value = row[kind]
    return float("nan") if value is None else float(value)


def _needs(reduction: Reduction, metric: MetricSpec) -> str:
    """Say why a final value alone cannot give the reduction."""
    if metric.skip_first and reduction.kind in _SUMMARY_KINDS:
        return f"skip_first = {metric.skip_first} needs its curve"
    return f"{reduction.text} needs its curve"


def _as_number(value: Any, name: str, text: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise QueryError(f"derived metric {text!r}: param {name!r} is {value!r}, not a number")
    return float(value)


def no_metric_error(key: str, logged: Iterable[str], hint: str | None = None) -> QueryError:
    """Return the error for a metric no run logs: the key meant, or where to look when no run logs any."""
    logged = set(logged)
    if not logged:  # runs with params alone: their logs went unread, which the collect reported
        return QueryError(
            f"no run logs a metric {key!r}: no run in the store logs any metric; "
            f"{command('problems')} lists what the collect could not read"
        )
    hint = (
        hint
        or _split_metric_hint(key, logged)
        or _over_replicates_hint(key, logged)
        or did_you_mean(key, logged, "logged metrics")
    )
    return QueryError(f"no run logs a metric {key!r}; {hint}")


def _split_metric_hint(key: str, logged: Iterable[str]) -> str | None:
    """Name both halves of a metric Lightning logged per step and per epoch (`val_acc_epoch`,
    `val_acc_step`), of which a guess by spelling would pick one."""
    split = [f"{key}_epoch", f"{key}_step"]
    if not set(logged).issuperset(split):
        return None
    return (
        f"did you mean {split[0]!r} or {split[1]!r}? (Lightning logs a metric logged with on_step and "
        "on_epoch as both: its mean over each epoch, and its value at each step)"
    )


def _over_replicates_hint(key: str, logged: Iterable[str]) -> str | None:
    """Say that `mean_test_score`, `std_test_score` or `rank_test_score` (scikit-learn's cv_results_
    columns over folds) is the table's to compute from the logged `test_score`; None otherwise."""
    prefix, _, metric = key.partition("_")
    if prefix not in ("mean", "std", "rank") or metric not in set(logged):
        return None
    if prefix == "rank":
        return f"did you mean {metric!r}? (a rank is no metric to average: the bold best is the table's rank)"
    stats = said("--stat mean,std", "stats=('mean', 'std')")
    return (
        f"did you mean {metric!r}? (its {prefix} over the replicates, seeds or the folds of a "
        f"cross-validation, is the table's to compute: {stats}, with {said('--ddof 0', 'ddof=0')} for "
        "the population std, as scikit-learn's std_test_score)"
    )


def _step_column_hint(key: str) -> str:
    """Say that a column named like a step (`epoch` of a Keras history CSV) gave each point its step."""
    if key.lower() not in STEP_COLUMNS or key.lower() == "step":
        return ""
    return f"a CSV log's {key!r} column is read as its points' steps, not a metric (a curve's x = \"step\"); "


def _quoted_number(value: Any) -> bool:
    """Tell whether a param's value is a finite number written as text (`"0.6"`)."""
    if not isinstance(value, str):
        return False
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def _numbers_read_as_param(key: str, adapters: Sequence[str]) -> str:
    """Say that runs have a param `key` that their results files' reader (records, onefile) took for
    a setting, with the option that reads it as a metric: `have a param … ; collect again with …`."""
    why = (
        "which makes a number not named like a result, in a file not named as results, a param"
        if list(adapters) == ["onefile"]
        else "which makes fields of whole numbers params"
    )
    return (
        f"have a param {key!r} (read by {', '.join(adapters)}, {why}); collect again with "
        f'{option("option", f"metrics={key}")} (metrics = "{key}" in the options of its [[sources]] entry)'
    )


def _reduction_hint(key: str, logged: Iterable[str]) -> str | None:
    """Say how a table asks for `val/loss:min`, as `resultsbook runs --metric` takes it: a logged
    metric and a reduction; None when the key is not that."""
    metric, colon, reduction = key.rpartition(":")
    if not colon or metric not in logged:
        return None
    try:
        parse_reduction(reduction)
    except QueryError as error:  # `val/loss:maxx`: a reduction mistyped, not a metric
        return f"{metric!r} is logged, and a table reduces it with {option('reduce', 'R')}: {error}"
    given = said(
        f"{option('metric', metric)} {option('reduce', reduction)}",
        f"{option('metric', metric)}, {option('reduce', reduction)}",
    )
    return f"a table reduces each run's {metric!r} with {given}"


def _listed_metrics_hint(key: str, logged: Iterable[str]) -> str | None:
    """Say how a table asks for several metrics given as one `a,b` (as rows take keys); None when the
    key is not logged metrics joined by commas."""
    names = [name.strip() for name in key.split(",")]
    if len(names) < 2 or not set(names) <= set(logged):
        return None
    given = said(
        f"give each its own --metric ({' '.join(option('metric', name) for name in names)}; "
        f"metrics = {json.dumps(names)} in a spec)",
        f"give them as a list: metric={names!r}",
    )
    return f"{key!r} names {len(names)} logged metrics, a column each: {given}"


def _diverged_note(reduction: Reduction) -> ValueNote:
    """Return the note of a run whose curve ends in NaN, reduced from the points before."""
    return ("substituted", f"with a curve ending in NaN (diverged?): {reduction.text} of the points before")


def _outside_note(
    first: float, last: float, reduction: Reduction, logged_to: float = math.nan
) -> ValueNote | None:
    """Say why `at(step)` found no value in a run whose points, logged from step `first` to step
    `last` (NaN points up to `logged_to`), all lie before or after the step, or that the point it
    reads there is NaN; None when it logged none (NaN)."""
    if last < reduction.step <= logged_to:  # it logged the step, as NaN
        ending = f"its curve ends in NaN after step {step_text(last)} (diverged?)"
        return ("refused", f"its value {reduction.text} is NaN: {ending}")
    if last < reduction.step:
        stopped = logged_to if logged_to > last else last  # NaN points after its last number count
        return ("refused", f"stopped at step {step_text(stopped)}, before {reduction.text}")
    if first > reduction.step:
        return ("refused", f"logged from step {step_text(first)}, after {reduction.text}")
    if first <= reduction.step <= last:  # a NaN point between its numbers
        return ("refused", f"its value {reduction.text} is NaN")
    return None
