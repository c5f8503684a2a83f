"""Sign-in rate limits live in a cache shared by every web process: Redis in production."""

import os

import pytest
import redis
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from tests.conftest import service_missing
from tests.factories import UserFactory

pytestmark = pytest.mark.services


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis is not reachable at {url}: {exc}")
    return url


@pytest.fixture
def redis_cache(settings, redis_url):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "vtj-test",
        },
    }
    cache = caches["default"]
    cache.clear()
    yield cache
    cache.clear()


def test_failed_sign_ins_are_limited_across_processes(client, db, redis_cache, redis_url):
    UserFactory(email="target@example.test")
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": "target@example.test", "password": "wrong"}
        )
        assert response.status_code == 200
    # The counter is in Redis, where every web process sees it.
    keys = redis.Redis.from_url(redis_url).keys("vtj-test:*")
    assert keys
    # Even the right password is refused now, from a fresh client (another browser, another worker).
    other = Client()
    other.cookies["vtj_language"] = "en"
    response = other.post(
        reverse("account_login"), {"login": "target@example.test", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 200  # the form again, not a redirect into the portal
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in other.session
