"""The preferences form: one choice per kind of notice."""

from __future__ import annotations

from typing import Any

from django import forms

from d8coop.notifications.models import Kind, Preference


class PreferencesForm(forms.Form):
    """How the user receives each kind: at once, in the daily digest, or in the platform only."""

    def __init__(self, *args: Any, deliveries: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Preference.Delivery.choices,
                initial=deliveries[kind.value],
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    def deliveries(self) -> dict[str, str]:
        return {kind: self.cleaned_data[kind] for kind in Kind.values}
