"""Tables fit a venue's column: every style and option (marks and their notes, grouped headers, row
groups, siunitx, floats, fit modes, multirow, longtable) compiled in an ICML-like two-column page
and a NeurIPS-like single column, with no overfull box from a generated table."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest
from conftest import curve
from paper_pages import compile_page, describe, imitated_preamble

from resultsbook.query import MetricSpec, TableQuery, aggregate
from resultsbook.render import LatexOptions, TableFormat, render_table
from resultsbook.render.layout import Labels
from resultsbook.sources.collect import CollectRequest, collect

STYLES = ("pm", "sub", "siunitx", "siunitx-S")
FITS = ("natural", "scale", "tabular*", "tabularx")
LABELS = Labels(
    keys={"model": "Model", "family": "Family", "dataset": "Dataset"},
    values={
        "model": {"logreg": "Logistic regression", "mlp": "MLP (16 hidden)", "resnet": "ResNet-18"},
        "family": {"linear": "Linear", "neural": "Neural"},
        "dataset": {"circles": "Circles", "moons": "Moons"},
    },
)
MODELS = {"logreg": ("linear", 62.0), "mlp": ("neural", 90.0), "resnet": ("neural", 89.5)}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """Runs whose cells carry every mark: missing and too few seeds, mixed configs, a failed run,
    a duplicate seed, a run without the metric, mixed git commits, a best that is not significant."""
    from conftest import write_native_run

    from resultsbook.store import Store

    root = tmp_path_factory.mktemp("fit")
    number = itertools.count()
    for model, (family, level) in MODELS.items():
        for dataset in ("circles", "moons"):
            seeds = [0, 1] if (model, dataset) == ("resnet", "circles") else [0, 1, 2, 3, 4]
            if (model, dataset) == ("mlp", "moons"):
                seeds = [0, 1, 2]
            if (model, dataset) == ("resnet", "moons"):
                seeds = [0, 1, 2, 3, 4, 4]
            for index, seed in enumerate(seeds):
                acc = level + (5 if dataset == "moons" else 0) + 1.7 * math.sin(3 * seed + len(model))
                lr = 0.01 if (model, dataset, index) == ("logreg", "circles", 0) else 0.1
                config = {"model": model, "family": family, "dataset": dataset, "seed": seed, "lr": lr}
                mixed_code = (model, dataset) == ("resnet", "moons") and index % 2
                run: dict = {"status": "finished", "git": {"commit": "a1" if mixed_code else "b2"}}
                if (model, dataset, index) == ("logreg", "moons", 1):
                    run["status"] = "failed"
                metrics = curve([acc / 2, acc], key="acc") + curve([0.9, 0.3 + index / 50], key="loss")
                if (model, dataset, index) == ("mlp", "circles", 4):
                    metrics = curve([acc / 2, math.nan], key="acc") + curve([0.9, 0.4], key="loss")
                write_native_run(root / "runs" / f"run{next(number)}", config, metrics, run)
    opened = Store.open(str(root / "resultsbook.db"))
    collect(opened, [CollectRequest(str(root / "runs"))])
    yield opened
    opened.close()


def main_table(store):
    """Models × datasets: two value columns, every mark."""
    query = TableQuery(
        metrics=(MetricSpec("acc"),), rows=("model",), columns=("dataset",), expected=5, ddof=1
    )
    return aggregate(store, query)


def grouped_table(store):
    """Family/model row groups × dataset/metric grouped headers: four value columns."""
    query = TableQuery(
        metrics=(MetricSpec("acc", label="Acc."), MetricSpec("loss", label="Loss", direction="min")),
        rows=("family", "model"),
        columns=("dataset", "metric"),
        expected=5,
    )
    return aggregate(store, query)


def write_tables(folder: Path, variants) -> list[Path]:
    """Write each variant's LaTeX to its own file; return the files."""
    files = []
    for name, table, fmt, options in variants:
        path = folder / f"{name}.tex"
        path.write_text(render_table(table, "latex", fmt, LABELS, options))
        files.append(path)
    return files


def page_body(files: list[Path], floats: dict[str, bool]) -> str:
    """Put every table on the page: floats as they are (a page break after every few), bare tables
    in a center environment, as a paper would place them."""
    parts = []
    for index, path in enumerate(files):
        if floats.get(path.stem):
            parts.append(rf"\input{{{path.name}}}")
        else:
            parts += [r"\begin{center}", rf"\input{{{path.name}}}", r"\end{center}", ""]
        if index % 6 == 5:
            parts.append(r"\clearpage")
    return "\n".join(parts)


