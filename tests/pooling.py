"""A real PgBouncer in transaction mode in front of the test database server, for one test.

Production may run the portal behind PgBouncer with `pool_mode = transaction`: each transaction (each
statement under autocommit) may run on a different server connection, so nothing may rely on the state of
a server session between transactions (prepared statements, `WITH HOLD` cursors, session settings and
locks). `server_round_robin` hands out the longest-idle server connection, so that consecutive transactions
of one client really do move between server connections, as they do with many clients in production.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import service_missing

CONFIG = """\
[databases]
* = host={server_host} port={server_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/users.txt
pool_mode = transaction
server_round_robin = 1
"""


@dataclass(frozen=True)
class Bouncer:
    host: str
    port: int
    log: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run_as() -> list[str]:
    """PgBouncer refuses to run as root: under root, switch to an unprivileged user with `-u`."""
    if os.geteuid() != 0:
        return []
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return ["-u", name]
    pytest.fail("PgBouncer cannot run as root, and neither user postgres nor nobody exists.")


@contextmanager
def running_pgbouncer(*, server_host: str, server_port: int, user: str) -> Iterator[Bouncer]:
    """PgBouncer on a free loopback port, pooling per transaction the connections of `user` (trusted, as on
    the test server) to any database of the server; stopped on leaving, which closes its server connections.
    Skips, or fails under REQUIRE_SERVICES=1, when PgBouncer is not installed."""
    binary = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/local/sbin")
    if binary is None:
        service_missing("PgBouncer is not installed (Debian: apt-get install pgbouncer).")
        return  # not reached: service_missing raises
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="pgbouncer-") as name:
        directory = Path(name)
        directory.chmod(0o755)  # readable by the user PgBouncer switches to; it holds no secret
        (directory / "users.txt").write_text(f'"{user}" ""\n')
        (directory / "pgbouncer.ini").write_text(
            CONFIG.format(server_host=server_host, server_port=server_port, port=port, directory=directory)
        )
        for path in directory.iterdir():
            path.chmod(0o644)
        log = directory / "pgbouncer.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [binary, *_run_as(), str(directory / "pgbouncer.ini")],
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_listening(process, port, log)
            yield Bouncer(host="127.0.0.1", port=port, log=log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_listening(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 10
    while True:
        if process.poll() is not None:
            pytest.fail(f"PgBouncer exited with {process.returncode}:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"PgBouncer did not listen on port {port} within 10 s:\n{log.read_text()}")
            time.sleep(0.05)
