"""`dvc exp show --json` / `--csv` output is a run per DVC experiment, as DVC's own API lists them.

The fixture in tests/fixtures/dvc_exp/ was written by DVC 3.67.1 itself (make_fixture.py there), and
expected.json holds what `dvc.api.exp_show()` returned for that project. The traps: the JSON nests each
value under its file (read as a whole as two runs of unreadable params), the CSV reads as one run
stepped by its `epoch` column, a failed experiment carries the metrics files it was queued with, and
the workspace repeats the last experiment.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from resultsbook.errors import SpecError
from resultsbook.sources.collect import CollectRequest, collect, find_sources, read_source
from resultsbook.voice import option

FIXTURE = ROOT / "tests" / "fixtures" / "dvc_exp"
EXPECTED = json.loads((FIXTURE / "expected.json").read_text())["experiments"]
STATUS = {"Success": "finished", "Failed": "failed", "Queued": "queued", None: "finished"}
PARAMS = ("lr", "seed", "model.hidden", "model.name")
METRICS = ("acc", "loss", "epoch", "test.acc")


def read(path: Path, **request):
    """Read one file the way `collect PATH` does: ({run name: run}, [problem messages], adapter)."""
    runs, problems, names = {}, [], set()
    for source, adapter in find_sources(CollectRequest(str(path), **request)):
        names.add(adapter.name)
        result = read_source(adapter, source)
        runs.update((run.name, run) for run in result.runs)
        problems.extend(problem.message for problem in result.problems)
    return runs, problems, names


def experiments():
    """The experiments DVC's API lists (not the workspace and baseline rows)."""
    return [row for row in EXPECTED if row["Experiment"]]


def check_against_dvc(runs) -> None:
    for row in experiments():
        run = runs[row["Experiment"]]
        assert run.status == STATUS[row["State"]], row["Experiment"]
        assert {k: float(v) if k != "model.name" else v for k, v in run.params.items()} == {
            k: row[k] for k in PARAMS
        }
        # failed: DVC shows the workspace's files it was queued with, not its own; queued: nothing yet
        if row["State"] == "Failed" or row["acc"] is None:
            assert run.summary == {}
        else:
            assert run.summary == {k: row[k] for k in METRICS}


def test_exp_show_json_is_a_run_per_experiment_as_dvc_lists_them(tmp_path):
    """Each experiment a run named as DVC names it, its params.yaml values params and its metrics files'
    values metrics (nested `test.acc` as DVC shows it), its state its status; the workspace and the
    baseline commit hold the results of experiments listed too (`lr01-s1`, `lr001-s0`) and are no runs
    again: a table of lr over seeds counts 3 seeds per lr, not 4."""
    shutil.copy(FIXTURE / "exps.json", tmp_path / "exps.json")
    runs, problems, adapters = read(tmp_path / "exps.json")
    assert adapters == {"records"}
    assert sorted(runs) == sorted(row["Experiment"] for row in experiments())
    check_against_dvc(runs)
    assert runs["lr01-s2"].provenance["dvc"] == {
        "rev": "0a1256c9685474f79ead0d83cb83893632d0c281",
        "baseline": "main",
        "state": "success",
    }
    assert runs["lrm1-s0"].provenance["error"] == (
        "Experiment run failed (exit code 255); `dvc queue logs lrm1-s0` shows its output"
    )
    assert problems == [
        "experiment 'lrm1-s0' failed: its metrics (acc 0.71, loss 0.29, epoch 3) are the files it was "
        "queued with, not its results; see its log with `dvc queue logs lrm1-s0`"
    ]


def test_a_workspace_of_results_no_experiment_holds_is_a_run(tmp_path):
    """After editing params.yaml and `dvc repro` (no `dvc exp run`), the workspace holds results of its
    own: it is a run named workspace, beside the baseline commit. The shape is that of the fixture's
    exps.json (DVC 3.67.1), its workspace row changed."""
    rows = json.loads((FIXTURE / "exps.json").read_text())
    rows[0]["data"]["params"]["params.yaml"]["data"]["lr"] = 0.05
    rows[0]["data"]["metrics"]["metrics.json"]["data"]["acc"] = 0.66
    (tmp_path / "exps.json").write_text(json.dumps(rows))
    runs, _, _ = read(tmp_path / "exps.json")
    assert runs["workspace"].params["lr"] == 0.05
    assert runs["workspace"].summary["acc"] == 0.66
    assert runs["workspace"].status == "unknown"
    assert "main" not in runs  # still lr001-s0's params and results


