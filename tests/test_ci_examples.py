"""The shipped CI workflow and pre-commit hooks work, for both ways of keeping results in git:
the store committed, or the logs committed (and collected by check).

Each workflow's `run:` steps are executed as GitHub would run them (the install step is skipped:
resultsbook is already installed here); the pre-commit hook's `entry` is run as pre-commit would.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

EXAMPLES = ROOT / "examples" / "ci"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def resultsbook_steps(workflow: Path) -> list[str]:
    """Return the workflow's resultsbook commands (every `run:` step but the install)."""
    document = yaml.safe_load(workflow.read_text())
    steps = document["jobs"]["check"]["steps"]
    return [step["run"] for step in steps if "run" in step and not step["run"].startswith("pip install")]


def run(repo: Path, command: str) -> subprocess.CompletedProcess:
    args = shlex.split(command)
    assert args[0] == "resultsbook"
    return subprocess.run(
        [sys.executable, "-m", "resultsbook", *args[1:]], cwd=repo, capture_output=True, text=True
    )


@pytest.fixture
def repo(tmp_path):
    """A paper repository holding the quickstart, built, with 3 seeds per configuration."""
    repo = tmp_path / "paper-repo"
    shutil.copytree(
        ROOT / "examples" / "quickstart", repo, ignore=shutil.ignore_patterns("runs", "*.db*", "results")
    )
    subprocess.run(
        [sys.executable, "train.py", "--seeds", "0", "1", "2"], cwd=repo, check=True, capture_output=True
    )
    (repo / ".gitignore").write_text("")  # this repository commits what the quickstart ignores
    assert (
        subprocess.run(
            [sys.executable, "-m", "resultsbook", "build"], cwd=repo, capture_output=True
        ).returncode
        == 0
    )
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "ci@example.org")
    git(repo, "config", "user.name", "CI")
    return repo


def change_a_result(repo: Path) -> None:
    metrics = repo / "runs" / "mlp_moons_seed1" / "metrics.jsonl"
    lines = metrics.read_text().splitlines()
    last = json.loads(lines[-1])
    last["train/loss"] = 9.0
    metrics.write_text("\n".join([*lines[:-1], json.dumps(last)]) + "\n")


def test_workflow_with_the_store_committed(repo, tmp_path):
    git(repo, "add", "resultsbook.toml", "resultsbook.db", "paper", "RESULTS.md")
    git(repo, "commit", "-qm", "results")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    steps = resultsbook_steps(EXAMPLES / "github-workflow-store.yml")
    assert steps == ["resultsbook check"]
    assert run(clone, steps[0]).returncode == 0
    change_a_result(repo)
    assert run(repo, "resultsbook collect runs").returncode == 0
    git(repo, "commit", "-qam", "new results, tables forgotten")
    git(clone, "pull", "-q")
    failed = run(clone, steps[0])
    assert failed.returncode == 1 and "final_loss.tex, paper/results/final_loss.csv: stale (results changed)" in failed.stdout


def test_workflow_with_the_logs_committed(repo, tmp_path):
    git(repo, "add", "resultsbook.toml", "runs", "paper", "RESULTS.md", "train.py")
    git(repo, "commit", "-qm", "results")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    steps = resultsbook_steps(EXAMPLES / "github-workflow-logs.yml")
    assert steps == ["resultsbook check --collect"]
    assert not (clone / "resultsbook.db").exists()
    assert run(clone, steps[0]).returncode == 0
    change_a_result(repo)
    git(repo, "commit", "-qam", "new results, tables forgotten")
    git(clone, "pull", "-q")
    failed = run(clone, steps[0])
    assert failed.returncode == 1 and "Moons / MLP (16 hidden): " in failed.stdout


@pytest.mark.parametrize("hooks", [EXAMPLES / "pre-commit-config.yaml", ROOT / ".pre-commit-hooks.yaml"])
def test_pre_commit_hook_refuses_stale_tables(repo, hooks):
    document = yaml.safe_load(hooks.read_text())
    hook = document["repos"][0]["hooks"][0] if "repos" in document else document[0]
    assert hook["id"] == "resultsbook-check" and hook["pass_filenames"] is False
    assert run(repo, hook["entry"]).returncode == 0
    change_a_result(repo)
    assert run(repo, hook["entry"]).returncode == 1
    assert run(repo, "resultsbook build").returncode == 0
    assert run(repo, hook["entry"]).returncode == 0
