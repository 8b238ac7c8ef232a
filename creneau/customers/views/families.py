"""Families of customers (Particuliers, Syndics, Banques...): a list that direction manages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creneau.core.roles import user_is_direction
from creneau.customers.forms import FamilyForm, add_service_error
from creneau.customers.models import Family
from creneau.customers.selectors import families_with_customer_counts
from creneau.customers.services import family_create, family_delete, family_update


def _require_direction(request: HttpRequest) -> None:
    if not user_is_direction(request.user):
        raise PermissionDenied


def _page(
    request: HttpRequest, *, form: FamilyForm, rename_form: FamilyForm | None = None
) -> HttpResponse:
    """The page, or only its table for htmx (an inline rename)."""
    context = {
        "families": families_with_customer_counts(),
        "form": form,
        "rename_form": rename_form,
        "renaming": rename_form.instance.pk if rename_form else None,
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "customers/_family_table.html", context)
    return render(request, "customers/family_list.html", context)


def family_list(request: HttpRequest) -> HttpResponse:
    """The list, and the form that adds a family."""
    _require_direction(request)
    form = FamilyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            family = family_create(by=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Famille « %(name)s » ajoutée.") % {"name": family.name})
            return redirect("customers:family_list")
    return _page(request, form=form)


def family_rename(request: HttpRequest, pk: int) -> HttpResponse:
    _require_direction(request)
    family = get_object_or_404(Family, pk=pk)
    rename_form = FamilyForm(request.POST or None, instance=Family(pk=family.pk, name=family.name))
    if request.method == "POST" and rename_form.is_valid():
        try:
            family_update(family=family, by=request.user, name=rename_form.cleaned_data["name"])
        except ValidationError as error:
            add_service_error(rename_form, error)
        else:
            messages.success(request, _("Famille renommée."))
            return redirect("customers:family_list")
    return _page(request, form=FamilyForm(), rename_form=rename_form)


@require_POST
def family_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_direction(request)
    family = get_object_or_404(Family, pk=pk)
    family_delete(family=family, by=request.user)
    messages.success(
        request,
        _("Famille « %(name)s » supprimée ; ses clients n'ont plus de famille.")
        % {"name": family.name},
    )
    return redirect("customers:family_list")
