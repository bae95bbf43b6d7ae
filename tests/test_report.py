"""The HTML results page: self-contained, escaped, the runs behind every cell; loads in Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import write_native_run
from figure_project import SEEDS, accuracy, make_project

from resultsbook.outputs.report import render_report, report_page
from resultsbook.sources.collect import CollectRequest, collect

FIGURE = """
[figures.bar]
kind = "bar"
table = "table1"
outputs = ["figures/bar.pdf"]

[report]
title = "Results <of> the project"
"""


@pytest.fixture
def report_project(tmp_path: Path):
    spec, store = make_project(tmp_path, FIGURE)
    # an untrusted run name and param value, and a second learning rate mixed into one cell
    config = {"method": "ours", "dataset": "a", "seed": 9, "lr": "<script>alert(1)</script>"}
    metrics = [{"step": 100, "acc": 50.0}]
    write_native_run(tmp_path / "runs" / "<b>evil</b>", config, metrics, {"status": "failed"})
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    yield spec, store
    store.close()


def test_report_is_one_self_contained_file(report_project) -> None:
    spec, store = report_project
    html = render_report(spec, store, store.runs())
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)
    assert "<script" not in html and "<link" not in html
    assert html.count('<img src="data:image/svg+xml;base64,') == 1
    assert "<title>Results &lt;of&gt; the project</title>" in html


def test_report_shows_tables_the_runs_behind_each_cell_and_how_configs_differ(report_project) -> None:
    spec, store = report_project
    html = render_report(spec, store, store.runs())
    finals = [accuracy("big", "b", s, 100) for s in SEEDS]
    assert f"{np.mean(finals):.1f} ± {np.std(finals, ddof=1):.1f}" in html
    assert "big_b_0" in html and "big_b_2" in html
    assert "<code>seed</code> (replicate key): 0, 1, 2" in html
    # the mixed cell says which param differs, with the (escaped) values
    assert "<code>lr</code>: 0.1, &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "includes 1 failed run(s)" in html
    # each run says which code it ran and where it was read: the cell's ‖ mark names no run
    assert "<th>commit</th><th>source</th>" in html.replace("\n", "")
    assert "runs/big_b_0" in html
    assert 'class="status-failed"' in html
    assert "&lt;b&gt;evil&lt;/b&gt;" in html and "<b>evil</b>" not in html
    assert "<script>alert(1)</script>" not in html


def test_control_characters_and_bidi_overrides_from_logs_are_shown_not_obeyed(tmp_path: Path) -> None:
    """A run named `rtl\u202eevil` showed reversed in the report, and a value's ESC and BEL went in raw."""
    spec, store = make_project(tmp_path, FIGURE)
    config = {"method": "ours", "dataset": "a", "seed": 9, "lr": "\x1b[31mred\x07"}
    write_native_run(tmp_path / "runs" / "rtl\u202eevil", config, [{"step": 100, "acc": 50.0}])
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    html = render_report(spec, store, store.runs())
    store.close()
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e]", html)
    assert "rtl\\u202eevil" in html and "\\e[31mred\\x07" in html


def test_report_command_writes_the_page(tmp_path: Path, cli) -> None:
    _, store = make_project(tmp_path, FIGURE)
    store.close()
    result = cli("report", "-o", "page.html")
    assert result.exit_code == 0, result.output
    assert "wrote page.html" in result.output
    assert "Table table1" in (tmp_path / "page.html").read_text()
    assert "unchanged: page.html" in cli("report", "-o", "page.html", "--no-collect").output


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("chromium is not installed: apt-get install chromium")
    return path


def _headless(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}",
        "--enable-logging=stderr", "--v=0",
    ]  # fmt: skip
    return subprocess.run([chromium, *flags, *args], capture_output=True, text=True, timeout=120, check=False)


