"""`table`: an ad-hoc aggregate from flags alone, printed for the terminal, LaTeX, Markdown, CSV or JSON."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from resultsbook.cli.common import (
    Number,
    db_option,
    echo,
    find_spec_or_none,
    open_store,
    print_json,
    split_list,
    use_color,
    verbose_option,
)
from resultsbook.cli.completion import complete_metrics, complete_params, complete_tables
from resultsbook.voice import of_spec_table

if TYPE_CHECKING:
    from resultsbook.errors import ResultsbookError
    from resultsbook.outputs.saved_table import SavedTable
    from resultsbook.query.model import ResultTable
    from resultsbook.render import Labels
    from resultsbook.render.layout import TableFormat
    from resultsbook.store import Store


class _RequiredWithoutName(click.Option):
    """An option required unless the command names a table of the spec (`table NAME`)."""

    def process_value(self, ctx: click.Context, value: Any) -> Any:
        value = super().process_value(ctx, value)
        # NAME is declared first: when this option was not typed, NAME has been processed already
        named = isinstance(ctx.params.get("name"), str)  # a NAME not given may be held as click's UNSET
        missing = value is None or self.value_is_missing(value)  # None: a list flag not given, joined
        if missing and not named and not ctx.resilient_parsing:
            raise click.MissingParameter(ctx=ctx, param=self)
        return value


def _joined(context: click.Context, parameter: click.Parameter, values: tuple[str, ...]) -> str | None:
    """Join a list flag given several times (`--stat median --stat iqr`), which click would let the last
    one replace silently."""
    return ",".join(values) if values else None


@click.command("table")
@click.argument("name", required=False, metavar="[NAME]", shell_complete=complete_tables)
@db_option
@click.option(
    "--rows",
    cls=_RequiredWithoutName,
    multiple=True,
    callback=_joined,
    shell_complete=complete_params,
    help="Param(s) that make the rows, comma-separated (or repeat the flag).",
)
@click.option(
    "--columns",
    multiple=True,
    callback=_joined,
    shell_complete=complete_params,
    help="Param(s) that make the columns, comma-separated (or repeat the flag).",
)
@click.option(
    "--metric",
    "metrics",
    cls=_RequiredWithoutName,
    multiple=True,
    shell_complete=complete_metrics,
    help="Metric key (repeat for several).",
)
@click.option(
    "--reduce",
    default="last",
    show_default=True,
    help="Per-run reduction: last, min, max, mean, last(k), at(step), best(KEY[,max|min]), best-mean.",
)
@click.option(
    "--skip-first",
    type=Number(0, whole=True, example=10),
    default=0,
    show_default=True,
    help="Drop each run's first N points.",
)
@click.option("--budget", type=Number(example=100000), help="best-mean: consider only steps up to this one.")
@click.option(
    "--stat",
    "stats",
    multiple=True,
    callback=_joined,
    default=["mean,std"],
    show_default=True,
    help="Statistics, comma-separated (or repeat the flag): the first of mean/median/iqm is the centre, the "
    "first of std, sem, ci95 (mean only), bootstrap, bca, iqr, minmax the spread; also n, min, max.",
)
@click.option(
    "--ddof",
    type=Number(0, whole=True, example=0),
    default=1,
    show_default=True,
    help="Delta degrees of freedom of std and sem.",
)
@click.option("--replicate", default="seed", show_default=True, help="Key(s) that tell replicates apart.")
@click.option(
    "--pool", help="Param(s) whose values a cell pools on purpose, e.g. a dataset's splits (counted apart)."
)
@click.option("--where", multiple=True, metavar="FILTER", help="KEY=V[,V...], KEY!=V, KEY>=N, KEY~REGEX.")
@click.option(
    "--order",
    multiple=True,
    metavar="KEY=V[,V...]",
    help="Put these values of a row or column key first, in this order (repeat for other keys).",
)
@click.option(
    "--replicates",
    "expected",
    type=Number(1, whole=True, example=5),
    help="Replicates each cell should have [default: the most seen].",
)
@click.option(
    "--run-specific",
    help="Extra params (comma-separated) that legitimately differ between replicates (timestamps...).",
)
@click.option(
    "--scale",
    type=Number(example=100),
    default=1.0,
    show_default=True,
    help="Multiply values (e.g. 100 for %).",
)
@click.option(
    "--derived", multiple=True, metavar="NAME=EXPR", help="A derived metric, e.g. 'err=1-`val/acc`'."
)
@click.option(
    "--digits",
    type=Number(0, 15, whole=True, example=2),
    help="Decimals, 0 to 15 [default: from the spread; CSV/JSON unrounded].",
)
@click.option(
    "--format",
    "output_format",
    default="terminal",
    show_default=True,
    type=click.Choice(["terminal", "latex", "markdown", "csv", "json"]),
    help="Print for the terminal, or as LaTeX, Markdown, CSV (unrounded) or JSON.",
)
@click.option(
    "--style",
    type=click.Choice(["pm", "sub", "siunitx", "siunitx-S"]),
    default="pm",
    show_default=True,
    help="How centre and spread are typeset: 93.4 ± 0.2, a subscript spread, or siunitx.",
)
@click.option(
    "--highlight",
    type=click.Choice(["column", "row", "none"]),
    default="column",
    show_default=True,
    help="Bold the best cell of each column, of each row, or none.",
)
@click.option(
    "--goal",
    "goals",
    multiple=True,
    metavar="max|min|METRIC=max|min",
    help="Which way is better, for every metric or one [default: from documented names: loss, error, "
    "... min; acc, return, score, ... max; others are never bold].",
)
@click.option("--direction", "direction", type=click.Choice(["max", "min"]), hidden=True)
@click.option(
    "--test",
    type=click.Choice(["auto", "welch", "permutation", "mannwhitney", "none"]),
    default="auto",
    show_default=True,
    help="Test behind bold: auto is Welch for the mean, a permutation test of the centre otherwise.",
)
@click.option("--tasks", help="Aggregate over these keys (a benchmark's tasks): one cell per aggregate.")
@click.option(
    "--aggregates",
    default="mean,median,iqm,optimality_gap",
    show_default=True,
    help="With --tasks: mean, median, iqm, optimality_gap, probability_of_improvement.",
)
@click.option(
    "--threshold", type=Number(example=1.0), default=1.0, show_default=True, help="The optimality gap's γ."
)
@click.option("--versus", help="With probability_of_improvement: the row it is measured against.")
@click.option("--label", "labels", multiple=True, metavar="KEY=TEXT|KEY:VALUE=TEXT", help="Display names.")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json: a versioned JSON envelope.")
@click.option(
    "--escape-formulas",
    is_flag=True,
    help="CSV: prefix cells that start with = + - @ with ' so a spreadsheet shows them as text.",
)
@click.option(
    "--save",
    metavar="NAME",
    help="Also add this table to the spec as [tables.NAME] (a new resultsbook.toml if there is none), "
    "written as NAME.tex by `resultsbook build`, beside the spec's other LaTeX tables (else in results/).",
)
@verbose_option
def table_command(
    name: str | None,
    db_path: str | None,
    rows: str | None,
    columns: str | None,
    metrics: tuple[str, ...],
    reduce: str,
    skip_first: int,
    budget: float | None,
    stats: str,
    ddof: int,
    replicate: str,
    pool: str | None,
    where: tuple[str, ...],
    order: tuple[str, ...],
    expected: int | None,
    run_specific: str | None,
    scale: float,
    derived: tuple[str, ...],
    digits: int | None,
    output_format: str,
    style: str,
    highlight: str,
    goals: tuple[str, ...],
    direction: str | None,
    test: str,
    tasks: str | None,
    aggregates: str,
    threshold: float,
    versus: str | None,
    labels: tuple[str, ...],
    as_json: bool,
    escape_formulas: bool,
    save: str | None,
    verbose: bool,
) -> None:
    """Aggregate runs over seeds into a table, from flags alone (a spec's labels are used if one is found).

    With NAME, print the spec's [tables.NAME] as `resultsbook build` computes it.
    """
    if name is not None:
        _print_spec_table(name, db_path, "json" if as_json else output_format, verbose)
        return
    assert rows is not None  # required without NAME
    from resultsbook.api.table import (
        DEFAULT_STATS,
        guessed_directions,
        statistics,
        table_request,
        tasks_compared_note,
        unset_goals,
        unshown_note,
    )
    from resultsbook.errors import ResultsbookError, SpecError
    from resultsbook.outputs.label_names import misspelt_names
    from resultsbook.query import aggregate
    from resultsbook.query.model import DEFAULT_RUN_SPECIFIC
    from resultsbook.query.runs import RUN_FIELDS
    from resultsbook.query.select import check_params_exist, parse_filter
    from resultsbook.query.significance import resolve_test
    from resultsbook.query.stats import check_pairing, check_statistics
    from resultsbook.render import Labels

    output_format = "json" if as_json else output_format
    spec = find_spec_or_none(None) if db_path is None else None
    unasked = click.get_current_context().get_parameter_source("stats") is ParameterSource.DEFAULT
    asked = DEFAULT_STATS if unasked else stats  # the default is, over tasks, the stratified bootstrap
    stat_names, center, spread = statistics(asked, tasks)
    if not split_list(tasks):
        try:
            check_statistics(stat_names, center)
            check_pairing(center, spread)
        except ResultsbookError as error:
            raise SpecError(f"--stat {stats}: {error}") from error
        try:
            resolve_test(test, center)
        except ResultsbookError as error:
            raise SpecError(f"--test {test}: {error}") from error
    metric_goals = _goals(goals or ((direction,) if direction else ()), metrics)
    formulas = dict(spec.derived) if spec else {}
    for item in derived:
        name, sep, expression = item.partition("=")
        if not sep:
            raise SpecError(f"--derived {item!r} must look like NAME=EXPRESSION")
        formulas[name.strip()] = expression.strip()
    query, fmt = table_request(  # the query the Python API's book.table builds from the same settings
        rows=rows, columns=columns, metric=metrics, reduce=reduce, stats=asked,
        filters=tuple(parse_filter(w) for w in where), replicate=replicate, ddof=ddof,
        skip_first=skip_first, budget=budget, direction=None, scale=scale, expected=expected,
        run_specific=run_specific, derived=formulas, digits=digits, style=style, highlight=highlight,
        goals=metric_goals, pool=pool, normalized=spec.normalized if spec else None, tasks=tasks,
        aggregates=aggregates, threshold=threshold, versus=versus, test=test, escape_formulas=escape_formulas,
        order=_order_flags(order),
    )  # fmt: skip
    # one state of the store for every read (a run's fields and params are read as a table needs them)
    with open_store(db_path, spec=spec) as store, store.snapshot():
        if _given("replicate"):
            check_params_exist("--replicate", query.replicate, store.param_keys())
        check_params_exist("--tasks", query.tasks, store.param_keys())  # a typo found no task: an empty table
        # a typo would silently leave the cells of the param meant marked
        extra = query.run_specific[len(DEFAULT_RUN_SPECIFIC) :]
        check_params_exist("--run-specific", extra, store.param_keys())
        check_params_exist("--pool", query.pool, [*store.param_keys(), *RUN_FIELDS])  # else pools nothing
        flag_keys, flag_values = _label_flags(labels)
        named = [*(metric.name for metric in query.metrics), *formulas]
        misspelt = misspelt_names(Labels(keys=flag_keys, values=flag_values), store, named, "--label")
        if misspelt:  # the table would show the raw name the label was meant to replace
            raise SpecError(misspelt[0])
        table = aggregate(store, query)
        saved = None
        if save is not None:
            statistics_asked = (stat_names, center, spread)
            saved = _save(save, store, table, fmt, statistics_asked, metric_goals)
        base = spec.labels if spec else Labels()
        shown_labels = _labels(labels, base)
        unapplied = None
        if spec:  # the spec's settings are read only where there is one (`--db` alone reads none): lazily
            from resultsbook.outputs.unapplied_defaults import shown_runs_filter, unapplied_defaults_note

            selects_any = shown_runs_filter(store, table)  # a [defaults] where is read of the shown runs
            unapplied = unapplied_defaults_note(spec, table.query, fmt, shown_labels, _given, selects_any)
    notes = (unapplied,) if unapplied else ()
    if not _print_table(table, output_format, fmt, shown_labels, save or "table", verbose, notes):
        return
    for line in guessed_directions(table.query.metrics, fmt.highlight != "none" and output_format != "csv"):
        echo(f"Note: {line}", err=True)
    compared = tasks_compared_note(table, fmt) if output_format != "csv" else None
    if compared:
        echo(f"Warning: {compared}", err=True)
    for line in unset_goals(table, fmt) if output_format != "csv" else ():
        echo(f"Note: {line}", err=True)
    unshown = unshown_note(stat_names, center, spread)
    if unshown and output_format != "csv":
        echo(f"Note: {unshown}", err=True)
    if saved is not None:
        _report_saved(saved)


def _mark_lines(table: ResultTable, fmt: TableFormat, labels: Labels, name: str, verbose: bool) -> list[str]:
    """Return what each cell mark says, as build prints it: the footnote under the table names the
    kind of mark alone (which params differ, which seeds are missing is said here)."""
    from resultsbook.outputs.findings import (
        alike_findings,
        finding_lines,
        mark_findings,
        outlier_findings,
        rounded_spread_findings,
        surplus_findings,
    )
    from resultsbook.render.layout import layout_table
    from resultsbook.voice import option

    layout = layout_table(table, fmt, labels)
    findings = mark_findings(name, table, layout, labels)
    findings += [*surplus_findings(name, table, labels), *outlier_findings(name, table, labels)]
    findings += alike_findings(name, table, labels)
    findings += rounded_spread_findings(name, table, layout, fmt, labels, lambda n: option("digits", str(n)))
    return finding_lines(findings, verbose)


def _save(
    name: str,
    store: Store,
    table: ResultTable,
    fmt: TableFormat,
    statistics_asked: tuple[tuple[str, ...], str, str | None],
    goals: dict[str, str],
) -> SavedTable | tuple[ResultsbookError, str]:
    """Add the table to the spec as [tables.NAME]; return what was written, or why nothing was and the
    entry to adapt by hand (said after the table is printed)."""
    from resultsbook.errors import ResultsbookError
    from resultsbook.outputs.saved_table import TableToSave, save_table
    from resultsbook.outputs.table_entry import table_entry
    from resultsbook.render import Labels, render_table
    from resultsbook.spec import find_spec, load_spec
    from resultsbook.spec.toml_text import entry_text, header_text

    context = click.get_current_context()
    path = find_spec()
    entry: dict[str, Any] = {}
    try:
        spec = load_spec(path) if path else None
        flags = context.params
        derived = dict(item.partition("=")[::2] for item in flags["derived"])
        listed = ("rows", "columns", "replicate", "pool", "run_specific", "tasks", "aggregates")
        settings = {
            **flags,
            **{name: split_list(flags[name]) for name in listed},
            "labels": _label_flags(flags["labels"]),
            "order": _order_flags(flags["order"]),
            "derived": {name.strip(): formula.strip() for name, formula in derived.items()},
        }
        entry = table_entry(
            settings,
            _given,
            statistics_asked,
            goals,
            dict(spec.derived) if spec else {},
            spec.table_defaults if spec else (),
        )
        labels = _labels(context.params["labels"], spec.labels if spec else Labels())
        shown = render_table(table, "terminal", fmt, labels)
        return save_table(path, TableToSave(name, entry, store, shown))
    except ResultsbookError as error:
        inside = ("tool", "resultsbook") if path and path.endswith("pyproject.toml") else ()
        return error, entry_text(header_text(*inside, "tables", name), entry) if entry else ""


def _report_saved(saved: SavedTable | tuple[ResultsbookError, str]) -> None:
    """Say where the table was saved, or why it was not (exit 2) with the entry to add by hand."""
    from resultsbook.cli.common import relative

    if isinstance(saved, tuple):
        error, entry = saved
        if entry:
            echo(entry.rstrip("\n"), err=True)
        raise error
    made = "a new " if saved.created else ""
    sources = f" {saved.sources}" if saved.sources else ""
    echo(
        f"Saved as {saved.header} in {made}{relative(saved.spec_path)}{sources}: `resultsbook build` writes "
        f"{relative(saved.output)}",
        err=True,
    )
    for note in saved.notes:
        echo(f"Note: {note}", err=True)


# the flags that shape the table: with NAME, the spec's [tables.NAME] does
_SHAPING = (
    "rows", "columns", "metrics", "reduce", "skip_first", "budget", "stats", "ddof", "replicate", "pool",
    "where", "order", "expected", "run_specific", "scale", "derived", "digits", "style", "highlight", "goals",
    "direction", "test", "tasks", "aggregates", "threshold", "versus", "labels", "escape_formulas", "save",
)  # fmt: skip


def _print_spec_table(name: str, db_path: str | None, output_format: str, verbose: bool) -> None:
    """Print the spec's [tables.NAME] as build computes it, with what build warns of it."""
    from resultsbook.errors import SpecError, closest
    from resultsbook.outputs.own_params import asks_params, check_own_params, check_spec_highlight
    from resultsbook.query import aggregate
    from resultsbook.query.runs import Runs

    context = click.get_current_context()
    shaping = [_parameter(context, flag) for flag in _SHAPING if _given(flag)]
    if shaping:
        flag = shaping[0].opts[0]
        raise SpecError(
            f"table {name} prints [tables.{name}] of the spec as build computes it, so {flag} has nothing "
            f"to change: edit the spec, or give the flags without {name} (see `resultsbook table --help`)"
        )
    spec = find_spec_or_none(None)
    if spec is None:
        raise SpecError(
            f"table {name} prints a table of the spec, and no resultsbook.toml was found here or above; "
            "run it in the project, or give --rows and --metric for a table from flags alone"
        )
    if name not in spec.tables:
        meant = closest(name, spec.tables)
        hint = f"did you mean {meant!r}? " if meant else ""
        known = ", ".join(spec.tables) or "none"
        raise SpecError(f"no table {name!r} in {spec.path}; {hint}(its tables: {known})")
    table_spec = spec.tables[name]
    with open_store(db_path, spec=spec) as store, store.snapshot(), of_spec_table():
        if asks_params(table_spec):  # a misspelt key is refused, as build refuses it
            check_own_params(spec, table_spec, Runs.load(store))
        table = aggregate(store, table_spec.query)
    check_spec_highlight(spec, table_spec, table)  # only the computed table can refuse it, as build does
    _print_table(table, output_format, table_spec.format, table_spec.labels, name, verbose)


def _print_table(
    table: ResultTable,
    output_format: str,
    fmt: TableFormat,
    labels: Labels,
    name: str,
    verbose: bool,
    notes: tuple[str, ...] = (),
) -> bool:
    """Print a table in its format, then what its notes and marks warn of, then `notes` said of it (not
    for JSON, whose document holds them all); return False for JSON, after which nothing more is printed."""
    from resultsbook.render import render_table

    text = render_table(table, output_format, fmt, labels, color=output_format == "terminal" and use_color())
    if output_format == "json":
        document = json.loads(text)
        document["notes"] = [*document.get("notes", []), *notes]
        print_json("table", True, {k: v for k, v in document.items() if k != "format"})  # its own version
        return False
    # the terminal's text was escaped by the renderer; other formats go to a file or pipe as exact bytes,
    # their control characters shown, not obeyed, on a terminal
    echo(text, nl=False, raw=output_format == "terminal" or not sys.stdout.isatty())
    for note in table.notes:
        echo(f"Warning: {note}", err=True)
    for remark in table.remarks:
        echo(f"Note: {remark}", err=True)
    for line in _mark_lines(table, fmt, labels, name, verbose):
        echo(f"Warning: {line}", err=True)
    for note in notes:
        echo(f"Note: {note}", err=True)
    return True


def _parameter(context: click.Context, name: str) -> click.Parameter:
    """Return the command's parameter of this name."""
    return next(param for param in context.command.params if param.name == name)


def _given(name: str) -> bool:
    """Tell whether a flag was typed on the command line (not left at its default)."""
    from click.core import ParameterSource

    return click.get_current_context().get_parameter_source(name) == ParameterSource.COMMANDLINE


def _goals(items: tuple[str, ...], metrics: tuple[str, ...]) -> dict[str, str]:
    """Read --goal max|min (every metric) and --goal METRIC=max|min."""
    from resultsbook.errors import SpecError
    from resultsbook.query.goal import meant_goal

    out: dict[str, str] = {}
    for item in items:
        name, sep, goal = item.rpartition("=")
        if goal not in ("max", "min"):
            meant = meant_goal(goal)
            usage = "use max, min, or METRIC=max|min (e.g. --goal val/loss=min)"
            raise SpecError(
                f"--goal {item!r}: " + (f"did you mean --goal {name}{sep}{meant}?" if meant else usage)
            )
        if sep and name not in metrics:
            raise SpecError(f"--goal {item!r}: {name!r} is not a --metric here ({', '.join(metrics)})")
        for metric in [name] if sep else metrics:
            out[metric] = goal
    return out


def _labels(items: tuple[str, ...], base: Labels) -> Labels:
    """Add --label KEY=TEXT (a key's name) and KEY:VALUE=TEXT (a value's name) to the spec's labels."""
    from resultsbook.render import Labels

    keys, values = _label_flags(items)
    merged = {key: dict(mapping) for key, mapping in base.values.items()}
    for key, mapping in values.items():
        merged.setdefault(key, {}).update(mapping)
    return Labels(keys={**base.keys, **keys}, values=merged)


def _order_flags(items: tuple[str, ...]) -> dict[str, tuple[Any, ...]]:
    """Return --order KEY=V[,V...] (repeated per key) as a table's order: each key's values first."""
    from resultsbook.errors import SpecError
    from resultsbook.params import parse_scalar

    order: dict[str, tuple[Any, ...]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip()
        if not sep or not key or not values.strip():
            raise SpecError(
                f"--order {item!r} must look like KEY=VALUE[,VALUE...], e.g. --order model=logreg,mlp"
            )
        if key in order:
            raise SpecError(f"--order names {key!r} twice; list its values once: --order {key}=A,B,C")
        order[key] = tuple(parse_scalar(value.strip()) for value in values.split(","))
    return order


def _label_flags(items: tuple[str, ...]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Return --label KEY=TEXT (a key's name) and KEY:VALUE=TEXT (a value's name) as (keys, values)."""
    from resultsbook.errors import SpecError

    keys: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    for item in items:
        target, sep, text = item.partition("=")
        if not sep:
            raise SpecError(f"--label {item!r} must look like KEY=TEXT or KEY:VALUE=TEXT")
        key, colon, value = target.partition(":")
        if colon:
            values.setdefault(key, {})[value] = text
        else:
            keys[key] = text
    return keys, values
