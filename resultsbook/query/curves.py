"""Curves over seeds: each run's metric over steps (or wall time, or another metric), smoothed per
seed, aligned on one grid, and summarised per grid point with the same statistics as tables.

    >>> curves = aggregate_curves(store, CurveQuery(metric="val/acc", hue="model"))   # doctest: +SKIP

Alignment is stated, never silent: seeds that logged the same steps are used as they are; seeds
logged at different steps are linearly interpolated onto the union of their steps (at most
`points` evenly spaced ones) or averaged into `points` equal-width bins; a grid point is kept only
where at least `min_seeds` seeds (default: all of the line's seeds) have data.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from resultsbook.errors import QueryError, closest
from resultsbook.models import StoredRun
from resultsbook.params import format_value, natural_key, sort_key
from resultsbook.query.access import Curve, MetricReader
from resultsbook.query.model import DEFAULT_RUN_SPECIFIC
from resultsbook.query.nested import parents_note, stored_without_parents
from resultsbook.query.normalize import Normalization
from resultsbook.query.runs import RUN_FIELDS
from resultsbook.query.select import (
    Filter,
    check_filter_keys,
    has_key,
    key_hint,
    left_out_note,
    run_value,
    select_runs,
    why_nothing_selected,
)
from resultsbook.query.stats import CENTERS, describe
from resultsbook.store import Store

BANDS = ("std", "sem", "ci95", "minmax")
ALIGNMENTS = ("interpolate", "bin")
X_TIME = "time"
X_STEP = "step"
_CENTER_WORDS = {"mean": "mean", "median": "median", "iqm": "IQM"}
_SMOOTH = re.compile(r"^\s*(ema|window)\s*\(\s*([0-9.]+)\s*\)\s*$")


@dataclass(frozen=True)
class Smoothing:
    """Per-seed smoothing: `ema` with a weight in [0, 1) or a trailing `window` of k points."""

    kind: str
    amount: float

    def describe(self) -> str:
        """Say how the seeds were smoothed, for the figure's note."""
        if self.kind == "ema":
            return f"each seed smoothed by an exponential moving average (weight {self.amount:g})"
        return f"each seed smoothed by a trailing mean over {int(self.amount)} points"


def parse_smoothing(text: str | None) -> Smoothing | None:
    """Parse `ema(0.6)`, `window(5)` or `none`."""
    if text in (None, "", "none"):
        return None
    found = _SMOOTH.match(str(text))
    if found is None:
        usage = "use ema(WEIGHT) with 0 <= WEIGHT < 1, window(K) or none"
        meant = str(text).strip().lower()  # EMA(0.9), ema(0.9: the name's case, the bracket left open
        meant += ")" * (meant.count("(") - meant.count(")"))
        if meant != str(text) and _SMOOTH.match(meant):
            usage = f"did you mean {meant!r}? ({usage})"
        raise QueryError(f"smooth = {text!r} is not understood; {usage}")
    kind, amount = found.group(1), float(found.group(2))
    if kind == "ema" and not 0 <= amount < 1:
        raise QueryError(f"smooth = {text!r}: the EMA weight must be at least 0 and below 1")
    if kind == "window" and (amount < 1 or not amount.is_integer()):
        raise QueryError(f"smooth = {text!r}: the window is a whole number of points, at least 1")
    return Smoothing(kind, amount)


@dataclass(frozen=True)
class CurveQuery:
    """Everything that decides what a curve figure plots."""

    metric: str
    x: str = X_STEP  # step, time (seconds since the run's first point) or another metric's values
    hue: str | None = None
    facet: str | None = None
    filters: tuple[Filter, ...] = ()
    replicate: tuple[str, ...] = ("seed",)
    center: str = "mean"
    band: str | None = "std"
    ddof: int = 1
    scale: float = 1.0
    skip_first: int = 0
    smooth: Smoothing | None = None
    align: str = "interpolate"
    points: int = 200
    min_seeds: int | None = None  # None: every seed of the line
    derived: Mapping[str, str] = field(default_factory=dict)
    run_specific: tuple[str, ...] = DEFAULT_RUN_SPECIFIC  # params the seeds of a line may differ in
    normalized: Mapping[str, Normalization] = field(default_factory=dict)  # [normalized] scores, per step


