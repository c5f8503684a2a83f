"""Reads of consultations: the officers' list and an organisation's, with their last messages; who may post."""

from django.db.models import BooleanField, Case, OuterRef, QuerySet, Subquery, Value, When

from accounts.models import User
from accounts.rules import is_officer
from applications.models import Consultation, ConsultationMessage, ConsultationState


def with_last_message(consultations: QuerySet[Consultation]) -> QuerySet[Consultation]:
    """Annotate the time and side of the latest message, and whether the authority owes an answer.

    One query however many consultations and messages there are.
    """
    latest = ConsultationMessage.objects.filter(consultation=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        consultations.select_related("organisation", "product")
        .annotate(
            last_message_at=Subquery(latest.values("created_at")[:1]),
            last_from_authority=Subquery(latest.values("from_authority")[:1]),
        )
        .annotate(
            awaiting_authority=Case(
                When(last_from_authority=True, then=Value(False)),
                default=Value(True),
                output_field=BooleanField(),
            )
        )
    )


def officer_queue(consultations: QuerySet[Consultation], *, state: str) -> QuerySet[Consultation]:
    """Consultations in `state`, those awaiting the authority's answer first, newest message first."""
    return (
        with_last_message(consultations)
        .filter(state=state)
        .order_by("-awaiting_authority", "-last_message_at", "-id")
    )


def organisation_list(consultations: QuerySet[Consultation]) -> QuerySet[Consultation]:
    """An organisation's consultations: open ones first, newest message first."""
    open_first = Case(When(state=ConsultationState.OPEN, then=Value(0)), default=Value(1))
    return with_last_message(consultations).order_by(open_first, "-last_message_at", "-id")


def may_post(consultation: Consultation, user: User) -> bool:
    """Members of the consultation's organisation and officers who process permits may post and close."""
    if user.is_staff:
        return is_officer(user)
    return consultation.organisation.memberships.filter(user=user).exists()
