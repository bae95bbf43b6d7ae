"""Three typos of a user's first hour, each answered in one line naming where it is and the fix: a key
listed twice in a table, a word given to a number option, a [[sources]] entry that matches nothing."""

from __future__ import annotations

import pytest
from conftest import curve

import resultsbook as rb
from resultsbook.errors import ResultsbookError, SpecError
from resultsbook.spec import load_spec

SPEC = """
[tables.t1]
metric = "acc"
{keys}
outputs = ["results/t1.md"]
"""


@pytest.mark.parametrize(
    ("keys", "said"),
    [
        ('rows = ["model", "model"]', "row key 'model' is listed twice; list it once"),
        ('rows = ["model"]\ncolumns = ["model"]', "'model' is both a row and a column key; keep it in one"),
        ('rows = ["model"]\ncolumns = ["dataset", "dataset"]', "column key 'dataset' is listed twice; list it once"),
    ],
)
def test_a_key_twice_in_a_spec_table_names_the_file_the_table_and_the_key(tmp_path, keys, said):
    """`rows = ["model", "model"]` built a table whose every row read `mlp  mlp`, silently."""
    (tmp_path / "resultsbook.toml").write_text(SPEC.format(keys=keys))
    with pytest.raises(SpecError) as error:
        load_spec(str(tmp_path / "resultsbook.toml"))
    assert str(error.value) == f"resultsbook.toml: [tables.t1]: {said}"


def test_a_row_key_twice_is_refused_by_the_command_line_and_python_alike(tmp_path, cli, make_run):
    for model in ("logreg", "mlp"):
        make_run(f"{model}_0", {"model": model, "dataset": "moons", "seed": 0}, curve([0.5, 0.7]))
    cli("collect", "runs")
    for rows in (["--rows", "model", "--rows", "model"], ["--rows", "model,model"]):
        result = cli("table", *rows, "--metric", "acc")
        assert (result.exit_code, result.output) == (2, "Error: row key 'model' is listed twice; list it once\n")
    with rb.open(str(tmp_path / "resultsbook.db")) as book, pytest.raises(ResultsbookError) as error:
        book.table(rows=["model", "model"], metric="acc")
    assert str(error.value) == "row key 'model' is listed twice; list it once"
