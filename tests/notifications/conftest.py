"""A private Redis server and real Celery workers, for the reliability tests of the notification outbox.

Each test that uses them starts its own `redis-server` on a free port in a temporary directory (so that it
can stop and restart it without touching any Redis the machine shares) and its own workers, connected to
this run's test database. Workers see only committed rows: such tests use `transactional_db`.
Every process is killed when the test ends, whatever happened.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import redis

from tests.conftest import service_missing
from tests.notifications.mailbox import delivered_keys

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30


def wait_for(condition: Callable[[], object], *, timeout: float, what: str) -> object:
    """Poll `condition` until it returns something true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server of our own that the test may stop, freeze and restart."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=(self.directory / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5, socket_timeout=0.5)
        wait_for(lambda: self._pings(client), timeout=10, what="redis-server to start")

    @staticmethod
    def _pings(client: redis.Redis) -> bool:
        try:
            return client.ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """Stop the server: its port is closed until `start`."""
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)  # in case it was frozen
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def freeze(self) -> None:
        """Stop the process without closing its port: connections hang, as with a dead host."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)


def database_url() -> str:
    """The URL of this test run's database (tests/conftest.py gives each run its own)."""
    from django.db import connection

    db = connection.settings_dict
    user, password = quote(db["USER"] or "", safe=""), quote(db["PASSWORD"] or "", safe="")
    host = quote(db["HOST"] or "", safe="")  # may be a socket directory: %2F…
    port = f":{db['PORT']}" if db["PORT"] else ""
    # The embedded PostgreSQL's socket directory arrives as OPTIONS["host"].
    options = {key: value for key, value in db["OPTIONS"].items() if isinstance(value, str | int)}
    query = f"?{urlencode(options, safe='/')}" if options else ""
    return f"postgresql://{user}:{password}@{host}{port}/{quote(db['NAME'], safe='')}{query}"


class Worker:
    """`celery -A vtjportal worker` as a subprocess in its own process group, with its log in a file.

    `pool="solo"` runs tasks in the worker process itself; `pool="prefork"` in one child process, as in
    production, where the main process acknowledges a message when the child starts it unless the task
    acknowledges late.
    """

    def __init__(self, name: str, env: dict[str, str], log: Path, *, pool: str = "solo") -> None:
        self.name = name
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "vtjportal",
                "worker",
                f"--pool={pool}",
                "--concurrency=1",
                "--loglevel=info",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"{name}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._ready, timeout=START_TIMEOUT, what=f"worker {name} to be ready")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"worker {self.name} exited with {self.process.returncode}:\n{self.log.read_text()}")
        return " ready." in self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL to the worker and its pool processes at once, as when its machine or container dies."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        service_missing("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(tmp_path / "redis")
    try:
        server.start()
        yield server
    finally:
        server.stop()


def _reset_broker_connections(app) -> None:
    """Make the next publish use a pool for the URL configured now.

    The old pools are dropped, not closed: kombu keeps one pool per broker URL for the whole process, and a
    closed one would be handed to the next test that publishes to that URL.
    """
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(redis_server, settings, monkeypatch):
    """This process queues tasks on the test's Redis instead of running them inline."""
    from vtjportal.celery import app

    # Forget broker failures of earlier tests (and, when this test ends, those of this one).
    monkeypatch.setattr("notifications.services._broker_paused_until", 0.0)
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.broker_url = redis_server.url
    app.conf.task_always_eager = False
    _reset_broker_connections(app)
    settings.NOTIFICATION_SWEEP_GRACE_SECONDS = 0
    try:
        yield app
    finally:
        app.conf.update(saved)
        _reset_broker_connections(app)


@pytest.fixture
def mailbox(tmp_path) -> Path:
    directory = tmp_path / "mailbox"
    directory.mkdir()
    return directory


@pytest.fixture
def start_worker(transactional_db, redis_server, mailbox, tmp_path) -> Iterator[Callable[..., Worker]]:
    """Start real workers on the test's Redis and database; all are killed when the test ends."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_server.url,
        "TEST_MAILBOX_DIR": str(mailbox),
        "PYTHONPATH": str(ROOT),
    }
    workers: list[Worker] = []

    def start(*, pool: str = "solo") -> Worker:
        name = f"worker{len(workers) + 1}"
        worker = Worker(name, env, tmp_path / f"{name}.log", pool=pool)
        workers.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.kill()


def wait_for_mail(mailbox: Path, keys: list[str], *, timeout: float = 45) -> None:
    """Wait until a message with each of `keys` has arrived."""
    wait_for(
        lambda: set(keys) <= set(delivered_keys(mailbox)),
        timeout=timeout,
        what=f"{len(keys)} email(s) to arrive",
    )
