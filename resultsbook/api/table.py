"""A computed table for notebooks: its numbers as a DataFrame, its text as LaTeX, Markdown, HTML.

`table_request` turns the arguments of `Book.table` (the flags of `resultsbook table`) into the
query and the format, so that both give the same numbers and marks.
"""

from __future__ import annotations

import functools
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from resultsbook.api.arguments import check_numbers, known_keywords
from resultsbook.errors import QueryError, SpecError
from resultsbook.query.goal import meant_goal
from resultsbook.query.model import DEFAULT_RUN_SPECIFIC, MetricSpec, ResultTable, TableQuery
from resultsbook.query.normalize import Normalization
from resultsbook.query.reduce import step_text, takes_budget
from resultsbook.query.select import Filter
from resultsbook.query.stats import CENTERS, SPREADS, check_pairing
from resultsbook.render import render_table
from resultsbook.render.layout import Labels, Layout, TableFormat, layout_table
from resultsbook.voice import option, said

if TYPE_CHECKING:
    import os

    import pandas as pd

    from resultsbook.api.saving import TableOrigin
    from resultsbook.outputs.saved_table import SavedTable
    from resultsbook.render import LatexOptions, MarkdownOptions

Names = str | Sequence[str]

# a table's stats when none are asked for (by identity: over tasks they mean the stratified bootstrap)
DEFAULT_STATS: tuple[str, ...] = ("mean", "std")


def names(value: Names | None) -> tuple[str, ...]:
    """Return one name or several as a tuple ("a,b" is split like a command-line flag)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(str(item) for item in value)


def metric_names(value: Names | None) -> tuple[str, ...]:
    """Return one metric key or several as a tuple: a string is one key, commas and all, as `--metric`
    takes it (lm-evaluation-harness names its metrics `acc,none`)."""
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    return names(value)


def table_request(
    rows: Names,
    columns: Names | None,
    metric: Names,
    reduce: str = "last",
    stats: Names = DEFAULT_STATS,
    filters: Sequence[Filter] = (),
    replicate: Names = "seed",
    ddof: int = 1,
    skip_first: int = 0,
    budget: float | None = None,
    direction: str | None = None,
    scale: float = 1.0,
    expected: int | None = None,
    run_specific: Names | None = None,
    derived: Mapping[str, str] | None = None,
    digits: int | None = None,
    style: str = "pm",
    highlight: str = "column",
    *,
    goals: Mapping[str, str] | None = None,
    pool: Names | None = None,
    normalized: Mapping[str, Normalization] | None = None,
    tasks: Names | None = None,
    aggregates: Names = (),
    threshold: float = 1.0,
    versus: str | None = None,
    test: str = "auto",
    escape_formulas: bool = False,
    order: Mapping[str, Sequence[Any]] | None = None,
) -> tuple[TableQuery, TableFormat]:
    """Return the query and format of an ad-hoc table (`resultsbook table` builds its own so):
    `statistics` says which centre and spread `stats` asks for; `goals` gives a metric its own
    direction; with `tasks`, the table aggregates over them (`aggregates`, `threshold`, `versus`);
    `order` places some values of a key first, in that order, as the spec's `order` does."""
    check_numbers(
        ddof=ddof, digits=digits, skip_first=skip_first, expected=expected, scale=scale, budget=budget,
        threshold=threshold,
    )  # fmt: skip
    if expected is not None and expected < 1:  # the query would say it as the spec's replicates =
        given = said(f"--replicates {expected}", f"expected={expected}")
        raise SpecError(f"{given} must be 1 or more (the replicates each cell should have)")
    if threshold != 1.0 and not names(tasks):  # the optimality gap's γ: a table over tasks only
        given = said(
            f"--threshold {threshold:g} needs --tasks KEY", f"threshold={threshold:g} needs tasks='KEY'"
        )
        raise SpecError(f"{given} (the param naming the tasks): the optimality gap is over tasks")
    stat_names, center, spread = statistics(stats, tasks)
    if direction not in (None, "max", "min"):
        meant = meant_goal(direction)
        fix = f"did you mean direction={meant!r}?" if meant else 'use "max" or "min"'
        raise SpecError(f"direction {direction!r} is not understood; {fix}")
    try:
        check_pairing(center, spread)
    except QueryError as error:
        raise SpecError(f"stats {', '.join(stat_names)}: {error}") from error
    metrics = tuple(
        MetricSpec(m, reduce, skip_first, budget, (goals or {}).get(m, direction), scale)
        for m in metric_names(metric)
    )
    if budget is not None and not takes_budget(reduce):  # else unread, the table as if none were given
        given = said(f"--budget {step_text(budget)}", f"budget={step_text(budget)}")
        raise SpecError(
            f"{given} is the last step best-mean considers, and this table reduces each run with "
            f"{option('reduce', reduce)}: ask for best-mean ({option('reduce', 'best-mean')}), "
            "or leave it out"
        )
    task_keys = names(tasks)
    if versus and not (task_keys and "probability_of_improvement" in names(aggregates)):  # else unread
        asked = option("aggregates", "probability_of_improvement")
        raise SpecError(
            f"{option('versus', versus)} names the row probability_of_improvement compares against, and this "
            f"table computes no probability_of_improvement: ask for it over tasks ({asked}), or leave it out"
        )
    query = TableQuery(
        metrics=metrics,
        rows=names(rows),
        columns=names(columns),
        filters=tuple(filters),
        replicate=names(replicate),
        pool=names(pool),
        run_specific=DEFAULT_RUN_SPECIFIC + names(run_specific),
        stats=tuple(dict.fromkeys([center, *stat_names, *(() if names(tasks) else ("n",))])),
        ddof=ddof,
        expected=expected,
        derived=dict(derived or {}),
        order={key: tuple(values) for key, values in (order or {}).items()},
        center=center,  # what bootstrap intervals resample and tests compare
        normalized=dict(normalized or {}),
        tasks=task_keys,
        aggregates=names(aggregates) if task_keys else (),
        optimality_threshold=threshold,
        versus={names(rows)[0]: versus} if versus else {},
    )
    fmt = TableFormat(
        center=center,
        spread=spread,
        digits=digits,
        style=style,
        highlight=highlight,
        test=test,
        escape_formulas=escape_formulas,
    )
    return query, fmt


