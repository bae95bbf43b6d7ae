"""How a command ends: exit codes, the one error line, the JSON envelope, and saved tracebacks.

0    success
1    not current or not found: check found stale outputs, status found missing runs, collect
     found nothing, there is no store, a filter matches no run
2    usage: a bad flag, key, name or value, in the command line or the spec
70   internal error: a bug in resultsbook; the traceback is saved to a file the message names
74   a file is in the way: the store is damaged, the disk is full, an output is read-only
130  interrupted (Ctrl-C); the store holds whole sources only: those written before, no run half-written
143  terminated (SIGTERM: kill, timeout, a scheduler), as Ctrl-C is
129  hung up (SIGHUP: the terminal or the ssh session closed), as SIGTERM is
141  the reader of the output went away (`resultsbook runs | head`)
"""

from __future__ import annotations

import errno
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from resultsbook.errors import FOLDER_FOR_FILE

EXIT_OK = 0
EXIT_NOT_CURRENT = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70
EXIT_IO = 74
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process SIGTERM ended
EXIT_HUNG_UP = 129  # 128 + SIGHUP
EXIT_BROKEN_PIPE = 141

KIND_CODES = {"not_found": EXIT_NOT_CURRENT, "usage": EXIT_USAGE, "io": EXIT_IO}
ENVELOPE_VERSION = 1
_IO_ERRNOS = {
    errno.ENOSPC: "the disk is full; free some space and run the command again",
    errno.EDQUOT: "the disk quota is used up; free some space and run the command again",
    errno.EACCES: "permission denied; make it writable (or readable) for you, or choose another path",
    errno.EPERM: "permission denied; make it writable (or readable) for you, or choose another path",
    errno.EROFS: "the file system is read-only; choose a path on a writable disk",
    errno.EIO: "the disk reported an I/O error; check the disk and run again",
    errno.EISDIR: FOLDER_FOR_FILE,
}


class Terminated(KeyboardInterrupt):
    """SIGTERM ended the command: it stops as at Ctrl-C (every path that cleans up after one runs)."""


class HungUp(Terminated):
    """SIGHUP ended the command: its terminal closed (a window, an ssh session); it stops as at SIGTERM."""


