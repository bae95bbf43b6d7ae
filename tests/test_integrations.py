"""Framework integrations, two ways.

1. Against each framework's documented hook protocol, with a minimal stand-in for its base class
   (always run: the frameworks are not installed by the README's test command).
2. With the real framework, training a tiny model on the CPU in a subprocess (skipped, with the
   reason, when the framework is absent; `.ci/run` installs them and runs these too).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
import types

import pytest
from runlog_helpers import RANK_VARIABLES, read_info, run_folders, run_script

from resultsbook.adapters.base import Folder
from resultsbook.adapters.native import NativeAdapter
from resultsbook.runlog import lifecycle

INTEGRATIONS = ("lightning", "huggingface", "keras")


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    for name in RANK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RESULTSBOOK_CACHE_DIR", str(tmp_path / "cache"))
    _forget_integrations()
    yield
    _forget_integrations()  # a module built on a stand-in must not serve a later real import
    for run in lifecycle.open_runs():
        run.close_with(None)


def _forget_integrations():
    for name in INTEGRATIONS:
        sys.modules.pop(f"resultsbook.integrations.{name}", None)


def stand_in(monkeypatch, name, **attributes):
    """Put a fake module (with its parents) into sys.modules for the test."""
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    monkeypatch.setitem(sys.modules, name, module)
    parent, _, child = name.rpartition(".")
    if parent:
        if parent not in sys.modules or not isinstance(sys.modules[parent], types.ModuleType):
            stand_in(monkeypatch, parent)
        monkeypatch.setattr(sys.modules[parent], child, module, raising=False)
    return module


def read_run(folder):
    adapter = NativeAdapter()
    claim = adapter.claim(Folder(str(folder), frozenset(p.name for p in folder.iterdir()), ()))
    return adapter.read(claim.sources[0]).runs[0]


def only_run(root):
    [folder] = run_folders(root)
    return read_run(folder), read_info(folder)


# ----------------------------------------------------------------- stand-ins
def test_lightning_logger_follows_the_logger_protocol(tmp_path, monkeypatch):
    class Logger:  # lightning.pytorch.loggers.Logger: abstract name/version/log_metrics/log_hyperparams
        def __init__(self):
            pass

    stand_in(monkeypatch, "lightning.pytorch.loggers", Logger=Logger)
    stand_in(monkeypatch, "lightning.pytorch.utilities.rank_zero", rank_zero_only=lambda fn: fn)
    from resultsbook.integrations.lightning import ResultsbookLogger

    logger = ResultsbookLogger(str(tmp_path / "runs"), config={"seed": 0}, code_dir=tmp_path)
    assert isinstance(logger, Logger) and logger.name == "resultsbook"
    # what Trainer.fit does: hyperparameters, then metrics by step, then finalize
    logger.log_hyperparams({"lr": 0.1})
    logger.log_metrics({"train/loss": 0.5, "epoch": 0.0}, step=1)
    logger.log_metrics({"val/loss": 0.7, "epoch": 0.0}, step=1)
    logger.finalize("success")
    logger.log_metrics({"test/acc": 0.9, "epoch": 1.0}, step=2)  # trainer.test() afterwards
    logger.finalize("success")
    run, _ = only_run(tmp_path / "runs")
    assert run.params == {"seed": 0, "lr": 0.1}
    assert run.status == "finished"
    assert list(run.metrics["epoch"].steps) == [1, 2]  # once per step, not once per call
    assert set(run.metrics) == {"train/loss", "val/loss", "test/acc", "epoch"}
    assert logger.version == run.name


def test_lightning_logger_ends_failed_with_the_exception_being_handled(tmp_path, monkeypatch):
    stand_in(monkeypatch, "lightning.pytorch.loggers", Logger=type("Logger", (), {}))
    stand_in(monkeypatch, "lightning.pytorch.utilities.rank_zero", rank_zero_only=lambda fn: fn)
    from resultsbook.integrations.lightning import ResultsbookLogger

    logger = ResultsbookLogger(str(tmp_path / "runs"), code_dir=tmp_path)
    logger.log_metrics({"loss": 1.0}, step=1)
    try:
        raise RuntimeError("CUDA out of memory")
    except RuntimeError:
        logger.finalize("failed")  # what Lightning's _call_and_handle_interrupt does
    _, info = only_run(tmp_path / "runs")
    assert info["status"] == "failed"
    assert info["error"]["message"] == "CUDA out of memory"


def test_huggingface_callback_follows_the_trainer_callback_protocol(tmp_path, monkeypatch):
    stand_in(monkeypatch, "transformers.trainer_callback", TrainerCallback=type("TrainerCallback", (), {}))
    from resultsbook.integrations.huggingface import ResultsbookCallback

    class Arguments:
        def to_sanitized_dict(self):
            return {"learning_rate": 5e-5, "seed": 42, "output_dir": "out", "logging_dir": "out/runs/x"}

    state = types.SimpleNamespace(global_step=0, is_world_process_zero=True)
    callback = ResultsbookCallback(str(tmp_path / "runs"), config={"model": "tiny"}, code_dir=tmp_path)
    args, control = Arguments(), object()
    callback.on_train_begin(args, state, control, model=None)
    for step in (2, 4):
        state.global_step = step
        callback.on_log(args, state, control, logs={"loss": 1.0 / step, "epoch": step / 4, "note": "x"})
    callback.on_train_end(args, state, control)
    callback.on_log(args, state, control, logs={"eval_loss": 0.3, "epoch": 1.0})  # trainer.evaluate()
    callback.run.flush()
    run, info = only_run(tmp_path / "runs")
    assert run.params == {"model": "tiny", "learning_rate": 5e-5, "seed": 42}
    assert run.name.startswith("tiny-")
    assert list(run.metrics["loss"].steps) == [2, 4] and list(run.metrics["eval_loss"].steps) == [4]
    assert info["status"] == "running"  # reopened by evaluate(); closed at exit


def test_huggingface_callback_is_silent_off_the_main_process(tmp_path, monkeypatch):
    stand_in(monkeypatch, "transformers.trainer_callback", TrainerCallback=type("TrainerCallback", (), {}))
    from resultsbook.integrations.huggingface import ResultsbookCallback

    state = types.SimpleNamespace(global_step=1, is_world_process_zero=False)
    callback = ResultsbookCallback(str(tmp_path / "runs"), code_dir=tmp_path)
    callback.on_train_begin(None, state, None)
    callback.on_log(None, state, None, logs={"loss": 1.0})
    assert callback.run is None and not (tmp_path / "runs").exists()


def test_huggingface_callback_unique_false_keeps_configs_alike_in_their_name_apart(tmp_path, monkeypatch):
    """Configs alike in the four values naming the folder (warmup differs): the later replaced the
    earlier, and one started while the other trained was refused as a run of the same name."""
    stand_in(monkeypatch, "transformers.trainer_callback", TrainerCallback=type("TrainerCallback", (), {}))
    from resultsbook.integrations.huggingface import ResultsbookCallback

    args = types.SimpleNamespace(to_dict=lambda: {"learning_rate": 5e-5})
    state = types.SimpleNamespace(global_step=10, is_world_process_zero=True)

    def callback(warmup):
        config = {"model": "bert", "lr": 1e-4, "bs": 32, "wd": 0.01, "warmup": warmup}
        made = ResultsbookCallback(str(tmp_path / "runs"), config=config, unique=False, code_dir=tmp_path)
        made.on_train_begin(args, state, None)
        made.on_log(args, state, None, logs={"eval_acc": warmup / 1000})
        return made

    first = callback(100)
    callback(500).on_train_end(args, state, None)  # while the first still trains
    first.on_train_end(args, state, None)
    for warmup in (100, 500):  # a rerun of each finds its own folder
        callback(warmup).on_train_end(args, state, None)
    folders = sorted(run_folders(tmp_path / "runs"))
    assert folders[0].name == "bert_lr0.0001_bs32_wd0.01"
    assert re.fullmatch(r"bert_lr0\.0001_bs32_wd0\.01-[0-9a-f]{8}", folders[1].name), folders[1].name
    assert [list(read_run(folder).metrics["eval_acc"].values) for folder in folders] == [[0.1], [0.5]]


def test_keras_callback_follows_the_callback_protocol(tmp_path, monkeypatch):
    class Callback:  # keras.callbacks.Callback: set_params / set_model, then the on_* hooks
        def set_params(self, params):
            self.params = params

    stand_in(monkeypatch, "keras", callbacks=types.SimpleNamespace(Callback=Callback))
    from resultsbook.integrations.keras import ResultsbookCallback

    callback = ResultsbookCallback(str(tmp_path / "runs"), config={"model": "dense"}, code_dir=tmp_path)
    callback.set_params({"epochs": 2, "steps": 4, "verbose": 0})
    callback.on_train_begin()
    for epoch in range(2):
        callback.on_epoch_end(epoch, {"loss": 1.0 - epoch / 10, "val_accuracy": 0.5 + epoch / 10})
    callback.on_train_end()
    run, _ = only_run(tmp_path / "runs")
    assert run.params == {"model": "dense", "epochs": 2, "steps": 4}
    assert list(run.metrics["val_accuracy"].steps) == [1, 2]
    assert run.status == "finished"


@pytest.mark.parametrize(
    ("module", "blocked", "install"),
    [
        ("lightning", ("lightning", "pytorch_lightning"), "pip install lightning"),
        ("huggingface", ("transformers",), "pip install transformers"),
        ("keras", ("keras",), "pip install keras"),
    ],
)
def test_an_integration_without_its_framework_says_what_to_install(monkeypatch, module, blocked, install):
    for name in blocked:
        monkeypatch.setitem(sys.modules, name, None)  # import of a None entry raises ImportError
    with pytest.raises(ImportError, match=install):
        importlib.import_module(f"resultsbook.integrations.{module}")


# ------------------------------------------------------------ real frameworks
def require_framework(*modules):
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: pip install -r .ci/integrations.txt")


LIGHTNING = """
import sys, torch, lightning as L
from resultsbook.integrations.lightning import ResultsbookLogger
FAIL_AT = int(sys.argv[1])
class Tiny(L.LightningModule):
    def __init__(self, lr=0.1):
        super().__init__()
        self.save_hyperparameters()
        self.layer = torch.nn.Linear(2, 1)
    def training_step(self, batch, index):
        if self.global_step == FAIL_AT:
            raise RuntimeError("diverged at step %d" % FAIL_AT)
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("train/loss", loss)
        return loss
    def validation_step(self, batch, index):
        x, y = batch
        self.log("val/loss", torch.nn.functional.mse_loss(self.layer(x), y))
    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)
