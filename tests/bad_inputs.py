"""The bad-input matrix: every command given bad flags, unknown keys and names, empty selections, bad
values, a missing, damaged or foreign store and broken specs — with the exit code each must give.

Setups (built by `make_setup`): `project` (runs collected and built, specs below beside it), `bare` (an
empty folder: no spec, no store). Spec files in the project: see SPECS.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import write_native_run

from resultsbook.cli import cli

GOOD = """
[[sources]]
path = "runs"

[tables.table1]
metric = "test/acc"
rows = ["model"]
columns = ["dataset"]
outputs = ["paper/table1.tex"]
command = "python train.py --model {model} --seed {seed}"

[macros]
output = "paper/numbers.tex"

[macros.values]
gain = { difference = ["table1/mlp/moons", "table1/logreg/moons"] }
"""
TABLE = '[[sources]]\npath = "runs"\n[tables.t]\noutputs = ["paper/t.tex"]\n'
SPECS = {
    "bad_toml.toml": "[tables.t\nmetric = 1\n",
    "unknown_key.toml": TABLE + 'metric = "test/acc"\nrows = ["model"]\nmetrc = "x"\n',
    "empty_where.toml": TABLE + 'metric = "test/acc"\nrows = ["model"]\nwhere = { model = "zzz" }\n',
    "where_typo.toml": TABLE + 'metric = "test/acc"\nrows = ["model"]\nwhere = { modle = "mlp" }\n',
    "rows_typo.toml": TABLE + 'metric = "test/acc"\nrows = ["modle"]\n',
    "metric_typo.toml": TABLE + 'metric = "tst/acc"\nrows = ["model"]\n',
    "digits_negative.toml": TABLE + 'metric = "test/acc"\nrows = ["model"]\ndigits = -3\n',
    "digits_text.toml": TABLE + 'metric = "test/acc"\nrows = ["model"]\ndigits = "two"\n',
    "scale_text.toml": TABLE + 'metric = "test/acc"\nrows = ["model"]\nscale = "big"\n',
    "skip_negative.toml": TABLE + 'metric = "test/acc"\nrows = ["model"]\nskip_first = -1\n',
    "ddof_negative.toml": TABLE + 'metric = "test/acc"\nrows = ["model"]\nddof = -1\n',
    "stat_typo.toml": TABLE + 'metric = "test/acc"\nrows = ["model"]\nstats = ["meen"]\n',
    "reduce_bad.toml": TABLE + 'metric = "test/acc"\nrows = ["model"]\nreduce = "last(-2)"\n',
    "label_injection.toml": TABLE + 'metric = "test/acc"\nrows = ["model"]\nlabel = "x}\\\\input{y"\n',
    "newline_name.toml": '[tables."a\\nb"]\nmetric = "test/acc"\nrows = ["model"]\noutputs = ["t.tex"]\n',
    "db_url.toml": 'db = "gs://bucket/x.db"\n' + TABLE + 'metric = "test/acc"\nrows = ["model"]\n',
    "alpha_text.toml": TABLE + 'metric = "test/acc"\nrows = ["model"]\nalpha = "low"\n',
    "order_scalar.toml": TABLE + 'metric = "test/acc"\nrows = ["model"]\norder = { model = 3 }\n',
    "command_key.toml": GOOD.replace("{model}", "{modle}"),
    "same_output.toml": GOOD.replace("paper/numbers.tex", "paper/table1.tex"),
}
TABLE_ARGS = ["table", "--rows", "model", "--metric", "test/acc"]

# (setup, arguments, exit code); the arguments run in the setup's folder
CASES: list[tuple[str, list[str], int]] = [
    # the group
    ("project", ["bogus"], 2),
    ("project", ["--color", "purple", "runs"], 2),
    ("project", ["runs", "--color", "purple"], 2),
    # collect
    ("bare", ["collect"], 2),
    ("bare", ["collect", "nope"], 2),
    ("bare", ["collect", "empty"], 1),
    ("bare", ["collect", "empty", "--json"], 1),
    ("bare", ["collect", "empty", "--adapter", "csv", "--pattern", "{a}/{b}.csv"], 1),
    ("project", ["collect", "runs", "--adapter", "nope"], 2),
    ("project", ["collect", "runs", "--adapter", "nope", "--json"], 2),
    ("project", ["collect", "runs", "--pattern", "{a"], 2),
    ("project", ["collect", "runs", "--pattern", "{a}/{b}/x.csv"], 1),
    ("project", ["collect", "runs", "-o", "bad"], 2),
    ("project", ["collect", "runs", "--param", "=x"], 2),
    ("project", ["collect", "runs", "--db", "gs://bucket/x.db"], 2),
    ("project", ["collect", "runs", "--db", "runs"], 2),
    ("project", ["collect", "runs", "--db", "notdb.db"], 74),
    ("project", ["collect", "runs", "--db", "damaged.db"], 74),
    ("project", ["collect", "runs", "--bogus"], 2),
    # problems, adapters
    ("project", ["problems", "--db", "missing.db"], 1),
    ("project", ["problems", "--db", "notdb.db"], 74),
    ("project", ["problems", "--db", "damaged.db", "--json"], 74),
    ("project", ["problems", "--bogus"], 2),
    ("project", ["adapters", "--bogus"], 2),
    # runs
    ("project", ["runs", "--where", "modle=a"], 2),
    ("project", ["runs", "--where", "modle!=a"], 2),
    ("project", ["runs", "--where", "model=zzz"], 1),
    ("project", ["runs", "--where", "model=zzz", "--json"], 1),
    ("project", ["runs", "--where", "model"], 2),
    ("project", ["runs", "--where", "model~["], 2),
    ("project", ["runs", "--where", "=="], 2),
    ("project", ["runs", "--format", "xml"], 2),
    ("project", ["runs", "--metric", "tst/acc"], 2),
    ("project", ["runs", "--columns", "modle"], 2),
    ("project", ["runs", "--db", "missing.db"], 1),
    ("project", ["runs", "--db", "damaged.db"], 74),
    ("bare", ["runs"], 1),
    # show, diff
    ("project", ["show"], 2),
    ("project", ["show", "nope"], 2),
    ("project", ["show", ""], 2),
    ("project", ["show", "mlp_moons_sed0", "--json"], 2),
    ("project", ["show", "mlp_moons_0", "--db", "missing.db"], 1),
    ("project", ["diff", "mlp_moons_0"], 2),
    ("project", ["diff", "mlp_moons_0", "nope"], 2),
    ("project", ["diff", "mlp_moons_0", "nope", "--json"], 2),
    # table
    ("project", ["table", "--metric", "test/acc"], 2),
    ("project", ["table", "--rows", "model"], 2),
    ("project", ["table", "--rows", "modle", "--metric", "test/acc"], 2),
    ("project", ["table", "--rows", "model", "--columns", "datset", "--metric", "test/acc"], 2),
    ("project", ["table", "--rows", "", "--metric", "test/acc"], 2),
    ("project", [*TABLE_ARGS, "--where", "modle=a"], 2),
    ("project", [*TABLE_ARGS, "--where", "model=zzz"], 1),
    ("project", [*TABLE_ARGS, "--where", "model=mpl"], 1),
    ("project", [*TABLE_ARGS, "--where", "model=mlp", "--where", "dataset=zzz"], 1),
    ("project", [*TABLE_ARGS, "--where", "seed>=100"], 1),
    ("project", [*TABLE_ARGS, "--where", "model~("], 2),
    ("project", [*TABLE_ARGS, "--json", "--where", "model=zzz"], 1),
    ("project", ["table", "--rows", "model", "--metric", "tst/acc"], 2),
    ("project", [*TABLE_ARGS, "--stat", "meen"], 2),
    ("project", [*TABLE_ARGS, "--stat", "mean,,meen"], 2),
    ("project", [*TABLE_ARGS, "--reduce", "bogus"], 2),
    ("project", [*TABLE_ARGS, "--reduce", "last(-2)"], 2),
    ("project", [*TABLE_ARGS, "--reduce", "last(x)"], 2),
    ("project", [*TABLE_ARGS, "--reduce", "at(x)"], 2),
    ("project", [*TABLE_ARGS, "--reduce", "best(val/acc,up)"], 2),
    ("project", [*TABLE_ARGS, "--reduce", "best(nope)"], 2),
    ("project", [*TABLE_ARGS, "--digits", "-3"], 2),
    ("project", [*TABLE_ARGS, "--digits", "abc"], 2),
    ("project", [*TABLE_ARGS, "--digits", "99"], 2),
    ("project", [*TABLE_ARGS, "--ddof", "-1"], 2),
    ("project", [*TABLE_ARGS, "--skip-first", "-1"], 2),
    ("project", [*TABLE_ARGS, "--replicates", "0"], 2),
    ("project", [*TABLE_ARGS, "--scale", "0"], 2),
    ("project", [*TABLE_ARGS, "--scale", "nan"], 2),
    ("project", [*TABLE_ARGS, "--scale", "inf"], 2),
    ("project", [*TABLE_ARGS, "--budget", "nan"], 2),
    ("project", [*TABLE_ARGS, "--derived", "x"], 2),
    ("project", [*TABLE_ARGS, "--derived", "x=1+"], 2),
    ("project", [*TABLE_ARGS, "--derived", "x=`nope`", "--metric", "x"], 2),
    ("project", [*TABLE_ARGS, "--label", "x"], 2),
    ("project", [*TABLE_ARGS, "--format", "xml"], 2),
    ("project", [*TABLE_ARGS, "--style", "nope"], 2),
    ("project", [*TABLE_ARGS, "--highlight", "nope"], 2),
    ("project", [*TABLE_ARGS, "--replicate", "sed"], 2),
    ("project", [*TABLE_ARGS, "--db", "missing.db"], 1),
    ("project", [*TABLE_ARGS, "--db", "damaged.db"], 74),
    ("project", [*TABLE_ARGS, "--db", "notdb.db"], 74),
    ("project", [*TABLE_ARGS, "--json", "--rowz", "x"], 2),
    ("bare", TABLE_ARGS, 1),
    # build
    ("project", ["build", "--table", "tabel1"], 2),
    ("project", ["build", "--table", "tabel1", "--json"], 2),
    ("project", ["build", "--db", "gs://bucket/x.db"], 2),
    ("project", ["build", "--db", "notdb.db"], 74),
    ("project", ["build", "--db", "damaged.db"], 74),
    ("project", ["build", "--config", "missing.toml"], 2),
    ("bare", ["build"], 1),
    ("bare", ["build", "--json"], 1),
    *[("project", ["build", "--config", name], 1 if name == "empty_where.toml" else 2) for name in SPECS],
    # check
    ("project", ["check", "--db", "missing.db"], 1),
    ("project", ["check", "--db", "missing.db", "--json"], 1),
    ("project", ["check", "--config", "empty_where.toml"], 1),
    ("project", ["check", "--config", "rows_typo.toml", "--json"], 2),
    ("project", ["check", "--config", "bad_toml.toml"], 2),
    ("project", ["check", "--db", "damaged.db"], 74),
    ("bare", ["check"], 1),
    # status
    ("project", ["status", "--stale-after", "xx"], 2),
    ("project", ["status", "--stale-after", "-5"], 2),
    ("project", ["status", "--stale-after", "nan"], 2),
    ("project", ["status", "--config", "command_key.toml", "--commands"], 2),
    ("project", ["status", "--config", "rows_typo.toml"], 2),
    ("project", ["status", "--config", "metric_typo.toml", "--json"], 2),
    ("project", ["status", "--db", "missing.db"], 1),
    ("bare", ["status"], 1),
    # explain
    ("project", ["explain"], 2),
    ("project", ["explain", "tabel1"], 2),
    ("project", ["explain", "tabel1", "--json"], 2),
    ("project", ["explain", "table1", "zzz"], 2),
    ("project", ["explain", "table1", "model=mlp,xx"], 2),
    ("project", ["explain", "table1/zzz/zzz"], 2),
    ("project", ["explain", "gian"], 2),
    ("project", ["explain", "paper/numbers.tex", "gian"], 2),
    ("project", ["explain", "t", "--config", "empty_where.toml"], 1),
    ("project", ["explain", "table1", "--db", "missing.db"], 1),
    # watch (only what fails before watching starts)
    ("project", ["watch", "--debounce", "-5"], 2),
    ("project", ["watch", "--debounce", "abc"], 2),
    ("project", ["watch", "--config", "bad_toml.toml"], 2),
    ("bare", ["watch"], 1),
    # report, preview
    ("project", ["report", "--config", "empty_where.toml"], 1),
    ("project", ["report", "-o", "runs"], 2),
    ("project", ["report", "--config", "rows_typo.toml"], 2),
    ("project", ["report", "-o", "readonly.html"], 74),
    ("project", ["preview", "--bogus"], 2),
    ("project", ["preview", "--config", "bad_toml.toml"], 2),
    ("bare", ["report"], 1),
    # recover
    ("project", ["recover"], 2),
    ("project", ["recover", "missing.db"], 1),
    ("project", ["recover", "damaged.db", "notdb.db"], 2),
    ("project", ["recover", "notdb.db", "--json"], 74),
]


def make_setup(root: Path, kind: str) -> Path:
    """Create a setup folder under root and return it."""
    folder = root / kind
    folder.mkdir()
    (folder / "empty").mkdir()
    if kind == "bare":
        return folder
    for model, base in (("logreg", 0.8), ("mlp", 0.9)):
        for dataset in ("moons", "circles"):
            for seed in range(3):
                metrics = [
                    {"step": step, "test/acc": base - 0.1 / step + seed / 100, "val/acc": base}
                    for step in (1, 2, 3)
                ]
                config = {"model": model, "dataset": dataset, "seed": seed}
                write_native_run(folder / "runs" / f"{model}_{dataset}_{seed}", config, metrics)
    (folder / "resultsbook.toml").write_text(GOOD)
    for name, text in SPECS.items():
        (folder / name).write_text(text)
    (folder / "notdb.db").write_text("model,acc\nmlp,0.9\n")
    (folder / "readonly.html").write_text("kept\n")
    (folder / "readonly.html").chmod(0o444)
    return folder


def damage_copy(store: Path, target: Path, page: int = 2) -> None:
    """Copy a store and overwrite one of its pages (numbered from 1) with garbage: a damaged SQLite
    file. The first page (the list of tables) is kept: SQLite opens the file, then meets the damage."""
    shutil.copy(store, target)
    with open(target, "r+b") as handle:
        handle.seek((page - 1) * 4096)
        handle.write(b"\xa5" * 4096)


def run_case(runner, folder: Path, arguments: list[str]):
    """Run one command line in its setup folder (in-process), catching exceptions as click does."""
    import os

    here = os.getcwd()
    os.chdir(folder)
    try:
        return runner.invoke(cli, arguments, catch_exceptions=True)
    finally:
        os.chdir(here)


def wants_json(arguments: list[str]) -> bool:
    return "--json" in arguments


def envelope_of(stdout: str) -> dict:
    return json.loads(stdout)
