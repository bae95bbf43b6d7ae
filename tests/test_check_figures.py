"""`check` names what moved in a stale figure: each curve's last point (centre, band, n) and each bar,
from what the lock recorded of it; a bar figure of a table's cells lists that table's cells."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path

from test_check import change_final_value, paper, run_cli, train_fourth_mlp_moons_seed

__all__ = ["paper"]  # the quickstart fixture, built with 3 seeds


def block(output: str, path: str) -> list[str]:
    """Return the line `path: state (...)` (or `other, path: ...`, the outputs of one table stale alike)
    and the indented lines listed under it."""
    lines = output.splitlines()
    start = next(index for index, line in enumerate(lines) if path in line.split(": ", 1)[0].split(", "))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("  ")), len(lines))
    return lines[start:end]


def test_check_names_the_curve_whose_last_point_moved_old_and_new(paper):
    assert run_cli("build").exit_code == 0
    change_final_value(paper, "mlp_moons_seed1", "val/acc", 0.2)  # one seed's last evaluation
    assert run_cli("collect", "runs").exit_code == 0
    result = run_cli("check")
    assert result.exit_code == 1
    assert block(result.output, "paper/figures/curve.pdf") == [
        "paper/figures/curve.pdf: stale (results changed)",
        "  Moons / MLP (16 hidden): 90.3 ± 0.6 → 67 ± 41",
    ]
    assert "paper/figures/mlp_loss.png" not in result.output  # the training loss did not change
    assert "paper/results/table1.tex" not in result.output  # nor the best validation step


def test_check_json_lists_the_moved_curve_as_a_table_lists_a_cell(paper):
    run_cli("build")
    change_final_value(paper, "mlp_moons_seed1", "train/loss", 5.0)
    document = json.loads(run_cli("check", "--collect", "--json").output)
    outputs = {Path(output["path"]).name: output for output in document["outputs"]}
    assert outputs["mlp_loss.png"]["state"] == "stale"
    assert outputs["mlp_loss.png"]["changes"] == [
        {
            "cell": "Moons / MLP (16 hidden)",
            "old": "0.20 [0.19, 0.22]",  # band = "minmax": the interval, as a table prints one
            "new": "0.4 [0.2, 0.7]",
            "runs_added": 0,
            "runs_removed": 0,
            "added": [],
            "removed": [],
            "recoded": [],
            "quoted_at": [],
        }
    ]
    assert outputs["curve.pdf"]["state"] == "current" and outputs["curve.pdf"]["changes"] == []


def test_a_seed_more_says_each_curves_n_and_run_and_the_bar_figure_lists_its_tables_cells(paper):
    run_cli("build")
    train_fourth_mlp_moons_seed(paper)
    output = run_cli("check", "--collect").output
    assert block(output, "paper/figures/curve.pdf")[1:] == [
        "  Moons / MLP (16 hidden): 90.3 ± 0.6 (n = 3) → 92 ± 4 (n = 4), 1 run added (mlp_moons_seed3)"
    ]
    assert block(output, "paper/figures/mlp_loss.png")[1:] == [  # same last point, one seed more
        "  Moons / MLP (16 hidden): 0.20 [0.19, 0.22] (n = 3) → 0.20 [0.19, 0.22] (n = 4), 1 run added"
        " (mlp_moons_seed3)"
    ]
    # bar.pgf draws table1's cells: it lists them as table1 does, from table1's lock entry
    table = block(output, "paper/results/table1.md")[1:]
    assert table == ["  MLP (16 hidden) / Moons: 89.0 ± 5.6 → 90.3 ± 5.2, 1 run added (mlp_moons_seed3)"]
    assert block(output, "paper/figures/bar.pgf")[1:] == table
    lock = json.loads((paper / "paper" / "resultsbook.lock").read_text())
    assert lock["entries"]["figures.bar"]["values"] == {}  # recorded once, in tables.table1


def test_a_curve_that_disappears_or_appears_says_so(paper):
    run_cli("build")
    away = paper.parent / "away"
    away.mkdir()
    for run in sorted((paper / "runs").glob("logreg_circles_seed*")):
        shutil.move(run, away / run.name)
    gone = run_cli("check", "--collect").output
    assert block(gone, "paper/figures/curve.pdf")[1:] == [
        "  Circles / Logistic regression: curve removed (was 47 ± 3)"
    ]
    run_cli("build")
    for run in sorted(away.iterdir()):
        shutil.move(run, paper / "runs" / run.name)
    back = run_cli("check", "--collect").output
    assert block(back, "paper/figures/curve.pdf")[1:] == ["  Circles / Logistic regression: new curve 47 ± 3"]


def test_a_change_before_the_last_point_names_the_curve_that_moved(paper):
    run_cli("build")
    metrics = paper / "runs" / "logreg_circles_seed0" / "metrics.jsonl"
    lines = [json.loads(line) for line in metrics.read_text().splitlines()]
    middle = next(line for line in lines[len(lines) // 2 :] if "val/acc" in line)
    middle["val/acc"] = 0.99
    metrics.write_text("".join(json.dumps(line) + "\n" for line in lines))
    output = run_cli("check", "--collect").output
    assert block(output, "paper/figures/curve.pdf") == [
        "paper/figures/curve.pdf: stale (results changed)",
        "  Circles / Logistic regression: 47 ± 3 → 47 ± 3 (an earlier point moved, or a digit not shown)",
    ]


def test_a_curve_that_ends_earlier_says_where_along_its_x_axis(paper):
    run_cli("build")
    for metrics in sorted((paper / "runs").glob("logreg_circles_seed*/metrics.jsonl")):
        lines = [json.loads(line) for line in metrics.read_text().splitlines()]
        last = max(index for index, line in enumerate(lines) if "val/acc" in line)
        metrics.write_text(
            "".join(json.dumps(line) + "\n" for line in lines[:last])
        )  # its last evaluation lost
    moved = block(run_cli("check", "--collect").output, "paper/figures/curve.pdf")[1:]
    assert moved == ["  Circles / Logistic regression: 47 ± 3 (ends at step 300) → 55 ± 6 (ends at step 275)"]


def test_an_old_lock_without_figure_values_still_says_stale_without_a_list(paper):
    run_cli("build")
    lock = paper / "paper" / "resultsbook.lock"
    document = json.loads(lock.read_text())
    for name, entry in document["entries"].items():
        if name.startswith("figures."):
            entry["values"] = {}  # as build wrote figures before they recorded what they plot
    lock.write_text(json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    assert run_cli("check").exit_code == 0
    change_final_value(paper, "mlp_moons_seed1", "val/acc", 0.2)
    result = run_cli("check", "--collect")
    assert result.exit_code == 1
    assert block(result.output, "paper/figures/curve.pdf") == [
        "paper/figures/curve.pdf: stale (results changed)"
    ]
    assert run_cli("build").exit_code == 0
    assert "Moons / MLP (16 hidden)" in json.loads(lock.read_text())["entries"]["figures.curve"]["values"]


def test_a_figure_drawn_by_another_matplotlib_from_the_same_data_is_current(paper):
    run_cli("build")
    figure = paper / "paper" / "figures" / "curve.pdf"
    drawn = figure.read_bytes() + b"%% drawn by another matplotlib\n"
    figure.write_bytes(drawn)
    lock = paper / "paper" / "resultsbook.lock"
    document = json.loads(lock.read_text())
    document["entries"]["figures.curve"]["outputs"]["figures/curve.pdf"] = hashlib.sha256(drawn).hexdigest()
    lock.write_text(json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    result = run_cli("check")
    assert result.exit_code == 0 and result.output.endswith("OK: 9 current\n")


def test_a_bar_whose_numbers_moved_below_its_digits_is_named(paper):
    spec = paper / "resultsbook.toml"
    spec.write_text(
        spec.read_text() + '\n[figures.own_bar]\nkind = "bar"\nmetric = "val/acc"\nreduce = "last"\n'
        'x = "dataset"\nhue = "model"\noutputs = ["paper/figures/own_bar.pdf"]\n'
    )
    assert run_cli("build").exit_code == 0
    metrics = paper / "runs" / "mlp_moons_seed1" / "metrics.jsonl"
    lines = [json.loads(line) for line in metrics.read_text().splitlines()]
    last = next(line for line in reversed(lines) if "val/acc" in line)
    last["val/acc"] += 1e-9  # far below the digits a bar of accuracies shows
    metrics.write_text("".join(json.dumps(line) + "\n" for line in lines))
    listed = block(run_cli("check", "--collect").output, "paper/figures/own_bar.pdf")
    assert listed[0] == "paper/figures/own_bar.pdf: stale (results changed)"
    [moved] = listed[1:]
    old, _, new = moved.removeprefix("  Moons / MLP (16 hidden): ").partition(" → ")
    assert new == f"{old} (a digit not shown moved)"


OLD, NEW = "a" * 40, "b" * 40  # the commit each run ran, and the one a seed is re-run from

FIGURES = """[[sources]]
path = "runs"

