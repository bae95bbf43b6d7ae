"""NumPy .npy curves, one file per run, as TD3's learning_curves/<env>/TD3_<env>-v1_<seed>.npy hold them
(201 evaluations every 5000 steps); the files here are written by numpy.save."""

from __future__ import annotations

import json

import numpy as np
import pytest

from resultsbook.adapters.npy import NpyAdapter


def write_td3_tree(root, envs=("Ant", "Hopper"), seeds=(0, 1, 2), points=5):
    """Write <root>/<env>/TD3_<env>-v1_<seed>.npy curves; return them by (env, seed)."""
    curves = {}
    for e, env in enumerate(envs):
        (root / env).mkdir(parents=True)
        for seed in seeds:
            curve = np.linspace(-10.0, 100.0 * (e + 1), points) + np.sin(np.arange(points) * (seed + 1)) * 7
            np.save(root / env / f"TD3_{env}-v1_{seed}.npy", curve)
            curves[env, seed] = curve
    return curves


def test_the_tree_is_read_with_a_pattern_and_its_table_is_numpys(cli, tmp_path):
    curves = write_td3_tree(tmp_path / "learning_curves")
    collected = cli(
        "collect", "learning_curves", "--pattern", "{env}/TD3_{_}_{seed}.npy", "-o", "every=5000", "-o", "metric=return"
    )  # fmt: skip
    assert collected.output.startswith("Collected learning_curves: 6 new, 0 updated, 0 unchanged, 0 problems")
    shown = json.loads(cli("show", "TD3_Ant-v1_1", "--json").output)
    assert shown["run"]["params"] == {"env": "Ant", "seed": 1}
    # TD3's table: the highest point of the seeds' mean curve (best-mean), first point (random policy) left out
    table = cli(
        "table", "--rows", "env", "--metric", "return", "--reduce", "best-mean", "--skip-first", "1",
        "--ddof", "0", "--format", "csv",
    )  # fmt: skip
    lines = table.stdout.splitlines()
    assert lines[0] == "env,mean,std,n,marks"
    for line in lines[1:]:
        env, mean, std = line.split(",")[:3]
        runs = np.array([curves[env, seed][1:] for seed in range(3)])
        best = runs.mean(axis=0).argmax()
        assert float(mean) == pytest.approx(runs[:, best].mean()) and float(std) == pytest.approx(
            runs[:, best].std()
        )


def test_the_hint_and_the_note_name_the_parts_of_the_file_names_that_tell_the_runs_apart(cli, tmp_path):
    """sfujim/TD3@34770cc: the hint's `{run}/TD*_*_*.npy` left each folder's seeds and envs unnamed, and
    following its `**/TD*_*_*.npy` gave 70 runs of no param without a note: a table averaged 7 envs."""
    write_td3_tree(tmp_path / "learning_curves")
    pattern = "{level1}/TD3_{level2}_{level3}.npy"
    hint = cli("collect", "learning_curves")
    assert hint.exit_code == 1
    assert (
        f"read them with --pattern '**/TD*_*_*.npy', or --pattern '{pattern}' to make the folders and the parts "
        "of the names params"
    ) in " ".join(hint.output.split())
    bare = cli("collect", "learning_curves", "--pattern", "**/TD*_*_*.npy", "--db", "bare.db")
    assert (
        "Note: 6 runs read by npy have no param (their files hold none), so a table cannot tell them apart; if "
        f"their folders and file names say what they are (the first: 'Ant/TD3_Ant-v1_0.npy'), --pattern '{pattern}' "
        "makes them params"
    ) in " ".join(bare.output.split())
    assert "6 new" in cli("collect", "learning_curves", "--pattern", pattern).output
    shown = json.loads(cli("show", "TD3_Hopper-v1_2", "--json").output)
    assert shown["run"]["params"] == {"level1": "Hopper", "level2": "Hopper-v1", "level3": 2}


def test_the_steps_are_the_positions_unless_every_and_first_are_given(tmp_path):
    np.save(tmp_path / "c.npy", np.array([1.0, 2.0, 3.0], dtype=np.float32))
    plain = NpyAdapter().read(NpyAdapter().source_for_file(str(tmp_path / "c.npy")))
    assert list(plain.runs[0].metrics["value"].steps) == [0, 1, 2]
    spaced = NpyAdapter(every="5000", first="1000")
    run = spaced.read(spaced.source_for_file(str(tmp_path / "c.npy"))).runs[0]
    assert list(run.metrics["value"].steps) == [1000, 6000, 11000]
    assert list(run.metrics["value"].values) == [1.0, 2.0, 3.0]


