"""JSON text written exactly as the standard `json` module writes it, quicker for long lists of text
(a lock and a table's digest list the run ids of every cell: 100,000 at a time)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import orjson

_encode_text = json.encoder.encode_basestring  # json's own string encoder (C), as ensure_ascii=False


def joined_json_texts(texts: Sequence[Any], between: str) -> str | None:
    """Return the JSON strings of `texts` joined by `between`, as json writes each one; None unless
    every item is printable ASCII text that needs no escape (what json writes then is the text in quotes,
    with ensure_ascii or without), so that the caller encodes them its own way."""
    if set(map(type, texts)) != {str}:
        return None
    try:
        encoded = orjson.dumps(texts)
    except orjson.JSONEncodeError:  # a lone surrogate
        return None
    if not encoded.isascii() or b"\\" in encoded or b"\x7f" in encoded:  # escaped by ensure_ascii
        return None
    return encoded[1:-1].decode().replace('","', '"' + between + '"')


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
        texts = joined_json_texts(value, "," + inner)  # a cell's run ids: written by orjson at once
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
