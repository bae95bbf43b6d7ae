"""The terminal's aligned tables are laid out exactly as tabulate's "simple" format lays out the same
text cells (what the terminal renderer used before it stopped importing tabulate), over generated
tables: wide and combining characters, headers wider than cells, empty cells, cells with spaces
around them, number-like text, bold cells, no rows; and with wide-character widths (`wcwidth`), the
way tabulate counts them when that package is installed."""

from __future__ import annotations

import sys
import types
import unicodedata

import pytest
import tabulate as tabulate_module
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resultsbook.render.escape import escape_terminal
from resultsbook.render.texttable import BOLD, RESET, text_table

PIECES = [
    "mlp", "ResNet-18", "0.59 ± 0.01", "93.4 [93.1, 93.7]", "–", "†§", "*", "1", "-0.5", "1e5", "nan",
    "True", "False", "  padded  ", " ", "", "数据集", "ｆｕｌｌ", "é", "e\u0301", "🙂", "\u3000", "x\u00a0",
    "a very long header that is wider than any of its cells", "\\e[31m", "\\x07",
]  # fmt: skip
TEXTS = st.one_of(
    st.sampled_from(PIECES),
    st.lists(st.sampled_from(PIECES), max_size=3).map("".join),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12).map(escape_terminal),
)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]], list[str]]:
    """Headers, rows of cells (some bold) and an alignment per column, as the terminal renderer makes them."""
    width = draw(st.integers(1, 5))
    labels = draw(st.integers(0, width - 1))
    headers = draw(st.lists(TEXTS, min_size=width, max_size=width))
    cell = st.tuples(TEXTS, st.booleans()).map(lambda c: f"{BOLD}{c[0]}{RESET}" if c[1] else c[0])
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), max_size=6))
    align = ["left"] * labels + ["right"] * (width - labels)
    return headers, rows, align


def tabulated(headers: list[str], rows: list[list[str]], align: list[str]) -> str:
    return tabulate_module.tabulate(
        rows, headers=headers, tablefmt="simple", colalign=align, disable_numparse=True
    )


@pytest.fixture
def without_wcwidth(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count widths in characters, as tabulate does when wcwidth is not installed."""
    monkeypatch.setitem(sys.modules, "wcwidth", None)
    monkeypatch.setattr(tabulate_module, "wcwidth", None)
    monkeypatch.setattr(tabulate_module, "WIDE_CHARS_MODE", False)


def wide_width(text: str) -> int:
    """A stand-in for wcwidth.wcswidth: East Asian wide characters 2, combining characters 0."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text
    )


@pytest.fixture
def with_wcwidth(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count widths in terminal columns, as tabulate does when wcwidth is installed."""
    fake = types.ModuleType("wcwidth")
    fake.wcswidth = wide_width  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "wcwidth", fake)
    monkeypatch.setattr(tabulate_module, "wcwidth", fake)
    monkeypatch.setattr(tabulate_module, "WIDE_CHARS_MODE", True)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tables())
def test_a_table_is_laid_out_as_tabulate_lays_it_out(without_wcwidth, table):
    assert text_table(*table) == tabulated(*table)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tables())
def test_wide_characters_take_the_columns_tabulate_gives_them_with_wcwidth(with_wcwidth, table):
    assert text_table(*table) == tabulated(*table)


def test_the_cases_that_matter_to_a_reader(without_wcwidth):
    cases = [
        (["model", "cifar10"], [["mlp", "0.59 ± 0.01†§"], ["resnet18", f"{BOLD}0.90 ± 0.01{RESET}"]]),
        (["a header wider than its cells", "n"], [["x", "1"], ["", ""]]),
        (["model", "数据集"], [["数据", "0.5"]]),  # counted as characters without wcwidth
        (["model", "acc"], []),  # no rows: headers aligned left, as tabulate does
        ([" spaced ", "acc "], [["  kept apart  ", " 1 "]]),
    ]
    for headers, rows in cases:
        align = ["left", "right"]
        assert text_table(headers, rows, align) == tabulated(headers, rows, align)
    assert text_table(["m", "acc"], [["mlp", f"{BOLD}0.9{RESET}"]], ["left", "right"]).splitlines() == [
        "m      acc",
        "---  -----",
        f"mlp    {BOLD}0.9{RESET}",
    ]
