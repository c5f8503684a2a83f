"""Production settings pass Django's deployment checklist and refuse to start without real secrets.

Each case runs manage.py in a fresh process with a clean environment, exactly as a server would start,
because settings are read once at import and cannot be reloaded inside the test process.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Passed through from the test run; everything the settings read is set explicitly below.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def production_env(**overrides: str | None) -> dict[str, str]:
    """A production environment with dummy (non-secret) values; an override of None removes a variable."""
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    env.update(
        {
            "APP_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "AUDIT_HMAC_KEY": secrets.token_urlsafe(32),
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "EMAIL_HOST": "smtp.vtj-lupa.example",
            "SITE_URL": "https://vtj-lupa.example",
            "ALLOWED_HOSTS": "vtj-lupa.example",
        }
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deployment_checklist():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in result.stdout, output
    assert "WARNING" not in output


@pytest.mark.parametrize(
    ("overrides", "warning"),
    [
        ({"SECRET_KEY": "too-short"}, "security.W009"),
        ({"SECURE_SSL_REDIRECT": "0"}, "security.W008"),
    ],
)
def test_deployment_checklist_catches_weak_settings(overrides, warning):
    # Shows that the check above can fail: the same command reports these as warnings and exits non-zero.
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(**overrides))
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


@pytest.mark.parametrize(
    "variable", ["SECRET_KEY", "AUDIT_HMAC_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_HOST", "SITE_URL"]
)
def test_production_refuses_to_start_without_required_variable(variable):
    result = manage("check", env=production_env(**{variable: None}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_production_refuses_debug():
    result = manage("check", env=production_env(DEBUG="1"))
    assert result.returncode != 0
    assert "DEBUG cannot be on when APP_ENV=production" in result.stderr
