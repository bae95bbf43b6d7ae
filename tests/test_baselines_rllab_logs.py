"""OpenAI Baselines' and rllab's run folders, as published repositories commit them.

Baselines' `logger.configure(dir)` writes `progress.csv` (a row per logging interval), `log.txt` (what
it printed) and, with `bench.Monitor`, `0.monitor.csv` (`#{"t_start": …, "env_id": …}`, then `r,l,t`
per episode): the shape of HzCeee/DDPG-AI-Pilot @ 7a37a87c2158c3b9c2203642074c001ad3ab308d,
model_moving_old_reward/exp1/data/ (ddpg: `total/steps`, `rollout/return`, `rollout/episode_steps`)
and of CS15B001/HER_Improvements @ b32aeca79ee8412abbdc0d783717b3be0910df4a, 04_29_20_21_32/ (her:
`progress.csv`, `log.txt`, `params.json`, no Monitor file). rllab's run_experiment_lite writes
`progress.csv` (`Iteration` from 0, `AverageReturn`) beside `params.json` (`json_args`, `seed`,
`args_data`): the shape of florensacc/rllab-curriculum @ b782240049adc04e9353cb84f092170d698ef0b1,
sandbox/carlos_snn/data_share/swimmer-trpo/swimmer-trpo-50kBs-200itr-500pl-10/. Neither library is
installed here or in CI."""

from __future__ import annotations

import json

import resultsbook as rb
from resultsbook.query.goal import goal_from_name

DDPG_COLUMNS = "rollout/return,rollout/episode_steps,total/episodes,total/epochs,total/steps,train/loss_actor"


def write_ddpg_run(folder, rows=3, episodes=((-475.9, 85, 2.3), (-293.8, 1915, 30.1), (120.5, 2000, 61.0))):
    """Write a Baselines ddpg folder: `0.monitor.csv` (env_id null, as a custom env leaves it) and
    `progress.csv`, a row per epoch of 2000 steps."""
    folder.mkdir(parents=True)
    header = json.dumps({"t_start": 1520732373.5, "env_id": None})
    (folder / "0.monitor.csv").write_text(
        f"#{header}\nr,l,t\n" + "".join(f"{r},{n},{t}\n" for r, n, t in episodes)
    )
    lines = [f"{-400.0 + 100 * e},{63.2 + e},{31 * (e + 1)},{e + 1},{2000 * (e + 1)},{72.5 - e}" for e in range(rows)]
    (folder / "progress.csv").write_text(DDPG_COLUMNS + "\n" + "\n".join(lines) + "\n")
    (folder / "log.txt").write_text("Logging to /tmp/openai-2018-03-11\n")


def test_a_baselines_progress_csv_beside_its_monitor_file_is_read_at_its_timesteps(tmp_path):
    """Before, the run kept the Monitor's episodes alone and said `has no 'time/total_timesteps'
    column … --pattern reads it as a CSV log`: following it stored each training twice (its folder by
    sb3, its progress.csv by csv, stepped by row number)."""
    data = tmp_path / "exp1" / "data"
    write_ddpg_run(data)
    report = rb.collect(str(tmp_path), db=str(tmp_path / "d.db"))
    assert (report.new, report.problems) == (1, ())
    with rb.open(str(tmp_path / "d.db")) as book:
        assert len(book.runs()) == 1
        returns = book.series("rollout/return")
        assert returns["step"].tolist() == [2000, 4000, 6000]  # timesteps (total/steps), not rows
        assert returns["value"].tolist() == [-400.0, -300.0, -200.0]
        assert book.series("r")["step"].tolist() == [85, 2000, 4000]  # the episodes at their timesteps
        assert "total/steps" not in book.metrics()


def test_a_ppo2_progress_csv_is_stepped_by_total_timesteps_and_its_returns_are_higher_is_better(tmp_path):
    """ppo2's columns (openai/baselines @ 65ac2a249d1c00c1410053ddc5025c0834b2cf5a,
    baselines/ppo2/ppo2.py: serial_timesteps, nupdates, total_timesteps, eprewmean, policy_entropy;
    later versions file them under misc/ and loss/): the step is the timesteps of all workers, and a
    table knows which way eprewmean is better."""
    folder = tmp_path / "ppo2" / "seed_0"
    folder.mkdir(parents=True)
    (folder / "0.monitor.csv").write_text('#{"t_start": 1.5e9, "env_id": "PongNoFrameskip-v4"}\nr,l,t\n-21,800,4.0\n')
    (folder / "progress.csv").write_text(
        "serial_timesteps,nupdates,total_timesteps,eprewmean,policy_entropy\n128,1,1024,-21.0,1.79\n256,2,2048,-20.0,1.78\n"
    )
    rb.collect(str(tmp_path), db=str(tmp_path / "p.db"))
    with rb.open(str(tmp_path / "p.db")) as book:
        assert book.series("eprewmean")["step"].tolist() == [1024, 2048]
        assert book.series("serial_timesteps")["value"].tolist() == [128, 256]  # a metric still
    assert goal_from_name("eprewmean") == "max"
    assert goal_from_name("eval_eprewmean") == "max"
    assert goal_from_name("loss/policy_entropy") is None  # filed under loss/, better neither way


