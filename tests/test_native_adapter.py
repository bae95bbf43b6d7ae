"""The native run folder: what users' own scripts write."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from resultsbook.adapters.base import Folder
from resultsbook.adapters.native import NativeAdapter


def read(folder: Path):
    adapter = NativeAdapter()
    claim = adapter.claim(Folder(str(folder), frozenset(p.name for p in folder.iterdir()), ()))
    assert claim is not None
    result = adapter.read(claim.sources[0])
    return result.runs[0], result.problems


def test_reads_config_metrics_and_run_info(make_run):
    folder = make_run(
        "r1",
        config={"model": "mlp", "optimizer": {"lr": 0.1, "name": "sgd"}, "seed": 3, "layers": [64, 64]},
        metrics=[
            {"step": 1, "time": 1700000000.0, "loss": 2.0},
            {"step": 2, "loss": 1.5, "val": {"acc": 0.8}},
        ],
        run={
            "status": "completed",
            "start_time": "2024-01-02T03:04:05Z",
            "end_time": 1704164645.0,
            "git": {"commit": "abc123", "dirty": True},
            "host": "gpu1",
            "summary": {"test_acc": 0.91},
        },
    )
    run, problems = read(folder)
    assert problems == ()
    assert run.params == {
        "model": "mlp",
        "optimizer.lr": 0.1,
        "optimizer.name": "sgd",
        "seed": 3,
        "layers": "[64, 64]",
    }
    assert list(run.metrics["loss"].steps) == [1, 2]
    assert list(run.metrics["loss"].values) == [2.0, 1.5]
    assert run.metrics["loss"].times[0] == 1700000000.0 and math.isnan(run.metrics["loss"].times[1])
    assert list(run.metrics["val.acc"].values) == [0.8]
    assert run.summary == {"test_acc": 0.91}
    assert run.status == "finished"
    assert run.start_time == 1704164645.0 and run.end_time == 1704164645.0
    assert run.provenance == {"git": {"commit": "abc123", "dirty": True}, "host": "gpu1"}


def test_yaml_config_is_read_safely(make_run):
    folder = make_run("r", metrics=[{"step": 0, "x": 1}])
    (folder / "config.yaml").write_text("model: cnn\nopt:\n  lr: 0.01\nbad: !!python/object:os.system ls\n")
    run, problems = read(folder)
    assert run.params == {}
    assert "not valid YAML" in problems[0].message
    (folder / "config.yaml").write_text("model: cnn\nopt:\n  lr: 0.01\n")
    run, problems = read(folder)
    assert run.params == {"model": "cnn", "opt.lr": 0.01}


def test_truncated_last_line_keeps_earlier_points(make_run):
    folder = make_run("r", metrics=[{"step": 1, "loss": 1.0}, {"step": 2, "loss": 0.5}])
    with open(folder / "metrics.jsonl", "a") as handle:
        handle.write('{"step": 3, "lo')
    run, problems = read(folder)
    assert list(run.metrics["loss"].values) == [1.0, 0.5]
    assert [p.message for p in problems] == ["last line (3) is cut off (a run still writing?); if the file is complete, end its last line with a newline"]
    assert problems[0].kept == "the 2 complete line(s) before it"


def test_nan_and_infinity_tokens_are_kept_and_reported(make_run):
    folder = make_run("r")
    (folder / "metrics.jsonl").write_text(
        '{"step": 1, "loss": NaN}\n{"step": 2, "loss": Infinity}\n{"step": 3, "loss": 1}\n'
    )
    run, problems = read(folder)
    values = run.metrics["loss"].values
    assert math.isnan(values[0]) and values[1] == math.inf and values[2] == 1.0
    assert [p.message for p in problems] == ["metric 'loss' has 2 NaN/Infinity value(s)"]


def test_bytes_that_are_not_utf8_are_replaced_not_fatal(make_run):
    folder = make_run("r")
    (folder / "metrics.jsonl").write_bytes(
        b'{"step": 1, "loss": 1.0, "note": "caf\xe9"}\n{"step": 2, "loss": 0.5}\n'
    )
    run, problems = read(folder)
    assert list(run.metrics["loss"].values) == [1.0, 0.5]
    assert any("not UTF-8" in p.message for p in problems)


def test_empty_metrics_file_gives_a_run_without_metrics(make_run):
    folder = make_run("r", config={"a": 1})
    run, problems = read(folder)
    assert run.metrics == {} and run.params == {"a": 1}
    assert [p.message for p in problems] == ["is empty"]


def test_duplicate_steps_keep_the_last_value_logged(make_run):
    # a run resumed from a checkpoint logs steps 2 and 3 again
    folder = make_run(
        "r", metrics=[{"step": s, "loss": v} for s, v in [(1, 9), (2, 8), (3, 7), (2, 6), (3, 5), (4, 4)]]
    )
    run, problems = read(folder)
    assert list(run.metrics["loss"].steps) == [1, 2, 3, 4]
    assert list(run.metrics["loss"].values) == [9, 6, 5, 4]
    assert "logs 2 step(s) more than once" in problems[0].message


def test_a_step_logged_again_with_the_same_value_loses_nothing_and_is_not_reported(make_run):
    """Lightning logs `epoch` with every log call: repeats of one value are no problem; another
    value at a step is, counted alone."""
    records = [{"step": s, "epoch": s // 3} for s in range(6)] + [
        {"step": 2, "epoch": 0},
        {"step": 4, "epoch": 1},
    ]
    records.append({"step": 5, "epoch": 9})  # another value: reported
    folder = make_run("r", metrics=records)
    run, problems = read(folder)
    assert run.metrics["epoch"].values.tolist() == [0, 0, 0, 1, 1, 9]
    assert [p.message for p in problems] == ["metric 'epoch' logs 1 step(s) more than once"]


def test_long_layout_and_missing_steps(make_run):
    folder = make_run(
        "r",
        metrics=[
            {"metric": "acc", "value": 0.5},
            {"metric": "acc", "value": 0.7},
            {"metric": "loss", "value": 1.0},
        ],
    )
    run, _ = read(folder)
    assert list(run.metrics["acc"].steps) == [0, 1] and list(run.metrics["loss"].steps) == [0]


def test_text_values_are_skipped_and_reported(make_run):
    folder = make_run("r", metrics=[{"step": 1, "loss": 1.0, "phase": "train"}, {"step": 2, "loss": "0.5"}])
    run, problems = read(folder)
    assert list(run.metrics["loss"].values) == [1.0, 0.5]
    assert "phase" not in run.metrics
    assert [p.message for p in problems] == ["1 value(s) of 'phase' are not numbers"]


def test_broken_middle_line_is_skipped(make_run):
    folder = make_run("r")
    (folder / "metrics.jsonl").write_text('{"step": 1, "loss": 1}\n{"step": 2, \n{"step": 3, "loss": 3}\n')
    run, problems = read(folder)
    assert np.array_equal(run.metrics["loss"].steps, [1, 3])
    assert [p.message for p in problems] == ["line 2 is not valid JSON"]


def test_a_usual_log_built_at_once_gives_the_series_the_builder_gives():
    from resultsbook.adapters.native_files import clean_series, read_columns
    from resultsbook.sources.series import SeriesBuilder

    records = [{"step": 10 * i, "loss": 1 / (i + 1), "acc": i / 7, "ok": True} for i in range(50)]
    builder = SeriesBuilder()
    assert read_columns([dict(r) for r in records], builder)
    expected, problems = builder.build("metrics.jsonl")
    built = clean_series(records)
    assert problems == [] and built is not None and list(built) == ["loss", "acc", "ok"]
    for key, series in expected.items():
        assert built[key].steps.dtype == series.steps.dtype == np.int64
        assert built[key].steps.tolist() == series.steps.tolist()
        assert built[key].values.tolist() == series.values.tolist()
        assert built[key].times is series.times is None
    odd = [
        [*records[:-1], {**records[-1], "loss": float("nan")}],  # reported: the builder's
        [*records[:-1], {"step": 5, "loss": 1.0, "acc": 0.0, "ok": True}],  # a step back
        [*records[:-1], {"acc": 0.0, "loss": 1.0, "step": 999, "other": True}],  # another key
        [*records[:-1], {"acc": 0.0, "loss": 1.0, "step": 999}],  # a key fewer
        [{**r, "time": 1700000000 + r["step"]} for r in records],
        [{**r, "acc": None} for r in records],
        [{**r, "acc": "high"} for r in records],
    ]
    assert [clean_series(log) for log in odd] == [None] * len(odd)


def test_a_usual_log_whose_records_order_their_keys_differently_is_built_at_once_alike():
    from resultsbook.adapters.native_files import clean_series, read_columns
    from resultsbook.sources.series import SeriesBuilder

    records = [{"step": i, "loss": 1 / (i + 1), "acc": i / 7} for i in range(20)]
    records[5] = {"acc": 0.25, "step": 5, "loss": 0.5}
    builder = SeriesBuilder()
    assert read_columns([dict(r) for r in records], builder)
    expected, problems = builder.build("metrics.jsonl")
    built = clean_series(records)
    assert problems == [] and built is not None and sorted(built) == sorted(expected) == ["acc", "loss"]
    for key, series in expected.items():
        assert built[key].steps.tolist() == series.steps.tolist() == list(range(20))
        assert built[key].values.tolist() == series.values.tolist()
    assert built["acc"].values[5] == 0.25 and built["loss"].values[5] == 0.5


def nested(levels: int) -> list:
    """Return a value nesting `levels` lists deep, as json.dumps writes a recursive structure."""
    value: list = []
    for _ in range(levels - 1):
        value = [value]
    return value


def test_a_record_nesting_deeper_than_100_levels_costs_only_that_record(make_run):
    folder = make_run(
        "r",
        metrics=[
            {"step": 1, "loss": 1.0},
            {"step": 2, "loss": 0.5, "debug": nested(150)},
            {"step": 3, "loss": 0.25},
        ],
    )
    run, problems = read(folder)
    assert [p.describe() for p in problems] == [
        f"{folder / 'metrics.jsonl'}: 1 record(s) nest deeper than 100 levels — kept: the others"
    ]
    assert list(run.metrics["loss"].steps) == [1, 3]


def test_a_run_json_saying_queued_is_a_run_not_started_and_one_that_logged_has_started(make_run):
    """A launch script writes `{"status": "queued"}` and an empty metrics.jsonl before its job starts:
    the run was read as `running` (and its empty log reported). It is `queued`, its empty log as it
    should be; a run.json still saying queued beside points its job logged is `running`."""
    run, problems = read(make_run("s2", config={"seed": 2}, run={"status": "queued"}))
    assert (run.status, run.metrics, problems) == ("queued", {}, ())
    run, _ = read(make_run("s3", config={"seed": 3}, metrics=[{"step": 1, "acc": 0.4}], run={"status": "queued"}))
    assert run.status == "running"
    assert read(make_run("s4", run={"status": "SCHEDULED"}))[0].status == "queued"  # any tracker's word
    assert read(make_run("s5", run={"status": "pending"}))[0].status == "queued"


def test_a_run_that_reported_only_final_values_has_no_problem_of_its_empty_log(make_run):
    """resultsbook's own logger leaves metrics.jsonl empty when a run only calls run.summary(): that
    run was reported as a problem, `metrics.jsonl: is empty — kept: no metrics`."""
    run, problems = read(
        make_run("s0", config={"seed": 0}, run={"status": "finished", "summary": {"acc": 0.9}})
    )
    assert (run.summary, problems) == ({"acc": 0.9}, ())
    _, problems = read(make_run("s1", config={"seed": 1}, run={"status": "finished"}))
    assert [p.message for p in problems] == ["is empty"]  # nothing at all: still said


def test_status_tables_and_runs_tell_a_queued_seed_from_a_running_one(make_run, cli):
    """A week before the deadline, seed 2 is queued (its run.json written by the launch script), seed 3
    runs: `status` said `seed 2 still running, no value yet` and listed cnn-s2 as running, the table's
    mark `seed 2 running, no value yet`, and `watch` waited on it."""
    for seed in (0, 1):
        make_run(f"cnn-s{seed}", {"model": "cnn", "seed": seed}, [{"step": 1, "acc": 0.7 + seed / 100}],
                 {"status": "finished"})  # fmt: skip
    make_run("cnn-s2", {"model": "cnn", "seed": 2}, run={"status": "queued"})
    make_run("cnn-s3", {"model": "cnn", "seed": 3}, [{"step": 1, "acc": 0.4}], {"status": "running"})
    (make_run("x").parent.parent / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t1]\nmetric = "acc"\ngoal = "max"\nrows = ["model"]\n'
        'replicates = 4\nseeds = [0, 1, 2, 3]\noutputs = ["t1.md"]\ncommand = "python train.py --seed {seed}"\n'
    )
    built = cli("build").output
    assert "cnn: n = 3 of 4 seeds asked for (seed 2 queued, not started yet)" in built
    assert "(1 queued, not started yet) have no value of 'acc'" in built
    lines = cli("status", "--commands").output.splitlines()
    assert "  cnn: 3 of 4, seed 2 queued, not started yet; counted from runs that did not finish: seed 3 (running)" in lines
    assert lines[lines.index("  queued      cnn-s2  (runs/cnn-s2)") + 1] == "              not started yet"
    assert not any("--seed" in line for line in lines)  # queued or running: no run to launch again
    assert [line.split()[1] for line in cli("runs", "--where", "status=queued").output.splitlines()[2:-1]] == [
        "cnn-s2"
    ]
    import resultsbook as rb

    with rb.open() as book:
        frame = book.spec_table("t1").status()
    assert frame[["running", "queued"]].to_dict("records") == [{"running": [], "queued": [2]}]
