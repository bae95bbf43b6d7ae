"""Read metric values out of the store per run: summaries when they suffice, series when needed,
derived metrics computed point by point, normalised metrics with their task's reference scores.

Nothing is substituted silently: a value read in place of what was asked (the only value a run
logged, for `max`) comes with a `substituted` note, a value that cannot be computed (skip_first
removed every point, `at(step)` of a run that logged no curve) is NaN with a `refused` note saying
why; outputs mark both."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from resultsbook.errors import QueryError, did_you_mean
from resultsbook.models import StoredRun
from resultsbook.query.expr import Expression, parse_expression
from resultsbook.query.model import MetricSpec
from resultsbook.query.normalize import Normalization
from resultsbook.query.reduce import Reduction, parse_reduction, reduce_series
from resultsbook.store import Store

Curve = tuple[np.ndarray, np.ndarray]  # steps, values
ValueNote = tuple[str, str]  # (substituted | refused | logged, why), per run
_SUMMARY_KINDS = {"last", "min", "max", "mean"}


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
        self._summaries: dict[str, dict[int, dict[str, Any]]] = {}
        self._series: dict[str, dict[int, tuple[Any, Any, Any]]] = {}

    def check(self, key: str) -> None:
        """Raise when a metric key is neither logged by any run nor derived."""
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
        if key in self.normalized:
            self.check(self.normalized[key].metric)
            return
        params = sum(1 for run in self.store.runs() if key in run.params)
        if params:
            raise QueryError(
                f"no run logs a metric {key!r}, but {params} run(s) have a param {key!r}: records files "
                f"read fields of whole numbers as params; list it in the source's options, "
                f'metrics = "{key}"'
            )
        hint = did_you_mean(key, [*self._keys, *self.derived, *self.normalized], "logged metrics")
        raise QueryError(f"no run logs a metric {key!r}; {hint}")

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

    def _logged_runs(self, key: str) -> set[int]:
        if key not in self._keys:
            return set()
        return {run for run, row in self.summaries(key).items() if row["n"] or row["summary"] is not None}

    def summaries(self, key: str) -> dict[int, dict[str, Any]]:
        """Return the stored per-run summaries of a logged metric."""
        if key not in self._summaries:
            self._summaries[key] = self.store.metric_summaries(key)
        return self._summaries[key]

    def curves(self, key: str, runs: Iterable[StoredRun], skip_first: int = 0) -> dict[int, Curve]:
        """Return each run's (steps, values) of a plain, derived or normalised metric, first points cut."""
        runs = list(runs)
        if key in self.normalized:
            return self._normalized_curves(self.normalized[key], runs, skip_first)
        return self._own_curves(key, runs, skip_first)

    def _own_curves(self, key: str, runs: list[StoredRun], skip_first: int) -> dict[int, Curve]:
        """Return the curves a run logged (or a derived metric computes) under this very key."""
        if key in self.derived:
            curves = {run.id: self._derived_curve(self.derived[key], run) for run in runs}
        else:
            if key not in self._series:
                self._series[key] = self.store.series(key)
            stored = self._series[key]
            curves = {run.id: (stored[run.id][0], stored[run.id][1]) for run in runs if run.id in stored}
        if skip_first:
            curves = {
                run: (steps[skip_first:], values[skip_first:]) for run, (steps, values) in curves.items()
            }
        return curves

    def values(self, metric: MetricSpec, runs: Iterable[StoredRun]) -> dict[int, float]:
        """Reduce each run's metric to one number (NaN where the run has none)."""
        return self.values_with_notes(metric, runs)[0]

    def values_with_notes(
        self, metric: MetricSpec, runs: Iterable[StoredRun]
    ) -> tuple[dict[int, float], dict[int, ValueNote]]:
        """Reduce each run's metric to one number, with a note for each value substituted or refused."""
        runs = list(runs)
        reduction = parse_reduction(metric.reduce)
        if reduction.kind == "best_mean":
            raise QueryError("best-mean is computed over a cell's seeds, not per run")
        if metric.name in self.normalized:
            return self._normalized_values(self.normalized[metric.name], metric, runs)
        return self._plain_values(metric, reduction, runs)

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
        curves = self._own_curves(metric.name, runs, metric.skip_first)
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
            if not plain and run.id in self.constant_inputs:
                names = ", ".join(sorted(self.constant_inputs[run.id]))
                notes[run.id] = ("substituted", f"logged only a final value of {names}, used at every step")
        return out, notes

    def _normalized_values(
        self, normalization: Normalization, metric: MetricSpec, runs: list[StoredRun]
    ) -> tuple[dict[int, float], dict[int, ValueNote]]:
        """Normalise the raw metric's values per task; runs that logged the normalised metric keep it."""
        having = self.runs_with(normalization.metric)
        computed = [run for run in runs if run.id in having]
        logged = [run for run in runs if run.id not in having]
        raw = MetricSpec(
            normalization.metric, metric.reduce, metric.skip_first, metric.budget, metric.direction
        )
        out, notes = (
            self._plain_values(raw, parse_reduction(metric.reduce), computed) if computed else ({}, {})
        )
        for run in computed:
            reference = normalization.reference(run)
            if reference is None:
                out[run.id] = float("nan")
                notes[run.id] = ("refused", normalization.missing_text(run))
            else:
                out[run.id] = float(normalization.apply(out[run.id], reference))
        if logged:
            own, own_notes = self._plain_values(metric, parse_reduction(metric.reduce), logged)
            out.update(own)
            notes.update(own_notes)
            for run in logged:
                notes.setdefault(run.id, ("logged", f"logged {metric.name} itself"))
        return out, notes

    def _normalized_curves(
        self, normalization: Normalization, runs: list[StoredRun], skip_first: int
    ) -> dict[int, Curve]:
        having = self.runs_with(normalization.metric)
        raw = self.curves(normalization.metric, [run for run in runs if run.id in having], skip_first)
        out = {}
        for run in runs:
            if run.id in raw:
                reference = normalization.reference(run)
                if reference is not None:
                    steps, values = raw[run.id]
                    out[run.id] = (steps, normalization.apply(values, reference))
        logged = [run for run in runs if run.id not in having]
        if logged and normalization.name in self._keys:
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
