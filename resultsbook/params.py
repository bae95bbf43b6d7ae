"""Configuration values: flatten nested configs to dotted keys and type strings read from text."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")
_BOOLS = {"true": True, "false": False}
_NULLS = {"none", "null", "~"}


def flatten_params(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested mappings to dotted keys; lists stay values.

    >>> flatten_params({"optimizer": {"lr": 0.1, "name": "sgd"}, "seed": 1})
    {'optimizer.lr': 0.1, 'optimizer.name': 'sgd', 'seed': 1}
    """
    return {key: normalize_value(value) for key, value in flatten_fields(config, prefix).items()}


def flatten_fields(document: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested mappings to dotted keys, values as they are (a list may be a curve).

    >>> flatten_fields({"metrics": {"test": {"score": 0.9}}, "gpus": ["A100"]})
    {'metrics.test.score': 0.9, 'gpus': ['A100']}
    """
    flat: dict[str, Any] = {}
    for key, value in document.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten_fields(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def flattening_clashes(document: Mapping[str, Any]) -> dict[str, list[tuple[str, Any]]]:
    """Return each dotted key that several keys of a nested document flatten to, with those keys as
    written and their values in order (the last is the one `flatten_params` keeps).

    >>> flattening_clashes({"model": {"depth": 3}, "model.depth": 4})
    {'model.depth': [("['model']['depth']", 3), ("['model.depth']", 4)]}
    """
    found: dict[str, list[tuple[str, Any]]] = {}

    def walk(inner: Mapping[str, Any], prefix: str, written: str) -> None:
        for key, value in inner.items():
            name, path = f"{prefix}{key}", f"{written}[{str(key)!r}]"
            if isinstance(value, Mapping) and value:
                walk(value, f"{name}.", path)
            else:
                found.setdefault(name, []).append((path, value))

    walk(document, "", "")
    return {name: keys for name, keys in found.items() if len(keys) > 1}


def normalize_value(value: Any) -> Any:
    """Return a value the store can keep: scalars as they are, containers as canonical JSON text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, Mapping) and not value:
        return "{}"
    if isinstance(value, (list, tuple, Mapping)):
        return json.dumps(value, sort_keys=True, default=json_default, allow_nan=True)
    plain = plain_value(value)
    if plain is not value:  # a NumPy or tensor value
        return normalize_value(plain)
    return str(value)


def plain_value(value: Any) -> Any:
    """Return a NumPy or tensor value as the Python number, bool or list it holds, a float32 as the
    shortest decimal that is it (np.float32(0.001) is 0.001, not 0.0010000000474974513); any other
    value as it is."""
    if getattr(value, "dtype", None) is None or not hasattr(value, "tolist"):
        return value
    import numpy as np

    try:
        array = np.asarray(value)
    except Exception:  # a tensor on a GPU: what it holds, as torch gives it
        return value.tolist()
    if array.dtype.kind != "f" or array.dtype.itemsize >= 8:
        return array.tolist()
    shortest = np.array([float(str(item)) for item in array.ravel()])  # str: the shortest that round-trips
    return shortest.reshape(array.shape).tolist()


def json_default(value: Any) -> Any:
    """json's `default`: NumPy and tensor values as the numbers and lists they hold, others as text."""
    plain = plain_value(value)
    return str(value) if plain is value else plain


def parse_scalar(text: str) -> Any:
    """Type a value read as text (path parts, CSV cells, CLI filters): int, float, bool, None or str.

    >>> [parse_scalar(s) for s in ["3", "0.1", "1e-3", "true", "none", "medium-v0"]]
    [3, 0.1, 0.001, True, None, 'medium-v0']
    """
    stripped = text.strip()
    lowered = stripped.lower()
    if _INT.fullmatch(stripped):
        return int(stripped)
    if _FLOAT.fullmatch(stripped):
        value = float(stripped)
        return int(value) if value.is_integer() and "e" not in lowered else value
    if lowered in _BOOLS:
        return _BOOLS[lowered]
    if lowered in _NULLS:
        return None
    return stripped


def values_equal(a: Any, b: Any) -> bool:
    """Compare two param values the way a user means them: 1 == 1.0, "x" == "x", nan == nan."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (type(a) is type(b) and a == b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return a == b
    return type(a) is type(b) and a == b


def value_identity(value: Any) -> tuple[str, Any]:
    """Return a hashable key under which values equal in the sense of `values_equal` coincide."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", "nan") if value != value else ("number", float(value))
    if value is None:
        return ("none", None)
    return (type(value).__name__, value)


VALUE_CHARS = 40  # a value a message names is cut to this many characters: a config may hold a pickled object


def clipped(text: str, limit: int = VALUE_CHARS) -> str:
    """Return text on one line (a line break shown as \\n) cut to `limit` characters for a message (a
    log's cell may hold a whole document: lm-eval's results.json keeps each task's Python source)."""
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


DIFFERENCE_CONTEXT = 20  # characters kept before the first difference when texts are cut where they differ


def cut_where_they_differ(first: str, second: str, limit: int) -> tuple[str, str]:
    """Return two texts cut to `limit` characters, from a little before their first difference when it
    lies past the cut: cut from the start, two long texts that differ late read the same."""
    first, second = cut_all_where_they_differ([first, second], limit)
    return first, second


