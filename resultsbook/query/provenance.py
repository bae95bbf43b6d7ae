"""Tell when the runs behind one number came from different code or data: the provenance lint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from resultsbook.models import StoredRun


def provenance_mixes(runs: Sequence[StoredRun]) -> list[str]:
    """Return sentences naming how `runs` differ in code or data; empty when nothing is mixed.

    Flags several git commits, any run from a dirty working tree (uncommitted changes), several
    uncommitted diffs on one commit, several fingerprints of one tracked data set, and runs that
    record no commit (or no digest of a data set) beside runs of their tracker that do. When no run
    of a tracker records one, nothing is guessed at.

        >>> provenance_mixes(cell_runs)     # doctest: +SKIP
        ['mixes 2 git commits (3f2a9c1, 8be01d4)', 'includes 1 run from a dirty working tree']
    """
    return mixes_of(
        [run.git_commit for run in runs],
        sum(1 for run in runs if run.git_dirty),
        [data_digests(run.provenance) for run in runs],
        [run.name for run in runs],
        [diff_digest(run.provenance) if run.git_dirty else None for run in runs],
        [run.adapter for run in runs],
    )


def mixes_of(
    commits: Sequence[str | None],
    dirty: int,
    digests: Sequence[Mapping[str, str]],
    names: Sequence[str] = (),
    diffs: Sequence[str | None] = (),
    adapters: Sequence[str] = (),
) -> list[str]:
    """Return `provenance_mixes` of runs given as columns: their git commits, how many ran from a
    dirty tree, their data digests, their names, the digests of their uncommitted diffs and their
    adapters (the last four each in the runs' order, or empty when no run has one)."""
    sentences: list[str] = []
    found = sorted({commit for commit in commits if commit})
    if len(found) > 1:
        sentences.append(f"mixes {len(found)} git commits ({_listed([c[:7] for c in found])})")
    if found:
        lacking = _lacking(names, [bool(c) for c in commits], adapters)
        sentences += _unrecorded(lacking, len(commits), "git commit", "code")
    if dirty:
        sentences.append(f"includes {dirty} run{'s' if dirty > 1 else ''} from a dirty working tree")
    on_commit: dict[str, set[str]] = {}
    for commit, diff in zip(commits, diffs):
        if commit and diff:
            on_commit.setdefault(commit, set()).add(diff)
    for commit in sorted(on_commit):
        listed = sorted(on_commit[commit])
        if len(listed) > 1:
            shown = _listed([_short_digest(d) for d in listed])
            sentences.append(f"mixes {len(listed)} uncommitted diffs on {commit[:10]} ({shown})")
    versions: dict[str, dict[str, list[str]]] = {}
    for name, digest_of in zip(names or [""] * len(digests), digests):
        for data, digest in digest_of.items():
            versions.setdefault(data, {}).setdefault(digest, []).append(name)
    for data in sorted(versions):
        listed = sorted(versions[data])
        if len(listed) > 1:  # each version with the runs that read it, as the commit column shows code
            used = versions[data]
            shown = _listed(
                [_short_digest(d) + (f": {_listed(used[d])}" if names else "") for d in listed], sep="; "
            )
            sentences.append(f"mixes {len(listed)} versions of data {data!r} ({shown})")
        lacking = _lacking(names, [data in digest_of for digest_of in digests], adapters)
        sentences += _unrecorded(lacking, len(digests), f"digest of data {data!r}", "data")
    return sentences


def _lacking(names: Sequence[str], has: Sequence[bool], adapters: Sequence[str]) -> list[str]:
    """Return the names of the runs without a fact (`has` false) that another run of their adapter
    records: a tracker that never records a commit (TensorBoard) beside one that does is no mix."""
    kinds = adapters or [""] * len(has)
    recording = {kind for kind, found in zip(kinds, has) if found}
    return [name for name, kind, found in zip(names, kinds, has) if not found and kind in recording]


def _unrecorded(lacking: Sequence[str], count: int, what: str, made: str) -> list[str]:
    """Say that some of `count` runs (`lacking`, named) record no `what` though others do."""
    if not lacking:
        return []
    one = len(lacking) == 1
    runs = f"{len(lacking)} of {count} runs record{'s' if one else ''}"
    return [
        f"{runs} no {what} ({_listed(lacking)}): which {made} made {'it' if one else 'them'} cannot be told"
    ]


def diff_digest(provenance: Mapping[str, Any]) -> str | None:
    """Return the digest of a run's uncommitted diff, as resultsbook.Run records it (`git.diff_digest`)."""
    git = provenance.get("git")
    digest = git.get("diff_digest") if isinstance(git, Mapping) else None
    return digest if isinstance(digest, str) and digest else None


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


def _listed(items: Sequence[str], limit: int = 3, sep: str = ", ") -> str:
    shown = sep.join(items[:limit])
    return shown + (f"{sep}… {len(items) - limit} more" if len(items) > limit else "")
