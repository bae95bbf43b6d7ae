"""Numbers in the text: named values and every table cell as LaTeX commands, formatted like the
tables; an unknown key stops LaTeX with an error that names it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pytest
from conftest import compile_latex, require_pdflatex
from figure_project import BASE_SPEC, DATASETS, METHODS, SEEDS, accuracy, make_project
from paper_pages import compile_page

from resultsbook.errors import SpecError
from resultsbook.outputs.build import build
from resultsbook.query.stats import describe
from resultsbook.render.macros import latex_key
from resultsbook.spec import load_spec, macro_name

MACROS = """
[macros]
output = "results/numbers.tex"

[macros.values]
gain_a = { difference = ["table1/ours/a", "table1/base/a"] }
speedup = { ratio = ["table1/ours/a", "table1/base/a"] }
ours_a = { cell = "table1/ours/a" }
ours_a_std = { cell = "table1/ours/a", stat = "std" }
ours_a_n = { cell = "table1/ours/a", stat = "n" }
mean_ours = { metric = "acc", where = { method = "ours" } }
median_b = { metric = "acc", where = { dataset = "b" }, stat = "median", digits = 2 }
runs = { count = "runs" }
seeds = { count = "seeds", where = { method = "big" } }
"""


@pytest.fixture
def project(tmp_path: Path):
    spec, store = make_project(tmp_path, MACROS)
    yield spec, store
    store.close()


def _finals(method: str, dataset: str) -> list[float]:
    return [accuracy(method, dataset, seed, 100) for seed in SEEDS]


def half_up(value: float, digits: int) -> str:
    """Round as the tables do: decimal half-up on the shortest repr (72.5 -> 73, not Python's 72)."""
    return str(Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _defined(text: str) -> dict[str, str]:
    return dict(re.findall(r"\\newcommand\{\\(\w+)\}\{([^}]*)\}", text))


def test_named_values_are_computed_and_formatted_like_the_table(project) -> None:
    spec, store = project
    build(spec, store)
    text = (Path(spec.folder) / "results/numbers.tex").read_text()
    values = _defined(text)
    ours, base = np.mean(_finals("ours", "a")), np.mean(_finals("base", "a"))
    assert values["gainA"] == f"{ours - base:.1f}"  # the table prints one decimal
    assert values["oursA"] == f"{ours:.1f}"
    assert values["oursAStd"] == f"{np.std(_finals('ours', 'a'), ddof=1):.1f}"
    assert values["oursAN"] == str(len(SEEDS))
    assert values["speedup"] == f"{ours / base:.2f}"
    everything = [v for d in DATASETS for v in _finals("ours", d)]
    stats = describe(everything, ["mean", "std"])
    digits = -int(np.floor(np.log10(stats["std"])))  # one significant digit of the spread, as tables
    assert values["meanOurs"] == half_up(stats["mean"], max(digits, 0))
    assert values["medianB"] == f"{np.median([v for m in METHODS for v in _finals(m, 'b')]):.2f}"
    assert values["runs"] == str(len(METHODS) * len(DATASETS) * len(SEEDS))
    assert values["seeds"] == str(len(SEEDS))


def test_a_run_whose_config_is_not_written_yet_is_no_seed_of_its_own(tmp_path: Path) -> None:
    from conftest import write_native_run

    from resultsbook.sources.collect import CollectRequest, collect

    spec, store = make_project(tmp_path, MACROS + 'all_seeds = { count = "seeds" }\n')
    # a run still starting: its metrics are being written, its config.json not yet
    write_native_run(tmp_path / "runs/ours_a_3", None, [{"step": 10, "acc": 50.0}])
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    build(spec, store)
    store.close()
    values = _defined((tmp_path / "results/numbers.tex").read_text())
    assert values["runs"] == str(len(METHODS) * len(DATASETS) * len(SEEDS) + 1)
    assert values["allSeeds"] == str(len(SEEDS))  # not one more for the run that has no seed yet


def test_every_cell_is_in_the_numbers_file_with_its_statistics(project) -> None:
    spec, store = project
    build(spec, store)
    text = (Path(spec.folder) / "results/numbers.tex").read_text()
    mean = np.mean(_finals("big", "b"))
    std = np.std(_finals("big", "b"), ddof=1)
    assert f"\\@namedef{{rb@v@value@table1/big/b}}{{{mean:.1f}}}" in text
    assert f"\\@namedef{{rb@v@pm@table1/big/b}}{{{mean:.1f} $\\pm$ {std:.1f}}}" in text
    assert "\\@namedef{rb@n@table1}{Mean \\ensuremath{\\pm} std (ddof = 1)" in text


def test_rbnote_and_a_json_note_say_what_the_underline_means_as_the_table_does(tmp_path: Path) -> None:
    """The LaTeX table's note ends `Underlined: runner-up.`, but `\\rbnote` and a JSON output's `note`
    (documented as the sentence printed under the table) stopped before it."""
    extra = '[tables.t]\nmetric = "acc"\nrows = ["method"]\ncolumns = ["dataset"]\n'
    extra += 'outputs = ["t.tex", "t.json"]\n'
    spec, store = make_project(tmp_path, MACROS + extra)
    build(spec, store)
    store.close()
    printed = (tmp_path / "t.tex").read_text()
    assert "Underlined: runner-up." in printed
    note = json.loads((tmp_path / "t.json").read_text())["note"]
    assert note.startswith("Mean ± std") and note.endswith("uncorrected). Underlined: runner-up.")
    numbers = (tmp_path / "results/numbers.tex").read_text()
    assert re.search(r"\\@namedef\{rb@n@t\}\{Mean .*\. Underlined: runner-up\.\}", numbers)


def test_macros_compile_in_a_sentence_and_match_the_table(project, tmp_path: Path) -> None:
    spec, store = project
    build(spec, store)
    shutil.copy(Path(spec.folder) / "results/numbers.tex", tmp_path / "numbers.tex")
    body = (
        r"Ours improves accuracy on A by \gainA{} points (\rbvalue{table1/ours/a} vs.\ "
        r"\rbvalue{table1/base/a}, \rbvalue[pm]{table1/ours/a}, $n = \rbvalue[n]{table1/ours/a}$). "
        r"\rbnote{table1}"
    )
    compile_latex(tmp_path, r"\input{numbers.tex}" + "\n" + body, packages=())


def test_an_unknown_key_stops_latex_with_an_error_naming_it(project, tmp_path: Path) -> None:
    spec, store = project
    build(spec, store)
    pdflatex = require_pdflatex()
    shutil.copy(Path(spec.folder) / "results/numbers.tex", tmp_path / "numbers.tex")
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\input{numbers.tex}\n\\begin{document}\n"
        "Accuracy \\rbvalue{table1/ours/zz}.\n\\end{document}\n"
    )
    result = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Package resultsbook Error: No value `table1/ours/zz' (value)" in result.stdout


def test_macro_names_are_letters_only_and_deterministic() -> None:
    assert macro_name("gain_circles") == "gainCircles"
    assert macro_name("acc top1", "rb") == "rbAccTopOne"
    assert macro_name("table-10") == "tableOneZero"
    assert all(re.fullmatch(r"[A-Za-z]+", macro_name(n)) for n in ("a_b", "x9", "resnet-18 acc"))
    with pytest.raises(SpecError, match="letters"):
        macro_name("__")


TAKEN = """
[macros]
output = "results/numbers.tex"

[macros.values]
max = { cell = "table1/ours/a" }
count = { count = "seeds" }
best = { cell = "table1/ours/a" }
"""


def test_a_named_value_whose_command_latex_has_is_named_at_build_with_a_rename(tmp_path: Path) -> None:
    """`max = { cell = ... }` became \\max, LaTeX's math operator, and `count` the TeX register \\count:
    the paper stopped at the numbers file with `Command \\max already defined` (then `Missing $` at
    each use), and build said nothing."""
    pdflatex = require_pdflatex()
    spec, store = make_project(tmp_path, TAKEN)
    with store:
        report = build(spec, store)
        again = build(spec, store)  # the numbers file as it was: no LaTeX run, nothing said again
    assert not [f for f in again.findings if f.kind == "taken"]
    assert [f.text for f in report.findings if f.kind == "taken"] == [
        f"[macros.values.{name}] becomes \\{name}, a command LaTeX already has: the paper stops at "
        f"results/numbers.tex (Command \\{name} already defined); rename the value, e.g. {name}_value for "
        f"\\{name}Value"
        for name in ("max", "count")
    ]
    # what LaTeX does with the file: it stops at \\max and \\count, not at \\best
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\\input{results/numbers.tex}\\begin{document}\\best\\end{document}\n"
    )
    subprocess.run([pdflatex, "-interaction=nonstopmode", "doc.tex"], cwd=tmp_path, capture_output=True)
    log = (tmp_path / "doc.log").read_text()
    assert [line for line in log.splitlines() if line.startswith("!")] == [
        "! LaTeX Error: Command \\max already defined.",
        "! LaTeX Error: Command \\count already defined.",
    ]


def test_a_named_value_whose_command_resultsbook_defines_is_named_at_build_with_a_rename(
    tmp_path: Path,
) -> None:
    """`rbvalue = { cell = ... }` and `rbnote` became \\rbvalue and \\rbnote, the numbers file's own
    commands: the paper stopped at the numbers file with `Command \\rbvalue already defined`, and build
    said nothing, though it named `pm` or `section` with a rename."""
    spec, store = make_project(
        tmp_path,
        '\n[macros]\noutput = "results/numbers.tex"\n\n[macros.values]\n'
        'rbvalue = { cell = "table1/ours/a" }\nrbnote = { count = "seeds" }\nbest = { cell = "table1/ours/a" }\n',
    )
    with store:
        report = build(spec, store)
    assert [f.text for f in report.findings if f.kind == "taken"] == [
        f"[macros.values.{name}] becomes \\{name}, a command resultsbook itself defines: the paper stops at "
        f"results/numbers.tex or at a table; rename the value, e.g. {name}_value for \\{name}Value"
        for name in ("rbvalue", "rbnote")
    ]
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\\input{results/numbers.tex}\\begin{document}\\best\\end{document}\n"
    )
    pdflatex = require_pdflatex()
    subprocess.run([pdflatex, "-interaction=nonstopmode", "doc.tex"], cwd=tmp_path, capture_output=True)
    log = (tmp_path / "doc.log").read_text()
    assert [line for line in log.splitlines() if line.startswith("!")][:2] == [
        "! LaTeX Error: Command \\rbvalue already defined.",
        "! LaTeX Error: Command \\rbnote already defined.",
    ]


def test_a_ratio_over_a_cell_that_prints_as_zero_is_warned_at_build(tmp_path: Path, cli) -> None:
    """`r0 = { ratio = [...] }` over cells −1.6 and 0.0 (std 0.3) wrote `\\newcommand{\\rZero}{255}` and
    nothing was said: the denominator's sign is not known, and the ratio is the noise of it."""
    from conftest import write_native_run

    deltas = {"base": (-1.9, -1.6, -1.3), "flat": (-0.3, 0.01, 0.3), "ours": (-1.0, -0.8, -0.6)}
    for method, values in deltas.items():
        for seed, value in enumerate(values):
            config = {"method": method, "seed": seed}
            write_native_run(tmp_path / "runs" / f"{method}{seed}", config, [{"step": 1, "delta": value}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "delta"\ngoal = "max"\nrows = ["method"]\n'
        'outputs = []\n\n[macros]\noutput = "numbers.tex"\n\n[macros.values]\n'
        'r0 = { ratio = ["t/base", "t/flat"] }\nrneg = { ratio = ["t/base", "t/ours"] }\n'
    )
    cli("collect", "runs")
    built = cli("build")
    assert built.exit_code == 0, built.output
    assert [line for line in built.output.splitlines() if "divides by" in line] == [
        "Warning: macros: [macros.values.r0] divides by t/flat, which prints as 0.0 ± 0.3: its sign is not "
        "known, so \\rZero is noise; quote a difference = [...] of the two cells instead"
    ]


def test_a_value_name_giving_a_command_beginning_with_end_is_refused(tmp_path: Path) -> None:
    """`end_acc` became \\endAcc, which \\newcommand refuses (`Command \\endAcc already defined. Or name
    \\end... illegal`): LaTeX keeps \\end... names for environments."""
    with pytest.raises(SpecError, match=r"gives \\endAcc, which LaTeX refuses"):
        macro_name("end_acc")
    assert macro_name("end_acc", "rb") == "rbEndAcc"


def test_two_names_giving_one_command_are_refused(tmp_path: Path) -> None:
    extra = '\n[macros]\n[macros.values]\ngain_a = { count = "runs" }\ngainA = { count = "runs" }\n'
    (tmp_path / "resultsbook.toml").write_text(BASE_SPEC + extra)
    with pytest.raises(SpecError, match=r"both become \\gainA; rename one"):
        load_spec(str(tmp_path / "resultsbook.toml"))


def test_a_value_from_a_missing_cell_names_the_cells_that_exist(tmp_path: Path) -> None:
    spec, store = make_project(tmp_path, '\n[macros]\n[macros.values]\nx = { cell = "table1/ours/zz" }\n')
    with pytest.raises(SpecError, match=r"no cell 'table1/ours/zz'; cells of table1: table1/base/a"):
        build(spec, store)
    store.close()


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("table2/cnn", "no table 'table2' has cells; did you mean 'table1'?"),
        ("results/cnn", "no table 'results' has cells; tables with cells: table1"),
    ],
)
def test_a_value_from_a_table_with_no_cells_names_the_tables_that_have_some(
    tmp_path: Path, key: str, hint: str
) -> None:
    """It said "no table of that name has cells", naming none that has."""
    spec, store = make_project(tmp_path, f'\n[macros]\n[macros.values]\nx = {{ cell = "{key}" }}\n')
    with pytest.raises(SpecError) as error:
        build(spec, store)
    assert str(error.value).endswith(f"no cell {key!r}; {hint}")
    store.close()


@pytest.mark.parametrize("key", ["table1/ours/b ", "tabel1/ours/b", "table1/our/b"])
def test_a_misspelt_cell_of_a_value_is_answered_with_the_cell_meant(tmp_path: Path, key: str) -> None:
    spec, store = make_project(tmp_path, f'\n[macros]\n[macros.values]\nx = {{ cell = "{key}" }}\n')
    with pytest.raises(SpecError, match=rf"no cell '{key}'; did you mean 'table1/ours/b'\?$"):
        build(spec, store)
    store.close()


def test_keys_with_characters_tex_acts_on_are_made_safe() -> None:
    assert latex_key("t/lr_0.1/a&b#c%d\\e{f}~g") == "t/lr_0.1/a-b-c-d-e-f--g"
    assert latex_key("t/a  b") == "t/a b"


def test_the_cells_of_a_numbers_file_are_read_back_as_written():
    from resultsbook.render.macros import cell_texts, render_macros

    cells = {"t/a&b/x": {"value": "\\textbf{1.0}", "pm": "1.0 $\\pm$ {0.1}"}, "t/c/x": {"n": "5"}}
    text = render_macros({"gain": "2.0"}, cells, {"t": "a note"}, "numbers.tex")
    assert cell_texts(text) == {"t/a-b/x": cells["t/a&b/x"], "t/c/x": {"n": "5"}}


def test_a_power_of_ten_or_an_infinity_reads_in_the_text_as_in_its_table(tmp_path: Path) -> None:
    """\\rbvalue and named values print 1.50 × 10⁻⁹ and ∞ as the table does, not 1.50e-9 and inf."""
    finals = {"a": [1.50e-9, 1.52e-9, 1.48e-9], "b": [1.0e-9, float("inf"), 1.1e-9]}
    numbers = _build_final_values(
        tmp_path, "err", finals, 'highlight = "none"\n', 'err_a = { cell = "t/a" }\n'
    )
    row = next(line for line in (tmp_path / "t.tex").read_text().splitlines() if line.startswith("a & "))
    assert "\\@namedef{rb@v@pm@t/a}{" + row.removeprefix("a & ").removesuffix(" \\\\") + "}" in numbers
    body = r"\input{t.tex}\par A: \rbvalue[pm]{t/a}. Named: \errA{}. B: \rbvalue{t/b}."
    pdf = compile_latex(tmp_path, r"\input{numbers.tex}" + "\n" + body, packages=("booktabs",))
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: apt-get install poppler-utils")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    sentence = "".join(next(line for line in text.splitlines() if "Named:" in line).split())
    assert sentence == "A:1.50×10−9±0.02×10−9.Named:1.50×10−9.B:∞."


@pytest.mark.parametrize(
    ("plain", "pm"),
    [
        ("-110.0", "-110.0 ± 5.0"),
        ("1.70e-9", "1.70e-9 ± 0.02e-9"),
        ("inf", "inf"),
        ("-4.36e12", "-4.36e12 [-5e12, 1e12]"),
    ],
)
def test_check_reads_a_number_of_the_numbers_file_back_as_the_terminal_shows_it(plain, pm):
    from resultsbook.render.latex import tex_number
    from resultsbook.render.macros import plain_number_text

    center, _, rest = pm.partition(" ")
    tex = tex_number(center)
    if rest.startswith("± "):
        tex += " $\\pm$ " + tex_number(rest[2:])
    elif rest:
        low, high = rest.strip("[]").split(", ")
        tex += f" [{tex_number(low)}, {tex_number(high)}]"
    assert plain_number_text(tex) == pm and plain_number_text(tex_number(plain)) == plain


def test_a_key_with_letters_beyond_ascii_is_quoted_as_the_table_names_it(tmp_path: Path, cli) -> None:
    """`\\rbvalue{t/Méthode}` in a UTF-8 paper finds the cell of the run whose method is "Méthode"
    (written decomposed in its config, as macOS may), and `explain` and `check` read the same key."""
    from conftest import write_native_run

    for method, value in (("Me\u0301thode", 0.91), ("模型", 0.77), ("a&b", 0.55)):
        for seed in range(3):
            config = {"method": method, "seed": seed}
            write_native_run(tmp_path / "runs" / f"{value}{seed}", config, [{"step": 1, "acc": value}])
    (tmp_path / "paper").mkdir()
    (tmp_path / "paper" / "main.tex").write_text(
        "A \\rbvalue{t/Méthode}, B \\rbvalue{t/模型}, C \\rbvalue{t/a-b}.\n", encoding="utf-8"
    )
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\ngoal = "max"\nrows = ["method"]\noutputs = []\n\n'
        '[macros]\noutput = "numbers.tex"\npaper = ["paper/main.tex"]\n',
        encoding="utf-8",
    )
    cli("collect", "runs")
    built = cli("build", "--strict")
    assert built.exit_code == 0, built.output
    defined = (tmp_path / "numbers.tex").read_text(encoding="utf-8")
    assert (
        "\\@namedef{rb@v@value@t/Méthode}{0.910}" in defined
        and "\\@namedef{rb@v@value@t/模型}{0.770}" in defined
    )
    explained = cli("explain", "\\rbvalue{t/模型}")
    assert explained.exit_code == 0 and "0.770" in explained.output
    assert cli("check").exit_code == 0
    shutil.copy(tmp_path / "numbers.tex", tmp_path / "paper" / "numbers.tex")
    body = "\\input{numbers.tex}\nA \\rbvalue{t/Méthode}, C \\rbvalue{t/a-b}."
    pdf = compile_latex(tmp_path / "paper", body, packages=())
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: apt-get install poppler-utils")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "A 0.910, C 0.550." in text


def test_cells_whose_keys_read_alike_in_latex_each_keep_their_own_number(tmp_path: Path, cli) -> None:
    """Methods `a-b`, `a&b` and `a|b` (a sweep's names as its script wrote them) all read `t/a-b` as
    LaTeX keys: `a-b` keeps `\\rbvalue{t/a-b}`, each other one gets a key tagged from its own text, the
    build says which value became which key, `check` answers a quote of `t/a&b` with its key, and
    `explain` finds the cell by the key the paper quotes.
    Before, the first of them took `t/a-b` and the others were left out of the file, silently: the
    paper quoting `t/a-b` printed the number of `a&b`."""
    from conftest import write_native_run

    from resultsbook.render.macros import latex_keys

    for method, value in (("a&b", 0.55), ("a-b", 0.66), ("a|b", 0.77)):
        for seed in range(3):
            config = {"method": method, "seed": seed}
            write_native_run(tmp_path / "runs" / f"{value}{seed}", config, [{"step": 1, "acc": value}])
    (tmp_path / "paper").mkdir()
    (tmp_path / "paper" / "main.tex").write_text("A \\rbvalue{t/a&b}.\n")
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "acc"\ngoal = "max"\nrows = ["method"]\noutputs = []\n\n'
        '[macros]\noutput = "numbers.tex"\npaper = ["paper/main.tex"]\n'
    )
    keys = latex_keys(["t/a&b", "t/a-b", "t/a|b"])
    assert keys["t/a-b"] == "t/a-b" and len(set(keys.values())) == 3
    cli("collect", "runs")
    built = cli("build")
    assert built.exit_code == 0, built.output
    said = [line for line in built.output.splitlines() if "read alike as LaTeX keys" in line]
    assert said == [
        f"Warning: macros: cells t/a&b, t/a-b and t/a|b read alike as LaTeX keys (& | written as -): "
        f"\\rbvalue{{{keys['t/a&b']}}} is t/a&b, \\rbvalue{{t/a-b}} is t/a-b, \\rbvalue{{{keys['t/a|b']}}} is t/a|b"
    ]
    assert (
        f"\\rbvalue{{t/a&b}} is no cell of numbers.tex (LaTeX stops there); did you mean {keys['t/a&b']}?"
        in built.output
    )
    defined = (tmp_path / "numbers.tex").read_text()
    assert f"% t/a|b is \\rbvalue{{{keys['t/a|b']}}}" in defined
    explained = cli("explain", f"\\rbvalue{{{keys['t/a&b']}}}")  # as the paper quotes it
    assert explained.exit_code == 0 and explained.output.startswith("t / a&b: 0.550"), explained.output
    shutil.copy(tmp_path / "numbers.tex", tmp_path / "paper" / "numbers.tex")
    body = f"\\input{{numbers.tex}}\nA \\rbvalue{{t/a-b}}, B \\rbvalue{{{keys['t/a&b']}}}, C \\rbvalue{{{keys['t/a|b']}}}."
    pdf = compile_latex(tmp_path / "paper", body, packages=())
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: apt-get install poppler-utils")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "A 0.660, B 0.550, C 0.770." in text


def test_cells_whose_values_join_to_one_key_each_keep_their_own_number(tmp_path: Path, cli) -> None:
    """Method `x/y` on dataset `z` and method `x` on dataset `y/z` both joined to `t/x/y/z`: the numbers
    file held one of them, `explain` showed the other, and nothing was said. Each now has a tagged
    key, the build says which is which, and a quote of the plain key names no cell."""
    from conftest import write_native_run

    from resultsbook.outputs.numbers import cell_keys

    for method, dataset, value in (("x/y", "z", 1.1), ("x", "y/z", 2.1)):
        for seed in range(2):
            config = {"m": method, "ds": dataset, "seed": seed}
            write_native_run(tmp_path / "runs" / f"{value}{seed}", config, [{"step": 1, "loss": value}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "loss"\ngoal = "min"\nrows = ["m"]\n'
        'columns = ["ds"]\noutputs = []\n\n[macros]\noutput = "numbers.tex"\n'
    )
    keys = cell_keys("t", [(("x/y",), ("z",)), (("x",), ("y/z",))])
    first, second = keys[(("x/y",), ("z",))], keys[(("x",), ("y/z",))]
    assert first != second and first.startswith("t/x/y/z(") and second.startswith("t/x/y/z(")
    cli("collect", "runs")
    built = cli("build")
    assert built.exit_code == 0, built.output
    assert (
        f"Warning: macros: cells of t join to one key t/x/y/z (a '/' inside a value): \\rbvalue{{{first}}} "
        f"is 'x/y' × 'z', \\rbvalue{{{second}}} is 'x' × 'y/z'"
    ) in built.output
    defined = (tmp_path / "numbers.tex").read_text()
    assert f"\\@namedef{{rb@v@value@{first}}}{{1.10}}" in defined
    assert f"\\@namedef{{rb@v@value@{second}}}{{2.10}}" in defined
    assert "rb@v@value@t/x/y/z}" not in defined
    explained = cli("explain", f"\\rbvalue{{{second}}}")
    assert explained.exit_code == 0 and explained.output.startswith("t / x / y/z: 2.1"), explained.output
    (tmp_path / "paper").mkdir()
    (tmp_path / "paper" / "main.tex").write_text("A \\rbvalue{t/x/y/z}.\n")
    with open(tmp_path / "resultsbook.toml", "a") as handle:
        handle.write('paper = ["paper/main.tex"]\n')
    checked = cli("check")
    assert (
        "\\rbvalue{t/x/y/z} is no cell of numbers.tex (LaTeX stops there); 2 cells' values join to that "
        "key, each tagged: "
    ) in checked.output, checked.output
    assert first in checked.output and second in checked.output


def test_a_tagged_key_never_takes_the_key_another_cell_is_written_as() -> None:
    """`t1/a&b/x` was tagged `t1/a-b/x(b9477b)`, the key of a cell of that very name: two definitions
    under one key, the later one silently won. The cell keeps its key; the tag grows."""
    from resultsbook.outputs.quotes import written_key
    from resultsbook.render.macros import latex_keys

    keys = latex_keys(["t1/a&b/x", "t1/a-b/x", "t1/a-b/x(b9477b)"])
    assert keys["t1/a-b/x"] == "t1/a-b/x" and keys["t1/a-b/x(b9477b)"] == "t1/a-b/x(b9477b)"
    assert keys["t1/a&b/x"].startswith("t1/a-b/x(b9477b") and len(set(keys.values())) == 3
    assert written_key("t1/a&b/x", set(keys.values())) == keys["t1/a&b/x"]  # `check` names its key


def test_a_named_value_and_a_marked_cell_say_where_they_come_from_in_the_numbers_file(tmp_path: Path) -> None:
    """A number in the text drops the marks its table prints (\\gainA from a cell averaging two
    learning rates, one run from a dirty tree): the numbers file said nothing of where it came from."""
    from conftest import write_native_run

    from resultsbook.sources.collect import CollectRequest, collect
    from resultsbook.store import Store

    for name, config, dirty in [
        ("o0", {"method": "ours", "seed": 0, "lr": "0.1\n\\bye"}, True),
        ("o1", {"method": "ours", "seed": 1, "lr": 0.2}, False),
        ("b0", {"method": "base", "seed": 0, "lr": 0.1}, False),
        ("b1", {"method": "base", "seed": 1, "lr": 0.1}, False),
    ]:
        git = {"git": {"commit": "a" * 40, "dirty": dirty}}
        write_native_run(tmp_path / "runs" / name, config, [{"step": 1, "acc": 0.5 + len(name) / 10}], git)
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "acc"\nrows = ["method"]\noutputs = ["t.md"]\n'
        '[macros]\noutput = "numbers.tex"\n[macros.values]\n'
        'gain_a = { difference = ["t/ours", "t/base"] }\nn_runs = { count = "runs", where = { method = "base" } }\n'
    )
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    store = Store.open(spec.db)
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    build(spec, store)
    store.close()
    text = (tmp_path / "numbers.tex").read_text()
    comments = [
        line for line in text.splitlines() if line.startswith("%") and ("gainA" in line or "t/" in line)
    ]
    assert comments == [
        "%   \\gainA: t/ours minus t/base; marked in its table: t/ours # † ‖, t/base #",
        "% t/base, marked in its table (the text shows no mark): # only 2 replicates (fewer than 3)",
        "% t/ours, marked in its table (the text shows no mark): # only 2 replicates (fewer than 3); † averages"
        " runs that differ in lr (0.2, 0.1\\n\\bye); ‖ includes 1 run from a dirty working tree",
    ]
    assert "%   \\nRuns: the number of runs over the runs where method=base" in text
    compile_latex(
        tmp_path, r"\input{numbers.tex}" + "\n" + r"Gain \gainA{} over \rbvalue{t/ours}.", packages=()
    )


def _compile(folder: Path, preamble: str, body: str, documentclass: str = "article") -> str:
    """Compile a document that inputs numbers.tex, twice (bookmarks come on the second pass); return its
    log, failing on a LaTeX error."""
    page = compile_page(
        folder, body, (), options="", preamble=("\\input{numbers.tex}", preamble), documentclass=documentclass,
        packages=(),
    )  # fmt: skip
    return page.log


def _bookmarks(folder: Path) -> list[str]:
    """Return the PDF bookmarks hyperref wrote (doc.out), decoded from its UTF-16 octal escapes."""
    titles = re.findall(
        r"\\BOOKMARK \[\d\]\[-\]\{[^}]*\}\{(.*)\}\{[^}]*\}% \d+", (folder / "doc.out").read_text()
    )
    octets = [re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), title) for title in titles]
    return [
        bytes(map(ord, text)).decode("utf-16") if text.startswith("\xfe\xff") else text.replace("\\", "")
        for text in octets
    ]  # PDFDocEncoding without Unicode: the octets are its characters (±, ×), \( escapes (


def test_a_number_quoted_in_a_section_title_is_the_number_in_the_pdf_bookmarks(
    project, tmp_path: Path
) -> None:
    """hyperref (loaded by ACL's, CVPR's and ICML's templates) wrote `main/ours/a` into the PDF's
    outline for `\\section{... \\rbvalue{main/ours/a}}`, and dropped the \\rbvalue with a warning."""
    spec, store = project
    build(spec, store)
    shutil.copy(Path(spec.folder) / "results/numbers.tex", tmp_path / "numbers.tex")
    cells = re.findall(
        r"\\@namedef\{rb@v@(value|pm)@table1/ours/a\}\{(.*)\}", (tmp_path / "numbers.tex").read_text()
    )
    value, pm = dict(cells)["value"], dict(cells)["pm"].replace("$\\pm$", "±")
    body = (
        "\\section{Ours reaches \\rbvalue{table1/ours/a} (\\rbvalue[pm]{table1/ours/a}), \\gainA{} more}\n"
        "\\subsection{\\rbnote{table1}}\ntext"
    )
    log = _compile(tmp_path, "\\usepackage{hyperref}", body)
    assert "removing `\\rbvalue" not in log and "removing `\\rbnote" not in log
    section, note = _bookmarks(tmp_path)
    assert (
        section
        == f"Ours reaches {value} ({pm}), {dict(_defined((tmp_path / 'numbers.tex').read_text()))['gainA']} more"
    )
    assert note.startswith("Mean ± std (ddof = 1) over n = ")


@pytest.mark.parametrize("hyperref_first", [False, True])
def test_a_quoted_spread_in_a_title_is_plain_text_in_the_pdf_outline_without_warnings(
    project, tmp_path: Path, hyperref_first: bool
) -> None:
    """`\\rbvalue[pm]{...}` in a \\section or \\title gave two `Token not allowed in a PDF string ...
    removing 'math shift'` warnings per use (the $ of `$\\pm$`); the number is what the outline and the
    PDF's title show, whether the numbers file is read before hyperref or after."""
    spec, store = project
    build(spec, store)
    shutil.copy(Path(spec.folder) / "results/numbers.tex", tmp_path / "numbers.tex")
    text = (tmp_path / "numbers.tex").read_text()
    pm = dict(re.findall(r"\\@namedef\{rb@v@(pm)@table1/ours/a\}\{(.*)\}", text))["pm"]
    gain = _defined(text)["gainA"]
    title = "Ours reaches \\rbvalue[pm]{table1/ours/a}, \\gainA{} more"
    preamble = ["\\input{numbers.tex}", "\\usepackage[pdfusetitle]{hyperref}", f"\\title{{{title}}}"]
    if hyperref_first:
        preamble[:2] = preamble[1::-1]
    page = compile_page(
        tmp_path, f"\\maketitle\n\\section{{{title}}}\ntext", (), options="", preamble=preamble, packages=()
    )
    assert "Token not allowed in a PDF string" not in page.log
    plain = pm.replace("$\\pm$", "±")
    shown = f"Ours reaches {plain}, {gain} more"
    assert " ± " in shown
    assert _bookmarks(tmp_path) == [shown]
    info = subprocess.run(["pdfinfo", "doc.pdf"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert f"Title:           {shown}" in info.splitlines()


@pytest.mark.parametrize(
    ("hyperref", "outline"),
    [
        ("\\usepackage{hyperref}", "Tiny -1.70×10⁻⁹ ± 0.20×10⁻⁹, huge 3.1×10¹² and -∞ to ∞"),
        (
            "\\usepackage[unicode=false]{hyperref}",
            "Tiny -1.70×10^-9 ± 0.20×10^-9, huge 3.1×10^12 and -inf to inf",
        ),
    ],
    ids=["unicode", "pdfdocencoding"],
)
def test_a_power_of_ten_or_infinity_in_a_title_is_plain_text_in_the_pdf_outline(
    tmp_path: Path, hyperref: str, outline: str
) -> None:
    """hyperref dropped the ^ of `1.70\\ensuremath{\\times 10^{-9}}` and the \\infty of a number in a
    section title, each with a warning: the bookmark read `1.70×10-9` (and `-` for minus infinity). A
    PDF string without Unicode has no superscript digits: 10^-9. The printed title is unchanged."""
    from resultsbook.render.latex import tex_number
    from resultsbook.render.macros import render_macros

    cells = {
        "t/tiny/x": {"pm": f"{tex_number('-1.70e-9')} $\\pm$ {tex_number('0.20e-9')}"},
        "t/diverged/x": {"value": tex_number("-inf")},
    }
    named = {"hugeLoss": tex_number("3.1e12"), "worst": tex_number("inf")}
    (tmp_path / "numbers.tex").write_text(render_macros(named, cells, {}, "numbers.tex"))
    body = "\\section{Tiny \\rbvalue[pm]{t/tiny/x}, huge \\hugeLoss{} and \\rbvalue{t/diverged/x} to \\worst}"
    printed = []
    for preamble in (("\\input{numbers.tex}",), ("\\input{numbers.tex}", hyperref)):
        page = compile_page(tmp_path, body, (), options="", preamble=preamble, packages=())
        pdf = subprocess.run(["pdftotext", "doc.pdf", "-"], cwd=tmp_path, capture_output=True, text=True)
        printed.append(pdf.stdout)
    assert "not allowed in a PDF string" not in page.log and "Glyph not defined" not in page.log
    assert _bookmarks(tmp_path) == [outline]
    assert printed[1] == printed[0] and "Tiny" in printed[0]


@pytest.mark.parametrize("documentclass", ["article", "acmart"])
def test_a_number_quoted_in_an_uppercased_title_keeps_its_key(
    project, tmp_path: Path, documentclass: str
) -> None:
    """acmart sets section titles in capitals (\\MakeTextUppercase): `\\rbvalue[pm]{table1/ours/a}`
    became `\\rbvalue[PM]{TABLE1/OURS/A}` and stopped LaTeX with `No value`."""
    if (
        documentclass != "article"
        and not subprocess.run(
            ["kpsewhich", f"{documentclass}.cls"], capture_output=True, text=True
        ).stdout.strip()
    ):
        pytest.skip(f"{documentclass}.cls is not installed: apt-get install texlive-publishers")
    spec, store = project
    build(spec, store)
    shutil.copy(Path(spec.folder) / "results/numbers.tex", tmp_path / "numbers.tex")
    title = "Ours reaches \\rbvalue{table1/ours/a} and \\rbvalue[pm]{table1/ours/a}: \\rbnote{table1}"
    if documentclass == "article":
        body, preamble = f"\\MakeUppercase{{{title}}}", ""
    else:
        preamble = "\\title{T}\\author{A}\\affiliation{\\institution{S}\\city{C}\\country{X}}"
        body = f"\\maketitle\n\\section{{{title}}}\ntext"
    _compile(tmp_path, preamble, body, documentclass)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "doc.pdf"), "-"], capture_output=True, text=True
    ).stdout
    value = dict(
        re.findall(
            r"\\@namedef\{rb@v@(value)@table1/ours/a\}\{(.*)\}", (tmp_path / "numbers.tex").read_text()
        )
    )
    assert f"REACHES {value['value']} AND {value['value']} ±" in " ".join(text.split())


@pytest.mark.parametrize(
    ("finals", "difference"),
    [
        ({"ours": [1.04, 1.04], "base": [0.96, 0.96]}, "0.0"),  # 1.0 and 1.0 printed, 0.08 apart
        (
            {"ours": [1608.84, 1608.84], "base": [1686.87, 1686.87]},
            "\\ensuremath{-}78.1",
        ),  # d3rlpy's CQL vs BCQ
    ],
)
def test_a_difference_in_the_text_is_the_difference_of_the_numbers_its_table_prints(
    tmp_path: Path, finals: dict[str, list[float]], difference: str
) -> None:
    """A reader checks "CQL trails BCQ by 78.0 points" against the table: 1608.8 and 1686.9 are 78.1
    apart. The text took the difference of the unrounded means, and disagreed with the table."""
    numbers = _build_final_values(
        tmp_path,
        "ret",
        finals,
        'digits = 1\nhighlight = "none"\n',
        'gain = { difference = ["t/ours", "t/base"] }\n',
    )
    assert f"\\newcommand{{\\gain}}{{{difference}}}" in numbers.splitlines()


def _build_final_values(
    tmp_path: Path, metric: str, finals: dict[str, list[float]], table: str, values: str
) -> str:
    """Build table t (rows: method, one run a seed logging one final value each) and the numbers file
    naming `values`; return the numbers file."""
    from conftest import write_native_run

    from resultsbook.sources.collect import CollectRequest, collect
    from resultsbook.store import Store

    for method, finals_of_method in finals.items():
        for seed, value in enumerate(finals_of_method):
            config = {"method": method, "seed": seed}
            write_native_run(tmp_path / "runs" / f"{method}{seed}", config, [{"step": 1, metric: value}])
    (tmp_path / "resultsbook.toml").write_text(
        f'[[sources]]\npath = "runs"\n\n[tables.t]\nmetric = "{metric}"\nrows = ["method"]\n{table}'
        'outputs = ["t.tex"]\n\n[macros]\noutput = "numbers.tex"\n\n[macros.values]\n' + values
    )
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    store = Store.open(spec.db)
    try:
        collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
        build(spec, store)
    finally:
        store.close()
    return (tmp_path / "numbers.tex").read_text()


def test_a_standard_error_in_the_text_has_the_decimals_that_show_it_not_zero(tmp_path: Path) -> None:
    """Ten seeds of std 1.5 (the table reads them to whole numbers) have a standard error of 0.47: the
    numbers file quoted it as `0`, in `\\rbvalue[sem]` and in a named value, with the std's decimals."""
    numbers = _build_final_values(
        tmp_path,
        "ret",
        {"ours": [96.0, 97.0, 98.0, 99.0, 100.0] * 2},
        "",
        'cell_sem = { cell = "t/ours", stat = "sem" }\n'
        'all_sem = { metric = "ret", where = { method = "ours" }, stat = "sem" }\n'
        'all_std = { metric = "ret", where = { method = "ours" }, stat = "std" }\n',
    )
    lines = numbers.splitlines()
    assert "\\@namedef{rb@v@std@t/ours}{1}" in lines  # the std as the table prints it
    assert "\\@namedef{rb@v@sem@t/ours}{0.5}" in lines
    assert "\\newcommand{\\cellSem}{0.5}" in lines and "\\newcommand{\\allSem}{0.5}" in lines
    assert "\\newcommand{\\allStd}{1}" in lines


def test_a_spread_the_table_prints_or_its_given_digits_are_quoted_as_the_table_prints_them(
    tmp_path: Path,
) -> None:
    """With `digits = 1` a table printed `0.9 ± 0.0` and the text quoted its std as 0.02: a sentence
    beside the table disagreed with it (the table warns of the spread printed as 0 itself)."""
    numbers = _build_final_values(
        tmp_path,
        "acc",
        {"ours": [0.90, 0.92, 0.94]},
        "digits = 1\n",
        'cell_std = { cell = "t/ours", stat = "std" }\ncell_sem = { cell = "t/ours", stat = "sem" }\n',
    )
    lines = numbers.splitlines()
    assert "\\@namedef{rb@v@std@t/ours}{0.0}" in lines and "\\newcommand{\\cellStd}{0.0}" in lines
    assert "\\newcommand{\\cellSem}{0.0}" in lines  # the digits asked for, as every cell of the table


def test_a_count_of_seeds_no_run_has_is_refused_not_written_as_one(tmp_path: Path) -> None:
    """Five DVCLive folds numbered by `fold`, none with a `seed`: `n_folds = { count = "seeds" }`
    wrote \\nFolds{} as 1 (every run's seed `none`, one value), a number the text then quoted."""
    extra = MACROS.replace(
        'seeds = { count = "seeds", where = { method = "big" } }',
        'seeds = { count = "seeds", replicate = ["fold"] }',
    )
    spec, store = make_project(tmp_path, extra)
    report = build(spec, store)
    store.close()
    [failure] = report.failed
    assert failure.entry == "macros"
    assert failure.message.endswith(
        "[macros.values.seeds]: count = \"seeds\" counts the distinct values of 'fold', a param no selected run "
        'has (params: dataset, lr, method, seed); name the key that numbers the replicates with replicate = ["KEY"]'
    )


@pytest.mark.parametrize(
    "value",
    [
        'ours_mean = { metric = "acc", where = { method = "Ours" } }',
        'ours_mean = { count = "runs", where = { method = "Ours", dataset = "a" } }',
    ],
)
def test_a_statistic_or_count_whose_where_matches_no_run_is_refused_not_written_as_a_dash_or_0(
    tmp_path: Path, cli, value: str
) -> None:
    """`where = { algo = "nfq" }` over runs of `NFQ` wrote \\nfqMean as -- and \\nfqRuns as 0, silently."""
    make_project(tmp_path, MACROS + value + "\n")[1].close()
    built = cli("build")
    assert built.exit_code != 0 and not (tmp_path / "results/numbers.tex").exists()
    assert (
        "Error: resultsbook.toml: [macros.values.ours_mean]: filter method=Ours matches no run; method has: "
        "base, big, ours; did you mean method=ours?"
    ) in built.output
    assert (tmp_path / "results/table1.md").exists()  # the rest of the build goes on


def test_a_statistic_over_runs_none_of_which_logs_its_metric_is_refused_not_written_as_a_dash(
    tmp_path: Path, cli
) -> None:
    """Runs of model b log 'accuracy', not 'acc': \\bMean was written as -- into the text, exit 0."""
    from conftest import write_native_run

    for model, key in (("a", "acc"), ("b", "accuracy")):
        for seed in range(2):
            write_native_run(
                tmp_path / f"runs/{model}{seed}", {"model": model, "seed": seed}, [{"step": 1, key: 0.5}]
            )
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[macros]\noutput = "numbers.tex"\n[macros.values]\n'
        'b_mean = { metric = "acc", where = { model = "b" } }\n'
    )
    built = cli("build")
    assert built.exit_code == 2 and not (tmp_path / "numbers.tex").exists()
    assert (
        "Error: resultsbook.toml: [macros.values.b_mean]: none of the 2 run(s) its where selects logs 'acc'; "
        "did you mean 'accuracy'?"
    ) in built.output.splitlines(), built.output


def test_a_count_of_runs_over_values_the_runs_hold_is_a_number_even_when_it_is_0(tmp_path: Path) -> None:
    """No run of `new` on dataset b yet: 0 is the count, not a typo."""
    from conftest import write_native_run

    from resultsbook.sources.collect import CollectRequest, collect

    counts = 'new_b = { count = "runs", where = { method = "new", dataset = "b" } }\n'
    spec, store = make_project(tmp_path, MACROS + counts)
    write_native_run(tmp_path / "runs/new_a_0", {"method": "new", "dataset": "a", "seed": 0}, [{"step": 1}])
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    report = build(spec, store)
    store.close()
    assert not report.failed
    assert _defined((tmp_path / "results/numbers.tex").read_text())["newB"] == "0"


def test_a_named_value_from_a_cell_of_two_marks_of_one_symbol_names_the_symbol_once(tmp_path: Path) -> None:
    """catniplab/ML-music-analysis: a cell whose seeds differ in config and trained for different
    budgets is marked † twice; the numbers file said `marked in its table: main/GRU/Nottingham * # † ‖ † °`."""
    from conftest import write_native_run

    from resultsbook.sources.collect import CollectRequest, collect
    from resultsbook.store import Store

    for name, config, last in [
        ("o0", {"method": "ours", "seed": 0, "lr": 0.1}, 100),
        ("o1", {"method": "ours", "seed": 1, "lr": 0.2}, 10),
        ("b0", {"method": "base", "seed": 0, "lr": 0.1}, 100),
        ("b1", {"method": "base", "seed": 1, "lr": 0.1}, 100),
    ]:
        points = [{"step": step, "acc": 0.5 + len(name) / 10 + step / 1000} for step in (1, last)]
        write_native_run(tmp_path / "runs" / name, config, points)
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "acc"\nrows = ["method"]\noutputs = ["t.md"]\n'
        '[macros]\noutput = "numbers.tex"\n[macros.values]\ngain_a = { difference = ["t/ours", "t/base"] }\n'
    )
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    store = Store.open(spec.db)
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    build(spec, store)
    store.close()
    text = (tmp_path / "numbers.tex").read_text()
    assert "%   \\gainA: t/ours minus t/base; marked in its table: t/ours # †, t/base # °\n" in text


