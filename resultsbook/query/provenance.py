"""Tell when the runs behind one number came from different code or data: the provenance lint."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from resultsbook.models import StoredRun


def provenance_mixes(runs: Sequence[StoredRun]) -> list[str]:
    """Return sentences naming how `runs` differ in code or data; empty when nothing is mixed.

    Flags several git commits, any run from a dirty working tree (uncommitted changes), and
    several fingerprints of one tracked data set. Runs that recorded nothing are not guessed at.

        >>> provenance_mixes(cell_runs)     # doctest: +SKIP
        ['mixes 2 git commits (3f2a9c1, 8be01d4)', 'includes 1 run from a dirty working tree']
    """
    return mixes_of(
        [run.git_commit for run in runs],
        sum(1 for run in runs if run.git_dirty),
        [data_digests(run.provenance) for run in runs],
    )


def mixes_of(commits: Iterable[str | None], dirty: int, digests: Iterable[Mapping[str, str]]) -> list[str]:
    """Return `provenance_mixes` of runs given as columns: their git commits, how many ran from a
    dirty tree, their data digests (runs without data may be left out)."""
    sentences: list[str] = []
    found = sorted({commit for commit in commits if commit})
    if len(found) > 1:
        sentences.append(f"mixes {len(found)} git commits ({_listed([c[:7] for c in found])})")
    if dirty:
        sentences.append(f"includes {dirty} run{'s' if dirty > 1 else ''} from a dirty working tree")
    versions: dict[str, set[str]] = {}
    for digest_of in digests:
        for name, digest in digest_of.items():
            versions.setdefault(name, set()).add(digest)
    for name in sorted(versions):
        listed = sorted(versions[name])
        if len(listed) > 1:
            shown = _listed([_short_digest(d) for d in listed])
            sentences.append(f"mixes {len(listed)} versions of data {name!r} ({shown})")
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
