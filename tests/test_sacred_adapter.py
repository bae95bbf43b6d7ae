"""Sacred's FileStorageObserver folders, written by Sacred itself (tests/fixtures/sacred)."""

from __future__ import annotations

import json
import os
import time

import pytest
from trackers import copy_fixture, expected, last_values, read_tree, same_number

from resultsbook.params import normalize_value
from resultsbook.sources.collect import CollectRequest, collect


@pytest.fixture
def runs(tmp_path):
    return copy_fixture("sacred", tmp_path) / "runs"


def dead_after_a_second(root):
    """Read with a 1 s heartbeat threshold: the killed run's heartbeat is as old as the fixture."""
    return read_tree(root, "sacred", stale_after=1)


def test_every_run_agrees_with_what_sacred_wrote(runs):
    found = dead_after_a_second(runs.parent)
    want = {item["source"]: item for item in expected("sacred")["runs"]}
    assert sorted(found) == sorted(want)  # _sources/ is not a run
    for source, item in want.items():
        run, _, adapter = found[source]
        assert adapter == "sacred"
        assert run.params == {k: normalize_value(v) for k, v in item["params"].items()}
        assert run.experiment == item["experiment"]
        assert {k: len(s) for k, s in run.metrics.items()} == item["points"]
        assert all(same_number(last_values(run)[k], v) for k, v in item["final"].items())
        assert {k: list(s.steps) for k, s in run.metrics.items()} == item["steps"]
        if item["result"] is not None:
            assert run.summary == {"result": item["result"]}


def test_status_times_git_and_failure_are_read(runs):
    found = dead_after_a_second(runs.parent)
    statuses = {source: run.status for source, (run, _, _) in found.items()}
    assert statuses == {"runs/1": "finished", "runs/2": "finished", "runs/3": "failed", "runs/4": "failed"}
    run = found["runs/1"][0]
    info = json.loads((runs / "1" / "run.json").read_text())
    assert run.start_time is not None and run.end_time is not None and run.end_time >= run.start_time
    # naive ISO strings in UTC, not local time
    assert time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(run.start_time)) == info["start_time"][:19]
    assert run.provenance["git"]["commit"] == info["experiment"]["repositories"][0]["commit"]
    assert run.provenance["host"] == info["host"]["hostname"]
    assert found["runs/3"][0].provenance["fail_trace"].endswith("RuntimeError: loss diverged")


def test_running_run_with_a_stopped_heartbeat_is_reported_dead(runs):
    run, problems, _ = dead_after_a_second(runs.parent)["runs/4"]
    assert run.status == "failed"
    assert run.provenance["dead"] is True and run.provenance["sacred_status"] == "RUNNING"
    assert any("no heartbeat" in p.message for p in problems)
    assert len(run.metrics["train.loss"]) == 4  # the points of its last heartbeat are kept


def test_running_run_with_a_fresh_heartbeat_stays_running_until_it_goes_stale(runs, store, monkeypatch):
    from types import SimpleNamespace

    from resultsbook.adapters import sacred

    info_path = runs / "4" / "run.json"
    info = json.loads(info_path.read_text())
    info["heartbeat"] = time.strftime("%Y-%m-%dT%H:%M:%S.000000", time.gmtime())
    info_path.write_text(json.dumps(info))
    for current, _, files in os.walk(runs):  # every run written just now, as if it were live
        for name in files:
            os.utime(os.path.join(current, name))
    request = CollectRequest(str(runs), adapter="sacred")
    collect(store, [request])
    assert {r.name: r.status for r in store.runs()}["runs/4"] == "running"
    assert collect(store, [request]).sources_read == 0  # still fresh: nothing is read
    # eleven minutes later nothing in the folder has changed, yet the run must be seen as dead
    later = time.time() + 660
    monkeypatch.setattr(sacred, "time", SimpleNamespace(time=lambda: later))
    report = collect(store, [request])
    assert report.sources_read == 4 and report.updated == 1  # every run turned stale; only runs/4 changed
    assert {r.name: r.status for r in store.runs()}["runs/4"] == "failed"