@dataclass(frozen=True)
class CurveLine:
    """One line of a curve figure: a group of seeds and its statistic per grid point."""

    facet: Any
    hue: Any
    runs: tuple[StoredRun, ...]
    x: np.ndarray
    center: np.ndarray
    low: np.ndarray  # band bounds (equal to center when there is no band)
    high: np.ndarray
    n: np.ndarray  # seeds with data at each grid point
    alignment: str  # shared, interpolate or bin
    ends: np.ndarray = field(
        default_factory=lambda: np.empty(0)
    )  # each run's value at the last point, or NaN


@dataclass(frozen=True)
class CurveSet:
    """The lines of a curve figure and the notes a reader must see (left-out runs, alignment)."""

    query: CurveQuery
    lines: tuple[CurveLine, ...]
    notes: tuple[str, ...] = ()

    def statement(self) -> str:
        """Say what the lines and bands are, how seeds were aligned and smoothed: the figure's note."""
        query = self.query
        counts = sorted({len(line.runs) for line in self.lines})
        n_text = (
            "n = ?"
            if not counts
            else f"n = {counts[0]}"
            if len(counts) == 1
            else f"n = {counts[0]}–{counts[-1]}"
        )
        one = counts == [1]
        if query.replicate and all(_one_run_per_replicate(line.runs, query.replicate) for line in self.lines):
            from resultsbook.query.marks import PLURAL_BY_S

            keys = " × ".join(query.replicate)
            if one or all(PLURAL_BY_S.fullmatch(key) for key in query.replicate):
                replicate = keys + ("" if one else "s")
            else:  # `n = 4 run_indexs` (CORL's seeds): as a table's note says it
                replicate = f"runs (one per {keys})"
        else:
            replicate = "run" if one else "runs"  # no run records a seed, or some share one
        center = _CENTER_WORDS[query.center]
        parts = [f"Lines: {center} over {n_text} {replicate}{_fewer_at_a_step(self.lines)}"]
        if query.band in ("std", "sem"):
            around = "" if query.center == "mean" else f"{center} "  # the std of the seeds, about their mean
            parts.append(
                f"band: {around}± {'std' if query.band == 'std' else 's.e.m.'} (ddof = {query.ddof})"
            )
        elif query.band == "ci95":
            parts.append("band: 95% t-interval of the mean")
        elif query.band == "minmax":
            parts.append("band: min-max range over seeds")
        if query.band is not None and any(np.any(drawn_counts(line) < 2) for line in self.lines):
            parts.append("no band where one seed had data")  # a std of one value: the band has no width
        kinds = {line.alignment for line in self.lines}
        if kinds - {"shared"}:
            how = (
                f"linearly interpolated onto a common grid (at most {query.points} points)"
                if query.align == "interpolate"
                else f"averaged into {query.points} equal-width bins"
            )
            cover = "every seed" if query.min_seeds is None else f"at least {query.min_seeds} seed"
            cover += "s" if (query.min_seeds or 0) > 1 else ""
            parts.append(f"seeds logged at different {query.x}s were {how}, kept where {cover} had data")
        if query.smooth is not None:
            parts.append(query.smooth.describe())
        if query.metric in query.normalized:  # as a table of it says: what the axis is, from which scores
            parts.append(query.normalized[query.metric].describe())
        return "; ".join(parts) + "."


def _fewer_at_a_step(lines: Sequence[CurveLine]) -> str:
    """Say how few of a line's seeds some of its grid points hold (min_seeds keeps the points beyond
    where some seeds end): the note's n is every seed of a line, its last points may hold one."""
    counts = [(drawn_counts(line), len(line.runs)) for line in lines]
    if not any(len(n) and int(n.min()) < runs for n, runs in counts):
        return ""
    fewest = min(int(n.min()) for n, _ in counts if len(n))
    most = max(int(n.max()) for n, _ in counts if len(n))
    return f", {fewest}–{most} of them at a grid point"


def drawn_counts(line: CurveLine) -> np.ndarray:
    """Return the seeds averaged at each point the line draws (a break where they logged NaN is none)."""
    return line.n[~np.isnan(line.center)] if len(line.n) else line.n


