"""Typed getters for spec entries: unknown keys get a did-you-mean, bad values an error naming key and fix."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from resultsbook.errors import SpecError, did_you_mean

# what other tools (pandas, seaborn, plotting scripts, trackers' configs) call a key: no typo of it,
# so string likeness would answer them with a wrong key ('reduction' → 'direction', 'panels' → 'labels')
KEY_SYNONYMS = {
    "reduction": "reduce", "reducer": "reduce", "aggregate": "reduce",
    "filter": "where", "filters": "where", "query": "where", "select": "where",
    "precision": "digits", "decimals": "digits", "round": "digits", "ndigits": "digits",
    "higher_is_better": "goal", "lower_is_better": "goal", "maximize": "goal", "minimize": "goal",
    "bold": "highlight", "group_by": "rows", "groupby": "rows", "index": "rows",
    "panels": "facet", "panel": "facet", "facets": "facet", "subplots": "facet", "col": "facet",
    "n_seeds": "replicates", "num_seeds": "replicates",
}  # fmt: skip


def check_keys(entry: Mapping[str, Any], known: Iterable[str], where: str, context: str) -> None:
    """Refuse a key the entry does not know, suggesting the known key another tool's word means, or the
    top level for a key of the top level written below a header, else the closest known one."""
    known = sorted(known)
    for key in entry:
        if key not in known:
            meant = KEY_SYNONYMS.get(str(key).lower())
            if meant in known:
                hint = f"did you mean {meant!r}?"
            elif context != "the top level" and misplaced_top_key(key, context):
                hint = misplaced_top_key(key, context)
            else:
                hint = did_you_mean(str(key), known, "known keys", shown=len(known))
            raise SpecError(f"{where}: {context} has an unknown key {key!r}; {hint}")


def misplaced_top_key(key: str, context: str) -> str:
    """Say that a key of the top level written below `context`'s header landed in it (`venue = "icml"`
    appended to the file lands in the table its last header opened); empty for any other key."""
    from resultsbook.spec.collecting import TOP_KEYS

    if key not in TOP_KEYS:
        return ""
    return (
        f"{key!r} is a key of the top level, and TOML puts a key written below the header of {context} "
        "into it: move the line above the file's first [header]"
    )


def mapping_at(entry: Mapping[str, Any], key: str, where: str, context: str) -> Mapping[str, Any]:
    """Return the sub-table under `key` (empty when absent)."""
    value = entry.get(key, {})
    if not isinstance(value, Mapping):
        raise SpecError(f"{where}: {context} {key} must be a table, e.g. [{key}]")
    return value


def strings(value: Any, where: str, context: str) -> tuple[str, ...]:
    """Return a name or a list of names as a tuple of names."""
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SpecError(f'{where}: {context} must be a list of names, e.g. ["model", "dataset"]')
    return tuple(value)


def list_value(value: Any, where: str, context: str) -> list[Any]:
    """Return a list, refusing any other value."""
    if not isinstance(value, list):
        raise SpecError(f"{where}: {context} must be a list, e.g. [0, 1, 2, 3, 4]")
    return value


def optional_int(entry: Mapping[str, Any], key: str, where: str, context: str) -> int | None:
    """Return the whole number under `key`, or None when absent."""
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(
            f"{where}: {context} {key} = {value!r} must be a whole number{_unquoted(key, value, int)}"
        )
    return value


def _unquoted(key: str, value: Any, kind: type) -> str:
    """Return the fix of a number written as text (`digits = "2"`): the same number without quotes."""
    if not isinstance(value, str):
        return ""
    try:
        number = kind(value.strip())
    except ValueError:
        return ""
    return f": write {key} = {value.strip()}, without quotes" if math.isfinite(number) else ""


def number_at(
    entry: Mapping[str, Any],
    key: str,
    where: str,
    context: str,
    default: float,
    whole: bool = False,
    low: float | None = None,
    high: float | None = None,
) -> Any:
    """Return the number under `key` (default when absent), refusing text, booleans, non-finite values
    and values outside [low, high] with a message that names the key."""
    value = entry.get(key, default)
    example = int(default) if whole else default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        fix = _unquoted(key, value, float) or f", e.g. {key} = {example}"
        finite = "finite " if isinstance(value, float) else ""  # TOML reads nan and inf
        raise SpecError(f"{where}: {context} {key} = {value!r} must be a {finite}number{fix}")
    if whole and value != int(value):
        raise SpecError(
            f"{where}: {context} {key} = {value!r} must be a whole number, e.g. {key} = {example}"
        )
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (
            f"between {low:g} and {high:g}"
            if low is not None and high is not None
            else (f"at least {low:g}" if low is not None else f"at most {high:g}")
        )
        raise SpecError(f"{where}: {context} {key} = {value!r} must be {bounds}")
    return int(value) if whole else float(value)


def flag_at(entry: Mapping[str, Any], key: str, where: str, context: str, default: bool) -> bool:
    """Return the true/false under `key` (default when absent); a quoted "false" is text, not false."""
    value = entry.get(key, default)
    if not isinstance(value, bool):
        meant = {"true": "true", "yes": "true", "on": "true", "1": "true"}.get(str(value).lower(), "false")
        raise SpecError(
            f"{where}: {context} {key} = {value!r} must be true or false, without quotes: {key} = {meant}"
        )
    return value


def optional_str(
    entry: Mapping[str, Any], key: str, where: str, context: str, example: str = "model"
) -> str | None:
    """Return the string under `key`, or None when absent."""
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SpecError(f'{where}: {context} {key} = {value!r} must be a string, e.g. {key} = "{example}"')
    return value


def check_suffix(path: str, suffixes: Sequence[str], name: str, where: str, context: str) -> None:
    """Refuse an output of entry `name` whose suffix is none of `suffixes`, the one that picks its
    format; a file named only `.md` has none (it is a hidden file's name)."""
    if os.path.splitext(path)[1] in suffixes:
        return
    named = os.path.basename(path)
    if named in suffixes:
        raise SpecError(
            f"{where}: {context} output {path!r} has a suffix but no name; name the file, e.g. "
            f"{os.path.join(os.path.dirname(path), name + named)!r}"
        )
    raise SpecError(f"{where}: {context} output {path!r} has an unknown suffix; use {', '.join(suffixes)}")


def default_int(value: int | None, default: int) -> int:
    """Return `value`, or `default` when it is None (0 stays 0)."""
    return default if value is None else value


def check_name(name: str, where: str, kind: str) -> None:
    """Refuse a table, figure or number name that would break the lines it is written on: a newline
    or another control character would end a generated comment and start live LaTeX or Markdown."""
    if not name or any(not char.isprintable() for char in name):
        raise SpecError(
            f"{where}: the {kind} name {name!r} holds a newline or another control character; "
            "use letters, digits, - and _"
        )
