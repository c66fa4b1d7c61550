"""Bid documents: checked by their first bytes (PDF, JPEG or PNG, at most 10 MB — the same rule
as approval documents, providers.rules) and kept in the providers' private document storage under
a random name, never served directly: pages read them through `bid_document_open` after the
selectors have let the actor read the bid."""

from __future__ import annotations

import uuid
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from frivalg.providers import rules as provider_rules
from frivalg.providers.storage import document_storage
from frivalg.tenders.models import Bid

EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def bid_document_check(document: UploadedFile) -> tuple[str, str]:
    """(content type, file name) of an acceptable document; a field error on `document` otherwise."""
    size = document.size or 0
    document.seek(0)
    head = document.read(16)
    document.seek(0)
    problem = provider_rules.document_problem(head, size)
    if problem == "empty":
        raise ValidationError({"document": _("The file is empty.")})
    if problem == "too_big":
        raise ValidationError({"document": _("The file is larger than 10 MB.")})
    if problem == "wrong_type":
        raise ValidationError({"document": _("Upload a PDF, JPEG or PNG file.")})
    content_type = provider_rules.sniff_content_type(head)
    assert content_type is not None
    return content_type, (document.name or "document")[-200:]


def bid_document_save(bid: Bid, document: UploadedFile, content_type: str) -> str:
    """Store the document under a random name; returns the stored name (set on `bid.document`)."""
    name = f"tender-bids/{bid.tender.municipality_id}/{uuid.uuid4().hex}.{EXTENSIONS[content_type]}"
    return document_storage.save(name, document)


def bid_document_open(bid: Bid) -> IO[bytes]:
    """The stored document, for a page that has already checked the actor may read the bid."""
    return document_storage.open(bid.document.name, "rb")
