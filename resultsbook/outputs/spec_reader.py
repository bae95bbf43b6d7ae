"""The reader of a spec's metrics: its `[derived]` ones beside those the runs log."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from resultsbook.errors import SpecError
from resultsbook.query.access import DerivedNameTaken, MetricReader

if TYPE_CHECKING:  # every command opens its store through derived_names_of: the spec's modules stay unread
    from resultsbook.spec import Spec
    from resultsbook.store import Store


def spec_reader(store: Store, spec: Spec) -> MetricReader:
    """Return the reader of the spec's metrics, its [derived] ones among them."""
    with derived_names_of(spec):
        return MetricReader(store, spec.derived)


@contextlib.contextmanager
def derived_names_of(spec: object) -> Iterator[None]:
    """Name a [derived] metric of the spec that the runs log too as the spec's error, with its file."""
    try:
        yield
    except DerivedNameTaken as error:
        derived = getattr(spec, "derived", None)
        if not isinstance(derived, Mapping) or error.name not in derived:  # a CollectSpec has none
            raise
        from resultsbook.spec.toml_text import key_text

        where = os.path.basename(getattr(spec, "path", ""))
        raise SpecError(
            f"{where}: [derived] {key_text(error.name)}: the runs log a metric {error.name!r}, which it "
            "would replace unsaid; rename the derived metric (and the tables that use it)"
        ) from error
