"""One command's use of a store: opened, its failures said in one line, a store it created removed
again when the command fails or leaves it without a source."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from resultsbook.store import Store


@contextmanager
def opened(location: str, create: bool = False, doing: str = "collect") -> Iterator[Store]:
    """Open the store at `location` for one command (`doing`: the one whose writes a failure names)
    and close it when the command ends.

    A store this command created is discarded when the command fails or leaves it without a source,
    so a failed first command leaves no empty store (and no folder) behind. The store's own failures
    (SQLite or PostgreSQL errors) become one StoreError naming the store and a fix that keeps its data."""
    store = Store.open(location, create=create)
    try:
        yield store
    except store.failures as error:
        _close(store, failed=True)
        raise store.problem(error, doing) from error
    except BaseException:
        _close(store, failed=True)
        raise
    _close(store, failed=False)


def _close(store: Store, failed: bool) -> None:
    if store.created and (failed or _is_empty(store)):
        store.discard()
    else:
        store.close()


def _is_empty(store: Store) -> bool:
    try:
        return store.counts()["sources"] == 0
    except store.failures:
        return False
