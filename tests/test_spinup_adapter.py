"""OpenAI Spinning Up run folders: `data/<exp_name>/<exp_name>_s<seed>/` with progress.txt and config.json.

The files are written here as Spinning Up 0.2's `EpochLogger` writes them: `save_config` dumps the
`locals()` of the algorithm through `convert_json` (objects become their repr, the logger itself a
nested mapping), `dump_tabular` writes one tab-separated row per epoch.
"""

from __future__ import annotations

import json

from trackers import read_tree

import resultsbook as rb


def write_spinup_run(root, exp_name, seed, returns, config=True, epochs=None, first_epoch=1):
    """Write one run folder as Spinning Up's logger lays it out (`epochs` in its config when given;
    `Epoch` counted from `first_epoch`: 1 as DDPG, TD3 and SAC log it, 0 as PPO and VPG do)."""
    folder = root / exp_name / f"{exp_name}_s{seed}"
    folder.mkdir(parents=True)
    output_dir = f"/home/me/spinningup/data/{exp_name}/{exp_name}_s{seed}"
    if config:
        saved = {
            "ac_kwargs": {"hidden_sizes": [256, 256]},
            "env_fn": f"<function <lambda> at 0x7f70{seed:08x}>",
            "exp_name": exp_name,
            "logger": {
                "<spinup.utils.logx.EpochLogger object at 0x7f704bcdf8d0>": {
                    "exp_name": exp_name,
                    "output_dir": output_dir,
                    "output_file": {f"<_io.TextIOWrapper name='{output_dir}/progress.txt' mode='w'>": {}},
                }
            },
            "logger_kwargs": {"exp_name": exp_name, "output_dir": output_dir},
            "lr": 0.001,
            "seed": seed,
            **({"epochs": epochs} if epochs is not None else {}),
        }
        (folder / "config.json").write_text(json.dumps(saved, indent=4, separators=(",", ":\t")))
    rows = ["Epoch\tAverageTestEpRet\tTotalEnvInteracts\tTime"]
    rows += [
        f"{epoch}\t{value}\t{4000 * epoch - 1}\t{3.5 * epoch}"
        for epoch, value in enumerate(returns, first_epoch)
    ]
    (folder / "progress.txt").write_text("\n".join(rows) + "\n")
    return folder


def test_config_json_gives_the_params_and_progress_txt_the_metrics(tmp_path):
    """progress.txt beside config.json was claimed by no adapter: the seed and settings in config.json
    were read by none, and a pattern at progress.txt gave runs without params."""
    for seed in (0, 10):
        write_spinup_run(tmp_path / "data", "sac-Hopper-v2", seed, [52.3, 218.6])
    found = read_tree(tmp_path / "data")
    assert sorted(found) == ["sac-Hopper-v2/sac-Hopper-v2_s0", "sac-Hopper-v2/sac-Hopper-v2_s10"]
    run, problems, adapter = found["sac-Hopper-v2/sac-Hopper-v2_s10"]
    assert adapter == "spinup" and problems == []
    assert run.params == {
        "ac_kwargs.hidden_sizes": "[256, 256]",
        "env_fn": "<function <lambda>>",  # the address differs in every run: it is not a setting
        "exp_name": "sac-Hopper-v2",
        "lr": 0.001,
        "seed": 10,
    }
    assert run.provenance == {"output_dir": "/home/me/spinningup/data/sac-Hopper-v2/sac-Hopper-v2_s10"}
    assert run.experiment == "sac-Hopper-v2" and run.status == "unknown"
    returns = run.metrics["AverageTestEpRet"]
    assert list(returns.steps) == [3999, 7999] and list(returns.values) == [52.3, 218.6]
    assert set(run.metrics) == {"AverageTestEpRet", "Epoch", "Time"}


def test_a_fork_without_config_json_takes_exp_name_and_seed_from_the_folder(tmp_path):
    """Forks of the logger write progress.txt alone in `<exp_name>_s<seed>/`."""
    write_spinup_run(tmp_path / "runs", "TD3-Ant-v2", 7, [100.0], config=False)
    (tmp_path / "runs" / "notes").mkdir()
    (tmp_path / "runs" / "notes" / "progress.txt").write_text("halfway through the sweep\n")
    found = read_tree(tmp_path / "runs")
    assert list(found) == ["TD3-Ant-v2/TD3-Ant-v2_s7"]  # a progress.txt in another folder is not a run
    run = found["TD3-Ant-v2/TD3-Ant-v2_s7"][0]
    assert run.params == {"exp_name": "TD3-Ant-v2", "seed": 7}


def test_a_folder_named_for_another_seed_than_its_config_says_is_a_problem(tmp_path):
    """A folder copied or renamed by hand (`_s3` holding seed 4's config): the config won, unsaid."""
    folder = write_spinup_run(tmp_path / "data", "ppo", 4, [10.0])
    folder.rename(folder.with_name("ppo_s3"))
    run, problems, _ = read_tree(tmp_path / "data")["ppo/ppo_s3"]
    assert run.params["seed"] == 4
    assert [(p.message, p.kept) for p in problems] == [
        ("is named for seed 3 but its config.json says seed = 4", "the seed config.json says")
    ]


