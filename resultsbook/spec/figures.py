"""`[style]` and `[figures.NAME]`: curves over steps, and bars or points drawn from a table's cells."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from resultsbook.errors import ResultsbookError, SpecError
from resultsbook.query.curves import ALIGNMENTS, BANDS, CurveQuery, parse_smoothing
from resultsbook.query.model import METRIC_KEY
from resultsbook.query.normalize import Normalization
from resultsbook.query.profiles import EfficiencyQuery, ProfileQuery
from resultsbook.query.stats import CENTERS
from resultsbook.query.tasks import AGGREGATES, PAIRWISE
from resultsbook.render.figstyle import FigureStyle, parse_style
from resultsbook.render.plots import FIGURE_KINDS, FIGURE_SUFFIXES, FigureOptions
from resultsbook.spec.keys import (
    check_keys,
    default_int,
    mapping_at,
    optional_int,
    optional_str,
    strings,
)
from resultsbook.spec.tables import TableSpec, read_filters, read_table

STYLE_KEYS = {
    "width", "height", "aspect", "font", "font_size", "dpi", "palette", "markers", "colors", "order",
    "legend", "line_width", "band_alpha",
}  # fmt: skip
FIGURE_KEYS = STYLE_KEYS | {
    "kind", "outputs", "hue", "facet", "x", "caption", "title", "xlabel", "ylabel", "xscale", "yscale",
    "xlim", "ylim", "facet_columns", "sharey", "markevery",
}  # fmt: skip
CURVE_KEYS = {
    "metric", "where", "status", "experiment", "replicate", "center", "band", "ddof", "scale", "skip_first",
    "smooth", "align", "points", "min_seeds",
}  # fmt: skip
CELL_KEYS = {
    "table", "metric", "metrics", "reduce", "skip_first", "budget", "goal", "direction", "scale", "where",
    "status", "experiment", "replicate", "run_specific", "replicates", "center", "spread", "ddof",
    "bootstrap_seed",
}  # fmt: skip
PROFILE_KEYS = {"table", "tau", "points", "band"}
EFFICIENCY_KEYS = {
    "metric", "tasks", "where", "status", "experiment", "aggregate", "band", "scale", "skip_first", "points",
    "optimality_threshold", "bootstrap_resamples", "bootstrap_seed",
}  # fmt: skip


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


def read_style(document: Mapping[str, Any], where: str) -> FigureStyle:
    """Read `[style]`, the look every figure starts from."""
    entry = mapping_at(document, "style", where, "the top level")
    check_keys(entry, STYLE_KEYS, where, "[style]")
    return parse_style(entry, FigureStyle(), f"{where}: [style]")


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
    normalized: Mapping[str, Normalization] | None = None,
) -> dict[str, FigureSpec]:
    """Read every `[figures.NAME]` (after the tables: a figure may draw a table's cells)."""
    figures = {}
    for name, entry in mapping_at(document, "figures", where, "the top level").items():
        context = f"[figures.{name}]"
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
    normalized: Mapping[str, Normalization],
) -> FigureSpec:
    context = f"[figures.{name}]"
    kind = entry.get("kind")
    if kind not in FIGURE_KINDS:
        kinds = ", ".join(f'"{k}"' for k in FIGURE_KINDS)
        raise SpecError(f"{where}: {context} needs kind = one of {kinds}")
    own = {"curve": CURVE_KEYS, "profile": PROFILE_KEYS, "efficiency": EFFICIENCY_KEYS}.get(kind, CELL_KEYS)
    check_keys(entry, FIGURE_KEYS | own, where, context)
    outputs = tuple(resolve(p) for p in strings(entry.get("outputs", []), where, f"{context} outputs"))
    if not outputs:
        raise SpecError(
            f'{where}: {context} needs outputs = ["figures/{name}.pdf"] (.pdf, .pgf, .svg or .png)'
        )
    for output in outputs:
        if not output.endswith(FIGURE_SUFFIXES):
            raise SpecError(
                f"{where}: {context} output {output!r} has an unknown suffix; "
                f"use {', '.join(FIGURE_SUFFIXES)}"
            )
    style = parse_style({k: v for k, v in entry.items() if k in STYLE_KEYS}, base, f"{where}: {context}")
    options = _figure_options(entry, where, context)
    hue, facet, x = (optional_str(entry, key, where, context) for key in ("hue", "facet", "x"))
    common = {
        "name": name, "kind": kind, "outputs": outputs, "style": style, "options": options, "hue": hue,
        "facet": facet, "caption": entry.get("caption"), "entry": dict(entry),
    }  # fmt: skip
    if kind == "curve":
        inherited = {k: v for k, v in {**project, **defaults}.items() if k in CURVE_KEYS}
        curve = _curve_query({**inherited, **entry}, x, hue, facet, derived, where, context)
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
                f"tables: {', '.join(tables)}"
            )
        extra = sorted(k for k in entry if k in CELL_KEYS - {"table"})
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
        settings["rows"] = [k for k in (hue, x, facet) if k and k != METRIC_KEY] or [METRIC_KEY]
        if METRIC_KEY in (hue, x, facet) and settings["rows"] != [METRIC_KEY]:
            settings["columns"] = [METRIC_KEY]
        cells = read_table(name, settings, derived, template_dirs, resolve, where, context, normalized)
    keys = (*cells.query.rows, *cells.query.columns, *([METRIC_KEY] if len(cells.query.metrics) > 1 else []))
    for key, value in (("hue", hue), ("x", x), ("facet", facet)):
        if value is not None and value not in keys:
            raise SpecError(
                f"{where}: {context} {key} = {value!r} is not a row or column key of the table "
                f"({', '.join(keys)})"
            )
    return FigureSpec(**{**common, "hue": hue}, x=x, table=table_name, cells=cells)


def _curve_query(
    entry: Mapping[str, Any], x: str | None, hue: str | None, facet: str | None, derived: Mapping[str, str],
    where: str, context: str,
) -> CurveQuery:  # fmt: skip
    if "metric" not in entry or not isinstance(entry["metric"], str):
        raise SpecError(f'{where}: {context} needs metric = "name" (the metric drawn over steps)')
    center = str(entry.get("center", "mean"))
    if center not in CENTERS:
        raise SpecError(f"{where}: {context} center = {center!r}; use one of {', '.join(CENTERS)}")
    band = entry.get("band", "std")
    band = None if band in (None, False, "none", "") else str(band)
    if band is not None and band not in BANDS:
        raise SpecError(f'{where}: {context} band = {band!r}; use one of {", ".join(BANDS)} or "none"')
    if band == "ci95" and center != "mean":
        raise SpecError(f'{where}: {context} band = ci95 is an interval of the mean; set center = "mean"')
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
        center=center,
        band=band,
        ddof=default_int(optional_int(entry, "ddof", where, context), 1),
        scale=float(entry.get("scale", 1.0)),
        skip_first=int(entry.get("skip_first", 0)),
        smooth=smooth,
        align=align,
        points=points,
        min_seeds=min_seeds,
        derived=dict(derived),
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
        optimality_threshold=float(entry.get("optimality_threshold", 1.0)),
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
        title=optional_str(entry, "title", where, context),
        xlabel=optional_str(entry, "xlabel", where, context),
        ylabel=optional_str(entry, "ylabel", where, context),
        facet_columns=optional_int(entry, "facet_columns", where, context) or 3,
        sharey=bool(entry.get("sharey", False)),
        markevery=int(entry.get("markevery", 8)),
        xscale=scales["xscale"],
        yscale=scales["yscale"],
        xlim=limits.get("xlim"),
        ylim=limits.get("ylim"),
    )
