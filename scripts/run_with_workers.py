"""Run the development server; with REDIS_URL set, also a Celery worker and beat that stop with it.

    python scripts/run_with_workers.py [ADDRESS:PORT]

Without REDIS_URL this is just `manage.py runserver`: tasks run inline in the web process. With it, tasks go
through Redis as in production, so the worker and beat (the outbox sweep every minute) run in the
background, their output mixed into the server's. Ctrl+C (or the server exiting) stops all three.
"""

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT = 15


def start(command: list[str]) -> subprocess.Popen:
    # Each in a process group of its own, so that stopping it reaches its children too (runserver's
    # reloader runs the server in a child) and Ctrl+C reaches only this launcher, which stops them in order.
    return subprocess.Popen(command, cwd=ROOT, start_new_session=True)


def stop(process: subprocess.Popen, name: str, *, group: bool = False) -> None:
    """SIGTERM (to its whole group if `group`), a moment to finish, then SIGKILL to what is left."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            if group:
                os.killpg(process.pid, signal.SIGTERM)
            else:
                process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop in {STOP_TIMEOUT} s; killing it.", file=sys.stderr)
    # Whatever is left of its group (a reloader's server, a worker's pool processes).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def main(argv: list[str]) -> int:
    address = argv[0] if argv else "127.0.0.1:8000"
    server = [sys.executable, "manage.py", "runserver", address]
    if not os.environ.get("REDIS_URL"):
        os.chdir(ROOT)
        os.execv(sys.executable, server)
    celery = [sys.executable, "-m", "celery", "-A", "vtjportal"]
    schedule = ROOT / ".devdb" / "celerybeat-schedule"  # beat's own bookkeeping; git-ignored
    schedule.parent.mkdir(exist_ok=True)
    worker = start([*celery, "worker", "--loglevel=info", "--concurrency=2"])
    beat = start([*celery, "beat", "--loglevel=info", "--schedule", str(schedule)])
    web = start(server)
    # `kill` of this launcher stops everything as Ctrl+C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        return web.wait()
    except KeyboardInterrupt:
        return 130
    finally:
        stop(web, "The server", group=True)  # runserver's reloader and the server it runs
        stop(beat, "Beat")
        stop(worker, "The worker")  # a warm shutdown: running tasks finish first


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