def aggregate_curves(store: Store, query: CurveQuery, runs: Sequence[StoredRun] | None = None) -> CurveSet:
    """Compute the lines of a curve figure: one per (facet, hue) group, statistics over its seeds."""
    if query.center not in CENTERS:
        raise QueryError(f"center {query.center!r} is not one of {', '.join(CENTERS)}")
    if query.band is not None and query.band not in BANDS:
        raise QueryError(f"band {query.band!r} is not one of {', '.join(BANDS)} or none")
    if query.band == "ci95" and query.center != "mean":
        raise QueryError("band = ci95 is an interval of the mean; use center = mean or another band")
    if query.align not in ALIGNMENTS:
        raise QueryError(f"align {query.align!r} is not one of {', '.join(ALIGNMENTS)}")
    reader = MetricReader(store, query.derived, query.normalized)
    reader.check(query.metric)
    if query.x not in (X_STEP, X_TIME):
        try:
            reader.check(query.x)
        except QueryError as error:
            if query.x in store.param_keys():
                raise QueryError(
                    f"x = {query.x!r} is a param, not a metric the runs log: a curve's x is step, time or a "
                    f'logged metric; kind = "points" with x = "{query.x}" shows a slot per value'
                ) from error
            axis = closest(query.x, (X_STEP, X_TIME))
            if axis is None:
                raise
            message = f"x = {query.x!r} is no logged metric, nor step or time; did you mean {axis!r}?"
            raise QueryError(message) from error
    if query.x == X_TIME and query.metric in reader.derived:
        raise QueryError(f"x = time needs a logged metric; {query.metric!r} is derived (use x = step)")
    if query.x == X_TIME and query.metric in reader.normalized:
        raw = reader.normalized[query.metric].metric
        raise QueryError(
            f"x = time needs a logged metric; {query.metric!r} is a [normalized] score of {raw!r} "
            "(use x = step)"
        )
    having = reader.runs_with(query.metric)
    every = store.runs() if runs is None else runs
    check_filter_keys(every, query.filters)
    chosen = select_runs(every, query.filters)
    if every and not chosen:  # a misspelt value of `where`: an empty figure, said only in a note
        raise why_nothing_selected(every, query.filters, store)
    declared = [("hue", query.hue), ("facet", query.facet)]
    # a typo in replicate or run_specific left the warning it was written to silence, naming the key
    declared += [("replicate", key) for key in query.replicate if key != "seed"]
    declared += [("run_specific", key) for key in query.run_specific[len(DEFAULT_RUN_SPECIFIC) :]]
    for name, key in declared:
        if key and key not in RUN_FIELDS and not has_key(every, key):  # a typo: one line for every run
            raise QueryError(f"{name} {key!r} is not a param of any run; {key_hint(key, every)}")
    selected = [run for run in chosen if run.id in having]
    notes: list[str] = []
    if 0 < len(selected) < len(chosen):  # none at all is said below; a table says this too
        notes.append(_valueless_note([run for run in chosen if run.id not in having], query, reader))
    groups = _group(selected, query, notes)
    nested = []
    for group, members in groups.items():  # an MLflow parent run beside its children: not one more seed
        groups[group], names = stored_without_parents(members)
        if names:
            nested.append(f"{_group_text(query, *group)}: {names}")
    if nested:
        notes.append(parents_note(nested, "line"))
    curves = _read_curves(store, reader, query, [run for members in groups.values() for run in members])
    lines = []
    honest: dict[str, list[str]] = {}  # a warning said of several lines is one note, naming the first
    for (facet, hue), members in groups.items():
        found = {run.id: curves[run.id] for run in members if run.id in curves and len(curves[run.id][0])}
        if len(found) < len(members):
            why = (  # their points have no wall time to be drawn at
                'record no wall time: log a "time" with each point, or use x = "step"'
                if query.x == X_TIME
                else "have no points"
            )
            notes.append(
                f"{len(members) - len(found)} run(s) of {_group_text(query, facet, hue)} {why}, and were "
                "left out"
            )
        if not found:
            continue
        kept = tuple(run for run in members if run.id in found)
        kept_curves = [found[run.id] for run in kept]
        lines.append(_line(facet, hue, kept, kept_curves, query, notes))
        for text in line_honesty(kept, query, kept_curves):
            honest.setdefault(text, []).append(_group_text(query, facet, hue))
    for text, named in honest.items():
        where = named[0] if len(named) == 1 else f"{named[0]} and {len(named) - 1} more line(s)"
        notes.append(f"{where}: {text}")
    if not lines:
        notes.append("no run matches the filters and has the metric; check where and the metric name")
    return CurveSet(query, tuple(lines), tuple(notes))


