from django.urls import reverse

from accounts.models import User


def test_finnish_is_the_default(client, db):
    response = client.get(reverse("front"))
    assert '<html lang="fi">' in response.content.decode()


def test_visitor_switches_to_swedish(client, db):
    response = client.post(reverse("set_language"), {"language": "sv", "next": reverse("privacy")})
    assert response.status_code == 302 and response.url == reverse("privacy")
    page = client.get(reverse("front")).content.decode()
    assert '<html lang="sv">' in page
    assert "Logga in" in page


def test_signed_in_users_choice_is_remembered_on_the_account(client, member):
    client.force_login(member)
    client.post(reverse("set_language"), {"language": "sv", "next": "/"})
    member.refresh_from_db()
    assert member.language == "sv"
    # A new session (another browser) uses the account's language.
    client.logout()
    client.cookies.clear()
    client.force_login(member)
    assert '<html lang="sv">' in client.get(reverse("accounts:profile")).content.decode()


def test_unknown_language_is_refused_and_nothing_changes(client, member):
    client.force_login(member)
    before = member.language
    client.post(reverse("set_language"), {"language": "de", "next": "/"})
    assert User.objects.get(pk=member.pk).language == before


def test_offsite_next_is_not_followed(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response.url == reverse("front")


def test_profile_changes_name_and_language(client, member):
    client.force_login(member)
    response = client.post(reverse("accounts:profile"), {"full_name": "Uusi Nimi", "language": "en"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.full_name, member.language) == ("Uusi Nimi", "en")


def test_profile_ignores_extra_fields(client, member):
    client.force_login(member)
    client.post(
        reverse("accounts:profile"),
        {
            "full_name": "X",
            "language": "en",
            "is_staff": "on",
            "is_superuser": "on",
            "email": "evil@example.test",
        },
    )
    member.refresh_from_db()
    assert not member.is_staff and not member.is_superuser and member.email != "evil@example.test"
