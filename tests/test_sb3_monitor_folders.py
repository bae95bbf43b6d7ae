"""Stable-Baselines3 runs logged by the Monitor alone (no EvalCallback): `Monitor(env, log_dir)` writes
`log_dir/monitor.csv`, `make_vec_env(..., n_envs=16, monitor_dir=log_dir)` one `N.monitor.csv` per
environment, as a notebook comparing A2C and PPO on BipedalWalker commits them
(Florence-Sun/Algorithm-performance-analysis-on-Bipedal-environment: `monitor.csv`, `hyper_a2c/`,
`hyper_ppo/`). SB3's `load_results` reads a folder's files as one run, its episodes in the order they
ended, and `ts2xy(…, "timesteps")` steps them by the timesteps of all environments so far."""

from __future__ import annotations

import json

import numpy as np
import pytest
from trackers import copy_fixture, expected

import resultsbook as rb

# (return, length, seconds since t_start) of each episode, per environment
WORKERS = {
    0: [(-110.5, 1600, 10.0), (-90.25, 80, 12.5), (-40.0, 1600, 30.0)],
    1: [(-100.0, 1600, 11.0), (-60.5, 1600, 25.0)],
    2: [(-120.0, 50, 2.0), (-70.75, 1600, 20.0), (-30.5, 1600, 33.0)],
}
START = 1650220239.5


def write_monitor(path, episodes, start=START, env_id="BipedalWalker-v3"):
    """Write a Monitor file as SB3 does: its `#{json}` line, the `r,l,t` header, an episode a line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = json.dumps({"t_start": start, "env_id": env_id})
    path.write_text(f"#{header}\nr,l,t\n" + "".join(f"{r},{n},{t}\n" for r, n, t in episodes))


def sb3_stream(workers, starts):
    """Return the steps and returns SB3's `load_results` + `ts2xy(…, "timesteps")` give."""
    episodes = sorted((starts[w] + t, r, n) for w, rows in workers.items() for r, n, t in rows)
    return np.cumsum([n for _, _, n in episodes]).tolist(), [r for _, r, _ in episodes]


@pytest.fixture
def tree(tmp_path):
    """monitor.csv of one run at the root, and two folders of three environments' Monitor files."""
    root = tmp_path / "logs"
    write_monitor(root / "monitor.csv", [(-101.5, 55, 0.2), (-98.25, 1600, 4.4)])
    for algo in ("hyper_a2c", "hyper_ppo"):
        for worker, episodes in WORKERS.items():
            write_monitor(root / algo / f"{worker}.monitor.csv", episodes, START + worker / 10)
    return root


def test_a_folder_of_monitor_files_is_one_run_stepped_by_timesteps(tree, tmp_path):
    """Before, no adapter read them without a pattern, and the pattern the error named made each
    environment's file a run of its own, stepped by episode: a table averaged 16 environments of one
    training as `n = 16 runs`. The root's monitor.csv is a run too, and the walk goes on below it."""
    report = rb.collect(str(tree), db=str(tmp_path / "m.db"))
    assert (report.new, report.problems) == (3, ())
    with rb.open(str(tmp_path / "m.db")) as book:
        runs = book.runs().set_index("source")
        assert sorted(runs.index) == ["logs", "logs/hyper_a2c", "logs/hyper_ppo"]
        assert set(runs["adapter"]) == {"sb3"}
        series = book.series("r", where={"run_id": [runs.loc["logs/hyper_a2c", "run_id"]]})
        steps, returns = sb3_stream(WORKERS, {w: START + w / 10 for w in WORKERS})
        assert series["step"].tolist() == steps
        assert series["value"].tolist() == returns
        # the mean return of the last 4 episodes of all environments, as SB3's callbacks take it
        table = book.table(rows="source", metric="r", reduce="last(4)", stats=["mean"]).to_frame()
        assert table.loc["logs/hyper_a2c", ("mean")].item() == pytest.approx(np.mean(returns[-4:]))
        assert table.loc["logs", ("mean")].item() == pytest.approx((-101.5 - 98.25) / 2)  # both it has


