"""Hydra job folders, written by Hydra itself (tests/fixtures/hydra), with the metrics beside them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import write_native_run
from trackers import FIXTURES, copy_fixture, expected, last_values, read_tree, same_number

import resultsbook as rb
from resultsbook.params import normalize_value
from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.sources.interpolation import resolve_interpolations


@pytest.fixture
def root(tmp_path):
    return copy_fixture("hydra", tmp_path)


def test_every_job_agrees_with_what_omegaconf_reads(root):
    found = read_tree(root)
    want = {item["source"]: item for item in expected("hydra")["runs"]}
    assert sorted(found) == sorted(want)  # multirun.yaml and the sweep folders are not runs
    for source, item in want.items():
        run, problems, adapter = found[source]
        assert adapter == "hydra" and problems == []
        hydra_params = {k: v for k, v in run.params.items() if k in item["params"]}
        assert hydra_params == {k: normalize_value(v) for k, v in item["params"].items()}
        assert run.provenance["overrides"] == item["overrides"]
        finals = last_values(run)
        assert all(same_number(finals[k], v) for k, v in item["final"].items())
        if item["points"]:
            assert {k: len(s) for k, s in run.metrics.items()} == item["points"]
        assert run.status == "unknown" and run.experiment == "app"  # Hydra records no status


def test_multirun_jobs_are_named_after_sweep_and_job_number(root):
    found = read_tree(root)
    assert found["logs/multirun/sweep/2"][0].name == "sweep/2"
    assert found["logs/multirun/sweep/2"][0].provenance["job_num"] == 2
    assert found["logs/multirun/sweep/2"][0].provenance["choices"] == {"model": "cnn"}


def test_a_lightning_csv_logger_inside_the_job_gives_its_metrics_and_fills_in_params(root):
    run, problems, _ = read_tree(root)["logs/outputs/single"]
    assert problems == []
    assert run.provenance["metrics_from"] == ["lightning_csv:csv/version_0"]
    assert set(run.metrics) == {"epoch", "train_loss", "val/acc"}
    assert run.params["seed"] == 5 and run.params["batch_size"] == 8  # Hydra's, then hparams.yaml's


def test_hydra_config_wins_a_conflict_with_the_inner_logger_and_says_so(root):
    hparams = root / "logs" / "outputs" / "single" / "csv" / "version_0" / "hparams.yaml"
    hparams.write_text(hparams.read_text().replace("seed: 5", "seed: 6"))
    run, problems, _ = read_tree(root)["logs/outputs/single"]
    assert run.params["seed"] == 5
    assert [p.message for p in problems] == [
        "param 'seed' is 5 in Hydra's config but 6 in csv/version_0 (lightning_csv)"
    ]


def test_a_conflict_between_a_number_and_the_text_it_prints_as_names_their_kinds(root):
    """hparams.yaml holding seed as the text '5' beside Hydra's number 5: the problem said `param 'seed'
    is 5 in Hydra's config but 5 in csv/version_0`, no difference to see."""
    hparams = root / "logs" / "outputs" / "single" / "csv" / "version_0" / "hparams.yaml"
    hparams.write_text(hparams.read_text().replace("seed: 5", "seed: '5'"))
    run, problems, _ = read_tree(root)["logs/outputs/single"]
    assert run.params["seed"] == 5
    assert [p.message for p in problems] == [
        "param 'seed' is the number 5 in Hydra's config but the text '5' in csv/version_0 (lightning_csv)"
    ]


def test_changing_the_inner_metrics_rereads_the_job(root, store):
    sweep = root / "logs" / "multirun" / "sweep"
    first = collect(store, [CollectRequest(str(sweep))])
    assert (first.new, first.updated) == (4, 0)
    with open(sweep / "1" / "metrics.jsonl", "a") as handle:
        handle.write(json.dumps({"step": 40, "val/acc": 0.99, "loss": 0.1}) + "\n")
    second = collect(store, [CollectRequest(str(sweep))])
    assert (second.updated, second.unchanged) == (1, 3)


def test_several_runs_of_one_logger_in_a_job_stay_separate_runs(tmp_path):
    job = tmp_path / "outputs" / "job"
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "config.yaml").write_text("seed: 3\n")
    write_native_run(job / "fold0", metrics=[{"step": 1, "acc": 0.5}])
    write_native_run(job / "fold1", metrics=[{"step": 1, "acc": 0.7}])
    found = read_tree(tmp_path)
    assert sorted(found) == ["outputs/job#fold0", "outputs/job#fold1"]
    assert {run.name: float(run.metrics["acc"].values[-1]) for run, _, _ in found.values()} == {
        "outputs/job/fold0": 0.5,
        "outputs/job/fold1": 0.7,
    }
    assert all(run.params == {"seed": 3} for run, _, _ in found.values())


def test_a_job_nested_in_another_job_is_its_own_run(tmp_path):
    outer = tmp_path / "outer"
    (outer / ".hydra").mkdir(parents=True)
    (outer / ".hydra" / "config.yaml").write_text("seed: 1\n")
    write_native_run(outer, metrics=[{"step": 1, "acc": 0.1}])
    (outer / "inner" / ".hydra").mkdir(parents=True)
    (outer / "inner" / ".hydra" / "config.yaml").write_text("seed: 2\n")
    write_native_run(outer / "inner", metrics=[{"step": 1, "acc": 0.2}])
    request = CollectRequest(str(tmp_path))
    from resultsbook.sources.collect import find_sources

    assert [s.path for s, _ in find_sources(request)] == [str(outer)]
    run = read_tree(tmp_path)["outer"][0]
    assert run.params == {"seed": 1} and float(run.metrics["acc"].values[-1]) == 0.1


