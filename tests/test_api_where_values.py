"""`where` values as a notebook types them: a number as text, text as a number, a value no run has.

A value of the wrong type compared equal to nothing: `book.runs(where={"seed": "1"})` was an empty
frame, `resultsbook runs --where seed=1` on seeds a config held as text said `did you mean seed=1?`,
and `seed!=1` kept every run. Each is now one QueryError naming the key, the value the runs hold
and how to write it; a value no run has leaves `runs()` and `series()` empty with a warning saying
which filter kept nothing and the values its key has. A selection none of whose runs logs the metric
asked for (ES runs logging `reward` beside PPO runs logging `ep_rew_mean`) is warned of too, with
what they do log.
"""

from __future__ import annotations

import csv
import json

import pytest

import resultsbook as rb


def d3rlpy_like(tmp_path):
    """Collect 4 runs of the shape of takuseno/d3rlpy-benchmarks @ 1771c9b2,
    runs/<algo>/<ALGO>_<env>-<dataset>_<seed>_<timestamp>/environment.csv (headerless
    epoch,step,return), with the folders made params: seed is a number there."""
    for algo in ("cql", "iql"):
        for seed in (1, 2):
            folder = tmp_path / "runs" / algo / f"{algo.upper()}_hopper-medium-v0_{seed}_2022083118175{seed}"
            folder.mkdir(parents=True)
            rows = [[1, 1000, 100.0 * seed], [2, 2000, 200.0 * seed + (algo == "iql")]]
            with open(folder / "environment.csv", "w", newline="") as handle:
                csv.writer(handle).writerows(rows)
    rb.collect(
        tmp_path / "runs",
        db=tmp_path / "s.db",
        pattern="{algo}/{ALGO}_{env}-{dataset}_{seed}_{ts}/environment.csv",
        options={"columns": ["epoch", "step", "return"]},
    )
    return rb.open(tmp_path / "s.db")


def test_a_spec_whose_where_quotes_a_number_fails_its_build_saying_to_unquote_it(tmp_path, cli):
    """`where = { seed = "1" }` in a spec over seeds the runs hold as numbers: the build said `filter
    seed=1 matches no run; seed has: 1, 2; did you mean seed=1?`."""
    d3rlpy_like(tmp_path).close()
    (tmp_path / "resultsbook.toml").write_text(
        '[tables.main]\nrows = ["algo"]\nmetric = "return"\nwhere = { seed = "1" }\n'
    )
    (tmp_path / "s.db").rename(tmp_path / "resultsbook.db")
    result = cli("build", "--no-collect")
    assert result.exit_code == 2
    assert (
        "resultsbook.toml: [tables.main] filter seed=1: seed is the number 1 in the runs, never the text '1'; "
        "give it as a number: seed = 1 in a spec's where, unquoted"
    ) in result.output


def text_seeds(tmp_path):
    """Collect 4 runs whose config.json holds seed and lr as text ("seed": "1", "lr": "0.1"), as a
    launcher that passes its settings on as argv strings, or argparse without type=, dumps them
    (a made-up tree: the shape, not a published one)."""
    for index in range(4):
        folder = tmp_path / "runs" / f"r{index}"
        folder.mkdir(parents=True)
        config = {"seed": str(index % 2), "lr": "0.1", "model": "mlp" if index < 2 else "cnn"}
        (folder / "config.json").write_text(json.dumps(config))
        (folder / "metrics.jsonl").write_text(json.dumps({"step": 1, "acc": 0.5 + index / 100}) + "\n")
    rb.collect(tmp_path / "runs", db=tmp_path / "t.db")
    return tmp_path / "t.db"


