"""Poutyne Experiment folders, written by Poutyne itself (tests/fixtures/poutyne)."""

from __future__ import annotations

import pytest
from trackers import copy_fixture, expected, last_values, read_tree, same_number


@pytest.fixture
def root(tmp_path):
    return copy_fixture("poutyne", tmp_path)


def test_every_experiment_agrees_with_what_poutyne_wrote(root):
    found = read_tree(root)
    want = {item["source"]: item for item in expected("poutyne")["runs"]}
    assert sorted(found) == sorted(want)
    for source, item in want.items():
        run, problems, adapter = found[source]
        assert adapter == "poutyne" and problems == []
        assert all(list(s.steps) == item["epochs"] for s in run.metrics.values())  # 1-based, as written
        finals = last_values(run)
        assert set(finals) == set(item["final"])
        assert all(same_number(finals[k], v) for k, v in item["final"].items())
        assert set(run.summary) == set(item["test"])
        assert all(same_number(run.summary[k], v) for k, v in item["test"].items())
        assert run.provenance["last_epoch"] == item["last_epoch"]


def test_tested_experiments_are_finished_and_the_crashed_one_is_unknown(root):
    statuses = {source: run.status for source, (run, _, _) in read_tree(root).items()}
    assert statuses == {
        "experiments/crashed": "unknown",
        "experiments/seed0": "finished",
        "experiments/seed1": "finished",
    }


def test_time_is_the_epoch_duration_kept_as_a_metric_not_a_wall_clock(root):
    run = read_tree(root)["experiments/seed0"][0]
    assert run.metrics["time"].times is None and float(run.metrics["time"].values[0]) < 60


def test_a_lone_log_tsv_is_not_taken_for_an_experiment(tmp_path):
    (tmp_path / "log.tsv").write_text("epoch\ttime\tloss\n1\t0.1\t0.5\n")
    assert read_tree(tmp_path) == {}
    assert list(read_tree(tmp_path, "poutyne")["."][0].metrics["loss"].values) == [0.5]


def test_a_damaged_last_epoch_file_is_reported_and_the_log_kept(root):
    path = root / "experiments" / "seed0" / "last.epoch"
    assert path.read_bytes() == b"3\n"  # Poutyne prints the last completed epoch
    path.write_bytes(bytes([ord("3") ^ 0x40]) + b"\n")  # one bit of it flipped on disk: "s"
    run, problems, _ = read_tree(root)["experiments/seed0"]
    assert [p.describe() for p in problems] == [
        f"{path}: does not hold one whole number — kept: the run without it"
    ]
    assert "last_epoch" not in run.provenance and run.status == "finished"
    assert list(run.metrics["loss"].steps) == expected_epochs("experiments/seed0")


def test_an_empty_last_epoch_file_is_reported_and_the_log_kept(root):
    path = root / "experiments" / "seed0" / "last.epoch"
    path.write_bytes(b"")  # truncated: the run was killed while Poutyne rewrote it
    run, problems, _ = read_tree(root)["experiments/seed0"]
    assert [p.describe() for p in problems] == [
        f"{path}: is empty (Poutyne writes the last completed epoch there) — kept: the run without it"
    ]
    assert "last_epoch" not in run.provenance
    assert list(run.metrics["loss"].steps) == expected_epochs("experiments/seed0")


def expected_epochs(source):
    return next(item["epochs"] for item in expected("poutyne")["runs"] if item["source"] == source)
