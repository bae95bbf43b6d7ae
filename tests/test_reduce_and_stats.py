"""Per-run reductions and statistics over replicates, checked against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from resultsbook.errors import QueryError
from resultsbook.query.expr import parse_expression
from resultsbook.query.reduce import parse_reduction, reduce_series
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


def test_best_takes_the_value_where_another_metric_is_best():
    val_loss = (STEPS, np.array([0.9, 0.4, 0.3, 0.35, 0.3]))  # best (min) first at step 30
    test_acc = np.array([0.1, 0.2, 0.33, 0.4, 0.5])
    assert reduce_series(parse_reduction("best(val/loss)"), STEPS, test_acc, val_loss) == 0.33
    assert reduce_series(parse_reduction("best(val/loss, max)"), STEPS, test_acc, val_loss) == 0.1


def test_bad_reductions_say_what_is_allowed():
    for text in ("lastt", "last(0)", "at(x)", "best()", "median"):
        with pytest.raises(QueryError, match=r"use last, min, max|at least 1|step number"):
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


def test_expressions_are_arithmetic_only():
    expression = parse_expression("100 * (`val/acc` - base) / max(scale, 1)")
    assert expression.names == ("val/acc", "base", "scale")
    values = {"val/acc": np.array([0.5, 0.75]), "base": 0.25, "scale": 0.5}
    assert list(expression.evaluate(values.__getitem__)) == [25.0, 50.0]
    for bad in ("__import__('os')", "x.real", "(lambda: 1)()", "'a' + 1", "open('f')", "x[0]"):
        with pytest.raises(QueryError):
            parse_expression(bad)
