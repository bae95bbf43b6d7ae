"""Choose runs: filters on params and on run fields (status, experiment, name, adapter, source)."""

from __future__ import annotations

import json
import math
import re
import shlex
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from resultsbook.errors import (
    NotFoundError,
    QueryError,
    SpecError,
    closest,
    did_you_mean,
    last_part_matches,
    listing_text,
)
from resultsbook.models import StoredRun
from resultsbook.params import (
    VALUE_CHARS,
    clipped,
    format_value,
    normalize_value,
    parse_scalar,
    same_meaning,
    sort_key,
    typed_words,
    values_equal,
)
from resultsbook.query.runs import RUN_FIELDS, Runs, wandb_run_key
from resultsbook.voice import command, said, spec_table_words

if TYPE_CHECKING:
    from resultsbook.store import Store

_FILTER = re.compile(r"^\s*([^!<>=~\s][^!<>=~]*?)\s*(!=|>=|<=|==|=|>|<|~)\s*(.*?)\s*$")


@dataclass(frozen=True)
class Filter:
    """One condition: `key op values`; `=` and `!=` take a comma-separated list."""

    key: str
    op: str
    values: tuple[Any, ...]

    def accepts(self, value: Any) -> bool:
        """Tell whether a run's value satisfies this condition."""
        if self.op == "=":
            return any(values_equal(value, wanted) for wanted in self.values)
        if self.op == "!=":
            return not any(values_equal(value, wanted) for wanted in self.values)
        if self.op == "~":
            return value is not None and re.search(str(self.values[0]), str(value)) is not None
        if value is None or isinstance(value, bool):
            return False
        bound = self.values[0]
        try:
            return {">": value > bound, "<": value < bound, ">=": value >= bound, "<=": value <= bound}[
                self.op
            ]
        except TypeError:
            return False

    def __str__(self) -> str:
        shown = [
            str(value)
            for index, value in enumerate(self.values)
            if not (index and _companion(self.values[index - 1], value))  # `inf` typed once
        ]
        return f"{self.key}{self.op}{','.join(shown)}"


def parse_filter(text: str) -> Filter:
    """Parse `lr=0.1`, `model=mlp,logreg`, `seed!=3`, `epochs>=100`, `name~^cql`."""
    found = _FILTER.match(text)
    if found is None:
        raise SpecError(
            f"filter {text!r} is not understood; write KEY=VALUE, KEY!=V1,V2, KEY>=N or KEY~REGEX"
        )
    key, op, raw = found.groups()
    op = "=" if op == "==" else op  # as Python and pandas' query write it
    if op == "=" and raw[:1] in ("<", ">") and isinstance(parse_scalar(raw[1:]), (int, float)):  # seed=>3
        raise SpecError(f"filter {text!r} is not understood; did you mean {key}{raw[0]}={raw[1:]}?")
    if op == "=" and raw[:1] == "!" and raw[1:]:  # seed=!3 read as the text '!3': the opposite meant
        raise SpecError(f"filter {text!r} is not understood; did you mean {key}!={raw[1:]}?")
    if op in {">", "<", ">=", "<="} and (not raw or raw[0] in "<>=!~"):  # lr>, lr>>0.1
        what = "no value" if not raw else f"{raw[0]!r} where its value should be"
        raise SpecError(f"filter {text!r} has {what} after {op!r}; write e.g. {key}{op}100")
    if op in {"=", "!="}:
        held = _container(raw)  # layers=[64, 64]: one list, as the store holds it, not 2 values
        values = (held,) if held is not None else tuple(_filter_values(raw))
    elif op == "~":
        try:
            re.compile(raw)
        except re.error as error:
            raise SpecError(f"filter {text!r}: {raw!r} is not a valid regex ({error})") from error
        values = (raw,)
    else:
        values = (parse_scalar(raw),)
    return Filter(key=key, op=op, values=values)


def _filter_values(raw: str) -> Iterator[Any]:
    """Type the values of `=` or `!=`; an unquoted nan or inf is both the float a config's NaN is stored
    as and the text a path or a YAML string holds (`clip=inf`), as the two print alike."""
    for part in _split_values(raw):
        value = _filter_value(part)
        yield value
        if isinstance(value, float) and not math.isfinite(value):
            yield part.strip()


