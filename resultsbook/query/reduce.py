"""Per-run reductions: turn one run's series into the one number a table cell averages.

last            value at the last step
min, max, mean  over all points (NaN points ignored)
last(k)         mean of the last k points
at(step)        value at a step (the last point at or before it, if the run got that far)
best(KEY[,max|min])   value at the step where another metric KEY is best (early stopping); without
                max|min, KEY's goal comes from its name (query/goal.py) or the reduction is refused
best-mean       curve-first: average the seeds per step, take the best step of that mean,
                report each seed's value there (computed per cell, see aggregate)

Ties: the best step is the FIRST step whose value equals the best one; values that differ only by
float rounding (relative 1e-12) count as equal, so summation order never breaks a tie.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from resultsbook.errors import QueryError, closest
from resultsbook.query.goal import goal_from_name, unknown_goal_message

_CALL = re.compile(r"^\s*([a-z][a-z_-]*)\s*(?:\((.*)\))?\s*$")
TIE_TOLERANCE = 1e-12  # relative: best values closer than this are one tie, broken by the first step


@dataclass(frozen=True)
class Reduction:
    """A parsed reduction: its kind and arguments."""

    kind: str  # last, min, max, mean, last_k, at, best, best_mean
    k: int = 1
    step: float = 0.0
    other: str = ""
    direction: str = "max"
    direction_source: str = "set"  # set (written in best(KEY, max)) or name (KEY's documented name)
    text: str = "last"

    @property
    def needs_series(self) -> bool:
        """Tell whether the stored per-run summary is not enough to compute this."""
        return self.kind not in {"last", "min", "max", "mean"}

    @property
    def metrics(self) -> tuple[str, ...]:
        """Return the other metric keys this reduction reads."""
        return (self.other,) if self.kind == "best" else ()


class UnknownDirection(QueryError):
    """best(KEY) without a direction, and KEY's name documents none (or KEY is misspelt: a table, which
    knows the logged metrics, says which)."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


def parse_reduction(text: str) -> Reduction:
    """Parse `last`, `max`, `last(10)`, `at(5000)`, `best(val/acc)`, `best(val/loss, min)`, `best-mean`."""
    found = _CALL.match(text)
    windowed = _LAST_K_WRITTEN_OTHERWISE.match(text)
    if windowed is not None and not (found and found.group(1) == "last" and found.group(2)):
        # mean(last 10), mean(last(10)), last 10, last_10: the mean of the last k points is last(k)
        meant = f"last({int(windowed.group(1))})"
        raise QueryError(f"reduction {text!r} is not understood; did you mean {meant!r}? ({_HELP})")
    if found is None:
        called = re.match(r"\s*([A-Za-z][A-Za-z_-]*)", text)
        if called is not None and called.group(1).lower() in _NAMES:  # Max, LAST(10): names are lowercase
            meant = (called.group(1).lower() + text[called.end() :]).strip()
            meant += ")" * (meant.count("(") - meant.count(")"))  # last(3: the bracket left open
            if meant != text.strip():
                raise QueryError(f"reduction {text!r} is not understood; did you mean {meant!r}? ({_HELP})")
        raise QueryError(f"reduction {text!r} is not understood; {_HELP}")
    name, argument = found.group(1), (found.group(2) or "").strip()
    if name in {"last", "min", "max", "mean"} and not argument:
        return Reduction(kind=name, text=name)
    if name == "last" and argument:
        k = _positive_int(argument, text)
        return Reduction(kind="last_k", k=k, text=f"last({k})")
    if name == "at" and argument:
        try:
            step = float(argument)
        except ValueError as error:
            raise QueryError(f"reduction {text!r}: at() takes a step number, e.g. at(5000)") from error
        if not math.isfinite(step):  # float() reads nan and inf, which no run logs as a step
            raise QueryError(f"reduction {text!r}: at() takes a step number, e.g. at(5000)")
        return Reduction(kind="at", step=step, text=f"at({argument})")
    if name == "best" and not argument:  # a run's best value, as other tools call max
        raise QueryError(
            f"reduction {text!r} names no metric: max (or min) takes each run's best value of the table's "
            "metric; best(KEY) takes it at the step where KEY is best, e.g. best(val/acc)"
        )
    if name == "best" and argument:
        parts = [part.strip() for part in argument.rsplit(",", 1)]
        if len(parts) == 2 and parts[1] in {"max", "min"}:
            other, direction = parts
            source = "set"
        elif len(parts) == 2 and parts[1].isalpha():  # best(val/acc, up): a direction, misspelt
            raise QueryError(f"reduction {text!r}: the direction {parts[1]!r} must be max or min")
        else:
            other, named, source = argument, goal_from_name(argument), "name"
            if named is None:
                raise UnknownDirection(
                    f"reduction {text!r}: "
                    + unknown_goal_message(other, f"write best({other}, max) or best({other}, min)"),
                    other,
                )
            direction = named
        return Reduction(
            kind="best",
            other=other,
            direction=direction,
            direction_source=source,
            text=f"best({other}, {direction})",
        )
    if name in {"best-mean", "best_mean"} and not argument:
        return Reduction(kind="best_mean", text="best-mean")
    guess = closest(name, _NAMES) if name not in _NAMES else None
    if guess is not None:  # bets(val/acc): the name misspelt, the rest as written
        meant = guess + text.strip()[len(name) :]
        raise QueryError(f"reduction {text!r} is not understood; did you mean {meant!r}? ({_HELP})")
    raise QueryError(f"reduction {text!r} is not understood; {_HELP}")


