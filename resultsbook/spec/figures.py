"""`[style]` and `[figures.NAME]`: curves over steps, and bars or points drawn from a table's cells."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from resultsbook.errors import ResultsbookError, SpecError, closest, did_you_mean
from resultsbook.query.curves import ALIGNMENTS, BANDS, CurveQuery, parse_smoothing
from resultsbook.query.model import DEFAULT_RUN_SPECIFIC, METRIC_KEY
from resultsbook.query.normalize import Normalization
from resultsbook.query.profiles import EfficiencyQuery, ProfileQuery
from resultsbook.query.stats import CENTERS, MEAN_ONLY, meant_statistic
from resultsbook.query.tasks import AGGREGATES, PAIRWISE
from resultsbook.render.figstyle import FigureStyle, parse_style
from resultsbook.render.layout import Labels
from resultsbook.render.plots import FIGURE_KINDS, FIGURE_SUFFIXES, FigureOptions
from resultsbook.render.venues import Venue
from resultsbook.spec.keys import (
    check_keys,
    check_name,
    check_suffix,
    default_int,
    flag_at,
    mapping_at,
    number_at,
    optional_int,
    optional_str,
    strings,
)
from resultsbook.spec.labels import optional_text, read_labels
from resultsbook.spec.style import STYLE_KEYS
from resultsbook.spec.tables import TABLE_KEYS, TableSpec, read_filters, read_table, without_unread_budget

# every key the spec accepts, with the one line the reference page prints for it (docs/reference/spec.md)
FIGURE_KEYS = {
    **STYLE_KEYS,
    "kind": '`"curve"` (a metric over training), `"bar"` or `"points"` (cells of a table), `"profile"` (a '
    'performance profile of a table over tasks) or `"efficiency"` (an aggregate over tasks at each step)',
    "outputs": "files to write; the suffix picks the format: `.pdf`, `.pgf`, `.svg`, `.png`",
    "hue": "the key whose values get one colour each (a line, a bar, a set of points)",
    "facet": "the key whose values get one panel each",
    "x": "curves: `step` (default), `time` or a metric such as `epoch`; bars, points: the key along x",
    "caption": "the caption shown by the report, the preview and Markdown sections",
    "title": "the title above the figure [default: none]",
    "xlabel": "the x axis label [default: the display name from `[labels]`]",
    "ylabel": "the y axis label [default: the display name from `[labels]`]",
    "xscale": "`linear` (default), `log` or `symlog` (curves: a bar or points figure has a slot per value)",
    "yscale": "`linear` (default), `log` or `symlog`",
    "xlim": "the x axis range, `[low, high]`",
    "ylim": "the y axis range, `[low, high]`",
    "facet_columns": "panels per row [default: 3]",
    "sharey": "one y axis for all panels [default: false]",
    "markevery": "markers per curve; 0 for none [default: 8]",
    "labels": "this figure's own `keys` and `values` display names, over the project's (or its table's)",
}
CURVE_KEYS = {
    "metric": "the metric drawn over steps, logged or derived",
    "where": 'run filters, as in tables: `{ optimizer = "adam" }` or `["lr>=0.01"]`',
    "status": "keep only runs with these statuses",
    "experiment": "keep only runs of these experiments",
    "replicate": 'the keys that tell the seeds of a line apart [default: `["seed"]`]',
    "run_specific": "params that may differ between the seeds of a line without a warning "
    "(a run's folder, its start time; as in tables)",
    "center": "the line: `mean` (default), `median` or `iqm` over seeds",
    "band": 'the band: `std` (default), `sem`, `ci95`, `minmax` or `"none"`',
    "ddof": "delta degrees of freedom of `std` and `sem` [default: 1]",
    "scale": "multiply every value, e.g. `100` for percent [default: 1]",
    "skip_first": "drop each run's first k points [default: 0]",
    "smooth": "per seed, before averaging: `ema(WEIGHT)`, `window(K)` (trailing mean) or `none` (default)",
    "align": "seeds logged at different steps: `interpolate` (default) onto a common grid, or `bin`",
    "points": "the common grid: at most this many points (or bins) [default: 200]",
    "min_seeds": "keep grid points where at least this many seeds have data [default: all seeds]",
}
CELL_KEYS = {
    "table": "draw the cells of this `[tables.NAME]`, its numbers exactly (then no other aggregation key)",
    **{
        key: TABLE_KEYS[key]
        for key in (
            "metric", "metrics", "reduce", "skip_first", "budget", "goal", "direction", "scale", "where",
            "status", "experiment", "replicate", "run_specific", "replicates", "center", "spread", "ddof",
            "bootstrap_seed",
        )
    },
}  # fmt: skip
# a profile and an efficiency figure take these instead of the curve or cell keys
PROFILE_KEYS = {
    "table": "the `[tables.NAME]` aggregated over tasks whose runs the profile counts",
    "tau": "the thresholds drawn, `[low, high]` [default: the range of the scores]",
    "points": "thresholds between low and high [default: 101]",
    "band": '`"bootstrap"` (stratified, default) or `"none"`',
}
EFFICIENCY_KEYS = {
    "metric": "the metric drawn over steps, e.g. a `[normalized]` score",
    "tasks": "the param naming the tasks, as in tables",
    "where": TABLE_KEYS["where"],
    "status": TABLE_KEYS["status"],
    "experiment": TABLE_KEYS["experiment"],
    "aggregate": "the aggregate at each step: `iqm` (default), `mean`, `median` or `optimality_gap`",
    "band": '`"bootstrap"` (stratified, default) or `"none"`',
    "scale": TABLE_KEYS["scale"],
    "skip_first": "drop each run's first k points [default: 0]",
    "points": "steps on the common grid [default: 100]",
    "optimality_threshold": TABLE_KEYS["optimality_threshold"],
    "bootstrap_resamples": "resamples of the band at each step [default: 2000]",
    "bootstrap_seed": "the seed of the band's resampling [default: 0]",
}


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the spec: what it draws, how it looks, where it goes."""

    name: str
    kind: str  # curve, bar, points
    outputs: tuple[str, ...]
    style: FigureStyle
    options: FigureOptions
    hue: str | None = None
    facet: str | None = None
    x: str | None = None  # bar/points: the key along the x axis; curves keep theirs in `curve`
    table: str | None = None  # bar/points: the spec table whose cells are drawn
    cells: TableSpec | None = None  # bar/points: the aggregation (that table's, or the figure's own)
    curve: CurveQuery | None = None
    profile: ProfileQuery | None = None
    efficiency: EfficiencyQuery | None = None
    caption: str | None = None
    entry: Mapping[str, Any] = field(default_factory=dict)
    labels: Labels = field(default_factory=Labels)  # the project's labels with the figure's own applied
    order: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)  # the figure's own legend order


