"""A `where` written as pandas writes a condition is refused with the `where` meant, not answered
with an empty frame and the values of the wrong key: two conditions joined in one filter text
(`"seed>5 and env=='hopper'"`, as `DataFrame.query` takes them), a function or a boolean mask as a
mapping's value (`{"seed": lambda s: s > 5}`)."""

from __future__ import annotations

import warnings

import pytest

import resultsbook as rb


@pytest.fixture
def book(tmp_path):
    """Six native runs: two envs, three seeds."""
    for env in ("hopper", "walker2d"):
        for seed in range(3):
            config = {"env": env, "seed": seed}
            with rb.Run(tmp_path / "runs", config=config, name=f"{env}_{seed}", unique=False) as run:
                run.log(1, {"return": 10.0 * seed})
    rb.collect(tmp_path / "runs", db=tmp_path / "s.db")
    with rb.open(tmp_path / "s.db") as opened:
        yield opened


def test_two_conditions_in_one_filter_text_name_the_filters_meant(book):
    with pytest.warns(rb.NotFoundWarning) as caught:
        frame = book.runs(where="seed > 0 and env == 'hopper'")
    assert frame.empty
    assert str(caught[0].message) == (
        "book.runs(): the frame is empty: filter seed>0 and env == 'hopper' matches no run; a filter is one "
        "condition, and this one's value holds another after 'and'; give each its own (all holding): "
        "where=['seed>0', 'env=hopper']"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(book.runs(where=["seed>0", "env=hopper"])) == 2  # what it names selects the runs meant
    with pytest.raises(rb.NotFoundError, match=r"after '&'; give each its own \(all holding\): "
                       r"where=\['env=hopper', 'seed=1'\]$"):  # fmt: skip
        book.table(rows="env", metric="return", where="env=hopper & seed=1")


def test_a_value_holding_an_ampersand_is_still_one_value(book):
    with pytest.warns(rb.NotFoundWarning, match=r"filter env=R&D matches no run; env has: hopper, walker2d$"):
        book.runs(where="env=R&D")


def test_the_command_line_names_the_flags_meant(book, cli, tmp_path):
    result = cli("runs", "--db", str(tmp_path / "s.db"), "--where", "env=hopper and seed=1")
    assert result.exit_code == 1
    assert result.output.endswith(
        "after 'and'; give each its own (all holding): --where env=hopper --where seed=1\n"
    )


@pytest.mark.parametrize("value", [lambda s: s > 0, "mask"])
def test_a_function_or_a_mask_as_a_where_value_is_refused_with_the_filter_text(book, value):
    if value == "mask":
        value = book.runs()["params.seed"] > 0
    with pytest.raises(rb.SpecError) as error:
        book.runs(where={"seed": value})
    shown = "<function>" if callable(value) else "<pandas Series of shape (6,)>"
    assert str(error.value) == (
        f"where={{'seed': {shown}}} is not understood: a mapping's value is compared with the runs' values, "
        "never called nor a mask; write the condition as a filter text, where='seed>3' (or >=, <, <=, !=, "
        "~REGEX), or pass the ids of the runs a mask over book.runs() keeps: "
        "where={'run_id': runs.loc[mask, 'run_id']}"
    )


def test_a_boolean_params_values_are_still_values(book):
    import numpy as np

    with pytest.warns(rb.NotFoundWarning, match="filter seed=True,False matches no run"):
        book.runs(where={"seed": np.array([True, False])})
