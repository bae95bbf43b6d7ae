"""How a message names a command it suggests: the paths as the shell takes them, the store the user gave."""

from __future__ import annotations

from resultsbook.voice import command, given_store, to_command_line


def test_a_suggested_command_quotes_each_path_apart_and_repeats_the_store_without_its_password():
    """A `forget` of two sources printed `resultsbook forget 'A/x B/x'` (one folder that is not there),
    and a collect given `--db postgresql://alice:s3cret@…` repeated the password in its hints."""
    assert command("forget", ["A/x", "B y/x"]) == "rb.forget(['A/x', 'B y/x'])"
    with to_command_line():
        assert command("forget", ["A/x", "B y/x"]) == "resultsbook forget A/x 'B y/x'"
        with given_store("postgresql://alice:s3cret@db.lab:5432/results"):
            assert command("collect", "runs/a b") == (
                "resultsbook collect 'runs/a b' --db postgresql://alice:***@db.lab:5432/results"
            )
        with given_store("lab/s.db"), given_store(None, outer_stands=True):  # the outer word stands
            assert command("collect", "runs") == "resultsbook collect runs --db lab/s.db"
        with given_store("lab/s.db"), given_store(None):  # a command of its own names no store
            assert command("collect", "runs") == "resultsbook collect runs"
