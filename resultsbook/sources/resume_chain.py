"""The starts of one training folder, oldest first, as far as resuming goes: a start whose config
resumes from a checkpoint of the folder continues the latest start before it that logged training
records (one that died before its first record continues nothing, and nothing continues it).
MMCV 1.x's log.json files and MMEngine's run folders are such starts."""

from __future__ import annotations

from collections.abc import Sequence


class ResumeChain:
    """Which starts one start continues, and which continue it; a kind of start says, in
    `config_resumes` and `trained`, whether a start resumes and whether it logged training."""

    def __init__(self, starts: Sequence[str]) -> None:
        self.starts = list(starts)  # oldest first
        self._resumes: dict[str, bool] = {}

    def config_resumes(self, path: str) -> bool:
        """Tell, from its config, whether a start resumed from a checkpoint of this folder."""
        raise NotImplementedError

    def trained(self, path: str) -> bool:
        """Tell whether a start logged training records."""
        raise NotImplementedError

    def resumes(self, path: str) -> bool:
        """`config_resumes`, read once a start."""
        if path not in self._resumes:
            self._resumes[path] = self.config_resumes(path)
        return self._resumes[path]

    def before(self, path: str) -> str | None:
        """Return the latest start before `path` that logged training records."""
        earlier = self.starts[: self.starts.index(path)] if path in self.starts else []
        return next((f for f in reversed(earlier) if self.trained(f)), None)

    def resumers(self, path: str) -> list[str]:
        """Return the later starts, oldest first, that continue this one's training with training
        records of their own (a resume that died before its first logs none)."""
        later = self.starts[self.starts.index(path) + 1 :] if path in self.starts else []
        return [f for f in later if self.resumed(f)[:1] == [path] and self.trained(f)]

    def resumed(self, path: str) -> list[str]:
        """Return the starts, oldest first, whose training this one continues."""
        chain: list[str] = []
        current = path
        while (
            self.resumes(current) and (previous := self.before(current)) is not None and previous not in chain
        ):
            chain.insert(0, previous)
            current = previous
        return chain
