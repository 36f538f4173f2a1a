from __future__ import annotations

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from matchmaking.accounts.models import User
from matchmaking.events.choices import Attendance
from matchmaking.events.models import Event
from matchmaking.listings.models import Need, Offering
from matchmaking.taxonomy.models import ApplicationType, Sector


def slot_label(slot) -> str:
    from django.utils import timezone

    start = timezone.localtime(slot.start)
    end = timezone.localtime(slot.end)
    return f"{formats.date_format(start, 'Y-m-d')} {start:%H:%M}–{end:%H:%M}"


class EventForm(forms.ModelForm):
    online_url = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    sectors = forms.ModelMultipleChoiceField(
        label=_("Sectors"),
        queryset=Sector.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    application_types = forms.ModelMultipleChoiceField(
        label=_("Application types"),
        queryset=ApplicationType.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Event
        fields = [
            "title",
            "title_en",
            "description",
            "description_en",
            "start_date",
            "end_date",
            "day_start",
            "day_end",
            "meeting_minutes",
            "breaks",
            "venue",
            "online_url",
            "sectors",
            "application_types",
            "registration_opens",
            "registration_closes",
            "table_count",
            "table_names",
            "capacity",
            "approval_required",
            "status",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "day_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "day_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "registration_opens": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "registration_closes": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "description": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
            "table_names": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("registration_opens", "registration_closes"):
            self.fields[name].input_formats = [
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",
                "%Y-%m-%d %H:%M:%S",
            ]
        if self.instance.pk:
            self.fields["sectors"].initial = list(self.instance.sectors.all())
            self.fields["application_types"].initial = list(self.instance.application_types.all())

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("venue") and not cleaned.get("online_url"):
            self.add_error("venue", _("Give a venue or an online link."))
        return cleaned


class RegistrationForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label=_("Members attending"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    needs = forms.ModelMultipleChoiceField(
        label=_("Needs to discuss"),
        queryset=Need.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    offerings = forms.ModelMultipleChoiceField(
        label=_("Offerings to present"),
        queryset=Offering.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    unavailable_slots = forms.TypedMultipleChoiceField(
        label=_("Slots we cannot attend"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_meetings = forms.IntegerField(
        label=_("Maximum meetings"),
        min_value=1,
        max_value=200,
        required=False,
        help_text=_("Leave empty for no limit."),
    )

    def __init__(self, *args, event: Event, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = User.objects.filter(
            membership__organization=organization, is_active=True
        ).order_by("pk")
        self.fields["members"].label_from_instance = str
        self.fields["needs"].queryset = Need.objects.filter(
            organization=organization, status="open"
        ).order_by("-pk")
        self.fields["offerings"].queryset = Offering.objects.filter(
            organization=organization, status="published"
        ).order_by("-pk")
        self.fields["unavailable_slots"].choices = [
            (slot.index, slot_label(slot)) for slot in event.slots() if not slot.is_break
        ]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("needs") and not cleaned.get("offerings") and not self.errors:
            raise forms.ValidationError(
                _("Bring at least one of your needs or offerings to discuss.")
            )
        return cleaned


class MeetingRequestForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you would like to discuss."),
    )
    need = forms.IntegerField(required=False, widget=forms.HiddenInput)
    offering = forms.IntegerField(required=False, widget=forms.HiddenInput)


class MoveForm(forms.Form):
    slot = forms.TypedChoiceField(label=_("Slot"), coerce=int)
    table = forms.TypedChoiceField(label=pgettext_lazy("meeting table", "Table"), coerce=int)

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [
            (slot.index, slot_label(slot)) for slot in event.slots() if not slot.is_break
        ]
        self.fields["table"].choices = list(enumerate(event.table_labels))
        # The organizer's table shows the two selects without visible labels: name them.
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = field.label


class OutcomeForm(forms.Form):
    attendance = forms.ChoiceField(
        label=_("The meeting"), choices=Attendance.choices, widget=forms.RadioSelect
    )
    follow_up = forms.BooleanField(label=_("We want to follow up"), required=False)
    notes = forms.CharField(
        label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
