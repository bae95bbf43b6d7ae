"""Figures: what is plotted comes from the tables' own aggregation, one colour per method across the
project, deterministic bytes, sizes in paper units, a pixel baseline and PGF that LaTeX compiles."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import compile_latex, write_native_run
from figure_project import SEEDS, accuracy, make_project
from scipy.stats import t as stats_t

from resultsbook.errors import SpecError
from resultsbook.outputs.build import build
from resultsbook.outputs.figures import figure_data
from resultsbook.query import aggregate
from resultsbook.query.stats import bootstrap_interval
from resultsbook.render.figstyle import FigureStyle, parse_length
from resultsbook.render.palette import Look, assign_looks
from resultsbook.render.plots import (
    BarItem,
    FigureOptions,
    LineData,
    Panel,
    PlotData,
    render_figure,
    short_number,
)
from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.spec import load_spec
from resultsbook.store import Store

BASELINES = Path(__file__).resolve().parent / "baselines"

FIGURES = """
[style]
width = "3.25in"
font_size = 8

[figures.curve]
kind = "curve"
metric = "acc"
hue = "method"
facet = "dataset"
band = "sem"
outputs = ["figures/curve.pdf", "figures/curve.svg"]

[figures.bar]
kind = "bar"
table = "table1"
x = "dataset"
hue = "method"
outputs = ["figures/bar.pgf", "figures/bar.svg"]

[figures.seeds]
kind = "points"
table = "table1"
outputs = ["figures/seeds.png"]

