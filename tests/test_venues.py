"""Venue presets: column widths exactly the venue's \\columnwidth (checked against the venues' own style
files where available), figures sized by name, the preview set on a venue's page and reporting what
sticks out, and the quickstart's tables fitting every venue's real template."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, compile_latex
from figure_project import make_project
from paper_pages import VENUES, compile_page, describe, imitated_preamble

from resultsbook.errors import SpecError
from resultsbook.outputs.build import build
from resultsbook.outputs.preview import make_preview
from resultsbook.render.venues import PT_PER_IN
from resultsbook.render.venues import VENUES as PRESETS
from resultsbook.spec import load_spec
from resultsbook.store import Store

# how each venue's own example paper starts: class options, class, preamble (style files from
# ../shared/venues, IEEEtran and llncs from TeX Live's texlive-publishers)
TEMPLATES = {
    "icml": ("", "article", [r"\usepackage{icml2025}"], "icml/icml2025.sty"),
    "neurips": (
        "",
        "article",
        [r"\usepackage{neurips_2024}", r"\usepackage[T1]{fontenc}"],
        "neurips/neurips_2024.sty",
    ),
    "iclr": ("", "article", [r"\usepackage{iclr2024_conference,times}"], "iclr/iclr2024_conference.sty"),
    "aaai": ("letterpaper", "article", [r"\usepackage{aaai25}", r"\usepackage{times}"], "aaai/aaai25.sty"),
    "acl": (
        "11pt",
        "article",
        [r"\usepackage[review]{acl}", r"\usepackage{times}", r"\usepackage[T1]{fontenc}"],
        "acl/acl.sty",
    ),
    "cvpr": ("10pt,twocolumn,letterpaper", "article", [r"\usepackage{cvpr}"], "cvpr/cvpr.sty"),
    "ieee": ("conference", "IEEEtran", [], ""),
    "acm": ("sigconf", "acmart", [r"\title{Results}"], ""),
    "lncs": ("", "llncs", [], ""),
}


# what a venue's body starts with: acmart sets its two columns from \maketitle on
OPENINGS = {"acm": "\\maketitle\n"}


def real_template(venue: str) -> tuple[str, str, list[str]]:
    """Return a venue's own class options, class and preamble, skipping when its files are absent."""
    options, documentclass, preamble, style = TEMPLATES[venue]
    if style and not (VENUES / style).is_file():
        pytest.skip(f"{VENUES / style} is absent: the venue's style file is not available here")
    if not style:
        found = subprocess.run(["kpsewhich", f"{documentclass}.cls"], capture_output=True, text=True).stdout
        if not found.strip():
            pytest.skip(f"{documentclass}.cls is not installed: apt-get install texlive-publishers")
    return options, documentclass, preamble


@pytest.mark.parametrize("venue", sorted(TEMPLATES))
def test_a_preset_column_width_is_the_columnwidth_of_the_venue_style_file(venue: str, tmp_path: Path) -> None:
    options, documentclass, preamble = real_template(venue)
    body = OPENINGS.get(venue, "") + r"\typeout{TEXTWIDTH=\the\textwidth}\typeout{IN_TEXT=\the\columnwidth}x"
    compiled = compile_page(tmp_path, body, [], options, preamble, documentclass)
    preset = PRESETS[venue]
    assert float(compiled.typeout("IN_TEXT").removesuffix("pt")) == pytest.approx(
        preset.column_width, abs=1e-4
    )
    assert float(compiled.typeout("TEXTWIDTH").removesuffix("pt")) == pytest.approx(
        preset.text_width, abs=1e-4
    )


@pytest.mark.parametrize("venue", sorted(PRESETS))
def test_the_imitated_page_has_the_venue_column_and_text_width(venue: str, tmp_path: Path) -> None:
    options, preamble, documentclass = imitated_preamble(venue)
    compiled = compile_page(
        tmp_path, r"\typeout{TEXTWIDTH=\the\textwidth}x", [], options, preamble, documentclass
    )
    preset = PRESETS[venue]
    assert float(compiled.typeout("COLUMNWIDTH").removesuffix("pt")) == pytest.approx(
        preset.column_width, abs=0.01
    )
    assert float(compiled.typeout("TEXTWIDTH").removesuffix("pt")) == pytest.approx(
        preset.text_width, abs=0.01
    )


