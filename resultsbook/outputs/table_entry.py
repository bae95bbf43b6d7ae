"""The `[tables.NAME]` entry that says what a table's settings say (`table --save NAME`, `Table.save`)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from resultsbook.errors import SpecError
from resultsbook.query.goal import metric_goal
from resultsbook.spec.toml_text import key_text, string_text
from resultsbook.voice import option, said

# settings written under the spec key of the same meaning, as given (comma lists become lists)
_PLAIN = {
    "reduce": "reduce",
    "skip_first": "skip_first",
    "budget": "budget",
    "ddof": "ddof",
    "expected": "replicates",
    "scale": "scale",
    "digits": "digits",
    "style": "style",
    "highlight": "highlight",
    "test": "test",
    "threshold": "optimality_threshold",
    "versus": "versus",
    "escape_formulas": "escape_formulas",
}
_LISTS = {"replicate": "replicate", "pool": "pool", "run_specific": "run_specific", "tasks": "tasks"}
KEY_OF_FLAG = {**_PLAIN, **_LISTS}  # the spec key each of these flags states, as a saved entry writes it


def table_entry(
    settings: Mapping[str, Any],
    given: Callable[[str], bool],
    statistics: tuple[Sequence[str], str, str | None],
    goals: Mapping[str, str],
    derived_known: Mapping[str, str],
    inherited: Collection[str] = (),
) -> dict[str, Any]:
    """Return the spec entry of a table's settings, by `resultsbook table`'s flag names (names as
    sequences: `rows`, `metrics`, `replicate`...; `where` as filter texts or {param: [values]},
    `labels` as (keys, values), `derived` as {name: formula}, ...), of those `given` (typed, or
    passed): `statistics` is (names, centre, spread) as the table computes them, `goals` each
    metric's goal, `derived_known` the spec's `[derived]` (a formula given with the table alone
    cannot be saved with it). A setting the spec's tables `inherited` ([defaults], top-level
    `replicate`) is written as the table used it, given or not: `table` does not apply them, and the
    saved table must be the one shown."""
    stated = _stated(given, set(inherited))
    for name, expression in settings["derived"].items():
        if derived_known.get(name) != expression:
            formula = f"{key_text(name)} = {string_text(expression)}"
            given_as = said(f"--derived '{name}={expression}'", f"derived={{{name!r}: {expression!r}}}")
            raise SpecError(
                f"{option('save')}: {given_as} is a formula of the spec's [derived], not of one table; add "
                f"{formula} under [derived] in resultsbook.toml, then save"
            )
    entry: dict[str, Any] = {"rows": list(settings["rows"])}
    if settings["columns"] or "columns" in inherited:
        entry["columns"] = list(settings["columns"] or ())
    metrics = list(settings["metrics"])
    if "goal" in inherited:  # the table took the others' goals from their names: say so in the entry
        guessed = {m: goals.get(m) or metric_goal(m).direction for m in metrics}
        goals = {m: goal for m, goal in guessed.items() if goal is not None}
    shared = {goals[m] for m in metrics if m in goals}
    if len(metrics) == 1 or (len(shared) == 1 and len(goals) == len(metrics)):
        entry["metric" if len(metrics) == 1 else "metrics"] = metrics[0] if len(metrics) == 1 else metrics
        if shared:
            entry["goal"] = shared.pop()
    else:
        entry["metrics"] = [{"name": m, "goal": goals[m]} if m in goals else m for m in metrics]
    if settings["where"] or "where" in inherited:
        entry["where"] = _where(settings["where"])
    for flag, key in _PLAIN.items():
        if stated(flag) and settings.get(flag) is not None:
            entry[key] = settings[flag]
    for flag, key in _LISTS.items():
        if stated(flag) and settings.get(flag):
            entry[key] = list(settings[flag])
    stat_names, center, spread = statistics
    if stated("stats"):
        entry["center"] = center
        entry["spread"] = spread or "none"
        extra = [name for name in stat_names if name not in (center, spread)]
        if extra:
            entry["stats"] = extra
    if stated("order") and settings.get("order") is not None:
        entry["order"] = {str(key): list(values) for key, values in settings["order"].items()}
    if settings["tasks"]:
        entry["aggregates"] = list(settings["aggregates"])  # the spec's default is not the flag's
    keys, values = settings["labels"]
    labels = {name: part for name, part in (("keys", keys), ("values", values)) if part}
    if labels:
        entry["labels"] = labels
    return entry


def _where(where: Any) -> Any:
    """Return filters as the spec writes them: filter texts, or {param: [values]} from a mapping of
    each param to the values it accepts."""
    if isinstance(where, str):
        return [where]
    if not isinstance(where, Mapping):
        return list(where or ())
    for key, values in where.items():
        for value in values:
            if not isinstance(value, (str, int, float, bool)):
                raise SpecError(
                    f"{option('save')}: where={{{key!r}: {value!r}}}: resultsbook.toml cannot hold "
                    f"{type(value).__name__} {value!r}; filter with a text instead (where='{key}=…')"
                )
    return {str(key): list(values) for key, values in where.items()}


def _stated(given: Callable[[str], bool], inherited: set[str]) -> Callable[[str], bool]:
    """Return whether the entry states a setting: given, or one the spec's tables inherit."""
    keys = {flag: {key} for flag, key in KEY_OF_FLAG.items()}
    keys["stats"] = {"center", "spread", "stats"}
    keys["order"] = {"order"}
    return lambda flag: given(flag) or bool(keys.get(flag, set()) & inherited)