[figures.two]
kind = "bar"
metric = "acc"
hue = "method"
x = "dataset"
where = { method = ["big", "ours"] }
spread = "minmax"
outputs = ["figures/two.svg"]
"""


@pytest.fixture
def project(tmp_path: Path):
    spec, store = make_project(tmp_path, FIGURES)
    yield spec, store
    store.close()


def test_bar_heights_and_error_bars_are_the_table_cells(project) -> None:
    spec, store = project
    table = aggregate(store, spec.tables["table1"].query)
    data = figure_data(spec, spec.figures["bar"], store, store.runs(), {"table1": table}).data
    assert data.groups == ("a", "b") and data.xlabel == "dataset" and data.ylabel == "Accuracy (%)"
    assert [label for _, label, _ in data.legend] == ["Baseline", "Big model", "Ours"]  # sorted values
    (panel,) = data.panels
    for item in panel.bars:
        method = {"Big model": "big", "Baseline": "base", "Ours": "ours"}[item.label]
        cell = table.cell((method,), (item.group,))
        assert item.center == cell.stats["mean"]
        assert (item.low, item.high) == (
            cell.stats["mean"] - cell.stats["std"],
            cell.stats["mean"] + cell.stats["std"],
        )
        finals = [accuracy(method, item.group, seed, 100) for seed in SEEDS]
        assert item.center == pytest.approx(np.mean(finals))
        assert item.high - item.center == pytest.approx(np.std(finals, ddof=1))
    assert data.note == "Mean ± std (ddof = 1) over n = 3 seeds; per run: last."


def test_points_show_every_seed_beside_the_centre(project) -> None:
    spec, store = project
    data = figure_data(spec, spec.figures["seeds"], store, store.runs(), {}).data
    assert data.kind == "points"
    item = next(i for i in data.panels[0].bars if i.key == "ours" and i.group == "b")
    assert sorted(item.values) == pytest.approx([accuracy("ours", "b", seed, 100) for seed in SEEDS])
    assert data.note.startswith("Dots: one per seed; marker with bar: mean ± std")


def test_points_of_runs_without_a_seed_say_one_dot_per_run(tmp_path: Path) -> None:
    """ML-PWS's gain sweep (one run per estimator and gain, no seed): the caption said `Dots: one per seed`
    beside `over n = 1 run`."""
    for estimator in ("pws", "mlpws"):
        for gain in (1, 2):
            (tmp_path / "sweep" / f"{estimator}_gain={gain}").mkdir(parents=True)
            (tmp_path / "sweep" / f"{estimator}_gain={gain}" / "result.csv").write_text(
                f"step,mean\n50,{gain}\n"
            )
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "sweep"\npattern = "{estimator}_gain={gain}/result.csv"\n'
        '[figures.mi]\nkind = "points"\nmetric = "mean"\nx = "gain"\nhue = "estimator"\noutputs = ["mi.png"]\n'
    )
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    store = Store.open(spec.db)
    collect(store, list(spec.sources))
    data = figure_data(spec, spec.figures["mi"], store, store.runs(), {}).data
    store.close()
    assert data.note == "Dots: one per run; marker: mean over n = 1 run; per run: last."


def test_an_interval_spread_gives_its_bounds_as_error_bars(project) -> None:
    spec, store = project
    data = figure_data(spec, spec.figures["two"], store, store.runs(), {}).data
    item = next(i for i in data.panels[0].bars if i.key == "big" and i.group == "a")
    finals = [accuracy("big", "a", seed, 100) for seed in SEEDS]
    assert (item.low, item.high) == pytest.approx((min(finals), max(finals)))


SKEWED = {"a": [1.0, 2.0, 2.5, 3.0, 40.0], "b": [10.0, 11.0, 30.0, 31.0, 90.0]}  # intervals not centred


@pytest.mark.parametrize(("center", "spread"), [("mean", "bca"), ("median", "iqr"), ("mean", "ci95")])
def test_an_error_bar_is_the_interval_the_table_prints_not_centre_plus_minus_its_width(
    tmp_path: Path, center: str, spread: str
) -> None:
    """A BCa interval or the quartiles need not be centred: drawn as centre ± half their width, a bar
    would show an interval no table prints."""
    for method, values in SKEWED.items():
        for seed, value in enumerate(values):
            config = {"method": method, "seed": seed}
            write_native_run(tmp_path / "runs" / f"{method}{seed}", config, [{"step": 1, "acc": value}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[figures.f]\nkind = "bar"\nmetric = "acc"\nx = "method"\n'
        f'center = "{center}"\nspread = "{spread}"\noutputs = ["f.svg"]\n'
    )
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    store = Store.open(spec.db)
    try:
        collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
        data = figure_data(spec, spec.figures["f"], store, store.runs(), {}).data
    finally:
        store.close()
    for item in data.panels[0].bars:
        values = np.array(SKEWED[item.group])
        if spread == "iqr":
            expected = np.percentile(values, [25, 75])
        elif spread == "ci95":
            half = stats_t.ppf(0.975, len(values) - 1) * np.std(values, ddof=1) / np.sqrt(len(values))
            expected = [np.mean(values) - half, np.mean(values) + half]
        else:
            expected = bootstrap_interval(values, "mean", 0, method="bca")
        assert (item.low, item.high) == pytest.approx(tuple(expected))


def test_a_method_keeps_its_colour_in_figures_showing_different_subsets(project) -> None:
    spec, store = project
    runs = store.runs()
    full = figure_data(spec, spec.figures["bar"], store, runs, {}).data
    subset = figure_data(spec, spec.figures["two"], store, runs, {}).data
    curve = figure_data(spec, spec.figures["curve"], store, runs, {}).data
    looks = {key: look for key, _, look in full.legend}
    assert [key for key, _, _ in subset.legend] == ["big", "ours"]
    for key, _, look in (*subset.legend, *curve.legend):
        assert look == looks[key]
    assert len({look.color for look in looks.values()}) == 3
    # and in the files themselves: "ours" is drawn in the same colour in both SVGs
    build(spec, store)
    ours = looks["ours"].color.lower()
    for name in ("bar.svg", "two.svg"):
        assert f"fill: {ours}" in (Path(spec.folder) / "figures" / name).read_text()


def test_colours_follow_the_project_values_not_the_figure() -> None:
    style = FigureStyle()
    everything = assign_looks("method", ["ours", "base", "big"], style)
    assert list(everything) == ["base", "big", "ours"]
    ordered = assign_looks("method", ["ours", "base", "big"], FigureStyle(order={"method": ("ours",)}))
    assert list(ordered) == ["ours", "base", "big"]
    assert ordered["ours"].color == style.palette[0]
    fixed = assign_looks("method", ["a", "b"], FigureStyle(colors={"method": {"b": "#000000"}}))
    assert fixed["b"].color == "#000000" and fixed["a"].color == style.palette[0]


def test_build_writes_every_figure_and_an_unchanged_rebuild_touches_nothing(project) -> None:
    spec, store = project
    first = build(spec, store)
    outputs = [p for f in spec.figures.values() for p in f.outputs]
    assert set(outputs) <= set(first.written)
    stamps = {path: (os.stat(path).st_mtime_ns, Path(path).read_bytes()) for path in outputs}
    second = build(spec, store)
    assert not set(outputs) & set(second.written)
    assert {path: (os.stat(path).st_mtime_ns, Path(path).read_bytes()) for path in outputs} == stamps


def test_figure_files_carry_no_dates_and_the_spec_size(project) -> None:
    spec, store = project
    build(spec, store)
    folder = Path(spec.folder) / "figures"
    pdf = (folder / "curve.pdf").read_bytes()
    assert b"CreationDate" not in pdf and b"ModDate" not in pdf and b"Matplotlib" not in pdf
    width, height = (float(v) for v in re.search(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", pdf).groups())
    assert width == pytest.approx(3.25 * 72)
    # two facets side by side: panels at least 1.2in tall, plus 0.3in for the legend on top
    assert height == pytest.approx((1.2 + 0.3) * 72)
    svg = (folder / "bar.svg").read_text()
    assert "<dc:date>" not in svg and "Generated by resultsbook from [figures.bar]" in svg
    assert (folder / "bar.pgf").read_text().startswith("%% Generated by resultsbook from [figures.bar]")
    png = (folder / "seeds.png").read_bytes()
    assert int.from_bytes(png[16:20], "big") == round(3.25 * 300)  # IHDR width at 300 dpi


def test_pgf_figure_compiles_in_a_latex_document(project, tmp_path: Path) -> None:
    spec, store = project
    build(spec, store)
    shutil.copy(Path(spec.folder) / "figures/bar.pgf", tmp_path / "bar.pgf")
    compile_latex(tmp_path, r"\begin{figure}\input{bar.pgf}\caption{Bars.}\end{figure}", packages=("pgf",))


def test_labels_from_logs_are_escaped_in_pgf(tmp_path: Path) -> None:
    data = _plot_data("curve", legend_label="lr_0.1 & 50% #1 {a} $x$ α")
    (tmp_path / "fig.pgf").write_bytes(render_figure(data, FigureStyle(), FigureOptions(), ".pgf"))
    compile_latex(tmp_path, r"\input{fig.pgf}", packages=("pgf",))


def test_image_matches_the_baseline(tmp_path: Path) -> None:
    from matplotlib.testing.compare import compare_images

    style = FigureStyle(width=3.0, dpi=100)
    for kind in ("curve", "bar", "points"):
        actual = tmp_path / f"{kind}.png"
        actual.write_bytes(render_figure(_plot_data(kind), style, FigureOptions(), ".png"))
        expected = BASELINES / f"{kind}.png"
        if os.environ.get("RESULTSBOOK_UPDATE_SNAPSHOTS") == "1" or not expected.exists():
            BASELINES.mkdir(exist_ok=True)
            shutil.copy(actual, expected)
            if os.environ.get("RESULTSBOOK_UPDATE_SNAPSHOTS") != "1":
                pytest.fail(
                    f"baseline {expected.name} did not exist and was written; look at it and run again"
                )
        assert compare_images(str(expected), str(actual), tol=6) is None


def test_same_plot_data_gives_the_same_bytes_in_every_format() -> None:
    data = _plot_data("bar")
    for suffix in (".pdf", ".svg", ".png"):
        assert render_figure(data, FigureStyle(), FigureOptions(), suffix) == render_figure(
            data, FigureStyle(), FigureOptions(), suffix
        )


def test_lengths_in_paper_units() -> None:
    assert parse_length("3.25in", "width") == 3.25
    assert parse_length("241.14749pt", "width") == pytest.approx(241.14749 / 72.27)
    assert parse_length("85mm", "width") == pytest.approx(85 / 25.4)
    with pytest.raises(SpecError, match=r"\\columnwidth"):
        parse_length("\\columnwidth", "width")


def test_tick_labels_shorten_large_steps() -> None:
    assert [short_number(v) for v in (0, 500, 250000, 1500000, 2e9)] == ["0", "500", "250k", "1.5M", "2G"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            'kind = "pie"\noutputs = ["f.pdf"]',
            'needs kind = one of "curve", "bar", "points", "profile", "efficiency"',
        ),
        ('kind = "curve"\nmetric = "acc"\noutputs = ["f.jpg"]', "unknown suffix"),
        ('kind = "bar"\ntable = "nope"\noutputs = ["f.pdf"]', "is not a table of the spec"),
        ('kind = "bar"\ntable = "table1"\nmetric = "acc"\noutputs = ["f.pdf"]', "remove metric"),
        ('kind = "bar"\ntable = "table1"\nhue = "lr"\noutputs = ["f.pdf"]', "is not a row or column key"),
        ('kind = "curve"\nmetric = "acc"\nband = "iqr"\noutputs = ["f.pdf"]', "band = 'iqr'"),
        (  # a stranger's curve of SB3 runs (github.com/eliamounier/Deep_RL): kind and band in other words
            'kind = "curves"\nmetric = "acc"\noutputs = ["f.pdf"]',
            """needs kind = one of "curve", "bar", "points", "profile", "efficiency"; did you mean 'curve'?""",
        ),
        (
            'kind = "curve"\nmetric = "acc"\nband = "stderr"\noutputs = ["f.pdf"]',
            """band = 'stderr'; did you mean 'sem'? (use one of std, sem, ci95, minmax or "none")""",
        ),
        ('kind = "curve"\nmetric = "acc"\nwidth = "3 inches"\noutputs = ["f.pdf"]', "is not a length"),
        ('kind = "curve"\nmetric = "acc"\nsmoth = "ema(0.5)"\noutputs = ["f.pdf"]', "did you mean 'smooth'"),
        (  # ML-PWS's MI over a gain swept on a log scale: the points stood one slot apart, the scale unsaid
            'kind = "points"\ntable = "table1"\nx = "dataset"\nxscale = "log"\noutputs = ["f.pdf"]',
            '[figures.f] xscale = "log" has no effect on a points figure, whose x axis holds one slot per '
            "value of dataset, in order; remove xscale",
        ),
    ],
)
def test_figure_spec_errors_name_the_key_and_the_fix(tmp_path: Path, entry: str, message: str) -> None:
    from figure_project import BASE_SPEC

    (tmp_path / "resultsbook.toml").write_text(BASE_SPEC + "\n[figures.f]\n" + entry + "\n")
    with pytest.raises(SpecError, match=re.escape(message)):
        load_spec(str(tmp_path / "resultsbook.toml"))


@pytest.mark.parametrize(("width", "meant"), [("txt", "text"), ("colum", "column"), ("0.48txt", "0.48text")])
def test_a_misspelt_venue_width_is_answered_with_the_one_meant(
    tmp_path: Path, width: str, meant: str
) -> None:
    from figure_project import BASE_SPEC

    figure = f'[figures.f]\nkind = "curve"\nmetric = "acc"\nwidth = "{width}"\noutputs = ["f.pdf"]\n'
    (tmp_path / "resultsbook.toml").write_text('venue = "icml"\n' + BASE_SPEC + "\n" + figure)
    with pytest.raises(
        SpecError, match=re.escape(f"width = {width!r} is not a length; did you mean {meant!r}?")
    ):
        load_spec(str(tmp_path / "resultsbook.toml"))


def test_pgf_without_latex_says_what_to_install(tmp_path: Path) -> None:
    # a fresh process: matplotlib keeps its LaTeX process alive once started
    script = tmp_path / "pgf.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_figures import _plot_data\n"
        "from resultsbook.errors import RenderError\n"
        "from resultsbook.render.figstyle import FigureStyle\n"
        "from resultsbook.render.plots import FigureOptions, render_figure\n"
        "try:\n"
        "    render_figure(_plot_data('bar'), FigureStyle(), FigureOptions(), '.pgf')\n"
        "except RenderError as error:\n"
        "    print(error)\n"
    )
    env = {**os.environ, "PATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, check=True
    )
    assert "PGF output needs a working pdflatex" in result.stdout
    assert "install TeX Live" in result.stdout


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_a_misspelt_package_of_the_preamble_names_the_file_latex_lacks(tmp_path: Path) -> None:
    # a fresh process: matplotlib keeps its LaTeX process alive once started; this was an internal error
    script = tmp_path / "pgf.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_figures import _plot_data\n"
        "from resultsbook.errors import RenderError\n"
        "from resultsbook.render.figstyle import FigureStyle\n"
        "from resultsbook.render.plots import FigureOptions, render_figure\n"
        "try:\n"
        "    render_figure(_plot_data('bar'), FigureStyle(), FigureOptions(), '.pgf', preamble=[r'\\usepackage{amsmth}'])\n"
        "except RenderError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=False)
    assert result.stdout.startswith("pdflatex has no file amsmth.sty, which the preamble loads"), (
        result.stderr[-500:]
    )


def _plot_data(kind: str, legend_label: str = "Ours") -> PlotData:
    """Plot data built by hand, so the baseline does not depend on the store or the aggregation."""
    looks = {"base": Look("#0072B2", "o"), "ours": Look("#D55E00", "s")}
    legend = (("base", "Baseline", looks["base"]), ("ours", legend_label, looks["ours"]))
    if kind == "curve":
        x = np.arange(0, 101, 10, dtype=float)
        lines = tuple(
            LineData(key, label, look, x, center, center - 2, center + 2, 3)
            for (key, label, look), center in zip(legend, (50 + 0.3 * x, 55 + 0.2 * x))
        )
        return PlotData("curve", (Panel("Dataset A", lines=lines),), legend, xlabel="Step", ylabel="Accuracy")
    bars = tuple(
        BarItem(group, key, label, look, center, center - 2, center + 3, (center - 2, center, center + 2))
        for group, shift in (("A", 0.0), ("B", 10.0))
        for (key, label, look), center in zip(legend, (60 + shift, 70 + shift))
    )
    return PlotData(
        kind, (Panel("", bars=bars),), legend, groups=("A", "B"), xlabel="Dataset", ylabel="Accuracy"
    )


def test_a_curve_figure_warns_of_a_line_mixing_configs_unless_the_param_is_run_specific(
    tmp_path: Path,
) -> None:
    """The warning a table cell gives as † is given by a curve line too, and `run_specific` of the
    figure exempts a param as a table's does."""
    from conftest import write_native_run

    from resultsbook.outputs.build import build
    from resultsbook.sources.collect import CollectRequest, collect
    from resultsbook.store import Store

    for seed in (0, 1):
        config = {"model": "mlp", "seed": seed, "tag": f"t{seed}"}
        write_native_run(
            tmp_path / "runs" / f"r{seed}", config, [{"step": 1, "acc": 0.5}, {"step": 2, "acc": 0.6}]
        )
    figure = '[[sources]]\npath = "runs"\n[figures.c]\nkind = "curve"\nmetric = "acc"\nhue = "model"\noutputs = ["c.png"]\n'
    warnings = []
    for extra in ("", 'run_specific = ["tag"]\n'):
        (tmp_path / "resultsbook.toml").write_text(figure + extra)
        spec = load_spec(str(tmp_path / "resultsbook.toml"))
        store = Store.open(spec.db)
        collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
        warnings.append(build(spec, store).warnings)
        store.close()
    assert warnings == [("c: model=mlp: averages runs that differ in tag (t0, t1)",), ()]


