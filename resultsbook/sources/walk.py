"""Walk log folders with scandir: names only, no file is opened, and every folder is seen once.

A symlinked folder is followed once, however many links lead to it: folders are known by device
and inode, and real folders are walked before links, so a run is stored under its real path when
it has one. A link to a folder that contains it (`loop -> ..`, a link to `/`) would walk the tree
again: it is skipped and reported, as is a folder that cannot be listed (its runs are neither read
nor marked missing)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from resultsbook.adapters.base import Folder
from resultsbook.models import Problem
from resultsbook.sources.listings import FolderListings

# folders that never hold runs and can be huge; ".hydra"-style names stay visible in `dirs`
_SKIP = {"__pycache__", "node_modules", ".git", ".venv", "venv", ".ipynb_checkpoints"}
# hidden folders trackers keep their runs in, walked all the same: Comet's default offline_directory
# (.cometml-runs/), Neptune's .neptune/offline/run__<id>/
_RUN_FOLDERS = frozenset({".cometml-runs", ".neptune"})


# an MLflow run's artifact store (mlruns/<experiment>/<32-hex run id>/artifacts/): what the run logged with
# log_artifacts, a TensorBoard folder among them, is a copy of that run, never a run of its own
_MLFLOW_RUN_ID = re.compile(r"[0-9a-f]{32}")


def skipped(folder: Folder, name: str) -> bool:
    """Tell whether a walk leaves the sub-folder `name` of `folder` out: hidden, known to hold no runs,
    or an MLflow run's artifacts (its folder named by a run id, holding MLflow's meta.yaml, or, under
    an SQL backend's artifact root `<experiment id>/<run id>/`, nothing but `artifacts/`)."""
    if name == "artifacts":
        above, _, run_id = folder.path.replace("\\", "/").rstrip("/").rpartition("/")
        if _MLFLOW_RUN_ID.fullmatch(run_id) is None:
            return False
        artifact_root = (  # a Finder's .DS_Store beside it changes nothing
            not [file for file in folder.files if not file.startswith(".")]
            and tuple(folder.dirs) == ("artifacts",)
            and above.rpartition("/")[2].isdigit()
        )
        return "meta.yaml" in folder.files or artifact_root
    return name in _SKIP or (name.startswith(".") and name not in _RUN_FOLDERS)


# what the kernel shows as folders: endless, self-linked and never runs
_SYSTEM = ("/proc", "/sys", "/dev")

FolderId = tuple[int, int]


@dataclass
class WalkNotes:
    """What a walk could not do: problems to report, and folders it could not list; and the id of
    each folder it walked (a source that is a folder needs no stat of its own to be known)."""

    problems: list[Problem] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    ids: dict[str, FolderId] = field(default_factory=dict)


