"""Manual invoices from the pages: a new draft, its header and lines (HTMX), issuing,
deleting; "Facturer" on an accepted quote."""

from __future__ import annotations

from decimal import Decimal
from html import unescape

import pytest

from creneau.billing.models import Invoice, InvoiceLine
from creneau.billing.tests.factories import draft_invoice, issued_invoice
from creneau.catalog.models import Service
from creneau.catalog.tests.factories import ServiceFactory, SitePriceFactory, vat_rate
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.quotes.services import quote_accept, quote_create, quote_finalize, quote_line_add

HX = {"HX-Request": "true", "HX-Target": "invoice-lines"}


def free_line(**overrides) -> dict:
    data = {
        "add-line_type": "free",
        "add-description": "Remise en état après travaux",
        "add-quantity": "2,5",
        "add-unit": "hour",
        "add-unit_price": "32,40",
        "add-vat_rate": str(vat_rate("20").pk),
        "add-discount_percent": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def customer():
    customer = CustomerFactory(name="Résidence Les Pins")
    SiteFactory(customer=customer, name="Bâtiment A", billing_group="A")
    SiteFactory(customer=customer, name="Bâtiment B", billing_group="B")
    SiteFactory(customer=customer, name="Bâtiment C", billing_group="B")
    return customer


@pytest.mark.django_db
def test_a_new_invoice_picks_the_customer_then_its_group(customer, accountant, client_for):
    client = client_for(accountant)
    page = client.get("/invoices/new/").content.decode()
    assert 'id="customer-search"' in page
    found = client.get("/invoices/new/customers/", {"q": "pins"}).content.decode()
    assert f"/invoices/new/?customer={customer.pk}" in found
    form = client.get("/invoices/new/", {"customer": customer.pk}).content.decode()
    assert '<option value="A"' in form and '<option value="B"' in form

    response = client.post(
        "/invoices/new/",
        {
            "customer": customer.pk,
            "billing_group": "B",
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
        },
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/invoices/{invoice.pk}/"
    assert invoice.is_draft and invoice.billing_group == "B" and invoice.created_by == accountant
    assert sorted(site.name for site in invoice.sites.all()) == ["Bâtiment B", "Bâtiment C"]


@pytest.mark.django_db
def test_a_new_invoice_refuses_a_group_the_customer_lacks_and_a_reversed_period(
    customer, direction, client_for
):
    client = client_for(direction)
    response = client.post(
        "/invoices/new/",
        {
            "customer": customer.pk,
            "billing_group": "Z",
            "period_start": "2026-10-31",
            "period_end": "2026-10-01",
        },
    )
    html = response.content.decode()
    assert response.status_code == 422 and not Invoice.objects.exists()
    assert "Sélectionnez un choix valide" in html
    assert "La fin de la période ne peut précéder son début." in html


@pytest.mark.django_db
def test_lines_are_added_edited_and_deleted_with_htmx(customer, direction, client_for):
    invoice = draft_invoice(customer=customer, by=direction, lines=[])
    client = client_for(direction)
    html = client.post(f"/invoices/{invoice.pk}/lines/add/", free_line(), headers=HX)
    html = html.content.decode()
    assert "Remise en état après travaux" in html and "<html" not in html
    line = InvoiceLine.objects.get(invoice=invoice)
    assert line.net == Decimal("81.00") and line.vat_rate_value == Decimal("20.00")
    invoice.refresh_from_db()
    assert invoice.total_gross == Decimal("97.20")
    assert "97,20" in html

    # Edit: the form, then the change.
    form = client.get(f"/invoices/lines/{line.pk}/", headers=HX).content.decode()
    assert 'name="edit-description"' in form and 'value="2,5"' in form
    html = client.post(
        f"/invoices/lines/{line.pk}/",
        {
            "edit-description": "Vitrerie",
            "edit-quantity": "3",
            "edit-unit": "hour",
            "edit-unit_price": "10",
            "edit-vat_rate": str(vat_rate("10").pk),
        },
        headers=HX,
    ).content.decode()
    line.refresh_from_db()
    assert line.description == "Vitrerie" and line.net == Decimal("30.00")
    assert "33,00" in html  # 30 + 10 % VAT

    client.post(f"/invoices/lines/{line.pk}/delete/", headers=HX)
    assert not InvoiceLine.objects.filter(invoice=invoice).exists()
    invoice.refresh_from_db()
    assert invoice.total_gross == 0


@pytest.mark.django_db
def test_a_catalogue_service_line_takes_the_sites_price(customer, direction, client_for):
    site = customer.sites.get(name="Bâtiment A")
    invoice = draft_invoice(customer=customer, by=direction, lines=[], sites=[site])
    service = ServiceFactory(label="Entretien des parties communes", unit=Service.Unit.HOUR)
    SitePriceFactory(site=site, service=service, unit_price=Decimal("22.5000"))
    client = client_for(direction)
    client.post(
        f"/invoices/{invoice.pk}/lines/add/",
        {"add-line_type": "service", "add-service": service.pk, "add-quantity": "4"},
        headers=HX,
    )
    line = InvoiceLine.objects.get(invoice=invoice)
    assert line.description == "Entretien des parties communes" and line.service == service
    assert line.quantity == 4 and line.vat_rate_value == Decimal("20.00")
    assert line.site == site and line.unit_price == Decimal("22.5000")
    # An invoice of two sites: the catalogue price.
    other = draft_invoice(
        customer=customer, by=direction, lines=[], sites=list(customer.sites.all()[:2])
    )
    client.post(
        f"/invoices/{other.pk}/lines/add/",
        {"add-line_type": "service", "add-service": service.pk},
        headers=HX,
    )
    assert other.lines.get().unit_price == Decimal("25.0000")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("add-description", "", "Indiquez un libellé."),
        ("add-quantity", "deux", "Saisissez un nombre."),
        ("add-unit_price", "", "Indiquez un prix."),
        ("add-unit_price", "-3", "Le prix unitaire ne peut pas être négatif."),
        ("add-vat_rate", "999999", "Ce taux de TVA n'est pas dans la liste."),
        ("add-discount_percent", "150", "remise"),
        ("add-quantity", "1" * 40, "Assurez-vous"),
    ],
)
def test_a_wrong_line_is_refused_at_its_field(
    customer, direction, client_for, field, value, message
):
    invoice = draft_invoice(customer=customer, by=direction, lines=[])
    response = client_for(direction).post(
        f"/invoices/{invoice.pk}/lines/add/", free_line(**{field: value}), headers=HX
    )
    html = unescape(response.content.decode())
    assert response.status_code == 200  # htmx swaps the form back with its errors
    assert message.lower() in html.lower(), html[:3000]
    assert "invalid-feedback" in html
    assert not InvoiceLine.objects.filter(invoice=invoice).exists()