def statistics(stats: Names, tasks: Names | None = None) -> tuple[tuple[str, ...], str, str | None]:
    """Return (statistics, centre, spread) a table of `stats` computes: the centre is the first of
    them that is one (else the mean), the spread the first spread (else none); over tasks the only
    spread is the stratified bootstrap (the default there), and another asked for is refused."""
    stat_names = names(stats)
    center = next((s for s in stat_names if s in CENTERS), "mean")
    spread = next((s for s in stat_names if s in SPREADS), None)
    if names(tasks):
        if center != "mean":  # the cells are the aggregates: a median asked of --stat was silently not shown
            asked = said(f"--stat {','.join(stat_names)}", f"stats={','.join(stat_names)!r}")
            intervals = said("--stat mean,bootstrap", "stats='mean,bootstrap'")
            none = said("--stat mean", "stats='mean'")
            raise SpecError(
                f"{asked}: over tasks the columns are the aggregates, so ask for the {center} with "
                f"{option('aggregates', center)}; {said('--stat', 'stats')} only says whether they get "
                f"bootstrap intervals ({intervals}) or not ({none})"
            )
        if stats is DEFAULT_STATS:  # left at the default: the aggregates' own default spread
            spread = "bootstrap"
        if spread not in (None, "bootstrap"):  # else silently the stratified bootstrap, not the one asked
            asked = said(f"--stat {','.join(stat_names)}", f"stats={','.join(stat_names)!r}")
            intervals = said("--stat mean,bootstrap", "stats='mean,bootstrap'")
            none = said("--stat mean", "stats='mean'")
            raise SpecError(
                f"{asked}: aggregates over tasks take the stratified bootstrap ({intervals}) or no spread "
                f"({none}), not {spread}"
            )
        stat_names = ("bootstrap",) if spread else ()
    return stat_names, center, spread