def media_box(pdf: bytes) -> tuple[float, float]:
    found = re.search(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", pdf)
    assert found is not None
    return float(found.group(1)), float(found.group(2))


def test_figures_of_a_venue_are_column_wide_in_its_font_and_wider_by_name(tmp_path: Path) -> None:
    spec, store = make_project(
        tmp_path,
        """
        [figures.col]
        kind = "bar"
        table = "table1"
        outputs = ["figures/col.pdf"]

        [figures.full]
        kind = "curve"
        metric = "acc"
        hue = "method"
        facet = "dataset"
        width = "text"
        outputs = ["figures/full.pdf"]

        [figures.half]
        kind = "bar"
        table = "table1"
        width = "0.48text"
        font_size = 7
        outputs = ["figures/half.pdf"]
        """,
        top='venue = "ICML"\n',
    )
    build(spec, store)
    store.close()
    icml = PRESETS["icml"]
    assert spec.figures["col"].style.font == "times" and spec.figures["col"].style.font_size == 8
    widths = {
        name: media_box((tmp_path / f"figures/{name}.pdf").read_bytes())[0]
        for name in ("col", "full", "half")
    }
    assert widths["col"] == pytest.approx(icml.column_width / PT_PER_IN * 72, abs=0.01)  # PDF points are bp
    assert widths["full"] == pytest.approx(icml.text_width / PT_PER_IN * 72, abs=0.01)
    assert widths["half"] == pytest.approx(0.48 * icml.text_width / PT_PER_IN * 72, abs=0.01)
    # included at its natural size, the column figure is exactly as wide as the column: no overfull box
    body = r"\begin{figure}[t]\centering\includegraphics{figures/col.pdf}\caption{x}\end{figure}x"
    options, preamble, _ = imitated_preamble("icml")
    compiled = compile_page(
        tmp_path, body, [tmp_path / "figures/col.pdf"], options, preamble, packages=("graphicx",)
    )
    assert compiled.generated_overfull == []


def test_an_acm_figure_is_column_wide_and_says_when_libertine_stands_in_for_its_font(tmp_path: Path) -> None:
    """`venue = "ACM"` said "no venue preset 'ACM'"; acmart's sigconf column is 241.14749pt, and its
    Linux Libertine is no font matplotlib ships."""
    from resultsbook.outputs.build import compute_outputs
    from resultsbook.render.figstyle import font_file

    spec, store = make_project(
        tmp_path,
        '[figures.col]\nkind = "bar"\ntable = "table1"\noutputs = ["figures/col.pdf"]\n',
        top='venue = "ACM"\n',
    )
    results = compute_outputs(spec, store).results
    build(spec, store)
    store.close()
    style = spec.figures["col"].style
    assert (style.font, style.font_size) == ("libertine", 9)
    width = media_box((tmp_path / "figures/col.pdf").read_bytes())[0]
    assert width == pytest.approx(241.14749 / PT_PER_IN * 72, abs=0.01)
    notes = [f.text for r in results for f in r.findings if r.name == "figures.col"]
    if font_file("Linux Libertine O") is None:
        assert notes == [
            "the font 'Linux Libertine O' is not installed for matplotlib: what it draws (.pdf, .png, .svg) "
            "is in STIXGeneral; install it (then delete matplotlib's font cache), or choose .pgf, which LaTeX "
            "sets in the paper's own font"
        ]
    else:
        assert notes == []


def test_a_pgf_figure_of_a_venue_is_laid_out_in_the_venue_font(tmp_path: Path) -> None:
    """LaTeX measures a PGF figure's texts in the paper's font (Times for ICML), not Computer Modern."""
    spec, store = make_project(
        tmp_path,
        """
        [figures.bars]
        kind = "bar"
        table = "table1"
        legend = "right"
        outputs = ["figures/bars.pgf"]
        """,
        top='venue = "icml"\n',
    )
    build(spec, store)
    store.close()
    width = spec.figures["bars"].style.width
    page = rf"\usepackage[paperwidth={width}in, paperheight=4in, margin=0pt]{{geometry}}"
    compile_page(
        tmp_path,
        r"\noindent\input{figures/bars.pgf}",
        [],
        "10pt",
        [page, r"\usepackage{times}"],
        packages=("pgf",),
    )
    text = subprocess.run(
        ["pdftotext", "-bbox", "doc.pdf", "-"], cwd=tmp_path, capture_output=True, text=True
    ).stdout
    right = max(float(x) for x in re.findall(r'xMax="([\d.]+)" yMax="[\d.]+">model</word>', text))
    # the legend on the right ends where it was measured to, at the figure's edge less its padding
    # (measured in Computer Modern, the Times labels ended 12.6bp short of it)
    assert width * 72 - right < 8


def test_a_venue_name_or_a_relative_width_without_a_venue_is_refused_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(
        SpecError, match=r"no venue preset 'icm'; did you mean 'icml'\? \(presets: icml, neurips"
    ):
        make_project(tmp_path / "a", top='venue = "icm"\n')
    with pytest.raises(SpecError, match="no venue preset 'zzz'; presets: icml, neurips"):
        make_project(tmp_path / "c", top='venue = "zzz"\n')
    with pytest.raises(SpecError, match=r'width = .column. needs a venue preset: venue = "icml"'):
        make_project(
            tmp_path / "b",
            '[figures.f]\nkind = "bar"\ntable = "table1"\nwidth = "column"\noutputs = ["f.pdf"]\n',
        )


def test_the_preview_is_set_on_a_venue_page_and_reports_what_sticks_out(tmp_path: Path) -> None:
    pytest.importorskip("pylatex")
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    spec, store = make_project(
        tmp_path,
        """
        [tables.wide]
        metric = "acc"
        rows = ["method", "lr"]
        columns = ["dataset", "seed"]
        digits = 3
        outputs = ["results/wide.tex"]

        [tables.scaled]
        metric = "acc"
        rows = ["method", "lr"]
        columns = ["dataset", "seed"]
        digits = 3
        fit = "scale"
        outputs = ["results/scaled.tex"]

        [figures.curve]
        kind = "curve"
        metric = "acc"
        hue = "method"
        width = "5in"
        outputs = ["figures/curve.pdf"]
        """,
    )
    result = make_preview(spec, store, preset="icml")
    store.close()
    assert [line.split(" is ")[0] for line in result.too_wide] == ["table wide"]
    assert "wider than the ICML 2025 column (234.877pt): set fit" in result.too_wide[0]
    log_pages = subprocess.run(["pdfinfo", result.pdf], capture_output=True, text=True).stdout
    assert re.search(r"Page size: +612 x 792 pts \(letter\)", log_pages)


WIDE_TABLES = """
[tables.wide]
metric = "acc"
rows = ["lr"]
columns = ["dataset", "method"]
digits = 3
outputs = ["results/wide.tex"]

[tables.across]
metric = "acc"
rows = ["lr"]
columns = ["method", "dataset", "seed"]
digits = 5
float = "table*"
caption = "Across both columns."
outputs = ["results/across.tex"]
"""


@pytest.mark.parametrize("venue", ["ieee", "lncs"])
def test_the_preview_finds_a_table_as_much_too_wide_as_the_venue_class_makes_it(
    venue: str, tmp_path: Path
) -> None:
    """IEEEtran sets tables in \\footnotesize with wider spaces, llncs in \\small with \\tabcolsep 1.4pt: the
    preview's page does too, so it names the overflow the paper will have (IEEE: it said 81pt for 37pt)."""
    pytest.importorskip("pylatex")
    options, documentclass, preamble = real_template(venue)
    spec, store = make_project(tmp_path, WIDE_TABLES, top=f'venue = "{venue}"\n')
    result = make_preview(spec, store)
    store.close()
    previewed = {
        line.split(" is ")[0]: float(line.split(" is ")[1].split("pt")[0]) for line in result.too_wide
    }
    wide, across = tmp_path / "results/wide.tex", tmp_path / "results/across.tex"
    body = rf"\begin{{table}}[t]\centering\caption{{Wide.}}\input{{{wide}}}\end{{table}}"
    body += "\n" + rf"\input{{{across}}}" + "\nText."
    compiled = compile_page(tmp_path, body, [wide, across], options, preamble, documentclass, ("booktabs",))
    in_paper = {f"table {name.removesuffix('.tex')}": box.points for name, box in compiled.generated_overfull}
    assert in_paper and previewed == pytest.approx(in_paper, abs=0.05)
    if venue == "ieee":  # a table* is measured against the text width, and table* is not offered again
        line = next(line for line in result.too_wide if line.startswith("table across"))
        assert "wider than the IEEE conference (IEEEtran) text width (516pt), across both columns" in line
        assert "table*" not in line


CLASS_SHAPED = """
[tables.underscores]
metric = "acc"
rows = ["method"]
columns = ["dataset"]
float = true
labels = { values = { method = { ours = "res_net_50_pre_trained_on_image_net_21_k_then_fine_tuned_x_y" } } }
outputs = ["results/underscores.tex"]

[tables.italic]
metric = "acc"
rows = ["method"]
columns = ["dataset"]
float = true
labels = { values = { method = { big = { latex = '\\textit{a big model with a long name in italics that has many words}' } } } }
outputs = ["results/italic.tex"]
"""


def test_build_measures_underscores_and_italics_as_ieeetran_sets_them(tmp_path: Path) -> None:
    """Names with underscores (`res_net_50_pre_in`): IEEEtran draws \\_ as a 0.5em rule (article:
    0.36em) and widens the spaces of italic text too, so a table that build measured as fitting IEEE's
    column stuck out of it in the paper (`Overfull \\hbox (2.4pt too wide)`, and build said nothing)."""
    pytest.importorskip("pylatex")
    options, documentclass, preamble = real_template("ieee")
    spec, store = make_project(tmp_path, CLASS_SHAPED, top='venue = "ieee"\n')
    report = build(spec, store)
    store.close()
    said = {
        f.entry: float(f.text.split(" is ")[1].split("pt")[0])
        for f in report.findings
        if f.kind == "venue" and f.entry in ("underscores", "italic")
    }
    tables = [tmp_path / "results/underscores.tex", tmp_path / "results/italic.tex"]
    body = "\n".join(rf"\input{{{path}}}" for path in tables) + "\nText."
    compiled = compile_page(tmp_path, body, tables, options, preamble, documentclass, ("booktabs",))
    in_paper = {name.removesuffix(".tex"): box.points for name, box in compiled.generated_overfull}
    assert set(in_paper) == {"underscores", "italic"}
    assert said == pytest.approx(in_paper, abs=0.05)


@pytest.mark.parametrize("venue", ["ieee", "lncs"])
def test_a_table_and_its_notes_are_as_tall_on_the_imitated_page_as_in_the_class(
    venue: str, quickstart: Path, tmp_path: Path
) -> None:
    """llncs sets \\footnotesize as \\small (9pt), so the notes under an LNCS table were a point smaller on
    the preview's page than in the paper (10pt shorter); IEEEtran sets \\small and \\footnotesize lines
    closer, no \\lineskip, and booktabs' rule spacing in Times (5pt taller on the preview's page)."""
    options, documentclass, preamble = real_template(venue)
    table = tmp_path / "table1.tex"
    shutil.copy(quickstart / "results/table1.tex", table)
    body = (
        r"\begin{table}\setbox0\vbox{\input{table1.tex}}\typeout{TALL=\the\dimexpr\ht0+\dp0\relax}\end{table}"
    )
    real = compile_page(tmp_path, OPENINGS.get(venue, "") + body, [table], options, preamble, documentclass)
    imitated_options, imitated, imitated_class = imitated_preamble(venue)
    page = compile_page(tmp_path, body, [table], imitated_options, imitated, imitated_class)
    assert page.typeout("TALL") == real.typeout("TALL")


def test_the_preview_of_a_two_column_venue_shows_a_longtable_on_a_one_column_page(tmp_path: Path) -> None:
    """longtable refuses two-column mode; the preview failed whole ("longtable not in 1-column mode")."""
    pytest.importorskip("pylatex")
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    extra = '[tables.appendix]\nmetric = "acc"\nrows = ["method", "dataset"]\nlongtable = true\n'
    spec, store = make_project(
        tmp_path, extra + 'outputs = ["results/appendix.tex"]\n', top='venue = "ieee"\n'
    )
    result = make_preview(spec, store)
    store.close()
    text = subprocess.run(["pdftotext", result.pdf, "-"], capture_output=True, text=True).stdout
    assert "Table appendix" in text and "Big model" in text


def quickstart_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("quickstart")
    for name in ("resultsbook.toml", "train.py"):
        shutil.copy(ROOT / "examples/quickstart" / name, folder / name)
    (folder / "RESULTS.md").write_text("")
    subprocess.run([sys.executable, "train.py"], cwd=folder, check=True, capture_output=True)
    subprocess.run(
        [sys.executable, "-m", "resultsbook", "build"], cwd=folder, check=True, capture_output=True
    )
    return folder / "paper"


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return quickstart_outputs(tmp_path_factory)


@pytest.mark.parametrize("venue", sorted(TEMPLATES))
def test_the_quickstart_tables_drop_into_each_venue_template_without_overfull_boxes(
    venue: str, quickstart: Path, tmp_path: Path
) -> None:
    options, documentclass, preamble = real_template(venue)
    for name in ("table1.tex", "final_loss.tex"):
        shutil.copy(quickstart / "results" / name, tmp_path / name)
    body = OPENINGS.get(venue, "") + "\n".join(
        [
            r"\begin{table}[t]", r"\centering", r"\caption{Test accuracy.}", r"\input{table1.tex}", r"\end{table}",
            r"\begin{table}[t]", r"\centering", r"\caption{Training loss.}", r"\input{final_loss.tex}", r"\end{table}",
            "Text.",
        ]
    )  # fmt: skip
    generated = [tmp_path / "table1.tex", tmp_path / "final_loss.tex"]
    compiled = compile_page(tmp_path, body, generated, options, preamble, documentclass)
    assert compiled.generated_overfull == [], describe(compiled.generated_overfull)


LONG_TABLE = '[tables.appendix]\nmetric = "acc"\nrows = ["method", "dataset"]\nlongtable = true\n'


@pytest.mark.parametrize(
    ("venue", "outputs", "warned"),
    [
        ("ieee", '["results/appendix.tex"]', True),
        ("acl", '["results/appendix.tex", "results/appendix.md"]', True),
        ("neurips", '["results/appendix.tex"]', False),  # one column: a longtable is at home there
        ("icml", '["results/appendix.md"]', False),  # no LaTeX: nothing for LaTeX to stop on
    ],
)
def test_build_warns_of_a_longtable_in_a_two_column_venue(
    venue: str, outputs: str, warned: bool, tmp_path: Path
) -> None:
    spec, store = make_project(tmp_path, f"{LONG_TABLE}outputs = {outputs}\n", top=f'venue = "{venue}"\n')
    try:
        report = build(spec, store)
    finally:
        store.close()
    lines = [line for line in report.warnings if "longtable" in line]
    if not warned:
        assert lines == []
        return
    assert lines == [
        f'appendix: longtable = true on the two-column page of venue = "{venue}": LaTeX stops there '
        '("longtable not in 1-column mode"); set longtable = false and float = "table*" (across both '
        r"columns, a page at most), or \input the table after \onecolumn (an appendix)"
    ]


def test_no_longtable_warning_when_the_paper_sets_its_appendix_in_one_column(tmp_path: Path) -> None:
    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "main.tex").write_text("% \\onecolumn only in a comment\nText.\n")
    extra = f'{LONG_TABLE}outputs = ["results/appendix.tex"]\n[macros]\npaper = ["paper/"]\n'
    spec, store = make_project(tmp_path, extra, top='venue = "icml"\n')
    try:
        assert any("longtable" in line for line in build(spec, store).warnings)
        (paper / "main.tex").write_text("Text.\n\\appendix\\onecolumn\n\\input{../results/appendix.tex}\n")
        assert not any("longtable" in line for line in build(spec, store).warnings)
    finally:
        store.close()


