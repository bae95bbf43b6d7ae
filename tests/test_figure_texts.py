"""Figure texts fit their figure: twelve methods with long names in a column-wide figure lose no letter
of the legend at the figure's edge, in PDF and in PGF typeset by LaTeX; long category names under
bars do not run into each other; short texts are placed as before."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from paper_pages import compile_page

from resultsbook.render.figstyle import FigureStyle, rc_params
from resultsbook.render.palette import Look
from resultsbook.render.plots import (
    BarItem,
    FigureOptions,
    LineData,
    Panel,
    PlotData,
    plot_figure,
    render_figure,
)

LABELS = [
    "A very long method name with many words in it",
    "Café é",
    "lr_0.1 & 50%",
    "a#b$c",
    "baseline_1",
    "tilde~caret^",
    "ours",
    "emoji (rocket)",
    "back\\slash{x}",
    "Transformer with relative position encodings",
    "MLP",
    "±µ zh_CN",
]
WIDTH_IN = 3.25


def _many_methods(labels: list[str]) -> PlotData:
    x = np.arange(0, 101, 10, dtype=float)
    legend = tuple((f"m{i}", label, Look("#0072B2", "o")) for i, label in enumerate(labels))
    lines = tuple(
        LineData(key, label, look, x, 40 + i + 0.3 * x, 39 + i + 0.3 * x, 41 + i + 0.3 * x, 3)
        for i, (key, label, look) in enumerate(legend)
    )
    return PlotData("curve", (Panel("", lines=lines),), legend, xlabel="Step", ylabel="Accuracy")


def _words(pdf: Path) -> list[tuple[str, float, float]]:
    """Return the words pdftotext finds on the first page, with their left and right edges (bp)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: apt-get install poppler-utils")
    xml = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    import re

    found = re.findall(
        r'<word xMin="([-\d.]+)" yMin="[-\d.]+" xMax="([-\d.]+)" yMax="[-\d.]+">([^<]*)</word>', xml
    )
    # the PGF draws µ as \\mu (Greek mu)
    return [
        (text.replace("&amp;", "&").replace("μ", "µ"), float(low), float(high)) for low, high, text in found
    ]


def _assert_every_label_whole_inside(pdf: Path, width_bp: float, labels: list[str] = LABELS) -> None:
    words = _words(pdf)
    legend = {word for label in labels for word in label.split()}
    cut = [
        (text, low, high)
        for text, low, high in words
        if text in legend and not -1 < low < high < width_bp + 1
    ]
    assert cut == [], f"legend text beyond the figure's edge (0 to {width_bp:.1f}bp): {cut}"
    shown = {text for text, _, _ in words}
    missing = [word for label in labels for word in label.split() if word not in shown]
    assert missing == [], f"words of legend labels not in the figure: {missing}"


@pytest.mark.parametrize(
    ("legend", "width", "labels"),
    [
        ("top", WIDTH_IN, LABELS),
        ("right", 2.5, LABELS[:6]),
        ("right", WIDTH_IN, LABELS),
        ("right", 2.5, LABELS * 2),
    ],
)
def test_a_long_legend_keeps_every_label_inside_a_column_wide_pdf(
    tmp_path: Path, legend: str, width: float, labels: list[str]
) -> None:
    style = FigureStyle(width=width, legend=legend)
    pdf = tmp_path / "fig.pdf"
    pdf.write_bytes(render_figure(_many_methods(labels), style, FigureOptions(), ".pdf"))
    _assert_every_label_whole_inside(pdf, width * 72, labels)


def test_a_long_legend_keeps_every_label_inside_a_column_wide_pgf_typeset_by_latex(tmp_path: Path) -> None:
    fonts = [r"\usepackage[T1]{fontenc}", r"\usepackage{lmodern}", r"\usepackage{textcomp}"]
    (tmp_path / "fig.pgf").write_bytes(
        render_figure(
            _many_methods(LABELS), FigureStyle(width=WIDTH_IN), FigureOptions(), ".pgf", preamble=fonts
        )
    )
    page = rf"\usepackage[paperwidth={WIDTH_IN}in, paperheight=4in, margin=0pt]{{geometry}}"
    compile_page(tmp_path, r"\noindent\input{fig.pgf}", [], preamble=[page, *fonts], packages=("pgf",))
    _assert_every_label_whole_inside(tmp_path / "doc.pdf", WIDTH_IN * 72)


