"""Numbers as a reader reads them: a negative number has a minus sign in the pm and sub tables and in the
text (outside math LaTeX sets the '-' of -9.9 as a hyphen, visibly shorter than the minus of −9.9;
siunitx sets its own), and a cell's marks stand apart from its power of ten."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import compile_latex, write_native_run

from resultsbook.outputs.build import build
from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.spec import load_spec
from resultsbook.store import Store

SPEC = """
[[sources]]
path = "runs"

[macros]
output = "numbers.tex"

[macros.values]
drop = { difference = ["pm/b", "pm/a"] }
"""
TABLE = """
[tables.{style}]
metric = "score"
rows = ["method"]
highlight = "none"
style = "{style}"
outputs = ["{style}.tex"]
"""
STYLES = ("pm", "sub")


def test_negative_numbers_get_a_minus_sign_in_tables_and_in_the_text(tmp_path: Path) -> None:
    for method, values in {"a": [-9.8, -9.9, -10.0], "b": [-20.0, -20.2, -20.4]}.items():
        for seed, value in enumerate(values):
            config = {"method": method, "seed": seed}
            write_native_run(tmp_path / "runs" / f"{method}{seed}", config, [{"step": 1, "score": value}])
    spec_text = SPEC + "".join(TABLE.format(style=style) for style in STYLES)
    (tmp_path / "resultsbook.toml").write_text(spec_text)
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    store = Store.open(spec.db)
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    build(spec, store)
    store.close()
    tables = "".join(rf"\input{{{style}.tex}}\par " for style in STYLES)
    body = rf"{tables} Text: \rbvalue[pm]{{pm/a}}; drop \drop{{}}."
    pdf = compile_latex(tmp_path, r"\input{numbers.tex}" + "\n" + body, packages=("booktabs",))
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: apt-get install poppler-utils")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "-9.9" not in text and "-20.2" not in text  # a hyphen
    # U+2212 MINUS SIGN: each table, and the text; a std of 0.1 (0.09999999999999964 as the floats fell)
    # reads to one decimal
    assert text.count("−9.9 ±") + text.count("−9.9±") == len(STYLES) + 1
    assert "drop −10.3." in " ".join(text.split())


def _project(root: Path, values: dict[str, list[float]], spec: str) -> None:
    """Write one run per value (method, seed) logging `score`, the spec, then collect and build."""
    for method, finals in values.items():
        for seed, value in enumerate(finals):
            config = {"method": method, "seed": seed}
            write_native_run(root / "runs" / f"{method}{seed}", config, [{"step": 1, "score": value}])
    (root / "resultsbook.toml").write_text('[[sources]]\npath = "runs"\n' + spec)
    loaded = load_spec(str(root / "resultsbook.toml"))
    store = Store.open(loaded.db)
    collect(store, [CollectRequest(path=str(root / "runs"))])
    build(loaded, store)
    store.close()


@pytest.mark.parametrize("style", ["pm", "sub", "siunitx", "siunitx-S"])
def test_a_mark_after_a_power_of_ten_is_not_read_as_part_of_the_exponent(tmp_path: Path, style: str) -> None:
    """4.063×10¹²*,# read as the exponent '12*,#': the marks now stand a thin space apart."""
    _project(
        tmp_path,
        {"a": [1.5e-9, 1.6e-9, 1.4e-9], "b": [2.5e-9]},  # b: one seed, marked
        TABLE.format(style=style) + "replicates = 3\n",
    )
    packages = ("booktabs", "siunitx") if style.startswith("siunitx") else ("booktabs",)
    pdf = compile_latex(tmp_path, rf"\input{{{style}.tex}}", packages=packages)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: apt-get install poppler-utils")
    words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split()
    assert not [word for word in words if word.endswith("9∗,#")]  # read as the exponent −9∗,#
    assert "∗,#" in words  # the marks, a word of their own after the exponent


def test_a_median_beside_a_diverged_runs_interval_keeps_its_digits_in_table_and_text(tmp_path: Path) -> None:
    """One diverged seed (2.3e6) gave the median 0.0123 the interval's power of ten: it printed
    `0.00e6 [0.00e6, 2.30e6]`, and `\\medDiv` 0.00×10⁶, a zero; each number now has a power of its own."""
    values = {"div": [0.0101, 0.0123, 0.0112, 0.0131, 2.3e6], "ok": [0.0201, 0.0223, 0.0212, 0.0231, 0.0251]}
    table = TABLE.format(style="pm") + 'center = "median"\nspread = "bootstrap"\nreplicates = 6\n'
    macros = '[macros]\noutput = "numbers.tex"\n[macros.values]\nmed = { cell = "pm/div" }\n'
    macros += (
        'high = { cell = "pm/div", stat = "bootstrap_hi" }\n'  # as the table prints it, not 2300000.0000
    )
    _project(tmp_path, values, table + macros)
    latex = (tmp_path / "pm.tex").read_text()
    # the mark a thin space after the last power of ten, as after a shared one
    assert r"div & 0.0123 {" in latex and r"[0.0101, 2.30\ensuremath{\times 10^{6}}]}\,$^{*}$ \\" in latex
    numbers = (tmp_path / "numbers.tex").read_text()
    assert (
        r"\newcommand{\med}{0.0123}" in numbers
        and r"\newcommand{\high}{2.30\ensuremath{\times 10^{6}}}" in numbers
    )


