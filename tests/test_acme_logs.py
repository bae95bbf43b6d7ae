"""DeepMind Acme's CSV logs: `<experiment>/logs/<label>/logs.csv`, one file per label (actor, evaluator,
learner), each with its own counts (`actor_steps`, `evaluator_episodes`, `learner_steps`) and no column
named like a step.

Acme is installed neither here nor in CI. The shape is that of Acme's `CSVLogger`
(google-deepmind/acme, acme/utils/loggers/csv.py: the header is the sorted keys of the first write,
written when the file is empty, and the rows appended) as the real tree shows it
(eleninisioti/acme_dev @ bae1dffd7ef4405c3416dd88c1ff75d61a25d0c0,
server_results/acme/20230526-154853/logs/{actor,evaluator}/logs.csv): several actor processes
append to one `actor/logs.csv`, each writing the header of the counts it knew when it started, 9
columns before the evaluator had counted an episode, 11 after (`evaluator_episodes`,
`evaluator_steps` sorted in), and their rows interleave.
"""

from __future__ import annotations

import csv
import json

import pytest

from resultsbook.adapters.csvlog import CsvAdapter

NARROW = "actor_episodes,actor_steps,episode_length,episode_return,steps_per_second"
WIDE = "actor_episodes,actor_steps,episode_length,episode_return,evaluator_episodes,evaluator_steps,steps_per_second"
EVALUATOR = (
    "actor_episodes,actor_steps,episode_length,episode_return,evaluator_episodes,evaluator_steps,steps_per_second\n"
    "2,2551,1472,88.0,1,1472,5.9\n"
    "8,12426,1171,44.0,2,2643,6.1\n"
    "8,12426,1300,52.0,3,3943,6.2\n"  # two evaluation episodes at one count of actor steps
    "15,30100,1500,130.0,4,5443,6.0\n"
)


