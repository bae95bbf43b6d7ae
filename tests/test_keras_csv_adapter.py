"""Keras CSVLogger files, written by Keras 3 itself (tests/fixtures/keras_csv)."""

from __future__ import annotations

import pytest
from conftest import write_native_run
from trackers import copy_fixture, expected, last_values, read_tree, same_number

from resultsbook.sources.collect import CollectRequest, find_sources, read_source

APPENDED = "runs/appended/training.log"


@pytest.fixture
def root(tmp_path):
    return copy_fixture("keras_csv", tmp_path)


def test_every_file_agrees_with_what_keras_wrote(root):
    found = read_tree(root)
    want = {item["source"]: item for item in expected("keras_csv")["runs"]}
    assert sorted(found) == sorted(want)
    for source, item in want.items():
        if source == APPENDED:
            continue  # two trainings in one file: its own test below
        run, problems, adapter = found[source]
        assert adapter == "keras_csv" and problems == []
        assert {k: len(s) for k, s in run.metrics.items()} == item["points"]
        assert all(list(s.steps) == item["epochs"][: len(s)] for s in run.metrics.values())
        finals = last_values(run)
        assert all(same_number(finals[k], v) for k, v in item["final"].items())
        assert run.status == "unknown"


def test_na_columns_of_a_run_without_validation_are_not_metrics(root):
    run = read_tree(root)["runs/noval/training.log"][0]
    assert set(run.metrics) == {"accuracy", "loss"}


def test_a_common_name_that_is_not_a_csvlogger_file_is_reported_not_read(tmp_path):
    (tmp_path / "log.csv").write_text("step,reward\n1,0.5\n")
    [(source, adapter)] = find_sources(CollectRequest(str(tmp_path)))
    result = read_source(adapter, source)
    assert adapter.name == "keras_csv" and result.runs == ()
    assert "not a Keras CSVLogger file (read it with adapter='csv')" in result.problems[0].message


def test_a_log_holding_only_its_header_is_no_run_until_its_first_epoch(tmp_path):
    (tmp_path / "training.log").write_text("epoch,loss,val_loss\n")
    [(source, adapter)] = find_sources(CollectRequest(str(tmp_path)))
    result = read_source(adapter, source)
    assert result.runs == ()
    assert [p.message for p in result.problems] == [
        "holds only its header line (epoch, loss, val_loss), no row"
    ]


def test_other_names_are_read_only_when_the_adapter_is_named(tmp_path):
    (tmp_path / "fit_log.csv").write_text("epoch,loss\n0,1.0\n1,0.5\n")
    assert read_tree(tmp_path) == {}
    run = read_tree(tmp_path, "keras_csv")["fit_log.csv"][0]
    assert list(run.metrics["loss"].steps) == [0, 1]


def test_a_native_run_folder_keeps_its_metrics_jsonl_beside_a_training_log(tmp_path):
    write_native_run(tmp_path / "r", metrics=[{"step": 1, "acc": 0.5}])
    (tmp_path / "r" / "training.log").write_text("epoch,loss\n0,1.0\n")
    assert {k: adapter for k, (_, _, adapter) in read_tree(tmp_path).items()} == {"r": "native"}


def test_a_row_cut_off_while_keras_writes_it_is_dropped_and_reported(root):
    path = root / "runs" / "crashed" / "training.log"
    path.write_text(path.read_text() + "2,0.81,0.49")
    run, problems, _ = read_tree(root)["runs/crashed/training.log"]
    assert [p.message for p in problems] == ["last line (4) is cut off (a run still writing?); if the file is complete, end its last line with a newline"]
    assert list(run.metrics["loss"].steps) == [0, 1]


def test_a_log_appended_to_by_a_new_training_keeps_each_epoch_from_the_training_that_logged_it_last(tmp_path):
    """CSVLogger(append=True) across trainings: the epochs start over; never a splice of two trainings."""
    rows = ["epoch,loss,val_loss"]
    rows += [f"{epoch},{9 - epoch},{19 - epoch}" for epoch in range(6)]  # a first training, epochs 0-5
    rows += [f"{epoch},{0.9 - epoch / 10},{1.9 - epoch / 10}" for epoch in range(3)]  # run again: 0-2
    rows += [f"{epoch},{0.5 - epoch / 10},{1.5 - epoch / 10}" for epoch in range(2, 4)]  # resumed at 2
    (tmp_path / "training.log").write_text("\n".join(rows) + "\n")
    run, problems, _ = read_tree(tmp_path)["training.log"]
    assert list(run.metrics["val_loss"].steps) == [0, 1, 2, 3]
    assert run.metrics["val_loss"].values.tolist() == pytest.approx([1.9, 1.8, 1.3, 1.2])
    assert [(p.message, p.kept) for p in problems] == [
        (
            "the log starts over 2 time(s) (the first: data row 7, epoch 0), as CSVLogger(append=True) "
            "writes when a training is run again",
            "each training from the epoch it started at, as TensorBoard keeps a restarted run (7 earlier row(s) "
            "at or past that epoch dropped; the log now ends at epoch 3, where an earlier training reached epoch 5)",
        )
    ]


