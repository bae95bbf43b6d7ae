"""PyTorch Lightning CSVLogger folders, written by Lightning itself (tests/fixtures/lightning_csv)."""

from __future__ import annotations

import datetime

import pytest
from trackers import copy_fixture, expected, last_values, read_tree, same_number

from resultsbook.params import flatten_params, normalize_value


@pytest.fixture
def root(tmp_path):
    return copy_fixture("lightning_csv", tmp_path)


def test_every_version_agrees_with_what_lightning_wrote(root):
    found = read_tree(root)
    want = {item["source"]: item for item in expected("lightning_csv")["runs"]}
    assert sorted(found) == sorted(want)
    for source, item in want.items():
        run, problems, adapter = found[source]
        assert adapter == "lightning_csv" and problems == []
        assert run.params == {k: normalize_value(v) for k, v in item["params"].items()}
        assert {k: len(s) for k, s in run.metrics.items()} == item["points"]
        assert {k: int(s.steps[-1]) for k, s in run.metrics.items()} == item["last_step"]
        finals = last_values(run)
        assert all(same_number(finals[k], v) for k, v in item["final"].items())
        assert run.status == "unknown"  # CSVLogger records no status
        assert run.name == source.removeprefix("logs/") and run.experiment == "mlp"


def test_python_tags_in_hparams_are_read_as_plain_data_never_as_objects(root):
    run = read_tree(root)["logs/mlp/version_0"][0]
    assert run.params["hidden"] == "[8]"  # !!python/tuple
    assert run.params["opts.dataset"] == "moons"  # !!python/object:argparse.Namespace


def test_object_apply_tags_do_not_run_code(tmp_path):
    folder = tmp_path / "lightning_logs" / "version_0"
    folder.mkdir(parents=True)
    marker = tmp_path / "pwned"
    (folder / "hparams.yaml").write_text(
        f"cmd: !!python/object/apply:os.system ['touch {marker}']\n"
        "device: !!python/object/apply:torch.device [cpu]\nlr: 0.1\n"
    )
    (folder / "metrics.csv").write_text("epoch,step,loss\n0,0,1.0\n")
    run = read_tree(tmp_path)["lightning_logs/version_0"][0]
    assert not marker.exists()
    assert run.params["lr"] == 0.1 and run.params["device"] == '["cpu"]'


def test_sparse_rows_give_each_metric_only_the_steps_it_was_logged_at(root):
    run = read_tree(root)["logs/mlp/version_0"][0]
    assert list(run.metrics["val/acc"].steps) == [3, 7, 11]
    assert list(run.metrics["train_loss"].steps) == [1, 3, 5, 7, 9, 11]
    assert list(run.metrics["epoch"].values) == [0, 0, 1, 1, 2, 2]


def test_crashed_fit_keeps_the_rows_it_wrote(root):
    run, problems, _ = read_tree(root)["logs/mlp/version_2"]
    assert problems == [] and run.status == "unknown"
    assert list(run.metrics["val/acc"].steps) == [3, 7]


def test_row_cut_off_mid_write_is_dropped_and_reported(root):
    path = root / "logs" / "mlp" / "version_1" / "metrics.csv"
    path.write_text(path.read_text() + "2,13,0.5")
    run, problems, _ = read_tree(root)["logs/mlp/version_1"]
    assert [p.message for p in problems] == ["last line (11) is cut off (a run still writing?); if the file is complete, end its last line with a newline"]
    assert int(run.metrics["train_loss"].steps[-1]) == 11


def test_a_torch_module_in_hparams_gives_its_settings_not_its_weights(tmp_path):
    root = copy_fixture("lightning_csv_module", tmp_path)
    found = read_tree(root)
    for item in expected("lightning_csv_module")["runs"]:
        run, problems, _ = found[item["source"]]
        assert problems == []
        assert run.params == {k: normalize_value(v) for k, v in item["params"].items()}