def read_figures(
    document: Mapping[str, Any],
    tables: Mapping[str, TableSpec],
    project: Mapping[str, Any],
    defaults: Mapping[str, Any],
    derived: Mapping[str, str],
    template_dirs: tuple[str, ...],
    resolve: Any,
    style: FigureStyle,
    where: str,
    labels: Labels = Labels(),
    venue: Venue | None = None,
    normalized: Mapping[str, Normalization] | None = None,
) -> dict[str, FigureSpec]:
    """Read every `[figures.NAME]` (after the tables: a figure may draw a table's cells)."""
    figures = {}
    for name, entry in mapping_at(document, "figures", where, "the top level").items():
        context = f"[figures.{name}]"
        check_name(name, where, "figure")
        if not isinstance(entry, Mapping):
            raise SpecError(f"{where}: {context} must be a table of settings")
        if name in tables:
            raise SpecError(f"{where}: {context} has the name of a table; give the figure another name")
        figures[name] = _figure(
            name,
            entry,
            tables,
            project,
            defaults,
            derived,
            template_dirs,
            resolve,
            style,
            where,
            labels,
            venue,
            normalized or {},
        )
    return figures


def _figure(
    name: str,
    entry: Mapping[str, Any],
    tables: Mapping[str, TableSpec],
    project: Mapping[str, Any],
    defaults: Mapping[str, Any],
    derived: Mapping[str, str],
    template_dirs: tuple[str, ...],
    resolve: Any,
    base: FigureStyle,
    where: str,
    labels: Labels,
    venue: Venue | None,
    normalized: Mapping[str, Normalization],
) -> FigureSpec:
    context = f"[figures.{name}]"
    kind = entry.get("kind")
    if kind not in FIGURE_KINDS:
        kinds = ", ".join(f'"{k}"' for k in FIGURE_KINDS)
        meant = closest(kind, FIGURE_KINDS) if isinstance(kind, str) else None  # kind = "curves"
        guess = f"; did you mean {meant!r}?" if meant else ""
        raise SpecError(f"{where}: {context} needs kind = one of {kinds}{guess}")
    own = {"curve": CURVE_KEYS, "profile": PROFILE_KEYS, "efficiency": EFFICIENCY_KEYS}.get(kind, CELL_KEYS)
    check_keys(entry, FIGURE_KEYS | own, where, context)
    outputs = tuple(resolve(p) for p in strings(entry.get("outputs", []), where, f"{context} outputs"))
    if not outputs:
        raise SpecError(
            f'{where}: {context} needs outputs = ["figures/{name}.pdf"] (.pdf, .pgf, .svg or .png)'
        )
    for output in outputs:
        check_suffix(output, FIGURE_SUFFIXES, name, where, context)
    # a figure's own order places its legend; colours stay the project's ([style] order and colors)
    own_style = {k: v for k, v in entry.items() if k in STYLE_KEYS and k != "order"}
    style = parse_style(own_style, base, f"{where}: {context}", venue)
    order = (
        parse_style({"order": entry["order"]}, base, f"{where}: {context}").order if "order" in entry else {}
    )
    options = _figure_options(entry, where, context)
    hue, facet, x = (optional_str(entry, key, where, context) for key in ("hue", "facet", "x"))
    if kind in ("bar", "points") and options.xscale != "linear":
        raise SpecError(
            f'{where}: {context} xscale = "{options.xscale}" has no effect on a {kind} figure, whose x axis '
            f"holds one slot per value of {x or 'its x key'}, in order; remove xscale"
        )
    own_labels = read_labels(mapping_at(entry, "labels", where, context), where, f"{context} labels")
    shown_table = tables.get(str(entry.get("table"))) if kind != "curve" else None
    # a figure of a table's cells names them as that table does, then as the figure says
    figure_labels = (shown_table.labels if shown_table else labels).merged(own_labels)
    common = {
        "name": name, "kind": kind, "outputs": outputs, "style": style, "options": options, "hue": hue,
        "facet": facet, "caption": optional_text(entry, "caption", where, context), "entry": dict(entry),
        "labels": figure_labels, "order": order,
    }  # fmt: skip
    if kind == "curve":
        inherited = {k: v for k, v in {**project, **defaults}.items() if k in CURVE_KEYS}
        curve = _curve_query({**inherited, **entry}, x, hue, facet, derived, where, context, normalized)
        return FigureSpec(**common, curve=curve)
    if kind == "profile":
        return FigureSpec(**common, profile=_profile_query(entry, tables, where, context))
    if kind == "efficiency":
        if hue is None:
            raise SpecError(f'{where}: {context} needs hue = "param" (one line per value, e.g. the method)')
        efficiency = _efficiency_query(entry, hue, derived, normalized, where, context)
        return FigureSpec(**common, efficiency=efficiency)
    table_name = optional_str(entry, "table", where, context)
    if table_name is not None:
        if table_name not in tables:
            raise SpecError(
                f"{where}: {context} table = {table_name!r} is not a table of the spec; "
                + did_you_mean(table_name, tables, "tables")
            )
        extra = sorted(k for k in entry if k in CELL_KEYS and k != "table")
        if extra:
            raise SpecError(
                f"{where}: {context} takes its numbers from table {table_name!r}; remove {', '.join(extra)} "
                "(or drop table = ... to aggregate on its own)"
            )
        cells = tables[table_name]
        # keys the entry leaves open: the first free row key colours the bars, the next one is x
        free = [k for k in (*cells.query.rows, *cells.query.columns) if k not in (hue, x, facet)]
        if hue is None and free:
            hue = free.pop(0)
        if x is None and free:
            x = free.pop(0)
    else:
        if hue is None and x is None:
            raise SpecError(
                f'{where}: {context} needs hue = "param" (the colours), x = "param", or table = "name"'
            )
        settings = {k: v for k, v in {**project, **defaults}.items() if k in CELL_KEYS}
        settings.update({k: v for k, v in entry.items() if k in CELL_KEYS})
        settings = without_unread_budget(settings, entry)
        # x = hue = "algo" (a colour per group, one panel per task): the key is one row key
        settings["rows"] = list(dict.fromkeys(k for k in (hue, x, facet) if k and k != METRIC_KEY)) or [
            METRIC_KEY
        ]
        if METRIC_KEY in (hue, x, facet) and settings["rows"] != [METRIC_KEY]:
            settings["columns"] = [METRIC_KEY]
        cells = read_table(
            name, settings, derived, template_dirs, resolve, where, context, figure_labels, normalized
        )
    keys = (*cells.query.rows, *cells.query.columns, *([METRIC_KEY] if len(cells.query.metrics) > 1 else []))
    for key, value in (("hue", hue), ("x", x), ("facet", facet)):
        if value is not None and value not in keys:
            typo = closest(value, keys) if table_name is not None else None
            # either may be the typo: the figure's (`x = "datset"`) or the table's (`columns = ["datset"]`)
            other = f"[tables.{table_name}]"
            hint = ""
            if typo:
                hint = f"; did you mean {key} = {typo!r}, or is {typo!r} in {other} a typo of {value!r}?"
            raise SpecError(
                f"{where}: {context} {key} = {value!r} is not a row or column key of the table "
                f"({', '.join(keys)}){hint}"
            )
    return FigureSpec(**{**common, "hue": hue}, x=x, table=table_name, cells=cells)