torch.manual_seed(0)
pairs = torch.utils.data.TensorDataset(torch.randn(32, 2), torch.randn(32, 1))
data = torch.utils.data.DataLoader(pairs, batch_size=8)
trainer = L.Trainer(max_epochs=2, logger=ResultsbookLogger("runs", config={"seed": 0}), log_every_n_steps=1,
                    enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False)
trainer.fit(Tiny(), data, data)
"""


def test_real_lightning_run_is_collected_with_metrics_and_status(tmp_path):
    require_framework("torch", "lightning")
    assert run_script(tmp_path / "ok", LIGHTNING, "-1").returncode == 0
    run, info = only_run(tmp_path / "ok" / "runs")
    assert run.status == "finished" and run.params == {"seed": 0, "lr": 0.1}
    assert list(run.metrics["train/loss"].steps) == list(range(8))
    assert len(run.metrics["val/loss"]) == 2
    failed = run_script(tmp_path / "bad", LIGHTNING, "3")
    assert failed.returncode == 1
    run, info = only_run(tmp_path / "bad" / "runs")
    assert run.status == "failed" and info["error"]["message"] == "diverged at step 3"
    assert list(run.metrics["train/loss"].steps) == [0, 1, 2]


HUGGINGFACE = """
import torch
from transformers import Trainer, TrainingArguments
from resultsbook.integrations.huggingface import ResultsbookCallback
class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(2, 1)
    def forward(self, x, labels=None):
        out = self.layer(x)
        return {"loss": torch.nn.functional.mse_loss(out, labels), "logits": out}
