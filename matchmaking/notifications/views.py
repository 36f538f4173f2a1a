"""Notification centre, preferences and saved searches (all for the signed-in user only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView, ListView

from matchmaking.core.permissions import get_editable_or_403, get_visible_or_404
from matchmaking.listings.models import Need
from matchmaking.notifications import services
from matchmaking.notifications.forms import PreferencesForm, SavedSearchForm
from matchmaking.notifications.models import Notification, SavedSearch


class NotificationCentreView(LoginRequiredMixin, ListView):
    template_name = "notifications/notification_list.html"
    context_object_name = "notifications"
    paginate_by = 30

    def get_queryset(self):
        queryset = Notification.objects.visible_to(self.request.user)
        if self.request.GET.get("show") == "unread":
            queryset = queryset.unread()
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["show"] = self.request.GET.get("show", "all")
        # The navigation's count, kept per notifications revision: one count per page.
        context["unread_count"] = services.unread_count(self.request.user)
        context["query_string"] = "show=unread" if context["show"] == "unread" else ""
        return context


class NotificationOpenView(LoginRequiredMixin, View):
    """Following a notification marks it read, then goes to what it is about."""

    def get(self, request, pk):
        notification = get_editable_or_403(Notification.objects, request.user, pk=pk)
        services.notification_mark_read(notification=notification, user=request.user)
        target = notification.url
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(target)
        return redirect("notifications:centre")


class NotificationMarkReadView(LoginRequiredMixin, View):
    def post(self, request, pk):
        notification = get_editable_or_403(Notification.objects, request.user, pk=pk)
        services.notification_mark_read(notification=notification, user=request.user)
        return redirect("notifications:centre")


class NotificationMarkAllReadView(LoginRequiredMixin, View):
    def post(self, request):
        count = services.notifications_mark_all_read(user=request.user)
        messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
        return redirect("notifications:centre")


class PreferencesView(LoginRequiredMixin, FormView):
    template_name = "notifications/preferences_form.html"
    form_class = PreferencesForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["initial_frequencies"] = services.preferences_for(self.request.user)
        return kwargs

    def form_valid(self, form):
        services.preferences_update(user=self.request.user, frequencies=form.cleaned_data)
        messages.success(self.request, _("Your notification settings were saved."))
        return redirect("notifications:preferences")


class SavedSearchListView(LoginRequiredMixin, ListView):
    template_name = "notifications/savedsearch_list.html"
    context_object_name = "searches"

    def get_queryset(self):
        return SavedSearch.objects.visible_to(self.request.user)


class SavedSearchCreateView(LoginRequiredMixin, FormView):
    """`/notifications/saved-searches/new/?target=offerings&<browse filters>`."""

    template_name = "notifications/savedsearch_form.html"
    form_class = SavedSearchForm

    def get_initial(self):
        params = self.request.GET.copy()
        target = params.pop("target", ["offerings"])[-1]
        params.pop("page", None)
        return {"target": target, "query": params.urlencode(), "frequency": "daily"}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            search = services.saved_search_create(
                user=self.request.user,
                name=data["name"],
                target=data["target"],
                query=data["query"],
                frequency=data["frequency"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Search “%(name)s” saved.") % {"name": search.name})
        return redirect("notifications:saved-search-list")


class SavedSearchDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk):
        search = get_editable_or_403(SavedSearch.objects, request.user, pk=pk)
        services.saved_search_delete(search=search, user=request.user)
        messages.success(request, _("Search “%(name)s” deleted.") % {"name": search.name})
        return redirect("notifications:saved-search-list")


class NeedActionMixin(LoginRequiredMixin):
    """POST on one of the viewer's own needs (404 for a need they may not see)."""

    def get_need(self, pk):
        return get_visible_or_404(Need.objects.all(), self.request.user, pk=pk)


class NeedBroadcastView(NeedActionMixin, View):
    """Tell the vendors of the closest offerings about a need with no strong match."""

    def post(self, request, pk):
        need = self.get_need(pk)
        try:
            sent = services.need_broadcast(need=need, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s vendor with a close offering was told about your need.",
                    "%(count)s vendors with close offerings were told about your need.",
                    sent.vendors,
                )
                % {"count": sent.vendors},
            )
        return redirect(need.get_absolute_url())


class NeedAlertView(NeedActionMixin, View):
    """Save a search that alerts the viewer when an offering fitting the need is published."""

    def post(self, request, pk):
        need = self.get_need(pk)
        try:
            services.need_alert_create(need=need, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Saved. You will be alerted when a fitting offering is published.")
            )
        return redirect(need.get_absolute_url())
