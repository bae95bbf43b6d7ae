"""Walk log folders with scandir: names only, no file is opened."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from resultsbook.adapters.base import Folder

# folders that never hold runs and can be huge; ".hydra"-style names stay visible in `dirs`
_SKIP = {"__pycache__", "node_modules", ".git", ".venv", "venv", ".ipynb_checkpoints"}


def walk_folders(root: str, descend: Callable[[Folder], bool]) -> Iterator[Folder]:
    """Yield `root` and its sub-folders top-down, sorted; `descend(folder)`, called before each
    folder is yielded, says whether to go deeper. A URL root (s3://…) is walked in its listing."""
    if "://" in root:
        from resultsbook.sources.remote import is_url, walk_remote_folders

        if is_url(root):
            yield from walk_remote_folders(root, descend)
            return
    stack = [root]
    while stack:
        path = stack.pop()
        files: set[str] = set()
        dirs: list[str] = []
        try:
            with os.scandir(path) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir():
                            dirs.append(entry.name)
                        else:
                            files.add(entry.name)
                    except OSError:
                        continue
        except OSError:
            continue
        dirs.sort()
        folder = Folder(path=path, files=frozenset(files), dirs=tuple(dirs))
        deeper = descend(folder)  # decided before yielding: callers read what descend found
        yield folder
        if deeper:
            stack.extend(
                os.path.join(path, name)
                for name in reversed(dirs)
                if name not in _SKIP and not name.startswith(".")
            )
