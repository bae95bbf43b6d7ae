"""`[tables.NAME]` and `[defaults]`: what a table computes (metrics, rows, filters, statistics), how it
looks and where it goes."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from resultsbook.errors import QueryError, ResultsbookError, SpecError, closest, did_you_mean
from resultsbook.params import parse_scalar
from resultsbook.query.goal import meant_goal
from resultsbook.query.model import DEFAULT_RUN_SPECIFIC, MetricSpec, TableQuery
from resultsbook.query.normalize import Normalization
from resultsbook.query.reduce import UnknownDirection, parse_reduction, takes_budget
from resultsbook.query.select import Filter, filters_from_mapping, parse_filter
from resultsbook.query.stats import BOOTSTRAP_RESAMPLES, SPREADS, check_statistics, meant_statistic
from resultsbook.query.tasks import check_aggregates
from resultsbook.render.latex import FLOATS, SIUNITX_SETUP, LatexOptions
from resultsbook.render.layout import Labels, TableFormat
from resultsbook.spec.keys import (
    check_keys,
    check_suffix,
    default_int,
    flag_at,
    list_value,
    mapping_at,
    number_at,
    optional_int,
    strings,
)
from resultsbook.spec.labels import optional_text, read_labels
from resultsbook.spec.toml_text import value_text

OUTPUT_SUFFIXES = (".tex", ".md", ".csv", ".json")
FLAG_DEFAULTS = {  # the true/false keys of a table, with their defaults
    "second": True,
    "show_n": False,
    "stat_note": True,
    "ties": False,
    "escape_formulas": False,
    "longtable": False,
    "multirow": False,
    "csv_metadata": False,
}
_LATEX_LABEL = re.compile(r"^[A-Za-z0-9:._\-/+]+$")  # written raw into \label{}: nothing TeX acts on
_PLACEMENT = re.compile(r"^[htbpH!]+$")
# every key the spec accepts, with the one line the reference page prints for it (docs/reference/spec.md)
METRIC_KEYS = {
    "name": "the metric: a key your runs log, or a name from `[derived]`",
    "reduce": "how each run's series becomes one number: `last` (default), `min`, `max`, `mean`, `last(k)`, "
    "`at(step)`, `best(KEY[, max|min])`, `best-mean`",
    "skip_first": "drop each run's first k points before reducing [default: 0]",
    "budget": "`best-mean` only: consider steps up to this one",
    "goal": '`"max"` or `"min"`: which value is best [default: only for documented names such as `loss`, '
    "`error` (min) or `acc`, `return` (max) as whole path components; otherwise no cell is bold]",
    "direction": "the old name of `goal`, still accepted",
    "scale": "multiply every value by this positive number, e.g. `100` for percent [default: 1]",
    "label": "the metric's display name in the table [default: `[labels.keys]`, else its name]",
}
TASK_SETTINGS = ("tasks", "aggregates", "optimality_threshold", "versus")
TABLE_KEYS = {
    **{key: text for key, text in METRIC_KEYS.items() if key not in ("name", "label")},
    "metric": "the metric shown, a logged or derived key (or `metrics`)",
    "metrics": 'several metrics: names or `{ name = "f1", reduce = "max", label = "F1" }` entries, each '
    "inheriting the table's reduce settings",
    "rows": 'the keys whose values make the rows, e.g. `["model"]` (`"metric"` places the metrics)',
    "columns": "the keys whose values make the columns [default: none]",
    "where": 'run filters: `{ optimizer = "adamw" }` or `["lr>=0.01", "model=a,b", "name~^cql"]`',
    "status": 'keep only runs with these statuses, e.g. `["finished"]`',
    "experiment": "keep only runs of these experiments",
    "replicate": 'the keys that tell replicates of a cell apart [default: `["seed"]`]',
    "run_specific": "params that may differ between the replicates of a cell without a `†` mark "
    "(added to the built-in `timestamp`, `output_dir`, `host`…)",
    "replicates": "replicates each cell should have; fewer is marked `*` [default: the most any cell has]",
    "seeds": "the replicate values expected, e.g. `[0, 1, 2, 3, 4]`: names missing seeds no run has",
    "min_replicates": "fewer replicates than this is marked `#` [default: 3]",
    "center": "the statistic printed: `mean` (default), `median` or `iqm`",
    "spread": "the spread after it: `std` (default), `sem`, `ci95` (the mean's t-interval), `bootstrap` or "
    '`bca` (intervals of the centre), `iqr`, `minmax`, `"none"`; over tasks: `bootstrap` (stratified) or '
    '`"none"`',
    "stats": 'extra statistics for the CSV and JSON outputs, e.g. `["median", "iqr"]`',
    "ddof": "delta degrees of freedom of `std` and `sem`, stated under the table [default: 1]",
    "bootstrap_seed": "the seed of the `bootstrap` and `bca` resampling [default: 0]",
    "bootstrap_resamples": "resamples of the bootstrap intervals and tests [default: 10000]",
    "digits": "decimals printed [default: chosen per column from the typical spread]",
    "style": "how centre and spread are typeset: `pm` (default), `sub`, `siunitx`, `siunitx-S`",
    "highlight": "which cells compete for bold: `column` (default), `row`, `none`, or a key",
    "second": "underline the runner-up, when more cells rank below it than share its printed value "
    "[default: true]",
    "show_n": "accepted but has no effect yet (n is stated in the note under the table)",
    "test": "significance test of the best against the runner-up: `auto` (default: Welch for the mean, a "
    "permutation test of the difference in the centre otherwise), `welch`, `permutation`, `mannwhitney`, "
    "`none`",
    "alpha": "the significance level of `test` [default: 0.05]",
    "ties": "bold every cell not significantly worse than the best [default: false]",
    "stat_note": "write the note under the table that states the statistic, n, ddof and test [default: true]",
    "order": 'values placed first, in this order, e.g. `{ model = ["logreg", "mlp"] }`; the rest sorted',
    "float": 'write a `table` float with caption and label (`"table*"` across both columns), not a bare '
    "`tabular` [default: false]",
    "caption": "the float's caption, also shown in the report and the preview",
    "label": "the float's LaTeX `\\label`",
    "placement": "the float's placement [default: `t`]",
    "template": "the LaTeX template to render with [default: `table.tex.j2`]",
    "outputs": "files to write; the suffix picks the format: `.tex`, `.md`, `.csv`, `.json`",
    "command": 'how to launch a missing run, e.g. `"python train.py --model {model} --seed {seed}"` '
    "(`status --commands`)",
    "fit": "`natural` (default), `scale` (shrink to `\\linewidth` when wider), `tabular*` or `tabularx`",
    "longtable": "break the table across pages, header repeated (one-column pages only) [default: false]",
    "multirow": "centre a row group's label on its rows with `\\multirow` [default: false]",
    "siunitx": 'a `\\sisetup` local to this table\'s siunitx styles, e.g. `"uncertainty-mode = separate"`',
    "labels": "this table's own `keys` and `values` display names, over the project's (figures of it too)",
    "csv_metadata": "write a W3C CSVW sidecar (`NAME.csv-metadata.json`) beside each CSV [default: false]",
    "tasks": "aggregate over tasks: the param naming them (e.g. `game`); cells become mean, median, IQM… "
    "over tasks × runs with stratified bootstrap intervals",
    "aggregates": 'with `tasks`: the columns, e.g. `["mean", "median", "iqm", "optimality_gap"]` '
    '[default: `["mean"]`]',
    "optimality_threshold": "with `tasks`: the score the optimality gap counts up to [default: 1.0]",
    "versus": 'with `tasks`: the row value the probability of improvement compares against, e.g. `"DrQ"`',
    "pool": "params whose values a cell pools (e.g. the splits of a dataset): configs may differ between "
    "pooled values, not within one; seeds are counted per value",
    "escape_formulas": "CSV outputs: prefix cells that start with `=`, `+`, `-`, `@` with `'` so a "
    "spreadsheet shows them as text [default: false]",
}


@dataclass(frozen=True)
class TableSpec:
    """One table of the spec: what to compute, how it looks, where it goes."""

    name: str
    query: TableQuery
    format: TableFormat
    latex: LatexOptions
    caption: str | None
    outputs: tuple[str, ...]
    entry: Mapping[str, Any]  # the spec entry as written (defaults applied), for digests
    command: str | None = None  # how to launch a missing run: "python train.py --seed {seed}"
    labels: Labels = field(default_factory=Labels)  # the project's labels with the table's own applied
    csv_metadata: bool = False  # write a CSVW sidecar (table.csv-metadata.json) beside each CSV output


def read_table(
    name: str,
    entry: Mapping[str, Any],
    derived: Mapping[str, str],
    template_dirs: tuple[str, ...],
    resolve: Any,
    where: str,
    context: str,
    project_labels: Labels = Labels(),
    normalized: Mapping[str, Normalization] | None = None,
) -> TableSpec:
    """Read one table entry (project settings and defaults already merged in)."""
    check_keys(entry, TABLE_KEYS, where, context)
    metrics = read_metrics(entry, where, context)
    tasks = strings(entry.get("tasks", []), where, f"{context} tasks")
    if not tasks and set(TASK_SETTINGS) & set(entry) - {"tasks"}:
        extra = sorted(set(TASK_SETTINGS) & set(entry) - {"tasks"})[0]
        raise SpecError(f'{where}: {context} {extra} needs tasks = "KEY" (the param naming the tasks)')
    spread = _spread(entry.get("spread", "bootstrap" if tasks else "std"), where, context)
    flags = {key: flag_at(entry, key, where, context, default) for key, default in FLAG_DEFAULTS.items()}
    if tasks and spread not in (None, "bootstrap"):
        raise SpecError(
            f'{where}: {context} aggregates over tasks take spread = "bootstrap" (stratified) or "none"'
        )
    try:
        fmt = _table_format(entry, spread, flags, where, context)
        aggregates = check_aggregates(strings(entry.get("aggregates", []), where, f"{context} aggregates"))
        stats = table_stats(fmt.center, fmt.spread, _names(entry, "stats", where, context))
        check_statistics(stats, fmt.center)
    except ResultsbookError as error:
        if str(error).startswith(f"{where}:"):  # a key's own reader named the file and the key already
            raise
        raise SpecError(f"{where}: {context}: {error}") from error
    resamples = default_int(optional_int(entry, "bootstrap_resamples", where, context), BOOTSTRAP_RESAMPLES)
    if resamples < 100:
        raise SpecError(
            f"{where}: {context} bootstrap_resamples = {resamples} is too few; use 1000 or more (10,000)"
        )
    versus = entry.get("versus", {})
    rows = _names(entry, "rows", where, context)
    if isinstance(versus, str) and rows:
        versus = {rows[0]: versus}
    if not isinstance(versus, Mapping):
        raise SpecError(f'{where}: {context} versus = "VALUE" (of the first row key) or {{key = "value"}}')
    if versus and "probability_of_improvement" not in (aggregates or ()):  # else unread, a typo in it too
        raise SpecError(
            f"{where}: {context} versus names the row probability_of_improvement compares against, and "
            'the table computes none: add "probability_of_improvement" to aggregates, or remove versus'
        )
    threshold = number_at(entry, "optimality_threshold", where, context, 1.0)
    try:
        query = TableQuery(
            metrics=metrics,
            rows=rows,
            columns=_names(entry, "columns", where, context),
            filters=read_filters(entry, where, context),
            replicate=_replicate_keys(entry.get("replicate", ["seed"]), where, context),
            pool=_names(entry, "pool", where, context),
            run_specific=DEFAULT_RUN_SPECIFIC
            + strings(entry.get("run_specific", []), where, f"{context} run_specific"),
            stats=stats,
            ddof=default_int(optional_int(entry, "ddof", where, context), 1),
            expected=optional_int(entry, "replicates", where, context),
            derived=dict(derived),
            order=_order(entry, where, context),
            bootstrap_seed=optional_int(entry, "bootstrap_seed", where, context) or 0,
            replicate_values=tuple(_seed_list(entry.get("seeds", []), where, context)),
            min_replicates=default_int(optional_int(entry, "min_replicates", where, context), 3),
            center=fmt.center,
            bootstrap_resamples=resamples,
            normalized=dict(normalized or {}),
            tasks=tasks,
            aggregates=aggregates or (("mean",) if tasks else ()),
            optimality_threshold=threshold,
            versus=dict(versus),
        )
    except QueryError as error:
        raise SpecError(f"{where}: {context}: {error}") from error
    if not query.rows:
        raise SpecError(f'{where}: {context} needs rows = ["param", ...] (the keys that make the table rows)')
    outputs = tuple(resolve(p) for p in strings(entry.get("outputs", []), where, f"{context} outputs"))
    for output in outputs:
        check_suffix(output, OUTPUT_SUFFIXES, name, where, context)
    latex = _latex_options(entry, flags, template_dirs, where, context)
    caption = latex.caption
    command = entry.get("command")
    if command is not None:
        keys = (*query.rows, *query.columns, *query.tasks, *query.replicate)
        _check_command(str(command), keys, where, context)
    own = read_labels(mapping_at(entry, "labels", where, context), where, f"{context} labels")
    return TableSpec(
        name,
        query,
        fmt,
        latex,
        caption,
        outputs,
        dict(entry),
        str(command) if command else None,
        labels=project_labels.merged(own),
        csv_metadata=flags["csv_metadata"],
    )


def _table_format(
    entry: Mapping[str, Any], spread: str | None, flags: Mapping[str, bool], where: str, context: str
) -> TableFormat:
    """Return how a table prints: its centre, spread, digits, style, highlight, test and flags."""
    return TableFormat(
        center=str(entry.get("center", "mean")),
        spread=spread,
        digits=optional_int(entry, "digits", where, context),
        style=str(entry.get("style", "pm")),
        highlight=str(entry.get("highlight", "column")),
        second=flags["second"],
        show_n=flags["show_n"],
        stat_note=flags["stat_note"],
        test=str(entry.get("test", "auto")),
        alpha=float(entry.get("alpha", 0.05)),
        ties=flags["ties"],
        escape_formulas=flags["escape_formulas"],
    )


def _latex_options(
    entry: Mapping[str, Any],
    flags: Mapping[str, bool],
    templates: tuple[str, ...],
    where: str,
    context: str,
) -> LatexOptions:
    """Return how a table's LaTeX is wrapped: its float, caption, label, placement, fit and template."""
    caption = optional_text(entry, "caption", where, context)
    label = entry.get("label")
    if label is not None and (not isinstance(label, str) or not _LATEX_LABEL.match(label)):
        raise SpecError(
            f"{where}: {context} label = {label!r} must be a LaTeX label: letters, digits and :._-/+ "
            'only, e.g. label = "tab:main"'
        )
    placement = str(entry.get("placement", "t"))
    if not _PLACEMENT.match(placement):
        raise SpecError(
            f'{where}: {context} placement = {placement!r} must be letters of htbpH!, e.g. "t" or "htb"'
        )
    wrapped = _float(entry.get("float", False), where, context)
    try:
        return LatexOptions(
            float=bool(wrapped),
            caption=caption,
            label=label,
            placement=placement,
            template=str(entry.get("template", "table.tex.j2")),
            template_dirs=templates,
            float_env=wrapped if isinstance(wrapped, str) else "table",
            fit=str(entry.get("fit", "natural")),
            longtable=flags["longtable"],
            multirow=flags["multirow"],
            siunitx=str(entry.get("siunitx", SIUNITX_SETUP)),
        )
    except ResultsbookError as error:
        raise SpecError(f"{where}: {context}: {error}") from error