def test_a_std_quoted_in_the_text_has_the_ddof_of_the_tables(tmp_path: Path) -> None:
    """`[defaults] ddof = 0` (d3rlpy's benchmark tables publish the population std) set the tables'
    std, but a `[macros.values]` statistic over runs kept ddof 1: the text quoted 84 for the std the
    table printed as 80. The final returns are DiscreteBCQ's on Asterix, seeds 1 to 10, as
    takuseno/d3rlpy-benchmarks @ 1771c9b2 publishes them (the last row of each
    `DiscreteBCQ_asterix_<seed>/environment.csv`, `epoch,step,return` without a header)."""
    from conftest import write_native_run

    from resultsbook.sources.collect import CollectRequest, collect
    from resultsbook.store import Store

    finals = [320.0, 220.0, 410.0, 470.0, 390.0, 325.0, 305.0, 485.0, 320.0, 440.0]
    for seed, value in enumerate(finals, start=1):
        write_native_run(
            tmp_path / "runs" / f"bcq{seed}", {"algo": "bcq", "seed": seed}, [{"step": 1, "return": value}]
        )
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[defaults]\nddof = 0\n\n[tables.t]\nmetric = "return"\n'
        'rows = ["algo"]\noutputs = ["t.tex"]\n\n[macros]\noutput = "numbers.tex"\n\n[macros.values]\n'
        'bcq_std = { metric = "return", where = { algo = "bcq" }, stat = "std" }\n'
        'bcq_sem = { metric = "return", where = { algo = "bcq" }, stat = "sem" }\n'
        'bcq_std_sample = { metric = "return", where = { algo = "bcq" }, stat = "std", ddof = 1 }\n'
    )
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    store = Store.open(spec.db)
    try:
        collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
        build(spec, store)
    finally:
        store.close()
    text = (tmp_path / "numbers.tex").read_text()
    values = _defined(text)
    population = np.std(finals, ddof=0)  # 79.9; ddof 1 gives 84.2
    assert values["bcqStd"] == f"{population:.0f}" == "80"
    assert "\\@namedef{rb@v@std@t/bcq}{80}" in text  # the table's cell, quoted by \rbvalue[std]
    assert values["bcqSem"] == f"{population / np.sqrt(len(finals)):.0f}" == "25"
    assert values["bcqStdSample"] == f"{np.std(finals, ddof=1):.0f}" == "84"  # a ddof of its own is kept
    assert "\\bcqStd: the std (ddof = 0) of return (last) over the runs where algo=bcq" in text
    assert "\\bcqStdSample: the std (ddof = 1) of return (last)" in text


