"""The deployment files agree with the settings: docker-compose.yml, the Dockerfile and the README's table.

Docker is not needed: the files are read as text and YAML. What is checked is what breaks a deployment
silently: a missing secret, a service without a health check, a second beat, a variable the code reads
that nobody documented.
"""

import ast
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat", "migrate")
LONG_RUNNING = ("web", "worker", "beat", "db", "redis", "mail")
# What the production settings refuse to start without (plus APP_ENV itself).
PRODUCTION_REQUIRED = (
    "SECRET_KEY",
    "AUDIT_HMAC_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_HOST",
    "SITE_URL",
    "ALLOWED_HOSTS",
)
ENV_HELPERS = {"env_str", "env_bool", "env_int", "env_list"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def services() -> dict:
    return compose()["services"]


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def settings_variables() -> set[str]:
    """Every environment variable vtjportal/settings.py reads, found by walking its syntax tree."""
    tree = ast.parse((ROOT / "vtjportal" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            is_helper = isinstance(func, ast.Name) and func.id in ENV_HELPERS
            is_environ_get = isinstance(func, ast.Attribute) and ast.unparse(func) in {
                "os.environ.get",
                "os.getenv",
            }
            if is_helper or is_environ_get:
                names.add(node.args[0].value)
        elif (
            isinstance(node, ast.Subscript)
            and ast.unparse(node.value) == "os.environ"
            and isinstance(node.slice, ast.Constant)
        ):
            names.add(node.slice.value)
    return names


def readme_configuration_tables() -> list[list[list[str]]]:
    """The tables under the README's "Configuration" heading, each a list of rows of cells (no header)."""
    text = (ROOT / "README.md").read_text()
    section = re.search(r"^## Configuration\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert section, "README.md has no '## Configuration' section"
    tables = re.findall(r"(?:^\|.*\n?)+", section.group(1), re.M)
    rows = [
        [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in table.splitlines()]
        for table in tables
    ]
    # Drop each table's header and its |---| separator.
    return [table[2:] for table in rows]


def variable_names(table: list[list[str]]) -> list[str]:
    names = []
    for row in table:
        match = re.fullmatch(r"`([A-Z][A-Z0-9_]*)`", row[0])
        assert match, f"the first cell of a configuration row is not a `VARIABLE`: {row[0]!r}"
        names.append(match.group(1))
    return names


def test_settings_parser_finds_the_variables_it_should():
    # Guards the guard: if the parser found nothing, the README comparison below would prove nothing.
    found = settings_variables()
    assert {"APP_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "DEBUG"} <= found


def test_all_services_are_defined():
    assert set(LONG_RUNNING) | {"migrate"} <= set(services())


def test_every_long_running_service_has_a_health_check():
    for name in LONG_RUNNING:
        healthcheck = services()[name].get("healthcheck")
        assert healthcheck, f"{name} has no health check"
        assert not healthcheck.get("disable"), f"{name} has its health check disabled"
        assert healthcheck.get("test"), f"{name}'s health check has no test"


def test_web_health_check_asks_healthz():
    assert "/healthz" in " ".join(services()["web"]["healthcheck"]["test"])


def test_app_services_share_one_environment():
    environments = [services()[name]["environment"] for name in APP_SERVICES]
    assert all(isinstance(env, dict) for env in environments)
    assert all(env == environments[0] for env in environments)


def test_app_environment_has_everything_production_requires():
    env = services()["web"]["environment"]
    assert env["APP_ENV"] == "production"
    missing = [name for name in PRODUCTION_REQUIRED if not env.get(name)]
    assert not missing, f"docker-compose.yml does not set {missing}"


def test_secrets_have_no_default_in_compose():
    env = services()["web"]["environment"]
    for name in ("SECRET_KEY", "AUDIT_HMAC_KEY"):
        assert env[name].startswith("${" + name + ":?"), f"{name} must be required (${{{name}:?...}})"
    assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"]
    assert services()["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_app_environment_sets_only_variables_the_settings_read():
    unknown = set(services()["web"]["environment"]) - settings_variables()
    assert not unknown, f"docker-compose.yml sets variables settings.py never reads: {sorted(unknown)}"


def test_beat_is_never_scaled():
    beat = services()["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert beat.get("scale", 1) == 1
    assert "beat" in beat["command"]


def test_web_waits_for_healthy_database_and_redis_and_for_migrations():
    depends_on = services()["web"]["depends_on"]
    assert depends_on["db"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    assert services()["migrate"]["command"][-2:] == ["migrate", "--noinput"]


def test_uploads_are_shared_between_web_and_worker():
    media_root = services()["web"]["environment"]["MEDIA_ROOT"]
    for name in ("web", "worker"):
        volumes = services()[name]["volumes"]
        assert f"media:{media_root}" in volumes, f"{name} does not mount the media volume at {media_root}"
    assert "media" in compose()["volumes"]


def test_dockerfile_has_health_check():
    assert re.search(r"^HEALTHCHECK .*/healthz", dockerfile(), re.M | re.S)


def test_dockerfile_runs_as_non_root():
    users = re.findall(r"^USER\s+(\S+)", dockerfile(), re.M)
    assert users, "the Dockerfile has no USER line"
    assert users[-1] not in {"root", "0", "0:0"}


def test_dockerfile_installs_the_runtime_group():
    assert re.search(r"pip install --group runtime\b", dockerfile())
    assert 'pip install "pip==26.3"' in dockerfile()


def test_dockerfile_collectstatic_gets_every_required_variable():
    run = re.search(r"^RUN [^\n]*(?:\\\n[^\n]*)*collectstatic[^\n]*", dockerfile(), re.M)
    assert run, "the Dockerfile does not run collectstatic"
    for assignment in ("APP_ENV=production", *(f"{name}=" for name in PRODUCTION_REQUIRED)):
        assert assignment in run.group(0), f"collectstatic runs without {assignment}"


def test_readme_documents_exactly_the_variables_settings_read():
    tables = readme_configuration_tables()
    assert len(tables) == 2, "expected the settings table and the table of variables read elsewhere"
    documented = variable_names(tables[0])
    assert len(documented) == len(set(documented)), "a variable is listed twice in the README"
    read = settings_variables()
    undocumented = read - set(documented)
    stale = set(documented) - read
    assert not undocumented, (
        f"settings.py reads variables the README does not document: {sorted(undocumented)}"
    )
    assert not stale, f"the README documents variables settings.py does not read: {sorted(stale)}"


def test_readme_variables_outside_settings_are_really_read_where_it_says():
    for row in readme_configuration_tables()[1]:
        (name,) = variable_names([row])
        assert name not in settings_variables(), f"{name} is read by settings.py; list it in the first table"
        files = re.findall(r"`([\w./-]+\.\w+|Dockerfile)`", row[1])
        assert files, f"the README does not say which file reads {name}"
        assert any(name in (ROOT / path).read_text() for path in files), f"{name} is not in {files}"