@pytest.mark.parametrize(
    ("files", "warned_at"),
    [
        (  # the appendix is one column, but the table is input in the body, before it
            {"main.tex": "\\documentclass[twocolumn]{article}\n\\begin{document}\n\\input{../results/appendix}\n"
             "\\appendix\\onecolumn\nMore.\n\\end{document}\n"},
            "paper/main.tex:3",
        ),
        (  # back to two columns after a one-column part
            {"main.tex": "\\documentclass{article}\n\\onecolumn\nA.\n\\twocolumn\n\\input{../results/appendix.tex}\n"},
            "paper/main.tex:5",
        ),
        (  # input by a section file that the root inputs after \onecolumn
            {"main.tex": "\\documentclass{article}\nBody.\n\\appendix\\onecolumn\n\\input{sections/extra}\n",
             "sections/extra.tex": "\\section{Every run}\n\\input{../results/appendix.tex}\n"},
            None,
        ),
        (  # the same section file input in the two-column body
            {"main.tex": "\\documentclass{article}\n\\input{sections/extra}\n\\appendix\\onecolumn\nEnd.\n",
             "sections/extra.tex": "\\section{Every run}\n\\input{../results/appendix.tex}\n"},
            "paper/sections/extra.tex:2",
        ),
    ],
    ids=["before-onecolumn", "after-twocolumn", "section-after-onecolumn", "section-in-body"],
)  # fmt: skip
def test_the_longtable_warning_follows_the_paper_to_where_it_inputs_the_table(
    files: dict[str, str], warned_at: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, text in files.items():
        (tmp_path / "paper" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "paper" / name).write_text(text)
    extra = f'{LONG_TABLE}outputs = ["results/appendix.tex"]\n[macros]\npaper = ["paper/"]\n'
    spec, store = make_project(tmp_path, extra, top='venue = "icml"\n')
    try:
        lines = [line for line in build(spec, store).warnings if "longtable" in line]
    finally:
        store.close()
    if warned_at is None:
        assert lines == []
    else:
        assert len(lines) == 1
        assert f"LaTeX stops at {warned_at}, which inputs it on a two-column page (" in lines[0]


def test_a_longtable_stops_latex_in_a_two_column_class_and_compiles_after_onecolumn(tmp_path: Path) -> None:
    """What the warning above says, in IEEEtran itself."""
    options, documentclass, preamble = real_template("ieee")
    spec, store = make_project(
        tmp_path,
        LONG_TABLE + 'caption = "Every run."\noutputs = ["results/appendix.tex"]\n',
        top='venue = "ieee"\n',
    )
    build(spec, store)
    store.close()
    table = tmp_path / "results" / "appendix.tex"
    with pytest.raises(AssertionError, match="longtable not in 1-column mode"):
        compile_page(
            tmp_path,
            rf"Text.\input{{{table}}}",
            [table],
            options,
            preamble,
            documentclass,
            ("booktabs", "longtable"),
        )
    body = rf"Text.\onecolumn\input{{{table}}}\twocolumn Text."
    compile_page(tmp_path, body, [table], options, preamble, documentclass, ("booktabs", "longtable"))


def test_files_that_input_each_other_are_followed_once_to_the_table(tmp_path: Path) -> None:
    from resultsbook.outputs.columns import Placement, table_placements

    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "main.tex").write_text("\\documentclass{article}\n\\input{a}\\input{a}\n")
    (paper / "a.tex").write_text("\\input{b}\\input{b}\\input{a}\n")
    (paper / "b.tex").write_text("\\onecolumn\n\\input{a}\\input{../results/t}\\twocolumn\n")
    table = tmp_path / "results" / "t.tex"
    found = table_placements([str(table)], [str(paper)], [])
    assert found == [Placement(str(paper / "b.tex"), 2, True)]


