"""Reads of the catalogue. The catalogue itself is company data that every staff role reads;
site prices are customer data, reached only through sites_visible_to()."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from creneau.catalog.models import Service, ServiceImage, SitePrice, VatRate
from creneau.core.collation import french_collate
from creneau.core.roles import Role, user_is_direction, user_role
from creneau.core.text import SEARCH_MAX_LENGTH
from creneau.customers.models import Site
from creneau.customers.selectors import AnyUser, sites_visible_to


def user_manages_catalog(user: AnyUser) -> bool:
    """Direction manages the catalogue and the VAT rates; the other roles read them."""
    return user_is_direction(user)


def user_manages_site_prices(user: AnyUser) -> bool:
    """Who sets a site's prices: direction, and a sales rep on its own customers' sites."""
    return user_role(user) in (Role.DIRECTION, Role.SALES)


def vat_rates_active() -> QuerySet[VatRate]:
    return VatRate.objects.filter(is_active=True).order_by("position", "-rate", "id")


def vat_rates_all() -> QuerySet[VatRate]:
    return VatRate.objects.order_by("position", "-rate", "id")


def vat_rate_for_percent(rate: Decimal | str) -> VatRate | None:
    """The active VAT rate of that percentage (the first in the list's order), if any."""
    try:
        value = Decimal(str(rate))
    except ArithmeticError:
        return None
    if not value.is_finite() or not 0 <= value <= 100:
        return None
    return vat_rates_active().filter(rate=value).first()


SERVICE_SORTS = {
    "code": ("code",),
    "-code": ("-code",),
    # Labels in the French order, capitals and accents aside.
    "label": (french_collate("label"), "code"),
    "-label": (french_collate("label").desc(), "code"),
    "price": ("unit_price", "code"),
    "-price": ("-unit_price", "code"),
}


def services_filter(*, filters: dict[str, Any]) -> QuerySet[Service]:
    """Services matching the catalogue list's filters: q (code, label or description), unit,
    active ("1" by default, "0", or "" for all), personal ("1"/"0"), sort."""
    services = Service.objects.select_related("vat_rate")
    # What a search box reads (core.text): a thousand words would make a condition too
    # deep for SQLite.
    if q := (filters.get("q") or "").strip()[:SEARCH_MAX_LENGTH]:
        for term in q.split():
            services = services.filter(
                Q(code__icontains=term) | Q(label__icontains=term) | Q(description__icontains=term)
            )
    if unit := filters.get("unit"):
        services = services.filter(unit=unit)
    active = filters.get("active", "1")
    if active in ("1", True):
        services = services.filter(is_active=True)
    elif active in ("0", False):
        services = services.filter(is_active=False)
    personal = filters.get("personal")
    if personal in ("1", "0"):
        services = services.filter(is_personal_service=personal == "1")
    order = SERVICE_SORTS.get(filters.get("sort") or "code", SERVICE_SORTS["code"])
    return services.order_by(*order)


def services_with_images() -> QuerySet[Service]:
    return Service.objects.select_related("vat_rate").prefetch_related(
        Prefetch("images", queryset=ServiceImage.objects.order_by("position", "id"))
    )


def service_get(*, pk: int) -> Service:
    return get_object_or_404(services_with_images(), pk=pk)


def service_image_get(*, pk: int) -> ServiceImage:
    return get_object_or_404(ServiceImage.objects.select_related("service"), pk=pk)


def site_prices_visible_to(user: AnyUser) -> QuerySet[SitePrice]:
    return SitePrice.objects.filter(site__in=sites_visible_to(user)).select_related(
        "site", "service", "service__vat_rate"
    )


def site_get(*, user: AnyUser, pk: int) -> Site:
    """A visible site, or 404."""
    return get_object_or_404(sites_visible_to(user).select_related("customer"), pk=pk)


def site_prices_of(*, site: Site) -> QuerySet[SitePrice]:
    return (
        SitePrice.objects.filter(site=site)
        .select_related("service", "service__vat_rate")
        .order_by("service__code")
    )


def service_price_for_site(*, service: Service, site: Site | None) -> Decimal:
    """The unit price of a service on a site: the site's own price if it has one, else the
    catalogue's."""
    if site is not None:
        override = (
            SitePrice.objects.filter(site=site, service=service)
            .values_list("unit_price", flat=True)
            .first()
        )
        if override is not None:
            return override
    return service.unit_price