class Data(torch.utils.data.Dataset):
    def __init__(self):
        generator = torch.Generator().manual_seed(0)
        self.x, self.y = torch.randn(32, 2, generator=generator), torch.randn(32, 1, generator=generator)
    def __len__(self):
        return 32
    def __getitem__(self, i):
        return {"x": self.x[i], "labels": self.y[i]}
args = TrainingArguments(output_dir="out", num_train_epochs=2, per_device_train_batch_size=8, logging_steps=2,
                         eval_strategy="epoch", report_to=[], save_strategy="no", use_cpu=True, seed=0,
                         disable_tqdm=True)
trainer = Trainer(model=Tiny(), args=args, train_dataset=Data(), eval_dataset=Data(),
                  callbacks=[ResultsbookCallback("runs", config={"model": "tiny"})])
trainer.train()
"""


def test_real_huggingface_trainer_run_is_collected(tmp_path):
    require_framework("torch", "transformers", "accelerate")
    result = run_script(tmp_path, HUGGINGFACE)
    assert result.returncode == 0, result.stderr[-2000:]
    run, _ = only_run(tmp_path / "runs")
    assert run.status == "finished"
    assert run.params["model"] == "tiny" and run.params["num_train_epochs"] == 2
    assert list(run.metrics["loss"].steps) == [2, 4, 6, 8]
    assert list(run.metrics["eval_loss"].steps) == [4, 8]


KERAS = """
import os
os.environ["KERAS_BACKEND"] = "torch"
import numpy as np, keras
from resultsbook.integrations.keras import ResultsbookCallback
keras.utils.set_random_seed(0)
x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
y = (x[:, :1] > 0).astype("float32")
model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0,
          callbacks=[ResultsbookCallback("runs", config={"model": "dense", "seed": 0})])
"""


def test_real_keras_fit_is_collected(tmp_path):
    require_framework("torch", "keras")
    result = run_script(tmp_path, KERAS)
    assert result.returncode == 0, result.stderr[-2000:]
    run, _ = only_run(tmp_path / "runs")
    assert run.status == "finished" and run.params == {"model": "dense", "seed": 0, "epochs": 3, "steps": 3}
    assert {key: list(series.steps) for key, series in run.metrics.items()} == {
        key: [1, 2, 3] for key in ("accuracy", "loss", "val_accuracy", "val_loss")
    }
    assert json.loads((run_folders(tmp_path / "runs")[0] / "config.json").read_text())["model"] == "dense"
