"""Regenerated Markdown sections: marked regions are filled, everything else is kept byte for byte."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
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


def _render(name: str, inline: bool) -> str:
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


def test_an_unknown_region_name_is_an_error_naming_the_file(tmp_path: Path) -> None:
    spec, store = make_project(tmp_path, SECTIONS, top=TOP)
    (tmp_path / "RESULTS.md").write_text("<!-- resultsbook:tabel1 -->\n<!-- /resultsbook -->\n")
    (failure,) = build(spec, store).failed  # the tables are written; the page is left as it was
    assert failure.entry == "sections" and failure.kind == "usage"
    assert failure.line().startswith("resultsbook.toml: sections: ")
    assert "RESULTS.md: region 'tabel1' is no table, figure, value or cell" in failure.line()
    assert (tmp_path / "RESULTS.md").read_text() == "<!-- resultsbook:tabel1 -->\n<!-- /resultsbook -->\n"
    store.close()


def test_a_misspelt_sections_file_is_answered_with_the_one_beside_it(tmp_path: Path) -> None:
    spec, store = make_project(tmp_path, SECTIONS, top=TOP.replace("RESULTS.md", "RESULT.md"))
    (tmp_path / "RESULTS.md").write_text(PAGE)
    (failure,) = build(spec, store).failed
    assert failure.line().endswith(
        f"sections: {tmp_path / 'RESULT.md'} does not exist; did you mean RESULTS.md, beside it?"
    )
    store.close()
