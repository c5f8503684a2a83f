from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.services import PortalError
from applications.models import (
    ApplicationStatus,
    Consultation,
    ConsultationMessage,
    ConsultationState,
    Product,
)
from applications.services import consultations as services
from tests.factories import ApplicationFactory, MembershipFactory, OrganisationFactory, UserFactory

QUESTION = "We collect consumer debts. Which product gives us current addresses, and on what conditions?"


def open_consultation(user, organisation, *, subject="Addresses for debt collection", product=None):
    return services.consultation_open(
        organisation=organisation, user=user, product=product, subject=subject, question=QUESTION
    )


def answer(consultation, officer, body="The query interface suits you; apply for the address groups."):
    return services.consultation_post(consultation=consultation, user=officer, body=body)


def message_count(consultation) -> int:
    return ConsultationMessage.objects.filter(consultation=consultation).count()


# Opening -----------------------------------------------------------------------------------------


def test_member_opens_consultation_and_officer_sees_it_in_their_list(client, member, officer, organisation):
    product = Product.objects.get(code="KYSELYRAJAPINTA")
    client.force_login(member)
    response = client.post(
        reverse("applications:consultation_create"),
        {"product": product.pk, "subject": "Addresses for debt collection", "question": QUESTION},
    )
    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("applications:consultation", args=[consultation.uuid])
    assert consultation.organisation == organisation
    assert consultation.created_by == member
    assert consultation.product == product
    assert consultation.state == ConsultationState.OPEN
    first = consultation.messages.get()
    assert first.body == QUESTION and first.author == member and not first.from_authority
    assert AuditEvent.objects.filter(
        action="consultation_opened",
        actor=member,
        organisation=organisation,
        target_id=str(consultation.uuid),
    ).exists()

    client.force_login(officer)
    page = client.get(reverse("applications:consultations")).content.decode()
    assert "Addresses for debt collection" in page
    assert organisation.name in page
    assert "awaiting our answer" in page


def test_product_is_optional(client, member):
    client.force_login(member)
    response = client.post(
        reverse("applications:consultation_create"),
        {"product": "", "subject": "Not sure", "question": QUESTION},
    )
    assert response.status_code == 302
    assert Consultation.objects.get().product is None


def test_retired_product_is_not_offered(client, member):
    product = Product.objects.get(code="POIMINTAPALVELU")
    product.is_active = False
    product.save()
    client.force_login(member)
    form_page = client.get(reverse("applications:consultation_create")).content.decode()
    assert f'value="{product.pk}"' not in form_page
    response = client.post(
        reverse("applications:consultation_create"),
        {"product": product.pk, "subject": "Selection", "question": QUESTION},
    )
    assert response.status_code == 400
    assert not Consultation.objects.exists()


@pytest.mark.parametrize(
    ("subject", "question"),
    [
        ("", QUESTION),
        ("x" * 201, QUESTION),
        ("   ", QUESTION),
        ("Addresses", ""),
        ("Addresses", "y" * 10_001),
    ],
    ids=["empty-subject", "oversized-subject", "blank-subject", "empty-question", "oversized-question"],
)
def test_invalid_consultation_is_refused_with_400_and_nothing_saved(client, member, subject, question):
    client.force_login(member)
    response = client.post(
        reverse("applications:consultation_create"), {"subject": subject, "question": question}
    )
    assert response.status_code == 400
    assert response.templates[0].name == "applications/consultation_form.html"
    assert not Consultation.objects.exists()
    assert not ConsultationMessage.objects.exists()


def test_extra_fields_in_the_opening_post_are_ignored(client, member, organisation, officer):
    other = OrganisationFactory()
    client.force_login(member)
    response = client.post(
        reverse("applications:consultation_create"),
        {
            "subject": "Addresses",
            "question": QUESTION,
            "organisation": other.pk,
            "organisation_id": other.pk,
            "state": ConsultationState.CLOSED,
            "from_authority": "on",
            "created_by": officer.pk,
        },
    )
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.organisation == organisation
    assert consultation.state == ConsultationState.OPEN
    assert consultation.created_by == member
    assert not consultation.messages.get().from_authority


