"""API of the catalogue: VAT rates, services (direction writes, everybody reads) and the
prices that sites override (customer data: visibility applies, 404 for another rep's)."""

from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from creneau.catalog.models import Service, SitePrice, VatRate
from creneau.catalog.selectors import (
    SERVICE_SORTS,
    service_get,
    services_filter,
    site_get,
    site_prices_visible_to,
    user_manages_catalog,
    user_manages_site_prices,
    vat_rate_for_percent,
    vat_rates_all,
)
from creneau.catalog.services import (
    service_create,
    service_update,
    site_price_delete,
    site_price_set,
)
from creneau.core.api_params import BoundedLimitOffsetPagination, DbId
from creneau.core.api_text import text_of, text_up_to
from creneau.core.schemas import InputSchema, decimal_out, decimal_string
from creneau.core.text import SEARCH_MAX_LENGTH

router = Router(tags=["services"])

# Prices: 8 digits before the point and 4 after (the columns), never negative.
PriceIn = decimal_string(digits=8, places=4, description="Prix HT, ex. « 27.50 ».")
# VAT rates as a percentage, ex. "5.5".
VatPercentIn = decimal_string(digits=3, places=2, description="Taux en %, parmi les taux actifs.")


def decimal_text(value: Decimal | None, places: int) -> str | None:
    return None if value is None else f"{Decimal(value):.{places}f}"


class VatRateOut(Schema):
    id: int
    label: str
    rate: decimal_out(places=2, signed=False, description="Taux en pourcentage, ex. « 5.50 ».")
    exemption_wording: str
    is_active: bool

    @staticmethod
    def resolve_rate(obj: VatRate) -> str:
        return decimal_text(obj.rate, 2)


class ServiceOut(Schema):
    id: int
    code: str
    label: str
    description: str
    unit: str
    unit_label: str
    unit_price: decimal_out(places=4, signed=False, description="Prix unitaire HT.")
    vat_rate: decimal_out(places=2, signed=False)
    vat_rate_id: int
    is_personal_service: bool
    revenue_account: str
    is_active: bool
    images: list[str] = Field(description="Adresses des images (session ou jeton requis).")

    @staticmethod
    def resolve_unit_label(obj: Service) -> str:
        return str(obj.get_unit_display())

    @staticmethod
    def resolve_unit_price(obj: Service) -> str:
        return decimal_text(obj.unit_price, 4)

    @staticmethod
    def resolve_vat_rate(obj: Service) -> str:
        return decimal_text(obj.vat_rate.rate, 2)

    @staticmethod
    def resolve_images(obj: Service) -> list[str]:
        return [reverse("catalog:image", kwargs={"pk": image.pk}) for image in obj.images.all()]


class ServiceIn(InputSchema):
    code: text_of(Service, "code") | None = None
    label: text_of(Service, "label") | None = None
    description: text_of(Service, "description") | None = None
    unit: Service.Unit | None = None
    unit_price: PriceIn | None = None
    vat_rate: VatPercentIn | None = None
    vat_rate_id: DbId | None = None
    is_personal_service: bool | None = None
    revenue_account: text_of(Service, "revenue_account") | None = None
    is_active: bool | None = None


class ServiceCreateIn(ServiceIn):
    """A new service: a code, a label, a price, and a VAT rate (`vat_rate` or `vat_rate_id`)."""

    code: text_of(Service, "code")
    label: text_of(Service, "label")
    unit_price: PriceIn


class ServiceFilters(InputSchema):
    q: text_up_to(SEARCH_MAX_LENGTH) = ""
    unit: Literal["", *Service.Unit.values] = ""  # type: ignore[valid-type]
    active: Literal["1", "0", ""] = Field(
        "1", description="« 1 » actives (défaut), « 0 » inactives, « » toutes."
    )
    personal: Literal["1", "0", ""] = Field("", description="« 1 » services à la personne.")
    sort: Literal[tuple(SERVICE_SORTS)] = "code"  # type: ignore[valid-type]


class SitePriceOut(Schema):
    id: int
    site: int = Field(alias="site_id")
    customer: int
    service: int = Field(alias="service_id")
    service_code: str
    unit_price: decimal_out(places=4, signed=False)
    catalogue_price: decimal_out(places=4, signed=False)

    @staticmethod
    def resolve_customer(obj: SitePrice) -> int:
        return obj.site.customer_id

    @staticmethod
    def resolve_service_code(obj: SitePrice) -> str:
        return obj.service.code

    @staticmethod
    def resolve_unit_price(obj: SitePrice) -> str:
        return decimal_text(obj.unit_price, 4)

    @staticmethod
    def resolve_catalogue_price(obj: SitePrice) -> str:
        return decimal_text(obj.service.unit_price, 4)


class SitePriceIn(InputSchema):
    site: DbId
    service: DbId
    unit_price: PriceIn


class SitePricePatch(InputSchema):
    unit_price: PriceIn | None = None


