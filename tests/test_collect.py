"""Collecting: incremental, idempotent, and never stopped by one bad run (interruptions and many
collectors at once: test_many_collectors.py)."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest
from conftest import curve, write_native_run

from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.sources.pathpattern import compile_pattern
from resultsbook.store import Store


def make_runs(root: Path, count: int) -> None:
    for index in range(count):
        write_native_run(root / f"run{index:03d}", {"model": "m", "seed": index}, curve([index, index + 1]))


def dump(path: Path) -> list[tuple]:
    """Return the store's content, table by table (ordered), for comparing two stores."""
    connection = sqlite3.connect(path)
    rows = []
    for table in ("sources", "runs", "params", "metrics", "series", "problems"):
        rows.append((table, sorted(map(repr, connection.execute(f"SELECT * FROM {table}")))))
    connection.close()
    return rows


def test_collecting_twice_changes_nothing(tmp_path, store):
    make_runs(tmp_path / "runs", 5)
    first = collect(store, [CollectRequest(str(tmp_path / "runs"))])
    assert (first.new, first.updated, first.unchanged) == (5, 0, 0)
    before = dump(tmp_path / "resultsbook.db")
    second = collect(store, [CollectRequest(str(tmp_path / "runs"))])
    assert (second.new, second.updated, second.unchanged, second.sources_read) == (0, 0, 5, 0)
    assert dump(tmp_path / "resultsbook.db") == before


def test_touching_one_run_rereads_only_that_run(tmp_path, store):
    make_runs(tmp_path / "runs", 4)
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    metrics = tmp_path / "runs" / "run002" / "metrics.jsonl"
    with open(metrics, "a") as handle:
        handle.write('{"step": 3, "acc": 9}\n')
    report = collect(store, [CollectRequest(str(tmp_path / "runs"))])
    assert (report.new, report.updated, report.unchanged, report.sources_read) == (0, 1, 3, 1)
    # same bytes, new mtime: re-read, but counted unchanged since nothing in it changed
    os.utime(metrics, ns=(time.time_ns(), time.time_ns() + 10**9))
    report = collect(store, [CollectRequest(str(tmp_path / "runs"))])
    assert (report.updated, report.unchanged, report.sources_read) == (0, 4, 1)


def test_recollecting_the_folder_that_holds_the_store_keeps_its_runs(tmp_path, store):
    make_runs(tmp_path, 2)  # the store is tmp_path/resultsbook.db, beside the runs
    collect(store, [CollectRequest(str(tmp_path))])
    with open(tmp_path / "run001" / "metrics.jsonl", "a") as handle:
        handle.write('{"step": 3, "acc": 9}\n')
    report = collect(store, [CollectRequest(str(tmp_path))])
    assert (report.updated, report.unchanged, report.missing) == (1, 1, 0)
    assert [run.name for run in store.runs()] == ["run000", "run001"]


def test_runs_whose_files_disappear_are_marked_missing_and_come_back(tmp_path, store):
    make_runs(tmp_path / "runs", 3)
    collect(store, [CollectRequest(str(tmp_path / "runs"))])
    hidden = tmp_path / "hidden"
    os.rename(tmp_path / "runs" / "run001", hidden)
    report = collect(store, [CollectRequest(str(tmp_path / "runs"))])
    assert report.missing == 1
    assert [r.name for r in store.runs()] == ["run000", "run002"]
    assert [r.present for r in store.runs(include_missing=True)] == [True, False, True]
    os.rename(hidden, tmp_path / "runs" / "run001")
    report = collect(store, [CollectRequest(str(tmp_path / "runs"))])
    assert (report.new, report.updated, report.missing) == (0, 1, 0)
    assert len(store.runs()) == 3


