"""resultsbook: turn ML run logs into the tables, figures and numbers of a paper, and keep them true.

>>> import resultsbook as rb
>>> book = rb.open()                         # the nearest resultsbook.toml's store   # doctest: +SKIP
>>> book.runs(where={"model": "mlp"})        # a DataFrame, one row per run             # doctest: +SKIP
>>> book.table(rows="model", columns="dataset", metric="val/acc")                    # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from resultsbook.errors import (
    AdapterError,
    BuildError,
    DefaultsWarning,
    NotFoundError,
    NotFoundWarning,
    OutputError,
    QueryError,
    RenderError,
    ResultsbookError,
    SpecError,
    StoreError,
)

if TYPE_CHECKING:
    from resultsbook.api.actions import build, collect, forget
    from resultsbook.api.book import Book
    from resultsbook.api.book import open_book as open
    from resultsbook.api.table import Table
    from resultsbook.runlog import Run, seed_everything

__all__ = [
    "AdapterError",
    "Book",
    "BuildError",
    "DefaultsWarning",
    "NotFoundError",
    "NotFoundWarning",
    "OutputError",
    "QueryError",
    "RenderError",
    "ResultsbookError",
    "Run",
    "SpecError",
    "StoreError",
    "Table",
    "__version__",
    "build",
    "collect",
    "forget",
    "open",
    "seed_everything",
]

# name -> (module, attribute): imported on first use, so `import resultsbook` (and the CLI) stays cheap
_LAZY = {
    "Run": ("resultsbook.runlog", "Run"),
    "seed_everything": ("resultsbook.runlog", "seed_everything"),
    "Book": ("resultsbook.api.book", "Book"),
    "Table": ("resultsbook.api.table", "Table"),
    "open": ("resultsbook.api.book", "open_book"),
    "collect": ("resultsbook.api.actions", "collect"),
    "build": ("resultsbook.api.actions", "build"),
    "forget": ("resultsbook.api.actions", "forget"),
}


def __getattr__(name: str) -> Any:
    """Import the run logger and the API on first use."""
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'resultsbook' has no attribute {name!r}")