def test_a_heartbeat_stopped_under_two_minutes_ago_is_said_in_seconds(runs, monkeypatch):
    """A Sacred run killed 11 s before `collect -o stale_after=5` was said to be silent for `0 min`."""
    from types import SimpleNamespace

    from resultsbook.adapters import sacred

    info = json.loads((runs / "4" / "run.json").read_text())
    beat = sacred.to_timestamp(info["heartbeat"])
    monkeypatch.setattr(sacred, "time", SimpleNamespace(time=lambda: beat + 11.2))
    _, problems, _ = read_tree(runs.parent, "sacred", stale_after=5)["runs/4"]
    assert [p.message for p in problems if "heartbeat" in p.message] == [
        "status is RUNNING but the run has given no heartbeat for 11 s (killed, out of memory or node lost)"
    ]


def test_half_written_metrics_keep_the_run_and_report_the_file(runs):
    (runs / "2" / "metrics.json").write_text('{"train.loss": {"steps": [0, 1], "val')
    run, problems, _ = read_tree(runs.parent)["runs/2"]
    assert run.status == "finished" and run.params["seed"] == 2 and run.metrics == {}
    assert [(os.path.basename(p.path), p.message[:17]) for p in problems] == [
        ("metrics.json", "is not valid JSON")
    ]


def test_a_metric_logged_as_a_list_says_what_it_holds_and_that_nothing_of_it_is_kept(tmp_path):
    """Keras' evaluate() gives [loss, accuracy]; `_run.log_scalar` of it stores the list."""
    from resultsbook.adapters.sacred import read_sacred_metrics

    path = tmp_path / "metrics.json"
    path.write_text(
        json.dumps(
            {
                "score": {"steps": [0], "values": [[1.7086124859895808, 0.4134845733642578, 0.5]]},
                "acc": {"steps": [0, 1], "values": [0.5, "n/a"]},
            }
        )
    )
    problems = []
    series = read_sacred_metrics(str(path), problems)
    assert list(series) == ["acc"]
    assert [(p.message, p.kept) for p in problems] == [
        (
            "1 point(s) of 'score' are not numbers (the first: [1.7086124859895808, 0.4134845733642578…); "
            "log each number of a list under its own name",
            "nothing of 'score'",
        ),
        ("1 point(s) of 'acc' are not numbers (the first: \"n/a\")", "the rest"),
    ]


def test_jsonpickle_objects_stay_json_text_and_tuples_and_numpy_values_become_plain(tmp_path):
    """catniplab/ML-music-analysis's configs hold `decays = np.linspace(...)` (a plain `[1.0]` in
    other runs of the same sweep): the array was a param of JSON text, `{"dtype": "float64",
    "py/object": "nump…`, which no filter could name and no other run's list equalled."""
    from resultsbook.adapters.sacred import read_sacred_config

    path = tmp_path / "config.json"
    path.write_text(
        json.dumps(
            {
                "shape": {"py/tuple": [2, 3]},
                "arr": {"dtype": "float64", "py/object": "numpy.ndarray", "values": [0.98, 0.955]},
                "lr": {"dtype": "float64", "py/object": "numpy.float64", "value": 0.001},
                "dist": {"py/object": "torch.distributions.uniform.Uniform", "low": 0},
                "opt": {"lr": 0.1},
            }
        )
    )
    params = read_sacred_config(str(path), [])
    assert params == {
        "shape": "[2, 3]",
        "arr": "[0.98, 0.955]",
        "lr": 0.001,
        "dist": '{"low": 0, "py/object": "torch.distributions.uniform.Uniform"}',
        "opt.lr": 0.1,
    }


def test_native_run_folders_are_not_taken_for_sacred_runs(tmp_path, make_run):
    make_run("native", config={"seed": 1}, metrics=[{"step": 1, "x": 1}], run={"status": "finished"})
    found = read_tree(tmp_path / "runs")
    assert {source: adapter for source, (_, _, adapter) in found.items()} == {"native": "native"}


