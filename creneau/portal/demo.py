"""Demo data of the client portal: two accesses to try /portail/ with (password "demo").

- portail-durand@example.com: the whole account of Mme Martine Durand, an individual with
  two homes (each its own billing group), who has a quote sent and still valid, visits
  done this month, an issued invoice and a document shared on the portal. The customers'
  demo draws its names at random and has no Durand: she is made here, with her data,
  through the services.
- gardien-residence@example.com: the caretaker of one residence of the first syndic that
  has several sites, a residence alone in its billing group (so the caretaker sees that
  group's invoices too), with visits done.

Idempotent: each piece is made only when missing. The passwords are set directly: the
demo bypasses the password validators, as it does for the staff.
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from creneau.billing.models import Invoice
from creneau.billing.services import invoice_create, invoice_issue, invoice_line_add
from creneau.catalog.models import Service, VatRate
from creneau.core.demo import DemoContext
from creneau.core.pdf import render_pdf
from creneau.customers.documents.services import document_upload
from creneau.customers.models import Customer, Document, Family, Site
from creneau.customers.services import customer_create, site_create
from creneau.planning.models import Employee, Intervention
from creneau.planning.services import employee_create, schedule_create
from creneau.portal.models import PortalUser
from creneau.quotes.models import Quote
from creneau.quotes.services import quote_create, quote_finalize, quote_line_add

DEMO_PORTAL_PASSWORD = "demo"
DURAND_EMAIL = "portail-durand@example.com"
CARETAKER_EMAIL = "gardien-residence@example.com"
DURAND = {
    "kind": Customer.Kind.INDIVIDUAL,
    "name": "Durand Martine",
    "street": "12 rue des Acacias",
    "postcode": "69006",
    "city": "Lyon",
    "email": "martine.durand@example.com",
    "phone": "04 78 12 34 56",
}
DURAND_SITES = [
    {"name": "Domicile", "billing_group": "A"},
    {
        "name": "Maison de Charbonnières",
        "billing_group": "B",
        "street": "3 chemin des Vignes",
        "postcode": "69260",
        "city": "Charbonnières-les-Bains",
    },
]
SHARED_DOCUMENT = "Contrat d'entretien Durand.pdf"


def durand_customer(by: User | None, rep: User | None) -> Customer:
    customer = Customer.objects.filter(name=DURAND["name"], postcode=DURAND["postcode"]).first()
    if customer is not None:
        return customer
    with transaction.atomic():
        family = Family.objects.filter(name="Particuliers").first()
        customer = customer_create(by=by, sales_rep=rep, family=family, **DURAND)
        for site in DURAND_SITES:
            site_create(customer=customer, by=by, **site)
    return customer


def _visits_done(customer: Customer) -> None:
    """The visits already over are reported done at their planned times."""
    now = timezone.now()
    Intervention.objects.filter(
        site__customer=customer, status=Intervention.Status.PLANNED, end__lte=now
    ).update(
        status=Intervention.Status.DONE,
        actual_start=F("start"),
        actual_end=F("end"),
        user_owned=True,
        sequence=F("sequence") + 1,
        updated_at=now,
    )


def durand_visits(customer: Customer, by: User | None) -> None:
    """Housework at home three times a week since the first of last month."""
    home = customer.sites.order_by("id").first()
    if Intervention.objects.filter(site=home).exists():
        return
    today = timezone.localdate()
    first_of_last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    fields = {
        "service": Service.objects.filter(code="AD-MEN").first(),
        "rrule": "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE,FR",
        "start_date": first_of_last_month,
        "start_time": time(9),
        "duration_minutes": 120,
    }
    # Her own employee: the demo's others are booked at those hours already, and a
    # double booking here would stand among the planning's demo conflicts.
    employee = Employee.objects.filter(first_name="Capucine", last_name="Lemaire").first()
    if employee is None:
        employee = employee_create(
            by=by,
            first_name="Capucine",
            last_name="Lemaire",
            mobile="+33612457801",
            email="capucine.lemaire@clairnet.example.com",
            color="#6a3d9a",
        )
    schedule_create(site=home, by=by, employee=employee, **fields)
    _visits_done(customer)


def durand_quote(customer: Customer, by: User | None) -> None:
    """A quote sent a few days ago and still valid: garden work at the second home."""
    if Quote.objects.filter(customer=customer).exists():
        return
    second_home = customer.sites.order_by("id").last()
    quote = quote_create(customer=customer, site=second_home, by=by)
    for code, quantity in (("JAR-SAP", "6"), ("AD-MEN", "4")):
        service = Service.objects.filter(code=code).first()
        if service is not None:
            quote_line_add(
                quote=quote, by=by, line_type="service", service=service, quantity=Decimal(quantity)
            )
    if not quote.lines.exists():
        quote_line_add(
            quote=quote,
            by=by,
            line_type="free",
            description="Entretien du jardin",
            quantity=Decimal(6),
            unit_price=Decimal("35.00"),
            vat_rate=VatRate.objects.filter(is_active=True).order_by("position", "id").first(),
        )
    quote_finalize(quote=quote, by=by)
    # As if its e-mail had left (the demo sends no e-mail), like the quotes' demo.
    Quote.objects.filter(pk=quote.pk).update(status=Quote.Status.SENT, sent_at=timezone.now())


def durand_invoice(customer: Customer, by: User | None) -> None:
    """Last month's housework, invoiced (issued today: numbers never go back in time)."""
    if Invoice.objects.filter(customer=customer).exclude(status=Invoice.Status.DRAFT).exists():
        return
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    done = Intervention.objects.filter(
        site__customer=customer,
        status=Intervention.Status.DONE,
        start__date__gte=last_month.replace(day=1),
        start__date__lte=last_month,
    ).count()
    rate = (
        VatRate.objects.filter(rate=Decimal("10.00")).order_by("position", "id").first()
        or VatRate.objects.order_by("position", "id").first()
    )
    invoice = invoice_create(customer=customer, by=by)
    invoice_line_add(
        invoice=invoice,
        by=by,
        line_type="free",
        description=f"Aide ménagère à domicile, {last_month:%m/%Y} : {done} passage(s) de 2 h",
        quantity=Decimal(max(done, 1) * 2),
        unit_price=Decimal("27.50"),
        vat_rate=rate,
    )
    invoice_issue(invoice=invoice, by=by)