@pytest.mark.parametrize(("hue_is_x", "expected"), [(True, [(0.0, 0.8), (1.0, 0.8)]), (False, None)])
def test_a_bar_whose_hue_is_its_x_fills_its_slot(hue_is_x, expected) -> None:
    """d3rlpy's Atari table as a bar figure per game (facet = "game", x = hue = "algo"): each bar was
    drawn a fifth as wide, off centre, in the slot of a hue that never shared it."""
    from matplotlib.figure import Figure

    from resultsbook.render.plots import plot_bar

    looks = {"bcq": Look("#0072B2", "o"), "cql": Look("#D55E00", "s")}
    legend = tuple((key, key.upper(), look) for key, look in looks.items())
    groups = ("BCQ", "CQL") if hue_is_x else ("asterix", "pong")
    pairs = list(zip(groups, looks)) if hue_is_x else [(group, key) for group in groups for key in looks]
    bars = tuple(
        BarItem(group, key, key.upper(), looks[key], 5.0, 4.0, 6.0, (4.0, 6.0)) for group, key in pairs
    )
    data = PlotData("bar", (Panel("", bars=bars),), legend, groups=groups)
    axis = Figure().subplots()
    plot_bar(axis, data.panels[0], data, FigureStyle(), FigureOptions())
    drawn = [(round(p.get_x() + p.get_width() / 2, 6), round(p.get_width() / 0.92, 6)) for p in axis.patches]
    if expected is None:  # two hues in each category: side by side, each in its own half
        assert drawn == [(-0.2, 0.4), (0.2, 0.4), (0.8, 0.4), (1.2, 0.4)]
    else:
        assert drawn == expected


