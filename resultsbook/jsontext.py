"""JSON text exactly as the standard `json` module reads and writes it, quicker: run logs are parsed
by orjson wherever it gives json's value, and the long lists of run ids of a lock or a table's digest
(100,000 at a time) are joined at once wherever that gives json's bytes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import orjson

# digits to zeros: a run of 19 or more digits is then found by a substring search (a regex is 20x slower)
_ZEROS = str.maketrans("123456789", "000000000")
_ZERO_BYTES = bytes.maketrans(b"123456789", b"000000000")


def may_hold_big_integer(text: str | bytes) -> bool:
    """Tell whether JSON text may hold an integer beyond 64 bits (a run of 19 digits or more; in a
    fraction or a string as well, which merely sends the text to the exact parser)."""
    if isinstance(text, bytes):
        return b"0000000000000000000" in text.translate(_ZERO_BYTES)
    return "0000000000000000000" in text.translate(_ZEROS)


def fast_loads(text: str | bytes, exact_integers: bool = True) -> Any:
    """Parse JSON exactly as `json.loads` does, with orjson wherever it gives the same value (nearly
    always, and 5-10x faster); raises what `json.loads` raises.

    orjson refuses NaN, Infinity, numbers that overflow a float, lone surrogates and nesting deeper
    than 1024, which json accepts: those texts are parsed again by json. orjson also reads an integer
    beyond 64 bits as the nearest float (the same number as `float(int(digits))`): texts that may hold
    one go to json, unless `exact_integers` is False (the caller turns every number into a float)."""
    if not exact_integers or not may_hold_big_integer(text):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


# the characters json writes as they are: printable ASCII but the quote and the backslash (0x7f and
# control characters it escapes); text of no other character is written by json in quotes, nothing more
_WRITTEN_AS_IS = bytes(c for c in range(0x20, 0x7F) if c not in b'"\\')
_encode_text = json.encoder.encode_basestring  # json's own string encoder (C), as ensure_ascii=False


def joined_json_texts(texts: Sequence[Any], between: str) -> str | None:
    """Return the JSON strings of `texts` joined by `between`, as json writes each one; None unless
    json writes each as it is, in quotes (`written_as_is`), so that the caller encodes them its own way."""
    if not written_as_is(texts):
        return None
    return '"' + ('"' + between + '"').join(texts) + '"'


def written_as_is(texts: Sequence[Any]) -> bool:
    """Tell whether texts are some, each printable ASCII text without quote or backslash: what json
    writes as the text in quotes, with ensure_ascii or without."""
    try:
        plain = "".join(texts)
    except TypeError:  # an item that is not text
        return False
    return bool(texts) and plain.isascii() and not plain.encode().translate(None, _WRITTEN_AS_IS)


def indented_json(value: Any, level: int = 0) -> str:
    """Return `json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)` of plain JSON data
    (dicts with text keys, lists, tuples, text, numbers, booleans, None), byte for byte, built line
    by line: json's own indenting encoder makes one Python string per token, which for a lock listing
    the run ids of 100,000 runs costs seconds and hundreds of megabytes. TypeError on anything else."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        if not all(isinstance(key, str) for key in value):
            raise TypeError("a key that is not text")
        inner = "\n" + " " * (level + 1)
        items = [f"{_encode_text(key)}: {indented_json(value[key], level + 1)}" for key in sorted(value)]
        return "{" + inner + ("," + inner).join(items) + "\n" + " " * level + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        inner = "\n" + " " * (level + 1)
        texts = joined_json_texts(value, "," + inner)  # a cell's run ids: joined at once
        if texts is None:
            try:  # a list of other text: each item encoded in C, no call per item here
                texts = ("," + inner).join(map(_encode_text, value))
            except TypeError:  # not all text
                texts = ("," + inner).join([indented_json(v, level + 1) for v in value])
        return "[" + inner + texts + "\n" + " " * level + "]"
    if isinstance(value, str):
        return _encode_text(value)
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)  # true, 3, NaN, Infinity, 0.1: as json writes them
    raise TypeError(f"{type(value).__name__} is not plain JSON")