def line_notes(curves: CurveSet, line: CurveLine) -> list[str]:
    """Return the notes a figure says of one line alone, without its name (`1 of 5 grid points dropped
    (fewer than 3 seeds had data there: seed 2 ends at step 4, ...)`): what `explain` says under it."""
    prefix = f"{_group_text(curves.query, line.facet, line.hue)}: "
    return [note.removeprefix(prefix) for note in curves.notes if note.startswith(prefix)]


def _valueless_note(lacking: Sequence[StoredRun], query: CurveQuery, reader: MetricReader) -> str:
    """Say how many selected runs never logged the metric, of which lines, and what they log instead
    (Spinning Up's PPO logs no AverageTestEpRet, its AverageEpRet): their line is missing."""
    from resultsbook.query.marks import bounded
    from resultsbook.query.runs import Runs

    groups: dict[str, int] = defaultdict(int)
    for run in lacking:
        facet = run_value(run, query.facet) if query.facet else None
        groups[_group_text(query, facet, run_value(run, query.hue) if query.hue else None)] += 1
    where = [f"{text}: {n}" for text, n in sorted(groups.items(), key=lambda item: -item[1])]
    instead = reader.logged_instead(query.metric, Runs.of(list(lacking)))
    logged = "".join(f"; {n} of them log {name!r}" for name, n in instead)
    return (
        f"{len(lacking)} selected run(s) have no value of {query.metric!r} and are left out "
        f"({bounded(where)}){logged}"
    )


def line_honesty(runs: Sequence[StoredRun], query: CurveQuery, curves: Sequence[Curve] = ()) -> list[str]:
    """Say what a table's `†`, `‖`, `‡` and `≡` marks would say of the seeds averaged into one line:
    the params they differ in, their code or data versions, runs that did not finish, seeds that
    drew one same curve (`curves`, the runs' own, in their order)."""
    from resultsbook.query.aggregate import differing_params
    from resultsbook.query.marks import UNFINISHED, curve_codes_of, mixed_text, same_curve_text
    from resultsbook.query.provenance import provenance_mixes

    exempt = {*query.replicate, *query.run_specific, *(k for k in (query.facet, query.hue) if k)}
    differing = differing_params(runs, exempt, count_absent=False)
    texts = []
    if differing:  # the runs are read again only to word a warning
        unnamed = query.replicate if all(k not in run.params for run in runs for k in query.replicate) else ()
        texts.append(mixed_text(differing, len(runs), {run.adapter for run in runs}, unnamed))
    texts += provenance_mixes(runs)
    unfinished = {status: sum(1 for run in runs if run.status == status) for status in UNFINISHED}
    if any(unfinished.values()):
        texts.append(f"includes {', '.join(f'{n} {s}' for s, n in unfinished.items() if n)} run(s)")
    if curves:
        replicates = [tuple(run.params.get(key) for key in query.replicate) for run in runs]
        same = same_curve_text(curve_codes_of(curves), replicates, query.replicate, query.metric)
        texts += [same[0]] if same is not None else []
    return texts