def test_results_kept_in_run_info_are_metrics(tmp_path):
    """Sacred stores `_run.info` in info.json, where many projects keep their results instead of logging
    metrics; it was listed as a file of the run and never read, so `--metric accuracy_test` found nothing."""
    root = copy_fixture("sacred_info", tmp_path)
    found = read_tree(root / "runs", "sacred")
    want = expected("sacred_info")
    assert sorted(found) == ["1", "2"]
    for source, (run, problems, _) in found.items():
        info = want[f"runs/{source}"]
        assert problems == []
        assert run.summary == {
            "accuracy_test": info["accuracy_test"],
            "sota.accuracy": info["sota"]["accuracy"],
        }
        assert list(run.metrics["loss_per_epoch"].values) == info["loss_per_epoch"]
        accuracies = [item["accuracy_test"] for item in info["evaluations"]]
        assert list(run.metrics["evaluations.accuracy_test"].values) == accuracies
        assert list(run.metrics["evaluations.accuracy_test"].steps) == [0, 1, 2]
        assert list(run.metrics["evaluations.brier"].values) == [
            item["brier"] for item in info["evaluations"]
        ]
        assert not any(
            key.startswith(("thresholds", "evaluations.model", "sota.reference")) for key in run.metrics
        )


def test_a_table_aggregates_a_result_kept_in_run_info(tmp_path, cli):
    root = copy_fixture("sacred_info", tmp_path)
    cli("collect", str(root / "runs"), "--db", "s.db")
    result = cli(
        "table", "--db", "s.db", "--rows", "dataset.name", "--metric", "accuracy_test", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    cells = json.loads(result.output)["cells"]
    assert [(cell["stats"]["mean"], cell["stats"]["n"]) for cell in cells] == [(pytest.approx(0.915), 2)]


def test_metrics_json_wins_over_a_number_of_the_same_name_in_run_info(tmp_path):
    from resultsbook.adapters.sacred import SacredAdapter

    folder = copy_fixture("sacred_info", tmp_path) / "runs" / "1"
    (folder / "metrics.json").write_text(
        json.dumps({"accuracy_test": {"steps": [0, 1], "values": [0.5, 0.6], "timestamps": [None, None]}})
    )
    adapter = SacredAdapter()
    run = adapter.read(adapter.source_for_file(str(folder / "run.json"))).runs[0]
    assert list(run.metrics["accuracy_test"].values) == [0.5, 0.6]
    assert "accuracy_test" not in run.summary


def test_an_integer_no_float_holds_in_run_info_is_left_out_not_the_whole_run(tmp_path):
    from resultsbook.adapters.sacred import SacredAdapter

    folder = copy_fixture("sacred_info", tmp_path) / "runs" / "1"
    info = json.loads((folder / "info.json").read_text())
    (folder / "info.json").write_text(
        json.dumps({**info, "huge": int("9" * 400), "curve": [1, int("9" * 400)]})
    )
    adapter = SacredAdapter()
    result = adapter.read(adapter.source_for_file(str(folder / "run.json")))
    (run,) = result.runs
    assert "huge" not in run.summary and "accuracy_test" in run.summary


def test_numpy_scalars_in_run_info_are_numbers_not_dropped(tmp_path):
    """PyMARL keeps its curves in `_run.info`, and jsonpickle writes each numpy mean as an object, as in
    Yang-Xiaoqi/paperDataResult@b05acb1 sacred/3m/tmac_p2p_comm/1/info.json: `test_return_mean` (the
    paper's metric) was silently left out while its `_T` steps were kept."""
    from resultsbook.adapters.sacred import SacredAdapter

    def scalar(x):
        return {"dtype": "float64", "py/object": "numpy.float64", "value": x}

    folder = copy_fixture("sacred_info", tmp_path) / "runs" / "1"
    info = json.loads((folder / "info.json").read_text())
    (folder / "info.json").write_text(
        json.dumps(
            {
                **info,
                "test_return_mean": [scalar(0.5354), scalar(0.0), None],
                "best": scalar(3.25),
                "count": {"dtype": "int64", "py/object": "numpy.int64", "value": 7},
                "flag": {"dtype": "bool", "py/object": "numpy.bool_", "value": True},
            }
        )
    )
    adapter = SacredAdapter()
    (run,) = adapter.read(adapter.source_for_file(str(folder / "run.json"))).runs
    assert list(run.metrics["test_return_mean"].values) == [0.5354, 0.0]
    assert list(run.metrics["test_return_mean"].steps) == [0, 1]
    assert run.summary["best"] == 3.25 and run.summary["count"] == 7
    assert "flag" not in run.summary


def test_pymarl_curves_are_over_the_environment_steps_logged_beside_them(tmp_path):
    """PyMARL logs `test_battle_won_mean` with its environment steps in `test_battle_won_mean_T`, as in
    Yang-Xiaoqi/paperDataResult@b05acb1 sacred/3m/tmac_p2p_comm/1/info.json: the curve was drawn over
    list positions 0, 1, 2 (seeds logging at other steps were averaged position by position) and every
    `_T` list showed up as a metric of its own."""
    from resultsbook.adapters.sacred import SacredAdapter

    folder = copy_fixture("sacred_info", tmp_path) / "runs" / "1"
    info = json.loads((folder / "info.json").read_text())
    (folder / "info.json").write_text(
        json.dumps(
            {
                **info,
                "test_battle_won_mean": [0.0, 0.25, 0.5],
                "test_battle_won_mean_T": [198, 10345, 20558],
                "episode": [352, 648],
                "episode_T": [10050],  # not one step per point: positions, and a curve of its own
            }
        )
    )
    adapter = SacredAdapter()
    (run,) = adapter.read(adapter.source_for_file(str(folder / "run.json"))).runs
    assert list(run.metrics["test_battle_won_mean"].steps) == [198, 10345, 20558]
    assert list(run.metrics["test_battle_won_mean"].values) == [0.0, 0.25, 0.5]
    assert "test_battle_won_mean_T" not in run.metrics
    assert list(run.metrics["episode"].steps) == [0, 1] and "episode_T" in run.metrics


def test_status_says_a_run_whose_heartbeat_stopped_was_killed_not_only_no_error(runs):
    """24 of the 37 runs of Yang-Xiaoqi/paperDataResult@b05acb1 stopped beating while RUNNING; `status`
    listed each as `failed  no error recorded`, hiding what collect had found out."""
    from resultsbook.freshness.status import error_tail

    found = dead_after_a_second(runs.parent)
    assert error_tail(found["runs/4"][0].provenance) == (
        "no error recorded: it stopped while running (killed, out of memory or node lost)"
    )
    assert found["runs/3"][0].provenance.get("dead") is None


def test_a_curve_of_pickled_tensors_in_run_info_is_reported_not_silently_dropped(tmp_path):
    """Some PyMARL runs of Yang-Xiaoqi/paperDataResult@b05acb1 (sacred/5z_vs_1ul/Code_seq/1/info.json)
    logged `grad_norm` as torch tensors, which jsonpickle writes as pickled bytes: the metric vanished
    with no word of why, while the same key of other runs was there."""
    from resultsbook.adapters.sacred import SacredAdapter

    tensor = {
        "py/reduce": [
            {"py/function": "torch._utils._rebuild_tensor_v2"},
            {
                "py/tuple": [
                    {"py/reduce": [{"py/function": "torch.storage._load_from_bytes"}, {"py/b64": "gAI="}]}
                ]
            },
        ]
    }
    folder = copy_fixture("sacred_info", tmp_path) / "runs" / "1"
    info = json.loads((folder / "info.json").read_text())
    (folder / "info.json").write_text(
        json.dumps({**info, "grad_norm": [tensor, tensor], "grad_norm_T": [10, 20], "model": tensor})
    )
    adapter = SacredAdapter()
    result = adapter.read(adapter.source_for_file(str(folder / "run.json")))
    (run,) = result.runs
    assert "grad_norm" not in run.metrics and "accuracy_test" in run.summary
    (problem,) = result.problems
    assert problem.path.endswith("info.json")
    assert problem.message == (
        "'grad_norm' is a list of pickled torch tensor objects, not numbers; "
        "log float(value) (or value.item()) into _run.info to have it"
    )


def test_runs_of_one_name_in_several_folders_are_told_apart_by_their_folder_path(tmp_path, cli):
    """Yang-Xiaoqi/paperDataResult@b05acb1 keeps sacred/<map>/<algorithm>/<id>/: seven runs are named
    Code_seq/1. `show Code_seq/1` listed five ids with the same name, and `show 3m/Code_seq/1`, the
    path the author knows, found no run."""
    import shutil

    runs = copy_fixture("sacred", tmp_path) / "runs"
    for game in ("3m", "2s3z"):
        shutil.copytree(runs, tmp_path / "paper_runs" / "sacred" / game / "Code_seq")
    collected = cli("collect", "paper_runs")
    assert collected.exit_code == 0, collected.output
    ambiguous = cli("show", "Code_seq/1")
    assert ambiguous.exit_code == 2
    assert "sacred/2s3z/Code_seq/1" in ambiguous.output and "sacred/3m/Code_seq/1" in ambiguous.output
    assert ambiguous.output.rstrip().endswith("give more of the id or more of the folder path")
    shown = cli("show", "3m/Code_seq/1")
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("run ") and "Code_seq/1" in shown.output.splitlines()[0]
    assert cli("show", "sacred/2s3z/Code_seq/1/").exit_code == 0
    assert cli("show", "4m/Code_seq/1").exit_code == 2


@pytest.mark.parametrize("name", ["metrics.json", "config.json", "cout.txt"])
def test_a_file_of_a_sacred_run_folder_named_alone_collects_its_run(tmp_path, cli, name):
    """`resultsbook collect models/209/metrics.json` (catniplab/ML-music-analysis) read the file as a
    results document: a second run of that name, status unknown, no params, and metrics
    `testAccuracy.steps` and `testAccuracy.values`."""
    copy_fixture("sacred", tmp_path)
    collected = cli("collect", f"sacred/runs/1/{name}")
    assert collected.exit_code == 0, collected.output
    listed = cli("runs", "--format", "json").output
    (run,) = json.loads(listed)["runs"]
    assert (run["adapter"], run["status"], run["source"]) == ("sacred", "finished", "sacred/runs/1")
    assert run["params"] and not any(key.endswith((".steps", ".values")) for key in run["metrics"])


def test_status_says_what_sacred_s_interrupted_and_queued_mean(runs, cli):
    """catniplab/ML-music-analysis's models/206 is INTERRUPTED (Ctrl-C mid-training): `status` said only
    `no error recorded`; a QUEUED run (`ex.queue`, never started) said `last write 7 s ago`, the age of
    the clone, as if it were alive."""
    for folder, state in (("1", "INTERRUPTED"), ("2", "QUEUED")):
        info = json.loads((runs / folder / "run.json").read_text())
        (runs / folder / "run.json").write_text(json.dumps({**info, "status": state}))
    (runs / "2" / "metrics.json").unlink()  # a queued run has logged nothing (`queued_event` writes none)
    cli("collect", "sacred/runs", "-o", "stale_after=1")
    lines = cli("status").output.splitlines()
    assert lines[lines.index("  interrupted runs/1  (sacred/runs/1)") + 1].strip() == (
        "no error recorded: Sacred's INTERRUPTED, a stop by Ctrl-C (KeyboardInterrupt)"
    )
    assert lines[lines.index("  queued      runs/2  (sacred/runs/2)") + 1].strip() == (
        "Sacred's QUEUED: not started yet"
    )  # it was listed as running, counted as a seed still running


def test_what_main_returned_is_kept_as_sacred_stored_it(tmp_path):
    """main() returning np.mean(...), np.float32 or a dict (Sacred jsonpickles the numpy scalars) left
    `result` out of the run without a word; only a plain float was kept (tests/fixtures/sacred_results,
    written by Sacred 0.8.7)."""
    found = read_tree(copy_fixture("sacred_results", tmp_path), "sacred")
    summaries = {run.params["kind"]: run.summary for run, _, _ in found.values()}
    assert summaries == {
        "float": {"result": 0.85},
        "np64": {"result": 0.8500000000000001},
        "np32": {"result": 0.85},  # the float32's shortest decimal, as the logger keeps a config's
        "dict": {"result.acc": 0.85, "result.loss": 0.1},
        "tuple": {"result.0": 0.85, "result.1": 0.1},  # `return acc, loss`
        "text": {},
    }
    problems = {run.params["kind"]: [p.message for p in problems] for run, problems, _ in found.values()}
    assert problems["text"] == ['its result "done" holds no number']
    assert not any(problems[kind] for kind in ("float", "np64", "np32", "dict", "tuple"))


def test_a_long_list_returned_by_main_is_no_results():
    """`return preds.tolist()`: 3,000 predictions became 3,000 final metrics a run."""
    from resultsbook.adapters.sacred import _result_values

    problems: list = []
    assert _result_values({"py/tuple": [0.8, 0.1]}, "run.json", problems) == {
        "result.0": 0.8,
        "result.1": 0.1,
    }
    assert _result_values([0.5] * 3000, "run.json", problems) == {}
    assert [p.message for p in problems] == ["its result is a list of 3,000 items, not results"]
