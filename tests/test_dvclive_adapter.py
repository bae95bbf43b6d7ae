"""DVCLive folders, written by DVCLive itself (tests/fixtures/dvclive)."""

from __future__ import annotations

import json
import math

import pytest
from trackers import copy_fixture, expected, read_tree

from resultsbook.params import flatten_params
from resultsbook.sources.textio import to_float


@pytest.fixture
def root(tmp_path):
    return copy_fixture("dvclive", tmp_path)


def test_every_run_agrees_with_dvclives_own_loaders(root):
    found = read_tree(root)
    want = {item["source"]: item for item in expected("dvclive")["runs"]}
    assert sorted(found) == sorted(want)
    for source, item in want.items():
        run, _, adapter = found[source]
        assert adapter == "dvclive" and run.status == "unknown"
        assert run.params == flatten_params(item["params"])
        assert set(run.metrics) == set(item["series"])  # nested names joined with "/" as DVCLive does
        for key, written in item["series"].items():
            assert list(run.metrics[key].steps) == written["steps"]
            values = [to_float(v) for v in written["values"]]
            assert all(
                (math.isnan(a) and math.isnan(b)) or a == b for a, b in zip(run.metrics[key].values, values)
            )
        assert run.provenance["dvclive"]["step"] == item["summary"]["step"]


def test_nan_written_as_text_is_kept_as_nan_and_reported(root):
    run, problems, _ = read_tree(root)["projects/seed1/dvclive"]
    assert math.isnan(run.metrics["train/loss"].values[1])
    assert [p.message for p in problems] == ["metric 'train/loss' has 1 NaN/Infinity value(s)"]


def test_timestamp_column_in_milliseconds_becomes_wall_time_in_seconds(root):
    run = read_tree(root)["projects/seed0/dvclive"][0]
    tsv = (root / "projects" / "seed0" / "dvclive" / "plots" / "metrics" / "val" / "acc.tsv").read_text()
    first_ms = int(tsv.splitlines()[1].split("\t")[0])
    assert run.metrics["val/acc"].times[0] == first_ms / 1000 and run.metrics["train/loss"].times is None


def test_killed_run_keeps_every_row_its_tsvs_got_although_metrics_json_lags(root):
    run, _, _ = read_tree(root)["projects/killed/dvclive"]
    summary = json.loads((root / "projects" / "killed" / "dvclive" / "metrics.json").read_text())
    assert summary["step"] == 1 and list(run.metrics["val/acc"].steps) == [0, 1, 2]
    assert run.summary == {}  # every value in metrics.json has its series


def test_values_logged_without_a_plot_are_final_values(root):
    path = root / "projects" / "seed0" / "dvclive" / "metrics.json"
    summary = json.loads(path.read_text())
    summary["test"] = {"acc": "inf"}
    path.write_text(json.dumps(summary))
    assert read_tree(root)["projects/seed0/dvclive"][0].summary == {"test/acc": math.inf}


def test_a_tsv_row_cut_off_mid_write_is_dropped_and_reported(root):
    path = root / "projects" / "killed" / "dvclive" / "plots" / "metrics" / "val" / "acc.tsv"
    path.write_text(path.read_text() + "1795808664999\t3")
    run, problems, _ = read_tree(root)["projects/killed/dvclive"]
    assert [p.message for p in problems] == ["last line (5) is cut off (a run still writing?); if the file is complete, end its last line with a newline"]
    assert list(run.metrics["val/acc"].steps) == [0, 1, 2]


def test_a_tsv_value_that_is_not_a_number_is_counted_and_the_numbers_kept(root):
    path = root / "projects" / "seed0" / "dvclive" / "plots" / "metrics" / "train" / "loss.tsv"
    text = path.read_text()
    path.write_text(text.replace("0.3333", "0.s333"))  # one bit of a "3" flipped on disk
    run, problems, _ = read_tree(root)["projects/seed0/dvclive"]
    assert [p.describe() for p in problems] == [
        f"{path}: 1 value(s) are not numbers (the first: '0.s333') — kept: the numeric ones"
    ]
    assert list(run.metrics["train/loss"].steps) == [0, 1, 3]


def test_final_values_that_are_not_numbers_are_counted_naming_the_first(root):
    path = root / "projects" / "seed0" / "dvclive" / "metrics.json"
    summary = json.loads(path.read_text())
    # live.summary is a plain dict a script may add to; DVCLive writes it as it is
    summary["test"] = {"acc": 0.75, "confusion": [[3, 1], [0, 4]], "note": "early stop"}
    path.write_text(json.dumps(summary, indent=4))
    run, problems, _ = read_tree(root)["projects/seed0/dvclive"]
    assert [p.describe() for p in problems] == [
        f"{path}: 2 value(s) are not numbers (the first: 'test/confusion') — kept: the numbers"
    ]
    assert run.summary == {"test/acc": 0.75}


def test_live_folders_inside_a_live_folder_are_runs_of_their_own(root, tmp_path):
    """Live(dir="dvclive/fold_0") beside Live(dir="dvclive"): cross-validation folds, one run each."""
    import shutil

    project = tmp_path / "cv"
    shutil.copytree(root / "projects" / "seed0" / "dvclive", project / "dvclive")
    for fold in range(2):
        shutil.copytree(root / "projects" / "seed1" / "dvclive", project / "dvclive" / f"fold_{fold}")
    found = read_tree(project)
    assert sorted(found) == ["dvclive", "dvclive/fold_0", "dvclive/fold_1"]
    whole, fold = found["dvclive"][0], found["dvclive/fold_1"][0]
    assert set(fold.metrics) == set(read_tree(root)["projects/seed1/dvclive"][0].metrics)
    assert set(whole.metrics) == set(read_tree(root)["projects/seed0/dvclive"][0].metrics)