def _legend(labels: list[str], style: FigureStyle) -> Any:
    """Return the legend of a figure drawn with resultsbook's settings (font sizes)."""
    import matplotlib

    with matplotlib.rc_context(rc_params(style, pgf=False)):
        [legend] = plot_figure(_many_methods(labels), style, FigureOptions()).legends
    return legend


def test_a_line_end_in_a_value_is_a_space_in_a_pdf_or_png_legend_as_in_the_tables(tmp_path: Path) -> None:
    """A method `line\\nbreak` read `line\\nbreak`, backslash and n, in PDF and PNG legends, where the
    table, the Markdown and the .pgf show `line break`."""
    from resultsbook.render.plots import figure_text

    pdf = tmp_path / "fig.pdf"
    data = _many_methods(["line\nbreak", "tab\there"])
    pdf.write_bytes(render_figure(data, FigureStyle(width=WIDTH_IN), FigureOptions(), ".pdf"))
    words = [text for text, _, _ in _words(pdf)]
    assert {"line", "break", "tab", "here"} <= set(words) and not [w for w in words if "\\" in w], words
    assert figure_text("line\nbreak", pgf=False) == ("line break", False)  # a PNG draws the same text
    assert figure_text("line\nbreak", pgf=True) == ("line break", False)


def test_a_legend_that_fits_keeps_its_four_columns_and_whole_labels() -> None:
    legend = _legend(["Baseline", "Ours", "Big model", "Small"], FigureStyle())
    assert legend._ncols == 4
    assert [text.get_text() for text in legend.get_texts()] == ["Baseline", "Ours", "Big model", "Small"]


def test_a_legend_of_five_seeds_in_four_columns_reads_in_order() -> None:
    """Five folds of a DVCLive tree as the hue: matplotlib fills its legend's columns top to bottom,
    so the legend read `0 2 3 4` then `1` under the 0, as if fold 1 were something else."""
    labels = ["0", "1", "2", "3", "4"]
    legend = _legend(labels, FigureStyle())
    legend.figure.canvas.draw()
    places = {text.get_text(): text.get_window_extent() for text in legend.get_texts()}
    read = sorted(labels, key=lambda label: (-round(places[label].y0), places[label].x0))
    assert read == labels and legend._ncols == 4
    colours = ["#000000", "#111111", "#222222", "#333333", "#444444"]
    looks = tuple((f"m{i}", label, Look(colours[i], "o")) for i, label in enumerate(labels))
    data = _many_methods(labels)
    data = PlotData("curve", data.panels, looks, xlabel="Step", ylabel="Accuracy")
    import matplotlib

    with matplotlib.rc_context(rc_params(FigureStyle(), pgf=False)):
        [legend] = plot_figure(data, FigureStyle(), FigureOptions()).legends
    shown = {t.get_text(): h.get_color() for t, h in zip(legend.get_texts(), legend.legend_handles)}
    assert shown == dict(zip(labels, colours))  # each label keeps its own marker


def test_a_label_too_long_for_one_line_is_wrapped_at_spaces_not_cut() -> None:
    long = "A method whose name alone is much wider than the narrow figure it is drawn in"
    legend = _legend([long, "Ours"], FigureStyle(width=1.5))
    lines = legend.get_texts()[0].get_text().split("\n")
    assert len(lines) > 1 and " ".join(lines) == long


