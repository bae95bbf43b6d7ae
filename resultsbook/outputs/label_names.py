"""Find the display names of the spec that name a key or value no run has, where one close to it has
no display name: a misspelt label (`logrg = "Logistic regression"`) leaves the output showing the raw
value, silently."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from typing import TYPE_CHECKING

from resultsbook.errors import closest
from resultsbook.params import format_value
from resultsbook.query.model import METRIC_KEY
from resultsbook.query.runs import RUN_FIELDS
from resultsbook.render.layout import Labels

if TYPE_CHECKING:
    from resultsbook.spec import Spec
    from resultsbook.store import Store


def misspelt_labels(spec: Spec, store: Store) -> list[str]:
    """Return a line for each label of `[labels]` and of a table's own `labels` that names a key or
    value no run has, with the unlabelled one it most likely meant (one far from any may be of runs to
    come: it is left alone)."""
    names = {metric.name for table in spec.tables.values() for metric in table.query.metrics}
    check = _Names(store, {*spec.derived, *names})
    lines = list(check.misspelt(spec.labels, "[labels.{}]"))
    for name, table in spec.tables.items():
        own = _own(table.labels, spec.labels)
        lines += check.misspelt(own, f"[tables.{name}] labels.{{}}")
    return lines


def misspelt_names(labels: Labels, store: Store, metrics: Collection[str], at: str) -> list[str]:
    """Return a line for each label that names a key or value no run has, close to one they have; `at`
    says where the labels are given (`{}` standing for `keys` or `values.KEY`)."""
    return list(_Names(store, metrics).misspelt(labels, at))


class _Names:
    """The keys and values the store's runs have, read as the labels ask for them."""

    def __init__(self, store: Store, metrics: Collection[str]) -> None:
        self.store = store
        self.params = set(store.param_keys())
        self.keys = self.params | set(store.metric_keys()) | set(RUN_FIELDS) | set(metrics) | {METRIC_KEY}
        self.values: dict[str, set[str]] = {}

    def values_of(self, key: str) -> set[str]:
        """Return the values the runs have for a param, as labels name them."""
        if key not in self.values:
            self.values[key] = {format_value(value) for value in self.store.param_column(key)[1]}
        return self.values[key]

    def misspelt(self, labels: Labels, at: str) -> Iterator[str]:
        """Yield a line for each key or value of `labels` no run has, close to an unlabelled one; `at`
        says where a label is written, `{}` standing for its part (`keys`, `values.model`)."""
        return _misspelt(labels, at, self.keys, self.params, self.values_of)


def _misspelt(
    labels: Labels,
    at: str,
    keys: Collection[str],
    params: Collection[str],
    values_of: Callable[[str], set[str]],
) -> Iterator[str]:
    """Yield a line for each key or value of `labels` no run has, close to an unlabelled one runs have."""
    for key in labels.keys:
        guess = None if key in keys else closest(key, [k for k in keys if k not in labels.keys])
        if guess is not None:
            yield f"{at.format('keys')} {key}: no run has a param or metric {key!r}; did you mean {guess!r}?"
    for key, named in labels.values.items():
        if key == METRIC_KEY or key in RUN_FIELDS:
            continue
        if key not in params:
            guess = closest(key, params)
            if guess is not None:
                yield f"{at.format('values.' + key)}: no run has a param {key!r}; did you mean {guess!r}?"
            continue
        present = values_of(key)
        for value in named:
            guess = None if value in present else closest(value, [v for v in present if v not in named])
            if guess is not None:
                where = at.format(f"values.{key}")
                yield f"{where} {value}: no run has {key} = {value!r}; did you mean {guess!r}?"


def _own(labels: Labels, project: Labels) -> Labels:
    """Return the labels a table gives itself over the project's (those the project has are checked once)."""
    keys = {k: v for k, v in labels.keys.items() if project.keys.get(k) != v}
    values = {
        key: {v: text for v, text in named.items() if project.values.get(key, {}).get(v) != text}
        for key, named in labels.values.items()
    }
    return Labels(keys=keys, values={key: named for key, named in values.items() if named})
