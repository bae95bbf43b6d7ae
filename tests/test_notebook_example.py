"""The notebook example runs: explore.ipynb is executed in a real Jupyter kernel, and it holds the
same cells as explore.py (its percent-format source)."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

NOTEBOOK = ROOT / "examples" / "notebook"


def percent_cells(text: str) -> list[tuple[str, str]]:
    """Split a percent-format script into (cell type, source) pairs, as Jupytext reads it."""
    cells = []
    for chunk in re.split(r"^# %%", text, flags=re.M)[1:]:
        header, _, body = chunk.partition("\n")
        body = body.strip("\n")
        if "[markdown]" in header:
            cells.append(
                (
                    "markdown",
                    "\n".join(line.removeprefix("# ").removeprefix("#") for line in body.splitlines()),
                )
            )
        else:
            cells.append(("code", body))
    return cells


def test_the_notebook_holds_the_cells_of_its_script():
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(NOTEBOOK / "explore.ipynb", as_version=4)
    assert [(c.cell_type, c.source) for c in notebook.cells] == percent_cells(
        (NOTEBOOK / "explore.py").read_text()
    )
    assert all(not c.get("outputs") for c in notebook.cells)  # committed without outputs


def test_the_notebook_runs_in_a_kernel_and_shows_the_table_with_its_marks(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(NOTEBOOK / "explore.ipynb", as_version=4)
    nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = {index: cell.outputs for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"}
    texts = ["".join(o.get("text", "") for o in cell) for cell in outputs.values()]
    assert "19 new, 0 updated, 0 unchanged, 0 problems" in texts[2]
    shown = [o for cell in outputs.values() for o in cell if o.get("output_type") == "execute_result"]
    table_html = next(
        o["data"]["text/html"] for o in shown if 'class="results"' in o["data"].get("text/html", "")
    )
    assert (
        "<strong>" in table_html
        and "<sup>*</sup>" in table_html
        and "fewer replicates than expected" in table_html
    )