def test_exp_show_csv_with_the_projects_params_yaml_is_read_as_dvc_lists_it(tmp_path):
    """`dvc exp show --csv > exps.csv` in the project's folder: its params.yaml beside tells the params
    (the CSV does not); the deps' hash column (train.py) is no param."""
    shutil.copy(FIXTURE / "exps.csv", tmp_path / "exps.csv")
    (tmp_path / "params.yaml").write_text("lr: 0.01\nseed: 0\nmodel:\n  hidden: 16\n  name: mlp\n")
    runs, problems, _ = read(tmp_path / "exps.csv", adapter="records")
    assert sorted(runs) == sorted(row["Experiment"] for row in experiments())
    check_against_dvc(runs)
    assert problems == [
        "experiment 'lrm1-s0' failed: its metrics are the files it was queued with, not its results; see "
        "its log with `dvc queue logs lrm1-s0`"
    ]


def test_exp_show_csv_alone_says_its_params_are_not_known(tmp_path):
    """Without params.yaml beside it the CSV cannot tell lr (decimal) from a metric: one line says so
    and how to read it right; collected unasked, the csv adapter reads no run stepped by `epoch`."""
    shutil.copy(FIXTURE / "exps.csv", tmp_path / "exps.csv")
    runs, problems, _ = read(tmp_path / "exps.csv", adapter="records")
    assert runs["lr01-s2"].params["seed"] == 2
    assert problems[0].startswith("is `dvc exp show --csv` output, which does not say which columns are")
    assert (
        "collect `dvc exp show --json > exps.json` instead, or name the params with "
        f"{option('option', 'params=lr,seed')}" in problems[0]
    )
    assert "acc" not in runs["lrm1-s0"].summary and runs["lrm1-s0"].status == "failed"
    runs, problems, _ = read(tmp_path / "exps.csv", adapter="records", options={"params": "lr,seed"})
    assert (runs["lr01-s2"].params["lr"], runs["lr01-s2"].params["seed"]) == (0.1, 2)
    assert runs["lr01-s2"].summary == {"acc": 0.72, "loss": 0.28, "test.acc": 0.67}
    assert runs["lrm1-s0"].params["lr"] == -1 and runs["lrm1-s0"].summary == {}
    assert len(problems) == 1  # the failed experiment's
    runs, problems, adapters = read(tmp_path / "exps.csv")
    assert (runs, adapters) == ({}, {"csv"})
    assert problems == [
        "is `dvc exp show --csv` output, a row per DVC experiment: read it with "
        f"{option('adapter', 'records')}, a run per experiment, or collect `dvc exp show --json > exps.json`, "
        "which also says which columns are params"
    ]


def test_a_dvc_projects_metrics_file_says_it_is_the_workspace_alone(tmp_path):
    """The project folder holds the workspace's metrics.json, eval/metrics.json and params.yaml; its
    experiments are git refs. Each metrics file dvc.yaml declares says so and what to collect; a
    results file of runs that only sit in the repository (runs/seed0/metrics.json) does not. The
    dvc.yaml is the fixture project's (make_fixture.py, DVC 3.67.1)."""
    (tmp_path / "dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: python train.py\n    metrics:\n    - metrics.json:\n        cache: false\n"
        "    - eval/metrics.json:\n        cache: false\n"
    )
    (tmp_path / "params.yaml").write_text("lr: 0.1\nseed: 1\n")
    (tmp_path / "metrics.json").write_text('{"acc": 0.71, "loss": 0.29, "epoch": 3}')
    os.makedirs(tmp_path / "eval")
    (tmp_path / "eval" / "metrics.json").write_text('{"test": {"acc": 0.66}}')
    os.makedirs(tmp_path / "runs" / "seed0")
    (tmp_path / "runs" / "seed0" / "metrics.json").write_text('{"acc": 0.7}')
    runs, problems, _ = read(tmp_path)
    assert len(runs) == 3 and len(problems) == 2
    assert all(
        f"is in the DVC project {tmp_path} (its dvc.yaml): it holds the workspace's values alone" in p
        and "run `dvc exp show --json > exps.json`" in p
        for p in problems
    )