def test_interpolations_resolve_to_config_keys_and_leave_resolvers_as_text():
    config = {
        "model": {"lr": 0.1, "dims": [8, 16], "name": "mlp"},
        "lr": "${model.lr}",
        "first_dim": "${model.dims[0]}",
        "tag": "${model.name}-lr${model.lr}",
        "chain": "${lr}",
        "opt": {"name": "sgd", "alias": "${.name}", "up": "${..lr}"},
        "when": "${now:%Y-%m-%d}",
        "env": "${oc.env:HOME}",
        "missing": "${nope.nothing}",
        "loop_a": "${loop_b}",
        "loop_b": "${loop_a}",
        "escaped": "\\${model.lr}",
        "mandatory": "???",
    }
    resolved = resolve_interpolations(config)
    assert resolved["lr"] == 0.1 and resolved["first_dim"] == 8 and resolved["chain"] == 0.1
    assert resolved["tag"] == "mlp-lr0.1"
    assert resolved["opt"] == {"name": "sgd", "alias": "sgd", "up": 0.1}
    for key in ("when", "env", "missing", "mandatory"):
        assert resolved[key] == config[key]
    assert resolved["escaped"] == "${model.lr}"  # OmegaConf's escape: the text, without the backslash
    assert resolved["loop_a"].startswith("${")  # a cycle stops, it does not recurse forever


def test_a_job_is_read_again_when_a_run_inside_it_goes_stale(tmp_path, store, monkeypatch):
    import time
    from types import SimpleNamespace

    from resultsbook.adapters import sacred

    job = tmp_path / "outputs" / "job"
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "config.yaml").write_text("seed: 1\n")
    (job / "sacred" / "1").mkdir(parents=True)
    heartbeat = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    (job / "sacred" / "1" / "run.json").write_text(json.dumps({"status": "RUNNING", "heartbeat": heartbeat}))
    (job / "sacred" / "1" / "metrics.json").write_text("{}")
    request = CollectRequest(str(tmp_path / "outputs"))
    collect(store, [request])
    assert [run.status for run in store.runs()] == ["running"]
    # an hour later, nothing changed on disk: the job must still be read again, and the run is dead
    later = time.time() + 3600
    monkeypatch.setattr(sacred, "time", SimpleNamespace(time=lambda: later))
    report = collect(store, [request])
    assert report.updated == 1 and [run.status for run in store.runs()] == ["failed"]


def test_a_config_nesting_deeper_than_100_levels_is_refused_and_the_metrics_kept(root):
    import yaml

    path = root / "logs" / "outputs" / "single" / ".hydra" / "config.yaml"
    config = yaml.safe_load(path.read_text())
    tree: dict = {"leaf": 1}
    for _ in range(120):  # a recursive architecture written out level by level
        tree = {"child": tree}
    config["model"]["tree"] = tree
    path.write_text(yaml.safe_dump(config, default_flow_style=False, sort_keys=False))  # as OmegaConf.save
    run, problems, _ = read_tree(root)["logs/outputs/single"]
    assert [p.describe() for p in problems] == [
        f"{path}: is refused: it nests deeper than 100 levels — kept: no params"
    ]
    # the metrics, and the params of Lightning's hparams.yaml, are kept
    assert "model.name" not in run.params and "train_loss" in run.metrics


def test_runs_that_disagree_on_a_key_hydra_sets_once_keep_their_own_values(tmp_path):
    """A `.hydra/` at a project root (hydra.run.dir=., or a script that seeds its own runs) made every
    run below it take Hydra's seed and algo: all seeds 0, all 'sac', so a table put every run in one
    row and called them replicates of seed 0. Runs that differ on a key Hydra fixes are not its job's."""
    (tmp_path / ".hydra").mkdir()
    (tmp_path / ".hydra" / "config.yaml").write_text("seed: 0\nalgo: sac\nlr: 0.1\n")
    for algo, seed in (("ppo", 1), ("ppo", 2), ("a2c", 1)):
        write_native_run(tmp_path / "runs" / f"{algo}_{seed}", config={"seed": seed, "algo": algo},
                         metrics=[{"step": 1, "acc": 0.5}])  # fmt: skip
    found = read_tree(tmp_path)
    params = sorted(
        (run.params["algo"], run.params["seed"], run.params["lr"]) for run, _, _ in found.values()
    )
    assert params == [("a2c", 1, 0.1), ("ppo", 1, 0.1), ("ppo", 2, 0.1)]  # Hydra's lr still fills in
    problems = {problem.message for _, problems, _ in found.values() for problem in problems}
    assert problems == {
        "the 3 runs inside disagree on 'algo', 'seed', which Hydra's config sets once (algo = sac, seed = 0): "
        "it is not their config (a .hydra/ folder above runs of their own, e.g. left by hydra.run.dir=.)"
    }


def test_a_job_whose_only_logs_are_plain_csv_says_how_to_read_them(tmp_path):
    """nathimel/rdsg@82682cf commits a multirun whose jobs write `mean_points.csv` (rate, distortion,
    round) beside `.hydra/`: each job was a run with no metric and no word why."""
    job = tmp_path / "multirun" / "dynamics=replicator_dynamic" / "sim_param=0"
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "config.yaml").write_text("seed: 42\ngame:\n  prior: uniform\n")
    (job / "mean_points.csv").write_text("rate,distortion,round\n0.0067,16.44,0\n")
    (job / "variant_points.csv").write_text("rate,distortion\n2.86,0.64\n")
    run, problems, _ = read_tree(tmp_path)["multirun/dynamics=replicator_dynamic/sim_param=0"]
    assert run.metrics == {} and run.params == {"seed": 42, "game.prior": "uniform"}
    assert [(p.message, p.kept) for p in problems] == [
        (
            "holds no metrics an adapter reads: its log(s) mean_points.csv, variant_points.csv are plain "
            "CSV, which no adapter claims by name; collect one with pattern='**/mean_points.csv' "
            "options={'config': '.hydra/config.yaml'} to read it with the job's config as params: that "
            "collect drops the run of params alone of each job it reads a file in",
            "the job's params, no metrics",
        )
    ]


