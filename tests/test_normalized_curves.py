"""A curve figure of a `[normalized]` score: the learning curves of a D4RL paper are drawn in normalised
return (100 × (return − random) / (expert − random), per task), as its table is.

The runs have the shape of d3rlpy's published benchmark runs (takuseno/d3rlpy-benchmarks @ 1771c9b2,
`d4rl_logs/<algo>/<ALGO>_<env>-<dataset>_<seed>_<timestamp>/environment.csv`: a CSV without a
header, `epoch,step,return`); the reference scores are D4RL's (Farama-Foundation/D4RL @ 71a9549f,
d4rl/infos.py, REF_MIN_SCORE and REF_MAX_SCORE), as examples/realdata/d4rl_reference_scores.csv holds them.
"""

from __future__ import annotations

import re
import subprocess
import textwrap

import numpy as np
import pytest

from resultsbook.query.curves import aggregate_curves
from resultsbook.spec import load_spec
from resultsbook.store import Store

REFERENCES = (
    "env,dataset,random,expert\nhopper,medium-v0,-20.272305,3234.3\nwalker2d,medium-v0,1.629008,4592.3\n"
)
HOPPER_HALF, WALKER_HALF = (-20.272305 + 3234.3) / 2, (1.629008 + 4592.3) / 2  # normalised: 50
RETURNS = {  # the return at steps 1000, 2000, 3000 of seeds 1 and 2
    ("CQL", "hopper"): ([-20.272305, HOPPER_HALF, 3234.3], [-20.272305, HOPPER_HALF, HOPPER_HALF]),
    ("CQL", "walker2d"): ([1.629008, WALKER_HALF, 4592.3], [1.629008, WALKER_HALF, 4592.3]),
    ("IQL", "hopper"): ([-20.272305, HOPPER_HALF, 1000.0], [-20.272305, HOPPER_HALF, 1200.0]),
    ("IQL", "walker2d"): ([1.629008, WALKER_HALF, 3000.0], [1.629008, WALKER_HALF, 3100.0]),
}