def test_build_on_a_venues_page_names_a_table_wider_than_its_column_as_the_paper_measures_it(
    tmp_path: Path,
) -> None:
    """A table 180pt wider than ICML's column was built without a word: the paper's PDF showed it."""
    pytest.importorskip("pylatex")
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    scaled = WIDE_TABLES.replace(
        'outputs = ["results/wide.tex"]', 'fit = "scale"\noutputs = ["results/wide.tex"]'
    )
    for tables, top, expected in [
        (WIDE_TABLES, 'venue = "ieee"\n', ["wide", "across"]),  # across: wider than the text width
        (scaled, 'venue = "ieee"\n', ["across", "wide"]),  # wide: scaled to fit, past reading
        (WIDE_TABLES, "", []),  # no venue: no column to measure against
    ]:
        spec, store = make_project(tmp_path, tables, top=top)
        report = build(spec, store)
        widths = [finding for finding in report.findings if finding.kind == "venue"]
        assert [finding.entry for finding in widths] == expected
        if expected:
            preview = make_preview(spec, store)  # the same number, said once: by the preview itself
            said = {
                f"table {f.entry}": f.text.removeprefix(f"results/{f.entry}.tex ")
                for f in widths
                if "too small to read" not in f.text  # the preview names what sticks out only
            }
            assert said == {
                line.split(" is ")[0]: "is " + line.split(" is ", 1)[1] for line in preview.too_wide
            }
            assert [f for f in preview.build.findings if f.kind == "venue"] == []
        store.close()