def walk_folders(
    root: str,
    descend: Callable[[Folder], bool],
    notes: WalkNotes | None = None,
    max_depth: int | None = None,
    listings: FolderListings | None = None,
) -> Iterator[Folder]:
    """Yield `root` and its sub-folders top-down, sorted; `descend(folder)`, called before each
    folder is yielded, says whether to go deeper. `max_depth` stops at that many levels below root.
    A URL root (s3://…) is walked in its listing. With `listings`, a folder whose stamp is unchanged
    is not listed again, and the listings taken are added to it."""
    if "://" in root:
        from resultsbook.sources.remote import is_url, walk_remote_folders

        if is_url(root):
            yield from walk_remote_folders(root, descend, max_depth)
            return
    notes = notes if notes is not None else WalkNotes()
    above = _ancestor_ids(root)
    # (path, depth, the ids of the folders above it): links are walked after every real folder
    stack: list[tuple[str, int, frozenset[FolderId]]] = [(root, 0, above)]
    links: list[tuple[str, int, frozenset[FolderId]]] = []
    seen: set[FolderId] = set()
    stat, ids = os.stat, notes.ids
    remembered = None if listings is None else listings.get
    while stack or links:
        path, depth, parents = stack.pop() if stack else links.pop(0)
        try:  # the hot loop of a re-collect: one stat a folder, and no more calls than needed
            info = stat(path)
        except OSError:
            found = _folder_stat(path, notes)  # reports why (or finds it back, created meanwhile)
            if found is None:
                continue
            info = found
        identity = (info.st_dev, info.st_ino)
        if identity in parents:
            target = os.path.realpath(path)
            notes.problems.append(
                Problem(path, f"is a link to {target}, a folder that contains it", "skipped: a loop")
            )
            continue
        if identity in seen:
            continue  # reached before by another path: read once
        seen.add(identity)
        ids[path] = identity
        listed = None if remembered is None else remembered(path, info)
        if listed is None:
            fresh = _list(path, notes)
            if fresh is None:
                continue
            listed = fresh[:3]
            if listings is not None:
                listings.remember(path, info, listed, fresh[3])
        files, dirs, linked = listed
        folder = Folder(path, files, dirs)
        deeper = descend(folder)  # decided before yielding: callers read what descend found
        yield folder
        if not deeper or not dirs or (max_depth is not None and depth >= max_depth):
            continue
        inside = parents | {identity}
        new_links = len(links)
        prefix = os.path.join(path, "")  # then prefix + name is os.path.join(path, name), once a folder
        for name in reversed(dirs):
            if skipped(folder, name):
                continue
            child = (prefix + name, depth + 1, inside)
            if name not in linked:
                stack.append(child)
            elif _is_system(child[0]):
                notes.problems.append(
                    Problem(
                        child[0], f"is a link to {os.path.realpath(child[0])}", "skipped: a system folder"
                    )
                )
            else:
                links.append(child)
        if len(links) != new_links:
            links.sort(key=lambda item: item[0])


def _list(path: str, notes: WalkNotes) -> tuple[frozenset[str], tuple[str, ...], frozenset[str], bool] | None:
    """Return (files, sorted sub-folders, the sub-folders that are links, whether any entry is a
    link or could not be looked at), or None (reported)."""
    files: set[str] = set()
    dirs: list[str] = []
    linked: set[str] = set()
    odd = False
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                try:
                    if entry.is_symlink():
                        odd = True
                    if entry.is_dir():
                        dirs.append(entry.name)
                        if entry.is_symlink():
                            linked.add(entry.name)
                    else:
                        files.add(entry.name)
                except OSError:
                    odd = True
                    continue
    except (FileNotFoundError, NotADirectoryError):
        return None  # removed while we walk, or a file (given with a pattern: the collect says so)
    except OSError as error:
        notes.unlisted.append(path)
        notes.problems.append(
            Problem(
                path,
                f"cannot be listed ({error.strerror or error}); fix its permissions and collect again",
                "the runs stored from it as they were",
            )
        )
        return None
    dirs.sort()
    return frozenset(files), tuple(dirs), frozenset(linked), odd or bool(linked)


def _folder_stat(path: str, notes: WalkNotes) -> os.stat_result | None:
    """Return a folder's stat (its id is device and inode), or None when it cannot be looked at
    (reported)."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        notes.unlisted.append(path)
        notes.problems.append(
            Problem(path, f"cannot be looked at ({error.strerror or error})", "the runs stored from it")
        )
        return None


def _ancestor_ids(root: str) -> frozenset[FolderId]:
    """Return the ids of every folder above `root` (its real path's parents, up to `/`)."""
    ids: set[FolderId] = set()
    current = os.path.realpath(root)
    while True:
        parent = os.path.dirname(current)
        if parent == current:
            return frozenset(ids)
        current = parent
        try:
            info = os.stat(current)
        except OSError:
            continue
        ids.add((info.st_dev, info.st_ino))


def _is_system(path: str) -> bool:
    """Tell whether a link leads into /proc, /sys or /dev."""
    real = os.path.realpath(path)
    return any(real == top or real.startswith(top + "/") for top in _SYSTEM)