def test_bytes_in_hparams_read_as_their_size_and_digest(tmp_path):
    folder = tmp_path / "lightning_logs" / "version_0"
    folder.mkdir(parents=True)
    (folder / "hparams.yaml").write_text("mask: !!binary |\n  AAECAw==\nlr: 0.1\n")
    (folder / "metrics.csv").write_text("epoch,step,loss\n0,0,1.0\n")
    run = read_tree(tmp_path)["lightning_logs/version_0"][0]
    assert run.params["mask"] == "<4 bytes, sha256 054edec1>"


def test_a_version_folder_with_hparams_alone_is_a_run_whose_missing_metrics_are_said(tmp_path):
    folder = tmp_path / "lightning_logs" / "version_3"
    folder.mkdir(parents=True)
    (folder / "hparams.yaml").write_text("lr: 0.1\nseed: 3\n")
    run, problems, adapter = read_tree(tmp_path)["lightning_logs/version_3"]
    assert adapter == "lightning_csv" and run.params == {"lr": 0.1, "seed": 3} and run.metrics == {}
    assert [p.message for p in problems] == [
        "holds hparams.yaml but no metrics.csv nor TensorBoard event file: a run that has not logged yet, "
        "crashed before its first log, or whose logger wrote elsewhere"
    ]


def test_hparams_beside_event_files_stay_tensorboards_and_elsewhere_are_not_claimed(tmp_path):
    board = tmp_path / "lightning_logs" / "version_0"
    board.mkdir(parents=True)
    (board / "hparams.yaml").write_text("lr: 0.1\n")
    (board / "events.out.tfevents.1.host").write_bytes(b"")
    other = tmp_path / "configs"
    other.mkdir()
    (other / "hparams.yaml").write_text("lr: 0.1\n")
    found = read_tree(tmp_path)
    assert "configs" not in found
    assert found["lightning_logs/version_0"][2] == "tensorboard"


FIT = (
    "epoch,step,train_loss,val_acc,val_loss\n"
    "0,1,0.9,,\n0,3,0.8,,\n0,3,,0.6,0.7\n1,5,0.7,,\n1,7,0.6,,\n1,7,,0.7,0.6\n2,9,0.5,,\n2,11,0.4,,\n2,11,,0.8,0.5\n"
)


def _version(tmp_path, metrics):
    folder = tmp_path / "lightning_logs" / "version_0"
    folder.mkdir(parents=True)
    (folder / "hparams.yaml").write_text("lr: 0.1\n")
    (folder / "metrics.csv").write_text(metrics)
    return read_tree(tmp_path)["lightning_logs/version_0"]


def test_a_validate_after_fit_is_the_final_value_not_the_curves_last_point(tmp_path):
    # trainer.validate() after fit logs at the next step, one epoch past the fit's (another data split
    # gave 0.999 in a public tree): max and last of the curve stay the fit's, as the paper reports them
    run, problems, _ = _version(tmp_path, FIT + "3,12,,0.99,0.01\n")
    assert list(run.metrics["val_acc"].steps) == [3, 7, 11] and run.metrics["val_acc"].values.max() == 0.8
    assert run.summary == {"val_acc": 0.99, "val_loss": 0.01}
    assert run.metrics["epoch"].values[-1] == 3 and len(run.metrics["train_loss"]) == 6
    assert [p.describe() for p in problems] == [
        f"{tmp_path / 'lightning_logs' / 'version_0' / 'metrics.csv'}: its last points, at epoch 3 (one past "
        "the fit's last) a step after its last validation, are a trainer.validate() after fit — kept: as the "
        "final value of val_acc, val_loss, not a point of their curves"
    ]


