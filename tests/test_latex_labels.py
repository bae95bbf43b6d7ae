"""Labels that typeset: escaped by default, raw LaTeX only when the spec says so (tables and
figures), Unicode mapped to the standard LaTeX commands, and a warning naming the label and the
package to add for what the paper's packages cannot typeset. Labels and order per output."""

from __future__ import annotations

import logging
import shutil
import subprocess
import textwrap
import unicodedata
from pathlib import Path

import pytest
from conftest import compile_latex, require_pdflatex
from figure_project import BASE_SPEC, make_project, write_runs
from paper_pages import compile_page

from resultsbook.outputs.build import build, compute_outputs
from resultsbook.outputs.findings import finding_lines
from resultsbook.render.escape import RawLatex, escape_latex
from resultsbook.render.latexchars import (
    _DINGBATS,
    _GREEK,
    _GREEK_AS_LATIN,
    _MATH,
    _MATH_AMSSYMB,
    _TEXT,
    _TEXT_COMPANION,
    _TEXT_T1,
    latex_char,
    latex_to_text,
)
from resultsbook.render.plots import figure_text, mathtext_drawable

ACCENTED = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿčćđěęłńňőřśšşťůűźżžÀÉÎÕÜÇČŠŽŁŐŰăąęīōū"


def every_mapped_character() -> str:
    tables = (_TEXT, _TEXT_COMPANION, _TEXT_T1, _MATH, _GREEK, _GREEK_AS_LATIN, _MATH_AMSSYMB, _DINGBATS)
    return "".join(char for table in tables for char in table) + ACCENTED


def test_every_mapped_character_compiles_with_exactly_the_packages_it_names(tmp_path: Path) -> None:
    require_pdflatex()
    needs: dict[str, list[str]] = {}
    for char in every_mapped_character():
        latex, requirement = latex_char(char)
        assert latex and latex != char, char  # every one becomes a LaTeX command or ASCII
        needs.setdefault(requirement.line if requirement else "", []).append(char)
    for line, chars in needs.items():
        folder = tmp_path / f"doc{len(line)}"
        folder.mkdir()
        body = " ".join(escape_latex(char) for char in chars)
        preamble = [line] if line else []
        (folder / "doc.tex").write_text(
            "\\documentclass{article}\n"
            + "\n".join(preamble)
            + f"\n\\begin{{document}}\n{body}\n\\end{{document}}\n"
        )
        result = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=folder,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        log = (folder / "doc.log").read_text(errors="replace")
        assert result.returncode == 0, [line for line in log.splitlines() if line.startswith("!")]
        assert "Missing character" not in log, "a mapping typesets nothing in this font"


def test_unicode_in_a_label_becomes_the_standard_latex_commands() -> None:
    assert escape_latex("α ε ϵ φ ϕ Ω") == (
        r"\ensuremath{\alpha} \ensuremath{\varepsilon} \ensuremath{\epsilon} \ensuremath{\varphi} "
        r"\ensuremath{\phi} \ensuremath{\Omega}"
    )
    assert escape_latex("†‡§¶±×≤≥→") == (
        r"\textdagger{}\textdaggerdbl{}\S{}\P{}\ensuremath{\pm}\ensuremath{\times}\ensuremath{\leq}"
        r"\ensuremath{\geq}\ensuremath{\rightarrow}"
    )
    assert escape_latex("Gödel, Dvořák, Łukasiewicz, naïve") == (
        r"G\"{o}del, Dvo\v{r}\'{a}k, \L{}ukasiewicz, na\"{\i}ve"
    )
    assert escape_latex("TabM♠ ♥") == r"TabM\ensuremath{\spadesuit} \ding{170}"
    assert (
        escape_latex("a\u200bb\x07c") == r"a\textbackslash{}u200bb c"
    )  # a zero-width space is shown, as in every output; a control character is a space


def test_a_character_without_a_latex_command_is_kept_never_a_question_mark() -> None:
    assert escape_latex("数据 集") == "数据 集"
    assert "?" not in escape_latex("Шум 🙂 中")


