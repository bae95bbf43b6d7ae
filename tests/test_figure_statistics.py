"""What a figure's centre, band and error bars are, checked against numpy, and what the figure says of
them: how many seeds a grid point holds, where a band has no width, what a log axis cannot draw."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import compile_latex, write_native_run

from resultsbook.outputs.figures import figure_data, render_figure_files
from resultsbook.query.curves import CurveQuery, aggregate_curves
from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.spec import load_spec
from resultsbook.store import Store


def _project(root: Path, runs: dict[tuple[str, str, int], list[tuple[int, float]]], figures: str):
    """Write one native run per (env, algo, seed) with its (step, rew) points, a spec, and collect."""
    for (env, algo, seed), points in runs.items():
        metrics = [{"step": step, "rew": value} for step, value in points]
        write_native_run(
            root / f"runs/{env}_{algo}_{seed}", {"env": env, "algo": algo, "seed": seed}, metrics
        )
    (root / "resultsbook.toml").write_text('[[sources]]\npath = "runs"\n' + textwrap.dedent(figures))
    spec = load_spec(str(root / "resultsbook.toml"))
    store = Store.open(spec.db)
    collect(store, [CollectRequest(path=str(root / "runs"))])
    return spec, store


def test_a_line_kept_where_fewer_seeds_reach_says_how_few_and_that_one_seed_has_no_band(
    tmp_path: Path,
) -> None:
    """min_seeds = 1 keeps the steps only one seed reached: the band there (a std of one value) had no
    width and the note still said `mean over n = 3 seeds`, as if every point held three."""
    ends = {0: 30, 1: 10, 2: 10}
    for seed, end in ends.items():
        points = [{"step": s, "acc": s + 2.0 * seed} for s in range(0, end + 1, 10)]
        write_native_run(tmp_path / f"runs/s{seed}", {"seed": seed}, points)
    store = Store.open(str(tmp_path / "rb.db"))
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    curves = aggregate_curves(store, CurveQuery(metric="acc", min_seeds=1))
    (line,) = curves.lines
    # numpy, on its own: each step's values over the seeds that logged it
    values = {s: [s + 2.0 * seed for seed, end in ends.items() if s <= end] for s in (0, 10, 20, 30)}
    np.testing.assert_allclose(line.center, [np.mean(v) for v in values.values()])
    assert line.n.tolist() == [len(v) for v in values.values()] == [3, 3, 1, 1]
    stds = [np.std(v, ddof=1) if len(v) > 1 else 0.0 for v in values.values()]
    np.testing.assert_allclose(line.high - line.center, stds)
    assert curves.statement() == (
        "Lines: mean over n = 3 seeds, 1–3 of them at a grid point; band: ± std (ddof = 1); no band where "
        "one seed had data; seeds logged at different steps were linearly interpolated onto a common grid "
        "(at most 200 points), kept where at least 1 seed had data."
    )
    assert curves.notes == (
        "the figure: 2 of 4 grid points average fewer than its 3 seeds (down to 1: seed 1 ends at step 10 "
        "and seed 2 ends at step 10, the others at 30)",
    )


def test_an_iqm_line_says_its_band_is_a_std_about_the_seeds_drawn_around_the_iqm(tmp_path: Path) -> None:
    """d3rlpy-atari (takuseno/d3rlpy-benchmarks @ 1771c9b2, runs/<Algo>_<game>_<seed>/environment.csv):
    `center = "iqm"` with a std band read `iqm over n = 10 seeds; band: ± std`, as if the band were
    about the mean; the band is the seeds' std, drawn around the IQM."""
    finals = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 40.0]
    for seed, value in enumerate(finals):
        write_native_run(tmp_path / f"runs/s{seed}", {"seed": seed}, [{"step": 1, "acc": value}])
    store = Store.open(str(tmp_path / "rb.db"))
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    curves = aggregate_curves(store, CurveQuery(metric="acc", center="iqm"))
    (line,) = curves.lines
    middle = np.sort(finals)[2:8]  # the IQM of 10 values: the mean of the middle 6
    assert line.center[0] == pytest.approx(middle.mean())
    assert line.high[0] - line.center[0] == pytest.approx(np.std(finals, ddof=1))
    assert curves.statement().startswith("Lines: IQM over n = 10 seeds; band: IQM ± std (ddof = 1)")


LOG_FIGURES = """
[figures.curves]
kind = "curve"
metric = "rew"
hue = "algo"
facet = "env"
yscale = "log"
outputs = ["curves.pdf"]

[figures.swimmer]
kind = "curve"
metric = "rew"
hue = "algo"
where = { env = "Swimmer-v3" }
yscale = "log"
outputs = ["swimmer.pdf"]

[figures.swimmer_pgf]
kind = "curve"
metric = "rew"
hue = "algo"
where = { env = "Swimmer-v3" }
yscale = "log"
outputs = ["swimmer.pgf"]
"""


