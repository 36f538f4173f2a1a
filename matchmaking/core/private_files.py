"""Private uploads: stored outside MEDIA_ROOT, with no public URL, served only by views
that first look the owning row up through its scoped queryset (``visible_to`` and the
like).

Message attachments (connections) and verification documents (accounts) both use this:
one storage root (``CONNECTION_ATTACHMENT_ROOT``) and one way of answering with a file.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404


class PrivateFileStorage(FileSystemStorage):
    """Files live under CONNECTION_ATTACHMENT_ROOT (no public URL); a scoped view serves them."""

    @property
    def base_location(self):
        return str(settings.CONNECTION_ATTACHMENT_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no public URL; a scoped view serves them.")


private_file_storage = PrivateFileStorage()


def private_file_response(
    field_file, *, filename: str, content_type: str, inline: bool = False
) -> FileResponse:
    """Answer with a stored private file. The page that links it decided who may read it.

    The response is sandboxed (no script, no same-origin access) whether it is shown inline
    (an image in a review page) or downloaded.
    """
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    response = FileResponse(handle, as_attachment=not inline, filename=filename or "attachment")
    response["Content-Type"] = content_type or "application/octet-stream"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
