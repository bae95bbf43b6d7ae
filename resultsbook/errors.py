"""The one exception tree of resultsbook.

    ResultsbookError            every error this package raises on purpose
    ├── SpecError               resultsbook.toml (or a flag) is wrong: names the key, the value, the fix
    ├── StoreError              the SQLite store cannot be opened or is from a newer version
    ├── AdapterError            an adapter cannot be found or was given bad options
    ├── QueryError              a filter, reduction, statistic or expression cannot be evaluated
    └── RenderError             an output cannot be rendered (unknown format, missing template)

Problems in log files are not exceptions: they are recorded as `Problem` data and collecting goes on.
Every message ends with what to do about it.
"""

from __future__ import annotations


class ResultsbookError(Exception):
    """Base class of every error resultsbook raises on purpose."""


class SpecError(ResultsbookError):
    """The spec or a command-line option is invalid."""


class StoreError(ResultsbookError):
    """The store cannot be used."""


class AdapterError(ResultsbookError):
    """An adapter is unknown or misconfigured."""


class QueryError(ResultsbookError):
    """A query cannot be evaluated."""


class RenderError(ResultsbookError):
    """An output cannot be rendered."""