def test_raw_latex_labels_read_as_plain_text_elsewhere() -> None:
    assert latex_to_text(r"MLP$^\dagger$") == "MLP†"
    assert latex_to_text(r"TabM$^\spadesuit$") == "TabM♠"
    assert latex_to_text(r"\textsc{Ours} ($\lambda = 0.1$)") == "Ours (λ = 0.1)"
    assert latex_to_text(r"Caf\'{e} \"u na\"{\i}ve \v{c}") == "Café ü naïve č"
    assert latex_to_text(r"50\% \& more --- done") == "50% & more — done"
    label = RawLatex(r"MLP$^\dagger$")
    assert str(label) == "MLP†" and escape_latex(label) == r"MLP$^\dagger$"
    assert str(RawLatex(r"\emph{x}", "X*")) == "X*"


def project_with_labels(root: Path, labels: str, extra: str = "", top: str = ""):
    """The figure project with its `[labels.values.method]` replaced by `labels`."""
    from resultsbook.sources.collect import CollectRequest, collect
    from resultsbook.spec import load_spec
    from resultsbook.store import Store

    head, _, rest = BASE_SPEC.partition("[labels.values.method]")
    base = head + labels + "\n" + rest.split("\n\n", 1)[1]
    write_runs(root / "runs")
    (root / "resultsbook.toml").write_text(textwrap.dedent(top) + base + textwrap.dedent(extra))
    spec = load_spec(str(root / "resultsbook.toml"))
    store = Store.open(spec.db)
    collect(store, [CollectRequest(path=str(root / "runs"))])
    return spec, store


SPEC_LABELS = r"""[labels.values.method]
base = "Baseline"
ours = { latex = 'Ours$^\dagger$' }
big = { latex = '\textsc{Big}$_{\mathrm{L}}$', text = "Big-L" }
"""


def test_a_label_given_as_latex_is_typeset_as_written_and_escaped_values_stay_escaped(tmp_path: Path) -> None:
    spec, store = project_with_labels(
        tmp_path,
        SPEC_LABELS,
        """
        [tables.t2]
        metric = "acc"
        rows = ["method"]
        columns = ["dataset"]
        digits = 1
        outputs = ["results/t2.tex", "results/t2.md"]
        labels = { values = { dataset = { a = '$\\alpha$-set', b = { latex = '$\\beta$-set' } } } }
        """,
    )
    build(spec, store)
    tex = (tmp_path / "results/t2.tex").read_text()
    assert r"Ours$^\dagger$" in tex and r"\textsc{Big}$_{\mathrm{L}}$" in tex
    assert r"\$\textbackslash{}alpha\$-set" in tex  # a plain string is escaped, even when it looks like LaTeX
    assert r"$\beta$-set" in tex
    markdown = (tmp_path / "results/t2.md").read_text()
    assert "Ours†" in markdown and "Big-L" in markdown and "β-set" in markdown
    compile_latex(tmp_path / "results", r"\input{t2.tex}")
    store.close()


def test_a_table_or_figure_overrides_labels_and_order_for_itself_only(tmp_path: Path) -> None:
    spec, store = make_project(
        tmp_path,
        """
        [tables.mine]
        metric = "acc"
        rows = ["method"]
        order = { method = ["big", "ours", "base"] }
        labels = { keys = { method = "Approach" }, values = { method = { ours = "OURS (this paper)" } } }
        outputs = ["results/mine.md"]

        [figures.bars]
        kind = "bar"
        table = "mine"
        outputs = ["figures/bars.svg"]

        [figures.curves]
        kind = "curve"
        metric = "acc"
        hue = "method"
        order = { method = ["ours"] }
        labels = { values = { method = { big = "Large" } } }
        outputs = ["figures/curves.svg"]
        """,
    )
    results = compute_outputs(spec, store).results
    outputs = {path: data for result in results for path, data in result.outputs.items()}
    mine = outputs[str(tmp_path / "results/mine.md")].decode()
    assert "Approach" in mine and "OURS (this paper)" in mine
    assert mine.index("Big model") < mine.index("OURS") < mine.index("Baseline")
    table1 = outputs[str(tmp_path / "results/table1.md")].decode()
    assert "Method" in table1 and "| Ours " in table1  # the spec's labels elsewhere
    from resultsbook.outputs.figures import figure_data

    bars = figure_data(spec, spec.figures["bars"], store, store.runs(), {})
    assert [label for _, label, _ in bars.data.legend] == ["Big model", "OURS (this paper)", "Baseline"]
    curves = figure_data(spec, spec.figures["curves"], store, store.runs(), {})
    assert [label for _, label, _ in curves.data.legend] == ["Ours", "Baseline", "Large"]
    # the colours stay the project's whatever the order: Ours has its colour in both figures
    assert (
        dict((k, look) for k, _, look in bars.data.legend)["ours"]
        == dict((k, look) for k, _, look in curves.data.legend)["ours"]
    )
    store.close()


