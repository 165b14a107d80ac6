"""National microdata uploads on the web: upload a file, map its columns, follow the import,
read what it made of the file, download the rejects and the original.

For the secretariat and the focal points only: the public is sent to sign in, anyone else gets
404. Each view fetches through `imports.get_upload_for_user` (which authorizes) and writes
through the services of `imports`; the import itself runs in the worker.
"""

from __future__ import annotations

from collections import Counter
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from d8coop.accounts.permissions import focal_point_states, is_secretariat
from d8coop.members.models import MemberState
from d8coop.statistics import imports
from d8coop.statistics.models import ColumnMapping, DataKind, SmeDefinition, Upload

FIELD_LABELS = {
    "enterprise_id": gettext_lazy("Enterprise identifier"),
    "isic": gettext_lazy("Activity (ISIC Rev.4 code)"),
    "employees": gettext_lazy("Employees"),
    "turnover": gettext_lazy("Turnover"),
    "assets": gettext_lazy("Assets"),
    "capital": gettext_lazy("Capital"),
    "year": gettext_lazy("Year"),
    "region": gettext_lazy("Region"),
    "legal_form": gettext_lazy("Legal form"),
    "exporter": gettext_lazy("Exporter"),
    "women_owned": gettext_lazy("Women-owned"),
    "registered": gettext_lazy("Registered"),
    "bank_credit": gettext_lazy("Bank credit"),
    "uses_ict": gettext_lazy("Uses ICT"),
    "size_class": gettext_lazy("Size class (micro, small, medium, large)"),
    "isic_section": gettext_lazy("ISIC section (A-U; empty for all sections)"),
    "enterprises": gettext_lazy("Enterprises"),
    "employment": gettext_lazy("Persons employed"),
}
PHASES = {
    "": gettext_lazy("Waiting for the worker"),
    "reading": gettext_lazy("Reading and checking the rows"),
    "classifying": gettext_lazy("Classifying the enterprises"),
    "aggregating": gettext_lazy("Counting by size class"),
    "done": gettext_lazy("Done"),
}
SIZE_CLASSES = ("nano", "cottage", "micro", "small", "medium", "large", "unclassified")