def test_report_loads_in_a_headless_browser_without_errors_and_shows_the_tables(
    report_project, tmp_path: Path
) -> None:
    chromium = _chromium()
    spec, store = report_project
    page = tmp_path / "report.html"
    page.write_text(render_report(spec, store, store.runs()))
    dom = _headless(chromium, tmp_path / "profile1", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    assert '<table class="results">' in dom.stdout and "Big model" in dom.stdout
    shot = tmp_path / "report.png"
    taken = _headless(
        chromium, tmp_path / "profile2", "--window-size=1200,900", f"--screenshot={shot}", page.as_uri()
    )
    assert taken.returncode == 0 and shot.exists(), taken.stderr[-2000:]
    from matplotlib.image import imread

    pixels = imread(str(shot))[..., :3]
    dark = (pixels.mean(axis=2) < 0.5).mean()
    assert 0.005 < dark < 0.5  # text and table rules on a white page: neither blank nor a solid block


WIDE = """
[tables.wide]
metric = "acc"
rows = ["method"]
columns = ["dataset", "seed"]
replicate = []
outputs = ["results/wide.md"]
"""
MEASURE = """<script>addEventListener("load", () => {
  const page = document.documentElement, box = document.querySelector("#table-wide .scroll");
  document.body.dataset.pageScrolls = String(page.scrollWidth > page.clientWidth);
  document.body.dataset.tableScrolls = String(box.scrollWidth > box.clientWidth);
});</script>"""


def test_a_table_wider_than_the_window_scrolls_by_itself_not_the_page(tmp_path: Path) -> None:
    """A results table of many columns (tianshou's nine environments) pushed the whole page sideways."""
    chromium = _chromium()
    spec, store = make_project(tmp_path, WIDE)
    page = tmp_path / "report.html"
    html = render_report(spec, store, store.runs())
    policy = re.search(r'<meta http-equiv="Content-Security-Policy"[^>]*>', html)
    assert policy is not None  # the page runs no script: this copy drops the policy to measure it
    page.write_text(html.replace(policy.group(0), "").replace("</body>", MEASURE + "</body>"))
    dom = _headless(chromium, tmp_path / "profile", "--window-size=420,900", "--dump-dom", page.as_uri())
    store.close()
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-table-scrolls="true"' in dom.stdout  # six value columns do not fit 420 pixels
    assert 'data-page-scrolls="false"' in dom.stdout


RTL_SPEC = """
[[sources]]
path = "runs"
[tables.t]
metric = "score"
rows = ["model"]
reduce = "last"
outputs = ["out/t.md"]
[figures.curve]
kind = "curve"
metric = "score"
hue = "model"
outputs = ["out/curve.svg"]
"""
# each heading and warning as the browser draws it: its characters from left to right, line by line
READ_ORDER = """<script>addEventListener("load", () => {
  const drawn = element => {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT), chars = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let at = 0; at < node.length; at++) {
        const range = document.createRange(); range.setStart(node, at); range.setEnd(node, at + 1);
        const box = range.getBoundingClientRect();
        if (box.width > 0) chars.push([Math.round(box.top / 4), box.left, node.data[at]]);
      }
    }
    return chars.sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(c => c[2]).join("");
  };
  const shown = [...document.querySelectorAll("h4, p.warn")].map(drawn);
  document.body.dataset.drawn = JSON.stringify(shown);
});</script>"""


def test_a_right_to_left_value_does_not_reorder_the_numbers_beside_it_in_a_browser(tmp_path: Path) -> None:
    """model = "עברית" drew its cell's heading as "model = 0.1 ± 1.1 :עברית (n = 3)" and its figure
    warning as "model=2 :עברית of 12 grid points dropped": the bidi algorithm took the numbers after
    a Hebrew value into it. Each right-to-left stretch is isolated (<bdi>)."""
    import html as html_text
    import json

    from resultsbook.spec import load_spec
    from resultsbook.store import Store

    chromium = _chromium()
    for model, base in (("עברית", 1.0), ("latin", 2.0)):
        for seed in range(3):
            metrics = [{"step": s, "score": base + 0.1 * seed} for s in range(0, 50 + 5 * seed, 5)]
            write_native_run(tmp_path / "runs" / f"{model}_{seed}", {"model": model, "seed": seed}, metrics)
    (tmp_path / "resultsbook.toml").write_text(RTL_SPEC)
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    store = Store.open(spec.db)
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    html = render_report(spec, store, store.runs())
    store.close()
    assert "<h4>model = <bdi>עברית</bdi>: 1.1 ± 0.1 (n = 3)</h4>" in html
    policy = re.search(r'<meta http-equiv="Content-Security-Policy"[^>]*>', html)
    assert policy is not None  # the page runs no script: this copy drops the policy to read it
    opened = html.replace(policy.group(0), "").replace("<details>", "<details open>")
    page = tmp_path / "report.html"
    page.write_text(opened.replace("</body>", READ_ORDER + "</body>"))
    dom = _headless(chromium, tmp_path / "profile", "--window-size=1000,900", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r'data-drawn="([^"]*)"', dom.stdout)
    assert found is not None, dom.stdout[-2000:]
    drawn = json.loads(html_text.unescape(found.group(1)))
    hebrew = "עברית"[::-1]  # drawn right to left: its last letter leftmost
    assert drawn[:2] == ["model = latin: 2.1 ± 0.1 (n = 3)", f"model = {hebrew}: 1.1 ± 0.1 (n = 3)"]
    assert [line[:40] for line in drawn[2:]] == [
        "model=latin: 2 of 12 grid points dropped",
        f"model={hebrew}: 2 of 12 grid points dropped",
    ]


NOT_YET = """
[tables.table3]
metric = "acc"
rows = ["method"]
where = { lr = "0.5" }
outputs = ["results/table3.tex"]

[figures.bar3]
kind = "bar"
table = "table3"
outputs = ["figures/bar3.pdf"]

[macros]
output = "results/numbers.tex"

[macros.values]
gap = { difference = ["table1/big/a", "table1/base/a"] }
gap3 = { difference = ["table3/big", "table3/base"] }
"""


@pytest.fixture
def not_yet_project(tmp_path: Path):
    """The report project with a table no run matches yet (lr = 0.5), a figure and a number quoting it;
    the error lists the values lr has, one of them from the untrusted run."""
    spec, store = make_project(tmp_path, FIGURE + NOT_YET)
    config = {"method": "ours", "dataset": "a", "seed": 9, "lr": "<script>alert(1)</script>"}
    write_native_run(tmp_path / "runs" / "evil", config, [{"step": 100, "acc": 50.0}], {"status": "failed"})
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    yield spec, store
    store.close()


def test_report_shows_every_table_it_can_and_a_box_for_one_that_cannot_be_computed(not_yet_project) -> None:
    spec, store = not_yet_project
    page = report_page(spec, store, store.runs())
    assert [(f.entry, f.held_back_by) for f in page.failed] == [
        ("tables.table3", ""),
        ("figures.bar3", "tables.table3"),
    ]
    assert "Big model" in page.html and page.html.count('<img src="data:image/svg+xml;base64,') == 1
    box = re.search(r'<section id="table-table3">.*?</section>', page.html, re.S)
    assert box is not None and '<div class="failed" role="alert">' in box[0]
    assert "[tables.table3] could not be computed" in box[0]
    assert "filter lr=0.5 matches no run; lr has: 0.1, &lt;script&gt;alert(1)&lt;/script&gt;" in box[0]
    assert "<script>" not in page.html
    assert "[figures.bar3] held back</strong>" in page.html
    assert "<td>gap</td><td>\\gap</td><td>15.0</td>" in page.html  # the number it can compute
    assert (
        "<td>\\gapThree</td><td>held back: it quotes [tables.table3], which could not be computed"
        in page.html
    )


def test_report_command_writes_the_page_and_exits_as_build_would(not_yet_project, cli, tmp_path) -> None:
    result = cli("report", "--no-collect", "-o", "page.html")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "wrote page.html",
        "Error: resultsbook.toml: [tables.table3] filter lr=0.5 matches no run; lr has: 0.1, "
        "<script>alert(1)</script>; did you mean lr=0.1?",
        "Error: resultsbook.toml: [figures.bar3] held back: it quotes [tables.table3], which could not be "
        "built; fix that one first",
    ]
    assert "Table table1" in (tmp_path / "page.html").read_text()
    assert cli("build", "--no-collect").exit_code == 1
    spec_file, table3 = tmp_path / "resultsbook.toml", 'metric = "acc"\nrows = ["method"]\nwhere'
    text = spec_file.read_text()
    assert text.count(table3) == 1  # a metric no run logs: the spec must be fixed, 2 for both
    spec_file.write_text(text.replace(table3, table3.replace('"acc"', '"f1"')))
    assert (
        cli("report", "--no-collect", "-o", "page.html").exit_code,
        cli("build", "--no-collect").exit_code,
    ) == (2, 2)


