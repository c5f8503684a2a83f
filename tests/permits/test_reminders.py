"""The deadline sweep: who is reminded of what, once; a changed target date arms the reminders again.

And the case's clock, and a decision maker extending the target date.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from applications.models import Application
from notifications.models import Notification, NotificationKind
from permits.deadlines import case_clock
from permits.models import Permit, PermitEvent, PermitState, Reminder, ReminderKind, SupplementRequest
from permits.services import processing
from permits.services import submission as services
from permits.services.reminders import sweep_deadlines
from permits.tasks import sweep_deadlines as sweep_task
from tests.factories import (
    ApplicationFactory,
    MembershipFactory,
    OrganisationFactory,
    PermitFactory,
    StaffFactory,
    UserFactory,
)

S = PermitState
TODAY = date(2027, 3, 10)
# Noon in Helsinki on TODAY.
NOON = datetime(2027, 3, 10, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOON, tick=False):
        yield


def case(organisation, due: date, state: str = S.SUBMITTED, **fields) -> Permit:
    return PermitFactory(application__organisation=organisation, decision_due=due, state=state, **fields)


def reminded(user) -> list[str]:
    """The references of the cases `user` was reminded about, in the portal."""
    return sorted(
        n.subject.split(":")[0].split()[-1]
        for n in Notification.objects.filter(recipient=user, kind=NotificationKind.REMINDER)
    )


def kinds(permit: Permit) -> list[str]:
    return sorted(Reminder.objects.filter(permit=permit).values_list("kind", flat=True))


def test_target_within_14_days_reminds_the_assigned_officer_once(
    organisation, officer, mailoutbox, django_capture_on_commit_callbacks
):
    colleague = StaffFactory(groups=["officer"])
    soon = case(organisation, TODAY + timedelta(days=14), assigned_to=officer)
    today = case(organisation, TODAY, assigned_to=officer)
    later = case(organisation, TODAY + timedelta(days=15), assigned_to=officer)

    with django_capture_on_commit_callbacks(execute=True):
        result = sweep_deadlines(today=TODAY)

    assert result.counts[ReminderKind.TARGET_SOON] == 2
    assert reminded(officer) == sorted([soon.reference, today.reference])
    assert reminded(colleague) == []
    assert kinds(later) == []
    # Staff always get reminders by email, in their language, with a link to the officers' page.
    to_officer = [m for m in mailoutbox if m.to == [officer.email]]
    assert len(to_officer) == 2
    assert reverse("permits:officer_case", args=[soon.uuid]) in " ".join(m.body for m in to_officer)

    assert sweep_deadlines(today=TODAY).total == 0
    assert len(reminded(officer)) == 2


def test_an_unassigned_case_reminds_every_officer(organisation, officer, decision_maker):
    soon = case(organisation, TODAY + timedelta(days=3))
    sweep_deadlines(today=TODAY)
    assert reminded(officer) == [soon.reference]
    assert reminded(decision_maker) == [soon.reference]


def test_overdue_tells_the_decision_makers_once(organisation, officer, decision_maker):
    overdue = case(organisation, TODAY - timedelta(days=1), assigned_to=officer)
    sweep_deadlines(today=TODAY)
    assert kinds(overdue) == [ReminderKind.OVERDUE]
    assert reminded(decision_maker) == [overdue.reference]
    assert reminded(officer) == []
    sweep_deadlines(today=TODAY + timedelta(days=1))
    assert Reminder.objects.filter(permit=overdue).count() == 1


@pytest.mark.parametrize("state", [S.GRANTED, S.PRODUCTION, S.REJECTED, S.WITHDRAWN])
def test_decided_and_closed_cases_are_not_reminded(organisation, officer, decision_maker, state):
    decided = case(organisation, TODAY - timedelta(days=1), state=state)
    due = case(organisation, TODAY + timedelta(days=1), state=state)
    assert sweep_deadlines(today=TODAY).total == 0
    assert kinds(decided) == kinds(due) == []


def ask(permit: Permit, officer, respond_by: date) -> SupplementRequest:
    with time_machine.travel(NOON - timedelta(days=20), tick=False):
        return processing.permit_request_supplement(
            permit=permit,
            officer=officer,
            message="Tarkentakaa.",
            sections=[],
            respond_by=respond_by,
            revision=permit.revision,
        )


def test_reply_by_within_3_days_reminds_the_applicant_once(
    organisation, officer, signatory, mailoutbox, django_capture_on_commit_callbacks
):
    permit = case(organisation, TODAY + timedelta(days=60), assigned_to=officer)
    ask(permit, officer, TODAY + timedelta(days=3))
    other = case(organisation, TODAY + timedelta(days=60))
    ask(other, officer, TODAY + timedelta(days=4))
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        sweep_deadlines(today=TODAY)

    assert kinds(permit) == [ReminderKind.REPLY_SOON]
    assert kinds(other) == []
    assert reminded(signatory) == [permit.reference]
    addresses = sorted(m.to[0] for m in mailoutbox)
    assert addresses == sorted([signatory.email, organisation.contact_email])
    assert all("answer by" in m.body for m in mailoutbox)
    assert reminded(officer) == []
    # The next day only the other request has come within three days.
    sweep_deadlines(today=TODAY + timedelta(days=1))
    assert kinds(permit) == kinds(other) == [ReminderKind.REPLY_SOON]


def test_reply_by_passed_flags_the_case_to_its_officer(client, organisation, officer, signatory):
    permit = case(organisation, TODAY + timedelta(days=60), assigned_to=officer)
    ask(permit, officer, TODAY - timedelta(days=1))

    sweep_deadlines(today=TODAY)

    assert kinds(permit) == [ReminderKind.REPLY_PASSED]
    assert reminded(officer) == [permit.reference]
    assert reminded(signatory) == []
    event = PermitEvent.objects.get(permit=permit, action="reply_by_passed")
    assert not event.visible_to_applicant
    client.force_login(officer)
    page = client.get(reverse("permits:officer_case", args=[permit.uuid])).content.decode()
    assert "No answer by the reply-by date" in page
    assert "Reply-by date passed" in page  # in the list of reminders sent
    client.force_login(signatory)
    page = client.get(reverse("permits:case", args=[permit.uuid])).content.decode()
    assert "No answer by the reply-by date" not in page


def test_an_answered_request_is_not_reminded(organisation, officer, member):
    permit = case(organisation, TODAY + timedelta(days=60))
    supplement = ask(permit, officer, TODAY + timedelta(days=1))
    processing.supplement_answer(supplement=supplement, user=member, response="Tässä.")
    assert sweep_deadlines(today=TODAY).total == 0


def test_the_task_sweeps_today_in_helsinki(organisation, officer):
    soon = case(organisation, TODAY + timedelta(days=14), assigned_to=officer)
    # 23:30 UTC on 9 March is already 10 March in Helsinki.
    with time_machine.travel(datetime(2027, 3, 9, 23, 30, tzinfo=UTC), tick=False):
        counts = sweep_task.delay().get()
    assert counts[ReminderKind.TARGET_SOON] == 1
    assert kinds(soon) == [ReminderKind.TARGET_SOON]


# Many reminders at once -------------------------------------------------------------------------------------


def due_pairs(n: int, officer) -> list[Permit]:
    """2n cases due for all four kinds, every other one assigned to `officer`, each in an organisation of its
    own with a signatory: n with the target date and a reply-by date near, n with both passed."""
    cases = []
    for i in range(n):
        for days in (1, -1):  # target_soon and reply_soon; overdue and reply_passed
            organisation = OrganisationFactory()
            MembershipFactory(organisation=organisation, is_signatory=True, user__language="sv")
            permit = case(organisation, TODAY + timedelta(days=days), assigned_to=officer if i % 2 else None)
            SupplementRequest.objects.create(
                permit=permit,
                officer=officer,
                message="Tarkentakaa.",
                respond_by=TODAY + timedelta(days=days),
            )
            cases.append(permit)
    return cases


def test_the_sweeps_statements_do_not_grow_with_the_reminders(officer, decision_maker):
    statements, outbox_rows = [], []
    for n in (2, 20):
        before = Notification.objects.count()
        due_pairs(n, officer)
        with CaptureQueriesContext(connection) as queries:
            result = sweep_deadlines(today=TODAY)
        assert result.counts == dict.fromkeys(ReminderKind.values, n)
        statements.append(len(queries))
        outbox_rows.append(Notification.objects.count() - before)

    # 7 per kind (savepoint, the reminders written and read, whom to tell, the outbox rows written and their
    # ids read, release) and 2 once (the signatories' email choices, the timeline events), at either size.
    assert statements == [30, 30], [query["sql"][:80] for query in queries.captured_queries]
    assert outbox_rows[1] == 10 * outbox_rows[0]
    assert PermitEvent.objects.filter(action="reply_by_passed").count() == 2 + 20


def test_each_reminder_is_written_in_its_recipients_language(organisation):
    swedish = StaffFactory(groups=["officer", "decision_maker"], language="sv")
    finnish = StaffFactory(groups=["officer", "decision_maker"], language="fi")
    signatory = MembershipFactory(organisation=organisation, is_signatory=True, user__language="sv").user
    overdue = case(organisation, TODAY - timedelta(days=1))
    waiting = case(
        organisation, TODAY + timedelta(days=60), application__created_by=UserFactory(language="fi")
    )
    SupplementRequest.objects.create(
        permit=waiting, officer=finnish, message="Tarkentakaa.", respond_by=TODAY + timedelta(days=2)
    )

    sweep_deadlines(today=TODAY)

    def reminder(**recipient) -> Notification:
        return Notification.objects.get(kind=NotificationKind.REMINDER, **recipient)

    to_swedish, to_finnish = reminder(recipient=swedish), reminder(recipient=finnish)
    assert (to_swedish.language, to_finnish.language) == ("sv", "fi")
    assert to_swedish.subject == f"Ärende {overdue.reference}: måldatumet för beslutet har passerats"
    assert to_finnish.subject == f"Asia {overdue.reference}: päätöksen tavoitepäivä ylittynyt"
    assert "Öppna ärendet:" in to_swedish.body_text and "Avaa asia:" in to_finnish.body_text
    # The applicant's side: the signatory in theirs, the contact address in its starter's language.
    to_signatory = reminder(recipient=signatory)
    to_contact = reminder(recipient=None, email=organisation.contact_email.lower())
    assert to_signatory.subject == f"Ärende {waiting.reference}: svara på begäran om komplettering"
    assert to_contact.subject == f"Asia {waiting.reference}: vastaathan täydennyspyyntöön"


# Extending the target date ----------------------------------------------------------------------------


def extend(client, permit: Permit, **overrides):
    data = {"decision_due": "2027-04-30", "reason": "Lausunto odottaa.", "revision": permit.revision}
    return client.post(reverse("permits:extend_target", args=[permit.uuid]), {**data, **overrides})


def test_a_decision_maker_extends_the_target_and_the_reminders_rearm(
    client, organisation, decision_maker, signatory, mailoutbox, django_capture_on_commit_callbacks
):
    overdue = case(organisation, TODAY - timedelta(days=2))
    sweep_deadlines(today=TODAY)
    assert kinds(overdue) == [ReminderKind.OVERDUE]
    client.force_login(decision_maker)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = extend(client, overdue, decision_due=(TODAY + timedelta(days=10)).isoformat())

    assert response.status_code == 302
    overdue = Permit.objects.get(pk=overdue.pk)
    assert overdue.decision_due == TODAY + timedelta(days=10)
    event = overdue.events.get(action="target_extended")
    assert (event.actor, event.note, event.visible_to_applicant) == (
        decision_maker,
        "Lausunto odottaa.",
        True,
    )
    audit = AuditEvent.objects.get(action="case_target_extended")
    assert audit.details["previous_decision_due"] == str(TODAY - timedelta(days=2))
    # The applicant hears of the new date and the reason.
    to_signatory = next(m for m in mailoutbox if m.to == [signatory.email])
    assert "Lausunto odottaa." in to_signatory.body and "new decision target date" in to_signatory.body

    sweep_deadlines(today=TODAY)
    assert kinds(overdue) == [ReminderKind.OVERDUE, ReminderKind.TARGET_SOON]


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"decision_due": "2027-03-01"}, 400),  # earlier than the current target
        ({"decision_due": "2027-03-20"}, 400),  # the same as the current target
        ({"reason": "   "}, 400),
        ({"decision_due": "not a date"}, 400),
        ({"revision": 99}, 409),
    ],
)
def test_bad_extensions_change_nothing(client, organisation, decision_maker, overrides, status):
    permit = case(organisation, date(2027, 3, 20))
    client.force_login(decision_maker)
    response = extend(client, permit, **overrides)
    assert response.status_code == status
    assert Permit.objects.get(pk=permit.pk).decision_due == date(2027, 3, 20)
    assert not permit.events.filter(action="target_extended").exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("officer", 403), ("member", 403), ("signatory", 403), ("outsider", 404)]
)
def test_only_decision_makers_extend(client, request, organisation, persona, status):
    permit = case(organisation, date(2027, 3, 20))
    client.force_login(request.getfixturevalue(persona))
    assert extend(client, permit).status_code == status
    assert Permit.objects.get(pk=permit.pk).decision_due == date(2027, 3, 20)


def test_a_decided_case_cannot_be_extended(client, organisation, decision_maker):
    permit = case(organisation, date(2027, 3, 20), state=S.GRANTED)
    client.force_login(decision_maker)
    assert extend(client, permit).status_code == 409


def test_only_a_decision_maker_sees_the_extension_form(client, organisation, officer, decision_maker):
    permit = case(organisation, date(2027, 3, 20))
    page = reverse("permits:officer_case", args=[permit.uuid])
    client.force_login(officer)
    assert "Extend the decision target date" not in client.get(page).content.decode()
    client.force_login(decision_maker)
    assert "Extend the decision target date" in client.get(page).content.decode()


# The clock ------------------------------------------------------------------------------------------------


def test_the_clock_splits_the_days_between_the_sides(client, organisation, officer, member):
    permit = case(organisation, date(2027, 5, 1), submitted_at=NOON - timedelta(days=40))
    with time_machine.travel(NOON - timedelta(days=30), tick=False):
        supplement = processing.permit_request_supplement(
            permit=permit, officer=officer, message="Lisää.", sections=[], respond_by=TODAY, revision=0
        )
    with time_machine.travel(NOON - timedelta(days=18), tick=False):
        processing.supplement_answer(supplement=supplement, user=member, response="Tässä.")
    with time_machine.travel(NOON - timedelta(days=5), tick=False):
        processing.permit_request_supplement(
            permit=permit,
            officer=officer,
            message="Vielä.",
            sections=[],
            respond_by=TODAY + timedelta(days=20),
            revision=Permit.objects.get(pk=permit.pk).revision,
        )
    permit = Permit.objects.get(pk=permit.pk)

    clock = case_clock(permit, TODAY)

    assert (clock.elapsed, clock.waiting_for_applicant, clock.with_authority) == (40, 12 + 5, 40 - 17)
    assert clock.days_left == (date(2027, 5, 1) - TODAY).days
    client.force_login(member)
    page = client.get(reverse("permits:case", args=[permit.uuid])).content.decode()
    assert "Days since submission" in page and "<dd>40</dd>" in page and "<dd>17</dd>" in page


def test_the_clock_stops_at_the_decision(organisation):
    permit = case(
        organisation,
        date(2027, 2, 1),
        state=S.GRANTED,
        submitted_at=NOON - timedelta(days=50),
        decided_at=NOON - timedelta(days=10),
    )
    clock = case_clock(permit, TODAY)
    assert (clock.elapsed, clock.days_left, clock.overdue) == (40, None, False)


def test_an_overdue_case_says_so_in_words(client, organisation, officer):
    permit = case(organisation, TODAY - timedelta(days=3))
    client.force_login(officer)
    page = client.get(reverse("permits:officer_case", args=[permit.uuid])).content.decode()
    assert "overdue by 3 days" in page


# Deadline arithmetic through a real submission ----------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "due"),
    [
        (datetime(2026, 11, 30, 9, 0, tzinfo=UTC), date(2027, 2, 28)),
        (datetime(2027, 1, 31, 9, 0, tzinfo=UTC), date(2027, 4, 30)),
        (datetime(2028, 2, 29, 9, 0, tzinfo=UTC), date(2028, 5, 29)),
        # The night summer time starts (28 March 2027, 03:00 → 04:00): 01:30 UTC is 04:30 local.
        (datetime(2027, 3, 28, 1, 30, tzinfo=UTC), date(2027, 6, 28)),
        # The night before, 22:30 UTC on the 27th is already 00:30 on the 28th in Helsinki.
        (datetime(2027, 3, 27, 22, 30, tzinfo=UTC), date(2027, 6, 28)),
        # The night summer time ends (31 October 2027, 04:00 → 03:00): both 03:30s are the 31st.
        (datetime(2027, 10, 31, 0, 30, tzinfo=UTC), date(2028, 1, 31)),
        (datetime(2027, 10, 31, 1, 30, tzinfo=UTC), date(2028, 1, 31)),
        (datetime(2027, 10, 30, 20, 59, tzinfo=UTC), date(2028, 1, 30)),
    ],
)
def test_submissions_get_the_expected_target_and_reminder_dates(
    organisation, signatory, officer, moment, due
):
    application = ApplicationFactory(organisation=organisation, complete=True)
    with time_machine.travel(moment, tick=False):
        permit = services.application_submit(application=application, user=signatory)
    assert permit.decision_due == due
    assert Application.objects.get(pk=application.pk).status == "submitted"
    # The officers are reminded from 14 days before the target date, not a day earlier.
    assert sweep_deadlines(today=due - timedelta(days=15)).total == 0
    assert sweep_deadlines(today=due - timedelta(days=14)).counts[ReminderKind.TARGET_SOON] == 1
    assert sweep_deadlines(today=due + timedelta(days=1)).counts[ReminderKind.OVERDUE] == 1
