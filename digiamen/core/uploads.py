"""Uploads stay in memory: no request ever writes a file to disk, not even a temporary one.

Django spills uploads above 2.5 MB to a temporary file; an image of abuse must never touch
the disk, so this handler replaces both of Django's and refuses a file above the limit.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile


def upload_refused(request: Any) -> bool:
    """Whether a file of this request was dropped because it was too large."""
    return bool(getattr(request, "upload_too_large", False))


class MemoryOnlyUploadHandler(FileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = BytesIO()
        self.size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.size += len(raw_data)
        if self.size > settings.UPLOAD_MAX_FILE_BYTES:
            self.buffer = BytesIO()
            if self.request is not None:
                setattr(self.request, "upload_too_large", True)  # noqa: B010
            raise SkipFile
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
