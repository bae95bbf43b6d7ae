"""Per-run reductions and statistics over replicates, checked against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from resultsbook.errors import QueryError
from resultsbook.query.expr import parse_expression
from resultsbook.query.reduce import (
    best_step_of,
    best_steps_of_rows,
    parse_reduction,
    reduce_rows,
    reduce_series,
)
from resultsbook.query.significance import welch_p
from resultsbook.query.stats import describe

STEPS = np.array([10, 20, 30, 40, 50])
VALUES = np.array([0.5, 0.9, np.nan, 0.7, 0.6])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("last", 0.6),
        ("max", 0.9),
        ("min", 0.5),
        ("mean", (0.5 + 0.9 + 0.7 + 0.6) / 4),
        ("last(2)", 0.65),
        ("last(3)", 0.65),
        ("at(40)", 0.7),
        ("at(45)", 0.7),
        ("at(10)", 0.5),
    ],
)
def test_reductions(text, expected):
    assert reduce_series(parse_reduction(text), STEPS, VALUES) == pytest.approx(expected)


def test_at_a_step_the_run_never_reached_is_nan():
    assert math.isnan(reduce_series(parse_reduction("at(60)"), STEPS, VALUES))
    assert math.isnan(reduce_series(parse_reduction("at(5)"), STEPS, VALUES))


@pytest.mark.parametrize("typed", ["at(nan)", "at(NaN)", "at(inf)", "at(-inf)", "at(1e400)", "at(x)"])
def test_at_a_step_that_is_not_a_number_is_refused(typed):
    """at(nan) gave every run NaN, and at(inf) said each run `stopped at step 10, before at(inf)`."""
    with pytest.raises(QueryError) as caught:
        parse_reduction(typed)
    assert str(caught.value) == f"reduction {typed!r}: at() takes a step number, e.g. at(5000)"


def test_best_takes_the_value_where_another_metric_is_best():
    val_loss = (STEPS, np.array([0.9, 0.4, 0.3, 0.35, 0.3]))  # best (min) first at step 30
    test_acc = np.array([0.1, 0.2, 0.33, 0.4, 0.5])
    assert reduce_series(parse_reduction("best(val/loss)"), STEPS, test_acc, val_loss) == 0.33
    assert reduce_series(parse_reduction("best(val/loss, max)"), STEPS, test_acc, val_loss) == 0.1


# values that make reductions disagree when done carelessly: NaN gaps, infinities, signed zeros, near ties
AWKWARD = [0.5, 0.25, 0.3, 0.30000000000000004, 1.0, 1.0 - 1e-13, np.nan, np.inf, -np.inf, -0.0, 0.0, 5e-324]


@pytest.mark.parametrize(
    "text", ["last", "min", "max", "mean", "last(3)", "last(40)", "at(20)", "at(25)", "at(0)", "at(9999)"]
)
@pytest.mark.parametrize("awkward", [True, False])
def test_a_table_reducing_every_run_at_once_gives_each_run_its_own_value(text, awkward):
    rng = np.random.default_rng(7)  # awkward values in short runs; plain ones in long runs (pairwise sums)
    values = rng.choice(AWKWARD, size=(400, 5)) if awkward else rng.normal(size=(300, 100))
    steps = np.arange(values.shape[1]) * 10
    reduction = parse_reduction(text)
    at_once = reduce_rows(reduction, steps, values)
    one_by_one = np.array([reduce_series(reduction, steps, row) for row in values])
    np.testing.assert_array_equal(at_once, one_by_one)
    assert np.array_equal(np.signbit(at_once), np.signbit(one_by_one))


@pytest.mark.parametrize("direction", ["max", "min"])
def test_best_steps_of_every_run_at_once_break_ties_as_one_run_at_a_time(direction):
    values = np.random.default_rng(3).choice(AWKWARD, size=(2000, 4))
    steps = np.array([5, 10, 15, 20])
    at_once = best_steps_of_rows(steps, values, direction)
    one_by_one = [best_step_of(steps, row, direction) for row in values]
    np.testing.assert_array_equal(at_once, [np.nan if step is None else step for step in one_by_one])


def test_bad_reductions_say_what_is_allowed():
    for text in ("lastt", "last(0)", "at(x)", "best()", "median"):
        with pytest.raises(QueryError, match=r"use last, min, max|at least 1|step number|names no metric"):
            parse_reduction(text)


def test_statistics_match_numpy_and_scipy():
    from scipy import stats as scipy_stats

    x = [93.1, 93.6, 92.8, 94.0, 93.3]
    got = describe(x, ["mean", "std", "sem", "ci95", "median", "iqr", "iqm", "min", "max"], ddof=1)
    assert got["n"] == 5
    assert got["mean"] == pytest.approx(np.mean(x))
    assert got["std"] == pytest.approx(np.std(x, ddof=1))
    assert got["sem"] == pytest.approx(scipy_stats.sem(x))
    low, high = scipy_stats.t.interval(0.95, 4, loc=np.mean(x), scale=scipy_stats.sem(x))
    assert (got["ci95_lo"], got["ci95_hi"]) == (pytest.approx(low), pytest.approx(high))
    assert got["iqm"] == pytest.approx(scipy_stats.trim_mean(x, 0.25))
    assert got["iqr"] == pytest.approx(scipy_stats.iqr(x))
    assert describe(x, ["std"], ddof=0)["std"] == pytest.approx(np.std(x))


def test_bootstrap_is_seeded_and_brackets_the_mean():
    x = [1.3, 2.1, 4.7, 8.2, 3.3, 5.9]
    first, again, other = (describe(x, ["bootstrap"], seed=s) for s in (0, 0, 1))
    assert (first["bootstrap_lo"], first["bootstrap_hi"]) == (again["bootstrap_lo"], again["bootstrap_hi"])
    assert first["bootstrap_lo"] != other["bootstrap_lo"]
    assert first["bootstrap_lo"] < np.mean(x) < first["bootstrap_hi"]


def test_statistics_ignore_nan_and_say_nan_when_n_is_too_small():
    got = describe([5.0, float("nan")], ["mean", "std", "ci95"])
    assert got["n"] == 1 and got["mean"] == 5.0
    assert math.isnan(got["std"]) and math.isnan(got["ci95"])
    assert describe([], ["mean", "std"])["n"] == 0


def test_spreads_of_huge_values_are_computed_not_overflowed():
    # a diverged gradient descent logged cv_r2 = -4.39e276 beside values near 0.9 (seen in
    # github.com/01-AlstonAlvares/A3 @ 5be413db, app/mlruns): squaring it overflowed to inf
    x = [0.90, -4.3935808063325714e276, 0.91]
    got = describe(x, ["mean", "std", "ci95", "bca"])
    assert got["std"] == pytest.approx(float(np.std(np.asarray(x) / 1e276, ddof=1)) * 1e276)
    assert math.isfinite(got["ci95"]) and got["ci95"] > got["std"]
    assert got["bca_lo"] <= got["mean"] <= got["bca_hi"]
    assert describe([1e300, 3e300], ["std"], ddof=0)["std"] == pytest.approx(1e300)
    assert 0 <= welch_p(np.asarray(x), np.asarray([0.80, 0.81, 0.82])) <= 1


def test_a_mean_of_values_near_the_largest_double_is_finite_and_quiet():
    """Losses of 1.0e308-1.3e308 gave a mean of inf (no ∞ mark: every value is finite), blank bootstrap
    bounds, and numpy's overflow warnings on stderr."""
    import warnings

    x = [1.0e308, 1.2e308, 1.1e308, 1.3e308]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = describe(x, ["mean", "std", "bootstrap", "iqm"])
        median = describe(x, ["median", "bootstrap"], center="median")
    assert got["mean"] == pytest.approx(1.15e308) and got["iqm"] == pytest.approx(1.15e308)
    assert 1.0e308 <= got["bootstrap_lo"] < got["mean"] < got["bootstrap_hi"] <= 1.3e308
    assert 1.0e308 <= median["bootstrap_lo"] < median["bootstrap_hi"] <= 1.3e308
    scaled = describe([value / 1e308 for value in x], ["bootstrap"])  # the same resamples, in its unit
    assert got["bootstrap_lo"] == pytest.approx(scaled["bootstrap_lo"] * 1e308)


