"""The native run folder: config.json|yaml + metrics.jsonl (+ run.json). What users' scripts write."""

from __future__ import annotations

import os

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.models import ReadResult, Source
from resultsbook.sources import fs

METRICS_FILE = "metrics.jsonl"
RUN_FILE = "run.json"
CONFIG_FILES = ("config.json", "config.yaml", "config.yml")
_RUN_FILES = (*CONFIG_FILES, METRICS_FILE, RUN_FILE)


class NativeAdapter(Adapter):
    """Read resultsbook's own run folders."""

    name = "native"
    summary = "run folder with config.json|yaml, metrics.jsonl and optional run.json"
    priority = 40
    claims_by_listing = True
    # 2: run.json's `"status": "queued"` is queued (not started), not running (running once it logged)
    reading_version = 2

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim a folder that holds a metrics.jsonl."""
        if METRICS_FILE not in folder.files:
            return None
        prefix = folder.path + os.sep
        files = [prefix + name for name in _RUN_FILES if name in folder.files]
        return Claim((Source(self.name, folder.path, tuple(files)),))

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read the run folder of any of its files matched by a path pattern."""
        folder = os.path.dirname(path)
        if os.path.basename(path) not in (*CONFIG_FILES, METRICS_FILE, RUN_FILE):
            return None
        if not fs.exists(os.path.join(folder, METRICS_FILE)):
            return None
        names = [n for n in (*CONFIG_FILES, METRICS_FILE, RUN_FILE) if fs.exists(os.path.join(folder, n))]
        return self.source(folder, [os.path.join(folder, n) for n in names])

    def read(self, source: Source) -> ReadResult:
        """Read one run folder (native_files.py: its readers load numpy and YAML, which claiming the
        folders of an unchanged collect never needs)."""
        from resultsbook.adapters.native_files import read_run_folder

        return read_run_folder(source)