def test_the_plots_of_a_live_folder_holding_folds_are_not_called_unread_logs(tmp_path):
    """dvclive/plots/ beside dvclive/fold_N/ (a cross-validation project's tree): its TSVs are the
    outer run's, read with it; collect must not say they were left unread."""
    import resultsbook as rb

    live = tmp_path / "dvclive"
    for folder in (live, live / "fold_0", live / "fold_1"):
        for split in ("train", "eval"):
            (folder / "plots" / "metrics" / split).mkdir(parents=True)
            (folder / "plots" / "metrics" / split / "loss.tsv").write_text("step\tloss\n0\t3.5\n")
        (folder / "metrics.json").write_text('{"train": {"loss": 3.5}, "eval": {"loss": 3.5}, "step": 0}')
    report = rb.collect(str(live), db=str(tmp_path / "rb.db"))
    assert (report.new, report.notes) == (3, ())
    assert rb.open(str(tmp_path / "rb.db")).runs()["metrics.eval/loss"].tolist() == [3.5, 3.5, 3.5]


def test_diff_of_two_folds_names_the_step_of_metrics_json_as_dvclives(tmp_path, cli):
    """Two folds stopped early at epochs 36 and 39 (Emily-RoseSteyn/measuring-quality-of-life-gauteng):
    `diff` showed a bare `step  36  39` beside the params, as if the folds had a param `step`."""
    for fold, step in ((0, 36), (4, 39)):
        folder = tmp_path / "dvclive" / f"fold_{fold}"
        (folder / "plots" / "metrics" / "eval").mkdir(parents=True)
        (folder / "plots" / "metrics" / "eval" / "loss.tsv").write_text(f"step\tloss\n{step}\t3.5\n")
        (folder / "metrics.json").write_text(f'{{"eval": {{"loss": 3.5}}, "step": {step}}}')
        (folder / "params.yaml").write_text(f"fold: {fold}\n")
    cli("collect", "dvclive")
    lines = cli("diff", "fold_0", "fold_4").output.splitlines()
    assert [line.split() for line in lines[2:]] == [["fold", "0", "4"], ["dvclive.step", "36", "39"]]


def test_collecting_a_live_folders_plots_names_the_live_folder_to_collect(tmp_path, cli):
    """`collect dvclive/fold_0/plots` (one folder too deep) was told to read its TSVs with
    --pattern '**/r2_score.tsv', as runs of their own: they are the fold's series."""
    folder = tmp_path / "dvclive" / "fold_0"
    for split in ("train", "eval"):
        (folder / "plots" / "metrics" / split).mkdir(parents=True)
        (folder / "plots" / "metrics" / split / "r2_score.tsv").write_text("step\tr2_score\n0\t0.5\n")
    (folder / "metrics.json").write_text('{"step": 0}')
    for given, live in (
        ("dvclive/fold_0/plots", "dvclive/fold_0"),
        ("dvclive/fold_0/plots/metrics/eval", "dvclive/fold_0"),
    ):
        result = cli("collect", given, "--db", "rb.db")
        assert result.exit_code == 1
        assert (
            f"no runs found under {given}; it is inside the DVCLive run {live}, whose series it holds: "
            "collect that folder" in result.output
        )
    assert cli("collect", "dvclive/fold_0", "--db", "rb.db").exit_code == 0


def test_a_pattern_on_a_live_folders_metrics_json_reads_the_folder(root):
    """`--pattern '{seed}/dvclive/metrics.json'` names the run by its file: the series are in plots/."""
    from resultsbook.sources.collect import CollectRequest, find_sources

    found = list(find_sources(CollectRequest(str(root / "projects"), pattern="{run}/dvclive/metrics.json")))
    assert sorted((s.path.split("/")[-2], s.params["run"], a.name) for s, a in found) == [
        ("killed", "killed", "dvclive"),
        ("seed0", "seed0", "dvclive"),
        ("seed1", "seed1", "dvclive"),
    ]
    whole = read_tree(root)["projects/seed0/dvclive"][0]
    (source, adapter) = next((s, a) for s, a in found if s.params["run"] == "seed0")
    assert set(adapter.read(source).runs[0].metrics) == set(whole.metrics)


def test_the_dvc_projects_params_yaml_gives_params_the_runs_own_win(root, tmp_path):
    """DVC keeps an experiment's params in the project's params.yaml (what `dvc exp show` shows)."""
    import shutil

    project = tmp_path / "project"
    shutil.copytree(root / "projects" / "seed0" / "dvclive", project / "dvclive" / "fold_0")
    (project / "dvc.yaml").write_text("stages: {}\n")
    (project / "params.yaml").write_text("train:\n  lr: 0.01\n  epochs: 7\nrandom_seed: 42\n")
    own = read_tree(root)["projects/seed0/dvclive"][0].params
    run = read_tree(project)["dvclive/fold_0"][0]
    assert run.params == {"train.lr": 0.01, "train.epochs": 7, "random_seed": 42, **own}
    (project / "dvc.yaml").unlink()  # no DVC project: a params.yaml above is not the run's
    assert read_tree(project)["dvclive/fold_0"][0].params == own
