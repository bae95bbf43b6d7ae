"""Format numbers for tables: one format per column, chosen from its numbers, and stated rules.

Rounding   decimal round-half-up of the value's shortest representation (Python's repr, the number
           as it was logged): 0.125 -> 0.13, 2.675 -> 2.68 — never half-to-even on the binary value
           (which prints 2.675 as 2.67). `-0` is never printed: a value that rounds to zero is `0`.
Decimals   one significant digit of the column's typical (median) spread, so a column of ± 0.3
           reads to one decimal and one noisy cell does not change the others; without spreads,
           three significant digits of the column's typical value. At most MAX_DIGITS decimals.
           (A "column" is a row when the rows are metrics: the numbers of one metric share a format.)
Magnitude  when the column's typical value is below 1e-3 or at least 1e6, numbers are written as
           mantissa and a power of ten shared by the column, a multiple of 3 as in SI prefixes:
           12.3e-9 ± 0.4e-9 (nano), 1.52e12 (tera).
Outliers   a cell that its column's format would print with more than nine significant digits
           (one diverged run's 1e276 in a column of 0.9s; 1.2e7 beside 0.5s read to five decimals)
           is written in a power of ten of its own, three significant digits of its largest number:
           -1.46e276 ± 2.54e276, not 280 digits; so is one a million or more times a column's power
           of ten (-3.15, not -3150000e-6, in a column of 1e-4s), and one whose numbers are not 0
           but would all print as 0 (1.2e-7 in that column: 125e-9 ± 5e-9, not 0e-6 ± 0e-6, which
           a zero prints; 0.8 in a column of diverged 1e153s: 0.810, not 0e153). When that power of
           ten would print a centre that is not 0 as 0 (a median of 0.0123 with an interval reaching one
           diverged run's 2.3e6), each of the cell's numbers is written in its own: 0.0123 [0.0101,
           2.30e6], not 0.00e6 [0.00e6, 2.30e6]; so is it when the column's own format prints such a
           centre as 0 beside a number a million or more times it in the cell (a column of diverged
           rows alone, read to no decimals: not 0 [0, 2300000]).
Missing    NaN is no number (None); infinities are `inf` and `-inf`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, localcontext

MAX_DIGITS = 6
SMALL, LARGE = 1e-3, 1e6  # typical magnitudes outside [SMALL, LARGE) get a power of ten
SIGNIFICANT = 9  # a cell whose column's format would print more digits gets a power of ten of its own
SHARED_SPAN = 1e6  # ...and so does one this many units or more of a column's power of ten (1 to 999)


@dataclass(frozen=True)
class NumberFormat:
    """How a column prints its numbers: decimals of the mantissa and the shared power of ten (with
    `each`, those of the centre, and every other number in a format of its own)."""

    digits: int
    exponent: int = 0
    each: bool = False

    def text(self, value: float | None) -> str | None:
        """Format one number of the column; None for NaN."""
        number = self._of(value)
        return fmt_number(value, number.digits, number.exponent)

    def plain(self, value: float | None) -> str | None:
        """Return one number rounded as the column prints it, without the shared power of ten, for data
        files: 127.50e-6 is 0.00012750, 12.00e6 is 1.200E+7; None for NaN."""
        number = self._of(value)
        return fmt_plain(value, number.digits, number.exponent)

    def _of(self, value: float | None) -> NumberFormat:
        """Return the format `value` prints in: this one, or with `each` one of its own."""
        if self.each and value is not None and math.isfinite(value) and value != 0:
            return _own_format(abs(value))
        return self


def fmt_fixed(value: float | None, digits: int) -> str | None:
    """Format with a fixed number of decimals (half-up on the shortest repr, no -0); None for NaN."""
    return fmt_number(value, digits, 0)


def fmt_number(value: float | None, digits: int, exponent: int = 0) -> str | None:
    """Format `value` / 10**exponent with `digits` decimals, then `e{exponent}` when it is not 0."""
    if value is None or math.isnan(value):
        return None
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    rounded = _rounded(value, digits, exponent)
    if rounded == 0:
        rounded = abs(rounded)
    text = f"{rounded:.{digits}f}"
    return f"{text}e{exponent}" if exponent else text


def fmt_plain(value: float | None, digits: int, exponent: int = 0) -> str | None:
    """Format `value` rounded as `fmt_number` rounds it, as one number a CSV reader reads: decimals
    when `exponent` is 0 or below, otherwise a power of ten of its own; None for NaN."""
    if exponent == 0 or value is None or not math.isfinite(value):
        return fmt_number(value, digits, exponent)
    rounded = _rounded(value, digits, exponent).scaleb(exponent)
    if rounded == 0:
        rounded = abs(rounded)
    return f"{rounded:f}" if exponent < 0 else str(rounded)


def _rounded(value: float, digits: int, exponent: int) -> Decimal:
    """Return `value` / 10**exponent rounded half-up to `digits` decimals, as a table prints it."""
    exact = Decimal(repr(float(value))).scaleb(-exponent)
    with localcontext() as context:  # the default 28 digits cannot hold 1e276 to two decimals
        context.prec = max(context.prec, exact.adjusted() + digits + 2)
        return exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def printed_difference(a: float, b: float, digits_a: int, digits_b: int, exponent: int = 0) -> float:
    """Return a − b as the difference of the two numbers printed (each rounded to its decimals), so
    that a difference quoted in the text agrees with its table; NaN or infinity as a − b is."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return a - b
    difference = _rounded(a, digits_a, exponent) - _rounded(b, digits_b, exponent)
    return float(difference.scaleb(exponent))