def actor_log(path):
    """Two processes started before the evaluator's first episode (9-cell rows), two after (11)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"{NARROW}\n1,1270,1270,0.0,5.3\n{NARROW}\n2,2540,1270,10.0,5.2\n"
        f"{WIDE}\n3,3885,1334,132.0,1,1472,5.2\n{WIDE}\n"
        "4,5000,1100,20.0,1,1472,5.1\n5,6300,1300,30.0,2,2643,5.0\n6,7600,1300,40.0,2,2643,5.0\n"
        "7,8900,1300,50.0,5.0\n"  # a row of a first process, after the others' headers
        "8,10200,1300,60.0,3,3943,5.0\n"
    )
    return path


def read_csv(path, **options):
    adapter = CsvAdapter(**options)
    result = adapter.read(adapter.source_for_file(str(path)))
    return result.runs[0], [p.message for p in result.problems]


def test_an_actor_log_of_several_processes_keeps_every_row_by_the_header_of_its_width(tmp_path):
    """Before: the 11-cell rows were dropped as 'another number of cells than the 9 columns' (2262 of
    the real file's 3038 rows) and the actor's last episode_return was that of a 9-cell row."""
    path = actor_log(tmp_path / "exp" / "logs" / "actor" / "logs.csv")
    run, problems = read_csv(path, step="actor_steps")
    assert problems == [
        "repeats its header 2 time(s) (first at line 3)",
        "holds a second header of 7 columns at line 5 (several writers appending to one file, each with "
        "its header, as Acme's actor processes)",
    ]
    returns = run.metrics["episode_return"]
    assert list(returns.steps) == [1270, 2540, 3885, 5000, 6300, 7600, 8900, 10200]
    assert list(returns.values) == [0.0, 10.0, 132.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    episodes = run.metrics["evaluator_episodes"]  # only in the rows of the wider header
    assert list(episodes.steps) == [3885, 5000, 6300, 7600, 10200] and list(episodes.values) == [
        1,
        1,
        2,
        2,
        3,
    ]


def test_a_row_of_another_width_without_a_header_of_that_width_is_still_dropped(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("step,loss,acc\n1,0.9,0.1\n2,0.8\n3,0.7,0.3\n")
    run, problems = read_csv(path)
    assert list(run.metrics["loss"].steps) == [1, 3]
    assert problems == ["line 3 has 2 cells for the 3 columns"]


def test_a_log_without_a_step_column_names_its_counts_of_steps_and_the_option(tmp_path):
    """Acme's logs have no column named like a step: the rows were steps 0, 1, 2 without a word."""
    path = tmp_path / "exp" / "logs" / "evaluator" / "logs.csv"
    path.parent.mkdir(parents=True)
    path.write_text(EVALUATOR)
    run, problems = read_csv(path)
    assert list(run.metrics["episode_return"].steps) == [0, 1, 2, 3]
    assert problems == [
        "has no step column, so its rows are steps 0, 1, 2, …; column(s) 'actor_steps', 'evaluator_steps' "
        "count steps: options={'step': 'actor_steps'} steps its curves by the first"
    ]
    run, problems = read_csv(path, step="actor_steps")
    assert list(run.metrics["episode_return"].steps) == [2551, 12426, 30100]
    assert list(run.metrics["episode_return"].values) == [88.0, 52.0, 130.0]  # the last at 12426
    assert "metric 'episode_return' logs 1 step(s) more than once" in problems


def test_a_table_of_the_evaluators_by_actor_steps_gives_each_last_evaluation(tmp_path, cli):
    for seed, last in [(1, 130.0), (2, 150.0)]:
        log = tmp_path / "acme" / f"seed{seed}" / "logs" / "evaluator" / "logs.csv"
        log.parent.mkdir(parents=True)
        log.write_text(EVALUATOR.replace("130.0", str(last)))
        actor_log(tmp_path / "acme" / f"seed{seed}" / "logs" / "actor" / "logs.csv")
    pattern = "seed{seed}/logs/evaluator/logs.csv"
    collected = cli("collect", str(tmp_path / "acme"), "--pattern", pattern, "-o", "step=actor_steps")
    assert collected.output.startswith(f"Collected {tmp_path / 'acme'}: 2 new")
    table = cli("table", "--rows", "metric", "--metric", "episode_return", "--format", "json")
    stats = json.loads(table.output)["cells"][0]["stats"]
    assert stats["n"] == 2 and stats["mean"] == pytest.approx(140.0)


def test_the_real_acme_tree_reads_every_actor_row_and_each_evaluators_last_episode(realdata, cli):
    """eleninisioti/acme_dev (see the module's docstring), under ../shared/realdata/acme-dev: two
    experiments, `20230526-154853` (8 actor processes, 3038 actor rows) and `test`."""
    root = realdata / "acme-dev" / "acme"
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    read = ("--pattern", "{experiment}/logs/{label}/logs.csv", "-o", "step=actor_steps")
    collected = cli("collect", str(root), *read)
    assert "another number of cells" not in collected.output
    assert "holds a second header of 11 columns" in collected.output
    table = cli(
        "table", "--rows", "experiment", "--columns", "label", "--metric", "episode_return", "--format", "csv"
    )
    lines = [line for line in table.output.splitlines() if not line.startswith(("Warning:", "Note:"))]
    cells = {(row["experiment"], row["label"]): float(row["mean"]) for row in csv.DictReader(lines)}
    for experiment in ("20230526-154853", "test"):
        for label in ("actor", "evaluator"):
            with open(root / experiment / "logs" / label / "logs.csv") as handle:
                rows = [row for row in csv.reader(handle) if row[0] != "actor_episodes"]
            header = (
                "actor_episodes,actor_steps,env_reset_duration_sec,env_step_duration_sec,episode_duration"
            )
            assert header.split(",")[1] == "actor_steps"  # column 1: actor_steps, column 6: episode_return
            most = max(int(row[1]) for row in rows)
            last = [float(row[6]) for row in rows if int(row[1]) == most][-1]
            assert cells[(experiment, label)] == last
    assert cells[("20230526-154853", "actor")] == 5702.0  # the file's last row; 2160.0 before
