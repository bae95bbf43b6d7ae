"""NumPy `.npy` curves, one file per run (TD3's `learning_curves/<env>/TD3_<env>_<seed>.npy`): a 1-D
array is one metric over evaluations, the configuration is in the path (found by --pattern); an `.npz`
archive per run (`data/<env>/<monitor>/data_<seed>.npz`) holds one such array per metric."""

from __future__ import annotations

import io
import os
import zipfile

import numpy as np

from resultsbook.adapters.base import Adapter, Claim, Folder
from resultsbook.errors import AdapterError
from resultsbook.models import Problem, ReadResult, RunRecord, Source
from resultsbook.sources.fileio import read_file_bytes, unreadable
from resultsbook.sources.limits import DOCUMENT
from resultsbook.sources.series import SeriesBuilder

NPY_SUFFIX = ".npy"
NPZ_SUFFIX = ".npz"
_MAGIC = b"\x93NUMPY"


class NpyAdapter(Adapter):
    """Read one run per `.npy` file holding a curve (or a single final value)."""

    name = "npy"
    summary = "NumPy .npy arrays and .npz archives, one run per file (found by --pattern or --adapter npy)"
    priority = 85
    claims_by_itself = False
    options = {
        "metric": "metric name of a .npy array's values (default: value; an .npz names its own)",
        "arrays": "the .npz arrays to read, comma-separated, e.g. test_return (default: every curve)",
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
        """Read a .npy or .npz file named by a path pattern (SB3's evaluations.npz goes to sb3 first)."""
        return self.source(path, [path]) if path.lower().endswith((NPY_SUFFIX, NPZ_SUFFIX)) else None

    def read(self, source: Source) -> ReadResult:
        """Read one .npy array into one run (a 1-D curve, or a 0-d final value), or one .npz archive."""
        path = source.path
        kept = "nothing from this file"
        try:
            data = read_file_bytes(path, DOCUMENT)
        except OSError as error:
            return ReadResult((), (unreadable(path, error, kept),))
        if path.lower().endswith(NPZ_SUFFIX):
            return self._read_archive(path, data)
        cut = _complete_values(data)
        array = _load(data) if cut is None else cut[0]
        if isinstance(array, str):
            return ReadResult((), (Problem(path, array, kept),))
        found = []
        if cut is not None:  # np.save writes the header, then the values in order: those written are whole
            why = f"is cut off after {len(array):,} of the {cut[1]:,} values its header says"
            why += " (a run still writing?)"
            found.append(Problem(path, why, f"the {len(array):,} complete value(s) before it"))
        metric = str(self.config.get("metric") or "value")
        name = os.path.splitext(os.path.basename(path))[0]
        if array.ndim == 0:
            return ReadResult((RunRecord(name=name, summary={metric: float(array)}),), ())
        if array.ndim != 1:
            why = f"is a {_shape(array)} array; only a curve (1-D) or a single value is read"
            return ReadResult((), (Problem(path, why, f"{kept}: save one curve per file"),))
        steps = self._first + self._every * np.arange(len(array), dtype=np.float64)
        builder = SeriesBuilder()
        builder.add_column(metric, steps, array.astype(np.float64))
        series, problems = builder.build(path)
        return ReadResult((RunRecord(name=name, metrics=series),), (*found, *problems))

    def _read_archive(self, path: str, data: bytes) -> ReadResult:
        """Read one .npz archive into one run: each 1-D array a curve, each 0-d array a final value."""
        kept = "nothing from this file"
        try:
            members = _archive_members(data)
        except (zipfile.BadZipFile, ValueError, EOFError) as error:
            return ReadResult((), (Problem(path, f"is not a readable NumPy .npz file ({error})", kept),))
        wanted = [n.strip() for n in str(self.config.get("arrays") or "").split(",") if n.strip()]
        missing = [n for n in wanted if n not in members]
        if missing:
            held = ", ".join(sorted(members)) or "none"
            why = f"has no array {', '.join(missing)} (-o arrays); it holds {held}"
            return ReadResult((), (Problem(path, why, kept),))
        builder, summary, skipped = SeriesBuilder(), {}, []
        for key in wanted or sorted(members):
            array = _load(members[key])
            if isinstance(array, str) or array.ndim > 1:
                skipped.append(f"{key} ({array if isinstance(array, str) else _shape(array)})")
            elif array.ndim == 0:
                summary[key] = float(array)
            else:
                steps = self._first + self._every * np.arange(len(array), dtype=np.float64)
                builder.add_column(key, steps, array.astype(np.float64))
        series, problems = builder.build(path)
        if skipped:
            read = ",".join(sorted(set(series) | set(summary)))
            why = f"holds arrays that are not curves (1-D) or single values: {', '.join(skipped)}"
            fix = f"read {read}; -o arrays={read} reads only those" if read else kept
            problems.append(Problem(path, why, fix))
        if not series and not summary:
            return ReadResult((), tuple(problems))
        name = os.path.splitext(os.path.basename(path))[0]
        return ReadResult((RunRecord(name=name, metrics=series, summary=summary),), tuple(problems))


def _archive_members(data: bytes) -> dict[str, bytes]:
    """Return the .npy members of an .npz archive by array name, refusing one that unpacks too large."""
    cap = DOCUMENT.bytes()
    members = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        arrays = [info for info in archive.infolist() if info.filename.endswith(NPY_SUFFIX)]
        unpacked = sum(info.file_size for info in arrays)  # many small members add up too
        if unpacked > cap:
            raise ValueError(
                f"its arrays unpack to {unpacked:,} bytes, over the {cap:,} of {DOCUMENT.variable}"
            )
        for info in arrays:
            members[info.filename[: -len(NPY_SUFFIX)]] = archive.read(info)
    return members


def _load(data: bytes) -> np.ndarray | str:
    """Return the array of numbers a .npy file's bytes hold, or what makes them none."""
    why = _header_problem(data)
    if why is None:
        try:
            array = np.load(io.BytesIO(data), allow_pickle=False)
        except (ValueError, EOFError) as error:
            why = str(error)
    if why is not None:
        return f"is not a readable NumPy .npy file ({why})"
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        return f"holds {array.dtype} values, not numbers"
    return array


def _complete_values(data: bytes) -> tuple[np.ndarray, int] | None:
    """Return the values whole in a 1-D array of numbers cut off in its data (a file np.save is still
    writing) and how many its header says; None for any other file, whole or not."""
    header = _header(data)
    if isinstance(header, str):
        return None
    shape, dtype, offset = header
    numeric = np.issubdtype(dtype, np.number) and not np.issubdtype(dtype, np.complexfloating)
    held = (len(data) - offset) // max(dtype.itemsize, 1)
    if len(shape) != 1 or not numeric or dtype.hasobject or not 0 < held < shape[0]:
        return None
    return np.frombuffer(data, dtype, held, offset), int(shape[0])


def _shape(array: np.ndarray) -> str:
    """Say an array's shape as 12×5."""
    return "×".join(str(n) for n in array.shape)


def _header_problem(data: bytes) -> str | None:
    """Say what makes bytes no .npy array to load (checked before numpy allocates what a header says)."""
    header = _header(data)
    if isinstance(header, str):
        return header
    shape, dtype, offset = header
    if dtype.hasobject:
        return "it holds pickled objects, which are never unpickled"
    values, held = int(np.prod(shape, dtype=object)), len(data) - offset
    if values * dtype.itemsize > held:
        return f"its header says {values:,} values, but it holds {held:,} bytes of data: cut off?"
    return None


def _header(data: bytes) -> tuple[tuple[int, ...], np.dtype, int] | str:
    """Return a .npy file's shape, dtype and where its values start, or what makes its header unreadable."""
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
    return shape, dtype, handle.tell()
