"""Keep the command line off pandas: sqlite_utils (which the store imports only to migrate a new or
older store) imports it, when it can, only to map `pandas.Timestamp` values it inserts, which the
store never does; pandas costs a command ~0.4 s.

Only the command line's own process does this; in a user's process (the Python API) sqlite_utils is
left as it is. It goes once the store migrates without sqlite_utils."""

from __future__ import annotations

import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType


class _SqliteUtilsWithoutPandas:  # a meta path finder (importlib.abc costs a command ~6 ms to import)
    """Find `sqlite_utils.db` as usual, then run it while `import pandas` fails (unless pandas is
    loaded already); the finder removes itself after that one import."""

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name != "sqlite_utils.db":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or "pandas" in sys.modules:
            return spec
        run = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            sys.modules["pandas"] = None  # type: ignore[assignment]  # `import pandas` raises ImportError
            try:
                run(module)
            finally:
                if sys.modules.get("pandas", 0) is None:
                    del sys.modules["pandas"]

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def keep_pandas_out_of_sqlite_utils() -> None:
    """Make the first `import sqlite_utils` of this process leave pandas unloaded."""
    if "sqlite_utils.db" not in sys.modules:
        sys.meta_path.insert(0, _SqliteUtilsWithoutPandas())