def test_a_single_value_is_a_final_value_and_other_arrays_are_problems_not_crashes(tmp_path):
    np.save(tmp_path / "final.npy", np.float64(0.93))
    np.save(tmp_path / "grid.npy", np.zeros((2, 3)))
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.save(tmp_path / "words.npy", np.array(["a", "b"]))
    (tmp_path / "broken.npy").write_bytes(b"\x93NUMPY\x01\x00garbage")
    adapter = NpyAdapter(metric="acc")

    def read(name):
        return adapter.read(adapter.source_for_file(str(tmp_path / name)))

    assert read("final.npy").runs[0].summary == {"acc": 0.93}
    assert (
        read("grid.npy").problems[0].message == "is a 2×3 array; only a curve (1-D) or a single value is read"
    )
    assert "pickled objects, which are never unpickled" in read("objects.npy").problems[0].message
    assert read("words.npy").problems[0].message == "holds <U1 values, not numbers"
    assert (
        read("broken.npy").runs == ()
        and "is not a readable NumPy .npy file" in read("broken.npy").problems[0].message
    )


def test_an_every_that_is_no_number_is_refused_by_name():
    with pytest.raises(Exception, match=r"npy adapter: every and first must be numbers, e\.g\. every=5000"):
        NpyAdapter(every="5k")


def test_the_note_says_one_skipped_point_in_the_singular(cli, tmp_path):
    write_td3_tree(tmp_path / "learning_curves", envs=("Ant",))
    cli("collect", "learning_curves", "--pattern", "{env}/TD3_{_}_{seed}.npy")
    one = cli("table", "--rows", "env", "--metric", "value", "--skip-first", "1").stdout
    assert "per run: last (first point skipped)." in one
    assert (
        "(first 2 points skipped)"
        in cli("table", "--rows", "env", "--metric", "value", "--skip-first", "2").stdout
    )


def test_bytes_that_are_no_array_are_said_to_be_so_and_a_header_is_not_trusted_with_memory(tmp_path):
    """Random bytes were called 'pickled objects'; a header claiming 10^11 values made numpy try to
    allocate 745 GiB (a MemoryError reported as an adapter bug)."""
    np.save(tmp_path / "ok.npy", np.arange(5.0))
    whole = (tmp_path / "ok.npy").read_bytes()
    (tmp_path / "cut.npy").write_bytes(whole[:-8])
    (tmp_path / "huge.npy").write_bytes(_with_shape(whole, "(99999999999,)"))
    (tmp_path / "random.npy").write_bytes(bytes(range(256)) * 4)
    adapter = NpyAdapter()

    def said(name):
        return adapter.read(adapter.source_for_file(str(tmp_path / name))).problems[0].message

    prefix = "is not a readable NumPy .npy file "
    assert said("random.npy") == prefix + "(it does not start with the .npy header)"
    assert said("cut.npy") == "is cut off after 4 of the 5 values its header says (a run still writing?)"
    assert (
        said("huge.npy")
        == "is cut off after 5 of the 99,999,999,999 values its header says (a run still writing?)"
    )


def test_a_curve_np_save_is_still_writing_keeps_its_complete_values_and_a_later_read_the_rest(tmp_path):
    """TD3's scripts np.save their evaluations after each one: a collect that met a file half-written
    kept nothing of it, and the run dropped out of the tables (`1 missing`) until the next collect."""
    np.save(tmp_path / "TD3_Hopper-v1_0.npy", np.arange(10.0))
    whole = (tmp_path / "TD3_Hopper-v1_0.npy").read_bytes()
    (tmp_path / "TD3_Hopper-v1_0.npy").write_bytes(whole[:-30])  # 6 values and 2 bytes of the 7th written
    adapter = NpyAdapter()
    source = adapter.source_for_file(str(tmp_path / "TD3_Hopper-v1_0.npy"))
    cut = adapter.read(source)
    assert [problem.kept for problem in cut.problems] == ["the 6 complete value(s) before it"]
    assert list(cut.runs[0].metrics["value"].values) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    (tmp_path / "TD3_Hopper-v1_0.npy").write_bytes(whole)
    read = adapter.read(source)
    assert not read.problems and list(read.runs[0].metrics["value"].values) == list(np.arange(10.0))


def _with_shape(npy: bytes, shape: str) -> bytes:
    """Return a .npy file's bytes with its header's shape replaced (the header padded as numpy pads it)."""
    import struct

    start = 10
    size = struct.unpack("<H", npy[8:10])[0]
    header = npy[start : start + size].decode("latin1").rstrip(" \n")
    header = header.replace(header[header.index("(") : header.index(")") + 1], shape)
    padded = header + " " * ((64 - (start + len(header) + 1) % 64) % 64) + "\n"
    return npy[:8] + struct.pack("<H", len(padded)) + padded.encode("latin1") + npy[start + size :]


def write_monitor_tree(root, envs=("Corridor", "Loop"), monitors=("Ask", "Button"), seeds=(0, 1, 2)):
    """Write <root>/<env>/<monitor>/data_<seed>.npz archives as Mon-MBIE-EB's sweeps save them (a
    1-D test_return curve beside visit counts and Q-tables); return the curves by (env, monitor, seed)."""
    curves = {}
    for e, env in enumerate(envs):
        for m, monitor in enumerate(monitors):
            (root / env / monitor).mkdir(parents=True)
            for seed in seeds:
                curve = np.linspace(-3.0, e + m + 1.0, 6) + np.cos(np.arange(6.0) * (seed + 1))
                grid = np.zeros((12, 5))
                np.savez(root / env / monitor / f"data_{seed}.npz", test_return=curve, env_visit=grid)
                curves[env, monitor, seed] = curve
    return curves