def test_jobs_naming_their_csv_after_their_settings_are_one_problem_line(tmp_path, cli):
    """stavrosb00/FedLearningFoodClassification@e17c9aa names each job's log after its settings
    (`fedavg_varEpoch_iid_balanced_Seed=4_C=100_B=64_E=1_R=3.csv`): one problem line per job, each
    with a pattern that read that one file."""
    for seed in (4, 5, 6):
        job = tmp_path / "multirun" / "strategy_fedavg" / str(seed)
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "config.yaml").write_text(f"seed: {seed}\n")
        (job / f"fedavg_varEpoch_Seed={seed}_C=100_R=3.csv").write_text("round,accuracy\n1,0.3\n")
    lines = [line for line in cli("collect", "multirun").output.splitlines() if "holds no metrics" in line]
    assert len(lines) == 1 and lines[0].startswith("  multirun/strategy_fedavg/* (3 paths"), lines
    assert "its log(s) fedavg_varEpoch_Seed=*_C=*_R=*.csv are plain CSV" in lines[0]
    assert "--pattern '**/fedavg_varEpoch_Seed=*_C=*_R=*.csv' -o config=.hydra/config.yaml" in lines[0]
    read = cli(
        "collect",
        "multirun",
        "--pattern",
        "**/fedavg_varEpoch_Seed=*_C=*_R=*.csv",
        "-o",
        "config=.hydra/config.yaml",
    )
    assert read.output.startswith("Collected multirun: 3 new"), read.output


def test_a_value_hydra_saved_unresolved_is_taken_from_the_run_inside_that_resolved_it(root):
    """Elluito/spase-resnet-50-experiments@71b2fb1 outputs/CIFAR10/*: `dataset.root: ${data_path:}/data/CIFAR10`
    (a custom resolver) in .hydra/config.yaml, `/nobackup/sclaam/data/CIFAR10` in the W&B run inside; the
    param kept the `${...}` text, with a problem line per run saying Hydra's value was kept."""
    config = root / "logs" / "outputs" / "single" / ".hydra" / "config.yaml"
    config.write_text(config.read_text() + "data_root: ${data_path:}/data/CIFAR10\n")
    hparams = root / "logs" / "outputs" / "single" / "csv" / "version_0" / "hparams.yaml"
    hparams.write_text(hparams.read_text() + "data_root: /nobackup/sclaam/data/CIFAR10\n")
    run, problems, _ = read_tree(root)["logs/outputs/single"]
    assert run.params["data_root"] == "/nobackup/sclaam/data/CIFAR10"
    assert problems == []


def _flower_job(sweep, number, log):
    """Write a Flower job of a Hydra multirun that left no metrics: its config, and its job log."""
    job = sweep / str(number)
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "config.yaml").write_text(f"seed: {number}\nstrategy:\n  name: fedavg\n")
    (job / ".hydra" / "hydra.yaml").write_text("hydra:\n  mode: MULTIRUN\n  job:\n    name: main\n")
    (job / "main.log").write_text(log)


def test_a_job_that_left_no_metrics_is_said_and_failed_when_its_job_log_ends_with_an_error(tmp_path, cli):
    """stavrosb00/FedLearningFoodClassification@e17c9aa commits 46 Flower jobs with no metrics: 28 with an
    empty main.log, 7 whose main.log ends with Ray's error, 11 killed mid-round. Collect said nothing of
    them and `status` said `none failed`."""
    sweep = tmp_path / "multirun" / "2024-03-14"
    record = "[2024-03-14 23:01:57,523][flwr][{}] - {}\n"
    died = record.format("ERROR", "The actor died unexpectedly before finishing this task.\n\tpid: 13000")
    _flower_job(sweep, 0, record.format("INFO", "Starting Flower simulation") + died)
    _flower_job(sweep, 1, "")
    _flower_job(sweep, 2, record.format("DEBUG", "fit_round 3: strategy sampled 5 clients (out of 10)"))
    found = read_tree(tmp_path)
    failed, _, _ = found["multirun/2024-03-14/0"]
    assert failed.status == "failed" and failed.metrics == {}
    assert failed.provenance["error"] == "flwr ERROR: The actor died unexpectedly before finishing this task."
    said = {job: found[f"multirun/2024-03-14/{job}"][1][0].message for job in (0, 1, 2)}
    assert (
        "its job log main.log ends with an error: the job failed (`book.runs(where={'status': 'failed'})`"
        in said[0]
    )
    assert "its job log main.log is empty: the job stopped, or never ran," in said[1]
    assert "its job log main.log ends with no error, as the log of a job killed" in said[2]
    opening = "holds no metrics: no file beside .hydra/ is a log an adapter reads"
    assert all(text.startswith(opening) for text in said.values())
    assert found["multirun/2024-03-14/1"][0].status == "unknown"  # an empty log says nothing of how it ended
    collected = cli("collect", "multirun").output
    assert "3 problems" in collected and "the job failed (`resultsbook status` lists it)" in collected, (
        collected
    )
    status = cli("status")
    assert status.exit_code == 1
    assert "failed      2024-03-14/0" in status.output
    assert "flwr ERROR: The actor died unexpectedly before finishing this task." in status.output


def test_a_job_that_left_no_metrics_and_no_job_log_names_the_job_log_it_lacks(tmp_path):
    """chris-santiago/vime@c77d735 `multirun/data.n_labeled=0.1,data.n_workers=0,model=linear` holds only
    `.hydra/` (its job, `train_baseline`, printed its score; no `train_baseline.log`): the problem said "it
    has no job log (hydra.job.name.log)", a name to work out rather than the file to look for."""
    job = tmp_path / "multirun" / "data.n_labeled=0.1,data.n_workers=0,model=linear"
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "config.yaml").write_text("data:\n  n_labeled: 0.1\nmodel:\n  name: linear\n")
    (job / ".hydra" / "hydra.yaml").write_text("hydra:\n  mode: MULTIRUN\n  job:\n    name: train_baseline\n")
    (job / ".hydra" / "overrides.yaml").write_text(
        "- data.n_labeled=0.1\n- data.n_workers=0\n- model=linear\n"
    )
    [(run, [problem], _)] = read_tree(tmp_path).values()
    assert run.metrics == {} and run.experiment == "train_baseline"
    assert "and it has no job log (train_baseline.log) to say why;" in problem.message


def test_a_job_log_or_a_sweep_file_that_is_a_fifo_is_never_opened(tmp_path):
    """Reading a job log's last record, and a multirun.yaml's first line, opened the file: a FIFO in
    its place blocked the collect forever."""
    sweep = tmp_path / "multirun" / "2024-03-14"
    _flower_job(sweep, 0, "")
    (sweep / "0" / "main.log").unlink()
    os.mkfifo(sweep / "0" / "main.log")
    os.mkfifo(sweep / "multirun.yaml")

    def collect_in_a_process(path: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "resultsbook", "collect", path, "--db", str(tmp_path / "s.db")]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)

    collected = collect_in_a_process("multirun")
    assert collected.returncode == 0 and "1 new" in collected.stdout, collected.stderr
    assert collect_in_a_process("multirun/2024-03-14/multirun.yaml").returncode in (1, 2)