[figures.curve]
kind = "curve"
metric = "acc"
hue = "model"
outputs = ["out/curve.pdf"]

[figures.bars]
kind = "bar"
metric = "acc"
reduce = "last"
x = "model"
outputs = ["out/bars.pdf"]
"""


def write_run(project: Path, model: str, seed: int, scale: float, commit: str) -> None:
    """Write one native run folder whose run.json records the commit it ran (a re-run writes it over)."""
    folder = project / "runs" / f"{model}_s{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({"model": model, "seed": seed}))
    points = [{"step": step, "acc": round(scale * step / 5 + 0.01 * seed, 4)} for step in range(1, 6)]
    (folder / "metrics.jsonl").write_text("".join(json.dumps(point) + "\n" for point in points))
    (folder / "run.json").write_text(json.dumps({"status": "finished", "git": {"commit": commit}}))


def two_models_built(project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """2 models × 3 seeds from one commit, a curve and a bar figure of their accuracy, built."""
    for model, scale in (("mlp", 0.8), ("cnn", 0.9)):
        for seed in range(3):
            write_run(project, model, seed, scale, OLD)
    (project / "resultsbook.toml").write_text(FIGURES)
    assert cli("build").exit_code == 0


def test_a_run_re_run_from_other_code_is_named_under_the_curve_and_bar_it_moved(tmp_path, cli):
    """A seed re-run into its folder from another commit keeps its run id: a table named it with the
    code before and after, but its figures said only `mlp: 0.81 ± 0.01 → 0.86 ± 0.09`, their lock
    entries keeping no run's code."""
    two_models_built(tmp_path, cli)
    lock = json.loads((tmp_path / "out" / "resultsbook.lock").read_text())
    assert lock["entries"]["figures.curve"]["values"]["mlp"]["code"] == ["aaaaaaaaaa"] * 3
    write_run(tmp_path, "mlp", 1, 0.95, NEW)
    result = cli("check", "--collect")
    assert result.exit_code == 1
    moved = "  mlp: 0.81 ± 0.01 → 0.86 ± 0.09, 1 run re-run from other code (mlp_s1: aaaaaaaaaa → bbbbbbbbbb)"
    assert block(result.output, "out/curve.pdf") == ["out/curve.pdf: stale (results changed)", moved]
    assert block(result.output, "out/bars.pdf") == ["out/bars.pdf: stale (results changed)", moved]
    document = json.loads(cli("check", "--json").output)
    for output in document["outputs"]:
        [change] = output["changes"]
        assert change["recoded"] == [{"run": "mlp_s1", "old": "aaaaaaaaaa", "new": "bbbbbbbbbb"}]