def test_a_table_that_does_not_compile_leaves_the_others_measured_and_says_it_was_not(tmp_path: Path) -> None:
    """One caption needing T1 (`Łąka`) stopped the one draft every table is measured in: the table
    86pt wider than IEEE's column was built without a word."""
    pytest.importorskip("pylatex")
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    polish = '[tables.polish]\nmetric = "acc"\nrows = ["lr"]\nfloat = true\ncaption = "Łąka"\n'
    polish += 'outputs = ["results/polish.tex"]\n'
    spec, store = make_project(tmp_path, WIDE_TABLES + polish, top='venue = "ieee"\n')
    report = build(spec, store)
    store.close()
    widths = {finding.entry: finding.text for finding in report.findings if finding.kind == "venue"}
    assert widths["wide"].startswith("results/wide.tex is "), widths
    assert "wider than the IEEE conference (IEEEtran) column" in widths["wide"]
    assert widths["polish"].startswith(
        "results/polish.tex was not measured against the IEEE conference (IEEEtran) column: it does not "
        "compile in a draft of the venue's class (! LaTeX Error: Command "
    ), widths["polish"]
    # a preamble none compiles with: said once, with the error, not once a table
    (tmp_path / "resultsbook.toml").write_text(
        'preamble = ["\\\\usepackage{doesnotexistpkg}"]\n' + (tmp_path / "resultsbook.toml").read_text()
    )
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    with Store.open(spec.db) as store:
        report = build(spec, store)
    [finding] = [finding for finding in report.findings if finding.kind == "venue"]
    assert finding.text == (
        "no table was measured against the IEEE conference (IEEEtran) column: a draft of the venue's class "
        "with the spec's preamble does not compile (! LaTeX Error: File `doesnotexistpkg.sty' not found.)"
    )