def test_a_number_given_as_text_is_one_error_naming_the_number_to_give(tmp_path):
    with d3rlpy_like(tmp_path) as book:
        assert len(book.runs(where={"seed": 1})) == 2
        for call in (
            lambda: book.runs(where={"seed": "1"}),
            lambda: book.series("return", where={"seed": "1"}),
            lambda: book.table(rows="algo", metric="return", where={"seed": "1"}),
        ):
            with pytest.raises(
                rb.QueryError,
                match=r"^filter seed=1: seed is the number 1 in the runs, never the text '1'; give it as a "
                r"number: where=\{'seed': 1\} \(seed = 1 in a spec's where\)$",
            ):
                call()
        with pytest.raises(
            rb.QueryError, match=r"give it as a number: where=\{'seed': \[1, 2\]\} \(seed = \[1, 2\] in"
        ):
            book.runs(where={"seed": ["1", "2"]})  # said "no run has seed=1; seed has: 1, 2"


def test_text_given_as_a_number_is_one_error_in_python_and_in_the_cli(tmp_path, cli):
    db = str(text_seeds(tmp_path))
    with rb.open(db) as book:
        assert book.runs()["params.seed"].tolist() == ["0", "1", "0", "1"]
        assert len(book.runs(where={"seed": "1"})) == 2
        with pytest.raises(rb.QueryError, match=r"seed is the text '1' in the runs, never the number 1; give it "
                           r"as text: where=\{'seed': '1'\}$"):  # fmt: skip
            book.runs(where={"seed": 1})
        with pytest.raises(rb.QueryError, match=r"lr is the text '0.1' .*: where=\{'lr': '0.1'\}$"):
            book.table(rows="model", metric="acc", where="lr=0.1")
        with pytest.raises(rb.QueryError, match=r"give it as text: where='seed~\^\(\?!\(1\)\$\)'$"):
            book.runs(where="seed!=1")  # kept every run: no text equals the number 1
        assert len(book.runs(where="seed~^(?!(1)$)")) == 2
    result = cli("runs", "--db", db, "--where", "seed=1")
    assert result.exit_code == 2
    assert "seed is the text '1' in the runs, never the number 1; give it as text: --where 'seed~^(1)$'" in (
        result.output
    )  # said "did you mean seed=1?"
    assert "2 run(s)" in cli("runs", "--db", db, "--where", "seed~^(1)$").output


def test_a_value_no_run_has_leaves_an_empty_frame_with_a_warning_saying_why(tmp_path):
    with d3rlpy_like(tmp_path) as book:
        with pytest.warns(rb.NotFoundWarning) as warned:
            runs = book.runs(where={"env": "hoper"})
        assert runs.empty
        [warning] = warned
        assert str(warning.message) == (
            "book.runs(): the frame is empty: filter env=hoper matches no run; env has: hopper; "
            "did you mean {'env': 'hopper'}?"
        )
        assert warning.filename == __file__  # the notebook cell's line, not the library's
        with pytest.warns(rb.NotFoundWarning, match=r"^book.series\(\): the frame is empty: filter seed=3 "):
            assert book.series("return", where={"seed": 3}).empty
        with pytest.warns(rb.NotFoundWarning, match=r"filter algo=sac matches no run \(among the 2 runs the "
                          r"others keep\); algo has: cql, iql$"):  # fmt: skip
            assert book.runs(where=["seed=1", "algo=sac"]).empty


def test_an_empty_list_of_values_is_warned_of_as_such(tmp_path):
    """`where={"run_id": runs.loc[mask, "run_id"]}` of a mask that kept no run: the warning said
    `filter run_id= matches no run`, as if a value were missing."""
    said = r"^book.runs\(\): the frame is empty: where gives 'run_id' an empty list of values, which no run matches$"
    with d3rlpy_like(tmp_path) as book, pytest.warns(rb.NotFoundWarning, match=said):
        assert book.runs(where={"run_id": book.runs()["run_id"].iloc[:0]}).empty


def test_a_selection_that_keeps_runs_warns_of_nothing(tmp_path, recwarn):
    with d3rlpy_like(tmp_path) as book:
        assert len(book.runs(where={"seed": [1, 2], "algo": "cql"})) == 2
        assert len(book.series("return", where="seed!=1")) == 4
    assert not recwarn.list


