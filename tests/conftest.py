"""Personas and service fixtures shared by every test.

Tests that need a real outside service (Redis, a browser) skip with a visible reason when it is missing,
unless REQUIRE_SERVICES=1, when they fail instead: CI sets it so that nothing is silently skipped.
"""

import os

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache

from accounts.models import MembershipRole
from tests.factories import MembershipFactory, OrganisationFactory, StaffFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def service_missing(reason: str) -> None:
    """Skip the test, or fail it when REQUIRE_SERVICES=1."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1, so this is a failure rather than a skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """One test database per test run, so that runs in parallel (several developers, CI) never collide."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_{os.getpid()}"


# Data that migrations create: (model whose rows show it is there, migration module, function).
MIGRATION_DATA = [
    ("applications.Product", "applications.migrations.0002_seed_catalogue", "seed"),
    ("auth.Group", "accounts.migrations.0002_staff_groups_and_audit_guard", "create_staff_groups"),
    ("auth.Group", "permits.migrations.0002_staff_permissions", "grant"),
    ("auth.Group", "accounts.migrations.0004_licence_permissions", "grant"),
]


@pytest.fixture(autouse=True)
def _migration_data(request):
    """Tests on transactions flush the tables afterwards; put back what the data migrations created.

    Runs for tests that use the database through a fixture they name (`db`, or one that needs it); a test
    that reaches people only through `request.getfixturevalue` must name `db` too.
    """
    if "_django_db_helper" not in request.fixturenames:
        return
    request.getfixturevalue("_django_db_helper")
    import importlib

    from django.apps import apps

    missing = {label for label, _, _ in MIGRATION_DATA if not apps.get_model(label).objects.exists()}
    for label, module, function in MIGRATION_DATA:
        if label in missing:
            getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_inline():
    """Tasks run inline in tests; the reliability tests that need a real worker switch this off."""
    from vtjportal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and used TOTP codes live in the cache; start every test from a clean one."""
    cache.clear()
    yield
    cache.clear()


def with_authenticator(user):
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def organisation(db):
    return OrganisationFactory()


@pytest.fixture
def org_admin(organisation):
    return MembershipFactory(organisation=organisation, role=MembershipRole.ADMIN, is_signatory=True).user


@pytest.fixture
def signatory(organisation):
    return MembershipFactory(organisation=organisation, is_signatory=True).user


@pytest.fixture
def member(organisation):
    return MembershipFactory(organisation=organisation).user


@pytest.fixture
def outsider(db):
    """A member of some other organisation."""
    return MembershipFactory().user


@pytest.fixture
def officer(db):
    return with_authenticator(StaffFactory(groups=["officer"]))


@pytest.fixture
def decision_maker(db):
    return with_authenticator(StaffFactory(groups=["officer", "decision_maker"]))


@pytest.fixture
def registry_admin(db):
    return with_authenticator(StaffFactory(groups=["registry_admin"]))


@pytest.fixture
def staff_without_mfa(db):
    user = StaffFactory(groups=["officer"])
    assert not Authenticator.objects.filter(user=user).exists()
    return user