def test_a_label_of_one_word_wider_than_the_figure_is_split_and_every_entry_stays_inside(
    tmp_path: Path,
) -> None:
    """A run name with no space, as sweeps write them (`lr=1e-3_bs=64_...`), wider than the figure:
    the legend was left wider than the figure, centred on it, so that the figure cut every other
    entry off at its edges. The word is split over lines, as written, and every entry is inside."""
    long = "lr=1e-3_bs=64_wd=1e-4_warmup=500_dropout=0.1_label_smoothing=0.1_" * 2
    labels = [long, "Ours", "Baseline", "MLP"]
    legend = _legend(labels, FigureStyle())
    lines = legend.get_texts()[0].get_text().split("\n")
    assert len(lines) > 1 and "".join(lines) == long
    assert [text.get_text() for text in legend.get_texts()[1:]] == labels[1:]
    pdf = tmp_path / "fig.pdf"
    pdf.write_bytes(render_figure(_many_methods(labels), FigureStyle(), FigureOptions(), ".pdf"))
    words = _words(pdf)
    shown = [(text, low, high) for text, low, high in words if "=" in text or text in labels]
    assert [word for word in shown if not -1 < word[1] < word[2] < WIDTH_IN * 72 + 1] == []
    assert {"Ours", "Baseline", "MLP"} <= {text for text, _, _ in shown}
    assert "".join(text for text, _, _ in shown if "=" in text) == long


