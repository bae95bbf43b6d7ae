"""Collect loads a built-in adapter's module only when a folder holds what that adapter claims (its
claim hint): the hints must never miss a folder the adapter claims, and keep its claiming order."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_native_run

from resultsbook.adapters import _BUILTIN, available_adapters, claim_hints, load_builtin
from resultsbook.adapters.base import Folder
from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.sources.find import find_sources, list_folder

FIXTURES = Path(__file__).parent / "fixtures"
REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


def _folders(root: Path) -> list[Folder]:
    folders = []
    for path in sorted(p for p in [root, *root.rglob("*")] if p.is_dir() and not p.is_symlink()):
        listed = list_folder(str(path))
        if listed is not None:
            folders.append(listed)
    return folders


def test_every_adapter_that_claims_unasked_has_a_hint_with_its_priority():
    hints = {hint.name: hint for hint in claim_hints() or ()}
    for name in _BUILTIN:
        adapter = load_builtin(name)
        assert adapter.name == name
        if adapter.claims_by_itself:
            assert hints[name].priority == adapter.priority, name
        else:
            assert name not in hints, name


def test_hints_come_in_the_registry_s_claiming_order():
    claiming = [name for name, cls in available_adapters().items() if cls.claims_by_itself]
    assert [hint.name for hint in claim_hints() or ()] == claiming


@pytest.mark.parametrize("root", [FIXTURES, REALDATA], ids=["fixtures", "realdata"])
def test_a_hint_never_misses_a_folder_its_adapter_claims(root):
    if not root.exists():
        pytest.skip(f"{root} is absent")
    folders = _folders(root)
    claimed = 0
    for hint in claim_hints() or ():
        for folder in folders:
            if load_builtin(hint.name)().claim(folder) is not None:  # a fresh adapter: no state
                claimed += 1
                assert hint.may_claim(folder), f"{hint.name} claims {folder.path} but its hint says no"
    assert claimed or root == REALDATA  # the fixtures hold folders of every format


def test_a_hint_matches_names_only_as_the_adapter_does():
    def folder(*files: str, dirs: tuple[str, ...] = (), path: str = "/runs/x") -> Folder:
        return Folder(path, frozenset(files), dirs)

    hints = {hint.name: hint for hint in claim_hints() or ()}
    assert hints["native"].may_claim(folder("metrics.jsonl", "config.json"))
    assert not hints["native"].may_claim(folder("metrics.jsonl.bak", "config.json"))
    assert hints["onefile"].may_claim(folder("Results.JSON"))  # the adapter lowers the name
    assert hints["tensorboard"].may_claim(folder("events.out.tfevents.1.host"))
    assert hints["hf_trainer"].may_claim(folder(dirs=("checkpoint-500",)))
    assert not hints["hf_trainer"].may_claim(folder(dirs=("checkpoint-last",)))
    assert hints["wandb"].may_claim(folder(path="/runs/wandb/latest-run"))


def test_an_adapter_loaded_late_still_claims_before_those_loaded_earlier(tmp_path):
    write_native_run(tmp_path / "a_native", metrics=[{"step": 1, "acc": 0.1}])  # walked first
    job = tmp_path / "b_job"
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "config.yaml").write_text("seed: 1\n")
    write_native_run(job, metrics=[{"step": 1, "acc": 0.2}])  # hydra (10) claims before native (40)
    found = [(Path(s.path).name, a.name) for s, a in find_sources(CollectRequest(str(tmp_path)))]
    assert found == [("a_native", "native"), ("b_job", "hydra")]


def test_a_run_of_another_format_added_to_a_remembered_tree_is_collected(make_run, store, tmp_path):
    make_run("a", {"model": "a"}, [{"step": 1, "acc": 0.5}])
    assert collect(store, [CollectRequest(str(tmp_path / "runs"))]).new == 1
    sacred = tmp_path / "runs" / "sacred" / "1"
    sacred.mkdir(parents=True)
    (sacred / "run.json").write_text('{"status": "COMPLETED", "start_time": "2024-01-01T00:00:00"}')
    (sacred / "config.json").write_text('{"model": "b"}')
    report = collect(store, [CollectRequest(str(tmp_path / "runs"))])
    assert (report.new, report.unchanged) == (1, 1)
    assert {run.adapter for run in store.runs()} == {"native", "sacred"}