def test_tests_and_bca_of_values_near_the_largest_double_are_computed_quietly():
    """Cells of 1.6e308-1.79e308 stopped `table` with an internal error (the test's side was inf - inf),
    the BCa interval came out blank, and numpy's overflow warnings reached stderr."""
    import warnings

    from resultsbook.query.significance import compare

    big, two = [1.7e308, 1.7e308, 1.6e308], [1.79e308, 1.78e308]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = describe(big, ["mean", "bca"])
        assert 1.59e308 < got["bca_lo"] < got["bca_hi"] <= 1.7e308  # in the unit of 1.7e308: rounding
        for test in ("welch", "mannwhitney", "permutation"):
            result = compare(test, two, big)
            assert 0 < result.p <= 1 and result.larger == 1, test
        assert describe([1.7e308, float("inf"), 1.6e308], ["iqm", "median"])["iqm"] == float("inf")
        assert describe([1.7e308, -1.7e308, 1.0], ["std"])["std"] == pytest.approx(1.7e308)


def test_a_metric_named_as_a_python_word_is_a_name_of_an_expression():
    """d3rlpy's metric is `return` (takuseno/d3rlpy-benchmarks @ 1771c9b2, environment.csv: epoch,step,return),
    and the D4RL normalized score docs/statistics.md shows, `100 * (return - random_return) / ...`,
    was "not valid arithmetic (invalid syntax)": `return` is a Python keyword."""
    expression = parse_expression("100 * (return - random_return) / (expert_return - random_return)")
    assert expression.names == ("return", "random_return", "expert_return")
    values = {"return": np.array([10.0, 55.0]), "random_return": 10.0, "expert_return": 100.0}
    assert list(expression.evaluate(values.__getitem__)) == [0.0, 50.0]
    assert parse_expression("`return` + returns").names == ("return", "returns")


