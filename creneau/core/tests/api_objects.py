"""One object of each kind the API serves, for the tests that walk every route."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from creneau.billing.services import invoice_create, invoice_issue, invoice_line_add
from creneau.catalog.tests.factories import ServiceFactory, SitePriceFactory, vat_rate
from creneau.customers.documents.services import document_upload
from creneau.customers.models import Document, InvoiceRecipient
from creneau.customers.tests.document_samples import pdf_bytes
from creneau.customers.tests.factories import (
    ContactFactory,
    CustomerFactory,
    FamilyFactory,
    SiteFactory,
)
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory, ScheduleFactory
from creneau.quotes.services import quote_create, quote_line_add


def one_of_each(user: User) -> dict[str, int]:
    """Create a customer with a family, a site, a contact, a document, a site price, a
    draft quote with a line, an employee, a schedule and a visit on the site, a draft and
    an issued invoice and an invoice recipient; answer their ids by the name of the path
    parameter of each."""
    family = FamilyFactory()
    customer = CustomerFactory(family=family, sales_rep=None)
    site = SiteFactory(customer=customer)
    contact = ContactFactory(customer=customer, site=site)
    service = ServiceFactory(unit_price=Decimal("30"), vat_rate=vat_rate("20"))
    price = SitePriceFactory(site=site, service=service, unit_price=Decimal("25"))
    quote = quote_create(customer=customer, site=site, by=user)
    line = quote_line_add(quote=quote, by=user, service=service, quantity=Decimal("2"))
    document = document_upload(
        customer=customer,
        by=user,
        file=SimpleUploadedFile("rib.pdf", pdf_bytes(), content_type="application/pdf"),
        kind=Document.Kind.RIB,
    )
    employee = EmployeeFactory()
    visit = InterventionFactory(site=site, employee=employee, service=service)
    schedule = ScheduleFactory(site=site, service=service)
    # Billing: a draft invoice (what PATCH, DELETE and issue reach) and an issued one is
    # made by the contract tests themselves; a recipient of the customer's group A.
    invoice = invoice_create(customer=customer, by=user, billing_group="A", sites=[site])
    invoice_line_add(invoice=invoice, by=user, service=service, site=site, quantity=Decimal("2"))
    issued = invoice_create(customer=customer, by=user, billing_group="A", sites=[site])
    invoice_line_add(invoice=issued, by=user, service=service, site=site, quantity=Decimal("1"))
    invoice_issue(invoice=issued, by=user)
    recipient = InvoiceRecipient.objects.create(customer=customer, email="compta@example.fr")
    return {
        "invoice_id": invoice.pk,
        "issued_invoice_id": issued.pk,
        "recipient_id": recipient.pk,
        "schedule_id": schedule.pk,
        "customer_id": customer.pk,
        "site_id": site.pk,
        "contact_id": contact.pk,
        "family_id": family.pk,
        "document_id": document.pk,
        "service_id": service.pk,
        "price_id": price.pk,
        "quote_id": quote.pk,
        "line_id": line.pk,
        "employee_id": employee.pk,
        "intervention_id": visit.pk,
        "billing_run_id": _billing_run(user),
        "payment_id": _payment(user, customer),
        "dunning_run_id": _dunning_run(user),
        "mandate_id": _mandate(user, customer),
        **_sepa_batch(user),
        "certificate_id": _tax_certificate(customer),
        **_import(user),
    }


def _import(user: User) -> dict[str, int]:
    """An uploaded customer import (not checked yet) and a saved column mapping."""
    from creneau.imports.models import ImportMapping
    from creneau.imports.tests.helpers import csv_bytes, row, upload

    batch = upload(csv_bytes([row()]), by=user)
    mapping = ImportMapping.objects.create(name="Export du logiciel", columns={})
    return {"import_id": batch.pk, "template_id": mapping.pk}


def _sepa_batch(user: User) -> dict[str, int]:
    """A SEPA collection batch of one debit (a customer of its own, with a mandate)."""
    from creneau.payments.sepa_batches import sepa_batch_create
    from creneau.payments.tests.sepa_factories import (
        collection_day,
        mandate_with_invoice,
        sepa_company,
    )

    sepa_company()
    mandate_with_invoice()
    batch = sepa_batch_create(collection_date=collection_day(), by=user, notify=False)
    return {"sepa_batch_id": batch.pk, "sepa_item_id": batch.items.get().pk}


def _tax_certificate(customer) -> int:
    """A tax certificate of 2025, as generated (no PDF yet: made when asked)."""
    from datetime import date

    from creneau.accounting.models import TaxCertificate
    from creneau.accounting.print.tax_certificate import tax_certificate_print_data
    from creneau.core.models import Company

    zero = Decimal("0.00")
    data = tax_certificate_print_data(
        company=Company.load(), customer=customer, year=2025, amount_paid=zero,
        cesu_prefinanced=zero, hours=zero, employees=[], today=date(2026, 1, 15),
    )  # fmt: skip
    return TaxCertificate.objects.create(customer=customer, year=2025, data=data).pk


def _dunning_run(user: User) -> int:
    """A dunning run's preview (at a date when nothing was due: no reminder)."""
    from datetime import date

    from creneau.payments.dunning import dunning_run_create

    return dunning_run_create(as_of=date(2001, 1, 31), by=user).pk


def _payment(user: User, customer) -> int:
    """A payment of the customer, allocated to its issued invoice (oldest due first)."""
    from creneau.payments.services import payment_create

    return payment_create(customer=customer, by=user, amount=Decimal("10"), method="cash").pk


def _mandate(user: User, customer) -> int:
    """The customer's SEPA mandate, not signed yet (what PATCH and revoke reach)."""
    from creneau.payments.mandates import mandate_create

    return mandate_create(customer=customer, by=user, iban="FR1420041010050500013M02606").pk


def _billing_run(user: User) -> int:
    """A billing run's preview (of an empty month: nothing is billed)."""
    from datetime import date

    from creneau.billing.runs import billing_run_create

    return billing_run_create(
        by=user, period_start=date(2001, 1, 1), period_end=date(2001, 1, 31)
    ).pk