def test_one_broken_run_never_stops_a_collect(tmp_path, store, monkeypatch):
    make_runs(tmp_path / "runs", 3)
    (tmp_path / "runs" / "run001" / "config.json").write_text("{not json")
    from resultsbook.adapters import native_files as native

    original = native.read_metrics_jsonl

    def explode(path, problems):
        if "run002" in path:
            raise RuntimeError("adapter bug")
        return original(path, problems)

    monkeypatch.setattr(native, "read_metrics_jsonl", explode)
    report = collect(store, [CollectRequest(str(tmp_path / "runs"))])
    assert report.new == 2
    messages = sorted(p.message for p in report.problems)
    assert messages[0].startswith("could not be read by the native adapter (RuntimeError: adapter bug)")
    assert messages[1].startswith("is not valid JSON")
    assert len(store.problems()) == 2


def test_pattern_params_join_the_runs_and_conflicts_are_reported(tmp_path, store):
    root = tmp_path / "res"
    for algo, seed in [("cql", 1), ("cql", 2), ("iql", 1)]:
        folder = root / algo / f"{algo.upper()}_hopper-medium-v0_{seed}_2022"
        folder.mkdir(parents=True)
        (folder / "environment.csv").write_text("1,1000,5.0\n2,2000,6.0\n")
    write_native_run(root / "cql" / "CQL_hopper-medium-v0_3_2022", {"seed": 4}, curve([1.0]))
    pattern = "{algo_dir}/{algo}_{env}-{dataset}_{seed}_{timestamp}/*"
    report = collect(
        store, [CollectRequest(str(root), pattern=pattern, options={"columns": "epoch,step,return"})]
    )
    assert report.new == 4
    params = sorted((r.params["algo"], r.params["seed"], r.adapter) for r in store.runs())
    assert params == [("CQL", 1, "csv"), ("CQL", 2, "csv"), ("CQL", 4, "native"), ("IQL", 1, "csv")]
    assert [p.message for p in report.problems] == ["param 'seed' is 4 in the run's config but 3 in its path"]


def test_a_param_given_to_the_collect_that_the_config_contradicts_is_said_to_come_from_it(tmp_path, cli):
    """`--param seed=7` on runs whose config.json has a seed said "7 in its path": the path has no seed."""
    for seed in (0, 1):
        write_native_run(tmp_path / "runs" / f"r{seed}", {"seed": seed}, curve([1.0]))
    result = cli("collect", "runs", "--param", "seed=7", "-q")
    assert "param 'seed' is 0 or 1 in the run's config but 7 from --param seed=7 — kept" in result.output
    (tmp_path / "resultsbook.toml").write_text('[[sources]]\npath = "runs"\nparams = { seed = 7 }\n')
    result = cli("collect", "--db", "spec.db", "-q")
    assert "but 7 from the [[sources]] entry's params = { seed = 7 } — kept" in result.output


def test_runs_named_like_a_patterns_files_that_it_does_not_match_are_reported(tmp_path, store):
    root = tmp_path / "res"
    for name in ("mlp_dr01_bs16", "mlp_dr02_bs16", "cnn_bs32"):  # the last has no dropout in its name
        (root / "runs" / name).mkdir(parents=True)
        (root / "runs" / name / "log.csv").write_text("step,loss\n1,0.5\n")
    (root / "runs" / "notes.txt").write_text("not a run\n")
    (root / "runs" / "mlp_dr01_bs16" / "extra").mkdir()
    (root / "runs" / "mlp_dr01_bs16" / "extra" / "log.csv").write_text("step,loss\n1,0.5\n")  # deeper
    pattern = "runs/{model}_dr{dropout}_bs{bs}/log.csv"
    report = collect(store, [CollectRequest(str(root), pattern=pattern, adapter="csv")])
    assert report.new == 2
    assert [(p.path, p.message, p.kept) for p in report.problems] == [
        (
            str(root),
            f"1 path(s) named like those pattern={pattern!r} matches do not match it "
            "(the first: 'runs/cnn_bs32/log.csv'); their runs were not collected: widen the pattern",
            "the 2 path(s) it matches",
        )
    ]
    wide = collect(store, [CollectRequest(str(root), pattern="runs/{run}/log.csv", adapter="csv")])
    assert wide.problems == ()