def es_beside_ppo(tmp_path):
    """Collect 4 runs of the shape of BoogaQ/PPO-exploration @ e2459c21,
    logs/<method>/<env>/run-<timestamp>.csv: the PPO runs log ep_rew_mean, the ES runs beside them
    log their return as `reward` (with `novelty`, `iteration`); the folders are the params."""
    logs = tmp_path / "logs"
    for method, header, rows in (
        (
            "PPO",
            "ep_rew_mean,num_episodes,total timesteps,total_time",
            ["16.5,357,8192,2.7", "23.4,680,16384,12.0"],
        ),
        (
            "ES",
            "total_time,n_koeff,reward,novelty,iteration",
            ["3.57,0.95,5.47,nan,1", "3.74,1.0,5.12,2.18,2"],
        ),
    ):
        for stamp in ("2020-08-28-19-30-41-520174", "2020-08-28-20-30-06-375304"):
            folder = logs / method / "Hopper-v2"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"run-{stamp}.csv").write_text("\n".join([header, *rows]) + "\n")
    rb.collect(logs, db=tmp_path / "p.db", pattern="{method}/{env}/*.csv")
    return rb.open(tmp_path / "p.db")


def test_a_metric_only_other_runs_log_is_warned_of_not_an_empty_frame_alone(tmp_path):
    with es_beside_ppo(tmp_path) as book:
        with pytest.warns(rb.NotFoundWarning) as warned:
            curves = book.series("ep_rew_mean", where={"method": "ES"})
        assert curves.empty
        [warning] = warned
        assert str(warning.message) == (
            "book.series(): none of the 2 selected runs logs 'ep_rew_mean' (only other runs do), so the frame "
            "has none of its points; they log: n_koeff, novelty, reward, total_time"  # iteration: the step
        )
        assert warning.filename == __file__
        with pytest.warns(rb.NotFoundWarning, match=r"^book.runs\(\): none of the 2 selected runs logs "
                          r"'ep_rew_mean' \(only other runs do\), so 'metrics.ep_rew_mean' is all NaN; they log"):  # fmt: skip
            runs = book.runs(where={"method": "ES"}, metrics=["ep_rew_mean", "reward"])
        assert runs["metrics.ep_rew_mean"].isna().all() and runs["metrics.reward"].notna().all()


def test_runs_some_of_which_log_the_metric_are_not_warned_of(tmp_path, recwarn):
    with es_beside_ppo(tmp_path) as book:
        assert len(book.series("ep_rew_mean")) == 4
        assert book.runs(metrics="ep_rew_mean")["metrics.ep_rew_mean"].notna().sum() == 2
        assert len(book.runs(where={"method": "ES"})) == 2  # every metric, as columns: no metric asked for
    assert not recwarn.list


def test_a_reduction_that_gives_no_run_a_value_is_warned_of_with_why(tmp_path):
    """`reduce="best(val/acc)"` over runs that log no val/acc (here PPO runs, which log no `reward`)
    was a column of NaN with nothing said; a table marks its cells, `runs()` now warns the same."""
    with es_beside_ppo(tmp_path) as book:
        with pytest.warns(rb.NotFoundWarning) as warned:
            runs = book.runs(where={"method": "PPO"}, metrics="ep_rew_mean", reduce="best(reward)")
        assert runs["metrics.ep_rew_mean"].isna().all()
        [warning] = warned
        assert str(warning.message) == (
            "book.runs(): 'metrics.ep_rew_mean' is all NaN: reduce='best(reward)' gave no selected run a value "
            "(2× logged no 'reward' curve for best(reward, max))"
        )
        assert warning.filename == __file__
        with pytest.warns(
            rb.NotFoundWarning,
            match=r"reduce='at\(5000\)' gave no .*\(2× stopped at step 1, before at\(5000\)\)$",
        ):
            book.runs(where={"method": "PPO"}, metrics=["ep_rew_mean"], reduce="at(5000)")


