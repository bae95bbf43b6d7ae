"""Rendering: LaTeX that compiles and reads well, Markdown, escaping of untrusted values."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from conftest import assert_snapshot, compile_latex, curve

from resultsbook.query import MetricSpec, TableQuery, aggregate
from resultsbook.render import Labels, LatexOptions, TableFormat, render_table
from resultsbook.render.escape import escape_latex, escape_markdown
from resultsbook.sources.collect import CollectRequest, collect

NASTY = "lr_0.1 & 50% #1 $x$ {a} ~b^2 \\c αβ→ ünï †"


@pytest.fixture
def grid(make_run, store, tmp_path):
    """Two models × two datasets × three seeds, one model with a nasty name, one seed missing."""
    values = {
        ("resnet", "cifar"): [93.1, 93.5, 93.3],
        ("resnet", "svhn"): [96.0, 96.4, 96.2],
        (NASTY, "cifar"): [91.0, 91.6, 91.3],
        (NASTY, "svhn"): [96.5, 96.9],
    }
    for (model, dataset), seeds in values.items():
        for seed, value in enumerate(seeds):
            make_run(
                f"{len(model)}-{dataset}-{seed}",
                {"model": model, "dataset": dataset, "seed": seed},
                curve([value / 2, value], key="test/acc"),
            )
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    query = TableQuery(metrics=(MetricSpec("test/acc"),), rows=("model",), columns=("dataset",))
    return aggregate(store, query)


LABELS = Labels(
    keys={"model": "Model & size", "dataset": "Data_set"}, values={"dataset": {"cifar": "CIFAR-10"}}
)


@pytest.mark.parametrize("style", ["pm", "sub", "siunitx", "siunitx-S"])
def test_latex_styles_compile_with_pdflatex(grid, style, tmp_path):
    text = render_table(grid, "latex", TableFormat(style=style, digits=1), LABELS)
    assert_snapshot(f"grid_{style}.tex", text)
    (tmp_path / "table.tex").write_text(text)
    compile_latex(tmp_path, r"\input{table.tex}", packages=("booktabs", "siunitx"))


def test_latex_float_with_caption_label_and_groups_compiles(grid, tmp_path):
    query = TableQuery(metrics=(MetricSpec("test/acc"),), rows=("dataset", "model"))
    del query  # the grid already holds both keys; lay them out as row groups instead
    options = LatexOptions(float=True, caption=f"Accuracy of {NASTY}", label="tab:main")
    text = render_table(grid, "latex", TableFormat(highlight="none"), LABELS, options)
    assert text.count(r"\begin{table}[t]") == 1 and r"\label{tab:main}" in text
    (tmp_path / "table.tex").write_text(text)
    compile_latex(tmp_path, r"\input{table.tex}")


def test_markdown_snapshot_and_bold_best(grid):
    text = render_table(grid, "markdown", TableFormat(digits=1), LABELS)
    assert_snapshot("grid.md", text)
    assert "**96.7 ± 0.3**" in text


def test_terminal_output(grid):
    assert_snapshot("grid.txt", render_table(grid, "terminal", TableFormat(digits=2), LABELS))


def test_best_is_bold_second_underlined_and_ties_share(grid):
    text = render_table(grid, "latex", TableFormat(digits=0, highlight="row"), LABELS)
    # at 0 decimals resnet's cifar and svhn round to 93 and 96: svhn best; nasty's 91 vs 97
    assert r"\textbf{96 $\pm$ 0}" in text and r"\textbf{97 $\pm$ 0}" in text


def test_cells_compete_for_bold_by_their_value_not_by_the_label_they_print(make_run, store, tmp_path):
    """lr 0.1 the number and "0.1" the text print the same header, yet are two settings: a's number
    cell was underlined as runner-up to its own text cell, and b's cell of the same lr not bold-tested."""
    for method, base, lrs in [("a", 90.0, [0.1, "0.1"]), ("b", 80.0, [0.1])]:
        for lr in lrs:
            for seed in range(3):
                value = base + (2 if isinstance(lr, str) else 0) + 0.1 * seed
                name = f"{method}-{type(lr).__name__}-{seed}"
                make_run(name, {"method": method, "lr": lr, "seed": seed}, curve([value], key="acc"))
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    table = aggregate(store, TableQuery(metrics=(MetricSpec("acc"),), rows=("method",), columns=("lr",)))
    text = render_table(table, "latex", TableFormat(digits=1), Labels())
    assert r"a & \textbf{90.1 $\pm$ 0.1} & 92.1 $\pm$ 0.1 \\" in text
    assert r"b & 80.1 $\pm$ 0.1 & -- \\" in text