def variants_for(store, venue: str):
    """Every style × fit × placement of the main table; the grouped table (wider than a column) with
    and without multirow, scaled or across both columns of a two-column page."""
    main, grouped = main_table(store), grouped_table(store)
    out = []
    for style, fit, placement in itertools.product(STYLES, FITS, ("bare", "table", "table*")):
        options = LatexOptions(
            float=placement != "bare", float_env="table*" if placement == "table*" else "table",
            caption=f"{style} {fit}", fit=fit,
        )  # fmt: skip
        out.append((f"main-{style}-{fit.replace('*', 'star')}-{placement.replace('*', 'star')}", main,
                    TableFormat(style=style, digits=1), options))  # fmt: skip
    for style, multirow in itertools.product(STYLES, (False, True)):
        # four value columns are wider than either column: scaled, or across an ICML page's two columns
        wide = "natural" if venue == "icml" else "scale"
        for fit, placement in (("scale", "bare"), ("scale", "table"), (wide, "table*")):
            options = LatexOptions(
                float=placement != "bare", float_env=placement if placement != "bare" else "table",
                caption="grouped", fit=fit, multirow=multirow,
            )  # fmt: skip
            name = f"grouped-{style}-{'multirow' if multirow else 'plain'}-{fit}-{placement.replace('*', 'star')}"
            out.append((name, grouped, TableFormat(style=style, digits=2), options))
    return out


@pytest.mark.parametrize("venue", ["icml", "neurips"])
def test_every_style_and_option_fits_the_column_without_overfull_boxes(store, venue, tmp_path):
    variants = variants_for(store, venue)
    files = write_tables(tmp_path, variants)
    floats = {name: options.float for name, _, _, options in variants}
    options, preamble, _ = imitated_preamble(venue)
    compiled = compile_page(
        tmp_path, page_body(files, floats), files, options, preamble,
        packages=("booktabs", "siunitx", "graphicx", "tabularx", "multirow"),
    )  # fmt: skip
    assert compiled.generated_overfull == [], describe(compiled.generated_overfull)
    text = (tmp_path / "main-pm-natural-bare.tex").read_text()
    for symbol in (r"\circ", r"\dagger", r"\ddagger", r"\S", r"\P", r"\|", r"\#", "*"):
        assert f"$^{{{symbol}}}$ " in text, symbol  # every mark's note is on the page


def test_a_table_wider_than_the_column_is_reported_and_fit_scale_makes_it_fit(store, tmp_path):
    grouped = grouped_table(store)
    variants = [
        ("wide", grouped, TableFormat(digits=2), LatexOptions()),
        ("scaled", grouped, TableFormat(digits=2), LatexOptions(fit="scale")),
    ]
    files = write_tables(tmp_path, variants)
    options, preamble, _ = imitated_preamble("icml")
    compiled = compile_page(
        tmp_path, page_body(files, {}), files, options, preamble, packages=("booktabs", "graphicx")
    )
    assert [name for name, _ in compiled.generated_overfull] == ["wide.tex"]
    assert compiled.generated_overfull[0][1].points > 20


def test_notes_wrap_inside_the_width_of_the_table(store, tmp_path):
    """The notes never widen a table: with and without its notes, the same table is as wide."""
    from dataclasses import replace

    from resultsbook.render.latex import render_latex
    from resultsbook.render.layout import layout_table

    layout = layout_table(main_table(store), TableFormat(digits=1), LABELS)
    assert len(layout.footnotes) == 8  # every mark explained, each a long line
    (tmp_path / "notes.tex").write_text(render_latex(layout, "pm"))
    (tmp_path / "bare.tex").write_text(render_latex(replace(layout, footnotes=(), stat_note=""), "pm"))
    assert r"\begin{minipage}{\wd\rbtablebox}" in (tmp_path / "notes.tex").read_text()
    files = [tmp_path / "notes.tex", tmp_path / "bare.tex"]
    body = "\n".join(
        rf"\setbox0\hbox{{\input{{{path.name}}}}}\typeout{{WIDTH-{path.stem}=\the\wd0}}" for path in files
    )
    options, preamble, _ = imitated_preamble("icml")
    compiled = compile_page(tmp_path, body, files, options, preamble)
    bare = float(compiled.typeout("WIDTH-bare").removesuffix("pt"))
    notes = float(compiled.typeout("WIDTH-notes").removesuffix("pt"))
    assert notes == pytest.approx(bare, abs=0.01) and bare < 234.8775  # the table fits an ICML column


