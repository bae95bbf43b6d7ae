"""The notebook example runs: the code cells of explore.ipynb are executed in order, as a kernel
would, each cell's last expression displayed (HTML when it has one), and the notebook holds the
same cells as explore.py (its percent-format source).

The cells are executed here rather than in a Jupyter kernel so the test needs no Jupyter: ipykernel
brings wcwidth, which changes how tabulate pads wide characters (see tests/snapshots/grid.md)."""

from __future__ import annotations

import ast
import json
import os
import re
import tempfile
from typing import Any

from conftest import ROOT

NOTEBOOK = ROOT / "examples" / "notebook"


def percent_cells(text: str) -> list[tuple[str, str]]:
    """Split a percent-format script into (cell type, source) pairs, as Jupytext reads it."""
    cells = []
    for chunk in re.split(r"^# %%", text, flags=re.M)[1:]:
        header, _, body = chunk.partition("\n")
        body = body.strip("\n")
        if "[markdown]" in header:
            # `# # Title` is the heading `# Title`; a bare `#` is an empty line
            lines = [
                line[2:] if line.startswith("# ") else line.removeprefix("#") for line in body.splitlines()
            ]
            cells.append(("markdown", "\n".join(lines)))
        else:
            cells.append(("code", body))
    return cells


def notebook_cells() -> list[tuple[str, str]]:
    """Return (cell type, source) of every cell of explore.ipynb."""
    document = json.loads((NOTEBOOK / "explore.ipynb").read_text())
    assert document["nbformat"] == 4
    return [(cell["cell_type"], "".join(cell["source"])) for cell in document["cells"]]


def run_cell(source: str, namespace: dict[str, Any]) -> Any:
    """Execute a code cell; return its last expression's value, as a notebook displays it."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)


def test_the_notebook_holds_the_cells_of_its_script():
    document = json.loads((NOTEBOOK / "explore.ipynb").read_text())
    assert notebook_cells() == percent_cells((NOTEBOOK / "explore.py").read_text())
    assert all(not cell.get("outputs") for cell in document["cells"])  # committed without outputs


def test_the_notebook_runs_and_shows_the_table_with_its_marks(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the folder it makes goes with the test's
    namespace: dict[str, Any] = {"__name__": "__main__"}
    shown = []
    try:
        for kind, source in notebook_cells():
            if kind == "code":
                shown.append(run_cell(source, namespace))
    finally:
        os.chdir(tmp_path)  # the notebook moves into a folder of its own
        if "book" in namespace:
            namespace["book"].close()
    printed = capsys.readouterr().out
    assert "19 new, 0 updated, 0 unchanged, 0 problems" in printed
    assert "\\begin{tabular}" in printed and "paper/main.tex" in printed
    runs, by_config = shown[3], shown[4]
    assert len(runs) == 5 and list(runs.columns)[:2] == ["name", "status"]
    assert list(by_config["count"]) == [5, 4, 5, 5]
    table_html = shown[6]._repr_html_()
    assert "<strong>" in table_html and "<sup>*</sup>" in table_html
    assert "fewer replicates than expected" in table_html
    # as its text says: a best not significantly better than the runner-up is marked too (it was not)
    assert "°" in table_html and "not significantly better than the runner-up" in table_html
    frame = shown[7]
    assert frame.loc["large", ("hard", "n")] == 4
    assert "incomplete" in frame.loc["large", ("hard", "marks")].split(",")  # and provenance, in a dirty tree
    assert "nonsig" in frame.loc["large", ("easy", "marks")].split(",")
    assert list(tmp_path.glob("resultsbook-notebook-*")) == []  # its temporary folder is removed at the end
    status = shown[9].set_index(["model", "dataset"])
    assert status.loc[("large", "hard"), ["found", "expected", "missing"]].tolist() == [4, 5, [4]]