def test_a_curve_of_one_grid_point_is_drawn_as_a_marker_with_its_interval() -> None:
    """Optuna trials that logged val_acc once each at step 175 (Elluito/spase-resnet-50-experiments@a9285c1,
    lightning_logs/version_*): the figure had axes and a legend but nothing in the plot."""
    from matplotlib.figure import Figure

    from resultsbook.render.plots import plot_curve

    look = Look("#0072B2", "o")
    line = LineData(
        "lightning_logs", "lightning_logs", look, np.array([175.0]), np.array([0.133]), np.array([0.126]),
        np.array([0.140]), 107,
    )  # fmt: skip
    data = PlotData("curve", (Panel("", lines=(line,)),), (("lightning_logs", "lightning_logs", look),))
    axis = Figure().subplots()
    plot_curve(axis, data.panels[0], data, FigureStyle(), FigureOptions())
    markers = [drawn for drawn in axis.get_lines() if drawn.get_marker() == "o"]  # not the caps
    assert [(list(m.get_xdata()), list(m.get_ydata())) for m in markers] == [([175.0], [0.133])]
    bars = [segment for collection in axis.collections for segment in collection.get_segments()]
    assert [[tuple(point) for point in segment] for segment in bars] == [[(175.0, 0.126), (175.0, 0.140)]]


