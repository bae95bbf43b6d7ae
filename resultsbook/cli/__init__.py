"""The command line: each command parses its flags, calls one library function, prints, exits.

Exit codes (cli/outcome.py): 0 success, 1 not current or not found, 2 usage, 70 internal error
(traceback saved to a file), 74 a file in the way (damaged store, full disk, read-only output),
130 interrupted.
"""

from __future__ import annotations

import click

from resultsbook import __version__
from resultsbook.cli.group import COLOR_CHOICES, LazyCommands, ResultsbookGroup

# every command, and where it is: a command's module is imported only when that command runs (or
# when --help or completion lists them all)
COMMANDS = {
    "collect": "resultsbook.cli.collect_cmd:collect_command",
    "forget": "resultsbook.cli.collect_cmd:forget_command",
    "problems": "resultsbook.cli.collect_cmd:problems_command",
    "adapters": "resultsbook.cli.collect_cmd:adapters_command",
    "runs": "resultsbook.cli.runs_cmd:runs_command",
    "show": "resultsbook.cli.runs_cmd:show_command",
    "diff": "resultsbook.cli.runs_cmd:diff_command",
    "table": "resultsbook.cli.table_cmd:table_command",
    "build": "resultsbook.cli.build_cmd:build_command",
    "check": "resultsbook.cli.check_cmd:check_command",
    "status": "resultsbook.cli.status_cmd:status_command",
    "explain": "resultsbook.cli.status_cmd:explain_command",
    "watch": "resultsbook.cli.watch_cmd:watch_command",
    "recover": "resultsbook.cli.recover_cmd:recover_command",
    "report": "resultsbook.cli.paper_cmds:report_command",  # figures and numbers: issue 6
    "preview": "resultsbook.cli.paper_cmds:preview_command",
}


@click.group(
    cls=ResultsbookGroup,
    commands=LazyCommands(COMMANDS),
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="resultsbook")
@click.option(
    "--color",
    type=click.Choice(COLOR_CHOICES),
    default="auto",
    show_default=True,
    help="Colour in the output; auto: on a terminal, unless NO_COLOR is set.",
)
@click.option("--debug", is_flag=True, help="On an internal error, print the traceback instead of saving it.")
@click.pass_context
def cli(context: click.Context, color: str, debug: bool) -> None:
    """Turn ML run logs into the tables and numbers of a paper, and keep them true.

    \b
    Typical use, in the folder that holds resultsbook.toml:
      resultsbook collect runs/      gather run folders into resultsbook.db
      resultsbook table --rows model --columns dataset --metric test/acc
      resultsbook build              write every table, figure and number the spec names
      resultsbook report             one HTML page of every result and the runs behind it
      resultsbook preview            one PDF of every output, as the paper will show it

    \b
    Exit codes: 0 ok, 1 not current or not found, 2 usage error, 70 internal error,
    74 damaged store / full disk / read-only output, 130 interrupted.
    --color and --debug may also be given after the command.
    """
    context.meta["resultsbook.color"] = color


def main() -> None:
    """Run the command line (named resultsbook however it was started: completion keys on the name)."""
    from resultsbook.commandenv import use_command_settings

    use_command_settings()  # before numpy loads: no huge pages, one OpenBLAS thread
    cli(prog_name="resultsbook")
