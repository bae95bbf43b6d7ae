"""A stranger's first hour: `collect runs/`, `table ... --save main`, then runs keep finishing. The store
remembers how each root was collected, so the new spec gets `[[sources]]` that collect them the same
way, and `build`, `watch` and `check --collect` see the runs that finish after the save."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from conftest import curve, write_native_run

import resultsbook.freshness.watch
from resultsbook.sources.collect import CollectRequest
from resultsbook.sources.derive import parse_derivation, parse_derivation_text
from resultsbook.spec import load_spec
from resultsbook.spec.sources import read_source
from resultsbook.store import Store

TABLE = ("table", "--rows", "model", "--metric", "acc", "--goal", "max")


def write_runs(root, models=("mlp", "cnn"), seeds=range(3)):
    """Write finished native runs root/<model>_<seed>, one `acc` curve each."""
    for model in models:
        for seed in seeds:
            write_native_run(
                root / f"{model}_{seed}",
                {"model": model, "seed": seed},
                curve([0.5, 0.6 + 0.1 * (model == "cnn") + 0.01 * seed]),
                {"status": "finished"},
            )


def write_csv_runs(root):
    """Write headerless CSV logs whose folders name the params: root/<model>/<model>_<seed>/log.csv."""
    for model in ("mlp", "cnn"):
        for seed in range(2):
            folder = root / model / f"{model}_{seed}"
            folder.mkdir(parents=True)
            (folder / "log.csv").write_text(f"1,{0.5 + seed / 10}\n2,{0.7 + seed / 10}\n")


def test_a_run_finished_after_the_save_is_collected_by_build_and_seen_stale_by_check(tmp_path, cli):
    write_runs(tmp_path / "runs")
    assert cli("collect", "runs/").exit_code == 0
    saved = cli(*TABLE, "--save", "main")
    assert saved.exit_code == 0, saved.output
    assert (
        "Saved as [tables.main] in a new resultsbook.toml with [[sources]] from the last collect of runs/: "
        "`resultsbook build` writes results/main.tex" in saved.stderr
    )
    assert (
        (tmp_path / "resultsbook.toml")
        .read_text()
        .startswith('[[sources]]\npath = "runs"\n\n[tables.main]\n')
    )
    assert cli("build").exit_code == 0
    write_runs(tmp_path / "runs", models=("new",), seeds=[0])  # a run finishes during the deadline
    checked = cli("check", "--collect")
    assert checked.exit_code == 1
    assert "Collected: 1 new, 0 updated, 6 unchanged" in checked.output
    assert "results/main.tex: stale (results changed)\n" in checked.output
    assert "\n  new: new cell" in checked.output
    built = cli("build")
    assert "wrote results/main.tex" in built.output
    assert "new" in (tmp_path / "results" / "main.tex").read_text()
    assert cli("check").exit_code == 0


def test_a_pattern_collect_is_written_as_the_source_that_reads_it_the_same_way(tmp_path, cli):
    write_csv_runs(tmp_path / "logs")
    flags = (
        "--pattern", "{model}/{run}/log.csv", "--columns", "step,acc", "-o", "step=step",
        "--param", "dataset=toy", "--derive", "seed=run:_(\\d+)$",
    )  # fmt: skip
    assert cli("collect", "logs", *flags).exit_code == 0
    saved = cli(*TABLE, "--save", "main")
    assert saved.exit_code == 0, saved.output
    assert (
        "with [[sources]] from the last collect of logs/ (--pattern '{model}/{run}/log.csv', --columns "
        "step,acc, -o step=step, --param dataset=toy, --derive 'seed=run:_(\\d+)$'):" in saved.stderr
    )
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    assert spec.sources == (
        CollectRequest(
            str(tmp_path / "logs"), None, "{model}/{run}/log.csv", {"columns": ["step", "acc"], "step": "step"},
            {"dataset": "toy"}, (parse_derivation_text("seed=run:_(\\d+)$"),),
        ),
    )  # fmt: skip
    built = cli("build")  # read as the collect read them: nothing to read again
    assert "Collected: 0 new, 0 updated, 4 unchanged, 0 problems" in built.output, built.output


@pytest.mark.parametrize(
    "request_",
    [
        CollectRequest("runs"),
        CollectRequest("runs", "csv", "{a}/{seed}.csv", {"columns": ["step", "x"], "sep": ";"}, {"lr": 0.1}),
        CollectRequest("runs", options={"columns": "step,x"}, params={"flag": True, "n": 3}),
        CollectRequest(
            "runs",
            derive=(
                parse_derivation("short", {"from": "data.path", "regex": "([^/]+)$", "map": {"a": "A"}}, "x"),
                parse_derivation(
                    "k", {"from": "odd:name", "template": "\\1", "regex": "(.)", "default": 0}, "x"
                ),
                parse_derivation_text("d=config.data:^(\\w+)"),
            ),
        ),
    ],
    ids=["plain", "pattern-and-options", "columns-as-text", "derived"],
)
def test_a_request_is_the_sources_entry_the_spec_reads_back_into_it(request_):
    entry = {"path": "runs", **json.loads(json.dumps(request_.entry()))}  # as the store keeps it
    assert read_source(entry, 0, str, "spec") == request_


def test_the_last_collect_of_a_root_is_the_one_written_and_the_save_says_so(tmp_path, cli):
    write_csv_runs(tmp_path / "logs")
    assert (
        cli("collect", "logs", "--pattern", "{model}/{run}/log.csv", "--columns", "step,acc").exit_code == 0
    )
    assert (
        cli("collect", "./logs/", "--pattern", "{model}/{run}/*.csv", "--columns", "step,acc").exit_code == 0
    )
    saved = cli(*TABLE, "--save", "main")
    assert (
        "from the last collect of logs/ (--pattern '{model}/{run}/*.csv', --columns step,acc)" in saved.stderr
    )
    text = (tmp_path / "resultsbook.toml").read_text()
    assert text.count("[[sources]]") == 1 and 'pattern = "{model}/{run}/*.csv"' in text


def test_runs_of_a_root_read_by_an_earlier_pattern_that_the_sources_written_miss_are_named(tmp_path, cli):
    """ML-PWS's gain sweep, `<estimator>_gain=<g>/result.csv` beside `backward_training_log.csv`, collected
    with one pattern, then the other: the table of `mean` (result.csv) was saved with [[sources]] that
    read only the training logs, so a build on a new store had no `mean`, and the save said nothing."""
    for estimator in ("pws", "mlpws"):
        for gain in (1, 2):
            folder = tmp_path / "sweep" / f"{estimator}_gain={gain}"
            folder.mkdir(parents=True)
            (folder / "result.csv").write_text(f"step,mean\n50,{gain + len(estimator)}\n")
            (folder / "backward_training_log.csv").write_text("epoch,loss\n1,0.5\n")
    assert cli("collect", "sweep", "--pattern", "{estimator}_gain={gain}/result.csv").exit_code == 0
    assert (
        cli("collect", "sweep", "--pattern", "{estimator}_gain={gain}/backward_training_log.csv").exit_code
        == 0
    )
    saved = cli("table", "--rows", "gain", "--columns", "estimator", "--metric", "mean", "--save", "mi")
    assert saved.exit_code == 0, saved.output
    assert (
        "Note: 4 of this table's runs (the first: 'mlpws_gain=1/result.csv') lie under sweep/, whose [[sources]] "
        "entry (pattern = '{estimator}_gain={gain}/backward_training_log.csv') does not read them: a build on a "
        "new store would leave them out; add a [[sources]] entry for sweep/ with the pattern that read them"
    ) in saved.stderr
    both = cli("table", "--rows", "gain", "--columns", "estimator", "--metric", "loss", "--save", "loss")
    assert both.exit_code == 0 and "lie under" not in both.stderr  # the runs its [[sources]] read


def test_runs_one_of_two_sources_entries_of_a_root_reads_are_not_said_to_be_missed(tmp_path, cli):
    """A stranger's spec (github.com/mopben/bipedal-walker@1f6d5b9) reads runs/ twice, SB3's
    eval_logs/evaluations.npz and the tb/PPO_N event files, one pattern each: `table --save` of a
    TensorBoard metric said its 12 runs lie under runs/, whose entry (the eval_logs pattern) does not read
    them, and to add the entry the spec already had."""
    for seed in (0, 1):
        folder = tmp_path / "runs" / f"seed_{seed}"
        (folder / "eval").mkdir(parents=True)
        (folder / "eval" / "eval.csv").write_text(f"step,reward\n1,{seed}\n")
        (folder / "train").mkdir()
        (folder / "train" / "train.csv").write_text(f"step,loss\n1,{seed}\n")
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\npattern = "seed_{seed}/eval/eval.csv"\nparams = { part = "eval" }\n\n'
        '[[sources]]\npath = "runs"\npattern = "seed_{seed}/train/train.csv"\nparams = { part = "train" }\n'
    )
    assert cli("collect").exit_code == 0
    saved = cli("table", "--rows", "part", "--metric", "loss", "--goal", "min", "--save", "loss")
    assert saved.exit_code == 0, saved.output
    assert "lie under" not in saved.stderr
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\npattern = "seed_{seed}/eval/eval.csv"\nparams = { part = "eval" }\n'
    )
    missed = cli("table", "--rows", "part", "--metric", "loss", "--goal", "min", "--save", "again")
    assert (
        "Note: 2 of this table's runs (the first: 'seed_0/train/train.csv') lie under runs/, whose [[sources]] "
        "entry (pattern = 'seed_{seed}/eval/eval.csv') does not read them"
    ) in missed.stderr


def test_a_root_gone_since_its_collect_is_left_out_and_a_file_or_a_folder_inside_a_root_adds_no_entry(
    tmp_path, cli
):
    write_runs(tmp_path / "runs")
    write_runs(tmp_path / "old", models=("old",))
    for path in ("runs", "old", "runs/mlp_0", "runs/cnn_1/metrics.jsonl"):
        assert cli("collect", path).exit_code == 0
    shutil.rmtree(tmp_path / "old")
    saved = cli(*TABLE, "--save", "main")
    assert saved.exit_code == 0, saved.output
    assert "from the last collect of runs/:" in saved.stderr
    assert "Note: old was collected but is gone: no [[sources]] entry reads it" in saved.stderr
    assert (tmp_path / "resultsbook.toml").read_text().count("[[sources]]") == 1


def test_a_single_file_collected_is_its_own_source(tmp_path, cli):
    write_runs(tmp_path / "runs", models=("mlp",), seeds=[0])
    assert cli("collect", "runs/mlp_0/metrics.jsonl").exit_code == 0
    assert cli(*TABLE, "--save", "main").exit_code == 0
    spec = load_spec(str(tmp_path / "resultsbook.toml"))
    assert [source.path for source in spec.sources] == [str(tmp_path / "runs" / "mlp_0" / "metrics.jsonl")]
    assert "Collected: 0 new, 0 updated, 1 unchanged" in cli("build").output


def test_a_store_elsewhere_remembers_its_roots_relative_to_itself_and_the_spec_names_them_from_its_folder(
    tmp_path, cli, monkeypatch
):
    write_runs(tmp_path / "runs")
    assert cli("collect", "runs", "--db", "stores/lab.db").exit_code == 0
    with sqlite3.connect(tmp_path / "stores" / "lab.db") as conn:
        assert conn.execute("SELECT root, reading FROM collect_readings").fetchall() == [("../runs", "{}")]
    monkeypatch.chdir(tmp_path / "runs")  # the paper's folder, say: the new spec goes here
    saved = cli(*TABLE, "--db", "../stores/lab.db", "--save", "main")
    assert saved.exit_code == 0, saved.output
    assert (
        (tmp_path / "runs" / "resultsbook.toml")
        .read_text()
        .startswith('store = "../stores/lab.db"\n\n[[sources]]\npath = "."\n\n')
    )
    assert "Collected: 0 new, 0 updated, 6 unchanged" in cli("build").output


def test_a_store_of_an_older_resultsbook_starts_a_spec_without_sources_that_says_how_to_add_them(
    tmp_path, cli
):
    write_runs(tmp_path / "runs")
    assert cli("collect", "runs").exit_code == 0
    with sqlite3.connect(tmp_path / "resultsbook.db") as conn:
        conn.execute("DROP TABLE collect_readings")  # as an older resultsbook left it
    saved = cli(*TABLE, "--save", "main")
    assert saved.exit_code == 0, saved.output
    assert (
        "Saved as [tables.main] in a new resultsbook.toml with no [[sources]] (the store does not say which "
        'folders were collected: add `[[sources]]` and `path = "runs"` for build and watch to collect new runs): '
        "`resultsbook build` writes results/main.tex" in saved.stderr
    )
    assert (tmp_path / "resultsbook.toml").read_text().startswith("[tables.main]\n")
    built = cli("build")
    assert built.output.startswith(
        "Collected nothing: resultsbook.toml names no [[sources]]; the runs are those `resultsbook collect` "
        "last wrote to the store\n"
    )
    assert "Collected nothing" not in cli("build", "--no-collect").output
    assert "Collected nothing" not in cli("check").output  # check collects only when asked to
    assert "Collected nothing" in cli("check", "--collect").output


def test_a_spec_there_already_keeps_its_sources_as_they_are(tmp_path, cli):
    write_runs(tmp_path / "runs")
    (tmp_path / "resultsbook.toml").write_text("[tables.first]\nrows = ['model']\nmetric = 'acc'\n")
    assert cli("collect", "runs").exit_code == 0
    assert cli(*TABLE, "--save", "main").exit_code == 0
    assert "[[sources]]" not in (tmp_path / "resultsbook.toml").read_text()


def test_watch_without_sources_says_first_that_only_collects_bring_runs(tmp_path, cli, monkeypatch):
    write_runs(tmp_path / "runs")
    monkeypatch.setattr(resultsbook.freshness.watch, "watch_project", lambda *args, **kwargs: None)
    (tmp_path / "resultsbook.toml").write_text("[tables.main]\nrows = ['model']\nmetric = 'acc'\n")
    assert cli("watch").output.splitlines()[:2] == [
        "Watching resultsbook.toml (Ctrl-C to stop)",
        "No logs are watched: resultsbook.toml names no [[sources]]; runs arrive only when `resultsbook "
        'collect` writes the store, and each such write rebuilds (add [[sources]] with path = "runs" to '
        "watch a folder of runs)",
    ]
    (tmp_path / "resultsbook.toml").write_text(
        "[[sources]]\npath = 'runs'\n\n[tables.main]\nrows = ['model']\nmetric = 'acc'\n"
    )
    assert cli("watch").output.splitlines()[:2] == [
        "Watching resultsbook.toml, runs (Ctrl-C to stop)",
        "Stopped.",
    ]


def test_a_store_that_remembers_collects_is_one_an_older_resultsbook_opens(tmp_path, cli):
    from sqlite_utils import Database
    from test_store_schema import old_migrations

    write_runs(tmp_path / "runs")
    assert cli("collect", "runs", "--pattern", "{model}_{seed}/metrics.jsonl").exit_code == 0
    with Store.open(str(tmp_path / "resultsbook.db")) as store:
        assert store.collect_readings() == [("runs", '{"pattern": "{model}_{seed}/metrics.jsonl"}')]
    old = Database(str(tmp_path / "resultsbook.db"))  # no migration an older version would refuse
    assert old_migrations().pending(old) == [] and [m.name for m in old_migrations().applied(old)] == [
        "m001_initial"
    ]


def test_a_shared_store_remembers_roots_by_absolute_path_and_the_spec_names_them_from_its_folder(
    tmp_path, cli, pg_url
):
    write_runs(tmp_path / "runs")
    assert cli("collect", "runs", "--db", pg_url, "--pattern", "{model}_{seed}/metrics.jsonl").exit_code == 0
    assert cli("collect", "runs", "--db", pg_url, "--pattern", "{model}_{seed}/metrics.jsonl").exit_code == 0
    with Store.open(pg_url) as store:  # kept once, as SQLite keeps it but for the path
        assert store.collect_readings() == [
            (str(tmp_path / "runs"), '{"pattern": "{model}_{seed}/metrics.jsonl"}')
        ]
    saved = cli(*TABLE, "--db", pg_url, "--save", "main")
    assert saved.exit_code == 0, saved.output
    assert "from the last collect of runs/ (--pattern '{model}_{seed}/metrics.jsonl'):" in saved.stderr
    assert (
        (tmp_path / "resultsbook.toml")
        .read_text()
        .startswith(
            f'store = "{pg_url}"\n\n[[sources]]\npath = "runs"\npattern = "{{model}}_{{seed}}/metrics.jsonl"\n\n'
        )
    )
    write_runs(tmp_path / "runs", models=("new",), seeds=[0])
    assert "Collected: 1 new, 0 updated, 6 unchanged" in cli("build").output


def test_a_role_that_may_not_create_the_table_of_roots_still_collects(tmp_path, cli, pg_url):
    import psycopg
    from test_lab_first_hour import reader_url

    write_runs(tmp_path / "runs", models=("mlp",))
    with Store.open(pg_url):
        pass  # the schema, made by its owner: no collect has remembered a root yet
    writer = reader_url(pg_url, "SELECT, INSERT, UPDATE, DELETE")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {writer.split('//')[1].split('@')[0]}"
        )
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    assert cli("collect", "runs", "--db", writer).output == (
        "Collected runs: 3 new, 0 updated, 0 unchanged, 0 problems\n"
    )
    with Store.open(writer) as store:
        assert store.collect_readings() == [] and store.counts()["runs"] == 3


def test_a_url_root_is_written_as_it_is(tmp_path, cli, s3_bucket):
    from test_remote_sources import upload

    write_runs(tmp_path / "local")
    upload(tmp_path / "local", f"{s3_bucket}/lab/runs")
    assert cli("collect", f"{s3_bucket}/lab/runs").exit_code == 0
    saved = cli(*TABLE, "--save", "main")
    assert saved.exit_code == 0, saved.output
    assert f"from the last collect of {s3_bucket}/lab/runs:" in saved.stderr
    assert (
        (tmp_path / "resultsbook.toml")
        .read_text()
        .startswith(f'[[sources]]\npath = "{s3_bucket}/lab/runs"\n')
    )
    assert "Collected: 0 new, 0 updated, 6 unchanged" in cli("build").output


@pytest.mark.parametrize(
    "flags",
    [("--param", "tag=none"), ("--derive", "family=model", "--derive", "family=seed")],
    ids=["null-param", "one-param-derived-twice"],
)
def test_a_collect_a_spec_cannot_say_is_left_out_with_a_note(tmp_path, cli, flags):
    write_runs(tmp_path / "runs")
    assert cli("collect", "runs", *flags).exit_code == 0
    saved = cli(*TABLE, "--save", "main")
    assert saved.exit_code == 0, saved.output
    assert "in a new resultsbook.toml with no [[sources]]: `resultsbook build` writes" in saved.stderr
    assert "Note: runs/ was collected with options a spec cannot hold: add its entry by hand" in saved.stderr
    assert (tmp_path / "resultsbook.toml").read_text().startswith("[tables.main]\n")


def test_collecting_one_run_of_a_folder_read_with_a_pattern_says_what_its_run_lost(cli, tmp_path):
    """`collect logs --pattern 'seed_{seed}/progress.csv' --param algo=PPO`, then `collect
    logs/seed_0/progress.csv` when that run finished: its run lost seed and algo, the table dropped it
    (n = 9 of 10), and the collect said `1 updated, 0 problems` and nothing else."""
    for seed in range(2):
        (tmp_path / "logs" / f"seed_{seed}").mkdir(parents=True)
        (tmp_path / "logs" / f"seed_{seed}" / "progress.csv").write_text(f"step,ret\n1,{seed}\n")
    read = ("--pattern", "seed_{seed}/progress.csv", "--param", "algo=PPO")
    assert cli("collect", "logs", *read).exit_code == 0
    one = cli("collect", "logs/seed_0/progress.csv", "--adapter", "csv")
    assert one.exit_code == 0
    assert (
        "Note: logs/seed_0/progress.csv lies under logs (--pattern 'seed_{seed}/progress.csv', --param "
        "algo=PPO), collected last that way; read here with other flags, its runs lost the params that "
        "reading gave them (--pattern, --param): collect logs again as before to give them back"
    ) in one.output
    assert "lies under" not in cli("collect", "logs/seed_0/progress.csv", "--adapter", "csv").output
    again = cli("collect", "logs", *read)
    assert "lies under" not in again.output and "1 updated" in again.output


def test_collecting_a_file_inside_a_folder_read_without_flags_says_nothing_lost(cli, tmp_path):
    """chris-santiago/vime@c77d735: `collect outputs` (its Hydra runs, no flags), then `collect
    outputs/mnist-baselines.txt --adapter records -o params=n_labeled` (a file the walk never read)
    noted "its runs lost the params that reading gave them (--pattern, --param): collect outputs again
    as before to give them back": a reading of no flags gave no such params, and collecting outputs
    again would not have read the file."""
    write_native_run(tmp_path / "outputs" / "run0", {"seed": 0}, [{"step": 1, "acc": 0.5}])
    (tmp_path / "outputs" / "mnist-baselines.txt").write_text(
        '{"model": "xgboost", "n_labeled": 100, "score": 0.628}\n{"model": "xgboost", "n_labeled": 0.1, '
        '"score": 0.9463}\n'
    )
    assert cli("collect", "outputs").exit_code == 0
    inner = cli("collect", "outputs/mnist-baselines.txt", "--adapter", "records", "-o", "params=n_labeled")
    assert inner.exit_code == 0 and "2 new" in inner.output, inner.output
    assert "lies under" not in inner.output, inner.output


def test_collecting_a_folder_inside_a_spec_source_says_what_its_runs_lost(cli, tmp_path):
    """A stranger's tree (github.com/mopben/bipedal-walker@1f6d5b9): [[sources]] read runs/ with
    --pattern 'ablations/{variant}/seed_{seed}/eval_logs/evaluations.npz'; `collect sde` from
    runs/ablations (the spec's store) said `8 updated`, and the table lost the sde row unsaid."""
    for seed in range(2):
        (tmp_path / "logs" / f"seed_{seed}").mkdir(parents=True)
        (tmp_path / "logs" / f"seed_{seed}" / "progress.csv").write_text(f"step,ret\n1,{seed}\n")
    (tmp_path / "resultsbook.toml").write_text(
        '[[sources]]\npath = "logs"\npattern = "seed_{seed}/progress.csv"\nparams = { algo = "PPO" }\n'
    )
    assert cli("collect").exit_code == 0
    one = cli("collect", "logs/seed_0", "--adapter", "csv")
    assert one.exit_code == 0
    assert (
        "Note: logs/seed_0 lies under logs (--pattern 'seed_{seed}/progress.csv', --param algo=PPO), as the "
        "spec's [[sources]] read it; read here with other flags, its runs lost the params that reading gave "
        "them (--pattern, --param): `resultsbook collect` (no PATH) collects the [[sources]] again as before "
        "to give them back"
    ) in one.stderr
    again = cli("collect")
    assert "1 updated" in again.output
    with Store.open(str(tmp_path / "resultsbook.db")) as store:
        assert {run.params.get("algo") for run in store.runs()} == {"PPO"}


def test_a_url_an_older_collect_kept_with_its_password_is_one_source_shown_without_it(tmp_path):
    """A store written before readings kept URLs masked holds the same root twice: with its password,
    and with ***; the spec gets one entry, and nothing says the password."""
    from resultsbook.spec.collected_sources import collected_sources

    sources = collected_sources(
        [
            ("mlflow+postgresql://rb:s3cret@db/mlflow#x", "{}"),
            ("mlflow+postgresql://rb:***@db/mlflow#x", "{}"),
        ],
        str(tmp_path),
    )
    assert sources.text == '[[sources]]\npath = "mlflow+postgresql://rb@db/mlflow#x"\n'
    assert sources.said == ("mlflow+postgresql://rb:***@db/mlflow#x",)
    assert "s3cret" not in repr(sources)