def test_an_npz_archive_per_seed_is_one_run_its_curves_named_by_their_arrays(cli, tmp_path):
    """A tree of data_<seed>.npz archives (Mon-MBIE-EB) was 'a format no installed adapter reads', to
    be written out as CSV first; with --pattern it said to name an adapter, though none read it."""
    curves = write_monitor_tree(tmp_path / "data")
    collected = cli("collect", "data", "--pattern", "{env}/{monitor}/data_{seed}.npz")
    assert collected.output.startswith("Collected data: 12 new, 0 updated, 0 unchanged, 12 problems")
    assert (
        "holds arrays that are not curves (1-D) or single values: env_visit (12×5) — kept: read "
        "test_return; -o arrays=test_return reads only those" in collected.output
    )
    listed = cli(
        "runs", "--where", "env=Loop", "--columns", "name,env,monitor,seed", "--format", "csv"
    ).stdout
    assert listed.splitlines()[1:3] == ["data_0,Loop,Ask,0", "data_1,Loop,Ask,1"]
    again = cli("collect", "data", "--pattern", "{env}/{monitor}/data_{seed}.npz", "-o", "arrays=test_return")
    assert ", 0 problems" in again.output.splitlines()[0]
    table = cli(
        "table", "--rows", "env", "--columns", "monitor", "--metric", "test_return", "--format", "csv"
    ).stdout.splitlines()
    assert table[0] == "env,monitor,mean,std,n,marks"
    for line in table[1:]:
        env, monitor, mean, std = line.split(",")[:4]
        last = np.array([curves[env, monitor, seed][-1] for seed in range(3)])
        assert float(mean) == pytest.approx(last.mean()) and float(std) == pytest.approx(last.std(ddof=1))


def test_an_npz_array_asked_for_and_absent_or_a_damaged_archive_is_a_problem_not_a_crash(tmp_path):
    np.savez(tmp_path / "run.npz", returns=np.arange(3.0), final=np.float64(0.5), names=np.array(["a"]))
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 not a zip")
    run = NpyAdapter().read(NpyAdapter().source_for_file(str(tmp_path / "run.npz")))
    assert list(run.runs[0].metrics["returns"].values) == [0.0, 1.0, 2.0]
    assert run.runs[0].summary == {"final": 0.5}
    assert run.problems[0].message == (
        "holds arrays that are not curves (1-D) or single values: names (holds <U1 values, not numbers)"
    )
    asked = NpyAdapter(arrays="test_return")
    missing = asked.read(asked.source_for_file(str(tmp_path / "run.npz")))
    assert missing.runs == ()
    assert (
        missing.problems[0].message == "has no array test_return (-o arrays); it holds final, names, returns"
    )
    broken = NpyAdapter().read(NpyAdapter().source_for_file(str(tmp_path / "broken.npz")))
    assert broken.runs == () and "is not a readable NumPy .npz file" in broken.problems[0].message


def test_an_empty_collect_names_files_numbered_in_each_folder_by_a_pattern_that_reads_them_all(cli, tmp_path):
    """The hint named the commonest file, data_0.npz, and its --pattern '**/data_0.npz' read seed 0 alone
    (and before .npz archives were read it called them a format no installed adapter reads)."""
    write_monitor_tree(tmp_path / "data")
    empty = cli("collect", "data")
    assert empty.exit_code == 1
    empty = empty.output
    assert "it holds 12 file(s) named data_*.npz (e.g. Corridor/Ask/data_0.npz)" in empty
    assert "--pattern '**/data_*.npz', or --pattern '{group}/{run}/data_{data}.npz' to make" in empty
    collected = cli(
        "collect", "data", "--pattern", "{group}/{run}/data_{data}.npz", "-o", "arrays=test_return"
    )
    assert collected.output.startswith("Collected data: 12 new, 0 updated, 0 unchanged, 0 problems")


def test_an_npz_archive_whose_arrays_unpack_past_the_cap_together_is_refused_unread(tmp_path, monkeypatch):
    """Each member was checked alone: many arrays under the cap could unpack to many times it."""
    np.savez_compressed(tmp_path / "run.npz", **{f"curve{i}": np.zeros(1000) for i in range(4)})
    monkeypatch.setenv("RESULTSBOOK_MAX_DOCUMENT_SIZE", "10KB")  # each array is 8 kB, the four 32 kB
    read = NpyAdapter().read(NpyAdapter().source_for_file(str(tmp_path / "run.npz")))
    assert read.runs == ()
    assert "its arrays unpack to" in read.problems[0].message
    assert "RESULTSBOOK_MAX_DOCUMENT_SIZE" in read.problems[0].message
