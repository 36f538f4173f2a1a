"""The full permission matrix in one table: every object type × state × actor → the answer
of the HTML page, the edit page and the API detail, plus whether the object's private value
is shown.

Actors: a visitor; the owner and a plain member of the organization that owns the object;
a member of another (uninvolved) enterprise and of another vendor; a platform admin; for
connection-related objects also the counterparty (a member of the vendor on the other side).

Objects: needs (public/anonymous/private × draft/open/closed, owned by an enterprise);
offerings (draft/pending/published/hidden/archived) and cases (draft/submitted/returned/
published), owned by a vendor; a connection (pending/accepted) the enterprise asked of the
vendor; a message in it; the enterprise's contact details (before/after acceptance); uploads
(an offering screenshot's URL, a case image's URL, the connection attachment download view).

Matchmaking events (对接会): an event (draft/published) whose private value is its title; a
registration (pending/approved) of the enterprise, whose private value is the name of the
member it sends; a meeting request (requested/accepted) from the enterprise to the vendor (the
counterparty), whose private value is its note; and the agenda of an accepted, scheduled
meeting, whose private value is the table's name. The other enterprise and the other vendor are
approved participants of the same event, so "never sees another's agenda or requests" is
checked on pages they may open.

Codes: 200 shown; 302 sent to sign in; 401 API without credentials; 403 visible but not
editable; 404 not visible (existence not disclosed); None: the object has no such page.
Every object carries a unique private marker; "sees" says whether it is on the actor's pages.
When it must not be, it is searched for — and must be absent — in every page and JSON the
actor is given: the object's pages, the list pages, the inbox, the API lists.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from matchmaking.connections import services as connection_services
from matchmaking.connections.attachments import check_attachment
from matchmaking.core.images import process_image
from matchmaking.events import services as event_services
from matchmaking.listings import services as listing_services
from tests import factories
from tests.api.conftest import client_for
from tests.cases.conftest import make_case
from tests.events.conftest import make_event

pytestmark = pytest.mark.django_db

V, OW, M, OE, OV, A, C = (
    "visitor",
    "owner",
    "member",
    "other_enterprise",
    "other_vendor",
    "admin",
    "counterparty",
)
ACTORS = [V, OW, M, OE, OV, A]
PARTY_ACTORS = [*ACTORS, C]


def _need_row(status, visibility, actor):
    insider = actor in (OW, M, A)
    visible = insider or (status == "open" and visibility in ("public", "anonymous"))
    view = 200 if visible else 404
    if actor == V:
        edit = 302
    elif actor in (OW, M):
        edit = 200
    else:
        edit = 403 if visible else 404
    return view, edit, view, visible


def _offering_row(status, actor):
    visible = actor in (OW, M, A) or status == "published"
    view = 200 if visible else 404
    if actor == V:
        edit = 302
    elif actor in (OW, M):
        edit = 200
    else:
        edit = 403 if visible else 404
    return view, edit, view, visible


CASE_EDITABLE_BY_MEMBERS = {"draft", "returned"}


def _case_row(status, actor):
    visible = actor in (OW, M, A) or status == "published"
    view = 200 if visible else 404
    if actor == V:
        edit = 302
    elif actor == A:
        edit = 200
    elif actor in (OW, M):
        edit = 200 if status in CASE_EDITABLE_BY_MEMBERS else 403
    else:
        edit = 403 if visible else 404
    return view, edit, view, visible


def _connection_row(actor):
    party = actor in (OW, M, C, A)
    view = 302 if actor == V else (200 if party else 404)
    api = 401 if actor == V else (200 if party else 404)
    return view, None, api, party


def _revision_row(actor):
    """Proposed changes: the listing's members and admins see them on the revision page and
    in the API detail's pending_revision; everyone else only ever sees the live listing."""
    insider = actor in (OW, M, A)
    view = 302 if actor == V else (200 if insider else 404)
    return view, None, 200, insider


def _contacts_row(accepted, actor):
    edit = {V: 302, OW: 200, A: 200}.get(actor, 403)
    sees = actor in (OW, M, A) or (actor == C and accepted)
    return 200, edit, 200, sees


