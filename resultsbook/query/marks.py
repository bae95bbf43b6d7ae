"""The honesty checks of one cell, on columns: configurations that differ among its runs (within each
pooled value), code or data that differ, unfinished runs, replicates that repeat, runs without a
value, values substituted, infinite values. Each is a mark: a kind and one bounded sentence.

The checks read the cell's runs as arrays (`CellRuns`) and, for configurations and provenance, the
runs themselves as columns (`Runs`): a cell of 20,000 runs costs array operations, not 20,000
Python objects.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from resultsbook.params import (
    VALUE_CHARS,
    clipped,
    cut_all_where_they_differ,
    cut_each_where_it_differs,
    format_value,
    same_meaning,
    sort_key,
    value_identity,
    values_equal,
)
from resultsbook.query.model import CellRuns, Mark, TableQuery
from resultsbook.query.provenance import mixes_of
from resultsbook.query.reduce import step_text
from resultsbook.query.runs import Runs, groups_of, members_of
from resultsbook.voice import option

UNFINISHED = ("failed", "running", "interrupted")
METRICS_OPTION_ADAPTERS = ("records", "onefile")  # the adapters whose -o metrics= reads a column as a metric
Key = tuple[Any, ...]


def cell_marks(
    runs: CellRuns,
    query: TableQuery,
    members: Runs | None = None,
    differing: Mapping[str, Sequence[Any]] | None = None,
    averaged: int | None = None,
    copies: Sequence[int] = (),
) -> tuple[Mark, ...]:
    """Marks that depend on one cell alone: mixed configs (`differing`, as `differing_within_pools`
    finds them among the `averaged` runs, those with a value), code or data (from `members`, the
    cell's runs in its order, when given), unfinished runs, duplicate seeds, runs that are `copies`
    of another (`copied_runs`), no value, values substituted, infinite values."""
    marks: list[Mark] = []
    if differing:
        count = averaged if averaged is not None else len(members) if members is not None else len(runs)
        adapters = set(members.field("adapter").tolist()) if members is not None else None
        unnamed = query.replicate if all(_no_value(column) for column in runs.replicate) else ()
        marks.append(Mark("mixed", mixed_text(differing, count, adapters, unnamed)))
    if members is not None:
        commits = members.field("git_commit").tolist()
        dirty = int(np.count_nonzero(members.field("git_dirty").astype(bool)))
        names = members.field("name").tolist()
        diffs = members.diff_digests() if dirty > 1 else []
        trackers = members.field("adapter").tolist()
        mixes = mixes_of(commits, dirty, members.data_digests(), names, diffs, trackers)
        marks += [Mark("provenance", sentence) for sentence in mixes]
    present = runs.distinct_statuses()  # a few texts: compare each run's only when one is there
    unfinished = {
        status: int(np.count_nonzero(runs.statuses == status)) if status in present else 0
        for status in UNFINISHED
    }
    if any(unfinished.values()):
        counts = ", ".join(f"{count} {status}" for status, count in unfinished.items() if count)
        marks.append(Mark("status", f"includes {counts} run(s)"))
    repeated = repeated_replicates(runs)
    if repeated:
        keys = (*query.pool, *query.replicate)
        names = ", ".join(replicate_text(keys, key) for key in repeated[:SHOWN_VALUES])
        more = f" and {len(repeated) - SHOWN_VALUES} more" if len(repeated) > SHOWN_VALUES else ""
        twice = logged_twice(runs, members, repeated) if members is not None else ""
        marks.append(Mark("duplicate", f"several runs share {names}{more}{twice}"))
    if len(copies) and members is not None:
        source = os.path.basename(str(members.field("source")[copies[0]]))
        text = (
            f"{len(copies)} of its {len(runs)} runs repeat another of {source} field for field (a row "
            "written twice), each averaged as a run of its own; delete the repeated rows"
        )
        marks.append(Mark("duplicate", text, note="copies"))
    marks += _value_marks(runs)
    return tuple(marks)


def copied_runs(runs: CellRuns, members: Runs) -> tuple[int, ...]:
    """Return the positions of a cell's runs, none with a replicate value, whose source holds an earlier
    one with everything stored the same (one digest): a row written twice, with no seed to tell."""
    unnamed = np.ones(len(runs), dtype=bool)
    for column in runs.replicate:
        unnamed &= np.fromiter((v is None for v in column.tolist()), dtype=bool, count=len(runs))
    at = np.flatnonzero(unnamed)
    if len(at) < 2:
        return ()
    keys = zip(members.field("source")[at].tolist(), members.field("digest")[at].tolist())
    seen: set[tuple[Any, Any]] = set()
    copies = []
    for position, key in zip(at.tolist(), keys):
        if key[1] is not None and key in seen:
            copies.append(position)
        seen.add(key)
    return tuple(copies)


def resumed_in_turn(mark: Mark, runs: CellRuns, spans: np.ndarray) -> Mark:
    """Add to a duplicate mark that the runs sharing a seed log its steps one after the other (one
    ends at 50, the next begins at 51): one training resumed in a new run, counted as several."""
    if mark.kind != "duplicate":
        return mark
    with np.errstate(invalid="ignore"):  # every curve spans a step all the others do: none resumed another
        if not (np.nanmax(spans[:, 0], initial=-np.inf) > np.nanmin(spans[:, 1], initial=np.inf)):
            return mark
    shown = []
    positions, identity = runs_by_replicate(runs)
    for shared in repeated_replicates(runs):
        same = sorted(positions.get(identity(shared), []), key=lambda i: spans[i, 0])
        firsts, lasts = spans[same, 0], spans[same, 1]
        if np.isnan(spans[same]).any() or not (firsts[1:] > lasts[:-1]).all():
            continue
        steps = ", ".join(
            f"{runs.names[i]} {step_text(a)}–{step_text(b)}" for i, a, b in zip(same, firsts, lasts)
        )
        shown.append(f"{steps}: one training resumed in a new run? counted as {len(same)}")
        if len(shown) == SHOWN_VALUES:
            break
    if not shown:
        return mark
    return replace(mark, text=f"{mark.text} (steps one after the other: {'; '.join(shown)})")


def runs_by_replicate(runs: CellRuns) -> tuple[dict[Key, list[int]], Callable[[Key], Key]]:
    """Return where each (pooled..., replicate...) key's runs are in a cell, and the function that
    keys a replicate as they are keyed: by `seed_identity` when some runs spell a value otherwise
    (seed 1 and seed "1"), else as written (a dict of them: no Python call per run)."""
    columns = [column.tolist() for column in (*runs.pooled, *runs.replicate)]
    keys: list[Key] = list(zip(*columns))
    identity: Callable[[Key], Key] = lambda key: key  # noqa: E731
    if any(_spelled_apart(column) for column in columns):
        identity = lambda key: tuple(map(seed_identity, key))  # noqa: E731
        keys = [identity(key) for key in keys]
    positions: dict[Key, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        positions[key].append(index)
    return positions, identity


def logged_twice(runs: CellRuns, members: Runs, repeated: Sequence[Key]) -> str:
    """Say that the runs sharing each seed are one training written by several trackers (Lightning's
    CSVLogger and TensorBoardLogger side by side): the same value each, from different adapters, so
    that the cell counts every training more than once; empty when they are not."""
    adapters = members.field("adapter")
    readers: set[str] = set()
    positions, identity = runs_by_replicate(runs)
    for shared in repeated:
        same = positions.get(identity(shared), [])
        values = runs.values[same]
        by = {str(adapters[index]) for index in same}
        if len(by) != len(same) or np.isnan(values).any() or not (values == values[0]).all():
            return ""
        readers |= by
    copy = sorted(readers)[-1]
    return (
        f", each with the same value from {', '.join(sorted(readers))}: one training logged by several "
        f"trackers, counted once per tracker; where adapter!={copy} drops one copy (and every run of "
        f"{copy} the table has)"
    )


# seed, fold, trial: a key whose plural is the key + s (`run_index` has none: "runs (one per run_index)")
PLURAL_BY_S = re.compile(r"(?:[A-Za-z]+[_.])*[A-Za-z]{2,}[a-rt-wyA-RT-WY]")
SHOWN_VALUES = 3  # a param with more values than this in one cell is shown by its first few and a count


# reductions whose value depends on how long a run trained: `at(step)` and best-mean (its budget) do not
LENGTH_BOUND = frozenset({"last", "last_k", "min", "max", "mean", "best"})
SHORT_RUN = 0.5  # a run that ends at half of the longest run's last step or before trained for another budget
# budgets are few: runs of a cell ending at more distinct steps than this stopped early, each on its own
BUDGETS = 2
ENDS_TEXT = "averages runs whose curves end at different steps"  # a † of training length, not of settings


def ends_mark(
    ends: np.ndarray, members: Runs, reduction: str, epochs: np.ndarray | None = None
) -> Mark | None:
    """Mark a cell whose runs (`members`, their curves ending at `ends`) end at very different steps
    (20000 and 200000: two training budgets), or at two close steps each ending two runs or more (1670
    and 1705), where a reduction over the whole curve compares them at different points of training;
    not when every run ends at one last `epochs` value (as many epochs, at other steps an epoch)."""
    known = ~np.isnan(ends)
    if known.sum() < 2:
        return None
    if epochs is not None and not np.isnan(epochs[known]).any() and len(np.unique(epochs[known])) == 1:
        return None
    low, high = float(np.min(ends[known])), float(np.max(ends[known]))
    if high <= 0 or low == high:  # most cells: every run ends at one step, told without counting them
        return None
    _, counts = np.unique(ends[known], return_counts=True)
    if len(counts) > BUDGETS:  # more ends: each run stopped where it would
        return None
    if low > SHORT_RUN * high and counts.min() < 2:  # close ends: two budgets if each has runs
        return None
    text = (
        f"{ENDS_TEXT} ({step_text(low)} to {step_text(high)}): "
        f"{reduction} reads each run to its own end; "
        f"the reduction at({step_text(low)}) compares them at one step"
    )
    order = np.argsort(ends[known], kind="stable")
    names = told_apart(members.field("name")[known].tolist(), members.field("source")[known].tolist())
    details = tuple(f"{names[i]}: ends at step {step_text(float(ends[known][i]))}" for i in order)
    return Mark("mixed", text, details, note="ends")


def best_mean_cut_mark(ends: np.ndarray, members: Runs) -> Mark | None:
    """Mark a best-mean cell whose runs' curves (`ends`: each one's last step, up to the budget) end at
    different steps: the seeds are averaged only where all of them logged, so the run that stops
    first cuts the steps its best step is chosen among, and another cell's may be chosen further on."""
    known = ~np.isnan(ends)
    if known.sum() < 2:
        return None
    low, high = float(np.min(ends[known])), float(np.max(ends[known]))
    if low == high:
        return None
    names = told_apart(members.field("name")[known].tolist(), members.field("source")[known].tolist())
    stopping = [name for name, end in zip(names, ends[known].tolist()) if end == low]
    text = (
        f"{ENDS_TEXT} ({step_text(low)} to {step_text(high)}): best-mean's step is chosen among the "
        f"steps every run logged, cut at {step_text(low)} by {named_list(stopping, 3)}, which "
        f"{'stops' if len(stopping) == 1 else 'stop'} there; a budget of {step_text(low)} chooses "
        "every cell's step up to it"
    )
    order = np.argsort(ends[known], kind="stable")
    details = tuple(f"{names[i]}: ends at step {step_text(float(ends[known][i]))}" for i in order)
    return Mark("mixed", text, details, note="ends")