def test_files_of_the_patterns_name_nearer_the_root_than_it_reaches_are_reported(tmp_path, store):
    """siddinkar/RainbowPolicyGradientPaper@9a626a2: `{algo}/{env}/{_run}/progress.txt` read 207 runs and
    said nothing of `misc/integrated_algo_s1008/progress.txt` and the others of another layout."""
    root = tmp_path / "data"
    for folder in ("DDPG/Ant-v2/ddpg_s0", "DDPG/Ant-v2/ddpg_s1", "misc/integrated_algo_s1008"):
        (root / folder).mkdir(parents=True)
        (root / folder / "progress.txt").write_text("step,ret\n1,0.5\n")
    (root / "misc" / "notes.txt").write_text("not a run\n")
    pattern = "{algo}/{env}/{_run}/progress.txt"
    report = collect(store, [CollectRequest(str(root), pattern=pattern, adapter="csv")])
    assert report.new == 2
    assert [(p.message, p.kept) for p in report.problems] == [
        (
            f"1 file(s) named progress.txt lie at another depth than pattern={pattern!r} matches (the first: "
            "'misc/integrated_algo_s1008/progress.txt'); their runs were not collected: collect them with a "
            "pattern of their own depth, or with '**/' in this one",
            "the 2 path(s) it matches",
        )
    ]
    assert (
        collect(store, [CollectRequest(str(root), pattern="**/progress.txt", adapter="csv")]).problems == ()
    )


def test_keras_logs_a_pattern_of_fields_in_the_file_name_leaves_out_are_reported(tmp_path, store):
    # irfanet-10's shape: CSVLogger files side by side, a repeat's number only in some names
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("training_logs191017(2).log", "training_logs191017(3).log", "training_logs211017.log"):
        (root / name).write_text("epoch,acc,loss,val_acc,val_loss\n0,0.5,1.0,0.6,0.9\n")
    pattern = "training_logs{date}({rep}).log"
    report = collect(store, [CollectRequest(str(root), pattern=pattern, adapter="keras_csv")])
    assert report.new == 2
    assert [p.message for p in report.problems] == [
        f"1 path(s) named like those pattern={pattern!r} matches do not match it "
        "(the first: 'training_logs211017.log'); their runs were not collected: widen the pattern"
    ]


def test_a_last_part_of_fields_is_named_like_by_its_leading_text_and_extension():
    keras = compile_pattern("training_logs{date}({rep}).log")
    assert keras.near_miss("training_logs211017.log")
    assert not keras.near_miss("training.log") and not keras.near_miss("training_logs211017.csv")
    assert not keras.near_miss("old/training_logs211017.log")  # another depth
    assert not compile_pattern("{model}_{seed}.csv").near_miss("notes.csv")  # no leading text


def test_a_patterns_last_part_names_files_only_with_some_literal_text():
    assert not compile_pattern("{model}_{seed}").near_miss("mlp_3")  # no file name to go by
    fixed = compile_pattern("{algo}/{seed}/report.json")
    assert fixed.near_miss("cql/x/y/report.json") is False  # another depth
    assert fixed.near_miss("cql/report.json") is False and fixed.near_miss("cql/1/summary.json") is False
    assert fixed.near_miss("cql/notes/report.json")  # (not matched: the caller asks only then)
    # an open depth may leave paths out on purpose: never reported
    assert not compile_pattern("**/metrics.jsonl").near_miss("a/b/c/metrics.jsonl")
    assert not compile_pattern("{algo}/{_:\\d+}/report.json").near_miss("cql/x/report.json")


def test_path_patterns():
    pattern = compile_pattern("{algo_dir}/{algo}_{env}-{dataset}_{seed}_{timestamp}/environment.csv")
    assert pattern.match("awac/AWAC_halfcheetah-medium-expert-v0_10_20220902124203/environment.csv") == {
        "algo_dir": "awac",
        "algo": "AWAC",
        "env": "halfcheetah",
        "dataset": "medium-expert-v0",
        "seed": 10,
        "timestamp": 20220902124203,
    }
    assert pattern.match("awac/AWAC_x/environment.csv") is None
    deep = compile_pattern("**/{model}/seed{seed:\\d+}/{_}.csv")
    assert deep.match("a/b/resnet/seed3/log.csv") == {"model": "resnet", "seed": 3}
    assert compile_pattern("{opt.lr}/x").match("0.1/x") == {"opt.lr": 0.1}


