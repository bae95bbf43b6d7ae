"""The `[tables.NAME]` entry that says what `resultsbook table`'s flags say (`table --save NAME`)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from resultsbook.cli.common import split_list
from resultsbook.errors import SpecError
from resultsbook.query.goal import metric_goal
from resultsbook.spec.toml_text import key_text, string_text

# flags written under the spec key of the same meaning, as given (comma lists become lists)
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


def table_entry(
    flags: Mapping[str, Any],
    given: Callable[[str], bool],
    statistics: tuple[Sequence[str], str, str | None],
    goals: Mapping[str, str],
    derived_known: Mapping[str, str],
    inherited: Collection[str] = (),
) -> dict[str, Any]:
    """Return the spec entry of the flags `given` on the command line: `statistics` is (names, centre,
    spread) as the table computes them, `goals` each metric's goal, `derived_known` the spec's
    `[derived]` (a formula only `--derived` names cannot be saved with the table). A setting the
    spec's tables `inherited` ([defaults], top-level `replicate`) is written as the table used it,
    typed or not: `table` does not apply them, and the saved table must be the one shown."""
    stated = _stated(given, set(inherited))
    for item in flags["derived"]:
        name, _, expression = item.partition("=")
        if derived_known.get(name.strip()) != expression.strip():
            raise SpecError(
                f"--save: --derived {item!r} is a formula of the spec's [derived], not of one table; add "
                f"{key_text(name.strip())} = {string_text(expression.strip())} under [derived] in "
                "resultsbook.toml, then save"
            )
    entry: dict[str, Any] = {"rows": list(split_list(flags["rows"]))}
    if flags["columns"] or "columns" in inherited:
        entry["columns"] = list(split_list(flags["columns"] or ""))
    metrics = list(flags["metrics"])
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
    if flags["where"] or "where" in inherited:
        entry["where"] = list(flags["where"])
    for flag, key in _PLAIN.items():
        if stated(flag) and flags[flag] is not None:
            entry[key] = flags[flag]
    for flag, key in _LISTS.items():
        if stated(flag) and flags[flag]:
            entry[key] = list(split_list(flags[flag]))
    names, center, spread = statistics
    if stated("stats"):
        entry["center"] = center
        entry["spread"] = spread or "none"
        extra = [name for name in names if name not in (center, spread)]
        if extra:
            entry["stats"] = extra
    if flags["tasks"]:
        entry["aggregates"] = list(split_list(flags["aggregates"]))  # the spec's default is not the flag's
    keys, values = label_flags(flags["labels"])
    labels = {name: part for name, part in (("keys", keys), ("values", values)) if part}
    if labels:
        entry["labels"] = labels
    return entry


def _stated(given: Callable[[str], bool], inherited: set[str]) -> Callable[[str], bool]:
    """Return whether the entry states a flag's setting: typed, or one the spec's tables inherit."""
    keys = {flag: {key} for flag, key in {**_PLAIN, **_LISTS}.items()}
    keys["stats"] = {"center", "spread", "stats"}
    return lambda flag: given(flag) or bool(keys.get(flag, set()) & inherited)


def label_flags(items: Sequence[str]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Return --label KEY=TEXT (a key's name) and KEY:VALUE=TEXT (a value's name) as (keys, values)."""
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
