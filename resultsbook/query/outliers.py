"""A seed far from the others: the one value that moves a cell's mean away from its typical run
(four seeds near 0.1 and one at 9.5 print `2.0 ± 4.2`, and win the bold).

The value farthest from the median is tested against the mean m and standard deviation s of the
others: (x - m) / (s * sqrt(1 + 1/(n - 1))) is Student's t with n - 2 degrees of freedom for a value
drawn like them, and the farthest of n is chosen, so its p-value is multiplied by n (Bonferroni).
Normal seeds are named in about one cell of a thousand (ALPHA). A value is named only when it moves
the mean from the median by at least MATERIAL of their size: four seeds at 1.0 and one at 0.98 is
no story."""

from __future__ import annotations

import math

import numpy as np

from resultsbook.query.student_t import two_sided_p

ALPHA = 0.001
MIN_VALUES = 5  # below this, the others' spread is too rough to call one value far from it
MATERIAL = 0.01


def finite_median(values: np.ndarray) -> float:
    """Return the median of finite values, as np.median does (its NaN check imports numpy.ma: 20 ms
    of a `table`)."""
    ordered = np.sort(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return float(ordered[middle - 1 : middle + 1].mean())


def lone_outlier(values: np.ndarray) -> int | None:
    """Return the index of the one value far from all the others, or None (NaN and infinite values
    are left to their own marks: a cell holding one is not tested)."""
    n = len(values)
    if n < MIN_VALUES or not np.isfinite(values).all():
        return None
    with np.errstate(over="ignore", invalid="ignore"):  # a sum of values near 1e308 overflows: no word
        mean, median = float(values.mean()), finite_median(values)
        far = int(np.argmax(np.abs(values - median)))
        others = np.delete(values, far)
        centre, spread = float(others.mean()), float(others.std(ddof=1))
    if not all(map(math.isfinite, (mean, centre, spread))):
        return None
    if abs(mean - median) <= MATERIAL * max(abs(mean), abs(median)):
        return None
    if spread == 0:  # the others agree exactly, and it does not (else the mean were the median)
        return far
    t = abs(float(values[far]) - centre) / (spread * math.sqrt(1 + 1 / (n - 1)))
    return far if n * two_sided_p(t, n - 2) < ALPHA else None
