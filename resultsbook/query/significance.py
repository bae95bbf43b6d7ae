"""Is the highlighted best really better? Two-sample tests between a best cell and its rivals, chosen
to match the centre the table shows.

auto         Welch's t-test when the centre is the mean, else the permutation test (the default)
welch        Welch's unequal-variances t-test of the means, two-sided (mean only)
permutation  permutation test of the difference in the centre statistic (mean, median or IQM),
             two-sided; exact (every split of the pooled values) when there are at most
             PERMUTATIONS splits, else PERMUTATIONS random ones, seeded — as scipy.stats.permutation_test
mannwhitney  Mann–Whitney U test, two-sided (ranks: tests a shift of the whole distribution); exact
             (the rank sum over every split of the pooled values, ties at their mean rank, counted
             by dynamic programming) while the smaller sample times the pooled size is at most
             RANKED_EXACT, else scipy's automatic method

A two-sided p says that two samples differ, not which way: `compare` also returns the side the test's
own statistic finds larger, which for the Mann–Whitney test can be the one with the smaller mean.

Conventions of the permutation test (scipy's): p = min(1, 2 min(P(T* <= t), P(T* >= t))), values
within 100 machine epsilons of the observed difference count as equal to it, and a random
(non-exact) test adds one to both counts (Phipson & Smyth).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from resultsbook.errors import QueryError
from resultsbook.query.stats import STATISTIC_FUNCTIONS, sum_overflowing
from resultsbook.query.student_t import two_sided_p

TESTS = ("auto", "welch", "permutation", "mannwhitney", "none")
PERMUTATIONS = 10_000
# the Mann–Whitney p is exact while the smaller sample's size times the pooled size is at most this
# (30 against 30, 2 against 900): the counting grows with both (100 against 100 took 0.6 s a test),
# and beyond it the normal approximation is close
RANKED_EXACT = 1800
_CENTER_WORDS = {"mean": "means", "median": "medians", "iqm": "IQMs"}
_FOURTH_POWERS_OVERFLOW = 1e75  # the dof squares variances: values beyond about 1e77 overflow


def resolve_test(test: str, center: str) -> str:
    """Return the test behind bold for a centre: `auto` picks the one that matches it."""
    if test not in TESTS:
        raise QueryError(f"test {test!r} is not one of {', '.join(TESTS)}")
    if test == "auto":
        return "welch" if center == "mean" else "permutation"
    if test == "welch" and center != "mean":
        raise QueryError(
            f"test = welch compares means, but the table shows the {center}; use test = permutation "
            "(of the difference in the centre), mannwhitney, or auto"
        )
    return test


def test_name(test: str, center: str) -> str:
    """Say which test decided the bold, as the table note states it."""
    if test == "welch":
        return "Welch's t-test"
    if test == "mannwhitney":
        return "Mann–Whitney U test"
    return f"permutation test of the difference in {_CENTER_WORDS.get(center, center)}"


class Comparison(NamedTuple):
    """A two-sample test's two-sided p-value (NaN: none) and the side its own statistic finds larger:
    1 the first sample, -1 the second, 0 neither (a two-sided p says they differ, not which way)."""

    p: float
    larger: int


def compare(
    test: str, first: Sequence[float], second: Sequence[float], center: str = "mean", seed: int = 0
) -> Comparison:
    """Return the two-sided p-value of `test` between two samples and which one the test finds larger."""
    a = np.asarray([v for v in first if not math.isnan(v)], dtype=np.float64)
    b = np.asarray([v for v in second if not math.isnan(v)], dtype=np.float64)
    largest = sum_overflowing(np.concatenate([a, b]))
    if largest:  # every test is the same in the unit of the largest value, where sums do not overflow
        a, b = a / largest, b / largest
    if test == "welch":
        p = welch_p(a, b)
    elif test == "mannwhitney":
        p = mann_whitney_p(a, b)
    elif test == "permutation":
        p = permutation_p(a, b, center, seed=seed)
    else:
        raise QueryError(f"unknown test {test!r}; choose from {', '.join(TESTS)}")
    return Comparison(p, 0 if math.isnan(p) else _larger(test, a, b, center))


def _larger(test: str, a: np.ndarray, b: np.ndarray, center: str) -> int:
    """Return the side the test's statistic finds larger: the centres' difference, or for the
    Mann–Whitney test its U against n·m/2 (which can disagree with the means: one far value)."""
    if test == "mannwhitney":
        above = np.count_nonzero(a[:, None] > b[None, :]) - np.count_nonzero(a[:, None] < b[None, :])
        return int(np.sign(above))
    function = STATISTIC_FUNCTIONS["mean" if test == "welch" else center]
    return int(np.sign(float(function(a)) - float(function(b))))


def welch_p(a: np.ndarray, b: np.ndarray) -> float:
    """Return the p-value of Welch's t-test (as scipy.stats.ttest_ind(equal_var=False))."""
    if len(a) < 2 or len(b) < 2 or not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("nan")
    largest = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))))
    if largest > _FOURTH_POWERS_OVERFLOW:  # t and its dof do not depend on the unit
        a, b = a / largest, b / largest
    var_a, var_b = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    spread = var_a + var_b
    if spread == 0:
        return 1.0 if np.mean(a) == np.mean(b) else 0.0
    t = (np.mean(a) - np.mean(b)) / math.sqrt(spread)
    dof = spread**2 / (var_a**2 / (len(a) - 1) + var_b**2 / (len(b) - 1))
    return two_sided_p(float(t), float(dof))