def test_a_curve_over_a_keras_historys_epoch_column_is_told_it_is_the_step(tmp_path: Path, cli) -> None:
    """dna-nn-theory's `<model>-<dataset>-dynamics.csv` (epoch,accuracy,loss,val_accuracy,val_loss):
    x = "epoch" was refused with the logged metrics alone, where the epoch column had gone."""
    (tmp_path / "results").mkdir()
    for model in ("cnn", "rnn"):
        rows = "\n".join(f"{epoch},{0.5 + epoch / 10}" for epoch in range(4))
        (tmp_path / "results" / f"{model}-splice-dynamics.csv").write_text(f"epoch,val_accuracy\n{rows}\n")
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "results"\npattern = "{model}-{dataset}-dynamics.csv"\n'
        '[figures.curves]\nkind = "curve"\nmetric = "val_accuracy"\nx = "epoch"\nhue = "model"\n'
        'outputs = ["curves.png"]\n'
    )
    result = cli("build")
    assert result.exit_code == 2
    assert (
        "Error: resultsbook.toml: [figures.curves] no run logs a metric 'epoch'; a CSV log's 'epoch' column "
        "is read as its points' steps, not a metric (a curve's x = \"step\"); logged metrics: val_accuracy"
    ) in result.output
    (tmp_path / "resultsbook.toml").write_text(
        (tmp_path / "resultsbook.toml").read_text().replace('x = "epoch"', 'x = "step"')
    )
    assert cli("build").exit_code == 0