def _curve_query(
    entry: Mapping[str, Any], x: str | None, hue: str | None, facet: str | None, derived: Mapping[str, str],
    where: str, context: str, normalized: Mapping[str, Normalization],
) -> CurveQuery:  # fmt: skip
    if "metric" not in entry or not isinstance(entry["metric"], str):
        raise SpecError(f'{where}: {context} needs metric = "name" (the metric drawn over steps)')
    center = str(entry.get("center", "mean"))
    if center not in CENTERS:
        raise SpecError(f"{where}: {context} center = {center!r}; use one of {', '.join(CENTERS)}")
    band = entry.get("band", "std")
    band = None if band in (None, False, "none", "") else str(band)
    if band is not None and band not in BANDS:
        meant = meant_statistic(band) or closest(band, BANDS)  # stderr: sem, ci: ci95
        allowed = f'use one of {", ".join(BANDS)} or "none"'
        said = f"did you mean {meant!r}? ({allowed})" if meant in BANDS else allowed
        raise SpecError(f"{where}: {context} band = {band!r}; {said}")
    if band in MEAN_ONLY and center != "mean":
        raise SpecError(
            f"{where}: {context} band = {band} is {MEAN_ONLY[band]}, not of the {center}; "
            'set center = "mean", or band = "std" or "minmax"'
        )
    align = str(entry.get("align", "interpolate"))
    if align not in ALIGNMENTS:
        raise SpecError(f"{where}: {context} align = {align!r}; use one of {', '.join(ALIGNMENTS)}")
    try:
        smooth = parse_smoothing(entry.get("smooth"))
    except ResultsbookError as error:
        raise SpecError(f"{where}: {context} {error}") from error
    points = optional_int(entry, "points", where, context) or 200
    min_seeds = optional_int(entry, "min_seeds", where, context)
    if points < 2 or (min_seeds is not None and min_seeds < 1):
        raise SpecError(f"{where}: {context} points must be at least 2 and min_seeds at least 1")
    return CurveQuery(
        metric=entry["metric"],
        x=x or "step",
        hue=hue,
        facet=facet,
        filters=read_filters(entry, where, context),
        replicate=strings(entry.get("replicate", ["seed"]), where, f"{context} replicate"),
        run_specific=DEFAULT_RUN_SPECIFIC
        + strings(entry.get("run_specific", []), where, f"{context} run_specific"),
        center=center,
        band=band,
        ddof=default_int(optional_int(entry, "ddof", where, context), 1),
        scale=number_at(entry, "scale", where, context, 1.0, low=-1e12, high=1e12),
        skip_first=number_at(entry, "skip_first", where, context, 0, whole=True, low=0),
        smooth=smooth,
        align=align,
        points=points,
        min_seeds=min_seeds,
        derived=dict(derived),
        normalized={k: v for k, v in normalized.items() if k == entry["metric"]},
    )


