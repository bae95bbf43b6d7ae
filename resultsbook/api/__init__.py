"""The Python API behind `import resultsbook as rb`: a book over one store, its tables, collect and build.

>>> import resultsbook as rb
>>> book = rb.open()                                  # doctest: +SKIP
>>> book.table(rows="model", columns="dataset", metric="val/acc")   # doctest: +SKIP
"""

from resultsbook.api.actions import build, collect
from resultsbook.api.book import Book, open_book
from resultsbook.api.table import Table

__all__ = ["Book", "Table", "build", "collect", "open_book"]
