"""Hostile values from logs and the spec stay inert in every output: LaTeX (tables, numbers, PGF and PDF
figures, compiled with and without -shell-escape), Markdown, HTML (in a real headless browser), CSV,
JSON, the terminal, and the shell command lines of `status --commands`."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import require_pdflatex, write_native_run

SECRET = "SECRET-7f3a9c"
CONTROL = ("\x1b", "\x07", "\x9b", "\u202e")


def hostile_values(root: Path) -> list[str]:
    """Strings that would act if any output took them as code: LaTeX, HTML, Markdown, CSV, shell, terminal."""
    secret, pwned = root / "secret.txt", root / "pwned"
    return [
        f"\\input{{{secret}}}",
        f"\\immediate\\write18{{touch {pwned}-tex}}",
        "50% & #1 $x^2$ _{}~ \\\\ \\def\\a{b} ^^5cinput",
        "<script>document.title='PWNED'</script><img src=x onerror=\"document.body.dataset.pwned=1\">",
        '=HYPERLINK("http://evil.example","click")',
        f"x; touch {pwned}-sh $(touch {pwned}-sub) `touch {pwned}-bt` 'q\"",
        "\x1b[31mred\x1b]0;TITLE\x07\x1b[2J\u202eevil\x9b",
        "[link](javascript:alert(1)) | *b* <!-- --> `c` {{7*7}}",
        "line\nbreak\r\n-->",
    ]


SPEC = '''
[[sources]]
path = "runs"

[report]
title = "Hostile report"

[labels.keys]
method = "Method <b>&</b> \\\\input{{{secret}}}"

[tables.t]
metric = "acc"
rows = ["method"]
columns = ["dataset"]
float = true
caption = "Caption \\\\write18{{touch {pwned}-cap}} <script>x</script>"
outputs = ["out/t.tex", "out/t.md", "out/t.csv", "out/t.json"]
command = 'printf "%s\\n" {{method}} {{seed}}'
escape_formulas = true

[tables.raw]
metric = "acc"
rows = ["method"]
outputs = ["out/raw.csv"]

[figures.bar]
kind = "bar"
table = "t"
x = "method"
hue = "dataset"
outputs = ["out/bar.pgf", "out/bar.svg", "out/bar.pdf"]

[figures.curve]
kind = "curve"
metric = "acc"
hue = "method"
outputs = ["out/curve.pgf"]

[macros]
output = "out/numbers.tex"

[macros.values]
n_runs = {{ count = "runs" }}
'''


@pytest.fixture
def hostile(tmp_path: Path, cli) -> tuple[Path, list[str]]:
    """A project whose param values, run names, labels and caption are all hostile; built once."""
    (tmp_path / "secret.txt").write_text(f"{SECRET}\n")
    values = hostile_values(tmp_path)
    for index, value in enumerate(["base", *values]):
        for seed in (0, 1, 2) if value == "base" else (0, 1):  # hostile cells miss seed 2: status names it
            for dataset in ("a", "b"):
                name = f"r{index}_{dataset}_{seed}" + ("\x1b[31m$(x)" if index == 7 else "")
                metrics = [{"step": step, "acc": 50.0 + index + seed + step / 10} for step in (1, 2, 3)]
                config = {"method": value, "dataset": dataset, "seed": seed}
                write_native_run(tmp_path / "runs" / name, config, metrics, {"status": "finished"})
    spec = SPEC.format(secret=tmp_path / "secret.txt", pwned=tmp_path / "pwned")
    (tmp_path / "resultsbook.toml").write_text(textwrap.dedent(spec))
    built = cli("build")
    assert built.exit_code == 0, built.output
    return tmp_path, values


def _nothing_ran(root: Path) -> None:
    assert sorted(p.name for p in root.glob("pwned*")) == []


def _compile(folder: Path, flag: str) -> str:
    pdflatex = require_pdflatex()
    source = folder / f"doc{flag}.tex"
    source.write_text(
        "\\documentclass{article}\n\\usepackage{booktabs}\n\\usepackage{pgf}\n\\usepackage{graphicx}\n"
        "\\input{out/numbers.tex}\n\\begin{document}\n\\input{out/t.tex}\n"
        "\\input{out/bar.pgf}\n\\input{out/curve.pgf}\n\\includegraphics{out/bar.pdf}\n"
        "Runs: \\nRuns\n\\end{document}\n"
    )
    result = subprocess.run(
        [pdflatex, flag, "-interaction=nonstopmode", "-halt-on-error", source.name],
        cwd=folder, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    text = subprocess.run(
        ["pdftotext", source.with_suffix(".pdf").name, "-"], cwd=folder, capture_output=True, text=True
    )
    return text.stdout


def test_latex_outputs_compile_and_nothing_runs_or_leaks_with_or_without_shell_escape(hostile) -> None:
    root, _ = hostile
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: apt-get install poppler-utils")
    _nothing_ran(root)  # drawing the PGF figures ran LaTeX on the labels too
    for flag in ("-no-shell-escape", "-shell-escape"):
        text = _compile(root, flag)
        _nothing_ran(root)
        assert SECRET not in text
        assert "input{" in text and "write18" in text  # shown as text
    pgf = (root / "out" / "bar.pgf").read_text().splitlines()
    assert [line for line in pgf if "\\input{" in line and not line.startswith("%")] == []
    assert [line for line in pgf if "textbackslash{}input\\{" in line]  # the tick label, escaped


def test_markdown_table_renders_as_one_table_of_plain_text(hostile) -> None:
    from markdown_it import MarkdownIt

    root, values = hostile
    html = MarkdownIt("commonmark").enable("table").render((root / "out" / "t.md").read_text())
    tags = _Tags()
    tags.feed(html)
    assert tags.seen & {"script", "img", "a", "b"} == set()
    assert len(set(tags.cells_per_row)) == 1  # no value added or removed a column
    assert tags.rows == len(values) + 2  # the header and one row per method


def test_html_report_in_a_headless_browser_shows_values_as_text(hostile, cli) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed: apt-get install chromium")
    root, _ = hostile
    assert cli("report", "--no-collect", "-o", "report.html").exit_code == 0
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
        f"--user-data-dir={root / 'profile'}", "--dump-dom",
    ]  # fmt: skip
    dom = subprocess.run(
        [chromium, *flags, (root / "report.html").as_uri()], capture_output=True, text=True, timeout=120
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    tags = _Tags()
    tags.feed(dom.stdout)
    assert "script" not in tags.seen
    assert tags.handlers == []
    assert tags.title == "Hostile report"
    assert "data-pwned" not in dom.stdout
    assert "&lt;script&gt;document.title='PWNED'&lt;/script&gt;" in dom.stdout  # shown, as text
    assert [src[:26] for src in tags.images] == ["data:image/svg+xml;base64,"] * 2  # only the figures


def test_csv_cells_round_trip_and_formulas_are_neutralised_on_request(hostile) -> None:
    root, values = hostile
    raw = list(csv.reader(io.StringIO((root / "out" / "raw.csv").read_bytes().decode())))
    assert {row[0] for row in raw[1:]} == {"base", *values}  # after the header line
    safe = list(csv.reader(io.StringIO((root / "out" / "t.csv").read_bytes().decode())))
    cells = [cell for row in safe[1:] for cell in row]
    assert "'" + values[4] in cells
    assert not [c for c in cells if c and (c[:1] in "=+@" or (c[:1] == "-" and not _number(c)))]  # "" is none


def test_json_output_keeps_every_value_exactly(hostile) -> None:
    root, values = hostile
    document = json.loads((root / "out" / "t.json").read_text())
    assert {cell["row"]["method"] for cell in document["cells"]} == {"base", *values}


def test_terminal_output_shows_control_sequences_instead_of_obeying_them(hostile, cli) -> None:
    outputs = [
        cli("table", "--rows", "method", "--columns", "dataset", "--metric", "acc"),
        cli("runs"),
        cli("runs", "--metric", "acc"),
        cli("explain", "t"),
        cli("status", "--commands"),
        cli("problems"),
        cli("show", "r7_a_0\x1b[31m$(x)"),
        cli("diff", "r7_a_0\x1b[31m$(x)", "r1_a_0"),
        cli("--color", "always", "table", "--rows", "method", "--metric", "acc"),
    ]
    for result in outputs:
        assert result.exit_code in (0, 1), result.output
        assert not [c for c in CONTROL if c in result.output.replace("\x1b[1m", "").replace("\x1b[0m", "")]
    assert "\\e[31mred" in outputs[0].output


def test_status_commands_are_quoted_so_the_shell_runs_nothing_else(hostile, cli) -> None:
    root, values = hostile
    document = json.loads(cli("status", "--json").output)
    commands = {cell["cell"]: cell["commands"] for cell in document["cells"] if cell["commands"]}
    assert len(commands) == 2 * len(values)
    printed = []
    for [command] in commands.values():
        ran = subprocess.run(["sh", "-c", command], cwd=root, capture_output=True, timeout=30)
        assert ran.returncode == 0, (command, ran.stderr)
        printed.append(ran.stdout.decode())
    _nothing_ran(root)
    assert sorted(printed) == sorted(f"{value}\n2\n" for value in values for _ in ("a", "b"))


def test_a_spec_name_with_a_newline_is_refused(tmp_path: Path, cli) -> None:
    (tmp_path / "resultsbook.toml").write_text(
        '[tables."t\\n\\\\input{x}"]\nmetric = "acc"\nrows = ["m"]\noutputs = ["t.tex"]\n'
    )
    result = cli("build")
    assert result.exit_code == 2
    assert result.output == (
        "Error: resultsbook.toml: the table name 't\\n\\\\input{x}' holds a newline or another control "
        "character; use letters, digits, - and _\n"
    )


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class _Tags(HTMLParser):
    """Collect what matters in an HTML document: tags seen, event handlers, images, title, table rows."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()
        self.handlers: list[str] = []
        self.images: list[str] = []
        self.cells_per_row: list[int] = []
        self.rows = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.add(tag)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        if tag == "img":
            self.images.append(dict(attrs).get("src") or "")
        if tag == "tr":
            self.rows += 1
            self.cells_per_row.append(0)
        if tag in ("td", "th") and self.cells_per_row:
            self.cells_per_row[-1] += 1
        self._in_title = tag == "title"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