def test_a_monitor_csv_of_another_program_is_no_run_and_names_the_pattern(tmp_path, cli):
    """A `monitor.csv` of a system monitor (no r, l, t) is no SB3 run: no empty run is stored, and the
    problem names the pattern that reads it as a CSV log."""
    host = tmp_path / "sys" / "host1"
    host.mkdir(parents=True)
    (host / "monitor.csv").write_text("time,cpu,mem\n1,0.5,0.3\n2,0.6,0.35\n")
    result = cli("collect", "sys", "--db", "s.db")
    assert result.exit_code == 1
    assert (
        "host1/monitor.csv: has no 'l' (episode length) and no 't' (seconds) column: it is no"
        in result.output
    )
    assert (
        "read it as a CSV log with --adapter csv (the file named alone), or --pattern '**/monitor.csv' "
        "--adapter csv (every such file under a folder)" in result.output
    )
    alone = cli("collect", "sys/host1/monitor.csv", "--db", "a.db", "--adapter", "csv")
    assert alone.exit_code == 0 and "1 new" in alone.output
    again = cli("collect", "sys", "--db", "s.db", "--pattern", "**/monitor.csv", "--adapter", "csv")
    assert again.exit_code == 0, again.output
    assert "1 new" in again.output


def test_a_monitor_csv_without_times_names_the_one_column_it_lacks(tmp_path, cli):
    """reward_machines' water-world logs (r, l and the reward machine, no t) were said to lack 'l' too."""
    run = tmp_path / "qrm" / "M1" / "0"
    run.mkdir(parents=True)
    (run / "0.0.monitor.csv").write_text("r,l,rm\n0.0,600,t1.txt\n1.0,96,t2.txt\n")
    result = cli("collect", "qrm", "--db", "s.db")
    assert "0.0.monitor.csv: has no 't' (seconds) column: it is no Monitor file" in result.output


def test_the_note_on_runs_without_params_names_their_folders(tmp_path, cli):
    """The note's pattern ended in the first Monitor file (`…/seed_{seed}/0.monitor.csv`), which a
    pattern reads alone, by the csv adapter: one environment of each run, stepped by episode. (SB3
    writes `"env_id": "None"` for an environment made without a spec: no param.)"""
    for algo in ("a2c", "ppo"):
        for seed in (0, 1):
            for worker, episodes in WORKERS.items():
                path = tmp_path / "logs" / algo / f"seed_{seed}" / f"{worker}.monitor.csv"
                write_monitor(path, episodes, env_id="None")
    result = cli("collect", "logs", "--db", "a.db")
    assert "--pattern '{level1}/seed_{seed}' makes them params" in result.output, result.output
    again = cli("collect", "logs", "--db", "b.db", "--pattern", "{algo}/seed_{seed}")
    assert "4 new" in again.output, again.output
    with rb.open(str(tmp_path / "b.db")) as book:
        runs = book.runs()
        assert sorted(zip(runs["params.algo"], runs["params.seed"])) == [
            ("a2c", 0),
            ("a2c", 1),
            ("ppo", 0),
            ("ppo", 1),
        ]
        assert set(runs["adapter"]) == {"sb3"}


def test_the_env_id_of_the_monitor_files_header_line_is_a_param(tmp_path, cli):
    """`#{"t_start": …, "env_id": "BreakoutNoFrameskip-v4"}` was read for its t_start alone: runs of
    two games had no param, and a table averaged them together."""
    for game in ("Breakout", "Pong"):
        for seed in (1, 2):
            path = tmp_path / "logs" / game / f"s{seed}" / "0.monitor.csv"
            write_monitor(path, [(1.0, 100, 1.0), (float(seed), 100, 2.0)], env_id=f"{game}NoFrameskip-v4")
    assert "0 problems" in cli("collect", "logs", "--db", "m.db").output
    with rb.open(str(tmp_path / "m.db")) as book:
        runs = book.runs()
        assert sorted(zip(runs["name"], runs["params.env_id"])) == [
            ("Breakout/s1", "BreakoutNoFrameskip-v4"),
            ("Breakout/s2", "BreakoutNoFrameskip-v4"),
            ("Pong/s1", "PongNoFrameskip-v4"),
            ("Pong/s2", "PongNoFrameskip-v4"),
        ]
        assert [c for c in runs.columns if c.startswith("params.")] == ["params.env_id"]
    table = cli("table", "--db", "m.db", "--rows", "env_id", "--metric", "r")
    assert table.output.splitlines()[2:4] == [
        "BreakoutNoFrameskip-v4  1.5 ± 0.7#",
        "PongNoFrameskip-v4      1.5 ± 0.7#",
    ]


