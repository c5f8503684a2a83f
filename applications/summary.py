"""An application snapshot as labelled sections: one rendering for the review page, case pages and PDFs."""

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from applications.catalogue import SECTIONS, SECURITY_THEMES
from applications.completeness import CONTACT_ROLES
from applications.models import DataGroup, Product, Purpose

TITLES = dict(SECTIONS)


# A label and its value; either may be a lazy translation.
Row = tuple[str | Promise, str | Promise]


@dataclass
class Section:
    slug: str
    title: str | Promise
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class CatalogueNames:
    """The catalogue by code, read once (three queries) for every summary a page prints."""

    products: dict[str, Product]
    purposes: dict[str, Purpose]
    data_groups: dict[str, DataGroup]

    @classmethod
    def load(cls) -> "CatalogueNames":
        return cls(
            products={p.code: p for p in Product.objects.all()},
            purposes={p.code: p for p in Purpose.objects.prefetch_related("prohibitions")},
            data_groups={g.code: g for g in DataGroup.objects.all()},
        )


def _named(items: dict, code: str | None) -> str:
    if not code:
        return ""
    item = items.get(code)
    return item.name if item else code


def build_summary(snap: dict, catalogue: CatalogueNames | None = None) -> list[Section]:
    """Labelled, ordered sections of a snapshot (see applications.completeness.snapshot). A page that prints
    several summaries passes one `catalogue`, so that the number of queries does not grow with them."""
    catalogue = catalogue or CatalogueNames.load()
    purpose = catalogue.purposes.get(snap.get("purpose") or "")
    first = Section(
        "purpose",
        TITLES["purpose"],
        [
            (_("Product"), _named(catalogue.products, snap.get("product"))),
            (_("Purpose of use"), purpose.name if purpose else ""),
            (
                _("Disclosure prohibitions to honour"),
                ", ".join(p.name for p in purpose.prohibitions.all()) if purpose else "",
            ),
            (_("Description of the purpose of use"), snap.get("purpose_description", "")),
            (_("Legal basis or statute relied on"), snap.get("legal_basis", "")),
            (_("Permit needed until"), snap.get("requested_valid_until") or _("until further notice")),
        ],
    )
    groups = catalogue.data_groups
    group_rows: list[Row] = []
    for code, justification in snap.get("data_groups", {}).items():
        group = groups.get(code)
        label = group.name if group else code
        if group and group.is_sensitive:
            label = _("%(group)s (sensitive)") % {"group": label}
        group_rows.append((label, justification))
    use = Section(
        "data-use",
        TITLES["data-use"],
        [
            (_("What the data is used for"), snap.get("use_description", "")),
            (_("Who inside the organisation accesses the data"), snap.get("access_description", "")),
            (_("Where the data is stored"), snap.get("storage_description", "")),
            (_("How long the data is kept and how it is deleted"), snap.get("retention_description", "")),
            (_("Onward disclosures"), snap.get("onward_disclosure", "")),
        ],
    )
    answers = snap.get("security_report", {})
    security = Section(
        "security", TITLES["security"], [(q, answers.get(code, "")) for code, q, _g in SECURITY_THEMES]
    )
    technical = Section(
        "technical",
        TITLES["technical"],
        [
            (_("System description"), snap.get("system_description", "")),
            (_("Integration method"), snap.get("integration_method", "")),
            (_("Hosting"), snap.get("hosting_description", "")),
            (_("Test environment"), snap.get("test_environment", "")),
        ],
    )
    contacts = snap.get("contacts", {})
    contact_rows: list[Row] = []
    for role, label in CONTACT_ROLES:
        person = contacts.get(role, {})
        contact_rows.append(
            (label, ", ".join(v for v in (person.get("name"), person.get("email"), person.get("phone")) if v))
        )
    attachments = Section(
        "attachments",
        TITLES["attachments"],
        [
            (f["name"], f"{f['size'] // 1024 + 1} kB · SHA-256 {f['sha256']}")
            for f in snap.get("attachments", [])
        ],
    )
    return [
        first,
        Section("data-groups", TITLES["data-groups"], group_rows),
        use,
        security,
        technical,
        Section("contacts", TITLES["contacts"], contact_rows),
        attachments,
    ]
