"""A throwaway redis-server for the tests that need a real one (the ``redis`` marker)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest

from conftest import free_port, require_binary


def serve_redis(tmp_path_factory: pytest.TempPathFactory, why: str) -> Iterator[str]:
    """Start redis-server on its own port and directory, no persistence; yield its URL, then stop it.

    Use it as the body of a fixture: ``yield from serve_redis(tmp_path_factory, "why")``. A
    missing binary skips (or fails under ``COMPOSER_REQUIRE_SERVICES=1``), as conftest says.
    """
    binary = require_binary("redis-server", why)
    pytest.importorskip("redis", reason="the redis client is in the dev extra")
    import redis

    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
         str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    stderr = process.stderr.read() if process.stderr else b""
                    pytest.fail(f"redis-server did not start: {stderr.decode(errors='replace')}")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)
