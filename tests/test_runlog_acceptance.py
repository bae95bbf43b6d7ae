"""What a user checks: a crashed script's run, and runs told apart by code and data version."""

from __future__ import annotations

import hashlib
import json

from conftest import compile_latex
from runlog_helpers import git, make_repo, read_info, run_folders, run_script, script_env

CRASHING = """
import resultsbook
with resultsbook.Run("runs", config={"model": "mlp", "seed": 0}) as run:
    for step in range(1, 11):
        run.log(step, loss=1.0 / step)
        if step == 6:
            raise ValueError("loss exploded at step 6")
"""

TRAIN = """
import sys
import resultsbook

seed = int(sys.argv[1])
with resultsbook.Run("runs", config={"model": "mlp", "seed": seed}) as run:
    if len(sys.argv) > 2:
        run.track_data(sys.argv[2], name="train")
    run.log(1, acc=0.5 + seed / 10)
"""


def table_json(cli):
    """Return `resultsbook table` of acc by model as JSON (cells with their marks)."""
    return json.loads(
        cli("table", "--db", "r.db", "--rows", "model", "--metric", "acc", "--format", "json").output
    )


def test_a_script_that_raises_half_way_is_collected_failed_with_its_traceback_and_metrics(tmp_path, cli):
    result = run_script(tmp_path / "project", CRASHING)
    assert result.returncode == 1
    assert cli("collect", "project/runs", "--db", "r.db").exit_code == 0
    listing = cli("runs", "--db", "r.db", "--format", "json")
    [run] = json.loads(listing.output)["runs"]
    assert run["status"] == "failed"
    assert run["provenance"]["error"]["type"] == "ValueError"
    shown = cli("show", run["run_id"], "--db", "r.db").output
    assert "status: failed" in shown
    assert "error: ValueError: loss exploded at step 6" in shown
    assert 'raise ValueError("loss exploded at step 6")' in shown  # the traceback tail, line by line
    loss_line = next(line for line in shown.splitlines() if line.strip().startswith("loss "))
    assert loss_line.split()[1:3] == ["6", "6"]  # 6 points, the last at step 6: everything before the crash


def test_runs_from_a_clean_and_a_dirty_tree_differ_in_diff_and_their_cell_is_flagged(tmp_path, cli):
    repo = tmp_path / "project"
    commit = make_repo(repo, {"train.py": TRAIN, "model.py": "LAYERS = 2\n"})
    env = script_env(tmp_path)
    clean = run_script(repo, TRAIN, "0", env=env)
    assert clean.returncode == 0, clean.stderr
    (repo / "model.py").write_text("LAYERS = 3  # trying something\n")
    dirty = run_script(repo, TRAIN, "0", env=env)
    assert dirty.returncode == 0, dirty.stderr
    first, second = run_folders(repo / "runs")
    assert read_info(first)["git"] == {"root": str(repo), "commit": commit, "branch": "main", "dirty": False}
    facts = read_info(second)["git"]
    assert facts["dirty"] is True and facts["commit"] == commit
    patch = (second / "git.diff").read_text()
    assert "+LAYERS = 3  # trying something" in patch
    assert facts["diff"] == "git.diff" and facts["diff_bytes"] == len(patch.encode())
    assert facts["diff_digest"] == "sha256:" + hashlib.sha256(patch.encode()).hexdigest()

    assert cli("collect", "project/runs", "--db", "r.db").exit_code == 0
    diff = cli("diff", first.name, second.name, "--db", "r.db").output
    rows = {line.split()[0]: line.split()[1:] for line in diff.splitlines()[2:]}
    assert rows["git"] == ["dirty", "false", "true"]
    assert rows["git.diff_digest"] == ["(absent)", facts["diff_digest"]]
    assert "git commit" not in diff  # same commit

    table = table_json(cli)
    [cell] = table["cells"]
    marks = {mark["kind"]: mark["text"] for mark in cell["marks"]}
    assert marks["provenance"] == "includes 1 run from a dirty working tree"
    terminal = cli("table", "--db", "r.db", "--rows", "model", "--metric", "acc").output
    assert "‖" in terminal and "runs from different code or data" in terminal
    latex = cli("table", "--db", "r.db", "--rows", "model", "--metric", "acc", "--format", "latex").output
    assert r"$^{\|}$ runs from different code or data" in latex
    compile_latex(tmp_path, latex)  # the new mark typesets