def test_escape_latex_makes_any_text_safe():
    assert escape_latex("a_b%c&d#e$f{g}h~i^j\\k") == (
        r"a\_b\%c\&d\#e\$f\{g\}h\textasciitilde{}i\textasciicircum{}j\textbackslash{}k"
    )
    assert escape_latex("α→≥ü") == r"\ensuremath{\alpha}\ensuremath{\rightarrow}\ensuremath{\geq}\"{u}"


def test_escape_markdown_neutralises_tables_links_and_html():
    assert escape_markdown("a|b *c* [d](e) <script>") == r"a\|b \*c\* \[d\](e) &lt;script&gt;"


def test_control_characters_and_bidi_overrides_from_logs_are_shown_in_markdown_and_html():
    """A method named `rtl\u202eevil` displayed reversed in RESULTS.md and the HTML report, and NUL,
    ESC and BEL went into both raw; LaTeX and the terminal already showed them inert."""
    from resultsbook.render.escape import escape_html

    hostile = "rtl\u202eevil\x1b[31m\x00\x07"
    assert escape_markdown(hostile) == r"rtl\\u202eevil\\e\[31m\\x00\\x07"
    assert escape_html(hostile + "<b>\nnext") == "rtl\\u202eevil\\e[31m\\x00\\x07&lt;b&gt;\nnext"
    written = "نمونه\u200cای 👩\u200d🔬 हिन्दी"  # the joiners scripts and emoji are written with stay
    assert escape_markdown(written) == written and escape_html(written) == written


def test_bidi_marks_and_invisible_characters_are_shown_alike_in_every_output():
    """RLM, LRM and ALM passed raw into Markdown and HTML where RLO was shown, a zero-width space was
    kept raw in Markdown, dropped by LaTeX and drawn as `\\u200b` in figures: two names differing by
    one read alike on a page. Each output now shows the same set, as `\\u200f`."""
    from resultsbook.render.escape import escape_html, escape_latex, escape_terminal
    from resultsbook.render.plots import figure_text

    for char in "\u200f\u200e\u061c\u200b\u2060\ufeff\u202e\u2067":
        shown = f"\\u{ord(char):04x}"
        assert escape_html(f"a{char}b") == f"a{shown}b" and escape_terminal(f"a{char}b") == f"a{shown}b"
        assert escape_markdown(f"a{char}b") == f"a\\{shown}b"
        assert escape_latex(f"a{char}b") == f"a\\textbackslash{{}}{shown[1:]}b"
        assert figure_text(f"a{char}b", pgf=False)[0] == f"a{shown}b"
        assert figure_text(f"a{char}b", pgf=True)[0] == escape_latex(f"a{char}b")


def test_stat_note_states_spread_ddof_and_replicates(grid):
    text = render_table(grid, "terminal", TableFormat(spread="sem"), LABELS)
    assert "Mean ± s.e.m. (ddof = 1) over n = 2–3 seeds; per run: last." in text


def _note_of(make_run, store, tmp_path, seeds, replicate=("seed",)):
    """The terminal table's last line for one cell whose runs have these seeds (None: no seed param)."""
    for index, seed in enumerate(seeds):
        params = {"model": "mlp"} | ({} if seed is None else {"seed": seed, "random_state": seed})
        make_run(f"r{index}", params, curve([0.5, 0.6 + index / 100], key="acc"))
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    query = TableQuery(metrics=(MetricSpec("acc"),), rows=("model",), replicate=replicate)
    return render_table(aggregate(store, query), "terminal", TableFormat()).splitlines()


