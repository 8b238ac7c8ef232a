"""Demo data for the catalogue and quotes: `demo_quotes()`, called by the demo command.

Idempotent: services are created by code when missing (never overwritten), and the demo
quotes are made only when there is no quote yet. Quotes go to the customers already in
the database (a few are created if there are none).
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from creneau.catalog.defaults import default_vat_rates_ensure
from creneau.catalog.models import Service, VatRate
from creneau.catalog.services import service_create, service_image_add, site_price_set
from creneau.core.roles import Role
from creneau.customers.models import Customer, Site
from creneau.customers.services import customer_create, site_create
from creneau.quotes.models import Quote
from creneau.quotes.services import (
    quote_accept,
    quote_create,
    quote_finalize,
    quote_line_add,
    quote_refuse,
    quotes_expire,
)

H, VISIT, M2, FLAT, PIECE = "hour", "visit", "m2", "flat", "piece"
# (code, label, description, unit, price excl. VAT, VAT %, services à la personne, account)
SERVICES = [
    ("NET-BUR", "Nettoyage de bureaux", "Dépoussiérage des postes, vidage des corbeilles, "
     "aspiration et lavage des sols, sanitaires.", H, "26.5000", "20", False, "706100"),
    ("NET-PC", "Entretien des parties communes", "Hall, escaliers, paliers et ascenseur ; "
     "sortie des conteneurs.", VISIT, "68.0000", "20", False, "706100"),
    ("NET-FIN", "Nettoyage de fin de chantier", "Enlèvement des gravats fins, lessivage, "
     "décollage des traces de peinture et de plâtre.", M2, "4.2000", "20", False, "706100"),
    ("VIT-STD", "Nettoyage de vitres", "Vitres et encadrements, faces intérieure et "
     "extérieure, jusqu'à 3 m de hauteur.", M2, "2.3500", "20", False, "706200"),
    ("VIT-NAC", "Vitrerie en hauteur (nacelle)", "Façade vitrée, nacelle et opérateur "
     "compris.", FLAT, "480.0000", "20", False, "706200"),
    ("MNT-CLIM", "Maintenance de climatisation", "Nettoyage des filtres, contrôle "
     "d'étanchéité et rapport d'intervention.", PIECE, "95.0000", "20", False, "706300"),
    ("MNT-PLB", "Petite plomberie", "Recherche de fuite, remplacement de joints ou de "
     "robinetterie (fournitures en sus).", H, "52.0000", "10", False, "706300"),
    ("JAR-TON", "Tonte de pelouse", "Tonte, ramassage et évacuation des déchets verts.",
     M2, "0.4500", "20", False, "706400"),
    ("JAR-TAI", "Taille de haies", "Taille des haies et arbustes jusqu'à 2 m, évacuation "
     "des déchets verts.", H, "38.0000", "20", False, "706400"),
    ("JAR-SAP", "Petits travaux de jardinage (particulier)", "Entretien courant du jardin "
     "d'un particulier, ouvrant droit au crédit d'impôt.", H, "35.0000", "10", True, "706410"),
    ("AD-MEN", "Ménage et repassage à domicile", "Entretien courant du logement et "
     "repassage, au domicile du client.", H, "27.5000", "10", True, "706500"),
    ("AD-AIDE", "Aide à domicile (personne âgée)", "Aide aux gestes du quotidien, courses "
     "et préparation des repas.", H, "29.9000", "5.5", True, "706510"),
    ("FRAIS-DEP", "Frais de déplacement", "Forfait par intervention hors zone.", FLAT,
     "15.0000", "20", False, "708500"),
]  # fmt: skip

COLOURS = {"NET": (37, 99, 235), "VIT": (14, 165, 233), "MNT": (234, 88, 12),
           "JAR": (22, 163, 74), "AD": (147, 51, 234), "FRAIS": (100, 116, 139)}  # fmt: skip


def _illustration(code: str) -> SimpleUploadedFile:
    """A small flat picture for a demo service: its family's colour and a simple shape."""
    family = code.split("-", 1)[0]
    colour = COLOURS.get(family, (100, 116, 139))
    image = Image.new("RGB", (320, 200), colour)
    draw = ImageDraw.Draw(image)
    light = tuple(min(255, part + 90) for part in colour)
    draw.rounded_rectangle((24, 24, 296, 176), radius=18, outline=light, width=6)
    shapes = {
        "NET": lambda: draw.polygon([(160, 50), (220, 150), (100, 150)], fill=light),
        "VIT": lambda: [draw.rectangle((95 + 70 * i, 55, 155 + 70 * i, 145), outline=light,
                                       width=8) for i in range(2)],
        "MNT": lambda: draw.ellipse((110, 50, 210, 150), outline=light, width=14),
        "JAR": lambda: draw.ellipse((100, 40, 220, 160), fill=light),
        "AD": lambda: draw.rectangle((110, 70, 210, 150), fill=light),
    }  # fmt: skip
    shapes.get(family, lambda: draw.line((60, 100, 260, 100), fill=light, width=10))()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile(f"{code.lower()}.png", buffer.getvalue(), content_type="image/png")