def resolved_reduction(text: str) -> str:
    """Return a reduction as a note states it, with the direction it resolved to: `best(val/loss)` as
    `best(val/loss, min)`."""
    try:
        parsed = parse_reduction(text)
    except QueryError:  # refused when the table was computed; a note only restates it
        return text
    return parsed.text if parsed.kind == "best" else text


def takes_budget(text: str) -> bool:
    """Tell whether a reduction reads a budget: best-mean does, no other (nor is one not understood
    refused for its budget: it is refused for itself)."""
    try:
        return parse_reduction(text).kind == "best_mean"
    except QueryError:
        return True


_LAST_K_WRITTEN_OTHERWISE = re.compile(
    r"^\s*(?:(?:mean|avg|average)\s*[(_\s-]\s*)?last\s*[(_\s-]?\s*(\d+)\s*\)*\s*$", re.IGNORECASE
)
_HELP = "use last, min, max, mean, last(k), at(step), best(KEY[, max|min]) or best-mean"
_NAMES = ("last", "min", "max", "mean", "at", "best", "best-mean")


def _positive_int(text: str, whole: str) -> int:
    try:
        value = int(text)
    except ValueError as error:
        raise QueryError(f"reduction {whole!r}: expected a whole number of points, e.g. last(10)") from error
    if value < 1:
        raise QueryError(f"reduction {whole!r}: the number of points must be at least 1")
    return value


def reduce_series(
    reduction: Reduction,
    steps: np.ndarray,
    values: np.ndarray,
    other: tuple[np.ndarray, np.ndarray] | None = None,
) -> float:
    """Reduce one run's series (already stripped of skipped points) to one number; NaN if none."""
    if len(values) == 0:
        return float("nan")
    kind = reduction.kind
    if kind == "last":
        return float(values[-1])
    if kind in {"min", "max", "mean"}:
        finite = values[~np.isnan(values)]
        with np.errstate(invalid="ignore"):  # inf and -inf in one run: its mean is NaN
            return float(getattr(np, kind)(finite)) if len(finite) else float("nan")
    if kind == "last_k":
        window = values[-reduction.k :]
        with np.errstate(invalid="ignore"):
            return float(np.nanmean(window)) if np.any(~np.isnan(window)) else float("nan")
    if kind == "at":
        return value_at(steps, values, reduction.step)
    if kind == "best":
        if other is None or len(other[1]) == 0:
            return float("nan")
        best_step = best_step_of(other[0], other[1], reduction.direction)
        return float("nan") if best_step is None else value_at(steps, values, best_step)
    raise QueryError(f"reduction {reduction.text} is computed per cell, not per run")