def mann_whitney_p(a: np.ndarray, b: np.ndarray) -> float:
    """Return the p-value of the two-sided Mann–Whitney U test: exact over every split of the pooled
    values while the smaller sample's size times the pooled size is at most RANKED_EXACT (ties given
    their mean rank, as scipy's method=PermutationMethod(n_resamples=np.inf)), else scipy's automatic
    method."""
    if len(a) < 1 or len(b) < 1:
        return float("nan")
    from scipy.stats import mannwhitneyu, rankdata

    if min(len(a), len(b)) * (len(a) + len(b)) > RANKED_EXACT:
        return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)
    # scipy's automatic method takes the normal approximation where values tie, whatever the sizes:
    # p = 0.048 for 8 seeds against 8 of few distinct values, where the exact p is 0.063
    if len(a) > len(b):  # the same two-sided p, counted over the smaller sample's subsets
        a, b = b, a
    doubled = np.rint(2 * rankdata(np.concatenate([a, b]))).astype(np.int64)  # mean ranks are halves
    counts = rank_sum_counts(doubled, len(a))
    observed = int(doubled[: len(a)].sum())
    total = counts.sum()
    less, greater = counts[: observed + 1].sum() / total, counts[observed:].sum() / total
    return float(min(1.0, 2 * min(less, greater)))


def rank_sum_counts(ranks: np.ndarray, size: int) -> np.ndarray:
    """Return how many subsets of `size` of the (integer) `ranks` have each sum, indexed by the sum."""
    top = int(np.sort(ranks)[len(ranks) - size :].sum())
    counts = np.zeros((size + 1, top + 1))  # subsets of j ranks by their sum
    counts[0, 0] = 1.0
    for rank in ranks.tolist():
        if rank <= top:
            counts[1:, rank:] += counts[:-1, : top + 1 - rank].copy()
    return counts[size]


def permutation_p(
    a: np.ndarray, b: np.ndarray, statistic: str = "mean", resamples: int = PERMUTATIONS, seed: int = 0
) -> float:
    """Return the two-sided permutation p-value of statistic(a) - statistic(b) (scipy's conventions)."""
    if len(a) < 1 or len(b) < 1 or not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("nan")
    function = STATISTIC_FUNCTIONS[statistic]
    pooled = np.concatenate([a, b])
    n, k = len(pooled), len(a)
    observed = float(function(a) - function(b))
    exact = math.comb(n, k) <= resamples
    if exact:
        order = np.array(
            [
                [*first, *(i for i in range(n) if i not in set(first))]
                for first in itertools.combinations(range(n), k)
            ]
        )
    else:
        rng = np.random.default_rng(seed)
        order = np.array([rng.permutation(n) for _ in range(resamples)])
    shuffled = pooled[order]
    null = function(shuffled[:, :k], axis=-1) - function(shuffled[:, k:], axis=-1)
    adjustment = 0 if exact else 1
    tolerance = abs(100 * np.finfo(np.float64).eps * observed)
    less = (np.count_nonzero(null <= observed + tolerance) + adjustment) / (len(null) + adjustment)
    greater = (np.count_nonzero(null >= observed - tolerance) + adjustment) / (len(null) + adjustment)
    return float(min(1.0, 2 * min(less, greater)))
