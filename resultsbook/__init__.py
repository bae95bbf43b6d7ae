"""resultsbook: turn ML run logs into the tables, figures and numbers of a paper, and keep them true."""

from __future__ import annotations

__version__ = "0.1.0"

from resultsbook.errors import (
    AdapterError,
    QueryError,
    RenderError,
    ResultsbookError,
    SpecError,
    StoreError,
)

__all__ = [
    "AdapterError",
    "QueryError",
    "RenderError",
    "ResultsbookError",
    "SpecError",
    "StoreError",
    "__version__",
]
