"""Finding listings by the ``ref`` of an import file (or ``need-<pk>`` / ``offering-<pk>``)."""

from __future__ import annotations

import re

from django.core.management.base import CommandError


def find_by_ref(model, ref: str, prefix: str):
    found = model.objects.filter(ref=ref).first()
    if found is None:
        match = re.fullmatch(rf"{prefix}-(\d+)", ref)
        if match:
            found = model.objects.filter(pk=int(match.group(1)), ref__isnull=True).first()
    if found is None:
        raise CommandError(f"No {prefix} with ref {ref!r}.")
    return found