def _companion(before: Any, value: Any) -> bool:
    """Tell whether `value` is the text `_filter_values` adds after an unquoted nan or inf."""
    return isinstance(before, float) and not math.isfinite(before) and isinstance(value, str)


def _filter_value(part: str) -> Any:
    """Type one value of `=` or `!=`: a quoted one (`lr='0.1'`) is that text, as a config holding the
    number in quotes does; nan and inf the floats; any other is read as `parse_scalar` reads it."""
    text = part.strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text.lower() in _NON_FINITE:  # the float a config's NaN or inf is stored as (`wd=nan`)
        return _NON_FINITE[text.lower()]
    return parse_scalar(part)


_NON_FINITE = {"nan": math.nan, "inf": math.inf, "+inf": math.inf, "-inf": -math.inf}


def quoted_filter(key: str, op: str, value: Any) -> str:
    """Write a filter for the command line, quoted for a shell; a text that reads as a number quoted
    inside (`"lr='0.1'"`), as `parse_filter` takes it for the text."""
    return _shell_word(_filter_text(key, op, value))


def _filter_text(key: str, op: str, value: Any) -> str:
    """Write a filter as `parse_filter` reads it: a text that reads as a number in quotes (`lr='0.1'`)."""
    shown = format_value(value)
    if isinstance(value, str) and not isinstance(_filter_value(value), str):
        shown = f"'{shown}'"
    return f"{key}{op}{shown}"


def _shell_word(text: str) -> str:
    """Quote a filter for a shell: in double quotes when it holds single ones (`"lr='0.1'"`)."""
    return f'"{text}"' if "'" in text and not set('"$`\\') & set(text) else shlex.quote(text)


def _value_texts(values: Sequence[Any]) -> list[str]:
    """Return each value as a filter names it; where a text prints as a number another run holds
    (lr 0.1 and '0.1'), the text in quotes, as `lr='0.1'` selects it."""
    texts = [format_value(value) for value in values]
    if len(set(texts)) == len(texts):
        return texts
    return [_filter_text("", "", value) for value in values]


