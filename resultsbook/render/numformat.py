"""Format numbers for tables: fixed decimals chosen once per column, no '-0.0', NaN as missing."""

from __future__ import annotations

import math
from collections.abc import Iterable

MAX_DIGITS = 6


def fmt_fixed(value: float, digits: int) -> str | None:
    """Format with a fixed number of decimals (round half to even on the binary value); None for NaN."""
    if value is None or math.isnan(value):
        return None
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = f"{value:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text


def auto_digits(centers: Iterable[float], spreads: Iterable[float]) -> int:
    """Choose decimals for a column: one significant digit of its smallest spread (so no cell reads
    `± 0.00`, and a noisier new run does not change the other cells), else three of its values."""
    finite_spreads = sorted(abs(s) for s in spreads if s is not None and math.isfinite(s) and s > 0)
    if finite_spreads:
        return _clamp(-math.floor(math.log10(finite_spreads[0])))
    finite = sorted(abs(c) for c in centers if c is not None and math.isfinite(c) and c != 0)
    if finite:
        typical = finite[len(finite) // 2]
        return _clamp(2 - math.floor(math.log10(typical)))
    return 1


def _clamp(digits: int) -> int:
    return max(0, min(MAX_DIGITS, digits))
