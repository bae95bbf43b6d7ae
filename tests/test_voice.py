"""How a message names a command it suggests: the paths as the shell takes them, the store the user gave."""

from __future__ import annotations

from resultsbook.store.location import display_location
from resultsbook.voice import command, given_store, to_command_line, without_given_store


def test_a_suggested_command_quotes_each_path_apart_and_repeats_the_store_without_its_password():
    """A `forget` of two sources printed `resultsbook forget 'A/x B/x'` (one folder that is not there),
    and a collect given `--db postgresql://alice:s3cret@…` repeated the password in its hints."""
    assert command("forget", ["A/x", "B y/x"]) == "rb.forget(['A/x', 'B y/x'])"
    with to_command_line():
        assert command("forget", ["A/x", "B y/x"]) == "resultsbook forget A/x 'B y/x'"
        assert (
            command("collect", "mlflow+http://host:5000/#exp")
            == "resultsbook collect mlflow+http://host:5000/#exp"
        )
        url = "postgresql://alice:s3cret@db.lab:5432/results"
        with given_store(display_location(url)):  # as `collect` and `rb.collect` pass it on
            said_now = command("collect", "runs/a b")  # without it: pasted, *** would be the password
            assert said_now == "resultsbook collect 'runs/a b' --db postgresql://alice@db.lab:5432/results"
            assert without_given_store(said_now) == "resultsbook collect 'runs/a b'"
        with given_store("lab/s.db"), given_store(None, outer_stands=True):  # the outer word stands
            assert command("collect", "runs") == "resultsbook collect runs --db lab/s.db"
        with given_store("lab/s.db"), given_store(None):  # a command of its own names no store
            assert command("collect", "runs") == "resultsbook collect runs"


def test_a_problem_kept_in_the_store_leaves_out_the_store_the_collect_was_given():
    """A problem's suggested command repeated `--db 'my store.db'` into the store: a copy of it, or a
    command run from another folder, was then pointed at the wrong store."""
    with to_command_line(), given_store("my store.db"):
        said_now = f"{command('forget', 'out/checkpoint-500')} removes it"
        assert said_now == "resultsbook forget out/checkpoint-500 --db 'my store.db' removes it"
        assert without_given_store(said_now) == "resultsbook forget out/checkpoint-500 removes it"
    with given_store("api.db"):
        assert without_given_store(command("collect", "out/")) == "rb.collect('out/')"
