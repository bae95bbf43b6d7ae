"""`watch` during a sweep: a run still writing makes a round every few seconds, and each round's
warnings are those of the round before but for what changed."""

from __future__ import annotations

import json

from conftest import write_native_run

SPEC = """
[[sources]]
path = "runs"

[tables.main]
metric = "val/acc"
goal = "max"
rows = ["model"]
replicates = 3
outputs = ["main.md"]
"""


def test_watch_prints_each_warning_once_while_it_stands_and_a_new_one_when_it_comes(
    tmp_path, capsys, monkeypatch
):
    """A sweep made with resultsbook.Run (/tmp/realdata/sweep, resultsbook/runlog/run.py's folders):
    one run training beside `watch` wrote a line every 4 s, and every round printed the table's nine
    warnings again under `-> no output changed`, burying the one a crash then added."""
    from resultsbook.cli.watch_cmd import LiveStatus
    from resultsbook.freshness.watch import rebuild
    from resultsbook.outputs.build import BuildMemo
    from resultsbook.spec import load_spec
    from resultsbook.store import Store

    runs = tmp_path / "runs"
    write_native_run(
        runs / "s0", {"model": "vit", "seed": 0}, [{"step": 100, "val/acc": 0.86}], {"status": "finished"}
    )
    live = write_native_run(
        runs / "s1", {"model": "vit", "seed": 1}, [{"step": 10, "val/acc": 0.3}], {"status": "running"}
    )
    (tmp_path / "resultsbook.toml").write_text(SPEC)
    monkeypatch.chdir(tmp_path)
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    display, memo = LiveStatus(live=False), BuildMemo()

    def round_of(reason: str, paths: list[str] | None) -> list[str]:
        update = rebuild(spec, store, reason, paths, None, memo)
        assert update is not None and update.built is not None
        display.show(update)
        return [line for line in capsys.readouterr().err.splitlines() if line.startswith("  ")]

    with Store.open(spec.db) as store:
        first = round_of("start", None)
        assert "  Warning: main: vit: includes 1 running run(s)" in first
        stood = len(first)
        with open(live / "metrics.jsonl", "a") as handle:  # it trains on: a loss, no validation yet
            handle.write(json.dumps({"step": 11, "loss": 0.9}) + "\n")
        assert round_of("runs", [str(live / "metrics.jsonl")]) == [
            f"  {stood} warning(s) as in the rebuild before, not repeated"
        ]
        write_native_run(  # seed 2 crashes at its first validation
            runs / "s2", {"model": "vit", "seed": 2}, [{"step": 10, "val/acc": 0.2}], {"status": "failed"}
        )
        third = round_of("runs", [str(runs / "s2" / "metrics.jsonl")])
        assert "  Warning: main: vit: includes 1 failed, 1 running run(s)" in third
        assert "  Warning: main: vit: includes 1 running run(s)" not in third


def test_watch_prints_a_problem_once_while_it_stands_but_for_its_line_number(tmp_path, capsys, monkeypatch):
    """A run still writing ends its metrics.jsonl in a cut-off line at every round: watch printed
    "last line (N) is cut off (a run still writing?)" again each round, N the only change."""
    from resultsbook.cli.watch_cmd import LiveStatus
    from resultsbook.freshness.watch import rebuild
    from resultsbook.outputs.build import BuildMemo
    from resultsbook.spec import load_spec
    from resultsbook.store import Store

    runs = tmp_path / "runs"
    write_native_run(runs / "s0", {"model": "vit", "seed": 0}, [{"step": 100, "val/acc": 0.86}])
    live = write_native_run(runs / "s1", {"model": "vit", "seed": 1}, [{"step": 10, "val/acc": 0.3}])
    with open(live / "metrics.jsonl", "a") as handle:
        handle.write('{"step": 11, "lo')  # a line the run is writing as watch reads
    (tmp_path / "resultsbook.toml").write_text(SPEC)
    monkeypatch.chdir(tmp_path)
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    display, memo = LiveStatus(live=False), BuildMemo()

    def round_of(reason: str, paths: list[str] | None) -> list[str]:
        update = rebuild(spec, store, reason, paths, None, memo)
        assert update is not None
        display.show(update)
        return [
            line for line in capsys.readouterr().err.splitlines() if "cut off" in line or "problem" in line
        ]

    cut = "runs/s1/metrics.jsonl: last line ({}) is cut off (a run still writing?)"
    with Store.open(spec.db) as store:
        assert any(line.startswith("  " + cut.format(2)) for line in round_of("start", None))
        with open(live / "metrics.jsonl", "a") as handle:  # it trains on, a line cut off further down
            handle.write('ss": 0.9}\n{"step": 12, "loss": 0.8}\n{"step": 13, "lo')
        assert round_of("runs", [str(live / "metrics.jsonl")]) == [
            "  1 problem(s) as in the rebuild before, not repeated"
        ]
        with open(live / "metrics.jsonl", "a") as handle:
            handle.write('ss": 0.7}\n{"step": 14, "lo')
        (runs / "s2").mkdir()  # a new run, its line cut off too: said
        (runs / "s2" / "metrics.jsonl").write_text('{"step": 1, "val/acc": 0.2}\n{"step": 2, "va')
        third = round_of("runs", [str(live / "metrics.jsonl"), str(runs / "s2" / "metrics.jsonl")])
        assert any(line.startswith("  runs/s2/metrics.jsonl: last line (2) is cut off") for line in third)
        assert not any(line.startswith("  runs/s1/") for line in third), third
        assert "  1 problem(s) as in the rebuild before, not repeated" in third


