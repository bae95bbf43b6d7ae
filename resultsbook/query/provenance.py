"""Tell when the runs behind one number came from different code or data: the provenance lint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from resultsbook.models import StoredRun


def provenance_mixes(runs: Sequence[StoredRun]) -> list[str]:
    """Return sentences naming how `runs` differ in code or data; empty when nothing is mixed.

    Flags several git commits, any run from a dirty working tree (uncommitted changes), and
    several fingerprints of one tracked data set. Runs that recorded nothing are not guessed at.

        >>> provenance_mixes(cell_runs)     # doctest: +SKIP
        ['mixes 2 git commits (3f2a9c1, 8be01d4)', 'includes 1 run from a dirty working tree']
    """
    sentences: list[str] = []
    commits = sorted({run.git_commit for run in runs if run.git_commit})
    if len(commits) > 1:
        sentences.append(f"mixes {len(commits)} git commits ({_listed([c[:7] for c in commits])})")
    dirty = sum(1 for run in runs if run.git_dirty)
    if dirty:
        sentences.append(f"includes {dirty} run{'s' if dirty > 1 else ''} from a dirty working tree")
    versions: dict[str, set[str]] = {}
    for run in runs:
        for name, digest in data_digests(run.provenance).items():
            versions.setdefault(name, set()).add(digest)
    for name in sorted(versions):
        digests = sorted(versions[name])
        if len(digests) > 1:
            shown = _listed([_short_digest(d) for d in digests])
            sentences.append(f"mixes {len(digests)} versions of data {name!r} ({shown})")
    return sentences


def data_digests(provenance: Mapping[str, Any]) -> dict[str, str]:
    """Return {data name: digest} from provenance `data`: {name: {"digest": ...}} or {name: digest}."""
    data = provenance.get("data")
    if not isinstance(data, Mapping):
        return {}
    found: dict[str, str] = {}
    for name, entry in data.items():
        digest = entry.get("digest") if isinstance(entry, Mapping) else entry
        if isinstance(digest, str) and digest:
            found[str(name)] = digest
    return found


def _short_digest(digest: str) -> str:
    algorithm, _, value = digest.rpartition(":")
    return f"{algorithm}:{value[:8]}" if algorithm else value[:8]


def _listed(items: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", … {len(items) - limit} more" if len(items) > limit else "")