def test_dvc_lock_given_alone_says_what_to_collect(tmp_path):
    """dvc.lock holds the stages' params and hashes, no metric: the refusal says to collect exp show."""
    shutil.copy(FIXTURE / "dvc.lock", tmp_path / "dvc.lock")
    try:
        read(tmp_path / "dvc.lock")
    except SpecError as error:
        assert "it is DVC's lock file" in str(error) and "`dvc exp show --json > exps.json`" in str(error)
    else:
        raise AssertionError("dvc.lock was read")


def _row(rev, name, params, metrics, experiments=None):
    """One row of `dvc exp show --json` (DVC 3.x), each file's values under `data` or its `error`."""
    data = {"rev": rev, "timestamp": "2024-02-01T12:29:25", "params": params, "metrics": metrics}
    return {"rev": rev, "name": name, "data": data, "error": None, "experiments": experiments}


def test_all_commits_with_outputs_not_pulled_say_so_once_per_file(tmp_path):
    """`dvc exp show -A --json` of a clone whose metrics files are stage outputs left in DVC's remote:
    each row's metrics file is DVC's error; one problem line per file and message names the rows and
    the fix, not one line per row. A commit from before the project used DVC (no params, no metrics)
    is no run; a branch made of an experiment (the same revision) is that experiment. Shape: DVC 3.67.1
    on iterative/example-get-started-experiments @ afdf89b183b5cc9cbeee273b1f33faca10ffd5d0 (its
    refs/exps, `best-exp` is the experiment crumb-hobo), results/train/metrics.json unpulled."""
    unpulled = {
        "error": {"type": "DataIndexDirError", "msg": "failed to load directory ('results', 'train')"}
    }
    params = lambda arch: {"params.yaml": {"data": {"train": {"arch": arch, "img_size": 256}}}}  # noqa: E731
    metrics = {"results/train/metrics.json": unpulled}
    exp = lambda rev, name, arch: {"revs": [_row(rev, name, params(arch), metrics)], "executor": None}  # noqa: E731
    rows = [
        _row("workspace", None, params("shufflenet"), metrics),
        _row("ba3a1ae7898b31002dd111ec5afb435c4f96aece", None, params("resnet34"), metrics),
        _row(
            "afdf89b183b5cc9cbeee273b1f33faca10ffd5d0",
            "main",
            params("shufflenet"),
            metrics,
            [
                exp("ba3a1ae7898b31002dd111ec5afb435c4f96aece", "crumb-hobo", "resnet34"),
                exp("09f68e8b74d2f0675932a9119a7faa11220cbbb5", "newsy-jigs", "alexnet"),
            ],
        ),
        _row("4e8122d3ac053b9be635c0615ad20e3e35c2f74c", None, {}, {}),
    ]
    (tmp_path / "exps.json").write_text(json.dumps(rows))
    runs, problems, _ = read(tmp_path / "exps.json")
    assert sorted(runs) == ["crumb-hobo", "main", "newsy-jigs"]
    assert runs["main"].params == {"train.arch": "shufflenet", "train.img_size": 256}
    assert problems == [
        "DVC could not read the metrics file results/train/metrics.json in 5 row(s) (workspace, ba3a1ae, "
        "main ...): failed to load directory ('results', 'train'); an output of a stage is read from DVC's "
        "cache: `dvc pull` (the workspace), `dvc exp pull REMOTE EXPERIMENT` fetch it, then run dvc exp "
        "show again"
    ]


