"""The problems a collect prints: those alike in many files read as one line, the rare ones first;
`resultsbook problems` (and --json) still list every one."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from conftest import ROOT, curve, write_native_run

from resultsbook.cli.common import PROBLEMS_SHOWN
from resultsbook.models import Problem

MLRUNS = ROOT / "tests" / "fixtures" / "mlflow" / "filestore" / "mlruns"
EXPERIMENT = "284362134715411322"  # `sweep`, holding the run MLflow deleted
DELETED_RUN = "3ad039483c1d460683b2c9157e052c4a"


def problem_lines(output: str) -> list[str]:
    """Return the lines under "Problems (...):" of a command's output."""
    lines = output.splitlines()
    return [
        line.removeprefix("  ")
        for line in lines[lines.index("Problems (everything readable was kept):") + 1 :]
    ]


def lines_of(problems: list[Problem]) -> list[str]:
    from resultsbook.render.problems import group_problems

    return [group.describe() for group in group_problems(problems)]


def test_problems_alike_but_for_their_path_read_as_one_line_with_the_count_and_an_example():
    problems = [Problem(f"runs/s{seed}/log.csv", "is empty", "nothing from this file") for seed in range(5)]
    assert lines_of(problems) == [
        "runs/s*/log.csv (5 paths, e.g. runs/s0/log.csv): is empty — kept: nothing from this file"
    ]


def test_numbers_that_differ_show_as_their_range_and_quoted_names_stay_apart():
    problems = [
        Problem("a/metrics.jsonl", "1 value(s) of 'acc' are not numbers", "the numbers"),
        Problem("b/metrics.jsonl", "3 value(s) of 'acc' are not numbers", "the numbers"),
        Problem("c/metrics.jsonl", "2 value(s) of 'acc' are not numbers", "the numbers"),
        Problem("d/metrics.jsonl", "2 value(s) of 'acc2' are not numbers", "the numbers"),
        Problem("e/metrics.jsonl", "2 value(s) of 'acc' are not numbers (the first: '12')", "the numbers"),
    ]
    assert lines_of(problems) == [
        "d/metrics.jsonl: 2 value(s) of 'acc2' are not numbers — kept: the numbers",
        "e/metrics.jsonl: 2 value(s) of 'acc' are not numbers (the first: '12') — kept: the numbers",
        "*/metrics.jsonl (3 paths, e.g. a/metrics.jsonl): 1, 2 or 3 value(s) of 'acc' are not numbers — kept: the numbers",
    ]


def test_the_rare_problems_come_first_then_the_groups_smallest_first():
    problems = [
        *(Problem(f"r{i}", "this run is deleted", "nothing") for i in range(4)),
        Problem("x/log.csv", "has no column 'time'", "the other columns"),
        *(Problem(f"q{i}/log.csv", "is empty", "nothing") for i in range(2)),
        Problem("y/config.yaml", "is not valid YAML", "no params"),
    ]
    assert lines_of(problems) == [
        "x/log.csv: has no column 'time' — kept: the other columns",
        "y/config.yaml: is not valid YAML — kept: no params",
        "q*/log.csv (2 paths, e.g. q0/log.csv): is empty — kept: nothing",
        "r* (4 paths, e.g. r0): this run is deleted — kept: nothing",
    ]


def test_one_file_with_the_same_problem_twice_says_how_many_times():
    problems = [
        Problem("a.csv", "line 3 is not a row", "the others"),
        Problem("a.csv", "line 9 is not a row", "the others"),
    ]
    assert lines_of(problems) == ["a.csv (2 times): line 3 or 9 is not a row — kept: the others"]