@contextmanager
def terminated_as_interrupted() -> Iterator[None]:
    """Turn SIGTERM into `Terminated` (SIGHUP into `HungUp`) for the block: a command ended by `kill`,
    `timeout`, a scheduler or a closed terminal closes its store and removes one it created empty, as
    at Ctrl-C. An ignored signal stays ignored (`nohup`), and a handler someone else installed (a
    program embedding the command) is left alone."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    ending = [(signal.SIGTERM, Terminated)]
    if hasattr(signal, "SIGHUP"):  # not on Windows
        ending.append((signal.SIGHUP, HungUp))
    installed = {}
    for number, raised in ending:
        previous = signal.getsignal(number)
        if previous is signal.SIG_DFL:
            installed[number] = previous
            signal.signal(number, _stopper(number, raised))
    try:
        yield
    finally:
        for number, previous in installed.items():
            signal.signal(number, previous)


def _stopper(number: int, raised: type[Terminated]) -> Any:
    def stop(signum: int, frame: object) -> None:
        signal.signal(number, signal.SIG_DFL)  # a second one ends it at once
        if raised is HungUp:
            leave_the_terminal()
        raise raised

    return stop


def leave_the_terminal() -> None:
    """After SIGHUP, send what the command still prints to /dev/null rather than to its closed terminal
    (where every write fails); a file or a pipe the output goes to keeps getting it."""
    import stat

    for descriptor in (1, 2):
        try:
            if stat.S_ISCHR(os.fstat(descriptor).st_mode):
                quiet = os.open(os.devnull, os.O_WRONLY)
                os.dup2(quiet, descriptor)
                os.close(quiet)
        except OSError:
            pass


@dataclass(frozen=True)
class Failure:
    """What went wrong, said once: its kind, exit code, one-line message, and a saved traceback."""

    kind: str  # usage, not_found, io, internal, interrupted
    code: int
    message: str
    traceback_file: str | None = None

    def line(self) -> str:
        """Return the one line printed on stderr."""
        if self.kind == "internal":
            return f"Internal error: {self.message}"
        if self.kind == "interrupted":
            return self.message
        return f"Error: {self.message}"

    def document(self) -> dict[str, Any]:
        """Return the `error` member of a JSON envelope."""
        found: dict[str, Any] = {"kind": self.kind, "exit_code": self.code, "message": self.message}
        if self.traceback_file:
            found["traceback_file"] = self.traceback_file
        return found


# what an interrupted command leaves: collects commit whole sources, outputs are renamed into place
_WHOLE = "what was stored is whole (no run is half-written), and each output is its old file or its new one."
# the same, said of a command that writes no output, and of one that writes nothing at all
_COLLECTED = "what was stored is whole (no run is half-written): collect again to read the rest."
_READ_ONLY = "nothing was written."
_FORGOTTEN = "the store is as it was before, or without every run asked for: never half of them."
_CHECKED = "what was stored is whole (no run is half-written); check writes no output."
_BUILT = _WHOLE[:-1] + ": build again to finish (it collects the rest, then writes what is behind)."
_LEFT_BY = {
    "collect": _COLLECTED,
    "build": _BUILT,
    "forget": _FORGOTTEN,
    "check": _CHECKED,
    **dict.fromkeys(("runs", "show", "diff", "problems", "adapters"), _READ_ONLY),
}


def failure_of(error: BaseException, debug: bool = False, command: str | None = None) -> Failure:
    """Classify an exception: resultsbook's own errors by kind, the disk's by errno, the rest as bugs;
    an interruption says what the `command` interrupted leaves."""
    import click

    from resultsbook.errors import ResultsbookError

    if isinstance(error, ResultsbookError):
        return Failure(error.kind, KIND_CODES.get(error.kind, EXIT_USAGE), str(error))
    if isinstance(error, click.UsageError):
        return Failure("usage", EXIT_USAGE, usage_message(error, command))
    if isinstance(error, click.ClickException):
        return Failure("usage", error.exit_code or EXIT_USAGE, error.format_message())
    left = _LEFT_BY.get(command or "", _WHOLE)
    if isinstance(error, HungUp) or isinstance(error.__cause__, HungUp):
        return Failure("interrupted", EXIT_HUNG_UP, f"Hung up (the terminal closed); {left}")
    if isinstance(error, Terminated) or isinstance(error.__cause__, Terminated):  # click makes it an Abort
        return Failure("interrupted", EXIT_TERMINATED, f"Terminated; {left}")
    if isinstance(error, (KeyboardInterrupt, click.Abort)):
        return Failure("interrupted", EXIT_INTERRUPTED, f"Interrupted; {left}")
    if isinstance(error, OSError) and error.errno in _IO_ERRNOS:
        where = f"{error.filename}: " if error.filename else ""
        return Failure("io", EXIT_IO, f"{where}{_IO_ERRNOS[error.errno]}")
    summary = f"{type(error).__name__}: {error}".strip().splitlines()[0][:300]
    if debug:
        return Failure("internal", EXIT_INTERNAL, f"{summary} (a bug in resultsbook; traceback above)")
    saved = save_traceback(error)
    where = f"the traceback is in {saved}" if saved else "the traceback could not be saved"
    return Failure(
        "internal",
        EXIT_INTERNAL,
        f"{summary} — a bug in resultsbook; {where} (rerun with --debug to see it); please report it",
        saved,
    )


def not_built_failure(failures: Sequence[Any]) -> Failure | None:
    """Return the failure of entries that could not be computed, as `build` raises it: the most
    pressing of their kinds (2, a spec to fix, before 1, runs not there yet); None when none failed."""
    from resultsbook.errors import most_pressing_kind, not_built_text

    if not failures:
        return None
    kind = most_pressing_kind([failure.kind for failure in failures])
    return Failure(kind, KIND_CODES.get(kind, EXIT_USAGE), not_built_text(failures))


# options other tools (pandas, seaborn, rliable, make-like runners) have, which resultsbook names
# otherwise: no typo of the flag meant, so click's likeness would answer `--spread` with `--reduce`
# (and `--seeds` with `--derived`); a value after the flag says how the meaning is spelt here
OPTION_SYNONYMS = {
    "--spread": "--stat", "--center": "--stat", "--stats": "--stat", "--only": "--table",
    "--tables": "--table", "--filter": "--where", "--precision": "--digits", "--decimals": "--digits",
    "--ci": "--stat mean,ci95", "--interval": "--stat mean,ci95", "--std": "--stat mean,std",
    "--sem": "--stat mean,sem", "--iqm": "--stat iqm,bootstrap", "--median": "--stat median,iqr",
    "--agg": "--stat", "--groupby": "--rows", "--group-by": "--rows", "--by": "--rows",
    "--seeds": "--replicates", "--n-seeds": "--replicates", "--sort": "--order", "--sort-by": "--order",
    "-o": "--save", "--output": "--save", "--out": "--save", "--latex": "--format latex",
    "--tex": "--format latex", "--markdown": "--format markdown", "--md": "--format markdown",
    "--csv": "--format csv", "--maximize": "--goal METRIC=max", "--minimize": "--goal METRIC=min",
    "--higher-is-better": "--goal METRIC=max", "--lower-is-better": "--goal METRIC=min",
    "--direction": "--goal", "--mode": "--goal", "--reduction": "--reduce", "--seed": "--replicate",
    "--store": "--db", "--database": "--db", "--db-path": "--db", "--spec": "--config",
}  # fmt: skip


# commands other tools have, which resultsbook does otherwise: click's likeness answers `plot` with
# `report`, and `figure`, `ls` or `latex` with nothing
COMMAND_SYNONYMS = {
    "plot": "figures", "plots": "figures", "figure": "figures", "figures": "figures", "curve": "figures",
    "curves": "figures", "ls": "runs", "list": "runs", "latex": "table --format latex",
    "export": "table --format latex", "compare": "diff", "ingest": "collect", "import": "collect",
    "scan": "collect", "verify": "check", "validate": "check",
}  # fmt: skip
FIGURES_HINT = (
    "figures are drawn by `resultsbook build` from a [figures.NAME] entry in resultsbook.toml, as "
    'docs/figures.md shows: kind = "curve", metric, hue, facet, outputs'
)


# what a command given a name it takes no argument for (`build main`, `status main`) does instead
EXTRA_ARGUMENT_HINTS = {
    "status": "status reports every table of the spec; `resultsbook explain NAME` shows one table's runs",
    "check": "check checks every output of the spec",
    "runs": "runs lists every run; --where KEY=VALUE selects some, `resultsbook show RUN` shows one",
}


# what a missing option is for, when its name alone does not say how to fill it
MISSING_HINTS = {
    "rows": "the params that vary between runs make the rows (`resultsbook runs` shows them); for a table of "
    "one configuration over its seeds, --rows metric puts its metrics in rows",
}


# what other tools call a choice's value: `--format md` means markdown
VALUE_SYNONYMS = {"md": "markdown", "tex": "latex", "txt": "terminal", "text": "terminal", "yml": "yaml"}


def usage_message(error: Any, command_named: str | None = None) -> str:
    """Return click's usage error as one line that ends with where to look; `command_named` is the
    command the line names, whose option given before it (`resultsbook --db x.db runs`) is placed."""
    message = " ".join(error.format_message().split())
    placed = _option_before_command(error, command_named)
    if placed is not None:
        return placed
    missing = getattr(getattr(error, "param", None), "name", None) if _is_missing(error) else None
    if missing in MISSING_HINTS:
        message = f"{message.rstrip('.')}: {MISSING_HINTS[missing]}"
    meant_value = _meant_choice(error, message)
    if meant_value is not None:
        message = f"{message.rstrip('.')}; did you mean {meant_value!r}?"
    meant = _synonym(error)
    elsewhere = _json_flag(error) or _table_flag(error) or _one_table_flag(error)
    if meant is not None:
        message = f"No such option '{error.option_name}'; did you mean '{meant}'?"
    elif elsewhere is not None:
        message = elsewhere
    else:
        message = _one_option_meant(message)
    command_meant = _command_synonym(message)
    if command_meant is not None:
        message = command_meant
    context = getattr(error, "ctx", None)
    named = _extra_table(error, message)
    extra = EXTRA_ARGUMENT_HINTS.get(getattr(context, "info_name", None) or "")
    if named is not None:
        message = f"{message.rstrip('.')}; did you mean --table {named}?"
    elif extra is not None and message.startswith("Got unexpected extra argument"):
        message = f"{message.rstrip('.')}: {extra}"
    message = message.replace(". Did you mean", "; did you mean").replace(" Did you mean", "; did you mean")
    message = message[:1].lower() + message[1:] if message[:2] != message[:2].upper() else message
    command = context.command_path if context is not None else "resultsbook"
    return f"{message.rstrip('.')} (see `{command} --help`)"


def _option_before_command(error: Any, command_named: str | None) -> str | None:
    """Return where an option of the command goes when it was given before the command's name
    (click answers `resultsbook --db x.db collect` with `no such option '--db'; did you mean
    '--debug'?`), or None."""
    import click

    context = getattr(error, "ctx", None)
    group = getattr(context, "command", None)
    flag = str(getattr(error, "option_name", ""))
    if not isinstance(error, click.NoSuchOption) or not isinstance(group, click.Group) or not command_named:
        return None
    command = group.commands.get(command_named)
    if command is None or not any(flag in getattr(param, "opts", ()) for param in command.params):
        return None
    return (
        f"{flag} is an option of `resultsbook {command_named}`, not of resultsbook: give it after the "
        f"command, `resultsbook {command_named} {flag} …` (see `resultsbook {command_named} --help`)"
    )


def _one_option_meant(message: str) -> str:
    """Answer click's `No such option '--digit'. (Did you mean one of: '--budget', '--digits', ...?)`
    with the one flag that starts as the typed one does (`--digits`), when one does."""
    import re

    found = re.match(r"No such option '([^']*)'\. \(Did you mean one of: (.*)\?\)$", message)
    if found is None:
        return message
    typed, flags = found.group(1), re.findall(r"'([^']*)'", found.group(2))
    word = typed.lstrip("-")
    shared = {
        flag: next((i for i, (a, b) in enumerate(zip(word, name)) if a != b), min(len(word), len(name)))
        for flag, name in ((flag, flag.lstrip("-")) for flag in flags)
    }
    longest = max(shared.values(), default=0)
    best = [flag for flag, length in shared.items() if length == longest]
    if longest >= 3 and len(best) == 1:
        return f"No such option '{typed}'; did you mean '{best[0]}'?"
    return f"No such option '{typed}'; did you mean one of {', '.join(repr(flag) for flag in flags)}?"


def _meant_choice(error: Any, message: str) -> str | None:
    """Return the choice a refused value of a choice option meant (`md`: markdown, `markdwon`: the
    nearest spelling), or None."""
    import re

    choices = getattr(getattr(getattr(error, "param", None), "type", None), "choices", None)
    given = re.search(r"'([^']*)' is not one of", message)
    if not choices or given is None:
        return None
    from resultsbook.errors import closest

    value = given.group(1)
    synonym = VALUE_SYNONYMS.get(value.lower())
    names = [str(choice) for choice in choices]
    return synonym if synonym in names else closest(value, names)


def _is_missing(error: Any) -> bool:
    """Tell whether a usage error is a required option left out."""
    import click

    return isinstance(error, click.MissingParameter)


def _synonym(error: Any) -> str | None:
    """Return the flag of the command that an unknown flag names in other tools' words, or None."""
    meant = OPTION_SYNONYMS.get(str(getattr(error, "option_name", "")))
    context = getattr(error, "ctx", None)
    if meant is None or context is None:
        return None
    flag, _, value = meant.partition(" ")
    param = _option(context, flag)
    if param is None:
        return None
    choices = getattr(param.type, "choices", None)
    return meant if not (value and choices) or value in choices else None  # `runs --latex`: no latex there


