"""NumPy `.npy` curves, one file per run (TD3's `learning_curves/<env>/TD3_<env>_<seed>.npy`): a 1-D
array is one metric over evaluations, the configuration is in the path (found by --pattern)."""

from __future__ import annotations

import io
import os

import numpy as np

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.errors import AdapterError
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.sources.fileio import read_file_bytes, unreadable
from resultsbook.sources.limits import DOCUMENT
from resultsbook.sources.series import SeriesBuilder

NPY_SUFFIX = ".npy"
_MAGIC = b"\x93NUMPY"


class NpyAdapter(Adapter):
    """Read one run per `.npy` file holding a curve (or a single final value)."""

    name = "npy"
    summary = "NumPy .npy arrays, one curve per file (found by --pattern or --adapter npy)"
    priority = 85
    claims_by_itself = False
    options = {
        "metric": "metric name of the array's values (default: value)",
        "every": "steps between two points, e.g. 5000 (default: 1, the step is the position)",
        "first": "step of the first point (default: 0)",
    }

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        try:
            self._every = float(str(self.config.get("every", 1)))
            self._first = float(str(self.config.get("first", 0)))
        except ValueError as error:
            raise AdapterError(
                f"npy adapter: every and first must be numbers, e.g. every=5000 ({error})"
            ) from error

    def claim(self, folder: Folder, forced: bool = False) -> Claim | None:
        """Claim every .npy file, but only when this adapter was asked for by name."""
        if not forced:
            return None
        names = sorted(n for n in folder.files if n.lower().endswith(NPY_SUFFIX))
        if not names:
            return None
        return Claim(tuple(self.source(folder.file(n), [folder.file(n)]) for n in names), descend=True)

    def source_for_file(self, path: str, forced: bool = False) -> Source | None:
        """Read a .npy file named by a path pattern (no other adapter reads one)."""
        return self.source(path, [path]) if path.lower().endswith(NPY_SUFFIX) else None

    def read(self, source: Source) -> ReadResult:
        """Read one .npy array into one run: a 1-D curve, or a 0-d final value."""
        path = source.path
        kept = "nothing from this file"
        try:
            data = read_file_bytes(path, DOCUMENT)
        except OSError as error:
            return ReadResult((), (unreadable(path, error, kept),))
        why = _header_problem(data)
        if why is None:
            try:
                array = np.load(io.BytesIO(data), allow_pickle=False)
            except (ValueError, EOFError) as error:
                why = str(error)
        if why is not None:
            return ReadResult((), (Problem(path, f"is not a readable NumPy .npy file ({why})", kept),))
        if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
            return ReadResult((), (Problem(path, f"holds {array.dtype} values, not numbers", kept),))
        metric = str(self.config.get("metric") or "value")
        name = os.path.splitext(os.path.basename(path))[0]
        if array.ndim == 0:
            return ReadResult((RunRecord(name=name, summary={metric: float(array)}),), ())
        if array.ndim != 1:
            shape = "×".join(str(n) for n in array.shape)
            why = f"is a {shape} array; only a curve (1-D) or a single value is read"
            return ReadResult((), (Problem(path, why, f"{kept}: save one curve per file"),))
        steps = self._first + self._every * np.arange(len(array), dtype=np.float64)
        builder = SeriesBuilder()
        builder.add_column(metric, steps, array.astype(np.float64))
        series, problems = builder.build(path)
        return ReadResult((RunRecord(name=name, metrics=series),), tuple(problems))


def _header_problem(data: bytes) -> str | None:
    """Say what makes bytes no .npy array to load (checked before numpy allocates what a header says)."""
    if not data.startswith(_MAGIC):
        return "it does not start with the .npy header"
    handle = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(handle)
        read = (
            np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        )
        shape, _, dtype = read(handle)
    except (ValueError, EOFError) as error:
        return f"its header is damaged: {error}"
    if dtype.hasobject:
        return "it holds pickled objects, which are never unpickled"
    values, held = int(np.prod(shape, dtype=object)), len(data) - handle.tell()
    if values * dtype.itemsize > held:
        return f"its header says {values:,} values, but it holds {held:,} bytes of data: cut off?"
    return None
