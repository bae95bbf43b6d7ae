"""What an adapter is: it recognises its own files in a folder and reads them into runs."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from resultsbook.errors import AdapterError, closest
from resultsbook.models import ReadResult, Source
from resultsbook.sources import fs


class Folder:
    """A folder seen by the walk: its path and the names of its files and sub-folders."""

    __slots__ = ("dirs", "files", "path")  # one per folder walked: kept light

    def __init__(self, path: str, files: frozenset[str], dirs: tuple[str, ...]) -> None:
        self.path = path
        self.files = files
        self.dirs = dirs

    def file(self, name: str) -> str:
        """Return the path of one of this folder's files."""
        return os.path.join(self.path, name)


@dataclass(frozen=True)
class Claim:
    """The sources an adapter found in a folder, and whether the walk should look deeper."""

    sources: tuple[Source, ...]
    descend: bool = False


@dataclass(frozen=True)
class Served:
    """The runs a tracking server holds at a location, one source each; a stored source under `root`
    that is no longer served is marked gone."""

    root: str
    sources: tuple[Source, ...]
    empty: str = ""  # why it serves no run, when it serves none (an experiment deleted, or without runs)


class Adapter:
    """Base class of log-format adapters; subclasses set `name`, `summary` and override hooks.

    An adapter is read-only. `claim` looks at file names only (the walk must stay a stat walk);
    `read` parses one source and reports what was wrong as `Problem`s instead of raising.
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    # lower claims a folder first: tracker formats before the generic ones
    priority: ClassVar[int] = 50
    # False for generic formats (any CSV could be anything): they claim only when named
    claims_by_itself: ClassVar[bool] = True
    # option name -> one-line help; anything else passed to the adapter is an error
    options: ClassVar[Mapping[str, str]] = {}
    # True when `read_many` reads a batch in fewer round trips than one `read` per source
    reads_in_batches: ClassVar[bool] = False
    # True when `claim` depends on the folder it is given alone (its path and names): no state kept
    # between folders, no file read; a re-collect may then reuse its claims of unchanged folders
    claims_by_listing: ClassVar[bool] = False
    # True for a reader of any file of its suffix (every program writes `.log` files): a file a pattern
    # or the user names goes to it only when no adapter claims the file's folder (W&B's logs/debug.log)
    last_resort: ClassVar[bool] = False
    # raised when the adapter reads the same files into other runs or problems (a fix): sources a
    # store holds from an older reading are read again by the next collect
    reading_version: ClassVar[int] = 1

    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            known = ", ".join(sorted(self.options)) or "none"
            guess = closest(unknown[0], self.options) if self.options else None
            meant = f"did you mean {guess!r}? " if guess else ""
            raise AdapterError(
                f"adapter {self.name!r} has no option {unknown[0]!r}; {meant}its options are: {known}"
            )
        self.config: dict[str, Any] = dict(options)

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Return the sources this adapter reads in `folder`, or None when it is not its format.

        `forced` is true when the user named this adapter: generic formats that never claim
        files on their own (any CSV could be anything) claim them then.
        """
        return None

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Return the source to read for a file matched by a path pattern, or None.

        Decide by the file's name only: an unchanged file must cost a stat, not a read.
        """
        return None

    def read(self, source: Source) -> ReadResult:
        """Read one source into runs; never raise for bad content, report it as problems."""
        raise NotImplementedError

    def sources_at(self, location: str) -> Served | None:
        """Return the runs at a location that is not a folder (a tracking server's URL) as sources,
        each with a `version` that changes with its run; None when the location is not of this kind."""
        return None

    def read_many(self, sources: Sequence[Source]) -> Iterator[ReadResult]:
        """Read several sources, one result each, in order: an adapter whose sources live on one
        server overrides this to read them in a few requests (and sets `reads_in_batches`)."""
        return (self.read(source) for source in sources)

    def stale_after(self, default: float) -> float:
        """Return the seconds without a write after which an unfinished run is failed: the
        `-o stale_after=SECONDS` option, else `default`."""
        try:
            value = float(self.config.get("stale_after", default))
        except (TypeError, ValueError):
            return default
        return value if math.isfinite(value) else default

    def fresh_while_written(self, paths: Iterable[str], default_stale_after: float) -> str:
        """Return the `clock_state` of an adapter that fails an unfinished run by the clock: "fresh"
        while the newest of `paths` is younger than `stale_after`, else ""."""
        newest = fs.newest_mtime(paths)
        fresh = newest is not None and time.time() - newest < self.stale_after(default_stale_after)
        return "fresh" if fresh else ""

    def clock_state(self, source: Source) -> str:
        """Return a token that changes when what `read` would say depends on the clock, not the files.

        A run that stops writing keeps its files unchanged, so its source would never be read again;
        an adapter that tells a live run from a dead one by the age of its files (a stale heartbeat)
        returns e.g. "fresh" while they are recent, and the change to "" makes collect read it again.
        Look at stats only: this is called for every source at every collect.
        """
        return ""

    @classmethod
    def keeps_clock(cls) -> bool:
        """Tell whether this adapter's sources may change with the clock (it has a `clock_state`)."""
        return cls.clock_state is not Adapter.clock_state

    def source(self, path: str, files: Sequence[str]) -> Source:
        """Return a `Source` of this adapter."""
        return Source(adapter=self.name, path=path, files=tuple(files))


def option_choice(config: dict[str, Any], name: str, choices: Sequence[str]) -> str:
    """Return an option's value, one of `choices` (the first when it is not given); refuse any other."""
    value = str(config.get(name, choices[0])).strip().lower()
    if value not in choices:
        raise AdapterError(f"option {name}={value!r} is not one of {', '.join(choices)}; use one of them")
    return value


def option_list(value: Any) -> list[str] | None:
    """Accept a list option given as a list or as comma-separated text."""
    if value is None:
        return None
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part) for part in value]