def test_a_curve_over_wall_time_of_runs_logging_no_time_fails_saying_so(tmp_path: Path, cli) -> None:
    """Native runs of step and score only, x = "time": a blank figure was written, exit 0, warned of
    as a typo in where or the metric; the figure now fails as a table that cannot be computed does."""
    for seed in range(3):
        write_native_run(
            tmp_path / f"runs/a_{seed}",
            {"model": "a", "seed": seed},
            [{"step": s, "score": s + seed} for s in (0, 5)],
        )
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs/"\n[figures.tm]\nkind = "curve"\nmetric = "score"\nhue = "model"\n'
        'x = "time"\noutputs = ["out/tm.png"]\n[tables.t]\nmetric = "score"\nrows = ["model"]\ngoal = "max"\n'
        'outputs = ["out/t.md"]\n'
    )
    result = cli("build")
    assert result.exit_code == 2
    assert (
        "Error: resultsbook.toml: [figures.tm] x = \"time\": none of the 3 run(s) logging 'score' records "
        'wall time; log a "time" with each point, or use x = "step"'
    ) in result.output
    assert "no points" not in result.output and "check where" not in result.output
    assert (tmp_path / "out/t.md").exists() and not (tmp_path / "out/tm.png").exists()
    # the runs of model a record wall time: model b's are left out for that, not for having no points
    for seed in range(3):
        points = [{"step": s, "time": 100.0 + s, "score": s + seed} for s in (0, 5)]
        write_native_run(tmp_path / f"runs/b_{seed}", {"model": "b", "seed": seed}, points)
    result = cli("build")
    assert (
        'Warning: tm: 3 run(s) of model=a record no wall time: log a "time" with each point, or use x = '
        '"step", and were left out'
    ) in result.output.splitlines(), result.output


