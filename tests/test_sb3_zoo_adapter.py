"""Stable-Baselines3 runs as rl-baselines3-zoo writes them, by the zoo's own train.py (tests/fixtures/sb3_zoo):
evaluations.npz, one Monitor file per environment, and the seed and hyperparameters in `<env>/*.yml`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from trackers import FIXTURES, copy_fixture, expected, read_tree

from resultsbook.sources.bare import pattern_of


@pytest.fixture
def logs(tmp_path):
    return copy_fixture("sb3_zoo", tmp_path) / "logs"


def test_every_run_agrees_with_what_the_zoo_and_sb3_read(logs):
    """Before, no adapter read evaluations.npz and the folder suffix `_1` (the zoo's run counter) was
    taken for the seed; each environment's Monitor file was a run of its own."""
    found = read_tree(logs)
    want = expected("sb3_zoo")
    assert sorted(found) == sorted(want)
    for source, item in want.items():
        run, problems, adapter = found[source]
        assert (adapter, problems, run.status) == ("sb3", [], "finished")
        assert run.params["seed"] == item["seed"] and run.params["env"] == "CartPole-v1"
        assert run.params["algo"] == source.split("/")[0] and "log_folder" not in run.params
        evaluations = run.metrics["eval/mean_reward"]
        assert list(evaluations.steps) == item["eval_steps"]
        assert list(evaluations.values) == pytest.approx(item["eval_mean_reward"])
        assert list(run.metrics["eval/mean_ep_length"].values) == pytest.approx(item["eval_mean_ep_length"])
        assert list(run.metrics["r"].steps) == item["train_steps"]
        assert list(run.metrics["r"].values) == item["train_returns"]
        assert run.provenance["command"].startswith(
            f"{run.provenance['command'].split()[0]} -m rl_zoo3.train"
        )


def test_a_table_averages_the_last_evaluation_over_the_seeds_of_args_yml(logs, cli):
    result = cli("collect", str(logs), "--db", "z.db")
    assert result.exit_code == 0 and "3 new" in result.output, result.output
    table = cli("table", "--db", "z.db", "--rows", "algo", "--metric", "eval/mean_reward", "--format", "json")
    assert table.exit_code == 0, table.output
    cells = {cell["row"]["algo"]: cell for cell in json.loads(table.output)["cells"]}
    want = expected("sb3_zoo")
    ppo = [want[f"ppo/CartPole-v1_{i}"]["eval_mean_reward"][-1] for i in (1, 2)]
    assert cells["ppo"]["stats"]["mean"] == pytest.approx(sum(ppo) / 2) and cells["ppo"]["stats"]["n"] == 2
    assert sorted(run["name"] for run in cells["ppo"]["runs"]) == ["ppo/CartPole-v1_1", "ppo/CartPole-v1_2"]
    assert not {mark["kind"] for mark in cells["ppo"]["marks"]} & {
        "duplicate",
        "mixed",
    }  # seeds 1 and 2, one config
    assert cells["a2c"]["stats"]["n"] == 1


def test_a_run_without_its_final_model_is_not_called_finished(logs):
    (logs / "ppo" / "CartPole-v1_2" / "CartPole-v1.zip").unlink()
    (logs / "ppo" / "CartPole-v1_2" / "rl_model_512_steps.zip").touch()  # --save-freq's checkpoints
    found = read_tree(logs)
    assert found["ppo/CartPole-v1_2"][0].status == "unknown"
    assert found["ppo/CartPole-v1_1"][0].status == "finished"


def test_evaluations_that_need_unpickling_are_reported_and_the_episodes_kept(logs):
    folder = logs / "ppo" / "CartPole-v1_1"
    ragged = np.empty(2, dtype=object)
    ragged[:] = [[1.0], [1.0, 2.0]]
    np.savez(folder / "evaluations.npz", timesteps=np.array([256, 512]), results=ragged)
    run, problems, _ = read_tree(logs)["ppo/CartPole-v1_1"]
    assert [problem.message for problem in problems] == [
        "is not a readable NumPy .npz file (it holds pickled objects, which are never unpickled)"
    ]  # not numpy's advice to load it with allow_pickle
    assert "eval/mean_reward" not in run.metrics and len(run.metrics["r"]) > 0


def test_rewards_kept_as_one_element_lists_are_averaged_as_numbers(logs):
    """Older SB3 saved `results` as evaluations × episodes × 1 (rl-trained-agents' sac/Pendulum-v1_1):
    it was refused as not one row per timestep."""
    folder = logs / "ppo" / "CartPole-v1_1"
    with np.load(folder / "evaluations.npz") as data:
        steps, results, lengths = data["timesteps"], data["results"], data["ep_lengths"]
    np.savez(folder / "evaluations.npz", timesteps=steps, results=results[:, :, None], ep_lengths=lengths)
    run, problems, _ = read_tree(logs)["ppo/CartPole-v1_1"]
    assert problems == []
    assert list(run.metrics["eval/mean_reward"].values) == pytest.approx(results.mean(axis=1).tolist())


def test_a_monitor_flag_written_as_true_or_false_is_a_success_rate(logs):
    """Monitor(info_keywords=("is_success",)) writes the flag with csv.DictWriter: `True`/`False`, as in
    rl-trained-agents' her/parking-v0_1; each cell was reported as not a number and dropped."""
    folder = logs / "ppo" / "CartPole-v1_1"
    for path in sorted(folder.glob("*.monitor.csv")):
        lines = path.read_text().splitlines()
        flags = ["True" if i % 2 else "False" for i in range(len(lines) - 2)]
        body = [f"{line},{flag}" for line, flag in zip(lines[2:], flags)]
        path.write_text("\n".join([lines[0], lines[1] + ",is_success", *body]) + "\n")
    run, problems, _ = read_tree(logs)["ppo/CartPole-v1_1"]
    assert problems == []
    success = run.metrics["is_success"]
    assert set(success.values) == {0.0, 1.0} and len(success) == len(run.metrics["r"])


def test_runs_without_params_under_folders_named_for_them_get_the_pattern_that_reads_them(tmp_path, cli):
    """A stranger's tree (github.com/mopben/bipedal-walker @ 1f6d5b9, runs/ablations/<exp>/seed_<n>/
    eval_logs/evaluations.npz, written by SB3's EvalCallback) gave runs named `seed_0/eval_logs`
    twice, without a param, and collect said nothing of the folders that name them."""
    source = copy_fixture("sb3_zoo", tmp_path / "zoo") / "logs" / "ppo"
    npz = [source / f"CartPole-v1_{i}" / "evaluations.npz" for i in (1, 2)]
    for exp in ("base", "rnd"):
        for seed, path in enumerate(npz):
            folder = tmp_path / "runs" / "ablations" / exp / f"seed_{seed}" / "eval_logs"
            folder.mkdir(parents=True)
            (folder / "evaluations.npz").write_bytes(path.read_bytes())
    result = cli("collect", "runs", "--db", "bare.db")
    assert "4 new" in result.output
    pattern = "ablations/{level2}/seed_{seed}/eval_logs/evaluations.npz"
    assert (
        "Note: 4 runs read by sb3 have no param (their logs hold none), so a table cannot tell them apart; "
        "if their folders say what they are (the first: 'ablations/base/seed_0/eval_logs'), "
        f"--pattern '{pattern}' makes them params"
    ) in result.stderr
    result = cli("collect", "runs", "--db", "named.db", "--pattern", pattern)
    assert "4 new" in result.output and "Note:" not in result.stderr
    table = cli(
        "table", "--db", "named.db", "--rows", "level2", "--metric", "eval/mean_reward", "--format", "json"
    )
    assert [cell["stats"]["n"] for cell in json.loads(table.output)["cells"]] == [2, 2]


def test_runs_that_differ_only_in_their_own_folder_get_no_pattern(tmp_path, cli):
    source = copy_fixture("sb3_zoo", tmp_path / "zoo") / "logs" / "ppo" / "CartPole-v1_1" / "evaluations.npz"
    for run in ("a", "b"):
        (tmp_path / "runs" / run).mkdir(parents=True)
        (tmp_path / "runs" / run / "evaluations.npz").write_bytes(source.read_bytes())
    result = cli("collect", "runs", "--db", "bare.db")
    assert "2 new" in result.output and "Note:" not in result.stderr


def test_runs_told_apart_by_the_settings_in_their_own_folders_names_get_the_pattern_of_them(tmp_path, cli):
    """Hydra's `override_dirname` folders, `lr=0.1,seed=0/`, each holding an EvalCallback's file and no
    param: collect said nothing, as of `version_0` folders, though each name says the run's settings."""
    source = copy_fixture("sb3_zoo", tmp_path / "zoo") / "logs" / "ppo" / "CartPole-v1_1" / "evaluations.npz"
    for lr in ("0.1", "0.01"):
        for seed in (0, 1):
            folder = tmp_path / "runs" / f"lr={lr},seed={seed}"
            folder.mkdir(parents=True)
            (folder / "evaluations.npz").write_bytes(source.read_bytes())
    result = cli("collect", "runs", "--db", "bare.db")
    pattern = "lr={lr},seed={seed}/evaluations.npz"
    assert f"(the first: 'lr=0.01,seed=0'), --pattern '{pattern}' makes them params" in result.stderr
    named = cli("collect", "runs", "--db", "named.db", "--pattern", pattern)
    assert "4 new" in named.output and "Note:" not in named.stderr
    table = cli("table", "--db", "named.db", "--rows", "lr", "--metric", "eval/mean_reward", "--format", "json")
    assert [cell["stats"]["n"] for cell in json.loads(table.output)["cells"]] == [2, 2]



def test_the_event_files_of_tensorboard_log_in_the_run_folder_are_its_training_curves(tmp_path):
    """A stranger's tree (github.com/eliamounier/Deep_RL @ ffcdd1c, logs/seed_42_Pendulum/PPO/ with
    evaluations.npz and `tensorboard_log`'s PPO_1/events.out.tfevents.*): the sb3 run held eval/* only,
    and the event files below it (rollout/ep_rew_mean, train/*) were read by nothing and named nowhere."""
    source = copy_fixture("sb3_zoo", tmp_path / "zoo") / "logs" / "ppo" / "CartPole-v1_1" / "evaluations.npz"
    (written,) = (FIXTURES / "tensorboard" / "logs" / "tbx_seed0").glob("events.out.tfevents.*")
    run_folder = tmp_path / "logs" / "seed_0_CartPole" / "PPO"
    for sub in ("PPO_1", "PPO_2"):
        (run_folder / sub).mkdir(parents=True)
    (run_folder / "evaluations.npz").write_bytes(source.read_bytes())
    (run_folder / "PPO_2" / written.name).write_bytes(written.read_bytes())
    (run, problems, adapter) = read_tree(tmp_path / "logs")["seed_0_CartPole/PPO"]
    assert adapter == "sb3" and problems == []
    assert {"eval/mean_reward", "train/loss", "val/acc"} <= set(run.metrics)
    assert len(run.metrics["train/loss"]) == 3 and run.start_time is not None
    (run_folder / "PPO_1" / written.name).write_bytes(written.read_bytes())
    (run, problems, _) = read_tree(tmp_path / "logs")["seed_0_CartPole/PPO"]
    assert [(p.message, p.kept) for p in problems] == [
        (
            "holds 2 TensorBoard runs (PPO_1, PPO_2), one per learn(): the training ran again in this folder",
            "the metrics of PPO_2, the last; adapter='tensorboard' reads each as a run",
        )
    ]
    assert len(run.metrics["train/loss"]) == 3


def test_runs_under_folders_named_seed_then_env_get_a_pattern_with_both(tmp_path, cli):
    """A stranger's tree (github.com/eliamounier/Deep_RL @ ffcdd1c, logs/seed_42_Pendulum/PPO/
    evaluations.npz): the note offered `{level1}/{level2}/...`, so seed and environment were one param."""
    source = copy_fixture("sb3_zoo", tmp_path / "zoo") / "logs" / "ppo" / "CartPole-v1_1" / "evaluations.npz"
    for seed in (14, 42):
        for env in ("Acrobot-v1", "Pendulum"):
            folder = tmp_path / "logs" / f"seed_{seed}_{env}" / "PPO"
            folder.mkdir(parents=True)
            (folder / "evaluations.npz").write_bytes(source.read_bytes())
    result = cli("collect", "logs", "--db", "bare.db")
    pattern = "seed_{seed}_{level1}/PPO/evaluations.npz"
    assert f"(the first: 'seed_14_Acrobot-v1/PPO'), --pattern '{pattern}' makes them params" in result.stderr
    assert pattern_of({"Pendulum_seed_1/x": "a.npz", "Acrobot-v1_seed_2/x": "a.npz"}) == (
        "{level1}_seed_{seed}/x/a.npz"
    )
    # an environment's version (Acrobot-v1, CartPole-v0) or a setting (bs16_lr2) is no seed
    assert pattern_of({"Acrobot-v1/s": "a.npz", "CartPole-v0/s": "a.npz"}) == "{level1}/s/a.npz"
    assert pattern_of({"Acrobot-v1/seed_0": "a.npz", "CartPole-v0/seed_1": "a.npz"}) == "{level1}/seed_{seed}/a.npz"
    # ... and settings glued to their values are settings: a field each, not one seed
    assert pattern_of({"bs16_lr2/x": "a.npz", "bs32_lr3/x": "a.npz"}) == "bs{bs}_lr{lr}/x/a.npz"
    named = cli("collect", "logs", "--db", "named.db", "--pattern", pattern)
    table = cli("table", "--db", "named.db", "--rows", "level1", "--metric", "eval/mean_reward", "--format", "json")
    assert [cell["stats"]["n"] for cell in json.loads(table.output)["cells"]] == [2, 2], named.output
