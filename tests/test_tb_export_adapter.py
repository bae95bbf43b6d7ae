"""Scalars downloaded from the TensorBoard web UI and committed beside a paper: one file per run and tag,
`run-<run>-tag-<tag>.csv` (`Wall time,Step,Value`) or `.json` (`[[wall_time, step, value], ...]`), as
RayYoh/RL_by_sb3's data/run-ppo_97956418-tag-rollout_ep_rew_mean.csv are."""

from __future__ import annotations

import json

import numpy as np

import resultsbook as rb

START = 1650595439.904449


def write_download(folder, run, tag, values, suffix=".csv"):
    """Write one tag of one run as TensorBoard's 'Download CSV' / 'Download JSON' saves it."""
    points = [(START + 5.25 * i, 2048 * (i + 1), value) for i, value in enumerate(values)]
    path = folder / f"run-{run}-tag-{tag}{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps([list(point) for point in points]))
    else:
        path.write_text("Wall time,Step,Value\n" + "".join(f"{t},{s},{v}\n" for t, s, v in points))


def test_the_tag_files_of_one_run_are_one_run_with_a_metric_per_tag(cli, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    returns = {97956418: [23.5, 198.75], 306655929: [23.75, 200.0], 3988534756: [25.0, 200.0]}
    for seed, values in returns.items():
        write_download(folder, f"ppo_{seed}", "rollout_ep_rew_mean", values)
        write_download(folder, f"ppo_{seed}", "train_loss", [0.5, 0.25], suffix=".json")
    assert cli("collect", "data").output.startswith("Collected data: 3 new, 0 updated, 0 unchanged, 0 problems")
    book = rb.open("resultsbook.db")
    runs = book.runs().set_index("name")
    assert sorted(runs.index) == ["ppo_306655929", "ppo_3988534756", "ppo_97956418"]
    assert runs.loc["ppo_97956418", "params.run"] == "ppo"
    assert runs.loc["ppo_97956418", "params.run_number"] == 97956418
    series = book.series(metrics=["rollout_ep_rew_mean", "train_loss"])
    one = series[series["run_id"] == runs.loc["ppo_97956418", "run_id"]]
    rewards = one[one["metric"] == "rollout_ep_rew_mean"]
    assert rewards["step"].tolist() == [2048, 4096]
    assert rewards["value"].tolist() == [23.5, 198.75]
    assert rewards["time"].tolist() == [START, START + 5.25]
    assert one[one["metric"] == "train_loss"]["value"].tolist() == [0.5, 0.25]
    table = cli("table", "--rows", "run", "--metric", "rollout_ep_rew_mean", "--replicate", "run_number")
    last = [values[-1] for values in returns.values()]
    assert f"{np.mean(last):.1f} ± {np.std(last, ddof=1):.1f}" in table.output
    assert "over n = 3 run_numbers" in table.output


def test_a_table_over_run_numbers_without_a_seed_says_to_count_the_replicates_by_them(cli, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for number in (1, 2, 3):
        write_download(folder, f"PPO_{number}", "rollout_ep_rew_mean", [float(number)])
    cli("collect", "data")
    table = cli("table", "--rows", "run", "--metric", "rollout_ep_rew_mean")
    assert (
        "averages runs that differ in run_number (1, 2, 3); no run has 'seed': if run_number numbers the "
        "seeds, count the replicates by it (--replicate run_number)" in table.output
    )


def test_a_seed_in_the_run_name_is_the_seed(cli, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for seed in (0, 1):
        write_download(folder, f"sac_seed{seed}", "eval_return", [float(seed)])
    cli("collect", "data")
    runs = rb.open("resultsbook.db").runs().set_index("name")
    assert runs.loc["sac_seed1", "params.seed"] == 1
    assert runs.loc["sac_seed1", "params.run"] == "sac"
    assert "over n = 2 seeds" in cli("table", "--rows", "run", "--metric", "eval_return").output


def test_a_download_of_another_shape_is_named_with_what_it_holds(cli, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    write_download(folder, "PPO_1", "loss", [0.5])
    (folder / "run-PPO_1-tag-reward.json").write_text('{"reward": 3}')
    result = cli("collect", "data")
    assert "1 problem" in result.output
    assert "run-PPO_1-tag-reward.json: does not hold [[wall_time, step, value], ...]" in cli("problems").output
    assert rb.open("resultsbook.db").runs()["name"].tolist() == ["PPO_1"]


def test_a_json_download_with_a_number_no_float_holds_is_named_and_its_run_kept(cli, tmp_path):
    """An integer of 400 digits raised OverflowError inside the adapter: the whole run was lost to one
    "could not be read by the tb_export adapter" line."""
    folder = tmp_path / "data"
    folder.mkdir()
    write_download(folder, "PPO_1", "loss", [0.5])
    (folder / "run-PPO_1-tag-reward.json").write_text("[[1650595439.9, 2048, 1" + "0" * 400 + "]]")
    cli("collect", "data")
    assert "run-PPO_1-tag-reward.json: does not hold [[wall_time, step, value], ...]" in cli("problems").output
    assert rb.open("resultsbook.db").runs()["name"].tolist() == ["PPO_1"]


def test_a_second_download_of_one_tag_is_reported_and_left_out(cli, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    write_download(folder, "PPO_1", "loss", [0.5])
    (folder / "run-PPO_1-tag-loss (1).csv").write_text("Wall time,Step,Value\n1650595439.9,2048,9.5\n")
    cli("collect", "data")
    assert "run-PPO_1-tag-loss (1).csv: holds tag 'loss' of run 'PPO_1' again — kept: the first" in cli(
        "problems"
    ).output
    assert rb.open("resultsbook.db").series(metrics=["loss"])["value"].tolist() == [0.5]


def test_a_metric_logged_only_by_runs_without_the_row_key_names_the_key_and_the_metric_of_the_others(
    cli, tmp_path
):
    """The event files log `rollout/ep_rew_mean` and have no `run`; the downloads beside them have `run`."""
    for seed in (1, 2):
        with rb.Run(str(tmp_path / "events"), config={"seed": seed}) as run:
            run.log(2048, **{"rollout/ep_rew_mean": 10.0 * seed})
    folder = tmp_path / "data"
    folder.mkdir()
    for number in (1, 2, 3):
        write_download(folder, f"PPO_{number}", "rollout_ep_rew_mean", [float(number)])
    cli("collect", "events")
    cli("collect", "data")
    result = cli("table", "--rows", "run", "--metric", "rollout/ep_rew_mean")
    assert result.exit_code == 1
    assert (
        "the 2 selected run(s) that log 'rollout/ep_rew_mean' have no 'run'; the 3 run(s) that have 'run' log "
        "'rollout_ep_rew_mean'; check the metric, or the rows and columns" in result.output
    )


def test_the_downloads_of_a_logdir_run_named_dot_are_named_after_their_folder_whose_seed_a_pattern_reads(
    cli, tmp_path
):
    """TensorBoard names the event files of the logdir itself `.`: `run-.-tag-<tag>.csv` in each seed's folder."""
    for seed in (0, 1, 2):
        folder = tmp_path / "exp" / f"seed_{seed}"
        folder.mkdir(parents=True)
        write_download(folder, ".", "rollout_ep_rew_mean", [float(seed)])
        write_download(folder, ".", "train_loss", [seed + 0.5])
    collected = cli("collect", "exp")
    assert (
        "3 runs read by tb_export have no param (their logs hold none), so a table cannot tell them apart; if "
        "their folders say what they are (the first: 'seed_0'), --pattern "
        "'seed_{seed}/run-.-tag-rollout_ep_rew_mean.csv' makes them params" in collected.output
    )
    assert sorted(rb.open("resultsbook.db").runs()["name"]) == ["seed_0", "seed_1", "seed_2"]
    (tmp_path / "resultsbook.db").unlink()
    cli("collect", "exp", "--pattern", "seed_{seed}/run-.-tag-rollout_ep_rew_mean.csv")
    runs = rb.open("resultsbook.db").runs().set_index("params.seed")
    assert sorted(runs.index) == [0, 1, 2]
    assert "over n = 3 seeds" in cli("table", "--rows", "metric", "--metric", "train_loss").output


def test_a_pattern_names_the_params_of_each_run_and_one_file_collects_its_run_alone(cli, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for number in (1, 2, 3):
        write_download(folder, f"PPO_{number}", "rollout_ep_rew_mean", [float(number)])
        write_download(folder, f"PPO_{number}", "train_loss", [number / 4])
    cli("collect", "data", "--pattern", "run-{algo}_{seed}-tag-{_}.csv")
    runs = rb.open("resultsbook.db").runs().set_index("name")
    assert runs.loc["PPO_2", "params.seed"] == 2
    assert runs.loc["PPO_2", "params.algo"] == "PPO"
    assert "params.run_number" not in runs.columns
    table = cli("table", "--rows", "algo", "--metric", "train_loss")
    assert "0.5 ± 0.3" in table.output and "over n = 3 seeds" in table.output
    one = cli("collect", "--db", "one.db", "data/run-PPO_2-tag-train_loss.csv")
    assert one.output.startswith("Collected data/run-PPO_2-tag-train_loss.csv: 1 new")
    series = rb.open("one.db").series(metrics=["rollout_ep_rew_mean", "train_loss"])
    assert sorted(series["metric"]) == ["rollout_ep_rew_mean", "train_loss"]
