"""Read the runs that other adapters find inside a folder one adapter has claimed (Hydra job folders).

A wrapping format (Hydra writes configs, not metrics) claims its folder, then asks the registry's
other adapters for the sources inside it, by the same stat walk collect does.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from resultsbook.adapters.base import Adapter, Folder
from resultsbook.models import Problem, RunRecord, Source
from resultsbook.sources.walk import walk_folders


@dataclass(frozen=True)
class InnerRun:
    """A run read by another adapter inside a claimed folder: which adapter, from where, and the run."""

    adapter: str
    source: str  # path relative to the claimed folder ("." for the folder itself)
    run: RunRecord


def inner_adapters(exclude: Collection[str]) -> list[Adapter]:
    """Instantiate every installed adapter (default options) except `exclude`, in claiming order."""
    from resultsbook.adapters import available_adapters

    adapters: list[Adapter] = []
    for name, cls in available_adapters().items():
        if name in exclude:
            continue
        try:
            adapters.append(cls())
        except Exception as error:  # a plug-in that needs options cannot look inside; the rest can
            warnings.warn(
                f"adapter {name!r} cannot look inside other folders: {error}", RuntimeWarning, stacklevel=2
            )
    return adapters


def find_inner_sources(
    root: str, adapters: list[Adapter], stop: Collection[str] = ()
) -> Iterator[tuple[Source, Adapter]]:
    """Yield the sources `adapters` claim under `root`, root included; sub-folders that hold a
    folder named in `stop` (another wrapped job) are left alone."""
    claimed: list[tuple[Source, Adapter]] = []

    def descend(folder: Folder) -> bool:
        if folder.path != root and any(name in folder.dirs for name in stop):
            return False
        for adapter in adapters:
            claim = adapter.claim(folder)
            if claim is not None:
                claimed.extend((source, adapter) for source in claim.sources)
                return claim.descend
        return True

    for _ in walk_folders(root, descend):
        yield from claimed
        claimed.clear()


def read_inner_runs(
    root: str, found: list[tuple[Source, Adapter]], problems: list[Problem]
) -> list[InnerRun]:
    """Read the inner sources; an adapter's error is a problem, never an exception."""
    runs: list[InnerRun] = []
    for source, adapter in found:
        try:
            result = adapter.read(source)
        except Exception as error:  # one broken inner source never loses the wrapper's run
            problems.append(
                Problem(
                    source.path,
                    f"could not be read by the {adapter.name} adapter ({type(error).__name__}: {error})",
                    "nothing from this source",
                )
            )
            continue
        problems.extend(result.problems)
        relative = os.path.relpath(source.path, root).replace(os.sep, "/")
        runs.extend(InnerRun(adapter.name, relative, run) for run in result.runs)
    return runs