def test_a_long_table_breaks_across_pages_with_its_header_repeated(store, tmp_path):
    from resultsbook.query.model import ResultTable

    main = main_table(store)
    rows = tuple((f"model {i}",) for i in range(80))
    cell = next(iter(main.cells.values()))
    cells = {(row, column): cell for row in rows for column in main.columns}
    long = ResultTable(main.query, main.row_keys, main.column_keys, rows, main.columns, cells, main.expected)
    options = LatexOptions(longtable=True, caption="Every model", label="tab:long")
    files = write_tables(tmp_path, [("long", long, TableFormat(digits=1), options)])
    text = files[0].read_text()
    assert (
        r"\begin{longtable}{lcc}" in text
        and r"\endhead" in text
        and r"\caption{Every model}\label{tab:long}\\" in text
    )
    classes, preamble, _ = imitated_preamble("neurips")
    compiled = compile_page(
        tmp_path, r"\input{long.tex}", files, classes, preamble, packages=("booktabs", "longtable")
    )
    assert compiled.generated_overfull == [], describe(compiled.generated_overfull)
    pages = int(compiled.log.split("Output written on doc.pdf (")[1].split(" page")[0])
    assert pages >= 2


def test_siunitx_tables_print_the_uncertainty_separately_in_the_text_font(store, tmp_path):
    import shutil
    import subprocess

    main = main_table(store)
    files = write_tables(
        tmp_path,
        [
            ("num", main, TableFormat(style="siunitx", digits=1), LatexOptions()),
            ("scol", main, TableFormat(style="siunitx-S", digits=1), LatexOptions()),
        ],
    )
    assert (
        r"\sisetup{uncertainty-mode = separate, mode = match, retain-zero-uncertainty = true}"
        in files[0].read_text()
    )
    compile_page(tmp_path, r"\input{num.tex}\par\input{scol.tex}", files, packages=("booktabs", "siunitx"))
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", "doc.pdf", "-"], cwd=tmp_path, capture_output=True, text=True
        ).stdout
        shown = [line for line in text.splitlines() if line.strip().startswith(("Logistic", "MLP"))]
        assert all("±" in line and "(" not in line.replace("(16 hidden)", "") for line in shown), shown


def test_siunitx_tables_print_a_spread_that_rounds_to_zero(tmp_path):
    """CORL's regret on door-cloned-v1: every seed 1.00, std 0.00. siunitx drops a zero uncertainty, so
    the siunitx cells read `1.00` under a note saying `Mean ± std`, where the pm style prints `1.00 ± 0.00`."""
    import shutil
    import subprocess

    from conftest import write_native_run

    from resultsbook.store import Store

    for model, values in {"awac": [1.0, 1.0, 1.0], "spot": [0.99, 0.97, 0.98]}.items():
        for seed, value in enumerate(values):
            config = {"model": model, "seed": seed}
            write_native_run(tmp_path / "runs" / f"{model}{seed}", config, curve([value], key="regret"))
    with Store.open(str(tmp_path / "resultsbook.db")) as opened:
        collect(opened, [CollectRequest(str(tmp_path / "runs"))])
        table = aggregate(
            opened, TableQuery(metrics=(MetricSpec("regret", direction="min"),), rows=("model",))
        )
    files = write_tables(
        tmp_path,
        [
            (style, table, TableFormat(style=style, digits=2), LatexOptions())
            for style in ("siunitx", "siunitx-S")
        ],
    )
    compile_page(
        tmp_path, r"\input{siunitx.tex}\par\input{siunitx-S.tex}", files, packages=("booktabs", "siunitx")
    )
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    text = subprocess.run(
        ["pdftotext", "-layout", "doc.pdf", "-"], cwd=tmp_path, capture_output=True, text=True
    ).stdout
    shown = [" ".join(line.split()) for line in text.splitlines() if line.strip().startswith("awac")]
    assert shown == ["awac 1.00 ± 0.00", "awac 1.00 ± 0.00"], text