@pytest.mark.parametrize(
    ("seeds", "counted"),
    [
        ([0, 1, 2], "n = 3 seeds"),
        ([7], "n = 1 seed"),
        ([None, None, None], "n = 3 runs"),  # no run records a seed: n counts runs
        ([0, None, 2], "n = 3 runs"),
        ([0, 0, 1], "n = 3 runs"),  # two runs share a seed
        ([None], "n = 1 run"),
    ],
)
def test_the_note_says_seeds_only_when_each_value_comes_from_its_own_seed(
    make_run, store, tmp_path, seeds, counted
):
    shown = "Mean" if len(seeds) == 1 else "Mean ± std (ddof = 1)"  # one value per cell: no spread
    assert f"{shown} over {counted}; per run: last." in _note_of(make_run, store, tmp_path, seeds)[-1]


def test_a_table_of_one_run_per_cell_names_no_spread_it_does_not_print(make_run, store, tmp_path):
    """dna-nn-theory (13 models x 3 data sets, one run each): every cell printed its mean alone, under
    `Mean ± std (ddof = 1) over n = 1 run`, a std the paper would state and no cell shows."""
    for model in ("cnn", "rnn"):
        for dataset in ("histone", "splice"):
            make_run(f"{model}-{dataset}", {"model": model, "dataset": dataset}, curve([0.7], key="acc"))
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    query = TableQuery(metrics=(MetricSpec("acc"),), rows=("model",), columns=("dataset",))
    latex = render_table(aggregate(store, query), "latex", TableFormat())
    assert "Mean over n = 1 run; per run: last." in latex
    assert "pm" not in latex and "std" not in latex


def test_a_table_whose_cells_hold_one_value_or_none_names_no_spread(make_run, store, tmp_path):
    """irfanet-10's Keras logs, `--reduce 'at(13)'` past one run's last epoch: cells of one value and
    one empty cell were noted `Mean ± std (ddof = 1) over n = 0–1 runs`, a std no cell shows."""
    make_run("a", {"model": "a"}, curve([0.7, 0.8], key="acc"))
    make_run("b", {"model": "b"}, curve([0.6], key="acc"))  # stopped before step 2
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    query = TableQuery(metrics=(MetricSpec("acc", reduce="at(2)"),), rows=("model",))
    table = aggregate(store, query)
    assert "Mean over n = 0–1 runs; per run: at(2)." in render_table(table, "terminal", TableFormat())
    assert "std" not in render_table(table, "latex", TableFormat())


def test_the_note_and_the_duplicate_mark_name_the_replicate_key_in_use(make_run, store, tmp_path):
    lines = _note_of(make_run, store, tmp_path, [3, 3, 4], replicate=("random_state",))
    assert "§ several runs share one replicate (random_state) (1 cell)" in lines
    assert "over n = 3 runs;" in lines[-1]


def test_nested_column_headers_and_row_groups_compile(make_run, store, tmp_path):
    """Two column levels (dataset, then metric) with \\multicolumn and \\cmidrule; two row levels."""
    for family, model in [("cnn", "resnet"), ("cnn", "vgg"), ("mlp", "mlp")]:
        for dataset in ("cifar", "svhn"):
            for seed in range(3):
                make_run(
                    f"{model}-{dataset}-{seed}",
                    {"family": family, "model": model, "dataset": dataset, "seed": seed},
                    [{"step": 1, "acc": 0.5 + len(model) / 20 + seed / 100, "loss": 1 - seed / 10}],
                )
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    query = TableQuery(
        metrics=(MetricSpec("acc", label="Acc."), MetricSpec("loss", label="Loss")),
        rows=("family", "model"),
        columns=("dataset", "metric"),
    )
    table = aggregate(store, query)
    text = render_table(
        table, "latex", TableFormat(digits=2), Labels(), LatexOptions(float=True, caption="Both")
    )
    assert_snapshot("nested.tex", text)
    assert r"\multicolumn{2}{c}{cifar} & \multicolumn{2}{c}{svhn} \\" in text
    assert r"\cmidrule(lr){3-4} \cmidrule(lr){5-6}" in text
    assert "\\addlinespace\nmlp & mlp" in text
    (tmp_path / "table.tex").write_text(text)
    compile_latex(tmp_path, r"\input{table.tex}")