def test_a_list_param_is_selected_by_its_list_in_every_form(make_run, tmp_path, cli):
    """`hidden_sizes = [64, 64]` in a config: where={"layers": [64, 64]} (alternatives 64 and 64)
    suggested `layers=[64, 64],[64, 64]`, the filter text `layers=[64, 64]` was split at its comma,
    and where={"layers": [[64, 64]]} kept no run; only the JSON text '[64, 64]' worked."""
    for layers, seed in (([64, 64], 0), ([64, 64], 1), ([256], 0)):
        make_run(f"r{len(layers)}{seed}", {"layers": layers, "seed": seed}, [{"step": 1, "acc": 0.5}])
    rb.collect(tmp_path / "runs", db=tmp_path / "l.db")
    with rb.open(tmp_path / "l.db") as book:
        for where in (
            {"layers": [[64, 64]]},
            {"layers": ([64, 64],)},
            "layers=[64, 64]",
            {"layers": "[64, 64]"},
        ):
            assert len(book.runs(where=where)) == 2, where
        assert len(book.runs(where="layers!=[256]")) == 2
        with pytest.raises(rb.NotFoundError, match=r"did you mean \{'layers': \[\[64, 64\]\]\}\?$"):
            book.runs(where={"layers": [64, 64]})
    listed = cli("runs", "--db", str(tmp_path / "l.db"), "--where", "layers=[256]", "--format", "csv")
    assert listed.exit_code == 0 and listed.output.count("\n") == 2, listed.output


def test_a_list_given_as_alternatives_names_the_list_meant_whatever_other_lists_the_runs_hold(
    make_run, tmp_path, cli
):
    """Beside [64, 64, 64] and [128], where={"hidden": [64, 64]} warned only `filter hidden=64,64
    matches no run; hidden has: [64, 64, 64], [64, 64], [128]`, naming no list meant."""
    for index, hidden in enumerate(([64, 64, 64], [64, 64], [128])):
        make_run(f"r{index}", {"hidden": hidden, "seed": 0}, [{"step": 1, "acc": 0.5}])
    rb.collect(tmp_path / "runs", db=tmp_path / "h.db")
    said = (
        "filter hidden=64,64: no run has hidden=64; hidden has: [128], [64, 64, 64], [64, 64]; did you mean"
    )
    with rb.open(tmp_path / "h.db") as book:
        with pytest.raises(rb.NotFoundError) as caught:
            book.runs(where={"hidden": [64, 64]})
        assert str(caught.value) == f"{said} {{'hidden': [[64, 64]]}}?"
        assert len(book.runs(where={"hidden": [[64, 64]]})) == 1
    listed = cli("runs", "--db", str(tmp_path / "h.db"), "--where", "hidden=64,64")
    assert listed.output == f"Error: {said} 'hidden=[64, 64]'?\n"


def mixed_lr(tmp_path):
    """Collect 4 runs whose config.json holds lr as the number 0.1 (r0, r1) or as the text "0.1" (r2, r3),
    as tensorboardX's add_hparams keeps a value given as a string (a made-up tree: the shape, not a
    published one)."""
    for index in range(4):
        folder = tmp_path / "runs" / f"r{index}"
        folder.mkdir(parents=True)
        config = {"seed": index, "lr": 0.1 if index < 2 else "0.1", "model": "mlp"}
        (folder / "config.json").write_text(json.dumps(config))
        (folder / "metrics.jsonl").write_text(json.dumps({"step": 1, "acc": 0.5 + index / 100}) + "\n")
    rb.collect(tmp_path / "runs", db=tmp_path / "m.db")
    return str(tmp_path / "m.db")