def test_the_loggers_progress_csv_beside_the_monitor_files_is_part_of_the_run(tmp_path):
    """SB3's own files (tests/fixtures/sb3: `0.monitor.csv` and the logger's `progress.csv` per run
    folder), collected without a pattern: the Monitor's episodes (`r`, the last episode's return) and
    the logger's `rollout/ep_rew_mean` (its mean over the last 100 episodes) at the logger's timesteps
    are one run, rather than the progress.csv left unread beside it."""
    logs = copy_fixture("sb3", tmp_path) / "logs"
    report = rb.collect(str(logs), db=str(tmp_path / "s.db"))
    assert (report.new, report.problems) == (2, ())
    with rb.open(str(tmp_path / "s.db")) as book:
        for run_id, source in book.runs()[["run_id", "source"]].itertuples(index=False):
            want = expected("sb3")
            folder = source.split("/", 1)[1]  # sb3/logs/ppo/…: the fixture names it from logs/
            progress, monitor = want[f"{folder}/progress.csv"], want[f"{folder}/0.monitor.csv"]
            series = book.series(["rollout/ep_rew_mean", "r"], where={"run_id": [run_id]})
            smoothed = series[series.metric == "rollout/ep_rew_mean"]
            assert smoothed["step"].tolist() == progress["time/total_timesteps"]
            assert smoothed["value"].tolist() == progress["rollout/ep_rew_mean"]
            assert series[series.metric == "r"]["value"].tolist() == monitor["r"]
            assert "time/total_timesteps" not in book.metrics()


def test_a_monitor_file_named_or_matched_by_a_pattern_is_read_as_the_walk_reads_its_folder(tree, tmp_path):
    """`collect logs/monitor.csv` (the run at the root, without the folders below) and a pattern over
    the Monitor files read them by the csv adapter, stepped by episode, and a pattern made each
    environment a run: one store held curves of one kind stepped two ways."""
    db = str(tmp_path / "p.db")
    rb.collect(str(tree / "monitor.csv"), db=db, params={"algo": "A2C"})
    rb.collect(str(tree), db=db, pattern="{algo}/*.monitor.csv")
    with rb.open(db) as book:
        runs = book.runs().set_index("params.algo")
        assert sorted(runs.index) == ["A2C", "hyper_a2c", "hyper_ppo"]
        assert set(runs["adapter"]) == {"sb3"}
        assert runs.loc["A2C", "source"] == "logs"  # the folder, as a walk reads it
        series = book.series("r", where={"algo": ["A2C", "hyper_a2c"]}).merge(
            book.runs()[["run_id", "params.algo"]]
        )
        assert series[series["params.algo"] == "A2C"]["step"].tolist() == [55, 1655]
        steps, _ = sb3_stream(WORKERS, {w: START + w / 10 for w in WORKERS})
        assert series[series["params.algo"] == "hyper_a2c"]["step"].tolist() == steps


def test_monitor_files_named_for_runs_are_runs_of_their_own(tmp_path):
    """`Monitor(env, "logs/seed_0")` writes `logs/seed_0.monitor.csv`: several such files in one folder
    are several runs, not the environments of one, which only make_vec_env's `0.monitor.csv`, … are;
    merged, three seeds' episodes made one curve."""
    logs = tmp_path / "logs"
    for seed, episodes in WORKERS.items():
        write_monitor(logs / f"seed_{seed}.monitor.csv", episodes, START + seed)
    for worker in (0, 1):
        write_monitor(logs / f"{worker}.monitor.csv", WORKERS[worker], START + worker)
    rb.collect(str(logs), db=str(tmp_path / "w.db"))
    rb.collect(str(logs), db=str(tmp_path / "p.db"), pattern="seed_{seed}.monitor.csv")
    with rb.open(str(tmp_path / "w.db")) as book:
        runs = book.runs().set_index("name")
        assert sorted(runs.index) == ["logs/seed_0", "logs/seed_1", "logs/seed_2", tmp_path.name + "/logs"]
        both = book.series("r", where={"run_id": [runs.loc[tmp_path.name + "/logs", "run_id"]]})
        assert (
            both["step"].tolist() == sb3_stream({w: WORKERS[w] for w in (0, 1)}, {0: START, 1: START + 1})[0]
        )
    with rb.open(str(tmp_path / "p.db")) as book:
        runs = book.runs()
        assert sorted(runs["params.seed"]) == [0, 1, 2] and set(runs["adapter"]) == {"sb3"}
        for seed, episodes in WORKERS.items():
            series = book.series("r", where={"seed": [seed]})
            assert series["value"].tolist() == [r for r, _, _ in episodes]
            assert series["step"].tolist() == np.cumsum([n for _, n, _ in episodes]).tolist()