def test_build_says_when_fit_scale_shrinks_a_table_past_reading(tmp_path: Path) -> None:
    """d3rlpy's eight algorithms × four environments with fit = "scale" came out of an ICML column at
    47%, its 10pt numbers at 4.7pt (smaller than \\tiny, which AAAI refuses), and build said nothing:
    the table was no longer wider than the column."""
    pytest.importorskip("pylatex")
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    slight = '[tables.slight]\nmetric = "acc"\nrows = ["lr"]\ncolumns = ["method", "dataset"]\ndigits = 0\n'
    slight += 'fit = "scale"\noutputs = ["results/slight.tex"]\n'  # 28pt too wide: set at 89%, 8.9pt
    tables = slight + WIDE_TABLES.replace(
        'outputs = ["results/wide.tex"]', 'fit = "scale"\noutputs = ["results/wide.tex"]'
    )
    spec, store = make_project(tmp_path, tables, top='venue = "icml"\n')
    report = build(spec, store)
    store.close()
    widths = {finding.entry: finding.text for finding in report.findings if finding.kind == "venue"}
    assert "slight" not in widths, widths
    shrunk = re.fullmatch(
        r'results/wide\.tex is ([\d.]+)pt wider than the ICML 2025 column \(234\.877pt\): fit = "scale" '
        r"sets it at (\d+)%, its 10pt text at ([\d.]+)pt, too small to read; (.*)",
        widths["wide"],
    )
    assert shrunk is not None, widths["wide"]
    points, percent, size, fix = shrunk.groups()
    assert int(percent) == round(100 * 234.8775 / (234.8775 + float(points)))
    assert float(size) == pytest.approx(10 * 234.8775 / (234.8775 + float(points)), abs=0.06)
    assert float(size) < 7 and 'float = "table*"' in fix


