"""The console output W&B keeps in its log (`output_raw` records): how a failed run ended.

A run's stdout and stderr go into the `.wandb` log line by line, so the traceback of a script that
raised is there, though W&B's exit record holds only the exit code. OutputRawRecord fields:
1 output_type (0 stderr, the default, 1 stdout), 2 timestamp, 3 line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from resultsbook.sources.protowire import LENGTH_DELIMITED, VARINT, iter_fields

KEPT_RECORDS = 256  # a log's last console records are enough: a traceback is the last thing printed
_STDOUT = 1
_TRACEBACK = "Traceback (most recent call last):"
_TRACEBACK_LINES, _TRACEBACK_CHARS = 30, 6000  # as resultsbook's own logger keeps them
_LAST_LINES = 5  # of stderr, for a run that ended without a traceback
# an exception's (dotted) name, as Python prints it: builtins and most libraries end it so
_EXCEPTION = re.compile(
    r"(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Interrupt|Exit|Warning|Iteration)"
)


def console_error(records: Iterable[bytes], exit_code: int) -> dict[str, Any]:
    """Return how a run that exited with `exit_code` ended, as resultsbook's logger records it: the
    type, message and traceback its stderr ends with, else the exit code and stderr's last lines."""
    lines = [line.rstrip() for line in "".join(_stderr(records)).splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    starts = [index for index, line in enumerate(lines) if line.startswith(_TRACEBACK)]
    if starts:
        trace = lines[starts[-1] :]
        raised = exception_line(trace)
        if raised is not None:
            kind, _, message = raised.partition(": ")
            tail = "\n".join(trace[-_TRACEBACK_LINES:])[-_TRACEBACK_CHARS:]
            return {"type": kind, "message": message, "traceback_tail": tail}
    error: dict[str, Any] = {"type": "exit code", "message": str(exit_code)}
    shown = [line for line in lines if line.strip()][-_LAST_LINES:]
    if shown:
        error["traceback_tail"] = "\n".join(shown)
    return error


def exception_line(trace: list[str]) -> str | None:
    """Return a traceback's last `Type: message` line (notes, a message's further lines or torch's
    hints may follow it; a chained exception's comes last)."""
    raised = [
        line for line in trace[1:] if line[:1].strip() and _EXCEPTION.fullmatch(line.partition(": ")[0])
    ]
    return raised[-1] if raised else None


def _stderr(records: Iterable[bytes]) -> Iterable[str]:
    """Yield the text of the records written to stderr, in order."""
    for body in records:
        stdout, text = False, ""
        for number, wire, value in iter_fields(body):
            if number == 1 and wire == VARINT:
                stdout = value == _STDOUT
            elif number == 3 and wire == LENGTH_DELIMITED and isinstance(value, bytes):
                text = value.decode("utf-8", "replace")
        if not stdout:
            yield text