def test_extra_fields_in_a_reply_are_ignored(client, member, organisation):
    consultation = open_consultation(member, organisation)
    client.force_login(member)
    response = client.post(
        reverse("applications:consultation_reply", args=[consultation.uuid]),
        {"body": "One more detail.", "from_authority": "on", "state": ConsultationState.CLOSED},
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.state == ConsultationState.OPEN
    assert not consultation.messages.get(body="One more detail.").from_authority


@pytest.mark.parametrize("persona", ["officer", "decision_maker", "registry_admin"])
def test_staff_cannot_open_a_consultation(client, request, persona, organisation):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("applications:consultation_create")
    assert client.get(url).status_code == 403
    assert client.post(url, {"subject": "Addresses", "question": QUESTION}).status_code == 403
    assert not Consultation.objects.exists()


def test_service_refuses_staff_and_non_members(officer, outsider, organisation):
    for user in (officer, outsider):
        with pytest.raises(PortalError) as caught:
            open_consultation(user, organisation)
        assert caught.value.status == 403
    assert not Consultation.objects.exists()


def test_user_without_organisation_is_told_to_register_one(client, db):
    client.force_login(UserFactory())
    response = client.get(reverse("applications:consultations"))
    assert response.status_code == 200
    assert reverse("accounts:organisation_create") in response.content.decode()
    response = client.get(reverse("applications:consultation_create"))
    assert response.status_code == 302
    assert response.url == reverse("applications:consultations")


# The thread --------------------------------------------------------------------------------------


def test_officer_answer_emails_the_creator_in_their_language_with_a_link(
    client, member, organisation, officer, django_capture_on_commit_callbacks
):
    member.language = "sv"
    member.save()
    consultation = open_consultation(member, organisation)
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("applications:consultation_reply", args=[consultation.uuid]),
            {"body": "Confidential advice about your case."},
        )
    assert response.status_code == 302
    reply = consultation.messages.get(body="Confidential advice about your case.")
    assert reply.from_authority and reply.author == officer
    assert AuditEvent.objects.filter(action="consultation_message_posted", actor=officer).exists()

    assert sorted(address for m in mail.outbox for address in m.to) == sorted(
        [member.email, organisation.contact_email]
    )
    link = settings.SITE_URL + reverse("applications:consultation", args=[consultation.uuid])
    for message in mail.outbox:
        assert consultation.subject in message.subject
        assert link in message.body
        html = message.alternatives[0][0]
        assert message.alternatives[0][1] == "text/html"
        assert f'href="{link}"' in html
        # Swedish: the language attribute and an already translated line.
        assert 'lang="sv"' in html
        assert "Myndigheten för digitalisering och befolkningsdata" in message.body
        # The answer itself stays behind sign-in.
        assert "Confidential advice" not in message.body and "Confidential advice" not in html


def test_answer_is_not_emailed_to_a_creator_who_has_left(
    member, organisation, officer, django_capture_on_commit_callbacks
):
    consultation = open_consultation(member, organisation)
    organisation.memberships.filter(user=member).delete()
    with django_capture_on_commit_callbacks(execute=True):
        answer(consultation, officer)
    assert [m.to for m in mail.outbox] == [[organisation.contact_email]]


def test_subject_is_escaped_in_the_html_email(
    member, organisation, officer, django_capture_on_commit_callbacks
):
    consultation = open_consultation(member, organisation, subject="<b>Addresses</b> & more")
    with django_capture_on_commit_callbacks(execute=True):
        answer(consultation, officer)
    message = mail.outbox[0]
    assert "<b>Addresses</b> & more" in message.subject
    assert "&lt;b&gt;Addresses&lt;/b&gt; &amp; more" in message.alternatives[0][0]


def test_member_reply_is_saved_and_not_emailed(
    client, member, signatory, organisation, officer, django_capture_on_commit_callbacks
):
    consultation = open_consultation(member, organisation)
    answer(consultation, officer)
    client.force_login(signatory)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("applications:consultation_reply", args=[consultation.uuid]), {"body": "Thank you."}
        )
    assert response.status_code == 302
    reply = consultation.messages.last()
    assert reply.body == "Thank you." and reply.author == signatory and not reply.from_authority
    assert mail.outbox == []


