"""rlkit / viskit run folders: progress.csv (a row an epoch, `Epoch` from 0) beside variant.json, the
run's nested config with `algorithm_kwargs.num_epochs` (the shape of ARISE-Initiative/robosuite-benchmark's
runs/<Env>-<Robot>-<Controller>-SEED<n>/<...>_0000--s-0/)."""

from __future__ import annotations

import json
import os
import time

import resultsbook as rb

HEADER = "exploration/num steps total,evaluation/Average Returns,time/total (s),Epoch\n"


def write_rlkit_run(root, seed, epochs, planned=4):
    """Write one rlkit run folder whose progress.csv reached `epochs` epochs of `planned`."""
    folder = root / f"Door-Panda-OSC-POSE-SEED{seed}" / f"Door_Panda_OSC_POSE_SEED{seed}_2020_09_13_0000--s-0"
    folder.mkdir(parents=True)
    variant = {"algorithm": "SAC", "algorithm_kwargs": {"num_epochs": planned}, "seed": seed}
    for kind in ("eval", "expl"):  # rlkit's evaluation and exploration environments, configured alike
        variant[f"{kind}_environment_kwargs"] = {"env_name": "Door", "robots": ["Panda"]}
    (folder / "variant.json").write_text(json.dumps(variant, indent=2))
    rows = "".join(f"{2500 * (e + 1)},{10.0 * e + seed},{60.0 * e},{e}\n" for e in range(epochs))
    (folder / "progress.csv").write_text(HEADER + rows)


def test_collect_of_rlkit_folders_names_the_variant_json_beside_each_progress_csv(tmp_path, cli):
    # robosuite-benchmark's runs/: the hint named --pattern alone, and 145 runs were read without their config
    for seed in (17, 59):
        write_rlkit_run(tmp_path / "runs", seed, 4)
    result = cli("collect", "runs")
    assert result.exit_code == 1
    assert "-o config=variant.json adds the settings beside them" in result.output, result.output


def test_an_rlkit_run_that_stopped_before_its_num_epochs_is_not_counted_as_finished(tmp_path, cli):
    # 82 of robosuite-benchmark's 145 runs stop between epoch 527 and 1322 of num_epochs = 2000: the
    # table's `last` averaged them with finished runs, unmarked, and status said none was unfinished
    write_rlkit_run(tmp_path / "runs", 17, 4)
    write_rlkit_run(tmp_path / "runs", 59, 2)
    collected = cli("collect", "runs", "--pattern", "**/progress.csv", "-o", "config=variant.json")
    assert collected.exit_code == 0, collected.output
    runs = rb.open(tmp_path).runs().sort_values("params.seed")
    assert runs["status"].tolist() == ["finished", "running"]
    table = cli("table", "--rows", "eval_environment_kwargs.env_name", "--metric", "evaluation/Average Returns")
    assert "‡ includes failed, interrupted or still-running runs" in table.output, table.output
    assert "includes 1 running run(s)" in table.output, table.output
    hours_ago = time.time() - 3 * 3600  # a cluster's time limit cut it: no write since
    for path in (tmp_path / "runs").rglob("*"):
        os.utime(path, (hours_ago, hours_ago))
    status = cli("status")
    assert status.exit_code == 1
    assert status.stdout.splitlines()[1:] == [
        "  dead        Door_Panda_OSC_POSE_SEED59_2020_09_13_0000--s-0/progress.csv  "
        "(runs/Door-Panda-OSC-POSE-SEED59/Door_Panda_OSC_POSE_SEED59_2020_09_13_0000--s-0/progress.csv)",
        "              running, at 2 of 4 epochs (num_epochs), but no write for 3.0 h",
    ], status.stdout


def test_status_says_when_no_log_says_how_its_run_ended(tmp_path, cli):
    # read without variant.json, no run has a status: status said "2 runs: none failed, was
    # interrupted or is still running", as if each were known to have finished
    for seed, epochs in ((17, 4), (59, 2)):
        write_rlkit_run(tmp_path / "runs", seed, epochs)
    assert cli("collect", "runs", "--pattern", "**/progress.csv").exit_code == 0
    result = cli("status")
    assert result.exit_code == 0
    assert result.stdout == (
        "2 runs: none known to have failed, been interrupted or be still running; no run's log says how "
        "it ended (status unknown), so a run cut short reads as finished\n"
    )


def test_a_row_key_given_without_its_section_names_the_nested_params_ending_in_it(tmp_path, cli):
    # `--rows env_name` over variant.json's eval_environment_kwargs.env_name answered "did you mean 'name'?"
    for seed in (17, 59):
        write_rlkit_run(tmp_path / "runs", seed, 4)
    cli("collect", "runs", "--pattern", "**/progress.csv", "-o", "config=variant.json")
    result = cli("table", "--rows", "env_name", "--metric", "evaluation/Average Returns")
    assert result.exit_code == 2
    assert result.output.endswith(
        "Error: row key 'env_name' is not a param of any selected run; did you mean "
        "'eval_environment_kwargs.env_name' or 'expl_environment_kwargs.env_name'?\n"
    ), result.output


def test_an_rlkit_run_stepped_by_environment_steps_keeps_the_status_its_epochs_give(tmp_path, cli):
    # -o step='exploration/num steps total' (to compare runs at 1M steps) left every run unknown
    write_rlkit_run(tmp_path / "runs", 17, 4)
    write_rlkit_run(tmp_path / "runs", 59, 2)
    options = ("-o", "config=variant.json", "-o", "step=exploration/num steps total")
    assert cli("collect", "runs", "--pattern", "**/progress.csv", *options).exit_code == 0
    runs = rb.open(tmp_path).runs().sort_values("params.seed")
    assert runs["status"].tolist() == ["finished", "running"]
    steps = rb.open(tmp_path).series(metrics="evaluation/Average Returns").groupby("run_id")["step"].max()
    assert sorted(steps.tolist()) == [5000.0, 10000.0]


def test_a_misspelt_step_column_is_answered_with_the_one_meant_not_every_column(tmp_path, cli):
    # -o step=exploration/num_steps_total over robosuite-benchmark listed the 83 columns of each progress.csv
    write_rlkit_run(tmp_path / "runs", 17, 4)
    result = cli("collect", "runs", "--pattern", "**/progress.csv", "-o", "step=exploration/num_steps_total")
    assert (
        "has no column 'exploration/num_steps_total'; did you mean 'exploration/num steps total'? — kept: "
        "the other columns"
    ) in result.output, result.output
    assert "(columns:" not in result.output
