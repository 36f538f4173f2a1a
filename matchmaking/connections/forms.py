from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from matchmaking.connections.attachments import ACCEPT_ATTRIBUTE, check_attachment
from matchmaking.connections.choices import FUNNEL_MARKS, ConnectionState
from matchmaking.core.text import upload_help


class RequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What you want to achieve and what you would like to know. Your contact details "
            "are shared only if the vendor accepts."
        ),
    )
    need = forms.ModelChoiceField(
        label=_("About our need"), queryset=None, required=False, empty_label=_("(none)")
    )
    pilot_requested = forms.BooleanField(
        label=_("We would like a pilot / proof of concept"), required=False
    )

    def __init__(self, *args, needs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].queryset = needs


class ProposalForm(forms.Form):
    approach = forms.CharField(
        label=_("Approach"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("How you would meet this need: the solution, the data you need, the steps."),
    )
    indicative_price = forms.IntegerField(
        label=_("Indicative price (CNY)"), required=False, min_value=0
    )
    timeline = forms.CharField(label=_("Timeline"), max_length=200, required=False)
    offering = forms.ModelChoiceField(
        label=_("Our offering"), queryset=None, required=False, empty_label=_("(none)")
    )
    pilot_requested = forms.BooleanField(
        label=_("We offer a pilot / proof of concept"), required=False
    )
    message = forms.CharField(
        label=_("Message"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Your contact details are shared only if the enterprise accepts."),
    )

    def __init__(self, *args, offerings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offering"].queryset = offerings


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The sender sees this reason."),
    )


class MarkForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Status"),
        choices=[(s.value, s.label) for s in ConnectionState if s in FUNNEL_MARKS],
    )
    contract_value = forms.IntegerField(
        label=_("Contract value (CNY)"),
        required=False,
        min_value=0,
        help_text=_("Optional; only for a won connection."),
    )
    reason = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachment = forms.FileField(
        label=_("Attachment"),
        required=False,
        help_text=upload_help(
            gettext_noop("PDF, PNG, JPEG, WebP, DOCX, XLSX or TXT, at most %(size)s."),
            settings.CONNECTION_ATTACHMENT_MAX_BYTES,
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        return check_attachment(upload)

    def clean(self):
        cleaned = super().clean()
        if (
            not (cleaned.get("body") or "").strip()
            and not cleaned.get("attachment")
            and not self.errors
        ):
            raise ValidationError(_("Write a message or attach a file."), code="required")
        return cleaned
