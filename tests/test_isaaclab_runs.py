"""RSL-RL run folders of Isaac Lab and legged_gym (`logs/rsl_rl/<experiment>/<date>/`): the event files
hold the scalars only; params/agent.yaml and params/env.yaml beside them give the params (the seed
among them), agent.yaml's `max_iterations` the status, git/<repository>.diff the provenance.

The shape is that of the run folders committed in DevMarkusLejon/RLonSpot @
43fcf222e74d2367297f7648337b8521de93cd4c (trained_policies/standing_policy_2026-04-02_09-55-04/) and
ElianoMarques/rl_g1_2026 @ cd044e5a0278bc8c2eba02e40619b8370387ad30 (the repository's root: params/,
git/unitree_rl_lab.diff), written by rsl_rl, installed neither here nor in CI: leggedrobotics/rsl_rl @
c281c32e5746e75570c1a29bfa78bca0200cc5ff, rsl_rl/utils/logger.py (`Train/mean_reward` at step `it`,
`Train/mean_reward/time` at `int(tot_time)`; `_store_code_state` writes the diff files) and
rsl_rl/runners/on_policy_runner.py (`learn` runs iterations `start_it .. start_it + max_iterations - 1`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from test_tensorboard_adapter import frame, scalar_event

from resultsbook.sources.collect import CollectRequest, find_sources, read_source

AGENT_YAML = """\
seed: {seed}
device: cuda:0
num_steps_per_env: 24
max_iterations: {max_iterations}
empirical_normalization: false
policy:
  class_name: ActorCritic
  init_noise_std: 1.0
  actor_hidden_dims:
  - 512
  - 256
  - 128
  activation: elu
algorithm:
  class_name: PPO
  learning_rate: 0.001
  gamma: 0.99
save_interval: 100
experiment_name: {experiment}
run_name: ''
logger: tensorboard
resume: {resume}
load_run: .*
load_checkpoint: model_.*.pt
"""

ENV_YAML = """\
viewer:
  eye: !!python/tuple
  - 7.5
  - 7.5
  - 7.5
sim:
  physics_prim_path: /physicsScene
  device: cuda:0
  dt: 0.005
  gravity: !!python/tuple
  - 0.0
  - 0.0
  - -9.81
seed: {seed}
decimation: 4
scene:
  num_envs: 4096
"""

COMMIT = "0123456789abcdef0123456789abcdef01234567"
DIFF = f"""\
--- git commit ---
{COMMIT}


--- git status ---
On branch main
Changes not staged for commit:
\tmodified:   source/isaaclab_tasks/locomotion/velocity/config/go2/rough_env_cfg.py


