"""Ray Tune trial folders (`<trainable>_<env>_<n>_<settings>_<date>/` with params.json, progress.csv,
result.json and an events file), as github.com/ray-project/rl-experiments @ 66c7949 commits them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from resultsbook.adapters.csvlog import CsvAdapter

HEADER = (
    "info,training_iteration,experiment_id,node_ip,timestamp,episode_reward_mean,hostname,pid,"
    "timesteps_total,time_this_iter_s,time_total_s,date,done,config"
)


def write_trial(folder: Path, env: str, rewards: list[float], workers: int = 5) -> Path:
    """Write one trial as Ray Tune 0.5 did: one progress.csv row per training iteration, from 1."""
    folder.mkdir(parents=True)
    (folder / "params.json").write_text(json.dumps({"env": env, "num_workers": workers}))
    rows = [
        f"\"{{'learner': {{'vf_loss': {i}.5}}}}\",{i},f8dd,172.30.1.23,{1534819438 + 20 * i},{reward},"
        f"ip-172,3778,{500 * i},20.0,{20.0 * i},2018-08-21_02-44-{i:02d},{i == len(rewards)},"
        f"\"{{'env': '{env}', 'num_workers': {workers}}}\""
        for i, reward in enumerate(rewards, start=1)
    ]
    (folder / "progress.csv").write_text("\n".join([HEADER, *rows]) + "\n")
    (folder / "result.json").write_text(
        "".join(
            json.dumps({"training_iteration": i, "episode_reward_mean": r}) + "\n"
            for i, r in enumerate(rewards, 1)
        )
    )
    return folder


def test_training_iteration_is_the_step_of_a_ray_tune_progress_csv(tmp_path, cli):
    """The step was the row number, from 0: `--reduce 'at(2)'` read training iteration 3."""
    results = tmp_path / "atari-a2c" / "results"
    for n, env in enumerate(("Breakout", "Qbert")):
        write_trial(results / f"A2C_{env}_{n}_env={env}_2018-08-21_02-43-09ab{n}", env, [1.0, 2.0, 30.0 + n])
    read = cli("collect", "atari-a2c", "--pattern", "**/progress.csv", "-o", "config=params.json")
    assert read.output.startswith("Collected atari-a2c: 2 new"), read.output
    table = cli(
        "table", "--rows", "env", "--metric", "episode_reward_mean", "--reduce", "at(2)", "--format", "csv"
    )
    assert table.exit_code == 0, table.output
    cells = [line.split(",")[:2] for line in table.output.splitlines()[1:3]]
    assert cells == [["Breakout", "2.0"], ["Qbert", "2.0"]], table.output
    asked = cli("table", "--rows", "env", "--metric", "training_iteration")
    assert "a CSV log's 'training_iteration' column is read as its points' steps" in asked.output, (
        asked.output
    )


def test_the_text_columns_of_a_ray_tune_progress_csv_do_not_point_at_the_records_adapter(tmp_path):
    """Tune's bookkeeping (date, hostname, done, ...) and nested results (info, config) are text in every
    row: the problem said to read the trial's progress.csv with --adapter records, one run per row."""
    trial = write_trial(
        tmp_path / "A2C_Breakout_0_env=Breakout_2018-08-21_02-43-09abc", "Breakout", [1.0, 2.0]
    )
    adapter = CsvAdapter()
    result = adapter.read(adapter.source_for_file(str(trial / "progress.csv")))
    assert [problem.message for problem in result.problems] == [
        "column(s) 'info', 'config' hold nested values Ray Tune wrote as text in this trial's progress.csv; "
        "options={'config': 'params.json'} reads its settings"
    ]
    (run,) = result.runs
    assert sorted(run.metrics) == [
        "episode_reward_mean",
        "pid",
        "time_this_iter_s",
        "time_total_s",
        "timesteps_total",
    ]
    assert list(run.metrics["episode_reward_mean"].steps) == [1, 2]
    with_settings = CsvAdapter(config="params.json")
    result = with_settings.read(with_settings.source_for_file(str(trial / "progress.csv")))
    assert [problem.message for problem in result.problems] == [
        "column(s) 'info', 'config' hold nested values Ray Tune wrote as text in this trial's progress.csv"
    ]
    assert dict(result.runs[0].params) == {"env": "Breakout", "num_workers": 5}