def test_a_filter_on_a_value_runs_hold_as_a_number_and_as_text_says_so_and_quotes_select_the_text(
    tmp_path, cli
):
    """`--where lr=0.1` silently left out the runs holding the text '0.1', `lr!=0.1` kept them, and
    `--where "lr='0.1'"` matched no run (`lr has: 0.1, 0.1; did you mean lr=0.1?`)."""
    db = mixed_lr(tmp_path)
    numbers = cli(
        "table", "--db", db, "--rows", "model", "--metric", "acc", "--where", "lr=0.1", "--format", "csv"
    )
    assert numbers.stdout.splitlines()[1].startswith("mlp,0.505"), numbers.output
    assert (
        "Warning: filter lr=0.1: 2 run(s) hold lr as the text '0.1', which it does not select (it matches the "
        "number 0.1 only); --where \"lr='0.1'\" selects them, --where \"lr=0.1,'0.1'\" both"
    ) in numbers.stderr
    kept = cli("runs", "--db", db, "--where", "lr!=0.1", "--format", "csv")
    assert (
        "which it keeps (it matches the number 0.1 only); --where \"lr!=0.1,'0.1'\" leaves out both"
        in kept.stderr
    )
    texts = cli("runs", "--db", db, "--where", "lr='0.1'", "--format", "csv")
    assert texts.exit_code == 0 and [line.split(",")[1] for line in texts.stdout.splitlines()[1:]] == [
        "r2",
        "r3",
    ]
    assert "hold lr as the number 0.1, which it does not select" in texts.stderr
    both = cli("runs", "--db", db, "--where", "lr=0.1,'0.1'", "--format", "csv")
    assert len(both.stdout.splitlines()) == 5 and "Warning" not in both.stderr, both.output
    missing = cli("runs", "--db", db, "--where", "lr=0.2")
    assert "lr has: 0.1, '0.1'; did you mean lr=0.1?" in missing.output
    with rb.open(db) as book, pytest.warns(rb.NotFoundWarning, match="hold lr as the number 0.1"):
        assert book.runs(where="lr='0.1'")["name"].tolist() == ["r2", "r3"]


def test_the_number_and_text_warning_counts_only_the_runs_the_other_filters_keep_and_a_spec_is_told_its_where(
    tmp_path, cli
):
    """`where = ["seed=0", "lr=0.1"]` warned of the runs holding lr as the text '0.1', which seed=0 leaves
    out anyway, so `build --strict` failed; and a spec's table was told to write `--where "lr='0.1'"`."""
    (tmp_path / mixed_lr(tmp_path)).rename(tmp_path / "resultsbook.db")
    table = '[tables.{}]\nrows = ["seed"]\nmetric = "acc"\ngoal = "max"\nmin_replicates = 1\nwhere = {}\noutputs = []\n'
    where = ['["seed=0", "lr=0.1"]', '["model=mlp", "lr=0.1"]', '["model=mlp", "lr=\'0.1\'"]']
    spec = "".join(table.format(name, given) for name, given in zip("abc", where))
    (tmp_path / "resultsbook.toml").write_text(spec)
    alone = cli("build", "--no-collect", "--strict", "--table", "a")
    assert alone.exit_code == 0 and "Warning" not in alone.output, alone.output
    told = cli("build", "--no-collect", "--table", "b")
    assert (
        "Warning: b: filter lr=0.1: 2 run(s) hold lr as the text '0.1', which it does not select (it matches "
        "the number 0.1 only); \"lr='0.1'\" in the spec's where selects them, \"lr=0.1,'0.1'\" both"
    ) in told.output
    followed = cli("table", "c", "--format", "csv")
    assert [line.split(",")[0] for line in followed.stdout.splitlines()[1:]] == ["2", "3"], followed.output
    runs = cli("runs", "--where", "seed=0", "--where", "lr=0.1", "--format", "csv")
    assert runs.exit_code == 0 and runs.stderr == "", runs.output


def test_book_runs_warns_of_a_filter_on_a_value_runs_hold_as_a_number_and_as_text(tmp_path):
    """`book.runs(where={'lr': 0.1})` silently left out the runs holding the text '0.1', which the
    command line's `runs --where lr=0.1` warns of."""
    with rb.open(mixed_lr(tmp_path)) as book:
        for where in ({"lr": 0.1}, "lr=0.1"):
            with pytest.warns(rb.NotFoundWarning) as caught:
                assert book.runs(where=where)["name"].tolist() == ["r0", "r1"]
            assert [str(w.message) for w in caught] == [
                "book.runs(): filter lr=0.1: 2 run(s) hold lr as the text '0.1', which it does not select "
                "(it matches the number 0.1 only); where=\"lr='0.1'\" selects them, where=\"lr=0.1,'0.1'\" both"
            ]
            assert caught[0].filename == __file__  # the caller's line
        with pytest.warns(rb.NotFoundWarning, match=r"^book\.series\(\): filter lr='0\.1': 2 run"):
            book.series("acc", where="lr='0.1'")