def test_all_commits_csv_without_state_columns_is_still_read_as_experiments(tmp_path):
    """`dvc exp show -A --csv` with no queued or failed experiment has no State and Executor columns;
    a cell of a file DVC could not read is `!` (no value, said once); the columns of a second params
    file (DVCLive's results/train/params.yaml) come after params.yaml's, still params; experiments
    last in their tree are `branch_base`, run in the workspace: finished. Shape: DVC 3.67.1 on
    iterative/example-get-started-experiments @ afdf89b183b5cc9cbeee273b1f33faca10ffd5d0 (its refs/exps)."""
    (tmp_path / "exps.csv").write_text(
        "Experiment,rev,typ,Created,parent,train.loss,results/evaluate/metrics.json:dice_multi,"
        "train.arch,train.fine_tune_args.base_lr,model,base_lr,src/train.py\n"
        ",workspace,baseline,,,!,!,shufflenet,0.01,!,!,9db72f1631f53eecb232bc48992c425a\n"
        ",ba3a1ae,baseline,2024-02-01T12:27:30,,!,!,resnet34,0.01,!,!,9db72f1631f53eecb232bc48992c425a\n"
        ",main,baseline,2024-02-01T12:25:31,,!,!,shufflenet,0.01,!,!,9db72f1631f53eecb232bc48992c425a\n"
        "crumb-hobo,ba3a1ae,branch_commit,2024-02-01T12:27:30,,!,!,resnet34,0.01,!,!,9db72f1631f53eecb232bc48992c425a\n"
        "newsy-jigs,09f68e8,branch_base,2024-02-01T12:28:56,,!,!,alexnet,0.01,!,!,9db72f1631f53eecb232bc48992c425a\n"
        ",1-notebook-dvclive,baseline,2024-01-30T10:01:51,,0.03,0.87,!,!,DynamicUnet,0.01,a0e0bc07c0f4ebe4b7bba0e45b3b42bc\n"
        "dutch-heck,19c3e0c,branch_base,2024-01-30T10:01:51,,0.03,0.87,!,!,DynamicUnet,0.01,a0e0bc07c0f4ebe4b7bba0e45b3b42bc\n"
        ",4e8122d,baseline,2023-12-01T10:00:00,,,,,,,,\n"
    )
    (tmp_path / "params.yaml").write_text(
        "train:\n  arch: shufflenet\n  fine_tune_args:\n    base_lr: 0.01\n"
    )
    runs, problems, _ = read(tmp_path / "exps.csv", adapter="records")
    assert sorted(runs) == ["crumb-hobo", "dutch-heck", "main", "newsy-jigs"]
    assert {name: run.status for name, run in runs.items()} == {
        "crumb-hobo": "finished", "dutch-heck": "finished", "main": "unknown", "newsy-jigs": "finished"
    }  # fmt: skip
    assert runs["dutch-heck"].params == {"model": "DynamicUnet", "base_lr": 0.01}
    assert runs["dutch-heck"].summary == {
        "train.loss": 0.03,
        "results/evaluate/metrics.json:dice_multi": 0.87,
    }
    assert runs["main"].params == {"train.arch": "shufflenet", "train.fine_tune_args.base_lr": 0.01}
    assert len(problems) == 1 and problems[0].startswith("24 cell(s) hold DVC's '!', a file it could not")


def test_status_says_queued_and_failed_and_the_code_commit_is_the_baseline(tmp_path, store):
    """`status` says the queued experiment (lr03-s0) is not started, not that it last wrote when it was
    queued, and the failed one's exit code; each experiment's commit is its baseline's (the code it
    ran: its own commit differs from its siblings' only in params and results, which would mark every
    cell as mixing code)."""
    from resultsbook.freshness.status import runs_status

    shutil.copy(FIXTURE / "exps.json", tmp_path / "exps.json")
    collect(store, [CollectRequest(str(tmp_path / "exps.json"))])
    details = {run.name: (run.state, run.detail) for run in runs_status(store).runs}
    assert details == {
        "lr03-s0": ("queued", "DVC's Queued: not started yet"),
        "lrm1-s0": (
            "failed",
            "Experiment run failed (exit code 255); `dvc queue logs lrm1-s0` shows its output",
        ),
    }
    commits = {run.name: run.git_commit for run in store.runs()}
    assert set(commits.values()) == {"47c7eeb931a32e91de13b9ba062e3292aa619f98"}  # main's, the baseline


