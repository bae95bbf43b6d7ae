"""`[macros]`: the numbers quoted in the text — cells, differences, ratios, statistics, counts — and
their LaTeX command names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from resultsbook.errors import SpecError, closest
from resultsbook.query.model import MetricSpec
from resultsbook.query.select import Filter
from resultsbook.query.stats import STATISTICS
from resultsbook.spec.keys import (
    check_keys,
    check_name,
    mapping_at,
    misplaced_top_key,
    optional_int,
    strings,
)
from resultsbook.spec.tables import TableSpec, read_filters, read_metric

# every key the spec accepts, with the one line the reference page prints for it (docs/reference/spec.md)
MACRO_KEYS = {
    "output": 'the `.tex` file of commands, to `\\input` in the preamble, e.g. `"paper/results/numbers.tex"`',
    "prefix": "letters put before every command name [default: none]",
    "values": "`[macros.values]`: the named numbers, `name = { ... }` each",
    "paper": 'the paper\'s `.tex` files that quote the numbers (globs or folders, e.g. `["paper/"]`): '
    "`check` fails on a `\\rbvalue` key or statistic the numbers file lacks, and lists the quoted cells "
    "that changed [default: none]",
}
VALUE_KEYS = {
    "cell": 'a table cell, `"TABLE/ROW.../COLUMN..."` with values as in the spec, e.g. `"table1/mlp/moons"`',
    "difference": "the first cell minus the second, `[cell, cell]`",
    "ratio": "the first cell divided by the second, `[cell, cell]`",
    "metric": "a statistic over the selected runs of this metric (with `reduce`, `where`, `stat`…)",
    "count": '`"runs"` or `"seeds"` (distinct replicate values) among the selected runs',
    "stat": "`value` (default: the centre as the table prints it) or a statistic the table computed, e.g. "
    "`std`, `n`; for `metric`, any statistic [default: `mean`]",
    "digits": "decimals printed [default: the cell's; a difference, the larger of its cells'; "
    "else one significant digit of the spread]",
    "reduce": "`metric` only: how each run's series becomes one number [default: `last`]",
    "skip_first": "`metric` only: drop each run's first k points [default: 0]",
    "scale": "`metric` only: multiply every value [default: 1]",
    "where": "`metric`, `count`: run filters, as in tables",
    "status": "`metric`, `count`: keep only runs with these statuses",
    "experiment": "`metric`, `count`: keep only runs of these experiments",
    "replicate": '`metric`, `count`: the keys that tell replicates apart [default: `["seed"]`]',
    "run_specific": "`metric` only: params its runs may differ in without a warning, as a mean over "
    'datasets on purpose does, e.g. `["dataset"]` (added to the built-in `timestamp`, `output_dir`…)',
    "ddof": "`metric` only: delta degrees of freedom of `std` and `sem` [default: [defaults]' ddof, or 1]",
}
_DIGIT_WORDS = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")
MACRO_NAME = re.compile(r"^[A-Za-z]+$")


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
    run_specific: tuple[str, ...] = ()  # a statistic: params its runs may differ in unsaid


@dataclass(frozen=True)
class MacroSpec:
    """The numbers file: where it goes and the named values it defines (every table cell is in it too)."""

    output: str | None
    values: Mapping[str, ValueSpec]
    prefix: str = ""
    paper: tuple[str, ...] = ()  # glob patterns (absolute) of the .tex files quoting the numbers


def read_macros(
    entry: Any, tables: Mapping[str, TableSpec], project: Mapping[str, Any], resolve: Any, where: str
) -> MacroSpec:
    """Read `[macros]`: where the numbers file goes and the named values it defines."""
    if not isinstance(entry, Mapping):
        raise SpecError(f'{where}: [macros] must be a table, e.g. [macros] output = "results/numbers.tex"')
    check_keys(entry, MACRO_KEYS, where, "[macros]")
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
    for name, item in mapping_at(entry, "values", where, "[macros]").items():
        context = f"[macros.values.{name}]"
        misplaced = misplaced_top_key(str(name), "[macros.values]")
        if misplaced and not isinstance(item, Mapping):
            raise SpecError(f"{where}: [macros.values] {name} = {item!r} is no number's table; {misplaced}")
        check_name(str(name), where, "number")
        value = _value(str(name), item, prefix, project, where, context)
        if value.macro in taken:
            raise SpecError(
                f"{where}: {context} and [macros.values.{taken[value.macro]}] both become "
                f"\\{value.macro}; rename one"
            )
        taken[value.macro] = str(name)
        values[str(name)] = value
    paper = entry.get("paper", [])
    if isinstance(paper, str):
        paper = [paper]
    if not isinstance(paper, list) or not all(isinstance(pattern, str) for pattern in paper):
        raise SpecError(f'{where}: [macros] paper must list the .tex files, e.g. ["paper/**/*.tex"]')
    return MacroSpec(
        output=resolve(str(output)) if output is not None else None,
        values=values,
        prefix=prefix,
        paper=tuple(resolve(pattern) for pattern in paper),
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
    if command.startswith("end"):  # \newcommand refuses them: `Command \endAcc already defined`
        raise SpecError(
            f"value name {name!r} gives \\{command}, which LaTeX refuses (\\newcommand takes no name "
            "beginning with end); rename it"
        )
    return command


def _value(
    name: str, item: Any, prefix: str, project: Mapping[str, Any], where: str, context: str
) -> ValueSpec:
    if not isinstance(item, Mapping):
        raise SpecError(f'{where}: {context} must be a table, e.g. {{ cell = "table1/mlp/moons" }}')
    check_keys(item, VALUE_KEYS, where, context)
    try:
        macro = macro_name(name, prefix)
    except SpecError as error:
        raise SpecError(f"{where}: {context} {error}") from error
    digits = optional_int(item, "digits", where, context)
    stat = str(item.get("stat", "value"))
    kinds = [k for k in ("cell", "difference", "ratio", "count", "metric") if k in item]
    if len(kinds) != 1:
        raise SpecError(
            f"{where}: {context} needs exactly one of cell, difference, ratio, metric (a statistic over "
            'runs) or count, e.g. difference = ["table1/mlp/moons", "table1/logreg/moons"]'
        )
    kind = kinds[0]
    _refuse_keys_of_other_kinds(item, kind, where, context)
    if kind == "cell":
        return ValueSpec(name, macro, "cell", (str(item["cell"]),), stat, digits=digits)
    if kind in ("difference", "ratio"):
        pair = item[kind]
        if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(p, str) for p in pair):
            raise SpecError(
                f'{where}: {context} {kind} needs two cell keys, ["table1/mlp/moons", "table1/logreg/moons"]'
            )
        return ValueSpec(name, macro, kind, tuple(pair), stat, digits=digits)
    replicate = strings(
        item.get("replicate", project.get("replicate", ["seed"])), where, f"{context} replicate"
    )
    filters = read_filters(item, where, context)
    if kind == "count":
        what = item["count"]
        if what not in ("runs", "seeds"):
            meant = closest(what, ("runs", "seeds")) if isinstance(what, str) else None  # "seed", "run"
            fix = f'did you mean count = "{meant}"?' if meant else 'use "runs" or "seeds"'
            raise SpecError(f"{where}: {context} count = {what!r}; {fix}")
        return ValueSpec(name, macro, "count", filters=filters, replicate=replicate, count=what)
    if stat == "value":
        stat = "mean"
    if stat not in STATISTICS:
        raise SpecError(f"{where}: {context} stat = {stat!r}; use one of {', '.join(STATISTICS)}")
    metric = read_metric(
        {k: item[k] for k in ("reduce", "skip_first", "scale") if k in item} | {"name": item["metric"]},
        where,
        context,
    )
    ddof = optional_int(item, "ddof", where, context)
    if ddof is None:  # a std quoted in the text is the tables' std: [defaults] ddof = 0 is both's
        ddof = optional_int(project, "ddof", where, "[defaults]")
    run_specific = strings(item.get("run_specific", []), where, f"{context} run_specific")
    return ValueSpec(
        name, macro, "stat", stat=stat, metric=metric, filters=filters, replicate=replicate,
        ddof=1 if ddof is None else ddof, digits=digits, run_specific=run_specific,
    )  # fmt: skip


# the keys each kind of value reads besides its own (a key another kind reads would be ignored unsaid)
_CELL_KEYS = frozenset({"stat", "digits"})
_COUNT_KEYS = frozenset({"where", "status", "experiment", "replicate"})
_KIND_KEYS = {"cell": _CELL_KEYS, "difference": _CELL_KEYS, "ratio": _CELL_KEYS, "count": _COUNT_KEYS}


def _refuse_keys_of_other_kinds(item: Mapping[str, Any], kind: str, where: str, context: str) -> None:
    """Refuse a key this kind of value does not read (`run_specific` on a cell, `reduce` on a count)."""
    if kind not in _KIND_KEYS:
        return
    for key in item:
        if key == kind or key in _KIND_KEYS[kind]:
            continue
        if kind == "count":
            why = (
                "a count averages nothing" if key in ("run_specific", "ddof") else "a count reduces no metric"
            )
            if key in ("stat", "digits"):
                why = "a count is a whole number of runs or seeds, not a statistic"
            raise SpecError(
                f"{where}: {context} {key} is read only for a statistic over runs (metric = ...): {why}; "
                "remove it"
            )
        raise SpecError(
            f"{where}: {context} {key} is read only for a statistic over runs (metric = ...), not for "
            f"a {kind} of table cells, which takes its runs and statistics from the table; remove it, or "
            "set it in the table"
        )
