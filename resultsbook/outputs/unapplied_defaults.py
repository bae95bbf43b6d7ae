"""What a table made from flags alone (`resultsbook table --rows ...`, `book.table(...)`) would show
otherwise were the spec's `[defaults]` (and the top-level settings every table starts from, such as
`replicate`) applied, as they are to the spec's own tables: said in one note, with the flags (or
arguments) that apply them; such a table applies none of them, as docs/tables.md says."""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from resultsbook.errors import QueryError, SpecError
from resultsbook.outputs.table_entry import KEY_OF_FLAG
from resultsbook.query.goal import metric_goal
from resultsbook.query.model import ResultTable, TableQuery
from resultsbook.query.select import Filter, select_runs
from resultsbook.query.significance import resolve_test
from resultsbook.render.layout import Labels, TableFormat
from resultsbook.spec import Spec
from resultsbook.spec.tables import TASK_SETTINGS, read_table
from resultsbook.spec.toml_text import value_text
from resultsbook.voice import said

if TYPE_CHECKING:
    from resultsbook.store import Store

_Part = Callable[[TableQuery, TableFormat, Labels], Any]


def _metric_part(name: str) -> _Part:
    return lambda query, fmt, labels: tuple(getattr(metric, name) for metric in query.metrics)


def _query_part(name: str) -> _Part:
    return lambda query, fmt, labels: getattr(query, name)


def _format_part(name: str) -> _Part:
    return lambda query, fmt, labels: getattr(fmt, name)


def _filters_on(*keys: str, outside: bool = False) -> _Part:
    """The filters on these keys (all others, `outside`), in an order that does not depend on the entry's."""
    return lambda query, fmt, labels: sorted(
        repr(item) for item in query.filters if (item.key in keys) != outside
    )


def _goals(query: TableQuery, fmt: TableFormat, labels: Labels) -> Any:
    return tuple(metric_goal(metric.name, metric.direction).direction for metric in query.metrics)


def _statistics(query: TableQuery, fmt: TableFormat, labels: Labels) -> Any:
    return fmt.center, fmt.spread, query.stats


# each spec key that changes what a table shows (not only its LaTeX file: caption, float, outputs…),
# with the part of the table it decides
_PARTS: dict[str, _Part] = {
    **{key: _metric_part(key) for key in ("reduce", "skip_first", "budget", "scale")},
    "goal": _goals,
    "direction": _goals,
    **{key: _query_part(key) for key in ("columns", "replicate", "run_specific", "pool", "ddof", "order")},
    **{key: _query_part(key) for key in ("tasks", "aggregates", "optimality_threshold", "versus")},
    **{key: _query_part(key) for key in ("min_replicates", "bootstrap_seed", "bootstrap_resamples")},
    "replicates": _query_part("expected"),
    "seeds": _query_part("replicate_values"),
    "where": _filters_on("status", "experiment", outside=True),
    "status": _filters_on("status"),
    "experiment": _filters_on("experiment"),
    **{key: _statistics for key in ("center", "spread", "stats")},
    **{key: _format_part(key) for key in ("digits", "style", "highlight", "test", "escape_formulas")},
    **{key: _format_part(key) for key in ("second", "stat_note", "alpha", "ties")},
    "labels": lambda query, fmt, labels: labels,
}
# the flag (and the keyword argument of book.table) that states each key; the others have none
# (`table --save` writes the same correspondence the other way: table_entry.KEY_OF_FLAG)
_FLAGS = {
    **{key: flag for flag, key in KEY_OF_FLAG.items()},
    **{key: key for key in ("columns", "order", "aggregates", "where", "labels")},
    "goal": "goals",
    "direction": "goals",
    **{key: "stats" for key in ("center", "spread", "stats")},
}
_RESAMPLED = ("bootstrap", "bca")  # the spreads bootstrap_seed and bootstrap_resamples decide