def d3rlpy_project(tmp_path, figure: str) -> None:
    for (algo, env), seeds in RETURNS.items():
        for seed, returns in enumerate(seeds, start=1):
            folder = (
                tmp_path / "d4rl_logs" / algo.lower() / f"{algo}_{env}-medium-v0_{seed}_2021061603275{seed}"
            )
            folder.mkdir(parents=True)
            lines = [f"{epoch},{epoch * 1000},{value}" for epoch, value in enumerate(returns, start=1)]
            (folder / "environment.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "d4rl_reference_scores.csv").write_text(REFERENCES)
    spec = """
        [[sources]]
        path = "d4rl_logs"
        pattern = "{algo_dir}/{algo}_{env}-{dataset}_{seed}_{timestamp}/environment.csv"
        columns = ["epoch", "step", "return"]

        [normalized.d4rl]
        metric = "return"
        task = ["env", "dataset"]
        references = "d4rl_reference_scores.csv"
        low = "random"
        high = "expert"
        """
    (tmp_path / "resultsbook.toml").write_text(textwrap.dedent(spec) + textwrap.dedent(figure))


def test_a_curve_figure_draws_a_normalized_score_per_task(tmp_path, cli):
    """It stopped the build: `[figures.curves] no run logs a metric 'd4rl'; logged metrics: epoch, return`."""
    d3rlpy_project(tmp_path, """
        [figures.curves]
        kind = "curve"
        metric = "d4rl"
        scale = 100
        facet = "env"
        where = { algo = "CQL" }
        band = "ci95"
        points = 3
        outputs = ["curves.svg"]
        """)  # fmt: skip
    built = cli("build")
    assert built.exit_code == 0, built.output
    assert (tmp_path / "curves.svg").read_text().startswith("<?xml")
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    with Store.open(str(tmp_path / "resultsbook.db")) as store:
        curves = aggregate_curves(store, spec.figures["curves"].curve)
    lines = curves.lines
    by_env = {line.facet: line for line in lines if line.hue is None or line.hue == "CQL"}
    np.testing.assert_allclose(by_env["hopper"].center, [0.0, 50.0, 75.0], atol=1e-9)
    np.testing.assert_allclose(by_env["walker2d"].center, [0.0, 50.0, 100.0], atol=1e-9)
    assert [len(line.runs) for line in lines] == [2, 2]
    assert curves.statement().endswith(
        "; d4rl = (return − low) / (high − low), reference scores per env × dataset "
        "(d4rl_reference_scores.csv: low = random, high = expert)."
    )  # the figure's note (\rbnote{curves}) says what its y axis is, as the table's note does


def test_a_normalized_curve_over_time_is_refused_naming_its_raw_metric(tmp_path, cli):
    d3rlpy_project(tmp_path, """
        [figures.curves]
        kind = "curve"
        metric = "d4rl"
        x = "time"
        outputs = ["curves.svg"]
        """)  # fmt: skip
    built = cli("build")
    assert built.exit_code != 0
    assert (
        "x = time needs a logged metric; 'd4rl' is a [normalized] score of 'return' (use x = step)"
        in built.output
    )


WIDE = """
    [tables.main]        # tasks x algorithms, as a paper's main table
    metric = "d4rl"
    scale = 100
    reduce = "last"
    goal = "max"
    rows = ["env", "dataset"]
    columns = ["algo"]
    outputs = ["main.md"]
    """


def test_a_bold_that_compares_the_tasks_of_a_normalized_score_is_said_with_the_highlight_that_compares_methods(
    tmp_path, cli
):
    """highlight = "column" (the default) bolded the best env of each algorithm, silently."""
    d3rlpy_project(tmp_path, WIDE)
    built = cli("build")
    assert built.exit_code == 0, built.output
    assert (
        'Warning: main: highlight = "column" bolds the best env/dataset of each algo: its cells compete across '
        'the tasks of [normalized.d4rl] (env, dataset), comparing tasks, not methods; set highlight = "row" '
        'or highlight = "algo" (the best algo of each task)\n'
    ) in built.output
    with open(tmp_path / "resultsbook.toml", "a") as handle:
        handle.write('highlight = "row"\n')
    built = cli("build")
    assert built.exit_code == 0 and "comparing tasks" not in built.output
    assert "**" in (tmp_path / "main.md").read_text()


def test_one_column_of_tasks_and_methods_is_said_as_one_contest_over_the_whole_table(tmp_path, cli):
    d3rlpy_project(
        tmp_path, WIDE.replace('rows = ["env", "dataset"]\n    columns = ["algo"]', 'rows = ["algo", "env"]')
    )
    built = cli("build")
    assert built.exit_code == 0, built.output
    assert (
        'Warning: main: highlight = "column" bolds the best algo/env of the whole table: its cells compete '
        "across the tasks of [normalized.d4rl] (env, dataset), comparing tasks, not methods; set "
        'highlight = "algo" (the best algo of each task)\n'
    ) in built.output


def test_the_wide_table_and_the_normalized_curves_fit_a_real_acmart_sigconf_page(tmp_path, cli):
    """The paper of a week before the deadline: venue = "acm", the tasks x algorithms table across both
    columns and the learning curves in normalised return one column wide, compiled with acmart's own
    class (TeX Live's texlive-publishers): no overfull box from a generated file, the figure exactly
    acmart's \\columnwidth (241.14749pt)."""
    from paper_pages import compile_page, describe

    if not subprocess.run(["kpsewhich", "acmart.cls"], capture_output=True, text=True).stdout.strip():
        pytest.skip("acmart.cls is not installed (TeX Live's texlive-publishers)")
    d3rlpy_project(tmp_path, WIDE.replace('outputs = ["main.md"]', 'highlight = "row"\nfloat = "table*"\n'
                   'caption = "Normalized final return."\noutputs = ["results/main.tex"]') + """
        [figures.curves]
        kind = "curve"
        metric = "d4rl"
        scale = 100
        hue = "algo"
        band = "ci95"
        outputs = ["figures/curves.pdf"]
        """)  # fmt: skip
    with open(tmp_path / "resultsbook.toml", "r+") as handle:
        text = handle.read()
        handle.seek(0)
        handle.write('venue = "acm"\n' + text)
    built = cli("build")
    assert built.exit_code == 0, built.output
    assert "wider than" not in built.output
    body = (
        "\\maketitle\\typeout{SIGCONF=\\the\\columnwidth}\n\\input{results/main.tex}\n"
        "\\begin{figure}[t]\\centering\\includegraphics{figures/curves.pdf}\\caption{Curves.}\\end{figure}\n"
    )
    generated = [tmp_path / "results/main.tex", tmp_path / "figures/curves.pdf"]
    compiled = compile_page(
        tmp_path, body, generated, "sigconf", [r"\title{Results}"], "acmart", ("graphicx",)
    )
    assert compiled.generated_overfull == [], describe(compiled.generated_overfull)
    assert compiled.typeout("SIGCONF") == "241.14749pt"  # two columns from \\maketitle on
    width = subprocess.run(
        ["pdfinfo", "figures/curves.pdf"], cwd=tmp_path, capture_output=True, text=True
    ).stdout
    assert re.search(r"Page size:\s+240\.247 x", width), width  # 241.14749pt in PDF points (bp)


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
