"""A spread that is not zero but prints as zero at the table's decimals (`0.82 ± 0.00`) reads as seeds
that agree exactly: `table`, `build` and the Python API say which cell, its spread, and the decimals
that print it."""

from __future__ import annotations

from pathlib import Path

import resultsbook as rb
from resultsbook.outputs.build import build
from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.spec import load_spec
from resultsbook.store import Store

# seeds of model a on y agree to 2e-4; the others spread by a few hundredths
ACC = {
    ("a", "x"): [0.81, 0.85, 0.79],
    ("a", "y"): [0.8201, 0.8203, 0.8199],
    ("b", "x"): [0.70, 0.75, 0.72],
    ("b", "y"): [0.60, 0.66, 0.61],
}


def write_runs(make_run, values=ACC) -> None:
    for (model, dataset), accuracies in values.items():
        for seed, acc in enumerate(accuracies):
            make_run(
                f"{model}-{dataset}-{seed}",
                {"model": model, "dataset": dataset, "seed": seed},
                [{"step": 1, "acc": acc}],
            )


def test_table_at_fixed_digits_names_the_cell_whose_spread_prints_as_zero(cli, make_run) -> None:
    write_runs(make_run)
    assert cli("collect", "runs", "--db", "r.db").exit_code == 0
    args = (
        "table",
        "--db",
        "r.db",
        "--rows",
        "model",
        "--columns",
        "dataset",
        "--metric",
        "acc",
        "--goal",
        "acc=max",
    )
    fixed = cli(*args, "--digits", "2")
    assert "0.82 ± 0.00" in fixed.output
    warnings = [line for line in fixed.output.splitlines() if "prints as" in line]
    assert warnings == [
        "Warning: table: a / y: its std, 0.0002, prints as 0.00 at 2 decimal(s), which reads as replicates that "
        "agree exactly; --digits 4 prints it"
    ]
    chosen = cli(*args)  # the column's decimals come from its spreads: 0.8201 ± 0.0002
    assert "0.8201 ± 0.0002" in chosen.output and "prints as" not in chosen.output


def test_seeds_that_agree_exactly_are_not_said_to_round(cli, make_run) -> None:
    write_runs(make_run, {**ACC, ("a", "y"): [0.82, 0.82, 0.82]})
    assert cli("collect", "runs", "--db", "r.db").exit_code == 0
    result = cli(
        "table", "--db", "r.db", "--rows", "model", "--columns", "dataset", "--metric", "acc", "--digits", "2"
    )
    assert "0.82 ± 0.00" in result.output and "prints as" not in result.output


def test_build_and_the_api_say_it_in_their_own_words(tmp_path: Path, make_run) -> None:
    write_runs(make_run)
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\nrows = ["model"]\ncolumns = ["dataset"]\n'
        'goal = "max"\ndigits = 2\nspread = "sem"\noutputs = ["t.md"]\n'
    )
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    with Store.open(spec.db) as store:
        collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
        report = build(spec, store)
    lines = [f.line() for f in report.findings if f.kind == "rounding"]
    assert lines == [
        "t: a / y: its sem, 0.00012, prints as 0.00 at 2 decimal(s), which reads as replicates that agree exactly; "
        "digits = 4 prints it"
    ]
    with rb.open(tmp_path / "resultsbook.toml") as book:
        notes = book.spec_table("t").notes
    assert (
        "a / y: its sem, 0.00012, prints as 0.00 at 2 decimal(s), which reads as replicates that agree exactly; digits=4 prints it"
        in notes
    )


# losses near 1e-4 put the column in millionths (`128e-6 ± 17e-6`); c's seeds near 3e-7 print 0e-6
LOSS = {
    ("a", "x"): [1.2e-4, 1.5e-4, 1.1e-4, 1.3e-4],
    ("b", "x"): [2.2e-4, 2.0e-4, 2.6e-4, 2.1e-4],
    ("c", "x"): [3.1e-4, 3.102e-4, 3.099e-4, 3.1015e-4],  # a spread 1000 times smaller than the cell
}


def test_a_spread_printed_as_zero_in_a_power_of_ten_is_named_as_at_plain_decimals(cli, make_run) -> None:
    """`0e-6 ± 0e-6` was never named: the zero test stripped `0.` from `0e-6` and found `e-6` left."""
    write_runs(make_run, LOSS)
    assert cli("collect", "runs", "--db", "r.db").exit_code == 0
    result = cli("table", "--db", "r.db", "--rows", "model", "--metric", "acc", "--goal", "acc=min")
    assert "310e-6 ± 0e-6" in result.output
    warnings = [line for line in result.output.splitlines() if "prints as" in line]
    assert warnings == [
        "Warning: table: c: its std, 1.4e-07, prints as 0e-6 at 0 decimal(s), which reads as replicates that "
        "agree exactly; --digits 1 prints it"
    ]


def test_an_interval_whose_two_ends_print_alike_is_named(cli, make_run) -> None:
    """`310e-6 [310e-6, 310e-6]` (seeds from 309.9e-6 to 310.2e-6) was never checked: only a ± was."""
    write_runs(make_run, LOSS)
    assert cli("collect", "runs", "--db", "r.db").exit_code == 0
    args = ("table", "--db", "r.db", "--rows", "model", "--metric", "acc", "--goal", "acc=min")
    result = cli(*args, "--stat", "mean,minmax")
    assert "310e-6 [310e-6, 310e-6]" in result.output
    warnings = [line for line in result.output.splitlines() if "prints as" in line]
    assert warnings == [
        "Warning: table: c: its minmax, [0.0003099, 0.0003102], prints as [310e-6, 310e-6] at 0 decimal(s), "
        "which reads as replicates that agree exactly; --digits 1 prints it"
    ]
    shown = cli(*args, "--stat", "mean,minmax", "--digits", "1")
    assert "310.1e-6 [309.9e-6, 310.2e-6]" in shown.output and "prints as" not in shown.output


def test_metrics_as_rows_are_read_to_each_metrics_decimals(cli, make_run) -> None:
    for model, scores, regrets in (
        ("a", [52.0, 60.0, 45.0], [0.070, 0.066, 0.074]),
        ("b", [94.0, 96.0, 92.0], [0.025, 0.024, 0.026]),
    ):
        for seed, (score, regret) in enumerate(zip(scores, regrets)):
            make_run(
                f"{model}-{seed}",
                {"model": model, "seed": seed},
                [{"step": 1, "score": score, "regret": regret}],
            )
    assert cli("collect", "runs", "--db", "r.db").exit_code == 0
    args = ("table", "--db", "r.db", "--metric", "score", "--metric", "regret")
    as_rows = cli(*args, "--rows", "metric", "--columns", "model").output.splitlines()
    # a row's decimals come from its own metric's spreads, as a column's do when the metrics are columns
    assert as_rows[2:4] == [
        "score            52 ± 8         94 ± 2",
        "regret    0.070 ± 0.004  0.025 ± 0.001",
    ]
    as_columns = cli(*args, "--rows", "model", "--columns", "metric").output.splitlines()
    assert as_columns[2:4] == [
        "a            52 ± 8      0.070 ± 0.004",
        "b        **94 ± 2**  **0.025 ± 0.001**",
    ]