def uploaders_only(view):
    """Sign-in first; then 404 for anyone who is neither the secretariat nor a focal point."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not imports.may_see_uploads(request.user):
            raise Http404("Members only.")
        return view(request, *args, **kwargs)

    return wrapped


# --------------------------------------------------------------------------- forms


class UploadForm(forms.Form):
    country = forms.ModelChoiceField(
        label=gettext_lazy("Member state"), queryset=MemberState.objects.none()
    )
    year = forms.IntegerField(label=gettext_lazy("Reference year"), min_value=imports.FIRST_YEAR)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of data"),
        choices=DataKind.choices,
        initial=DataKind.MICRODATA,
        required=False,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV, XLSX or Parquet."),
    )
    source_title = forms.CharField(
        label=gettext_lazy("Source: title of the publication or register"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Required for a published table."),
    )
    source_publisher = forms.CharField(
        label=gettext_lazy("Source: publisher"), max_length=200, required=False
    )
    source_url = forms.URLField(
        label=gettext_lazy("Source: web address"), required=False, assume_scheme="https"
    )
    source_published = forms.CharField(
        label=gettext_lazy("Source: published"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("As stated, e.g. 2024 or March 2025."),
    )
    mapping = forms.ModelChoiceField(
        label=gettext_lazy("Saved column mapping"),
        queryset=ColumnMapping.objects.none(),
        required=False,
        empty_label=gettext_lazy("None: guess from the column names, or map them next"),
        help_text=gettext_lazy("Only a mapping saved for the chosen member state applies."),
    )
    encoding = forms.CharField(
        label=gettext_lazy("Text encoding"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("Leave empty to detect it (e.g. cp1254, cp1256)."),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        states = MemberState.objects.order_by("name")
        if not is_secretariat(user):
            states = states.filter(code__in=focal_point_states(user))
        self.fields["country"].queryset = states
        self.fields["mapping"].queryset = ColumnMapping.objects.filter(
            country__in=states
        ).select_related("country")
        this_year = timezone.localdate().year
        self.fields["year"].max_value = this_year
        self.fields["year"].widget.attrs["max"] = this_year
        self.fields["year"].initial = this_year - 1
        self.fields["file"].widget.attrs["accept"] = ".csv,.txt,.xlsx,.parquet"
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self) -> dict:
        data = super().clean()
        data["kind"] = data.get("kind") or DataKind.MICRODATA
        if data["kind"] == DataKind.AGGREGATES and not data.get("source_title", "").strip():
            self.add_error("source_title", _("Name the publication a published table comes from."))
        mapping, country = data.get("mapping"), data.get("country")
        if mapping and mapping.kind != data["kind"]:
            self.add_error("mapping", _("This mapping is for the other kind of data."))
        if mapping and country and mapping.country_id != country.pk:
            self.add_error(
                "mapping",
                _("This mapping was saved for %(state)s.") % {"state": mapping.country.name},
            )
        return data


class MappingForm(forms.Form):
    """One choice of the file's columns per canonical field; optional fields may be left out."""

    decimal_comma = forms.BooleanField(
        label=gettext_lazy("Numbers use a decimal comma (1.234,56)"), required=False
    )
    save_as = forms.CharField(
        label=gettext_lazy("Save this mapping as"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("E.g. the survey or register: the next upload can reuse it."),
    )

    def __init__(self, *args, columns: tuple[str, ...], kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.shape = imports.SHAPES[kind]
        choices = [("", _("— not in the file —")), *((c, c) for c in columns)]
        for name in self.shape.fields:
            self.fields[name] = forms.ChoiceField(
                label=FIELD_LABELS[name], choices=choices, required=name in self.shape.required
            )
            self.fields[name].widget.attrs["class"] = "form-select"
        self.fields["save_as"].widget.attrs["class"] = "form-control"
        self.fields["decimal_comma"].widget.attrs["class"] = "form-check-input"
        self.order_fields(self.shape.fields)

    def clean(self) -> dict:
        data = super().clean()
        names = self.shape.fields
        used = Counter(data.get(name) for name in names if data.get(name))
        for name in names:
            column = data.get(name)
            if column and used[column] > 1:
                message = _("“%(column)s” is chosen for two fields.") % {"column": column}
                self.add_error(name, message)
        return data

    def columns(self) -> dict[str, str]:
        data = self.cleaned_data
        return {name: data[name] for name in self.shape.fields if data.get(name)}

    def field_rows(self) -> list:
        return [self[name] for name in self.shape.fields]


# --------------------------------------------------------------------------- pages


@uploaders_only
@require_GET
def upload_list(request: HttpRequest) -> HttpResponse:
    uploads = imports.uploads_visible_to(request.user)[:200]
    return render(request, "statistics/uploads/list.html", {"uploads": uploads})


@uploaders_only
@require_http_methods(["GET", "POST"])
def upload_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = UploadForm(user=request.user)
        return render(request, "statistics/uploads/new.html", {"form": form})
    form = UploadForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            received = imports.upload_receive(
                user=request.user,
                file=data["file"],
                filename=data["file"].name,
                country=data["country"],
                year=data["year"],
                via=Upload.Via.WEB,
                mapping_name=data["mapping"].name if data["mapping"] else "",
                encoding=data["encoding"].strip(),
                kind=data["kind"],
                source=imports.SourceGiven(
                    title=data["source_title"],
                    publisher=data["source_publisher"],
                    url=data["source_url"],
                    published=data["source_published"],
                ),
            )
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            return _after_receiving(request, received)
    return render(request, "statistics/uploads/new.html", {"form": form}, status=400)


def _after_receiving(request: HttpRequest, received: imports.Received) -> HttpResponse:
    upload = received.upload
    if received.already_imported:
        messages.info(request, _("This very file was imported before; nothing changed."))
        return redirect("statistics:upload", upload.pk)
    columns = imports.upload_columns(upload)
    if upload.status == Upload.Status.REFUSED:
        return redirect("statistics:upload", upload.pk)
    if imports.mapping_problem(upload, columns):
        return redirect("statistics:upload-mapping", upload.pk)
    imports.upload_start(upload)
    return redirect("statistics:upload", upload.pk)


@uploaders_only
@require_http_methods(["GET", "POST"])
def upload_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    upload = imports.get_upload_for_user(request.user, pk)
    if upload.status != Upload.Status.RECEIVED:
        return redirect("statistics:upload", upload.pk)
    columns = imports.upload_columns(upload)
    if upload.status == Upload.Status.REFUSED:
        return redirect("statistics:upload", upload.pk)
    status = 200
    if request.method == "POST":
        form = MappingForm(request.POST, columns=columns, kind=upload.kind)
        if form.is_valid():
            try:
                imports.upload_set_mapping(
                    user=request.user,
                    upload=upload,
                    columns=form.columns(),
                    decimal_comma=form.cleaned_data["decimal_comma"],
                    save_as=form.cleaned_data["save_as"],
                )
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                imports.upload_start(upload)
                return redirect("statistics:upload", upload.pk)
        status = 400
    else:
        guess = {k: v for k, v in (upload.columns or {}).items() if v in columns}
        initial = {**imports.SHAPES[upload.kind].guess(columns), **guess}
        form = MappingForm(initial={**initial, "decimal_comma": upload.decimal_comma},
                           columns=columns, kind=upload.kind)  # fmt: skip
    context = {"upload": upload, "form": form, "columns": columns}
    return render(request, "statistics/uploads/mapping.html", context, status=status)


def _results(upload: Upload) -> dict:
    """What the results section shows, in display order."""
    names = dict(
        SmeDefinition.objects.filter(code__in=upload.class_counts).values_list("code", "name")
    )
    present = {c for classes in upload.class_counts.values() for c in classes}
    classes = [c for c in SIZE_CLASSES if c in present] + sorted(present - set(SIZE_CLASSES))
    rows = [
        {"code": code, "name": names.get(code, ""), "cells": [counts.get(c) for c in classes]}
        for code, counts in upload.class_counts.items()
    ]
    quality = upload.quality or {}
    completeness = [
        {"field": FIELD_LABELS.get(name, name), "share": share}
        for name, share in (quality.get("completeness") or {}).items()
    ]
    return {
        "classes": classes,
        "class_rows": rows,
        "reasons": sorted(upload.reasons.items(), key=lambda item: -item[1]),
        "unclassified": upload.unclassified,
        "quality": quality,
        "completeness": completeness,
    }


def _status_context(upload: Upload) -> dict:
    context = {
        "upload": upload,
        "percent": round(upload.progress * 100),
        "phase": PHASES.get(upload.phase, upload.phase),
        "poll_url": reverse("statistics:upload-progress", args=[upload.pk]),
    }
    if upload.status == Upload.Status.DONE:
        context.update(_results(upload))
    return context


@uploaders_only
@require_GET
def upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    upload = imports.get_upload_for_user(request.user, pk)
    return render(request, "statistics/uploads/detail.html", _status_context(upload))


@uploaders_only
@require_GET
def upload_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The status fragment, polled by the detail page until the import is finished."""
    upload = imports.get_upload_for_user(request.user, pk)
    return render(request, "statistics/uploads/_status.html", _status_context(upload))


def _attachment(field_file, name: str) -> FileResponse:
    if not field_file:
        raise Http404("No such file.")
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    return FileResponse(handle, as_attachment=True, filename=name)


@uploaders_only
@require_GET
def upload_rejects(request: HttpRequest, pk: int) -> HttpResponse:
    upload = imports.get_upload_for_user(request.user, pk)
    name = f"rejects-{upload.country.code}-{upload.year}-{upload.pk}.csv"
    return _attachment(upload.rejects, name)


@uploaders_only
@require_GET
def upload_original(request: HttpRequest, pk: int) -> HttpResponse:
    upload = imports.get_upload_for_user(request.user, pk)
    return _attachment(upload.original, upload.filename)
