"""What the read paths import: `--help` and a plain `table` stay off pandas, scipy.stats and matplotlib
(each costs a command 0.3-1 s; benchmarks/README.md has the figures) and tabulate (30 ms with its
importlib.metadata), and `table` stays off the build."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import curve

from resultsbook.cli import COMMANDS, cli

HEAVY = (
    "jinja2", "matplotlib", "numpy", "pandas", "rich", "scipy", "scipy.special", "scipy.stats",
    "sqlite_utils", "tabulate", "yaml", "resultsbook.outputs.build",
)  # fmt: skip
# run the command line as its entry point does, then list the modules of interest it had imported
PROBE = (
    "import atexit, sys\n"
    "atexit.register(lambda: print(sorted(m for m in sys.modules if {test}), file=sys.stderr))\n"
    "sys.argv = ['resultsbook', *sys.argv[1:]]\n"
    "from resultsbook.cli import main\n"
    "main()\n"
)


def heavy_modules(*args: str, cwd: str | None = None, test: str = f"m in {HEAVY!r}") -> list[str]:
    """Run `resultsbook ARGS` in a fresh process; return the heavy modules (or those `test`, a Python
    condition on the module name `m`, picks) it imported."""
    probe = PROBE.replace("{test}", test)
    result = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, cwd=cwd, check=True
    )
    return eval(result.stderr.strip().splitlines()[-1])


def loaded_modules(*args: str, cwd: str | None = None) -> list[str]:
    """Run `resultsbook ARGS` in a fresh process; return every module of resultsbook it imported."""
    return heavy_modules(*args, cwd=cwd, test="m.startswith('resultsbook')")


def test_help_imports_nothing_heavy(tmp_path):
    assert heavy_modules("--help", cwd=str(tmp_path)) == []
    assert heavy_modules("table", "--help", cwd=str(tmp_path)) == []


def test_a_plain_table_imports_neither_pandas_nor_scipy_stats_nor_matplotlib(make_run, cli, tmp_path):
    for model in ("a", "b"):
        for seed in range(3):
            value = (0.5 if model == "a" else 0.6) + seed / 10
            make_run(f"{model}{seed}", {"model": model, "seed": seed}, curve([value], "acc"))
    cli("collect", "runs")
    table = ["table", "--rows", "model", "--metric", "acc"]
    # Welch's t-test of the best against the runner-up is computed without scipy (query/student_t.py);
    # the terminal's table needs no template (jinja2)
    assert heavy_modules(*table, cwd=str(tmp_path)) == ["numpy"]
    assert heavy_modules(*table, "--highlight", "none", cwd=str(tmp_path)) == ["numpy"]
    # nor the t-interval's quantile
    assert heavy_modules(*table, "--stat", "mean,ci95", cwd=str(tmp_path)) == ["numpy"]
    # with --db no spec is looked for, so nothing of one is imported (its TOML, its settings)
    loaded = loaded_modules(*table, "--db", "resultsbook.db", cwd=str(tmp_path))
    assert not [m for m in loaded if m.startswith("resultsbook.spec")]
    # nor with a spec beside the store, as long as it draws no figure (they cost matplotlib's modules)
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n\n[tables.t1]\nmetric = "acc"\nrows = ["model"]\noutputs = []\n'
    )
    assert heavy_modules(*table, cwd=str(tmp_path)) == ["numpy"]
    loaded = loaded_modules(*table, cwd=str(tmp_path))
    assert "resultsbook.spec.figures" not in loaded
    # reading the spec's [[sources]] loads no adapter nor the search (20 ms of every table, build, check)
    assert not {"resultsbook.adapters", "resultsbook.sources.find", "resultsbook.sources.collect"} & set(loaded)


def test_a_table_of_five_seeds_a_cell_stays_off_numpy_ma(make_run, cli, tmp_path):
    """The far-seed check takes each cell's median: np.median imports numpy.ma (20 ms of a table)."""
    for model in ("a", "b"):
        for seed in range(5):
            make_run(f"{model}{seed}", {"model": model, "seed": seed}, curve([seed / 10 + (model == "b")], "acc"))
    cli("collect", "runs")
    table = ["table", "--rows", "model", "--metric", "acc"]
    assert heavy_modules(*table, cwd=str(tmp_path), test="m == 'numpy.ma'") == []


def test_an_unchanged_collect_imports_nothing_heavy(make_run, cli, tmp_path):
    make_run("a", {"model": "a"}, curve([0.5], "acc"))
    cli("collect", "runs", "--db", "results.db")
    # claiming a folder loads no parser, and a store that needs no migration no sqlite_utils
    imported = heavy_modules("collect", "runs", "--db", "results.db", cwd=str(tmp_path))
    assert imported == []
    # nor what only a failure needs (traceback: 3-5 ms of the 0.17 s an unchanged 10k collect takes)
    assert heavy_modules("collect", "runs", "--db", "results.db", cwd=str(tmp_path), test="m == 'traceback'") == []
    # nor what only LaTeX, Markdown and HTML escaping need: its one line goes through the terminal's (3 ms)
    escaping = "m in ('html', 'html.entities', 'resultsbook.render.latexchars')"
    assert heavy_modules("collect", "runs", "--db", "results.db", cwd=str(tmp_path), test=escaping) == []
    # nor what only reading a source, a problem or a --derive rule needs: an unchanged collect reads
    # nothing, and its imports are a third of its time
    only_when_read = ("resultsbook.sources.bare", "resultsbook.sources.seed_columns", "resultsbook.sources.derive",
                      "resultsbook.render.problems")  # fmt: skip
    unchanged = loaded_modules("collect", "runs", "--db", "results.db", cwd=str(tmp_path))
    assert [module for module in only_when_read if module in unchanged] == []
    # and a collect that reads a run, with a rule, still says what it read
    make_run("b", {"model": "b_2"}, curve([0.5], "acc"))
    read = loaded_modules("collect", "runs", "--db", "results.db", "--derive", "size=model:(\\d*)$", cwd=str(tmp_path))
    assert [module for module in only_when_read if module in read] == list(only_when_read[:3])