def test_a_fit_of_one_step_an_epoch_or_a_test_after_fit_keeps_every_point(tmp_path):
    one_step = "epoch,step,val_acc\n0,0,0.5\n1,1,0.6\n2,2,0.7\n3,3,0.9\n"
    run, problems, _ = _version(tmp_path / "one", one_step)
    assert problems == [] and list(run.metrics["val_acc"].steps) == [0, 1, 2, 3]
    tested = FIT.replace("val_loss\n", "val_loss,test_acc\n").replace("\n", ",\n").replace(
        "test_acc,\n", "test_acc\n"
    ) + "3,12,,,,0.75\n"
    run, problems, _ = _version(tmp_path / "test", tested)
    assert problems == [] and run.summary == {} and list(run.metrics["test_acc"].steps) == [12]


def test_a_hparams_yaml_named_collects_its_version_folder_not_a_second_run_of_params(tmp_path):
    # `resultsbook collect lightning_logs/version_0/hparams.yaml` made a run of params alone beside
    # version_0 (onefile's `version_0/hparams`), which the next collect of the tree then called missing
    import resultsbook as rb

    csv_run, board = tmp_path / "csv" / "version_0", tmp_path / "board" / "version_0"
    for folder in (csv_run, board, tmp_path / "bare" / "version_1"):
        folder.mkdir(parents=True)
        (folder / "hparams.yaml").write_text("lr: 0.1\n")
    (csv_run / "metrics.csv").write_text("epoch,step,val_acc\n0,9,0.9\n")
    (board / "events.out.tfevents.1.host").write_bytes(b"")
    for root in ("csv", "board", "bare"):
        db = str(tmp_path / f"{root}.db")
        assert rb.collect(str(tmp_path / root), db=db).new == 1
        (folder,) = (tmp_path / root).iterdir()
        again = rb.collect(str(folder / "hparams.yaml"), db=db)
        assert (again.new, again.unchanged) == (0, 1), root
        assert list(rb.open(db).runs()["name"]) == [f"{root}/{folder.name}"]


def test_an_omegaconf_config_pickled_into_hparams_gives_its_values(tmp_path):
    # yaml.dump of a DictConfig writes its nodes with _metadata and a _parent alias back up, which the
    # alias check refused, losing every param of the file (lr too), not only the config's
    omegaconf = pytest.importorskip("omegaconf")
    import yaml

    config = omegaconf.OmegaConf.create({"model": {"lr": 0.1, "layers": [64, 64]}, "opt": None, "m": "???"})
    listed = omegaconf.OmegaConf.create([1, {"a": 2}])
    text = yaml.dump({"cfg": config, "steps": listed, "lr": 0.01})
    folder = tmp_path / "lightning_logs" / "version_0"
    folder.mkdir(parents=True)
    (folder / "hparams.yaml").write_text(text)
    (folder / "metrics.csv").write_text("epoch,step,val_acc\n0,9,0.9\n")
    run, problems, _ = read_tree(tmp_path)["lightning_logs/version_0"]
    assert problems == []
    assert run.params == {
        "cfg.model.lr": 0.1, "cfg.model.layers": "[64, 64]", "cfg.opt": None, "cfg.m": "???",
        "steps": '[1, {"a": 2}]', "lr": 0.01,
    }  # fmt: skip


def test_an_alias_loop_inside_what_an_omegaconf_node_holds_is_still_refused(tmp_path):
    folder = tmp_path / "lightning_logs" / "version_0"
    folder.mkdir(parents=True)
    (folder / "hparams.yaml").write_text(
        "cfg: !!python/object:omegaconf.dictconfig.DictConfig\n  _content: &loop\n    inner: *loop\nlr: 0.1\n"
    )
    (folder / "metrics.csv").write_text("epoch,step,val_acc\n0,9,0.9\n")
    run, problems, _ = read_tree(tmp_path)["lightning_logs/version_0"]
    assert run.params == {} and "an alias refers to a node that contains it" in problems[0].message


