"""The layout's menus: each user sees their own, in their own language, whoever was served before."""

import re

import pytest
from django.urls import reverse

from tests.conftest import with_authenticator
from tests.factories import MembershipFactory, StaffFactory

ACCESSIBILITY = reverse("accessibility")
QUEUE = reverse("permits:queue")


def page(client, user, language: str = "en") -> str:
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    return client.get(ACCESSIBILITY).content.decode()


def test_officers_menu_is_not_shown_to_an_organisation_member_after_an_officer(client, officer, member):
    assert QUEUE in page(client, officer)
    content = page(client, member)
    assert QUEUE not in content
    assert reverse("permits:dashboard") in content
    assert QUEUE in page(client, officer)


def test_menus_are_in_each_users_language(client, officer):
    assert "Work queue" in page(client, officer, "en")
    assert "Arbetskö" in page(client, officer, "sv")
    assert "Työjono" in page(client, officer, "fi")


def test_the_organisation_link_is_the_members_own(client, member):
    other = MembershipFactory().user
    assert str(member.memberships.get().organisation.uuid) in page(client, member)
    content = page(client, other)
    assert str(other.memberships.get().organisation.uuid) in content
    assert str(member.memberships.get().organisation.uuid) not in content


@pytest.mark.parametrize("persona", ["officer", "decision_maker", "registry_admin", "nobody"])
def test_the_menu_offers_staff_only_what_their_role_opens(client, db, request, persona):
    user = (
        with_authenticator(StaffFactory(groups=[]))
        if persona == "nobody"
        else request.getfixturevalue(persona)
    )
    client.force_login(user)
    menu = client.get(ACCESSIBILITY).content.decode().split('<nav class="main-nav"', 1)[1].split("</nav>")[0]
    links = re.findall(r'<a href="([^"]+)"', menu)
    assert links
    for link in links:
        assert client.get(link).status_code == 200, (persona, link)
    assert (QUEUE in links) is (persona in ("officer", "decision_maker"))