def test_keys_read_alike_are_said_on_one_line_with_a_line_break_shown() -> None:
    """A param value with a line break (a note pasted into a config) reads as the value with a space:
    the build's line naming both shows the break as `\\n`, and stays one line."""
    from resultsbook.render.macros import alike_keys

    [line] = alike_keys(["t/p\nq", "t/p q"])
    assert "\n" not in line and line.startswith("cells t/p\\nq and t/p q read alike as LaTeX keys")


@pytest.mark.parametrize(
    ("hyperref", "outline"),
    [
        ("\\usepackage{hyperref}", "Results Mean ± std; two-sided, α = 0.05. Values × 100."),
        (
            "\\usepackage[unicode=false]{hyperref}",
            "Results Mean ± std; two-sided, alpha = 0.05. Values × 100.",
        ),
    ],
    ids=["unicode", "pdfdocencoding"],
)
def test_the_alpha_of_a_note_in_a_title_is_kept_in_the_pdf_outline(
    tmp_path: Path, hyperref: str, outline: str
) -> None:
    """`\\section{Results \\rbnote{table1}}` under hyperref lost the α of `two-sided, α = 0.05` from the
    bookmark, with `Token not allowed in a PDF string (Unicode): removing \\alpha`."""
    from resultsbook.render.macros import render_macros

    notes = {"t": "Mean ± std; two-sided, α = 0.05. Values × 100."}
    (tmp_path / "numbers.tex").write_text(render_macros({}, {}, notes, "numbers.tex"))
    preamble = ("\\input{numbers.tex}", hyperref)
    page = compile_page(
        tmp_path, "\\section{Results \\rbnote{t}}", (), options="", preamble=preamble, packages=()
    )
    assert "not allowed in a PDF string" not in page.log
    assert _bookmarks(tmp_path) == [outline]