def test_watch_says_again_a_problem_whose_count_grew(tmp_path, capsys, monkeypatch):
    """Matched but for its numbers, `41 lines are not valid JSON` hid `541 lines are not valid JSON` as
    '1 problem(s) as in the rebuild before': only a cut-off last line changes its number unsaid."""
    from resultsbook.cli.watch_cmd import LiveStatus
    from resultsbook.models import Problem

    display = LiveStatus(live=False)
    for bad in (41, 41, 541):
        display._show_problems(
            [Problem("runs/s0/metrics.jsonl", f"{bad} lines are not valid JSON", "the rest")]
        )
    said = [
        line for line in capsys.readouterr().err.splitlines() if "valid JSON" in line or "problem(s)" in line
    ]
    assert said == [
        "  runs/s0/metrics.jsonl: 41 lines are not valid JSON — kept: the rest",
        "  1 problem(s) as in the rebuild before, not repeated",
        "  runs/s0/metrics.jsonl: 541 lines are not valid JSON — kept: the rest",
    ]


def test_watch_does_not_repeat_a_warning_whose_numbers_alone_moved(tmp_path, capsys, monkeypatch):
    """Under runs still writing, every round printed `seed 4 gave 0.4, far from the other 4 (…): the
    mean, …` again with the mean a little moved (hundreds of repeats), burying the new warnings."""
    from resultsbook.cli.watch_cmd import LiveStatus
    from resultsbook.freshness.watch import rebuild
    from resultsbook.outputs.build import BuildMemo
    from resultsbook.spec import load_spec
    from resultsbook.store import Store

    runs = tmp_path / "runs"
    for seed, value in enumerate((0.80, 0.81, 0.82, 0.79, 0.40)):  # seed 3 still trains, at step 10
        status = "running" if seed == 3 else "finished"
        points = [{"step": step, "val/acc": value} for step in ((10,) if seed == 3 else (10, 20))]
        write_native_run(runs / f"vit{seed}", {"model": "vit", "seed": seed}, points, {"status": status})
    (tmp_path / "resultsbook.toml").write_text(SPEC.replace("replicates = 3", "replicates = 5"))
    monkeypatch.chdir(tmp_path)
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    display, memo = LiveStatus(live=False), BuildMemo()

    def round_of(reason: str, paths: list[str] | None) -> list[str]:
        update = rebuild(spec, store, reason, paths, None, memo)
        assert update is not None and update.built is not None
        display.show(update)
        return [line for line in capsys.readouterr().err.splitlines() if line.startswith("  ")]

    with Store.open(spec.db) as store:
        first = round_of("start", None)
        far = "  Warning: main: vit: seed 4 gave 0.4, far from the other 4 (0.79 to 0.82): the mean, 0.724, "
        assert any(line.startswith(far) for line in first) and len(first) == 3, first  # and its end
        live = runs / "vit3" / "metrics.jsonl"
        with open(live, "a") as handle:  # it trains on: the other 4 now reach 0.83, the mean 0.732
            handle.write(json.dumps({"step": 20, "val/acc": 0.83}) + "\n")
        assert round_of("runs", [str(live)]) == ["  2 warning(s) as in the rebuild before, not repeated"]
        for seed, value in enumerate((0.70, 0.71, 0.72, 0.69, 0.20)):  # another model: a new cell
            config = {"model": "mlp", "seed": seed}
            write_native_run(
                runs / f"mlp{seed}", config, [{"step": 10, "val/acc": value}], {"status": "finished"}
            )
        third = round_of("runs", [str(runs / f"mlp{seed}" / "metrics.jsonl") for seed in range(5)])
        assert third == [  # a new kind of warning in a cell, a new cell: said
            "  Warning: main: vit: not significantly better than mlp (Welch's t-test, p = 0.36)",
            "  Warning: main: mlp: seed 4 gave 0.2, far from the other 4 (0.69 to 0.72): the mean, 0.604, "
            "rests on it (the median is 0.7); check that run, or show the median or the IQM, which it moves little",
            "  2 warning(s) as in the rebuild before, not repeated",
        ]