def test_expressions_are_arithmetic_only():
    expression = parse_expression("100 * (`val/acc` - base) / max(scale, 1)")
    assert expression.names == ("val/acc", "base", "scale")
    values = {"val/acc": np.array([0.5, 0.75]), "base": 0.25, "scale": 0.5}
    assert list(expression.evaluate(values.__getitem__)) == [25.0, 50.0]
    for bad in ("__import__('os')", "x.real", "(lambda: 1)()", "'a' + 1", "open('f')", "x[0]"):
        with pytest.raises(QueryError):
            parse_expression(bad)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("bets(val/acc)", "best(val/acc)"),
        ("lats", "last"),
        ("lst(10)", "last(10)"),
        ("best_men", "best-mean"),
        ("Max", "max"),  # a capital was "not understood", with no guess
        ("LAST(10)", "last(10)"),
        ("last(3", "last(3)"),  # a stranger's bracket left open was answered "did you mean 'last(3'?"
        ("at(20000", "at(20000)"),
        # the mean of the last k points as a tired hand writes it was "not understood", with no guess
        ("mean(last 10)", "last(10)"),
        ("mean(last(10))", "last(10)"),
        ("last 10", "last(10)"),
        ("last_5", "last(5)"),
        ("avg(last 20)", "last(20)"),
    ],
)
def test_a_misspelt_reduction_gets_the_one_meant_with_its_argument(typed, meant):
    from resultsbook.errors import QueryError
    from resultsbook.query.reduce import parse_reduction

    with pytest.raises(QueryError) as caught:
        parse_reduction(typed)
    assert str(caught.value) == (
        f"reduction {typed!r} is not understood; did you mean {meant!r}? (use last, min, max, mean, last(k), "
        "at(step), best(KEY[, max|min]) or best-mean)"
    )


def test_best_without_a_metric_names_max_and_best_of_a_key():
    """A stranger typed --reduce best on SB3 runs (github.com/eliamounier/Deep_RL) and was told only
    that it was not understood."""
    for typed in ("best", "best()"):
        with pytest.raises(QueryError) as caught:
            parse_reduction(typed)
        assert str(caught.value) == (
            f"reduction {typed!r} names no metric: max (or min) takes each run's best value of the table's "
            "metric; best(KEY) takes it at the step where KEY is best, e.g. best(val/acc)"
        )
