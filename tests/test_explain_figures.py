"""`explain` a figure: each curve or bar by the name the figure, the lock and `check` give it, with its
runs as a table's cell lists them (seed, status, commit, source, each run's own value), the statistic
it shows unrounded, the config its runs differ in and what the last build drew instead."""

from __future__ import annotations

import json
from pathlib import Path

from test_check_figures import FIGURES, NEW, two_models_built, write_run

MLP_END = "curve / mlp: 0.81 ± 0.01 (n = 3, per run: its value at step 5, the curve's last point)"


def rows(lines: list[str]) -> list[tuple[str, ...]]:
    """Return (name, seed, status, commit, value) of each run row printed under a header."""
    start = next(index for index, line in enumerate(lines) if line.lstrip().startswith("----")) + 1
    found = []
    for line in lines[start:]:
        if not line.startswith("  ") or line.startswith(("  =", "  !")):
            break
        parts = line.split()
        found.append((parts[1], parts[2], parts[3], parts[4], parts[-1]))
    return found


def test_explain_a_curve_by_its_figures_output_lists_its_runs_values_where_it_ends(tmp_path, cli):
    """`explain curve` answered that a figure is no table: a curve's runs and code could not be asked."""
    two_models_built(tmp_path, cli)
    result = cli("explain", "out/curve.pdf", "mlp")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == MLP_END
    assert rows(lines) == [
        ("mlp_s0", "0", "finished", "aaaaaaaaaa", "0.8"),
        ("mlp_s1", "1", "finished", "aaaaaaaaaa", "0.81"),
        ("mlp_s2", "2", "finished", "aaaaaaaaaa", "0.82"),
    ]
    assert "  = mean 0.81 ± std 0.01 (ddof = 1) of the 3 values above" in lines
    assert cli("explain", "curve", "model=mlp").output == result.output  # by its key, as a cell is
    every = cli("explain", "curve").output.splitlines()
    assert [line for line in every if line.startswith("curve / ")] == [
        "curve / cnn: 0.91 ± 0.01 (n = 3, per run: its value at step 5, the curve's last point)",
        MLP_END,
    ]


def test_explain_of_a_curve_re_run_from_other_code_names_the_run_the_code_and_the_mix(tmp_path, cli):
    two_models_built(tmp_path, cli)
    write_run(tmp_path, "mlp", 1, 0.95, NEW)
    (tmp_path / "runs" / "mlp_s1" / "config.json").write_text(
        json.dumps({"model": "mlp", "seed": 1, "lr": 0.01})
    )
    assert cli("collect").exit_code == 0
    lines = cli("explain", "curve", "mlp").output.splitlines()
    assert lines[:2] == [
        "curve / mlp: 0.86 ± 0.09 (n = 3, per run: its value at step 5, the curve's last point)",
        "  ! the outputs built last show 0.81 ± 0.01 (n = 3), not this: the store changed since: 1 run re-run "
        "from other code (mlp_s1: aaaaaaaaaa → bbbbbbbbbb); run `resultsbook build`",
    ]
    assert rows(lines)[1] == ("mlp_s1", "1", "finished", "bbbbbbbbbb", "0.96")
    assert "  differ in lr: none, 0.01" in lines  # the other runs record no lr
    assert "  ! mixes 2 git commits (aaaaaaa, bbbbbbb)" in lines


def test_explain_a_bar_as_its_cell_and_every_name_is_the_locks(tmp_path, cli):
    two_models_built(tmp_path, cli)
    result = cli("explain", "bars", "mlp")
    lines = result.output.splitlines()
    assert lines[0] == "bars / mlp: 0.81 ± 0.01 (n = 3, per run: last at step 5)"
    assert [row[0] for row in rows(lines)] == ["mlp_s0", "mlp_s1", "mlp_s2"]
    assert [row[-1] for row in rows(lines)] == ["0.8", "0.81", "0.82"]
    lock = json.loads((tmp_path / "out" / "resultsbook.lock").read_text())["entries"]
    for figure in ("curve", "bars"):
        document = json.loads(cli("explain", figure, "--json").output)
        explained = {cell["cell"]: cell for cell in document["cells"]}
        assert set(explained) == set(lock[f"figures.{figure}"]["values"]) == {"cnn", "mlp"}
        for name, kept in lock[f"figures.{figure}"]["values"].items():
            assert explained[name]["shown"] == kept["value"]
            assert sorted(run["run_id"] for run in explained[name]["runs"]) == kept["runs"]
    curve = json.loads(cli("explain", "curve", "cnn", "--json").output)["cells"][0]
    assert (curve["kind"], curve["reduce"], curve["built"]) == (
        "curve",
        "its value at step 5, the curve's last point",
        "",
    )
    assert [(run["replicate"], run["value"]) for run in curve["runs"]] == [
        ({"seed": 0}, 0.9),
        ({"seed": 1}, 0.91),
        ({"seed": 2}, 0.92),
    ]


