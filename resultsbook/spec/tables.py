"""`[tables.NAME]` and `[defaults]`: what a table computes (metrics, rows, filters, statistics), how it
looks and where it goes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from resultsbook.errors import ResultsbookError, SpecError
from resultsbook.query.model import DEFAULT_RUN_SPECIFIC, MetricSpec, TableQuery
from resultsbook.query.reduce import parse_reduction
from resultsbook.query.select import Filter, filters_from_mapping, parse_filter
from resultsbook.query.stats import SPREADS, STATISTICS
from resultsbook.render.latex import LatexOptions
from resultsbook.render.layout import TableFormat
from resultsbook.spec.keys import check_keys, default_int, list_value, mapping_at, optional_int, strings

OUTPUT_SUFFIXES = (".tex", ".md", ".csv", ".json")
METRIC_KEYS = {"name", "reduce", "skip_first", "budget", "direction", "scale", "label"}
TABLE_KEYS = METRIC_KEYS - {"name"} | {
    "metric", "metrics", "rows", "columns", "where", "status", "experiment", "replicate", "run_specific",
    "replicates", "center", "spread", "stats", "ddof", "digits", "style", "highlight", "second", "show_n",
    "stat_note", "order", "float", "caption", "label", "placement", "outputs", "template", "bootstrap_seed",
    "test", "alpha", "ties", "seeds", "min_replicates", "command",
    "pool",
}  # fmt: skip


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


def read_table(
    name: str,
    entry: Mapping[str, Any],
    derived: Mapping[str, str],
    template_dirs: tuple[str, ...],
    resolve: Any,
    where: str,
    context: str,
) -> TableSpec:
    """Read one table entry (project settings and defaults already merged in)."""
    check_keys(entry, TABLE_KEYS, where, context)
    metrics = read_metrics(entry, where, context)
    try:
        fmt = TableFormat(
            center=str(entry.get("center", "mean")),
            spread=_spread(entry.get("spread", "std")),
            digits=optional_int(entry, "digits", where, context),
            style=str(entry.get("style", "pm")),
            highlight=str(entry.get("highlight", "column")),
            second=bool(entry.get("second", True)),
            show_n=bool(entry.get("show_n", False)),
            stat_note=bool(entry.get("stat_note", True)),
            test=str(entry.get("test", "welch")),
            alpha=float(entry.get("alpha", 0.05)),
            ties=bool(entry.get("ties", False)),
        )
    except ResultsbookError as error:
        raise SpecError(f"{where}: {context}: {error}") from error
    stats = table_stats(fmt.center, fmt.spread, strings(entry.get("stats", []), where, f"{context} stats"))
    query = TableQuery(
        metrics=metrics,
        rows=strings(entry.get("rows", []), where, f"{context} rows"),
        columns=strings(entry.get("columns", []), where, f"{context} columns"),
        filters=read_filters(entry, where, context),
        replicate=strings(entry.get("replicate", ["seed"]), where, f"{context} replicate"),
        pool=strings(entry.get("pool", []), where, f"{context} pool"),
        run_specific=DEFAULT_RUN_SPECIFIC
        + strings(entry.get("run_specific", []), where, f"{context} run_specific"),
        stats=stats,
        ddof=default_int(optional_int(entry, "ddof", where, context), 1),
        expected=optional_int(entry, "replicates", where, context),
        derived=dict(derived),
        order={str(k): tuple(v) for k, v in mapping_at(entry, "order", where, context).items()},
        bootstrap_seed=optional_int(entry, "bootstrap_seed", where, context) or 0,
        replicate_values=tuple(list_value(entry.get("seeds", []), where, f"{context} seeds")),
        min_replicates=default_int(optional_int(entry, "min_replicates", where, context), 3),
    )
    if not query.rows:
        raise SpecError(f'{where}: {context} needs rows = ["param", ...] (the keys that make the table rows)')
    outputs = tuple(resolve(p) for p in strings(entry.get("outputs", []), where, f"{context} outputs"))
    for output in outputs:
        if not output.endswith(OUTPUT_SUFFIXES):
            suffixes = ", ".join(OUTPUT_SUFFIXES)
            raise SpecError(f"{where}: {context} output {output!r} has an unknown suffix; use {suffixes}")
    caption = entry.get("caption")
    latex = LatexOptions(
        float=bool(entry.get("float", False)),
        caption=caption,
        label=entry.get("label"),
        placement=str(entry.get("placement", "t")),
        template=str(entry.get("template", "table.tex.j2")),
        template_dirs=template_dirs,
    )
    command = entry.get("command")
    return TableSpec(
        name, query, fmt, latex, caption, outputs, dict(entry), str(command) if command else None
    )


def table_stats(center: str, spread: str | None, extra: Sequence[str]) -> tuple[str, ...]:
    """Return the statistics a table computes: its centre, its spread, n, and any extra ones."""
    wanted = [center, *([spread] if spread else []), "n", *extra]
    unknown = [s for s in wanted if s not in STATISTICS and s != "minmax"]
    if unknown:
        raise SpecError(f"unknown statistic {unknown[0]!r}; choose from {', '.join(STATISTICS)}")
    return tuple(dict.fromkeys(wanted))


def read_metrics(entry: Mapping[str, Any], where: str, context: str) -> tuple[MetricSpec, ...]:
    """Read `metric = "name"` or `metrics = [...]`, each entry inheriting the table's reduce settings."""
    # a table's own `label` is its LaTeX \label; a metric's display name comes from its metrics entry
    shared = {k: entry[k] for k in METRIC_KEYS - {"name", "label"} if k in entry}
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
        else:
            settings = {**shared, "name": item}
        metrics.append(read_metric(settings, where, context))
    return tuple(metrics)


def read_metric(settings: Mapping[str, Any], where: str, context: str) -> MetricSpec:
    """Read one metric: its name, per-run reduction, scale, direction and label."""
    if "name" not in settings:
        raise SpecError(f"{where}: {context} a metrics entry needs a name")
    reduce = str(settings.get("reduce", "last"))
    try:
        parse_reduction(reduce)
    except ResultsbookError as error:
        raise SpecError(f"{where}: {context} reduce = {reduce!r}: {error}") from error
    direction = settings.get("direction")
    if direction not in (None, "max", "min"):
        raise SpecError(f'{where}: {context} direction = {direction!r}; use "max" or "min"')
    budget = settings.get("budget")
    return MetricSpec(
        name=str(settings["name"]),
        reduce=reduce,
        skip_first=int(settings.get("skip_first", 0)),
        budget=None if budget is None else float(budget),
        direction=direction,
        scale=float(settings.get("scale", 1.0)),
        label=str(settings["label"]) if "label" in settings else None,
    )


def read_filters(entry: Mapping[str, Any], where: str, context: str) -> tuple[Filter, ...]:
    """Read `where`, `status` and `experiment` into run filters."""
    filters: list[Filter] = []
    raw = entry.get("where", {})
    try:
        if isinstance(raw, Mapping):
            filters += filters_from_mapping(raw)
        else:
            filters += [parse_filter(str(text)) for text in raw]
    except ResultsbookError as error:
        raise SpecError(f"{where}: {context} where: {error}") from error
    for key in ("status", "experiment"):
        if key in entry:
            values = entry[key] if isinstance(entry[key], list) else [entry[key]]
            filters.append(Filter(key=key, op="=", values=tuple(values)))
    return tuple(filters)


def _spread(value: Any) -> str | None:
    if value in (None, False, "none", ""):
        return None
    if value not in SPREADS:
        raise SpecError(f'spread {value!r} is not one of {", ".join(SPREADS)} or "none"')
    return str(value)
