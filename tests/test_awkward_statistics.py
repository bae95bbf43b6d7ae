"""Statistics on awkward data, as a reviewer reads them: one seed, infinite values, small bootstrap
samples and probabilities of improvement say what they are, and never a spread or a reason they do
not have."""

from __future__ import annotations

import json
import math

from conftest import curve

from resultsbook.query.stats import describe


def _table(cli, *args: str) -> str:
    cli("collect", "runs")
    result = cli("table", "--rows", "model", *args)
    assert result.exit_code == 0, result.output
    return result.output


def _seeds(make_run, values_by_model, key="return"):
    for model, values in values_by_model.items():
        for seed, value in enumerate(values):
            make_run(f"{model}{seed}", {"model": model, "seed": seed}, curve([value], key=key))


def test_a_single_value_has_no_spread_whatever_the_ddof():
    assert math.isnan(describe([5.0], ["std", "sem"], ddof=0)["std"])  # numpy's population std says 0
    assert math.isnan(describe([5.0], ["std", "sem"], ddof=0)["sem"])
    assert describe([5.0, 7.0], ["std"], ddof=0)["std"] == 1.0


def test_a_one_seed_cell_prints_no_spread_not_a_zero_one(make_run, cli):
    _seeds(make_run, {"a": [1.0, 2.0, 3.0], "b": [5.0]})
    for stat in ("mean,std", "mean,sem", "median,iqr", "mean,minmax"):
        output = _table(cli, "--metric", "return", "--goal", "max", "--stat", stat, "--ddof", "0")
        line = next(line for line in output.splitlines() if line.startswith("b "))
        assert "±" not in line and "[" not in line, (stat, line)  # one seed says nothing of the spread
    document = json.loads(_table(cli, "--metric", "return", "--ddof", "0", "--format", "json"))
    assert [c["stats"]["std"] for c in document["cells"]] == [math.sqrt(2 / 3), None]