# the commands that work on the tables of the spec: a flag that shapes a table belongs to `table`
SPEC_TABLE_COMMANDS = ("status", "build", "check", "report", "watch")


def _json_flag(error: Any) -> str | None:
    """Say which commands print JSON when one that does not is given `--json` (`report --json` was sent
    to `table --json` and its --save, as a flag that shapes a table), or None."""
    import click

    context = getattr(error, "ctx", None)
    if not isinstance(error, click.NoSuchOption) or error.option_name != "--json" or context is None:
        return None
    root = context.find_root()
    if not isinstance(root.command, click.Group):
        return None
    commands = [root.command.get_command(root, name) for name in root.command.list_commands(root)]
    named = [
        str(command.name) for command in commands if command is not None and _option_of(command, "--json")
    ]
    return (
        f"No such option '--json': {context.info_name} prints no JSON; the commands that do are "
        f"{', '.join(named[:-1])} and {named[-1]}"
    )


def _option_of(command: Any, flag: str) -> bool:
    """Tell whether a click command has the option `flag`."""
    return any(flag in getattr(param, "opts", ()) for param in command.params)


def _table_flag(error: Any) -> str | None:
    """Say that a flag given to a command of the spec's tables (`status --rows model`) is one of
    `resultsbook table`, which shows a table of one's choosing (click's likeness offered `--verbose`),
    or None."""
    import click

    context = getattr(error, "ctx", None)
    flag = str(getattr(error, "option_name", "") or "")
    command = getattr(context, "info_name", None)
    if not isinstance(error, click.NoSuchOption) or context is None or command not in SPEC_TABLE_COMMANDS:
        return None
    root = context.find_root()
    table = root.command.get_command(root, "table") if isinstance(root.command, click.Group) else None
    if table is None or not any(flag in getattr(param, "opts", ()) for param in table.params):
        return None
    return (
        f"No such option '{flag}': {command} works on the tables of resultsbook.toml; "
        f"`resultsbook table {flag} …` shows a table of your choosing (its warnings name each cell's "
        "missing seeds), and its --save NAME adds it to resultsbook.toml"
    )


