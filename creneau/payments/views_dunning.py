"""Pages of the dunning run (Relances): the runs and a new one at a date, the preview with
its reminders to untick (HTMX, saved at once), the sending, then the result (sent,
dropped and why, e-mails, the letters to print). Direction and accounting only
(payments.rules.user_may_run_dunning): 404 for the roles that read no payment, 403 for a
sales rep."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from creneau.core.params import parse_id
from creneau.core.pdf import pdf_response
from creneau.core.roles import user_sees_outbox
from creneau.payments.dunning import dunning_date_check, dunning_run_create, dunning_run_exclude
from creneau.payments.dunning_send import (
    dropped_items,
    dunning_letter_preview,
    dunning_run_resume,
    dunning_run_send,
    letter_filename,
    letters_filename,
    run_counts,
)
from creneau.payments.models import DunningRun, Reminder, ReminderInvoice
from creneau.payments.rules import user_may_run_dunning, user_sees_payments

PAGE_SIZE = 50
RUNS_PAGE_SIZE = 20


class DunningRunForm(forms.Form):
    as_of = forms.DateField(
        label=gettext_lazy("À la date du"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
        help_text=gettext_lazy("Les délais des niveaux se comptent jusqu'à cette date."),
    )

    def clean_as_of(self):
        try:
            return dunning_date_check(self.cleaned_data["as_of"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["as_of"]) from error


def _require_runner(request: HttpRequest) -> None:
    if not user_sees_payments(request.user):
        raise Http404
    if not user_may_run_dunning(request.user):
        raise PermissionDenied(_("Votre rôle ne permet pas de lancer les relances."))


def _run(pk: int) -> DunningRun:
    return get_object_or_404(DunningRun, pk=parse_id(pk) or 0)


def run_list(request: HttpRequest) -> HttpResponse:
    """Relances: a new run at a date (today by default), and the runs before."""
    _require_runner(request)
    form = DunningRunForm(request.POST or None, initial={"as_of": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        run = dunning_run_create(as_of=form.cleaned_data["as_of"], by=request.user)
        return redirect("payments:dunning_run", pk=run.pk)
    runs = DunningRun.objects.select_related("created_by").annotate(
        reminders_count=Count("reminders", filter=Q(reminders__excluded=False)),
        sent_count=Count("reminders", filter=Q(reminders__status=Reminder.Status.SENT)),
        amount=Sum("reminders__amount_due", filter=Q(reminders__excluded=False)),
    )
    page = Paginator(runs.order_by("-created_at", "-id"), RUNS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "payments/dunning/run_list.html", {"form": form, "page": page})


def _reminders(run: DunningRun):
    items = ReminderInvoice.objects.select_related("invoice").order_by(
        "invoice__due_date", "invoice_id"
    )
    return (
        run.reminders.select_related("customer", "level")
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by("customer__name", "customer_id", "billing_group")
    )


def _totals(run: DunningRun) -> dict:
    return run.reminders.filter(excluded=False).aggregate(
        count=Count("id"), amount=Sum("amount_due"), fees=Sum("fees")
    )


def _preview_context(request: HttpRequest, run: DunningRun) -> dict:
    page = Paginator(_reminders(run), PAGE_SIZE).get_page(request.GET.get("page"))
    for reminder in page.object_list:
        reminder.item_list = list(reminder.items.all())
        for item in reminder.item_list:
            item.days_late = (run.as_of - item.invoice.due_date).days
            item.charges = item.fee + item.indemnity + item.interest
    return {"run": run, "page": page, "totals": _totals(run)}


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview (to untick and send) or the result, by the run's status."""
    _require_runner(request)
    run = _run(pk)
    if run.status == DunningRun.Status.PREVIEW:
        return render(request, "payments/dunning/run_preview.html", _preview_context(request, run))
    sent = (
        run.reminders.filter(status=Reminder.Status.SENT)
        .select_related("customer", "level", "email")
        .order_by("customer__name", "customer_id", "billing_group")
    )
    page = Paginator(sent, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "run": run,
        "counts": run_counts(run),
        "dropped": dropped_items(run),
        "page": page,
        "sees_outbox": user_sees_outbox(request.user),
    }
    return render(request, "payments/dunning/run_result.html", context)


@require_POST
def reminder_toggle(request: HttpRequest, pk: int, reminder_pk: int) -> HttpResponse:
    """Tick or untick a proposed reminder: its block comes back, with the totals out of
    band."""
    _require_runner(request)
    run = _run(pk)
    reminder = get_object_or_404(run.reminders, pk=parse_id(reminder_pk) or 0)
    try:
        dunning_run_exclude(
            run=run,
            by=request.user,
            excluded=request.POST.get("included") != "1",
            reminder_ids=[reminder.pk],
        )
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=422)
    reminder = _reminders(run).get(pk=reminder.pk)
    context = _preview_context(request, run)
    shown = next((item for item in context["page"].object_list if item.pk == reminder.pk), None)
    context["reminder"] = shown or reminder
    if shown is None:
        reminder.item_list = list(reminder.items.all())
    return render(request, "payments/dunning/partials/reminder_toggled.html", context)


@require_POST
def run_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Envoyer: each ticked reminder is checked again and sent; the page shows the result."""
    _require_runner(request)
    run = _run(pk)
    try:
        dunning_run_send(run=run, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Les relances sont envoyées."))
    return redirect("payments:dunning_run", pk=run.pk)


@require_POST
def run_resume(request: HttpRequest, pk: int) -> HttpResponse:
    _require_runner(request)
    run = _run(pk)
    try:
        dunning_run_resume(run=run, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("payments:dunning_run", pk=run.pk)


def run_letters(request: HttpRequest, pk: int) -> HttpResponse:
    """The letters of a sent run, in one PDF to print (from the private storage)."""
    _require_runner(request)
    run = _run(pk)
    if not run.letters_pdf:
        raise Http404
    with run.letters_pdf.open("rb") as handle:
        content = handle.read()
    return pdf_response(content, letters_filename(run.as_of), inline=False)


def reminder_letter(request: HttpRequest, pk: int, reminder_pk: int) -> HttpResponse:
    """One reminder's letter, as it prints today (from the preview: "Voir le courrier")."""
    _require_runner(request)
    run = _run(pk)
    reminder = get_object_or_404(
        run.reminders.select_related("customer", "level", "run"), pk=parse_id(reminder_pk) or 0
    )
    return pdf_response(dunning_letter_preview(reminder=reminder), letter_filename(reminder))