def test_a_statistic_over_runs_of_two_configurations_is_warned_of_and_explained(tmp_path: Path, cli) -> None:
    """A named mean over the runs of model a averaged three at lr 0.01 and one at lr 0.1 silently: build
    --strict passed, and explain named no param the runs differ in, as it does for a table cell."""
    from conftest import write_native_run

    for seed, lr, acc in ((0, 0.01, 0.8), (1, 0.01, 0.81), (2, 0.01, 0.82), (3, 0.1, 0.93)):
        config = {"model": "a", "lr": lr, "seed": seed}
        write_native_run(tmp_path / f"runs/a_s{seed}", config, [{"step": 1, "acc": acc}])
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[macros]\noutput = "numbers.tex"\n[macros.values]\n'
        'mean_all = { metric = "acc", where = { model = "a" }, stat = "mean" }\n'
    )
    built = cli("build", "--strict")
    assert built.exit_code == 1
    assert (
        "Error: macros: \\meanAll (mean_all) averages runs that differ in lr (0.01, 0.1): add lr to its where"
        " in [macros.values.mean_all], or to its run_specific if it averages them on purpose"
    ) in built.output.splitlines()
    lines = cli("explain", "\\meanAll").output.splitlines()
    assert lines[-2:] == ["  differ in lr: 0.01, 0.1", "  ! averages runs that differ in lr (0.01, 0.1)"]
    document = json.loads(cli("explain", "\\meanAll", "--json").output)["number"]
    assert document["differing"] == {"lr": [0.01, 0.1]}
    (tmp_path / "resultsbook.toml").write_text(  # a mean over both learning rates on purpose
        '[[sources]]\npath = "runs"\n[macros]\noutput = "numbers.tex"\n[macros.values]\n'
        'mean_all = { metric = "acc", where = { model = "a" }, stat = "mean", run_specific = ["lr"] }\n'
    )
    assert cli("build", "--strict").exit_code == 0
    (tmp_path / "resultsbook.toml").write_text(  # a typo there silenced nothing, and said nothing
        '[[sources]]\npath = "runs"\n[macros]\noutput = "numbers.tex"\n[macros.values]\n'
        'mean_all = { metric = "acc", where = { model = "a" }, stat = "mean", run_specific = ["rl"] }\n'
    )
    typo = cli("build")
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[macros]\noutput = "numbers.tex"\n[macros.values]\n'
        'runs_a = { count = "runs", where = { model = "a" }, run_specific = ["lr"] }\n'
    )
    assert cli("build").output.endswith(
        "[macros.values.runs_a] run_specific is read only for a statistic over runs (metric = ...): a count "
        "averages nothing; remove it\n"
    )
    assert (
        "[macros.values.mean_all] run_specific 'rl' is not a param of any run; did you mean 'lr'?"
        in typo.output
    )


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (
            '{ cell = "t/a", run_specific = ["lr"] }',
            "run_specific is read only for a statistic over runs (metric = ...), not for a cell of table "
            "cells, which takes its runs and statistics from the table; remove it, or set it in the table",
        ),
        ('{ difference = ["t/a", "t/b"], reduce = "max" }', "reduce is read only for a statistic over runs"),
        ('{ ratio = ["t/a", "t/b"], where = { lr = 0.1 } }', "where is read only for a statistic over runs"),
        (
            '{ count = "runs", reduce = "max" }',
            "reduce is read only for a statistic over runs (metric = ...): "
            "a count reduces no metric; remove it",
        ),
        (
            '{ count = "runs", digits = 2 }',
            "digits is read only for a statistic over runs (metric = ...): a count is a whole number of runs or "
            "seeds, not a statistic; remove it",
        ),
        (
            '{ count = "seeds", stat = "std" }',
            "stat is read only for a statistic over runs (metric = ...): a "
            "count is a whole number of runs or seeds, not a statistic; remove it",
        ),
    ],
)
def test_a_key_its_kind_of_value_does_not_read_is_refused_not_ignored(tmp_path: Path, value, said) -> None:
    """`run_specific`, `reduce` or `where` on a cell, a difference or a ratio changed nothing, unsaid: the
    user believed the quoted number was reduced or filtered as written."""
    (tmp_path / "resultsbook.toml").write_text(
        '[tables.t]\nrows = ["model"]\nmetric = "acc"\n[macros]\noutput = "numbers.tex"\n'
        f"[macros.values]\nx = {value}\n"
    )
    with pytest.raises(SpecError) as raised:
        load_spec(tmp_path / "resultsbook.toml")
    assert f"[macros.values.x] {said}" in str(raised.value)