def _group(
    runs: Sequence[StoredRun], query: CurveQuery, notes: list[str]
) -> dict[tuple[Any, Any], list[StoredRun]]:
    """Group runs by (facet, hue) value; report runs that lack one of the keys."""
    groups: dict[tuple[Any, Any], list[StoredRun]] = defaultdict(list)
    lacking: dict[str, int] = defaultdict(int)
    first: dict[str, str] = {}
    nested: dict[str, list[str]] = {}
    held: dict[str, list[str]] = {}  # the params of the first run lacking the key
    for run in runs:
        missing = [
            k for k in (query.facet, query.hue) if k and run_value(run, k) is None and k not in run.params
        ]
        if missing:
            lacking[str(missing[0])] += 1
            first.setdefault(str(missing[0]), run.source)
            if str(missing[0]) not in nested:  # the first run lacking it says what it holds instead
                inside = f"{missing[0]}."
                nested[str(missing[0])] = sorted(name for name in run.params if name.startswith(inside))
                held[str(missing[0])] = sorted(run.params)
            continue
        facet = run_value(run, query.facet) if query.facet else None
        hue = run_value(run, query.hue) if query.hue else None
        groups[(facet, hue)].append(run)
    # a param only the runs lacking a key hold may be the key under its older name
    others = {name for group in groups.values() for run in group for name in run.params} if lacking else set()
    for key, count in lacking.items():
        own = [name for name in held[key] if name not in others]
        notes.append(left_out_note(count, query.metric, key, first[key], nested[key], own))
    return dict(sorted(groups.items(), key=lambda item: (sort_key(item[0][0]), sort_key(item[0][1]))))


def _group_text(query: CurveQuery, facet: Any, hue: Any) -> str:
    parts = [f"{k}={format_value(v)}" for k, v in ((query.facet, facet), (query.hue, hue)) if k]
    return ", ".join(parts) or "the figure"


def _read_curves(
    store: Store, reader: MetricReader, query: CurveQuery, runs: list[StoredRun]
) -> dict[int, Curve]:
    """Return each run's (x, value) points: scaled, first points skipped, x mapped, smoothed."""
    raw = reader.curves(query.metric, runs, query.skip_first)
    if query.x == X_TIME:
        stored = store.series(query.metric, [run.id for run in runs])
        mapped = {}
        for run, (_, values) in raw.items():
            times = stored[run][2] if run in stored else None
            if times is None or len(times) != len(stored[run][0]):
                continue
            times = times[query.skip_first :]
            mapped[run] = (times - np.nanmin(times), values)
        if raw and not mapped:  # runs of step and score only: not a blank figure warned of as a typo
            raise QueryError(
                f'x = "time": none of the {len(raw)} run(s) logging {query.metric!r} records wall time; '
                'log a "time" with each point, or use x = "step"'
            )
    elif query.x != X_STEP:
        others = reader.curves(query.x, runs)
        mapped = {}
        for run, (steps, values) in raw.items():
            if run not in others:
                continue
            other_steps, other_values = others[run]
            _, mine, theirs = np.intersect1d(steps, other_steps, return_indices=True)
            mapped[run] = (other_values[theirs], values[mine])
    else:
        mapped = dict(raw)
    out = {}
    for run, (x, y) in mapped.items():
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64) * query.scale
        keep = ~np.isnan(x)
        x, y = x[keep], y[keep]
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
        # NaN after a run's last number ends its curve, as a table reads it; NaN amid its numbers stays,
        # a gap the seed is left out of (`_nan_note`), not a value interpolated from its neighbours
        known = ~np.isnan(y)
        end = int(np.flatnonzero(known)[-1]) + 1 if known.any() else 0
        x, y, known = x[:end], y[:end], known[:end]
        y[known] = smooth_values(y[known], query.smooth)
        out[run] = (x, y)
    return out


def smooth_values(values: np.ndarray, smoothing: Smoothing | None) -> np.ndarray:
    """Smooth one seed's values: EMA s_t = w s_(t-1) + (1 - w) x_t from s_0 = x_0, or a trailing mean."""
    if smoothing is None or len(values) == 0:
        return values
    if smoothing.kind == "ema":
        out = np.empty_like(values)
        out[0] = values[0]
        weight = smoothing.amount
        for index in range(1, len(values)):
            out[index] = weight * out[index - 1] + (1 - weight) * values[index]
        return out
    window = int(smoothing.amount)
    sums = np.cumsum(np.insert(values, 0, 0.0))
    starts = np.maximum(np.arange(1, len(values) + 1) - window, 0)
    ends = np.arange(1, len(values) + 1)
    return (sums[ends] - sums[starts]) / (ends - starts)


