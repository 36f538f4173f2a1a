"""Event pages. Public: the list and an event's page. Participants: registration, proposed
meetings, requests, agenda (+ .ics) and outcomes. Organizers (staff): edit, registrations,
scheduling, moves, table plan and check-in. Views stay thin: a scope gives the object, a
form checks input, a service acts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from matchmaking.core.permissions import (
    get_editable_or_403,
    get_visible_or_404,
    is_platform_admin,
    user_organization_id,
)
from matchmaking.events import calendar, selectors, services
from matchmaking.events.choices import RequestState
from matchmaking.events.forms import (
    EventForm,
    MeetingRequestForm,
    MoveForm,
    OutcomeForm,
    RegistrationForm,
    slot_label,
)
from matchmaking.events.models import Event, Meeting, MeetingRequest, Registration
from matchmaking.listings.models import Need, Offering


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _event(request, pk) -> Event:
    return get_visible_or_404(Event.objects, request.user, pk=pk)


def _organized(request, pk) -> Event:
    """The event for its organizers: 404 if the user may not see it, 403 if not organize it."""
    return get_editable_or_403(Event.objects, request.user, pk=pk)


def _participant(request, event) -> Registration:
    """The viewer's approved registration, or 404 (the page is a participant's own)."""
    registration = services.participant_registration(event, request.user)
    if registration is None:
        raise Http404("Not a participant of this event.")
    return registration


class OrganizerMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_platform_admin(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


# --- Public -------------------------------------------------------------------------------


class EventListView(TemplateView):
    template_name = "events/event_list.html"

    def get_context_data(self, **kwargs):
        visible = Event.objects.visible_to(self.request.user)
        return super().get_context_data(
            upcoming=visible.upcoming(), past=visible.past()[:50], **kwargs
        )


class EventDetailView(TemplateView):
    template_name = "events/event_detail.html"

    def get_context_data(self, **kwargs):
        event = _event(self.request, kwargs["pk"])
        org_id = user_organization_id(self.request.user)
        own = (
            Registration.objects.filter(event=event, organization_id=org_id).first()
            if org_id
            else None
        )
        return super().get_context_data(
            event=event,
            own_registration=own,
            has_organization=org_id is not None,
            registration_open=event.registration_open(),
            approved_count=event.registrations.approved().count(),
            sectors=event.sectors.all(),
            application_types=event.application_types.all(),
            slots=event.slots(),
            **kwargs,
        )


# --- Organizer ----------------------------------------------------------------------------


class EventEditView(LoginRequiredMixin, View):
    template_name = "events/event_form.html"

    def _get(self, pk):
        if pk is None:
            if not is_platform_admin(self.request.user):
                raise PermissionDenied
            return Event()
        return _organized(self.request, pk)

    def get(self, request, pk=None):
        event = self._get(pk)
        return render(
            request, self.template_name, {"form": EventForm(instance=event), "event": event}
        )

    def post(self, request, pk=None):
        event = self._get(pk)
        form = EventForm(request.POST, instance=event)
        if form.is_valid():
            try:
                event = services.event_save(
                    user=request.user,
                    event=form.save(commit=False),
                    sectors=form.cleaned_data["sectors"],
                    application_types=form.cleaned_data["application_types"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("The event has been saved."))
                return redirect("events:manage", pk=event.pk)
        return render(request, self.template_name, {"form": form, "event": event}, status=400)


class EventManageView(LoginRequiredMixin, TemplateView):
    template_name = "events/event_manage.html"

    def get_context_data(self, **kwargs):
        event = _organized(self.request, kwargs["pk"])
        registrations = event.registrations.select_related("organization").prefetch_related(
            "members", "needs", "offerings"
        )
        accepted = event.meeting_requests.filter(state=RequestState.ACCEPTED).count()
        slots = event.slots()
        meetings = [
            {
                "meeting": m,
                "slot": slot_label(slots[m.slot]) if m.slot < len(slots) else m.slot,
                "table": event.table_label(m.table),
                "move_form": MoveForm(
                    event=event, initial={"slot": m.slot, "table": m.table}, prefix=f"m{m.pk}"
                ),
            }
            for m in event.meetings.select_related(
                "request__from_registration__organization", "request__to_registration__organization"
            )
        ]
        return super().get_context_data(
            event=event,
            registrations=registrations,
            accepted_count=accepted,
            meetings=meetings,
            requested_count=event.meeting_requests.count(),
            **kwargs,
        )


class RegistrationAnswerView(OrganizerMixin, View):
    def post(self, request, pk, action):
        registration = get_object_or_404(Registration.objects.visible_to(request.user), pk=pk)
        if action == "approve":
            services.registration_approve(registration=registration, user=request.user)
        elif action == "decline":
            services.registration_decline(registration=registration, user=request.user)
        else:
            raise Http404
        return redirect("events:manage", pk=registration.event_id)


class ScheduleView(LoginRequiredMixin, View):
    def post(self, request, pk):
        event = _organized(request, pk)
        schedule = services.event_schedule(event=event, user=request.user)
        messages.success(
            request,
            _(
                "Scheduled: %(placed)s of %(total)s accepted meetings placed (at most %(bound)s possible)."
            )
            % {
                "placed": schedule.placed,
                "total": schedule.placed + len(schedule.unplaced),
                "bound": schedule.bound,
            },
        )
        return redirect("events:manage", pk=event.pk)


class MeetingMoveView(OrganizerMixin, View):
    def post(self, request, pk):
        meeting = get_object_or_404(Meeting.objects.select_related("event"), pk=pk)
        form = MoveForm(request.POST, event=meeting.event, prefix=f"m{meeting.pk}")
        if not form.is_valid():
            messages.error(request, _("Choose a slot and a table."))
        else:
            try:
                services.meeting_move(
                    meeting=meeting,
                    user=request.user,
                    slot=form.cleaned_data["slot"],
                    table=form.cleaned_data["table"],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, _("Not moved: %(reason)s") % {"reason": message})
            else:
                messages.success(request, _("The meeting has been moved."))
        return redirect("events:manage", pk=meeting.event_id)


class MeetingConfirmView(OrganizerMixin, View):
    def post(self, request, pk):
        meeting = get_object_or_404(Meeting, pk=pk)
        services.meeting_confirm(
            meeting=meeting, user=request.user, confirmed=request.POST.get("confirmed") != "0"
        )
        return redirect("events:manage", pk=meeting.event_id)


class TablePlanView(LoginRequiredMixin, TemplateView):
    template_name = "events/table_plan.html"

    def get_context_data(self, **kwargs):
        event = _organized(self.request, kwargs["pk"])
        return super().get_context_data(
            event=event, rows=selectors.table_plan(event), tables=event.table_labels, **kwargs
        )


class CheckInView(LoginRequiredMixin, View):
    template_name = "events/check_in.html"

    def get(self, request, pk):
        event = _organized(request, pk)
        registrations = (
            event.registrations.approved()
            .select_related("organization")
            .prefetch_related("members")
        )
        return render(request, self.template_name, {"event": event, "registrations": registrations})

    def post(self, request, pk):
        event = _organized(request, pk)
        registration = get_object_or_404(
            event.registrations.approved(), pk=request.POST.get("registration")
        )
        services.registration_check_in(
            registration=registration, user=request.user, present=request.POST.get("present") != "0"
        )
        return redirect("events:check-in", pk=event.pk)


# --- Participants -------------------------------------------------------------------------


class RegisterView(LoginRequiredMixin, View):
    template_name = "events/registration_form.html"

    def _setup(self, request, pk):
        event = _event(request, pk)
        org_id = user_organization_id(request.user)
        if org_id is None:
            raise PermissionDenied
        existing = Registration.objects.filter(event=event, organization_id=org_id).first()
        return event, request.user.membership.organization, existing

    def _initial(self, existing, user):
        if existing is None:
            return {"members": [user.pk]}
        return {
            "members": list(existing.members.values_list("pk", flat=True)),
            "needs": list(existing.needs.values_list("pk", flat=True)),
            "offerings": list(existing.offerings.values_list("pk", flat=True)),
            "unavailable_slots": existing.unavailable_slots,
            "max_meetings": existing.max_meetings,
        }

    def get(self, request, pk):
        event, organization, existing = self._setup(request, pk)
        form = RegistrationForm(
            event=event, organization=organization, initial=self._initial(existing, request.user)
        )
        return render(
            request, self.template_name, {"event": event, "form": form, "registration": existing}
        )

    def post(self, request, pk):
        event, organization, existing = self._setup(request, pk)
        form = RegistrationForm(request.POST, event=event, organization=organization)
        if form.is_valid():
            try:
                services.registration_submit(
                    user=request.user,
                    event=event,
                    members=form.cleaned_data["members"],
                    needs=form.cleaned_data["needs"],
                    offerings=form.cleaned_data["offerings"],
                    unavailable_slots=form.cleaned_data["unavailable_slots"],
                    max_meetings=form.cleaned_data["max_meetings"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Your registration has been saved."))
                return redirect("events:detail", pk=event.pk)
        return render(
            request,
            self.template_name,
            {"event": event, "form": form, "registration": existing},
            status=400,
        )


class WithdrawView(LoginRequiredMixin, View):
    def post(self, request, pk):
        event = _event(request, pk)
        registration = get_object_or_404(
            Registration.objects.editable_by(request.user), event=event
        )
        services.registration_withdraw(registration=registration, user=request.user)
        messages.success(request, _("Your registration has been withdrawn."))
        return redirect("events:detail", pk=event.pk)


class ProposalsView(LoginRequiredMixin, TemplateView):
    template_name = "events/proposals.html"

    def get_context_data(self, **kwargs):
        event = _event(self.request, kwargs["pk"])
        registration = _participant(self.request, event)
        proposals = selectors.proposals(registration, viewer=self.request.user)

        # Participants the matcher found nothing for (or on the same side) fold away below
        # the real proposals, unless a request already runs between the two.
        def folded(p):
            return p.need is None and p.sent is None and p.received is None

        others = [p for p in proposals if folded(p)]
        return super().get_context_data(
            event=event,
            registration=registration,
            proposals=[p for p in proposals if not folded(p)],
            others=others,
            form=MeetingRequestForm(),
            **kwargs,
        )


class MeetingRequestCreateView(LoginRequiredMixin, View):
    def post(self, request, pk, registration_pk):
        event = _event(request, pk)
        _participant(request, event)
        target = get_object_or_404(
            Registration.objects.visible_to(request.user).approved(),
            pk=registration_pk,
            event=event,
        )
        form = MeetingRequestForm(request.POST)
        if not form.is_valid():
            raise Http404
        need_id, offering_id = form.cleaned_data["need"], form.cleaned_data["offering"]
        need = Need.objects.filter(pk=need_id).first() if need_id else None
        offering = Offering.objects.filter(pk=offering_id).first() if offering_id else None
        try:
            services.meeting_request_create(
                user=request.user,
                event=event,
                to_registration=target,
                note=form.cleaned_data["note"],
                need=need,
                offering=offering,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("events:proposals", pk=event.pk)
        messages.success(request, _("Your meeting request has been sent."))
        return redirect("events:requests", pk=event.pk)


class RequestsView(LoginRequiredMixin, TemplateView):
    template_name = "events/requests.html"

    def get_context_data(self, **kwargs):
        event = _event(self.request, kwargs["pk"])
        registration = _participant(self.request, event)
        requests = list(selectors.participant_requests(registration))
        return super().get_context_data(
            event=event,
            registration=registration,
            received=[r for r in requests if r.to_registration_id == registration.pk],
            sent=[r for r in requests if r.from_registration_id == registration.pk],
            **kwargs,
        )


class MeetingRequestAnswerView(LoginRequiredMixin, View):
    def post(self, request, pk, action):
        meeting_request = get_visible_or_404(MeetingRequest.objects, request.user, pk=pk)
        actions = {
            "accept": services.meeting_request_accept,
            "decline": services.meeting_request_decline,
            "cancel": services.meeting_request_cancel,
        }
        if action not in actions:
            raise Http404
        try:
            actions[action](request=meeting_request, user=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Done."))
        return redirect("events:requests", pk=meeting_request.event_id)


class AgendaView(LoginRequiredMixin, TemplateView):
    template_name = "events/agenda.html"

    def get_context_data(self, **kwargs):
        event = _event(self.request, kwargs["pk"])
        registration = _participant(self.request, event)
        items = selectors.agenda(registration)
        started = event.start_date <= timezone.localdate()
        for item in items:
            # One form per meeting, with its own field ids.
            item.outcome_form = (
                OutcomeForm(auto_id=f"id_m{item.meeting.pk}_%s") if started else None
            )
        return super().get_context_data(
            event=event, registration=registration, items=items, **kwargs
        )


class AgendaCalendarView(LoginRequiredMixin, View):
    def get(self, request, pk):
        event = _event(request, pk)
        registration = _participant(request, event)
        body = calendar.agenda_ics(registration, selectors.agenda(registration))
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-agenda.ics"'
        return response


class OutcomeView(LoginRequiredMixin, View):
    def post(self, request, pk):
        meeting = get_object_or_404(
            Meeting.objects.visible_to(request.user).select_related(
                "event",
                "request__from_registration",
                "request__to_registration",
                "request__connection",
            ),
            pk=pk,
        )
        form = OutcomeForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Say whether the meeting was held."))
        else:
            try:
                services.meeting_outcome_record(
                    meeting=meeting, user=request.user, **form.cleaned_data
                )
            except (ValidationError, PermissionDenied) as exc:
                for message in getattr(exc, "messages", [str(exc)]):
                    messages.error(request, message)
            else:
                messages.success(request, _("Thank you: the outcome has been recorded."))
        return redirect("events:agenda", pk=meeting.event_id)
