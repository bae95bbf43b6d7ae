"""Assemble metric series from logged points: order by step, settle duplicate steps, count NaNs.

Steps travel as float64, which holds every integer below 2**53 (9,007,199,254,740,992) exactly: a
step must be a finite number between -2**53 and 2**53. Points at other steps (NaN, 2**63 from a
wrapped counter, 2**53 + 1 already rounded to 2**53) are dropped and reported; negative steps are
kept, and reported as unusual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from resultsbook.models import Problem, Series

MAX_STEP = float(2**53)  # float64 (and so every reader of the store) holds every integer below it exactly


class SeriesBuilder:
    """Collect points per metric key, one at a time or a column at a time, and build `Series`."""

    def __init__(self, repeat_kept: str = "the last value logged for each step") -> None:
        self._repeat_kept = repeat_kept  # which point of a repeated step is kept, in the reader's words
        self._points: dict[str, tuple[list[float], list[float], list[float]]] = {}
        self._columns: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        self._counts: dict[str, int] = {}
        self._notes: list[tuple[str, str]] = []  # (message, kept) said by whoever added the points

    def note(self, message: str, kept: str) -> None:
        """Report something about the points added (how they were ordered), with the problems."""
        self._notes.append((message, kept))

    def add(self, key: str, step: float, value: float, time: float | None = None) -> None:
        """Append one point of one metric."""
        points = self._points.get(key)
        if points is None:
            points = self._points[key] = ([], [], [])
        points[0].append(float(step))
        points[1].append(float(value))
        points[2].append(np.nan if time is None else float(time))
        self._counts[key] = self._counts.get(key, 0) + 1

    def add_column(
        self,
        key: str,
        steps: Sequence[float] | np.ndarray,
        values: np.ndarray,
        times: np.ndarray | None = None,
    ) -> None:
        """Append many points of one metric at once (the fast path for columnar logs).

        Raises ValueError unless steps, values and times are flat arrays of one length.
        """
        steps_array = np.asarray(steps, dtype=np.float64)
        values_array = np.asarray(values, dtype=np.float64)
        times_array = np.full(len(values), np.nan) if times is None else np.asarray(times, dtype=np.float64)
        if not (steps_array.ndim == values_array.ndim == times_array.ndim == 1) or not (
            len(steps_array) == len(values_array) == len(times_array)
        ):
            raise ValueError(f"metric {key!r}: steps, values and times must be flat arrays of one length")
        self._flush_points(key)  # keep the order points came in: it decides which repeat of a step wins
        self._columns.setdefault(key, []).append((steps_array, values_array, times_array))
        self._counts[key] = self._counts.get(key, 0) + len(values_array)

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
        problems = [Problem(path, message, kept) for message, kept in self._notes]
        # metrics logged together share one steps array; the original is kept as well, since a freed
        # array's id can be reused by the next key's steps
        typed: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        ordered: dict[int, tuple[np.ndarray, bool]] = {}  # steps arrays already checked, shared the same way
        for key in self._counts:
            steps, values, times = self._arrays(key)
            checked = ordered.get(id(steps))
            if checked is None or checked[0] is not steps:
                checked = ordered[id(steps)] = (steps, usual_steps(steps))
            duplicates = repeated = 0
            if not checked[1]:
                steps, values, times = _valid_steps(path, key, steps, values, times, problems)
                if not len(steps):
                    continue
                steps, values, times, duplicates, repeated = _settle_steps(steps, values, times)
            if duplicates:
                extra = f" ({duplicates} extra points)" if duplicates > repeated else ""
                problems.append(
                    Problem(
                        path,
                        f"metric {key!r} logs {repeated} step(s) more than once{extra}",
                        self._repeat_kept,
                    )
                )
            bad = int(np.count_nonzero(~np.isfinite(values)))
            if bad:
                problems.append(
                    Problem(path, f"metric {key!r} has {bad} NaN/Infinity value(s)", "as NaN/±inf")
                )
            if id(steps) not in typed:
                integral = bool(np.all(steps == np.round(steps)))  # finite and within 2**53: checked
                typed[id(steps)] = (steps, steps.astype(np.int64) if integral else steps)
            series[key] = Series(
                steps=typed[id(steps)][1],
                values=values,
                times=None if np.all(np.isnan(times)) else times,
            )
        return series, problems

    def _flush_points(self, key: str) -> None:
        """Move a key's single points into its columns, so they stay in the order they came."""
        points = self._points.pop(key, None)
        if points is not None:
            chunk = tuple(np.asarray(part, dtype=np.float64) for part in points)
            self._columns.setdefault(key, []).append(chunk)  # type: ignore[arg-type]

    def _arrays(self, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Concatenate a key's points, in the order they were added."""
        self._flush_points(key)
        chunks = self._columns.pop(key, [])
        if len(chunks) == 1:
            return chunks[0]
        return tuple(np.concatenate([chunk[i] for chunk in chunks]) for i in range(3))  # type: ignore[return-value]


def _valid_steps(
    path: str, key: str, steps: np.ndarray, values: np.ndarray, times: np.ndarray, problems: list[Problem]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop (and report) points whose step float64 cannot hold exactly; report negative steps."""
    valid = np.abs(steps) < MAX_STEP  # False for NaN too
    if not valid.all():
        bad = steps[~valid]
        problems.append(
            Problem(
                path,
                f"metric {key!r} has {len(bad)} point(s) at steps that are not numbers "
                f"between -2^53 and 2^53 (the first: {_step_text(bad[0])})",
                "the other points",
            )
        )
        steps, values, times = steps[valid], values[valid], times[valid]
    negative = steps < 0
    if negative.any():
        problems.append(
            Problem(
                path,
                f"metric {key!r} has {int(negative.sum())} point(s) at negative steps "
                f"(the first: {_step_text(steps[negative][0])})",
                "them, at those steps",
            )
        )
    return steps, values, times


def usual_steps(steps: np.ndarray) -> bool:
    """Tell whether steps are usual: increasing, from 0 or more, below 2**53 (none NaN): nothing to do."""
    if not len(steps):
        return False
    return bool(steps[0] >= 0 and steps[-1] < MAX_STEP and (steps[1:] > steps[:-1]).all())


def usual_block(
    keys: Sequence[str], counts: Sequence[int], steps: np.ndarray, values: np.ndarray, times: np.ndarray
) -> dict[str, Series] | None:
    """Return the series of metrics whose points lie one after the other in three flat arrays
    (`counts[i]` points of `keys[i]`), checked at once, when each is what `SeriesBuilder.build` would
    leave as it is: usual, integral steps, finite values, every time known; None otherwise."""
    ends = np.cumsum(counts)
    starts = ends - np.asarray(counts)
    if not len(steps) or (starts == ends).any():
        return None
    rising = steps[1:] > steps[:-1]
    rising[ends[:-1] - 1] = True  # where one metric ends and the next begins
    if not (
        rising.all()
        and (steps[starts] >= 0).all()
        and (steps[ends - 1] < MAX_STEP).all()
        and (steps == np.round(steps)).all()
        and np.isfinite(values).all()
        and not np.isnan(times).any()
    ):
        return None
    integral = steps.astype(np.int64)
    return {
        key: Series(steps=integral[start:end], values=values[start:end], times=times[start:end])
        for key, start, end in zip(keys, starts.tolist(), ends.tolist())
    }


def _step_text(step: float) -> str:
    """Write a step as it was probably logged: 9223372036854775808, not 9.223372036854776e+18."""
    return str(int(step)) if np.isfinite(step) and step == round(step) else repr(float(step))


def _settle_steps(
    steps: np.ndarray, values: np.ndarray, times: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Sort points by step, keeping the last one logged where a step repeats; also return how many
    of the points left out held another value than the one kept (a repeat of the same value, as
    Lightning logs `epoch` with every call, loses nothing and is not counted), and at how many steps."""
    if len(steps) < 2 or np.all(steps[1:] > steps[:-1]):
        return steps, values, times, 0, 0
    # unique on the reversed arrays finds each step's last occurrence
    unique, first_in_reversed, group = np.unique(steps[::-1], return_index=True, return_inverse=True)
    keep = len(steps) - 1 - first_in_reversed
    kept = values[keep][group]  # the value kept for each point's step, the points reversed
    logged = values[::-1]
    same = (logged == kept) | (np.isnan(logged) & np.isnan(kept))
    differing = ~same
    steps_hit = len(np.unique(group[differing]))
    return unique, values[keep], times[keep], int(np.count_nonzero(differing)), steps_hit
