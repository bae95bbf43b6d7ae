"""Remember folder listings between collects, keyed on each folder's change times: an unchanged
re-collect stats its folders instead of listing them.

A folder's modification and change times move whenever an entry is added, removed or renamed in it
(the change time even when a tool such as rsync sets the modification time back), so a listing
taken at the same times is the listing now. Files changed in place do not move their folder's
times: the collect stats every known file anyway (its signature), which is how they are seen. A
listing is not remembered when its folder changed in the last seconds before it was taken (a
change in the same clock tick would go unseen), nor when the folder holds links (what a link leads
to can change without its folder knowing)."""

from __future__ import annotations

import os
import time

# (device, inode, mtime ns, ctime ns) of a folder when it was listed
Stamp = tuple[int, int, int, int]
# files, sorted sub-folders, and those of them that are links (always empty: see the docstring)
Listing = tuple[frozenset[str], tuple[str, ...], frozenset[str]]

SETTLED_NS = 2_000_000_000  # a folder changed more recently than this is listed, never remembered


def stamp_of(info: os.stat_result) -> Stamp:
    """Return what identifies a folder's state: its identity and change times."""
    return (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_ctime_ns)


class FolderListings:
    """The listings remembered from earlier collects, and those taken in this one."""

    def __init__(self, known: dict[str, tuple[Stamp, Listing]] | None = None) -> None:
        self.known = known or {}
        self.taken: dict[str, tuple[Stamp, Listing]] = {}
        # the folders (as walked) whose listing is known to be the one remembered, and its stamp
        self.vouched: dict[str, Stamp] = {}
        self._started_ns = time.time_ns()

    def get(self, path: str, info: os.stat_result) -> Listing | None:
        """Return the remembered listing of a folder, if it is still the folder's listing."""
        entry = self.known.get(path) or self.known.get(os.path.abspath(path))  # keys are absolute
        if entry is None or entry[0] != stamp_of(info):
            return None
        self.vouched[path] = entry[0]
        return entry[1]

    def remember(self, path: str, info: os.stat_result, listing: Listing, has_links: bool) -> None:
        """Keep a listing just taken, unless its folder may still change unseen or holds links."""
        if has_links or info.st_mtime_ns > self._started_ns - SETTLED_NS:
            return
        if info.st_ctime_ns > self._started_ns - SETTLED_NS:
            return
        stamp = stamp_of(info)
        self.taken[os.path.abspath(path)] = (stamp, listing)
        self.vouched[path] = stamp
