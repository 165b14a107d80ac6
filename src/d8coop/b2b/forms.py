"""Forms of the B2B pages; the rules themselves are checked by the services."""

from __future__ import annotations

import re
from datetime import date, time

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from d8coop.b2b.services import SessionInput

SESSION_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$")


def parse_sessions(text: str) -> list[SessionInput]:
    """One session a line: `2026-12-01 09:00-12:30` (local day and times)."""
    sessions = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = SESSION_LINE.match(line)
        try:
            if match is None:
                raise ValueError
            day = date.fromisoformat(match[1])
            starts, ends = (
                time.fromisoformat(f"{int(t[:-3]):02d}{t[-3:]}") for t in match.groups()[1:]
            )
        except ValueError:
            raise ValidationError(
                _(
                    "Line %(number)s, “%(line)s”, is not a day and times like "
                    "2026-12-01 09:00-12:30."
                )
                % {"number": number, "line": line},
                code="invalid_session",
            ) from None
        if ends <= starts:
            raise ValidationError(
                _("Line %(number)s: the session ends before it starts.") % {"number": number},
                code="invalid_session",
            )
        sessions.append(SessionInput(day=day, starts=starts, ends=ends))
    return sessions


class ConfigureForm(forms.Form):
    sessions = forms.CharField(
        label=_("B2B sessions"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line, in the event's local time: day, start and end, e.g. "
                    "2026-12-01 09:00-12:30."),
    )  # fmt: skip
    time_zone = forms.CharField(
        label=_("Time zone"), max_length=60, required=False,
        help_text=_("Empty: the main time zone of the host country."),
    )  # fmt: skip
    slot_minutes = forms.IntegerField(label=_("Minutes per meeting"), min_value=5, max_value=240)
    tables = forms.IntegerField(label=_("Number of tables"), min_value=1, max_value=500)
    request_lifetime_hours = forms.IntegerField(
        label=_("Hours a request stays open"), min_value=1, max_value=720
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-control")
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}-help"

    def clean_sessions(self) -> list[SessionInput]:
        return parse_sessions(self.cleaned_data["sessions"])


class RequestForm(forms.Form):
    sender = forms.IntegerField(widget=forms.HiddenInput)
    recipient = forms.IntegerField(widget=forms.HiddenInput)
    message = forms.CharField(
        label=_("Message (optional)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