def test_a_misspelt_curve_or_bar_is_answered_with_the_one_meant(tmp_path, cli):
    two_models_built(tmp_path, cli)
    curve = cli("explain", "curve", "mpl")
    assert curve.exit_code == 2
    assert curve.output.strip() == "Error: no curve of figure 'curve' matches 'mpl'; did you mean 'mlp'?"
    bar = cli("explain", "bars", "cn")  # part of a name is every bar it is part of: cnn
    assert bar.output.startswith("bars / cnn: ")
    assert "did you mean 'bars'?" in cli("explain", "bras").output


def seed_2_ends_at_step_4(tmp_path, cli):  # type: ignore[no-untyped-def]
    """Build a curve drawn where 2 of its 3 seeds reach (min_seeds = 2): seed 2 logged steps 1-4 of 5."""
    (tmp_path / "resultsbook.toml").write_text(
        FIGURES.replace('hue = "model"', 'hue = "model"\nmin_seeds = 2')
    )
    for seed in range(3):
        write_run(tmp_path, "mlp", seed, 0.8, "a" * 40)
    short = tmp_path / "runs" / "mlp_s2" / "metrics.jsonl"
    short.write_text("".join(short.read_text().splitlines(keepends=True)[:4]))  # steps 1-4
    assert cli("build").exit_code == 0


def test_a_seed_that_ends_before_the_curves_last_point_is_listed_without_a_value(tmp_path, cli):
    """With min_seeds = 2 a curve is drawn to where 2 of its 3 seeds reach: the seed that stopped earlier
    is listed with no value there, and the figure's note on that curve says where it ends."""
    seed_2_ends_at_step_4(tmp_path, cli)
    lines = cli("explain", "curve").output.splitlines()
    assert lines[0] == (
        "curve / mlp: 0.805 ± 0.007 (n = 2, per run: its value at step 5, interpolated linearly where it "
        "logged no point there, the curve's last point)"
    )
    assert [row[-1] for row in rows(lines)] == ["0.8", "0.81", "nan"]
    assert (
        "  = mean 0.805 ± std 0.00707107 (ddof = 1) of the 2 values above, 1 run without a value left out"
        in lines
    )
    assert (
        "  ! 1 of 5 grid points average fewer than its 3 seeds (down to 2: seed 2 ends at step 4, the others at 5)"
        in lines
    )


def test_a_figure_named_by_its_output_file_lists_each_of_its_bars(tmp_path, cli):
    two_models_built(tmp_path, cli)
    assert cli("explain", str(Path("out") / "bars.pdf")).output.startswith("bars / cnn: ")


def test_shell_completion_of_explain_offers_figures_and_their_outputs(tmp_path, cli):
    from test_cli_contract import _complete

    two_models_built(tmp_path, cli)
    assert _complete(tmp_path, "resultsbook explain cu") == ["curve"]
    assert _complete(tmp_path, "resultsbook explain out/b") == ["out/bars.pdf"]


def test_a_profile_figure_is_refused_in_one_line_naming_the_table_to_explain(tmp_path, cli):
    from test_tasks import atari_like_project

    atari_like_project(tmp_path, {"ours": {"A": [5, 6, 7], "B": [50, 60, 70]}, "base": {"A": [1, 2, 3], "B": [10, 20, 30]}})
    with open(tmp_path / "resultsbook.toml", "a") as handle:
        handle.write('\n[figures.profile]\nkind = "profile"\ntable = "agg"\noutputs = ["profile.png"]\n')
    result = cli("explain", "profile", "--collect")
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines()[-1] == (
        "Error: 'profile' is a performance-profile figure, and explain shows the runs behind a table's cell, a "
        "figure's curve or bar, or a number; its lines count the tasks of [tables.agg]: explain agg"
    )


def test_a_curves_json_gives_the_step_its_header_names_once(tmp_path, cli):
    """The header said `its value at step 5, the curve's last point`, but the curve's JSON had
    `"step": null` and its runs no step; setting the step made the text say ` at step 5` again after it."""
    seed_2_ends_at_step_4(tmp_path, cli)
    [curve] = json.loads(cli("explain", "curve", "mlp", "--json").output)["cells"]
    assert curve["step"] == 5
    # the seed that ends at step 4 has no value at the curve's last point, nor a step
    assert [(run["name"], run["step"]) for run in curve["runs"]] == [("mlp_s0", 5), ("mlp_s1", 5), ("mlp_s2", None)]
    lines = cli("explain", "curve", "mlp").output.splitlines()
    assert lines[0].count("step 5") == 1 and lines[0].endswith("the curve's last point)")
    assert lines[1].split() == ["run", "name", "seed", "status", "commit", "source", "value"]