def column_format(centers: Iterable[float], spreads: Iterable[float]) -> NumberFormat:
    """Choose a column's format from its centres and spreads (see the module docstring)."""
    magnitudes = sorted(abs(c) for c in centers if c is not None and math.isfinite(c) and c != 0)
    typical = magnitudes[len(magnitudes) // 2] if magnitudes else 0.0
    exponent = 0
    if typical and not SMALL <= typical < LARGE:
        exponent = 3 * math.floor(_decade(typical) / 3)
    positive = sorted(abs(s) for s in spreads if s is not None and math.isfinite(s) and s > 0)
    if positive:
        return NumberFormat(spread_digits(positive[(len(positive) - 1) // 2], exponent), exponent)
    if typical:
        return NumberFormat(_clamp(2 - _decade(typical / 10**exponent)), exponent)
    return NumberFormat(1, exponent)


def spread_digits(spread: float, exponent: int = 0) -> int:
    """Return the decimals that print one significant digit of a positive spread in a power of ten."""
    return _clamp(-_decade(spread / 10**exponent))


def cell_format(column: NumberFormat, values: Iterable[float]) -> NumberFormat:
    """Return the column's format for a cell's numbers, or one of the cell's own for an outlier (see
    the module docstring): 1.2e7 in a column of 0.9s would read `11966666.66667 ± 550757.05473`,
    -3.15 in a column of 1e-4s `-3150000e-6`, and 1.2e-7 there `0e-6 ± 0e-6`, as a zero does.
    `values` start with the centre."""
    values = list(values)
    finite = [v for v in values if v is not None and math.isfinite(v)]
    largest = max((abs(v) for v in finite), default=0.0)
    center = values[0] if values else None
    if center is not None and _zeroed_beside(column, center, largest):
        return replace(_own_format(abs(center)), each=True)
    if not largest or not (_beyond(column, largest) or _all_print_as_zero(column, finite)):
        return column
    own = _own_format(largest)
    if (
        center is None
        or not math.isfinite(center)
        or center == 0
        or _rounded(center, own.digits, own.exponent)
    ):
        return own
    # a power of ten that prints the centre as 0: each number in its own (0.0123 [0.0101, 2.30e6])
    return replace(_own_format(abs(center)), each=True)


def _beyond(column: NumberFormat, largest: float) -> bool:
    """Tell whether a cell's largest number is too large to print in its column's format: with more
    than SIGNIFICANT significant digits, or a mantissa of a million or more."""
    unit = 10.0**column.exponent
    return largest >= 10.0**SIGNIFICANT * unit / 10**column.digits or (
        column.exponent != 0 and largest >= SHARED_SPAN * unit
    )


def _zeroed_beside(column: NumberFormat, center: float, largest: float) -> bool:
    """Tell whether the column's own format prints a centre that is not 0 as 0 beside a number a
    million or more times it in the cell (a median of 0.0123 read to no decimals by its own interval's
    2.3e6)."""
    if not math.isfinite(center) or center == 0:
        return False
    return largest >= SHARED_SPAN * abs(center) and _rounded(center, column.digits, column.exponent) == 0


def _all_print_as_zero(column: NumberFormat, values: Iterable[float]) -> bool:
    return all(_rounded(value, column.digits, column.exponent) == 0 for value in values)


def _own_format(largest: float) -> NumberFormat:
    """Return the format of a number on its own: three significant digits, a power of ten outside
    [SMALL, LARGE)."""
    exponent = 0 if SMALL <= largest < LARGE else 3 * math.floor(_decade(largest) / 3)
    return NumberFormat(_clamp(2 - _decade(largest / 10**exponent)), exponent)


def _decade(value: float) -> int:
    """Return the power of ten of a positive number's first digit, a hair below a power counted as it:
    three seeds 0.01 apart have a std of 0.009999999999999953 or 0.010000000000000009 as the floats
    fall, and both are 0.01 (one column read to three decimals, the next to two)."""
    return math.floor(math.log10(value) + 1e-9)


def _clamp(digits: int) -> int:
    return max(0, min(MAX_DIGITS, digits))
