"""Helpers for the run-logger tests: scripts run in a subprocess, throwaway git repositories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

RANK_VARIABLES = (
    "RANK",
    "LOCAL_RANK",
    "SLURM_PROCID",
    "OMPI_COMM_WORLD_RANK",
    "PMI_RANK",
    "WORLD_SIZE",
    "SLURM_NTASKS",
)


def script_env(tmp_path: Path) -> dict[str, str]:
    """Return an environment for a logging script: private cache, no launcher rank variables."""
    env = {k: v for k, v in os.environ.items() if k not in RANK_VARIABLES}
    env["RESULTSBOOK_CACHE_DIR"] = str(tmp_path / "cache")
    return env


def run_script(
    folder: Path, source: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Write `source` as folder/train.py and run it there with this Python."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "train.py"
    script.write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=folder,
        env=env if env is not None else script_env(folder),
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_folders(root: Path) -> list[Path]:
    """Return the run folders under root, oldest first (their names start with the config and time)."""
    return sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime_ns)


def read_info(folder: Path) -> dict[str, Any]:
    """Return a run folder's run.json."""
    return json.loads((folder / "run.json").read_text())


def git(folder: Path, *args: str) -> str:
    """Run git in `folder` with a fixed identity; return its output."""
    result = subprocess.run(
        [
            "git",
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.org",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def make_repo(folder: Path, files: dict[str, str]) -> str:
    """Create a git repository holding `files` in one commit; return the commit."""
    folder.mkdir(parents=True, exist_ok=True)
    git(folder, "init", "-q", "-b", "main")
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder / ".gitignore").write_text("runs/\n*.db\n")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "first")
    return git(folder, "rev-parse", "HEAD").strip()