def best_mean_nan_mark(
    curves: Mapping[int, tuple[np.ndarray, np.ndarray]], members: Runs, budget: float | None
) -> Mark | None:
    """Mark a best-mean cell whose runs logged NaN at steps amid their numbers: no mean is taken there,
    so those steps are passed over when the best step is chosen, however well the other seeds did."""
    names = dict(
        zip(
            members.ids.tolist(), told_apart(members.field("name").tolist(), members.field("source").tolist())
        )
    )
    found = []
    for run, (steps, values) in curves.items():
        known = steps[~np.isnan(values)]
        # NaN after a run's last number ends its curve: the † of curves ending apart says that one
        last = known[-1] if len(known) else -np.inf
        unknown = steps[np.isnan(values) & (steps < last) & (steps <= (np.inf if budget is None else budget))]
        if len(unknown):
            shown = ", ".join(step_text(float(step)) for step in unknown[:3])
            more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
            found.append(f"{names.get(run, run)} at step{'s' if len(unknown) > 1 else ''} {shown}{more}")
    if not found or len(curves) < 2:
        return None
    text = (
        f"best-mean's step is chosen among the steps where every run logged a number: steps where "
        f"{named_list(found, 3)} logged NaN (diverged?) are passed over"
    )
    return Mark("substituted", text, tuple(found))


