"""The Python API behind `import resultsbook as rb`: a book over one store, its tables, collect and build.

>>> import resultsbook as rb
>>> book = rb.open()                                  # doctest: +SKIP
>>> book.table(rows="model", columns="dataset", metric="val/acc")   # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from resultsbook.api.actions import build, collect
    from resultsbook.api.book import Book, open_book
    from resultsbook.api.table import Table

__all__ = ["Book", "Table", "build", "collect", "open_book"]

# each name from its module, on first use: `resultsbook table` needs api.table, not the build
_MODULES = {"Book": "book", "open_book": "book", "Table": "table", "build": "actions", "collect": "actions"}


def __getattr__(name: str) -> Any:
    """Import a public name's module when the name is first used."""
    if name not in _MODULES:
        raise AttributeError(f"module 'resultsbook.api' has no attribute {name!r}")
    return getattr(importlib.import_module(f"resultsbook.api.{_MODULES[name]}"), name)
