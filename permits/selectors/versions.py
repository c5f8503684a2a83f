"""What changed between the submitted versions of an application (the officers' version history)."""

from dataclasses import dataclass, field
from itertools import pairwise

from django.utils.functional import Promise

from applications.models import Application, ApplicationVersion
from applications.summary import CatalogueNames, Section, build_summary


@dataclass
class Change:
    kind: str  # "changed", "added" or "removed"
    section: str | Promise
    label: str | Promise
    before: str = ""
    after: str = ""


@dataclass
class VersionEntry:
    version: ApplicationVersion
    summary: list[Section]
    changes: list[Change] = field(default_factory=list)  # against the previous version


def _attachment_text(item: dict) -> str:
    return f"{item['size'] // 1024 + 1} kB · SHA-256 {item['sha256']}"


def snapshot_changes(
    old: dict,
    new: dict,
    old_summary: list[Section],
    new_summary: list[Section],
    catalogue: CatalogueNames | None = None,
) -> list[Change]:
    """Field by field, what differs between two snapshots (and their summaries), in wizard order."""
    catalogue = catalogue or CatalogueNames.load()
    changes: list[Change] = []
    previous = {section.slug: section for section in old_summary}
    for section in new_summary:
        if section.slug == "data-groups":
            before, after = old.get("data_groups", {}), new.get("data_groups", {})
            for code in [*after, *(c for c in before if c not in after)]:
                group = catalogue.data_groups.get(code)
                label = group.name if group else code
                if code not in before:
                    changes.append(Change("added", section.title, label, after=after[code]))
                elif code not in after:
                    changes.append(Change("removed", section.title, label, before=before[code]))
                elif before[code] != after[code]:
                    changes.append(Change("changed", section.title, label, before[code], after[code]))
        elif section.slug == "attachments":
            before = {(a["name"], a["sha256"]): a for a in old.get("attachments", [])}
            after = {(a["name"], a["sha256"]): a for a in new.get("attachments", [])}
            for key, item in after.items():
                if key not in before:
                    changes.append(Change("added", section.title, item["name"], after=_attachment_text(item)))
            for key, item in before.items():
                if key not in after:
                    changes.append(
                        Change("removed", section.title, item["name"], before=_attachment_text(item))
                    )
        else:
            old_rows = previous[section.slug].rows
            for (label, value), (_label, old_value) in zip(section.rows, old_rows, strict=True):
                if str(old_value) != str(value):
                    changes.append(Change("changed", section.title, label, str(old_value), str(value)))
    return changes


def version_history(application: Application) -> list[VersionEntry]:
    """Every submitted version, newest first, each with what changed since the one before it."""
    versions = list(application.versions.select_related("submitted_by").order_by("number"))
    catalogue = CatalogueNames.load()
    entries = [VersionEntry(version, build_summary(version.snapshot, catalogue)) for version in versions]
    for older, newer in pairwise(entries):
        newer.changes = snapshot_changes(
            older.version.snapshot, newer.version.snapshot, older.summary, newer.summary, catalogue
        )
    return entries[::-1]
