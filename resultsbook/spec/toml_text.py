"""Spec entries written as TOML text (tomllib reads the spec; nothing in the standard library writes it)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def entry_text(header: str, entry: Mapping[str, Any]) -> str:
    """Return `[header]` and one `key = value` line per item of `entry`."""
    lines = [f"[{header}]", *(f"{key_text(key)} = {value_text(value)}" for key, value in entry.items())]
    return "\n".join(lines) + "\n"


def header_text(*parts: str) -> str:
    """Return a dotted table header, each part bare when it can be (`tables."my table"`)."""
    return ".".join(key_text(part) for part in parts)


def key_text(key: str) -> str:
    """Return a key bare (`model`) or quoted (`"val/acc"`)."""
    return key if _BARE_KEY.fullmatch(key) else string_text(key)


def string_text(text: str) -> str:
    """Return a TOML basic string: JSON's escapes are TOML's, but for DEL, which TOML wants escaped,
    and characters beyond the BMP, which JSON would write as surrogate pairs (kept as they are)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007F")


def value_text(value: Any) -> str:
    """Return a string, number, boolean, list or inline table as TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return string_text(value)
    if isinstance(value, Mapping):
        items = ", ".join(f"{key_text(str(k))} = {value_text(v)}" for k, v in value.items())
        return f"{{ {items} }}" if items else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(value_text(item) for item in value) + "]"
    raise TypeError(f"no TOML text for {type(value).__name__}")