def test_thread_labels_each_side_in_text(client, member, organisation, officer):
    consultation = open_consultation(member, organisation)
    answer(consultation, officer)
    client.force_login(member)
    page = client.get(reverse("applications:consultation", args=[consultation.uuid])).content.decode()
    assert "Answer from the authority" in page
    assert "Message from the organisation" in page
    assert f"{officer.get_full_name()}, the authority" in page
    assert "<time datetime=" in page


def test_empty_reply_is_400_and_nothing_saved(client, member, organisation):
    consultation = open_consultation(member, organisation)
    client.force_login(member)
    response = client.post(
        reverse("applications:consultation_reply", args=[consultation.uuid]), {"body": "  "}
    )
    assert response.status_code == 400
    assert response.templates[0].name == "applications/consultation_detail.html"
    assert message_count(consultation) == 1


# Closing -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["member", "org_admin", "officer", "decision_maker"])
def test_either_side_closes(client, request, persona, member, organisation):
    consultation = open_consultation(member, organisation)
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.post(reverse("applications:consultation_close", args=[consultation.uuid]))
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.state == ConsultationState.CLOSED
    assert consultation.closed_by == user
    assert consultation.closed_at is not None
    assert AuditEvent.objects.filter(action="consultation_closed", actor=user).exists()


def test_closing_twice_is_409(client, member, organisation, officer):
    consultation = open_consultation(member, organisation)
    services.consultation_close(consultation=consultation, user=officer)
    closed_at = Consultation.objects.get().closed_at
    client.force_login(member)
    response = client.post(reverse("applications:consultation_close", args=[consultation.uuid]))
    assert response.status_code == 409
    consultation.refresh_from_db()
    assert consultation.closed_by == officer and consultation.closed_at == closed_at
    assert AuditEvent.objects.filter(action="consultation_closed").count() == 1


@pytest.mark.parametrize("persona", ["member", "officer"])
def test_reply_to_a_closed_consultation_is_409_and_nothing_saved(
    client, request, persona, member, organisation, officer, django_capture_on_commit_callbacks
):
    consultation = open_consultation(member, organisation)
    services.consultation_close(consultation=consultation, user=member)
    client.force_login(request.getfixturevalue(persona))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("applications:consultation_reply", args=[consultation.uuid]), {"body": "Late question."}
        )
    assert response.status_code == 409
    assert "This consultation is closed." in response.content.decode()
    assert message_count(consultation) == 1
    assert not AuditEvent.objects.filter(action="consultation_message_posted").exists()
    assert mail.outbox == []


def test_closed_consultation_shows_no_reply_form(client, member, organisation):
    consultation = open_consultation(member, organisation)
    services.consultation_close(consultation=consultation, user=member)
    client.force_login(member)
    page = client.get(reverse("applications:consultation", args=[consultation.uuid])).content.decode()
    assert reverse("applications:consultation_reply", args=[consultation.uuid]) not in page
    assert reverse("applications:consultation_close", args=[consultation.uuid]) not in page


# Access ladder -----------------------------------------------------------------------------------

OBJECT_URLS = [
    ("applications:consultation", "get", 200),
    ("applications:consultation_reply", "post", 302),
    ("applications:consultation_close", "post", 302),
]


@pytest.mark.parametrize(("name", "method", "ok"), OBJECT_URLS)
@pytest.mark.parametrize(
    "persona",
    [
        "anonymous",
        "outsider",
        "registry_admin",
        "member",
        "signatory",
        "org_admin",
        "officer",
        "decision_maker",
    ],
)
def test_consultation_access_ladder(client, request, member, organisation, persona, name, method, ok):
    consultation = open_consultation(member, organisation)
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    url = reverse(name, args=[consultation.uuid])
    response = getattr(client, method)(url, {"body": "A message."} if method == "post" else None)
    expected = {
        "anonymous": 302,
        "outsider": 404,
        # Consultations are case data: staff who do not process permits do not see them (accounts/rules.py).
        "registry_admin": 404,
    }.get(persona, ok)
    assert response.status_code == expected
    if persona == "anonymous":
        assert response.url.startswith(reverse("account_login"))
    if expected != 302:
        consultation.refresh_from_db()
        assert consultation.state == ConsultationState.OPEN
        assert message_count(consultation) == 1


