"""A throwaway PostgreSQL cluster for the tests that need a real one (the ``postgres`` marker).

``initdb`` a fresh cluster in a temporary directory, ``pg_ctl start`` it on a free port of
127.0.0.1 (no Unix socket outside that directory, trust authentication, fsync off), yield its
URL, then stop it and delete the directory. PostgreSQL refuses to run as root: when the tests
run as root (CI does), the cluster belongs to the ``postgres`` user and every command runs
through ``runuser -u postgres --``. A missing binary skips loudly, or fails under
``COMPOSER_REQUIRE_SERVICES=1`` (see ``conftest.require_binary``).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator

import pytest

from conftest import free_port, require_binary

WHY = "rebake runs against a real PostgreSQL server"


def _bin(name: str) -> str:
    """The newest Debian cluster binary (``/usr/lib/postgresql/N/bin``), else one on PATH."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return require_binary(found[-1] if found else name, WHY)


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("running as root, and there is no 'postgres' user to own the cluster")
    return [require_binary("runuser", WHY), "-u", "postgres", "--", *command]


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(_as_owner(command), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"{what} failed ({done.returncode}): {done.stderr[-2000:] or done.stdout[-2000:]}")


def serve_postgres() -> Iterator[str]:
    """Start a cluster; yield ``postgresql://postgres@127.0.0.1:PORT/postgres``; stop it.

    Use it as the body of a fixture: ``yield from serve_postgres()``.
    """
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    pytest.importorskip("psycopg", reason="psycopg is in the dev extra ([postgres])")
    folder = tempfile.mkdtemp(prefix="composer-pg-")
    data = os.path.join(folder, "data")
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres") if _has_postgres_user() else None
        if owner is not None:
            os.chown(folder, owner.pw_uid, owner.pw_gid)
    port = free_port()
    try:
        _run([initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], "initdb")
        options = f"-p {port} -h 127.0.0.1 -k {folder} -F -c max_connections=50"
        log = os.path.join(folder, "server.log")
        _run([pg_ctl, "-D", data, "-o", options, "-l", log, "-w", "-t", "60", "start"], "pg_ctl start")
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            _run([pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"], "pg_ctl stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _has_postgres_user() -> bool:
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return True