def test_a_table_over_seeds_from_a_spinning_up_tree_without_a_pattern(cli, tmp_path):
    for seed, last in ((0, 300.0), (1, 500.0)):
        write_spinup_run(tmp_path / "data", "ppo-Ant-v2", seed, [10.0, last])
    assert cli("collect", "data").output.startswith(
        "Collected data: 2 new, 0 updated, 0 unchanged, 0 problems"
    )
    with rb.open("resultsbook.db") as book:
        frame = book.table(rows="exp_name", metric="AverageTestEpRet").to_frame()
    assert frame.loc["ppo-Ant-v2", "mean"] == 400.0
    assert frame.loc["ppo-Ant-v2", "n"] == 2


def test_an_object_argument_saved_as_a_key_loses_its_address_too(cli, tmp_path):
    """convert_json saves an object as `{"<agent_types.PPOAgent object at 0x7f…>": {its fields}}`: the
    address stayed in the keys, so every seed had other params and every cell was marked †."""
    for seed, last in ((0, 300.0), (1, 500.0)):
        folder = write_spinup_run(tmp_path / "data", "ppo", seed, [10.0, last])
        config = json.loads((folder / "config.json").read_text())
        config["agent"] = {f"<agent_types.PPOAgent object at 0x7f70{seed:08x}>": {"pi_lr": 0.0003}}
        (folder / "config.json").write_text(json.dumps(config))
    run, problems, _ = read_tree(tmp_path / "data")["ppo/ppo_s1"]
    assert problems == [] and run.params["agent.<agent_types.PPOAgent object>.pi_lr"] == 0.0003
    cli("collect", "data")
    table = cli("table", "--rows", "exp_name", "--metric", "AverageTestEpRet")
    assert table.output.splitlines()[2] == "ppo                 400 ± 141#", table.output
    assert "†" not in table.output


def test_runs_shows_exp_name_once_not_again_as_the_experiment(cli, tmp_path):
    for exp_name in ("ppo", "sac"):
        write_spinup_run(tmp_path / "data", exp_name, 0, [1.0])
    cli("collect", "data")
    header = cli("runs").stdout.splitlines()[0].split()
    assert header == ["run_id", "name", "status", "exp_name"]  # the experiment column said it again


def test_envs_only_the_folders_name_are_said_with_the_pattern_that_makes_them_a_param(cli, tmp_path):
    """siddinkar/RainbowPolicyGradientPaper@9a626a2 keeps `data/DDPG/<env>/ddpg_s<seed>/`: Spinning Up's
    config.json saves `env_fn`, a lambda, so `table --rows exp_name` averaged six envs as the seeds of
    one config, without a mark or a note."""
    for env, scale in (("Ant-v2", 1.0), ("Reacher-v2", -0.01)):
        for seed in (11, 12):
            write_spinup_run(tmp_path / "data" / "DDPG" / env, "ddpg", seed, [10.0, scale * (500 + seed)])
    plain = cli("collect", "data")
    pattern = "DDPG/{level2}/ddpg/*/progress.txt"
    assert (
        "Note: 4 runs read by spinup sit in folders that set them apart by names no param of theirs holds, at "
        f"level 2 (Ant-v2, Reacher-v2), so a table averages across them as seeds of one config; --pattern "
        f"'{pattern}' makes it a param"
    ) in " ".join(plain.output.split())
    followed = cli("collect", "data", "--pattern", pattern)
    assert "4 updated" in followed.output and "sit in folders" not in followed.output
    with rb.open("resultsbook.db") as book:
        frame = book.table(rows="level2", metric="AverageTestEpRet").to_frame()
    assert frame.loc["Ant-v2", "mean"] == 511.5 and frame.loc["Reacher-v2", "mean"] == -5.115


def test_folders_named_by_the_runs_exp_name_or_a_date_say_nothing_more(cli, tmp_path):
    for exp_name in ("ddpg", "td3"):
        for seed in (0, 1):
            write_spinup_run(tmp_path / "data" / exp_name.upper(), exp_name, seed, [10.0, 20.0])
            write_spinup_run(
                tmp_path / "dated" / ("2024-01-05" if seed else "2024-01-06"), exp_name, seed + 10, [1.0]
            )
    assert "sit in folders" not in cli("collect", "data").output
    assert "sit in folders" not in cli("collect", "dated", "--db", "dated.db").output


def test_the_epochs_logged_against_config_epochs_say_whether_a_run_finished(cli, tmp_path):
    """siddinkar/RainbowPolicyGradientPaper@9a626a2: runs stopped at epoch 29 or 37 of 200 were
    averaged with the finished ones, nothing said (status unknown); PPO counts its epochs from 0."""
    write_spinup_run(tmp_path / "data", "ddpg", 0, [1.0, 2.0, 3.0], epochs=3)
    write_spinup_run(tmp_path / "data", "ddpg", 1, [1.0, 2.0], epochs=3)
    write_spinup_run(tmp_path / "data", "ppo", 0, [1.0, 2.0, 3.0], epochs=3, first_epoch=0)
    write_spinup_run(tmp_path / "data", "ppo", 1, [1.0, 2.0, 3.0])  # no epochs in its config
    cli("collect", "data")
    with rb.open("resultsbook.db") as book:
        runs = book.runs().set_index("name")
    assert runs.loc["ddpg_s0", "status"] == "finished" and runs.loc["ppo_s0", "status"] == "finished"
    assert runs.loc["ddpg_s1", "status"] == "running" and runs.loc["ppo_s1", "status"] == "unknown"
    status = " ".join(cli("status").output.split())
    assert "ddpg_s1" in status and "at 2 of 3 epochs (epochs)" in status
    table = cli("table", "--rows", "exp_name", "--metric", "AverageTestEpRet").output
    assert "‡ includes failed, interrupted or still-running runs (1 cell)" in table
