"""Consultation pages. Members only: the public is sent to sign in, signed-in outsiders get 404;
each view fetches through `permissions` (which authorizes) and writes through `services`.

The public sees only results the secretariat has published (`published_*`).
"""

from __future__ import annotations

import csv
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from d8coop.accounts.permissions import can_see_members_data
from d8coop.accounts.selectors import user_time_zone
from d8coop.consultations import permissions, selectors, services
from d8coop.consultations.diff import diff_texts, has_changes
from d8coop.consultations.forms import AnswerForm, CirculateForm, NewRoundForm
from d8coop.consultations.models import Answer, Consultation, ResultOutcome, Round

# --------------------------------------------------------------------------- access


def members_only(view):
    """Sign-in first; then 404 for anyone who sees no members' data."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_see_members_data(request.user):
            raise Http404("Members only.")
        return view(request, *args, **kwargs)

    return wrapped


def _secretariat_only(request: HttpRequest) -> None:
    if not permissions.can_circulate(request.user):
        raise PermissionDenied(_("Only the secretariat circulates drafts and opens rounds."))


def _apply_refusal(form, refusal: services.Refused) -> None:
    field = refusal.field if refusal.field in form.fields else None
    form.add_error(field, refusal.message)


# --------------------------------------------------------------------------- list and detail


@members_only
@require_GET
def consultation_list(request: HttpRequest) -> HttpResponse:
    consultations = list(selectors.consultations_visible_to(request.user))
    for consultation in consultations:
        rounds = list(consultation.rounds.all())
        consultation.latest_round = rounds[-1] if rounds else None
    context = {
        "consultations": consultations,
        "reader_zone": user_time_zone(request.user),
        "now": timezone.now(),
        "can_circulate": permissions.can_circulate(request.user),
        "awaiting": selectors.consultations_awaiting_answer(request.user),
    }
    return render(request, "consultations/list.html", context)


def _detail_context(
    request: HttpRequest, consultation: Consultation, posted: tuple[int, AnswerForm] | None = None
) -> dict:
    record = selectors.consultation_with_record(consultation)
    now = timezone.now()
    user = request.user
    every_text = permissions.can_read_every_answer(user, record)
    lines_by_round = [(r, selectors.round_lines(r)) for r in record.rounds.all()]
    recipients = sorted({line.state.code for _, lines in lines_by_round for line in lines})
    answerable = set(
        permissions.states_answerable_by(user, record, recipients, on=timezone.localdate(now))
    )
    rounds = []
    for round_, lines in lines_by_round:
        mine = {line.state.code for line in lines} & answerable
        form = None
        if mine and round_.accepts_answers(now):
            if posted is not None and posted[0] == round_.number:
                form = posted[1]
            else:
                states = [line.state for line in lines if line.state.code in mine]
                form = AnswerForm(states=states, prefix=f"r{round_.number}")
        accepts = round_.accepts_answers(now)
        rounds.append(
            {"round": round_, "lines": lines, "mine": mine, "form": form, "accepts": accepts}
        )
    last = rounds[-1]["round"] if rounds else None
    return {
        "consultation": record,
        "rounds": rounds,
        "versions": list(record.versions.all()),
        "current": last,
        "reader_zone": user_time_zone(user),
        "every_text": every_text,
        "is_secretariat": permissions.can_circulate(user),
        "can_see_matrix": permissions.can_see_matrix(user, record),
        "can_open_round": permissions.can_circulate(user)
        and last is not None
        and getattr(last, "result", None) is not None
        and not last.result.adopted,
        "now": now,
    }


@members_only
@require_GET
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = permissions.get_consultation_for_user(request.user, pk)
    return render(request, "consultations/detail.html", _detail_context(request, consultation))


@members_only
@require_POST
def answer_create(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    consultation = permissions.get_consultation_for_user(request.user, pk)
    round_ = get_object_or_404(Round, consultation=consultation, number=number)
    codes = list(round_.dispatches.values_list("member_state__code", flat=True))
    mine = permissions.states_answerable_by(
        request.user, consultation, codes, on=timezone.localdate()
    )
    states = list(
        round_.dispatches.filter(member_state__code__in=mine).select_related("member_state")
    )
    form = AnswerForm(
        request.POST, request.FILES, states=[d.member_state for d in states], prefix=f"r{number}"
    )
    if not mine:
        raise PermissionDenied(_("Only a focal point of a recipient state answers."))
    status = 400
    if form.is_valid():
        try:
            services.answer_submit(
                by=request.user,
                round=round_,
                state_code=form.cleaned_data["member_state"],
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                file=form.cleaned_data["file"],
            )
        except services.Refused as refusal:
            status = refusal.status
            if refusal.field in form.fields:
                form.add_error(refusal.field, refusal.message)
            else:
                messages.error(request, refusal.message)
        else:
            messages.success(request, _("Your answer is recorded."))
            return redirect(round_.get_absolute_url())
    context = _detail_context(request, consultation, posted=(number, form))
    return render(request, "consultations/detail.html", context, status=status)


# --------------------------------------------------------------------------- files


def _file_response(field_file, name: str) -> FileResponse:
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    return FileResponse(handle, as_attachment=True, filename=name)


@members_only
@require_GET
def version_file(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    consultation = permissions.get_consultation_for_user(request.user, pk)
    version = get_object_or_404(consultation.versions.exclude(file=""), number=number)
    return _file_response(version.file, version.file_name)


@members_only
@require_GET
def answer_file(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    consultation = permissions.get_consultation_for_user(request.user, pk)
    answer = get_object_or_404(
        Answer.objects.exclude(file="").select_related("member_state"),
        pk=answer_pk,
        round__consultation=consultation,
    )
    mine = permissions.states_answerable_by(
        request.user, consultation, [answer.member_state.code], on=timezone.localdate()
    )
    if not (permissions.can_read_every_answer(request.user, consultation) or mine):
        raise Http404("No such file.")
    return _file_response(answer.file, answer.file_name)


# --------------------------------------------------------------------------- diff and matrix


@members_only
@require_GET
def version_diff(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = permissions.get_consultation_for_user(request.user, pk)
    versions = {v.number: v for v in consultation.versions.all()}
    if len(versions) < 2:
        raise Http404("Only one version.")
    newest = max(versions)
    try:
        old = versions[int(request.GET.get("from", newest - 1))]
        new = versions[int(request.GET.get("to", newest))]
    except (KeyError, ValueError):
        raise Http404("No such version.") from None
    rows = diff_texts(old.text, new.text)
    context = {
        "consultation": consultation,
        "old": old,
        "new": new,
        "rows": rows,
        "changed": has_changes(rows),
        "versions": sorted(versions.values(), key=lambda v: v.number),
    }
    return render(request, "consultations/diff.html", context)


def _matrix_for(request: HttpRequest, pk: int):
    consultation = permissions.get_consultation_for_user(request.user, pk)
    if not permissions.can_see_matrix(request.user, consultation):
        raise PermissionDenied(_("The comment matrix is for the secretariat and coordinators."))
    return selectors.comment_matrix(selectors.consultation_with_record(consultation))


@members_only
@require_GET
def comment_matrix(request: HttpRequest, pk: int) -> HttpResponse:
    matrix = _matrix_for(request, pk)
    context = {
        "consultation": matrix.consultation,
        "matrix": matrix,
        "reader_zone": user_time_zone(request.user),
    }
    return render(request, "consultations/matrix.html", context)


@members_only
@require_GET
def comment_matrix_csv(request: HttpRequest, pk: int) -> HttpResponse:
    matrix = _matrix_for(request, pk)
    zone = user_time_zone(request.user)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="consultation-{pk}-matrix.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "member_state",
            "round",
            "counting_answer",
            "text",
            "answered_at",
            "time_zone",
            "superseded_answers",
            "position_in_result",
        ]
    )
    for state, cells in matrix.rows():
        for round_, line in zip(matrix.rounds, cells, strict=True):
            if line is None:
                continue
            answer = line.counting
            when = answer.answered_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if answer else ""
            writer.writerow(
                [
                    state.code,
                    round_.number,
                    answer.kind if answer else "",
                    answer.text if answer else "",
                    when,
                    zone.key,
                    len(line.superseded),
                    line.position,
                ]
            )
    return response


# --------------------------------------------------------------------------- secretariat


@members_only
@require_http_methods(["GET", "POST"])
def consultation_create(request: HttpRequest) -> HttpResponse:
    _secretariat_only(request)
    form = CirculateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = services.consultation_circulate(
                by=request.user,
                title=data["title"],
                text=data["text"],
                file=data["file"],
                body=data["body"],
                recipients=[state.code for state in data["recipients"]],
                time_zone=data["time_zone"],
                breaking_kinds=data["breaking_kinds"],
                close_on_break=data["close_on_break"],
                move_off_weekend=data["move_off_weekend"],
                **form.deadline_arguments(),
            )
        except services.Refused as refusal:
            _apply_refusal(form, refusal)
        else:
            messages.success(request, _("The draft is circulated."))
            return redirect(round_.consultation)
    status = 400 if request.method == "POST" else 200
    return render(request, "consultations/create.html", {"form": form}, status=status)


@members_only
@require_http_methods(["GET", "POST"])
def round_create(request: HttpRequest, pk: int) -> HttpResponse:
    _secretariat_only(request)
    consultation = permissions.get_consultation_for_user(request.user, pk)
    last = consultation.rounds.order_by("-number").first()
    form = NewRoundForm(
        request.POST or None, request.FILES or None, zone=last.time_zone if last else ""
    )
    if request.method == "GET" and last is not None:
        form.initial["text"] = last.version.text
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.round_open_next(
                by=request.user,
                consultation=consultation,
                text=data["text"],
                file=data["file"],
                note=data["note"],
                recipients=[state.code for state in data["recipients"]],
                time_zone=data["time_zone"],
                **form.deadline_arguments(),
            )
        except services.Refused as refusal:
            _apply_refusal(form, refusal)
        else:
            messages.success(request, _("The revised text is circulated in a new round."))
            return redirect(consultation)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "consultation": consultation, "last": last}
    return render(request, "consultations/new_round.html", context, status=status)


@members_only
@require_POST
def consultation_publish(request: HttpRequest, pk: int) -> HttpResponse:
    _secretariat_only(request)
    consultation = permissions.get_consultation_for_user(request.user, pk)
    public = request.POST.get("public") == "1"
    try:
        services.consultation_set_result_public(
            by=request.user, consultation=consultation, public=public
        )
    except services.Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request, _("The result is public.") if public else _("The result is members-only.")
        )
    return redirect(consultation)


# --------------------------------------------------------------------------- public results


@require_GET
def published_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "consultations/published_list.html",
        {"consultations": selectors.published_results()},
    )


@require_GET
def published_detail(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = get_object_or_404(selectors.published_results(), pk=pk)
    adopted = (
        Round.objects.filter(consultation=consultation, result__outcome=ResultOutcome.ADOPTED)
        .select_related("version", "result", "circular")
        .order_by("-number")
        .first()
    )
    context = {"consultation": consultation, "round": adopted}
    return render(request, "consultations/published_detail.html", context)