def unapplied_defaults_note(
    spec: Spec,
    query: TableQuery,
    fmt: TableFormat,
    labels: Labels,
    given: Callable[[str], bool],
    selects_any: Callable[[Sequence[Filter]], bool] | None = None,
) -> str | None:
    """Return the note that names the settings every table of `spec` starts from which this table,
    made from flags (arguments) alone, does not apply and would show otherwise with: those `given`
    (by the flag's, or book.table's argument's, name) excepted, and a `where` that `selects_any` of
    the runs it shows not (one made for other runs: it would empty the table); None when there is none."""
    if not spec.table_defaults:
        return None
    inherited = {
        key: value
        for key, value in spec.table_defaults.items()
        if key in _PARTS and not any(given(flag) for flag in _given_as(key))
    }
    if not query.tasks and "tasks" not in inherited:  # they change nothing of a table over no tasks
        inherited = {key: value for key, value in inherited.items() if key not in TASK_SETTINGS}
    if not inherited:
        return None
    core: dict[str, Any] = {"rows": list(query.rows), "metrics": [metric.name for metric in query.metrics]}
    core.update({key: list(getattr(query, key)) for key in ("columns", "tasks") if getattr(query, key)})
    try:  # as the spec's own table of these rows and metrics would read the settings
        applied = read_table(
            "defaults", {**core, **inherited}, spec.derived, spec.template_dirs, lambda path: path,
            spec.path, "[defaults]", spec.labels, spec.normalized,
        )  # fmt: skip
    except SpecError:  # settings no table of these rows and metrics could take: no table to match
        return None
    used = (query, fmt, labels)
    wanted = (applied.query, applied.format, applied.labels)
    changed = [key for key in inherited if _PARTS[key](*wanted) != _PARTS[key](*used)]
    if not _resampled(applied.query, applied.format) and not _resampled(query, fmt):
        changed = [key for key in changed if not key.startswith("bootstrap_")]
    if not (_has_std(applied.query) and _has_std(query)):  # the ddof of a std or sem it would not show
        changed = [key for key in changed if key != "ddof"]
    if "where" in changed and selects_any is not None:
        kept = [item for item in applied.query.filters if item.key not in ("status", "experiment")]
        if not selects_any(kept):
            changed.remove("where")
    shown, changed = _spec_table(spec, query, changed, wanted)
    if not changed:
        return None
    flagged = [key for key in changed if _flag_words(key, inherited[key], applied.query, applied.format)]
    unflagged = [key for key in changed if key not in flagged]
    settings = _settings_text(spec, changed)
    verb = "is" if len(changed) == 1 else "are"
    one = len(unflagged) == 1
    none = (
        f"{', '.join(unflagged)} {'has' if one else 'have'} no {said('flag', 'argument')}: set "
        f"{'it' if one else 'them'} in a spec table"
    )
    fixes = []
    if flagged:
        words = dict.fromkeys(
            word
            for key in flagged
            for word in _flag_words(key, inherited[key], applied.query, applied.format)
        )
        joined = " ".join(words) if _command_line() else ", ".join(words)
        fixes.append(
            f"{said('add', 'pass')} {joined} to match its tables" + (f" ({none})" if unflagged else "")
        )
    elif unflagged:
        fixes.append(none)
    if shown is not None:
        fixes.append(
            said(f"print one with resultsbook table {shown}", f"take one with book.spec_table({shown!r})")
        )
    made = said("a table from flags", "a table from book.table's arguments")
    return f"{settings} {verb} not applied to {made}; " + ", or ".join(fixes)


def shown_runs_filter(store: Store, table: ResultTable) -> Callable[[Sequence[Filter]], bool]:
    """Return a test of whether filters keep any of the runs a table shows (read only when asked)."""

    def selects_any(filters: Sequence[Filter]) -> bool:
        ids = sorted({int(run) for cell in table.cells.values() for run in cell.runs.ids})
        chunks = (ids[start : start + 500] for start in range(0, len(ids), 500))  # SQLite's variable limit
        return any(select_runs(store.runs(ids=chunk), filters) for chunk in chunks)

    return selects_any


def _command_line() -> bool:
    """Tell whether the note speaks to the command line (else to Python)."""
    return said("command line", "python") == "command line"


def _given_as(key: str) -> tuple[str, ...]:
    """Return the flags that state a key (`goal`: --goal, and its old name --direction)."""
    flag = _FLAGS.get(key)
    return (flag, "direction") if flag == "goals" else (flag,) if flag else ()


def _resampled(query: TableQuery, fmt: TableFormat) -> bool:
    """Tell whether the table resamples: bootstrap intervals, over tasks, or a permutation test."""
    try:
        test = resolve_test(fmt.test, fmt.center)
    except QueryError:  # welch of a median: the table refuses it before it is shown
        test = fmt.test
    return fmt.spread in _RESAMPLED or bool(query.tasks) or test == "permutation"


def _has_std(query: TableQuery) -> bool:
    """Tell whether a table has a statistic its ddof decides (a std or sem over seeds, not over tasks)."""
    return not query.tasks and bool({"std", "sem"} & set(query.stats))


def _settings_text(spec: Spec, keys: list[str]) -> str:
    """Return `resultsbook.toml's [defaults] reduce = "max", ddof = 0` (and top-level ones)."""
    path = os.path.relpath(spec.path)
    name = spec.path if path.startswith("..") else path
    parts = []
    for where, keys_there in (
        ("[defaults]", [key for key in keys if key not in spec.top_level_settings]),
        ("top-level", [key for key in keys if key in spec.top_level_settings]),
    ):
        if keys_there:
            parts.append(
                f"{where} "
                + ", ".join(f"{key} = {value_text(spec.table_defaults[key])}" for key in keys_there)
            )
    return f"{name}'s {' and '.join(parts)}"


