"""Where a number comes from: the runs behind a table cell, with seed, status, code version, source
and each run's own value, and the params in which they differ."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from resultsbook.errors import QueryError, SpecError, closest, did_you_mean, listing_text
from resultsbook.freshness.check import recoded_runs, recoded_text, run_names, runs_text
from resultsbook.models import StoredRun
from resultsbook.outputs.build import aggregate_entry, compute_entry, run_code
from resultsbook.outputs.lock import LockConflictError, LockEntry, file_digest, read_lock
from resultsbook.outputs.spec_reader import spec_reader
from resultsbook.params import format_value
from resultsbook.query.access import MetricReader
from resultsbook.query.aggregate import differing_params, reader_for
from resultsbook.query.curves import (
    X_STEP,
    X_TIME,
    CurveLine,
    CurveQuery,
    CurveSet,
    line_honesty,
    line_notes,
)
from resultsbook.query.model import ResultTable, TableQuery, scaled_value
from resultsbook.query.reduce import Reduction, parse_reduction, step_text
from resultsbook.query.resumed import other_folders_text, runs_by_wandb_id
from resultsbook.query.stats import describe
from resultsbook.query.tasks import AGGREGATE_NAMES, task_words
from resultsbook.render.layout import (
    CENTER_WORDS,
    SPREAD_NAMES,
    Labels,
    TableFormat,
    cell_label,
    headed_cell_label,
    layout_table,
    plain_cell,
)
from resultsbook.render.plots import BarItem, LineData
from resultsbook.spec import FigureSpec, Spec, TableSpec
from resultsbook.store import Store


@dataclass(frozen=True)
class CellExplanation:
    """One cell (or a figure's curve or bar): what it shows, its statistics, its runs and what differs
    between them."""

    table: str
    cell: str
    shown: str
    stats: Mapping[str, float]
    reduce: str
    runs: tuple[tuple[StoredRun, float], ...]
    differing: Mapping[str, list[Any]]
    marks: tuple[str, ...]
    step: float | None = None
    allowed: Mapping[str, str] = field(default_factory=dict)  # differing params no † marks, and why
    computed: str = ""  # the statistic printed, unrounded, with ddof and scale: what ± means
    built: str = ""  # what the file built last shows instead, when the store changed since
    replicate: tuple[str, ...] = ("seed",)  # the keys that tell its runs apart, a column each
    kind: str = "cell"  # a table's cell, or a figure's `curve` or `bar` (the figure's name is `table`)
    # each run's first and last step of the points its value comes from (one step twice for last,
    # at(step), best(KEY)), in the order of `runs`; None where no logged point gives it
    steps: tuple[tuple[float, float] | None, ...] = ()
    # for best(KEY): each run's step where KEY is best, in the order of `runs`; the point read is the
    # metric's last at or before it, which may lie steps earlier (a metric logged less often than KEY)
    best_steps: tuple[float | None, ...] = ()
    metric: str = ""  # the metric's name, where best(KEY) names it beside KEY
    # what became of the file keeping a dirty run's diff, by run id, where it is gone or not that diff
    diff_problems: Mapping[str, str] = field(default_factory=dict)

    @property
    def steps_differ(self) -> bool:
        """Tell whether the runs with a value took it at (or over) different steps: a column says each."""
        return len(set(zip(self._valued_steps(), self._valued_best_steps()))) > 1

    def per_run(self) -> str:
        """Say what each run's value is, as the header does: its reduction and, when it is the same for
        every run, the step it is taken at (`last at step 1000`) or the steps it is over (`max over steps
        100–1000`); a curve's reduction names its step already (its value at step 300, ...). A best(KEY)
        read before KEY's best step names both: `val/acc best at step 300, the value read at step 0`."""
        if self._read_before_best():
            return self._best_per_run()
        shared = set(self._valued_steps())
        span = shared.pop() if len(shared) == 1 else None
        if self.kind == "curve" or (span is None and self.step is None):
            return self.reduce
        if span is None or span[0] == span[1]:
            at = span[0] if span is not None else self.step
            assert at is not None
            reduction = _parsed(self.reduce)
            same = reduction is not None and reduction.kind == "at" and reduction.step == at
            return self.reduce if same else f"{self.reduce} at step {step_text(at)}"
        return f"{self.reduce} over steps {steps_text(span)}"

    def step_texts(self) -> list[str]:
        """Write each run's step as its column says it: `0`, or `0 (best at 300)` where best(KEY) read
        the metric before KEY's best step."""
        texts = []
        for span, best in zip(self.run_steps(), self.run_best_steps()):
            read_before = span is not None and best is not None and span[0] != best
            best_at = f" (best at {step_text(best)})" if best is not None and read_before else ""
            texts.append(steps_text(span) + best_at)
        return texts

    def _best_per_run(self) -> str:
        """Say where best(KEY) found KEY best and where it read the metric: both steps where every run
        shares them, else that the column gives them."""
        reduction = _parsed(self.reduce)
        key = reduction.other if reduction is not None else "KEY"
        pairs = set(zip(self._valued_steps(), self._valued_best_steps()))
        read = self.metric or "the value"
        if len(pairs) == 1:
            span, best = pairs.pop()
            if span is not None and best is not None:
                return (
                    f"{self.reduce}: {key} best at step {step_text(best)}, {read} read at step "
                    f"{step_text(span[0])} (its last point at or before it)"
                )
        return f"{self.reduce}: {read} read at its last point at or before the step where {key} is best"

    def _read_before_best(self) -> bool:
        """Tell whether best(KEY) read some run's metric at a step before the one where KEY is best."""
        pairs = zip(self._valued_steps(), self._valued_best_steps())
        return any(span is not None and best is not None and span[0] != best for span, best in pairs)

    def run_best_steps(self) -> list[float | None]:
        """Return each run's step where best(KEY)'s KEY is best, in the order of `runs`; None for none."""
        return list(self.best_steps or (None,) * len(self.runs))

    def _valued_best_steps(self) -> list[float | None]:
        return [best for (_, value), best in zip(self.runs, self.run_best_steps()) if value == value]

    def run_steps(self) -> list[tuple[float, float] | None]:
        """Return the steps of each run, in the order of `runs`; None for a run listed with nan."""
        steps = self.steps or (None,) * len(self.runs)
        return [span if value == value else None for (_, value), span in zip(self.runs, steps)]

    def _valued_steps(self) -> list[tuple[float, float] | None]:
        """Return the steps of the runs that have a value."""
        return [span for (_, value), span in zip(self.runs, self.run_steps()) if value == value]


def steps_text(span: tuple[float, float] | None) -> str:
    """Write the steps a run's value comes from: `1000`, `800–1000`; empty for none."""
    if span is None:
        return ""
    first, last = span
    return step_text(first) if first == last else f"{step_text(first)}–{step_text(last)}"


def shared_step(values: Sequence[float], steps: Sequence[tuple[float, float] | None]) -> float | None:
    """Return the one step every run with a value took it at; None when they differ or span several."""
    spans = {span for value, span in zip(values, steps) if value == value}
    span = spans.pop() if len(spans) == 1 else None
    return span[0] if span is not None and span[0] == span[1] else None


def _parsed(text: str) -> Reduction | None:
    """Return a table's reduction parsed; None for a curve's words."""
    try:
        return parse_reduction(text)
    except QueryError:
        return None


def allowed_differences(differing: Mapping[str, list[Any]], query: TableQuery | CurveQuery) -> dict[str, str]:
    """Return the differing params that no † marks, each with why: the table's (or curve figure's)
    run-specific or pooled params."""
    allowed = {key: "run-specific" for key in differing if key in query.run_specific}
    return allowed | {key: "pooled" for key in differing if key in getattr(query, "pool", ())}


def computed_text(
    stats: Mapping[str, float],
    fmt: TableFormat,
    ddof: int,
    scale: float,
    listed: int,
    aggregate: str | None = None,
    tasks: tuple[str, ...] = (),
) -> str:
    """Say which statistics a cell prints, unrounded: `mean 90 ± std 4.52769 (ddof = 1) of the 5
    values above (logged values × 100)`, or the `aggregate` over tasks it shows, and how many of the
    `listed` runs have no value."""
    if aggregate is not None and "value" in stats:
        return _aggregate_text(aggregate, stats, scale, tasks)
    center = stats.get(fmt.center)
    if center is None:
        return ""
    n = int(stats.get("n", 0))
    text = f"{CENTER_WORDS[fmt.center]} {center:.6g}"
    spread = fmt.spread
    if n < 2 or spread is None:
        text += "" if spread is None else f" (one value: no {SPREAD_NAMES[spread]})"
    elif spread in ("std", "sem") and spread in stats:
        text += f" ± {SPREAD_NAMES[spread]} {stats[spread]:.6g} (ddof = {ddof})"
    else:
        lo, hi = ("min", "max") if spread == "minmax" else (f"{spread}_lo", f"{spread}_hi")
        if lo in stats and hi in stats:
            text += f", {SPREAD_NAMES[spread]} [{stats[lo]:.6g}, {stats[hi]:.6g}]"
    values = "value" if n == 1 else "values"
    text += f" of the {n} {values} above"
    if listed > n:
        text += f", {listed - n} run{'s' if listed - n > 1 else ''} without a value left out"
    return text + (f" (logged values × {scale:g})" if scale != 1 else "")


def _aggregate_text(aggregate: str, stats: Mapping[str, float], scale: float, tasks: tuple[str, ...]) -> str:
    """Say which aggregate over tasks a cell prints, unrounded, with its interval: the values listed
    are scaled as the cell is, which the line says (an IQM of 26.6 over values logged as 0.27)."""
    text = f"{AGGREGATE_NAMES[aggregate]} {stats['value']:.6g}"
    if "bootstrap_lo" in stats and "bootstrap_hi" in stats:
        text += f", 95% stratified bootstrap [{stats['bootstrap_lo']:.6g}, {stats['bootstrap_hi']:.6g}]"
    count, over = int(stats.get("n", 0)), f"{int(stats.get('tasks', 0))} {task_words(tasks)}"
    text += f" over the {count} values above ({over})"
    return text + (f" (logged values × {scale:g})" if scale != 1 else "")


STALE = "the store changed since; run `resultsbook build`"


def _lock_entry(spec: Spec, entry: str) -> LockEntry | None:
    """Return what the last build recorded of an entry; None without a (readable) lock: check says why."""
    try:
        return read_lock(spec.lock).get(entry) if spec.lock else None
    except (SpecError, LockConflictError):  # a lock a merge left conflicted explains nothing; the store does
        return None


def built_text(
    recorded: Mapping[str, Any] | None,
    shown: Any,
    run_ids: list[str],
    store: Store | None = None,
    code: Mapping[str, str] | None = None,
) -> str:
    """Say what the file built last shows of a cell (or a figure's curve or bar, `shown` as text) when it
    is not what the store gives now (runs
    collected, changed or gone since `build`, named from `store` when given; a run re-run from other
    code since, from the commits the lock keeps and `code`, {run id: commit now}); empty when they
    agree or the cell was never built."""
    if recorded is None:
        return ""
    if isinstance(shown, str):
        now = shown
    else:
        now = plain_cell(shown, marks=False) if shown is not None and shown.center else "–"
    codes = [(code or {}).get(run_id, "") for run_id in run_ids]
    recoded = recoded_runs(recorded, {"runs": run_ids, "code": codes} if any(codes) else {"runs": run_ids})
    if recorded.get("value") == now and sorted(recorded.get("runs", ())) == sorted(run_ids) and not recoded:
        return ""  # a seed re-run from other code to the same value is still said
    old, new = set(recorded.get("runs", ())), set(run_ids)
    names = run_names(store, (old ^ new) | {run for run, _, _ in recoded}) if store is not None else {}
    counts = [(new - old, "added"), (old - new, "removed")]
    runs = [
        runs_text(len(ids), verb, sorted(names.get(run_id, run_id) for run_id in ids))
        for ids, verb in counts
        if ids
    ]
    if recoded:
        named = tuple(sorted((names.get(run, run), before, now) for run, before, now in recoded))
        runs.append(recoded_text(named))
    changed = ", ".join(runs) or "the values of its runs changed"
    return f"the outputs built last show {recorded.get('value')} (n = {recorded.get('n')}), not this: " + (
        STALE.replace("since;", f"since: {changed};")
    )


def find_table(spec: Spec, target: str) -> TableSpec:
    """Return the table named `target` or writing the output file `target` (a figure's: see find_figure)."""
    if target in spec.tables:
        return spec.tables[target]
    if target.partition("/")[0] in spec.tables:  # a cell key such as table1/mlp/circles
        return spec.tables[target.partition("/")[0]]
    wanted = os.path.abspath(target)
    for table in spec.tables.values():
        if wanted in table.outputs:
            return table
    written = [*(t.outputs for t in spec.tables.values()), *(f.outputs for f in spec.figures.values())]
    outputs = [os.path.relpath(path) for paths in written for path in paths]
    numbers = list(spec.macros.values) if spec.macros is not None else []
    names = [*spec.tables, *spec.figures, *outputs, *numbers]
    head, slash, cell_key = target.partition("/")
    table_meant = closest(head, spec.tables) if slash and closest(target, names) is None else None
    if table_meant is not None:  # a cell key whose table is mistyped: tabel1/mlp/moons
        hint = f"did you mean {table_meant + slash + cell_key!r}?"
    else:
        hint = did_you_mean(target, names, "tables, figures, outputs and numbers")
    raise SpecError(
        f"{target!r} is neither a table or figure of {os.path.basename(spec.path)}, one of their outputs, "
        f"nor a number of [macros.values]; {hint}"
    )


def find_figure(spec: Spec, target: str) -> FigureSpec | None:
    """Return the figure named `target` or writing the output file `target`; None for a table's name."""
    if target in spec.tables:
        return None
    wanted = os.path.abspath(target)
    return next((f for name, f in spec.figures.items() if name == target or wanted in f.outputs), None)


def environment_differences(runs: Sequence[StoredRun]) -> dict[str, list[str]]:
    """Return {what: its values} where the runs that record an environment differ in it: `python`,
    `gpus` and each package (`numpy`) of `packages`, as resultsbook.Run (W&B, Neptune: python) records
    them; a run that records none of them is left out, and nothing is guessed for it."""
    facts: list[dict[str, str]] = []
    for run in runs:
        found: dict[str, str] = {}
        for key in ("python", "gpus"):
            value = run.provenance.get(key)
            if value:
                found[key] = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        packages = run.provenance.get("packages")
        if isinstance(packages, Mapping):
            found.update({str(name): str(version) for name, version in packages.items()})
        if found:
            facts.append(found)
    if len(facts) < 2:
        return {}
    keys = sorted({key for found in facts for key in found}, key=lambda k: (k not in ("python", "gpus"), k))
    differing = {}
    for key in keys:
        values = [found.get(key, "absent") for found in facts]
        if len(set(values)) > 1:
            differing[key] = sorted(set(values))
    return differing


def kept_diff(run: StoredRun) -> str | None:
    """Return where the uncommitted changes of a run from a dirty working tree are kept: the file its
    logger wrote beside it (`runs/mlp_seed0/git.diff`, as the source column names the folder), or
    `its provenance` when the diff itself is there (ClearML's); None when none was kept."""
    git = run.provenance.get("git")
    diff = git.get("diff") if isinstance(git, Mapping) else None
    if not isinstance(diff, str) or not diff.strip():
        return None
    if "\n" in diff or " " in diff.strip():  # the diff's text, not the name of a file holding it
        return "its provenance (resultsbook show prints it)"
    return diff if os.path.isabs(diff) else f"{run.source.rstrip('/')}/{diff}"


def diff_problem(run: StoredRun, store: Store) -> str | None:
    """Say what is wrong with the file keeping a dirty run's diff: gone, or other bytes than the diff its
    `git.diff_digest` records; None when it reads as recorded (or is not a file that can be read)."""
    kept = kept_diff(run)
    git = run.provenance.get("git")
    if kept is None or not isinstance(git, Mapping) or kept.startswith("its provenance"):
        return None
    name = str(git["diff"])
    path = name if os.path.isabs(name) else os.path.join(store.absolute(run.source), name)
    if "://" in path:  # a run of a tracking server: no file here to read
        return None
    if not os.path.lexists(path):
        return f"its diff {kept} is missing"
    digest = git.get("diff_digest")
    if not isinstance(digest, str) or not digest.startswith("sha256:") or git.get("diff_truncated"):
        return None  # a cut diff keeps only its first bytes: the digest covers all of them
    try:
        found = file_digest(path)
    except OSError:
        return None
    return None if found == digest[7:] else f"{kept} does not match the diff recorded (diff_digest)"


def diff_problems(runs: Sequence[StoredRun], store: Store) -> dict[str, str]:
    """Return {run id: `diff_problem`} of the dirty runs whose kept diff is gone or another."""
    found = {run.run_id: diff_problem(run, store) for run in runs if run.git_dirty}
    return {run_id: problem for run_id, problem in found.items() if problem is not None}


def dirty_text(run: StoredRun, problem: str | None = None) -> str:
    """Say which commit a run from a dirty working tree started from and where what differed is kept
    (or, `problem`, what became of the file that kept it)."""
    commit = (run.git_commit or "")[:10]
    git = run.provenance.get("git")
    script = git.get("untracked_script") if isinstance(git, Mapping) else None
    if not commit and logged_by_run(run):  # resultsbook.Run marks a repository with no commit dirty
        return f"{run.name} ran in a git repository with no commit yet: commit the code first"
    kept = kept_diff(run)
    if isinstance(script, str):  # a script never committed: its code is in no diff either
        also = f"; the diff of its other changes is kept in {kept}" if kept and problem is None else ""
        return f"{run.name} ran from {commit} with {script}, a script in no commit: commit it{also}"
    started = f"ran from {commit} with uncommitted changes" if commit else "ran with uncommitted changes"
    if problem is not None:
        tail = f"{problem}, so what differed cannot be told"
    elif kept is None:
        tail = "no diff of them was kept, so what differed cannot be told"
        tail += " (resultsbook.Run keeps it as git.diff)"
    else:
        truncated = run.provenance["git"].get("diff_truncated")
        tail = f"their diff is kept in {kept}" + (f" ({truncated})" if isinstance(truncated, str) else "")
    return f"{run.name} {started}; {tail}"


def commit_blank_text(runs: Sequence[StoredRun]) -> str:
    """Say why no run of a cell records a git commit, and what to do, by which logger wrote them."""
    if runs and all(logged_by_run(run) for run in runs):
        if all(isinstance(run.provenance.get("git"), Mapping) for run in runs):
            return (
                "commit blank: these runs ran in a git repository with no commit yet: commit the code first"
            )
        return (
            "commit blank: the script ran outside a git repository, so which code made these runs cannot"
            " be told; run it from a clone of the code's repository"
        )
    formats = " and ".join(sorted({run.adapter for run in runs}))
    return (
        f"commit blank: the {formats} logs of these runs record no git commit, so which code made them"
        " cannot be told; resultsbook.Run records it (and a dirty tree's diff), or keep `git rev-parse"
        " HEAD` in each run's config"
    )


def logged_by_run(run: StoredRun) -> bool:
    """Tell whether resultsbook.Run logged a run (its run.json names the logger)."""
    logger = run.provenance.get("logger")
    return run.adapter == "native" and isinstance(logger, str) and logger.startswith("resultsbook ")


def _with_status(run: StoredRun, status: str) -> StoredRun:
    """Return a run with the status its cell counted it with (the same run, as a rule)."""
    return run if run.status == status else replace(run, status=status)


def explain(
    spec: Spec, store: Store, target: str, cell: str | None = None, key: str | None = None
) -> list[CellExplanation]:
    """Explain every cell of a table (or the cells matching `cell`: a label such as `MLP / Moons`,
    part of one, or key values such as `model=mlp,dataset=moons`; or the cell whose key is `key`, as
    the values read or as the numbers file writes it, `table1/a-b/x(b9477b)`, before `cell`); of a
    figure, its curves or bars, named as the figure shows them (see explain_figure)."""
    figure = find_figure(spec, target)
    if figure is not None:
        return explain_figure(spec, store, figure, cell)
    table_spec = find_table(spec, target)
    runs = store.runs()
    reader = reader_for(store, table_spec.query, None)  # the series the cells read, each run's steps
    table = compute_entry(spec, table_spec, store, runs, reader).table
    assert table is not None
    places = [
        (row, column) for row in table.rows for column in table.columns if table.cell(row, column) is not None
    ]
    by_key = _keyed_cells(table_spec.name, table, key) if key is not None else set()
    if by_key:
        chosen = [place for place in places if place in by_key]
    else:
        named = [
            (
                cell_label(table, *place, table_spec.labels),
                (*table.row_keys, *table.column_keys),
                (*place[0], *place[1]),
                headed_cell_label(table, *place, table_spec.labels),
            )
            for place in places
        ]
        chosen = [places[index] for index in _chosen(cell, named, "cell", f"table {table_spec.name!r}")]
    recorded = _lock_entry(spec, f"tables.{table_spec.name}")
    fmt, labels = table_spec.format, table_spec.labels
    return _cell_explanations(
        table_spec.name, table, fmt, labels, chosen, store, runs, recorded, reader=reader
    )


def _chosen(
    query: str | None,
    named: Sequence[tuple[str, tuple[str, ...], tuple[Any, ...], str | None]],
    what: str,
    of: str,
) -> list[int]:
    """Return the indexes of the items (label, keys, their values, the label as headed) that `query`
    names best, as a table's cell is named (every item without a query); none named is an error
    offering the closest (`no cell of table 't' matches 'x'; did you mean ...?`)."""
    if query is None:
        return list(range(len(named)))
    ranks = [_match(query, label, keys, values, headed) for label, keys, values, headed in named]
    # 'cnn / cifar10' is that cell, not also 'cnn / cifar100', which it is part of; '2 / pws' is 20 / pws
    best = max((rank for rank in ranks if rank is not None), default=None)
    if best is None:
        labels = [label for label, *_ in named]
        keyed = [_pairs(keys, values) for _, keys, values, _ in named]
        guess = closest(query, keyed if "=" in query else labels)
        hint = f"did you mean {guess!r}?" if guess else f"its {what}s: {listing_text(labels)}"
        raise SpecError(f"no {what} of {of} matches {query!r}; {hint}")
    return [index for index, rank in enumerate(ranks) if rank == best]


def _cell_explanations(
    name: str,
    table: ResultTable,
    fmt: TableFormat,
    labels: Labels,
    places: Sequence[tuple[Any, Any]],
    store: Store,
    runs: Sequence[StoredRun],
    recorded: LockEntry | None,
    bars: Mapping[tuple[Any, Any], tuple[str, str]] | None = None,
    reader: MetricReader | None = None,
) -> list[CellExplanation]:
    """Explain the cells of `table` at `places` (row, column): by their labels, as its layout shows
    them; or a figure's bars of them, by the name and text the figure gives each (`bars`)."""
    by_id = {run.id: run for run in runs}
    reader = reader or reader_for(store, table.query, None)
    resumed = runs_by_wandb_id(runs)
    code = run_code(runs)
    layout = layout_table(table, fmt, labels)
    index = {
        (row, column): (r, c) for r, row in enumerate(table.rows) for c, column in enumerate(table.columns)
    }
    explanations = []
    for place in places:
        found = table.cell(*place)
        assert found is not None
        r, c = index[place]
        shown = layout.body[r][1][c]
        label, text = bars[place] if bars else (cell_label(table, *place, labels), "")
        # a TensorBoard folder's status is the W&B run's that synced it, as the cell counts it
        members = [_with_status(by_id[run.id], run.status) for run in found.runs]
        differing = differing_params(members, exempt=table.query.replicate)
        values = found.runs.values.tolist()
        steps = tuple(reader.value_steps(found.metric, members))
        best_steps = tuple(reader.best_steps(found.metric, members))
        # a bar draws no bold best: its cell's own marks, not the significance of a highlight
        marks = found.marks if bars else layout.marks.get((r, c), ())
        explanations.append(
            CellExplanation(
                table=name,
                cell=label,
                shown=text or (plain_cell(shown, marks=False) if shown is not None else "–"),
                stats=found.stats,
                reduce=found.metric.reduce,
                runs=tuple(zip(members, values)),
                differing=differing,
                marks=(*(mark.text for mark in marks), *other_folders_text(members, resumed)),
                step=found.step if found.step is not None else shared_step(values, steps),
                allowed=allowed_differences(differing, table.query),
                computed=computed_text(
                    found.stats,
                    fmt,
                    table.query.ddof,
                    found.metric.scale,
                    len(members),
                    found.statistic if table.query.tasks else None,
                    tuple(table.query.tasks),
                ),
                built=built_text(
                    recorded.values.get(label) if recorded else None,
                    text or shown,
                    found.runs.sorted_run_ids(),
                    store,
                    code,
                ),
                replicate=tuple(table.query.replicate),
                kind="bar" if bars else "cell",
                steps=steps,
                best_steps=best_steps,
                metric=found.metric.name,
                diff_problems=diff_problems(members, store),
            )
        )
    return explanations


SERIES = {"curve": "curve", "bar": "bar", "points": "point"}  # what explain calls a figure's series
KINDS = {"profile": "performance-profile", "efficiency": "sample-efficiency"}


def explain_figure(
    spec: Spec, store: Store, figure: FigureSpec, cell: str | None = None
) -> list[CellExplanation]:
    """Explain each curve or bar of a figure (or those `cell` names, as a table's cells are named: by
    the name the figure, the lock and `check` give it, part of it, or its key values `model=mlp`): its
    runs with each one's value at the curve's last point or in the bar, their code, what differs."""
    from resultsbook.outputs.build import figure_values
    from resultsbook.outputs.figures import figure_data
    from resultsbook.render.figvalues import named_series

    if figure.table is not None:  # the lock and check name its bars as that table's cells
        return explain(spec, store, figure.table, cell)
    if figure.kind not in SERIES:
        drawn = (
            f"its lines count the tasks of [tables.{figure.profile.table}]: explain {figure.profile.table}"
            if figure.profile is not None
            else "its lines aggregate over tasks; `resultsbook check` names the runs added, removed or "
            "re-run under each line that moved"
        )
        raise SpecError(
            f"{figure.name!r} is a {KINDS.get(figure.kind, figure.kind)} figure, and explain shows the runs "
            f"behind a table's cell, a figure's curve or bar, or a number; {drawn}"
        )
    runs = store.runs()
    result = figure_data(spec, figure, store, runs, {})
    series = named_series(result.data)
    texts = figure_values(figure, result.data)  # each as the lock keeps it and check writes it
    recorded = _lock_entry(spec, f"figures.{figure.name}")
    if result.table is not None:  # a bar (or points) figure of its own cells
        assert figure.cells is not None
        table = result.table
        bars = {item.cell: name for name, item in series if isinstance(item, BarItem)}
        named = [
            (name, (*table.row_keys, *table.column_keys), (*place[0], *place[1]), None)
            for place, name in bars.items()
        ]
        places = [
            list(bars)[index]
            for index in _chosen(cell, named, SERIES[figure.kind], f"figure {figure.name!r}")
        ]
        shown = {place: (bars[place], texts[bars[place]]["value"]) for place in places}
        fmt = figure.cells.format
        return _cell_explanations(
            figure.name, table, fmt, figure.labels, places, store, runs, recorded, shown
        )
    assert result.curves is not None
    query = result.curves.query
    by_runs = {tuple(sorted(run.run_id for run in line.runs)): line for line in result.curves.lines}
    curves = [(name, by_runs[item.runs]) for name, item in series if isinstance(item, LineData)]
    keys = tuple(key for key in (query.facet, query.hue) if key)
    named = [
        (name, keys, tuple(v for k, v in ((query.facet, line.facet), (query.hue, line.hue)) if k), None)
        for name, line in curves
    ]
    code = run_code(runs)
    resumed = runs_by_wandb_id(runs)
    return [
        _curve_explanation(
            figure.name, name, texts[name]["value"], line, result.curves, store, recorded, code, resumed
        )
        for name, line in (
            curves[index] for index in _chosen(cell, named, "curve", f"figure {figure.name!r}")
        )
    ]


def _curve_explanation(
    figure: str,
    name: str,
    text: str,
    line: CurveLine,
    curves: CurveSet,
    store: Store,
    recorded: LockEntry | None,
    code: Mapping[str, str],
    resumed: Mapping[str, Any],
) -> CellExplanation:
    """Explain one curve as a table's cell is explained: its last point (as `text`, the figure's and
    the lock's), each run's value there, and the statistic the point is, unrounded."""
    query = curves.query
    members = list(line.runs)
    ends = [float(value) for value in line.ends]
    stats = describe(ends, [query.center, *([query.band] if query.band else [])], query.ddof)
    differing = differing_params(members, exempt=query.replicate)
    fmt = TableFormat(center=query.center, spread=query.band)
    ids = sorted(run.run_id for run in members)
    # the step the header names (its value at step 300), for --json: each run's value is there
    step = float(line.x[-1]) if query.x == X_STEP and len(line.x) and line.alignment != "bin" else None
    return CellExplanation(
        table=figure,
        cell=name,
        shown=text,
        stats=stats,
        reduce=curve_end_text(query, line),
        runs=tuple(zip(members, ends)),
        differing=differing,
        # what a table's marks would say, then the figure's notes of this line (seeds that end before it)
        marks=tuple(
            dict.fromkeys(
                [
                    *line_honesty(members, query),
                    *line_notes(curves, line),
                    *other_folders_text(members, resumed),
                ]
            )
        ),
        allowed=allowed_differences(differing, query),
        computed=computed_text(stats, fmt, query.ddof, query.scale, len(members)),
        built=built_text(recorded.values.get(name) if recorded else None, text, ids, store, code),
        replicate=tuple(query.replicate),
        kind="curve",
        step=step,
        steps=tuple(None if step is None or value != value else (step, step) for value in ends),
    )


def curve_end_text(query: CurveQuery, line: CurveLine) -> str:
    """Say what value of each run a curve's explanation lists: where the curve ends (the point the lock
    keeps and check compares), as the seeds were aligned and smoothed to draw it."""
    if not len(line.x):
        return "no value: the curve has no point"
    end = float(line.x[-1])
    at = {X_STEP: f"step {end:g}", X_TIME: f"{end:g} s of wall time"}.get(query.x, f"{query.x} = {end:g}")
    value = {
        "shared": f"its value at {at}",
        "interpolate": f"its value at {at}, interpolated linearly where it logged no point there",
        "bin": f"the mean of its points in the last bin, centred at {at}",
    }[line.alignment]
    smoothed = f"; {query.smooth.describe()}" if query.smooth is not None else ""
    return f"{value}, the curve's last point{smoothed}"


def _keyed_cells(name: str, table: ResultTable, key: str) -> set[tuple[Any, Any]]:
    """Return the cells whose key is `key`, as their values read or as the numbers file writes it
    (`table1/-x-` for the value `$x$`)."""
    from resultsbook.outputs.numbers import cell_keys
    from resultsbook.render.macros import latex_keys

    keys = cell_keys(name, table.cells)
    written = latex_keys(keys.values())
    return {place for place, own in keys.items() if key in (own, written[own])}


def _pairs(keys: Sequence[str], values: Sequence[Any]) -> str:
    """Return a cell (or curve, bar) as the key=value query that matches it (`model=mlp,dataset=moons`)."""
    return ",".join(f"{key}={format_value(value)}" for key, value in zip(keys, values))


EXACT = 1_000_000  # a match by the whole label or key=value pairs: above any partial one


def _match(
    query: str, label: str, keys: Sequence[str], cell: Sequence[Any], headed: str | None = None
) -> int | None:
    """Rank how a query names a cell (or a figure's curve or bar: its values of `keys` are `cell`): by
    key=value pairs, its whole label or its row and headers as the table shows them (`a / in_channels =
    1`, EXACT), by part of its label (1 + how many of its parts it writes whole: `pws` in '2 / pws' names
    pws before mlpws), any case; None when it does not."""
    if headed is not None and headed != label and _spaced_alike(query) == _spaced_alike(headed):
        return EXACT
    if "=" in query:
        values = dict(zip(keys, cell))
        pairs = [part.split("=", 1) for part in query.split(",")]
        every = all(
            len(pair) == 2 and _same_part(pair[1].strip(), format_value(values.get(pair[0].strip())))
            for pair in pairs
        )
        return EXACT if every else None
    raw = " / ".join(format_value(v) for v in cell)
    # 'PPO / rollout/ep_rew_mean': a '/' inside a value (a metric's name) does not part the cell's keys
    splits = [[part.strip().lower() for part in query.split(separator)] for separator in (" / ", "/")]
    found: int | None = None
    for name in (label, raw):
        parts = [part.strip().lower() for part in name.split(" / ")]
        if "/".join(parts) == "/".join(splits[1]):  # written without the spaces: 'ppo/rollout/ep_rew_mean'
            return EXACT
        for wanted in splits:
            if len(wanted) == len(parts) and all(_same_part(w, p) for w, p in zip(wanted, parts)):
                return EXACT
            if len(wanted) == len(parts) and all(w in p for w, p in zip(wanted, parts)):
                whole = sum(_same_part(w, p) for w, p in zip(wanted, parts))
                found = max(found or 0, 1 + whole)
            if len(wanted) == 1 and wanted[0] in name.lower():
                found = max(found or 0, 1 + any(_same_part(wanted[0], p) for p in parts))
    return found


def _spaced_alike(text: str) -> str:
    """Return a cell's name in lower case without the spaces around its `/` and `=`."""
    return re.sub(r"\s*([/=])\s*", r"\1", text.strip().lower())


def _same_part(wanted: str, part: str) -> bool:
    """Tell whether a part of a cell as typed is that part: the same text, or the same number (`20.0`,
    `2e1` as the table's `20`, as `--where gain=20.0` selects it)."""
    if wanted == part:
        return True
    try:
        return float(wanted) == float(part)
    except ValueError:
        return False


@dataclass(frozen=True)
class NumberExplanation:
    """A named number of the text: what it is, the cells it is computed from, or the runs it counts."""

    name: str
    macro: str
    kind: str
    text: str
    cells: tuple[CellExplanation, ...]
    runs: tuple[tuple[StoredRun, float | None], ...]
    origin: str = ""  # what it is computed from, in words: `table1/mlp/circles minus table1/logreg/circles`
    built: str = ""  # what the numbers file built last holds instead, when the store changed since
    differing: Mapping[str, list[Any]] = field(
        default_factory=dict
    )  # a statistic: the params its runs differ in
    marks: tuple[str, ...] = ()  # a statistic: what a table cell of its runs would be marked with


def find_number(spec: Spec, name: str) -> str | None:
    """Return the [macros.values] name meant by `name` (`gain_circles`, `gainCircles` or `\\gainCircles`)."""
    if spec.macros is None:
        return None
    wanted = name.lstrip("\\")
    for key, value in spec.macros.values.items():
        if wanted in (key, value.macro):
            return key
    return None


def explain_number(spec: Spec, store: Store, name: str) -> NumberExplanation:
    """Explain a named number: the cells of a cell, difference or ratio; the runs of a statistic or count."""
    from resultsbook.outputs.numbers import compute_numbers, value_origin
    from resultsbook.query.select import select_runs

    key = find_number(spec, name)
    if key is None or spec.macros is None:
        hint = did_you_mean(name.lstrip("\\"), spec.macros.values if spec.macros else [], "its numbers")
        raise SpecError(f"no number named {name!r} in [macros.values]; {hint}")
    value = spec.macros.values[key]
    runs = store.runs()
    tables = {
        table: aggregate_entry(f"tables.{table}", store, t.query, runs) for table, t in spec.tables.items()
    }
    book = compute_numbers(spec, store, runs, tables)
    cells: list[CellExplanation] = []
    for cell_key in value.cells:
        table, _, rest = cell_key.partition("/")
        cells += explain(spec, store, table, _key_query(spec, table, rest))
    chosen: list[tuple[StoredRun, float | None]] = []
    if value.kind in ("stat", "count"):
        selected = select_runs(runs, value.filters)
        if value.metric is not None:
            reader = spec_reader(store, spec)
            having = reader.runs_with(value.metric.name)
            selected = [run for run in selected if run.id in having]
            per_run = reader.values(value.metric, selected)
            chosen = [(run, scaled_value(per_run[run.id], value.metric.scale)) for run in selected]
        else:
            chosen = [(run, None) for run in selected]
    origin = value_origin(value)
    text = book.values[key].text
    recorded = _lock_entry(spec, "macros")
    was = (recorded.values.get(f"\\{value.macro}") or {}).get("value") if recorded else None
    built = "" if was is None or was == text else f"the numbers file built last has {was}, not this: {STALE}"
    named = book.values[key]
    marks = tuple(mark.text for mark in named.marks)
    return NumberExplanation(
        key, value.macro, value.kind, text, tuple(cells), tuple(chosen), origin, built, named.differing, marks
    )


def _key_query(spec: Spec, table: str, rest: str) -> str:
    """Turn the `mlp/circles` part of a cell key into a key=value query for that table's cells."""
    table_spec = spec.tables[table]
    keys = [*table_spec.query.rows, *table_spec.query.columns]
    parts = rest.split("/")
    return ",".join(f"{k}={v}" for k, v in zip(keys, parts)) if len(parts) == len(keys) else rest
