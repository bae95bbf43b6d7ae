"""The preview PDF: every table, figure and number under its spec name, exactly the packages needed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import require_pdflatex
from figure_project import accuracy, make_project

from resultsbook.errors import NotFoundError
from resultsbook.outputs.preview import INSTALL_TEX, make_preview, preview_packages

EVERYTHING = """
[tables.loss]
metric = "loss"
rows = ["method"]
style = "siunitx"
outputs = ["results/loss.csv"]

[figures.curve]
kind = "curve"
metric = "acc"
hue = "method"
outputs = ["figures/curve.pdf"]

[figures.bar]
kind = "bar"
table = "table1"
outputs = ["figures/bar.pgf"]

[figures.web]
kind = "points"
table = "table1"
outputs = ["figures/web.svg"]

[macros]
output = "results/numbers.tex"

[macros.values]
gain_a = { difference = ["table1/ours/a", "table1/base/a"] }
"""


def test_preview_loads_exactly_the_packages_the_outputs_need(tmp_path: Path) -> None:
    spec, store = make_project(tmp_path, EVERYTHING)
    store.close()
    assert preview_packages(spec) == ["booktabs", "siunitx", "graphicx", "pgf"]
    plain, store = make_project(tmp_path / "plain")
    store.close()
    assert preview_packages(plain) == ["booktabs"]


def test_preview_pdf_shows_every_table_figure_and_number(tmp_path: Path) -> None:
    require_pdflatex()
    spec, store = make_project(tmp_path, EVERYTHING)
    result = make_preview(spec, store)
    store.close()
    assert result.pdf == str(tmp_path / "resultsbook-preview.pdf")
    assert Path(result.pdf).read_bytes().startswith(b"%PDF")
    assert (tmp_path / "figures/bar.pgf").exists() and (tmp_path / "results/numbers.tex").exists()
    if shutil.which("pdftotext") is None:
        pytest.skip(
            "pdftotext is not installed (apt-get install poppler-utils): the PDF's text is not checked"
        )
    text = subprocess.run(["pdftotext", result.pdf, "-"], capture_output=True, text=True, check=True).stdout
    for heading in ("Table table1", "Table loss", "Figure curve", "Figure bar", "Figure web", "\\gainA"):
        assert heading in text
    gain = accuracy("ours", "a", 0, 100) - accuracy(
        "base", "a", 0, 100
    )  # same seeds: the means differ by this
    assert f"\\gainA\n\n{gain:.1f}" in text
    assert "Only SVG outputs" in text  # the SVG-only figure is named, not silently skipped
    assert "Mean ± std (ddof = 1) over n = 3 seeds" in text  # \rbnote worked


def test_preview_without_tex_says_what_to_install(
    tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, store = make_project(tmp_path)
    store.close()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = cli("preview")
    assert result.exit_code == 1
    assert result.output == f"Error: {INSTALL_TEX}\n"
    with pytest.raises(NotFoundError, match="install TeX Live"):
        make_preview(spec, None)  # type: ignore[arg-type]
