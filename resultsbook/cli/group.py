"""The command group: global options, and the one place every failure becomes one line and an exit code."""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import sys
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from typing import Any, NoReturn

import click

from resultsbook.cli.outcome import (
    EXIT_BROKEN_PIPE,
    Failure,
    envelope,
    failure_of,
    json_text,
    terminated_as_interrupted,
)
from resultsbook.voice import given_store, to_command_line

GLOBAL_FLAGS = ("--debug",)
GLOBAL_VALUED = ("--color",)
COLOR_CHOICES = ("auto", "always", "never")


class LazyCommands(MutableMapping[str, click.Command]):
    """The group's commands by name, each imported from its "module:attribute" only when first
    looked up: a command loads its own module alone, while --help, completion and "did you mean"
    (which look every one up, or read only the names) still see them all."""

    def __init__(self, places: Mapping[str, str]) -> None:
        self._places = dict(places)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module, _, attribute = self._places[name].partition(":")
            self._loaded[name] = getattr(importlib.import_module(module), attribute)
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._places[name] = ""
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._places[name]
        self._loaded.pop(name, None)

    def __contains__(self, name: object) -> bool:  # a name, not an import (Mapping's would look it up)
        return name in self._places

    def __iter__(self) -> Iterator[str]:
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._places)


class ResultsbookGroup(click.Group):
    """A click group whose commands never end in a traceback: every error is one line on stderr (and,
    with --json, an envelope on stdout holding it) and an exit code that says whose move it is."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Find the command, refusing an option of one value given twice (click keeps the last)."""
        from resultsbook.cli.repeats import refuse_repeated_options

        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and not ctx.resilient_parsing:  # shell completion reads half-typed lines
            refuse_repeated_options(command, rest, click.Context(command, info_name=name, parent=ctx))
        return name, command, rest

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; its reader gone ends it with 141 (click's own EPIPE handling exits 1)."""
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            reader_gone()

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run a command; map whatever it raises to one line and an exit code."""
        # the library's messages name flags, not keyword arguments, and a store only the command names
        with to_command_line(), given_store(None):
            return self._main(args, prog_name, complete_var, standalone_mode, **extra)

    def _main(
        self,
        args: Sequence[str] | None,
        prog_name: str | None,
        complete_var: str | None,
        standalone_mode: bool,
        **extra: Any,
    ) -> Any:
        """Run a command (standalone: every failure one line and an exit code)."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        # what the imports made lives until the command exits: the cycle collector need not go
        # through it again, during the command nor at its exit (a short command ends ~6 ms sooner)
        gc.freeze()
        arguments = hoist_global_options(list(sys.argv[1:] if args is None else args))
        debug = "--debug" in arguments or os.environ.get("RESULTSBOOK_DEBUG", "") not in ("", "0")
        command = command_name(arguments, self.commands)
        try:
            with terminated_as_interrupted():
                code = super().main(arguments, prog_name, complete_var, False, **extra)
                if sys.stdout is not None:  # None when started with stdout closed (`>&-`)
                    sys.stdout.flush()  # what is left in the buffer meets a gone reader here, not at exit
        except SystemExit:
            raise
        except BrokenPipeError:
            reader_gone()
        except click.exceptions.NoArgsIsHelpError as error:  # `resultsbook` alone: show the help
            click.echo(error.format_message())
            sys.exit(0)
        except (Exception, KeyboardInterrupt, click.Abort) as error:
            failure = failure_of(error, debug, command)
            if debug and failure.kind == "internal":
                import traceback  # here: only --debug on a bug prints one

                traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
            report_failure(failure, command, wants_json(arguments))
            sys.exit(failure.code)
        sys.exit(code if isinstance(code, int) else 0)


def report_failure(failure: Failure, command: str | None, as_json: bool) -> None:
    """Print the failure: its envelope on stdout for --json, and always its one line on stderr."""
    if as_json and command:
        try:
            click.echo(json_text(envelope(command, False, {}, failure)))
        except BrokenPipeError:
            _silence_stdout()
    click.echo(failure.line(), err=True)


def hoist_global_options(args: list[str]) -> list[str]:
    """Move --debug and --color WHEN to the front, so they work after the command name too."""
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest += args[index:]
            break
        if arg in GLOBAL_FLAGS or arg.startswith("--color="):
            front.append(arg)
        elif arg in GLOBAL_VALUED and index + 1 < len(args):
            front += [arg, args[index + 1]]
            index += 1
        else:
            rest.append(arg)
        index += 1
    return front + rest


def command_name(args: Sequence[str], commands: Any) -> str | None:
    """Return the command a command line runs (the first word that names one)."""
    return next((arg for arg in args if arg in commands), None)


def wants_json(args: Sequence[str]) -> bool:
    """Tell whether the command line asks for JSON (`--json`, or `--format json`)."""
    words = list(args[: args.index("--")] if "--" in args else args)
    pairs = zip(words, [*words[1:], ""])
    return (
        "--json" in words
        or "--format=json" in words
        or any(a == "--format" and b == "json" for a, b in pairs)
    )


def reader_gone() -> NoReturn:
    """End with 141 and nothing on stderr: the reader of the output went away (`runs | head`)."""
    _silence_stdout()
    sys.exit(EXIT_BROKEN_PIPE)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError, AttributeError):  # AttributeError: no stdout at all
        os.dup2(devnull, sys.stdout.fileno())