def test_explain_names_the_dirty_run_of_a_cell_and_where_its_diff_is_kept(tmp_path, cli):
    """The quickstart re-run in a git repository, one seed with train.py edited and not committed:
    `explain` marked the cell 'includes 1 run from a dirty working tree' and starred a commit, but a
    reviewer asking what differed had to guess that the run folder holds git.diff."""
    repo = tmp_path / "project"
    commit = make_repo(repo, {"train.py": TRAIN, "model.py": "LAYERS = 2\n"})
    env = script_env(tmp_path)
    assert run_script(repo, TRAIN, "0", env=env).returncode == 0
    (repo / "model.py").write_text("LAYERS = 3  # trying something\n")
    assert run_script(repo, TRAIN, "1", env=env).returncode == 0
    clean, dirty = run_folders(repo / "runs")
    (repo / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "acc"\nrows = ["model"]\noutputs = ["t.md"]\n'
    )
    assert cli("build", "--config", "project/resultsbook.toml").exit_code == 0
    lines = cli("explain", "--config", "project/resultsbook.toml", "t", "mlp").output.splitlines()
    assert "  ! includes 1 run from a dirty working tree" in lines
    assert lines[-1] == (
        f"  dirty: {dirty.name} ran from {commit[:10]} with uncommitted changes; their diff is kept in"
        f" runs/{dirty.name}/git.diff"
    )
    assert "+LAYERS = 3" in (repo / "runs" / dirty.name / "git.diff").read_text()  # the path opens
    cell = json.loads(cli("explain", "--config", "project/resultsbook.toml", "t", "mlp", "--json").output)
    runs = {run["name"]: run for run in cell["cells"][0]["runs"]}
    assert runs[dirty.name]["git_diff"] == f"runs/{dirty.name}/git.diff"
    assert runs[clean.name]["git_diff"] is None
    shown = cli("show", dirty.name, "--db", "project/resultsbook.db").output.splitlines()
    assert f"  git: {commit} (dirty; its diff: runs/{dirty.name}/git.diff)" in shown


SPEC = '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "acc"\nrows = ["model"]\noutputs = ["t.md"]\n'


def test_a_run_of_a_script_in_no_commit_is_dirty_and_explain_says_to_commit_it(tmp_path, cli):
    """A new train.py never committed, run in a repository whose commit holds other code: run.json said
    the tree was clean at that commit, and explain showed the commit with no mark."""
    repo = tmp_path / "project"
    commit = make_repo(repo, {"model.py": "LAYERS = 2\n"})
    assert run_script(repo, TRAIN, "0", env=script_env(tmp_path)).returncode == 0
    [run] = run_folders(repo / "runs")
    assert read_info(run)["git"] == {
        "root": str(repo), "commit": commit, "branch": "main", "untracked_script": "train.py", "dirty": True,
        "untracked": 1,
    }  # fmt: skip
    (repo / "resultsbook.toml").write_text(SPEC)
    assert cli("build", "--config", "project/resultsbook.toml").exit_code == 0
    lines = cli("explain", "--config", "project/resultsbook.toml", "t", "mlp").output.splitlines()
    assert f"{commit[:10]}*" in lines[3]
    assert lines[-2:] == [
        "  ! includes 1 run from a dirty working tree",
        f"  dirty: {run.name} ran from {commit[:10]} with train.py, a script in no commit: commit it",
    ]


