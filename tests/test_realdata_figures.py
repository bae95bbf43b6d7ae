"""Figures from real published runs: tianshou's MuJoCo benchmark, six algorithms on Hopper, test
reward over environment steps, mean and std band over the 10 seeds of each; d3rlpy's Atari runs on
Pong, whose curves and bars `check` names when one seed's log changes."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from resultsbook.query.curves import CurveQuery, aggregate_curves
from resultsbook.query.select import parse_filter
from resultsbook.render.figstyle import FigureStyle
from resultsbook.render.layout import Labels
from resultsbook.render.palette import assign_looks
from resultsbook.render.plots import FigureOptions, curve_plot_data, render_figure
from resultsbook.sources.collect import CollectRequest, collect
from resultsbook.store import Store

ALGORITHMS = ("a2c", "ddpg", "ppo", "reinforce", "sac", "td3")


def test_tianshou_hopper_curves_have_six_algorithms_with_ten_seeds(
    realdata: Path, store: Store, tmp_path: Path
) -> None:
    root = realdata / "tianshou-mujoco"
    collect(store, [CollectRequest(path=str(root), adapter="wide", pattern="{env}/{algo}/*.csv")])
    query = CurveQuery(metric="rew", hue="algo", band="std", filters=(parse_filter("env=Hopper-v3"),))
    curves = aggregate_curves(store, query)
    assert [line.hue for line in curves.lines] == list(ALGORITHMS)
    assert curves.notes == ()
    for line in curves.lines:
        assert len(line.runs) == 10 and set(line.n.tolist()) == {10}
        assert line.alignment == "shared"  # each algorithm's seeds were evaluated at the same steps
    # the line is the published "rew" column: the mean of the ten seed columns at each step
    sac = next(line for line in curves.lines if line.hue == "sac")
    header, *rows = (root / "Hopper-v3/sac/test_rew_10seeds.csv").read_text().splitlines()
    names = header.split(",")
    table = np.array([[float(v) for v in row.split(",")] for row in rows])
    seeds = table[:, [i for i, name in enumerate(names) if name.startswith("rew:seed_")]]
    np.testing.assert_allclose(sac.x, table[:, 0])
    np.testing.assert_allclose(sac.center, seeds.mean(axis=1))
    np.testing.assert_allclose(sac.high - sac.center, seeds.std(axis=1, ddof=1))
    np.testing.assert_allclose(sac.center, table[:, names.index("rew")], atol=1e-3)

    looks = assign_looks("algo", [run.params["algo"] for run in store.runs()], FigureStyle())
    labels = Labels(keys={"rew": "Test reward"}, values={"algo": {a: a.upper() for a in ALGORITHMS}})
    data = curve_plot_data(curves, labels, looks)
    style = FigureStyle(width=5.0, legend="right")
    options = FigureOptions(title="Hopper-v3", xlabel="Environment steps", xlim=(0.0, 3.1e6))
    png = render_figure(data, style, options, ".png")
    (tmp_path / "tianshou-hopper.png").write_bytes(png)
    assert png.startswith(b"\x89PNG") and int.from_bytes(png[16:20], "big") == 5 * 300


PONG_SPEC = """
[[sources]]   # d3rlpy's headerless CSVs: epoch, step, return
path = "runs"
pattern = "{algo}_{game}_{seed}/environment.csv"
columns = ["epoch", "step", "return"]

[figures.pong]
kind = "curve"
metric = "return"
hue = "algo"
outputs = ["figures/pong.png"]

[figures.final]   # bars of its own aggregation: each algorithm's final return
kind = "bar"
metric = "return"
reduce = "last"
hue = "algo"
x = "game"
outputs = ["figures/final.png"]
"""


def test_check_names_the_d3rlpy_pong_curve_and_bar_one_seed_moved(
    realdata: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    for run in sorted((realdata / "d3rlpy-atari/runs").glob("*_pong_*")):  # 40 runs: 4 algorithms
        shutil.copytree(run, tmp_path / "runs" / run.name)
    (tmp_path / "resultsbook.toml").write_text(PONG_SPEC)
    assert cli("build").exit_code == 0
    assert cli("check").output == "OK: 2 current\n"
    log = tmp_path / "runs/NFQ_pong_1/environment.csv"
    *earlier, last = log.read_text().splitlines()
    assert last == "100,12500000,-20.9"  # as d3rlpy published it
    log.write_text("\n".join([*earlier, "100,12500000,21.0"]) + "\n")  # one seed now wins its last game
    result = cli("check", "--collect")  # collects the spec's sources first
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Collected: 0 new, 1 updated, 39 unchanged, 0 problems",
        "figures/pong.png: stale (results changed)",
        "  NFQ: -20.7 ± 0.3 → -16 ± 13",  # the other three curves end as they did
        "figures/final.png: stale (results changed)",
        "  pong / NFQ: -20.7 ± 0.3 → -16 ± 13",
        "FAILED: 2 stale",
    ]
    # by hand from the logs: NFQ's ten final returns had mean -20.66 and std 0.26; now -16.47 and 13.2
    finals = [float(path.read_text().split()[-1].split(",")[2]) for path in tmp_path.glob("runs/NFQ_*/*.csv")]
    assert (round(float(np.mean(finals)), 2), round(float(np.std(finals, ddof=1)), 1)) == (-16.47, 13.2)