def test_a_diverged_rows_own_median_is_not_printed_as_zero_without_a_normal_row(tmp_path: Path) -> None:
    """With no normal row beside it the column took the diverged cell's format, no decimals: the table
    printed `0 [0, 2300000]` and `\\med` 0; each number now has a power of its own there too."""
    values = {"div": [0.0101, 0.0123, 0.0112, 0.0131, 2.3e6]}
    table = TABLE.format(style="pm") + 'center = "median"\nspread = "bootstrap"\nreplicates = 5\n'
    macros = '[macros]\noutput = "numbers.tex"\n[macros.values]\nmed = { cell = "pm/div" }\n'
    _project(tmp_path, values, table + macros)
    assert r"\selectfont[0.0101, 2.30\ensuremath{\times 10^{6}}]} \\" in (tmp_path / "pm.tex").read_text()
    assert r"div & 0.0123 {" in (tmp_path / "pm.tex").read_text()
    assert r"\newcommand{\med}{0.0123}" in (tmp_path / "numbers.tex").read_text()


def test_a_quoted_statistic_of_a_diverged_cell_is_not_printed_as_zero(tmp_path: Path) -> None:
    """The cell prints 0.46×10⁶ ± 1.03×10⁶ (a diverged seed's 2.3e6); its min 0.0101, quoted in that
    power of ten, read `0.00×10⁶`: a quoted statistic the cell's format prints as 0 has its own."""
    values = {"div": [0.0101, 0.0123, 0.0112, 0.0131, 2.3e6], "ok": [0.0201, 0.0223, 0.0212, 0.0231, 0.0251]}
    table = TABLE.format(style="pm") + 'stats = ["median", "bootstrap", "mean", "std", "min", "max"]\n'
    macros = '[macros]\noutput = "numbers.tex"\n[macros.values]\n'
    macros += 'least = { cell = "pm/div", stat = "min" }\nmost = { cell = "pm/div", stat = "max" }\n'
    _project(tmp_path, values, table + "replicates = 5\n" + macros)
    numbers = (tmp_path / "numbers.tex").read_text()
    assert r"\newcommand{\least}{0.0101}" in numbers
    assert r"\newcommand{\most}{2.30\ensuremath{\times 10^{6}}}" in numbers
    assert r"\@namedef{rb@v@median@pm/div}{0.0123}" in numbers
    assert r"\@namedef{rb@v@std@pm/div}{1.03\ensuremath{\times 10^{6}}}" in numbers  # as the table prints it


def test_a_named_statistic_over_runs_beside_a_diverged_seed_is_not_printed_as_zero(tmp_path, cli):
    """`med = { metric = "loss", stat = "median" }` over 0.0118-0.0142 and one seed's 2.3e6 was written
    `\\newcommand{\\med}{0}`: its decimals came from the spread the diverged seed makes."""
    rows = "".join(
        f"div,{seed},{loss}\n" for seed, loss in enumerate([0.0121, 0.0118, 0.0142, 0.0120, 2300000])
    )
    (tmp_path / "res.csv").write_text("model,seed,loss\n" + rows)
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "res.csv"\nadapter = "records"\n[macros]\noutput = "numbers.tex"\n'
        '[macros.values]\nmed = { metric = "loss", stat = "median" }\nlo = { metric = "loss", stat = "min" }\n'
        'mn = { metric = "loss", stat = "mean" }\n'
    )
    assert cli("build").exit_code == 0
    written = (tmp_path / "numbers.tex").read_text()
    for line in ("\\newcommand{\\med}{0.0121}", "\\newcommand{\\lo}{0.0118}", "\\newcommand{\\mn}{460000}"):
        assert line in written
    rows = "".join(f"div,{seed},{loss}\n" for seed, loss in enumerate([0.62, 0.64, 0.4, 0.63, 2300000]))
    (tmp_path / "res.csv").write_text("model,seed,loss\n" + rows)  # not 0, but 1: as far off
    assert cli("build").exit_code == 0
    assert "\\newcommand{\\med}{0.630}" in (tmp_path / "numbers.tex").read_text()