def test_a_progress_csv_without_timesteps_is_named_with_a_store_of_its_own(tmp_path):
    """A progress.csv of neither SB3 nor Baselines beside Monitor files: the problem names the
    columns looked for and a store apart, where the old hint read each training twice."""
    folder = tmp_path / "run"
    write_ddpg_run(folder)
    (folder / "progress.csv").write_text("epoch,score\n0,1.5\n")
    report = rb.collect(str(tmp_path), db=str(tmp_path / "n.db"))
    [problem] = report.problems
    assert problem.describe() == (
        f"{folder / 'progress.csv'}: has no column of the timesteps of each row ('time/total_timesteps', "
        "'misc/total_timesteps', 'total_timesteps', 'total/steps', 'TimestepsSoFar', 'steps') — kept: "
        "nothing from this file; pattern='**/progress.csv' db='csv.db' reads it as a CSV log into a store "
        "of its own (in this one each run would be read twice)"
    )


def test_a_ddpg_progress_csv_read_by_a_pattern_names_total_steps_not_the_episode_length(tmp_path):
    """`rollout/episode_steps` is the mean length of an epoch's episodes; the collect offered it as the
    step (`-o step=rollout/episode_steps`), which would have stepped the curves by a number that goes
    up and down."""
    write_ddpg_run(tmp_path / "exp1" / "data")
    report = rb.collect(str(tmp_path), db=str(tmp_path / "c.db"), pattern="**/progress.csv")
    [problem] = report.problems
    assert "column(s) 'total/steps' count steps: options={'step': 'total/steps'}" in problem.describe()
    assert "episode_steps" not in problem.describe()


def test_a_garage_progress_csv_read_by_a_pattern_names_total_env_steps(tmp_path):
    """garage's trainer records `TotalEnvSteps` (rlworkgroup/garage @
    1e96c3da3fe89456da2b1efb4f21935719b68007, src/garage/trainer.py) and its log_performance the
    iteration under its prefix (@ 052f94de3d6ca51702cc11ee828d7412c6aa3d69, src/garage/_functions.py:
    `Evaluation/Iteration`, `Evaluation/AverageReturn`): no column is named like a step, and the
    collect stepped the curves by row number without naming the count that steps them."""
    folder = tmp_path / "experiment" / "trpo_cartpole"
    folder.mkdir(parents=True)
    (folder / "progress.csv").write_text(
        "Evaluation/AverageReturn,Evaluation/Iteration,Evaluation/NumEpisodes,TotalEnvSteps\n"
        "21.5,0,186,4000\n48.0,1,83,8000\n"
    )
    report = rb.collect(str(tmp_path), db=str(tmp_path / "g.db"), pattern="**/progress.csv")
    [problem] = report.problems
    assert "column(s) 'TotalEnvSteps' count steps: options={'step': 'TotalEnvSteps'}" in problem.describe()


def write_her_run(root, name, env):
    """Write a Baselines her folder: params.json (no seed: train.py takes it on its command line),
    progress.csv (a row per epoch) and log.txt (what it printed)."""
    folder = root / name
    folder.mkdir(parents=True)
    params = {"env_name": env, "network_class": "baselines.her.actor_critic:ActorCritic", "replay_k": 8}
    (folder / "params.json").write_text(json.dumps(params))
    (folder / "progress.csv").write_text("test/success_rate,epoch,train/episode\n0.07,0,100.0\n0.05,1,200.0\n")
    (folder / "log.txt").write_text("Logging to /home/user/HER/" + name + "\nT: 50\n_Q_lr: 0.001\n")


def test_an_empty_collect_of_baselines_her_folders_names_progress_csv_and_params_json(tmp_path, cli):
    """Before, it named `--pattern '**/log.txt'` (what the logger printed, sorted before progress.csv),
    which read no metric of the runs."""
    for name, env in (("04_29_20_21_32", "FetchPush-v1"), ("05_03_09_21_09", "FetchPickAndPlace-v1")):
        write_her_run(tmp_path / "runs", name, env)
    result = cli("collect", "runs", "--db", "h.db")
    assert result.exit_code == 1
    assert "2 file(s) named progress.csv (e.g. 04_29_20_21_32/progress.csv)" in result.output, result.output
    assert "-o config=params.json adds the settings beside them" in result.output
    again = cli("collect", "runs", "--db", "h.db", "--pattern", "**/progress.csv", "-o", "config=params.json")
    assert "2 new" in again.output, again.output
    with rb.open(str(tmp_path / "h.db")) as book:
        runs = book.runs()
        assert sorted(runs["params.env_name"]) == ["FetchPickAndPlace-v1", "FetchPush-v1"]
        assert set(runs["params.network_class"]) == {"baselines.her.actor_critic:ActorCritic"}
        assert book.series("test/success_rate")["step"].tolist() == [0, 1, 0, 1]  # epochs