def test_a_label_needing_a_package_is_a_warning_naming_the_label_and_the_package(tmp_path: Path) -> None:
    labels = '[labels.values.method]\nbase = "Łąka"\nours = "数据"\nbig = "Big ✓"\n'
    spec, store = project_with_labels(tmp_path, labels)
    results = compute_outputs(spec, store).results
    texts = [f.text for r in results for f in r.findings if f.kind == "typeset"]
    assert r"label 'Łąka': ą cannot be typeset without \usepackage[T1]{fontenc}" in texts[0]
    assert any("label '数据': 数 据 cannot be typeset without" in t and "CJKutf8" in t for t in texts)
    assert any(r"label 'Big ✓': ✓ cannot be typeset without \usepackage{amssymb}" in t for t in texts)
    store.close()
    # once the paper has the packages (said in the spec), no warning; the table compiles with them
    text = (tmp_path / "resultsbook.toml").read_text().replace('ours = "数据"\n', "")
    (tmp_path / "resultsbook.toml").write_text(
        'preamble = ["\\\\usepackage[T1]{fontenc}", "\\\\usepackage{amssymb}"]\n' + text
    )
    from resultsbook.spec import load_spec
    from resultsbook.store import Store

    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    with Store.open(spec.db) as store:
        build_report = build(spec, store)
    assert not [f for f in build_report.findings if f.kind == "typeset"]
    preamble = [r"\usepackage[T1]{fontenc}", r"\usepackage{amssymb}"]
    compile_page(tmp_path / "results", r"\input{table1.tex}", [], preamble=preamble)


