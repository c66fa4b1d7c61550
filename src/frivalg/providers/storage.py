"""Where providers' approval documents are kept: MEDIA_ROOT when the settings name one, otherwise
var/media beside the database. Files are served only through the approval's pages, never directly."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible(path="frivalg.providers.storage.DocumentStorage")
class DocumentStorage(FileSystemStorage):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("base_url", None)
        super().__init__(**kwargs)

    @property
    def base_location(self) -> Any:
        fallback = getattr(settings, "MEDIA_ROOT", "") or str(settings.VAR_DIR / "media")
        return self._value_or_setting(getattr(self, "_location", None), fallback)


document_storage = DocumentStorage()