# (object, state, actor) -> (view page, edit page, API detail, sees the private value)
MATRIX: dict[tuple[str, str, str], tuple] = {}
for _status in ("draft", "open", "closed"):
    for _visibility in ("public", "anonymous", "private"):
        for _actor in ACTORS:
            MATRIX["need", f"{_visibility}/{_status}", _actor] = _need_row(
                _status, _visibility, _actor
            )
for _status in ("draft", "pending", "published", "hidden", "archived"):
    for _actor in ACTORS:
        MATRIX["offering", _status, _actor] = _offering_row(_status, _actor)
for _status in ("draft", "submitted", "returned", "published"):
    for _actor in ACTORS:
        MATRIX["case", _status, _actor] = _case_row(_status, _actor)
for _listing in ("offering", "need"):
    for _actor in ACTORS:
        MATRIX["revision", f"{_listing}/pending", _actor] = _revision_row(_actor)
for _actor in PARTY_ACTORS:
    for _state in ("pending", "accepted"):
        MATRIX["connection", _state, _actor] = _connection_row(_actor)
        MATRIX["contacts", _state, _actor] = _contacts_row(_state == "accepted", _actor)
    MATRIX["message", "accepted", _actor] = _connection_row(_actor)
    view, _edit, _api, party = _connection_row(_actor)
    MATRIX["attachment", "accepted", _actor] = (view, None, None, party)
for _status in ("draft", "published"):
    for _actor in ACTORS:
        view, _edit, api, visible = _offering_row(_status, _actor)
        MATRIX["screenshot", _status, _actor] = (view, None, api, visible)
        view, _edit, api, visible = _case_row(_status, _actor)
        MATRIX["case image", _status, _actor] = (view, None, api, visible)


def _event_row(status, actor):
    published = status == "published"
    view = 200 if published or actor == A else 404
    if actor == V:
        edit = 302
    elif actor == A:
        edit = 200
    else:
        edit = 403 if published else 404
    api = view
    return view, edit, api, published or actor == A


def _registration_row(status, actor):
    # The page is each organization's own registration form; admins have none (403).
    view = {V: 302, A: 403}.get(actor, 200)
    return view, None, None, actor in (OW, M)


def _meeting_request_row(actor):
    view = {V: 302, A: 404}.get(actor, 200)
    return view, None, None, actor in (OW, M, C)


def _agenda_row(actor):
    view = {V: 302, A: 404}.get(actor, 200)
    api = {V: 401, A: 404}.get(actor, 200)
    return view, None, api, actor in (OW, M, C)


for _status in ("draft", "published"):
    for _actor in ACTORS:
        MATRIX["event", _status, _actor] = _event_row(_status, _actor)
for _actor in PARTY_ACTORS:
    for _status in ("pending", "approved"):
        MATRIX["registration", _status, _actor] = _registration_row(_status, _actor)
    for _state in ("requested", "accepted"):
        MATRIX["meeting request", _state, _actor] = _meeting_request_row(_actor)
    MATRIX["agenda", "scheduled", _actor] = _agenda_row(_actor)


@dataclass
class Target:
    """One object under test: its pages, its private values and where else to look."""

    view: str
    edit: str | None
    api: str | None
    private: list[str]
    # Pages every signed-in actor may open where the private values must not leak.
    elsewhere: list[str] = field(default_factory=list)
    api_elsewhere: list[str] = field(default_factory=list)
    # Values hidden from outsiders even on pages they may see (an anonymous poster's name).
    withheld: list[str] = field(default_factory=list)


@pytest.fixture
def world(db, settings, tmp_path):
    settings.CONNECTION_ATTACHMENT_ROOT = tmp_path / "private"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    enterprise = factories.make_organization(
        kind="enterprise",
        name="矩阵保密银行",
        name_en="Matrix Secret Bank",
        contact_person="矩阵联系人",
        contact_phone="010-00009999",
        contact_email="matrix-contact@bank.example.com",
    )
    vendor = factories.make_organization(kind="vendor", name="矩阵厂商", name_en="Matrix Vendor")
    other_enterprise = factories.make_organization(kind="enterprise")
    other_vendor = factories.make_organization(kind="vendor")
    users = {
        "enterprise": {
            OW: enterprise.memberships.get().user,
            M: factories.make_member(enterprise),
        },
        "vendor": {OW: vendor.memberships.get().user, M: factories.make_member(vendor)},
        OE: factories.make_member(other_enterprise),
        OV: factories.make_member(other_vendor),
        A: factories.make_user(is_staff=True, is_superuser=True),
    }
    return {"enterprise": enterprise, "vendor": vendor, "users": users}