def test_a_value_written_decomposed_keeps_its_accents_and_a_mark_latex_lacks_is_said(
    tmp_path: Path, cli
) -> None:
    """A method `Re\\u0301sume\\u0301` (accents written decomposed, NFD, as macOS tools do) printed
    `Resume` in the LaTeX table and `Résumé` in Markdown, and nothing was said: each combining accent
    was dropped on its own. A mark LaTeX has no accent for (`v\\u20d7`) is said, not dropped unseen."""
    from conftest import write_native_run

    for method, value in (("Re\u0301sume\u0301", 0.5), ("v\u20d7", 0.4)):
        for seed in range(3):
            config = {"method": method, "seed": seed}
            write_native_run(tmp_path / "runs" / f"{value}{seed}", config, [{"step": 1, "acc": value}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\ngoal = "max"\nrows = ["method"]\n'
        'outputs = ["t.tex"]\n'
    )
    cli("collect", "runs")
    built = cli("build")
    assert built.exit_code == 0, built.output
    assert (
        "Warning: t: label 'v\u20d7': v\u20d7 cannot be typeset without XeLaTeX or LuaLaTeX" in built.output
    )
    table = (tmp_path / "t.tex").read_text()
    assert "R\\'{e}sum\\'{e} & " in table and "\nv & " in table
    assert escape_latex("a&\u0301b") == "a\\&b"  # a mark on a special character leaves it escaped
    compiled = compile_page(tmp_path, r"\input{t.tex}", [])
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: apt-get install poppler-utils")
    text = subprocess.run(
        ["pdftotext", str(compiled.folder / "doc.pdf"), "-"], capture_output=True, text=True
    )
    assert "Résumé" in unicodedata.normalize("NFC", text.stdout)  # an OT1 accent is read back decomposed


def test_superscripts_fractions_and_currency_in_a_label_need_nothing_beyond_pdflatex(tmp_path: Path) -> None:
    """`Test R²`, `½`, `‰`, `€`: LaTeX's kernel has a command for each (text companion symbols), but
    build warned that they `cannot be typeset without XeLaTeX or LuaLaTeX` and wrote them as they are."""
    labels = '[labels.values.method]\nbase = "Test R²"\nours = "½ of the data, 5‰"\nbig = "€3 at 20℃"\n'
    spec, store = project_with_labels(tmp_path, labels)
    with store:
        report = build(spec, store)
    assert [f.text for f in report.findings if f.kind == "typeset"] == []
    table = (tmp_path / "results/table1.tex").read_text()
    assert (
        r"Test R\texttwosuperior{}" in table and r"\textonehalf{} of the data, 5\textperthousand{}" in table
    )
    assert "Test R²" in (tmp_path / "results/table1.md").read_text()
    compile_page(tmp_path / "results", r"\input{table1.tex}", [], preamble=[r"\usepackage{times}"])


def test_figure_labels_in_latex_are_mathtext_where_matplotlib_can_and_plain_text_where_not() -> None:
    assert figure_text(RawLatex(r"MLP$^\dagger$"), pgf=False) == (r"MLP$^\dagger$", True)
    assert figure_text(RawLatex(r"MLP$^\dagger$"), pgf=True) == (r"MLP$^\dagger$", False)
    assert figure_text(RawLatex(r"\textsc{Ours}"), pgf=False) == ("Ours", False)
    assert figure_text("50% $x$", pgf=False) == ("50% $x$", False)  # plain text is never parsed
    assert figure_text("50% $x$", pgf=True) == (r"50\% \$x\$", False)
    assert mathtext_drawable(r"TabM$^\spadesuit$") and not mathtext_drawable(r"$\notamacro$")


def test_figures_draw_raw_latex_labels_and_say_when_they_cannot(tmp_path: Path) -> None:
    labels = r"""[labels.values.method]
base = "Baseline"
ours = { latex = 'Ours$^\dagger$' }
big = { latex = '\textsc{Big}' }
"""
    spec, store = project_with_labels(
        tmp_path,
        labels,
        """
        [figures.bars]
        kind = "bar"
        table = "table1"
        outputs = ["figures/bars.svg", "figures/bars.pgf"]
        """,
    )
    results = compute_outputs(spec, store).results
    figure = next(r for r in results if r.name == "figures.bars")
    pgf = figure.outputs[str(tmp_path / "figures/bars.pgf")].decode()
    assert r"Ours$^\dagger$" in pgf and r"\textsc{Big}" in pgf
    notes = [f.text for f in figure.findings]
    assert any("label '\\textsc{Big}' is drawn as its plain text 'Big' in bars.svg" in n for n in notes), (
        notes
    )
    store.close()
    (tmp_path / "figures").mkdir(exist_ok=True)
    (tmp_path / "figures/bars.pgf").write_bytes(figure.outputs[str(tmp_path / "figures/bars.pgf")])
    compile_latex(tmp_path / "figures", r"\input{bars.pgf}", packages=("pgf",))


@pytest.mark.parametrize("value", [r"MLP$^\dagger$", r"\input{/etc/passwd}"])
def test_values_from_logs_that_look_like_latex_are_escaped(value: str) -> None:
    assert "$" not in escape_latex(value).replace(r"\$", "") and r"\input" not in escape_latex(value)


def test_values_the_fonts_would_join_are_typeset_as_written_and_apart(tmp_path: Path, cli) -> None:
    """Run names as argparse command lines give them (`--lr=0.1`), beside names with the dash and
    quotes they would turn into: pdflatex's fonts join -- into –, --- into —, `` ` `` is ‘ and '' is ”,
    so `--lr=0.1` and `–lr=0.1` were one label in the PDF, `--lr` printed as `–lr`."""
    import shutil

    from conftest import write_native_run

    values = ["--lr=0.1", "–lr=0.1", "`tick`", "‘tick‘", "a---b", "a—b", "f''", "f”", "–-x"]
    for index, method in enumerate(values):
        for seed in range(3):
            config = {"method": method, "seed": seed}
            write_native_run(tmp_path / "runs" / f"r{index}_{seed}", config, [{"step": 1, "acc": 0.5}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\ngoal = "max"\nrows = ["method"]\n'
        'outputs = ["t.tex"]\n',
        encoding="utf-8",
    )
    built = cli("build")
    assert built.exit_code == 0, built.output
    pdf = compile_latex(tmp_path, "\\input{t.tex}", packages=("booktabs",))
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: apt-get install poppler-utils")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    shown = [line.strip() for line in text.splitlines()]
    written = {"f''": "f’’", "`tick`": "`tick`"}  # an apostrophe is ’, as ’ itself is
    expected = [written.get(value, value) for value in values]
    assert len(set(expected)) == len(values) and [line for line in expected if line not in shown] == []


def test_a_figure_label_its_font_cannot_draw_is_one_note_not_a_warning_per_drawing(tmp_path: Path) -> None:
    labels = '[labels.values.method]\nbase = "基线"\nours = "Ours"\nbig = "Big"\n'
    spec, store = project_with_labels(
        tmp_path, labels, '[figures.bars]\nkind = "bar"\ntable = "table1"\noutputs = ["figures/bars.png"]\n'
    )
    results = compute_outputs(spec, store).results  # pytest turns any Python warning into an error
    notes = [f.text for r in results for f in r.findings if r.name == "figures.bars"]
    assert notes == [
        "label '基线': the font 'times' has no 基 线, drawn as empty boxes in bars.png; choose a font that "
        'has them (font = "Noto Sans CJK SC"...) or .pgf'
    ]
    store.close()


def test_a_figure_font_matplotlib_lacks_is_one_note_naming_the_font_it_is_drawn_in(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A `[style] font` this machine lacks was drawn in DejaVu Sans without a word in the build, while
    matplotlib logged `findfont: Font family 'X' not found.` at every text it drew."""
    spec, store = project_with_labels(
        tmp_path,
        '[labels.values.method]\nours = "Ours"\n',
        '[style]\nfont = "No Such Font Sans"\n\n'
        '[figures.bars]\nkind = "bar"\ntable = "table1"\noutputs = ["figures/bars.png", "figures/bars.pgf"]\n',
    )
    with caplog.at_level(logging.INFO, logger="matplotlib"):
        results = compute_outputs(spec, store).results
    store.close()
    notes = [f.text for r in results for f in r.findings if r.name == "figures.bars"]
    assert notes == [
        "the font 'No Such Font Sans' is not installed for matplotlib: what it draws (.pdf, .png, .svg) is "
        "in DejaVu Sans; install it (then delete matplotlib's font cache), or choose .pgf, which LaTeX sets "
        "in the paper's own font"
    ]
    assert [r.getMessage() for r in caplog.records if "findfont" in r.getMessage()] == []


def test_a_font_every_figure_lacks_is_said_once_for_all_of_them(tmp_path: Path) -> None:
    """An ACM paper's three figures on a machine without Linux Libertine said the same line three
    times (once per figure, and once per output of each)."""
    spec, store = project_with_labels(
        tmp_path,
        '[labels.values.method]\nours = "Ours"\n',
        '[style]\nfont = "No Such Font Sans"\n\n'
        '[figures.bars]\nkind = "bar"\ntable = "table1"\noutputs = ["figures/bars.png", "figures/bars.pdf"]\n\n'
        '[figures.again]\nkind = "bar"\ntable = "table1"\noutputs = ["figures/again.pdf"]\n',
    )
    findings = [f for r in compute_outputs(spec, store).results for f in r.findings]
    store.close()
    lines = [line for line in finding_lines(findings) if "No Such Font Sans" in line]
    assert lines == [
        "bars and again: the font 'No Such Font Sans' is not installed for matplotlib: what it "
        "draws (.pdf, .png, .svg) is in DejaVu Sans; install it (then delete matplotlib's font cache), or "
        "choose .pgf, which LaTeX sets in the paper's own font"
    ]
    assert len([line for line in finding_lines(findings, verbose=True) if "No Such Font Sans" in line]) == 2


def test_a_pgf_figure_pdflatex_cannot_measure_names_the_label_and_the_fix(tmp_path: Path) -> None:
    """It said 'pdflatex could not typeset a text of this figure (Error measuring {\\rmfamily...'."""
    figure = '[figures.bars]\nkind = "bar"\ntable = "table1"\noutputs = ["figures/bars.pgf"]\n'
    spec, store = project_with_labels(tmp_path, '[labels.values.method]\nours = "Ours 🚀"\n', figure)
    report = build(spec, store)
    store.close()
    [failure] = report.failed
    assert failure.entry == "figures.bars"
    assert "label 'Ours 🚀': 🚀 cannot be typeset without XeLaTeX" in failure.message
    assert "bars.pgf is measured with pdflatex: give the value a display name in [labels]" in failure.message
    assert "Error measuring" not in failure.message


def typeset_warnings(tmp_path: Path, table: str) -> list[str]:
    """Return the typesetting warnings of a project of SPEC_LABELS and this table."""
    spec, store = project_with_labels(tmp_path, SPEC_LABELS, table)
    texts = [f.text for r in compute_outputs(spec, store).results for f in r.findings if f.kind == "typeset"]
    store.close()
    return texts


def test_a_plain_caption_holding_latex_is_a_warning_that_names_the_latex_form(tmp_path: Path) -> None:
    r"""eswc_2026_submission_13's k-shot table: `caption = 'Macro R-precision (\%)'` printed `(\%)` in
    the PDF, backslash and all, without a word; the { latex = ... } form typesets it."""
    table = """
        [tables.t2]
        metric = "acc"
        rows = ["method"]
        float = true
        caption = 'Macro R-precision (\\%) by shots'
        outputs = ["results/t2.tex"]
        """
    texts = typeset_warnings(tmp_path, table)
    assert [t for t in texts if "Macro" in t] == [
        r"label 'Macro R-precision (\%) by shots': \% is printed as written, backslash included, since a "
        "plain label is text; to have LaTeX typeset it, write the label as { latex = '...' }, or drop the "
        "backslash (a plain % or & is escaped for you)"
    ]
    assert not [t for t in texts if "Ours" in t or "Big" in t]  # labels given as LaTeX are the user's own
    raw = table.replace(
        "'Macro R-precision (\\%) by shots'", "{ latex = 'Macro R-precision (\\%) by shots' }"
    )
    spec, store = project_with_labels(tmp_path / "raw", SPEC_LABELS, raw)
    report = build(spec, store)
    store.close()
    assert not [f for f in report.findings if f.kind == "typeset" and "Macro" in f.text]
    assert r"\caption{Macro R-precision (\%) by shots}" in (tmp_path / "raw/results/t2.tex").read_text()


def test_a_plain_label_holding_inline_math_is_a_warning_that_names_the_latex_form(tmp_path: Path) -> None:
    """A cross-validation table's `caption = 'Validation $R^2$ over 5 folds'` printed `$R^2$`, dollar signs
    and caret, without a word (no backslash to warn about); prices (`$5 and $10`) are no math."""
    table = """
        [tables.t2]
        metric = "acc"
        rows = ["method"]
        float = true
        caption = 'Validation $R^2$ over 5 folds, $5 and $10'
        outputs = ["results/t2.tex"]
        """
    texts = typeset_warnings(tmp_path, table)
    assert [t for t in texts if "Validation" in t] == [
        "label 'Validation $R^2$ over 5 folds, $5 and $10': $R^2$ is printed as written, dollar signs "
        "included, since a plain label is text; to have LaTeX typeset the math, write the label as "
        "{ latex = '...' }"
    ]


def test_a_value_from_the_logs_holding_a_command_is_called_a_param_value_with_its_display_name_fix(
    tmp_path: Path, make_run, cli
) -> None:
    r"""A run whose method is `\input{/etc/passwd}` was warned about as `label '\input{/etc/passwd}'`, as if
    the user had written it, and told to write the label as { latex = '...' }: the logs wrote it, and a
    display name in [labels.values.method] is what shows it otherwise."""
    for index, method in enumerate(("\\input{/etc/passwd}", "MLP $R^2$", "base")):
        for seed in range(3):
            config = {"method": method, "seed": seed}
            make_run(f"m{index}_{seed}", config, [{"step": 1, "acc": 0.5 + seed / 100}])
    spec = (
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\nrows = ["method"]\noutputs = ["t.tex"]\n'
    )
    (tmp_path / "resultsbook.toml").write_text(spec)
    result = cli("build")
    assert [line for line in result.output.splitlines() if "printed as written" in line] == [
        "Warning: t: param value method = 'MLP $R^2$': $R^2$ is printed as written, dollar signs included, as "
        "the logs hold it; to show it otherwise, give it a display name in [labels.values.method]",
        "Warning: t: param value method = '\\input{/etc/passwd}': \\input is printed as written, backslash "
        "included, as the logs hold it; to show it otherwise, give it a display name in [labels.values.method]",
    ], result.output
    named = (
        "\n[labels.values.method]\n'\\input{/etc/passwd}' = 'Evil'\n'MLP $R^2$' = { latex = 'MLP $R^2$' }\n"
    )
    (tmp_path / "resultsbook.toml").write_text(spec + named)
    assert "printed as written" not in cli("build").output