def test_a_monitor_file_without_its_json_line_is_named_and_its_episodes_stay_in_order(tmp_path):
    """A file without `#{"t_start": …}` (cut, or written by hand) was read as starting at 0 s since the
    epoch: its episodes all came before the other environments', so every step after them was wrong,
    and the run lost its wall times without a word."""
    logs = tmp_path / "logs"
    write_monitor(logs / "1.monitor.csv", WORKERS[1])
    write_monitor(logs / "0.monitor.csv", WORKERS[0])
    text = (logs / "0.monitor.csv").read_text()
    (logs / "0.monitor.csv").write_text(text.split("\n", 1)[1])  # no JSON line
    report = rb.collect(str(logs), db=str(tmp_path / "h.db"))
    assert [problem.describe() for problem in report.problems] == [
        f"{logs / '0.monitor.csv'}: opens with 'r,l,t', not the '#{{\"t_start\": …}}' line SB3's Monitor "
        "writes — kept: its episodes, their seconds counted from its start; the run without wall times"
    ]
    with rb.open(str(tmp_path / "h.db")) as book:
        series = book.series("r")
        steps, returns = sb3_stream({w: WORKERS[w] for w in (0, 1)}, {0: 0.0, 1: 0.0})
        assert series["value"].tolist() == returns and series["step"].tolist() == steps
        assert series["time"].isna().all()


def test_a_column_only_some_environments_log_is_named(tmp_path):
    """An `info_keywords` column (`is_success`) in one Monitor file of a run and not in the others gave
    no curve of it, without a word."""
    logs = tmp_path / "logs"
    for worker in (0, 1, 2):
        write_monitor(logs / f"{worker}.monitor.csv", WORKERS[worker])
    lines = (logs / "0.monitor.csv").read_text().splitlines()
    flagged = [lines[0], "r,l,t,is_success", *(f"{line},True" for line in lines[2:])]
    (logs / "0.monitor.csv").write_text("\n".join(flagged) + "\n")
    report = rb.collect(str(logs), db=str(tmp_path / "c.db"))
    assert [problem.describe() for problem in report.problems] == [
        f"{logs / '1.monitor.csv'}: has no column 'is_success', which 1 of the run's 3 Monitor files have "
        "— kept: no curve of 'is_success' for the run"
    ]


def test_a_native_run_folder_where_the_monitor_also_wrote_stays_native(tmp_path):
    """`Monitor(env, run.folder)` beside resultsbook's own log: the run is the native one (its config
    and metrics), not an SB3 run of the Monitor file that took the folder from it."""
    with rb.Run(str(tmp_path / "runs"), config={"algo": "ppo", "seed": 0}) as run:
        run.log(0, reward=1.0)
    folder = next((tmp_path / "runs").iterdir())
    write_monitor(folder / "monitor.csv", WORKERS[0])
    report = rb.collect(str(tmp_path / "runs"), db=str(tmp_path / "n.db"))
    assert report.new == 1
    with rb.open(str(tmp_path / "n.db")) as book:
        runs = book.runs()
        assert runs["adapter"].tolist() == ["native"] and runs["params.algo"].tolist() == ["ppo"]
    again = rb.collect(
        str(tmp_path / "runs"), db=str(tmp_path / "m.db"), pattern="*/monitor.csv", adapter="sb3"
    )
    assert again.new == 1  # the fix the docs name: its Monitor file, read by sb3 when asked for
