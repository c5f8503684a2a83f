"""Fixed structure of an application: the wizard's sections and the security report's themes."""

from django.utils.translation import gettext_lazy as _

# The information security report's questionnaire: (code, question, guidance).
SECURITY_THEMES = [
    (
        "governance",
        _("Security governance and the responsible person"),
        _("Who is responsible for information security, and how is it organised and supervised?"),
    ),
    (
        "risk_assessment",
        _("Risk assessment"),
        _("How were the risks of processing population data assessed, and what was decided?"),
    ),
    (
        "location",
        _("Where the data is stored and processed"),
        _("Countries (EU/EEA?), data centres and cloud providers."),
    ),
    (
        "processors",
        _("Processors and subcontractors"),
        _("Which processors or subcontractors take part, and under which agreements?"),
    ),
    (
        "access_control",
        _("Access control"),
        _(
            "Personal credentials, a named responsible user, two-factor sign-in, how rights are granted and removed."
        ),
    ),
    (
        "traceability",
        _("Traceability of queries"),
        _("How every query is traced to a named end user and how the logs are kept for five years."),
    ),
    (
        "transport",
        _("TLS and server certificates"),
        _("How connections are encrypted and how certificates are managed."),
    ),
    ("retention", _("Retention and deletion"), _("How long data is kept and how it is deleted.")),
    (
        "incidents",
        _("Incident handling and breach notification"),
        _(
            "How incidents are detected, handled and notified to the agency and the data protection authority."
        ),
    ),
    (
        "training",
        _("Staff training and confidentiality undertakings"),
        _("How users are trained and bound to confidentiality."),
    ),
    ("physical", _("Physical security"), _("How premises and equipment are protected.")),
    (
        "change_management",
        _("Change management"),
        _("How changes to systems are planned, tested and approved."),
    ),
    (
        "turvakielto",
        _("Non-disclosure for personal safety"),
        _(
            "How data protected by a non-disclosure for personal safety (turvakielto) is never shown or disclosed."
        ),
    ),
]

SECURITY_THEME_CODES = [code for code, _question, _guidance in SECURITY_THEMES]

# The wizard's sections, in order: (slug, title). The review step lists what is missing in each.
SECTIONS = [
    ("purpose", _("Product and purpose of use")),
    ("data-groups", _("Data groups")),
    ("data-use", _("Use and protection of the data")),
    ("security", _("Information security report")),
    ("technical", _("Technical implementation")),
    ("contacts", _("Contacts")),
    ("attachments", _("Attachments")),
    ("review", _("Review and submit")),
]
SECTION_SLUGS = [slug for slug, _title in SECTIONS]

# Justifications: every requested group needs one; a sensitive group needs a longer, specific one.
MIN_JUSTIFICATION = 20
MIN_SENSITIVE_JUSTIFICATION = 150