def test_a_build_after_a_re_run_in_the_same_process_locks_the_new_code(tmp_path, cli):
    """A build keeps the runs' code of its last build's runs (every table shares them): the next build in
    the same process (a notebook, `watch`) reads its runs again and locks the code they ran now."""
    two_models_built(tmp_path, cli)
    write_run(tmp_path, "mlp", 1, 0.95, NEW)
    assert cli("build").exit_code == 0
    lock = json.loads((tmp_path / "out" / "resultsbook.lock").read_text())
    for entry in ("figures.curve", "figures.bars"):
        assert sorted(lock["entries"][entry]["values"]["mlp"]["code"]) == ["aaaaaaaaaa"] * 2 + ["bbbbbbbbbb"]
    assert cli("check").exit_code == 0


def test_a_lock_written_before_figures_kept_their_runs_claims_no_re_run(tmp_path, cli):
    """A lock from before figures recorded their runs and code is read as it is: current while nothing
    changed, and after a re-run from other code the curve that moved is listed, and no run named."""
    two_models_built(tmp_path, cli)
    path = tmp_path / "out" / "resultsbook.lock"
    document = json.loads(path.read_text())
    for entry in document["entries"].values():
        for kept in entry["values"].values():
            kept.pop("runs"), kept.pop("code")  # as build wrote a figure's series before
    path.write_text(json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    assert cli("check").exit_code == 0
    write_run(tmp_path, "mlp", 1, 0.95, NEW)
    result = cli("check", "--collect")
    assert result.exit_code == 1
    assert block(result.output, "out/curve.pdf") == [
        "out/curve.pdf: stale (results changed)",
        "  mlp: 0.81 ± 0.01 → 0.86 ± 0.09",
    ]


def test_a_figures_runs_leave_its_digest_alone_so_an_older_lock_still_matches_another_renderer():
    """The digest of what a figure is made of (which lets a figure drawn by another matplotlib from the
    same data be current) is that of what it draws: its runs' ids, kept for the lock, are not in it."""
    import numpy as np

    from resultsbook.outputs.build import update_digest
    from resultsbook.render.palette import Look
    from resultsbook.render.plots import BarItem, LineData

    x = np.arange(3.0)
    look = Look("#000000", "o")
    bar = BarItem("", "mlp", "mlp", look, 1.0, 0.5, 1.5, (1.0,))
    for item in (LineData("mlp", "mlp", look, x, x, x, x, 3), bar):
        digests = []
        for runs in ((), ("mlp_s0", "mlp_s1", "mlp_s2")):
            digest = hashlib.sha256()
            update_digest(digest, dataclasses.replace(item, runs=runs))
            digests.append(digest.hexdigest())
        assert digests[0] == digests[1]