PPO = (0.0, 1.0, 60.0)  # one ppo seed far above the others: a std wider than the mean at first


def _tianshou_like(tmp_path: Path):
    """tianshou's MuJoCo results (thu-ml/tianshou @ 39acf209, examples/mujoco/benchmark/<env>/<algo>/
    test_rew_10seeds.csv, one column per seed): Reacher-v2's returns are all below 0, Swimmer-v3's ppo
    seeds start near 0 and spread wide."""
    runs = {}
    for seed in range(3):
        runs[("Reacher-v2", "sac", seed)] = [(s, -50.0 + s / 10 + seed) for s in (0, 100, 200)]
        runs[("Swimmer-v3", "ppo", seed)] = [(s, 2.0 + s / 10 + PPO[seed]) for s in (0, 100, 200)]
        runs[("Swimmer-v3", "sac", seed)] = [(s, 20.0 + s / 10 + seed) for s in (0, 100, 200)]
    return _project(tmp_path, runs, LOG_FIGURES)


def test_a_log_axis_names_the_values_it_cannot_draw(tmp_path: Path) -> None:
    """A log y axis over tianshou's returns drew Reacher-v2 as an empty panel and Swimmer's ppo band as
    a block down to the axis's bottom, and build said nothing."""
    spec, store = _tianshou_like(tmp_path)
    _, result = render_figure_files(spec, spec.figures["curves"], store, store.runs(), {})
    reacher = result.data.panels[0].lines[0]
    below = int(np.sum(reacher.center <= 0))  # numpy: every mean of Reacher's returns is below 0
    assert below == len(reacher.x) == 3
    swimmer_ppo = result.data.panels[1].lines[0]
    rows = np.array([[2.0 + s / 10 + PPO[seed] for s in (0, 100, 200)] for seed in range(3)])
    np.testing.assert_allclose(swimmer_ppo.low, rows.mean(axis=0) - rows.std(axis=0, ddof=1))
    assert swimmer_ppo.low.min() <= 0 < swimmer_ppo.center.min()
    assert (
        'yscale = "log" cannot draw values at or below 0; left out of the figure: Reacher-v2, sac: 3 of 3 '
        "point(s); bands cut off at the axis's bottom: Swimmer-v3, ppo; "
        'yscale = "symlog" draws them, or shift the values above 0'
    ) in result.notes


INFINITE_FIGURES = """
[figures.curves]
kind = "curve"
metric = "rew"
hue = "algo"
outputs = ["curves.pdf"]

[figures.bars]
kind = "bar"
metric = "rew"
x = "env"
hue = "algo"
outputs = ["bars.pdf", "bars.png"]

[figures.dots]
kind = "points"
metric = "rew"
x = "env"
hue = "algo"
outputs = ["dots.pdf"]
"""


def test_infinite_values_a_figure_cannot_draw_are_named_with_the_figure_and_cell(tmp_path: Path) -> None:
    """A seed whose return went to inf: its curve stopped there, the bar of its cell was missing (numpy's
    `RuntimeWarning: invalid value encountered in dot` leaking to the terminal), and build said nothing."""
    runs = {}
    for seed in range(3):
        runs[("Hopper", "sac", seed)] = [(s, 20.0 + s / 10 + seed) for s in (0, 100, 200)]
        runs[("Hopper", "ppo", seed)] = [(s, 10.0 + s / 10 + seed) for s in (0, 100, 200)]
    runs[("Hopper", "ppo", 2)][-1] = (200, float("inf"))
    spec, store = _project(tmp_path, runs, INFINITE_FIGURES)
    said = {}
    for name in ("curves", "bars", "dots"):  # warnings are errors here: none may leak from drawing
        _, result = render_figure_files(spec, spec.figures[name], store, store.runs(), {})
        said[name] = [note for note in result.notes if note.startswith("infinite")]
    left_out = "infinite values cannot be drawn and are left out of the figure: "
    assert said == {
        "curves": [left_out + "ppo: 1 of 3 point(s), from x = 200"],
        "bars": [left_out + "Hopper, ppo: its bar"],
        "dots": [left_out + "Hopper, ppo: its centre; Hopper, ppo: 1 of 3 seed(s)"],
    }