def _actor_user(world, actor, owner_side):
    if actor == V:
        return None
    if actor in (OW, M):
        return world["users"][owner_side][actor]
    if actor == C:
        return world["users"]["vendor"][M]
    return world["users"][actor]


def _image():
    return process_image(SimpleUploadedFile("shot.png", factories.image_bytes()))


def _connection(world, accepted: bool, marker: str):
    offering = factories.make_offering(organization=world["vendor"], status="published")
    connection, _ = connection_services.connection_request(
        user=world["users"]["enterprise"][M], offering=offering, message=marker
    )
    if accepted:
        connection_services.connection_accept(
            connection=connection, user=world["users"]["vendor"][M]
        )
    return connection


def _live_listing_with_revision(world, kind: str, marker: str):
    """A published offering (or a reviewed open need of an unverified enterprise) with a
    pending revision whose proposed title is ``marker``."""
    admin = world["users"][A]
    if kind == "offering":
        listing = factories.make_offering(organization=world["vendor"], status="published")
        listing_services.offering_update(offering=listing, title=marker)
    else:
        listing = factories.make_need(organization=world["enterprise"], status="open")
        listing_services.need_approve(need=listing, by=admin)
        listing.refresh_from_db()
        listing_services.need_update(need=listing, title=marker)
    assert listing_services.pending_revision(listing) is not None
    return listing


