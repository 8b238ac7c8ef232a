"""Pages of the catalogue (Paramètres > Catalogue, Taux de TVA) and of a site's prices."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creneau.catalog.forms import (
    ServiceFilterForm,
    ServiceForm,
    ServiceImageForm,
    SitePriceForm,
    VatRateForm,
)
from creneau.catalog.models import Service, VatRate
from creneau.catalog.selectors import (
    service_get,
    service_image_get,
    services_filter,
    site_get,
    site_prices_of,
    user_manages_catalog,
    user_manages_site_prices,
    vat_rates_all,
)
from creneau.catalog.services import (
    service_create,
    service_image_add,
    service_image_delete,
    service_image_move,
    service_update,
    site_price_delete,
    site_price_set,
    vat_rate_create,
    vat_rate_update,
)
from creneau.core.csv_export import csv_response, decimal_places
from creneau.core.lists import render_list

PAGE_SIZE = 25


def _require_manager(request: HttpRequest) -> None:
    if not user_manages_catalog(request.user):
        raise PermissionDenied(_("Seule la direction gère le catalogue."))


def _save(form, request: HttpRequest, write) -> bool:
    """Run a service on a valid form; its ValidationError goes back to the form's fields."""
    if not form.is_valid():
        return False
    try:
        write(form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return False
    messages.success(request, _("Enregistré."))
    return True


def service_list(request: HttpRequest) -> HttpResponse:
    """The list; an htmx request from its filters, sort links or pages gets only the results."""
    filters = ServiceFilterForm(request.GET or None)
    services = services_filter(filters=request.GET.dict())
    page = Paginator(services, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "sort": request.GET.get("sort") or "code",
        "can_manage": user_manages_catalog(request.user),
    }
    return render_list(
        request,
        page="catalog/service_list.html",
        results="catalog/partials/list_results.html",
        results_id="service-results",
        context=context,
    )


def service_export(request: HttpRequest) -> HttpResponse:
    """The catalogue list's current filter as CSV (semicolons and a BOM, for French Excel)."""
    rows = (
        [
            service.code,
            service.label,
            service.get_unit_display(),
            decimal_places(service.unit_price, 4),
            decimal_places(service.vat_rate.rate, 2),
            _("oui") if service.is_personal_service else _("non"),
            service.revenue_account,
            _("oui") if service.is_active else _("non"),
        ]
        for service in services_filter(filters=request.GET.dict())
    )
    header = [_("Code"), _("Libellé"), _("Unité"), _("Prix HT"), _("TVA (%)"),
              _("Services à la personne"), _("Compte de produits"), _("Active")]  # fmt: skip
    return csv_response(
        filename=f"catalogue-{timezone.localdate():%Y-%m-%d}.csv", header=header, rows=rows
    )


def service_new(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = ServiceForm(request.POST or None)
    if request.method == "POST" and _save(
        form, request, lambda data: setattr(form, "saved", service_create(by=request.user, **data))
    ):
        return redirect("catalog:detail", pk=form.saved.pk)
    return render(request, "catalog/service_form.html", {"form": form, "service": None})


def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A service: its form for direction, a read-only sheet for the other roles."""
    service = service_get(pk=pk)
    can_manage = user_manages_catalog(request.user)
    form = ServiceForm(request.POST or None, instance=service)
    if request.method == "POST":
        _require_manager(request)
        service = Service.objects.get(pk=pk)  # the form's instance has the typed values
        if _save(
            form, request, lambda data: service_update(service=service, by=request.user, **data)
        ):
            return redirect("catalog:detail", pk=pk)
    return render(
        request,
        "catalog/service_form.html",
        {
            "form": form,
            "service": service,
            "can_manage": can_manage,
            "image_form": ServiceImageForm(),
            "images": list(service.images.all()),
        },
    )


@require_POST
def service_image_upload(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    service = service_get(pk=pk)
    form = ServiceImageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            service_image_add(service=service, upload=form.cleaned_data["image"], by=request.user)
            messages.success(request, _("Image ajoutée."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, " ".join(form.errors.get("image", [_("Choisissez une image.")])))
    return redirect("catalog:detail", pk=pk)


def service_image(request: HttpRequest, pk: int) -> FileResponse:
    """A service image, for logged-in staff only (the storage is private)."""
    image = service_image_get(pk=pk)
    response = FileResponse(image.image.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def service_image_remove(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    image = service_image_get(pk=pk)
    service_image_delete(image=image, by=request.user)
    messages.success(request, _("Image supprimée."))
    return redirect("catalog:detail", pk=image.service_id)


@require_POST
def service_image_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    image = service_image_get(pk=pk)
    service_image_move(image=image, by=request.user, up=request.POST.get("direction") == "up")
    return redirect("catalog:detail", pk=image.service_id)


def vat_rate_list(request: HttpRequest) -> HttpResponse:
    """The VAT rates, and (for direction) a form to add one."""
    can_manage = user_manages_catalog(request.user)
    form = VatRateForm(request.POST or None)
    if request.method == "POST":
        _require_manager(request)
        if _save(form, request, lambda data: vat_rate_create(by=request.user, **data)):
            return redirect("catalog:vat_rates")
    return render(
        request,
        "catalog/vat_rate_list.html",
        {"rates": vat_rates_all(), "form": form, "can_manage": can_manage},
    )


def vat_rate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    rate = get_object_or_404(VatRate, pk=pk)
    form = VatRateForm(request.POST or None, instance=rate)
    if request.method == "POST":
        rate = VatRate.objects.get(pk=pk)
        if _save(
            form, request, lambda data: vat_rate_update(vat_rate=rate, by=request.user, **data)
        ):
            return redirect("catalog:vat_rates")
    return render(request, "catalog/vat_rate_form.html", {"form": form, "rate": rate})


def site_prices(request: HttpRequest, pk: int) -> HttpResponse:
    """A site's own prices: the catalogue price is used for every service not listed."""
    site = site_get(user=request.user, pk=pk)
    can_manage = user_manages_site_prices(request.user)
    form = SitePriceForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("Vous ne pouvez pas modifier les prix des sites."))
        if _save(
            form,
            request,
            lambda data: site_price_set(site=site, by=request.user, **data),
        ):
            return redirect(request.get_full_path())
    return render(
        request,
        "catalog/site_prices.html",
        {
            "site": site,
            "customer": site.customer,
            "prices": site_prices_of(site=site),
            "form": form,
            "can_manage": can_manage,
            "back": _safe_back(request),
        },
    )


def _safe_back(request: HttpRequest) -> str:
    """Where "Retour" leads (the quote editor that linked here), if it is a local path."""
    back = request.GET.get("back", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        return back
    return ""


@require_POST
def site_price_remove(request: HttpRequest, pk: int, price_pk: int) -> HttpResponse:
    site = site_get(user=request.user, pk=pk)
    price = get_object_or_404(site_prices_of(site=site), pk=price_pk)
    if not user_manages_site_prices(request.user):
        raise PermissionDenied(_("Vous ne pouvez pas modifier les prix des sites."))
    site_price_delete(price=price, by=request.user)
    messages.success(request, _("Prix du site supprimé : le prix du catalogue s'applique."))
    return redirect("catalog:site_prices", pk=site.pk)
