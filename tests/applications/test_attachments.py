"""Attachments: content-based type checks, ZIP bombs, hostile names, storage, the access ladder and audit."""

import hashlib
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEvent
from accounts.services import PortalError
from applications import uploads
from applications.models import ApplicationStatus, Attachment, AttachmentKind
from applications.services import attachments as attachment_services
from applications.views.attachments import attachments_context
from tests.factories import ApplicationFactory

# Files -------------------------------------------------------------------------------------------


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        uploads.PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def zip_bytes(entries: list[tuple[str, bytes]], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries:
            # The ODF `mimetype` entry is stored uncompressed, as the standard asks.
            archive.writestr(name, data, zipfile.ZIP_STORED if name == "mimetype" else compression)
    return buffer.getvalue()


def odt_bytes(mimetype: bytes = b"application/vnd.oasis.opendocument.text") -> bytes:
    return zip_bytes(
        [
            ("mimetype", mimetype),
            ("content.xml", b'<?xml version="1.0" encoding="UTF-8"?><office:document-content/>'),
            ("META-INF/manifest.xml", b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest/>'),
        ]
    )


DOCX_ENTRIES = [
    ("[Content_Types].xml", b'<?xml version="1.0" encoding="UTF-8"?><Types/>'),
    ("_rels/.rels", b'<?xml version="1.0" encoding="UTF-8"?><Relationships/>'),
    ("word/document.xml", b'<?xml version="1.0" encoding="UTF-8"?><w:document><w:body/></w:document>'),
]


def docx_bytes() -> bytes:
    return zip_bytes(DOCX_ENTRIES)


def txt_bytes() -> bytes:
    return "Hakemuksen liite\tÄäkköset toimivat.\r\nRivi 2\f\n".encode()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(scope="session")
def docx_bomb() -> bytes:
    """A DOCX-shaped archive under 1 MB whose document entry unpacks to 200 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(*DOCX_ENTRIES[0])
        with archive.open("word/document.xml", "w", force_zip64=True) as entry:
            zeros = bytes(1024 * 1024)
            for _ in range(200):
                entry.write(zeros)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


@pytest.fixture
def draft(organisation):
    return ApplicationFactory(organisation=organisation)


@pytest.fixture
def submitted(organisation):
    application = ApplicationFactory(organisation=organisation)
    application.status = ApplicationStatus.SUBMITTED
    application.save()
    return application


def add(application, user, name: str = "report.pdf", content: bytes | None = None) -> Attachment:
    return attachment_services.attachment_add(
        application=application,
        user=user,
        uploaded=upload(name, pdf_bytes() if content is None else content),
        kind=AttachmentKind.OTHER,
    )


def rejection_code(content: bytes, name: str = "file.docx") -> str:
    with pytest.raises(ValidationError) as excinfo:
        uploads.inspect_upload(upload(name, content))
    return excinfo.value.code


# Content checks ----------------------------------------------------------------------------------

ALLOWED = [
    ("scan.pdf", pdf_bytes, "application/pdf", "pdf"),
    ("kuva.png", png_bytes, "image/png", "png"),
    ("photo.jpeg", jpeg_bytes, "image/jpeg", "jpg"),
    ("raportti.odt", odt_bytes, "application/vnd.oasis.opendocument.text", "odt"),
    (
        "report.docx",
        docx_bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    ("notes.txt", txt_bytes, "text/plain", "txt"),
]


@pytest.mark.parametrize(("name", "make", "content_type", "extension"), ALLOWED, ids=[a[0] for a in ALLOWED])
def test_allowed_types_are_recognised_by_content(name, make, content_type, extension):
    content = make()
    # The browser's claim is ignored: everything is sent as application/octet-stream.
    check = uploads.inspect_upload(upload(name, content))
    assert check.content_type == content_type
    assert check.extension == extension
    assert check.size == len(content)
    assert check.sha256 == hashlib.sha256(content).hexdigest()
    assert check.display_name == f"{name.rsplit('.', 1)[0]}.{extension}"


def test_name_and_claimed_type_do_not_decide_the_type():
    check = uploads.inspect_upload(upload("holiday.txt", png_bytes(), "text/plain"))
    assert (check.content_type, check.display_name) == ("image/png", "holiday.png")


def test_executable_named_pdf_is_refused():
    executable = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(64)
    assert rejection_code(executable, "invoice.pdf") == "unsupported_type"


def test_html_named_pdf_is_only_ever_plain_text():
    check = uploads.inspect_upload(
        upload("page.pdf", b"<html><script>alert(1)</script></html>", "application/pdf")
    )
    assert (check.content_type, check.display_name) == ("text/plain", "page.txt")


@pytest.mark.parametrize(
    "content",
    [b"text with a NUL \x00 byte", b"escape \x1b[31m sequence", b"vertical \x0b tab", "c1 \x85".encode()],
    ids=["nul", "escape", "vertical-tab", "c1-control"],
)
def test_text_with_control_characters_is_refused(content):
    assert rejection_code(content, "notes.txt") == "unsupported_type"


def test_text_that_is_not_utf8_is_refused():
    assert rejection_code("Äänestys".encode("latin-1"), "notes.txt") == "unsupported_type"


def test_refusal_names_the_allowed_types():
    with pytest.raises(ValidationError) as excinfo:
        uploads.inspect_upload(upload("x.pdf", b"\x7fELF\x02\x01\x01\x00"))
    assert all(kind in excinfo.value.messages[0] for kind in ["PDF", "PNG", "JPEG", "ODT", "DOCX", "TXT"])


def test_empty_file_is_refused():
    assert rejection_code(b"", "empty.pdf") == "empty"


def test_file_over_the_size_limit_is_refused_with_the_limit_in_megabytes(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    content = pdf_bytes() + b" " * (1024 * 1024 - len(pdf_bytes()))
    assert uploads.inspect_upload(upload("fits.pdf", content)).size == 1024 * 1024
    with pytest.raises(ValidationError) as excinfo:
        uploads.inspect_upload(upload("big.pdf", content + b" "))
    assert excinfo.value.code == "too_large"
    assert "1 MB" in excinfo.value.messages[0]


def test_default_size_limit_is_ten_megabytes():
    from django.conf import settings

    assert settings.ATTACHMENT_MAX_BYTES == 10 * 1024 * 1024


def test_zip_that_is_neither_odt_nor_docx_is_refused():
    assert rejection_code(zip_bytes([("readme.txt", b"hello")]), "archive.docx") == "unsupported_type"


def test_odf_document_of_another_kind_is_refused():
    spreadsheet = odt_bytes(b"application/vnd.oasis.opendocument.spreadsheet")
    assert rejection_code(spreadsheet, "sheet.odt") == "unsupported_type"


def test_docx_with_macros_is_refused():
    assert rejection_code(zip_bytes([*DOCX_ENTRIES, ("word/vbaProject.bin", b"macro")])) == "macros"


# ZIP bombs and damaged archives -------------------------------------------------------------------


def test_zip_bomb_is_refused_before_any_entry_is_unpacked(docx_bomb, monkeypatch):
    assert len(docx_bomb) < 1024 * 1024

    def unpacked(*args, **kwargs):
        raise AssertionError("an entry of a ZIP bomb was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", unpacked)
    assert rejection_code(docx_bomb) == "zip_bomb"


def test_entry_compressed_more_than_the_ratio_allows_is_refused():
    # 5 MB of zeros: well under the total limit, but compressed about a thousandfold.
    assert rejection_code(zip_bytes([*DOCX_ENTRIES, ("word/media/blank.bin", bytes(5 * 1024 * 1024))])) == (
        "zip_bomb"
    )


def test_archive_declaring_more_than_the_total_limit_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "ZIP_MAX_UNCOMPRESSED", 10_000)
    noise = b"".join(hashlib.sha256(i.to_bytes(4)).digest() for i in range(400))
    assert len(noise) > 10_000
    content = zip_bytes([*DOCX_ENTRIES, ("word/media/noise.bin", noise)], compression=zipfile.ZIP_STORED)
    assert rejection_code(content) == "zip_bomb"


def test_archive_with_too_many_entries_is_refused():
    entries = [*DOCX_ENTRIES, *((f"word/e{i}.xml", b"") for i in range(uploads.ZIP_MAX_ENTRIES))]
    assert rejection_code(zip_bytes(entries, compression=zipfile.ZIP_STORED)) == "zip_bomb"


def test_reading_stops_when_an_entry_yields_more_than_it_declared():
    class Endless(io.RawIOBase):
        reads = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            self.reads += 1
            if self.reads > 100:
                raise AssertionError("drain kept reading past the declared size")
            buffer[:] = b"\0" * len(buffer)
            return len(buffer)

    stream = Endless()
    with pytest.raises(uploads._Rejected):
        uploads.drain(io.BufferedReader(stream), declared=100_000)
    assert stream.reads < 10


def test_archive_whose_entry_is_bigger_than_declared_is_refused():
    content = bytearray(zip_bytes(DOCX_ENTRIES))
    # Halve the uncompressed size that word/document.xml declares, in its local and central headers.
    actual = len(DOCX_ENTRIES[2][1])
    forged = struct.pack("<I", actual // 2)
    for at in [m.start() for m in re.finditer(struct.pack("<I", actual), bytes(content))]:
        content[at : at + 4] = forged
    assert rejection_code(bytes(content)) in {"damaged", "zip_bomb"}


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04" + b"\xde\xad\xbe\xef" * 20,
        docx_bytes()[:-30],
        b"PK\x03\x04" + bytes(200),
    ],
    ids=["garbage", "truncated", "zeros"],
)
def test_damaged_zip_is_refused_cleanly(content):
    assert rejection_code(content) == "damaged"


def test_zip_with_a_corrupted_entry_is_refused():
    content = bytearray(docx_bytes())
    data = zlib.compressobj(wbits=-15)
    compressed = data.compress(DOCX_ENTRIES[2][1]) + data.flush()
    at = bytes(content).index(compressed)
    content[at + 5 : at + 15] = b"\xff" * 10
    assert rejection_code(bytes(content)) == "damaged"


def test_encrypted_zip_is_refused():
    content = bytearray(docx_bytes())
    # Set the "encrypted" flag of the first entry in its local and central headers.
    for signature, offset in [(b"PK\x03\x04", 6), (b"PK\x01\x02", 8)]:
        at = bytes(content).index(signature) + offset
        content[at] |= 0x1
    assert rejection_code(bytes(content)) == "damaged"


# Display names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd\u202e.pdf", "passwd.pdf"),
        ("..\\..\\Windows\\system32\\evil.pdf", "evil.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.pdf"),
        ("rep\x00ort\x1b[31m\x07.pdf", "report[31m.pdf"),
        ("\u2066hidden\u2069 \u200eleft\u200f.pdf", "hidden left.pdf"),
        ("  ..hidden   report \t\n v2 .pdf", "hidden report v2.pdf"),
        ("report.exe", "report.pdf"),
        ("Q3 results v1.2", "Q3 results v1.2.pdf"),
        ('a<b>c:d"e|f?g*.pdf', "a_b_c_d_e_f_g_.pdf"),
        ("", "attachment.pdf"),
        ("...pdf", "attachment.pdf"),
        ("/", "attachment.pdf"),
        ("\u202e\u202d", "attachment.pdf"),
    ],
)
def test_display_name_is_sanitised(name, expected):
    assert uploads.sanitise_display_name(name, "pdf") == expected


def test_long_display_name_is_capped_keeping_the_extension():
    name = uploads.sanitise_display_name("x" * 400 + ".docx", "docx")
    assert len(name) == 150
    assert name.endswith("x.docx")


def test_hostile_upload_name_is_sanitised_end_to_end():
    check = uploads.inspect_upload(upload("../../etc/passwd\u202e\x00.pdf", pdf_bytes()))
    assert check.display_name == "passwd.pdf"


# Services ----------------------------------------------------------------------------------------


def test_member_adds_an_attachment_stored_under_a_random_name(draft, member, media):
    content = pdf_bytes()
    attachment = add(draft, member, "secret-plan.pdf", content)
    attachment.refresh_from_db()
    assert re.fullmatch(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", attachment.file.name)
    assert "secret" not in attachment.file.name and "plan" not in attachment.file.name
    assert stored_files(media) == [media / attachment.file.name]
    assert (media / attachment.file.name).read_bytes() == content
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert (attachment.display_name, attachment.content_type, attachment.size) == (
        "secret-plan.pdf",
        "application/pdf",
        len(content),
    )
    assert attachment.uploaded_by == member
    event = AuditEvent.objects.get(action="attachment_added")
    assert (event.actor, event.target_id, event.details["sha256"]) == (
        member,
        str(attachment.uuid),
        attachment.sha256,
    )


def test_media_root_is_outside_the_static_root():
    from vtjportal import settings  # as configured, not as the `media` fixture changed it

    media, static = Path(settings.MEDIA_ROOT).resolve(), Path(settings.STATIC_ROOT).resolve()
    assert not media.is_relative_to(static) and not static.is_relative_to(media)
    assert not getattr(settings, "MEDIA_URL", "")  # no URL serves MEDIA_ROOT


def test_same_name_twice_gets_a_distinct_display_name(draft, member):
    assert add(draft, member).display_name == "report.pdf"
    assert add(draft, member).display_name == "report (2).pdf"


def test_twenty_first_attachment_is_refused(draft, member, media):
    for i in range(uploads.MAX_ATTACHMENTS):
        add(draft, member, f"liite{i}.txt", b"liite %d" % i)
    with pytest.raises(PortalError) as excinfo:
        add(draft, member, "one-too-many.pdf")
    assert "20" in excinfo.value.message
    assert draft.attachments.count() == uploads.MAX_ATTACHMENTS
    assert len(stored_files(media)) == uploads.MAX_ATTACHMENTS


def test_service_refuses_staff_and_submitted_applications(draft, submitted, member, officer, media):
    with pytest.raises(PortalError) as excinfo:
        add(submitted, member)
    assert excinfo.value.status == 409
    with pytest.raises(PortalError) as excinfo:
        add(submitted, officer)
    assert excinfo.value.status == 403
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_failed_save_leaves_no_file_behind(draft, member, media, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(attachment_services, "audit", broken)
    with pytest.raises(RuntimeError):
        add(draft, member)
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_member_removes_an_attachment_and_its_file(draft, member, media, django_capture_on_commit_callbacks):
    attachment = add(draft, member)
    with django_capture_on_commit_callbacks(execute=True):
        attachment_services.attachment_remove(attachment=attachment, user=member)
    assert not Attachment.objects.exists()
    assert stored_files(media) == []
    assert AuditEvent.objects.filter(action="attachment_removed", actor=member).count() == 1


# Views: upload -----------------------------------------------------------------------------------


def post_upload(client, target, name="report.pdf", content=None, **extra):
    data = {"file": upload(name, pdf_bytes() if content is None else content), "kind": "other", **extra}
    return client.post(reverse("applications:attachment_upload", args=[target.uuid]), data)


def test_member_uploads_and_is_sent_back_to_the_attachments_step(client, draft, member, media):
    client.force_login(member)
    response = post_upload(client, draft, "Selvitys.pdf", description="Tietoturvaselvitys")
    assert response.status_code == 302
    assert response.url == reverse("applications:step", args=[draft.uuid, "attachments"])
    attachment = draft.attachments.get()
    assert (attachment.display_name, attachment.description) == ("Selvitys.pdf", "Tietoturvaselvitys")
    assert len(stored_files(media)) == 1


@pytest.mark.parametrize(
    ("name", "content", "status"),
    [
        ("virus.pdf", b"MZ\x90\x00" + bytes(60), 415),
        ("empty.pdf", b"", 400),
        ("bad.docx", b"PK\x03\x04 not really a zip", 400),
    ],
    ids=["wrong-type", "empty", "damaged"],
)
def test_bad_upload_gets_a_message_and_a_4xx(client, draft, member, media, name, content, status):
    client.force_login(member)
    response = post_upload(client, draft, name, content)
    assert response.status_code == status
    assert b'role="alert"' in response.content
    assert reverse("applications:step", args=[draft.uuid, "attachments"]).encode() in response.content
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_too_large_upload_answers_413(client, draft, member, settings, media):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    client.force_login(member)
    response = post_upload(client, draft, content=pdf_bytes() + bytes(1024 * 1024))
    assert response.status_code == 413
    assert "1 MB" in response.content.decode()
    assert stored_files(media) == []


def test_zip_bomb_upload_answers_400(client, draft, member, docx_bomb, media):
    client.force_login(member)
    response = post_upload(client, draft, "bomb.docx", docx_bomb)
    assert response.status_code == 400
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_upload_without_a_file_answers_400(client, draft, member):
    client.force_login(member)
    response = client.post(reverse("applications:attachment_upload", args=[draft.uuid]), {"kind": "other"})
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_extra_post_fields_are_ignored(client, draft, member, outsider):
    other = ApplicationFactory()
    client.force_login(member)
    response = post_upload(
        client,
        draft,
        application=str(other.uuid),
        uploaded_by=str(outsider.pk),
        sha256="0" * 64,
        content_type="text/html",
        display_name="x.html",
        size="1",
        file_name="/etc/passwd",
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.application == draft
    assert attachment.uploaded_by == member
    assert attachment.sha256 == hashlib.sha256(pdf_bytes()).hexdigest()
    assert (attachment.content_type, attachment.display_name, attachment.size) == (
        "application/pdf",
        "report.pdf",
        len(pdf_bytes()),
    )
    assert not other.attachments.exists()


@pytest.mark.parametrize(
    ("persona", "state", "status"),
    [
        ("outsider", "draft", 404),
        ("officer", "draft", 404),
        ("officer", "submitted", 403),
        ("member", "submitted", 409),
    ],
)
def test_upload_refused_changes_nothing(client, db, request, persona, state, status, media):
    application = request.getfixturevalue(state)
    client.force_login(request.getfixturevalue(persona))
    audit_events = AuditEvent.objects.count()
    response = post_upload(client, application)
    assert response.status_code == status
    assert not Attachment.objects.exists()
    assert AuditEvent.objects.count() == audit_events
    assert stored_files(media) == []


def test_anonymous_upload_goes_to_sign_in(client, draft, media):
    response = post_upload(client, draft)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert stored_files(media) == []


def test_upload_only_accepts_post(client, draft, member):
    client.force_login(member)
    assert client.get(reverse("applications:attachment_upload", args=[draft.uuid])).status_code == 405


# Views: download ---------------------------------------------------------------------------------


def download(client, attachment):
    return client.get(reverse("applications:attachment_download", args=[attachment.uuid]))


def test_anonymous_download_goes_to_sign_in(client, draft, member):
    attachment = add(draft, member)
    response = download(client, attachment)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["outsider", "officer"])
def test_outsider_and_officer_cannot_download_from_a_draft(client, request, draft, member, persona):
    attachment = add(draft, member)
    client.force_login(request.getfixturevalue(persona))
    assert download(client, attachment).status_code == 404
    assert not AuditEvent.objects.filter(action="attachment_viewed").exists()


def test_member_downloads_as_an_attachment(client, draft, member, signatory):
    content = pdf_bytes()
    attachment = add(draft, member, "../Raportti \u202e2024.pdf", content)
    client.force_login(signatory)
    response = download(client, attachment)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Raportti 2024.pdf" in response["Content-Disposition"]
    assert "\u202e" not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    # Members' own downloads are not staff views of personal data.
    assert not AuditEvent.objects.filter(action="attachment_viewed").exists()


def test_text_is_served_as_utf8_plain_text(client, draft, member):
    attachment = add(draft, member, "notes.html", b"<script>alert(1)</script>")
    client.force_login(member)
    response = download(client, attachment)
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert 'filename="notes.txt"' in response["Content-Disposition"]


def test_staff_download_of_a_submitted_application_is_audited(client, draft, member, officer):
    attachment = add(draft, member)
    draft.status = ApplicationStatus.SUBMITTED
    draft.save()
    client.force_login(officer)
    response = download(client, attachment)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    event = AuditEvent.objects.get(action="attachment_viewed")
    assert (event.actor, event.target_id, event.organisation) == (
        officer,
        str(attachment.uuid),
        draft.organisation,
    )


def test_missing_stored_file_answers_404(client, draft, member, media):
    attachment = add(draft, member)
    (media / attachment.file.name).unlink()
    client.force_login(member)
    assert download(client, attachment).status_code == 404


# Views: remove -----------------------------------------------------------------------------------


def remove(client, attachment):
    return client.post(reverse("applications:attachment_remove", args=[attachment.uuid]))


def test_member_removes_from_a_draft(client, draft, member, media, django_capture_on_commit_callbacks):
    attachment = add(draft, member)
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = remove(client, attachment)
    assert response.status_code == 302
    assert response.url == reverse("applications:step", args=[draft.uuid, "attachments"])
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("persona", "state", "status"),
    [
        ("outsider", "draft", 404),
        ("officer", "draft", 404),
        ("officer", "submitted", 403),
        ("member", "submitted", 409),
    ],
)
def test_remove_refused_changes_nothing(
    client, request, draft, member, persona, state, status, media, django_capture_on_commit_callbacks
):
    attachment = add(draft, member)
    if state == "submitted":
        draft.status = ApplicationStatus.SUBMITTED
        draft.save()
    client.force_login(request.getfixturevalue(persona))
    audit_events = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = remove(client, attachment)
    assert response.status_code == status
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert AuditEvent.objects.count() == audit_events
    assert stored_files(media) == [media / attachment.file.name]


def test_anonymous_remove_goes_to_sign_in(client, draft, member):
    attachment = add(draft, member)
    response = remove(client, attachment)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert Attachment.objects.exists()


# The partial -------------------------------------------------------------------------------------


def render_partial(user, application, **kwargs) -> str:
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}
    return render_to_string(
        "applications/_attachments.html", attachments_context(user, application, **kwargs), request=request
    )


def test_partial_for_a_member_of_a_draft_offers_upload_and_remove(draft, member):
    attachment = add(draft, member)
    html = render_partial(member, draft)
    assert 'enctype="multipart/form-data"' in html
    assert '<label for="attachment-file"' in html
    assert '<label for="attachment-kind"' in html
    assert '<label for="attachment-description"' in html
    assert reverse("applications:attachment_download", args=[attachment.uuid]) in html
    assert "Remove report.pdf" in html
    assert '<th scope="col">' in html and '<th scope="row">' in html
    assert attachment.sha256 not in html
    assert "style=" not in html and "<script" not in html


def test_partial_for_staff_shows_hashes_and_no_changes(draft, member, officer):
    attachment = add(draft, member)
    draft.status = ApplicationStatus.SUBMITTED
    draft.save()
    html = render_partial(officer, draft)
    assert attachment.sha256 in html
    assert "<form" not in html


def test_partial_hides_the_upload_form_when_full(draft, member):
    for i in range(uploads.MAX_ATTACHMENTS):
        add(draft, member, f"liite{i}.txt", b"liite %d" % i)
    html = render_partial(member, draft)
    assert 'enctype="multipart/form-data"' not in html
    assert "at most 20 attachments" in html


def test_upload_from_the_security_step_returns_there(client, member, organisation, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    draft = ApplicationFactory(organisation=organisation)
    client.force_login(member)
    upload = SimpleUploadedFile(
        "selvitys.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    )
    response = client.post(
        reverse("applications:attachment_upload", args=[draft.uuid]),
        {"file": upload, "kind": "security_report", "step": "security"},
    )
    assert response.url == reverse("applications:step", args=[draft.uuid, "security"])
    response = client.post(
        reverse("applications:attachment_upload", args=[draft.uuid]),
        {"file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00\x03\x00"), "kind": "other", "step": "../../admin"},
    )
    assert response.status_code == 415
    assert reverse("applications:step", args=[draft.uuid, "attachments"]) in response.content.decode()