def align_curves(curves: Sequence[Curve], align: str, points: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Put seeds on one grid: (grid, values[seed, point] with NaN where a seed has no data, how).

    Seeds that logged the same x are kept as they are (`shared`); otherwise each seed is linearly
    interpolated inside its own range onto the union of x (`interpolate`, at most `points` evenly
    spaced when the union is larger), or averaged into equal-width bins (`bin`).
    """
    first_x = curves[0][0]
    if all(len(x) == len(first_x) and np.array_equal(x, first_x) for x, _ in curves):
        return first_x, np.vstack([y for _, y in curves]), "shared"
    low = min(float(x[0]) for x, _ in curves)
    high = max(float(x[-1]) for x, _ in curves)
    if align == "bin":
        edges = np.linspace(low, high, points + 1)
        grid = (edges[:-1] + edges[1:]) / 2
        rows = []
        for x, y in curves:
            index = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, points - 1)
            index, y = index[~np.isnan(y)], y[~np.isnan(y)]  # a bin of NaN alone: the seed is left out
            sums = np.bincount(index, weights=y, minlength=points)
            counts = np.bincount(index, minlength=points)
            with np.errstate(invalid="ignore", divide="ignore"):
                rows.append(np.where(counts > 0, sums / np.maximum(counts, 1), np.nan))
        return grid, np.vstack(rows), "bin"
    grid = np.unique(np.concatenate([x for x, _ in curves]))
    if len(grid) > points:
        grid = np.linspace(low, high, points)
    rows = []
    for x, y in curves:
        inside = (grid >= x[0]) & (grid <= x[-1])
        row = np.interp(grid, x, y)  # NaN between a NaN point and its neighbours: nothing to draw from
        known = ~np.isnan(y)
        if not known.all():  # the seed's own points beside a NaN keep their values
            own = np.isin(grid, x[known])
            row[own] = np.interp(grid[own], x[known], y[known])
        rows.append(np.where(inside, row, np.nan))
    return grid, np.vstack(rows), "interpolate"


def _line(
    facet: Any,
    hue: Any,
    runs: tuple[StoredRun, ...],
    curves: list[Curve],
    query: CurveQuery,
    notes: list[str],
) -> CurveLine:
    """Align one group's seeds and compute the centre and band at every grid point they cover."""
    grid, values, how = align_curves(curves, query.align, query.points)
    needed = len(runs) if query.min_seeds is None else min(query.min_seeds, len(runs))
    n = np.sum(~np.isnan(values), axis=0)
    covered = n  # seeds whose curve reaches a grid point, a NaN they logged there included
    gaps = _nan_note(runs, curves, query)
    if gaps:
        notes.append(f"{_group_text(query, facet, hue)}: {gaps}")
        reach = align_curves([(x, np.zeros_like(y)) for x, y in curves], query.align, query.points)[1]
        covered = np.sum(~np.isnan(reach), axis=0)
    short = covered < max(needed, 1)
    keep = ~short
    # seeds reach the point but none logged a number there (NaN), or fewer than min_seeds asks: a break
    # in the line, never a bridge (one seed's NaN among others leaves them, said in the note)
    broken = keep & (n < max(query.min_seeds or 1, 1))
    if how != "shared" and short.any():
        dropped = int(short.sum())
        # runs that record no seed (Lightning's version_N of one config) are runs, as the caption says
        seeds = "seeds" if query.replicate and _one_run_per_replicate(runs, query.replicate) else "runs"
        fix = f"; min_seeds = N draws the points N {seeds} reach" if query.min_seeds is None else ""
        notes.append(
            f"{_group_text(query, facet, hue)}: {dropped} of {len(grid)} grid points dropped "
            f"(fewer than {needed} {seeds} had data there{_short_seeds(runs, curves, query)}{fix})"
        )
    grid, values, n, covered, broken = grid[keep], values[:, keep], n[keep], covered[keep], broken[keep]
    fewer = int(np.sum(covered < len(runs)))
    if fewer:  # min_seeds kept them: the line's last points average the seeds that remain, its band narrows
        seeds = "seeds" if query.replicate and _one_run_per_replicate(runs, query.replicate) else "runs"
        notes.append(
            f"{_group_text(query, facet, hue)}: {fewer} of {len(grid)} grid points average fewer than its "
            f"{len(runs)} {seeds} (down to {int(covered.min())}{_short_seeds(runs, curves, query)})"
        )
    wanted = [query.center, *([query.band] if query.band else [])]
    center, low, high = (np.empty(len(grid)) for _ in range(3))
    for index in range(len(grid)):
        if broken[index]:
            center[index] = low[index] = high[index] = np.nan
            continue
        stats = describe(values[:, index].tolist(), wanted, query.ddof)
        center[index] = stats[query.center]
        low[index], high[index] = _band(stats, query)
    ends = values[:, -1] if len(grid) else np.full(len(runs), np.nan)  # what `explain` lists per run
    return CurveLine(facet, hue, runs, grid, center, low, high, n, how, ends)


def _nan_note(runs: Sequence[StoredRun], curves: Sequence[Curve], query: CurveQuery) -> str:
    """Name the seeds that logged NaN amid their numbers, and where: the line leaves each out there."""
    from resultsbook.query.marks import SHOWN_VALUES, named_list

    seed, at = _seed_namer(runs, query), _x_namer(query)
    found = []
    for index, (x, y) in sorted(enumerate(curves), key=lambda item: natural_key(seed(item[0]))):
        gaps = [at(float(point)) for point in x[np.isnan(y)]]
        if gaps:
            where = f"{query.x}{'s' if len(gaps) > 1 else ''} {named_list(gaps, SHOWN_VALUES)}"
            found.append(f"{seed(index)} at {where}")
    if not found:
        return ""
    return (
        f"{named_list(found, SHOWN_VALUES)} logged NaN (diverged?): left out of the line there, "
        "not interpolated"
    )


def _seed_namer(runs: Sequence[StoredRun], query: CurveQuery) -> Callable[[int], str]:
    """Return how a note names the index-th run: `seed 2`, or by its name when it has no seed of its own."""
    from resultsbook.query.marks import replicate_text, told_apart

    keys = query.replicate
    names = told_apart([run.name for run in runs], [run.source for run in runs])
    replicates = [tuple(run.params.get(key) for key in keys) for run in runs]

    def seed(index: int) -> str:  # a run of no seed, or of a seed other runs share, by its name
        values = replicates[index]
        unique = replicates.count(values) == 1
        return replicate_text(keys, values) if keys and None not in values and unique else names[index]

    return seed


def _x_namer(query: CurveQuery) -> Callable[[float], str]:
    """Return how a note writes a point's x: a step as logged, seconds of wall time to a tenth."""
    from resultsbook.query.reduce import step_text

    def at(x: float) -> str:  # seconds since the run's first point, to a tenth: not 112.7898645401001
        return f"{x:.1f} s" if query.x == "time" else step_text(x)

    return at


def _short_seeds(runs: Sequence[StoredRun], curves: Sequence[Curve], query: CurveQuery) -> str:
    """Name the seeds whose curves end before the others' (a run stopped or still training), with
    where each ends: the figure draws the group only as far as the grid points enough seeds reach."""
    from resultsbook.query.marks import SHOWN_VALUES, named_list

    ends = [float(x[-1]) for x, _ in curves]
    last = max(ends)
    if all(end >= last for end in ends):
        return ""
    seed, at = _seed_namer(runs, query), _x_namer(query)
    # runs ending together in the order of their seeds, not of their rows: a rebuild says it alike
    short = sorted((end, natural_key(seed(index)), index) for index, end in enumerate(ends) if end < last)
    texts = [f"{seed(index)} ends at {query.x} {at(end)}" for end, _, index in short]
    return f": {named_list(texts, SHOWN_VALUES)}, the others at {at(last)}"


def _band(stats: Mapping[str, float], query: CurveQuery) -> tuple[float, float]:
    """Return the band bounds at one point (the centre twice when there is no band or too few seeds)."""
    center = stats[query.center]
    if query.band is None:
        return center, center
    if query.band == "minmax":
        return stats["min"], stats["max"]
    if query.band == "ci95":
        low, high = stats["ci95_lo"], stats["ci95_hi"]
    else:
        half = stats[query.band]
        low, high = center - half, center + half
    if math.isnan(low) or math.isnan(high):
        return center, center
    return low, high


def _one_run_per_replicate(runs: Sequence[StoredRun], keys: Sequence[str]) -> bool:
    """Tell whether each run of a line names every replicate key, no two alike."""
    named = [tuple(run.params.get(key) for key in keys) for run in runs]
    return not any(None in values for values in named) and len(set(named)) == len(named)