--- git diff ---
diff --git a/rough_env_cfg.py b/rough_env_cfg.py
-        self.rewards.feet_air_time.weight = 0.01
+        self.rewards.feet_air_time.weight = 0.25"""

OLD = 1_700_000_000.0  # file times of a training that ended long ago


def rsl_rl_run(
    folder: Path,
    seed: int,
    iterations: range,
    max_iterations: int,
    reward: float,
    experiment: str = "unitree_go2_rough",
    env_seed: int | None = None,
    written: float | None = OLD,
) -> None:
    """Write an RSL-RL run folder as Isaac Lab's train.py and rsl_rl leave it: event file, params/ (yaml
    and pkl), git/ and checkpoints; its files dated `written` (None: now)."""
    (folder / "params").mkdir(parents=True)
    (folder / "git").mkdir()
    events = []
    for number, it in enumerate(iterations):
        value = reward * (number + 1) / len(iterations)
        events.append(scalar_event(OLD + number, it, "Train/mean_reward", value))
        events.append(scalar_event(OLD + number, number * 3, "Train/mean_reward/time", value))
        events.append(scalar_event(OLD + number, it, "Loss/value_function", 1.0 / (number + 1)))
    (folder / "events.out.tfevents.1700000000.node.4242.0").write_bytes(b"".join(map(frame, events)))
    resume = "true" if iterations.start else "false"
    (folder / "params" / "agent.yaml").write_text(
        AGENT_YAML.format(seed=seed, max_iterations=max_iterations, experiment=experiment, resume=resume)
    )
    (folder / "params" / "env.yaml").write_text(ENV_YAML.format(seed=seed if env_seed is None else env_seed))
    # the pickled copies: opened, they would run code; never to be read
    for name in ("agent.pkl", "env.pkl"):
        (folder / "params" / name).write_bytes(b"cos\nsystem\n(S'echo unpickled'\ntR.")
    (folder / "git" / "IsaacLab.diff").write_text(DIFF)
    (folder / f"model_{iterations[-1]}.pt").write_bytes(b"PK\x03\x04")
    if written is not None:
        for path in folder.rglob("*"):
            if path.is_file():
                os.utime(path, (written, written))


def read_runs(path: Path, **options):
    """Read every source under `path`: ([(adapter, source, run)], [problem lines])."""
    found, problems = [], []
    for source, adapter in find_sources(CollectRequest(str(path), options=options)):
        result = read_source(adapter, source)
        found.extend((adapter.name, source, run) for run in result.runs)
        problems.extend(problem.describe() for problem in result.problems)
    return found, problems


def test_an_rsl_rl_run_folder_s_params_yaml_give_its_params_seed_and_experiment(tmp_path):
    """The event files hold no params: every run had none, `--rows experiment_name` found no such
    param and the seeds of a table could not be counted. agent.yaml and env.yaml are read safely (a
    `!!python/tuple` as a list), flattened, agent.yaml's keys beside env.yaml's; the .pkl never."""
    folder = tmp_path / "logs" / "rsl_rl" / "unitree_go2_rough" / "2026-02-25_08-54-55"
    rsl_rl_run(folder, seed=42, iterations=range(0, 50), max_iterations=50, reward=20.0)
    ((adapter, source, run),), problems = read_runs(tmp_path)
    assert adapter == "tensorboard" and problems == []
    assert not any(path.endswith(".pkl") for path in source.files)
    assert run.params["seed"] == 42
    assert run.params["experiment_name"] == "unitree_go2_rough"
    assert run.params["max_iterations"] == 50
    assert run.params["algorithm.learning_rate"] == 0.001
    assert run.params["policy.actor_hidden_dims"] == "[512, 256, 128]"
    assert run.params["sim.dt"] == 0.005 and run.params["scene.num_envs"] == 4096
    assert run.params["sim.gravity"] == "[0.0, 0.0, -9.81]"
    assert run.experiment == "unitree_go2_rough"
    assert run.status == "finished"
    assert run.provenance["git"] == {
        "repository": "IsaacLab",
        "diff": "git/IsaacLab.diff",
        "commit": COMMIT,
        "dirty": True,
    }
    assert set(run.metrics) == {"Train/mean_reward", "Train/mean_reward/time", "Loss/value_function"}
    assert run.metrics["Train/mean_reward"].steps[-1] == 49
    assert run.metrics["Train/mean_reward"].values[-1] == 20.0


def test_a_table_over_seeds_counts_the_seeds_agent_yaml_names(tmp_path, cli):
    """`table --rows experiment_name --metric Train/mean_reward` over three seeds of one task and two
    of another: n = 3 and n = 2, the mean of the last values the event files hold."""
    logs = tmp_path / "logs" / "rsl_rl"
    for number, (seed, reward) in enumerate(((1, 10.0), (2, 12.0), (3, 14.0))):
        rsl_rl_run(logs / "go2" / f"2026-02-25_08-5{number}-00", seed, range(100), 100, reward, "go2")
    for number, (seed, reward) in enumerate(((1, 30.0), (2, 34.0))):
        rsl_rl_run(logs / "g1" / f"2026-02-26_09-0{number}-00", seed, range(100), 100, reward, "g1")
    assert cli("collect", "logs").exit_code == 0
    table = cli("table", "--rows", "experiment_name", "--metric", "Train/mean_reward", "--format", "json")
    assert table.exit_code == 0, table.output
    cells = {cell["row"]["experiment_name"]: cell["stats"] for cell in json.loads(table.output)["cells"]}
    assert cells["go2"]["n"] == 3 and cells["go2"]["mean"] == 12.0
    assert cells["g1"]["n"] == 2 and cells["g1"]["mean"] == 32.0


def test_an_rsl_rl_training_cut_short_is_failed_once_stale_and_running_while_written(tmp_path):
    """The status was `unknown` for every run: the iterations logged against agent.yaml's
    `max_iterations` tell a finished training from one cut short (as the real rl_g1_2026 run, 593 of
    50000); a resumed one logs its iterations from the one it loaded."""
    logs = tmp_path / "logs" / "rsl_rl" / "g1"
    rsl_rl_run(logs / "2026-02-25_08-54-55", 42, range(2000, 2593), 50000, 17.5)
    rsl_rl_run(logs / "2026-02-25_11-27-40", 42, range(600, 1600), 1000, 129.0)  # resumed at 600
    rsl_rl_run(logs / "2026-02-26_10-00-00", 7, range(0, 10), 1500, 3.0, written=None)
    found, problems = read_runs(tmp_path)
    runs = {os.path.basename(source.path): run for _, source, run in found}
    cut = runs["2026-02-25_08-54-55"]
    assert cut.status == "failed"
    assert cut.provenance["progress"] == (
        "593 of 50000 iterations, 2000 to 2592 (params/agent.yaml: max_iterations)"
    )
    assert runs["2026-02-25_11-27-40"].status == "finished"
    assert runs["2026-02-26_10-00-00"].status == "running"
    (problem,) = problems  # the option named as the caller writes it (`--where status=finished`)
    assert problem.startswith(
        f"{logs / '2026-02-25_08-54-55'}: training stopped unfinished: its event files log iterations 2000 "
        "to 2592, 593 of max_iterations = 50000 (params/agent.yaml), and nothing was written for over "
        "60 min — kept: the run, as failed (a table marks its cells ‡; "
    )


def test_a_key_env_yaml_and_agent_yaml_both_hold_keeps_agent_yaml_s_value_and_says_so(tmp_path):
    """env.yaml and agent.yaml both hold `seed`: the runner's (agent.yaml) is the one the training used
    (train.py seeds the environment with it); a different env.yaml value is named, not silently kept."""
    folder = tmp_path / "logs" / "rsl_rl" / "go2" / "2026-02-25_08-54-55"
    rsl_rl_run(folder, seed=42, iterations=range(10), max_iterations=10, reward=1.0, env_seed=7)
    ((_, _, run),), problems = read_runs(tmp_path)
    assert run.params["seed"] == 42
    assert problems == [
        f"{folder / 'params' / 'env.yaml'}: says seed = 7 but params/agent.yaml says 42 — kept: "
        "seed = 42, agent.yaml's (the runner's settings win over the env's)"
    ]


def test_an_empty_collect_of_rsl_rl_folders_without_their_event_files_says_so(tmp_path, cli):
    """RLonSpot's warmstart_locomotion_policy_2026-05-07_15-40-12/ kept params/ but not its event file
    (left in Git LFS): the collect found nothing and offered `--pattern '**/*.yaml'`, which would have
    read the settings as runs without a metric."""
    folder = tmp_path / "logs" / "rsl_rl" / "spot" / "2026-05-07_15-40-12"
    rsl_rl_run(folder, seed=42, iterations=range(10), max_iterations=10, reward=1.0)
    next(folder.glob("events.out.tfevents.*")).unlink()
    empty = cli("collect", "logs")
    assert empty.exit_code == 1
    assert "--pattern '" not in empty.output
    assert (
        "it holds 1 params/agent.yaml (e.g. rsl_rl/spot/2026-05-07_15-40-12/params/agent.yaml), the "
        "settings of an RSL-RL run folder (Isaac Lab, legged_gym), but no event file "
        "(events.out.tfevents.*) beside them: their scalars were not kept" in " ".join(empty.output.split())
    )


def test_an_agent_yaml_or_diff_that_is_no_file_is_named_in_one_line_each(tmp_path):
    """params/agent.yaml as a FIFO and git/IsaacLab.diff as a link to /dev/zero were passed over unsaid:
    the run lost its seed and commit without a word."""
    folder = tmp_path / "logs" / "rsl_rl" / "go2" / "2026-02-25_08-54-55"
    rsl_rl_run(folder, seed=42, iterations=range(10), max_iterations=10, reward=1.0)
    (folder / "params" / "agent.yaml").unlink()
    os.mkfifo(folder / "params" / "agent.yaml")
    (folder / "git" / "IsaacLab.diff").unlink()
    (folder / "git" / "IsaacLab.diff").symlink_to("/dev/zero")
    ((_, _, run),), problems = read_runs(tmp_path)
    assert "seed" in run.params and "max_iterations" not in run.params  # env.yaml's seed alone
    assert problems == [
        f"{folder / 'params' / 'agent.yaml'}: is a FIFO (named pipe), not a regular file; it was not read — "
        "kept: the run without this file's params",
        f"{folder / 'git' / 'IsaacLab.diff'}: is a character device, not a regular file; it was not read — "
        "kept: the repository's name, without its commit",
    ]
