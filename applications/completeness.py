"""What an application still lacks before it can be submitted, and the frozen snapshot of what was submitted."""

from dataclasses import dataclass

from django.db.models import prefetch_related_objects
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.mandates import valid_licence
from accounts.models import FrameworkLicence
from applications.catalogue import MIN_JUSTIFICATION, MIN_SENSITIVE_JUSTIFICATION, SECURITY_THEMES
from applications.models import Application, AttachmentKind

CONTACT_ROLES = [
    ("responsible", _("Responsible person")),
    ("technical", _("Technical contact")),
    ("deputy", _("Deputy technical contact")),
]


@dataclass(frozen=True)
class Missing:
    section: str  # the wizard section slug to fix it in
    message: str | Promise


# What missing_items and snapshot read of an application besides its own row.
PARTS = ("requested_groups__data_group", "attachments")


def load_parts(application: Application) -> Application:
    """Read the application's requested data groups and attachments in two queries (once per request), so
    that checking completeness and taking a snapshot cost no query per group or file."""
    prefetch_related_objects([application], *PARTS)
    return application


def security_report_required(application: Application) -> bool:
    """Mandatory for technical interfaces and whenever a sensitive data group is requested."""
    if application.product and application.product.is_technical_interface:
        return True
    return any(r.data_group.is_sensitive for r in application.requested_groups.all())


# `licence` not given: look up the filing licensee's licence valid today.
FIND_LICENCE = object()


def missing_items(application: Application, *, licence: object = FIND_LICENCE) -> list[Missing]:
    """Every item that stops submission, in wizard order. Empty when the application is complete.

    A caller checking many applications of one licensee passes its `licence` (valid today, or None) with
    the scope prefetched, so that the scope check costs no query per application.
    """
    missing: list[Missing] = []
    add = missing.append
    a = application
    if a.product is None:
        add(Missing("purpose", _("Choose the product.")))
    elif not a.product.is_active:
        add(Missing("purpose", _("The chosen product is no longer offered. Choose another one.")))
    if a.purpose is None:
        add(Missing("purpose", _("Choose the purpose of use.")))
    elif not a.purpose.is_active:
        add(Missing("purpose", _("The chosen purpose of use is no longer offered. Choose another one.")))
    if not a.purpose_description.strip():
        add(Missing("purpose", _("Describe the purpose of use.")))
    if not a.legal_basis.strip():
        add(Missing("purpose", _("State the legal basis or statute you rely on.")))

    groups = list(a.requested_groups.all())
    if not groups:
        add(Missing("data-groups", _("Choose at least one data group.")))
    for requested in groups:
        group = requested.data_group
        if not group.is_active:
            add(
                Missing(
                    "data-groups", _("%(group)s is no longer offered. Remove it.") % {"group": group.name}
                )
            )
        minimum = MIN_SENSITIVE_JUSTIFICATION if group.is_sensitive else MIN_JUSTIFICATION
        if len(requested.justification.strip()) < minimum:
            add(
                Missing(
                    "data-groups",
                    _("Justify %(group)s in at least %(count)d characters.")
                    % {"group": group.name, "count": minimum},
                )
            )

    for field, message in [
        ("use_description", _("Describe what the data is used for.")),
        ("access_description", _("Describe who inside the organisation accesses the data.")),
        ("storage_description", _("Describe where the data is stored.")),
        ("retention_description", _("Describe how long the data is kept and how it is deleted.")),
        ("onward_disclosure", _("Describe onward disclosures, or state that there are none.")),
    ]:
        if not getattr(a, field).strip():
            add(Missing("data-use", message))

    if security_report_required(a):
        answers = a.security_report or {}
        for code, question, _guidance in SECURITY_THEMES:
            if not str(answers.get(code, "")).strip():
                add(
                    Missing(
                        "security", _("Answer the security question: %(question)s") % {"question": question}
                    )
                )

    for field, message in [
        ("system_description", _("Describe the system that uses the data.")),
        ("integration_method", _("Describe the integration method.")),
        ("hosting_description", _("Describe the hosting.")),
        ("test_environment", _("Describe the test environment.")),
    ]:
        if not getattr(a, field).strip():
            add(Missing("technical", message))

    for role, label in CONTACT_ROLES:
        for part, part_label in [("name", _("name")), ("email", _("email")), ("phone", _("phone"))]:
            if not getattr(a, f"{role}_{part}").strip():
                add(
                    Missing(
                        "contacts", _("%(role)s: %(part)s is missing.") % {"role": label, "part": part_label}
                    )
                )
    missing.extend(licence_scope_problems(a, licence=licence))
    return missing