def test_a_bootstrap_half_width_rounds_half_up_as_its_printed_bounds_give_it(tmp_path: Path, cli) -> None:
    """[0.81, 0.90]'s half-width is 0.045, which rounds half-up to 0.05; the float (0.9 - 0.81) / 2,
    0.044999999999999984, printed 0.04."""
    runs = [{"model": "a", "seed": s, "acc": v} for s, v in enumerate([0.81, 0.85, 0.9, 0.83, 0.88])]
    (tmp_path / "runs.json").write_text(json.dumps(runs))
    (tmp_path / "resultsbook.toml").write_text(
        'db = "r.db"\n[[sources]]\npath = "."\nadapter = "records"\npattern = "runs.json"\n'
        '[tables.t]\nmetric = "acc"\ngoal = "max"\nrows = ["model"]\ncenter = "median"\n'
        'spread = "bootstrap"\noutputs = ["t.md"]\n[macros]\noutput = "numbers.tex"\n'
    )
    assert cli("build").exit_code == 0
    numbers = (tmp_path / "numbers.tex").read_text()
    assert "\\@namedef{rb@v@pm@t/a}{0.85 [0.81, 0.90]}\n" in numbers
    assert "\\@namedef{rb@v@bootstrap@t/a}{0.05}\n" in numbers
