"""Third-party adapters: a package that declares one in the resultsbook.adapters entry-point group is
listed by `resultsbook adapters` and used by collect, with no change to resultsbook."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from resultsbook.adapters import _BUILTIN, available_adapters
from resultsbook.sources.collect import CollectRequest, collect

PLUGIN = '''
"""A third-party adapter: one run per *.score file holding one number."""

from resultsbook.adapters import Adapter, Claim
from resultsbook.models import Problem, ReadResult, RunRecord
from resultsbook.sources.textio import read_text, to_float


class ScoreAdapter(Adapter):
    name = "score"
    summary = "one number per .score file"
    priority = 60

    def claim(self, folder, forced=False):
        names = sorted(n for n in folder.files if n.endswith(".score"))
        if not names:
            return None
        return Claim(tuple(self.source(folder.file(n), [folder.file(n)]) for n in names), descend=True)

    def read(self, source):
        problems = []
        value = to_float(read_text(source.path, problems).strip())
        if value is None:
            problems.append(Problem(source.path, "holds no number", "nothing"))
            return ReadResult((), tuple(problems))
        run = RunRecord(name=source.path.rsplit("/", 1)[-1], summary={"score": value})
        return ReadResult((run,), tuple(problems))
'''


def install(site: Path, module: str, text: str, entry_point: str, monkeypatch) -> None:
    """Install a tiny distribution (module + dist-info with entry_points.txt) on sys.path."""
    info = site / f"{module}-1.0.dist-info"
    info.mkdir(parents=True)
    (site / f"{module}.py").write_text(textwrap.dedent(text))
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[resultsbook.adapters]\n{entry_point}\n")
    monkeypatch.syspath_prepend(str(site))


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """The score adapter, installed as another package would be."""
    install(tmp_path / "site", "score_plugin", PLUGIN, "score = score_plugin:ScoreAdapter", monkeypatch)
    available_adapters.cache_clear()
    yield
    available_adapters.cache_clear()


def test_an_adapter_registered_by_another_package_is_listed(plugin, cli):
    result = cli("adapters")
    assert result.exit_code == 0
    assert "score: one number per .score file" in result.output.splitlines()
    names = list(available_adapters())  # ordered by claiming priority (score: 60), not appended
    assert names.index("native") < names.index("score") < names.index("keras_csv")


def test_collect_uses_an_adapter_registered_by_another_package(plugin, tmp_path, store):
    (tmp_path / "runs" / "a").mkdir(parents=True)
    (tmp_path / "runs" / "a" / "final.score").write_text("0.75\n")
    (tmp_path / "runs" / "b.score").write_text("oops")
    report = collect(store, [CollectRequest(str(tmp_path / "runs"))])
    assert report.new == 1 and [p.message for p in report.problems] == ["holds no number"]
    [run] = store.runs()
    assert (run.adapter, run.name) == ("score", "final.score")


def test_every_builtin_adapter_is_declared_in_the_entry_point_group():
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    pyproject = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    assert pyproject["project"]["entry-points"]["resultsbook.adapters"] == _BUILTIN


def test_a_plugin_named_with_adapter_reads_what_a_pattern_picks(plugin, tmp_path, cli):
    for model, seed in [("mlp", 0), ("mlp", 1), ("tabm", 0)]:
        (tmp_path / "runs" / model / str(seed)).mkdir(parents=True)
        (tmp_path / "runs" / model / str(seed) / "final.score").write_text(f"0.{seed + 5}\n")
    (tmp_path / "runs" / "mlp" / "0" / "other.score").write_text("0.1\n")  # not what the pattern names
    result = cli("collect", "runs", "--adapter", "score", "--pattern", "{model}/{seed}/final.score")
    assert result.exit_code == 0, result.output
    assert "3 new" in result.output
    runs = cli("runs", "--format", "json")
    assert sorted((r["params"]["model"], r["params"]["seed"]) for r in json.loads(runs.output)["runs"]) == [
        ("mlp", 0),
        ("mlp", 1),
        ("tabm", 0),
    ]


def test_a_pattern_no_path_matches_says_what_was_tried(plugin, tmp_path, cli):
    (tmp_path / "runs" / "mlp" / "0").mkdir(parents=True)
    (tmp_path / "runs" / "mlp" / "0" / "final.score").write_text("0.5\n")
    result = cli("collect", "runs", "--adapter", "score", "--pattern", "{model}/{seed}/result.score")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: no runs found under runs; no path there matches --pattern '{model}/{seed}/result.score' "
        "(3 tried, e.g. 'mlp'); a pattern is matched against paths relative to runs (did you mean --pattern "
        "'{model}/{seed}/final.score'?); the store was left as it was"
    )


def test_a_pattern_whose_files_the_adapter_does_not_read_says_so(plugin, tmp_path, cli):
    (tmp_path / "runs" / "mlp" / "0").mkdir(parents=True)
    (tmp_path / "runs" / "mlp" / "0" / "notes.txt").write_text("hello\n")
    result = cli("collect", "runs", "--adapter", "score", "--pattern", "{model}/{seed}/notes.txt")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: no runs found under runs; 1 path(s) match --pattern '{model}/{seed}/notes.txt' but the "
        "score adapter reads none of them (e.g. 'mlp/0/notes.txt'); point --pattern at the files it "
        "reads, or name another adapter (see `resultsbook adapters`); the store was left as it was"
    )


CURVE_PLUGIN = '''
"""A third-party adapter with a bug: one run per *.curve file of "step value" lines, its `loss` built
from Python lists instead of numpy arrays; its `acc` built right."""

import numpy as np

from resultsbook.adapters import Adapter, Claim
from resultsbook.models import ReadResult, RunRecord, Series
from resultsbook.sources.textio import read_text


class CurveAdapter(Adapter):
    name = "curve"
    summary = "step value lines per .curve file"
    priority = 60

    def claim(self, folder, forced=False):
        names = sorted(n for n in folder.files if n.endswith(".curve"))
        if not names:
            return None
        return Claim(tuple(self.source(folder.file(n), [folder.file(n)]) for n in names))

    def read(self, source):
        problems = []
        rows = [line.split() for line in read_text(source.path, problems).splitlines()]
        steps = [int(step) for step, _ in rows]
        values = [float(value) for _, value in rows]
        metrics = {
            "loss": Series(steps=steps, values=values),
            "acc": Series(steps=np.array(steps), values=1 - np.array(values)),
        }
        return ReadResult((RunRecord(name="r", metrics=metrics),), tuple(problems))
'''


@pytest.fixture
def buggy_plugin(tmp_path, monkeypatch):
    """The curve adapter (with its bug), installed as another package would be."""
    install(tmp_path / "site", "curve_plugin", CURVE_PLUGIN, "curve = curve_plugin:CurveAdapter", monkeypatch)
    available_adapters.cache_clear()
    yield
    available_adapters.cache_clear()


def test_a_malformed_series_from_a_plugin_costs_that_metric_and_names_the_adapter(
    buggy_plugin, tmp_path, store
):
    path = tmp_path / "runs" / "a.curve"
    path.parent.mkdir()
    path.write_text("1 0.5\n2 0.25\n")
    report = collect(store, [CollectRequest(str(tmp_path / "runs"))])
    assert report.new == 1
    assert [p.describe() for p in report.problems] == [
        f"{path}: metric 'loss' was read as a malformed series (a bug in the curve adapter) — kept: the other metrics"
    ]
    [run] = store.runs()
    assert list(store.series("loss")) == [] and store.series("acc")[run.id][1].tolist() == [0.5, 0.75]