COMMAND_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")  # {key}; {{ and }} are literal braces


def _order(entry: Mapping[str, Any], where: str, context: str) -> dict[str, tuple[Any, ...]]:
    """Read `order = { key = [values...] }`; a key given one value, not a list, would order its characters."""
    order = mapping_at(entry, "order", where, context)
    for key, values in order.items():
        if not isinstance(values, list):
            raise SpecError(
                f"{where}: {context} order.{key} = {value_text(values)} must list the values in the order "
                f"wanted, e.g. order = {{ {key} = [{value_text(values)}, ...] }}"
            )
    return {str(key): tuple(values) for key, values in order.items()}


def _check_command(command: str, keys: Sequence[str], where: str, context: str) -> None:
    """Refuse a `command` placeholder that is none of the table's row, column, task or replicate keys."""
    for found in COMMAND_PLACEHOLDER.finditer(command):
        key = (found.group(1) or "").strip()
        if found.group(1) is not None and key not in keys:
            hint = did_you_mean(key, keys, "its placeholders can be")
            raise SpecError(
                f"{where}: {context} command has {{{key}}}, not a row, column, task or replicate key; {hint}"
            )


def check_defaults(
    project: Mapping[str, Any], defaults: Mapping[str, Any], where: str, template_dirs: tuple[str, ...] = ()
) -> None:
    """Read the settings every table inherits where they are written (`[defaults]`, the top level's
    replicate and run_specific), each alone: a mistake there is named once, as theirs, not as each
    table's; a goal every table overrides is read too."""
    for context, settings in (("top-level", project), ("[defaults]", defaults)):
        if "replicate" in settings:
            _replicate_keys(settings["replicate"], where, context)
        if "run_specific" in settings:
            strings(settings["run_specific"], where, f"{context} run_specific")
    context = "[defaults]"
    for key in ("digits", "ddof", "bootstrap_seed", "bootstrap_resamples", "replicates", "min_replicates"):
        optional_int(defaults, key, where, context)
    spread = _spread(defaults.get("spread", "std"), where, context)
    flags = {key: flag_at(defaults, key, where, context, default) for key, default in FLAG_DEFAULTS.items()}
    try:  # how every table prints and is wrapped: a style or placement typo is [defaults]', not each table's
        _table_format(defaults, spread, flags, where, context)
    except ResultsbookError as error:
        raise SpecError(f"{where}: {context}: {error}") from error
    _latex_options(defaults, flags, template_dirs, where, context)
    if "seeds" in defaults:
        _seed_list(defaults["seeds"], where, context)
    read_goal(defaults, where, context)
    read_filters(defaults, where, context)
    reduce = str(defaults.get("reduce", "last"))
    try:
        parse_reduction(reduce)
    except UnknownDirection:
        pass  # best(KEY): the tables, which know the logged metrics, say which KEY is meant
    except ResultsbookError as error:
        raise SpecError(f"{where}: {context} reduce = {reduce!r}: {error}") from error
    number_at(defaults, "skip_first", where, context, 0, whole=True, low=0)
    number_at(defaults, "scale", where, context, 1.0, low=-1e12, high=1e12)


