"""Read resultsbook.toml (or [tool.resultsbook] in pyproject.toml) into frozen specs.

Every error names the file, the key, the bad value and the fix.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from resultsbook.errors import ResultsbookError, SpecError
from resultsbook.outputs.lock import default_lock_path
from resultsbook.query.model import DEFAULT_RUN_SPECIFIC, MetricSpec, TableQuery
from resultsbook.query.reduce import parse_reduction
from resultsbook.query.select import Filter, filters_from_mapping, parse_filter
from resultsbook.query.stats import CENTERS, SPREADS, STATISTICS
from resultsbook.render.figstyle import FigureStyle
from resultsbook.render.latex import LatexOptions
from resultsbook.render.layout import Labels, TableFormat
from resultsbook.sources.collect import CollectRequest
from resultsbook.store import DEFAULT_DB_NAME

if TYPE_CHECKING:
    from resultsbook.config_outputs import FigureSpec, MacroSpec, ReportSpec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SPEC_NAME = "resultsbook.toml"
OUTPUT_SUFFIXES = (".tex", ".md", ".csv", ".json")

_TOP_KEYS = {
    "db", "lock", "replicate", "run_specific", "templates", "sources", "labels", "derived", "defaults",
    "tables",
    # figures, numbers in the text, Markdown sections, the HTML report: see config_outputs.py
    "style", "figures", "macros", "sections", "report",
}  # fmt: skip
_SOURCE_KEYS = {"path", "adapter", "pattern", "columns", "options", "params"}
_METRIC_KEYS = {"name", "reduce", "skip_first", "budget", "direction", "scale", "label"}
_TABLE_KEYS = _METRIC_KEYS - {"name"} | {
    "metric", "metrics", "rows", "columns", "where", "status", "experiment", "replicate", "run_specific",
    "replicates", "center", "spread", "stats", "ddof", "digits", "style", "highlight", "second", "show_n",
    "stat_note", "order", "float", "caption", "label", "placement", "outputs", "template", "bootstrap_seed",
    "test", "alpha", "ties", "seeds", "min_replicates", "command",
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


@dataclass(frozen=True)
class Spec:
    """A whole resultsbook.toml."""

    path: str
    db: str
    sources: tuple[CollectRequest, ...]
    labels: Labels
    tables: Mapping[str, TableSpec]
    template_dirs: tuple[str, ...]
    derived: Mapping[str, str] = field(default_factory=dict)
    lock: str = ""
    # outputs beyond tables, read by config_outputs.load_outputs
    style: FigureStyle = field(default_factory=FigureStyle)
    figures: Mapping[str, FigureSpec] = field(default_factory=dict)
    macros: MacroSpec | None = None
    sections: tuple[str, ...] = ()
    report: ReportSpec | None = None

    @property
    def folder(self) -> str:
        """Return the folder relative paths in the spec are resolved against."""
        return os.path.dirname(os.path.abspath(self.path))


def find_spec(start: str = ".") -> str | None:
    """Return the nearest resultsbook.toml (or pyproject.toml with [tool.resultsbook]) upwards."""
    folder = os.path.abspath(start)
    while True:
        candidate = os.path.join(folder, SPEC_NAME)
        if os.path.isfile(candidate):
            return candidate
        pyproject = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(pyproject) and "resultsbook" in _read_toml(pyproject).get("tool", {}):
            return pyproject
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def load_spec(path: str) -> Spec:
    """Read and validate a spec file."""
    document = _read_toml(path)
    if os.path.basename(path) == "pyproject.toml":
        document = document.get("tool", {}).get("resultsbook", {})
    where = os.path.basename(path)
    _check_keys(document, _TOP_KEYS, where, "the top level")
    folder = os.path.dirname(os.path.abspath(path))
    resolve = lambda p: os.path.normpath(os.path.join(folder, p))  # noqa: E731
    derived = _mapping(document, "derived", where, "the top level")
    templates = document.get("templates", "templates")
    template_dirs = tuple(resolve(t) for t in ([templates] if isinstance(templates, str) else templates))
    labels = _labels(_mapping(document, "labels", where, "the top level"), where)
    defaults = _mapping(document, "defaults", where, "the top level")
    _check_keys(defaults, _TABLE_KEYS, where, "[defaults]")
    project = {k: document[k] for k in ("replicate", "run_specific") if k in document}
    tables = {}
    for name, entry in _mapping(document, "tables", where, "the top level").items():
        context = f"[tables.{name}]"
        if not isinstance(entry, Mapping):
            raise SpecError(f"{where}: {context} must be a table of settings")
        merged = {**project, **defaults, **entry}
        tables[name] = _table(name, merged, derived, template_dirs, resolve, where, context)
    from resultsbook.config_outputs import load_outputs  # it builds on this module's helpers

    outputs = load_outputs(document, tables, project, defaults, derived, template_dirs, resolve, where)
    written = [output for table in tables.values() for output in table.outputs]
    written += [output for figure in outputs["figures"].values() for output in figure.outputs]
    if outputs["macros"] is not None and outputs["macros"].output:
        written.append(outputs["macros"].output)
    return Spec(
        path=os.path.abspath(path),
        db=resolve(str(document.get("db", DEFAULT_DB_NAME))),
        sources=tuple(_source(s, i, resolve, where) for i, s in enumerate(document.get("sources", []))),
        labels=labels,
        tables=tables,
        template_dirs=template_dirs,
        derived=dict(derived),
        lock=resolve(document["lock"]) if "lock" in document else default_lock_path(folder, written),
        **outputs,
    )


def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise SpecError(f"cannot read {path} ({error.strerror}); check the --config path") from error
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path} is not valid TOML ({error}); fix the syntax at that line") from error


def _source(entry: Any, index: int, resolve: Any, where: str) -> CollectRequest:
    context = f"[[sources]] #{index + 1}"
    if not isinstance(entry, Mapping) or "path" not in entry:
        raise SpecError(f'{where}: {context} needs a path, e.g. path = "runs"')
    _check_keys(entry, _SOURCE_KEYS, where, context)
    options = dict(_mapping(entry, "options", where, context))
    if "columns" in entry:
        options["columns"] = list(_strings(entry["columns"], where, f"{context} columns"))
    return CollectRequest(
        path=resolve(str(entry["path"])),
        adapter=entry.get("adapter"),
        pattern=entry.get("pattern"),
        options=options,
        params=dict(_mapping(entry, "params", where, context)),
    )


def _labels(entry: Mapping[str, Any], where: str) -> Labels:
    _check_keys(entry, {"keys", "values"}, where, "[labels]")
    keys = {str(k): str(v) for k, v in _mapping(entry, "keys", where, "[labels]").items()}
    values = {}
    for key, mapping in _mapping(entry, "values", where, "[labels]").items():
        if not isinstance(mapping, Mapping):
            raise SpecError(f"{where}: [labels.values.{key}] must map values to display names")
        values[str(key)] = {str(k): str(v) for k, v in mapping.items()}
    return Labels(keys=keys, values=values)


def _table(
    name: str,
    entry: Mapping[str, Any],
    derived: Mapping[str, str],
    template_dirs: tuple[str, ...],
    resolve: Any,
    where: str,
    context: str,
) -> TableSpec:
    _check_keys(entry, _TABLE_KEYS, where, context)
    metrics = _metrics(entry, where, context)
    try:
        fmt = TableFormat(
            center=str(entry.get("center", "mean")),
            spread=_spread(entry.get("spread", "std")),
            digits=_optional_int(entry, "digits", where, context),
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
    stats = table_stats(fmt.center, fmt.spread, _strings(entry.get("stats", []), where, f"{context} stats"))
    query = TableQuery(
        metrics=metrics,
        rows=_strings(entry.get("rows", []), where, f"{context} rows"),
        columns=_strings(entry.get("columns", []), where, f"{context} columns"),
        filters=_filters(entry, where, context),
        replicate=_strings(entry.get("replicate", ["seed"]), where, f"{context} replicate"),
        run_specific=DEFAULT_RUN_SPECIFIC
        + _strings(entry.get("run_specific", []), where, f"{context} run_specific"),
        stats=stats,
        ddof=_default(_optional_int(entry, "ddof", where, context), 1),
        expected=_optional_int(entry, "replicates", where, context),
        derived=dict(derived),
        order={str(k): tuple(v) for k, v in _mapping(entry, "order", where, context).items()},
        bootstrap_seed=_optional_int(entry, "bootstrap_seed", where, context) or 0,
        replicate_values=tuple(_list(entry.get("seeds", []), where, f"{context} seeds")),
        min_replicates=_default(_optional_int(entry, "min_replicates", where, context), 3),
    )
    if not query.rows:
        raise SpecError(f'{where}: {context} needs rows = ["param", ...] (the keys that make the table rows)')
    outputs = tuple(resolve(p) for p in _strings(entry.get("outputs", []), where, f"{context} outputs"))
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


def _metrics(entry: Mapping[str, Any], where: str, context: str) -> tuple[MetricSpec, ...]:
    # a table's own `label` is its LaTeX \label; a metric's display name comes from its metrics entry
    shared = {k: entry[k] for k in _METRIC_KEYS - {"name", "label"} if k in entry}
    if "metric" in entry and "metrics" in entry:
        raise SpecError(f"{where}: {context} has both metric and metrics; keep one")
    raw = entry.get("metrics", [entry["metric"]] if "metric" in entry else [])
    if not raw:
        raise SpecError(f'{where}: {context} needs metric = "name" (a key your runs log)')
    metrics = []
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, Mapping):
            _check_keys(item, _METRIC_KEYS, where, f"{context} metrics entry")
            settings = {**shared, **item}
        else:
            settings = {**shared, "name": item}
        metrics.append(_metric(settings, where, context))
    return tuple(metrics)


def _metric(settings: Mapping[str, Any], where: str, context: str) -> MetricSpec:
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


def _filters(entry: Mapping[str, Any], where: str, context: str) -> tuple[Filter, ...]:
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


def _default(value: int | None, default: int) -> int:
    return default if value is None else value


def _spread(value: Any) -> str | None:
    if value in (None, False, "none", ""):
        return None
    if value not in SPREADS:
        raise SpecError(f'spread {value!r} is not one of {", ".join(SPREADS)} or "none"')
    return str(value)


def _check_keys(entry: Mapping[str, Any], known: set[str], where: str, context: str) -> None:
    for key in entry:
        if key not in known:
            close = difflib.get_close_matches(str(key), sorted(known), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(known))}"
            raise SpecError(f"{where}: {context} has an unknown key {key!r}; {hint}")


def _mapping(entry: Mapping[str, Any], key: str, where: str, context: str) -> Mapping[str, Any]:
    value = entry.get(key, {})
    if not isinstance(value, Mapping):
        raise SpecError(f"{where}: {context} {key} must be a table, e.g. [{key}]")
    return value


def _strings(value: Any, where: str, context: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SpecError(f'{where}: {context} must be a list of names, e.g. ["model", "dataset"]')
    return tuple(value)


def _list(value: Any, where: str, context: str) -> list[Any]:
    if not isinstance(value, list):
        raise SpecError(f"{where}: {context} must be a list, e.g. [0, 1, 2, 3, 4]")
    return value


def _optional_int(entry: Mapping[str, Any], key: str, where: str, context: str) -> int | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{where}: {context} {key} = {value!r} must be a whole number")
    return value


__all__ = ["CENTERS", "SPEC_NAME", "Spec", "TableSpec", "find_spec", "load_spec", "table_stats"]