def _one_table_flag(error: Any) -> str | None:
    """Say what a command that works on every table of the spec does instead of `--table NAME`
    (`status --table table1`: click's likeness offered `--all`, `--stale-after`), or None."""
    context = getattr(error, "ctx", None)
    flag = str(getattr(error, "option_name", "") or "")
    instead = EXTRA_ARGUMENT_HINTS.get(getattr(context, "info_name", None) or "")
    if flag not in ("--table", "--tables", "--only") or instead is None or _option(context, flag) is not None:
        return None
    return f"No such option '{flag}': {instead}"


def _extra_table(error: Any, message: str) -> str | None:
    """Return the word given as an argument to a command that takes tables by --table (`build main`),
    or None."""
    import re

    given = re.fullmatch(r"Got unexpected extra argument \((\S+)\)\.?", message)
    context = getattr(error, "ctx", None)
    if given is None or context is None:
        return None
    return given.group(1) if _option(context, "--table") is not None else None


def _option(context: Any, flag: str) -> Any:
    """Return the option of the context's command that `flag` names, or None."""
    return next((param for param in context.command.params if flag in getattr(param, "opts", ())), None)


def _command_synonym(message: str) -> str | None:
    """Return the answer to an unknown command that other tools have (`plot`, `ls`), or None."""
    import re

    given = re.match(r"No such command '([^']*)'", message)
    meant = COMMAND_SYNONYMS.get(given.group(1).lower()) if given else None
    if given is None or meant is None:
        return None
    if meant == "figures":
        return f"No such command '{given.group(1)}': {FIGURES_HINT}"
    return f"No such command '{given.group(1)}'; did you mean '{meant}'?"