def _flag_words(key: str, value: Any, query: TableQuery, fmt: TableFormat) -> list[str]:
    """Return the flags (or book.table's arguments) that state a key as the spec gives it, none when
    no flag can (a key the command line has no flag for, a highlight by a key, ...)."""
    flag = _FLAGS.get(key)
    if flag is None:
        return []
    if key in ("center", "spread", "stats"):
        names = [fmt.center, *([fmt.spread] if fmt.spread else [])]
        names += [name for name in query.stats if name not in (*names, "n")]
        return [_word("stat", ",".join(names), tuple(names))]
    if key in ("goal", "direction"):
        return [said(f"--goal {value}", f"direction={value!r}")]
    if key == "escape_formulas":
        return ["--escape-formulas"] if _command_line() and value else []
    if key == "highlight" and value not in ("column", "row", "none") and _command_line():
        return []  # the flag takes column, row or none; a key is for the spec
    if key == "where":
        return _where_words(value)
    if key == "order":
        items = [f"{k}={','.join(map(str, vs))}" for k, vs in value.items()]
        return [said(" ".join(_flag("order", item) for item in items), f"order={dict(value)!r}")]
    if key == "labels":
        return _label_words(value)
    if key == "versus" and isinstance(value, Mapping):
        if list(value) != list(query.rows[:1]):
            return []  # the flag names a value of the first row key
        value = next(iter(value.values()))
    if isinstance(value, (list, tuple)):
        return [_word(flag, ",".join(map(str, value)), list(value))]
    return [_word(flag, str(value), value)]


def _word(flag: str, text: str, python: Any) -> str:
    """Return `--flag TEXT` for the command line, `flag=VALUE` for Python."""
    name = {"stat": "stats"}.get(flag, flag)
    return said(_flag(flag, text), f"{name}={python!r}")


def _flag(flag: str, text: str) -> str:
    name = {"expected": "replicates"}.get(flag, flag)
    return f"--{name.replace('_', '-')} {shlex.quote(text)}"


def _where_words(value: Any) -> list[str]:
    """Return `where` as --where flags (a mapping's values comma-joined), or as Python's where=."""
    if isinstance(value, Mapping):
        texts = [
            f"{key}={','.join(map(str, values if isinstance(values, list) else [values]))}"
            for key, values in value.items()
        ]
        python = dict(value)
    else:
        texts = [str(text) for text in (value if isinstance(value, list) else [value])]
        python = texts  # type: ignore[assignment]
    return [said(" ".join(_flag("where", text) for text in texts), f"where={python!r}")]


def _label_words(value: Any) -> list[str]:
    """Return a table's `labels = { keys = {...}, values = {...} }` as --label flags, or Python's labels=."""
    keys = dict(value.get("keys", {})) if isinstance(value, Mapping) else {}
    values = dict(value.get("values", {})) if isinstance(value, Mapping) else {}
    texts = [f"{key}={text}" for key, text in keys.items()]
    texts += [f"{key}:{v}={text}" for key, mapping in values.items() for v, text in mapping.items()]
    python = {**keys, **{key: dict(mapping) for key, mapping in values.items()}}
    return [said(" ".join(_flag("label", text) for text in texts), f"labels={python!r}")]


def _spec_table(
    spec: Spec, query: TableQuery, changed: list[str], wanted: tuple[Any, ...]
) -> tuple[str | None, list[str]]:
    """Return the spec's table to print instead, and the settings still to name: of a table of the
    same rows and metrics, those it takes as they are (not those it states its own of: the paper's
    table of these rows does not have them); else any table that takes them all, or None."""
    names = [metric.name for metric in query.metrics]
    alike = [
        (name, _taken(table, changed, wanted, same_metrics=True))
        for name, table in spec.tables.items()
        if table.query.rows == query.rows and [metric.name for metric in table.query.metrics] == names
    ]
    if alike:  # the one that takes the most of them (the first of those)
        name, taken = max(alike, key=lambda item: len(item[1]))
        return (name if taken else None), taken
    taking = (
        name
        for name, table in spec.tables.items()
        if _taken(table, changed, wanted, same_metrics=False) == changed
    )
    return next(taking, None), changed


def _taken(table: Any, keys: list[str], wanted: tuple[Any, ...], same_metrics: bool) -> list[str]:
    """Return the keys a spec table has as the [defaults] give them (its goals and labels, when of
    other metrics, are its own: not compared)."""
    mine = ("labels",) if same_metrics else ("goal", "direction", "labels")
    return [
        key
        for key in keys
        if key in mine
        or _loose(_PARTS[key](table.query, table.format, table.labels)) == _loose(_PARTS[key](*wanted))
    ]


def _loose(part: Any) -> Any:
    """Return a part of a table as another table of other metrics may share it (`reduce = "max"` of
    each of its two metrics is the one metric's `max`)."""
    if isinstance(part, tuple):
        try:
            return frozenset(part)
        except TypeError:  # values no set holds
            return part
    return part
