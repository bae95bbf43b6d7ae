"""Is the highlighted best really better? Two-sample tests between a best cell and its rivals.

welch        Welch's unequal-variances t-test, two-sided (the default)
mannwhitney  Mann–Whitney U test, two-sided (no normality assumption; needs more replicates)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from resultsbook.errors import QueryError

TESTS = ("welch", "mannwhitney", "none")
TEST_NAMES = {"welch": "Welch's t-test", "mannwhitney": "Mann–Whitney U test"}


def p_value(test: str, first: Sequence[float], second: Sequence[float]) -> float:
    """Return the two-sided p-value of `test` between two samples; NaN when it cannot be computed."""
    a = np.asarray([v for v in first if not math.isnan(v)], dtype=np.float64)
    b = np.asarray([v for v in second if not math.isnan(v)], dtype=np.float64)
    if test == "welch":
        return welch_p(a, b)
    if test == "mannwhitney":
        return mann_whitney_p(a, b)
    raise QueryError(f"unknown test {test!r}; choose from {', '.join(TESTS)}")


def welch_p(a: np.ndarray, b: np.ndarray) -> float:
    """Return the p-value of Welch's t-test (as scipy.stats.ttest_ind(equal_var=False))."""
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    var_a, var_b = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    spread = var_a + var_b
    if spread == 0:
        return 1.0 if np.mean(a) == np.mean(b) else 0.0
    t = (np.mean(a) - np.mean(b)) / math.sqrt(spread)
    dof = spread**2 / (var_a**2 / (len(a) - 1) + var_b**2 / (len(b) - 1))
    from scipy.special import stdtr  # imported here: scipy costs ~0.5 s to import

    return float(2 * stdtr(dof, -abs(t)))


def mann_whitney_p(a: np.ndarray, b: np.ndarray) -> float:
    """Return the p-value of the two-sided Mann–Whitney U test (scipy's automatic method)."""
    if len(a) < 1 or len(b) < 1:
        return float("nan")
    from scipy.stats import mannwhitneyu

    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)