def test_runs_read_from_the_events_files_of_ray_tune_trials_name_params_json_and_progress_csv(tmp_path):
    """Collected without a pattern, each trial's events file gave a run with no param, and the note
    named only a pattern over the folders' names, never the params.json beside each."""
    from resultsbook.adapters import claim_pattern
    from resultsbook.sources.bare import BareRuns

    bare = BareRuns()
    for n, env in enumerate(("Breakout", "Qbert")):
        trial = write_trial(
            tmp_path / "results" / f"A2C_{env}_{n}_env={env}_2018-08-21_02-43-09ab{n}", env, [1.0]
        )
        events = trial / "events.out.tfevents.1534819438.ip-172-30-1-23"
        events.write_bytes(b"")
        bare.add("tensorboard", trial.name, [str(events)], claim_pattern("tensorboard"))
    assert bare.notes() == [
        "2 run(s) read by tensorboard are Ray Tune trials read without their settings (each folder holds "
        "params.json beside progress.csv): pattern='**/progress.csv' options={'config': 'params.json'} reads "
        "each trial's progress.csv with its params.json as params, stepped by training_iteration; do so into a "
        "new store (db='ray.db'): a store holding both has each trial twice"
    ]
    (tmp_path / "results" / "A2C_Qbert_1_env=Qbert_2018-08-21_02-43-09ab1" / "params.json").unlink()
    bare = BareRuns()
    for trial in sorted((tmp_path / "results").iterdir()):
        events = next(trial.glob("events.out.tfevents.*"))
        bare.add("tensorboard", trial.name, [str(events)], claim_pattern("tensorboard"))
    (note,) = bare.notes()  # the trial without its params.json is no Ray Tune trial; alone, it needs no note
    assert note.startswith("1 run(s) read by tensorboard are Ray Tune trials"), note


def test_progress_csv_files_a_walk_left_unread_are_named_with_the_params_json_beside_them(tmp_path, cli):
    """Trials without an events file beside other runs: onefile claimed each result.json (a result a
    line) and said it 'is not valid JSON', and the progress.csv beside it went unnamed; the note of
    unread logs named --pattern '**/progress.csv' alone, and the trials so collected lost their settings."""
    from conftest import write_native_run

    write_native_run(tmp_path / "rl" / "native" / "run0", {"seed": 0}, [{"step": 1, "acc": 0.5}])
    for n, env in enumerate(("Breakout", "Qbert")):
        write_trial(
            tmp_path / "rl" / "atari-ppo" / f"PPO_{env}_{n}_2020-01-21_10-10-abcdefg", env, [1.0, 2.0]
        )
    result = cli("collect", "rl")
    assert result.output.startswith("Collected rl: 1 new"), result.output
    assert (
        "collect them too with --pattern '**/progress.csv' (or --pattern '{group}/{run}/progress.csv' to "
        "make the folders params); -o config=params.json adds the settings beside them"
    ) in result.output, result.output
    assert "not valid JSON" not in result.output
    (tmp_path / "rl" / "native").rename(tmp_path / "native")
    alone = cli("collect", "rl", "--db", "alone.db")
    assert alone.exit_code == 1 and "-o config=params.json adds the settings beside them" in alone.output


def test_a_ray_tune_result_json_given_to_collect_names_the_progress_csv_beside_it(tmp_path, cli):
    """`collect TRIAL/result.json` was read as one JSON document and said it 'is not valid JSON (Extra
    data at line 2 column 1)': Tune writes a result a line."""
    trial = write_trial(
        tmp_path / "results" / "A2C_Breakout_0_env=Breakout_2018-08-21_02-43-09abc", "Breakout", [1.0]
    )
    result = cli("collect", str(trial / "result.json"))
    assert result.exit_code != 0 and "not valid JSON" not in result.output, result.output
    assert result.output.strip().endswith(
        "it is a Ray Tune trial's result.json (a JSON object a line), which no adapter reads as a run: "
        f"collect {trial / 'progress.csv'} beside it, with -o config=params.json for its settings"
    ), result.output
    read = cli("collect", str(trial / "progress.csv"), "-o", "config=params.json")
    assert "1 new" in read.output, read.output


def test_a_trial_whose_results_are_fifos_is_answered_without_opening_them(tmp_path):
    """The no-runs hint looked at the first bytes of the result.json it names with a plain open(): a
    FIFO in its place blocked the collect forever."""
    trial = tmp_path / "ray_results" / "PPO_1"
    trial.mkdir(parents=True)
    (trial / "params.json").write_text('{"lr": 0.1}')
    os.mkfifo(trial / "progress.csv")
    os.mkfifo(trial / "result.json")
    command = [sys.executable, "-m", "resultsbook", "collect", "ray_results", "--db", "s.db"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
