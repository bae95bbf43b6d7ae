"""A shared store whose network goes silent (a laptop's Wi-Fi, a VPN dropped): the command ends within
about a minute, in one line naming the store, instead of hanging for TCP's 15 minutes of retries.

The client runs in a network namespace joined to this one by a veth pair, and reaches the test's
PostgreSQL server through a relay on this side's address; taking this side's end of the pair down
drops every packet without a word, as a cut network does (no reset, no 'unreachable')."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

HERE, THERE = "10.251.7.1", "10.251.7.2"
CLIENT = """
import sys, time
from resultsbook.store.postgres import PostgresStore
store = PostgresStore.open(sys.argv[1])
store.source_signatures()
print("connected", flush=True)
sys.stdin.readline()  # the network is cut now
started = time.monotonic()
try:
    store.source_signatures()
    print("answered")
except store.failures as error:
    print(store.problem(error))
print(round(time.monotonic() - started))
"""


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def namespace() -> Iterator[tuple[str, str]]:
    """Return (a network namespace linked to this one, this side's link), removed afterwards."""
    tag = os.getpid() % 100000
    name, here, there = f"rbcut{tag}", f"rbh{tag}", f"rbt{tag}"
    try:
        _ip("netns", "add", name)
    except (OSError, subprocess.SubprocessError) as error:
        pytest.skip(f"no network namespace can be made here: {error}")
    try:
        _ip("link", "add", here, "type", "veth", "peer", "name", there)
        _ip("link", "set", there, "netns", name)
        _ip("addr", "add", f"{HERE}/24", "dev", here)
        _ip("link", "set", here, "up")
        _ip("netns", "exec", name, "ip", "addr", "add", f"{THERE}/24", "dev", there)
        _ip("netns", "exec", name, "ip", "link", "set", there, "up")
        _ip("netns", "exec", name, "ip", "link", "set", "lo", "up")
    except (OSError, subprocess.SubprocessError) as error:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
        pytest.skip(f"no veth pair can be made here: {error}")
    try:
        yield name, here
    finally:
        subprocess.run(["ip", "link", "del", here], capture_output=True)
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def _relay(listener: socket.socket, port: int) -> None:
    """Pass each connection accepted on `listener` to the server on 127.0.0.1:port, both ways."""
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        server = socket.create_connection(("127.0.0.1", port))
        for source, target in ((client, server), (server, client)):
            threading.Thread(target=_pipe, args=(source, target), daemon=True).start()


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass


def test_a_cut_network_ends_a_command_in_a_minute_with_one_line(
    namespace: tuple[str, str], postgres_cluster: Any
) -> None:
    name, here = namespace
    url = postgres_cluster.create_database()
    listener = socket.create_server((HERE, 0))
    threading.Thread(target=_relay, args=(listener, postgres_cluster.port), daemon=True).start()
    relayed = url.replace(f"127.0.0.1:{postgres_cluster.port}", f"{HERE}:{listener.getsockname()[1]}")
    client = subprocess.Popen(
        ["ip", "netns", "exec", name, sys.executable, "-c", CLIENT, relayed],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert client.stdout is not None and client.stdin is not None
        assert client.stdout.readline() == "connected\n", client.stderr.read() if client.stderr else ""
        _ip("link", "set", here, "down")  # the network goes silent
        client.stdin.write("go\n")
        client.stdin.flush()
        output, errors = client.communicate(timeout=150)  # without the timeouts: 15 minutes, or never
    finally:
        client.kill()
        listener.close()
    said, seconds = output.splitlines()
    assert said.startswith("the shared store postgresql://resultsbook@10.251.7.1:"), said
    assert "\n" not in said and "Traceback" not in errors
    assert 50 <= int(seconds) <= 100  # TCP gave up after the minute resultsbook allows it