def merge_labels(base: Labels, extra: Mapping[str, str | Mapping[str, str]] | None) -> Labels:
    """Add display names to a spec's labels: {"model": "Model"} names a key, {"model": {"mlp": "MLP"}}
    names its values."""
    keys = dict(base.keys)
    values = {key: dict(mapping) for key, mapping in base.values.items()}
    for key, text in (extra or {}).items():
        if isinstance(text, Mapping):
            for value, name in text.items():
                if isinstance(name, (Mapping, list, tuple, set)):  # {"values": {"algo": {...}}}, as in TOML
                    raise SpecError(
                        f"labels={{{key!r}: {{{value!r}: ...}}}}: the label of {value!r} must be text; "
                        "labels={'model': 'Model'} names a key, labels={'model': {'mlp': 'MLP'}} its values"
                    )
            values.setdefault(key, {}).update({str(v): str(t) for v, t in text.items()})
        else:
            keys[key] = str(text)
    return Labels(keys=keys, values=values)


@dataclass(frozen=True)
class Table:
    """An aggregated table: `to_frame()` for its numbers, `status()` for its missing replicates,
    `to_latex()`, `to_markdown()` and the notebook's HTML for how the paper shows it, marks included."""

    result: ResultTable
    format: TableFormat = field(default_factory=TableFormat)
    labels: Labels = field(default_factory=Labels)
    latex: LatexOptions = field(default_factory=lambda: _options("LatexOptions"))
    markdown: MarkdownOptions = field(default_factory=lambda: _options("MarkdownOptions"))
    name: str | None = None  # the spec's table name, for spec tables
    origin: TableOrigin | None = field(default=None, repr=False, compare=False)  # book.table's, to save

    @functools.cached_property
    def layout(self) -> Layout:
        """Return the table laid out for display: formatted cells, bold best, footnote marks."""
        return layout_table(self.result, self.format, self.labels)

    @property
    def notes(self) -> tuple[str, ...]:
        """Return the table-wide warnings (runs left out, no matching run, cells averaging more seeds
        than asked for, a seed far from the others moving a mean, a spread printed as 0.00), as `table`
        prints them, then what it did that needs no fix (an MLflow parent run left out beside its
        children)."""
        from resultsbook.outputs.findings import cell_notes, rounded_spread_findings

        digits = "digits={}".format
        rounded = rounded_spread_findings("", self.result, self.layout, self.format, self.labels, digits)
        return (
            *self.result.notes,
            *cell_notes(self.result, self.labels),
            *(f"{finding.cell}: {finding.text}" for finding in rounded),
            *self.result.remarks,
            *filter(None, [unshown_note(self._asked_stats(), self.format.center, self.format.spread)]),
        )

    def _asked_stats(self) -> tuple[str, ...]:
        """Return the statistics asked of the table: every table computes n unasked (`table_stats`,
        `table_request`), which its note gives."""
        return tuple(name for name in self.result.query.stats if name != "n")

    @property
    def mark_notes(self) -> tuple[str, ...]:
        """Return what the cells' marks say, one line each, as `resultsbook table` warns of them: the
        footnote under the table names the kind of mark alone (which params a cell mixes, which seeds
        it lacks, and the fix, are said here); `marks()` has every cell's."""
        from resultsbook.outputs.findings import alike_findings, finding_lines, mark_findings

        name = self.name or "table"
        findings = [*mark_findings(name, self.result, self.layout, self.labels)]
        findings += alike_findings(name, self.result, self.labels)
        return tuple(finding_lines(findings, every="table.marks()"))

    @property
    def guesses(self) -> tuple[str, ...]:
        """Return the directions taken from metric names (a documented rule, but a guess: the bold best
        and best(KEY) rest on it), each with how to state it; then the metrics no name gave one, for
        which no cell is bold, with how to give it; and a bold that compares tasks, not methods."""
        guessed = guessed_directions(self.result.query.metrics, self.format.highlight != "none")
        # a spec's table is given its goal in the spec, which build's findings say how
        unset = unset_goals(self.result, self.format) if self.name is None else []
        compared = tasks_compared_note(self.result, self.format) if self.name is None else None
        return (*guessed, *unset, *([compared] if compared else []))

    def to_frame(self) -> pd.DataFrame:
        """Return one row per table row, one column per (column key values..., statistic): the
        statistics unrounded, then `n` and `marks` (the kinds of the cell's marks, comma-separated)
        and `emphasis` (best where the printed table is bold, second where it underlines)."""
        from resultsbook.api.frames import table_frame

        return table_frame(self.result, self.layout)

    def runs(self) -> pd.DataFrame:
        """Return the runs behind every cell: row and column keys, run id, name, status, replicate, value."""
        from resultsbook.api.frames import cell_runs_frame

        return cell_runs_frame(self.result)

    def marks(self) -> pd.DataFrame:
        """Return every mark of every cell: row and column keys, kind, symbol and the full sentence."""
        from resultsbook.api.frames import marks_frame

        return marks_frame(self.result, self.layout)

    def status(self) -> pd.DataFrame:
        """Return one row per cell, as `resultsbook status` counts it: the cell's keys, replicates
        `found` (with a value) and `expected`, the `missing` ones, how many are `unnamed`, the params
        its runs differ in (`mixed`), and `no_run`: "–" for a cell no run reached that the table
        shows as –, "no row" for a combination of row values it has no row for (as `status` names
        them), "" for the others; `status()[status()["no_run"] != ""]` are the configurations never run."""
        from resultsbook.api.frames import status_frame
        from resultsbook.freshness.status import cell_replicates, unreached_replicates

        return status_frame(self.result, cell_replicates(self.result), unreached_replicates(self.result))

    def to_latex(self) -> str:
        """Return the LaTeX table (a `tabular`, or a float when the spec asks for one)."""
        return render_table(self.result, "latex", self.format, self.labels, self.latex, self.markdown)

    def to_markdown(self) -> str:
        """Return the table as Markdown, its marks as footnotes under it."""
        return render_table(self.result, "markdown", self.format, self.labels, self.latex, self.markdown)

    def to_csv(self) -> str:
        """Return one CSV line per cell, statistics unrounded (unless the table sets digits)."""
        return render_table(self.result, "csv", self.format, self.labels)

    def to_json(self) -> str:
        """Return the table as JSON: every cell with its statistics, runs and marks."""
        return render_table(self.result, "json", self.format, self.labels)

    def to_text(self) -> str:
        """Return the table as aligned plain text, as `resultsbook table` prints it."""
        return render_table(self.result, "terminal", self.format, self.labels)

    @known_keywords("table.save")
    def save(self, name: str, spec: str | os.PathLike[str] | None = None) -> SavedTable:
        """Add this table to a spec as `[tables.NAME]`, as `resultsbook table --save NAME` does: to
        `spec`, else the book's, else the nearest resultsbook.toml, else a new ./resultsbook.toml; only
        once the spec with it is checked to build this very table."""
        from resultsbook.api.saving import save_table_made

        return save_table_made(self, name, spec)

    def _repr_html_(self) -> str:
        """Show the table in a notebook: bold best, underlined second, marks and their footnotes."""
        from resultsbook.render.html import render_results_table

        said = (*self.notes, *self.mark_notes, *self.guesses)
        notes = "".join(f'<p class="note">{_escape(note)}</p>' for note in said)
        # Jupyter would typeset $...$ of values from logs as maths (pandas marks its frames so too)
        return f'<div class="tex2jax_ignore mathjax_ignore">{render_results_table(self.layout)}{notes}</div>'

    def __repr__(self) -> str:
        return self.to_text().rstrip("\n")