def durand_document(customer: Customer, by: User | None) -> None:
    if Document.objects.filter(customer=customer, name=SHARED_DOCUMENT).exists():
        return
    # The demo's one-page sheet (customers/print/rib.typ) with a contract's heading.
    data = render_pdf(
        template="customers/rib.typ",
        data={
            "title": SHARED_DOCUMENT,
            "heading": "Contrat d\N{RIGHT SINGLE QUOTATION MARK}entretien",
            "holder_label": "Client",
            "holder": customer.name,
            "address_lines": customer.address_lines,
            "rows": [
                ("Prestation", "Aide ménagère"),
                ("Fréquence", "3 fois par semaine : lundi, mercredi, vendredi"),
                ("Durée", "2 heures par passage"),
            ],
        },
    )
    document_upload(
        customer=customer,
        by=by,
        file=ContentFile(data, name=SHARED_DOCUMENT),
        kind=Document.Kind.CONTRACT,
        name=SHARED_DOCUMENT,
        portal_visible=True,
    )


def caretaker_site() -> Site | None:
    """A residence alone in its billing group, of the first business customer (a syndic if
    any) with several active sites, that has visits done."""
    customers = (
        Customer.objects.filter(kind=Customer.Kind.BUSINESS, is_active=True)
        .annotate(site_count=Count("sites"))
        .filter(site_count__gte=2)
        .order_by("id")
    )
    syndics = customers.filter(family__name="Syndics")
    for customer in [*syndics, *customers.exclude(pk__in=syndics.values("pk"))]:
        sites = list(customer.sites.filter(is_active=True).order_by("id"))
        for site in sites:
            alone = sum(1 for other in sites if other.billing_group == site.billing_group) == 1
            done = site.interventions.filter(status=Intervention.Status.DONE).exists()
            if alone and done:
                return site
    return None


def access_ensure(
    *, customer: Customer, email: str, name: str, site: Site | None, by: User | None
) -> PortalUser:
    access = PortalUser.objects.filter(email=email).first()
    if access is None:
        access = PortalUser(customer=customer, site=site, email=email, name=name, created_by=by)
        access.invited_at = timezone.now()
    access.is_active = True
    access.set_password(DEMO_PORTAL_PASSWORD)
    access.save()
    return access


def load_portal(*, context: DemoContext) -> str:
    """Demo loader (the last one): Durand's account and the two portal accesses."""
    by = context.users.get("direction")
    rep = context.users.get("commercial1")
    durand = durand_customer(by, rep)
    durand_visits(durand, by)
    durand_quote(durand, by)
    durand_invoice(durand, by)
    durand_document(durand, by)
    access_ensure(customer=durand, email=DURAND_EMAIL, name="Martine Durand", site=None, by=by)
    line = f"Portail : {DURAND_EMAIL} (tout le compte de {durand.name})"
    site = caretaker_site()
    if site is not None:
        name = f"Gardien, {site.name}"
        access_ensure(customer=site.customer, email=CARETAKER_EMAIL, name=name, site=site, by=by)
        line += f", {CARETAKER_EMAIL} ({site.customer.name}, site {site.name})"
    return line + f" ; mot de passe « {DEMO_PORTAL_PASSWORD} »."