def _container(raw: str) -> str | None:
    """Return a filter's value written as a JSON list or object (`[64, 64]`) as the store holds such a
    param (canonical JSON text); None for any other value."""
    text = raw.strip()
    if text[:1] not in ("[", "{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return normalize_value(value) if isinstance(value, (list, dict)) else None


def filters_from_mapping(where: Mapping[str, Any]) -> list[Filter]:
    """Turn a spec's `where = {lr = 0.1, model = ["a", "b"]}` into equality filters; a nested table, as
    TOML reads the unquoted dotted key of `where = { env_args.map_name = "3m" }`, is the dotted param."""
    filters = []
    for key, value in where.items():
        if isinstance(value, Mapping) and value:
            filters += filters_from_mapping({f"{key}.{inner}": item for inner, item in value.items()})
            continue
        values = tuple(value) if isinstance(value, (list, tuple)) else (value,)
        # {layers = [[64, 64]]}: a list among the values is one, held as the store holds a list param
        values = tuple(normalize_value(v) if isinstance(v, (list, tuple, Mapping)) else v for v in values)
        filters.append(Filter(key=str(key), op="=", values=values))
    return filters


_JOIN = re.compile(r"\s+(and|&&?)\s+|\s*(&&?)\s*", re.IGNORECASE)


def _joined_filters(item: Filter) -> tuple[str, str] | None:
    """Return the word that joins two conditions in the one value of `item` (`seed>5 and env=='hopper'`,
    `env=hopper & seed=1`, as pandas' `query` writes them) and the filters meant, in the reader's words;
    else None."""
    if len(item.values) != 1 or not isinstance(item.values[0], str) or item.op == "~":
        return None
    pieces = _JOIN.split(item.values[0])
    values, words = pieces[::3], [a or b for a, b in zip(pieces[1::3], pieces[2::3])]
    if len(values) < 2 or any(_FILTER.match(piece) is None for piece in values[1:]):
        return None
    texts = [f"{item.key}{item.op}{_unquoted(values[0])}"]
    for piece in values[1:]:
        key, op, raw = _FILTER.match(piece).groups()  # type: ignore[union-attr]
        texts.append(f"{key}{'=' if op == '==' else op}{_unquoted(raw)}")
    meant = said(" ".join(f"--where {shlex.quote(text)}" for text in texts), f"where={texts!r}")
    return words[0], meant


def _unquoted(text: str) -> str:
    """Return `'hopper'` without its quotes, as pandas' query quotes a text."""
    quoted = len(text) > 1 and text[0] == text[-1] and text[0] in "'\""
    return text[1:-1] if quoted else text


def _split_values(raw: str) -> list[str]:
    """Split a comma-separated value list; a backslash keeps a literal comma."""
    parts = re.split(r"(?<!\\),", raw)
    return [part.replace("\\,", ",") for part in parts]


def _shown_as(wanted: Any, values: Sequence[Any]) -> str | None:
    """Return the full value that `wanted` is a rounding of (`runs` shows six significant digits:
    `lr=0.0229175` copied from it means 0.022917496…), or None when no value or several round to it."""
    if not isinstance(wanted, float):
        return None
    digits = len(repr(abs(wanted)).split("e")[0].replace(".", "").strip("0")) or 1
    rounded = [
        value
        for value in values
        if isinstance(value, float) and f"{value:.{digits}g}" == f"{wanted:.{digits}g}"
    ]
    return format_value(rounded[0]) if len(rounded) == 1 else None


def _comma_list(item: Filter, values: Sequence[str]) -> str | None:
    """Return `["a", "b"]` when an equality filter's one value is `a,b` and a and b are values the
    runs have (one string holding several values), else None."""
    if item.op != "=" or len(item.values) != 1 or not isinstance(item.values[0], str):
        return None
    parts = [part.strip() for part in item.values[0].split(",")]
    if len(parts) < 2 or not all(part in values for part in parts):
        return None
    return "[" + ", ".join(json.dumps(parse_scalar(part)) for part in parts) + "]"


def left_out_note(
    count: int,
    metric: str,
    key: str,
    first_source: str,
    nested: Sequence[str] = (),
    held: Sequence[str] = (),
    holding: Callable[[str], int] | None = None,
) -> str:
    """Say that runs lacking a row, column, hue or facet key were left out, why they may, and how to
    drop strays (not a run still starting, whose config comes later); or, when they hold the key as an
    object (`nested`: lm-eval's gen_kwargs, null in one run and {temperature: 0.6} in another), its keys;
    or, when the params they hold (`held`) include one of a name close to it (vime's older runs set
    `data.pct_labeled` where the later set `data.n_labeled`), that param, and (`holding`) how many of
    them hold it."""
    if key in RUN_FIELDS:  # not a config's: waiting for a run to start or forgetting strays gives none
        return (
            f"{count} run(s) with {metric!r} have no {key} (a field of the run their logs do not record, "
            f"not a param) and were left out (the first: {first_source})"
        )
    left = f"{count} run(s) with {metric!r} have no param {key!r} and were left out "
    left += f"(the first: {first_source}; "
    if nested:
        shown = ", ".join(nested[:3]) + (f" and {len(nested) - 3} more" if len(nested) > 3 else "")
        return left + f"in them {key} is an object, read as the params {shown}: name one of those instead)"
    meant = closest(key, held) if held else None
    synonym = same_meaning(key, held) if held and meant is None else None
    if meant is not None or synonym is not None:
        how = "of a name close to it" if meant is not None else "another name for it"
        name = meant or synonym
        holders = holding(name) if holding is not None and name is not None else count
        who = "they have" if holders >= count else f"{holders} of them have"
        return left + (
            f"{who} the param {name!r}, {how}: where the key was renamed between runs, "
            f"grouping by {name!r} shows them)"
        )
    return left + (
        "a run still starting, its config not written yet, has it once collected again; "
        f"if a collect with another pattern left them, `{command('forget')}` removes the runs under a folder)"
    )


def run_value(run: StoredRun, key: str) -> Any:
    """Return a run's value for a filter or grouping key: its param, else a run field."""
    if key in run.params:
        return run.params[key]
    if key in RUN_FIELDS:
        return getattr(run, key)
    return None


def select_runs(runs: Iterable[StoredRun] | Runs, filters: Sequence[Filter], whole: bool = True) -> Any:
    """Return the runs that satisfy every filter (a `Runs` of the ones of a `Runs`, else a list); a W&B
    run resumed in several folders is selected as a whole, as its latest folder says (`whole`: a
    listing of folders, `runs`, takes each folder as its own fields say)."""
    if not whole:
        if isinstance(runs, Runs):
            return runs.take(accepted(runs, filters)) if filters else runs
        return [run for run in runs if all(_run_accepts(run, f) for f in filters)]
    if isinstance(runs, Runs):
        if not filters:
            return runs
        keys = _resumed_keys(runs.field("provenance").tolist(), runs.field("experiment").tolist())
        return runs.take(_whole_runs(accepted(runs, filters), keys, runs.field("start_time").tolist()))
    listed = list(runs)
    if not filters:
        return listed
    mask = np.array([all(_run_accepts(run, f) for f in filters) for run in listed], dtype=bool)
    keys = _resumed_keys([run.provenance for run in listed], [run.experiment for run in listed])
    mask = _whole_runs(mask, keys, [run.start_time for run in listed])
    return [run for run, keep in zip(listed, mask.tolist()) if keep]


def _resumed_keys(provenances: Sequence[Any], experiments: Sequence[Any]) -> list[Any]:
    """Return each run's W&B run (id, entity, project), None for a run of none."""
    if not any(provenance and "wandb" in str(provenance) for provenance in provenances):
        return [None] * len(provenances)
    return [wandb_run_key(p, e) for p, e in zip(provenances, experiments)]


def _whole_runs(mask: np.ndarray, keys: Sequence[Any], starts: Sequence[Any]) -> np.ndarray:
    """Return `mask` with each W&B run resumed in several folders taken or left whole, as its latest
    folder is: a filter on its status or config would else cut its earlier folders off (the first
    job's, `failed`), and a whole-curve reduction see the last job's points alone."""
    folders: dict[Any, list[tuple[float, int]]] = {}
    for i, key in enumerate(keys):
        if key is not None and starts[i] is not None:
            folders.setdefault(key, []).append((float(starts[i]), i))
    whole = mask.copy()
    for found in folders.values():
        last = max(found)[0]  # a copy of a folder starts when it does: neither resumed the other
        verdict = any(mask[i] for start, i in found if start == last)
        for start, i in found:
            if start < last:
                whole[i] = verdict
    return whole


def _run_accepts(run: StoredRun, item: Filter) -> bool:
    """Tell whether one run satisfies a filter (a key it holds as an object equals no value)."""
    if item.key not in run.params and item.key not in RUN_FIELDS:
        inside = f"{item.key}."
        if any(name.startswith(inside) for name in run.params):
            return item.op == "!="
    return item.accepts(run_value(run, item.key))


def accepted(runs: Runs, filters: Sequence[Filter]) -> np.ndarray:
    """Return where runs satisfy every filter: each filter asked once per distinct value."""
    mask = np.ones(len(runs), dtype=bool)
    for item in filters:
        coded = runs.coded(item.key)
        if coded.uniform:
            verdicts = np.array([item.accepts(value) for value in coded.values], dtype=bool)
            passes = verdicts[runs.codes(item.key)]
        else:  # 1 and True share a code but a filter may tell them apart
            passes = np.fromiter((item.accepts(v) for v in runs.value(item.key).tolist()), bool, len(runs))
        objects = _object_valued(runs, item.key)
        mask &= np.where(objects, item.op == "!=", passes)
    return mask


def _object_valued(runs: Runs, key: str) -> np.ndarray:
    """Return where runs lack `key` but hold keys under it: their value is an object, which is not
    null (lm-eval's gen_kwargs, null in one results file, {temperature: 0.6} in the next: `=none`
    selected both)."""
    held = np.zeros(len(runs), dtype=bool)
    if key in RUN_FIELDS:
        return held
    inside = f"{key}."
    for name in runs.known_params():
        if name.startswith(inside):
            held |= runs.has_param(name)
    return held & ~runs.has_param(key) if held.any() else held


def known_keys(runs: Iterable[StoredRun] | Runs) -> set[str]:
    """Return every key a filter or a grouping can name: the runs' params and the run fields."""
    if isinstance(runs, Runs):
        return set(runs.param_keys()) | set(RUN_FIELDS)
    return {key for run in runs for key in run.params} | set(RUN_FIELDS)


def has_key(runs: Sequence[StoredRun] | Runs, key: str) -> bool:
    """Tell whether any of the runs has a param."""
    if isinstance(runs, Runs):
        return runs.has_any_param(key)
    return any(key in run.params for run in runs)


def check_filter_keys(runs: Sequence[StoredRun] | Runs, filters: Sequence[Filter]) -> None:
    """Refuse a filter on a key no run has: `=` would select nothing and `!=` everything, silently;
    and a value of a list (`model=mlp,logrg`) or of `!=` that no run has, when one that runs have is
    close to it: a typo there silently leaves runs out, or keeps the ones meant to go."""
    if not runs:
        return
    for item in filters:
        # stops at the first run that has the key: the full scan is paid only on the way to an error
        if item.key not in RUN_FIELDS and not has_key(runs, item.key):
            raise QueryError(f"filter {item}: no run has a param {item.key!r}; {key_hint(item.key, runs)}")
        if item.op in {"=", "!="} and len(item.values) > 1:
            _check_joined_filters(runs, item)
        if item.key not in RUN_FIELDS and item.op in {"=", "!="}:
            _check_value_types(runs, item)
        if item.key not in RUN_FIELDS and (item.op == "!=" or (item.op == "=" and len(item.values) > 1)):
            _check_filter_values(runs, item)


_JOINED = re.compile(r"([A-Za-z_][\w./-]*)\s*(!=|>=|<=|==|=|~|>|<)")  # `algo=PPO` read as a value


def _check_joined_filters(runs: Sequence[StoredRun] | Runs, item: Filter) -> None:
    """Refuse a value list that holds filters of other keys (`env=Pendulum,algo=PPO,seed=20`: env is
    Pendulum, 'algo=PPO' or 'seed=20'), which silently selected every run of the first key's value."""
    joined = [
        str(value)
        for value in item.values[1:]
        if isinstance(value, str)
        and (found := _JOINED.match(value)) is not None
        and (found.group(1) in RUN_FIELDS or has_key(runs, found.group(1)))
    ]
    if joined:
        texts = (f"{item.key}{item.op}{format_value(item.values[0])}", *joined)
        separate = said(" ".join(f"--where {shlex.quote(text)}" for text in texts), f"where={list(texts)!r}")
        raise QueryError(
            f"filter {item}: {', '.join(repr(text) for text in joined)} read as values of {item.key}, not "
            "filters of their own (a comma lists one key's values: model=mlp,cnn); give each its own: "
            f"{separate}"
        )


def _present_values(runs: Sequence[StoredRun] | Runs, key: str) -> list[Any]:
    """Return the values the runs hold for a key (each once where the store codes them), None left out."""
    if isinstance(runs, Runs):
        coded = runs.coded(key)
        # the codes these runs have: a selection's `coded` codes the whole read
        present = (
            [coded.values[code] for code in np.unique(runs.codes(key)).tolist()]
            if coded.uniform
            else runs.value(key).tolist()
        )
    else:
        present = [run_value(run, key) for run in runs]
    return [value for value in present if value is not None]


def _check_value_types(runs: Sequence[StoredRun] | Runs, item: Filter) -> None:
    """Refuse a filter value that no run has as it is given but that runs have as a value of another
    type: the text '1' where seeds are numbers (`where={'seed': '1'}` in Python, `seed = "1"` in a
    spec's where), or the number 1 where a config held the seed as text. Nothing compares equal, so
    `=` silently selected no run (an empty frame) and `!=` silently kept every one."""
    present: list[Any] | None = None
    retyped: list[Any] = []
    for wanted in item.values:
        other = None
        if wanted is not None and not isinstance(wanted, bool):
            present = _present_values(runs, item.key) if present is None else present
            if not any(values_equal(value, wanted) for value in present):
                other = _as_held(wanted, present)
        retyped.append(wanted if other is None else other)
    if present is None or all(new is old for new, old in zip(retyped, item.values)):
        return
    wanted, held = next((old, new) for new, old in zip(retyped, item.values) if new is not old)
    if isinstance(held, str):
        what = f"the text {held!r} in the runs, never the number {format_value(wanted)}; give it as text"
        texts = "|".join(re.escape(value) for value in retyped)
        regex = f"^({texts})$" if item.op == "=" else f"^(?!({texts})$)"
        python = (
            f"where={{{item.key!r}: {_one_or_list(retyped)!r}}}"
            if item.op == "="
            else f"where='{item.key}~{regex}'"
        )
        fix = said(f"--where '{item.key}~{regex}'", python)  # a filter text reads `seed!=1` as a number
    else:
        kind = "boolean" if isinstance(held, bool) else "number"
        what = f"the {kind} {held!r} in the runs, never the text {wanted!r}; give it as a {kind}"
        shown = _one_or_list(retyped)
        toml = json.dumps(shown)  # a spec's where, the only text a command reads
        in_spec = f"{item.key} = {toml} in a spec's where"  # rb.build and spec_table read the spec's too
        fix = said(f"{in_spec}, unquoted", f"where={{{item.key!r}: {shown!r}}} ({in_spec})")
        if item.op == "!=":  # text filters read numbers as numbers: only a mapping gives text
            fix = f"where='{item.key}!={','.join(format_value(value) for value in retyped)}'"
    raise QueryError(f"filter {item}: {item.key} is {what}: {fix}")


def mixed_type_notes(runs: Sequence[StoredRun] | Runs, filters: Sequence[Filter]) -> list[str]:
    """Say, for a `=` or `!=` filter whose value some runs hold as a number and others as text that reads
    as it (lr 0.1 and '0.1'), that it selects one of the two only, and how to select the other:
    `lr=0.1` silently left out the runs holding the text. Only the runs the other filters keep count:
    `seed=0` with `lr=0.1` says nothing of a seed-1 run holding '0.1'."""
    notes = []
    for index, item in enumerate(filters):
        if item.key in RUN_FIELDS or item.op not in ("=", "!="):
            continue
        present: list[Any] | None = None
        kept: Sequence[StoredRun] | Runs = runs
        for wanted in item.values:
            if wanted is None or isinstance(wanted, bool):
                continue
            if present is None:
                kept = select_runs(runs, [f for i, f in enumerate(filters) if i != index])
                present = _present_values(kept, item.key)
            other = _other_type(wanted, present)
            if other is None or any(values_equal(other, value) for value in item.values):
                continue  # no run holds it as the other type, or the filter names that too
            if not any(values_equal(value, wanted) for value in _present_values(runs, item.key)):
                continue  # no run holds it as given: _check_value_types says so
            count = sum(values_equal(value, other) for value in _run_values(kept, item.key))
            them = _filter_text(item.key, item.op, other)
            both = f"{_filter_text(item.key, item.op, wanted)},{_filter_text('', '', other)}"
            how = (
                f"{_fix(them)} selects them, {_fix(both, again=True)} both"
                if item.op == "="
                else f"{_fix(both)} leaves out both"
            )
            shown = f"{item.key}{item.op}{','.join(_filter_text('', '', value) for value in item.values)}"
            notes.append(
                f"filter {shown}: {count} run(s) hold {item.key} as {typed_words(other)}, which it "
                f"{'does not select' if item.op == '=' else 'keeps'} (it matches {typed_words(wanted)} "
                f"only); {how}"
            )
    return notes


def _fix(text: str, again: bool = False) -> str:
    """Return a filter as the command line, Python or a spec's table writes it (`again`: said once before)."""
    if spec_table_words():
        return json.dumps(text) + ("" if again else " in the spec's where")
    return said(f"--where {_shell_word(text)}", f"where={text!r}")


def _other_type(wanted: Any, present: Sequence[Any]) -> Any:
    """Return the value of the other type (text or number) some runs hold for `wanted`, else None."""
    if isinstance(wanted, str):
        typed = parse_scalar(wanted)
        return (
            typed
            if not isinstance(typed, (str, bool))
            and typed is not None
            and any(values_equal(value, typed) for value in present)
            else None
        )
    if isinstance(wanted, (int, float)):
        return _as_held(wanted, present)
    return None


def _run_values(runs: Sequence[StoredRun] | Runs, key: str) -> list[Any]:
    """Return each run's value of a key (None where it has none)."""
    if isinstance(runs, Runs):
        return runs.value(key).tolist()
    return [run_value(run, key) for run in runs]


def _as_held(wanted: Any, present: Sequence[Any]) -> Any:
    """Return the value of another type the runs hold for `wanted` (1 for '1', '1' for 1), else None."""
    if isinstance(wanted, str):
        typed = parse_scalar(wanted)
        if isinstance(typed, str) or typed is None:
            return None
        return next((typed for value in present if values_equal(value, typed)), None)
    if isinstance(wanted, (int, float)):
        texts = (value for value in present if isinstance(value, str))
        return next((text for text in texts if values_equal(parse_scalar(text), wanted)), None)
    return None


def _one_or_list(values: Sequence[Any]) -> Any:
    """Return one value alone, several as a list (as a `where` mapping takes them)."""
    return values[0] if len(values) == 1 else list(values)


def _check_filter_values(runs: Sequence[StoredRun] | Runs, item: Filter) -> None:
    """Refuse a text value of a filter that no run has, when the runs have one close to it that the
    filter does not name (a value with nothing close may be of runs still to come)."""
    present = _present_values(runs, item.key)
    texts = sorted({format_value(value) for value in present}, key=str)
    whole = _whole_list(item, present)
    if whole is not None:  # {"hidden": [64, 64]}: 64 or 64, where the runs hold the list [64, 64]
        shown = ",".join(dict.fromkeys(format_value(value) for value in item.values))
        listed = said(shlex.quote(f"{item.key}={whole}"), f"{{{item.key!r}: [{json.loads(whole)!r}]}}")
        raise NotFoundError(
            f"filter {item}: no run has {item.key}={shown}; {item.key} has: {listing_text(texts)}; "
            f"did you mean {listed}?"
        )
    # where the runs hold text alone (seeds s1, s2, s3), a number is no seed to come: `seed!=1` kept all
    counted = any(isinstance(value, (int, float)) for value in present)
    named = {format_value(value) for value in item.values}
    meant: dict[str, str] = {}  # each value no run has -> the one close to it (seed=1,2 -> s1,s2)
    for wanted in item.values:
        if (isinstance(wanted, (int, float)) and counted) or any(
            values_equal(value, wanted) for value in present
        ):
            continue  # a number no run has is as likely a seed or a size still to come: 44 is not 4
        taken = named | set(meant.values())
        guess = closest(format_value(wanted), [text for text in texts if text not in taken])
        if guess is not None:
            meant[format_value(wanted)] = guess
    if meant:
        fixed = _values_meant(item, meant, texts)
        raise NotFoundError(
            f"filter {item}: no run has {item.key}={','.join(meant)}; {item.key} has: "
            f"{listing_text(texts)}; did you mean {shlex.quote(f'{item.key}{item.op}{fixed}')}?"
        )


def _whole_list(item: Filter, present: Sequence[Any]) -> str | None:
    """Return the list param (JSON text, as the store holds it) that an equality filter's values make
    together, when runs hold it and none holds any of the values alone; else None."""
    if item.op != "=" or len(item.values) < 2:
        return None
    whole = normalize_value(list(item.values))
    alone = any(values_equal(value, wanted) for value in present for wanted in item.values)
    return whole if whole in present and not alone else None


def _values_meant(item: Filter, meant: Mapping[str, str], texts: Sequence[str]) -> str:
    """Return a filter's values as the runs hold them, written as a filter lists them: a value's own
    comma escaped (`a\\,b`), as the filter of a value the list split at its comma (`a,b`) writes it."""
    whole = ",".join(format_value(value) for value in item.values)
    if whole in texts:
        return whole.replace(",", "\\,")
    fixed = (meant.get(format_value(value), format_value(value)) for value in item.values)
    return ",".join(dict.fromkeys(text.replace(",", "\\,") for text in fixed))


def check_params_exist(what: str, keys: Iterable[str], known: Iterable[str]) -> None:
    """Refuse a key (of `replicate`, `run_specific`) no run has as a param: a typo there would
    silently average every run of a cell together, or mark cells that should not be."""
    params = sorted(known)
    for key in keys:
        if params and key not in params:
            hint = did_you_mean(key, params, "params")
            raise QueryError(f"{what} {key!r} is not a param of any run; {hint}")


def nothing_collected(store: Store | None) -> NotFoundError:
    """Return the error for a store without runs: a store no collect has written into yet exists only
    while the collect that made it plans (it lists every folder before it writes; one that finds
    nothing removes the store again), or after that collect was killed."""
    if store is None or store.ever_written() or store.collect_readings():  # `forget` takes the sources
        return NotFoundError(f"the store holds no runs; collect them first: {command('collect')}")
    return NotFoundError(
        "the store holds no runs yet: the collect that made it is still finding them, or was stopped "
        f"before it wrote any; try again once it has written some, or collect them: {command('collect')}"
    )


def key_hint(key: str, runs: Sequence[StoredRun] | Runs) -> str:
    """Return the end of a message about a key no run has: the param it most likely meant, else the
    run field (`experimnt` → `experiment`), else the params there are."""
    params = known_keys(runs) - set(RUN_FIELDS)
    if not params:  # a results table read as one run's curve, a log with no settings: collect said why
        field = closest(key, RUN_FIELDS)  # `nmae`: the runs' own fields are keys all the same
        if field is not None:
            return f"did you mean {field!r}? (the runs have no param at all, only their fields)"
        return f"the runs have no param at all; {command('problems')} lists what the collect could not read"
    guess = closest(key, params)
    if guess is None and last_part_matches(key, params):  # `env_name`: a nested config's leaf, not `name`
        return did_you_mean(key, params, "params")
    guess = guess or closest(key, RUN_FIELDS) or _FIELD_WORDS.get(key.lower())
    return f"did you mean {guess!r}?" if guess is not None else did_you_mean(key, params, "params")


_FIELD_WORDS = {"state": "status"}  # a tracker's word for a run field (W&B's State column)


def why_nothing_selected(
    runs: Sequence[StoredRun] | Runs, filters: Sequence[Filter], store: Store | None = None
) -> NotFoundError:
    """Return the error saying which filter left no run, and the values its key does have (or why
    the store holds none)."""
    if not runs:
        return nothing_collected(store)
    remaining = list(runs)
    for item in filters:
        kept = [run for run in remaining if item.accepts(run_value(run, item.key))]
        if not kept:
            values = sorted(
                {run_value(run, item.key) for run in remaining if run_value(run, item.key) is not None},
                key=sort_key,
            )
            texts = _value_texts(values)
            hint = f"{item.key} has: {listing_text(clipped(text, VALUE_CHARS) for text in texts)}"
            numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if item.op in ("<", "<=", ">", ">=") and len(numbers) > 1:  # the bounds, not the lowest dozen
                hint = f"{item.key} ranges from {format_value(numbers[0])} to {format_value(numbers[-1])}"
                hint += f" ({len(texts)} values)"
            guess = None
            if item.op == "=" and item.values:
                guesses = [
                    _shown_as(value, values) or closest(format_value(value), texts) for value in item.values
                ]
                guess = guesses[0]
                if len(guesses) > 1 and None not in guesses:  # seed=1,2 on seeds s1, s2, s3: each meant
                    guess = ",".join(dict.fromkeys(str(each) for each in guesses))
            listed = _comma_list(item, texts)
            joined = _joined_filters(item)
            if joined is not None:  # pandas' query: `seed>5 and env=='hopper'` is one filter of seed
                hint = (
                    f"a filter is one condition, and this one's value holds another after {joined[0]!r}; "
                    f"give each its own (all holding): {joined[1]}"
                )
            elif listed is not None:  # the string form's `model=a,b`, written in a where table
                hint = f"in a where table, a value is one value: write {item.key} = {listed} for several"
            elif guess is not None:
                typed = next((value for value, text in zip(values, texts) if text == guess), guess)
                # pasted into a shell, or into a where dict
                meant = said(quoted_filter(item.key, "=", typed), f"{{{item.key!r}: {typed!r}}}")
                hint += f"; did you mean {meant}?"
            before = "" if item is filters[0] else f" (among the {len(remaining)} runs the others keep)"
            return NotFoundError(f"filter {item} matches no run{before}; {hint}")
        remaining = kept
    return NotFoundError("no run matches the filters")
