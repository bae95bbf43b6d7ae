"""Regenerated Markdown sections: marked regions are filled, everything else is kept byte for byte."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from conftest import write_native_run
from figure_project import SEEDS, accuracy, make_project

from resultsbook.errors import SpecError
from resultsbook.outputs.build import build
from resultsbook.outputs.sections import fill_regions

TOP = 'sections = ["RESULTS.md"]\n'
SECTIONS = """
[figures.bar]
kind = "bar"
table = "table1"
outputs = ["figures/bar.png"]

[macros]
[macros.values]
gain_a = { difference = ["table1/ours/a", "table1/base/a"] }
"""

PAGE = (
    "# Results\r\n\r\nWritten by hand, kept as it is.  \r\n\r\n"
    "<!-- resultsbook:table1 -->\r\nstale table\r\n<!-- /resultsbook -->\r\n\r\n"
    "Ours gains <!-- resultsbook:gain_a -->?<!-- /resultsbook --> points "
    "(<!-- resultsbook:table1/ours/a --><!-- /resultsbook -->).\r\n\r\n"
    "<!-- resultsbook:bar -->\r\n<!-- /resultsbook -->\r\n"
    "```markdown\r\n<!-- resultsbook:table1 -->\r\nexample in a code block\r\n"
    "<!-- /resultsbook -->\r\n```\r\n"
    "The end, without a final newline."
)


def _render(name: str, inline: bool, where: str) -> str:
    return f"[{name}]" if inline else f"line one\nline two for {name}\n"


def test_regions_are_filled_and_the_rest_is_kept_byte_for_byte() -> None:
    text = (
        "a\n<!-- resultsbook:t -->\nold\n<!-- /resultsbook -->\n"
        "b <!--resultsbook:v-->x<!-- /resultsbook --> c"
    )
    filled = fill_regions(text, _render, "page.md")
    assert filled == (
        "a\n<!-- resultsbook:t -->\nline one\nline two for t\n<!-- /resultsbook -->\n"
        "b <!--resultsbook:v-->[v]<!-- /resultsbook --> c"
    )
    assert fill_regions(filled, _render, "page.md") == filled


def test_windows_line_endings_and_code_blocks_are_respected() -> None:
    filled = fill_regions(PAGE, _render, "RESULTS.md")
    assert "line one\r\nline two for table1\r\n" in filled
    assert filled.count("example in a code block") == 1 and "stale table" not in filled
    outside = [part for part in PAGE.split("<!-- /resultsbook -->")]
    assert filled.endswith(outside[-1])
    assert filled.startswith(
        "# Results\r\n\r\nWritten by hand, kept as it is.  \r\n\r\n<!-- resultsbook:table1 -->"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x\n<!-- resultsbook:t -->\nno end\n", r"page.md:2: region 't' is not closed"),
        ("x\n<!-- /resultsbook -->\n", r"page.md:2: <!-- /resultsbook --> closes no region"),
        ("<!-- resultsbook:a -->\n<!-- resultsbook:b -->\n<!-- /resultsbook -->", "opens inside region 'a'"),
    ],
)
def test_broken_markers_are_reported_with_their_line(text: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        fill_regions(text, _render, "page.md")


def test_build_fills_tables_figures_values_and_cells(tmp_path: Path) -> None:
    spec, store = make_project(tmp_path, SECTIONS, top=TOP)
    page = tmp_path / "RESULTS.md"
    page.write_bytes(PAGE.encode())
    build(spec, store)
    text = page.read_bytes().decode()
    ours = np.mean([accuracy("ours", "a", s, 100) for s in SEEDS])
    base = np.mean([accuracy("base", "a", s, 100) for s in SEEDS])
    std = np.std([accuracy("ours", "a", s, 100) for s in SEEDS], ddof=1)
    table_md = (tmp_path / "results/table1.md").read_text().splitlines()[1:]  # without its comment line
    assert "\r\n".join(table_md).strip() in text and "stale table" not in text
    assert f"Ours gains <!-- resultsbook:gain_a -->{ours - base:.1f}<!-- /resultsbook -->" in text
    assert f"(<!-- resultsbook:table1/ours/a -->{ours:.1f} ± {std:.1f}<!-- /resultsbook -->)" in text
    assert "![bar](figures/bar.png)" in text
    assert text.startswith("# Results\r\n\r\nWritten by hand, kept as it is.  \r\n")
    assert text.endswith("The end, without a final newline.")
    stamp = os.stat(page).st_mtime_ns
    assert str(page) not in build(spec, store).written
    assert os.stat(page).st_mtime_ns == stamp
    store.close()


def test_an_unknown_region_name_is_an_error_naming_the_file_its_line_and_the_name_meant(tmp_path: Path) -> None:
    spec, store = make_project(tmp_path, SECTIONS, top=TOP)
    page = "# Results\n\n<!-- resultsbook:tabel1 -->\n<!-- /resultsbook -->\n"
    (tmp_path / "RESULTS.md").write_text(page)
    (failure,) = build(spec, store).failed  # the tables are written; the page is left as it was
    assert failure.entry == "sections" and failure.kind == "usage"
    assert failure.line().startswith("resultsbook.toml: sections: ")
    assert failure.line().endswith(
        "RESULTS.md:3: region 'tabel1' is no table, figure, value or cell "
        "of the spec; did you mean 'table1'?"
    )
    assert (tmp_path / "RESULTS.md").read_text() == page
    (tmp_path / "RESULTS.md").write_text("<!-- resultsbook:zzz -->\n<!-- /resultsbook -->\n")
    (failure,) = build(spec, store).failed
    assert failure.line().endswith(
        "RESULTS.md:1: region 'zzz' is no table, figure, value or cell of the spec; tables: table1; figures: bar"
    )
    store.close()


def test_a_misspelt_sections_file_is_answered_with_the_one_beside_it(tmp_path: Path) -> None:
    spec, store = make_project(tmp_path, SECTIONS, top=TOP.replace("RESULTS.md", "RESULT.md"))
    (tmp_path / "RESULTS.md").write_text(PAGE)
    (failure,) = build(spec, store).failed
    assert failure.line().endswith(
        f"sections: {tmp_path / 'RESULT.md'} does not exist; did you mean RESULTS.md, beside it?"
    )
    store.close()


def test_a_figures_region_says_under_its_image_what_a_dot_a_line_and_a_band_are(tmp_path: Path, cli) -> None:
    """A figure's region was a bare image link: no statistic, interval or n, which the report and
    docs/figures.md say under it; the note is escaped, its keys come from the runs' configs."""
    for model in ("a", "b"):
        for index in range(3):
            write_native_run(
                tmp_path / f"runs/{model}_{index}",
                {"model": model, "run_idx": index},
                [{"step": s, "score": s + index} for s in (0, 5)],
            )
    (tmp_path / "resultsbook.toml").write_text(
        'sections = ["R.md"]\n[[sources]]\npath = "runs/"\n'
        '[tables.t]\nmetric = "score"\nrows = ["model"]\nreduce = "last"\ngoal = "max"\nreplicate = ["run_idx"]\n'
        'outputs = ["out/t.md"]\n'
        '[figures.pts]\nkind = "points"\ntable = "t"\ncaption = "Final score"\noutputs = ["out/pts.png"]\n'
        '[figures.curve]\nkind = "curve"\nmetric = "score"\nhue = "model"\nband = "ci95"\n'
        'replicate = ["run_idx"]\noutputs = ["out/curve.png", "out/curve.pdf"]\n'
    )
    page = "<!-- resultsbook:pts -->\n<!-- /resultsbook -->\n\n<!-- resultsbook:curve -->\n<!-- /resultsbook -->\n"
    (tmp_path / "R.md").write_text(page)
    assert cli("build").exit_code == 0
    assert (tmp_path / "R.md").read_text() == (
        "<!-- resultsbook:pts -->\n![Final score](out/pts.png)\n\n"
        "Dots: one per run\\_idx; marker with bar: mean ± std (ddof = 1) over n = 3 runs (one per run\\_idx); "
        "per run: last.\n<!-- /resultsbook -->\n\n"
        "<!-- resultsbook:curve -->\n![curve](out/curve.png)\n\n"
        "Lines: mean over n = 3 runs (one per run\\_idx); band: 95% t-interval of the mean.\n"
        "<!-- /resultsbook -->\n"
    )
    filled = (tmp_path / "R.md").read_text()
    spec = (tmp_path / "resultsbook.toml").read_text()
    (tmp_path / "resultsbook.toml").write_text(spec.replace('band = "ci95"', 'band = "ci95"\nx = "time"'))
    result = cli("build")  # runs of no wall time: the figure is not drawn, its region not rewritten
    assert result.exit_code == 2
    assert (
        "Error: resultsbook.toml: sections held back (R.md is as it was): it quotes [figures.curve], which "
        "could not be built; fix that one first"
    ) in result.output
    assert (tmp_path / "R.md").read_text() == filled