def test_a_long_training_followed_by_a_short_retry_says_the_log_now_ends_at_the_retrys_end(tmp_path):
    """irfanet-10's training_logs221017.log: 133 epochs, then retries of 4, 5 and 9 epochs appended;
    the note said `each epoch from the training that logged it last`, as if epochs 9-132 were kept."""
    rows = ["epoch,acc,loss,val_acc,val_loss"]
    for length in (6, 2, 3):  # a training of epochs 0-5, then two short retries from epoch 0
        rows += [f"{epoch},0.9,0.1,{0.5 + epoch / 100},0.4" for epoch in range(length)]
    (tmp_path / "training.log").write_text("\n".join(rows) + "\n")
    run, problems, _ = read_tree(tmp_path)["training.log"]
    assert list(run.metrics["val_acc"].steps) == [0, 1, 2]
    assert [p.kept for p in problems] == [
        "each training from the epoch it started at, as TensorBoard keeps a restarted run (8 earlier row(s) "
        "at or past that epoch dropped; the log now ends at epoch 2, where an earlier training reached epoch 5)"
    ]
    longer = ["epoch,loss", "0,3", "1,2", "0,3", "1,2", "2,1"]  # run again, longer: nothing of the first past it
    (tmp_path / "training.log").write_text("\n".join(longer) + "\n")
    _, problems, _ = read_tree(tmp_path)["training.log"]
    assert [p.kept for p in problems] == [
        "each training from the epoch it started at, as TensorBoard keeps a restarted run (2 earlier row(s) "
        "at or past that epoch dropped)"
    ]


def test_a_training_resumed_at_the_next_epoch_is_one_log(tmp_path):
    rows = ["epoch,loss", "0,3.0", "1,2.0", "2,1.5", "3,1.2"]  # resumed with initial_epoch=2: no restart
    (tmp_path / "training.log").write_text("\n".join(rows) + "\n")
    run, problems, _ = read_tree(tmp_path)["training.log"]
    assert problems == [] and list(run.metrics["loss"].steps) == [0, 1, 2, 3]


def test_a_log_keras_appended_a_second_training_to_is_that_training(root):
    """CSVLogger(append=True), the script run twice (written by Keras: tests/fixtures/keras_csv)."""
    rows = next(item for item in expected("keras_csv")["runs"] if item["source"] == APPENDED)["rows"]
    assert [int(row["epoch"]) for row in rows] == [0, 1, 2, 0, 1]
    run, problems, _ = read_tree(root)[APPENDED]
    second = rows[3:]
    for key in ("loss", "val_accuracy"):
        assert list(run.metrics[key].steps) == [0, 1]
        assert run.metrics[key].values.tolist() == [float(row[key]) for row in second]
    assert [(p.message, p.kept) for p in problems] == [
        (
            "the log starts over 1 time(s) (the first: data row 4, epoch 0), as CSVLogger(append=True) "
            "writes when a training is run again",
            "each training from the epoch it started at, as TensorBoard keeps a restarted run (3 earlier row(s) "
            "at or past that epoch dropped; the log now ends at epoch 1, where an earlier training reached epoch 2)",
        )
    ]


def test_csvlogger_logs_of_their_own_names_beside_a_training_log_are_named_as_left_unread(tmp_path):
    """irfanet-10 holds training.log beside training_191017.log, training_logs191017(2).log, ...: a
    collect read training.log alone and said nothing of the eight others."""
    header = "epoch,acc,loss,val_acc,val_loss\n0,0.5,1.0,0.6,0.9\n"
    for name in ("training.log", "training_191017.log", "training_logs191017(2).log"):
        (tmp_path / name).write_text(header)
    (tmp_path / "stdout.log").write_text("Epoch 1/50\n")  # a text log beside them: not counted
    found = read_tree(tmp_path)
    assert sorted(found) == ["training.log"]
    assert [(p.message, p.kept) for p in found["training.log"][1]] == [
        (
            "2 .log file(s) beside it are Keras CSVLogger logs too (e.g. 'training_191017.log'), which "
            "resultsbook reads only by a usual name such as training.log; collect with adapter='keras_csv' "
            "to read them as well",
            "this file's run alone",
        )
    ]
    named = read_tree(tmp_path, adapter="keras_csv")  # every file read: nothing left to say
    assert sorted(named) == ["training.log", "training_191017.log", "training_logs191017(2).log"]
    assert all(problems == [] for _, problems, _ in named.values())