def test_a_report_with_a_failed_entry_loads_in_a_headless_browser(not_yet_project, tmp_path: Path) -> None:
    chromium = _chromium()
    spec, store = not_yet_project
    page = tmp_path / "report.html"
    page.write_text(report_page(spec, store, store.runs()).html)
    dom = _headless(chromium, tmp_path / "profile", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert [line for line in dom.stderr.splitlines() if ":CONSOLE" in line] == []
    boxes = re.findall(r'<div class="failed" role="alert">(.*?)</div>', dom.stdout, re.S)
    assert len(boxes) == 2 and "lr has: 0.1, &lt;script&gt;alert(1)&lt;/script&gt;" in boxes[0]
    assert '<table class="results">' in dom.stdout and "Big model" in dom.stdout


def test_report_names_the_commit_and_dirty_tree_of_each_run_behind_a_cell(tmp_path: Path) -> None:
    """A cell marked 'includes 1 run from a dirty working tree' listed its runs without their code
    version, so the page could not say which run that was."""
    spec, store = make_project(tmp_path)
    config = {"method": "ours", "dataset": "a", "seed": 9}
    git = {"git": {"commit": "0123456789abcdef" * 2, "dirty": True}}
    write_native_run(tmp_path / "runs" / "ours_a_dirty", config, [{"step": 100, "acc": 50.0}], git)
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    html = render_report(spec, store, store.runs())
    store.close()
    assert "includes 1 run from a dirty working tree" in html
    row = re.search(r"<tr>\s*<td>ours_a_dirty</td>.*?</tr>", html, re.S)
    assert row is not None
    assert "<td>0123456789 (dirty)</td>" in row.group(0)
    assert "runs/ours_a_dirty" in row.group(0)


def test_a_cells_detail_lists_every_mark_the_table_shows_it_with_in_words(tmp_path: Path) -> None:
    """A bold best that is not significant shows ° in the table, but its detail listed only the
    cell's own marks: the ° went unexplained there. Each mark is listed after its symbol."""
    spec, store = make_project(tmp_path, methods=("ours", "big"))
    shutil.rmtree(tmp_path / "runs" / "big_a_1")
    shutil.rmtree(tmp_path / "runs" / "big_a_2")
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    html = render_report(spec, store, store.runs())
    store.close()
    assert "<strong>74.0</strong><sup>*#°</sup>" in html
    warnings = re.findall(r'<p class="warn">(.*?)</p>', html)
    assert warnings == [
        "* n = 1 of 3 seeds, the most any cell has (missing seed 1, seed 2)",
        "# only 1 replicate (fewer than 3)",
        "° not shown to be better than Ours / a: Welch&#39;s t-test needs at least two replicates"
        " on each side",
    ]


def test_a_cells_detail_cuts_a_long_value_its_runs_differ_in(tmp_path: Path) -> None:
    """catniplab/ML-music-analysis's Sacred configs hold a torch distribution jsonpickled into
    thousands of characters per run: each cell's detail and the list of runs printed them whole, a
    1 MB page."""
    spec, store = make_project(tmp_path, top='run_specific = ["blob"]\n')
    for seed in (7, 8):
        config = {
            "method": "ours",
            "dataset": "a",
            "seed": seed,
            "blob": "py/b64 " + "gAKKCmz8" * 600 + str(seed),
        }
        write_native_run(tmp_path / "runs" / f"ours_a_{seed}", config, [{"step": 100, "acc": 50.0}])
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    html = render_report(spec, store, store.runs())
    store.close()
    cut = "py/b64 " + "gAKKCmz8" * 4 + "…"
    apart = ["…Cmz8gAKKCmz8gAKKCmz87", "…Cmz8gAKKCmz8gAKKCmz88"]  # each from where it differs
    assert f"<li><code>blob</code> (run-specific): none, {apart[0]}, {apart[1]}</li>" in html
    assert f"blob={cut}, dataset=a" in html and "gAKKCmz8" * 6 not in html


def test_a_cells_detail_cuts_values_sharing_a_long_prefix_where_they_differ(tmp_path: Path) -> None:
    """`Their configs differ in` cut every value at 40 characters, so three values sharing their
    first 60 read the same: `PPPP…, PPPP…, PPPP…`. They are now cut from a little before they differ."""
    spec, store = make_project(tmp_path, top='run_specific = ["long"]\n')
    for seed in (7, 8):
        config = {"method": "ours", "dataset": "a", "seed": seed, "long": "P" * 60 + f"<b>END</b>{seed}"}
        write_native_run(tmp_path / "runs" / f"ours_a_{seed}", config, [{"step": 100, "acc": 50.0}])
    for folder in (tmp_path / "runs").glob("ours_a_[0-2]"):
        shutil.rmtree(folder)
    collect(store, [CollectRequest(path=str(tmp_path / "runs"))])
    html = render_report(spec, store, store.runs())
    store.close()
    shown = "…PPPPPPPPPP&lt;b&gt;END&lt;/b&gt;"
    assert f"<li><code>long</code> (run-specific): {shown}7, {shown}8</li>" in html