def test_a_sweeps_multirun_yaml_or_a_jobs_hydra_folder_names_the_folder_to_collect(tmp_path, cli):
    """Collecting stavrosb00/FedLearningFoodClassification@e17c9aa's `multirun/<date>/<time>/multirun.yaml`
    made a run of Hydra's sweep config (300 params such as hydra.help.template, no metric) with
    `0 problems`; its job's `.hydra/` folder advised reading its YAML files with `--pattern '**/*.yaml'`."""
    sweep = tmp_path / "multirun" / "2024-03-14" / "22-41-53"
    _flower_job(sweep, 0, "")
    (sweep / "multirun.yaml").write_text("hydra:\n  mode: MULTIRUN\nseed: 0\n")
    sweep_file = cli("collect", "multirun/2024-03-14/22-41-53/multirun.yaml")
    assert (sweep_file.exit_code, sweep_file.output) == (
        2,
        "Error: multirun/2024-03-14/22-41-53/multirun.yaml: it is Hydra's record of the sweep "
        "multirun/2024-03-14/22-41-53 (its config and the values swept), not a run: collect that folder, "
        "resultsbook collect multirun/2024-03-14/22-41-53, where each job folder is a run\n",
    )
    config = cli("collect", "multirun/2024-03-14/22-41-53/0/.hydra/config.yaml")
    assert (
        config.exit_code == 2
        and "it is a file of the Hydra job multirun/2024-03-14/22-41-53/0, not a run: " in config.output
    )
    folder = cli("collect", "multirun/2024-03-14/22-41-53/0/.hydra")
    assert folder.exit_code != 0, folder.output
    assert (
        "it holds the config of the Hydra job multirun/2024-03-14/22-41-53/0, not its logs: collect that "
        "folder, resultsbook collect multirun/2024-03-14/22-41-53/0" in folder.output
    )
    assert "--pattern" not in folder.output
    assert not (tmp_path / "resultsbook.db").exists()
    assert cli("collect", "multirun/2024-03-14/22-41-53").output.startswith(
        "Collected multirun/2024-03-14/22-41-53: 1 new"
    )


def test_the_folder_to_collect_instead_is_named_with_the_store_given_and_quoted(tmp_path, cli, monkeypatch):
    """chris-santiago/vime@c77d735's job folders (`data.n_labeled=100,data.n_workers=0/.hydra`): the
    command suggested for the job dropped `--db`, and run as printed it made ./resultsbook.db, a second
    store; a folder with a space came unquoted, two paths to the shell."""
    sweep = tmp_path / "multirun" / "my sweep"
    _flower_job(sweep, 0, "")
    given = cli("collect", "multirun/my sweep/0/.hydra", "--db", "lab/s.db")
    assert "collect that folder, resultsbook collect 'multirun/my sweep/0' --db lab/s.db;" in given.output
    assert not (tmp_path / "lab" / "s.db").exists()
    unnamed = cli("collect", "multirun/my sweep/0/.hydra")
    assert "collect that folder, resultsbook collect 'multirun/my sweep/0';" in unnamed.output
    monkeypatch.chdir(tmp_path)
    with pytest.warns(rb.NotFoundWarning, match=r"rb\.collect\('multirun/my sweep/0', db='lab/s\.db'\)"):
        rb.collect("multirun/my sweep/0/.hydra", db="lab/s.db")


def test_a_job_logged_by_a_csv_logger_whose_job_log_ends_with_an_error_is_failed(tmp_path, cli):
    """A Lightning CSVLogger keeps no status: a seed whose job died at epoch 1 of 3 (its main.log ending
    with the error) was an `unknown` run counted as a replicate like the others, its curve cut short."""
    for seed in (0, 1, 2):
        job = tmp_path / "multirun" / "sweep" / str(seed)
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "config.yaml").write_text(f"seed: {seed}\nmodel: mlp\n")
        (job / ".hydra" / "hydra.yaml").write_text("hydra:\n  mode: MULTIRUN\n  job:\n    name: main\n")
        epochs = 1 if seed == 2 else 3
        rows = "".join(f"{epoch},{epoch},{0.5 + epoch / 10 + seed / 100}\n" for epoch in range(epochs))
        version = job / "csv" / "version_0"
        version.mkdir(parents=True)
        (version / "metrics.csv").write_text("epoch,step,val_acc\n" + rows)
        (version / "hparams.yaml").write_text(f"seed: {seed}\n")
        last = "[2024-01-01 10:00:00,000][__main__][ERROR] - CUDA out of memory" if seed == 2 else "done"
        (job / "main.log").write_text(f"[2024-01-01 09:00:00,000][__main__][INFO] - start\n{last}\n")
    found = read_tree(tmp_path)
    died, problems, _ = found["multirun/sweep/2"]
    assert died.status == "failed" and died.provenance["error"] == "__main__ ERROR: CUDA out of memory"
    assert problems == [] and set(died.metrics) >= {"val_acc"}
    assert [found[f"multirun/sweep/{seed}"][0].status for seed in (0, 1)] == ["unknown", "unknown"]
    cli("collect", "multirun")
    status = cli("status")
    assert "failed      sweep/2" in status.output and "__main__ ERROR: CUDA out of memory" in status.output
    table = cli("table", "--rows", "model", "--metric", "val_acc")
    assert "Warning: table: mlp: includes 1 failed run(s)" in table.output, table.output


