"""A curve figure from real published runs: tianshou's MuJoCo benchmark, six algorithms on Hopper,
test reward over environment steps, mean and std band over the 10 seeds of each."""

from __future__ import annotations

from pathlib import Path

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
