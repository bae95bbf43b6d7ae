"""Where a URL's password ends: a password pasted as typed may hold '@', '/' or '#'; an experiment's name
after '#' may hold '@' (MLflow's `/Users/alice@corp.com/exp` on Databricks) and is no password."""

from __future__ import annotations

import pytest

from resultsbook.adapters.mlflow_tracking import parse_location
from resultsbook.store.location import display_location


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (  # was `…resultsbook@127.0.0.1:***@corp.com/exp`, kept so in the store and saved into a spec
            "mlflow+postgresql://rb@127.0.0.1:5433/mlflow#alice@corp.com/exp",
            "mlflow+postgresql://rb@127.0.0.1:5433/mlflow#alice@corp.com/exp",
        ),
        (
            "mlflow+postgresql://rb:pw@127.0.0.1:5433/mlflow#alice@corp.com/exp",
            "mlflow+postgresql://rb:***@127.0.0.1:5433/mlflow#alice@corp.com/exp",
        ),
        ("postgresql://u:p@ss@host/db", "postgresql://u:***@host/db"),  # a password holding '@'
        ("postgresql://u:p@ss/w0rd@host/db", "postgresql://u:***@host/db"),  # '@' and '/'
        ("postgresql://u:a/b#c@h:5432/db", "postgresql://u:***@h:5432/db"),  # '/' and '#'
        ("postgresql://u@h/db", "postgresql://u@h/db"),
    ],
)
def test_a_url_s_password_ends_at_the_at_sign_a_host_follows(typed, shown):
    assert display_location(typed) == shown


def test_an_experiment_named_with_an_at_sign_is_no_password_to_refuse():
    """`collect 'mlflow+postgresql://rb:pw@host/db#alice@corp.com/exp'` was refused: "the password in the
    URL 'mlflow+postgresql://rb:***@corp.com/exp' holds a character a URL gives another meaning"."""
    found = parse_location("mlflow+postgresql://rb:pw@127.0.0.1:5433/mlflow#alice@corp.com/exp")
    assert found is not None
    assert (found.target, found.experiment) == (
        "postgresql://rb:pw@127.0.0.1:5433/mlflow",
        "alice@corp.com/exp",
    )