@pytest.mark.django_db
def test_the_header_saves_the_group_period_and_notes(customer, direction, client_for):
    invoice = draft_invoice(customer=customer, by=direction)
    client = client_for(direction)
    response = client.post(
        f"/invoices/{invoice.pk}/header/",
        {
            "billing_group": "B",
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
            "notes": "Merci de votre confiance.",
        },
        headers={"HX-Request": "true", "HX-Target": "invoice-header"},
    )
    assert "Enregistré" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.billing_group == "B" and invoice.notes == "Merci de votre confiance."
    assert invoice.sites.count() == 2
    bad = client.post(
        f"/invoices/{invoice.pk}/header/",
        {"billing_group": "B", "period_start": "2026-10-31", "period_end": "2026-10-01"},
        headers={"HX-Request": "true", "HX-Target": "invoice-header"},
    ).content.decode()
    assert "La fin de la période ne peut précéder son début." in bad


@pytest.mark.django_db
def test_issuing_numbers_the_draft_and_freezes_it(customer, direction, client_for):
    invoice = draft_invoice(customer=customer, by=direction)
    client = client_for(direction)
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert 'id="invoice-issue"' in page and "data-confirm" in page
    assert 'id="invoice-add-line"' in page
    response = client.post(f"/invoices/{invoice.pk}/issue/", follow=True)
    invoice.refresh_from_db()
    assert invoice.number.startswith("F-") and invoice.status == Invoice.Status.ISSUED
    html = response.content.decode()
    assert f"Facture émise : numéro {invoice.number}." in html
    assert 'id="invoice-add-line"' not in html and 'id="invoice-issue"' not in html
    # Frozen: its lines and header refuse a change, and it cannot be deleted.
    line = invoice.lines.get()
    client.post(f"/invoices/lines/{line.pk}/", {"edit-description": "X", "edit-quantity": "1",
                "edit-unit_price": "1", "edit-vat_rate": str(vat_rate("20").pk)})  # fmt: skip
    line.refresh_from_db()
    assert line.description != "X"
    form = client.get(f"/invoices/lines/{line.pk}/", headers=HX).content.decode()
    assert 'name="edit-description"' not in form
    response = client.post(f"/invoices/{invoice.pk}/delete/", follow=True)
    assert Invoice.objects.filter(pk=invoice.pk).exists()
    assert "ne peut plus être modifiée ni supprimée" in response.content.decode()