def test_an_empty_collect_of_garage_folders_names_variant_json_not_metadata_json(tmp_path, cli):
    """garage's wrap_experiment writes variant.json (the experiment's arguments, its seed) and
    metadata.json (the git commit) beside progress.csv and debug.log (rlworkgroup/garage @
    027139caf78531f4474105df3eec9293203824b1, src/garage/experiment/experiment.py): the hint named
    `-o config=metadata.json`, the first settings file by name, which holds no setting of the run."""
    for seed in (1, 2):
        folder = tmp_path / "data" / "local" / "experiment" / f"trpo_cartpole_{seed}"
        folder.mkdir(parents=True)
        (folder / "variant.json").write_text(json.dumps({"seed": seed}))
        (folder / "metadata.json").write_text(json.dumps({"git_commit": "e1c576f", "launcher": "trpo.py"}))
        (folder / "progress.csv").write_text("Evaluation/AverageReturn,TotalEnvSteps\n21.5,4000\n")
        (folder / "debug.log").write_text("[trpo_cartpole] Logging to data/local/experiment\n")
    result = cli("collect", "data", "--db", "g.db")
    assert result.exit_code == 1
    assert "-o config=variant.json adds the settings beside them" in result.output, result.output


RLLAB_COLUMNS = "Iteration,AverageReturn,MaxReturn,NumTrajs"


def write_rllab_run(root, seed, iterations, planned=5):
    """Write one rllab run folder whose progress.csv reached `iterations` of `planned` (n_itr)."""
    folder = root / f"swimmer-trpo-50kBs-{planned}itr-500pl-{seed}"
    folder.mkdir(parents=True)
    params = {
        "args_data": "Y2NvcHlfcmVnCl9yZWNvbnN0cnVjdG9yCnAxCihjcmxsYWIubWlzYy5pbnN0cnVtZW50",  # pickled
        "exp_name": folder.name,
        "json_args": {
            "algo": {"_name": "rllab.algos.trpo.TRPO", "batch_size": 50000, "n_itr": planned},
            "env": {"_name": "rllab.envs.normalized_env.NormalizedEnv",
                    "env": {"_name": "rllab.envs.mujoco.swimmer_env.SwimmerEnv"}},
        },
        "log_dir": f"data/local/swimmer-trpo/{folder.name}",
        "seed": seed,
        "snapshot_mode": "last",
        "tabular_log_file": "progress.csv",
        "variant_data": None,
    }  # fmt: skip
    (folder / "params.json").write_text(json.dumps(params, indent=4))
    rows = "".join(f"{i},{-19.1 + 20 * i + seed},{2.3 + 20 * i},107\n" for i in range(iterations))
    (folder / "progress.csv").write_text(RLLAB_COLUMNS + "\n" + rows)


def test_an_rllab_run_cut_short_of_its_n_itr_is_running_and_where_it_logged_is_no_param(tmp_path, cli):
    """Before, every rllab run was `unknown` (a run stopped at iteration 3 of 5 averaged with finished
    ones, unmarked), `args_data` (rllab's call, pickled in base64) was a param, and `log_dir` (a folder
    of its own per run) made a table call the seeds of one setting different configurations."""
    for seed, iterations in ((10, 5), (20, 5), (30, 3)):
        write_rllab_run(tmp_path / "swimmer-trpo", seed, iterations)
    report = rb.collect(
        str(tmp_path / "swimmer-trpo"),
        db=str(tmp_path / "r.db"),
        pattern="**/progress.csv",
        options={"config": "params.json"},
    )
    assert (report.new, report.problems) == (3, ())
    with rb.open(str(tmp_path / "r.db")) as book:
        runs = book.runs().set_index("params.seed")
        assert runs["status"].to_dict() == {10: "finished", 20: "finished", 30: "running"}
        assert "params.args_data" not in runs.columns and "params.log_dir" not in runs.columns
        assert runs.loc[10, "params.json_args.algo._name"] == "rllab.algos.trpo.TRPO"
        short = cli("show", runs.loc[30, "run_id"], "--db", "r.db").output
        assert book.series("AverageReturn", where={"seed": [10]})["step"].tolist() == [0, 1, 2, 3, 4]
    assert "  progress = 3 of 5 iterations (n_itr)\n" in short, short
    assert "  log_dir = data/local/swimmer-trpo/swimmer-trpo-50kBs-5itr-500pl-30\n" in short
    assert goal_from_name("AverageReturn") == "max"
    assert goal_from_name("Evaluation/AverageReturn") == "max"  # garage's dowel