def test_unknown_adapter_option_is_refused(tmp_path, store):
    from resultsbook.errors import AdapterError

    make_runs(tmp_path / "runs", 1)
    with pytest.raises(AdapterError, match="no adapter has an option 'colums'"):
        collect(store, [CollectRequest(str(tmp_path / "runs"), options={"colums": "a"})])


def test_a_mistyped_adapter_option_names_the_one_meant(tmp_path, store):
    """`-o setp=TotalEnvInteracts` (Spinning Up's step) said only that no adapter has 'setp'."""
    from resultsbook.errors import AdapterError

    make_runs(tmp_path / "runs", 1)
    with pytest.raises(
        AdapterError, match=r"^no adapter has an option 'setp' \(did you mean 'step'\?\); name"
    ):
        collect(store, [CollectRequest(str(tmp_path / "runs"), options={"setp": "TotalEnvInteracts"})])
    with pytest.raises(AdapterError, match=r"^no adapter has an option 'zzz'; name"):
        collect(store, [CollectRequest(str(tmp_path / "runs"), options={"zzz": "1"})])


def test_an_option_no_adapter_that_read_the_runs_has_is_said_to_have_changed_nothing(tmp_path, cli):
    """`-o step=iter` over native runs was taken silently: the user believed the steps came from it."""
    make_runs(tmp_path / "runs", 2)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("no runs here\n")
    used = "Note: -o step=iter changed nothing under runs: its runs were read by native, and 'step' is an " \
        "option of csv, records, spinup, text, wide (name the adapter with --adapter to read them with it)"  # fmt: skip
    for _ in range(2):  # read, then unchanged (its walk replayed from the store's snapshot)
        result = cli("collect", "runs", "notes", "-o", "step=iter")
        assert result.exit_code == 0, result.output
        notes = [line for line in result.stderr.splitlines() if line.startswith("Note:")]
        assert notes[0] == used
        assert notes[1].startswith("Note: no runs found under notes (every installed adapter, no --pattern)")
    (tmp_path / "csv" / "a").mkdir(parents=True)
    (tmp_path / "csv" / "a" / "log.csv").write_text("iter,acc\n1,0.5\n2,0.6\n")
    read = cli("collect", "csv", "--pattern", "{run}/log.csv", "-o", "step=iter", "--db", "csv.db")
    assert read.exit_code == 0 and "Note:" not in read.stderr  # the csv adapter read it with that option


def test_a_second_pattern_over_one_root_adds_its_runs_and_hides_none_of_the_first(tmp_path, store):
    """Collecting runs/ with --pattern 'cql/...', then with 'iql/...', marked every CQL run missing: the
    second pattern looked for IQL runs only, and the CQL ones were still there."""
    for algo in ("cql", "iql"):
        for seed in (0, 1):
            folder = tmp_path / "runs" / algo / f"s{seed}"
            folder.mkdir(parents=True)
            (folder / "log.csv").write_text(f"step,ret\n1,{seed}\n")
    root = str(tmp_path / "runs")
    first = collect(store, [CollectRequest(root, pattern="cql/s{seed}/log.csv")])
    second = collect(store, [CollectRequest(root, pattern="iql/s{seed}/log.csv")])
    assert (first.new, second.new, second.missing) == (2, 2, 0)
    assert len(store.runs()) == 4
    (
        tmp_path / "runs" / "iql" / "s1" / "log.csv"
    ).unlink()  # gone for real: a pattern that looks for it says so
    again = collect(store, [CollectRequest(root, pattern="iql/s{seed}/log.csv")])
    assert (again.unchanged, again.missing) == (1, 1)
    assert len(store.runs()) == 3
    everything = collect(store, [CollectRequest(root, pattern="{algo}/s{seed}/log.csv")])
    assert (everything.new, everything.updated, everything.missing) == (0, 3, 0), everything


