"""The check every read run passes before the store (sources/validate.py): a run with nothing to
repair goes through as it is, and gives exactly what the full check gives."""

from __future__ import annotations

import itertools
import math
from collections import OrderedDict

import numpy as np
import pytest

from resultsbook.models import Problem, ReadResult, RunRecord, Series, Source
from resultsbook.sources import validate
from resultsbook.sources.validate import checked_result

GOOD = Series(np.arange(3), np.array([0.1, 0.2, 0.3]))
ODD_VALUES = [
    "plain", "café", "\udcff", "\ud800", 7, 2**70, -(2**63), 1.5, math.nan, math.inf, True, None,
    [1, 2], {"a": 1}, (1, 2), np.int64(3), np.float32(0.5), np.str_("x"),
]  # fmt: skip
ODD_NUMBERS = [0.25, 3, 1e301, -1e305, math.nan, math.inf, None, "0.5", True, np.float64(2.0)]
ODD_PROVENANCE = [
    {}, {"git": {"commit": "abc", "dirty": False}}, {"host": "café"}, {"argv": ["a", "\udcff"]},
    {"argv": ("a", "b")}, {1: "x"}, OrderedDict(a=1), {"when": np.int64(5)}, {"deep": None},
]  # fmt: skip


def _nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def runs() -> list[RunRecord]:
    """Runs that each hold one odd thing (and one with nothing odd)."""
    made = [RunRecord(key="r", name="run", params={"lr": 0.1, "model": "mlp"}, metrics={"acc": GOOD})]
    for value in ODD_VALUES:
        made.append(RunRecord(key="r", name="run", params={"p": value}))
        made.append(RunRecord(key="r", name="run", params={str(value): 1} if isinstance(value, str) else {}))
        if isinstance(value, str):
            made += [
                RunRecord(key=value, name="run"),
                RunRecord(key="r", name=value, experiment=value, status=value),
                RunRecord(key="r", name="run", metrics={value: GOOD}, summary={value: 1.0}),
            ]
        made.append(RunRecord(key=value, name=value))  # type: ignore[arg-type]
    for number in ODD_NUMBERS:
        made.append(RunRecord(key="r", name="run", summary={"acc": number}))  # type: ignore[dict-item]
        made.append(RunRecord(key="r", name="run", start_time=number, end_time=1.0))  # type: ignore[arg-type]
    for provenance in [*ODD_PROVENANCE, {"deep": _nested(99)}, {"deep": _nested(101)}, {"deep": ["é"] * 2}]:
        made.append(RunRecord(key="r", name="run", provenance=provenance))
    made.append(RunRecord(key="r", name="run", metrics={"acc": Series([0, 1], [0.5, 0.6])}))  # type: ignore[arg-type]
    made.append(RunRecord(key="r", name="run", metrics={"acc": Series(np.arange(2), np.ones(3))}))
    return made


def described(result: ReadResult) -> list[str]:
    """Every field of every run, with its type, and every problem: two results alike are equal."""
    texts = [repr(p) for p in result.problems]
    for run in result.runs:
        for name in ("key", "name", "experiment", "status", "start_time", "end_time"):
            value = getattr(run, name)
            texts.append(f"{name}={value!r}:{type(value).__name__}")
        texts += [f"param {k!r}={v!r}:{type(v).__name__}" for k, v in run.params.items()]
        texts += [f"summary {k!r}={v!r}:{type(v).__name__}" for k, v in run.summary.items()]
        texts += [f"metric {k!r}" for k in run.metrics]
        texts.append(f"provenance {_typed(run.provenance)}")
    return texts


def _typed(value: object) -> str:
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{_typed(k)}: {_typed(v)}" for k, v in value.items())
            + "}"
            + type(value).__name__
        )
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_typed, value)) + "]" + type(value).__name__
    return f"{value!r}:{type(value).__name__}"


@pytest.mark.parametrize("run", runs(), ids=itertools.count())
def test_a_run_gets_through_the_check_exactly_as_the_full_check_gives_it(run, monkeypatch):
    source = Source(adapter="native", path="/runs/a", files=())
    fast = checked_result(source, ReadResult((run,), (Problem("/runs/a", "odd", "all"),)))
    monkeypatch.setattr(validate, "_as_stored", lambda run: False)
    full = checked_result(source, ReadResult((run,), (Problem("/runs/a", "odd", "all"),)))
    assert described(fast) == described(full)


def test_a_run_with_nothing_to_repair_is_passed_on_not_copied():
    run = runs()[0]
    source = Source(adapter="native", path="/runs/a", files=())
    assert checked_result(source, ReadResult((run,), ())).runs[0] is run


@pytest.mark.parametrize(
    "series",
    [
        Series(np.arange(2), np.ones(3)),
        Series(np.arange(3), np.ones(3), np.ones(2)),
        Series(np.arange(3), np.array(["a", "b", "c"])),
        Series(np.arange(4).reshape(2, 2), np.ones((2, 2))),
        Series([0, 1], [0.5, 0.6]),  # type: ignore[arg-type]
    ],
)
def test_a_malformed_series_is_dropped_and_reported_the_other_metrics_kept(series):
    run = RunRecord(key="r", name="run", metrics={"acc": series, "loss": GOOD})
    result = checked_result(Source(adapter="native", path="/runs/a", files=()), ReadResult((run,), ()))
    assert list(result.runs[0].metrics) == ["loss"]
    assert [p.describe() for p in result.problems] == [
        "/runs/a: metric 'acc' was read as a malformed series (a bug in the native adapter) — kept: the other metrics"
    ]
