"""A shared store's runs read by several resultsbook versions at once: the newest reading of each
adapter that wrote there is recorded, and an older installation is refused a collect, which would read
every source of that adapter again its older way, for every member of the lab."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from resultsbook.errors import StoreError
from resultsbook.models import CollectReport
from resultsbook.sources.collect import CollectRequest
from resultsbook.store import Store
from resultsbook.store.location import display_location


def reading_versions(names: Iterable[str]) -> dict[str, int]:
    """Return the reading version of each installed adapter named (one not installed is left out)."""
    from resultsbook.adapters import available_adapters

    classes = available_adapters()
    return {name: classes[name].reading_version for name in names if name in classes}


def refuse_older_readings(store: Store, requests: Sequence[CollectRequest]) -> dict[str, int]:
    """Return the readings the store records; refuse, in one line, a collect by an installation that
    reads an adapter the requests may use older than a collect that wrote there did."""
    recorded = store.reader_versions()
    if not recorded:
        return recorded
    named = {request.adapter or "" for request in requests}  # "": every installed adapter may read
    names = sorted(recorded) if "" in named else sorted(named & set(recorded))
    ours = reading_versions(names)
    newer = [name for name in names if name in ours and recorded[name] > ours[name]]
    if newer:
        name = newer[0]
        raise StoreError(
            f"the shared store {display_location(store.path)} holds runs a newer resultsbook read (its "
            f"{name} reader's reading {recorded[name]}, this one's reading {ours[name]}); a collect by this "
            "one would read them again its older way, for every member: upgrade with pip install -U "
            "resultsbook (every member and node together)"
        )
    return recorded


def remember_readings_read(store: Store, recorded: Mapping[str, int], report: CollectReport | None) -> None:
    """After a collect that read sources into a shared store, record this installation's readings of the
    adapters whose runs it holds, where newer than those recorded."""
    if not store.shared or report is None or not report.sources_read:
        return
    adapters = {adapter for adapter, _ in store.source_signatures().values()}
    ours = reading_versions(adapters)
    newer = {name: version for name, version in ours.items() if version > recorded.get(name, 0)}
    if newer:
        store.remember_reader_versions(newer)