class SitePriceFilters(InputSchema):
    site: DbId | None = None
    service: DbId | None = None


def resolve_vat_rate(vat_rate: Decimal | None, vat_rate_id: int | None) -> VatRate | None:
    """A VAT rate given by percentage or id; it must be in the active list."""
    if vat_rate_id is not None:
        found = VatRate.objects.filter(pk=vat_rate_id, is_active=True).first()
    elif vat_rate is not None:
        found = vat_rate_for_percent(vat_rate)
    else:
        return None
    if found is None:
        rates = ", ".join(rate.rate_display for rate in vat_rates_all().filter(is_active=True))
        raise ValidationError(
            {
                "vat_rate": _("Taux de TVA inconnu ou inactif : choisissez parmi %(rates)s.")
                % {"rates": rates}
            }
        )
    return found


def _require_catalog_manager(request: HttpRequest) -> None:
    if not user_manages_catalog(request.user):
        raise HttpError(403, _("Seule la direction gère le catalogue."))


def _service_fields(payload: ServiceIn) -> dict:
    fields = payload.dict(exclude_unset=True, exclude={"vat_rate", "vat_rate_id"})
    rate = resolve_vat_rate(payload.vat_rate, payload.vat_rate_id)
    if rate is not None:
        fields["vat_rate"] = rate
    return {name: value for name, value in fields.items() if value is not None}


@router.get("/vat-rates", response=list[VatRateOut], summary="Taux de TVA")
def vat_rate_list(request: HttpRequest):
    return list(vat_rates_all())


@router.get("/services", response=list[ServiceOut], summary="Prestations du catalogue")
@paginate(BoundedLimitOffsetPagination)
def service_list(request: HttpRequest, filters: Query[ServiceFilters]):
    return services_filter(filters=filters.dict()).prefetch_related("images")


@router.get("/services/{service_id}", response=ServiceOut)
def service_detail(request: HttpRequest, service_id: DbId):
    return service_get(pk=service_id)


@router.post("/services", response={201: ServiceOut})
def service_add(request: HttpRequest, payload: ServiceCreateIn):
    _require_catalog_manager(request)
    fields = _service_fields(payload)
    if "vat_rate" not in fields:
        raise ValidationError({"vat_rate": _("Choisissez un taux de TVA.")})
    service = service_create(by=request.user, **fields)
    return Status(201, service_get(pk=service.pk))


@router.patch("/services/{service_id}", response=ServiceOut)
def service_change(request: HttpRequest, service_id: DbId, payload: ServiceIn):
    _require_catalog_manager(request)
    service = service_get(pk=service_id)
    service_update(service=service, by=request.user, **_service_fields(payload))
    return service_get(pk=service_id)


def _site_price_get(request: HttpRequest, price_id: DbId) -> SitePrice:
    return get_object_or_404(site_prices_visible_to(request.user), pk=price_id)


def _require_price_manager(request: HttpRequest) -> None:
    if not user_manages_site_prices(request.user):
        raise HttpError(403, _("Vous ne pouvez pas modifier les prix des sites."))


@router.get("/site-prices", response=list[SitePriceOut], summary="Prix propres aux sites")
@paginate(BoundedLimitOffsetPagination)
def site_price_list(request: HttpRequest, filters: Query[SitePriceFilters]):
    prices = site_prices_visible_to(request.user).order_by("site_id", "service__code", "id")
    if filters.site is not None:
        prices = prices.filter(site_id=filters.site)
    if filters.service is not None:
        prices = prices.filter(service_id=filters.service)
    return prices


@router.post("/site-prices", response={201: SitePriceOut}, summary="Fixer le prix d'un site")
def site_price_add(request: HttpRequest, payload: SitePriceIn):
    """Create or change the price of a service on a site (one price per site and service)."""
    site = site_get(user=request.user, pk=payload.site)
    _require_price_manager(request)
    service = get_object_or_404(Service, pk=payload.service)
    price = site_price_set(
        site=site, service=service, unit_price=payload.unit_price, by=request.user
    )
    return Status(201, _site_price_get(request, price.pk))


@router.get("/site-prices/{price_id}", response=SitePriceOut)
def site_price_detail(request: HttpRequest, price_id: DbId):
    return _site_price_get(request, price_id)


@router.patch("/site-prices/{price_id}", response=SitePriceOut)
def site_price_change(request: HttpRequest, price_id: DbId, payload: SitePricePatch):
    price = _site_price_get(request, price_id)
    _require_price_manager(request)
    if payload.unit_price is not None:
        site_price_set(
            site=price.site, service=price.service, unit_price=payload.unit_price, by=request.user
        )
    return _site_price_get(request, price_id)


@router.delete("/site-prices/{price_id}", response={204: None})
def site_price_remove(request: HttpRequest, price_id: DbId):
    price = _site_price_get(request, price_id)
    _require_price_manager(request)
    site_price_delete(price=price, by=request.user)
    return Status(204, None)
