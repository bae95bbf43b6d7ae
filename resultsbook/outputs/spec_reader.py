"""The reader of a spec's metrics: its `[derived]` ones beside those the runs log."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from resultsbook.errors import SpecError
from resultsbook.query.access import DerivedNameTaken, MetricReader
from resultsbook.spec import Spec
from resultsbook.spec.toml_text import key_text
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
        if not isinstance(spec, Spec) or error.name not in spec.derived:
            raise
        raise SpecError(
            f"{os.path.basename(spec.path)}: [derived] {key_text(error.name)}: the runs log a metric "
            f"{error.name!r}, which it would replace unsaid; rename the derived metric (and the tables "
            "that use it)"
        ) from error