def test_runs_shows_first_the_params_a_sweep_overrode(tmp_path, cli):
    """stavrosb00/FedLearningFoodClassification@e17c9aa's sweeps differ from one another in a dozen
    settings (C_fraction, client_resources.num_gpus, datapath, ...): `resultsbook runs` showed those
    and hid what each sweep varied (num_clients=10,16,32, num_classes=4,10,30) behind `20 more params`."""
    for sweep, (gpus, path) in enumerate(((0, "D:/DesktopC/data"), (0.5, "D:/data"))):
        for job, clients in enumerate((10, 16)):
            folder = tmp_path / "multirun" / f"sweep{sweep}" / str(job)
            (folder / ".hydra").mkdir(parents=True)
            other = "".join(f"a{index}: {index + sweep}\n" for index in range(12))  # settings of the sweep
            config = f"{other}gpus: {gpus}\ndatapath: {path}\nnum_clients: {clients}\nzeta: {job}\n"
            (folder / ".hydra" / "config.yaml").write_text(config)
            (folder / ".hydra" / "overrides.yaml").write_text(f"- num_clients={clients}\n- +zeta={job}\n")
            (folder / "metrics.jsonl").write_text('{"step": 0, "acc": 0.5}\n')
    cli("collect", "multirun")
    header = cli("runs").output.splitlines()[0].split()
    assert header[:5] == ["run_id", "name", "status", "num_clients", "zeta"], header


def _lightning_job(sweep, number, seed, model, epochs, log):
    """Write job `number` of a `-m seed=0,1,2 model=mlp,cnn` sweep: its `.hydra/` files, its main.log and,
    unless it crashed first (`epochs` 0), the metrics.csv of a Lightning CSVLogger."""
    job = sweep / str(number)
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "config.yaml").write_text(f"seed: {seed}\nmodel: {model}\n")
    (job / ".hydra" / "overrides.yaml").write_text(f"- seed={seed}\n- model={model}\n")
    (job / ".hydra" / "hydra.yaml").write_text("hydra:\n  mode: MULTIRUN\n  job:\n    name: main\n")
    (job / "main.log").write_text(log)
    if epochs:
        version = job / "csv" / "version_0"
        version.mkdir(parents=True)
        rows = "".join(f"{epoch},{epoch},{0.5 + epoch / 10 + seed / 100}\n" for epoch in range(epochs))
        (version / "metrics.csv").write_text("epoch,step,val_acc\n" + rows)


def test_a_seed_whose_job_crashed_before_writing_metrics_ran_but_has_no_value(tmp_path, cli):
    """A seed sweep whose job crashed before writing any metric, in the shape of
    stavrosb00/FedLearningFoodClassification@e17c9aa `multirun/strategy_fedavg_var_local_epochs_False/{4,5,6}`
    (`- seed=5` in .hydra/overrides.yaml, Flower's main.log) with seed 5's CSV deleted: the job was a failed
    run of params, yet the table's mark and `status` named its seed as missing (`missing seed 1` here), as
    if it had never been launched, when it ran and crashed (its run is listed as failed below)."""
    sweep = tmp_path / "multirun" / "2024-02-08" / "21-40-11"
    start = "[2024-02-08 21:40:11,002][flwr][INFO] - Starting Flower simulation\n"
    number = 0
    for model in ("mlp", "cnn"):
        for seed in (0, 1, 2):
            crashed = model == "mlp" and seed == 1
            last = "[2024-02-08 21:41:00,000][flwr][ERROR] - CUDA out of memory\n" if crashed else ""
            _lightning_job(sweep, number, seed, model, 0 if crashed else 3, start + last)
            number += 1
    assert cli("collect", "multirun").exit_code == 0
    table = cli("table", "--rows", "model", "--metric", "val_acc", "--goal", "val_acc=max")
    assert (
        "Warning: table: mlp: n = 2 of its 3 seeds, the most any cell has (seed 1 ran but has no value)"
        in table.output
    ), table.output
    assert "missing seed 1" not in table.output
    (tmp_path / "resultsbook.toml").write_text(
        '[tables.t]\nmetric = "val_acc"\ngoal = "max"\nrows = ["model"]\nreplicates = 3\n'
    )
    status = cli("status")
    assert "  mlp: 2 of 3, seed 1 ran but has no value\n" in status.output, status.output
    assert "failed      21-40-11/1" in status.output and "flwr ERROR: CUDA out of memory" in status.output


FED_LOG = "fedavg_varEpoch_iid_balanced_Seed={}_C=100_B=64_E=1_R=3.csv"
FED_PATTERN = "**/fedavg_varEpoch_iid_balanced_Seed=*_C=100_B=64_E=1_R=3.csv"


def _fed_sweep(root, crashed=5):
    """Write stavrosb00/FedLearningFoodClassification@e17c9aa's seed sweep
    `multirun/strategy_fedavg_var_local_epochs_False/{4,5,6}` (`- seed=N` in .hydra/overrides.yaml, the
    job's CSV named after its settings, Flower's main.log), the `crashed` seed's job with no CSV and a
    main.log ending with an error, as a job that died before it wrote its metrics leaves it."""
    sweep = root / "multirun" / "strategy_fedavg_var_local_epochs_False"
    start = "[2024-02-08 21:40:11,002][flwr][INFO] - Starting Flower simulation\n"
    for seed in (4, 5, 6):
        job = sweep / str(seed)
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "config.yaml").write_text(
            f"num_rounds: 3\nseed: {seed}\nstrategy:\n  name: fedavg\n"
        )
        (job / ".hydra" / "overrides.yaml").write_text(
            f"- strategy=fedavg\n- var_local_epochs=False\n- seed={seed}\n"
        )
        (job / ".hydra" / "hydra.yaml").write_text("hydra:\n  mode: MULTIRUN\n  job:\n    name: main\n")
        if seed == crashed:
            (job / "main.log").write_text(
                start + "[2024-02-08 21:41:00,000][flwr][ERROR] - CUDA out of memory\n"
            )
            continue
        (job / "main.log").write_text(start)
        rows = "".join(f"{r},0.02{r},{30 + r + seed}.5\n" for r in (1, 2, 3))
        (job / FED_LOG.format(seed)).write_text("round,test_loss,test_accuracy\n" + rows)
    return sweep


