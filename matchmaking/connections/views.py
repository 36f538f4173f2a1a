"""Connection pages: inbox, detail (thread, actions, contacts, audit), request and proposal
forms, answers, the funnel, attachments and the dashboards. Views stay thin: the scope
gives the object, a form checks input, a service acts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from matchmaking.connections import selectors, services
from matchmaking.connections.choices import (
    DISCLOSED_STATES,
    FUNNEL_MARKS,
    TRANSITIONS,
    ConnectionKind,
    ConnectionState,
)
from matchmaking.connections.forms import (
    DeclineForm,
    MarkForm,
    MessageForm,
    ProposalForm,
    RequestForm,
)
from matchmaking.connections.models import Connection, Message
from matchmaking.core.pagination import query_without_page
from matchmaking.core.permissions import get_visible_or_404, is_platform_admin, user_organization_id
from matchmaking.core.private_files import private_file_response
from matchmaking.listings.models import Need, Offering


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class InboxView(LoginRequiredMixin, ListView):
    template_name = "connections/connection_list.html"
    context_object_name = "connections"
    paginate_by = 25

    def get_box(self) -> str:
        box = self.request.GET.get("box", "received")
        return box if box in ("received", "sent") else "received"

    def get_queryset(self):
        return selectors.connection_list(
            user=self.request.user,
            box=self.get_box(),
            state=self.request.GET.get("state", ""),
            kind=self.request.GET.get("kind", ""),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            box=self.get_box(),
            state=self.request.GET.get("state", ""),
            states=ConnectionState.choices,
            query_string=query_without_page(self.request),
            has_organization=user_organization_id(self.request.user) is not None,
        )
        return context


def _detail_context(request, connection, **forms) -> dict:
    user = request.user
    side = selectors.viewer_side(connection, user)
    state = connection.state
    can = {
        "accept": side == "receiver" and (state, ConnectionState.ACCEPTED) in TRANSITIONS,
        "decline": side == "receiver" and (state, ConnectionState.DECLINED) in TRANSITIONS,
        "withdraw": side == "initiator" and (state, ConnectionState.WITHDRAWN) in TRANSITIONS,
        "mark": side is not None and any((state, s) in TRANSITIONS for s in FUNNEL_MARKS),
        "message": side is not None and state in DISCLOSED_STATES,
    }
    context = {
        "connection": connection,
        "side": side,
        "can": can,
        "is_admin": is_platform_admin(user),
        "thread": connection.messages.select_related("author", "author_org")
        if state in DISCLOSED_STATES
        else Message.objects.none(),
        "decline_form": forms.get("decline_form") or DeclineForm(),
        "mark_form": forms.get("mark_form") or MarkForm(),
        "message_form": forms.get("message_form") or MessageForm(),
        "events": connection.events.select_related("actor") if is_platform_admin(user) else None,
    }
    return context


def _get_connection(request, pk):
    return get_visible_or_404(
        Connection.objects.select_related(
            "offering", "need", "initiator_org", "receiver_org", "initiated_by"
        ),
        request.user,
        pk=pk,
    )


class ConnectionDetailView(LoginRequiredMixin, View):
    template_name = "connections/connection_detail.html"

    def get(self, request, pk):
        connection = _get_connection(request, pk)
        return render(request, self.template_name, _detail_context(request, connection))


class _ActionView(LoginRequiredMixin, View):
    """POST-only state change; errors are shown on the detail page."""

    form_class = None
    form_name = ""

    def act(self, connection, user, data):  # pragma: no cover - overridden
        raise ImproperlyConfigured(f"{type(self).__name__} must define act().")

    def post(self, request, pk):
        connection = _get_connection(request, pk)
        form = self.form_class(request.POST, request.FILES) if self.form_class else None
        if form is not None and not form.is_valid():
            return self._invalid(request, connection, form)
        try:
            message = self.act(connection, request.user, form.cleaned_data if form else {})
        except ValidationError as exc:
            if form is None:
                for text in exc.messages:
                    messages.error(request, text)
                return redirect(connection)
            _apply_errors(form, exc)
            return self._invalid(request, connection, form)
        if message:
            messages.success(request, message)
        return redirect(connection)

    def _invalid(self, request, connection, form):
        context = _detail_context(request, connection, **{self.form_name: form})
        return render(request, ConnectionDetailView.template_name, context, status=400)


class AcceptView(_ActionView):
    def act(self, connection, user, data):
        services.connection_accept(connection=connection, user=user)
        return _("Accepted. You can now see each other’s contact details and exchange messages.")


class DeclineView(_ActionView):
    form_class = DeclineForm
    form_name = "decline_form"

    def act(self, connection, user, data):
        services.connection_decline(connection=connection, user=user, reason=data["reason"])
        return _("Declined. The sender will see your reason.")


class WithdrawView(_ActionView):
    def act(self, connection, user, data):
        services.connection_withdraw(connection=connection, user=user)
        return _("Withdrawn.")


class MarkView(_ActionView):
    form_class = MarkForm
    form_name = "mark_form"

    def act(self, connection, user, data):
        services.connection_mark(
            connection=connection,
            user=user,
            state=data["state"],
            contract_value=data.get("contract_value"),
            reason=data.get("reason", ""),
        )
        return _("Status recorded.")


class MessagePostView(_ActionView):
    form_class = MessageForm
    form_name = "message_form"

    def act(self, connection, user, data):
        services.message_post(
            connection=connection,
            user=user,
            body=data.get("body", ""),
            attachment=data.get("attachment"),
        )
        return ""


class AttachmentView(LoginRequiredMixin, View):
    """Attachments are served only to those who may read the thread."""

    def get(self, request, pk):
        message = get_object_or_404(
            Message.objects.visible_to(request.user)
            .filter(connection__state__in=DISCLOSED_STATES)
            .exclude(attachment=""),
            pk=pk,
        )
        return private_file_response(
            message.attachment,
            filename=message.attachment_name or "attachment",
            content_type=message.attachment_type,
        )


# --- Starting a connection --------------------------------------------------------------


class RequestCreateView(LoginRequiredMixin, View):
    template_name = "connections/connection_request_form.html"

    def setup_target(self, request, offering_pk):
        offering = get_object_or_404(
            selectors.visible_listings("offering", request.user).select_related("organization"),
            pk=offering_pk,
        )
        org_id = user_organization_id(request.user)
        needs = (
            Need.objects.filter(organization_id=org_id).exclude(status="draft")
            if org_id
            else Need.objects.none()
        )
        return offering, needs

    def _guard(self, request, offering):
        existing = selectors.existing_open_connection(
            kind=ConnectionKind.REQUEST,
            offering=offering,
            org_id=user_organization_id(request.user),
        )
        if existing is not None:
            messages.info(
                request, _("Your organization already has an open request for this offering.")
            )
            return redirect(existing)
        return None

    def get(self, request, offering_pk):
        offering, needs = self.setup_target(request, offering_pk)
        self._check_role(request)
        initial = {}
        if request.GET.get("need"):
            initial["need"] = needs.filter(pk=request.GET["need"]).first()
        return self._guard(request, offering) or render(
            request,
            self.template_name,
            {"offering": offering, "form": RequestForm(initial=initial, needs=needs)},
        )

    def _check_role(self, request):
        organization = request.user.organization
        if organization is None or not organization.is_enterprise:
            raise PermissionDenied(_("Only enterprise members can send requests."))

    def post(self, request, offering_pk):
        offering, needs = self.setup_target(request, offering_pk)
        self._check_role(request)
        form = RequestForm(request.POST, needs=needs)
        if form.is_valid():
            try:
                connection, created = services.connection_request(
                    user=request.user,
                    offering=offering,
                    message=form.cleaned_data["message"],
                    need=form.cleaned_data["need"],
                    pilot_requested=form.cleaned_data["pilot_requested"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                if created:
                    messages.success(
                        request, _("Request sent. You will be notified of the answer.")
                    )
                else:
                    messages.info(
                        request,
                        _("Your organization already has an open request for this offering."),
                    )
                return redirect(connection)
        return render(request, self.template_name, {"offering": offering, "form": form}, status=400)


class ProposalCreateView(LoginRequiredMixin, View):
    template_name = "connections/connection_proposal_form.html"

    def setup_target(self, request, need_pk):
        need = get_object_or_404(
            selectors.visible_listings("need", request.user).select_related("organization"),
            pk=need_pk,
        )
        org_id = user_organization_id(request.user)
        offerings = (
            Offering.objects.filter(organization_id=org_id).exclude(status="archived")
            if org_id
            else Offering.objects.none()
        )
        return need, offerings

    def _check_role(self, request):
        organization = request.user.organization
        if organization is None or not organization.is_vendor:
            raise PermissionDenied(_("Only vendor members can send proposals."))

    def _context(self, need, form):
        return {
            "need": need,
            "form": form,
            "enterprise_name": _("An anonymous enterprise")
            if need.is_anonymous
            else need.organization.display_name,
        }

    def get(self, request, need_pk):
        need, offerings = self.setup_target(request, need_pk)
        self._check_role(request)
        existing = selectors.existing_open_connection(
            kind=ConnectionKind.PROPOSAL, need=need, org_id=user_organization_id(request.user)
        )
        if existing is not None:
            messages.info(
                request, _("Your organization already has an open proposal for this need.")
            )
            return redirect(existing)
        return render(
            request, self.template_name, self._context(need, ProposalForm(offerings=offerings))
        )

    def post(self, request, need_pk):
        need, offerings = self.setup_target(request, need_pk)
        self._check_role(request)
        form = ProposalForm(request.POST, offerings=offerings)
        if form.is_valid():
            data = form.cleaned_data
            try:
                connection, created = services.connection_propose(
                    user=request.user,
                    need=need,
                    message=data["message"],
                    approach=data["approach"],
                    indicative_price=data["indicative_price"],
                    timeline=data["timeline"],
                    offering=data["offering"],
                    pilot_requested=data["pilot_requested"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                if created:
                    messages.success(
                        request, _("Proposal sent. You will be notified of the answer.")
                    )
                else:
                    messages.info(
                        request, _("Your organization already has an open proposal for this need.")
                    )
                return redirect(connection)
        return render(request, self.template_name, self._context(need, form), status=400)


# --- Dashboards -------------------------------------------------------------------------


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "connections/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organization = self.request.user.organization
        context["organization"] = organization
        if organization is None:
            return context
        involving = Connection.objects.involving(organization.pk)
        context["received_pending"] = involving.filter(
            receiver_org=organization, state=ConnectionState.PENDING
        ).count()
        context["recent"] = involving.select_related(
            "offering", "need", "initiator_org", "receiver_org"
        )[:10]
        context["stats"] = selectors.organization_response_stats(organization)
        if organization.is_enterprise:
            state_filters = {
                f"n_{state}": Count("connections", filter=Q(connections__state=state))
                for state in ConnectionState.values
            }
            context["needs"] = (
                Need.objects.filter(organization=organization)
                .exclude(status="draft")
                .annotate(n_connections=Count("connections"), **state_filters)
                .order_by("-created_at")[:50]
            )
            context["sent_requests"] = involving.filter(
                initiator_org=organization, kind=ConnectionKind.REQUEST
            ).select_related("offering", "receiver_org")[:20]
        else:
            context["offerings"] = (
                Offering.objects.filter(organization=organization)
                .annotate(
                    n_requests=Count(
                        "connections", filter=Q(connections__kind=ConnectionKind.REQUEST)
                    ),
                    n_pending=Count(
                        "connections",
                        filter=Q(
                            connections__kind=ConnectionKind.REQUEST,
                            connections__state=ConnectionState.PENDING,
                        ),
                    ),
                )
                .order_by("-created_at")[:50]
            )
            context["proposals"] = involving.filter(
                initiator_org=organization, kind=ConnectionKind.PROPOSAL
            ).select_related("need", "need__organization", "receiver_org")[:20]
        return context
