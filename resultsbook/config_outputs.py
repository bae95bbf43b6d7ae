"""The spec's outputs beyond tables: `[style]`, `[figures.NAME]`, `[macros]`, `sections` and `[report]`.

Read by `config.load_spec` after the tables (a figure may draw a table's cells); every error names
the file, the key and the fix, like the rest of the spec.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from resultsbook.config import (
    TableSpec,
    _check_keys,
    _filters,
    _mapping,
    _metric,
    _optional_int,
    _strings,
    _table,
)
from resultsbook.errors import ResultsbookError, SpecError
from resultsbook.query.curves import ALIGNMENTS, BANDS, CurveQuery, parse_smoothing
from resultsbook.query.model import METRIC_KEY, MetricSpec
from resultsbook.query.select import Filter
from resultsbook.query.stats import CENTERS, STATISTICS
from resultsbook.render.figstyle import FigureStyle, parse_style
from resultsbook.render.plots import FIGURE_KINDS, FIGURE_SUFFIXES, FigureOptions

STYLE_KEYS = {
    "width", "height", "aspect", "font", "font_size", "dpi", "palette", "markers", "colors", "order",
    "legend", "line_width", "band_alpha",
}  # fmt: skip
_FIGURE_KEYS = STYLE_KEYS | {
    "kind", "outputs", "hue", "facet", "x", "caption", "title", "xlabel", "ylabel", "xscale", "yscale",
    "xlim", "ylim", "facet_columns", "sharey", "markevery",
}  # fmt: skip
_CURVE_KEYS = {
    "metric", "where", "status", "experiment", "replicate", "center", "band", "ddof", "scale", "skip_first",
    "smooth", "align", "points", "min_seeds",
}  # fmt: skip
_CELL_KEYS = {
    "table", "metric", "metrics", "reduce", "skip_first", "budget", "direction", "scale", "where", "status",
    "experiment", "replicate", "run_specific", "replicates", "center", "spread", "ddof", "bootstrap_seed",
}  # fmt: skip
_MACRO_KEYS = {"output", "prefix", "values"}
_VALUE_KEYS = {
    "cell", "difference", "ratio", "stat", "digits", "metric", "reduce", "skip_first", "scale", "where",
    "status", "experiment", "replicate", "ddof", "count",
}  # fmt: skip
_REPORT_KEYS = {"output", "title"}
_DIGIT_WORDS = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")
MACRO_NAME = re.compile(r"^[A-Za-z]+$")


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
    caption: str | None = None
    entry: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ValueSpec:
    """One named number for the text: a cell, a difference or ratio of cells, a statistic, a count."""

    name: str
    macro: str  # the LaTeX command, letters only
    kind: str  # cell, difference, ratio, stat, count
    cells: tuple[str, ...] = ()
    stat: str = "value"  # value: the centre as the table prints it; or any statistic the table has
    metric: MetricSpec | None = None
    filters: tuple[Filter, ...] = ()
    replicate: tuple[str, ...] = ("seed",)
    ddof: int = 1
    count: str | None = None  # runs or seeds
    digits: int | None = None


@dataclass(frozen=True)
class MacroSpec:
    """The numbers file: where it goes and the named values it defines (every table cell is in it too)."""

    output: str | None
    values: Mapping[str, ValueSpec]
    prefix: str = ""


@dataclass(frozen=True)
class ReportSpec:
    """The HTML results page."""

    output: str | None = None
    title: str | None = None


def load_outputs(
    document: Mapping[str, Any],
    tables: Mapping[str, TableSpec],
    project: Mapping[Any, Any],
    defaults: Mapping[str, Any],
    derived: Mapping[str, str],
    template_dirs: tuple[str, ...],
    resolve: Any,
    where: str,
) -> dict[str, Any]:
    """Return the Spec fields for figures, macros, sections and report from a parsed spec document."""
    style_entry = _mapping(document, "style", where, "the top level")
    _check_keys(style_entry, STYLE_KEYS, where, "[style]")
    style = parse_style(style_entry, FigureStyle(), f"{where}: [style]")
    figures = {}
    for name, entry in _mapping(document, "figures", where, "the top level").items():
        context = f"[figures.{name}]"
        if not isinstance(entry, Mapping):
            raise SpecError(f"{where}: {context} must be a table of settings")
        if name in tables:
            raise SpecError(f"{where}: {context} has the name of a table; give the figure another name")
        figures[name] = _figure(
            name, entry, tables, project, defaults, derived, template_dirs, resolve, style, where
        )
    macros = (
        _macros(document.get("macros"), tables, project, resolve, where) if "macros" in document else None
    )
    sections = tuple(resolve(p) for p in _strings(document.get("sections", []), where, "sections"))
    report = _report(document.get("report"), resolve, where) if "report" in document else None
    return {"style": style, "figures": figures, "macros": macros, "sections": sections, "report": report}


# ------------------------------------------------------------------------------------------ figures
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
) -> FigureSpec:
    context = f"[figures.{name}]"
    kind = entry.get("kind")
    if kind not in FIGURE_KINDS:
        raise SpecError(f'{where}: {context} needs kind = "curve", "bar" or "points"')
    own = _CURVE_KEYS if kind == "curve" else _CELL_KEYS
    _check_keys(entry, _FIGURE_KEYS | own, where, context)
    outputs = tuple(resolve(p) for p in _strings(entry.get("outputs", []), where, f"{context} outputs"))
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
    hue, facet, x = (_optional_str(entry, key, where, context) for key in ("hue", "facet", "x"))
    common = {
        "name": name, "kind": kind, "outputs": outputs, "style": style, "options": options, "hue": hue,
        "facet": facet, "caption": entry.get("caption"), "entry": dict(entry),
    }  # fmt: skip
    if kind == "curve":
        inherited = {k: v for k, v in {**project, **defaults}.items() if k in _CURVE_KEYS}
        curve = _curve_query({**inherited, **entry}, x, hue, facet, derived, where, context)
        return FigureSpec(**common, curve=curve)
    table_name = _optional_str(entry, "table", where, context)
    if table_name is not None:
        if table_name not in tables:
            raise SpecError(
                f"{where}: {context} table = {table_name!r} is not a table of the spec; "
                f"tables: {', '.join(tables)}"
            )
        extra = sorted(k for k in entry if k in _CELL_KEYS - {"table"})
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
        settings = {k: v for k, v in {**project, **defaults}.items() if k in _CELL_KEYS}
        settings.update({k: v for k, v in entry.items() if k in _CELL_KEYS})
        settings["rows"] = [k for k in (hue, x, facet) if k and k != METRIC_KEY] or [METRIC_KEY]
        if METRIC_KEY in (hue, x, facet) and settings["rows"] != [METRIC_KEY]:
            settings["columns"] = [METRIC_KEY]
        cells = _table(name, settings, derived, template_dirs, resolve, where, context)
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
    points = _optional_int(entry, "points", where, context) or 200
    min_seeds = _optional_int(entry, "min_seeds", where, context)
    if points < 2 or (min_seeds is not None and min_seeds < 1):
        raise SpecError(f"{where}: {context} points must be at least 2 and min_seeds at least 1")
    return CurveQuery(
        metric=entry["metric"],
        x=x or "step",
        hue=hue,
        facet=facet,
        filters=_filters(entry, where, context),
        replicate=_strings(entry.get("replicate", ["seed"]), where, f"{context} replicate"),
        center=center,
        band=band,
        ddof=_default_int(_optional_int(entry, "ddof", where, context), 1),
        scale=float(entry.get("scale", 1.0)),
        skip_first=int(entry.get("skip_first", 0)),
        smooth=smooth,
        align=align,
        points=points,
        min_seeds=min_seeds,
        derived=dict(derived),
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
        title=_optional_str(entry, "title", where, context),
        xlabel=_optional_str(entry, "xlabel", where, context),
        ylabel=_optional_str(entry, "ylabel", where, context),
        facet_columns=_optional_int(entry, "facet_columns", where, context) or 3,
        sharey=bool(entry.get("sharey", False)),
        markevery=int(entry.get("markevery", 8)),
        xscale=scales["xscale"],
        yscale=scales["yscale"],
        xlim=limits.get("xlim"),
        ylim=limits.get("ylim"),
    )


def _default_int(value: int | None, default: int) -> int:
    return default if value is None else value


def _optional_str(entry: Mapping[str, Any], key: str, where: str, context: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SpecError(f'{where}: {context} {key} = {value!r} must be a string, e.g. {key} = "model"')
    return value


# ------------------------------------------------------------------------------------------- macros
def _macros(
    entry: Any, tables: Mapping[str, TableSpec], project: Mapping[str, Any], resolve: Any, where: str
) -> MacroSpec:
    if not isinstance(entry, Mapping):
        raise SpecError(f'{where}: [macros] must be a table, e.g. [macros] output = "results/numbers.tex"')
    _check_keys(entry, _MACRO_KEYS, where, "[macros]")
    prefix = str(entry.get("prefix", ""))
    if prefix and not MACRO_NAME.match(prefix):
        raise SpecError(f"{where}: [macros] prefix = {prefix!r} must be letters only (LaTeX command names)")
    output = entry.get("output")
    if output is not None and not str(output).endswith(".tex"):
        raise SpecError(
            f'{where}: [macros] output = {output!r} must be a .tex file, e.g. "results/numbers.tex"'
        )
    values: dict[str, ValueSpec] = {}
    taken: dict[str, str] = {}
    for name, item in _mapping(entry, "values", where, "[macros]").items():
        context = f"[macros.values.{name}]"
        value = _value(str(name), item, prefix, project, where, context)
        if value.macro in taken:
            raise SpecError(
                f"{where}: {context} and [macros.values.{taken[value.macro]}] both become "
                f"\\{value.macro}; rename one"
            )
        taken[value.macro] = str(name)
        values[str(name)] = value
    return MacroSpec(
        output=resolve(str(output)) if output is not None else None, values=values, prefix=prefix
    )


def macro_name(name: str, prefix: str = "") -> str:
    """Return the LaTeX command for a value name: letters only, camel case, digits spelled out.

    >>> macro_name("gain_circles"), macro_name("acc top1", "rb")
    ('gainCircles', 'rbAccTopOne')
    """
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]
    parts: list[str] = []
    for word in words:
        for piece in re.findall(r"[A-Za-z]+|[0-9]", word):
            text = _DIGIT_WORDS[int(piece)] if piece.isdigit() else piece
            parts.append(text if not parts and not prefix else text[0].upper() + text[1:])
    command = prefix + "".join(parts)
    if not MACRO_NAME.match(command):
        raise SpecError(f"value name {name!r} gives no LaTeX command; use letters, e.g. gainCircles")
    return command


def _value(
    name: str, item: Any, prefix: str, project: Mapping[str, Any], where: str, context: str
) -> ValueSpec:
    if not isinstance(item, Mapping):
        raise SpecError(f'{where}: {context} must be a table, e.g. {{ cell = "table1/mlp/moons" }}')
    _check_keys(item, _VALUE_KEYS, where, context)
    try:
        macro = macro_name(name, prefix)
    except SpecError as error:
        raise SpecError(f"{where}: {context} {error}") from error
    digits = _optional_int(item, "digits", where, context)
    stat = str(item.get("stat", "value"))
    kinds = [k for k in ("cell", "difference", "ratio", "count", "metric") if k in item]
    if len(kinds) != 1:
        raise SpecError(
            f"{where}: {context} needs exactly one of cell, difference, ratio, metric (a statistic over "
            'runs) or count, e.g. difference = ["table1/mlp/moons", "table1/logreg/moons"]'
        )
    kind = kinds[0]
    if kind == "cell":
        return ValueSpec(name, macro, "cell", (str(item["cell"]),), stat, digits=digits)
    if kind in ("difference", "ratio"):
        pair = item[kind]
        if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(p, str) for p in pair):
            raise SpecError(
                f'{where}: {context} {kind} needs two cell keys, ["table1/mlp/moons", "table1/logreg/moons"]'
            )
        return ValueSpec(name, macro, kind, tuple(pair), stat, digits=digits)
    replicate = _strings(
        item.get("replicate", project.get("replicate", ["seed"])), where, f"{context} replicate"
    )
    filters = _filters(item, where, context)
    if kind == "count":
        what = item["count"]
        if what not in ("runs", "seeds"):
            raise SpecError(f'{where}: {context} count = {what!r}; use "runs" or "seeds"')
        return ValueSpec(name, macro, "count", filters=filters, replicate=replicate, count=what)
    if stat == "value":
        stat = "mean"
    if stat not in STATISTICS:
        raise SpecError(f"{where}: {context} stat = {stat!r}; use one of {', '.join(STATISTICS)}")
    metric = _metric(
        {k: item[k] for k in ("reduce", "skip_first", "scale") if k in item} | {"name": item["metric"]},
        where,
        context,
    )
    ddof = _optional_int(item, "ddof", where, context)
    return ValueSpec(
        name, macro, "stat", stat=stat, metric=metric, filters=filters, replicate=replicate,
        ddof=1 if ddof is None else ddof, digits=digits,
    )  # fmt: skip


def _report(entry: Any, resolve: Any, where: str) -> ReportSpec:
    if not isinstance(entry, Mapping):
        raise SpecError(f'{where}: [report] must be a table, e.g. [report] output = "results/report.html"')
    _check_keys(entry, _REPORT_KEYS, where, "[report]")
    output = entry.get("output")
    return ReportSpec(output=resolve(str(output)) if output else None, title=entry.get("title"))
