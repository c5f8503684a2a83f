"""Deny by default: every URL pattern is either on the public allow-list or answers sign-in to visitors."""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Pages anyone may open. A new public page must be added here deliberately.
PUBLIC_URL_NAMES = {
    "front",
    "accessibility",
    "privacy",
    "healthz",
    "set_language",
    "accounts:invitation",
    "permits:verify",
    # allauth's entrance pages
    "account_login",
    "account_signup",
    "account_confirm_email",
    "account_email_verification_sent",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_inactive",
    "account_login_code_confirm",
    "account_request_login_code",
    "account_confirm_login_code",
    "account_confirm_password_reset_code",
    "account_email_verification_code",
    "account_confirm_email_verification_code",
    "mfa_authenticate",
    "account_logout",
}


def all_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from all_patterns(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield (
                prefix + str(pattern.pattern),
                f"{namespace}{pattern.name}" if pattern.name else None,
                pattern,
            )


def example_path(route: str) -> str:
    """A concrete path for a route, with made-up values for its parameters."""
    import re

    path = re.sub(r"<uuid:\w+>", str(uuid.uuid4()), route)
    path = re.sub(r"<(?:int:)?\w+>", "1", path)
    path = re.sub(r"<(?:str|slug|path):\w+>", "x", path)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "")
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    return "/" + path


ROUTES = list(all_patterns())


def test_every_public_name_exists():
    names = {name for _, name, _ in ROUTES}
    # allauth may not register every optional entrance page in this configuration.
    assert {
        "front",
        "accessibility",
        "privacy",
        "account_login",
        "account_signup",
        "accounts:invitation",
    } <= names


@pytest.mark.parametrize(("route", "name", "pattern"), ROUTES, ids=[r for r, _, _ in ROUTES])
def test_url_is_public_or_behind_sign_in(client, db, route, name, pattern):
    view = pattern.callback
    declared_public = getattr(view, "login_required", True) is False
    if name in PUBLIC_URL_NAMES:
        return
    path = example_path(route)
    response = client.get(path)
    login = reverse("account_login")
    if route.startswith("admin/"):
        # The admin is exempt from LoginRequiredMiddleware but its login goes through allauth.
        assert response.status_code in (302, 404), path
        if response.status_code == 302:
            follow = client.get(response.url)
            assert response.url.startswith(login) or follow.url.startswith(login), path
        return
    assert not declared_public, f"{name or route} is public but not on PUBLIC_URL_NAMES"
    assert response.status_code == 302 and response.url.startswith(login), (path, response.status_code)