def test_a_collect_with_an_adapter_marks_no_run_of_another_adapter_missing(tmp_path, store):
    """A stranger's tree (github.com/mopben/bipedal-walker@1f6d5b9, runs/ablations/*/seed_*/: SB3's
    eval_logs/evaluations.npz beside TensorBoard's tb/PPO_1): `collect runs/`, then `collect runs/
    --adapter sb3` marked all 19 TensorBoard runs missing, their files still there, and tables lost them."""
    import numpy as np

    for seed in (0, 1):
        folder = tmp_path / "runs" / f"seed_{seed}"
        (folder / "eval_logs").mkdir(parents=True)
        evaluations = {"timesteps": np.array([100, 200]), "results": np.full((2, 3), float(seed))}
        np.savez(folder / "eval_logs" / "evaluations.npz", ep_lengths=np.ones((2, 3)), **evaluations)
        write_native_run(folder / "native", {"seed": seed}, curve([0.5]))
    root = str(tmp_path / "runs")
    assert collect(store, [CollectRequest(root)]).new == 4
    again = collect(store, [CollectRequest(root, adapter="sb3")])
    assert (again.updated + again.unchanged, again.missing, len(store.runs())) == (2, 0, 4)
    (tmp_path / "runs" / "seed_1" / "eval_logs" / "evaluations.npz").unlink()  # gone: its adapter says so
    gone = collect(store, [CollectRequest(root, adapter="sb3")])
    assert (gone.missing, sorted(run.adapter for run in store.runs())) == (1, ["native", "native", "sb3"])


def test_a_pattern_or_an_adapter_given_twice_to_one_collect_is_refused_with_a_collect_for_each(tmp_path, cli):
    """The same tree: `collect runs/ --pattern A --pattern B` (one for SB3's eval logs, one for the
    event files) read with B alone and said `19 new, 0 problems`: the 13 runs only A reads were left
    out, unsaid."""
    make_runs(tmp_path / "runs", 2)
    twice = cli("collect", "runs", "--pattern", "run{n}/metrics.jsonl", "--pattern", "{run}/config.json")
    assert twice.exit_code == 2
    assert (
        "Error: --pattern given 2 times ('run{n}/metrics.jsonl', '{run}/config.json'): a collect reads with "
        "one; collect with each in turn (`resultsbook collect runs --pattern 'run{n}/metrics.jsonl'`, then "
        "`resultsbook collect runs --pattern '{run}/config.json'`: the runs of each stay in the store), or "
        "give each its own [[sources]] entry in resultsbook.toml"
    ) in twice.stderr
    assert not (tmp_path / "resultsbook.db").exists()
    adapters = cli("collect", "runs", "--adapter", "native", "--adapter", "csv")
    assert adapters.exit_code == 2 and "Error: --adapter given 2 times ('native', 'csv')" in adapters.stderr
    assert cli("collect", "runs", "--adapter", "native").exit_code == 0


def test_collecting_only_changed_paths_reads_only_their_runs(tmp_path, store):
    make_runs(tmp_path / "runs", 5)
    request = [CollectRequest(str(tmp_path / "runs"))]
    collect(store, request)
    metrics = tmp_path / "runs" / "run003" / "metrics.jsonl"
    with open(metrics, "a") as handle:
        handle.write('{"step": 3, "acc": 9}\n')
    report = collect(store, request, changed=[str(metrics)])
    assert (report.updated, report.sources_read, report.sources_skipped) == (1, 1, 0)
    new = write_native_run(tmp_path / "runs" / "deep" / "new", {"model": "m", "seed": 9}, curve([1.0]))
    report = collect(store, request, changed=[str(tmp_path / "runs" / "deep")])
    assert (report.new, report.sources_read) == (1, 1)
    import shutil

    shutil.rmtree(new)
    shutil.rmtree(tmp_path / "runs" / "run001")
    report = collect(store, request, changed=[str(new), str(tmp_path / "runs" / "run001")])
    assert report.missing == 2
    (tmp_path / "runs" / "run002" / "metrics.jsonl").unlink()
    report = collect(store, request, changed=[str(tmp_path / "runs" / "run002" / "metrics.jsonl")])
    assert report.missing == 1
    assert sorted(r.name for r in store.runs()) == ["run000", "run003", "run004"]
    # the targeted result equals a full collect
    full = collect(store, request)
    assert (full.new, full.updated, full.missing) == (0, 0, 0)