def test_a_table_too_wide_with_fit_tabularx_is_not_told_to_set_fit_tabularx(tmp_path: Path) -> None:
    """A stranger's SB3 table (github.com/eliamounier/Deep_RL: four algorithms × five environments) was
    190pt wider than ICML's column with fit = "tabularx", and build said: set fit = "scale" or "tabularx"."""
    pytest.importorskip("pylatex")
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    tables = WIDE_TABLES.replace(
        'outputs = ["results/wide.tex"]', 'fit = "tabularx"\noutputs = ["results/wide.tex"]'
    )
    spec, store = make_project(tmp_path, tables, top='venue = "icml"\n')
    report = build(spec, store)
    store.close()
    widths = {finding.entry: finding.text for finding in report.findings if finding.kind == "venue"}
    assert widths["wide"].endswith(
        'wider than the ICML 2025 column (234.877pt): fit = "tabularx" can wrap only the first column, and '
        'the other columns alone are wider; set fit = "scale", or float = "table*" for both columns'
    ), widths["wide"]


@pytest.mark.parametrize("environment", ["table*", "table"])
def test_a_table_the_paper_sets_across_both_columns_is_measured_against_the_text_width(
    tmp_path: Path, environment: str
) -> None:
    """A bare table the paper inputs in its own table* was measured against ICML's column: build said
    it was 118pt too wide (or that fit = "scale" set it at 37%) and told the author to use table*."""
    pytest.importorskip("pylatex")
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    tables = (
        '[tables.natural]\nmetric = "acc"\nrows = ["lr"]\ncolumns = ["dataset", "method"]\ndigits = 1\n'
        'outputs = ["results/natural.tex"]\n\n'
        + WIDE_TABLES.replace(
            'outputs = ["results/wide.tex"]', 'fit = "scale"\noutputs = ["results/wide.tex"]'
        )
        + '\n[macros]\noutput = "results/numbers.tex"\npaper = ["paper"]\n'
    )
    paper = tmp_path / "paper"
    paper.mkdir()
    inputs = "".join(
        f"\\begin{{{environment}}}[t]\n\\centering\n\\input{{../results/{name}}}\n\\end{{{environment}}}\n"
        for name in ("natural", "wide")
    )
    (paper / "main.tex").write_text(
        f"\\documentclass{{article}}\n\\begin{{document}}\n{inputs}\\end{{document}}\n"
    )
    spec, store = make_project(tmp_path, tables, top='venue = "icml"\n')
    report = build(spec, store)
    store.close()
    widths = {f.entry: f.text for f in report.findings if f.kind == "venue" and f.entry != "across"}
    if environment == "table*":
        assert widths == {}
    else:
        assert sorted(widths) == ["natural", "wide"]
        assert "wider than the ICML 2025 column (234.877pt)" in widths["natural"]