def test_a_job_in_which_the_pattern_matches_no_file_is_a_failed_run_of_its_params(tmp_path, cli):
    """`collect multirun --pattern '**/fedavg_…_Seed=*_….csv' -o config=.hydra/config.yaml` (the collect the
    hydra adapter's problem line gives) read the jobs of seeds 4 and 6 and nothing of seed 5's, which
    crashed: `status` said `none known to have failed` and the table's n = 2 had no mark at all."""
    _fed_sweep(tmp_path)
    read = cli("collect", "multirun", "--pattern", FED_PATTERN, "-o", "config=.hydra/config.yaml")
    assert read.output.startswith("Collected multirun: 3 new, 0 updated, 0 unchanged, 1 problem"), read.output
    assert (
        f"  multirun/strategy_fedavg_var_local_epochs_False/5: holds no file --pattern '{FED_PATTERN}' matches, "
        "as 2 other jobs of its sweep do, and its job log main.log ends with an error: the job failed "
        "(`resultsbook status` lists it); it is a run of its params, which a table's missing-seed mark names "
        "as ran but without a value, not as never launched — kept: the job's params, no metrics; status "
        "failed, with that error\n"
    ) in read.output
    status = cli("status")
    assert "failed      strategy_fedavg_var_local_epochs_False/5" in status.output, status.output
    assert "flwr ERROR: CUDA out of memory" in status.output
    table = cli(
        "table", "--rows", "strategy.name", "--metric", "test_accuracy", "--goal", "test_accuracy=max"
    )
    assert (
        "Warning: table: fedavg: n = 2 of its 3 seeds, the most any cell has (seed 5 ran but has no value)"
    ) in table.output, table.output
    again = cli("collect", "multirun", "--pattern", FED_PATTERN, "-o", "config=.hydra/config.yaml")
    assert again.output.startswith("Collected multirun: 0 new, 0 updated, 3 unchanged, 0 problems"), (
        again.output
    )
    (tmp_path / "resultsbook.toml").write_text(
        '[tables.t]\nmetric = "test_accuracy"\ngoal = "max"\nrows = ["strategy.name"]\noutputs = []\n'
    )
    assert "  fedavg: 2 of 3, seed 5 ran but has no value\n" in cli("status").output


def test_a_crashed_job_that_writes_its_log_when_run_again_is_no_longer_a_failed_run(tmp_path, cli):
    """Once the pattern matches a file in the job, the job's run of params alone is gone: a seed run
    again in its folder is one run, not a failed one beside it."""
    sweep = _fed_sweep(tmp_path)
    cli("collect", "multirun", "--pattern", FED_PATTERN, "-o", "config=.hydra/config.yaml")
    (sweep / "5" / FED_LOG.format(5)).write_text("round,test_loss,test_accuracy\n1,0.02,35.5\n")
    read = cli("collect", "multirun", "--pattern", FED_PATTERN, "-o", "config=.hydra/config.yaml")
    assert "1 missing" in read.output.splitlines()[0], read.output
    runs = cli("runs").output
    assert "failed" not in runs and "3 run(s)" in runs, runs


def test_a_job_is_of_the_sweep_whose_multirun_yaml_is_above_it(tmp_path, cli):
    """nathimel/rdsg@82682cf nests its jobs by hydra.job.override_dirname under the sweep's
    `multirun/multirun.yaml` (`…/dynamics=reinforcement_learning/num_trials=100/sim_param=2` holds only
    `.hydra/`, no job log): its siblings in that folder hold no `mean_points.csv` either, yet it is a job
    of the sweep, whose other jobs do. A job folder in no sweep with a match stays unread."""
    sweep = tmp_path / "multirun"
    sweep.mkdir()
    (sweep / "multirun.yaml").write_text("hydra:\n  mode: MULTIRUN\n")
    for dynamics, param in (("replicator_dynamic", 0), ("reinforcement_learning", 2)):
        job = sweep / f"dynamics={dynamics}" / f"sim_param={param}"
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "config.yaml").write_text(f"sim_param: {param}\ndynamics: {dynamics}\n")
        if param == 0:
            (job / "mean_points.csv").write_text("rate,distortion,round\n0.0067,16.44,0\n")
    lone = tmp_path / "multirun" / "other" / "single"
    (lone / ".hydra").mkdir(parents=True)
    (lone / ".hydra" / "config.yaml").write_text("sim_param: 9\n")
    (tmp_path / "outputs" / "x" / ".hydra").mkdir(parents=True)
    (tmp_path / "outputs" / "x" / ".hydra" / "config.yaml").write_text("sim_param: 8\n")
    read = cli("collect", ".", "--pattern", "**/mean_points.csv", "-o", "config=.hydra/config.yaml")
    assert read.output.startswith("Collected .: 3 new, 0 updated, 0 unchanged, 2 problems"), read.output
    # sim_param=2 and other/single: jobs of the sweep whose other job holds a mean_points.csv
    assert (
        "./multirun/*/si* (2 paths, e.g. ./multirun/dynamics=reinforcement_learning/sim_param=2)"
        in read.output
    )
    assert (
        "as another job of its sweep does, and it has no job log (hydra.job.name.log) to say why"
        in read.output
    )
    assert "outputs/x" not in read.output, read.output  # in no sweep the pattern matched a file of


TEMPLATE = "ashleve/lightning-hydra-template@bddbc24"
OUTPUT_DIR = (
    "[2023-09-26 10:00:09,000][src.utils.utils][INFO] - Output dir: /home/user/logs/train/multiruns/x/{}\n"
)
TRACEBACK = (
    "[2023-09-26 10:00:08,000][src.utils.utils][ERROR] - \n"
    "Traceback (most recent call last):\n"
    '  File "/home/user/src/utils/utils.py", line 68, in wrap\n'
    "    metric_dict, object_dict = task_func(cfg=cfg)\n"
    '  File "/home/user/src/train.py", line 83, in train\n'
    '    trainer.fit(model=model, datamodule=datamodule, ckpt_path=cfg.get("ckpt_path"))\n'
    "RuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB\n"
)