def test_a_table_is_one_box_wherever_a_paper_puts_it(store, tmp_path):
    """Bare, in a minipage, framed, and shrunk by the author's own \\resizebox: it behaves like a tabular."""
    files = write_tables(tmp_path, [("t", main_table(store), TableFormat(digits=1), LatexOptions())])
    body = "\n".join(
        [
            r"\setbox0\hbox{\resizebox{\columnwidth}{!}{\input{t.tex}}}\typeout{RESIZED=\the\wd0}",
            r"\begin{minipage}{0.9\linewidth}\input{t.tex}\end{minipage}",
            r"\fbox{\input{t.tex}}",
            r"\begin{center}\input{t.tex}\input{t.tex}\end{center}",  # twice in a row: the box is reused
        ]
    )
    options, preamble, _ = imitated_preamble("icml")
    compiled = compile_page(tmp_path, body, files, options, preamble, packages=("booktabs", "graphicx"))
    assert float(compiled.typeout("RESIZED").removesuffix("pt")) == pytest.approx(234.8775, abs=0.01)
    assert compiled.typeout("COLUMNWIDTH") == "234.8775pt"


@pytest.mark.parametrize(
    ("style", "options", "missing", "loaded"),
    [
        ("pm", LatexOptions(), "booktabs", ()),
        ("siunitx", LatexOptions(float=True), "siunitx", ("booktabs",)),
        ("pm", LatexOptions(fit="tabularx"), "tabularx", ("booktabs",)),
        ("pm", LatexOptions(multirow=True), "multirow", ("booktabs",)),
    ],
)
def test_a_paper_without_a_package_its_table_needs_stops_with_one_error_naming_it(
    store, tmp_path, style, options, missing, loaded
):
    """IEEEtran's and ACL's templates load no booktabs: the table stopped LaTeX with `Undefined control
    sequence` at \\toprule, then \\midrule and \\bottomrule, naming no package."""
    import os
    import subprocess

    from conftest import require_pdflatex

    from resultsbook.outputs.texlog import LOG_ENV

    pdflatex = require_pdflatex()
    table = grouped_table(store) if options.multirow else main_table(store)
    [path] = write_tables(tmp_path, [("t", table, TableFormat(style=style), options)])
    preamble = "".join(rf"\usepackage{{{package}}}" for package in loaded)
    (tmp_path / "doc.tex").write_text(
        rf"\documentclass{{article}}{preamble}\begin{{document}}\input{{{path.name}}}\end{{document}}" + "\n"
    )
    subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "doc.tex"],
        cwd=tmp_path, capture_output=True, timeout=120, env={**os.environ, **LOG_ENV},
    )  # fmt: skip
    errors = [line for line in (tmp_path / "doc.log").read_text().splitlines() if line.startswith("!")]
    needs = (
        f"! Package resultsbook Error: This table needs \\usepackage{{{missing}}} in the paper's preamble."
    )
    assert errors == [needs]


@pytest.mark.parametrize("float_env", ["table", "table*"])
def test_a_float_table_input_inside_the_papers_own_float_stops_with_one_error_naming_the_fix(
    store, tmp_path, float_env
):
    """`float = "table*"` in the spec, and the paper still wraps the \\input in its own \\begin{table*}, as the
    quickstart's paper does: LaTeX (IEEEtran, acmart, article) stopped with `Not in outer par mode`, naming nothing."""
    import os
    import subprocess

    from conftest import require_pdflatex

    from resultsbook.outputs.texlog import LOG_ENV

    pdflatex = require_pdflatex()
    options = LatexOptions(float=True, float_env=float_env, caption="Main.")
    [path] = write_tables(tmp_path, [("t", main_table(store), TableFormat(), options)])
    wrapped = rf"\begin{{{float_env}}}\centering\caption{{Results.}}\input{{{path.name}}}\end{{{float_env}}}"
    said = 'float = "table*"' if float_env == "table*" else "float = true"
    stop = (
        f"! Package resultsbook Error: This table is a float itself, {said} in the spec: \\input it outside "
        "the paper's table or figure environment."
    )
    for body, errors in [
        (wrapped, [stop]),
        (rf"\input{{{path.name}}}", []),  # as the spec means it: input on its own, it floats
    ]:
        (tmp_path / "doc.tex").write_text(
            rf"\documentclass[twocolumn]{{article}}\usepackage{{booktabs}}\begin{{document}}{body}\end{{document}}"
        )
        subprocess.run(
            [pdflatex, "-interaction=nonstopmode", "doc.tex"],
            cwd=tmp_path, capture_output=True, timeout=120, env={**os.environ, **LOG_ENV},
        )  # fmt: skip
        log = (tmp_path / "doc.log").read_text()
        assert [line for line in log.splitlines() if line.startswith("!")] == errors