def test_a_column_figure_previewed_on_a_narrower_venue_is_named_as_sticking_out_of_its_column(
    tmp_path: Path,
) -> None:
    """An ICML column figure (234.9pt) previewed on ACL's page (219.1pt columns) was shown across both
    columns and said to fit; in the ACL paper it sticks out of its column by 15.8pt."""
    pytest.importorskip("pylatex")
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    figures = '[figures.bars]\nkind = "bar"\ntable = "table1"\noutputs = ["figures/bars.pdf"]\n'
    spec, store = make_project(tmp_path, figures, top='venue = "icml"\n')
    result = make_preview(spec, store, preset="acl")
    store.close()
    [line] = [line for line in result.too_wide if line.startswith("figure bars")]
    points = float(line.split(" is ")[1].split("pt")[0])
    assert points == pytest.approx(234.8775 - 219.08614, abs=0.5)
    assert "wider than the ACL (acl.sty) column (219.086pt)" in line and 'venue = "acl"' in line


def test_a_text_size_under_the_legible_one_is_never_written_as_it():
    """`fit = "scale" sets it at 70%, its 10pt text at 7.0pt, too small to read` read as a contradiction:
    the text was 6.97pt, under the 7pt said legible."""
    from resultsbook.outputs.widths import _below

    assert [_below(size, 7.0) for size in (6.97, 4.71, 6.999)] == ["6.97", "4.7", "6.999"]


def test_a_table_too_wide_for_a_one_column_venue_is_never_told_to_span_both_columns(tmp_path: Path) -> None:
    """NeurIPS has one column: build said `or float = "table*" for both columns`, which changes nothing."""
    pytest.importorskip("pylatex")
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    spec, store = make_project(tmp_path, WIDE_TABLES, top='venue = "neurips"\n')
    report = build(spec, store)
    widths = [finding.text for finding in report.findings if finding.kind == "venue"]
    assert widths and all("NeurIPS 2024" in text for text in widths), widths
    assert not any("table*" in text for text in widths), widths
    store.close()


def test_a_siunitx_s_column_holds_its_widest_uncertainty_and_a_cell_sticking_out_is_not_blamed_on_fit(
    tmp_path: Path, make_run, cli
) -> None:
    """Errors of 87000–95000 beside 0.00125–0.0014 in an S column: `table-format=5.5(4)` left no room for
    ± 3330, the cell stuck out 15pt (digits printed over each other with more rows), and build said the
    table was wider than the ICML column, `set fit = "scale"`, which the spec had set."""
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    data = {"huge": [87000, 92000, 95000, 90000, 94600], "tiny": [0.00125, 0.00131, 0.00128, 0.00122, 0.0014]}
    for method, values in data.items():
        for seed, value in enumerate(values):
            make_run(f"{method}_{seed}", {"method": method, "seed": seed}, [{"step": 0, "err": value}])
    spec = 'venue = "icml"\n[[sources]]\npath = "runs"\n[tables.e]\nmetric = "err"\ngoal = "min"\n'
    spec += 'rows = ["method"]\nstyle = "siunitx-S"\nfit = "scale"\noutputs = ["out/e.tex"]\n'
    (tmp_path / "resultsbook.toml").write_text(spec)
    result = cli("build", "-q")
    assert result.exit_code == 0 and "Warning" not in result.output, result.output
    table = (tmp_path / "out" / "e.tex").read_text()
    assert "S[table-format=5.5(9), " in table and "huge & 91720(3330) \\\\" in table
    compile_latex(tmp_path, "\\input{out/e.tex}", packages=("booktabs", "siunitx", "graphicx"))
    assert "Overfull" not in (tmp_path / "doc.log").read_text()
    fixed = 'siunitx = "table-fixed-width = true, table-column-width = 10pt"\n'  # the user's own setup
    (tmp_path / "resultsbook.toml").write_text(spec.replace('fit = "scale"\n', f'fit = "scale"\n{fixed}'))
    result = cli("build", "-q")
    assert [line for line in result.output.splitlines() if "out/e.tex" in line] == [
        "Warning: e: out/e.tex has a cell 115.2pt wider than its own column, printed over its neighbour "
        '(fit = "scale" shrinks the table to the column, not a cell within it); check its siunitx = '
        '"table-fixed-width = true, table-column-width = 10pt", or style = "siunitx" sets each number at '
        "its own width"
    ], result.output
