"""An option that takes one value, given twice: click keeps the last silently, so `--rows model --rows
dataset` dropped the model rows and `--stat median --stat iqr` the median. It is refused instead."""

from __future__ import annotations

from collections.abc import Sequence

import click


def refuse_repeated_options(command: click.Command, args: Sequence[str], ctx: click.Context) -> None:
    """Raise a usage error naming an option of one value that the command line gives twice."""
    options = [option for option in command.params if isinstance(option, click.Option)]
    valued = {
        name: option for option in options if not (option.is_flag or option.count) for name in option.opts
    }
    given: dict[str, list[tuple[str, str]]] = {}  # option's name: (as written, value) each time
    index = 0
    while index < len(args):
        word = args[index]
        if word == "--":
            break
        name, equals, value = word.partition("=")
        option = valued.get(name) if word.startswith("-") else None
        if option is not None and not equals:  # its value is the next word, whatever it looks like
            value = args[index + 1] if index + 1 < len(args) else ""
            index += 1
        if option is not None and not option.multiple and option.nargs == 1:
            given.setdefault(option.name or name, []).append((name, value))
        index += 1
    for uses in given.values():
        if len(uses) > 1:
            name, values = uses[-1][0], [value for _, value in uses]
            help_text = valued[name].help or ""
            listed = "comma-separated" in help_text or "(s)" in help_text
            joined = f" (several go in one value: {name} {','.join(values)})" if listed else ""
            raise click.UsageError(
                f"{name} is given {len(uses)} times ({', then '.join(values)}) and takes one value: only the "
                f"last would count; give it once{joined}",
                ctx,
            )