def test_a_label_of_one_long_word_is_split_when_the_room_is_narrower_than_eight_characters() -> None:
    """A narrow subplot's legend: once the wrap width reached its least, eight characters, the split
    was never tried, and a 200-character run name stayed one line 1650 units wide in a room of 60."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from resultsbook.render.textfit import fit_legend, measuring_renderer

    figure = Figure(figsize=(1.0, 1.0))
    handles = [Line2D([], []), Line2D([], [])]
    long = "x" * 200
    legend = fit_legend(
        figure,
        lambda texts, columns: figure.legend(handles, texts, ncols=columns),
        [long, "short"],
        2,
        60,
        lambda text: (text, False),
        False,
    )
    lines = legend.get_texts()[0].get_text().split("\n")
    assert "".join(lines) == long and max(len(line) for line in lines) <= 8
    assert legend.get_window_extent(measuring_renderer(figure, False)).width < 200


def test_a_legend_on_the_right_leaves_the_panel_most_of_its_half() -> None:
    import matplotlib

    style = FigureStyle(width=2.5, legend="right")
    with matplotlib.rc_context(rc_params(style, pgf=False)):
        figure = plot_figure(_many_methods(LABELS[:6]), style, FigureOptions())
        figure.draw_without_rendering()
    [axis] = figure.axes
    assert axis.get_position().width > 0.35  # of the figure; the long label took all but 0.1 of it


DATASETS = ("medium-expert-v0", "medium-replay-v0", "medium-v0", "random-v0")


def _bars_over_long_categories() -> PlotData:
    looks = [Look(color, "o") for color in ("#0072B2", "#D55E00", "#009E73")]
    legend = tuple((f"m{i}", f"Method {i}", look) for i, look in enumerate(looks))
    bars = tuple(
        BarItem(group, key, label, look, 50.0 + i, 48.0 + i, 52.0 + i, (49.0 + i, 51.0 + i))
        for group in DATASETS
        for i, (key, label, look) in enumerate(legend)
    )
    return PlotData(
        "bar", (Panel("", bars=bars),), legend, groups=DATASETS, xlabel="Dataset", ylabel="Return"
    )


@pytest.mark.parametrize("suffix", [".pdf", ".pgf"])
def test_long_category_names_under_bars_do_not_run_into_each_other(tmp_path: Path, suffix: str) -> None:
    """medium-expert-v0 and medium-replay-v0 were drawn over each other under a column-wide bar chart."""
    figure = render_figure(_bars_over_long_categories(), FigureStyle(width=WIDTH_IN), FigureOptions(), suffix)
    if suffix == ".pgf":
        (tmp_path / "fig.pgf").write_bytes(figure)
        page = rf"\usepackage[paperwidth={WIDTH_IN}in, paperheight=4in, margin=0pt]{{geometry}}"
        compile_page(tmp_path, r"\noindent\input{fig.pgf}", [], preamble=[page], packages=("pgf",))
        pdf = tmp_path / "doc.pdf"
    else:
        pdf = tmp_path / "fig.pdf"
        pdf.write_bytes(figure)
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    import re

    boxes = re.findall(
        r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="[-\d.]+">([^<]*)</word>', xml
    )
    ticks = [
        (float(x0), float(y0), float(x1), word)
        for x0, y0, x1, word in boxes
        if "v0" in word or "medium" in word
    ]
    assert ticks and all(any(word in name for name in DATASETS) for *_, word in ticks), ticks
    for line in {round(y0) for _, y0, _, _ in ticks}:
        row = sorted((x0, x1) for x0, y0, x1, _ in ticks if round(y0) == line)
        assert all(right <= left for (_, right), (left, _) in itertools.pairwise(row)), row


D3RLPY_ALGORITHMS = [
    "Advantage-Weighted Actor-Critic", "BCQ", "Bootstrapping Error Accumulation Reduction",
    "Conservative Q-Learning", "Critic Regularized Regression", "Implicit Q-Learning",
    "PLAS with Perturbation", "TD3+BC",
]  # fmt: skip


def _panel_height_in(labels: list[str], pgf: bool) -> float:
    """Return the height of the one panel of a column-wide figure with these legend labels on top."""
    import matplotlib

    style = FigureStyle(width=WIDTH_IN)
    with matplotlib.rc_context(rc_params(style, pgf=pgf)):
        figure = plot_figure(_many_methods(labels), style, FigureOptions(), pgf=pgf)
        figure.draw_without_rendering()
    [axis] = figure.axes
    return float(axis.get_position().height * figure.get_figheight())


@pytest.mark.parametrize("pgf", [False, True])
def test_a_legend_of_many_rows_on_top_leaves_the_panel_its_height(pgf: bool) -> None:
    """d3rlpy's eight algorithms above a column-wide bar chart: the legend's eight rows took 1.6in of
    the figure's 2.3in, and the bars were drawn 0.7in tall. The figure grows by the legend's rows."""
    one_row = _panel_height_in(["BCQ", "CQL", "IQL", "TD3+BC"], pgf)
    assert _panel_height_in(D3RLPY_ALGORITHMS, pgf) == pytest.approx(one_row, rel=0.05)


TIANSHOU_ENVS = [
    "Ant-v3", "HalfCheetah-v3", "Hopper-v3", "Humanoid-v3", "InvertedDoublePendulum-v2",
    "InvertedPendulum-v2", "Reacher-v2", "Swimmer-v3", "Walker2d-v3",
]  # fmt: skip


def _panels(titles: list[str]) -> PlotData:
    x = np.arange(0, 101, 10, dtype=float)
    look = Look("#0072B2", "o")
    line = LineData("ppo", "PPO", look, x, 0.3 * x, 0.3 * x - 1, 0.3 * x + 1, 10)
    panels = tuple(Panel(title, lines=(line,)) for title in titles)
    return PlotData("curve", panels, (("ppo", "PPO", look),), xlabel="Step", ylabel="rew")


@pytest.mark.parametrize("suffix", [".pdf", ".pgf"])
def test_panel_titles_longer_than_their_panel_neither_overlap_nor_leave_the_figure(
    tmp_path: Path, suffix: str
) -> None:
    """tianshou's nine MuJoCo environments in a column-wide 3x3 figure: InvertedDoublePendulum-v2 ran
    into InvertedPendulum-v2, which ran off the figure's right edge."""
    # an ICML paper's Times, which scales; Computer and Latin Modern draw small sizes from wider design
    # sizes, so a title set smaller may still not fit there (build says so: the test below)
    fonts = [r"\usepackage{times}"]
    unfitted: list[str] = []
    style, options = FigureStyle(width=WIDTH_IN), FigureOptions()
    figure = render_figure(_panels(TIANSHOU_ENVS), style, options, suffix, preamble=fonts, unfitted=unfitted)
    assert unfitted == []
    if suffix == ".pgf":
        (tmp_path / "fig.pgf").write_bytes(figure)
        page = rf"\usepackage[paperwidth={WIDTH_IN}in, paperheight=5in, margin=0pt]{{geometry}}"
        compile_page(tmp_path, r"\noindent\input{fig.pgf}", [], preamble=[page, *fonts], packages=("pgf",))
        pdf = tmp_path / "doc.pdf"
    else:
        pdf = tmp_path / "fig.pdf"
        pdf.write_bytes(figure)
    titles = [(text, low, high) for text, low, high in _words(pdf) if text in TIANSHOU_ENVS]
    assert sorted(text for text, _, _ in titles) == sorted(TIANSHOU_ENVS)  # each whole, on one line
    assert all(-1 < low < high < WIDTH_IN * 72 + 1 for _, low, high in titles), titles
    for row in (TIANSHOU_ENVS[:3], TIANSHOU_ENVS[3:6], TIANSHOU_ENVS[6:]):
        edges = [next((low, high) for text, low, high in titles if text == title) for title in row]
        assert all(right < left for (_, right), (left, _) in itertools.pairwise(edges)), edges


