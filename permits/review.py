"""The technical review checklist: what an officer checks before a technical interface is granted.

Each item is saved as a `ReviewItem` (one per case and code) with pass / fail / not applicable and a note.
The codes are stored; the labels are translated when shown. Never shown to the applicant.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# (code, what the officer checks), in the order the checklist is worked through.
CHECKLIST: list[tuple[str, Promise]] = [
    ("security_report", _("The information security report is adequate")),
    (
        "traceability",
        _("Every query can be traced to a named end user, and the logs are kept for five years"),
    ),
    ("tls", _("Connections use TLS and server certificates are managed")),
    ("hosting", _("Data is hosted and processed in the EU/EEA")),
    ("processors", _("Processors and subcontractors are named and bound by agreements")),
    (
        "turvakielto",
        _("Data under a non-disclosure for personal safety (turvakielto) is never shown or disclosed"),
    ),
    ("access_control", _("Access is personal and controlled, with two-factor sign-in")),
    ("retention", _("Retention periods and deletion are defined")),
    ("incidents", _("Incidents are detected, handled and reported to the agency")),
]

CHECKLIST_CODES = [code for code, _label in CHECKLIST]
CHECKLIST_LABELS: dict[str, Promise] = dict(CHECKLIST)
