from pathlib import Path

from django.conf import settings

from permits.diagram import document, transitions


def test_docs_state_diagram_matches_the_code():
    written = (Path(settings.BASE_DIR) / "docs" / "state-diagram.md").read_text(encoding="utf-8")
    assert written == document(), "docs/state-diagram.md is stale: run `python manage.py state_diagram`"


def test_diagram_has_the_designed_transitions():
    rows = set(transitions())
    assert ("supplement_requested", "negotiation", "respond_to_supplement") in rows
    assert ("technical_review", "granted", "grant") in rows
    assert ("production", "revoked", "revoke") in rows
    assert ("granted", "terms_accepted", "accept_terms") in rows
    assert not any(source in {"rejected", "withdrawn", "revoked", "expired"} for source, _, _ in rows)