def test_panel_titles_that_fit_keep_their_size_and_a_long_one_is_set_smaller() -> None:
    import matplotlib

    style = FigureStyle(width=WIDTH_IN)
    with matplotlib.rc_context(rc_params(style, pgf=False)):
        size = matplotlib.rcParams["axes.titlesize"]
        figure = plot_figure(_panels(TIANSHOU_ENVS), style, FigureOptions(), pgf=False)
        sizes = {axis.get_title(): axis.title.get_fontsize() for axis in figure.axes if axis.get_title()}
        wide = plot_figure(_panels(TIANSHOU_ENVS[3:6]), FigureStyle(width=7.0), FigureOptions(), pgf=False)
        wide_sizes = [axis.title.get_fontsize() for axis in wide.axes if axis.get_title()]
    base = matplotlib.font_manager.FontProperties(size=size).get_size_in_points()
    assert sizes["Ant-v3"] == sizes["Hopper-v3"] == base
    assert base * 0.7 - 1e-9 <= sizes["InvertedDoublePendulum-v2"] < base
    assert wide_sizes == [base] * 3  # a text-wide figure has room for every title


def test_a_panel_title_too_wide_even_set_smaller_is_said_by_build(tmp_path: Path, cli: Any) -> None:
    long_name = "InvertedDoublePendulumOnACartWithFrictionAndNoise-v2"
    for env in ("Ant-v3", long_name, "Hopper-v3"):
        for seed in (0, 1):
            folder = tmp_path / "runs" / env / f"s{seed}"
            folder.mkdir(parents=True)
            (folder / "log.csv").write_text("step,rew\n0,1\n10,2\n")
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\npattern = "{env}/s{seed}/log.csv"\n\n'
        '[figures.curves]\nkind = "curve"\nmetric = "rew"\nfacet = "env"\noutputs = ["curves.pdf"]\n'
    )
    result = cli("build")
    assert result.exit_code == 0, result.output
    assert (
        f"Warning: curves: panel title {long_name!r} is wider than its panel in curves.pdf, even set smaller, "
        "and runs into the next: give it a shorter display name in [labels], or fewer panels a row "
        "(facet_columns)"
    ) in result.output
    assert "'Ant-v3' is wider" not in result.output


TIANSHOU_ALGORITHMS = ("a2c", "ddpg", "ppo", "reinforce", "sac", "td3")


