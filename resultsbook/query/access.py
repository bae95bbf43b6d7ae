"""Read metric values out of the store per run: summaries when they suffice, series when needed,
derived metrics computed point by point."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from resultsbook.errors import QueryError, did_you_mean
from resultsbook.models import StoredRun
from resultsbook.query.expr import Expression, parse_expression
from resultsbook.query.model import MetricSpec
from resultsbook.query.reduce import Reduction, parse_reduction, reduce_series
from resultsbook.store import Store

Curve = tuple[np.ndarray, np.ndarray]  # steps, values
_SUMMARY_KINDS = {"last", "min", "max", "mean"}


class MetricReader:
    """Per-run access to plain and derived metrics of one store, cached per key."""

    def __init__(self, store: Store, derived: Mapping[str, str] | None = None) -> None:
        self.store = store
        self.derived_texts = dict(derived or {})
        self.derived: dict[str, Expression] = {
            name: parse_expression(text) for name, text in (derived or {}).items()
        }
        self._keys = set(store.metric_keys())
        self._summaries: dict[str, dict[int, dict[str, Any]]] = {}
        self._series: dict[str, dict[int, tuple[Any, Any, Any]]] = {}

    def check(self, key: str) -> None:
        """Raise when a metric key is neither logged by any run nor derived."""
        if key in self._keys:
            return
        if key in self.derived:
            known = [*self._keys, *self.derived, *self.store.param_keys()]
            for name in self.derived[key].names:
                if name not in known:
                    hint = did_you_mean(name, known, "metrics and params")
                    raise QueryError(
                        f"derived metric {key!r} reads {name!r}, no run logs it as a metric or param; {hint}"
                    )
            return
        hint = did_you_mean(key, [*self._keys, *self.derived], "logged metrics")
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
        return {run for run, row in self.summaries(key).items() if row["n"] or row["summary"] is not None}

    def summaries(self, key: str) -> dict[int, dict[str, Any]]:
        """Return the stored per-run summaries of a logged metric."""
        if key not in self._summaries:
            self._summaries[key] = self.store.metric_summaries(key)
        return self._summaries[key]

    def curves(self, key: str, runs: Iterable[StoredRun], skip_first: int = 0) -> dict[int, Curve]:
        """Return each run's (steps, values) of a plain or derived metric, first points skipped."""
        runs = list(runs)
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
        runs = list(runs)
        reduction = parse_reduction(metric.reduce)
        if reduction.kind == "best_mean":
            raise QueryError("best-mean is computed over a cell's seeds, not per run")
        plain = metric.name not in self.derived
        if plain and reduction.kind in _SUMMARY_KINDS and not metric.skip_first:
            rows = self.summaries(metric.name)
            return {run.id: _summary_value(rows.get(run.id), reduction.kind) for run in runs}
        curves = self.curves(metric.name, runs, metric.skip_first)
        others = self._other_curves(reduction, runs, metric.skip_first)
        rows = self.summaries(metric.name) if plain else {}
        out: dict[int, float] = {}
        for run in runs:
            curve = curves.get(run.id)
            if curve is None or len(curve[1]) == 0:
                out[run.id] = _summary_value(rows.get(run.id), "summary")
                continue
            other = others.get(reduction.other, {}).get(run.id) if reduction.other else None
            out[run.id] = reduce_series(reduction, curve[0], curve[1], other)
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


def _as_number(value: Any, name: str, text: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise QueryError(f"derived metric {text!r}: param {name!r} is {value!r}, not a number")
    return float(value)