def test_a_number_over_a_column_says_its_key_unless_the_spec_labels_it(make_run, store, tmp_path):
    # a Lightning sweep by kernel_size x in_channels printed "kernel_size & 1 & 3": 1 and 3 of what?
    for channels in (1, 3):
        for seed in range(2):
            params = {"kernel_size": 3, "in_channels": channels, "seed": seed}
            make_run(
                f"k3-c{channels}-{seed}", params, [{"step": 1, "val_acc": 0.5 + channels / 10 + seed / 100}]
            )
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    query = TableQuery(metrics=(MetricSpec("val_acc"),), rows=("kernel_size",), columns=("in_channels",))
    table = aggregate(store, query)
    assert "kernel\\_size & in\\_channels = 1 & in\\_channels = 3 \\\\" in render_table(
        table, "latex", TableFormat()
    )
    markdown = render_table(table, "markdown", TableFormat()).splitlines()[0]
    assert markdown.split("|")[2:4] == ["   in\\_channels = 1 ", "   in\\_channels = 3 "]
    assert "in_channels = 1" in render_table(table, "terminal", TableFormat()).splitlines()[0]
    labels = Labels(keys={"in_channels": "Channels"}, values={"in_channels": {"1": "grey"}})
    assert "& grey & Channels = 3 \\\\" in render_table(table, "latex", TableFormat(), labels)


def test_json_carries_the_printed_highlighting_bold_cells_and_why_a_best_is_not_significant(grid):
    import json

    fmt = TableFormat(digits=1)
    document = json.loads(render_table(grid, "json", fmt, LABELS))
    terminal = render_table(grid, "terminal", fmt, LABELS)
    markdown = render_table(grid, "markdown", fmt, LABELS)
    cells = {(c["row"]["model"], c["column"]["dataset"]): c for c in document["cells"]}
    bold = {key for key, cell in cells.items() if cell.get("emphasis") == "best"}
    assert bold == {("resnet", "cifar"), (NASTY, "svhn")}
    assert markdown.count("**") == 2 * len(bold)  # the same cells the Markdown makes bold
    nonsig = [cell for cell in cells.values() if any(m["kind"] == "nonsig" for m in cell["marks"])]
    assert len(nonsig) == terminal.count("°") - 1 > 0  # each ° cell, the legend's ° apart
    assert nonsig[0]["marks"][-1]["text"].startswith("not significantly better than ")
    assert document["note"].replace("Bold:", "**…**:") in terminal


def test_plain_text_shows_the_best_cells_between_stars_and_says_so_where_it_cannot_print_bold(grid):
    """Piped to a file, under NO_COLOR or in print(table), the note said `Bold: best` of a table in
    which nothing was bold: the best cells are now between `**`, and the note says that."""
    fmt = TableFormat(digits=1)
    plain = render_table(grid, "terminal", fmt, LABELS)
    starred = [line.split()[0] for line in plain.splitlines()[2:4] if "**" in line]
    assert plain.count("**") == 2 * 2 + 2 and starred == ["lr_0.1", "resnet"]  # the note's **…** too
    assert "**96.7 ± 0.3***#°" in plain  # as the Markdown source has it: **96.7 ± 0.3**\\*#°
    assert (
        "**…**: best (higher is better; Welch's t-test against the runner-up" in plain and "Bold" not in plain
    )
    colored = render_table(grid, "terminal", fmt, LABELS, color=True)
    assert colored.count("\x1b[1m") == 2 and "**" not in colored and " Bold: best" in colored


def test_a_p_value_is_never_printed_as_alpha_itself_unless_it_is():
    from resultsbook.render.layout import p_text

    assert p_text(0.0503, 0.05) == "0.0503"  # `p = 0.05` beside `α = 0.05` hid on which side it fell
    assert p_text(0.05, 0.05) == "0.05"
    assert p_text(0.23456, 0.05) == "0.23"
    assert p_text(0.0100004, 0.01) == "0.0100004"


