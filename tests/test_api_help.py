"""`help(book.table)` (and `book.runs`, `book.series`) in a notebook says every argument the method
takes and the values it accepts: a stranger to the command line cannot guess `reduce="best(val/acc)"`,
`stats="median,iqr"` or what `where` takes from the signature alone."""

from __future__ import annotations

import inspect

import pytest

import resultsbook as rb


@pytest.mark.parametrize("method", ["runs", "series", "table"])
def test_every_argument_is_said_in_the_docstring(method):
    function = getattr(rb.Book, method)
    documented = inspect.getdoc(function)
    missing = [
        name for name in inspect.signature(function).parameters if name != "self" and name not in documented
    ]
    assert missing == []


def test_the_table_says_the_values_its_arguments_take():
    documented = inspect.getdoc(rb.Book.table)
    for value in ("best(KEY[, max|min])", "median, iqm", "ci95", "bootstrap", "welch", "siunitx"):
        assert value in documented
    assert "emphasis" in inspect.getdoc(rb.Table.to_frame)
