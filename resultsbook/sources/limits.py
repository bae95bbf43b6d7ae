"""How much collect reads of one file: size caps on files read whole, the longest line or record of a
streamed log, and how deep or how far aliased a config may nest. Each size cap can be raised with an
environment variable (docs/damaged-logs.md lists them)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from resultsbook.errors import SpecError

_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


@dataclass(frozen=True)
class Limit:
    """A size cap: what it bounds, the environment variable that raises it, and its default."""

    what: str
    variable: str
    default: int

    def bytes(self) -> int:
        """Return the cap in bytes: the environment variable's value, else the default."""
        raw = os.environ.get(self.variable)
        if raw is None or not raw.strip():
            return self.default
        size = parse_size(raw)
        if size is None:
            raise SpecError(f"{self.variable}={raw!r} is not a size; write e.g. {self.variable}=64MiB")
        return size

    def raise_hint(self, size: int) -> str:
        """Return the setting that raises the cap past `size`, e.g. RESULTSBOOK_MAX_CONFIG_SIZE=64MiB."""
        mebibytes = -(-max(size, self.bytes()) // (1 << 20))  # rounded up
        return f"{self.variable}={1 << max(mebibytes - 1, 0).bit_length()}MiB"


CONFIG = Limit("configuration and metadata files", "RESULTSBOOK_MAX_CONFIG_SIZE", 16 << 20)
DOCUMENT = Limit("logs read whole (JSON documents, SQLite pages)", "RESULTSBOOK_MAX_DOCUMENT_SIZE", 512 << 20)
RECORD = Limit("one line or record of a streamed log", "RESULTSBOOK_MAX_RECORD_SIZE", 64 << 20)
LIMITS = (CONFIG, DOCUMENT, RECORD)

MAX_DEPTH = 100  # nesting of a config or a record: real ones nest a few levels; deeper is damage
YAML_ALIAS_NODES = 1_000_000  # nodes YAML aliases may add by repeating others ("billion laughs")


def parse_size(text: str) -> int | None:
    """Return a size in bytes from text like `64MiB`, `1.5G`, `500k` or `1048576`; None if it is not one."""
    match = _SIZE.fullmatch(text)
    if match is None:
        return None
    number, unit, _ = match.groups()
    return int(float(number) * _UNITS[unit.lower()])


def format_size(size: int) -> str:
    """Return a size as people write it: 512 B, 16 MiB, 1.5 GiB."""
    for unit, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if size >= unit:
            value = size / unit
            return f"{value:.0f} {name}" if value == int(value) or value >= 10 else f"{value:.1f} {name}"
    return f"{size} B"


def check_environment() -> None:
    """Fail early, naming the variable, when a size cap in the environment is not a size."""
    for limit in LIMITS:
        limit.bytes()