def reduced_steps(
    reduction: Reduction,
    steps: np.ndarray,
    values: np.ndarray,
    other: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[float, float] | None:
    """Return the first and last step of the points `reduce_series` reduces a series from: one step
    twice for a value read at one point (last, at(step), best(KEY)), the span of its points for min,
    max, mean (as the stored summaries keep it) and last(k); None where no point gives the value."""
    if len(values) == 0:
        return None
    kind = reduction.kind
    if kind in {"min", "max", "mean"}:
        return float(steps[0]), float(steps[-1])
    if kind == "last_k":
        return float(steps[-reduction.k :][0]), float(steps[-1])
    if kind == "last":
        at: float | None = float(steps[-1])
    elif kind == "at":
        at = reduction.step
    elif kind == "best" and other is not None and len(other[1]):
        at = best_step_of(other[0], other[1], reduction.direction)
    else:
        return None
    if at is None or steps[-1] < at or steps[0] > at:
        return None
    point = float(steps[int(np.searchsorted(steps, at, side="right")) - 1])
    return point, point


def step_text(step: float) -> str:
    """Write a step as it was logged: 500000, not 500000.0."""
    return str(int(step)) if float(step).is_integer() else repr(float(step))


def value_at(steps: np.ndarray, values: np.ndarray, step: float) -> float:
    """Return the value at `step`: the last point at or before it, NaN if the run stopped earlier."""
    if len(steps) == 0 or steps[-1] < step:
        return float("nan")
    index = int(np.searchsorted(steps, step, side="right")) - 1
    return float(values[index]) if index >= 0 else float("nan")


def best_step_of(steps: np.ndarray, values: np.ndarray, direction: str) -> float | None:
    """Return the first step where `values` is best (max or min), NaN points ignored; values within
    TIE_TOLERANCE (relative) of the best are ties and the first of them wins."""
    present = ~np.isnan(values)
    if not present.any():
        return None
    sign = 1.0 if direction == "max" else -1.0
    signed = np.where(present, values * sign, -np.inf)
    best = float(np.max(signed))
    if np.isfinite(best):
        tied = signed >= best - TIE_TOLERANCE * max(abs(best), np.finfo(np.float64).tiny)
    else:
        tied = signed == best
    return float(steps[int(np.argmax(tied))])


def reduce_rows(
    reduction: Reduction, steps: np.ndarray, values: np.ndarray, at_steps: np.ndarray | None = None
) -> np.ndarray:
    """Reduce every row of a matrix (runs that share `steps`) at once, exactly as `reduce_series`
    reduces each row: rows holding NaN where it matters go through `reduce_series` itself.

    `at_steps` gives `best`'s step per row (NaN where the other metric has no best step)."""
    rows, length = values.shape
    kind = reduction.kind
    if length == 0 or rows == 0:
        return np.full(rows, np.nan)
    if kind == "last":
        return values[:, -1].copy()
    if kind == "at":
        return _values_at(steps, values, np.full(rows, reduction.step))
    if kind == "best":
        assert at_steps is not None
        return _values_at(steps, values, at_steps)
    if kind in {"min", "max", "mean"}:
        window = values
        with np.errstate(invalid="ignore"):  # inf and -inf in one run: its mean is NaN
            out = getattr(np, kind)(values, axis=1)
    elif kind == "last_k":
        window = values[:, -reduction.k :]
        with np.errstate(invalid="ignore"):
            out = np.sum(window, axis=1) / window.shape[1]
    else:
        raise QueryError(f"reduction {reduction.text} is computed per cell, not per run")
    for row in np.flatnonzero(np.isnan(window).any(axis=1)).tolist():  # NaN points are left out
        out[row] = reduce_series(reduction, steps, values[row])
    return out


def best_steps_of_rows(steps: np.ndarray, values: np.ndarray, direction: str) -> np.ndarray:
    """Return `best_step_of` each row (runs that share `steps`), NaN where a row has no value."""
    if not values.shape[1]:
        return np.full(len(values), np.nan)
    # as best_step_of, without negating the matrix for "min": -(a - b) == -a + b exactly, so
    # `-v >= -m - t` (t the tolerance) is `v <= m + t`; NaN points become the worst value
    missing = np.isnan(values)
    gaps = bool(missing.any())  # most matrices have no NaN: no masking, no copy of the matrix
    high = direction == "max"
    if gaps:
        values = np.where(missing, -np.inf if high else np.inf, values)
    best = np.max(values, axis=1) if high else np.min(values, axis=1)
    finite = np.isfinite(best)
    with np.errstate(invalid="ignore"):  # an infinite best: compared for equality below
        margin = TIE_TOLERANCE * np.maximum(np.abs(best), np.finfo(np.float64).tiny)
        within = values >= (best - margin)[:, None] if high else values <= (best + margin)[:, None]
    tied = within if finite.all() else np.where(finite[:, None], within, values == best[:, None])
    found = steps[np.argmax(tied, axis=1)].astype(np.float64)
    return np.where(missing.all(axis=1), np.nan, found) if gaps else found


def logged_spans(steps: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Return the first and last step at which each row holds a value, a row of two per run (NaN
    for a row without one)."""
    spans = np.full((len(values), 2), np.nan)
    if not len(steps):
        return spans
    logged = ~np.isnan(values)
    has = logged.any(axis=1)
    spans[has, 0] = steps[np.argmax(logged, axis=1)][has]
    spans[has, 1] = steps[len(steps) - 1 - np.argmax(logged[:, ::-1], axis=1)][has]
    return spans


def _values_at(steps: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Return `value_at` of each row at its own step (NaN steps give NaN)."""
    with np.errstate(invalid="ignore"):
        index = np.searchsorted(steps, at, side="right") - 1
        valid = ~np.isnan(at) & (steps[-1] >= at) & (index >= 0)
    out = np.full(len(values), np.nan)
    rows = np.flatnonzero(valid)
    out[rows] = values[rows, index[rows]]
    return out