def test_the_underlined_runner_up_of_an_s_column_is_aligned_on_the_decimal_point(store, tmp_path):
    """An S column centred the runner-up (`{\\underline{\\num{89.6(8)}}}`, a text cell), 2.4pt off the
    decimal point of the numbers above it; it is a number now, underlined from its first digit to its last."""
    import re
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    table = main_table(store)
    files = write_tables(
        tmp_path, [("scol", table, TableFormat(style="siunitx-S", digits=1), LatexOptions())]
    )
    underlined = [line.split(" & ")[0] for line in files[0].read_text().splitlines() if "underline" in line]
    assert underlined == ["ResNet-18"]  # the runner-up of both columns
    preamble = (r"\pdfcompresslevel=0",)  # the rules stay readable in the PDF
    compile_page(tmp_path, r"\input{scol.tex}", files, preamble=preamble, packages=("booktabs", "siunitx"))
    bbox = subprocess.run(
        ["pdftotext", "-bbox", "doc.pdf", "-"], cwd=tmp_path, capture_output=True, text=True
    )
    words = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', bbox.stdout
    )
    rows = {text: top for _, top, _, text in words if text in ("Logistic", "ResNet-18")}
    numbers = {
        label: [
            (float(left), float(right))
            for left, top, right, text in words
            if top == y and re.fullmatch(r"\d+\.\d", text)
        ]
        for label, y in rows.items()
    }
    # centre and spread of each column, every number with one decimal: aligned points end them alike
    assert [right for _, right in numbers["ResNet-18"]] == pytest.approx(
        [right for _, right in numbers["Logistic"]], abs=0.01
    )
    rules = re.findall(
        rb"1 0 0 1 ([\d.]+) [\d.]+ cm\s*\[\]0 d 0 J [\d.]+ w 0 0 m ([\d.]+) 0 l S",
        (tmp_path / "doc.pdf").read_bytes(),
    )
    spans = [(float(x), float(x) + float(length)) for x, length in rules]
    (first, _), (_, last) = numbers["ResNet-18"][:2]
    assert any(
        start == pytest.approx(first, abs=0.1) and end == pytest.approx(last, abs=0.1) for start, end in spans
    ), spans


@pytest.mark.parametrize(
    ("models", "longtable", "warned"), [(40, False, True), (39, False, False), (60, True, False)]
)
def test_a_table_taller_than_a_page_is_warned_of_with_longtable_as_the_fix(
    tmp_path, cli, models, longtable, warned
):
    """149 rows of d3rlpy's D4RL runs built silently and ran off the page (`Overfull \\vbox (1350pt too
    high)`); 1,490 stopped pdflatex with `Dimension too large`. The rule is pdflatex's own: article's
    page holds 39 rows of the table and its notes, and the 40th runs off it."""
    from conftest import compile_latex, write_native_run

    for model in range(models):
        write_native_run(
            tmp_path / f"runs/m{model:02d}",
            {"model": f"m{model:02d}", "seed": 0},
            [{"step": 1, "acc": model / 100}],
        )
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nrows = ["model"]\nmetric = "acc"\ngoal = "max"\nreplicates = 1\n'
        f'longtable = {str(longtable).lower()}\noutputs = ["t.tex"]\n'
    )
    built = cli("build")
    assert built.exit_code == 0
    said = (
        f"Warning: t: t.tex has {models} rows, more than a page holds (10pt text: about 39, fewer with a caption "
        "or long notes): LaTeX does not break a table across pages and sets it off the page; set longtable = "
        "true (one-column pages) to break it, or split it with where"
    )
    assert (said in built.output.splitlines()) is warned, built.output
    compile_latex(tmp_path, r"\input{t.tex}", ("booktabs", "longtable"))
    log = (tmp_path / "doc.log").read_text()
    assert ("Overfull \\vbox" in log) is warned
