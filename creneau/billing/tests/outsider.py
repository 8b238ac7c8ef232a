"""Invoicing's URLs of customer data, for the outsider test (creneau/tests/test_outsider.py).

A sales rep reads its customers' invoices but writes none: the writing pages are listed as
POSTs (the owner's GETs must answer 200).
"""

from creneau.billing.credit_notes import credit_note_create
from creneau.billing.tests.factories import draft_invoice, issued_invoice
from creneau.quotes.services import quote_create


def build(customer, owner) -> dict:
    invoice = issued_invoice(customer=customer)
    credit_note = credit_note_create(invoice=invoice, by=None, lines=None)
    draft = draft_invoice(customer=customer)
    return {
        "customer": customer,
        "invoice": invoice,
        "credit_note": credit_note,
        "draft": draft,
        "line": draft.lines.first(),
        "quote": quote_create(customer=customer, by=owner),
    }


def pages(objects) -> list[tuple[str, str]]:
    customer, quote = objects["customer"].pk, objects["quote"].pk
    invoice, draft = f"/invoices/{objects['invoice'].pk}", f"/invoices/{objects['draft'].pk}"
    line = f"/invoices/lines/{objects['line'].pk}"
    return [
        ("get", f"/invoices/customer/{customer}/"),
        ("get", f"{invoice}/"),
        ("get", f"/invoices/{objects['credit_note'].pk}/"),
        ("get", f"{invoice}/pdf/"),
        ("post", f"{invoice}/credit-note/"),
        # Only direction and accounting open the send page: the owner (a sales rep) gets
        # 403, so it is walked by POST (404 for the outsider before any right is checked).
        ("post", f"{invoice}/send/"),
        ("get", f"{draft}/"),
        ("get", f"{draft}/lines/"),
        ("post", f"{draft}/header/"),
        ("post", f"{draft}/lines/add/"),
        ("post", f"{draft}/issue/"),
        ("post", f"{draft}/delete/"),
        ("post", f"{line}/"),
        ("post", f"{line}/delete/"),
        ("post", f"/invoices/from-quote/{quote}/"),
    ]


def api(objects) -> list[tuple[str, str]]:
    url = f"/api/v1/invoices/{objects['draft'].pk}"
    issued = f"/api/v1/invoices/{objects['invoice'].pk}"
    return [
        ("get", issued),
        ("patch", url),
        ("delete", url),
        ("post", f"{url}/issue"),
        ("post", f"{issued}/credit-note"),
        ("get", f"{issued}/pdf"),
        ("get", f"{issued}/facturx.xml"),
        ("post", f"{issued}/send"),
        ("post", f"/api/v1/quotes/{objects['quote'].pk}/invoice"),
    ]
