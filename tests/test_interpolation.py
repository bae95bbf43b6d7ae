"""Hydra's `${...}` interpolations resolve as OmegaConf resolves them, with or without omegaconf."""

from __future__ import annotations

import sys

import pytest

from resultsbook.sources.interpolation import resolve_interpolations, resolve_without_omegaconf

CONFIG = {
    "model": {"lr": 0.1, "dims": [8, 16], "name": "mlp"},
    "which": "name",
    "lr": "${model.lr}",
    "first_dim": "${model.dims[0]}",
    "tag": "${model.name}-lr${model.lr}",
    "nested": "${model.${which}}",
    "escaped": "\\${model.lr}",
    "half_escaped": "lr=${model.lr}, not \\${model.lr}",
    "section": "${model}",
    "relative": {"name": "sgd", "alias": "${.name}", "up": "${..lr}"},
    "in_list": ["${lr}", "\\${lr}"],
    "when": "${now:%Y-%m-%d}",
    "home": "${oc.env:HOME}",
    "home_or": "${oc.env:NOPE,${model.name}}",
    "stamped": "run-${model.name}-${now:%H}",
    "missing": "${nope.nothing}",
    "partly_missing": "${model.name}-${nope}",
    "loop_a": "${loop_b}",
    "loop_b": "${loop_a}",
    "mandatory": "???",
}
RESOLVED = {
    "model": {"lr": 0.1, "dims": [8, 16], "name": "mlp"},
    "which": "name",
    "lr": 0.1,
    "first_dim": 8,
    "tag": "mlp-lr0.1",
    "nested": "mlp",
    "escaped": "${model.lr}",
    "half_escaped": "lr=0.1, not ${model.lr}",
    "section": {"lr": 0.1, "dims": [8, 16], "name": "mlp"},
    "relative": {"name": "sgd", "alias": "sgd", "up": 0.1},
    "in_list": [0.1, "${lr}"],
    # what depends on the collecting machine or the clock is the run's text, not our answer
    "when": "${now:%Y-%m-%d}",
    "home": "${oc.env:HOME}",
    "home_or": "${oc.env:NOPE,mlp}",
    "stamped": "run-mlp-${now:%H}",
    # what cannot be resolved stays as written
    "missing": "${nope.nothing}",
    "partly_missing": "${model.name}-${nope}",
    "loop_a": "${loop_b}",
    "loop_b": "${loop_a}",
    "mandatory": "???",
}


def test_omegaconf_resolves_nested_escaped_and_relative_references():
    pytest.importorskip("omegaconf")
    assert resolve_interpolations(CONFIG) == RESOLVED


def test_without_omegaconf_the_fallback_gives_the_same_answers(monkeypatch):
    monkeypatch.setitem(sys.modules, "omegaconf", None)  # `import omegaconf` now fails
    assert resolve_interpolations(CONFIG) == RESOLVED
    assert resolve_without_omegaconf(CONFIG) == RESOLVED


def test_the_collecting_machines_environment_never_enters_a_param(monkeypatch):
    pytest.importorskip("omegaconf")
    monkeypatch.setenv("SECRET_PLACE", "/home/collector")
    resolved = resolve_interpolations({"out": "${oc.env:SECRET_PLACE}/x", "y": "${oc.env:SECRET_PLACE}"})
    assert resolved == {"out": "${oc.env:SECRET_PLACE}/x", "y": "${oc.env:SECRET_PLACE}"}


def test_a_value_omegaconf_cannot_parse_falls_back_and_is_kept(monkeypatch):
    pytest.importorskip("omegaconf")
    config = {"lr": 0.1, "broken": "${lr", "fine": "${lr}"}
    assert resolve_interpolations(config) == {"lr": 0.1, "broken": "${lr", "fine": 0.1}