def test_a_log_axis_ticks_read_as_numbers_not_as_mathtext_source(tmp_path: Path) -> None:
    """The tick labels of a log axis were drawn as `$\\mathdefault{10^{2}}$`, the source matplotlib
    writes for mathtext, since every tick label was drawn as plain text."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: apt-get install poppler-utils")
    spec, store = _tianshou_like(tmp_path)
    files, _ = render_figure_files(spec, spec.figures["swimmer"], store, store.runs(), {})
    (tmp_path / "curves.pdf").write_bytes(next(iter(files.values())))
    text = subprocess.run(["pdftotext", str(tmp_path / "curves.pdf"), "-"], capture_output=True, text=True)
    assert "mathdefault" not in text.stdout
    assert "101" in text.stdout.split()  # 10 with a superscript 1, as pdftotext reads it


def test_a_bar_of_one_seed_beside_bars_of_several_says_it_has_no_error_bar(tmp_path: Path) -> None:
    """IRIS's Atari 100k results (eloialonso/iris @ 24326aaa, results/data/*.json): MuZero and
    EfficientZero have one run per game beside SPR's 100; their bars had no error bar, read as seeds
    that agree, and the note said only `Mean ± std over n = 1–3 seeds`."""
    runs = {("pong", "MuZero", 0): [(1, 5.0)]}
    runs |= {("pong", "SPR", seed): [(1, value)] for seed, value in enumerate((1.0, 2.0, 6.0))}
    spec, store = _project(
        tmp_path,
        runs,
        """
        [figures.bars]
        kind = "bar"
        metric = "rew"
        x = "env"
        hue = "algo"
        outputs = ["bars.pdf"]
        """,
    )
    data = figure_data(spec, spec.figures["bars"], store, store.runs(), {}).data
    muzero, spr = data.panels[0].bars
    assert (muzero.low, muzero.center, muzero.high) == (5.0, 5.0, 5.0)
    assert spr.high - spr.center == pytest.approx(np.std([1.0, 2.0, 6.0], ddof=1))
    assert data.note.endswith(" 1 bar(s) of one seed (n = 1): no std, no error bar.")


def test_a_y_label_longer_than_its_panel_wraps_below_a_legend_on_top() -> None:
    """A column-wide curve (3.34 in, ACM's \\columnwidth) with nine methods in a legend on top and the
    y label `Normalized average return over evaluation episodes`: the label, longer than the panel,
    ran up past it into the legend's first column."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from resultsbook.render.figstyle import FigureStyle
    from resultsbook.render.palette import Look
    from resultsbook.render.plots import FigureOptions, LineData, Panel, PlotData, plot_figure

    x = np.arange(0, 101, 10, dtype=float)
    names = [f"method with a long name {i}" for i in range(9)]
    legend = tuple((name, name, Look("#0072B2", "o")) for name in names)
    lines = tuple(
        LineData(k, k, look, x, x + i, x + i - 1, x + i + 1, 3) for i, (k, _, look) in enumerate(legend)
    )
    ylabel = "Normalized average return over evaluation episodes"
    data = PlotData("curve", (Panel("", lines=lines),), legend, xlabel="Step", ylabel=ylabel)
    figure = plot_figure(data, FigureStyle(width=241.14749 / 72.27), FigureOptions())
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    label = figure.axes[0].yaxis.label
    panel = figure.axes[0].get_window_extent(renderer)
    drawn = label.get_window_extent(renderer)
    top_legend = figure.legends[0].get_window_extent(renderer)
    assert label.get_text().replace("\n", " ") == ylabel  # every word kept, in order
    assert drawn.y1 <= top_legend.y0  # below the legend, as the panel is
    assert panel.y0 - 1 <= drawn.y0 and drawn.y1 <= panel.y1 + 1


def test_a_curve_over_run_index_seeds_counts_runs_one_per_run_index(tmp_path: Path) -> None:
    """CORL's offline-to-online results (corl-team/CORL @ eeeeef26, one JSON list of runs with
    `run_index` as the seed and an `online_curve`): `replicate = ["run_index"]` made the note read
    `mean over n = 4 run_indexs`; a table says `runs (one per run_index)`."""
    curves = {0: [0.1, 0.2, 0.4], 1: [0.0, 0.3, 0.5], 2: [0.2, 0.2, 0.6], 3: [0.1, 0.5, 0.9]}
    for index, curve in curves.items():
        points = [{"step": step, "online_curve": value} for step, value in enumerate(curve)]
        write_native_run(tmp_path / f"runs/r{index}", {"algorithm": "AWAC", "run_index": index}, points)
    store = Store.open(str(tmp_path / "rb.db"))
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    result = aggregate_curves(store, CurveQuery(metric="online_curve", replicate=("run_index",), band="ci95"))
    (line,) = result.lines
    rows = np.array(list(curves.values()))
    half = 3.182446305284263 * rows.std(axis=0, ddof=1) / 2  # t(0.975, 3 dof) × s / √4
    np.testing.assert_allclose(line.high - line.center, half)
    assert result.statement() == (
        "Lines: mean over n = 4 runs (one per run_index); band: 95% t-interval of the mean."
    )


def test_a_symlog_axis_ticks_0_and_powers_outside_its_linear_range_not_overlapping_ones(
    tmp_path: Path,
) -> None:
    """tianshou's returns from -1000 to 10000 on `yscale = "symlog"`: ticks at -1, 0 and 1 sat inside
    the linear range (|y| < 2) beside one another, and 10⁰, 0, −10⁰ were drawn over each other."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from resultsbook.render.figstyle import FigureStyle
    from resultsbook.render.plots import FigureOptions, plot_figure

    spec, store = _tianshou_like(tmp_path)
    data = figure_data(spec, spec.figures["curves"], store, store.runs(), {}).data
    figure = plot_figure(data, FigureStyle(width=3.5), FigureOptions(yscale="symlog"))
    FigureCanvasAgg(figure).draw()
    for axis in figure.axes:
        low, high = axis.get_ylim()
        ticks = [tick for tick in axis.get_yticks() if low <= tick <= high]
        assert 0 in ticks or low > 0 or high < 0
        assert all(tick == 0 or abs(tick) >= 2 for tick in ticks), ticks


def test_a_symlog_axis_over_many_decades_labels_every_few_and_pads_its_limits_in_symlog_space() -> None:
    """One line at 1e12, one at -5000..-6000: 23 decades were labelled over one another, and the bottom
    was padded by 5 % of the linear range, to -6e10, seven empty decades below the lower line."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from resultsbook.render.figstyle import FigureStyle, rc_params
    from resultsbook.render.palette import Look
    from resultsbook.render.plots import FigureOptions, LineData, Panel, PlotData, plot_figure

    x = np.arange(0, 50, 5, dtype=float)
    flat = np.ones_like(x)
    big = LineData("big", "big", Look("#0072B2", "o"), x, 1.1e12 * flat, 1.0e12 * flat, 1.2e12 * flat, 3)
    neg = LineData("neg", "neg", Look("#D55E00", "s"), x, -5500 * flat, -6000 * flat, -5000 * flat, 3)
    legend = (("big", "big", big.look), ("neg", "neg", neg.look))
    data = PlotData("curve", (Panel("", lines=(big, neg)),), legend, xlabel="Step", ylabel="score")
    style = FigureStyle(width=3.25)
    with matplotlib.rc_context(rc_params(style, pgf=False)):
        figure = plot_figure(data, style, FigureOptions(yscale="symlog"))
        FigureCanvasAgg(figure).draw()
    [axis] = figure.axes
    low, high = axis.get_ylim()
    assert -1e5 < low < -6000 and 1.2e12 < high < 1e13  # less than a decade beyond each line
    shown = [label.get_text() for label in axis.get_yticklabels() if low <= label.get_position()[1] <= high]
    assert shown == [
        "$\\mathdefault{-10^{3}}$", "$\\mathdefault{0}$", "$\\mathdefault{10^{3}}$",
        "$\\mathdefault{10^{6}}$", "$\\mathdefault{10^{9}}$", "$\\mathdefault{10^{12}}$",
    ]  # fmt: skip


def test_a_log_axis_pgf_compiles_in_a_paper_that_does_not_define_mathdefault(tmp_path: Path) -> None:
    """A log axis's ticks are written as `$\\mathdefault{10^{1}}$` in a .pgf, and a paper that follows
    the docs (`\\usepackage{pgf}`, `\\input{...}`) stopped at `Undefined control sequence`."""
    spec, store = _tianshou_like(tmp_path)
    files, _ = render_figure_files(spec, spec.figures["swimmer_pgf"], store, store.runs(), {})
    (tmp_path / "swimmer.pgf").write_bytes(next(iter(files.values())))
    assert b"$\\mathdefault{10^{1}}$" in (tmp_path / "swimmer.pgf").read_bytes()
    compile_latex(tmp_path, "\\input{swimmer.pgf}", packages=("pgf",))


def test_check_counts_the_seeds_at_a_curves_last_point_not_every_seed_of_the_line(tmp_path: Path) -> None:
    """What `check` remembers of a curve is its last point, centre, band and n: with min_seeds = 1 that
    point held one seed of three, and the lock said n = 3 beside a band of no width."""
    from resultsbook.render.figvalues import plotted_values

    ends = {("Hopper-v3", "sac", 0): 30, ("Hopper-v3", "sac", 1): 10, ("Hopper-v3", "sac", 2): 10}
    runs = {key: [(s, 1.0 + s + key[2]) for s in range(0, end + 1, 10)] for key, end in ends.items()}
    spec, store = _project(
        tmp_path,
        runs,
        """
        [figures.hopper]
        kind = "curve"
        metric = "rew"
        hue = "algo"
        min_seeds = 1
        outputs = ["hopper.pdf"]
        """,
    )
    data = figure_data(spec, spec.figures["hopper"], store, store.runs(), {}).data
    (value,) = plotted_values(data, interval=False).values()
    assert value["n"] == sum(1 for end in ends.values() if end >= 30) == 1
    assert value["value"] == "31.0"  # seed 0 alone at step 30: no band