def test_a_table_of_one_row_does_not_explain_a_bold_it_cannot_have(make_run, store, tmp_path):
    """One method, ten seeds (an SB3 PPO run's `progress.csv` per seed): no cell competes with another,
    nothing is bold, yet the note under the table in the paper said `Bold: best (higher is better; …)`."""
    for seed in range(3):
        make_run(f"ppo-{seed}", {"algo": "PPO", "seed": seed}, curve([1.0, 2.0 + seed], key="test/acc"))
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    one_row = aggregate(store, TableQuery(metrics=(MetricSpec("test/acc"),), rows=("algo",)))
    text = render_table(one_row, "markdown", TableFormat())
    assert "Mean ± std (ddof = 1) over n = 3 seeds; per run: last." in text
    assert "Bold" not in text
    rows = aggregate(store, TableQuery(metrics=(MetricSpec("test/acc"),), rows=("seed",), min_replicates=1))
    assert "Bold: best" in render_table(rows, "markdown", TableFormat())


@pytest.mark.parametrize(
    ("replicate", "noun"),
    [("seed", "3 seeds"), ("n", "3 runs (one per n)"), ("run_index", "3 runs (one per run_index)")],
)
def test_the_note_names_the_replicates_without_making_a_plural_of_any_key(
    make_run, store, tmp_path, replicate, noun
):
    """`--replicate n` (zoo folders `Acrobot-v1_1`, `_2`, `_3` read as `{env}_{n}`) printed `over n = 3 ns`
    under the table, which reads as nanoseconds; CORL's `run_index`, `3 run_indexs`."""
    for index in range(3):
        make_run(f"r{index}", {"env": "Acrobot", replicate: index}, curve([1.0, 2.0 + index], key="ret"))
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    query = TableQuery(metrics=(MetricSpec("ret"),), rows=("env",), replicate=(replicate,))
    text = render_table(aggregate(store, query), "terminal", TableFormat())
    assert f"Mean ± std (ddof = 1) over n = {noun}; per run: last." in text


def test_markdown_notes_stay_text_under_the_table(grid):
    """The `#` note (too few replicates) opened its line, so GitHub showed it as a heading (seen in a
    one-seed table of W&B runs, Elluito/spase-resnet-50-experiments@71b2fb1)."""
    from markdown_it import MarkdownIt

    html = (
        MarkdownIt("commonmark").enable("table").render(render_table(grid, "markdown", TableFormat(), LABELS))
    )
    assert "<h1>" not in html and "# too few replicates" in html


def test_the_note_says_what_the_underlined_or_italic_runner_up_is(make_run, store, tmp_path):
    """Three models of a k-shot ontology table (eswc_2026_submission_13): the runner-up is
    underlined (italic in Markdown), and the note says so beside what bold is."""
    for model, values in {
        "o1": [0.82, 0.81, 0.83],
        "gpt": [0.64, 0.70, 0.58],
        "llama": [0.45, 0.40, 0.50],
    }.items():
        for seed, value in enumerate(values):
            make_run(f"{model}-{seed}", {"model": model, "seed": seed}, curve([value], key="macro_r_prec"))
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    table = aggregate(
        store, TableQuery(metrics=(MetricSpec("macro_r_prec", direction="max"),), rows=("model",))
    )
    latex = render_table(table, "latex", TableFormat(digits=2), Labels())
    assert r"\underline{0.64 $\pm$ 0.06}" in latex
    assert r"\alpha} = 0.05). Underlined: runner-up." in latex
    markdown = render_table(table, "markdown", TableFormat(digits=2), Labels())
    assert "*0.64 ± 0.06*" in markdown and "α = 0.05). Italics: runner-up." in markdown
    from resultsbook.render.html import render_results_table
    from resultsbook.render.layout import layout_table

    html = render_results_table(layout_table(table, TableFormat(digits=2), Labels()))
    assert "<u>0.64 ± 0.06</u>" in html and "α = 0.05). Underlined: runner-up.</p>" in html
    plain = render_table(table, "latex", TableFormat(digits=2, second=False), Labels())
    assert "runner-up." not in plain