def _profile_query(
    entry: Mapping[str, Any], tables: Mapping[str, TableSpec], where: str, context: str
) -> ProfileQuery:
    table = optional_str(entry, "table", where, context)
    if table is None or table not in tables or not tables[table].query.tasks:
        over_tasks = [name for name, spec in tables.items() if spec.query.tasks]
        raise SpecError(
            f'{where}: {context} needs table = "NAME", a table aggregated over tasks '
            f"(tables with tasks = ...: {', '.join(over_tasks) or 'none'})"
        )
    tau = entry.get("tau")
    if tau is not None and not (
        isinstance(tau, list)
        and len(tau) == 2
        and all(isinstance(v, (int, float)) for v in tau)
        and tau[0] < tau[1]
    ):
        raise SpecError(f"{where}: {context} tau must be [low, high] thresholds, e.g. tau = [0, 8]")
    points = optional_int(entry, "points", where, context) or 101
    if points < 2:
        raise SpecError(f"{where}: {context} points must be at least 2")
    return ProfileQuery(
        table,
        None if tau is None else (float(tau[0]), float(tau[1])),
        points,
        _task_band(entry, where, context),
    )


def _task_band(entry: Mapping[str, Any], where: str, context: str) -> bool:
    band = entry.get("band", "bootstrap")
    if band not in ("bootstrap", "none", None, False):
        raise SpecError(f'{where}: {context} band = {band!r}; use "bootstrap" (stratified) or "none"')
    return band == "bootstrap"


