"""Shared test helpers: where the corpora live, and how missing services are treated."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest
from hypothesis import settings

from corpus_paths import CORPORA

#: CI runs the property tests on a fixed sequence of examples, so a red build is reproducible
#: and never a coin toss; local runs keep exploring new examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REQUIRE_SERVICES = os.environ.get("COMPOSER_REQUIRE_SERVICES") == "1"


def require_binary(path_or_name: str, why: str) -> str:
    """The binary's path; a missing one skips loudly, or fails when services are required (CI)."""
    found = (
        path_or_name
        if os.path.isabs(path_or_name) and os.path.exists(path_or_name)
        else shutil.which(path_or_name)
    )
    if found:
        return found
    message = f"{path_or_name} is not installed ({why}); apt-get install it or run .ci/run"
    if REQUIRE_SERVICES:
        pytest.fail(message + " [COMPOSER_REQUIRE_SERVICES=1]")
    pytest.skip(message)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a server a test starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.fail(f"test corpora not found at {CORPORA}: tests/corpora/ is part of the repository")
    return CORPORA