# d3rlpy's final returns (last row of each run's environment.csv, seeds 1 to 10) on two Atari games,
# as takuseno/d3rlpy-benchmarks @ 1771c9b2 publishes them (`<Algo>_<game>_<seed>/environment.csv`)
D3RLPY_FINALS = {
    ("DiscreteDT", "qbert"): [
        9277.5,
        7562.5,
        7337.5,
        11152.5,
        9385.0,
        12160.0,
        5610.0,
        10672.5,
        12305.0,
        10727.5,
    ],
    ("DiscreteCQL", "qbert"): [
        7270.0,
        8190.0,
        8237.5,
        7192.5,
        9295.0,
        8497.5,
        8842.5,
        8380.0,
        7115.0,
        8642.5,
    ],
    ("NFQ", "qbert"): [210.0, 462.5, 277.5, 397.5, 250.0, 277.5, 267.5, 100.0, 272.5, 385.0],
    ("DiscreteDT", "breakout"): [106.8, 91.5, 101.1, 67.1, 70.1, 59.8, 67.8, 102.0, 100.4, 93.3],
    ("DiscreteCQL", "breakout"): [21.8, 22.4, 22.6, 21.1, 21.1, 26.5, 21.5, 23.9, 17.7, 21.2],
    ("NFQ", "breakout"): [1.0, 1.0, 1.7, 1.9, 1.0, 4.5, 2.5, 0.3, 0.9, 0.2],
}


def test_the_note_says_bold_is_tested_against_the_runner_up_two_sided_and_uncorrected(
    make_run, store, tmp_path
):
    """On d3rlpy's Atari returns the note said `Bold: best (higher is better; Welch's t-test, α =
    0.05)`: not against which cell, not which side, nor that each game's bold is a test of its own at
    0.05, with no correction for the others. The values are the shape of d3rlpy-benchmarks' Atari
    runs (see D3RLPY_FINALS); the p-value beside `°` is scipy's."""
    from dataclasses import replace

    from scipy import stats

    from resultsbook.query.select import parse_filter

    for (algo, game), finals in D3RLPY_FINALS.items():
        for seed, value in enumerate(finals, start=1):
            config = {"algo": algo, "game": game, "seed": seed}
            make_run(f"{algo}_{game}_{seed}", config, curve([value], key="return"))
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    query = TableQuery(metrics=(MetricSpec("return", direction="max"),), rows=("algo",), columns=("game",))
    table = aggregate(store, query)
    text = render_table(table, "markdown", TableFormat(), Labels())
    assert (
        "Bold: best (higher is better; Welch's t-test against the runner-up, two-sided, α = 0.05 in each of 2 "
        "columns, uncorrected)." in text
    )
    welch = stats.ttest_ind(
        D3RLPY_FINALS["DiscreteDT", "qbert"], D3RLPY_FINALS["DiscreteCQL", "qbert"], equal_var=False
    )
    assert round(welch.pvalue, 3) == 0.075  # not below 0.05: DiscreteDT's Qbert is bold with °
    by_row = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}
    assert "**9619 ± 2212**°" in by_row["DiscreteDT"] and "**86 ± 18**" in by_row["DiscreteDT"]
    one_game = aggregate(store, replace(query, filters=(parse_filter("game=qbert"),)))
    assert "Welch's t-test against the runner-up, two-sided, α = 0.05)." in render_table(
        one_game, "markdown", TableFormat(), Labels()
    )  # one test: nothing to correct
    tied = render_table(table, "markdown", TableFormat(ties=True), Labels())
    assert (
        "Bold: best and any cell not significantly worse (higher is better; Welch's t-test against the best, "
        "two-sided, α = 0.05 for each other cell, uncorrected)." in tied
    )


