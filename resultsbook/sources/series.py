"""Assemble metric series from logged points: order by step, settle duplicate steps, count NaNs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from resultsbook.models import Problem, Series


class SeriesBuilder:
    """Collect points per metric key, one at a time or a column at a time, and build `Series`."""

    def __init__(self) -> None:
        self._points: dict[str, tuple[list[float], list[float], list[float]]] = {}
        self._columns: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        self._counts: dict[str, int] = {}

    def add(self, key: str, step: float, value: float, time: float | None = None) -> None:
        """Append one point of one metric."""
        points = self._points.get(key)
        if points is None:
            points = self._points[key] = ([], [], [])
        points[0].append(step)
        points[1].append(value)
        points[2].append(np.nan if time is None else time)
        self._counts[key] = self._counts.get(key, 0) + 1

    def add_column(
        self,
        key: str,
        steps: Sequence[float] | np.ndarray,
        values: np.ndarray,
        times: np.ndarray | None = None,
    ) -> None:
        """Append many points of one metric at once (the fast path for columnar logs)."""
        steps_array = np.asarray(steps, dtype=np.float64)
        times_array = np.full(len(values), np.nan) if times is None else np.asarray(times, dtype=np.float64)
        self._columns.setdefault(key, []).append(
            (steps_array, np.asarray(values, dtype=np.float64), times_array)
        )
        self._counts[key] = self._counts.get(key, 0) + len(values)

    def add_row(self, step: float, time: float | None, values: Mapping[str, float]) -> None:
        """Append one point for each metric of a row logged at one step."""
        for key, value in values.items():
            self.add(key, step, value, time)

    def next_step(self, key: str) -> int:
        """Return the index the next point of `key` would get (for logs without a step)."""
        return self._counts.get(key, 0)

    def build(self, path: str) -> tuple[dict[str, Series], list[Problem]]:
        """Return the series by key and the problems met (duplicate steps, non-finite values)."""
        series: dict[str, Series] = {}
        problems: list[Problem] = []
        # metrics logged together share one steps array; the original is kept as well, since a freed
        # array's id can be reused by the next key's steps
        typed: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for key in self._counts:
            steps, values, times = self._arrays(key)
            steps, values, times, duplicates = _settle_steps(steps, values, times)
            if duplicates:
                problems.append(
                    Problem(
                        path,
                        f"metric {key!r} logs {duplicates} step(s) more than once",
                        "the last value logged for each step",
                    )
                )
            bad = int(np.count_nonzero(~np.isfinite(values)))
            if bad:
                problems.append(
                    Problem(path, f"metric {key!r} has {bad} NaN/Infinity value(s)", "as NaN/±inf")
                )
            if id(steps) not in typed:
                integral = bool(np.all(np.isfinite(steps)) and np.all(steps == np.round(steps)))
                typed[id(steps)] = (steps, steps.astype(np.int64) if integral else steps)
            series[key] = Series(
                steps=typed[id(steps)][1],
                values=values,
                times=None if np.all(np.isnan(times)) else times,
            )
        return series, problems

    def _arrays(self, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Concatenate a key's columns, then its single points (adapters use one way per key)."""
        chunks = list(self._columns.get(key, []))
        points = self._points.get(key)
        if points is not None:
            chunks.append(tuple(np.asarray(part, dtype=np.float64) for part in points))  # type: ignore[arg-type]
        if len(chunks) == 1:
            return chunks[0]
        return tuple(np.concatenate([chunk[i] for chunk in chunks]) for i in range(3))  # type: ignore[return-value]


def _settle_steps(
    steps: np.ndarray, values: np.ndarray, times: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Sort points by step, keeping the last one logged where a step repeats."""
    if len(steps) < 2 or np.all(steps[1:] > steps[:-1]):
        return steps, values, times, 0
    # unique on the reversed arrays finds each step's last occurrence
    unique, first_in_reversed = np.unique(steps[::-1], return_index=True)
    keep = len(steps) - 1 - first_in_reversed
    return unique, values[keep], times[keep], len(steps) - len(unique)