def test_a_launcher_the_repository_ignores_or_no_script_at_all_leaves_a_committed_run_clean(tmp_path):
    """A console script in the project's own .venv (ignored), and a notebook's kernel launcher, were
    named `a script in no commit` and made runs of committed code dirty."""
    import subprocess
    import sys

    repo = tmp_path / "project"
    make_repo(repo, {"train.py": TRAIN})
    with open(repo / ".gitignore", "a") as ignore:  # its own environment: `pip install -e .` there
        ignore.write(".venv/\n")
    git(repo, "commit", "-qam", "ignore the environment")
    commit = git(repo, "rev-parse", "HEAD").strip()
    launcher = repo / ".venv" / "bin" / "train"
    launcher.parent.mkdir(parents=True)
    (repo / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    launcher.write_text("import runpy, sys\nsys.argv = ['train.py', '0']\nrunpy.run_path('train.py')\n")
    environment = script_env(tmp_path)
    subprocess.run([sys.executable, str(launcher)], cwd=repo, env=environment, check=True)
    code = TRAIN.replace("sys.argv[1]", "'1'")  # as a kernel runs a cell: no __main__ file
    subprocess.run([sys.executable, "-c", code, str(launcher)], cwd=repo, env=environment, check=True)
    for run in run_folders(repo / "runs"):
        assert read_info(run)["git"] == {
            "root": str(repo),
            "commit": commit,
            "branch": "main",
            "dirty": False,
        }


def test_a_script_of_the_users_own_that_the_repository_ignores_still_makes_the_run_dirty(tmp_path):
    """The exemption of an ignored launcher (a .venv's console script) let `scratch_train.py`, ignored by
    `scratch_*`, run as if its commit held it."""
    repo = tmp_path / "project"
    make_repo(repo, {"model.py": "LAYERS = 2\n"})
    with open(repo / ".gitignore", "a") as ignore:
        ignore.write("train.py\n")
    git(repo, "commit", "-qam", "ignore scratch scripts")
    assert run_script(repo, TRAIN, "0", env=script_env(tmp_path)).returncode == 0
    [run] = run_folders(repo / "runs")
    facts = read_info(run)["git"]
    assert (facts["untracked_script"], facts["dirty"]) == ("train.py", True)


def test_a_run_in_a_repository_with_no_commit_yet_is_told_to_commit_the_code_first(tmp_path, cli):
    """explain said of runs resultsbook.Run logged in a fresh `git init` that their logs record no
    commit and that resultsbook.Run records it, the wrong fix: there was no commit to record."""
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    assert run_script(repo, TRAIN, "0", env=script_env(tmp_path)).returncode == 0
    [run] = run_folders(repo / "runs")
    assert read_info(run)["git"] == {
        "root": str(repo),
        "untracked_script": "train.py",
        "dirty": True,
        "untracked": 1,
    }
    (repo / "resultsbook.toml").write_text(SPEC)
    assert cli("build", "--config", "project/resultsbook.toml").exit_code == 0
    lines = cli("explain", "--config", "project/resultsbook.toml", "t", "mlp").output.splitlines()
    assert lines[-3:] == [  # its dirty run is the commit blank one: no `dirty:` line says it again
        "  commit blank: these runs ran in a git repository with no commit yet: commit the code first",
        "  ! only 1 replicate (fewer than 3)",
        "  ! includes 1 run from a dirty working tree",
    ]


def test_a_run_outside_any_git_repository_is_told_so(tmp_path, cli):
    repo = tmp_path / "project"
    assert run_script(repo, TRAIN, "0", env=script_env(tmp_path)).returncode == 0
    (repo / "resultsbook.toml").write_text(SPEC)
    assert cli("build", "--config", "project/resultsbook.toml").exit_code == 0
    lines = cli("explain", "--config", "project/resultsbook.toml", "t", "mlp").output.splitlines()
    assert (
        "  commit blank: the script ran outside a git repository, so which code made these runs cannot be"
        " told; run it from a clone of the code's repository"
    ) in lines


def test_runs_from_two_commits_are_flagged_as_mixed_code(tmp_path, cli):
    repo = tmp_path / "project"
    first_commit = make_repo(repo, {"train.py": TRAIN})
    env = script_env(tmp_path)
    assert run_script(repo, TRAIN, "0", env=env).returncode == 0
    (repo / "model.py").write_text("LAYERS = 3\n")
    git(repo, "add", "model.py")
    git(repo, "commit", "-q", "-m", "three layers")
    second_commit = git(repo, "rev-parse", "HEAD").strip()
    assert run_script(repo, TRAIN, "1", env=env).returncode == 0
    cli("collect", "project/runs", "--db", "r.db")
    table = table_json(cli)
    [cell] = table["cells"]
    [mark] = [m for m in cell["marks"] if m["kind"] == "provenance"]
    shown = ", ".join(sorted([first_commit[:7], second_commit[:7]]))
    assert mark["text"] == f"mixes 2 git commits ({shown})"


RERUN = """
import sys
import resultsbook

seed = int(sys.argv[1])
# one folder per configuration, as the quickstart's train.py: rerunning replaces it, its id kept
with resultsbook.Run("runs", config={"model": "mlp", "seed": seed}, name=f"mlp_seed{seed}", unique=False) as run:
    run.log(1, acc=float(sys.argv[2]))
"""


def built_then_committed(tmp_path, cli):  # type: ignore[no-untyped-def]
    """Two seeds logged and built in a git repository, then a commit: (repo, env, first, second, spec)."""
    repo = tmp_path / "project"
    first = make_repo(repo, {"train.py": RERUN})
    env = script_env(tmp_path)
    for seed, acc in ((0, "0.5"), (1, "0.7")):
        assert run_script(repo, RERUN, str(seed), acc, env=env).returncode == 0
    (repo / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "acc"\nrows = ["model"]\noutputs = ["t.md"]\n'
    )
    spec = ("--config", "project/resultsbook.toml")
    assert cli("build", *spec).exit_code == 0
    (repo / "model.py").write_text("LAYERS = 3\n")
    git(repo, "add", "model.py")
    git(repo, "commit", "-q", "-m", "three layers")
    second = git(repo, "rev-parse", "HEAD").strip()
    return repo, env, first, second, spec


def test_check_and_explain_name_a_run_re_run_in_place_from_other_code(tmp_path, cli):
    """The quickstart in a git repository: a seed re-run into its own folder after a commit changed
    train.py keeps its run id, and `check --collect` said only `90.6 ± 3.9 → 91.4 ± 4.2`, naming no run,
    so a co-author could not tell that new code, and which, moved the number."""
    repo, env, first, second, spec = built_then_committed(tmp_path, cli)
    assert run_script(repo, RERUN, "0", "0.9", env=env).returncode == 0

    checked = cli("check", "--collect", *spec)
    assert checked.exit_code == 1
    assert (
        f"  mlp: 0.6 ± 0.1# → 0.8 ± 0.1#‖, 1 run re-run from other code (mlp_seed0: {first[:10]} → {second[:10]})"
        in checked.output.splitlines()
    )
    document = json.loads(cli("check", *spec, "--json").output)
    [change] = document["outputs"][0]["changes"]
    assert change["recoded"] == [{"run": "mlp_seed0", "old": first[:10], "new": second[:10]}]
    explained = cli("explain", *spec, "t", "mlp").output.splitlines()
    assert explained[1] == (
        "  ! the outputs built last show 0.6 ± 0.1 (n = 2), not this: the store changed since: 1 run re-run"
        f" from other code (mlp_seed0: {first[:10]} → {second[:10]}); run `resultsbook build`"
    )


def test_explain_names_a_seed_re_run_from_other_code_to_the_same_value(tmp_path, cli):
    """A review found `explain` silent where `check` said the table was stale: the re-run gave the same
    value, and explain returned before it looked at the commits."""
    repo, env, first, second, spec = built_then_committed(tmp_path, cli)
    assert run_script(repo, RERUN, "0", "0.5", env=env).returncode == 0  # the same value, new code
    assert cli("check", "--collect", *spec).exit_code == 1
    explained = cli("explain", *spec, "t", "mlp").output.splitlines()
    assert explained[1] == (
        "  ! the outputs built last show 0.6 ± 0.1 (n = 2), not this: the store changed since: 1 run re-run"
        f" from other code (mlp_seed0: {first[:10]} → {second[:10]}); run `resultsbook build`"
    )


def test_runs_on_two_versions_of_the_data_differ_in_diff_and_are_flagged(tmp_path, cli):
    data = tmp_path / "data.csv"
    env = script_env(tmp_path)
    data.write_text("x,y\n1,2\n")
    assert run_script(tmp_path / "project", TRAIN, "0", str(data), env=env).returncode == 0
    data.write_text("x,y\n1,3\n")
    assert run_script(tmp_path / "project", TRAIN, "1", str(data), env=env).returncode == 0
    first, second = run_folders(tmp_path / "project" / "runs")
    digests = [read_info(folder)["data"]["train"]["digest"] for folder in (first, second)]
    assert digests[0] != digests[1]
    cli("collect", "project/runs", "--db", "r.db")
    diff = cli("diff", first.name, second.name, "--db", "r.db").output
    assert any(
        line.split()[:3] == ["data.train.digest", digests[0], digests[1]] for line in diff.splitlines()
    )
    table = table_json(cli)
    [mark] = [m for m in table["cells"][0]["marks"] if m["kind"] == "provenance"]
    names = [read_info(folder)["name"] for folder in (first, second)]
    shown = "; ".join(f"sha256:{digest[7:15]}: {name}" for digest, name in sorted(zip(digests, names)))
    assert mark["text"] == f"mixes 2 versions of data 'train' ({shown})"  # which run read which


def test_data_versions_are_listed_with_their_runs_a_few_of_each():
    from resultsbook.query.provenance import mixes_of

    digests = [{"train": f"sha256:{i % 5}{i % 5}000000ff"} for i in range(9)]
    said = mixes_of(["c"] * 9, 0, digests, [f"s{i}" for i in range(9)])
    assert said == [
        "mixes 5 versions of data 'train' (sha256:00000000: s0, s5; sha256:11000000: s1, s6; "
        "sha256:22000000: s2, s7; … 2 more)"
    ]


def test_a_large_diff_is_cut_and_says_so_but_its_digest_covers_all_of_it(tmp_path):
    from resultsbook.runlog.provenance import capture_git

    limit = 10
    repo = tmp_path / "project"
    make_repo(repo, {"a.txt": "one\n"})
    (repo / "a.txt").write_text("two\n")
    run_folder = tmp_path / "run"
    run_folder.mkdir()
    facts = capture_git(str(repo), str(run_folder), max_diff_bytes=limit)
    assert facts is not None
    assert len((run_folder / "git.diff").read_bytes()) == limit
    full = git(repo, "diff", "HEAD", "--no-color", "--no-ext-diff").encode()
    assert facts["diff_bytes"] == len(full)
    assert facts["diff_digest"] == "sha256:" + hashlib.sha256(full).hexdigest()
    assert facts["diff_truncated"] == f"git.diff keeps the first {limit} of {len(full)} bytes"


def test_untracked_files_are_counted_but_leave_the_tree_clean(tmp_path):
    from resultsbook.runlog.provenance import capture_git

    repo = tmp_path / "project"
    make_repo(repo, {"a.txt": "one\n"})
    (repo / "notes.txt").write_text("scratch\n")
    facts = capture_git(str(repo))
    assert facts is not None and facts["dirty"] is False and facts["untracked"] == 1


def test_outside_a_repository_there_are_no_git_facts(tmp_path):
    from resultsbook.runlog.provenance import capture_git

    assert capture_git(str(tmp_path)) is None


def test_remote_credentials_are_not_recorded(tmp_path):
    from resultsbook.runlog.provenance import capture_git

    repo = tmp_path / "project"
    make_repo(repo, {"a.txt": "one\n"})
    git(repo, "remote", "add", "origin", "https://user:secret-token@example.org/lab/project.git")
    facts = capture_git(str(repo))
    assert facts is not None and facts["remote"] == "https://example.org/lab/project.git"


def test_a_run_that_records_no_commit_beside_runs_that_do_is_flagged_as_unknown_code(tmp_path, cli):
    """Seeds 0 and 1 logged in the repository, seed 2 by the script copied outside git: explain showed
    a blank commit for it and no mark, though which code made that value cannot be told."""
    repo = tmp_path / "project"
    commit = make_repo(repo, {"train.py": TRAIN})
    env = script_env(tmp_path)
    for seed in ("0", "1"):
        assert run_script(repo, TRAIN, seed, env=env).returncode == 0
    assert run_script(tmp_path / "outside", TRAIN, "2", env=env).returncode == 0
    [outside] = run_folders(tmp_path / "outside" / "runs")
    outside.rename(repo / "runs" / outside.name)
    (repo / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "acc"\nrows = ["model"]\noutputs = ["t.md"]\n'
    )
    assert cli("build", "--config", "project/resultsbook.toml").exit_code == 0
    lines = cli("explain", "--config", "project/resultsbook.toml", "t", "mlp").output.splitlines()
    name = read_info(repo / "runs" / outside.name)["name"]
    assert f"  ! 1 of 3 runs records no git commit ({name}): which code made it cannot be told" in lines
    lock = json.loads((repo / "resultsbook.lock").read_text())
    [cell] = lock["entries"]["tables.t"]["values"].values()
    assert cell["marks"] == "‖" and sorted(cell["code"]) == ["", commit[:10], commit[:10]]


def test_a_run_that_records_no_data_digest_beside_runs_that_do_is_flagged(tmp_path, cli):
    data = tmp_path / "data.csv"
    data.write_text("x,y\n1,2\n")
    env = script_env(tmp_path)
    for seed in ("0", "1"):
        assert run_script(tmp_path / "project", TRAIN, seed, str(data), env=env).returncode == 0
    assert run_script(tmp_path / "project", TRAIN, "2", env=env).returncode == 0
    last = run_folders(tmp_path / "project" / "runs")[-1]
    cli("collect", "project/runs", "--db", "r.db")
    [mark] = [m for m in table_json(cli)["cells"][0]["marks"] if m["kind"] == "provenance"]
    name = read_info(last)["name"]
    assert (
        mark["text"]
        == f"1 of 3 runs records no digest of data 'train' ({name}): which data made it cannot be told"
    )


def test_runs_without_a_commit_are_named_only_beside_runs_with_one():
    from resultsbook.query.provenance import mixes_of

    said = mixes_of(["c0ffee1234567", None, "c0ffee1234567", "", None], 0, [], ["a", "b", "c", "d", "e"])
    assert said == ["3 of 5 runs record no git commit (b, d, e): which code made them cannot be told"]
    assert mixes_of([None, None], 0, [], ["a", "b"]) == []  # none records one: `commit blank` says so
    # MLflow runs, one without mlflow.source.git.commit, beside a TensorBoard folder, which never records one
    commits = ["c0ffee1234567"] * 4 + [None, None]
    adapters = ["mlflow"] * 5 + ["tensorboard"]
    said = mixes_of(commits, 0, [], ["m0", "m1", "m2", "m3", "m4", "tb"], (), adapters)
    assert said == ["1 of 6 runs records no git commit (m4): which code made it cannot be told"]


def dirty_seeds(tmp_path, cli):  # type: ignore[no-untyped-def]
    """Seeds 0 and 1 run with one uncommitted edit (X), seed 2 with another (Y), then built:
    (repo, env, commit, digest of X, digest of Y, spec)."""
    repo = tmp_path / "project"
    commit = make_repo(repo, {"train.py": RERUN, "model.py": "LAYERS = 2\n"})
    env = script_env(tmp_path)
    (repo / "model.py").write_text("LAYERS = 3  # X\n")
    for seed in ("0", "1"):
        assert run_script(repo, RERUN, seed, "0.5", env=env).returncode == 0
    (repo / "model.py").write_text("LAYERS = 4  # Y\n")
    assert run_script(repo, RERUN, "2", "0.5", env=env).returncode == 0
    x, y = (read_info(repo / "runs" / f"mlp_seed{seed}")["git"]["diff_digest"] for seed in (0, 2))
    (repo / "resultsbook.toml").write_text(
        '[[sources]]\npath = "runs"\n[tables.t]\nmetric = "acc"\nrows = ["model"]\noutputs = ["t.md"]\n'
    )
    spec = ("--config", "project/resultsbook.toml")
    assert cli("build", *spec).exit_code == 0
    return repo, env, commit, x, y, spec


def test_runs_on_one_commit_with_two_uncommitted_diffs_are_flagged_and_told_apart(tmp_path, cli):
    """Seeds on one commit with different uncommitted edits: explain said only that they ran from a dirty
    tree, and the lock kept `5df37f6953*` for each, so a seed re-run with another edit went unnamed."""
    repo, env, commit, x, y, spec = dirty_seeds(tmp_path, cli)
    lines = cli("explain", *spec, "t", "mlp").output.splitlines()
    shown = ", ".join(sorted(digest[:15] for digest in (x, y)))  # sha256: and 8 digits
    assert f"  ! mixes 2 uncommitted diffs on {commit[:10]} ({shown})" in lines
    lock = json.loads((repo / "resultsbook.lock").read_text())
    [cell] = lock["entries"]["tables.t"]["values"].values()
    assert cell["marks"] == "‖"
    assert sorted(cell["code"]) == sorted(f"{commit[:10]}*{digest[7:15]}" for digest in (x, x, y))
    assert run_script(repo, RERUN, "0", "0.8", env=env).returncode == 0  # seed 0 again, with edit Y
    checked = cli("check", "--collect", *spec)
    assert checked.exit_code == 1
    said = f"1 run re-run from other code (mlp_seed0: {commit[:10]}*{x[7:15]} → {commit[:10]}*{y[7:15]})"
    assert f"  mlp: 0.500 ± 0.000 → 0.6 ± 0.2, {said}" in checked.output.splitlines()


def test_a_lock_written_before_diffs_were_told_apart_is_still_current(tmp_path, cli):
    repo, _env, commit, _x, _y, spec = dirty_seeds(tmp_path, cli)
    path = repo / "resultsbook.lock"
    lock = json.loads(path.read_text())
    [cell] = lock["entries"]["tables.t"]["values"].values()
    cell["code"] = [f"{commit[:10]}*"] * 3  # as an older resultsbook kept a dirty run's code
    path.write_text(json.dumps(lock, indent=1, ensure_ascii=False))
    assert cli("check", *spec).exit_code == 0
    explained = cli("explain", *spec, "t", "mlp").output.splitlines()
    assert explained[1] == "  run           name       seed    status    commit       source          value"


def test_explain_and_show_say_when_a_kept_diff_is_gone_or_another(tmp_path, cli):
    """`explain` and `show` said a dirty run's diff 'is kept in runs/…/git.diff' after the file was
    deleted or written over, sending a reviewer to a file that is not there or is not that diff."""
    repo, _env, commit, _x, _y, spec = dirty_seeds(tmp_path, cli)
    (repo / "runs" / "mlp_seed0" / "git.diff").unlink()
    (repo / "runs" / "mlp_seed1" / "git.diff").write_text("not the diff\n")
    lines = cli("explain", *spec, "t", "mlp").output.splitlines()
    started = f"ran from {commit[:10]} with uncommitted changes"
    assert lines[-3:] == [
        f"  dirty: mlp_seed0 {started}; its diff runs/mlp_seed0/git.diff is missing, so what differed cannot be told",
        f"  dirty: mlp_seed1 {started}; runs/mlp_seed1/git.diff does not match the diff recorded (diff_digest),"
        " so what differed cannot be told",
        f"  dirty: mlp_seed2 {started}; their diff is kept in runs/mlp_seed2/git.diff",
    ]
    cell = json.loads(cli("explain", *spec, "t", "mlp", "--json").output)["cells"][0]
    problems = {run["name"]: run["git_diff_problem"] for run in cell["runs"]}
    assert (
        problems["mlp_seed0"] == "its diff runs/mlp_seed0/git.diff is missing"
        and problems["mlp_seed2"] is None
    )
    db = ("--db", "project/resultsbook.db")
    shown = cli("show", "mlp_seed1", *db).output.splitlines()
    assert (
        f"  git: {commit} (dirty; runs/mlp_seed1/git.diff does not match the diff recorded (diff_digest))"
        in shown
    )
    shown = cli("show", "mlp_seed0", *db).output.splitlines()
    assert f"  git: {commit} (dirty; its diff runs/mlp_seed0/git.diff is missing)" in shown