def _build(world, kind: str, state: str) -> tuple[Target, str]:
    """Create the object; returns its Target and the side ("enterprise"/"vendor") owning it."""
    marker = f"MATRIX-PRIVATE-{kind.replace(' ', '-')}-{state.replace('/', '-')}"
    if kind == "need":
        visibility, status = state.split("/")
        need = factories.make_need(
            organization=world["enterprise"], status=status, visibility=visibility, title=marker
        )
        withheld = ["矩阵保密银行", "Matrix Secret Bank"] if visibility == "anonymous" else []
        return Target(
            view=f"/needs/{need.pk}/",
            edit=f"/needs/{need.pk}/edit/",
            api=f"/api/v1/needs/{need.pk}/",
            private=[marker],
            elsewhere=["/needs/", "/my/needs/", "/"],
            api_elsewhere=["/api/v1/needs/"],
            withheld=withheld,
        ), "enterprise"
    if kind in ("offering", "screenshot"):
        offering = factories.make_offering(organization=world["vendor"], status=state, title=marker)
        private = [marker]
        if kind == "screenshot":
            (shot,) = listing_services.offering_add_screenshots(
                offering=offering, images=[_image()]
            )
            private = [shot.image.url, shot.thumbnail.url]
        return Target(
            view=f"/offerings/{offering.pk}/",
            edit=f"/offerings/{offering.pk}/edit/" if kind == "offering" else None,
            api=f"/api/v1/offerings/{offering.pk}/",
            private=private,
            elsewhere=["/offerings/", "/my/offerings/", "/"],
            api_elsewhere=["/api/v1/offerings/"],
        ), "vendor"
    if kind in ("case", "case image"):
        gallery = [_image()] if kind == "case image" else None
        case = make_case(vendor=world["vendor"], status=state, title=marker, gallery=gallery)
        private = [marker]
        if kind == "case image":
            image = case.images.get()
            private = [image.image.url, image.thumbnail.url]
        return Target(
            view=f"/cases/{case.pk}/",
            edit=f"/cases/{case.pk}/edit/" if kind == "case" else None,
            api=f"/api/v1/cases/{case.pk}/",
            private=private,
            elsewhere=["/cases/", "/cases/mine/", "/"],
            api_elsewhere=["/api/v1/cases/"],
        ), "vendor"
    if kind == "revision":
        listing = _live_listing_with_revision(world, state.split("/")[0], marker)
        plural = f"{listing._meta.model_name}s"
        revision = listing_services.pending_revision(listing)
        return Target(
            view=f"/revisions/{revision.pk}/",
            edit=None,
            api=f"/api/v1/{plural}/{listing.pk}/",
            private=[marker],
            elsewhere=[
                listing.get_absolute_url(),
                f"/{plural}/",
                f"/my/{plural}/",
                "/",
                "/moderation/",
            ],
            api_elsewhere=[f"/api/v1/{plural}/"],
        ), ("vendor" if plural == "offerings" else "enterprise")
    if kind == "connection":
        connection = _connection(world, state == "accepted", marker)
        return Target(
            view=f"/connections/{connection.pk}/",
            edit=None,
            api=f"/api/v1/connections/{connection.pk}/",
            private=[marker],
            elsewhere=["/connections/", "/connections/?box=sent", "/connections/dashboard/"],
            api_elsewhere=["/api/v1/connections/", "/api/v1/notifications/"],
        ), "enterprise"
    if kind in ("message", "attachment"):
        connection = _connection(world, True, "请求")
        upload = SimpleUploadedFile("note.txt", marker.encode())
        message = connection_services.message_post(
            connection=connection,
            user=world["users"]["vendor"][M],
            body=marker,
            attachment=check_attachment(upload),
        )
        if kind == "message":
            return Target(
                view=f"/connections/{connection.pk}/",
                edit=None,
                api=f"/api/v1/connections/{connection.pk}/messages/",
                private=[marker],
                elsewhere=["/connections/", "/notifications/"],
                api_elsewhere=["/api/v1/connections/", "/api/v1/notifications/"],
            ), "enterprise"
        return Target(
            view=f"/connections/attachments/{message.pk}/",
            edit=None,
            api=None,
            private=[marker],
            elsewhere=["/connections/", "/notifications/"],
        ), "enterprise"
    if kind == "contacts":
        _connection(world, state == "accepted", "请求")
        enterprise = world["enterprise"]
        return Target(
            view=f"/accounts/organizations/{enterprise.pk}/",
            edit=f"/accounts/organizations/{enterprise.pk}/edit/",
            api=f"/api/v1/organizations/{enterprise.pk}/",
            private=[
                enterprise.contact_person,
                enterprise.contact_phone,
                enterprise.contact_email,
            ],
            elsewhere=["/connections/", "/connections/dashboard/", "/notifications/"],
            api_elsewhere=["/api/v1/organizations/", "/api/v1/connections/"],
        ), "enterprise"
    if kind in ("event", "registration", "meeting request", "agenda"):
        return _build_event_target(world, kind, state, marker)
    raise AssertionError(kind)


def _build_event_target(world, kind: str, state: str, marker: str) -> tuple[Target, str]:
    users = world["users"]
    organizer = users[A]
    event = make_event(
        organizer,
        title=marker if kind == "event" else "矩阵对接会",
        status=state if kind == "event" else "published",
        table_names="\n".join(f"{marker}-{i}" for i in range(3)) if kind == "agenda" else "",
    )
    if kind == "event":
        return Target(
            view=f"/events/{event.pk}/",
            edit=f"/events/{event.pk}/edit/",
            api=f"/api/v1/events/{event.pk}/",
            private=[marker],
            elsewhere=["/events/", "/"],
            api_elsewhere=["/api/v1/events/"],
        ), "enterprise"
    # Every organization of the world takes part (the enterprise with a need, the others
    # with an offering or a need); the enterprise sends its plain member.
    enterprise_member = users["enterprise"][M]
    if kind == "registration":
        enterprise_member.full_name = marker
        enterprise_member.save(update_fields=["full_name"])
    registrations = {}
    for side, user in (
        ("enterprise", enterprise_member),
        ("vendor", users["vendor"][M]),
        (OE, users[OE]),
        (OV, users[OV]),
    ):
        organization = user.membership.organization
        if organization.kind == "enterprise":
            listing = {"needs": [factories.make_need(organization=organization)]}
        else:
            listing = {"offerings": [factories.make_offering(organization=organization)]}
        registration = event_services.registration_submit(
            user=user, event=event, members=[user], **listing
        )
        if not (kind == "registration" and side == "enterprise" and state == "pending"):
            event_services.registration_approve(registration=registration, user=organizer)
        registrations[side] = registration
    if kind == "registration":
        return Target(
            view=f"/events/{event.pk}/register/",
            edit=None,
            api=None,
            private=[marker],
            elsewhere=[f"/events/{event.pk}/", f"/events/{event.pk}/participants/", "/events/"],
        ), "enterprise"
    request = event_services.meeting_request_create(
        user=enterprise_member,
        event=event,
        to_registration=registrations["vendor"],
        note=marker if kind == "meeting request" else "请求",
    )
    if state in ("accepted", "scheduled"):
        event_services.meeting_request_accept(request=request, user=users["vendor"][M])
    if kind == "meeting request":
        return Target(
            view=f"/events/{event.pk}/requests/",
            edit=None,
            api=None,
            private=[marker],
            elsewhere=[
                f"/events/{event.pk}/participants/",
                f"/events/{event.pk}/agenda/",
                "/notifications/",
            ],
            api_elsewhere=["/api/v1/notifications/"],
        ), "enterprise"
    event_services.event_schedule(event=event, user=organizer, time_limit_s=2.0)
    return Target(
        view=f"/events/{event.pk}/agenda/",
        edit=None,
        api=f"/api/v1/events/{event.pk}/agenda/",
        private=[marker],
        elsewhere=[f"/events/{event.pk}/agenda.ics", f"/events/{event.pk}/requests/"],
    ), "enterprise"