def _template_job(sweep, number, seed, epochs, crashed):
    """Write job `number` of lightning-hydra-template's `python src/train.py -m seed=1,2,3,4
    logger=many_loggers` in the shape of ashleve/lightning-hydra-template@bddbc24: its `.hydra/` files,
    `train.log` (configs/hydra/default.yaml names it after task_name) and, per epoch it reached, the
    same metrics written by its CSVLogger (csv/version_0, configs/logger/csv.yaml) and its
    TensorBoardLogger (tensorboard/version_0, configs/logger/tensorboard.yaml), as src/models/mnist_module.py
    logs them. A job that crashed logs the exception with `log.exception("")`, then `Output dir: ...` in
    src/utils/utils.py task_wrapper's `finally`."""
    from test_tensorboard_adapter import frame, scalar_event

    job = sweep / str(number)
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "config.yaml").write_text(
        f"task_name: train\nseed: {seed}\nmodel:\n  net:\n    lin1_size: 64\n"
    )
    (job / ".hydra" / "overrides.yaml").write_text(f"- seed={seed}\n- logger=many_loggers\n")
    (job / ".hydra" / "hydra.yaml").write_text(
        f"hydra:\n  mode: MULTIRUN\n  job:\n    name: train\n    num: {number}\n"
    )
    log = "[2023-09-26 10:00:01,000][__main__][INFO] - Starting training!\n"
    log += TRACEBACK if crashed else "[2023-09-26 10:00:08,000][__main__][INFO] - Starting testing!\n"
    (job / "train.log").write_text(log + OUTPUT_DIR.format(number))
    if not epochs:
        return
    points = [(epoch * 430 + 429, 0.95 + epoch / 100 + seed / 1000) for epoch in range(epochs)]
    hparams = f"seed: {seed}\nmodel/params/total: 68618\n"
    csv = job / "csv" / "version_0"
    csv.mkdir(parents=True)
    rows = "".join(f"{step // 430},{step},{acc},{acc}\n" for step, acc in points)
    (csv / "metrics.csv").write_text("epoch,step,val/acc,val/acc_best\n" + rows)
    (csv / "hparams.yaml").write_text(hparams)
    board = job / "tensorboard" / "version_0"
    board.mkdir(parents=True)
    (board / "hparams.yaml").write_text(hparams)
    events = b"".join(
        frame(scalar_event(1695722400.0 + step, step, tag, acc))
        for step, acc in points
        for tag in ("val/acc", "val/acc_best")
    )
    (board / f"events.out.tfevents.1695722400.host.{number}.0").write_bytes(events)


def test_a_lightning_hydra_template_job_that_crashed_is_failed_and_each_job_one_run(tmp_path, cli):
    """ashleve/lightning-hydra-template@bddbc24 (src/utils/utils.py task_wrapper) logs a crash as
    `[src.utils.utils][ERROR] - ` and its traceback, then `Output dir: ...` in its `finally`: the job
    log's last record was that INFO line, so a seed whose job died at epoch 1 of 3 was an `unknown` run
    averaged as a replicate like the others, and one that died before any metric was said to end
    'with no error, as the log of a job killed while it ran does'. Each job's CSV and TensorBoard copies
    of the same training are one run, which names the copy it kept."""
    sweep = tmp_path / "logs" / "train" / "multiruns" / "2023-09-26_10-00-00"
    for number, (seed, epochs, crashed) in enumerate(
        ((1, 3, False), (2, 3, False), (3, 1, True), (4, 0, True))
    ):
        _template_job(sweep, number, seed, epochs, crashed)
    found = read_tree(tmp_path)
    assert sorted(found) == [f"logs/train/multiruns/2023-09-26_10-00-00/{n}" for n in range(4)]
    first = found["logs/train/multiruns/2023-09-26_10-00-00/0"][0]
    assert first.status == "unknown" and first.params["seed"] == 1
    error = "src.utils.utils ERROR: RuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB"
    for number in (2, 3):
        died = found[f"logs/train/multiruns/2023-09-26_10-00-00/{number}"][0]
        assert died.status == "failed" and died.provenance["error"] == error
    assert first.provenance["metrics_kept"] == (
        "lightning_csv:csv/version_0, over tensorboard/version_0's copy of 2 metric(s)"
    )
    cli("collect", "logs")
    status = cli("status").output
    assert "failed      2023-09-26_10-00-00/2" in status and error in status, status
    assert "failed      2023-09-26_10-00-00/3" in status
    table = cli(
        "table", "--rows", "model.net.lin1_size", "--metric", "val/acc", "--goal", "val/acc=max"
    ).output
    assert "Mean ± std (ddof = 1) over n = 3 seeds" in table, table
    assert "Warning: table: 64: includes 1 failed run(s)" in table
    assert "(seed 4 ran but has no value)" in table
    problems = cli("problems").output
    assert "its job log train.log ends with an error: the job failed" in problems, problems


def test_an_error_the_job_lived_through_does_not_fail_it(tmp_path):
    """An exception logged with its traceback, after which the job went on (records of other loggers
    follow), is not how the job ended: the shape of ashleve/lightning-hydra-template@bddbc24's job log
    with a caught error mid-run."""
    sweep = tmp_path / "multirun" / "sweep"
    _template_job(sweep, 0, 1, 3, False)
    log = sweep / "0" / "train.log"
    log.write_text(
        TRACEBACK + "[2023-09-26 10:00:09,000][__main__][INFO] - Starting testing!\n" + OUTPUT_DIR.format(0)
    )
    run = read_tree(tmp_path)["multirun/sweep/0"][0]
    assert run.status == "unknown" and "error" not in run.provenance
    # one logger for everything (`log = logging.getLogger(__name__)`), going on for epochs after it
    went_on = "".join(f"[2023-09-26 10:0{n}:00,000][src.utils.utils][INFO] - epoch {n}\n" for n in range(3))
    log.write_text(TRACEBACK + went_on)
    run = read_tree(tmp_path)["multirun/sweep/0"][0]
    assert run.status == "unknown" and "error" not in run.provenance


def test_a_crashed_job_whose_wandb_run_says_finished_is_failed_and_says_why(tmp_path):
    """ashleve/lightning-hydra-template@bddbc24 (src/utils/utils.py task_wrapper) calls `wandb.finish()`
    in its `finally`, as the exception passes: W&B records exit code 0, so the job's W&B run (here
    tests/fixtures/wandb's online run, written by wandb 0.31) says `finished` while train.log ends with
    the traceback; the run took W&B's status and counted as a finished seed."""
    sweep = tmp_path / "logs" / "train" / "multiruns" / "2023-09-26_10-00-00"
    _template_job(sweep, 0, 2, 1, True)
    shutil.copytree(
        FIXTURES / "wandb" / "wandb" / "run-20261127_192054-online01", sweep / "0" / "wandb" / "run-x"
    )
    run, problems, _ = read_tree(tmp_path)["logs/train/multiruns/2023-09-26_10-00-00/0"]
    error = "src.utils.utils ERROR: RuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB"
    assert run.status == "failed" and run.provenance["error"] == error
    assert [problem.describe() for problem in problems] == [
        f"{sweep / '0'}: its job log train.log ends with an error ({error}) while wandb/run-x (wandb) says the "
        "run finished: it was closed in a `finally` (lightning-hydra-template's task_wrapper calls "
        "wandb.finish(), exit code 0) before the error ended the job — kept: status failed, with that error"
    ]


