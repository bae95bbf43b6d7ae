"""`table`: an ad-hoc aggregate from flags alone, printed for the terminal, LaTeX, Markdown, CSV or JSON."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from resultsbook.cli.common import db_option, find_spec_or_none, handle_errors, open_store, split_list

if TYPE_CHECKING:
    from resultsbook.render import Labels


@click.command("table")
@db_option
@click.option("--rows", required=True, help="Param(s) that make the rows, comma-separated.")
@click.option("--columns", help="Param(s) that make the columns, comma-separated.")
@click.option("--metric", "metrics", required=True, multiple=True, help="Metric key (repeat for several).")
@click.option(
    "--reduce",
    default="last",
    show_default=True,
    help="Per-run reduction: last, min, max, mean, last(k), at(step), best(KEY[,max|min]), best-mean.",
)
@click.option("--skip-first", type=int, default=0, show_default=True, help="Drop each run's first N points.")
@click.option("--budget", type=float, help="best-mean: consider only steps up to this one.")
@click.option(
    "--stat",
    "stats",
    default="mean,std",
    show_default=True,
    help="Statistics: n, mean, std, sem, ci95, bootstrap, median, iqr, iqm, min, max, minmax.",
)
@click.option(
    "--ddof", type=int, default=1, show_default=True, help="Delta degrees of freedom of std and sem."
)
@click.option("--replicate", default="seed", show_default=True, help="Key(s) that tell replicates apart.")
@click.option(
    "--pool", help="Param(s) whose values a cell pools on purpose, e.g. a dataset's splits (counted apart)."
)
@click.option("--where", multiple=True, metavar="FILTER", help="KEY=V[,V...], KEY!=V, KEY>=N, KEY~REGEX.")
@click.option(
    "--replicates", "expected", type=int, help="Replicates each cell should have [default: the most seen]."
)
@click.option(
    "--run-specific", help="Extra params that legitimately differ between replicates (timestamps...)."
)
@click.option("--scale", type=float, default=1.0, show_default=True, help="Multiply values (e.g. 100 for %).")
@click.option(
    "--derived", multiple=True, metavar="NAME=EXPR", help="A derived metric, e.g. 'err=1-`val/acc`'."
)
@click.option("--digits", type=int, help="Decimals [default: from the spread; CSV/JSON unrounded].")
@click.option(
    "--format",
    "output_format",
    default="terminal",
    show_default=True,
    type=click.Choice(["terminal", "latex", "markdown", "csv", "json"]),
)
@click.option(
    "--style", type=click.Choice(["pm", "sub", "siunitx", "siunitx-S"]), default="pm", show_default=True
)
@click.option(
    "--highlight", type=click.Choice(["column", "row", "none"]), default="column", show_default=True
)
@click.option(
    "--direction", type=click.Choice(["max", "min"]), help="Which is best [default: min for loss/error]."
)
@click.option("--label", "labels", multiple=True, metavar="KEY=TEXT|KEY:VALUE=TEXT", help="Display names.")
@handle_errors
def table_command(
    db_path: str | None,
    rows: str,
    columns: str | None,
    metrics: tuple[str, ...],
    reduce: str,
    skip_first: int,
    budget: float | None,
    stats: str,
    ddof: int,
    replicate: str,
    pool: str | None,
    where: tuple[str, ...],
    expected: int | None,
    run_specific: str | None,
    scale: float,
    derived: tuple[str, ...],
    digits: int | None,
    output_format: str,
    style: str,
    highlight: str,
    direction: str | None,
    labels: tuple[str, ...],
) -> None:
    """Aggregate runs over seeds into a table, from flags alone (a spec's labels are used if one is found)."""
    from resultsbook.errors import SpecError
    from resultsbook.query import MetricSpec, TableQuery, aggregate
    from resultsbook.query.model import DEFAULT_RUN_SPECIFIC
    from resultsbook.query.select import parse_filter
    from resultsbook.query.stats import CENTERS, SPREADS
    from resultsbook.render import Labels, TableFormat, render_table

    spec = find_spec_or_none(None) if db_path is None else None
    stat_names = split_list(stats)
    center = next((s for s in stat_names if s in CENTERS), "mean")
    spread = next((s for s in stat_names if s in SPREADS), None)
    formulas = dict(spec.derived) if spec else {}
    for item in derived:
        name, sep, expression = item.partition("=")
        if not sep:
            raise SpecError(f"--derived {item!r} must look like NAME=EXPRESSION")
        formulas[name.strip()] = expression.strip()
    query = TableQuery(
        metrics=tuple(MetricSpec(m, reduce, skip_first, budget, direction, scale) for m in metrics),
        rows=split_list(rows),
        columns=split_list(columns),
        filters=tuple(parse_filter(w) for w in where),
        replicate=split_list(replicate),
        pool=split_list(pool),
        run_specific=DEFAULT_RUN_SPECIFIC + split_list(run_specific),
        stats=tuple(dict.fromkeys([center, *stat_names])),
        ddof=ddof,
        expected=expected,
        derived=formulas,
    )
    fmt = TableFormat(center=center, spread=spread, digits=digits, style=style, highlight=highlight)
    with open_store(db_path, spec=spec) as store:
        table = aggregate(store, query)
    base = spec.labels if spec else Labels()
    text = render_table(table, output_format, fmt, _labels(labels, base), color=sys.stdout.isatty())
    click.echo(text, nl=False)
    for note in table.notes:
        click.echo(f"Warning: {note}", err=True)


def _labels(items: tuple[str, ...], base: Labels) -> Labels:
    """Add --label KEY=TEXT (a key's name) and KEY:VALUE=TEXT (a value's name) to the spec's labels."""
    from resultsbook.errors import SpecError
    from resultsbook.render import Labels

    keys = dict(base.keys)
    values = {key: dict(mapping) for key, mapping in base.values.items()}
    for item in items:
        target, sep, text = item.partition("=")
        if not sep:
            raise SpecError(f"--label {item!r} must look like KEY=TEXT or KEY:VALUE=TEXT")
        key, colon, value = target.partition(":")
        if colon:
            values.setdefault(key, {})[value] = text
        else:
            keys[key] = text
    return Labels(keys=keys, values=values)