def test_changed_paths_with_a_pattern(tmp_path, store):
    root = tmp_path / "res"
    for seed in (1, 2):
        (root / f"cql_{seed}").mkdir(parents=True)
        (root / f"cql_{seed}" / "log.csv").write_text("step,ret\n1,5\n")
    request = [CollectRequest(str(root), pattern="{algo}_{seed}/log.csv")]
    collect(store, request)
    (root / "cql_3").mkdir()
    (root / "cql_3" / "log.csv").write_text("step,ret\n1,7\n")
    report = collect(store, request, changed=[str(root / "cql_3" / "log.csv")])
    assert (report.new, report.sources_read) == (1, 1)
    assert sorted(r.params["seed"] for r in store.runs()) == [1, 2, 3]


def test_reading_in_worker_processes_stores_exactly_what_one_process_stores(tmp_path, monkeypatch):
    from resultsbook.sources import parallel

    make_runs(tmp_path / "runs", parallel.MIN_ITEMS + 20)
    with Store.open(str(tmp_path / "parallel.db")) as store:
        report = collect(store, [CollectRequest(str(tmp_path / "runs"))])
    assert report.new == parallel.MIN_ITEMS + 20
    monkeypatch.setattr(parallel, "MIN_ITEMS", 10**9)
    with Store.open(str(tmp_path / "serial.db")) as store:
        collect(store, [CollectRequest(str(tmp_path / "runs"))])
    assert dump(tmp_path / "parallel.db") == dump(tmp_path / "serial.db")


def test_map_in_order_keeps_the_order_of_items():
    from resultsbook.sources.parallel import MIN_ITEMS, map_in_order

    items = list(range(MIN_ITEMS * 2))
    assert list(map_in_order(abs_negated, items)) == [-i for i in items]


def abs_negated(value: int) -> int:
    return -abs(value)


def test_a_new_reading_version_of_an_adapter_reads_its_sources_again(tmp_path, store, monkeypatch):
    """A fixed adapter (reading_version raised) re-reads what a store holds from its older reading."""
    from resultsbook.adapters.native import NativeAdapter

    for seed in range(2):
        write_native_run(tmp_path / "runs" / f"r{seed}", {"seed": seed}, curve([1.0]))
    request = [CollectRequest(str(tmp_path / "runs"))]
    assert collect(store, request).sources_read == 2
    assert collect(store, request).sources_read == 0
    monkeypatch.setattr(NativeAdapter, "reading_version", NativeAdapter.reading_version + 1)
    again = collect(store, request)
    assert (again.sources_read, again.new, again.updated, again.unchanged) == (2, 0, 0, 2)
    assert collect(store, request).sources_read == 0


def test_a_walk_that_found_runs_names_the_plain_logs_it_left_unread(tmp_path, cli):
    """ML-PWS's experiments/: 461 Lightning runs collected, and the 84 result.csv folders of its gain
    sweep beside them left out without a word: the paper's Figure 1 was not in the store."""
    for seed in range(2):
        write_native_run(
            tmp_path / "exp" / "native" / f"run{seed}", {"seed": seed}, [{"step": 1, "acc": 0.5}]
        )
    for gain in ("0.1", "0.2"):
        folder = tmp_path / "exp" / "sweep" / f"pws_gain={gain}"
        folder.mkdir(parents=True)
        (folder / "result.csv").write_text("step,mean\n1,0.5\n")
    (tmp_path / "exp" / "summary.csv").write_text("model,acc\na,0.5\n")
    result = cli("collect", "exp")
    assert result.output.startswith("Collected exp: 2 new")
    assert (
        "Note: 3 log file(s) under exp were not read (named result.csv, 1 other name(s); e.g. "
        "sweep/pws_gain=0.1/result.csv): no adapter claims them by name; collect them too with "
        "--pattern '**/result.csv' (or --pattern '{group}/pws_gain={gain}/result.csv' to make the folders params)"
    ) in result.output
    read = cli("collect", "exp", "--pattern", "{group}/pws_gain={gain}/result.csv")
    assert "2 new" in read.output and "not read" not in read.output  # a pattern reads what it names
    (tmp_path / "exp" / "sweep" / "pws_gain=0.2" / "result.csv").unlink()
    alone = cli("collect", "exp")
    assert "not read" not in alone.output  # one stray CSV beside the runs (a summary) is no sweep


