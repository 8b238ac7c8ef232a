"""The invoices API: the list and its filters, drafts, issuing, credit notes, the PDF and
Factur-X XML, sending, "Facturer" a quote; who reads and who writes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from creneau.billing.models import Invoice
from creneau.billing.tests import sending_helpers
from creneau.billing.tests.sending_helpers import draft_invoice, issued_invoice
from creneau.catalog.tests.factories import vat_rate
from creneau.core.models import OutboxEmail
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.quotes.services import quote_accept, quote_create, quote_finalize, quote_line_add

pytestmark = pytest.mark.django_db

# The fixtures of the helpers module, used by name.
company = sending_helpers.company
invoice_pdf = sending_helpers.invoice_pdf

LINE = {
    "line_type": "free",
    "description": "Vitres",
    "quantity": "2",
    "unit_price": "40",
    "vat_rate": "20",
}


def errors(response) -> dict[str, str]:
    return {error["field"]: error["msg"] for error in response.json()["detail"]}


def test_create_a_draft_with_lines_then_read_it(api_for, direction):
    customer = CustomerFactory()
    site = SiteFactory(customer=customer, billing_group="B")
    api = api_for(direction)
    response = api.post(
        "/api/v1/invoices",
        {
            "customer_id": customer.pk,
            "billing_group": "B",
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
            "notes": "Merci",
            "lines": [
                {**LINE, "site_id": site.pk},
                {"line_type": "section", "description": "Divers"},
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] is None and body["status"] == "draft" and body["kind"] == "invoice"
    assert (body["total_net"], body["total_vat"], body["total_gross"]) == (
        "80.00",
        "16.00",
        "96.00",
    )
    assert body["amount_due"] == "0.00" and body["billing_group"] == "B"
    assert body["vat_breakdown"] == [
        {"rate": "20.00", "base": "80.00", "vat": "16.00", "exemption": ""}
    ]
    [line, section] = body["lines"]
    assert line["site_id"] == site.pk and line["net"] == "80.00" and line["vat_rate"] == "20.00"
    assert section["line_type"] == "section"
    read = api.get(f"/api/v1/invoices/{body['id']}").json()
    assert read["lines"] == body["lines"] and read["period_end"] == "2026-10-31"
    assert read["emails"] == [] and read["credited_invoice_id"] is None


def test_a_bad_line_is_named_and_nothing_is_created(api_for, direction):
    customer = CustomerFactory()
    response = api_for(direction).post(
        "/api/v1/invoices",
        {"customer_id": customer.pk, "lines": [LINE, {**LINE, "description": ""}]},
    )
    assert response.status_code == 422
    assert errors(response) == {"lines.1.description": "Une ligne doit avoir un libellé."}
    bad_group = api_for(direction).post(
        "/api/v1/invoices", {"customer_id": customer.pk, "billing_group": "é"}
    )
    assert bad_group.status_code == 422 and "A-Z" in errors(bad_group)["billing_group"]
    rate = api_for(direction).post(
        "/api/v1/invoices", {"customer_id": customer.pk, "lines": [{**LINE, "vat_rate": "7"}]}
    )
    assert rate.status_code == 422 and "Taux de TVA" in errors(rate)["lines.0.vat_rate"]
    assert not Invoice.objects.exists()


def test_patch_and_delete_a_draft_only(api_for, direction):
    customer = CustomerFactory()
    api = api_for(direction)
    draft = draft_invoice(customer, direction, lines=2)
    changed = api.patch(
        f"/api/v1/invoices/{draft.pk}", {"notes": "Nouvelles notes", "lines": [LINE]}
    )
    assert changed.status_code == 200
    assert changed.json()["notes"] == "Nouvelles notes" and len(changed.json()["lines"]) == 1
    assert api.delete(f"/api/v1/invoices/{draft.pk}").status_code == 204
    issued = issued_invoice(customer, direction)
    for response in (
        api.patch(f"/api/v1/invoices/{issued.pk}", {"notes": "x"}),
        api.delete(f"/api/v1/invoices/{issued.pk}"),
        api.post(f"/api/v1/invoices/{issued.pk}/issue", {}),
    ):
        assert response.status_code == 409
        assert f"La facture {issued.number} est émise" in response.json()["detail"]
    issued.refresh_from_db()
    assert issued.notes == "" and Invoice.objects.filter(pk=issued.pk).exists()


def test_issue_gives_a_number_and_refuses_an_empty_invoice(api_for, direction):
    customer = CustomerFactory()
    api = api_for(direction)
    draft = draft_invoice(customer, direction)
    response = api.post(f"/api/v1/invoices/{draft.pk}/issue", {})
    assert response.status_code == 200
    body = response.json()
    year = timezone.localdate().year
    assert body["number"] == f"F-{year}-00001" and body["status"] == "issued"
    assert body["amount_due"] == "96.00" and body["issue_date"] == str(timezone.localdate())
    empty = api.post("/api/v1/invoices", {"customer_id": customer.pk}).json()
    refused = api.post(f"/api/v1/invoices/{empty['id']}/issue", {})
    assert refused.status_code == 422
    assert "sans ligne chiffrée" in refused.json()["detail"][0]["msg"]


def test_issue_refuses_a_vat_rate_no_longer_in_the_list(api_for, direction):
    draft = draft_invoice(CustomerFactory(), direction)
    rate = vat_rate("20")
    rate.is_active = False
    rate.save()
    response = api_for(direction).post(f"/api/v1/invoices/{draft.pk}/issue", {})
    assert response.status_code == 422
    assert "taux de TVA" in response.json()["detail"][0]["msg"]
    draft.refresh_from_db()
    assert draft.number is None


def test_credit_notes_total_partial_and_too_much(api_for, direction):
    api = api_for(direction)
    invoice = issued_invoice(CustomerFactory(), direction, lines=2)  # 2 x 96.00
    [first, _second] = invoice.lines.order_by("position")
    url = f"/api/v1/invoices/{invoice.pk}/credit-note"
    by_lines = api.post(url, {"lines": [{"line_id": first.pk, "quantity": "1"}]})
    assert by_lines.status_code == 201, by_lines.content
    note = by_lines.json()
    assert note["kind"] == "credit_note" and note["number"].startswith("A-")
    assert note["credited_invoice_id"] == invoice.pk and note["total_gross"] == "48.00"
    assert note["lines"][0]["credited_line_id"] == first.pk
    by_amount = api.post(url, {"amount": "12.34"})
    assert by_amount.status_code == 201 and by_amount.json()["total_gross"] == "12.34"
    too_much = api.post(url, {"lines": [{"line_id": first.pk, "quantity": "2"}]})
    assert too_much.status_code == 422 and "il reste" in too_much.json()["detail"][0]["msg"]
    over = api.post(url, {"amount": "500.00"})
    assert over.status_code == 422 and "à créditer" in errors(over)["amount"]
    rest = api.post(url, {})
    assert rest.status_code == 201 and rest.json()["total_gross"] == "131.66"
    read = api.get(f"/api/v1/invoices/{invoice.pk}").json()
    assert read["status"] == "cancelled" and read["amount_due"] == "0.00"
    assert api.post(url, {}).status_code == 422


def test_the_pdf_and_the_facturx_xml(api_for, direction, invoice_pdf):
    api = api_for(direction)
    invoice = issued_invoice(CustomerFactory(), direction)
    pdf = api.get(f"/api/v1/invoices/{invoice.pk}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]).startswith(b"%PDF")
    draft = draft_invoice(invoice.customer, direction)
    assert api.get(f"/api/v1/invoices/{draft.pk}/facturx.xml").status_code == 409
    xml = api.get(f"/api/v1/invoices/{invoice.pk}/facturx.xml")
    assert xml.status_code == 200 and xml["Content-Type"] == "application/xml"
    assert invoice.number.encode() in xml.content


def test_send_queues_an_email_and_answers_202(api_for, direction, company, invoice_pdf):
    api = api_for(direction)
    invoice = issued_invoice(CustomerFactory(email="client@example.fr"), direction)
    response = api.post(f"/api/v1/invoices/{invoice.pk}/send", {})
    assert response.status_code == 202
    assert response.json()["to"] == ["client@example.fr"]
    assert response.json()["status"] == "pending"
    other = api.post(
        f"/api/v1/invoices/{invoice.pk}/send", {"to": ["a@example.fr"], "subject": "Facture"}
    )
    assert other.status_code == 202 and other.json()["subject"] == "Facture"
    emails = api.get(f"/api/v1/invoices/{invoice.pk}").json()["emails"]
    assert [email["to"] for email in emails] == [["a@example.fr"], ["client@example.fr"]]
    draft = draft_invoice(invoice.customer, direction)
    assert api.post(f"/api/v1/invoices/{draft.pk}/send", {}).status_code == 409
    nobody = issued_invoice(CustomerFactory(email=""), direction)
    refused = api.post(f"/api/v1/invoices/{nobody.pk}/send", {})
    assert refused.status_code == 422 and "par courrier" in errors(refused)["to"]
    assert OutboxEmail.objects.count() == 2


def accepted_quote(customer, by):
    quote = quote_create(customer=customer, by=by)
    quote_line_add(
        quote=quote,
        by=by,
        line_type="free",
        description="Remise en état",
        quantity=Decimal(1),
        unit_price=Decimal("300"),
        vat_rate=vat_rate("10"),
    )
    quote_finalize(quote=quote, by=by)
    return quote_accept(quote=quote, by=by)


def test_invoice_an_accepted_quote_once(api_for, direction):
    customer = CustomerFactory()
    api = api_for(direction)
    quote = accepted_quote(customer, direction)
    response = api.post(f"/api/v1/quotes/{quote.pk}/invoice", {})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft" and body["total_gross"] == "330.00"
    assert api.post(f"/api/v1/quotes/{quote.pk}/invoice", {}).status_code == 409
    draft_quote = quote_create(customer=customer, by=direction)
    refused = api.post(f"/api/v1/quotes/{draft_quote.pk}/invoice", {})
    assert refused.status_code == 422 and "accepté" in refused.json()["detail"][0]["msg"]


def test_list_filters(api_for, direction):
    api = api_for(direction)
    alpha = CustomerFactory(name="Alpha Nettoyage")
    beta = CustomerFactory(name="Beta Services")
    first = issued_invoice(alpha, direction)
    second = issued_invoice(beta, direction)
    draft = draft_invoice(beta, direction)
    note = api.post(f"/api/v1/invoices/{first.pk}/credit-note", {"amount": "10.00"}).json()
    Invoice.objects.filter(pk=second.pk).update(
        due_date=timezone.localdate() - timedelta(days=1),
        issue_date=timezone.localdate() - timedelta(days=40),
    )

    def ids(**params):
        response = api.get("/api/v1/invoices", params)
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    assert ids() == {first.pk, second.pk, draft.pk, note["id"]}
    assert ids(customer_id=beta.pk) == {second.pk, draft.pk}
    assert ids(status="draft") == {draft.pk}
    assert ids(kind="credit_note") == {note["id"]}
    assert ids(q="alpha") == {first.pk, note["id"]}
    assert ids(q=first.number) == {first.pk}
    assert ids(overdue="true") == {second.pk}
    assert second.pk not in ids(overdue="false")
    today = str(timezone.localdate())
    assert ids(start=today, end=today) == {first.pk, note["id"]}
    page = api.get("/api/v1/invoices", {"limit": 2, "offset": 0}).json()
    assert page["count"] == 4 and len(page["items"]) == 2
    refused = api.get("/api/v1/invoices", {"status": "perdue"})
    assert refused.status_code == 422 and errors(refused)["status"]
    summary = api.get("/api/v1/invoices", {"q": first.number}).json()["items"][0]
    assert summary["customer_name"] == "Alpha Nettoyage" and summary["site_ids"] == []
    assert summary["amount_due"] == "86.00" and summary["status"] == "issued"


def test_the_list_does_not_grow_its_queries_with_its_rows(api_for, direction):
    api = api_for(direction)
    customer = CustomerFactory()
    site = SiteFactory(customer=customer)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/invoices").status_code == 200
        return len(queries)

    invoice = issued_invoice(customer, direction)
    invoice.sites.add(site)
    few = count_queries()
    for _ in range(5):
        issued_invoice(CustomerFactory(), direction).sites.add(SiteFactory())
    assert count_queries() == few
    assert few <= 7  # token, its last use, count, page, sites


def test_who_reads_and_who_writes(api_for, direction, rep, other_rep, planner, accountant):
    customer = CustomerFactory(sales_rep=rep)
    invoice = issued_invoice(customer, direction)
    draft = draft_invoice(customer, direction)
    url = f"/api/v1/invoices/{invoice.pk}"
    assert api_for(rep).get(url).status_code == 200
    listed = api_for(rep).get("/api/v1/invoices").json()["items"]
    assert [item["id"] for item in listed] == [draft.pk, invoice.pk]  # drafts first
    assert api_for(other_rep).get(url).status_code == 404
    assert api_for(other_rep).get("/api/v1/invoices").json()["count"] == 0
    assert api_for(rep).patch(f"/api/v1/invoices/{draft.pk}", {"notes": "x"}).status_code == 403
    assert api_for(rep).post(f"{url}/credit-note", {}).status_code == 403
    created = api_for(rep).post("/api/v1/invoices", {"customer_id": customer.pk})
    assert created.status_code == 403
    for path in ("", "/pdf", "/facturx.xml"):
        assert api_for(planner).get(url + path).status_code == 404, path
    assert api_for(planner).get("/api/v1/invoices").status_code == 404
    assert (
        api_for(planner).post("/api/v1/invoices", {"customer_id": customer.pk}).status_code == 404
    )
    assert api_for(planner).post(f"{url}/send", {}).status_code == 404
    assert api_for(accountant).post(f"/api/v1/invoices/{draft.pk}/issue", {}).status_code == 200
