"""A k-shot tree of LLM runs: param values with numbers in them are ordered by those numbers (columns
read 0_shot, 1_shot, ..., 10_shot, as a paper prints them, not 0_shot, 10_shot, 1_shot), and status
counts a cell's replicates per pooled prompt variant, as the table does.

The fixture mimics upalbhattacharya/eswc_2026_submission_13@c01b7ee766a3d492c478e9bf9eca168a684b219f:
results/<k>_shot/<model>/<ontology>/<uuid>/runs/run_<i>/pred_metrics.json, beside a params.json.
"""

from __future__ import annotations

import json

from resultsbook.params import sort_key

PATTERN = "{shots}/{model}/{ontology}/{variant}/runs/{run}/pred_metrics.json"
SHOTS = ["0_shot", "1_shot", "2_shot", "10_shot"]


def write_tree(root):
    for index, shots in enumerate(SHOTS):
        for run in (1, 2):
            folder = root / shots / "gpt-4o" / "wines-ontology" / "2e2ddb82" / "runs" / f"run_{run}"
            folder.mkdir(parents=True)
            (folder / "params.json").write_text(json.dumps({"prompt_strategy_type": shots}))
            metrics = {"r_prec": {"wine-1": 1.0}, "macro_r_prec": 0.5 + index / 10 + run / 100}
            (folder / "pred_metrics.json").write_text(json.dumps(metrics))


def test_table_columns_follow_the_numbers_in_their_values(cli, tmp_path):
    write_tree(tmp_path / "results")
    collected = cli(
        "collect", "results", "--adapter", "onefile", "--pattern", PATTERN, "-o", "ignore=r_prec.*"
    )
    assert collected.exit_code == 0, collected.output
    table = cli(
        "table", "--rows", "model", "--columns", "shots", "--metric", "macro_r_prec", "--replicate", "run"
    )
    assert table.exit_code == 0, table.output
    header = table.output.splitlines()[0].split()
    assert header == ["model", *SHOTS]


def test_a_filter_matching_nothing_lists_the_values_in_that_order(cli, tmp_path):
    write_tree(tmp_path / "results")
    cli("collect", "results", "--adapter", "onefile", "--pattern", PATTERN, "-o", "ignore=r_prec.*")
    table = cli("table", "--rows", "model", "--metric", "macro_r_prec", "--where", "shots=11_shot")
    assert table.exit_code == 1
    assert "shots has: 0_shot, 1_shot, 2_shot, 10_shot;" in table.output


def test_names_alike_but_for_zeros_keep_one_order():
    assert sorted(["a1", "a01", "a2", "a10"], key=sort_key) == ["a01", "a1", "a2", "a10"]
    assert sorted(["a01", "a1"], key=sort_key) == sorted(["a1", "a01"], key=sort_key)


def test_status_counts_the_replicates_of_each_pooled_value_as_the_table_does(cli, tmp_path):
    """The table said `n = 4 of 12 (3 per pooled variant)` where status said `1 of 3, missing run
    run_2, run run_3`: it counted the runs' names across the four prompt variants of a cell."""
    plan = {("gpt-4o", "a"): (1, 2, 3), ("gpt-4o", "b"): (1,), ("llama3-8B", "a"): (1, 2, 3)}
    for (model, variant), runs in plan.items():
        for run in runs:
            folder = (
                tmp_path / "results" / "0_shot" / model / "wines-ontology" / variant / "runs" / f"run_{run}"
            )
            folder.mkdir(parents=True)
            (folder / "pred_metrics.json").write_text(json.dumps({"macro_r_prec": 0.5 + run / 100}))
    (tmp_path / "resultsbook.toml").write_text(
        "[[sources]]\n"
        'path = "results"\n'
        'adapter = "onefile"\n'
        f'pattern = "{PATTERN}"\n\n'
        "[tables.main]\n"
        'metric = "macro_r_prec"\n'
        'rows = ["model"]\n'
        'replicate = ["run"]\n'
        'pool = ["variant"]\n'
        'outputs = ["results.md"]\n'
    )
    assert cli("build").exit_code == 0
    table = cli("table", "main")
    assert "n = 4 of 6 (3 per pooled variant; fewer in variant b)" in table.output
    status = cli("status")
    assert "gpt-4o: 4 of 6, missing (variant=b, run=run_2), (variant=b, run=run_3)" in status.output