@pytest.mark.parametrize("name", ["applications:consultations", "applications:consultation_create"])
def test_anonymous_is_sent_to_sign_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(("persona", "listed"), [("outsider", False), ("member", True), ("officer", True)])
def test_list_shows_only_what_the_persona_may_see(client, request, member, organisation, persona, listed):
    open_consultation(member, organisation, subject="Our private question")
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("applications:consultations"))
    assert response.status_code == 200
    assert ("Our private question" in response.content.decode()) is listed


def test_member_lists_only_the_active_organisations_consultations(client, member, organisation):
    other = MembershipFactory(user=member).organisation
    open_consultation(member, organisation, subject="Asked for the first")
    open_consultation(member, other, subject="Asked for the second")
    client.force_login(member)
    session = client.session
    session["active_organisation"] = str(other.uuid)
    session.save()
    page = client.get(reverse("applications:consultations")).content.decode()
    assert "Asked for the second" in page
    assert "Asked for the first" not in page


# The officers' list ------------------------------------------------------------------------------


def test_officer_list_puts_those_awaiting_our_answer_first_and_filters_by_state(
    client, member, organisation, officer
):
    answered = open_consultation(member, organisation, subject="Answered one")
    answer(answered, officer)
    waiting = open_consultation(member, organisation, subject="Waiting one")
    closed = open_consultation(member, organisation, subject="Closed one")
    services.consultation_close(consultation=closed, user=member)
    # The answered one has the newest message, yet the waiting one comes first.
    ConsultationMessage.objects.filter(consultation=waiting).update(
        created_at=timezone.now() - timedelta(days=1)
    )
    client.force_login(officer)
    response = client.get(reverse("applications:consultations"))
    assert [c.subject for c in response.context["consultations"]] == ["Waiting one", "Answered one"]
    response = client.get(reverse("applications:consultations"), {"state": "closed"})
    assert [c.subject for c in response.context["consultations"]] == ["Closed one"]


def test_unknown_state_filter_is_400(client, officer):
    client.force_login(officer)
    assert client.get(reverse("applications:consultations"), {"state": "deleted"}).status_code == 400


@pytest.mark.parametrize("count", [3, 30])
def test_staff_list_query_count_does_not_grow(client, officer, count, django_assert_max_num_queries):
    products = list(Product.objects.all())
    for n in range(count):
        membership = MembershipFactory()
        consultation = open_consultation(
            membership.user,
            membership.organisation,
            subject=f"Question {n}",
            product=products[n % len(products)],
        )
        if n % 2:
            answer(consultation, officer)
    client.force_login(officer)
    # Session, user, two-factor facts, unread count, the officer's permissions (2), the list itself and the
    # session save: 10 at 3 and at 30.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("applications:consultations"))
    assert response.status_code == 200
    assert len(response.context["consultations"]) == count


@pytest.mark.parametrize("count", [3, 30])
def test_member_list_query_count_does_not_grow(
    client, member, organisation, officer, count, django_assert_max_num_queries
):
    for n in range(count):
        answer(open_consultation(member, organisation, subject=f"Question {n}"), officer)
    client.force_login(member)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("applications:consultations"))
    assert len(response.context["consultations"]) == count


# Applications that refer to a consultation --------------------------------------------------------


def test_officer_sees_submitted_applications_that_refer_to_the_consultation_but_not_drafts(
    client, member, organisation, officer
):
    consultation = open_consultation(member, organisation)
    ApplicationFactory(
        organisation=organisation,
        consultation=consultation,
        product=Product.objects.get(code="VTJKYSELY"),
        status=ApplicationStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    ApplicationFactory(
        organisation=organisation,
        consultation=consultation,
        product=Product.objects.get(code="PAIVITYSPALVELU"),
    )
    url = reverse("applications:consultation", args=[consultation.uuid])

    client.force_login(officer)
    shown = client.get(url).context["applications"]
    assert [a.status for a in shown] == [ApplicationStatus.SUBMITTED]

    client.force_login(member)
    shown = client.get(url).context["applications"]
    assert sorted(a.status for a in shown) == [ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED]