def test_problems_whose_numbers_differ_in_two_places_show_the_first_one_s_own():
    """Ultralytics' trainings cut short: `holds 30, 37 or 107 of 100 or 600 epochs` paired no number
    with its own (37 of 100, 107 of 600)."""
    problems = [
        Problem("runs/train4/results.csv", "holds 107 of 600 epochs", "the run"),
        Problem("runs/train5/results.csv", "holds 30 of 600 epochs", "the run"),
        Problem("runs/train6/results.csv", "holds 37 of 100 epochs", "the run"),
    ]
    assert lines_of(problems) == [
        "runs/train*/results.csv (3 paths, e.g. runs/train4/results.csv): holds 107 of 600 epochs (the first's "
        "numbers; the others' differ) — kept: the run"
    ]


def test_the_glob_of_paths_names_what_they_share():
    from resultsbook.render.problems import path_glob

    assert (
        path_glob(["runs/algo_1/log.csv", "runs/algo_12/log.csv", "runs/algo_2/log.csv"])
        == "runs/algo_*/log.csv"
    )
    assert path_glob(["runs/a/x/log.csv", "runs/b/y/log.csv"]) == "runs/*/*/log.csv"
    assert path_glob(["runs/a/log.csv", "runs/b/c/log.csv"]) == "runs/*/…"
    assert path_glob(["s3://b/run_1/m.csv", "s3://b/run_2/m.csv"]) == "s3://b/run_*/m.csv"


def deleted_runs(tmp_path: Path, count: int) -> Path:
    """Copy MLflow's file store fixture with `count` more copies of the run MLflow deleted there."""
    root = tmp_path / "mlruns"
    shutil.copytree(MLRUNS, root)
    original = root / EXPERIMENT / DELETED_RUN
    for index in range(count):
        run_id = f"{index:032x}"
        copy = root / EXPERIMENT / run_id
        shutil.copytree(original, copy)
        meta = copy / "meta.yaml"
        meta.write_text(meta.read_text().replace(DELETED_RUN, run_id))
    return root


def test_many_deleted_mlflow_runs_read_as_one_line_after_a_rare_problem(tmp_path, cli):
    root = deleted_runs(tmp_path, 29)
    live = next(
        meta.parent for meta in root.glob("*/*/meta.yaml") if "run_name: mlp-seed0\n" in meta.read_text()
    )
    with open(live / "metrics" / "val_acc", "a") as handle:
        handle.write("1700000004000 0.9")  # a writer caught mid-line
    result = cli("collect", "mlruns")
    assert result.exit_code == 0
    lines = problem_lines(result.output)
    assert any(
        line.startswith(f"mlruns/{EXPERIMENT}/{live.name}/metrics/val_acc: last line") for line in lines[:-1]
    )
    assert [line for line in lines if "deleted" in line] == lines[-1:]
    deleted = re.fullmatch(
        rf"mlruns/{EXPERIMENT}/\* \(30 paths, e\.g\. mlruns/{EXPERIMENT}/[0-9a-f]{{32}}\): run deleted "
        r"in MLflow \(lifecycle_stage: deleted\) — kept: nothing; -o deleted=keep collects deleted runs",
        lines[-1],
    )
    assert deleted, lines[-1]
    listed = cli("problems").output.splitlines()
    assert sum("deleted in MLflow" in line for line in listed) == 30
    stored = json.loads(cli("problems", "--json").output)["problems"]
    assert sum("deleted in MLflow" in problem["message"] for problem in stored) == 30


def test_many_runs_with_the_same_bad_metric_value_read_as_one_line(make_run, cli):
    for seed in range(25):
        points = curve([0.5, 0.6, 0.7])
        for point in points[: seed % 3 + 1]:
            point["acc"] = "N/A"
        make_run(f"r{seed:02d}", {"seed": seed}, points)
    result = cli("collect", "runs")
    assert problem_lines(result.output) == [
        "runs/r*/metrics.jsonl (25 paths, e.g. runs/r00/metrics.jsonl): 1, 2 or 3 value(s) of 'acc' are not numbers "
        "— kept: the numbers"
    ]


