"""The Python API behind `import resultsbook as rb`: a book over one store, its tables, collect and build.

>>> import resultsbook as rb
>>> book = rb.open()                                  # doctest: +SKIP
>>> book.table(rows="model", columns="dataset", metric="val/acc")   # doctest: +SKIP
"""

# The public names are `resultsbook.open`, `resultsbook.Book`...: `resultsbook/__init__.py` imports each
# from its module on first use, so `resultsbook table` loads api.table without the build behind rb.build.
