"""Writes for users and organizations: one function per action (``do``-style).

Each function is keyword-only, validates with ``full_clean()``, writes inside a
transaction and sends its emails only after the transaction commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from matchmaking.accounts.choices import MembershipRole, OrganizationKind, VerificationStatus
from matchmaking.accounts.models import (
    Invitation,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Organization,
    User,
    VerificationRequest,
)
from matchmaking.core.changes import record_changes
from matchmaking.core.domain_events import send_event
from matchmaking.core.images import ProcessedImage, store_image
from matchmaking.core.permissions import is_platform_admin
from matchmaking.core.uploads import CheckedFile

ORGANIZATION_PROFILE_FIELDS = (
    "name",
    "name_en",
    "uscc",
    "region",
    "size",
    "website",
    "description",
    "contact_person",
    "contact_phone",
    "contact_email",
    "filing_number",
)


def user_create(
    *, email: str, password: str, full_name: str = "", preferred_language: str = "zh-hans"
) -> User:
    user = User(
        email=User.objects.normalize_email(email).lower(),
        full_name=full_name,
        preferred_language=preferred_language,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def _apply_profile(organization: Organization, fields: dict) -> None:
    unknown = set(fields) - set(ORGANIZATION_PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown organization fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(organization, name, value)
    if organization.uscc == "":
        organization.uscc = None
    if organization.kind != OrganizationKind.VENDOR:
        organization.filing_number = ""


@transaction.atomic
def organization_create(
    *, owner: User, kind: str, logo: ProcessedImage | None = None, **fields
) -> Organization:
    """Create an organization with `owner` as its owner. A user belongs to one organization."""
    if Membership.objects.filter(user=owner).exists():
        raise ValidationError(_("You already belong to an organization."), code="already_member")
    organization = Organization(kind=kind)
    _apply_profile(organization, fields)
    organization.full_clean(exclude=["logo", "logo_thumbnail"])
    if logo is not None:
        store_image(organization, "logo", "logo_thumbnail", logo)
    organization.save()
    Membership.objects.create(user=owner, organization=organization, role=MembershipRole.OWNER)
    return organization


@transaction.atomic
def organization_update(
    *,
    organization: Organization,
    logo: ProcessedImage | None = None,
    remove_logo: bool = False,
    **fields,
) -> Organization:
    _apply_profile(organization, fields)
    organization.full_clean(exclude=["logo", "logo_thumbnail"])
    if remove_logo:
        organization.logo = ""
        organization.logo_thumbnail = ""
    if logo is not None:
        store_image(organization, "logo", "logo_thumbnail", logo)
    organization.save()
    return organization


def _send_templated_email(
    *, to: str, template: str, context: dict, language: str | None = None
) -> None:
    with translation.override(language or translation.get_language()):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


@transaction.atomic
def invitation_create(*, organization: Organization, invited_by: User, email: str) -> Invitation:
    """An owner invites someone by email; the email carries a one-time link."""
    if not Membership.objects.filter(
        user=invited_by, organization=organization, role=MembershipRole.OWNER
    ).exists():
        raise PermissionDenied
    email = User.objects.normalize_email(email).lower()
    if Membership.objects.filter(user__email=email).exists():
        raise ValidationError({"email": _("This person already belongs to an organization.")})
    organization.invitations.pending().filter(email=email).update(revoked_at=timezone.now())
    invitation = Invitation(
        organization=organization,
        invited_by=invited_by,
        email=email,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    link = settings.SITE_URL + reverse("accounts:invitation-accept", args=[invitation.token])
    transaction.on_commit(
        lambda: _send_templated_email(
            to=email,
            template="accounts/email/invitation",
            context={
                "invitation": invitation,
                "organization": organization,
                "link": link,
                "inviter": invited_by,
            },
        )
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The invited person joins. Only the account whose email is the invited address may use
    the link, and only once, before it expires."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable:
        raise ValidationError(
            _("This invitation has expired or has already been used."), code="invitation_unusable"
        )
    if not invitation.is_for(user):
        raise ValidationError(
            _(
                "This invitation was sent to another email address. Sign in with the address "
                "it was sent to."
            ),
            code="wrong_address",
        )
    if Membership.objects.filter(user=user).exists():
        raise ValidationError(_("You already belong to an organization."), code="already_member")
    membership = Membership.objects.create(
        user=user, organization=invitation.organization, role=MembershipRole.MEMBER
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return membership


@transaction.atomic
def verification_request(
    *,
    organization: Organization,
    requested_by: User,
    note: str = "",
    document: CheckedFile | None = None,
) -> VerificationRequest:
    """An organization asks the platform to verify it, with its business licence attached
    (stored privately, see accounts.documents)."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.verification_status in (
        VerificationStatus.PENDING,
        VerificationStatus.VERIFIED,
    ):
        raise ValidationError(
            _("Verification has already been requested or granted."), code="verification_exists"
        )
    if not organization.uscc:
        raise ValidationError(
            {"uscc": _("Add your unified social credit code before asking to be verified.")}
        )
    request = VerificationRequest(organization=organization, requested_by=requested_by, note=note)
    if document is not None:
        request.document_name = document.name
        request.document_type = document.content_type
        request.document_size = document.size
        request.document.save(document.content.name, document.content, save=False)
    try:
        with transaction.atomic():
            request.save()
    except Exception:
        if request.document:
            request.document.delete(save=False)
        raise
    organization.verification_status = VerificationStatus.PENDING
    organization.save(update_fields=["verification_status", "updated_at"])
    return request