def test_a_legend_of_bare_numbers_says_which_key_they_are(tmp_path: Path) -> None:
    """Curves of five DVCLive folds, hue = "fold": the legend read 0, 1, 2, 3, 4, numbers naming
    nothing; each now says `fold = 0`, while a value with a display name keeps it."""
    extra = (
        FIGURES
        + """
[figures.by_seed]
kind = "curve"
metric = "acc"
hue = "seed"
where = { method = "ours", dataset = "a" }
outputs = ["figures/by_seed.pdf"]

[labels.values.seed]
2 = "seed two"
"""
    )
    spec, store = make_project(tmp_path, extra)
    data = figure_data(spec, spec.figures["by_seed"], store, store.runs(), {}).data
    store.close()
    assert [label for _, label, _ in data.legend] == [
        f"seed = {seed}" if seed != 2 else "seed two" for seed in SEEDS
    ]


def test_a_curve_over_a_few_whole_rounds_is_ticked_at_whole_rounds() -> None:
    """stavrosb00/FedLearningFoodClassification@e17c9aa's FedAvg seeds log test accuracy at rounds 1,
    2, 3: the curve's x axis was ticked 1, 1.25, 1.5, ..., steps no run can have."""
    from resultsbook.render.plots import plot_figure

    look = Look("#0072B2", "o")
    x, center = np.array([1.0, 2.0, 3.0]), np.array([25.3, 25.3, 28.2])
    line = LineData("fedavg", "fedavg", look, x, center, center - 5, center + 11, 3)
    data = PlotData("curve", (Panel("", lines=(line,)),), (("fedavg", "fedavg", look),), xlabel="Step")
    axis = plot_figure(data, FigureStyle(), FigureOptions()).axes[0]
    assert [tick for tick in axis.get_xticks() if 1 <= tick <= 3] == [1.0, 2.0, 3.0]
    halves = LineData("fedavg", "fedavg", look, x / 2, center, center, center, 3)  # 0.5, 1, 1.5: not whole
    data = PlotData("curve", (Panel("", lines=(halves,)),), (("fedavg", "fedavg", look),))
    ticks = plot_figure(data, FigureStyle(), FigureOptions()).axes[0].get_xticks()
    assert any(tick != round(tick) for tick in ticks)