def _without_passwords(text: str, arguments: Sequence[str] = ()) -> str:
    """Return text with the passwords of the URLs in it (`postgresql://lab:pw@…`, `?password=pw`) as ***:
    a report to attach to an issue, of a command given a store's URL. The passwords of the URLs among
    the command's `arguments` go wherever they appear, and so do their pieces a URL parser cut at a '#',
    '/', '?' or '@' (`Port could not be cast to integer value as 'Stud pw'`), a short one where quoted."""
    import re

    from resultsbook.store.location import SECRET_KEYS, url_password, without_password

    for argument in arguments:
        url = re.search(r"[A-Za-z][\w+.-]*://.*", argument, flags=re.S)  # `--db=postgresql://…` too
        password = url_password(url.group(0)) if url else None
        if url and password:
            text = without_password(text, url.group(0))
            for piece in sorted(re.split(r"[#/?@]+", password), key=len, reverse=True):
                if len(piece) >= 3:
                    text = text.replace(piece, "***")
                elif piece:  # `ab` of `ab#cd`: only where it is quoted, not inside every word
                    text = text.replace(f"'{piece}'", "'***'").replace(f'"{piece}"', '"***"')
    text = re.sub(r"(\b[A-Za-z][\w+.-]*://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)
    return re.sub(rf"([?&](?:{SECRET_KEYS})=)[^&#\s'\"]*", r"\1***", text, flags=re.I)


def save_traceback(error: BaseException) -> str | None:
    """Write the traceback, the command line and the versions to a file; return its path."""
    import platform  # here, as tempfile below: only an internal error needs them
    import traceback

    from resultsbook import __version__

    stamp = time.strftime("%Y%m%d-%H%M%S")
    text = "".join(
        [
            f"resultsbook {__version__}, Python {platform.python_version()}, {platform.platform()}\n",
            f"command: {' '.join(sys.argv)}\n",
            f"folder: {os.getcwd()}\n\n",
            *traceback.format_exception(type(error), error, error.__traceback__),
        ]
    )
    import tempfile  # here: only an internal error needs it (~3 ms to import, with shutil)

    text = _without_passwords(text, [*sys.argv, os.environ.get("RESULTSBOOK_DB", "")])
    try:
        descriptor, path = tempfile.mkstemp(prefix=f"resultsbook-error-{stamp}-", suffix=".txt")
        with os.fdopen(descriptor, "w", encoding="utf-8", errors="replace") as handle:
            handle.write(text)
    except OSError:
        return None
    return path


def envelope(
    command: str, ok: bool, payload: Mapping[str, Any], failure: Failure | None = None
) -> dict[str, Any]:
    """Return the versioned JSON document every `--json` prints, success or failure alike."""
    version = ENVELOPE_VERSION
    if command == "table":  # its envelope is the table document, of that document's version
        from resultsbook.render.data import JSON_FORMAT_VERSION as version
    document: dict[str, Any] = {"format": f"resultsbook.{command}", "version": version, "ok": ok}
    document.update(payload)
    document["error"] = failure.document() if failure is not None else None
    return document


def json_text(document: Mapping[str, Any]) -> str:
    """Return a JSON document as printed: indented, UTF-8, NaN and infinities as null."""
    return json.dumps(_finite(document), indent=2, ensure_ascii=False, default=str, allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, Mapping):
        return {str(key): _finite(inner) for key, inner in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(inner) for inner in value]
    return value