def _body(response) -> str:
    if response.get("Content-Disposition", "").startswith("attachment"):
        return (
            b"".join(response.streaming_content).decode(errors="replace")
            if getattr(response, "streaming", False)
            else response.content.decode(errors="replace")
        )
    content = response.content.decode(errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        # Compare on the decoded text too (non-ASCII values are escaped in JSON).
        with contextlib.suppress(ValueError):
            content += json.dumps(json.loads(content), ensure_ascii=False)
    return content


def _assert_absent(text: str, values: list[str], where: str) -> None:
    for value in values:
        assert value not in text, f"{value!r} leaked into {where}"


@pytest.mark.parametrize(
    ("kind", "state", "actor"), list(MATRIX), ids=["-".join(key) for key in MATRIX]
)
def test_permission_matrix(client, world, kind, state, actor):
    """The actor gets the tabled answer for the page, the edit page and the API detail, and
    sees the object's private value exactly when the table says so — nowhere else."""
    expected_view, expected_edit, expected_api, sees = MATRIX[kind, state, actor]
    target, owner_side = _build(world, kind, state)
    user = _actor_user(world, actor, owner_side)
    if user is not None:
        client.force_login(user)
    api = client_for(user)

    view = client.get(target.view)
    edit = client.get(target.edit) if target.edit else None
    detail = api.get(target.api) if target.api else None
    answers = (
        view.status_code,
        edit.status_code if edit is not None else None,
        detail.status_code if detail is not None else None,
    )
    assert answers == (expected_view, expected_edit, expected_api)
    if view.status_code == 302 and user is None:
        assert view["Location"].startswith("/accounts/login/")

    shown = [r for r in (view, edit, detail) if r is not None and r.status_code == 200]
    text = "\n".join(_body(r) for r in shown)
    if sees:
        for value in target.private:
            assert value in text, f"{value!r} missing for {actor}"
    else:
        for url in target.elsewhere:
            text += "\n" + _body(client.get(url))
        for url in target.api_elsewhere:
            text += "\n" + _body(api.get(url))
        _assert_absent(text, target.private, f"pages served to {actor}")
    if target.withheld and actor not in (OW, M, A):
        _assert_absent(text, target.withheld, f"pages served to {actor}")


# --- Join requests and verification documents --------------------------------------------
# A person without an organization (the requester, R) asks to join the enterprise; OO is the
# owner of another enterprise. Per actor: the enterprise's members page, whether the
# request's private message is on it, approving it, withdrawing it, and the request's status
# afterwards.
R, OO = "requester", "other_owner"
JOIN_MATRIX = {
    V: (302, False, 302, 302, "pending"),
    OW: (200, True, 302, 404, "approved"),
    M: (200, False, 404, 404, "pending"),
    OE: (403, False, 404, 404, "pending"),
    OO: (403, False, 404, 404, "pending"),
    A: (200, False, 404, 404, "pending"),
    R: (403, False, 404, 302, "withdrawn"),
}


@pytest.mark.parametrize("actor", list(JOIN_MATRIX))
def test_join_request_matrix(client, world, actor):
    from django.urls import reverse

    from matchmaking.accounts import services as account_services

    enterprise = world["enterprise"]
    requester = factories.make_user()
    join_request = account_services.join_request_create(
        organization=enterprise, user=requester, message="入职申请保密留言"
    )
    other_enterprise = world["users"][OE].membership.organization
    users = {
        V: None,
        OW: world["users"]["enterprise"][OW],
        M: world["users"]["enterprise"][M],
        OE: world["users"][OE],
        OO: other_enterprise.memberships.get(role="owner").user,
        A: world["users"][A],
        R: requester,
    }
    if users[actor] is not None:
        client.force_login(users[actor])
    members_page, sees, approve, withdraw, status = JOIN_MATRIX[actor]

    page = client.get(reverse("accounts:organization-members", args=[enterprise.pk]))
    assert page.status_code == members_page
    assert ("入职申请保密留言" in page.content.decode()) is sees
    answers = (
        client.post(
            reverse("accounts:join-request-approve", args=[enterprise.pk, join_request.pk])
        ).status_code,
        client.post(reverse("accounts:join-request-withdraw", args=[join_request.pk])).status_code,
    )
    assert answers == (approve, withdraw)
    join_request.refresh_from_db()
    assert join_request.status == status
    # Another organization's owner cannot answer through their own organization's address.
    if actor == OO:
        wrong_org = client.post(
            reverse("accounts:join-request-decline", args=[other_enterprise.pk, join_request.pk])
        )
        assert wrong_org.status_code == 404
        join_request.refresh_from_db()
        assert join_request.status == "pending"


DOCUMENT_MATRIX = {V: 302, OW: 200, M: 200, OE: 404, OV: 404, A: 200}


@pytest.mark.parametrize("actor", list(DOCUMENT_MATRIX))
def test_verification_document_matrix(client, world, actor):
    """The business licence: the organization's members and staff open it, nobody else."""
    from django.urls import reverse

    from matchmaking.accounts import services as account_services
    from matchmaking.accounts.documents import check_document

    enterprise = world["enterprise"]
    enterprise.uscc = factories.VALID_USCC
    enterprise.save(update_fields=["uscc"])
    secret = b"%PDF-1.4 matrix-licence-secret"
    request = account_services.verification_request(
        organization=enterprise,
        requested_by=world["users"]["enterprise"][OW],
        document=check_document(SimpleUploadedFile("licence.pdf", secret)),
    )
    user = _actor_user(world, actor, "enterprise")
    if user is not None:
        client.force_login(user)
    response = client.get(reverse("accounts:verification-document", args=[request.pk]))
    assert response.status_code == DOCUMENT_MATRIX[actor]
    if response.status_code == 200:
        assert b"".join(response.streaming_content) == secret
    else:
        assert b"matrix-licence-secret" not in response.content
    if actor == V:
        assert response["Location"].startswith("/accounts/login/")
    review = client.get(reverse("accounts:verification-review", args=[request.pk]))
    assert review.status_code == {V: 302, A: 200}.get(actor, 403)
# --- Invitations ----------------------------------------------------------------------------
# An invitation link of the vendor (which has an accepted connection with the enterprise, so a
# member sees the enterprise's contacts). Actors: a visitor; the invited person (an account
# with the invited address, typed in another case, no organization); a signed-in account with
# another address and no organization; a member of another enterprise.
# (state, actor) -> (GET the link, POST "join", a member of the vendor afterwards).
INVITED, WRONG = "invited", "wrong_address"
INVITATION_ACTORS = [V, INVITED, WRONG, OE]
INVITATION_MATRIX: dict[tuple[str, str], tuple[int, int, bool]] = {}
for _actor in INVITATION_ACTORS:
    INVITATION_MATRIX["usable", _actor] = {
        V: (200, 302, False),
        INVITED: (200, 302, True),
        WRONG: (403, 403, False),
        OE: (403, 403, False),
    }[_actor]
    for _state in ("used", "expired", "revoked"):
        INVITATION_MATRIX[_state, _actor] = (410, 410, False)


@pytest.mark.parametrize(
    ("state", "actor"), list(INVITATION_MATRIX), ids=["-".join(key) for key in INVITATION_MATRIX]
)
def test_invitation_matrix(client, world, state, actor):
    """Only the invited address can use a link, once, before it expires; everyone else gets
    a page that says why — and never the contacts a member of the organization would see."""
    from datetime import timedelta

    from django.utils import timezone

    from matchmaking.accounts import services as account_services
    from matchmaking.accounts.models import Invitation, Membership

    expected_get, expected_post, joins = INVITATION_MATRIX[state, actor]
    vendor, enterprise = world["vendor"], world["enterprise"]
    _connection(world, True, "请求")
    invitation = account_services.invitation_create(
        organization=vendor,
        invited_by=world["users"]["vendor"][OW],
        email="Intended.Person@example.com",
    )
    if state == "used":
        Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    elif state == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    elif state == "revoked":
        account_services.invitation_revoke(
            invitation=invitation, revoked_by=world["users"]["vendor"][OW]
        )
    user = {
        V: None,
        INVITED: factories.make_user(email="intended.person@EXAMPLE.com"),
        WRONG: factories.make_user(email="someone.else@example.com"),
        OE: world["users"][OE],
    }[actor]
    if user is not None:
        client.force_login(user)
    url = f"/accounts/invitations/{invitation.token}/"

    page = client.get(url)
    joined = client.post(url)
    assert (page.status_code, joined.status_code) == (expected_get, expected_post)
    if expected_post == 302 and user is None:
        assert joined["Location"].startswith("/accounts/login/")
    member = user is not None and Membership.objects.filter(user=user, organization=vendor).exists()
    assert member == joins
    invitation.refresh_from_db()
    assert (invitation.accepted_at is not None) == (joins or state == "used")

    contacts = [enterprise.contact_person, enterprise.contact_phone, enterprise.contact_email]
    if user is not None:
        text = _body(client.get(f"/accounts/organizations/{enterprise.pk}/"))
        text += _body(client_for(user).get(f"/api/v1/organizations/{enterprise.pk}/"))
        if joins:
            for value in contacts:
                assert value in text
        else:
            _assert_absent(text, contacts, f"pages served to {actor} after the invitation")
# (action, actor) -> (HTTP answer, whether the revision is then decided/withdrawn)
REVISION_ACTIONS = {
    ("withdraw", V): (302, False),
    ("withdraw", OW): (302, True),
    ("withdraw", M): (302, True),
    ("withdraw", OE): (404, False),
    ("withdraw", OV): (404, False),
    ("withdraw", A): (403, False),
}
for _action in ("approve", "reject"):
    for _actor in ACTORS:
        REVISION_ACTIONS[_action, _actor] = (302, True) if _actor == A else (403, False)


@pytest.mark.parametrize("listing", ["offering", "need"])
@pytest.mark.parametrize(
    ("action", "actor"), list(REVISION_ACTIONS), ids=["-".join(key) for key in REVISION_ACTIONS]
)
def test_revision_actions(client, world, listing, action, actor):
    """Only the listing's own members withdraw its revision; only platform admins approve or
    decline it; the live listing changes only on approval."""
    marker = f"MATRIX-REVISION-{listing}-{action}"
    target = _live_listing_with_revision(world, listing, marker)
    revision = listing_services.pending_revision(target)
    owner_side = "vendor" if listing == "offering" else "enterprise"
    user = _actor_user(world, actor, owner_side)
    if user is not None:
        client.force_login(user)
    url = {
        "withdraw": f"/revisions/{revision.pk}/withdraw/",
        "approve": f"/moderation/revisions/{revision.pk}/approve/",
        "reject": f"/moderation/revisions/{revision.pk}/reject/",
    }[action]
    response = client.post(url, {"reason": "理由"})
    expected_code, acted = REVISION_ACTIONS[action, actor]
    assert response.status_code == expected_code
    revision.refresh_from_db()
    assert revision.is_pending is not acted
    target.refresh_from_db()
    assert (target.title == marker) is (acted and action == "approve")
