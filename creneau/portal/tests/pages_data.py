"""Data for the tests of the portal's pages: two customers, each with sites, visits,
invoices, quotes, documents and a tax certificate; marker strings in every field the
portal must never show."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from creneau.accounting.models import TaxCertificate
from creneau.billing.models import Invoice
from creneau.catalog.tests.factories import ServiceFactory, vat_rate
from creneau.customers.models import Customer, Document, Site
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.planning.models import Intervention
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory
from creneau.portal.models import PortalUser
from creneau.portal.tests.factories import PortalUserFactory
from creneau.quotes.models import Quote
from creneau.quotes.services import quote_create, quote_finalize, quote_line_add

# Never on a portal page: the visit's notes, the site's access notes, the employee's
# last name and phone, a document's internal note.
VISIT_NOTE = "NOTE-INTERNE-VISITE-7731"
ACCESS_NOTE = "CODE-PORTE-4455-B"
EMPLOYEE_LAST_NAME = "Secretnom"
EMPLOYEE_PHONE = "06 98 76 54 32"
DOCUMENT_NOTE = "NOTE-DOCUMENT-INTERNE-9921"
SECRETS = (VISIT_NOTE, ACCESS_NOTE, EMPLOYEE_LAST_NAME, EMPLOYEE_PHONE, DOCUMENT_NOTE)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class CustomerData:
    customer: Customer
    sites: list[Site]
    visits: list[Intervention] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    hidden_document: Document | None = None
    certificate: TaxCertificate | None = None


def portal_access(customer: Customer, site: Site | None = None, **fields) -> PortalUser:
    return PortalUserFactory(customer=customer, site=site, **fields)


def visit_on(site: Site, *, days: int = 1, status: str = "planned", **fields) -> Intervention:
    employee = fields.pop("employee", None) or EmployeeFactory(
        first_name="Camille", last_name=EMPLOYEE_LAST_NAME, phone=EMPLOYEE_PHONE
    )
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    start += timedelta(days=days)
    service = fields.pop("service", None) or ServiceFactory(label="Ménage du domicile")
    return InterventionFactory(
        site=site,
        start=start,
        end=start + timedelta(hours=2),
        status=status,
        employee=employee,
        service=service,
        notes=VISIT_NOTE,
        **fields,
    )


def invoice_for(customer: Customer, *, billing_group: str, sites: list[Site]) -> Invoice:
    """An issued invoice row (numbered, 120 € TTC, 30 days to pay), with a stored PDF."""
    number = f"F-2026-{Invoice.objects.count() + 1:05d}"
    invoice = Invoice.objects.create(
        customer=customer,
        billing_group=billing_group,
        status=Invoice.Status.ISSUED,
        number=number,
        issue_date=timezone.localdate(),
        due_date=timezone.localdate() + timedelta(days=30),
        total_net=Decimal("100.00"),
        total_vat=Decimal("20.00"),
        total_gross=Decimal("120.00"),
        amount_due=Decimal("120.00"),
        customer_name=customer.name,
    )
    invoice.sites.set(sites)
    invoice.pdf.save(f"{number}.pdf", ContentFile(PDF_BYTES + number.encode()), save=True)
    return invoice


def sent_quote(customer: Customer, site: Site | None, *, by=None, price: str = "30") -> Quote:
    """A numbered quote, as e-mailed to the customer (sent), valid 30 days."""
    quote = quote_create(customer=customer, by=by, site=site)
    quote_line_add(
        quote=quote,
        by=by,
        line_type="free",
        description="Ménage hebdomadaire\nAspiration et sols",
        quantity=Decimal("2"),
        unit_price=Decimal(price),
        vat_rate=vat_rate("20"),
    )
    quote_finalize(quote=quote, by=by)
    Quote.objects.filter(pk=quote.pk).update(status=Quote.Status.SENT, sent_at=timezone.now())
    quote.refresh_from_db()
    return quote


def document_for(customer: Customer, site: Site | None, *, visible: bool, name: str) -> Document:
    content = PDF_BYTES + name.encode()
    document = Document(
        customer=customer,
        site=site,
        kind=Document.Kind.CONTRACT,
        name=name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        note=DOCUMENT_NOTE,
        portal_visible=visible,
    )
    document.file.save(name, ContentFile(content), save=False)
    document.save()
    return document


def certificate_for(customer: Customer, year: int = 2025) -> TaxCertificate:
    certificate = TaxCertificate.objects.create(
        customer=customer,
        year=year,
        amount_paid=Decimal("1234.50"),
        hours=Decimal("48.00"),
        generated_at=timezone.now(),
    )
    certificate.pdf.save(f"cert-{year}.pdf", ContentFile(PDF_BYTES + b"cert"), save=True)
    return certificate


def customer_data(*, by=None, quotes: bool = True) -> CustomerData:
    """A customer with two sites in billing group A and one alone in group B, a planned
    and a done visit on each of the first two sites and one on the third, one invoice
    per group, one sent quote per site, a shared document per site, one kept private,
    and a tax certificate."""
    customer = CustomerFactory(name="Marie Durand")
    sites = [
        SiteFactory(customer=customer, name="Maison principale", billing_group="A",
                    access_notes=ACCESS_NOTE),
        SiteFactory(customer=customer, name="Appartement de ville", billing_group="A",
                    access_notes=ACCESS_NOTE),
        SiteFactory(customer=customer, name="Résidence secondaire", billing_group="B",
                    access_notes=ACCESS_NOTE),
    ]  # fmt: skip
    data = CustomerData(customer=customer, sites=sites)
    for site in sites:
        data.visits.append(visit_on(site, days=1))
        data.visits.append(
            visit_on(
                site,
                days=-2,
                status=Intervention.Status.DONE,
                actual_start=timezone.localtime().replace(hour=9, minute=10) - timedelta(days=2),
                actual_end=timezone.localtime().replace(hour=11, minute=25) - timedelta(days=2),
            )
        )
        if quotes:
            data.quotes.append(sent_quote(customer, site, by=by))
        data.documents.append(
            document_for(customer, site, visible=True, name=f"contrat-{site.pk}.pdf")
        )
    data.invoices.append(invoice_for(customer, billing_group="A", sites=sites[:2]))
    data.invoices.append(invoice_for(customer, billing_group="B", sites=sites[2:]))
    data.hidden_document = document_for(customer, None, visible=False, name="rib-prive.pdf")
    data.certificate = certificate_for(customer)
    return data


def assert_no_secret(html: str) -> None:
    for secret in SECRETS:
        assert secret not in html, secret