def test_a_job_that_trained_twice_with_two_loggers_is_two_runs_not_four(tmp_path):
    """A lightning-hydra-template job folder (ashleve/lightning-hydra-template@bddbc24,
    logger=many_loggers) a training ran in twice holds csv/version_{0,1} and tensorboard/version_{0,1}:
    each version folder of each logger was a run of its own, 4 runs sharing seed 1 where there were 2
    trainings, so a table averaged each training twice. Each version is one run of both copies."""
    sweep = tmp_path / "logs" / "train" / "multiruns" / "2023-09-26_10-00-00"
    _template_job(sweep, 0, 1, 3, False)
    for logger in ("csv", "tensorboard"):
        shutil.copytree(sweep / "0" / logger / "version_0", sweep / "0" / logger / "version_1")
    found = read_tree(tmp_path)
    assert sorted(found) == [f"logs/train/multiruns/2023-09-26_10-00-00/0#version_{n}" for n in (0, 1)]
    for number in (0, 1):
        run = found[f"logs/train/multiruns/2023-09-26_10-00-00/0#version_{number}"][0]
        assert run.name == f"2023-09-26_10-00-00/0/version_{number}" and run.params["seed"] == 1
        assert run.provenance["metrics_from"] == [
            f"lightning_csv:csv/version_{number}",
            f"tensorboard:tensorboard/version_{number}",
        ]
        assert run.provenance["metrics_kept"] == (
            f"lightning_csv:csv/version_{number}, over tensorboard/version_{number}'s copy of 2 metric(s)"
        )


def _rerun_fixture(tmp_path):
    """Copy tests/fixtures/hydra_rerun with each job's .hydra/config.yaml given back the mtime Hydra gave it."""
    root = copy_fixture("hydra_rerun", tmp_path) / "logs"
    for job, facts in expected("hydra_rerun").items():
        config = root / job / ".hydra" / "config.yaml"
        os.utime(config, (facts["config_mtime"], facts["config_mtime"]))
    return root


def test_a_training_before_a_later_run_of_its_folder_takes_no_hydra_params(tmp_path, cli):
    """`python train.py hydra.run.dir=out/exp; python train.py width=128 hydra.run.dir=out/exp`: Hydra
    rewrote .hydra/config.yaml, and the first training (width 64, val/acc 0.154) was listed with width 128."""
    _rerun_fixture(tmp_path)
    collected = cli("collect", "hydra_rerun/logs/outputs").output
    first, second = sorted(expected("hydra_rerun")["outputs/exp"]["val/acc"])
    first, second = (name.split(".")[3] for name in (first, second))
    assert (
        f"hydra_rerun/logs/outputs/exp: .hydra/config.yaml and overrides.yaml were overwritten by a later run "
        f"of the same folder: tb/{first} ran before it, with a config no longer saved; give each run its own "
        "hydra.run.dir (Hydra's default, outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}, is new each time) — kept: "
        "those runs without Hydra's params, the later run's with them"
    ) in collected, collected
    assert f"each as a run of its own, tb/{first} to tb/{second};" in collected  # the runs' own names
    rows = cli("runs", "--columns", "name,width", "--metric", "val/acc").output.splitlines()
    assert rows[2].split() == [f"outputs/exp/tb/{first}", "0.154"]
    assert rows[3].split() == [f"outputs/exp/tb/{second}", "128", "0.218"]


def test_a_training_before_a_later_sweep_into_the_same_sweep_dir_takes_no_hydra_params(tmp_path):
    """A multirun run twice with one fixed hydra.sweep.dir: each job's earlier training got the later config."""
    root = _rerun_fixture(tmp_path)
    found = read_tree(root / "multirun")
    for job in ("0", "1"):
        runs = {
            key.split("#tb#")[1]: run for key, (run, _, _) in found.items() if key.startswith(f"sweep/{job}#")
        }
        earlier, later = (runs[name] for name in sorted(runs))
        assert earlier.params == {} and "overrides" not in earlier.provenance
        assert later.params == {"seed": int(job), "width": 128}
        assert later.provenance["overrides"] == [f"seed={job}", "width=128"]
    problems = found["sweep/0#tb#" + sorted(expected("hydra_rerun")["multirun/sweep/0"]["val/acc"])[0]][1]
    assert any(
        "give each sweep its own hydra.sweep.dir (Hydra's default, multirun/" in p.message for p in problems
    )


def test_a_job_that_logged_the_exception_it_raised_is_failed_with_the_exception(tmp_path, cli):
    """`log.exception("training failed"); raise` (Hydra 1.3.8's train.log): status showed the log message,
    `__main__ ERROR: training failed`, not the exception on the traceback's last line."""
    job = tmp_path / "multirun" / "s" / "2"
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "config.yaml").write_text("seed: 2\n")
    (job / ".hydra" / "hydra.yaml").write_text("hydra:\n  mode: MULTIRUN\n  job:\n    name: train\n")
    version = job / "csv" / "version_0"
    version.mkdir(parents=True)
    (version / "metrics.csv").write_text("epoch,step,val_acc\n0,0,0.5\n")
    (job / "train.log").write_text(
        "[2026-12-08 03:46:07,311][__main__][ERROR] - training failed\n"
        "Traceback (most recent call last):\n"
        '  File "/tmp/hunt-trk/hw/train.py", line 12, in main\n'
        '    if cfg.seed == 2 and s == 4: raise RuntimeError("NaN loss & diverged")\n'
        "                                 ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "RuntimeError: NaN loss & diverged\n"
    )
    cli("collect", "multirun")
    status = cli("status").output
    assert "__main__ ERROR: RuntimeError: NaN loss & diverged (logged as: training failed)\n" in status, (
        status
    )
