"""SeriesBuilder: each metric keeps its own steps, however many metrics are built together; a block of
usual metrics checked at once gives what the builder gives."""

from __future__ import annotations

import numpy as np
import pytest

from resultsbook.sources.series import SeriesBuilder, usual_block


def test_metrics_logged_at_different_steps_keep_their_own_steps():
    # many keys with point-by-point arrays: freed temporaries must not lend their steps to another key
    builder = SeriesBuilder()
    for entry in range(12):
        builder.add("loss", entry * 2, 1.0)
        if entry % 4 == 3:
            builder.add("eval_loss", entry * 2, 0.5)
    for key in ("train_runtime", "total_flos", "train_loss"):
        builder.add(key, 22, 3.0)
    series, _ = builder.build("x")
    assert {key: len(s.steps) for key, s in series.items()} == {
        key: len(s.values) for key, s in series.items()
    }
    assert list(series["train_runtime"].steps) == [22]
    assert list(series["eval_loss"].steps) == [6, 14, 22]


def built(columns):
    """Build (key, steps, values, times) columns with the builder: (series, problems)."""
    builder = SeriesBuilder()
    for key, steps, values, times in columns:
        builder.add_column(
            key, np.asarray(steps, dtype=float), np.asarray(values, dtype=float), np.asarray(times)
        )
    return builder.build("x")


def as_block(columns):
    keys = [key for key, *_ in columns]
    counts = [len(steps) for _, steps, _, _ in columns]
    steps, values, times = (
        np.concatenate([np.asarray(c[i], dtype=float) for c in columns]) for i in (1, 2, 3)
    )
    return usual_block(keys, counts, steps, values, times)


USUAL = [
    ("loss", [0, 1, 2], [0.5, 0.25, 0.125], [1.0, 2.0, 3.0]),
    ("acc", [10, 20], [0.5, -0.0], [1.5, 2.5]),
    ("lr", [5], [1e-3], [7.0]),
]


def test_a_block_of_usual_metrics_is_what_the_builder_builds():
    series, problems = built(USUAL)
    block = as_block(USUAL)
    assert problems == [] and block is not None and list(block) == list(series)
    for key, expected in series.items():
        assert block[key].steps.dtype == expected.steps.dtype == np.int64
        for part in ("steps", "values", "times"):
            assert np.array_equal(getattr(block[key], part), getattr(expected, part))
        assert np.array_equal(np.signbit(block[key].values), np.signbit(expected.values))


@pytest.mark.parametrize(
    "damage",
    [
        ("acc", [20, 10], [0.5, 0.6], [1.5, 2.5]),  # out of order
        ("acc", [10, 10], [0.5, 0.6], [1.5, 2.5]),  # a step twice
        ("acc", [-1, 10], [0.5, 0.6], [1.5, 2.5]),  # a negative step
        ("acc", [0.5, 10], [0.5, 0.6], [1.5, 2.5]),  # a fractional step
        ("acc", [10, 2.0**53], [0.5, 0.6], [1.5, 2.5]),  # beyond float64's integers
        ("acc", [10, float("nan")], [0.5, 0.6], [1.5, 2.5]),
        ("acc", [10, 20], [0.5, float("inf")], [1.5, 2.5]),  # reported by the builder
        ("acc", [10, 20], [0.5, 0.6], [1.5, float("nan")]),  # a time unknown
        ("acc", [], [], []),
    ],
)
def test_a_block_with_any_metric_the_builder_would_settle_or_report_is_left_to_it(damage):
    assert as_block([USUAL[0], damage, USUAL[2]]) is None