def _efficiency_query(
    entry: Mapping[str, Any],
    hue: str,
    derived: Mapping[str, str],
    normalized: Mapping[str, Normalization],
    where: str,
    context: str,
) -> EfficiencyQuery:
    if "metric" not in entry or not isinstance(entry["metric"], str):
        raise SpecError(f'{where}: {context} needs metric = "name" (e.g. a [normalized] score)')
    tasks = strings(entry.get("tasks", []), where, f"{context} tasks")
    if not tasks:
        raise SpecError(f'{where}: {context} needs tasks = "KEY" (the param naming the tasks)')
    aggregate = str(entry.get("aggregate", "iqm"))
    if aggregate not in AGGREGATES or aggregate in PAIRWISE:
        allowed = ", ".join(a for a in AGGREGATES if a not in PAIRWISE)
        raise SpecError(f"{where}: {context} aggregate = {aggregate!r}; use one of {allowed}")
    resamples = optional_int(entry, "bootstrap_resamples", where, context) or 2_000
    points = optional_int(entry, "points", where, context) or 100
    if points < 2 or resamples < 100:
        raise SpecError(f"{where}: {context} points must be at least 2 and bootstrap_resamples at least 100")
    return EfficiencyQuery(
        metric=entry["metric"],
        tasks=tasks,
        hue=hue,
        filters=read_filters(entry, where, context),
        aggregate=aggregate,
        band=_task_band(entry, where, context),
        scale=float(entry.get("scale", 1.0)),
        skip_first=int(entry.get("skip_first", 0)),
        points=points,
        optimality_threshold=number_at(entry, "optimality_threshold", where, context, 1.0),
        bootstrap_resamples=resamples,
        bootstrap_seed=optional_int(entry, "bootstrap_seed", where, context) or 0,
        derived=dict(derived),
        normalized=dict(normalized),
    )


def _figure_options(entry: Mapping[str, Any], where: str, context: str) -> FigureOptions:
    scales: dict[str, str] = {}
    for key in ("xscale", "yscale"):
        scale = str(entry.get(key, "linear"))
        if scale not in ("linear", "log", "symlog"):
            raise SpecError(f'{where}: {context} {key} = {scale!r}; use "linear", "log" or "symlog"')
        scales[key] = scale
    limits: dict[str, tuple[float, float]] = {}
    for key in ("xlim", "ylim"):
        value = entry.get(key)
        if value is not None:
            if (
                not isinstance(value, list)
                or len(value) != 2
                or not all(isinstance(v, (int, float)) for v in value)
            ):
                raise SpecError(f"{where}: {context} {key} must be two numbers, e.g. {key} = [0, 100]")
            limits[key] = (float(value[0]), float(value[1]))
    return FigureOptions(
        title=optional_text(entry, "title", where, context),
        xlabel=optional_text(entry, "xlabel", where, context),
        ylabel=optional_text(entry, "ylabel", where, context),
        facet_columns=optional_int(entry, "facet_columns", where, context) or 3,
        sharey=flag_at(entry, "sharey", where, context, False),
        markevery=number_at(entry, "markevery", where, context, 8, whole=True, low=0, high=1000),
        xscale=scales["xscale"],
        yscale=scales["yscale"],
        xlim=limits.get("xlim"),
        ylim=limits.get("ylim"),
    )
