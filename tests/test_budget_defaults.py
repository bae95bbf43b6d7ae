"""A budget in [defaults] is best-mean's: entries whose reductions do not read it build as before."""

from __future__ import annotations

from conftest import write_native_run

SPEC = """[[sources]]
path = "runs"
[defaults]
reduce = "best-mean"
budget = 2
[tables.main]
metric = "acc"
goal = "max"
rows = ["model"]
outputs = ["out/main.md"]
[tables.loss]
metric = "loss"
goal = "min"
reduce = "min"
rows = ["model"]
outputs = ["out/loss.md"]
[tables.both]
metrics = [{ name = "loss", reduce = "last" }, { name = "acc", goal = "max" }]
rows = ["model"]
outputs = ["out/both.md"]
"""


def test_a_defaults_budget_is_unread_where_an_entry_reduces_otherwise(tmp_path, cli):
    """A [defaults] budget made every table refused that reduced with min, last(20), or a metrics
    entry's own reduce: TOML cannot unset an inherited key, so the spec could not be built at all."""
    for seed in range(2):
        points = [
            {"step": step, "acc": 0.5 + step / 10 + seed / 100, "loss": 1 - step / 10} for step in range(1, 5)
        ]
        write_native_run(tmp_path / "runs" / f"s{seed}", {"model": "mlp", "seed": seed}, points)
    (tmp_path / "resultsbook.toml").write_text(SPEC)
    built = cli("build")
    assert built.exit_code == 0, built.output
    assert "up to step 2" in (tmp_path / "out" / "main.md").read_text()  # where best-mean reads it
    assert "per run: min." in (tmp_path / "out" / "loss.md").read_text()
    assert "| mlp     | 0.600 ± 0.000# |" in (tmp_path / "out" / "loss.md").read_text()  # 1 - 4/10
    (tmp_path / "resultsbook.toml").write_text(
        SPEC + '[tables.own]\nmetric = "loss"\nreduce = "min"\nbudget = 2\n'
    )
    refused = cli("build")
    assert refused.exit_code == 2
    assert "[tables.own] budget = 2 is the last step best-mean considers" in refused.output


def test_a_table_s_own_budget_that_none_of_its_metrics_reads_is_refused(tmp_path, cli):
    """A table's budget beside metrics entries that all reduce with max was dropped silently."""
    write_native_run(tmp_path / "runs" / "s0", {"model": "mlp", "seed": 0}, [{"step": 1, "acc": 0.5}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.u]\nmetrics = [{ name = "acc", reduce = "max" }]\nbudget = 2\n'
        'rows = ["model"]\noutputs = ["u.md"]\n'
    )
    refused = cli("build")
    assert refused.exit_code == 2
    assert refused.output.endswith(
        "Error: resultsbook.toml: [tables.u] budget = 2 is the last step best-mean considers, and its metrics "
        "reduce each run with 'max': set reduce = \"best-mean\", or remove budget\n"
    )