def cut_short_mark(
    ends: np.ndarray, runs: CellRuns, members: Runs, apart: bool = False, intervals: np.ndarray | None = None
) -> Mark | None:
    """Mark a cell whose runs of unknown status end before every run its log says finished (a text log
    cut off at step 1375 beside runs that reached their `step:1750/1750`), or, where no run says it
    finished, one point before the step most of them end at together, by their step between two points
    (`intervals`: one seed of five stopping at 480000 of 500000, evaluated every 20000, its last line
    cut off; not an early stop, nor a shorter budget): killed or still running, read to its own end as
    though it had finished. With
    `apart` (the cell is marked already for runs ending at different steps), only the first."""
    present = runs.distinct_statuses()
    statuses = runs.statuses
    if {"finished", "unknown"} <= present:
        finished = (statuses == "finished") & ~np.isnan(ends)
        if not finished.any():
            return None
        end = float(np.min(ends[finished]))
        short = (statuses == "unknown") & (ends < end)
        reached = "the finished ones"
    elif present == {"unknown"} and len(ends) >= 3 and not apart and intervals is not None:
        known = ends[~np.isnan(ends)]  # none says it finished: most end together
        end = float(np.max(known)) if len(known) else float("nan")
        together = ends == end
        short = ends < end
        if together.sum() < 2 or together.sum() * 2 <= len(ends) or short.sum() >= together.sum():
            return None
        spacing = np.sort(intervals[together])  # their step between two points (np.median loads numpy.ma)
        step = float(spacing[len(spacing) // 2])
        if not (step > 0 and np.allclose(end - ends[short], step, rtol=1e-9, atol=0)):
            return None  # not one point short of them: an early stop, or another budget, trained so
        reached = "the others"
    else:  # most cells: no run to compare
        return None
    if not short.any():
        return None
    steps = [step_text(step) for step in np.unique(ends[short]).tolist()]
    at = ", ".join(steps[:SHOWN_VALUES]) + (" …" if len(steps) > SHOWN_VALUES else "")
    names = told_apart(members.field("name").tolist(), members.field("source").tolist())
    details = tuple(f"{names[i]}: ends at step {step_text(float(ends[i]))}" for i in np.flatnonzero(short))
    text = (
        f"includes {int(short.sum())} run(s) of unknown status ending before {reached} (at step "
        f"{at}; they end at {step_text(end)}): still running, or cut short"
    )
    return Mark("status", text, details)


def clipped_apart(texts: list[str], limit: int = VALUE_CHARS) -> list[str]:
    """Return values cut for a message, from where they differ when cutting their ends off would show
    two different values the same (checkpoints of one folder: `lowAltitude_segmentation/Mask2Former/mo…`)."""
    heads = [clipped(text, limit) for text in texts]
    if len(set(heads)) == len(set(texts)):
        return heads
    whole = [clipped(text, len(text) + 1) for text in texts]
    together = cut_all_where_they_differ(whole, limit, "…")
    if len(set(together)) == len(set(texts)):
        return together
    # one value apart from the start (`none` beside two long texts differing late): each on its own
    return cut_each_where_it_differs(whole, limit, "…")


def mixed_text(
    differing: Mapping[str, Sequence[Any]],
    runs: int,
    adapters: Collection[str] | None = None,
    unnamed: Sequence[str] = (),
) -> str:
    """Say which params differ among a cell's `runs` runs, a few values each; a param with a value of
    its own in every run (a name, a path) is most likely no setting, and the sentence says what to do
    (reading it as a metric only when the runs' `adapters`, if known, have the option; counting the
    replicates by it when no run has the replicate keys, `unnamed`: it may number the seeds)."""
    parts = []
    for key, values in differing.items():
        texts = [format_value(v) for v in values[:SHOWN_VALUES]]
        if len(set(texts)) < len(texts):  # lr 0.1 and lr "0.1": the text in quotes, as a text
            texts = [repr(v) if isinstance(v, str) else format_value(v) for v in values[:SHOWN_VALUES]]
        shown = ", ".join(clipped_apart(texts))
        if len(values) <= SHOWN_VALUES:
            parts.append(f"{key} ({shown})")
        else:
            each = ", one per run" if len(values) == runs else ""
            parts.append(f"{key} ({len(values)} values{each}: {shown}, …)")
    text = f"averages runs that differ in {'; '.join(parts)}"
    for key in differing:  # `lr` in the older runs, `learning_rate` in the later: a key renamed
        other = same_meaning(key, [name for name in differing if name != key])
        unrecorded = other is not None and NOT_RECORDED in differing[key] and NOT_RECORDED in differing[other]
        if other is not None and key < other and unrecorded:
            text += f" ({key} and {other} may be one setting under two names)"
    own = [key for key, values in differing.items() if runs > SHOWN_VALUES and len(values) == runs]
    if own:
        has, its, it_is, it = (
            ("has", "its", "it is", "it") if len(own) == 1 else ("have", "their", "they are", "them")
        )
        text += f"; {' and '.join(own)} {has} a value of {its} own in every run"
        numbering = [
            key for key in own if all(_is_whole(value) for value in differing[key]) and not _sized(key)
        ]
        if unnamed and numbering == own and all(_is_fold(key) for key in own):  # nnU-Net's fold_<k>
            keys = " or ".join(repr(key) for key in unnamed)
            fix = option("replicate", ",".join(own))
            folds = "a cross-validation's folds are its replicates"
            return f"{text} and no run has {keys}: {folds}, counted with {fix}"
        if unnamed and numbering:  # no run has a seed: a param numbering the runs most likely numbers them
            keys = " or ".join(repr(key) for key in unnamed)
            counters = " and ".join(numbering)
            fix = option("replicate", ",".join(numbering))
            verb = "numbers" if len(numbering) == 1 else "number"
            text += (
                f" and no run has {keys}: if {counters} {verb} the seeds, count the replicates by "
                f"{'it' if len(numbering) == 1 else 'them'} ({fix}); if {it_is} only a run's name, "
                f"as a folder is, declare {it} run-specific"
            )
        else:
            text += f", as a run's name or folder has: if that is all {it_is}, declare {it} run-specific"
        # a number of its own in every run is rather a time or a count that a results file's reader took
        # for a setting (whole numbers are params there)
        measured = [key for key in own if all(_is_number(value) for value in differing[key])]
        if measured and (adapters is None or not set(adapters).isdisjoint(METRICS_OPTION_ADAPTERS)):
            fix = option("option", f"metrics={','.join(measured)}")
            text += (
                f"; if {it_is} a measurement (a time, a count), read {it} as a metric "
                f"({fix}, records and onefile)"
            )
    if unnamed and not own:  # too few runs to tell a name from a counter: a number of each run's own
        numbering = [
            key
            for key, values in differing.items()
            if len(values) == runs and all(map(_is_whole, values)) and not _sized(key)
        ]
        if len(numbering) == 1:
            keys, key = " or ".join(repr(key) for key in unnamed), numbering[0]
            fix = option("replicate", key)
            text += f"; no run has {keys}: if {key} numbers the seeds, count the replicates by it ({fix})"
    return text


# what a whole-number setting named so counts is a size or a budget, never a seed (`n_hidden` 32 and 128)
_SIZES = re.compile(r"hidden|width|dim|size|layers?|units|heads|batch|epochs?|steps|depth|channels|features")


def _sized(key: str) -> bool:
    """Tell whether a param's name says it sizes the model or the training (`model.n_hidden`, `width`)."""
    return _SIZES.search(key.rpartition(".")[2].lower()) is not None


def _no_value(column: np.ndarray) -> bool:
    """Tell whether a column of replicate values holds none (no run of the cell has the key)."""
    return all(value is None for value in column.tolist())


def _is_fold(key: str) -> bool:
    """Tell whether a param is named as the fold of a cross-validation (`fold`, `cv.fold`)."""
    return key.rsplit(".", 1)[-1].lower() == "fold"


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def repeated_replicates(runs: CellRuns) -> list[Key]:
    """Return the (pooled..., replicate...) values several runs of a cell share, first seen first
    (runs without any replicate value are not compared)."""
    if not runs.replicate:
        return []
    if len(runs.replicate) == 1 and not runs.pooled:  # one key: count its values, no tuple per run
        values = runs.replicate[0].tolist()
        if None not in values:
            if _spelled_apart(values):
                return _repeated([(value,) for value in values])
            return [(value,) for value, count in Counter(values).items() if count > 1]
    named = np.zeros(len(runs), dtype=bool)
    for column in runs.replicate:
        named |= np.fromiter((v is not None for v in column.tolist()), dtype=bool, count=len(runs))
    chosen = np.flatnonzero(named)
    columns = [column[chosen].tolist() for column in (*runs.pooled, *runs.replicate)]
    return _repeated(list(zip(*columns)))


def _spelled_apart(values: Sequence[Any]) -> bool:
    """Tell whether some values are not all of one type (seed 1 and seed '1'): then they are counted
    as `seed_identity` says, slower."""
    return len(set(map(type, values))) > 1


def _repeated(keys: Sequence[Key]) -> list[Key]:
    """Return the keys (each as first written) that several runs share, as `seed_identity` tells them."""
    first: dict[Key, Key] = {}
    counts: Counter[Key] = Counter()
    for key in keys:
        identity = tuple(map(seed_identity, key))
        first.setdefault(identity, key)
        counts[identity] += 1
    return [first[identity] for identity, count in counts.items() if count > 1]


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def seed_identity(value: Any) -> Any:
    """Return what a replicate value means: seed '1' (text, from a path or a CSV column) is seed 1,
    and seed 1.0 is too."""
    if isinstance(value, bool):
        return value_identity(value)
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        try:
            return ("whole", int(value))  # exact: seeds 2**60 and 2**60 + 1 are two
        except ValueError:  # more digits than Python converts: the text is its identity
            return value_identity(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return ("whole", int(value))
    return value_identity(value)


MIN_CURVE_POINTS = 5  # shorter curves are not compared: two seeds may well log a few same values
MIN_CURVE_VALUES = 3  # nor curves of fewer values (a tiny eval set's accuracy stuck at 1.0)


def curve_codes_of(curves: Sequence[tuple[np.ndarray, np.ndarray] | None]) -> np.ndarray:
    """Return a code per curve (steps, values) that curves alike point for point share, to every bit;
    -1 for a curve too short or of too few values to tell (`MIN_CURVE_POINTS`, `MIN_CURVE_VALUES`)."""
    codes = np.full(len(curves), -1, dtype=np.int64)
    exact: dict[bytes, int] = {}
    for index, curve in enumerate(curves):
        if curve is None or len(curve[1]) < MIN_CURVE_POINTS or len(np.unique(curve[1])) < MIN_CURVE_VALUES:
            continue
        steps, values = curve
        identity = b"".join(
            [steps.dtype.str.encode(), steps.tobytes(), values.dtype.str.encode(), values.tobytes()]
        )
        codes[index] = exact.setdefault(identity, len(exact))
    return codes


def same_curve_text(
    codes: np.ndarray, replicates: Sequence[Key], keys: Sequence[str], metric: str
) -> tuple[str, list[int]] | None:
    """Say which runs of different replicates (seeds) logged one same curve of the metric (`codes`
    from `curve_codes_of`, `replicates` each run's values of `keys`), with the largest such group;
    None when no two do. A seed that never reached the training (or a run copied under another
    seed) gives a spread of zero that looks like a stable method; a deterministic method gives it too."""
    groups: dict[int, list[int]] = defaultdict(list)
    for index, code in enumerate(codes.tolist()):
        if code >= 0:
            groups[code].append(index)
    alike = []
    for members in groups.values():
        # runs that name no replicate (no seed param) are each their own: alike, one was copied
        distinct = list(dict.fromkeys(replicates[i] if _named(replicates[i]) else i for i in members))
        if len(distinct) > 1:
            alike.append((members, distinct))
    if not alike:
        return None
    members, distinct = max(alike, key=lambda group: len(group[0]))
    unnamed = not any(_named(replicates[i]) for i in members)
    if keys and not unnamed:
        named = named_list(
            [replicate_text(keys, key) for key in distinct if isinstance(key, tuple)], SHOWN_VALUES
        )
    else:
        named = f"{len(members)} runs"
    others = f" (and {len(alike) - 1} more such group(s))" if len(alike) > 1 else ""
    why = (
        "a run copied (its folder twice in the logs?), or a deterministic method"
        if unnamed
        else "the seed changed nothing — a seed that never reached the training, a run copied, or a "
        "deterministic method"
    )
    return (
        f"{named} logged the same curve of {metric!r}, point for point to every bit{others}: {why}",
        members,
    )


def _named(replicate: Key) -> bool:
    """Tell whether a run names its replicate (a seed): some value of the keys is there."""
    return any(value is not None for value in replicate)


def same_curve_marks(runs: CellRuns, codes: np.ndarray, keys: Sequence[str], metric: str) -> list[Mark]:
    """Mark (≡) a cell whose runs of different replicates logged one same curve of its metric (`codes`
    per run, as `MetricReader.curve_codes` gives them)."""
    if np.count_nonzero(codes >= 0) < 2:  # as usual, no two runs alike: nothing to look at per run
        return []
    columns = [column.tolist() for column in (*runs.pooled, *runs.replicate)]
    replicates = [tuple(column[i] for column in columns) for i in range(len(runs))]
    found = same_curve_text(codes, replicates, keys, metric)
    if found is None:
        return []
    text, members = found
    return [Mark("same", text, tuple(str(runs.names[i]) for i in members))]


def _value_marks(runs: CellRuns) -> list[Mark]:
    """Marks about the values: none, substituted, infinite."""
    marks = []
    values = runs.values
    names = runs.names
    notes = runs.notes
    missing = np.flatnonzero(np.isnan(values)).tolist()
    if missing:
        why = [notes[i][1] if notes[i] else "NaN or not logged" for i in missing]
        marks.append(
            Mark(
                "novalue",
                f"{len(missing)} run(s) have no value and are left out ({bounded(counted(why))})",
                tuple(f"{names[i]}: {text}" for i, text in zip(missing, why)),
            )
        )
    noted = [i for i in np.flatnonzero(notes.astype(bool)).tolist() if notes[i][0] == "substituted"]
    if noted:
        marks.append(
            Mark(
                "substituted",
                f"{len(noted)} run(s) {bounded(counted([notes[i][1] for i in noted]))}",
                tuple(f"{names[i]}: {notes[i][1]}" for i in noted),
            )
        )
    infinite = np.flatnonzero(np.isinf(values)).tolist()
    if infinite:
        marks.append(
            Mark(
                "infinite",
                f"{len(infinite)} run(s) are infinite: order statistics (median, IQM, min, max) use them, "
                "the mean is infinite, spreads and intervals are not computed",
                tuple(f"{names[i]}: {float(values[i])}" for i in infinite),
            )
        )
    return marks


def differing_within_pools(members: Runs, query: TableQuery) -> dict[str, list[Any]]:
    """Return the params that differ among a cell's runs; with pooling, among the runs of one
    pooled value (the splits of a dataset may be tuned differently, the seeds of one split not)."""
    exempt = {*query.replicate, *query.run_specific, *query.pool}
    if not query.pool:
        return differing_among(members, query.replicate, exempt)
    first, group_of = groups_of([members.value_identity_codes(key) for key in query.pool], len(members))
    differing: dict[str, list[Any]] = {}
    for group in members_of(group_of, len(first)):  # pooled values in the order first met
        for key, values in differing_columns(members.take(group), exempt).items():
            known = differing.setdefault(key, [])
            known += [v for v in values if not any(values_equal(v, k) for k in known)]
    ordered = {key: sorted(values, key=sort_key) for key, values in sorted(differing.items())}
    return _without_replicate_aliases(ordered, members, query.replicate)


def differing_among(members: Runs, replicate: Sequence[str], exempt: set[str]) -> dict[str, list[Any]]:
    """Return the params outside `exempt` that differ among runs, the seed under another name left out."""
    return _without_replicate_aliases(differing_columns(members, exempt), members, replicate)


def _without_replicate_aliases(
    differing: dict[str, list[Any]], members: Runs, replicate: Sequence[str]
) -> dict[str, list[Any]]:
    """Leave out the params named like a replicate key that hold its value in every run: the seed under
    another name (TabM's `config.seed` beside the `{seed}` of its folders, `args.random_seed`), no setting
    that tells runs apart. A param of another name that happens to equal the seeds (0 and 1 over two
    runs) stays: it may be a setting."""
    aliases = set()
    for key in differing:
        values, has = members.param(key)
        if not has.all():
            continue
        for name in replicate:
            if name.lower() not in key.rpartition(".")[2].lower() or name == key:
                continue
            seeds, seeded = members.param(name)
            if seeded.all() and all(map(values_equal, values.tolist(), seeds.tolist())):
                aliases.add(key)
    return {key: values for key, values in differing.items() if key not in aliases}


def differing_columns(runs: Runs, exempt: set[str], count_absent: bool = False) -> dict[str, list[Any]]:
    """Return the params (outside `exempt`) whose values differ among runs, with those values (the
    first run's of each, sorted). A param only some runs record differs only where two runs record
    different values, unless `count_absent`: then a run without it counts as having None."""
    differing: dict[str, list[Any]] = {}
    for key in runs.known_params():  # an exempt param is never read, nor one the store knows is constant
        if key in exempt:
            continue
        if not count_absent and runs.constant_param(key) and runs.param_everywhere(key):
            continue
        has = runs.has_param(key)
        if not has.any():
            continue
        codes = runs.identity_codes(key, absent_as_none=count_absent)
        chosen = codes >= 0
        found = codes[chosen]
        lacked = not count_absent and not has.all() and _lacked_beside_alike(runs, has)
        if found.min() == found.max() and not lacked:
            continue
        _, first = np.unique(found, return_index=True)
        values = runs.param(key)[0][chosen]
        differing[key] = sorted((values[i] for i in np.sort(first).tolist()), key=sort_key)
        if lacked:
            differing[key].append(NOT_RECORDED)
    return differing


NOT_RECORDED = "not recorded"  # a param's value, as a message names it, where a run does not record it


def _lacked_beside_alike(runs: Runs, has: np.ndarray) -> bool:
    """Tell whether a run that records params lacks this one beside a run of the same reader that
    has it: one config file holds a setting the other's does not (a model's embedding block), where
    another tracker's extras (the Hugging Face Trainer's arguments) say nothing of the config."""
    lacking = ~has & runs.with_params()
    if not lacking.any():
        return False
    adapters = runs.field("adapter")
    return not set(adapters[lacking].tolist()).isdisjoint(adapters[has].tolist())


def replicate_text(keys: Sequence[str], values: Key) -> str:
    """Say which replicate: `seed 3`, or `seed=3, fold=1` for several keys."""
    if len(keys) == 1:
        return f"{keys[0]} {format_value(values[0])}"
    return ", ".join(f"{k}={format_value(v)}" for k, v in zip(keys, values))


def told_apart(names: Sequence[str], sources: Sequence[str]) -> list[str]:
    """Return each run's name, or its source where runs share a name (the row key `name`, a tracker's
    display name reused by every run of a sweep), so that a sentence naming runs tells them apart."""
    counts = Counter(names)
    return [name if counts[name] == 1 else source for name, source in zip(names, sources, strict=True)]


def named_list(texts: Sequence[str], shown: int) -> str:
    """Name a few things: `seed 1`, `seed 1 and seed 3`, `seed 1, seed 2 and seed 3`, or the first
    `shown` of more and how many more: `seed 1, seed 2, seed 3 and 4 more`."""
    if len(texts) > shown:
        return f"{', '.join(texts[:shown])} and {len(texts) - shown} more"
    return texts[0] if len(texts) == 1 else f"{', '.join(texts[:-1])} and {texts[-1]}"


def counted(texts: Sequence[str]) -> list[str]:
    """Return distinct texts with their counts, most frequent first: `2× skip_first removed ...`."""
    counts: dict[str, int] = defaultdict(int)
    for text in texts:
        counts[text] += 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [text if count == 1 else f"{count}× {text}" for text, count in ordered]


def bounded(items: Sequence[str], limit: int = 3) -> str:
    """Join at most `limit` items, saying how many more there are."""
    shown = "; ".join(items[:limit])
    return shown + (f"; and {len(items) - limit} more" if len(items) > limit else "")
