"""Stable-Baselines3 logs other people committed (../shared/realdata, skipped when absent): a PPO
`progress.csv` per seed folder, and rl-baselines3-zoo run folders of three clipping schedules."""

from __future__ import annotations

import csv
import json
import statistics

import numpy as np
import pytest

QUADRUPED = "quadruped-sb3/logs"  # logs/seed_<k>/progress.csv, 10 seeds of one configuration
ZOO = "sb3-zoo-ppo/logs"  # logs/ppo/<env>_<N>/: evaluations.npz, args.yml (schedule, seed)


def tree(realdata, name):
    if not (realdata / name).is_dir():
        pytest.skip(f"{realdata / name} is absent")
    return realdata / name


def test_seed_folders_read_with_the_pattern_the_hint_names_give_one_cell_of_ten_seeds(realdata, cli):
    logs = tree(realdata, QUADRUPED)
    hint = cli("collect", str(logs))
    assert hint.exit_code == 1 and "--pattern 'seed_{seed}/progress.csv'" in hint.output
    read = ("--pattern", "seed_{seed}/progress.csv", "-o", "step=time/total_timesteps")
    assert cli("collect", str(logs), *read).output.startswith(f"Collected {logs}: 10 new")
    finals = []
    for seed in range(10):
        with open(logs / f"seed_{seed}" / "progress.csv") as handle:
            rows = list(csv.DictReader(handle))
        last = max(rows, key=lambda row: float(row["time/total_timesteps"]))
        finals.append(float(last["rollout/ep_rew_mean"]))
    table = cli("table", "--rows", "metric", "--metric", "rollout/ep_rew_mean", "--format", "json")
    stats = json.loads(table.output)["cells"][0]["stats"]
    assert stats["n"] == 10
    assert stats["mean"] == pytest.approx(statistics.mean(finals), rel=1e-12)
    assert stats["std"] == pytest.approx(statistics.stdev(finals), rel=1e-12)


def test_zoo_runs_of_three_schedules_are_three_rows_with_the_evaluations_sb3_saved(realdata, cli):
    logs = tree(realdata, ZOO)
    assert cli("collect", str(logs)).output.startswith(f"Collected {logs}: 18 new")
    mixed = cli("table", "--rows", "algo", "--columns", "env", "--metric", "eval/mean_reward")
    assert "averages runs that differ in schedule (const, exp, lin)" in mixed.output
    table = cli(
        "table", "--rows", "schedule", "--columns", "env", "--metric", "eval/mean_reward", "--format", "csv"
    )
    lines = [line for line in table.output.splitlines() if not line.startswith(("Warning:", "Note:"))]
    rows = {(row["schedule"], row["env"]): row for row in csv.DictReader(lines)}
    assert len(rows) == 18
    for run in sorted((logs / "ppo").glob("Acrobot-v1_*")):
        schedule = next(line.split(", ")[1].strip(" ]") for line in (run / "Acrobot-v1" / "args.yml").read_text()
                        .splitlines() if "[schedule," in line)  # fmt: skip
        with np.load(run / "evaluations.npz") as saved:
            last = float(np.mean(saved["results"][-1]))
        assert float(rows[(schedule, "Acrobot-v1")]["mean"]) == pytest.approx(last, rel=1e-12)
