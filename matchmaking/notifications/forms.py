from django import forms
from django.utils.translation import gettext_lazy as _

from matchmaking.notifications.choices import Frequency, NotificationKind, SavedSearchTarget
from matchmaking.notifications.models import SavedSearch


class PreferencesForm(forms.Form):
    """One choice per notification kind."""

    def __init__(self, *args, initial_frequencies: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in NotificationKind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Frequency.choices,
                initial=initial_frequencies.get(kind.value),
                widget=forms.RadioSelect,
            )


class SavedSearchForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    target = forms.ChoiceField(label=_("Searching"), choices=SavedSearchTarget.choices)
    query = forms.CharField(
        label=_("Filters"), max_length=1000, required=False, widget=forms.HiddenInput
    )
    frequency = forms.ChoiceField(
        label=_("Alerts"),
        choices=SavedSearch._meta.get_field("frequency").choices,
        initial=Frequency.DAILY,
        help_text=_("New listings matching these filters are reported in your digest email."),
    )
