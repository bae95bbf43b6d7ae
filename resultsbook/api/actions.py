"""`rb.collect` and `rb.build`: what `resultsbook collect` and `resultsbook build` do, returning
the reports those commands print instead of printing them.

    >>> report = rb.collect("runs/")                       # doctest: +SKIP
    >>> report.summary_line()                              # doctest: +SKIP
    '20 new, 0 updated, 0 unchanged, 0 problems'
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from resultsbook.errors import SpecError
from resultsbook.models import CollectReport
from resultsbook.outputs.build import BuildReport
from resultsbook.outputs.build import build as build_outputs
from resultsbook.sources.collect import CollectRequest, Progress
from resultsbook.sources.collect import collect as collect_sources
from resultsbook.spec import SPEC_NAME, Spec, find_spec, load_spec
from resultsbook.store import DEFAULT_DB_NAME, Store
from resultsbook.store.location import choose_store_location

PathLike = str | os.PathLike[str]


def collect(
    paths: PathLike | Sequence[PathLike] | None = None,
    db: PathLike | None = None,
    adapter: str | None = None,
    pattern: str | None = None,
    options: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    config: PathLike | None = None,
    progress: Progress | None = None,
) -> CollectReport:
    """Collect runs into a store (unchanged ones cost a stat) and return the report.

    With no `paths`, collect the sources of the spec (`config`, else the nearest resultsbook.toml)
    as `resultsbook build` does before it builds. The store is `db`, else the spec's, else
    ./resultsbook.db; it is created when missing."""
    spec = _spec(config, required=paths is None)
    if paths is None:
        assert spec is not None
        requests: Sequence[CollectRequest] = spec.sources
        if not requests:
            raise SpecError(f"{spec.path} names no [[sources]]; give the folders: rb.collect('runs/')")
    else:
        listed = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
        requests = [
            CollectRequest(os.fspath(p), adapter, pattern, dict(options or {}), dict(params or {}))
            for p in listed
        ]
    with Store.open(_db(db, spec), create=True) as store:
        return collect_sources(store, requests, progress)


def build(
    config: PathLike | None = None, db: PathLike | None = None, tables: Sequence[str] = ()
) -> BuildReport:
    """Write every output of the spec (`config`, else the nearest resultsbook.toml), or only the named
    tables and figures, from the store as it is; return what was written and the findings.

    `resultsbook build` is `rb.collect()` then `rb.build()`."""
    spec = _spec(config, required=True)
    assert spec is not None
    with Store.open(_db(db, spec), create=False) as store:
        return build_outputs(spec, store, list(tables))


def _spec(config: PathLike | None, required: bool) -> Spec | None:
    """Return the spec named, else the nearest one; refuse when one is required and none is found."""
    path = os.fspath(config) if config is not None else find_spec()
    if path is None:
        if required:
            raise SpecError(
                f"no {SPEC_NAME} here or in any parent folder; pass config='path/to/{SPEC_NAME}' "
                "or the folders to collect"
            )
        return None
    if not os.path.exists(path):
        raise SpecError(f"{path} does not exist; check the path of the spec")
    return load_spec(path)


def _db(db: PathLike | None, spec: Spec | None) -> str:
    """Return the store: `db`, else $RESULTSBOOK_DB, else the spec's, else ./resultsbook.db."""
    chosen = None if db is None else os.fspath(db)
    return choose_store_location(
        chosen, spec.db if spec is not None else None, os.path.abspath(DEFAULT_DB_NAME)
    )
