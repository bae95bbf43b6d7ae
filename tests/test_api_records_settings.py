"""A setting that a results file's reader took for a metric (a sweep's fractional `gamma`) cannot be a
table's row key; the refusal names the option that collects it as a param, which a stranger to the
records adapter cannot guess."""

from __future__ import annotations

import pytest

import resultsbook as rb

GAMMA = "behaviors.CarBehaviour.reward_signals.extrinsic.gamma"


@pytest.fixture
def parking(tmp_path):
    """A PPO sweep's results in the shape omarathon/rl-multi-agent-car-parking @
    f45112113a38f7a101356362cd9812b81341b9e9 commits them (results/ppo/fig5.4.csv, first rows and
    columns): a row per run, its `run_id` reused across two batches, the swept gamma a fraction beside
    counts and the final metrics."""
    folder = tmp_path / "results" / "ppo"
    folder.mkdir(parents=True)
    (folder / "fig5.4.csv").write_text(
        f"run_id,{GAMMA},p,Final Mean Reward,Total Crashes\n"
        "g1,0.925,0.964733692,0.888763915,2775\n"
        "g0,0.92,0.967584903,0.893039022,2537\n"
        "g1,0.997,0.961669409,0.890959176,2702\n"
        "g0,0.996,0.974371693,0.913747618,1860\n"
    )
    return tmp_path


def test_a_setting_read_as_a_metric_names_the_option_that_makes_it_a_param(parking):
    rb.collect(parking / "results", db=parking / "s.db", adapter="records")
    with rb.open(parking / "s.db") as book, pytest.raises(rb.QueryError) as error:
        book.table(rows=GAMMA, metric="Final Mean Reward")
    assert str(error.value) == (
        f"row key '{GAMMA}' is a metric the runs log, not a param: rows and columns group runs by params, "
        "and a metric is shown as the table's metric (metric=); if it is a setting, which a records or "
        f"onefile file's reader took for a metric, collect it as a param: options={{'params': '{GAMMA}'}}"
    )
    # what it names works
    rb.collect(parking / "results", db=parking / "s.db", adapter="records", options={"params": GAMMA})
    with rb.open(parking / "s.db") as book:
        frame = book.table(rows=GAMMA, metric="Final Mean Reward").to_frame()
    assert frame.index.tolist() == [0.92, 0.925, 0.996, 0.997]


def test_the_command_line_names_the_flag(parking, cli):
    cli("collect", "results", "--adapter", "records")
    result = cli("table", "--rows", GAMMA, "--metric", "Final Mean Reward")
    assert result.exit_code == 2
    assert result.output.endswith(f"collect it as a param: -o params={GAMMA}\n")


def test_native_runs_get_no_records_advice(tmp_path):
    with rb.Run(tmp_path / "runs", config={"seed": 0}, name="a") as run:
        run.log(1, {"acc": 0.5, "lr_now": 0.1})
    rb.collect(tmp_path / "runs", db=tmp_path / "s.db")
    with rb.open(tmp_path / "s.db") as book, pytest.raises(rb.QueryError) as error:
        book.table(rows="lr_now", metric="acc")
    assert str(error.value).endswith("shown as the table's metric (metric=)")
