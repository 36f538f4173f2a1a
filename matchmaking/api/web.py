"""HTML side of the API: the token panel on the profile page and its two POST actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from matchmaking.api import selectors, services
from matchmaking.api.forms import TokenCreateForm
from matchmaking.api.models import ApiToken
from matchmaking.core.panels import Panel
from matchmaking.core.permissions import get_editable_or_403


def token_panel(request, user) -> Panel | None:
    """On the profile page: the user's API tokens, a form to create one, revoke buttons."""
    if not request.user.is_authenticated or request.user != user:
        return None
    return Panel(
        template="api/includes/token_panel.html",
        context={"api_tokens": selectors.tokens_of(request.user), "token_form": TokenCreateForm()},
    )


class TokenCreateView(LoginRequiredMixin, View):
    """Creates a token and shows its key once (the page is not cached; the key is not kept)."""

    def post(self, request):
        form = TokenCreateForm(request.POST)
        if form.is_valid():
            try:
                token, key = services.token_create(
                    user=request.user, name=form.cleaned_data["name"]
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                response = render(request, "api/token_created.html", {"token": token, "key": key})
                response["Cache-Control"] = "no-store"
                return response
        return render(request, "api/token_form.html", {"token_form": form}, status=400)


class TokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        token = get_editable_or_403(ApiToken.objects.all(), request.user, pk=pk)
        services.token_revoke(token=token, user=request.user)
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
        return redirect("accounts:profile")