def test_a_pattern_given_with_a_file_says_it_matches_under_a_folder(tmp_path, cli):
    """`collect host/monitor.csv --pattern '**/monitor.csv'` reported the file as a folder that
    `cannot be listed (Not a directory); fix its permissions`, then that it held nothing to match."""
    (tmp_path / "host").mkdir()
    (tmp_path / "host" / "monitor.csv").write_text("step,cpu\n1,0.5\n")
    result = cli("collect", "host/monitor.csv", "--pattern", "**/monitor.csv", "--adapter", "csv")
    assert result.exit_code == 1
    assert result.output == (
        "Error: no runs found under host/monitor.csv: it is a file, and --pattern '**/monitor.csv' matches "
        "the paths under a folder; collect the file without --pattern, or give its folder; the store was "
        "left as it was\n"
    )


def test_a_file_whose_folder_cannot_be_listed_when_an_adapter_asks_is_no_traceback(tmp_path, monkeypatch):
    """A pattern's file whose folder could not be listed when an adapter looked beside it (removed since
    the walk, a permission changed) stopped the collect with the adapter's OSError; now that adapter
    passes it by (another may read the file alone) and the other runs are kept."""
    from resultsbook.sources import fs

    for name in ("a", "b"):
        folder = tmp_path / "runs" / name
        folder.mkdir(parents=True)
        (folder / "trainer_state.json").write_text('{"log_history": [{"step": 1, "eval_loss": 0.5}]}')
    listdir = fs.listdir
    gone = str(tmp_path / "runs" / "b")

    def listing(path: str) -> list[str]:
        if os.path.normpath(path) == gone:
            raise PermissionError(13, "Permission denied", path)
        return listdir(path)

    monkeypatch.setattr(fs, "listdir", listing)
    with Store.open(str(tmp_path / "s.db")) as store:
        report = collect(store, [CollectRequest(str(tmp_path / "runs"), pattern="{run}/trainer_state.json")])
        runs = {run.name: run.adapter for run in store.runs()}
    assert runs["a"] == "hf_trainer" and "hf_trainer" not in [a for name, a in runs.items() if name != "a"]
    assert report.new == len(runs)


def test_a_collect_that_finds_no_run_where_logs_were_deleted_says_it_marked_them_missing(tmp_path, cli):
    """`collect run1 --pattern '**/log.txt' --adapter records` after log.txt was deleted failed with
    'the store was left as it was', though it had marked the file's two runs missing (as it should: their
    logs are gone, and `runs --all` lists them so)."""
    (tmp_path / "run1").mkdir()
    (tmp_path / "run1" / "log.txt").write_text('{"epoch": 0, "loss": 1.0}\n{"epoch": 1, "loss": 0.5}\n')
    request = ("collect", "run1", "--pattern", "**/log.txt", "--adapter", "records")
    assert cli(*request).exit_code == 0
    (tmp_path / "run1" / "log.txt").unlink()
    emptied = cli(*request)
    assert emptied.exit_code == 1
    assert emptied.output.rstrip().endswith(
        "the store was left as it was, but for 2 run(s) whose logs are gone, marked missing "
        "(`resultsbook runs --all` lists them)"
    ), emptied.output
    assert cli("runs", "--all").output.count("(missing)") == 2
    again = cli(*request)
    assert again.output.rstrip().endswith("; the store was left as it was"), again.output
