"""Credit notes (avoirs): the service, and the form of the invoice page. Total, partial by
lines or by an amount incl. VAT; never more than is left; the invoice's status and amount
due follow."""

from __future__ import annotations

from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import ValidationError

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.models import Invoice
from creneau.billing.tests.factories import issued_invoice

LINES = [("Entretien des bureaux", "8", "25", "20"), ("Produits", "2", "10", "5.5")]


@pytest.fixture
def invoice(direction):
    # 8 x 25 = 200 HT + 40 VAT; 2 x 10 = 20 HT + 1.10 VAT: 261.10 TTC.
    return issued_invoice(by=direction, lines=LINES)


# The service --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_total_credit_note_cancels_the_invoice(invoice, direction):
    credit = credit_note_create(invoice=invoice, by=direction, reason="Erreur de client")
    invoice.refresh_from_db()
    assert credit.number.startswith("A-") and credit.kind == Invoice.Kind.CREDIT_NOTE
    assert credit.total_gross == invoice.total_gross == Decimal("261.10")
    assert credit.credited_invoice == invoice and credit.notes == "Erreur de client"
    assert invoice.status == Invoice.Status.CANCELLED and invoice.amount_due == 0
    with pytest.raises(ValidationError, match="déjà entièrement créditée"):
        credit_note_create(invoice=invoice, by=direction)


@pytest.mark.django_db
def test_a_partial_credit_by_lines_brings_the_amount_due_down(invoice, direction):
    cleaning = invoice.lines.get(description="Entretien des bureaux")
    credit = credit_note_create(
        invoice=invoice, by=direction, lines=[{"line_id": cleaning.pk, "quantity": Decimal(2)}]
    )
    invoice.refresh_from_db()
    assert credit.total_net == Decimal("50.00") and credit.total_gross == Decimal("60.00")
    assert invoice.amount_due == Decimal("201.10") and invoice.status == Invoice.Status.ISSUED
    line = credit.lines.get()
    assert line.credited_line == cleaning and line.quantity == 2
    with pytest.raises(ValidationError, match="il reste 6 à créditer"):
        credit_note_create(
            invoice=invoice, by=direction, lines=[{"line_id": cleaning.pk, "quantity": 7}]
        )


@pytest.mark.django_db
def test_a_partial_credit_by_amount_is_split_over_the_rates(invoice, direction):
    credit = credit_note_create(invoice=invoice, by=direction, amount=Decimal("100.00"))
    invoice.refresh_from_db()
    assert credit.total_gross == Decimal("100.00")
    assert {row["rate"] for row in credit.vat_breakdown} == {"20.00", "5.50"}
    assert invoice.amount_due == Decimal("161.10")
    with pytest.raises(ValidationError, match="Il reste 161,10"):
        credit_note_create(invoice=invoice, by=direction, amount=Decimal("161.11"))
    # What is left, in full, then cancels the invoice.
    credit_note_create(invoice=invoice, by=direction)
    invoice.refresh_from_db()
    assert invoice.amount_due == 0 and invoice.status == Invoice.Status.CANCELLED


# The form -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_shows_what_is_left_per_line(invoice, accountant, client_for):
    client = client_for(accountant)
    page = unescape(client.get(f"/invoices/{invoice.pk}/credit-note/").content.decode())
    assert "il reste 261,10\u00a0€ à créditer" in page.replace("<strong>", "").replace(
        "</strong>", ""
    )
    cleaning = invoice.lines.get(description="Entretien des bureaux")
    assert f'name="qty_{cleaning.pk}"' in page
    assert "Total : tout ce qui reste à créditer" in page


@pytest.mark.django_db
def test_the_form_makes_a_total_credit_note(invoice, accountant, client_for):
    response = client_for(accountant).post(
        f"/invoices/{invoice.pk}/credit-note/", {"mode": "total", "reason": "Annulation"}
    )
    credit = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert response.status_code == 302 and response["Location"] == f"/invoices/{credit.pk}/"
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CANCELLED
    page = client_for(accountant).get(f"/invoices/{invoice.pk}/").content.decode()
    assert credit.number in page and "Annulée par avoir" in page
    assert 'id="invoice-credit"' not in page  # nothing left to credit


@pytest.mark.django_db
def test_the_form_makes_a_credit_note_by_lines(invoice, accountant, client_for):
    cleaning = invoice.lines.get(description="Entretien des bureaux")
    products = invoice.lines.get(description="Produits")
    client_for(accountant).post(
        f"/invoices/{invoice.pk}/credit-note/",
        {"mode": "lines", f"qty_{cleaning.pk}": "1,5", f"qty_{products.pk}": "", "reason": ""},
    )
    credit = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert credit.total_net == Decimal("37.50")
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("261.10") - Decimal("45.00")


@pytest.mark.django_db
def test_the_form_makes_a_credit_note_by_amount(invoice, accountant, client_for):
    client_for(accountant).post(
        f"/invoices/{invoice.pk}/credit-note/", {"mode": "amount", "amount": "61,10"}
    )
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("200.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"mode": "amount", "amount": "300"},
            "Il reste 261,10\u00a0€ à créditer sur cette facture.",
        ),
        ({"mode": "amount", "amount": ""}, "Indiquez le montant TTC de l'avoir."),
        ({"mode": "amount", "amount": "-5"}, "Le montant d'un avoir est positif."),
        ({"mode": "amount", "amount": "beaucoup"}, "Saisissez un nombre."),
        ({"mode": "lines"}, "Indiquez la quantité à créditer d'au moins une ligne."),
        ({"mode": "lines", "qty_LINE": "9"}, "il reste 8 à créditer sur « Entretien des bureaux »"),
        ({"mode": "lines", "qty_LINE": "-1"}, "supérieure ou égale à 0"),
        ({"mode": "zz"}, "Sélectionnez un choix valide"),
    ],
)
def test_the_form_refuses_more_than_is_left_in_french(
    invoice, accountant, client_for, data, message
):
    cleaning = invoice.lines.get(description="Entretien des bureaux")
    data = {key.replace("LINE", str(cleaning.pk)): value for key, value in data.items()}
    response = client_for(accountant).post(f"/invoices/{invoice.pk}/credit-note/", data)
    assert response.status_code == 422
    assert message in unescape(response.content.decode())
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("261.10")


@pytest.mark.django_db
def test_a_cancelled_invoice_refuses_another_credit_note(invoice, accountant, client_for):
    credit_note_create(invoice=invoice, by=accountant)
    response = client_for(accountant).post(
        f"/invoices/{invoice.pk}/credit-note/", {"mode": "total"}
    )
    assert response.status_code == 422
    assert "déjà entièrement créditée" in unescape(response.content.decode())


@pytest.mark.django_db
def test_a_draft_or_a_credit_note_is_not_credited(direction, client_for):
    from creneau.billing.tests.factories import draft_invoice

    draft = draft_invoice(by=direction)
    response = client_for(direction).post(f"/invoices/{draft.pk}/credit-note/", {"mode": "total"})
    assert response.status_code == 422
    assert "Un avoir se fait sur une facture émise." in unescape(response.content.decode())
