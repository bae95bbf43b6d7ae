"""The metrics table's summaries (n, first/last step, last, min, max, mean) of a run's series: those
reduced together, a run at a time, must be the very numbers each series gives alone."""

from __future__ import annotations

import numpy as np
import pytest

from resultsbook.models import Series
from resultsbook.store.writer import _summaries, _summarize


def alone(metrics: dict[str, Series]) -> dict[str, str]:
    """Each series summarized by itself, as text: NaN equals NaN, and every bit counts."""
    with np.errstate(invalid="ignore", over="ignore"):
        return {key: repr(_summarize(series)) for key, series in metrics.items()}


def together(metrics: dict[str, Series]) -> dict[str, str]:
    return {key: repr(summary) for key, summary in _summaries(metrics).items()}


@pytest.mark.parametrize("length", [1, 2, 7, 8, 9, 100, 1000, 8191, 8192, 8193, 100_001])
def test_series_of_one_length_give_the_numbers_each_gives_alone(length):
    rng = np.random.default_rng(length)
    steps = np.arange(length, dtype=np.int64) * 3 + 5
    metrics = {
        f"m{index}": Series(steps, rng.standard_normal(length) * 10.0 ** rng.integers(-8, 8))
        for index in range(6)
    }
    assert together(metrics) == alone(metrics)


def test_odd_series_give_the_numbers_each_gives_alone():
    rng = np.random.default_rng(7)
    steps = np.arange(50, dtype=np.int64)
    with_nan = rng.standard_normal(50)
    with_nan[[3, 49]] = np.nan
    infinite = rng.standard_normal(50)
    infinite[10], infinite[11] = np.inf, -np.inf  # their mean is NaN
    all_nan = np.full(50, np.nan)
    wide = rng.standard_normal(100)
    metrics = {
        "plain": Series(steps, rng.standard_normal(50)),
        "nan": Series(steps, with_nan),
        "inf": Series(steps, infinite),
        "all nan": Series(steps, all_nan),
        "float32": Series(steps, rng.standard_normal(50).astype(np.float32)),  # summed in float32 alone
        "int": Series(steps, rng.integers(-5, 5, 50)),
        "strided": Series(steps, wide[::2]),
        "float steps": Series(np.linspace(0.5, 9.5, 50), rng.standard_normal(50)),
        "times": Series(steps, rng.standard_normal(50), np.linspace(1.7e9, 1.7e9 + 49, 50)),
        "empty": Series(np.array([], dtype=np.int64), np.array([])),
        "shorter": Series(steps[:20], rng.standard_normal(20)),
    }
    assert together(metrics) == alone(metrics)
    assert together({}) == {}


def test_infinities_of_both_signs_give_a_nan_mean_without_a_warning(recwarn):
    steps = np.arange(3, dtype=np.int64)
    metrics = {name: Series(steps, np.array([1.0, np.inf, -np.inf])) for name in ("a", "b")}
    assert repr(_summaries(metrics)["a"]) == repr((3, 0.0, 2.0, -np.inf, -np.inf, np.inf, np.nan))
    assert not recwarn.list


def test_a_nan_leaves_out_its_point_and_no_other_series_is_touched():
    steps = np.arange(4, dtype=np.int64)
    metrics = {
        "a": Series(steps, np.array([1.0, np.nan, 3.0, 5.0])),
        "b": Series(steps, np.array([2.0, 4.0, 6.0, 8.0])),
    }
    summaries = _summaries(metrics)
    assert summaries["a"] == (4, 0.0, 3.0, 5.0, 1.0, 5.0, 3.0)
    assert summaries["b"] == (4, 0.0, 3.0, 8.0, 2.0, 8.0, 5.0)


def test_a_collect_of_infinities_of_both_signs_prints_the_problem_and_no_numpy_warning(tmp_path):
    import subprocess
    import sys

    run = tmp_path / "runs/r1"
    run.mkdir(parents=True)
    (run / "metrics.jsonl").write_text('{"step": 0, "loss": Infinity}\n{"step": 1, "loss": -Infinity}\n')
    done = subprocess.run(
        [sys.executable, "-m", "resultsbook", "collect", "runs", "--db", "rb.db"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0
    assert done.stderr.splitlines() == [
        "Problems (everything readable was kept):",
        "  runs/r1/metrics.jsonl: metric 'loss' has 2 NaN/Infinity value(s) — kept: as NaN/±inf",
    ]
