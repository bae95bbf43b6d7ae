"""`rb.collect` and `rb.build`: what `resultsbook collect` and `resultsbook build` do, returning
the reports those commands print instead of printing them.

    >>> report = rb.collect("runs/")                       # doctest: +SKIP
    >>> report.summary_line()                              # doctest: +SKIP
    '20 new, 0 updated, 0 unchanged, 0 problems'
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from resultsbook.errors import BuildError, SpecError
from resultsbook.models import CollectReport
from resultsbook.sources.collect import CollectRequest, Progress
from resultsbook.sources.collect import collect as collect_sources
from resultsbook.sources.derive import Derivation, parse_derivation_text
from resultsbook.store import DEFAULT_DB_NAME
from resultsbook.store.location import choose_store_location
from resultsbook.store.session import opened

if TYPE_CHECKING:  # the spec and the renderers load only when needed, not for a collect of folders
    from resultsbook.outputs.build import BuildReport
    from resultsbook.outputs.build import Progress as BuildProgress
    from resultsbook.spec import Spec

PathLike = str | os.PathLike[str]


def collect(
    paths: PathLike | Sequence[PathLike] | None = None,
    db: PathLike | None = None,
    adapter: str | None = None,
    pattern: str | None = None,
    options: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    config: PathLike | Spec | None = None,
    progress: Progress | None = None,
    derive: Sequence[str | Derivation] = (),
) -> CollectReport:
    """Collect runs into a store (unchanged ones cost a stat) and return the report.

    With no `paths`, collect the sources of the spec (`config`, else the nearest resultsbook.toml)
    as `resultsbook build` does before it builds. The store is `db`, else $RESULTSBOOK_DB, else the
    spec's, else ./resultsbook.db; it is created when missing, and removed again when this collect
    found no run in it. `derive` holds params computed from others, 'NAME=PARAM[:REGEX]' (or parsed)."""
    needs_spec = paths is None or db is None  # for its sources, or for where its store is
    spec = _spec(config, required=paths is None) if needs_spec else None
    if paths is None:
        assert spec is not None
        requests: Sequence[CollectRequest] = spec.sources
        if not requests:
            raise SpecError(f"{spec.path} names no [[sources]]; give the folders: rb.collect('runs/')")
    else:
        listed = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
        rules = tuple(
            rule if isinstance(rule, Derivation) else parse_derivation_text(rule, "derive") for rule in derive
        )
        requests = [
            CollectRequest(os.fspath(p), adapter, pattern, dict(options or {}), dict(params or {}), rules)
            for p in listed
        ]
    try:
        with opened(_db(db, spec), create=True) as store:
            report = collect_sources(store, requests, progress)
            if not report.new + report.updated + report.unchanged:
                raise _NothingFound(report)  # inside, so that a store made for it is removed again
    except _NothingFound as nothing:
        return nothing.report
    return report


def build(
    config: PathLike | Spec | None = None,
    db: PathLike | None = None,
    tables: Sequence[str] = (),
    progress: BuildProgress | None = None,
) -> BuildReport:
    """Write every output of the spec (`config`, else the nearest resultsbook.toml), or only the named
    tables and figures, from one state of the store; return what was written and the findings.

    An entry that cannot be computed (no run matches it yet, a metric no run logs) does not stop the
    others: they are written, then `rb.BuildError` is raised; its `report` is the BuildReport, whose
    `failed` lists the entries not built (their files and lock entries are as they were).

    `resultsbook build` is `rb.collect()` then `rb.build()`."""
    from resultsbook.outputs.build import build as build_outputs

    spec = _spec(config, required=True)
    assert spec is not None
    with opened(_db(db, spec), create=False) as store, store.snapshot():
        report = build_outputs(spec, store, list(tables), progress=progress)
    if report.failed:
        raise BuildError(report)
    return report


class _NothingFound(Exception):
    """A collect that found no run (raised inside the store's context, so a new store is discarded)."""

    def __init__(self, report: CollectReport) -> None:
        super().__init__("nothing found")
        self.report = report


def _spec(config: PathLike | Spec | None, required: bool) -> Spec | None:
    """Return the spec given or named, else the nearest one; refuse when one is required and none is found."""
    from resultsbook.spec import SPEC_NAME, Spec, find_spec, load_spec

    if isinstance(config, Spec):
        return config
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
