"""What a PyTorch checkpoint says of how its training ended, read without unpickling it.

A checkpoint `torch.save` wrote since PyTorch 1.6 is a zip archive whose `<name>/data.pkl` pickles the
saved object (its tensors are other entries). Ultralytics (and YOLOv5) save `last.pt` and `best.pt`
every epoch with the optimizer's state, and when training ends `strip_optimizer` saves them again with
`optimizer: None`: a stripped checkpoint is one of a training that ended on its own. The pickle is only
walked opcode by opcode (`pickletools.genops`, which runs nothing), up to a bounded size.
"""

from __future__ import annotations

import os
from typing import IO, Literal

from resultsbook.sources import fs
from resultsbook.sources.fileio import open_regular
from resultsbook.sources.limits import CONFIG

OptimizerState = Literal["stripped", "kept"]
OPTIMIZER_KEY = "optimizer"
_STRINGS = frozenset(
    {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINSTRING", "BINSTRING"}
)
_PUTS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})
_GETS = frozenset({"GET", "BINGET", "LONG_BINGET"})


def optimizer_state(path: str) -> OptimizerState | None:
    """Return "stripped" when a checkpoint's `optimizer` is None (its training ended), "kept" when it
    holds the optimizer's state (saved during training), None when that cannot be told: no such file,
    not a zip checkpoint (PyTorch before 1.6), a pickle over the configuration limit, no `optimizer`."""
    if fs.is_remote(path):
        return None  # a bucket's weights are not fetched to tell how a training ended
    import zipfile  # only for folders that hold weights

    try:
        with os.fdopen(open_regular(path), "rb") as handle, zipfile.ZipFile(handle) as archive:
            pickles = [info for info in archive.infolist() if info.filename.rsplit("/", 1)[-1] == "data.pkl"]
            if len(pickles) != 1 or pickles[0].file_size > CONFIG.bytes():
                return None
            with archive.open(pickles[0]) as stream:
                return _optimizer_in(stream)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError, KeyError, RuntimeError, NotImplementedError):
        return None  # unreadable, damaged or written as it was read: the rows alone tell the status


def _optimizer_in(stream: IO[bytes]) -> OptimizerState | None:
    """Find the `optimizer` key whose value is None or a dict; a string value (the `optimizer: auto`
    of the training's arguments, inside the model and beside it) is not the optimizer's state."""
    import pickletools

    memo: dict[int, str | None] = {}
    pushed: str | None = None  # the string the last opcode pushed, if it pushed one
    after_key = False
    for opcode, argument, _ in pickletools.genops(stream):
        name = opcode.name
        if name in _PUTS or name == "MEMOIZE":
            memo[len(memo) if name == "MEMOIZE" else int(argument)] = pushed  # type: ignore[arg-type]
            continue  # the value stays on the stack: what follows is still after the key
        if after_key:
            if name == "NONE":
                return "stripped"
            if name in ("EMPTY_DICT", "DICT"):
                return "kept"
        if name in _STRINGS:
            pushed = argument if isinstance(argument, str) else None
        elif name in _GETS:
            pushed = memo.get(int(argument))  # type: ignore[arg-type]
        else:
            pushed = None
        after_key = pushed == OPTIMIZER_KEY
    return None
