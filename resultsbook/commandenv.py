"""The settings a command runs numpy with, and the user's own environment for what a command starts.

A command (never the Python API) sets them unless the user has: numpy asks for transparent huge pages
for big arrays, and where the kernel must compact memory to find them, filling one metric's 80 MB
matrix took 1 s instead of 0.05 s; OpenBLAS starts a thread per core when numpy loads (≈ 50 ms of a
0.4 s `table` on 2 busy cores), though no command multiplies matrices (docs/performance.md).
A `watch --then` command is the user's: it gets their environment back."""

from __future__ import annotations

import os

COMMAND_SETTINGS = {"NUMPY_MADVISE_HUGEPAGE": "0", "OPENBLAS_NUM_THREADS": "1"}
_set_here: set[str] = set()  # the settings this process added (the user had not set them)


def use_command_settings() -> None:
    """Set each of COMMAND_SETTINGS that the user has not set, before numpy loads."""
    for name, value in COMMAND_SETTINGS.items():
        if name not in os.environ:
            os.environ[name] = value
            _set_here.add(name)


def user_environment() -> dict[str, str]:
    """Return the environment without the settings this process added: for commands the user named."""
    return {name: value for name, value in os.environ.items() if name not in _set_here}
