"""The query layer: select runs, reduce each run's series, aggregate over replicates."""

from resultsbook.query.aggregate import aggregate
from resultsbook.query.model import Cell, Mark, MetricSpec, ResultTable, TableQuery

__all__ = ["Cell", "Mark", "MetricSpec", "ResultTable", "TableQuery", "aggregate"]