def test_an_unchanged_collect_loads_only_the_adapter_that_claims_its_folders(make_run, cli, tmp_path):
    make_run("a", {"model": "a"}, curve([0.5], "acc"))
    cli("collect", "runs", "--db", "results.db")
    picked = "m.startswith('resultsbook.adapters.') or m in ('importlib.metadata', 'yaml')"
    imported = heavy_modules("collect", "runs", "--db", "results.db", cwd=str(tmp_path), test=picked)
    assert imported == ["resultsbook.adapters.base", "resultsbook.adapters.native"]
    # nor when the spec's [[sources]] name the folder: checking an entry that names no adapter and no
    # option loads none (it loaded all 30, YAML's parser and google_crc32c among them: 40 ms a collect)
    (tmp_path / "resultsbook.toml").write_text('store = "results.db"\n[[sources]]\npath = "runs"\n')
    assert heavy_modules("collect", cwd=str(tmp_path), test=picked) == imported


def test_a_collect_from_a_spec_reads_only_its_store_and_sources(make_run, cli, tmp_path):
    make_run("a", {"model": "a"}, curve([0.5], "acc"))
    (tmp_path / "resultsbook.toml").write_text(
        'store = "results.db"\n[[sources]]\npath = "runs"\n'
        '[tables.t1]\nmetric = "acc"\nrows = ["model"]\n[figures.f1]\nkind = "curves"\nmetric = "acc"\n'
    )
    cli("collect")
    # the tables' and figures' modules load numpy (0.1 s a command): a collect needs none of them
    spec_modules = "m in ('numpy', 'resultsbook.spec.document', 'resultsbook.spec.tables')"
    assert heavy_modules("collect", cwd=str(tmp_path), test=spec_modules) == []
    cli("collect", "runs")  # its first collect as `runs` keeps a snapshot of its walk: that loads the writer
    assert heavy_modules("collect", "runs", cwd=str(tmp_path), test=spec_modules) == []  # the spec's store


def test_an_unchanged_collect_from_a_snapshot_hashes_nothing_and_starts_no_reader(make_run, tmp_path):
    make_run("a", {"model": "a"}, curve([0.5], "acc"))
    trusting = (  # a first collect that trusts folders written a moment ago, so it takes a snapshot
        "import sys\nfrom resultsbook.sources import listings\nlistings.SETTLED_NS = -10**12\n"
        "sys.argv = ['resultsbook', *sys.argv[1:]]\nfrom resultsbook.cli import main\nmain()\n"
    )
    args = ["collect", "runs", "--db", "results.db"]
    subprocess.run([sys.executable, "-c", trusting, *args], cwd=tmp_path, check=True, capture_output=True)
    picked = "m in ('hashlib', 'pickle', 'random', 'resultsbook.sources.parallel', 'resultsbook.sources.pathpattern')"
    assert heavy_modules(*args, cwd=str(tmp_path), test=picked) == []


def test_a_command_loads_its_own_module_and_help_still_lists_every_command(tmp_path):
    commands = [m for m in loaded_modules("table", "--help", cwd=str(tmp_path)) if m.endswith("_cmd")]
    assert commands == ["resultsbook.cli.table_cmd"]
    command = [sys.executable, "-m", "resultsbook", "--help"]
    listed = subprocess.run(command, capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    listed = listed.split("Commands:\n")[1]
    assert [line.split()[0] for line in listed.splitlines()] == sorted(COMMANDS)
    assert "table     Aggregate runs over seeds into a table" in listed  # each with its short help


def test_every_listed_command_is_found_under_its_own_name():
    for name in COMMANDS:
        assert cli.commands[name].name == name


def test_a_command_sets_numpy_settings_only_where_the_user_has_not(monkeypatch):
    from resultsbook import commandenv

    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "")  # so that what the test sets is undone after it
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "8")
    monkeypatch.setattr(commandenv, "_set_here", set())
    commandenv.use_command_settings()
    assert os.environ["NUMPY_MADVISE_HUGEPAGE"] == "0" and os.environ["OPENBLAS_NUM_THREADS"] == "8"
    user = commandenv.user_environment()
    assert "NUMPY_MADVISE_HUGEPAGE" not in user and user["OPENBLAS_NUM_THREADS"] == "8"


def test_a_build_writing_no_markdown_imports_no_tabulate(make_run, cli, tmp_path):
    """tabulate and its importlib.metadata cost every build 30 ms; only a Markdown table needs them."""
    for seed in range(2):
        make_run(f"a{seed}", {"model": "a", "seed": seed}, curve([0.5 + seed / 10], "acc"))
    spec = (
        '[[sources]]\npath = "runs"\n\n[tables.t1]\nmetric = "acc"\nrows = ["model"]\noutputs = ["t1.{}"]\n'
    )
    (tmp_path / "resultsbook.toml").write_text(spec.format("tex"))
    assert heavy_modules("build", "-q", cwd=str(tmp_path), test="m == 'tabulate'") == []
    (tmp_path / "resultsbook.toml").write_text(spec.format("md"))
    assert heavy_modules("build", "-q", cwd=str(tmp_path), test="m == 'tabulate'") == ["tabulate"]
