"""Quotes' URLs, for the outsider test (creneau/tests/test_outsider.py)."""

from decimal import Decimal

from creneau.catalog.tests.factories import vat_rate
from creneau.quotes.services import quote_create, quote_line_add


def build(customer, owner) -> dict:
    quote = quote_create(customer=customer, by=owner)
    line = quote_line_add(
        quote=quote,
        by=owner,
        line_type="free",
        description="Nettoyage",
        quantity=Decimal(1),
        unit_price=Decimal(10),
        vat_rate=vat_rate("20"),
    )
    return {"customer": customer, "quote": quote, "line": line}


def pages(objects) -> list[tuple[str, str]]:
    customer, quote, line = objects["customer"], objects["quote"], objects["line"]
    q, ln = f"/quotes/{quote.pk}", f"/quotes/lines/{line.pk}"
    return [
        ("get", f"/quotes/customer/{customer.pk}/"),
        ("get", f"/quotes/new/?customer={customer.pk}"),
        ("get", f"{q}/"),
        ("post", f"{q}/header/"),
        ("post", f"{q}/lines/"),
        ("post", f"{q}/lines/reorder/"),
        ("get", f"{q}/services/?q=a"),
        ("get", f"{q}/send/"),
        ("post", f"{q}/send/"),
        ("get", f"{q}/pdf/"),
        ("post", f"{q}/finalize/"),
        ("post", f"{q}/accept/"),
        ("post", f"{q}/refuse/"),
        ("post", f"{q}/duplicate/"),
        ("post", f"{q}/plan/"),
        ("post", f"{q}/delete/"),
        ("post", f"{ln}/"),
        ("post", f"{ln}/move/"),
        ("post", f"{ln}/delete/"),
    ]


def api(objects) -> list[tuple[str, str]]:
    quote, line = objects["quote"], objects["line"]
    q = f"/api/v1/quotes/{quote.pk}"
    return [
        ("get", q),
        ("patch", q),
        ("delete", q),
        ("get", f"{q}/lines"),
        ("post", f"{q}/lines"),
        ("patch", f"{q}/lines/{line.pk}"),
        ("delete", f"{q}/lines/{line.pk}"),
        ("post", f"{q}/reorder"),
        ("post", f"{q}/finalize"),
        ("post", f"{q}/send"),
        ("post", f"{q}/accept"),
        ("post", f"{q}/refuse"),
        ("post", f"{q}/duplicate"),
        ("post", f"{q}/plan"),
        ("get", f"{q}/pdf"),
    ]