def test_dvc_2_show_json_is_read_as_the_same_runs(tmp_path):
    """DVC 2.x's `dvc exp show --show-json` is an object keyed by revision, each baseline's experiments
    beside its `baseline`, their state in `queued`/`running` (or `status`); a checkpoint experiment
    lists every checkpoint, `checkpoint_tip` naming the last: one run, the tip's values. Shape: the
    outputs quoted in treeverse/dvc issues #8014 (a workspace and a baseline) and #7329 (checkpoints:
    `queued`, `running`, `executor`, `checkpoint_tip`, `checkpoint_parent`), DVC 2.x not installed."""

    def data(lr, metrics=None, **more):
        held = {"timestamp": "2022-02-01T12:50:21", "params": {"params.yaml": {"data": {"lr": lr}}}}
        held["metrics"] = {"logs.json": {"data": metrics}} if metrics else {}
        return {**held, "queued": False, "running": False, "executor": None, **more}

    tip, middle = "e197c8aaf027691d91b2da62cb6c75cf00ff3782", "bca00f17bb3789fa5c7b2134bcd9cc3c4b41b833"
    document = {
        "workspace": {"baseline": {"data": data(0.001, {"step": 3, "acc": 0.3859})}},
        "53c3851f46955fa3e2b8f6e1c52999acc8c9ea77": {
            "baseline": {"data": data(0.01, {"step": 3, "acc": 0.31}, name="main")},
            tip: {"data": data(0.001, {"step": 3, "acc": 0.3859}, name="exp-e6c97", checkpoint_tip=tip)},
            middle: {
                "data": data(0.001, {"step": 2, "acc": 0.3669}, checkpoint_tip=tip, checkpoint_parent="x")
            },
            "f4c82f4ab9f2e5d1b0d4f47b4b1ac3ee5a5ff0c1": {"data": data(0.1, queued=True)},
        },
    }
    (tmp_path / "exps.json").write_text(json.dumps(document))
    runs, problems, _ = read(tmp_path / "exps.json")
    assert problems == []
    assert sorted(runs) == ["exp-e6c97", "f4c82f4", "main"]  # the workspace holds exp-e6c97's
    assert runs["exp-e6c97"].summary == {"step": 3.0, "acc": 0.3859}
    assert (runs["exp-e6c97"].status, runs["f4c82f4"].status, runs["main"].status) == (
        "finished",
        "queued",
        "unknown",
    )
    assert runs["exp-e6c97"].provenance["git"] == {"commit": "53c3851f46955fa3e2b8f6e1c52999acc8c9ea77"}


def test_a_dvclive_folder_in_a_dvc_project_says_it_is_the_last_run_alone(tmp_path):
    """A DVC project whose train.py logs with DVCLive: its dvclive/ holds the last run in the workspace
    (DVCLive clears it at each run), while `dvc exp run`'s experiments are git refs. Collecting the
    project folder reads that one run and says where the others are. The Live folder is the dvclive
    fixture's (DVCLive 3.49.1)."""
    shutil.copytree(
        ROOT / "tests" / "fixtures" / "dvclive" / "projects" / "seed0" / "dvclive", tmp_path / "dvclive"
    )
    (tmp_path / "dvc.yaml").write_text("stages:\n  train:\n    cmd: python train.py\n")
    (tmp_path / "params.yaml").write_text("lr: 0.01\nseed: 0\n")
    (tmp_path / "dvclive" / "dvc.yaml").write_text("metrics:\n- metrics.json\n")  # as DVCLive 2.x wrote it
    runs, problems, adapters = read(tmp_path)
    assert adapters == {"dvclive"} and len(runs) == 1
    assert problems == [
        f"is in the DVC project {tmp_path} (its dvc.yaml): this DVCLive folder holds the workspace's last "
        f"run alone, not the experiments (git refs); run `dvc exp show --json > exps.json` in {tmp_path} "
        "and collect exps.json, a run per experiment"
    ]


def test_a_dvc_project_without_its_outputs_says_to_collect_exp_show(tmp_path, cli):
    """A clone of a DVC project whose metrics files are outputs kept in DVC's remote (not pulled) holds
    no run; the refusal says where its experiments are, not to read its requirements.txt with a
    pattern. Shape: iterative/example-get-started-experiments @ afdf89b183b5cc9cbeee273b1f33faca10ffd5d0
    (dvc.yaml, params.yaml, requirements.txt, sagemaker/code/requirements.txt, results/ ignored by git)."""
    project = tmp_path / "project"
    os.makedirs(project / "sagemaker" / "code")
    (project / "dvc.yaml").write_text(
        "metrics:\n- results/train/metrics.json\nstages:\n  train:\n    cmd: x\n"
    )
    (project / "params.yaml").write_text("train:\n  arch: shufflenet_v2_x2_0\n")
    (project / "requirements.txt").write_text("dvc\nfastai\n")
    (project / "sagemaker" / "code" / "requirements.txt").write_text("fastai\n")
    result = cli("collect", "project")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "Error: no runs found under project; it is a DVC project (its dvc.yaml), whose experiments are git "
        "refs, not files: run `dvc exp show --json > exps.json` in project and collect exps.json, a run per "
        "experiment; the store was left as it was"
    )


