"""Capture what produced a run, without heavy imports: code (git), command, Python, packages, host, GPUs."""

from __future__ import annotations

import hashlib
import os
import platform
import re
import shlex
import socket
import subprocess
import sys
from typing import Any

DIFF_FILE = "git.diff"
MAX_DIFF_BYTES = 1_000_000
_GIT_TIMEOUT = 20.0
_RANK_VARIABLES = ("RANK", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK", "PMI_RANK", "LOCAL_RANK")
_WORLD_VARIABLES = ("WORLD_SIZE", "SLURM_NTASKS", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE")


def capture_environment() -> dict[str, Any]:
    """Return the command line, working directory, Python, installed packages, host and GPUs."""
    found: dict[str, Any] = {
        "command": shlex.join(sys.argv) if sys.argv and sys.argv[0] else "",
        "cwd": os.getcwd(),
        "python": platform.python_version(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "host": socket.gethostname(),
        "packages": installed_packages(),
    }
    gpus = visible_gpus()
    if gpus:
        found["gpus"] = gpus
    if "CUDA_VISIBLE_DEVICES" in os.environ:
        found["cuda_visible_devices"] = os.environ["CUDA_VISIBLE_DEVICES"]
    return found


def installed_packages() -> dict[str, str]:
    """Return {normalized name: version} of the distributions importable from sys.path.

    Names and versions come from the `*.dist-info` folder names (a listdir per path entry), which
    costs about a millisecond where reading every METADATA file costs tens; the rare folder whose
    name says no version (old `.egg-info` development installs) is read with importlib.metadata.
    """
    packages: dict[str, str] = {}
    unnamed: list[str] = []
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                stem = name[: -len(".dist-info")]
            elif name.endswith(".egg-info"):
                stem = name[: -len(".egg-info")]
            else:
                continue
            project, _, rest = stem.partition("-")
            version = rest.split("-")[0]
            key = normalize_name(project)
            if key in packages:
                continue  # the first on sys.path is the one imported
            if version:
                packages[key] = version
            else:
                unnamed.append(os.path.join(entry or ".", name))
    for path in unnamed:
        _read_metadata(path, packages)
    return dict(sorted(packages.items()))


def _read_metadata(path: str, packages: dict[str, str]) -> None:
    """Add the name and version of one distribution folder read through importlib.metadata."""
    from importlib.metadata import PathDistribution
    from pathlib import Path

    try:
        distribution = PathDistribution(Path(path))
        name, version = distribution.metadata["Name"], distribution.version
    except Exception:  # a broken install must not stop a run from starting
        return
    if name and version:
        packages.setdefault(normalize_name(name), version)


def normalize_name(name: str) -> str:
    """Return a distribution name in its normalized form (PEP 503: lowercase, runs of -_. as -)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def visible_gpus() -> list[str]:
    """Return the names of the NVIDIA GPUs the driver reports, without importing a framework."""
    root = "/proc/driver/nvidia/gpus"
    names: list[str] = []
    try:
        for bus in sorted(os.listdir(root)):
            with open(os.path.join(root, bus, "information")) as handle:
                for line in handle:
                    if line.startswith("Model:"):
                        names.append(line.split(":", 1)[1].strip())
    except OSError:
        names = []
    if names:
        return names
    try:
        result = subprocess.run(
            ["nvidia-smi", "-L"], capture_output=True, text=True, errors="replace", timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return []
    if result.returncode != 0:
        return []
    # "GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-...)"
    return [
        re.sub(r"\s*\(UUID:.*\)$", "", line.split(":", 1)[1]).strip()
        for line in result.stdout.splitlines()
        if line.startswith("GPU ") and ":" in line
    ]


def detect_rank() -> tuple[int | None, int | None]:
    """Return (rank, world size) from the launcher's environment (torchrun, SLURM, MPI), or Nones."""
    rank = _first_int(_RANK_VARIABLES)
    return rank, _first_int(_WORLD_VARIABLES)


def _first_int(names: tuple[str, ...]) -> int | None:
    for name in names:
        value = os.environ.get(name, "").strip()
        if value.isdigit():
            return int(value)
    return None


def code_folder() -> str:
    """Return the folder of the running script (its git repository is the code), else the cwd."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return os.path.dirname(os.path.abspath(path)) if path else os.getcwd()


def capture_git(
    folder: str, run_folder: str | None = None, max_diff_bytes: int = MAX_DIFF_BYTES
) -> dict[str, Any] | None:
    """Return the git facts of the repository holding `folder`, or None when it is not in one.

    When tracked files differ from the commit, the diff (`git diff HEAD`) is digested in full and
    saved as git.diff in `run_folder`, cut at `max_diff_bytes` (and said so).
    """
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top is None:
        return None
    facts: dict[str, Any] = {"root": top.strip()}
    heads = _git(folder, "rev-parse", "HEAD", "--abbrev-ref", "HEAD")
    if heads is not None and len(heads.split()) == 2:
        commit, branch = heads.split()
        facts["commit"] = commit
        facts["branch"] = None if branch == "HEAD" else branch  # HEAD: detached
    remote = _git(folder, "config", "--get", "remote.origin.url")
    if remote:
        facts["remote"] = _without_credentials(remote.strip())
    status = _git(folder, "status", "--porcelain=v1", "-z", "--untracked-files=normal")
    if status is None:
        return facts
    changed, untracked = _count_status(status)
    script = _untracked_script(folder, facts["root"])
    if script is not None:
        facts["untracked_script"] = script
    # untracked files are counted but do not make the tree dirty (as `git describe --dirty`), unless the
    # script that ran is one of them, or no commit holds any code yet: then no commit holds what ran
    facts["dirty"] = changed > 0 or script is not None or "commit" not in facts
    if untracked:
        facts["untracked"] = untracked
    if changed and "commit" in facts:
        facts.update(_save_diff(folder, run_folder, max_diff_bytes))
    return facts


def running_script() -> str | None:
    """Return the absolute path of the running script (`__main__`'s file), or None: a notebook's kernel
    or `python -c` runs none (sys.argv[0] is then the launcher's, not the user's code)."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    return os.path.realpath(path) if isinstance(path, str) and os.path.isfile(path) else None


def _untracked_script(folder: str, root: str) -> str | None:
    """Return the running script's path in the repository at `root` when it was never added, else None
    (tracked; no script of the repository; or an ignored launcher of an in-repo .venv, whose code is the
    package it imports: a script of the user's own that the repository ignores still counts)."""
    script = running_script()
    top = os.path.realpath(root)
    if script is None or os.path.commonpath([script, top]) != top:
        return None
    if _git(folder, "ls-files", "--error-unmatch", "--", script) is not None:
        return None
    if _in_environment(script, top) and _git(folder, "check-ignore", "-q", "--", script) is not None:
        return None  # exit 0: ignored, and a launcher of an environment, whose code is what it imports
    return os.path.relpath(script, top)


def _in_environment(script: str, top: str) -> bool:
    """Tell whether a script lies in a Python environment (a folder holding pyvenv.cfg, below the
    repository's root, or the running one): a console script there launches code kept elsewhere."""
    if script.startswith(os.path.realpath(sys.prefix) + os.sep):
        return True
    folder = os.path.dirname(script)
    while folder.startswith(top + os.sep):
        if os.path.isfile(os.path.join(folder, "pyvenv.cfg")):
            return True
        folder = os.path.dirname(folder)
    return False


def _count_status(status: str) -> tuple[int, int]:
    """Count changed tracked paths and untracked paths in `git status --porcelain -z` output."""
    changed = untracked = 0
    entries = iter(status.split("\0"))
    for entry in entries:
        if len(entry) < 3:
            continue
        code = entry[:2]
        if code == "??":
            untracked += 1
        elif code != "!!":
            changed += 1
            if "R" in code or "C" in code:
                next(entries, None)  # a rename is followed by its old path
    return changed, untracked


def _save_diff(folder: str, run_folder: str | None, max_bytes: int) -> dict[str, Any]:
    """Stream `git diff HEAD`: digest all of it, keep the first `max_bytes` in git.diff."""
    digest = hashlib.sha256()
    total = 0
    kept = bytearray()
    try:
        process = subprocess.Popen(
            ["git", "-C", folder, "diff", "HEAD", "--no-color", "--no-ext-diff"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return {}
    assert process.stdout is not None
    with process:
        for chunk in iter(lambda: process.stdout.read(1 << 16), b""):  # type: ignore[union-attr]
            digest.update(chunk)
            total += len(chunk)
            if len(kept) < max_bytes:
                kept += chunk[: max_bytes - len(kept)]
    if process.returncode != 0:
        return {}
    facts: dict[str, Any] = {"diff_digest": "sha256:" + digest.hexdigest(), "diff_bytes": total}
    if run_folder is not None:
        from resultsbook.atomic import write_atomic

        write_atomic(os.path.join(run_folder, DIFF_FILE), bytes(kept))
        facts["diff"] = DIFF_FILE
    if total > len(kept):
        facts["diff_truncated"] = f"git.diff keeps the first {len(kept)} of {total} bytes"
    return facts


def _git(folder: str, *args: str) -> str | None:
    """Return a git command's output, or None when git is missing or the command fails."""
    try:
        result = subprocess.run(
            ["git", "-C", folder, *args],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def _without_credentials(url: str) -> str:
    """Drop a user name and password (or token) from a remote URL: run.json must not leak them."""
    return re.sub(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", r"\1", url, flags=re.IGNORECASE)
