"""Every statistic against numpy and scipy on random data (hypothesis), with the conventions written down.

Conventions pinned here (query/stats.py and query/significance.py state them too):
- NaN values are left out; n counts the rest.
- std and sem use the table's ddof (np.std(ddof=...)); sem = std / sqrt(n).
- ci95 is scipy.stats.t.interval(0.95, n - 1, mean, sem with ddof = 1), of the mean only.
- median and iqr are numpy's linear-interpolation quantiles; iqm is scipy.stats.trim_mean(x, 0.25).
- bootstrap (percentile) and bca are scipy.stats.bootstrap with the same draws: resamples from
  numpy.random.default_rng(seed).integers(0, n, (resamples, n)), bounds as linear quantiles; so the
  same seed gives scipy's interval to rounding, for the mean, the median and the IQM.
- Welch is scipy.stats.ttest_ind(equal_var=False); Mann–Whitney is scipy.stats.mannwhitneyu
  (two-sided; its exact p over every split: method=PermutationMethod() up to PERMUTATIONS splits,
  method="exact" beyond them where no values tie); the permutation
  test is scipy.stats.permutation_test of the difference in the centre (independent samples,
  two-sided, exact below `resamples` splits).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from resultsbook.errors import QueryError
from resultsbook.query.significance import PERMUTATIONS, mann_whitney_p, permutation_p, welch_p
from resultsbook.query.stats import bootstrap_interval, describe

FINITE = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False, width=64)
SAMPLES = st.lists(FINITE, min_size=2, max_size=40).filter(lambda xs: np.ptp(xs) > 1e-6)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REFERENCE_CENTERS = {
    "mean": np.mean,
    "median": np.median,
    "iqm": lambda x, axis=-1: scipy_stats.trim_mean(x, 0.25, axis=axis),
}


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * (1 + abs(b)))


@SETTINGS
@given(SAMPLES, st.integers(min_value=0, max_value=1))
def test_point_statistics_match_numpy_and_scipy(values, ddof):
    x = np.asarray(values)
    got = describe(values, ["mean", "std", "sem", "median", "iqr", "iqm", "min", "max"], ddof=ddof)
    assert got["n"] == len(x)
    assert close(got["mean"], float(np.mean(x)))
    std = float(np.std(x, ddof=ddof))
    # spreads at float-noise level are reported as 0 (see test_float_noise_spreads_are_zero)
    assert got["std"] == 0.0 or close(got["std"], std)
    assert got["sem"] == 0.0 or close(got["sem"], std / math.sqrt(len(x)))
    assert close(got["median"], float(np.median(x)))
    assert got["iqr"] == 0.0 or close(got["iqr"], float(scipy_stats.iqr(x)))
    assert close(got["iqm"], float(scipy_stats.trim_mean(x, 0.25)))
    assert (got["min"], got["max"]) == (float(np.min(x)), float(np.max(x)))


@SETTINGS
@given(SAMPLES)
def test_t_interval_matches_scipy(values):
    x = np.asarray(values)
    got = describe(values, ["ci95"])
    low, high = scipy_stats.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=scipy_stats.sem(x))
    assert close(got["ci95_lo"], low) and close(got["ci95_hi"], high)


@SETTINGS
@given(SAMPLES, st.sampled_from(["mean", "median", "iqm"]), st.sampled_from(["bootstrap", "bca"]),
       st.integers(min_value=0, max_value=2**31))  # fmt: skip
def test_bootstrap_intervals_are_scipys_with_the_same_draws(values, center, method, seed):
    x = np.asarray(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns where its BCa is undefined
        reference = scipy_stats.bootstrap(
            (x,),
            REFERENCE_CENTERS[center],
            n_resamples=500,
            method="percentile" if method == "bootstrap" else "BCa",
            rng=np.random.default_rng(seed),
            vectorized=True,
        ).confidence_interval
    if method == "bca" and (math.isnan(reference.low) or math.isnan(reference.high)):
        return  # no jackknife spread: scipy gives NaN, resultsbook takes acceleration 0 (documented)
    low, high = bootstrap_interval(x, center, seed, resamples=500, method=method)
    assert close(low, reference.low) and close(high, reference.high)


@SETTINGS
@given(SAMPLES, SAMPLES)
def test_welch_and_mann_whitney_match_scipy(first, second):
    a, b = np.asarray(first), np.asarray(second)
    assert close(welch_p(a, b), scipy_stats.ttest_ind(a, b, equal_var=False).pvalue)
    if math.comb(len(a) + len(b), len(a)) <= PERMUTATIONS:
        method: object = scipy_stats.PermutationMethod(n_resamples=PERMUTATIONS)
    elif len(np.unique(np.concatenate([a, b]))) == len(a) + len(b):
        method = "exact"  # no ties: scipy's exact distribution of U
    else:
        return  # ties among too many splits for scipy to count (pinned on tied samples below)
    reference = scipy_stats.mannwhitneyu(a, b, alternative="two-sided", method=method).pvalue
    assert close(mann_whitney_p(a, b), reference)


@SETTINGS
@given(
    st.lists(st.integers(min_value=0, max_value=3), min_size=2, max_size=7),
    st.lists(st.integers(min_value=0, max_value=3), min_size=2, max_size=7),
)
def test_mann_whitney_of_few_tied_values_is_scipys_exact_permutation(first, second):
    a, b = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    method = scipy_stats.PermutationMethod(n_resamples=PERMUTATIONS)
    reference = scipy_stats.mannwhitneyu(a, b, alternative="two-sided", method=method).pvalue
    assert close(mann_whitney_p(a, b), reference)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ([1, 1, 1, 1, 0, 1, 2, 0], [3, 1, 1, 3, 1, 3, 1, 2]),  # 12,870 splits: was normal, p = 0.0479
        ([0, 2, 1, 1, 3, 0, 2, 2, 1, 0], [3, 1, 2, 3, 3, 1, 2, 4, 2, 3]),
    ],
)
def test_mann_whitney_of_tied_seeds_beyond_ten_thousand_splits_is_exact(first, second):
    """8 against 8 seeds of few distinct values took scipy's normal approximation (p = 0.0479, bold);
    the exact p over every split is 0.0634."""
    if not hasattr(scipy_stats, "PermutationMethod"):
        pytest.skip("scipy before 1.12 has no PermutationMethod")
    a, b = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    method = scipy_stats.PermutationMethod(n_resamples=np.inf)
    reference = scipy_stats.mannwhitneyu(a, b, alternative="two-sided", method=method).pvalue
    assert close(mann_whitney_p(a, b), reference)
    if len(a) == 8:
        assert f"{mann_whitney_p(a, b):.4f}" == "0.0634"


def test_mann_whitney_of_a_small_cell_beside_a_large_one_is_exact():
    """2 runs at 0.0 beside 59 (50 at 1.0): 61 runs in all took the normal approximation, p = 0.0026 and
    bold, where the exact p over every split is 0.060."""
    a, b = np.zeros(2), np.asarray([1.0] * 50 + [0.0] * 9)
    assert f"{mann_whitney_p(a, b):.3f}" == "0.060"


@SETTINGS
@given(
    st.lists(FINITE, min_size=2, max_size=9),
    st.lists(FINITE, min_size=2, max_size=9),
    st.sampled_from(["mean", "median", "iqm"]),
    st.integers(min_value=0, max_value=2**31),
)
def test_permutation_test_is_scipys(first, second, center, seed):
    a, b = np.asarray(first), np.asarray(second)
    function = REFERENCE_CENTERS[center]
    reference = scipy_stats.permutation_test(
        (a, b),
        lambda x, y, axis: function(x, axis=axis) - function(y, axis=axis),
        n_resamples=300,
        rng=np.random.default_rng(seed),
        vectorized=True,
    ).pvalue
    assert close(permutation_p(a, b, center, resamples=300, seed=seed), reference)


def test_float_noise_spreads_are_zero():
    """Seeds that all logged 0.1 have no spread, not 1.7e-17 (np.std's float noise)."""
    assert np.std([0.1, 0.1, 0.1], ddof=1) > 0  # what numpy says
    got = describe([0.1, 0.1, 0.1], ["std", "sem", "ci95", "bootstrap", "iqr"])
    assert (got["std"], got["sem"], got["ci95"], got["bootstrap"], got["iqr"]) == (0, 0, 0, 0, 0)
    assert describe([0.1 + 0.2, 0.3, 0.3], ["std"])["std"] == 0  # one ulp apart
    assert describe([1e-8, 1.1e-8], ["std"])["std"] > 0  # small is not noise


def test_infinite_values_keep_order_statistics_and_say_nan_for_spreads():
    got = describe([1.0, math.inf, 2.0], ["median", "iqm", "min", "max", "std", "ci95", "bootstrap"])
    assert got["median"] == 2.0  # numpy's percentile says nan here
    assert (got["min"], got["max"], got["mean"]) == (1.0, math.inf, math.inf)
    assert math.isnan(got["std"]) and math.isnan(got["ci95"]) and math.isnan(got["bootstrap_lo"])
    assert math.isnan(describe([math.inf, -math.inf], ["mean"])["mean"])


def test_runs_that_differ_have_no_zero_iqr_when_both_quartiles_are_infinite():
    got = describe([0.6, math.inf], ["median", "iqr"], center="median")
    assert (got["iqr_lo"], got["median"], got["iqr_hi"]) == (math.inf, math.inf, math.inf)
    assert math.isnan(got["iqr"])  # not 0: the runs are 0.6 and inf
    assert describe([1.0, math.inf, 2.0], ["iqr"])["iqr"] == math.inf
    assert describe([0.1, 0.1, 0.1], ["iqr"])["iqr"] == 0


def test_intervals_belong_to_their_centre():
    """The IQM's bootstrap interval contains the IQM (the old one resampled the mean: [4.45, 29.65])."""
    values = [1.0, 1.2, 1.5, 1.7, 2.0, 40.0, 80.0]
    for center in ("median", "iqm"):
        got = describe(values, [center, "bootstrap", "bca"], center=center)
        for method in ("bootstrap", "bca"):
            assert got[f"{method}_lo"] <= got[center] <= got[f"{method}_hi"]
    outlier = [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 100.0]
    mean, median = describe(outlier, ["bootstrap"]), describe(outlier, ["bootstrap"], center="median")
    assert median["bootstrap_hi"] < 2 < 10 < mean["bootstrap_hi"]  # the mean's interval is not the median's


def test_the_t_interval_is_refused_with_another_centre():
    with pytest.raises(QueryError, match="ci95 is the Student-t interval of the mean, not of the median"):
        describe([1.0, 2.0, 3.0], ["median", "ci95"], center="median")


@pytest.mark.parametrize("asked", [["median", "iqr", "ci95"], ["median", "ci95", "iqr"]])
def test_the_t_interval_asked_beside_another_centre_and_its_spread_is_refused_in_words_for_that(asked):
    """`--stat median,iqr,ci95` was told to use `iqr`, which it did; in the other order it was accepted."""
    from resultsbook.query.stats import check_statistics

    with pytest.raises(QueryError) as refused:
        check_statistics(asked, center="median")
    assert str(refused.value) == (
        "ci95 is the Student-t interval of the mean, not of the median, so a table centred on the median has "
        "no ci95 column: drop ci95 (iqr is then the spread), use bootstrap or bca for an interval of the "
        "median, or center = mean"
    )


def test_bootstrap_is_seeded_and_reproducible():
    x = [1.3, 2.1, 4.7, 8.2, 3.3, 5.9]
    first, again, other = (describe(x, ["bootstrap"], seed=s) for s in (0, 0, 1))
    assert (first["bootstrap_lo"], first["bootstrap_hi"]) == (again["bootstrap_lo"], again["bootstrap_hi"])
    assert first["bootstrap_lo"] != other["bootstrap_lo"]