def guessed_directions(metrics: Sequence[MetricSpec], highlighted: bool) -> list[str]:
    """Say which directions were taken from metric names, with how to state them; a goal only where
    the best is shown (`highlighted`)."""
    from resultsbook.query.goal import metric_goal
    from resultsbook.query.reduce import parse_reduction

    lines = []
    for metric in metrics:
        goal = metric_goal(metric.name, metric.direction)
        if highlighted and goal.source == "name":
            fix = said(
                f"--goal {metric.name}={goal.direction}", f"goals={{{metric.name!r}: {goal.direction!r}}}"
            )
            lines.append(
                f"the goal of {metric.name!r} comes from its name ({goal.words}); state it with {fix}"
            )
        reduction = parse_reduction(metric.reduce)
        if reduction.kind == "best" and reduction.direction_source == "name":
            better = "higher" if reduction.direction == "max" else "lower"
            lines.append(
                f"{option('reduce', metric.reduce)} takes {reduction.other!r} as {better}-is-better from its "
                f"name; write {option('reduce', reduction.text)}"
            )
    return list(dict.fromkeys(lines))  # a metric reduced two ways (best and last) is said once


def tasks_compared_note(table: ResultTable, fmt: TableFormat) -> str | None:
    """Say that bold compares tasks (the best env of each method), whose scores are in each task's
    own units, and how to compare the methods on each task instead; None when it does not."""
    from resultsbook.query.task_keys import better_highlight, compared_text, tasks_compared_in

    compared = tasks_compared_in(table, fmt.highlight)
    if compared is None:
        return None
    better, bolds = better_highlight(compared, fmt.highlight)
    if compared.methods:  # the command line's highlight takes no key: the method goes across instead
        fix = said(
            f"put {better} in {option('columns')}, then {option('highlight', 'row')}", f"highlight={better!r}"
        )
    else:
        fix = said(option("highlight", better), f"highlight={better!r}")
    fix += f" ({bolds})" if bolds else ""
    setting = said(option("highlight", fmt.highlight), f"highlight={fmt.highlight!r}")
    return f"{setting} {compared_text(compared)}{fix}"