def test_many_csvs_missing_the_same_column_read_as_one_line_after_the_rare_problem(tmp_path, cli):
    for seed in range(30):
        (tmp_path / f"runs/algo_{seed}").mkdir(parents=True)
        (tmp_path / f"runs/algo_{seed}/log.csv").write_text("step,loss\n0,1.0\n1,0.5\n")
    (tmp_path / "runs/algo_7/log.csv").write_text("step,loss\n0,1.0\n1,lots\n")
    result = cli("collect", "runs", "--pattern", "{algo}_{seed}/log.csv", "-o", "time=wall")
    assert problem_lines(result.output) == [
        "runs/algo_7/log.csv: 1 cell(s) of column 'loss' are not numbers (the first: 'lots') — kept: the numeric ones",
        "runs/algo_*/log.csv (30 paths, e.g. runs/algo_0/log.csv): has no column 'wall' (columns: step, loss) "
        "— kept: the other columns",
    ]


def test_more_lines_than_fit_say_exactly_how_many_problems_are_left(tmp_path, cli):
    logs = {f"alike{index}": "bad" for index in range(10)}  # met first, shown last: one line
    logs.update({f"run{index}": f"bad{index}" for index in range(PROBLEMS_SHOWN + 3)})  # one line each
    for name, bad in logs.items():
        (tmp_path / "runs" / name).mkdir(parents=True)
        (tmp_path / "runs" / name / "log.csv").write_text(f"step,loss\n0,1.0\n1,{bad}\n")
    result = cli("collect", "runs", "--pattern", "{run}/log.csv")
    lines = problem_lines(result.output)
    assert len(lines) == PROBLEMS_SHOWN + 1
    assert all(line.startswith("runs/run") for line in lines[:-1])
    assert lines[-1] == "... and 13 more: run `resultsbook problems`"
    assert len(cli("problems").output.splitlines()) == PROBLEMS_SHOWN + 13


def test_problems_past_the_lines_shown_point_to_no_command_when_no_store_was_made(tmp_path, cli, monkeypatch):
    """A first collect that stored no run (S3 killed half-way: 780 problems past those shown) pointed to
    `resultsbook problems`, which then said there is no store."""
    import os
    import socket

    from resultsbook.cli import common

    def make_socket(path: str) -> None:
        with socket.socket(socket.AF_UNIX) as listener:
            listener.bind(path)  # the file stays

    monkeypatch.setattr(common, "PROBLEMS_SHOWN", 1)  # two lines here, as 800 are past twenty
    for index, make in enumerate((os.mkfifo, make_socket)):
        folder = write_native_run(tmp_path / "runs" / f"r{index}", {"seed": index}, curve([0.5]))
        for name in ("metrics.jsonl", "config.json"):
            (folder / name).unlink()
            make(os.path.relpath(folder / name))  # relative: a socket's path holds at most 108 bytes
    result = cli("collect", "runs", "--db", "many2.db")
    assert result.exit_code == 1
    assert (
        problem_lines(result.output)[1]
        == "... and 2 more (no store was made to keep them: nothing was collected)"
    )
    assert not (tmp_path / "many2.db").exists()


def test_a_real_result_tree_without_column_names_prints_one_line(realdata, cli):
    """d3rlpy's 230 Atari runs: headerless CSVs, the same problem in each."""
    result = cli(
        "collect", str(realdata / "d3rlpy-atari/runs"), "--pattern", "{algo}_{game}_{seed}/environment.csv"
    )
    assert "230 new" in result.output
    runs = realdata / "d3rlpy-atari/runs"
    assert problem_lines(result.output) == [
        f"{runs}/*/environment.csv (230 paths, e.g. {runs}/DiscreteBCQ_asterix_1/environment.csv): has no header "
        "line and no column names were given (fix: --columns a,b,c) — kept: the columns as col0, col1, col2"
    ]
    assert len(cli("problems").output.splitlines()) == 230


def test_a_number_that_took_many_values_names_the_first_and_last_never_a_range():
    problems = [Problem("a.csv", f"line {line} is not a row", "the others") for line in (90, 3, 9, 41)]
    assert lines_of(problems) == ["a.csv (4 times): line 3, 9, … or 90 is not a row — kept: the others"]