def _bars_per_algorithm(groups: tuple[str, ...], titles: list[str]) -> PlotData:
    """One panel per environment, one bar per algorithm (x = hue), returns in the thousands."""
    colors = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
    legend = tuple((name, name, Look(colors[i % 6], "o")) for i, name in enumerate(groups))
    bars = tuple(
        BarItem(
            name, name, name, look, 5000.0 + 900 * i, 4500.0 + 900 * i, 5500.0 + 900 * i, (4800.0, 5200.0)
        )
        for i, (name, _, look) in enumerate(legend)
    )
    panels = tuple(Panel(title, bars=bars) for title in titles)
    return PlotData("bar", panels, legend, groups=groups, xlabel="algo", ylabel="rew")


def test_turned_category_names_still_running_together_are_turned_upright() -> None:
    """tianshou's six algorithms under each of nine environments, three panels a row in a column:
    turned at 30°, 'reinforce' crossed 'ppo' and 'sac' under every panel. They stand upright, at
    their size, each clear of the next."""
    import matplotlib

    style = FigureStyle(width=WIDTH_IN)
    with matplotlib.rc_context(rc_params(style, pgf=False)):
        size = matplotlib.font_manager.FontProperties(
            size=matplotlib.rcParams["xtick.labelsize"]
        ).get_size_in_points()
        figure = plot_figure(_bars_per_algorithm(TIANSHOU_ALGORITHMS, TIANSHOU_ENVS), style, FigureOptions())
        figure.draw_without_rendering()
        renderer = figure.canvas.get_renderer()
        for axis in figure.axes:
            names = axis.get_xticklabels()
            assert [name.get_text() for name in names] == list(TIANSHOU_ALGORITHMS)
            assert {(name.get_rotation(), name.get_fontsize()) for name in names} == {(90.0, size)}
            boxes = [name.get_window_extent(renderer) for name in names]  # upright: the box is the text's
            assert all(left.x1 < right.x0 for left, right in itertools.pairwise(boxes)), boxes


def test_category_names_running_together_even_upright_and_set_smaller_are_said_by_build(
    tmp_path: Path, cli: Any
) -> None:
    methods = [f"method{i:02d}" for i in range(12)]
    for env in ("Ant-v3", "Hopper-v3", "Walker2d-v3"):
        for method in methods:
            for seed in (0, 1):
                folder = tmp_path / "runs" / env / method / f"s{seed}"
                folder.mkdir(parents=True)
                (folder / "log.csv").write_text(f"step,rew\n0,1\n10,{2 + seed}\n")
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\npattern = "{env}/{algo}/s{seed}/log.csv"\n\n'
        '[tables.final]\nmetric = "rew"\nrows = ["algo"]\ncolumns = ["env"]\noutputs = ["final.md"]\n\n'
        '[figures.bars]\nkind = "bar"\ntable = "final"\nfacet = "env"\nx = "algo"\noutputs = ["bars.pdf"]\n'
    )
    result = cli("build")
    assert result.exit_code == 0, result.output
    assert (
        "Warning: bars: the category names under the panels of bars.pdf run into each other, even upright "
        "and set smaller: make the figure wider (width), put fewer panels a row (facet_columns), or give "
        "them shorter display names in [labels]"
    ) in result.output


def test_a_grid_of_panels_draws_its_long_axis_labels_once_clear_of_one_another(tmp_path: Path) -> None:
    """robosuite-benchmark's seven tasks in a column-wide 3-column grid: each bottom panel drew
    'exploration/num steps total', wider than the panel, into its neighbour's, and each row's
    'evaluation/Average Returns', taller than the row, into the row below's."""
    data = _panels(["Door", "Lift", "NutAssemblyRound", "PickPlaceCan", "PickPlaceMilk", "Stack", "Wipe"])
    xlabel, ylabel = "exploration/num steps total", "evaluation/Average Returns"
    data = PlotData("curve", data.panels, data.legend, xlabel=xlabel, ylabel=ylabel)
    pdf = tmp_path / "fig.pdf"
    pdf.write_bytes(render_figure(data, FigureStyle(width=WIDTH_IN), FigureOptions(), ".pdf"))
    words = [text for text, _, _ in _words(pdf)]
    assert words.count("exploration/num") == 1 and words.count("total") == 1, words
    assert words.count("evaluation/Average") == 1, words
