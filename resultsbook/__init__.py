"""resultsbook: turn ML run logs into the tables, figures and numbers of a paper, and keep them true."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from resultsbook.errors import (
    AdapterError,
    NotFoundError,
    OutputError,
    QueryError,
    RenderError,
    ResultsbookError,
    SpecError,
    StoreError,
)

if TYPE_CHECKING:
    from resultsbook.runlog import Run, seed_everything

__all__ = [
    "AdapterError",
    "NotFoundError",
    "OutputError",
    "QueryError",
    "RenderError",
    "ResultsbookError",
    "Run",
    "SpecError",
    "StoreError",
    "__version__",
    "seed_everything",
]


def __getattr__(name: str) -> Any:
    """Import the run logger on first use: `import resultsbook` (and the CLI) stays cheap."""
    if name in ("Run", "seed_everything"):
        from resultsbook import runlog

        return getattr(runlog, name)
    raise AttributeError(f"module 'resultsbook' has no attribute {name!r}")