def table_stats(center: str, spread: str | None, extra: Sequence[str]) -> tuple[str, ...]:
    """Return the statistics a table computes: its centre, its spread, n, and any extra ones."""
    wanted = [center, *([spread] if spread else []), "n", *extra]
    try:
        check_statistics(wanted)
    except QueryError as error:
        raise SpecError(str(error)) from error
    return tuple(dict.fromkeys(wanted))


def read_metrics(entry: Mapping[str, Any], where: str, context: str) -> tuple[MetricSpec, ...]:
    """Read `metric = "name"` or `metrics = [...]`, each entry inheriting the table's reduce settings."""
    # a table's own `label` is its LaTeX \label; a metric's display name comes from its metrics entry
    shared = {k: entry[k] for k in METRIC_KEYS if k in entry and k not in ("name", "label")}
    if "metric" in entry and "metrics" in entry:
        raise SpecError(f"{where}: {context} has both metric and metrics; keep one")
    raw = entry.get("metrics", [entry["metric"]] if "metric" in entry else [])
    if not raw:
        raise SpecError(f'{where}: {context} needs metric = "name" (a key your runs log)')
    metrics = []
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, Mapping):
            check_keys(item, METRIC_KEYS, where, f"{context} metrics entry")
            settings = {**shared, **item}
            if "budget" not in item and not takes_budget(str(settings.get("reduce", "last"))):
                settings.pop("budget", None)  # the table's, for its best-mean metrics: unread here
        else:
            settings = {**shared, "name": item}
        metrics.append(read_metric(settings, where, context))
    if "budget" in entry and all(metric.budget is None for metric in metrics):  # the table's, read by none
        reduces = ", ".join(repr(metric.reduce) for metric in metrics)
        raise SpecError(
            f"{where}: {context} budget = {value_text(entry['budget'])} is the last step best-mean "
            f'considers, and its metrics reduce each run with {reduces}: set reduce = "best-mean", or remove '
            "budget"
        )
    return tuple(metrics)