def test_an_experiment_of_several_commits_is_one_run_at_its_tip(tmp_path):
    """DVC 3.x lists an experiment's branch from its tip back to its baseline (`revs`: checkpoints, or
    a running experiment's live state first): one run, the tip's values, named by the experiment.
    Shape: ExpRange as dvc/repo/experiments/collect.py (DVC 3.67.1) builds it, the fixture's rows."""
    rows = json.loads((FIXTURE / "exps.json").read_text())
    group = rows[1]["experiments"][0]  # lr01-s2
    earlier = json.loads(json.dumps(group["revs"][0]))
    earlier.update(rev="1" * 40, name=None)
    earlier["data"]["metrics"]["metrics.json"]["data"]["acc"] = 0.5
    group["revs"].append(earlier)
    (tmp_path / "exps.json").write_text(json.dumps(rows))
    runs, _, _ = read(tmp_path / "exps.json")
    assert runs["lr01-s2"].summary["acc"] == 0.72
    assert "1111111" not in runs and len(runs) == 8


def _set(path, value):
    """Return a change of the fixture's rows that sets the value at `path` (keys and list indexes)."""

    def change(rows):
        held = rows
        for key in path[:-1]:
            held = held[key]
        held[path[-1]] = value

    return change


MAIN = "row 47c7eeb (main)"
LR01_S2 = ("experiments", 0)  # in main's row
NOT_LIST, NOT_OBJECT = "not a list as DVC writes it", "not an object as DVC writes it"


@pytest.mark.parametrize(
    ("change", "line", "gone"),
    [
        (
            _set((1, *LR01_S2, "revs"), 7),
            f"{MAIN}, experiment lr01-s2: experiments[0].revs is a number, {NOT_LIST} — kept: the other "
            "experiments",
            {"lr01-s2"},
        ),
        (
            _set((1, "experiments", 3), "lr01-s0"),
            f"{MAIN}: experiments[3] is a string, {NOT_OBJECT} — kept: the other experiments",
            {"lr01-s0"},
        ),
        (
            _set((1, *LR01_S2, "revs", 0), None),
            f"{MAIN}, experiment lr01-s2: experiments[0].revs[0] is null, {NOT_OBJECT} — kept: the other "
            "experiments",
            {"lr01-s2"},
        ),
        (
            _set((1, *LR01_S2, "revs", 0, "data"), [0.72]),
            f"row 0a1256c (lr01-s2): data is a list, {NOT_OBJECT} — kept: the other rows",
            {"lr01-s2"},
        ),
        (
            _set((1, *LR01_S2, "revs", 0, "data", "params"), 7),
            f"row 0a1256c (lr01-s2): data.params is a number, {NOT_OBJECT} — kept: the run without its params",
            set(),
        ),
        (
            _set((1, *LR01_S2, "revs", 0, "data", "metrics", "metrics.json"), "0.72"),
            f'row 0a1256c (lr01-s2): data.metrics["metrics.json"] is a string, {NOT_OBJECT} — kept: the run '
            "without that file's metrics",
            set(),
        ),
        (
            _set((1, *LR01_S2, "executor"), "success"),
            f"{MAIN}, experiment lr01-s2: experiments[0].executor is a string, {NOT_OBJECT} — kept: the "
            "experiment, its state unknown",
            set(),
        ),
        (
            lambda rows: rows.insert(1, 3),
            f"row 2 is a number, {NOT_OBJECT} — kept: the other rows",
            set(),
        ),
    ],
    ids=[
        "revs-number",
        "experiment-string",
        "tip-null",
        "data-list",
        "params-number",
        "metrics-file-string",
        "executor-string",
        "row-number",
    ],
)
def test_a_value_of_another_shape_than_dvc_writes_is_one_line_and_the_rest_is_kept(
    tmp_path, change, line, gone
):
    """A row of `dvc exp show --json` holding a value of another kind than DVC writes there (a number
    for the list of an experiment's commits, a string for an experiment) is one problem line naming
    the row and the key, not the whole file lost: the other experiments are read."""
    rows = json.loads((FIXTURE / "exps.json").read_text())
    change(rows)
    (tmp_path / "exps.json").write_text(json.dumps(rows))
    [(source, adapter)] = find_sources(CollectRequest(str(tmp_path / "exps.json")))
    result = read_source(adapter, source)
    names = {run.name for run in result.runs}
    assert names == {row["Experiment"] for row in experiments()} - gone
    shown = [problem.describe() for problem in result.problems if "lrm1-s0" not in problem.message]
    assert shown == [f"{tmp_path / 'exps.json'}: {line}"]