@pytest.mark.parametrize(
    ("scales", "figure", "said"),
    [
        ((0.85, 30000.0), 'x = "dataset"\nhue = "method"', True),
        ((0.85, 30000.0), 'x = "method"\nhue = "method"\nfacet = "dataset"', False),
        ((0.85, 0.7), 'x = "dataset"\nhue = "method"', False),
    ],
)
def test_bars_of_tasks_far_apart_in_scale_on_one_axis_are_said_with_the_facet_that_parts_them(
    tmp_path: Path, scales: tuple[float, float], figure: str, said: bool
) -> None:
    """yandex-research/tabm's bars by dataset: house's −30,000 beside datasets scored near 0.8 drew
    their bars as flat lines at 0, and the build said nothing (its table warned of the tasks' units)."""
    for dataset, scale in zip(("adult", "house"), scales):
        for method, gain in (("mlp", 1.0), ("tabm", 1.01)):
            for seed in range(3):
                config = {"method": method, "dataset": dataset, "seed": seed}
                value = scale * gain * (1 + seed / 100)
                write_native_run(
                    tmp_path / "runs" / f"{dataset}{method}{seed}", config, [{"step": 1, "acc": value}]
                )
    (tmp_path / "resultsbook.toml").write_text(
        f'[[sources]]\npath = "runs"\n[figures.f]\nkind = "bar"\nmetric = "acc"\n{figure}\noutputs = ["f.svg"]\n'
    )
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    with Store.open(spec.db) as store:
        collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
        notes = figure_data(spec, spec.figures["f"], store, store.runs(), {}).notes
    warned = [note for note in notes if "own units on one y axis" in note]
    assert warned == (
        [
            'x = "dataset" puts tasks whose scores are in their own units on one y axis (house around 30,603, '
            'adult around 0.867): the smaller ones\' bars are flat; facet = "dataset" with x = hue = "method" '
            "gives each task its own axis"
        ]
        if said
        else []
    )


def test_the_number_1_and_the_text_1_get_a_slot_and_a_look_each(tmp_path: Path) -> None:
    """Runs of model 1 and of model "1" are two cells of the table, but the bar figure drew the 0.32 bar
    behind the 0.82 one in the first slot, leaving the second empty, and the curve drew both in one
    colour, marker and legend entry. The text is now `'1'` beside the number, with a look of its own."""
    for index, (model, level) in enumerate([(1, 0.8), ("1", 0.3), ("b", 0.5)]):
        for seed in range(3):
            config = {"model": model, "seed": seed}
            metrics = [{"step": 0, "acc": level + 0.02 * seed}]
            write_native_run(tmp_path / "runs" / f"r{index}{seed}", config, metrics)
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "acc"\nrows = ["model"]\n'
        '[figures.b]\nkind = "bar"\ntable = "t"\nx = "model"\noutputs = ["b.png"]\n'
        '[figures.c]\nkind = "curve"\nmetric = "acc"\nhue = "model"\noutputs = ["c.png"]\n'
    )
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    with Store.open(spec.db) as store:
        collect(store, list(spec.sources))
        table = aggregate(store, spec.tables["t"].query)
        bars = figure_data(spec, spec.figures["b"], store, store.runs(), {"t": table}).data
        curves = figure_data(spec, spec.figures["c"], store, store.runs(), {}).data
    assert bars.groups == ("1", "'1'", "b")
    assert [(item.group, round(item.center, 2)) for item in bars.panels[0].bars] == [
        ("1", 0.82),
        ("'1'", 0.32),
        ("b", 0.52),
    ]
    assert [label for _, label, _ in curves.legend] == ["1", "'1'", "b"]
    assert len({look.color for _, _, look in curves.legend}) == 3