def test_the_note_of_a_table_of_several_metrics_names_them_as_its_header_does(make_run, cli, tmp_path):
    """With `[labels.keys] test_acc = "Accuracy"` the header read `Accuracy | NLL` and the note under it
    `test\\_acc: higher is better; val\\_nll: lower is better`, names the reader never saw; the
    numbers file's \\rbnote said the same."""
    for method, level in (("a", 0.5), ("b", 0.6), ("c", 0.7)):
        for seed in range(3):
            metrics = [{"step": 1, "test_acc": level + seed / 100, "val_nll": 2 - level + seed / 100}]
            make_run(f"{method}{seed}", {"method": method, "seed": seed}, metrics)
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[labels.keys]\ntest_acc = "Accuracy"\nval_nll = "NLL"\n\n[tables.t]\n'
        'metrics = [{ name = "test_acc", goal = "max" }, { name = "val_nll", goal = "min" }]\n'
        'rows = ["method"]\ncolumns = ["metric"]\noutputs = ["t.tex", "t.md"]\n\n'
        '[macros]\noutput = "numbers.tex"\n'
    )
    cli("collect", "runs")
    assert cli("build").exit_code == 0
    said = "Bold: best (Accuracy: higher is better; NLL: lower is better; Welch's t-test"
    assert said in (tmp_path / "t.md").read_text()
    assert said in (tmp_path / "t.tex").read_text()
    assert said in (tmp_path / "numbers.tex").read_text()


def test_an_interval_is_set_smaller_than_its_number_and_an_underline_leaves_it_out(make_run, cli, tmp_path):
    """Cells printed `1.39 {\\small[1.36, 1.41]}`: \\small is a size of its own, 9pt, larger than the
    number in an IEEEtran table (\\footnotesize, 8pt); and the runner-up's \\underline went under the
    brackets, whose depth took the rule down onto the next row."""
    from paper_pages import compile_page

    for method, level in (("a", 1.2), ("b", 1.4), ("c", 2.0)):
        for seed in range(5):
            make_run(f"{method}{seed}", {"method": method, "seed": seed}, curve([level + seed / 100], key="nll"))
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "nll"\ngoal = "min"\nrows = ["method"]\n'
        'spread = "bootstrap"\nreplicates = 5\noutputs = ["t.tex"]\n'
    )
    cli("collect", "runs")
    assert cli("build").exit_code == 0
    table = (tmp_path / "t.tex").read_text()
    runner_up = next(line for line in table.splitlines() if line.startswith("b & "))
    assert runner_up.startswith("b & \\underline{1.42} {"), runner_up  # the number alone
    body = "\\begin{table}[h]\\footnotesize\\input{t.tex}\\end{table}"
    compiled = compile_page(tmp_path, body, [], options="conference", documentclass="IEEEtran")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: apt-get install poppler-utils")
    xml = subprocess.run(["pdftotext", "-bbox", str(compiled.folder / "doc.pdf"), "-"], capture_output=True, text=True)
    heights = {
        word: float(high) - float(low)
        for low, high, word in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', xml.stdout)
    }
    assert heights["[1.41,"] < heights["1.42"], heights  # smaller than the number, in an 8pt table too
    older = "\\let\\fpeval\\undefined" + body  # a LaTeX before 2022-06 (TeX Live 2021) has no \fpeval
    compile_page(tmp_path, older, [], options="conference", documentclass="IEEEtran")


def test_every_format_says_that_a_dash_is_a_cell_no_run_reached(make_run, store, tmp_path):
    """A dash under MLP / Moons read as "does not apply" in the paper: nothing said it had no run."""
    for model, dataset in (("logreg", "moons"), ("logreg", "circles"), ("mlp", "circles")):
        for seed in range(2):
            config = {"model": model, "dataset": dataset, "seed": seed}
            make_run(f"{model}-{dataset}-{seed}", config, curve([0.5 + seed / 10], key="test/acc"))
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    query = TableQuery(metrics=(MetricSpec("test/acc"),), rows=("model",), columns=("dataset",))
    table = aggregate(store, query)
    fmt = TableFormat(digits=2)
    markdown = render_table(table, "markdown", fmt, Labels()).splitlines()
    assert markdown[-2:] == ["– no run (1 cell)  ", markdown[-1]] and markdown[-1].startswith("Mean ± std")
    assert "\n-- no run (1 cell)\\par\n" in render_table(table, "latex", fmt, Labels())
    assert "\n– no run (1 cell)\n" in render_table(table, "terminal", fmt, Labels())
    from resultsbook.render.html import render_results_table
    from resultsbook.render.layout import layout_table

    assert '<p class="note">– no run (1 cell)</p>' in render_results_table(layout_table(table, fmt, Labels()))
