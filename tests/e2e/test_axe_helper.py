"""The axe-core helper must be able to fail, or the accessibility scans prove nothing."""

import pytest
from playwright.sync_api import Page

from tests.e2e.helpers import assert_accessible, axe_violations

pytestmark = pytest.mark.e2e


def test_axe_reports_wcag_violations(page: Page):
    page.goto("/")
    page.set_content('<html lang="fi"><body><main><img src="/x.png"><input name="q"></main></body></html>')

    assert {v["id"] for v in axe_violations(page)} >= {"image-alt", "label"}
    with pytest.raises(AssertionError, match=r"image-alt .*\n.*img"):
        assert_accessible(page, "fi")