def without_unread_budget(merged: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """Return an entry's settings without the budget it inherits from [defaults] where none of its
    reductions reads it (a shared budget is best-mean's; TOML cannot unset it in one entry)."""
    settings = dict(merged)
    if "budget" in own or "budget" not in settings:
        return settings
    table_reduce = str(settings.get("reduce", "last"))
    items = settings.get("metrics") or [settings.get("metric")]
    items = items if isinstance(items, list) else [items]
    reduces = [
        str(item.get("reduce", table_reduce)) if isinstance(item, Mapping) else table_reduce for item in items
    ]
    if not any(takes_budget(reduce) for reduce in reduces):
        del settings["budget"]
    return settings


def read_metric(settings: Mapping[str, Any], where: str, context: str) -> MetricSpec:
    """Read one metric: its name, per-run reduction, scale, goal and label."""
    if "name" not in settings:
        raise SpecError(f"{where}: {context} a metrics entry needs a name")
    if isinstance(settings["name"], (list, Mapping)):  # else one metric named "['acc', 'f1']"
        raise SpecError(
            f"{where}: {context} metric = {value_text(settings['name'])} is not one metric's name; "
            f"several metrics are written metrics = {value_text(settings['name'])}"
        )
    reduce = str(settings.get("reduce", "last"))
    try:
        parse_reduction(reduce)
    except UnknownDirection:
        pass  # KEY may be misspelt: the table, which knows the logged metrics, says which it is
    except ResultsbookError as error:
        raise SpecError(f"{where}: {context} reduce = {reduce!r}: {error}") from error
    direction = read_goal(settings, where, context)
    budget = settings.get("budget")
    if budget is not None and not takes_budget(reduce):  # else unread, a typo in it too
        raise SpecError(
            f"{where}: {context} budget = {value_text(budget)} is the last step best-mean considers, and "
            f'the table reduces each run with reduce = {reduce!r}: set reduce = "best-mean", or remove budget'
        )
    try:
        return MetricSpec(
            name=str(settings["name"]),
            reduce=reduce,
            skip_first=number_at(settings, "skip_first", where, context, 0, whole=True, low=0),
            budget=None if budget is None else number_at(settings, "budget", where, context, 0.0),
            direction=direction,
            scale=number_at(settings, "scale", where, context, 1.0, low=-1e12, high=1e12),
            label=optional_text(settings, "label", where, f"{context} metric {settings['name']!r}"),
        )
    except (QueryError, SpecError) as error:
        if str(error).startswith(f"{where}:"):  # a key's own reader named the file and the key already
            raise
        raise SpecError(f"{where}: {context} {error}") from error


def read_goal(settings: Mapping[str, Any], where: str, context: str) -> str | None:
    """Read `goal` ("max" or "min"), accepting `direction`, its former name, with the same values."""
    goal, direction = settings.get("goal"), settings.get("direction")
    if goal is not None and direction is not None and goal != direction:
        raise SpecError(
            f"{where}: {context} has goal = {goal!r} and direction = {direction!r} (its old name); keep goal"
        )
    value = goal if goal is not None else direction
    key = "goal" if goal is not None else "direction"
    if isinstance(value, Mapping):  # a goal per metric, as --goal METRIC=max gives them
        entries = [{"name": str(name), "goal": each} for name, each in value.items()]
        raise SpecError(
            f"{where}: {context} {key} = {value_text(value)} gives each metric a goal: a table's goal is "
            f"one for all its metrics, each metric's is in its entry: metrics = {value_text(entries)}"
        )
    if value not in (None, "max", "min"):
        meant = meant_goal(value)
        words = "higher" if meant == "max" else "lower"
        fix = f'did you mean goal = "{meant}" ({words} is better)?' if meant else ""
        raise SpecError(
            f"{where}: {context} {key} = {value!r}; "
            + (fix or 'use goal = "max" (higher is better) or "min"')
        )
    return value


def read_filters(entry: Mapping[str, Any], where: str, context: str) -> tuple[Filter, ...]:
    """Read `where`, `status` and `experiment` into run filters."""
    filters: list[Filter] = []
    raw = entry.get("where", {})
    if not isinstance(raw, (Mapping, list)):
        raise SpecError(
            f'{where}: {context} where = {raw!r} must be a table, e.g. where = {{ model = "mlp" }}'
        )
    try:
        if isinstance(raw, Mapping):
            filters += filters_from_mapping(raw)
        else:
            filters += [parse_filter(str(text)) for text in raw]
    except ResultsbookError as error:
        raise SpecError(f"{where}: {context} where: {error}") from error
    for item in filters:
        if not item.values:
            raise SpecError(
                f"{where}: {context} where {item.key} = [] selects nothing; list the values to keep"
            )
    for key in ("status", "experiment"):
        if key in entry:
            values = entry[key] if isinstance(entry[key], list) else [entry[key]]
            if not values:
                raise SpecError(f'{where}: {context} {key} = [] selects nothing; e.g. {key} = ["finished"]')
            filters.append(Filter(key=key, op="=", values=tuple(values)))
    return tuple(filters)


def _spread(value: Any, where: str, context: str) -> str | None:
    if value in (None, False, "none", ""):
        return None
    if value not in SPREADS:
        meant = meant_statistic(str(value))
        guess = meant if meant in SPREADS else closest(str(value), [*SPREADS, "none"])
        hint = f"; did you mean {guess!r}?" if guess else ""
        raise SpecError(
            f'{where}: {context} spread {value!r} is not one of {", ".join(SPREADS)} or "none"{hint}'
        )
    return str(value)


def _names(entry: Mapping[str, Any], key: str, where: str, context: str) -> tuple[str, ...]:
    """Return a list of names under `key`; refuse names joined by commas in one string (`stats =
    "mean,sem"`, `rows = ["model,dataset"]`: the command line's way), which read as one unknown name."""
    names = strings(entry.get(key, []), where, f"{context} {key}")
    if any("," in name and all(part.strip() for part in name.split(",")) for name in names):
        # rows = ['algo", "game']: quotes that do not pair make one text of both names, quotes within it
        meant = [part.strip().strip("\"'").strip() for name in names for part in name.split(",")]
        raise SpecError(
            f"{where}: {context} {key} = {value_text(entry[key])} joins names with commas; write "
            f"{key} = {value_text(meant)}"
        )
    return names


def _replicate_keys(value: Any, where: str, context: str) -> tuple[str, ...]:
    """Return the keys that tell replicates apart; a number there is the count, which `replicates` takes."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise SpecError(
            f"{where}: {context} replicate = {value} must name the keys that tell replicates apart, e.g. "
            f'replicate = ["seed"]; for the number of seeds each cell should have, write replicates = {value}'
        )
    return strings(value, where, f"{context} replicate")


def _is_number_text(text: str) -> bool:
    """Tell whether a text reads as a number (`"2"`, `"0.5"`), not as a name (`"final"`)."""
    value = parse_scalar(text)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _seed_list(value: Any, where: str, context: str) -> list[Any]:
    """Return the seeds every cell should have; a number there is the count, which `replicates` takes."""
    if isinstance(value, int) and not isinstance(value, bool):
        example = list(range(max(min(value, 5), 1)))
        raise SpecError(
            f"{where}: {context} seeds = {value} must be the list of seeds, e.g. seeds = {example}; "
            f"for the number of seeds each cell should have, write replicates = {value}"
        )
    seeds = list_value(value, where, f"{context} seeds")
    texts = [seed for seed in seeds if isinstance(seed, str) and _is_number_text(seed)]
    if texts and any(not isinstance(seed, str) for seed in seeds):  # `[0, 1, "2"]`: no run's seed is "2"
        numbers = [seed for seed in seeds if not isinstance(seed, str)]
        raise SpecError(
            f'{where}: {context} seeds mixes numbers ({numbers[0]}) and text ("{texts[0]}"); write every '
            f"seed as the runs record it, e.g. {texts[0]} unquoted"
        )
    return seeds


def _float(value: Any, where: str, context: str) -> bool | str:
    """Return a table's `float`: true, false or the float's name; `float = 2` or "tabel" is refused."""
    if isinstance(value, bool) or value in FLOATS:
        return value
    meant = closest(str(value).lower(), [*FLOATS, "true", "false"]) if isinstance(value, str) else None
    fix = (
        f"did you mean float = {meant if meant in ('true', 'false') else value_text(meant)}?" if meant else ""
    )
    allowed = 'true or "table" (a table float), "table*" (across both columns of a two-column paper) or '
    allowed += "false (bare)"
    raise SpecError(
        f"{where}: {context} float = {value_text(value)} must be {allowed}" + (f"; {fix}" if fix else "")
    )