def test_experiments_of_another_shape_keep_the_row_alone(tmp_path):
    """A baseline row whose `experiments` is not a list keeps the row (and the workspace, which no
    experiment read holds now), naming the row and key."""
    rows = json.loads((FIXTURE / "exps.json").read_text())
    rows[1]["experiments"] = 3
    (tmp_path / "exps.json").write_text(json.dumps(rows))
    runs, problems, _ = read(tmp_path / "exps.json")
    assert sorted(runs) == ["main", "workspace"]
    assert problems == [f"{MAIN}: experiments is a number, {NOT_LIST}"]


def test_dvc_2_show_json_of_another_shape_names_the_revision_and_key(tmp_path):
    """DVC 2.x's `--show-json` (an object keyed by revision) with an experiment that is not an object
    names the revision and the experiment's key; the other experiments are read."""
    held = {"params": {"params.yaml": {"data": {"lr": 0.1}}}, "metrics": {}, "queued": False}
    document = {
        "workspace": {"baseline": {"data": {**held, "params": {"params.yaml": {"data": {"lr": 0.3}}}}}},
        "53c3851f46955fa3e2b8f6e1c52999acc8c9ea77": {
            "baseline": {"data": {**held, "name": "main", "params": {"params.yaml": {"data": {"lr": 1}}}}},
            "e197c8aaf027691d91b2da62cb6c75cf00ff3782": {"data": {**held, "name": "exp-e6c97"}},
            "f4c82f4ab9f2e5d1b0d4f47b4b1ac3ee5a5ff0c1": 7,
        },
    }
    (tmp_path / "exps.json").write_text(json.dumps(document))
    runs, problems, _ = read(tmp_path / "exps.json")
    assert sorted(runs) == ["exp-e6c97", "main", "workspace"]
    assert problems == ["revision 53c3851: f4c82f4 is a number, not an object as DVC writes it"]


def test_a_queued_experiment_is_a_seed_not_started_not_one_running(tmp_path, cli):
    """A queued experiment (`dvc exp run --queue`, its State `Queued` in DVC 3.67.1's own `exp show
    --json`, the fixture's lr03-s0, here given lr 0.1 and seed 3 to be the fourth seed of a cell) has no
    metrics and no process. It was read as `running`: the table said `seed 3 running, no value yet`,
    `status` `seed 3 still running, no value yet` and listed it as running. It is `queued`: not started,
    never counted as a seed still running, and no run to launch again either (no command)."""
    rows = json.loads((FIXTURE / "exps.json").read_text())
    for row in rows:
        for group in row.get("experiments") or ():
            tip = group["revs"][0]
            if tip["name"] == "lr03-s0":
                tip["data"]["params"]["params.yaml"]["data"].update({"lr": 0.1, "seed": 3})
    (tmp_path / "exps.json").write_text(json.dumps(rows))
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "exps.json"\n\n[tables.t1]\nmetric = "acc"\ngoal = "max"\nrows = ["lr"]\n'
        'replicates = 4\nseeds = [0, 1, 2, 3]\noutputs = ["t1.md"]\n'
        'command = "dvc exp run --queue -S lr={lr} -S seed={seed}"\n'
    )
    built = cli("build")
    assert "0.1: n = 3 of 4 seeds asked for (seed 3 queued, not started yet)" in built.output
    assert "(1 of them failed, interrupted or running; 1 queued, not started yet)" in built.output
    assert "running, no value yet" not in built.output
    status = cli("status", "--commands")
    lines = status.output.splitlines()
    assert "  0.1: 3 of 4, seed 3 queued, not started yet" in lines
    assert "  queued      lr03-s0  (exps.json)" in lines
    assert "              DVC's Queued: not started yet" in lines
    assert "lr=0.1 -S seed=3" not in status.output  # queued: no command to launch it again
    assert "    dvc exp run --queue -S lr=0.01 -S seed=3" in lines  # a seed no run has: one
