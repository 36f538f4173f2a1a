"""Background work of the accounts app (django-tasks; see matching/tasks.py for the setup).

The password-reset email is sent here, not in the request: the request only enqueues the
address it was given, so it does the same work — and takes the same time — whether or not an
account has that address (no way to tell registered addresses apart by timing). With
``TASKS_BACKEND=database`` the worker (``manage.py db_worker``) sends it; with the default
immediate backend the task still runs at enqueue time, inside the request.
"""

from __future__ import annotations

from django.contrib.auth.forms import PasswordResetForm
from django.utils import translation
from django_tasks import task

RESET_SUBJECT_TEMPLATE = "accounts/email/password_reset_subject.txt"
RESET_BODY_TEMPLATE = "accounts/email/password_reset_body.txt"


@task()
def send_password_reset(*, email: str, domain: str, use_https: bool, language: str) -> None:
    """Mail a reset link to every active account with ``email`` (none: nothing is sent)."""
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return
    with translation.override(language):
        form.save(
            domain_override=domain,
            use_https=use_https,
            subject_template_name=RESET_SUBJECT_TEMPLATE,
            email_template_name=RESET_BODY_TEMPLATE,
        )
