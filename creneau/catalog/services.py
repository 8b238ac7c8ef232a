"""Writes of the catalogue: VAT rates, services, their images, and site prices.

Callers have checked who may write: direction for the catalogue (user_manages_catalog),
direction or the customer's sales rep for a site's prices (user_manages_site_prices, on a
site reached through sites_visible_to).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from creneau.catalog.images import clean_image
from creneau.catalog.models import Service, ServiceImage, SitePrice, VatRate
from creneau.core.models import AuditEvent
from creneau.core.services import audit_record, fields_apply, model_changes, model_snapshot
from creneau.customers.models import Site

VAT_RATE_FIELDS = ["label", "rate", "exemption_wording", "position", "is_active"]
SERVICE_FIELDS = [
    "code", "label", "description", "unit", "unit_price", "vat_rate", "is_personal_service",
    "revenue_account", "is_active",
]  # fmt: skip


def _save_with_audit(instance: Any, fields: list[str], before: dict | None, by: User | None):
    """Validate, save and record the change (a creation when `before` is None)."""
    instance.full_clean()
    if before is not None:
        changes = model_changes(before, model_snapshot(instance, fields))
        if not changes:
            return instance
    with transaction.atomic():
        instance.save()
        if before is None:
            audit_record(by=by, action=AuditEvent.Action.CREATE, instance=instance)
        else:
            audit_record(by=by, action=AuditEvent.Action.UPDATE, instance=instance, changes=changes)
    return instance


def _check_vat_rate(rate: VatRate) -> None:
    if rate.rate == 0 and not rate.exemption_wording.strip():
        raise ValidationError(
            {
                "exemption_wording": _(
                    "Un taux nul doit porter sa mention d'exonération "
                    "(ex. « TVA non applicable, art. 293 B du CGI »)."
                )
            }
        )


def vat_rate_create(*, by: User | None, **fields: Any) -> VatRate:
    rate = VatRate()
    fields_apply(rate, fields, VAT_RATE_FIELDS)
    _check_vat_rate(rate)
    return _save_with_audit(rate, VAT_RATE_FIELDS, None, by)


def vat_rate_update(*, vat_rate: VatRate, by: User | None, **fields: Any) -> VatRate:
    """Change a VAT rate. Its percentage is fixed once a document uses it: create a new rate
    and deactivate this one instead (the documents keep the rate they were made with)."""
    before = model_snapshot(vat_rate, VAT_RATE_FIELDS)
    fields_apply(vat_rate, fields, VAT_RATE_FIELDS)
    _check_vat_rate(vat_rate)
    if Decimal(str(vat_rate.rate)) != Decimal(before["rate"]) and _vat_rate_used(vat_rate):
        raise ValidationError(
            {"rate": _("Ce taux est déjà utilisé : créez un nouveau taux et désactivez celui-ci.")}
        )
    return _save_with_audit(vat_rate, VAT_RATE_FIELDS, before, by)


def _vat_rate_used(vat_rate: VatRate) -> bool:
    """Whether a service or a document line (quotes, invoices: whatever points here) uses it."""
    relations = [
        field
        for field in VatRate._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete and field.one_to_many
    ]
    return any(
        relation.related_model._default_manager.filter(**{relation.field.name: vat_rate}).exists()
        for relation in relations
    )


def _check_service(service: Service, *, rate_changed: bool = True) -> None:
    service.code = (service.code or "").strip().upper()
    # Keeping an inactive rate on an old service is allowed; choosing one is not.
    if rate_changed and service.vat_rate_id and not service.vat_rate.is_active:
        raise ValidationError(
            {"vat_rate": _("Ce taux de TVA n'est plus actif : choisissez un taux de la liste.")}
        )


def service_create(*, by: User | None, **fields: Any) -> Service:
    service = Service()
    fields_apply(service, fields, SERVICE_FIELDS)
    _check_service(service)
    return _save_with_audit(service, SERVICE_FIELDS, None, by)


def service_update(*, service: Service, by: User | None, **fields: Any) -> Service:
    before = model_snapshot(service, SERVICE_FIELDS)
    previous_rate = service.vat_rate_id
    fields_apply(service, fields, SERVICE_FIELDS)
    _check_service(service, rate_changed=service.vat_rate_id != previous_rate)
    return _save_with_audit(service, SERVICE_FIELDS, before, by)


def service_image_add(*, service: Service, upload, by: User | None) -> ServiceImage:
    """Add an image at the end of a service's images, after checking it is one."""
    clean = clean_image(upload)
    last = service.images.order_by("-position").values_list("position", flat=True).first()
    image = ServiceImage(
        service=service,
        width=clean.width,
        height=clean.height,
        position=(last + 1) if last is not None else 0,
    )
    with transaction.atomic():
        image.image.save(clean.content.name, clean.content, save=False)
        image.save()
        audit_record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            instance=service,
            message=_("Image ajoutée : %(name)s") % {"name": image.image.name.rsplit("/", 1)[-1]},
        )
    return image


def service_image_delete(*, image: ServiceImage, by: User | None) -> None:
    service = image.service
    name = image.image.name
    with transaction.atomic():
        image.delete()
        audit_record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            instance=service,
            message=_("Image supprimée : %(name)s") % {"name": name.rsplit("/", 1)[-1]},
        )
        storage = image.image.storage
        transaction.on_commit(lambda: storage.delete(name))


def service_image_move(*, image: ServiceImage, by: User | None, up: bool) -> None:
    """Swap an image with its neighbour, to choose which one shows first."""
    images = list(image.service.images.order_by("position", "id"))
    index = next(i for i, other in enumerate(images) if other.pk == image.pk)
    other_index = index - 1 if up else index + 1
    if not 0 <= other_index < len(images):
        return
    images[index], images[other_index] = images[other_index], images[index]
    with transaction.atomic():
        for position, each in enumerate(images):
            if each.position != position:
                ServiceImage.objects.filter(pk=each.pk).update(position=position)


def site_price_set(
    *, site: Site, service: Service, unit_price: Decimal, by: User | None
) -> SitePrice:
    """Set (create or change) a site's own price for a service."""
    price = SitePrice.objects.filter(site=site, service=service).first()
    created = price is None
    before = None if created else str(price.unit_price)
    if created:
        price = SitePrice(site=site, service=service)
    price.unit_price = unit_price
    price.full_clean()
    with transaction.atomic():
        price.save()
        audit_record(
            by=by,
            action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
            instance=price,
            customer=site.customer,
            changes={} if created else {"unit_price": [before, str(price.unit_price)]},
        )
    return price


def site_price_delete(*, price: SitePrice, by: User | None) -> None:
    with transaction.atomic():
        audit_record(
            by=by, action=AuditEvent.Action.DELETE, instance=price, customer=price.site.customer
        )
        price.delete()
