"""build, check, status, explain and report read one snapshot of the store: a collect that commits
while they run never puts two states of the store into one result."""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path

import pytest
from conftest import write_native_run

from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.store import Store

SPEC = """
[[sources]]
path = "runs"

[tables.accuracy]
metric = "acc"
rows = ["model"]
outputs = ["out/accuracy.csv"]

[tables.loss]
metric = "loss"
rows = ["model"]
outputs = ["out/loss.csv"]
"""


def write_runs(root: Path, factor: float) -> None:
    """Every run logs acc and loss; `factor` scales both, so a state is recognisable in any table."""
    for model in ("a", "b"):
        for seed in range(3):
            metrics = [{"step": 1, "acc": factor * (1 + seed), "loss": factor * (10 + seed)}]
            write_native_run(root / "runs" / f"{model}_{seed}", {"model": model, "seed": seed}, metrics)


@pytest.fixture
def racing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A project, and a collect that commits a new state (every value ×100) from another connection
    right after build computed its first table and before it reads the second."""
    import resultsbook.outputs.build as build_module

    write_runs(tmp_path, 1.0)
    (tmp_path / "resultsbook.toml").write_text(SPEC)
    computed = build_module.compute_entry
    raced: list[bool] = []

    def compute_then_race(spec, table_spec, store, *args, **kwargs):
        result = computed(spec, table_spec, store, *args, **kwargs)
        if table_spec.name == "accuracy" and not raced:
            raced.append(True)
            write_runs(tmp_path, 100.0)
            with Store.open(str(tmp_path / "resultsbook.db")) as other:  # another writer, committing
                report = collect(other, [CollectRequest(str(tmp_path / "runs"))])
                assert report.updated == 6
        return result

    monkeypatch.setattr(build_module, "compute_entry", compute_then_race)
    return tmp_path


def _means(path: Path) -> dict[str, float]:
    rows = list(csv.reader(path.read_text().splitlines()))
    return {row[0]: float(row[1]) for row in rows[1:]}


def test_build_reads_one_state_even_when_a_collect_commits_half_way(racing, cli) -> None:
    assert cli("build").exit_code == 0
    assert _means(racing / "out" / "accuracy.csv") == {"a": 2.0, "b": 2.0}
    assert _means(racing / "out" / "loss.csv") == {"a": 11.0, "b": 11.0}  # the same state: not ×100
    assert cli("build", "--no-collect").exit_code == 0  # the next build sees the new state
    assert _means(racing / "out" / "loss.csv") == {"a": 1100.0, "b": 1100.0}


def test_without_the_snapshot_the_same_race_would_mix_two_states(racing, cli, monkeypatch) -> None:
    monkeypatch.setattr(Store, "snapshot", lambda self: contextlib.nullcontext(self))
    assert cli("build").exit_code == 0
    assert _means(racing / "out" / "accuracy.csv") == {"a": 2.0, "b": 2.0}
    assert _means(racing / "out" / "loss.csv") == {"a": 1100.0, "b": 1100.0}  # the race is real


def test_check_status_explain_and_report_read_inside_a_snapshot(racing, cli, monkeypatch) -> None:
    opened: list[str] = []
    snapshot = Store.snapshot

    def recorded(self):
        opened.append("snapshot")
        return snapshot(self)

    assert cli("build").exit_code == 0
    monkeypatch.setattr(Store, "snapshot", recorded)
    for command in (["check"], ["status"], ["explain", "loss"], ["report", "--no-collect"]):
        before = len(opened)
        result = cli(*command)
        assert result.exit_code in (0, 1), result.output
        assert len(opened) == before + 1, command