def cut_all_where_they_differ(texts: Sequence[str], limit: int, mark: str = "...") -> list[str]:
    """Return texts cut to `limit` characters (`mark` where cut), from a little before the first place
    where any two differ when it lies past the cut."""
    shortest = min(map(len, texts), default=0)
    at = next((i for i, chars in enumerate(zip(*texts)) if len(set(chars)) > 1), shortest)
    start = at - DIFFERENCE_CONTEXT if at > limit - DIFFERENCE_CONTEXT else 0
    return [_cut_from(text, start, limit, mark) for text in texts]


def cut_each_where_it_differs(texts: Sequence[str], limit: int, mark: str = "...") -> list[str]:
    """Return texts cut to `limit` characters (`mark` where cut), each from a little before where it
    parts from the text most like it when that lies past the cut: `none` beside two long texts that
    differ late stays `none`, and the two are cut near their difference."""
    out = []
    for text in texts:
        at = max((_shared_start(text, other) for other in texts if other != text), default=0)
        start = at - DIFFERENCE_CONTEXT if at > limit - DIFFERENCE_CONTEXT else 0
        out.append(_cut_from(text, start, limit, mark))
    return out


def _shared_start(first: str, second: str) -> int:
    return next((i for i, (a, b) in enumerate(zip(first, second)) if a != b), min(len(first), len(second)))


def _cut_from(text: str, start: int, limit: int, mark: str) -> str:
    text = mark + text[start:] if start else text
    return text if len(text) <= limit else text[: limit - len(mark)] + mark


def value_texts_apart(values: Sequence[Any]) -> list[str]:
    """Return each value's text (`format_value`), a text in quotes where another of the values reads
    the same (the number 1 and the text "1" are `1` and `'1'`), so that the two stay apart."""
    texts = [format_value(value) for value in values]
    return [repr(v) if isinstance(v, str) and texts.count(t) > 1 else t for v, t in zip(values, texts)]


def format_value(value: Any) -> str:
    """Return the plain-text form of a param value, as a user would type it."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def sort_key(value: Any) -> tuple[Any, ...]:
    """Order mixed param values: None, then numbers by value, then strings in natural order."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float)):
        return (1, value)
    text = str(value)
    return (2, natural_key(text), text)  # the text itself orders "a01" and "a1" the same every time


_NUMBER_IN_TEXT = re.compile(r"((?<![\d.])\d+\.\d+(?![.\d])|\d+)")
_WHOLE_DIGITS = 4000  # Python refuses int() of 4300 digits; a longer run (a pickled blob) orders as a float


def natural_key(text: str) -> list[Any]:
    """Return a sort key that orders the numbers in a name by value: 2_shot before 10_shot, and
    gain=0.03554137 before gain=0.2063979 (a decimal number, not the dotted parts of a version v1.10.0)."""
    parts = _NUMBER_IN_TEXT.split(text)
    return [
        (float(part) if "." in part or len(part) > _WHOLE_DIGITS else int(part)) if index % 2 else part
        for index, part in enumerate(parts)
    ]


# the names configs give one setting (`lr` in one script, `learning_rate` in the next), spelled
# without case, `_` or `-`: a key renamed between runs is told by these, not by its spelling
_SAME_MEANING = (
    frozenset({"lr", "learningrate", "baselr"}),
    frozenset({"bs", "batchsize", "batch"}),
    frozenset({"wd", "weightdecay"}),
    frozenset({"epochs", "nepochs", "numepochs", "maxepochs", "epoch"}),
    frozenset({"seed", "randomseed", "rngseed"}),
    frozenset({"optimizer", "optim", "opt"}),
    frozenset({"arch", "architecture"}),
    frozenset({"env", "envid", "envname", "environment"}),
    frozenset({"dataset", "datasetname"}),
)


def same_meaning(key: str, held: Sequence[str]) -> str | None:
    """Return the one param of `held` that names the setting `key` names under another name
    (`learning_rate` for `lr`, in the same place of a dotted key), or None."""

    def parts(name: str) -> tuple[str, str]:
        head, _, last = name.rpartition(".")
        return head, re.sub(r"[_\-\s]", "", last.lower())

    head, word = parts(key)
    group = next((names for names in _SAME_MEANING if word in names), None)
    if group is None:
        return None
    found = [name for name in held if parts(name)[0] == head and parts(name)[1] in group - {word}]
    return found[0] if len(found) == 1 else None


def canonical_float(text: str) -> float:
    """Return the float a stored text spells, every NaN as one object: runs whose param is NaN share a
    row (a NaN equals only itself, and each `float("nan")` is another)."""
    value = float(text)
    return math.nan if value != value else value


def typed_words(value: Any) -> str:
    """Say a param value with its kind, as a message tells 0.1 from '0.1': `the number 0.1`, `the text
    '0.1'`, `the boolean true`, `no value`."""
    if value is None:
        return "no value"
    if isinstance(value, bool):
        return f"the boolean {format_value(value)}"
    if isinstance(value, (int, float)):
        return f"the number {format_value(value)}"
    return f"the text {str(value)!r}"
