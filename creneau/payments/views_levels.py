"""Paramètres > Relances: the dunning levels (list, add, change, deactivate or reactivate,
delete an unused one), with the placeholders beside the text and a preview of it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creneau.billing.views.common import errors_to_form
from creneau.payments.dunning_text import PLACEHOLDERS
from creneau.payments.forms_dunning import ReminderLevelForm
from creneau.payments.levels import (
    reminder_level_create,
    reminder_level_delete,
    reminder_level_preview,
    reminder_level_set_active,
    reminder_level_update,
)
from creneau.payments.models import Reminder, ReminderLevel
from creneau.payments.rules import user_may_set_dunning_levels


def _require_direction(request: HttpRequest) -> None:
    # Settings, not customer data: 403 like the other Paramètres pages.
    if not user_may_set_dunning_levels(request.user):
        raise PermissionDenied(_("Seule la direction règle les relances."))


def _placeholders() -> list[tuple[str, str]]:
    return [(f"{{{name}}}", description) for name, description in PLACEHOLDERS.items()]


def level_list(request: HttpRequest) -> HttpResponse:
    _require_direction(request)
    levels = ReminderLevel.objects.annotate(
        used=Exists(Reminder.objects.filter(level_id=OuterRef("pk")))
    ).order_by("rank")
    return render(request, "payments/levels/list.html", {"levels": list(levels)})


def _form_page(
    request: HttpRequest, form: ReminderLevelForm, level: ReminderLevel | None
) -> HttpResponse:
    values = form.data if form.is_bound else form.initial
    context = {
        "form": form,
        "level": level,
        "placeholders": _placeholders(),
        "preview": reminder_level_preview(
            subject=values.get("subject", ""), body=values.get("body", "")
        ),
    }
    return render(request, "payments/levels/form.html", context)


def level_new(request: HttpRequest) -> HttpResponse:
    _require_direction(request)
    if request.method == "POST":
        form = ReminderLevelForm(request.POST)
        if form.is_valid():
            try:
                level = reminder_level_create(by=request.user, **form.service_fields())
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                messages.success(request, _("Niveau « %(name)s » ajouté.") % {"name": level.name})
                return redirect("payments:levels")
    else:
        used_ranks = set(ReminderLevel.objects.values_list("rank", flat=True))
        free = next((rank for rank in range(1, 10) if rank not in used_ranks), None)
        form = ReminderLevelForm(
            initial={"rank": free, "channel": "email", "fee": 0, "active": True}
        )
    return _form_page(request, form, None)


def level_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_direction(request)
    level = get_object_or_404(ReminderLevel, pk=pk)
    form = ReminderLevelForm.for_level(level, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reminder_level_update(level=level, by=request.user, **form.service_fields())
        except ValidationError as error:
            errors_to_form(form, error)
            level.refresh_from_db()
        else:
            messages.success(request, _("Niveau « %(name)s » enregistré.") % {"name": level.name})
            return redirect("payments:levels")
    return _form_page(request, form, level)


@require_POST
def level_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Désactiver / Réactiver."""
    _require_direction(request)
    level = get_object_or_404(ReminderLevel, pk=pk)
    try:
        reminder_level_set_active(level=level, by=request.user, active=not level.active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if level.active:
            messages.success(request, _("Niveau « %(name)s » réactivé.") % {"name": level.name})
        else:
            messages.success(request, _("Niveau « %(name)s » désactivé.") % {"name": level.name})
    return redirect("payments:levels")


@require_POST
def level_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_direction(request)
    level = get_object_or_404(ReminderLevel, pk=pk)
    try:
        reminder_level_delete(level=level, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Niveau « %(name)s » supprimé.") % {"name": level.name})
    return redirect("payments:levels")


@require_POST
def level_preview(request: HttpRequest) -> HttpResponse:
    """The preview of the form's subject and text, as they are typed (htmx)."""
    _require_direction(request)
    subject = request.POST.get("subject", "")[:200]
    body = request.POST.get("body", "")[:5000]
    return render(
        request,
        "payments/levels/_preview.html",
        {"preview": reminder_level_preview(subject=subject, body=body)},
    )