def test_collecting_a_version_s_checkpoints_folder_names_the_version_folder_to_collect(tmp_path, cli):
    """AnAccountWithoutAName/Deep-Lineary-Gated-Networks@f5ad0fc: `collect lightning_logs/version_11/checkpoints`
    (one folder too deep, beside the event files) was told to name the format with --adapter."""
    version = tmp_path / "lightning_logs" / "version_11"
    (version / "checkpoints").mkdir(parents=True)
    (version / "checkpoints" / "epoch=99-step=2600.ckpt").write_bytes(b"PK\x03\x04")
    (version / "hparams.yaml").write_text("lr: 0.001\n")
    (version / "metrics.csv").write_text("epoch,step,val_acc\n0,9,0.5\n")
    result = cli("collect", "lightning_logs/version_11/checkpoints", "--db", "rb.db")
    assert result.exit_code == 1
    assert (
        "no runs found under lightning_logs/version_11/checkpoints; it is inside the Lightning version folder "
        "lightning_logs/version_11, which holds its logs (hparams.yaml, metrics.csv): collect that folder, or "
        "lightning_logs for every version" in result.output
    )
    assert "--adapter" not in result.output
    assert cli("collect", "lightning_logs/version_11", "--db", "rb.db").exit_code == 0


def test_a_test_tube_version_folder_gets_its_params_from_meta_tags_csv(tmp_path):
    """Lightning before 0.7 logged with test-tube: `version_N/meta_tags.csv` (a `key,value` row per
    hparam) beside metrics.csv and tf/, no hparams.yaml. Jhko725/Contact-Point-Detection@e5931c1's
    version_14 and version_15 were read with no params at all, silently, and averaged with the others."""
    folder = tmp_path / "lightning_logs" / "version_15"
    (folder / "tf").mkdir(parents=True)
    (folder / "meta_tags.csv").write_text(
        'key,value\nlr,0.02\nbatch_size,20\nsolver,rk4\nhidden_nodes,"[10,10, 10]"\nname,[\'a\']\n'
    )
    (folder / "metrics.csv").write_text(
        "train_loss,epoch,created_at\n10.3,0,2020-03-03 15:56:57.686896\n10.2,1,2020-03-03 18:43:08.266427\n"
    )
    run, problems, adapter = read_tree(tmp_path)["lightning_logs/version_15"]
    assert adapter == "lightning_csv", problems
    # a list as a config.json's list is kept (one text for [10,10, 10] and [10, 10, 10]), a Python repr as written
    assert run.params == flatten_params(
        {"lr": 0.02, "batch_size": 20, "solver": "rk4", "hidden_nodes": [10, 10, 10], "name": "['a']"}
    )
    assert run.metrics["train_loss"].values.tolist() == [10.3, 10.2]
    utc = datetime.timezone.utc
    created = [datetime.datetime(2020, 3, 3, 15, 56, 57, 686896, utc), datetime.datetime(2020, 3, 3, 18, 43, 8, 266427, utc)]
    assert run.metrics["train_loss"].times.tolist() == [stamp.timestamp() for stamp in created]
    assert problems == [] or [p.message for p in problems] == ["has no 'step' column"], problems


def test_a_test_tube_folder_renamed_is_one_run_not_its_csv_unread_and_its_event_files_a_run(tmp_path):
    """Contact-Point-Detection's hall_of_fame/<date>/lightning_logs/: a test-tube version folder kept
    under another name. Its tf/ event files were read as a run without params, its metrics.csv left
    unread, and the pattern the note gave for it stored the same training twice."""
    folder = tmp_path / "hall_of_fame" / "20200204" / "lightning_logs"
    (folder / "tf").mkdir(parents=True)
    (folder / "tf" / "events.out.tfevents.1580000000.host.1.0").write_bytes(b"")
    (folder / "meta_tags.csv").write_text("key,value\nlr,0.02\n")
    (folder / "metrics.csv").write_text("train_loss,epoch\n10.3,0\n10.2,1\n")
    found = read_tree(tmp_path)
    assert list(found) == ["hall_of_fame/20200204/lightning_logs"]
    run, _, adapter = found["hall_of_fame/20200204/lightning_logs"]
    assert (adapter, run.params) == ("lightning_csv", {"lr": 0.02})