@pytest.mark.django_db
def test_an_empty_draft_is_not_issued(customer, direction, client_for):
    invoice = draft_invoice(customer=customer, by=direction, lines=[])
    response = client_for(direction).post(f"/invoices/{invoice.pk}/issue/", follow=True)
    assert "Une facture sans ligne chiffrée ne peut pas être émise." in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.is_draft and invoice.number is None


@pytest.mark.django_db
def test_a_draft_is_deleted(customer, direction, client_for):
    invoice = draft_invoice(customer=customer, by=direction)
    response = client_for(direction).post(f"/invoices/{invoice.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == f"/invoices/?customer_id={customer.pk}"
    assert not Invoice.objects.filter(pk=invoice.pk).exists()


@pytest.mark.django_db
def test_no_htmx_line_forms_come_back_to_the_page(customer, direction, client_for):
    invoice = draft_invoice(customer=customer, by=direction, lines=[])
    response = client_for(direction).post(f"/invoices/{invoice.pk}/lines/add/", free_line())
    assert response.status_code == 302 and response["Location"] == f"/invoices/{invoice.pk}/"
    assert invoice.lines.count() == 1


def accepted_quote(customer, by):
    quote = quote_create(customer=customer, site=customer.sites.get(name="Bâtiment B"), by=by)
    quote_line_add(
        quote=quote,
        by=by,
        line_type="free",
        description="Nettoyage de fin de chantier",
        quantity=Decimal(1),
        unit_price=Decimal(450),
        vat_rate=vat_rate("20"),
    )
    quote_finalize(quote=quote, by=by)
    quote_accept(quote=quote, by=by)
    return quote


@pytest.mark.django_db
def test_an_accepted_quote_is_invoiced_once(customer, direction, client_for):
    quote = accepted_quote(customer, direction)
    client = client_for(direction)
    page = client.get(f"/quotes/{quote.pk}/").content.decode()
    assert 'id="quote-invoice"' in page and "Facturer" in page
    response = client.post(f"/invoices/from-quote/{quote.pk}/")
    invoice = Invoice.objects.get(quote=quote)
    assert response["Location"] == f"/invoices/{invoice.pk}/"
    assert invoice.is_draft and invoice.billing_group == "B" and invoice.total_gross == 540
    # Once only: the button becomes a link to the invoice, a second post goes there too.
    page = client.get(f"/quotes/{quote.pk}/").content.decode()
    assert 'id="quote-invoice"' not in page and f'href="/invoices/{invoice.pk}/"' in page
    again = client.post(f"/invoices/from-quote/{quote.pk}/")
    assert again["Location"] == f"/invoices/{invoice.pk}/"
    assert Invoice.objects.filter(quote=quote).count() == 1


@pytest.mark.django_db
def test_a_quote_not_accepted_is_not_invoiced(customer, direction, client_for):
    quote = quote_create(customer=customer, by=direction)
    client = client_for(direction)
    assert 'id="quote-invoice"' not in client.get(f"/quotes/{quote.pk}/").content.decode()
    response = client.post(f"/invoices/from-quote/{quote.pk}/", follow=True)
    assert "Seul un devis accepté peut être facturé." in response.content.decode()
    assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_the_list_and_record_offer_a_new_invoice(customer, accountant, client_for):
    issued_invoice(customer=customer, by=accountant)
    client = client_for(accountant)
    assert 'id="invoice-new"' in client.get("/invoices/").content.decode()
    tab = client.get(f"/invoices/customer/{customer.pk}/", headers={"HX-Request": "true"})
    assert f"/invoices/new/?customer={customer.pk}" in tab.content.decode()