def licence_scope_problems(application: Application, *, licence: object = FIND_LICENCE) -> list[Missing]:
    """What a licensee's application asks for outside the scope of its framework licence valid today."""
    licensee = application.filed_by  # no query when filed_by_id is None
    if licensee is None:
        return []
    if licence is FIND_LICENCE:
        licence = valid_licence(licensee)
    if not isinstance(licence, FrameworkLicence):
        return [
            Missing(
                "purpose",
                _("%(licensee)s holds no framework licence valid today, so it cannot file this application.")
                % {"licensee": licensee.name},
            )
        ]
    problems = []
    # Whole (small) scope lists rather than a query per item: prefetched by callers that check many.
    products = {product.pk for product in licence.products.all()}
    purposes = {purpose.pk for purpose in licence.purposes.all()}
    allowed = {group.pk for group in licence.data_groups.all()}
    # The key first: the product itself is read only when it is not covered.
    if application.product_id not in products and application.product is not None:
        problems.append(
            Missing(
                "purpose",
                _("The product %(product)s is not covered by framework licence %(number)s.")
                % {"product": application.product.name, "number": licence.number},
            )
        )
    if application.purpose_id not in purposes and application.purpose is not None:
        problems.append(
            Missing(
                "purpose",
                _("The purpose of use %(purpose)s is not covered by framework licence %(number)s.")
                % {"purpose": application.purpose.name, "number": licence.number},
            )
        )
    for requested in application.requested_groups.all():
        if requested.data_group_id not in allowed:
            problems.append(
                Missing(
                    "data-groups",
                    _("The data group %(group)s is not covered by framework licence %(number)s.")
                    % {"group": requested.data_group.name, "number": licence.number},
                )
            )
    return problems


def snapshot(application: Application) -> dict:
    """Everything submitted, as plain JSON: frozen into ApplicationVersion and shown field by field."""
    a = application
    return {
        "product": a.product.code if a.product else None,
        "purpose": a.purpose.code if a.purpose else None,
        "purpose_description": a.purpose_description,
        "legal_basis": a.legal_basis,
        "requested_valid_until": a.requested_valid_until.isoformat() if a.requested_valid_until else None,
        "data_groups": {r.data_group.code: r.justification for r in a.requested_groups.all()},
        "use_description": a.use_description,
        "access_description": a.access_description,
        "storage_description": a.storage_description,
        "retention_description": a.retention_description,
        "onward_disclosure": a.onward_disclosure,
        "security_report": dict(a.security_report or {}),
        "system_description": a.system_description,
        "integration_method": a.integration_method,
        "hosting_description": a.hosting_description,
        "test_environment": a.test_environment,
        "contacts": {
            role: {part: getattr(a, f"{role}_{part}") for part in ("name", "email", "phone")}
            for role, _label in CONTACT_ROLES
        },
        "attachments": [
            {"name": f.display_name, "sha256": f.sha256, "size": f.size, "kind": f.kind}
            for f in a.attachments.all()
        ],
        "security_report_attachment": any(
            f.kind == AttachmentKind.SECURITY_REPORT for f in a.attachments.all()
        ),
    }
