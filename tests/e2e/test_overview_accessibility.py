"""The officers' deadline overview passes axe-core's WCAG 2.1 A and AA rules in Finnish and Swedish, with
open cases near their target date and decisions in the chart."""

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from permits.models import PermitState as S
from tests.e2e.helpers import assert_accessible, sign_in_with_code, switch_language, t
from tests.factories import PermitFactory

pytestmark = pytest.mark.e2e


def cases() -> None:
    """Cases due soon and overdue, and decisions within and after their targets over several months."""
    now = timezone.now()
    today = timezone.localdate()
    for days in (-3, 2, 10):
        PermitFactory(state=S.SUBMITTED, decision_due=today + timedelta(days=days))
    for months_ago, late in ((0, False), (1, True), (1, False), (4, False), (7, True)):
        decided_at = now - relativedelta(months=months_ago)
        PermitFactory(
            state=S.GRANTED,
            submitted_at=decided_at - timedelta(days=70),
            decided_at=decided_at,
            decision_due=(decided_at - timedelta(days=5 if late else -5)).date(),
        )


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_overview_is_accessible(page: Page, language: str, officer: User):
    cases()
    page.goto("/")
    switch_language(page, language)
    sign_in_with_code(page, language, officer)
    switch_language(page, language)
    page.get_by_role("navigation").get_by_role("link", name=t(language, "Deadline overview")).click()
    expect(page).to_have_url(reverse("permits:overview"))
    expect(page.locator("svg[role=img] .overview-bar")).to_have_count(4)
    assert_accessible(page, language)
