"""`make bench`: time the pages, the deadline sweep and the decision PDF in a database of its own.

Takes DATABASE_URL (the embedded PostgreSQL when run through scripts/devdb.py), creates a fresh database
next to it named vtjportal_bench (or $BENCH_DATABASE) — dropping the one the previous run left — migrates
it and runs `manage.py bench` there with DEBUG off. The portal's own database is never touched.

    python scripts/devdb.py scripts/bench.py                       # 1,000 and 100,000 cases
    python scripts/devdb.py scripts/bench.py --sizes 500 --repeat 5 --output /tmp/perf.md
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ARGS = ["--sizes", "1000", "100000", "--repeat", "25", "--output", "docs/performance.md"]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def main(argv: list[str]) -> int:
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("DATABASE_URL is not set: run this through scripts/devdb.py (make bench).")
    name = os.environ.get("BENCH_DATABASE", "vtjportal_bench")
    if urlsplit(url).path.lstrip("/") == name:
        sys.exit(f"The bench database {name!r} must not be the portal's own database.")
    # psycopg takes a postgres:// URL; connect to the server's maintenance database to (re)create ours.
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"Fresh database {name} created; migrating it.", flush=True)
    env = {**os.environ, "DATABASE_URL": with_database(url, name), "DEBUG": "0"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True)
    return subprocess.call([*manage, "bench", *(argv or DEFAULT_ARGS)], env=env, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
