"""The members of a zip archive a reader wants, read within their size limits and never unpacked to
disk (the ClearML and Comet offline archives): an archive naming a member outside itself, one whose
wanted member would pass its limit (by its header, or as it is read: a header may under-report its
size) or a damaged archive is refused whole, never kept cut at the limit."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from typing import IO

from resultsbook.sources.limits import Limit, format_size

DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError)


class RefusedArchive(Exception):
    """An archive not read, with the reason in words and its kind: outside, limit or damaged."""

    def __init__(self, reason: str, kind: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


def wanted_members(handle: IO[bytes], limits: Mapping[str, Limit]) -> tuple[list[str], dict[str, bytes]]:
    """Return the names of an archive's files and the bytes of the members `limits` names, each within
    its limit; raise RefusedArchive for a member named outside the archive, one over its limit, or a
    damaged archive."""
    try:
        with zipfile.ZipFile(handle) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            outside = next((info.filename for info in infos if _outside(info.filename)), None)
            if outside is not None:
                raise RefusedArchive(f"holds a member named {outside!r}, outside the archive", "outside")
            members = {}
            for info in infos:
                limit = limits.get(info.filename)
                if limit is None:
                    continue
                cap = limit.bytes()
                if info.file_size > cap:
                    raise RefusedArchive(
                        f"member {info.filename} unpacks to {format_size(info.file_size)}, over the "
                        f"{format_size(cap)} limit for {limit.what} (to read it, raise the limit: "
                        f"{limit.raise_hint(info.file_size)})",
                        "limit",
                    )
                with archive.open(info) as member:
                    content = member.read(cap + 1)
                if len(content) > cap:
                    raise RefusedArchive(
                        f"member {info.filename} unpacks to over the {format_size(cap)} limit for "
                        f"{limit.what} (raise {limit.variable})",
                        "limit",
                    )
                members[info.filename] = content
            return [info.filename for info in infos], members
    except DAMAGED as error:
        raise RefusedArchive(f"is not a whole zip archive ({error})", "damaged") from None


def _outside(name: str) -> bool:
    """Tell whether a member's name points outside the archive: absolute, a drive, or a `..` part."""
    return (
        name.startswith(("/", "\\")) or bool(re.match(r"[A-Za-z]:", name)) or ".." in re.split(r"[/\\]", name)
    )