@transaction.atomic
def verification_decide(
    *, organization: Organization, admin: User, grant: bool, reason: str = ""
) -> Organization:
    """An admin grants or refuses verification; a refusal needs a reason the org sees."""
    if not is_platform_admin(admin):
        raise PermissionDenied
    if not grant and not reason.strip():
        raise ValidationError({"reason": _("Give the organization a reason for the refusal.")})
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    now = timezone.now()
    pending = VerificationRequest.objects.filter(
        organization=organization, decision=VerificationRequest.Decision.PENDING
    )
    decided = list(pending.values_list("pk", flat=True))
    pending.update(
        decision=VerificationRequest.Decision.GRANTED
        if grant
        else VerificationRequest.Decision.REFUSED,
        reason=reason,
        decided_by=admin,
        decided_at=now,
        updated_at=now,
    )
    organization.verification_status = (
        VerificationStatus.VERIFIED if grant else VerificationStatus.REFUSED
    )
    organization.verification_note = reason
    organization.verified_at = now if grant else None
    organization.save(
        update_fields=["verification_status", "verification_note", "verified_at", "updated_at"]
    )
    for pk in decided:
        send_event("verification_decided", verification_request_id=pk)
    return organization


@transaction.atomic
def user_update_profile(*, user: User, full_name: str, preferred_language: str) -> User:
    """A person changes their name or the language the site and its emails use."""
    user.full_name = full_name
    user.preferred_language = preferred_language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "preferred_language"])
    return user


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, revoked_by: User) -> Invitation:
    """An owner withdraws an invitation that has not been used yet."""
    if not Membership.objects.filter(
        user=revoked_by, organization_id=invitation.organization_id, role=MembershipRole.OWNER
    ).exists():
        raise PermissionDenied
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(
            _("This invitation has already been accepted."), code="invitation_accepted"
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation


# --- Join requests ----------------------------------------------------------------------


def organization_with_uscc(uscc: str) -> Organization | None:
    """The organization already registered with this code (codes are unique), if any."""
    if not uscc:
        return None
    return Organization.objects.filter(uscc=uscc).first()


@transaction.atomic
def join_request_create(
    *, organization: Organization, user: User, message: str = ""
) -> JoinRequest:
    """A person asks to join an existing organization; its owners are notified.

    A person belongs to one organization: someone who already does cannot ask (they would
    have to leave it first, which an owner of that organization arranges).
    """
    if Membership.objects.filter(user=user).exists():
        raise ValidationError(
            _(
                "You already belong to an organization. A person belongs to one organization "
                "at a time, so you cannot ask to join another."
            ),
            code="already_member",
        )
    # Serialise a person's requests so two quick submissions make one request.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if JoinRequest.objects.pending().filter(organization=organization, user=user).exists():
        raise ValidationError(
            _("You have already asked to join this organization; its owners have been told."),
            code="join_request_exists",
        )
    join_request = JoinRequest(organization=organization, user=user, message=message.strip())
    join_request.full_clean()
    join_request.save()
    send_event("join_requested", join_request_id=join_request.pk)
    return join_request


def _decide(join_request: JoinRequest, decided_by: User) -> JoinRequest:
    if not JoinRequest.objects.decidable_by(decided_by).filter(pk=join_request.pk).exists():
        raise PermissionDenied
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if not join_request.is_pending:
        raise ValidationError(
            _("This request has already been answered or withdrawn."), code="join_request_closed"
        )
    return join_request


@transaction.atomic
def join_request_approve(*, join_request: JoinRequest, decided_by: User) -> Membership:
    """An owner lets the person in, as a member; the person is notified."""
    join_request = _decide(join_request, decided_by)
    if Membership.objects.filter(user_id=join_request.user_id).exists():
        raise ValidationError(
            _(
                "This person has joined an organization meanwhile, so they cannot join yours; "
                "decline the request."
            ),
            code="already_member",
        )
    membership = Membership.objects.create(
        user_id=join_request.user_id,
        organization_id=join_request.organization_id,
        role=MembershipRole.MEMBER,
    )
    _close(join_request, JoinRequestStatus.APPROVED, decided_by)
    # Their other pending requests are moot now: a person belongs to one organization.
    JoinRequest.objects.pending().filter(user_id=join_request.user_id).update(
        status=JoinRequestStatus.WITHDRAWN, updated_at=timezone.now()
    )
    send_event("join_answered", join_request_id=join_request.pk)
    return membership


@transaction.atomic
def join_request_decline(*, join_request: JoinRequest, decided_by: User) -> JoinRequest:
    join_request = _decide(join_request, decided_by)
    _close(join_request, JoinRequestStatus.DECLINED, decided_by)
    send_event("join_answered", join_request_id=join_request.pk)
    return join_request


@transaction.atomic
def join_request_withdraw(*, join_request: JoinRequest, user: User) -> JoinRequest:
    """The requester takes back their own pending request."""
    if not JoinRequest.objects.withdrawable_by(user).filter(pk=join_request.pk).exists():
        raise PermissionDenied
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if not join_request.is_pending:
        raise ValidationError(
            _("This request has already been answered or withdrawn."), code="join_request_closed"
        )
    _close(join_request, JoinRequestStatus.WITHDRAWN, None)
    return join_request


def _close(join_request: JoinRequest, status: str, decided_by: User | None) -> None:
    join_request.status = status
    join_request.decided_by = decided_by
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])


@transaction.atomic
def organizations_bulk_save(
    *, new: list[Organization], changed: list[Organization], fields: Sequence[str]
) -> None:
    """Create ``new`` and update ``fields`` of ``changed`` organizations prepared by a bulk
    import (listings/io), in a few statements. Bulk writes send no model signals, so the change
    feed is told here."""
    Organization.objects.bulk_create(new, batch_size=1000)
    Organization.objects.bulk_update(changed, fields, batch_size=1000)
    record_changes(Organization, [org.pk for org in new + changed])