def demo_catalogue(*, by: User | None = None, images: bool = True) -> dict[str, Service]:
    """The demo services (created when their code is missing), with one picture each."""
    default_vat_rates_ensure(VatRate)
    rates = {rate.rate: rate for rate in VatRate.objects.filter(is_active=True)}
    services = {}
    for code, label, description, unit, price, rate, personal, account in SERVICES:
        service = Service.objects.filter(code=code).first()
        if service is None:
            service = service_create(
                by=by,
                code=code,
                label=label,
                description=description,
                unit=unit,
                unit_price=Decimal(price),
                vat_rate=rates[Decimal(rate)],
                is_personal_service=personal,
                revenue_account=account,
            )
            if images:
                service_image_add(service=service, upload=_illustration(code), by=by)
        services[code] = service
    return services


def _demo_user() -> User | None:
    return (
        User.objects.filter(is_active=True, groups__name=Role.DIRECTION).order_by("id").first()
        or User.objects.filter(is_active=True, is_superuser=True).order_by("id").first()
    )


def _demo_customers(by: User | None) -> list[Customer]:
    customers = list(Customer.objects.filter(is_active=True).order_by("id")[:8])
    if len(customers) >= 3:
        return customers
    made = [
        ("business", "Syndic Horizon Gestion", "12 rue des Lilas", "69003", "Lyon"),
        ("business", "Cabinet Dentaire du Parc", "4 avenue Foch", "69006", "Lyon"),
        ("individual", "Mme Jeanne Morel", "27 chemin des Vignes", "69130", "Écully"),
    ]
    rep = User.objects.filter(is_active=True, groups__name=Role.SALES).order_by("id").first()
    for kind, name, street, postcode, city in made[len(customers) :]:
        customers.append(
            customer_create(
                by=by, kind=kind, name=name, street=street, postcode=postcode, city=city,
                email=f"contact@{name.split()[-1].lower()}.example", sales_rep=rep,
            )
        )  # fmt: skip
    return customers


def _site_of(customer: Customer, by: User | None) -> Site:
    site = customer.sites.order_by("id").first()
    return site or site_create(customer=customer, by=by, name=f"{customer.name} - siège")


def _lines(quote: Quote, by: User | None, services: dict[str, Service], spec) -> Quote:
    for item in spec:
        if isinstance(item, str):
            quote_line_add(quote=quote, by=by, line_type="section", description=item)
        else:
            code, quantity, *discount = item
            quote_line_add(
                quote=quote,
                by=by,
                line_type="service",
                service=services[code],
                quantity=Decimal(quantity),
                discount_percent=Decimal(discount[0]) if discount else None,
            )
    return quote


QUOTES = [
    # (status, customer index, with site, lines)
    ("draft", 0, True, ["Parties communes", ("NET-PC", "52"), ("VIT-STD", "140")]),
    ("draft", 2, False, [("AD-MEN", "16"), ("JAR-SAP", "8")]),
    ("expired", 0, True, [("MNT-PLB", "3"), ("NET-PC", "12")]),
    ("finalised", 2, False, [("AD-MEN", "8"), ("FRAIS-DEP", "1")]),
    ("sent", 1, True, [("NET-BUR", "40", "5"), ("MNT-CLIM", "3"), ("FRAIS-DEP", "1")]),
    ("sent", 0, True, ["Façade", ("VIT-NAC", "1"), "Intérieur", ("VIT-STD", "220")]),
    ("accepted", 1, False, [("NET-FIN", "320"), ("FRAIS-DEP", "1")]),
    ("refused", 2, False, [("JAR-TON", "600"), ("JAR-TAI", "6")]),
]


def demo_quotes() -> int:
    """Create the demo catalogue and, when there is no quote yet, quotes in every status.

    Returns the number of quotes created (0 when there were already quotes).
    """
    by = _demo_user()
    services = demo_catalogue(by=by)
    if Quote.objects.exists():
        return 0
    with transaction.atomic():
        customers = _demo_customers(by)
        first_site = _site_of(customers[0], by)
        site_price_set(site=first_site, service=services["VIT-STD"], unit_price=Decimal("2.1"),
                       by=by)  # fmt: skip
        for status, index, with_site, spec in QUOTES:
            customer = customers[index % len(customers)]
            site = _site_of(customer, by) if with_site else None
            quote = _lines(quote_create(customer=customer, site=site, by=by), by, services, spec)
            if status == "draft":
                continue
            quote_finalize(quote=quote, by=by)
            if status in ("sent", "accepted", "refused"):
                # As if its e-mail had left: the demo sends no e-mail.
                Quote.objects.filter(pk=quote.pk).update(
                    status=Quote.Status.SENT, sent_at=timezone.now()
                )
                quote.refresh_from_db()
            if status == "accepted":
                quote_accept(quote=quote, by=by)
            elif status == "refused":
                quote_refuse(quote=quote, by=by)
            elif status == "expired":
                past = timezone.localdate() - timedelta(days=45)
                Quote.objects.filter(pk=quote.pk).update(
                    date=past, validity_date=past + timedelta(days=30)
                )
        quotes_expire()
    return len(QUOTES)


def load_quotes(*, context) -> str:
    """Demo loader (creneau.core.demo): the services catalogue and quotes in every status."""
    return f"Catalogue et devis : {demo_quotes()} devis ajouté(s)."
