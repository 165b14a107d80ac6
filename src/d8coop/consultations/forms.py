"""Forms of the consultation pages. They parse input; the services decide and refuse."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from d8coop.consultations.models import AnswerKind
from d8coop.cooperation.models import Body
from d8coop.core.time_zones import secretariat_zone, validate_time_zone
from d8coop.core.uploads import ATTACHMENT_TYPES
from d8coop.members.models import MemberState

BREAKABLE = [
    (AnswerKind.COMMENT.value, AnswerKind.COMMENT.label),
    (AnswerKind.OBJECTION.value, AnswerKind.OBJECTION.label),
    (AnswerKind.AMENDMENT.value, AnswerKind.AMENDMENT.label),
]


def _file_help() -> str:
    return _("Accepted: %(types)s; at most %(limit)s.") % {
        "types": ", ".join(ATTACHMENT_TYPES),
        "limit": filesizeformat(settings.D8COOP_MAX_ATTACHMENT_BYTES),
    }


class WallTimeField(forms.DateTimeField):
    """A local date and time as typed: naive, never converted through the server's zone (the
    declared zone decides what it means, and whether it exists there)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        for format_ in self.input_formats:
            try:
                return datetime.strptime(str(value).strip(), format_)
            except ValueError:
                continue
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class Styled:
    """Bootstrap classes on every widget, and help texts tied to their fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(
                widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple
            ):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")


class FileHelp(Styled):
    """The size limit in the help text is read when the form is built, not at import."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _file_help()
        self.fields["file"].widget.attrs["accept"] = ",".join(ATTACHMENT_TYPES)


class DeadlineFields(Styled, forms.Form):
    """A deadline as a duration from now, or as a local date and time, in a declared zone."""

    MODES = [("duration", _("A duration from circulation")), ("instant", _("A date and time"))]

    deadline_mode = forms.ChoiceField(
        label=_("Deadline given as"), choices=MODES, initial="duration", widget=forms.RadioSelect
    )
    duration = forms.CharField(
        label=_("Duration"),
        required=False,
        max_length=60,
        initial="one (1) month",
        help_text=_("E.g. “one (1) month”, “72 hours”, “10 days”."),
    )
    deadline_local = WallTimeField(
        label=_("Deadline (local date and time)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("In the declared time zone below."),
    )
    time_zone = forms.CharField(
        label=_("Declared time zone"),
        max_length=60,
        validators=[validate_time_zone],
        help_text=_("An IANA name such as Europe/Istanbul, Africa/Lagos or Asia/Jayapura."),
    )

    def clean(self):
        data = super().clean()
        mode = data.get("deadline_mode")
        if mode == "duration" and not data.get("duration", "").strip():
            self.add_error("duration", _("Give the duration, e.g. “one (1) month”."))
        if (
            mode == "instant"
            and data.get("deadline_local") is None
            and not self.has_error("deadline_local")
        ):
            self.add_error("deadline_local", _("Give the date and time of the deadline."))
        return data

    def deadline_arguments(self) -> dict:
        data = self.cleaned_data
        if data["deadline_mode"] == "instant":
            return {"duration": "", "deadline_local": data["deadline_local"]}
        return {"duration": data["duration"], "deadline_local": None}


class CirculateForm(FileHelp, DeadlineFields):
    title = forms.CharField(label=_("Title"), max_length=300)
    body = forms.ModelChoiceField(
        label=_("Body"), queryset=Body.objects.all(), required=False, empty_label=_("(none)")
    )
    text = forms.CharField(
        label=_("Text of the draft"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    file = forms.FileField(label=_("Or a file"), required=False)
    recipients = forms.ModelMultipleChoiceField(
        label=_("Member states"),
        queryset=MemberState.objects.order_by("name"),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("By default, the member states of today."),
    )
    breaking_kinds = forms.MultipleChoiceField(
        label=_("Answers that break silence"),
        choices=BREAKABLE,
        initial=[AnswerKind.OBJECTION.value, AnswerKind.AMENDMENT.value],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Fixed at circulation; it cannot be changed afterwards."),
    )
    close_on_break = forms.BooleanField(
        label=_("Close the round at once when silence is broken (result: not adopted)"),
        required=False,
    )
    move_off_weekend = forms.BooleanField(
        label=_("Move a deadline that falls on the secretariat's weekend to the next working day"),
        required=False,
    )

    field_order = ["title", "body", "text", "file", "recipients"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].initial = secretariat_zone().key
        today = timezone.localdate()
        self.fields["recipients"].initial = list(
            MemberState.objects.members_on(today).values_list("code", flat=True)
        )


class NewRoundForm(FileHelp, DeadlineFields):
    text = forms.CharField(
        label=_("Revised text"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    file = forms.FileField(label=_("Or a file"), required=False)
    note = forms.CharField(label=_("What changed"), required=False, max_length=500)
    recipients = forms.ModelMultipleChoiceField(
        label=_("Member states"),
        queryset=MemberState.objects.order_by("name"),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )

    field_order = ["text", "file", "note", "recipients"]

    def __init__(self, *args, zone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].initial = zone or secretariat_zone().key
        today = timezone.localdate()
        self.fields["recipients"].initial = list(
            MemberState.objects.members_on(today).values_list("code", flat=True)
        )


class AnswerForm(FileHelp, forms.Form):
    member_state = forms.ChoiceField(label=_("Answer for"))
    kind = forms.ChoiceField(
        label=_("Answer"), choices=AnswerKind.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Required for a comment, an objection or an amendment."),
    )
    file = forms.FileField(label=_("File (optional)"), required=False)

    def __init__(self, *args, states: list[MemberState], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_state"].choices = [(s.code, s.name) for s in states]
        if len(states) == 1:
            self.fields["member_state"].initial = states[0].code
            self.fields["member_state"].widget = forms.HiddenInput()