def unset_goals(table: ResultTable, fmt: TableFormat) -> list[str]:
    """Say which metrics no cell is bold for, for want of a goal, and how to give one (the table's own
    note says only `goal not set`)."""
    from resultsbook.query.goal import metric_goal
    from resultsbook.render.layout import comparable_groups

    if fmt.highlight == "none":
        return []
    if not any(len(group) > 1 for group in comparable_groups(table, fmt.highlight)):
        return []  # nothing competes for bold
    names = [m.name for m in table.query.metrics if metric_goal(m.name, m.direction).direction is None]
    return [
        f"{name!r} has no goal, so no cell of it is bold; give it with "
        + said(f"--goal {shlex.quote(f'{name}=max')} (or =min)", f"goals={{{name!r}: 'max'}} (or 'min')")
        for name in names
    ]


def unshown_note(stat_names: Sequence[str], center: str, spread: str | None) -> str | None:
    """Say that statistics asked beyond the centre and spread are not shown, and where they are."""
    unshown = [name for name in stat_names if name not in (center, spread)]
    if not unshown:
        return None
    names = " and ".join([", ".join(unshown[:-1]), unshown[-1]] if len(unshown) > 1 else unshown)
    every = said(f"{option('format', 'csv')} or {option('format', 'json')} prints", "to_frame() holds")
    shown = "a table shows the centre and one spread per cell"
    return f"{said('--stat', 'stats')} {names}: {shown}; {every} every statistic asked"


def _options(name: str) -> Any:
    """Return default LaTeX or Markdown options, their renderer (jinja2, tabulate) loaded only now."""
    import resultsbook.render

    return getattr(resultsbook.render, name)()


def _escape(text: str) -> str:
    from resultsbook.render.escape import isolate_rtl

    return isolate_rtl(text)
