"""In the browser: build a quote from two catalogue services, watch the totals follow the
quantity as it is typed, download the PDF."""

import io
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from conftest import ARTIFACTS, browser_login
from creneau.catalog.tests.factories import ServiceFactory, vat_rate
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.quotes.models import Quote
from creneau.quotes.services import quote_create, quote_line_add

NNBSP, NBSP = "\u202f", "\u00a0"


def euros(text: str) -> str:
    return text.replace(" ", NNBSP) + NBSP + "€"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_build_a_quote_type_a_quantity_and_download_the_pdf(browser_page, rep, tmp_path):
    page = browser_page
    customer = CustomerFactory(sales_rep=rep, name="Syndic Horizon Gestion")
    SiteFactory(customer=customer, name="Résidence Les Tilleuls")
    ServiceFactory(code="VIT-STD", label="Nettoyage de vitres", unit="m2",
                   unit_price=Decimal("2.35"), vat_rate=vat_rate("20"))  # fmt: skip
    ServiceFactory(code="NET-PC", label="Entretien des parties communes", unit="visit",
                   unit_price=Decimal("68"), vat_rate=vat_rate("10"))  # fmt: skip

    browser_login(page, "commercial1")
    page.goto(f"{page.base_url}/quotes/new/")
    page.fill("#customer-search", "horizon")
    page.click("text=Syndic Horizon Gestion")
    page.select_option("#id_site", label="Résidence Les Tilleuls")
    page.click("button:has-text('Créer le devis')")
    page.wait_for_url("**/quotes/*/")

    for query, label in (("vitres", "Nettoyage de vitres"), ("parties", "Entretien des parties")):
        page.fill("#service-search", query)
        # The answer to the typed words, not the whole catalogue that the focus asked for:
        # clicked while the list is being replaced, the click would be lost.
        expect(page.locator("#service-results [role=option]")).to_have_count(1)
        page.click(f"#service-results button:has-text('{label}')")
        expect(page.locator("tr.quote-line")).to_have_count(1 if query == "vitres" else 2)
        # The new line takes the focus once swapped in: wait for it, or the next search's
        # text may land in that line's quantity.
        expect(page.locator("tr[data-new-line] input[name=quantity]")).to_be_focused()

    gross = page.locator('[data-total="gross"]')
    expect(gross).to_have_text(euros("77,62"))  # 2.35 + 20 % and 68 + 10 %
    quantity = page.locator("tr.quote-line").first.locator("input[name=quantity]")
    quantity.fill("")
    quantity.press_sequentially("120", delay=60)
    # 120 x 2.35 = 282.00 at 20 % (56.40) and 68.00 at 10 % (6.80)
    expect(page.locator('[data-total="net"]')).to_have_text(euros("350,00"))
    expect(gross).to_have_text(euros("413,20"))
    page.screenshot(path=f"{ARTIFACTS}/quote-editor.png", full_page=True)

    with page.expect_download() as download_info:
        page.click("#quote-pdf")
    path = tmp_path / "devis.pdf"
    download_info.value.save_as(path)
    text = PdfReader(io.BytesIO(path.read_bytes())).pages[0].extract_text()
    assert "413,20" in text and "Nettoyage de vitres" in text

    page.goto(f"{page.base_url}/quotes/")
    expect(page.locator("table.quote-table tbody tr")).to_have_count(1)
    page.screenshot(path=f"{ARTIFACTS}/quote-list.png", full_page=True)
    assert Quote.objects.get().total_gross == Decimal("413.20")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_screens_of_the_catalogue_and_quotes(browser_page, direction, rep, settings, tmp_path):
    """Every screen of the catalogue and quotes over the demo data, photographed for review."""
    from creneau.catalog.models import Service
    from creneau.customers.models import Customer
    from creneau.quotes.demo import demo_quotes

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    demo_quotes()
    Customer.objects.update(sales_rep=rep)
    page = browser_page
    browser_login(page, "direction")
    sent = Quote.objects.filter(status="sent", site__isnull=False).order_by("id").first()
    draft = Quote.objects.filter(status="draft").order_by("id").first()
    service = Service.objects.get(code="VIT-STD")
    screens = [
        ("quotes-list-demo", "/quotes/", "Devis"),
        ("quote-sent", f"/quotes/{sent.pk}/", f"Devis {sent.number}"),
        ("quote-draft", f"/quotes/{draft.pk}/", "Devis brouillon"),
        ("quote-send", f"/quotes/{draft.pk}/send/", "Envoyer le devis"),
        ("quote-tab", f"/quotes/customer/{sent.customer_id}/", "Devis"),
        ("catalog-list", "/catalog/", "Catalogue des prestations"),
        ("catalog-service", f"/catalog/{service.pk}/", "Nettoyage de vitres"),
        ("vat-rates", "/vat-rates/", "Taux de TVA"),
        ("site-prices", f"/customers/sites/{sent.site_id}/prices/", "Prix du site"),
    ]
    for name, path, heading in screens:
        page.goto(f"{page.base_url}{path}")
        expect(page.locator("h1")).to_contain_text(heading)
        page.screenshot(path=f"{ARTIFACTS}/{name}.png", full_page=True)
    page.goto(f"{page.base_url}/quotes/{draft.pk}/")
    page.fill("#service-search", "vitr")
    expect(page.locator("#service-results button")).to_have_count(2)  # window cleaning x2
    page.screenshot(path=f"{ARTIFACTS}/quote-service-search.png")
    # The PDF, inline, in Chromium's own viewer: a picture of the printed page.
    page.set_viewport_size({"width": 1000, "height": 1400})
    page.goto(f"{page.base_url}/quotes/{sent.pk}/pdf/")
    page.wait_for_timeout(2500)
    page.screenshot(path=f"{ARTIFACTS}/quote-pdf.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_drag_the_last_line_to_the_top_by_its_grip(browser_page, rep):
    customer = CustomerFactory(sales_rep=rep, name="Syndic Horizon Gestion")
    quote = quote_create(customer=customer, by=rep)
    quote_line_add(quote=quote, by=rep, line_type="section", description="Parties communes")
    quote_line_add(quote=quote, by=rep, line_type="free", description="Lavage des vitres",
                   quantity=2, unit_price=Decimal(30), vat_rate=vat_rate("20"))  # fmt: skip
    quote_line_add(quote=quote, by=rep, line_type="comment", description="Produits fournis")
    section, priced, comment = line_ids(quote)
    page = browser_page
    browser_login(page, "commercial1")
    page.goto(f"{page.base_url}/quotes/{quote.pk}/")
    rows = page.locator("#quote-lines tr.quote-line")
    expect(rows).to_have_count(3)
    expect(rows.nth(2).locator(".quote-line-grip")).to_have_attribute(
        "title", "Glisser pour déplacer"
    )

    drag_last_to_top(page, rows, screenshot=f"{ARTIFACTS}/quote-lines-dragging.png")
    expect(rows.nth(0)).to_have_attribute("data-line-id", str(comment))
    expect(rows.nth(1)).to_have_attribute("data-line-id", str(section))
    expect(rows.nth(0).locator("button[aria-label='Monter la ligne']")).to_be_disabled()
    expect(page.locator('[data-total="gross"]')).to_have_text(euros("72,00"))
    assert line_ids(quote) == [comment, section, priced]
    page.screenshot(path=f"{ARTIFACTS}/quote-lines-dragged.png", full_page=True)

    drag_last_to_top(page, rows)  # the lines htmx swapped in are sortable again
    expect(rows.nth(0)).to_have_attribute("data-line-id", str(priced))
    assert line_ids(quote) == [priced, comment, section]


def line_ids(quote) -> list[int]:
    return list(quote.lines.order_by("position").values_list("id", flat=True))


def drag_last_to_top(page, rows, screenshot: str | None = None) -> None:
    """Press the last row's grip and move in small steps over the upper part of the first
    row (SortableJS follows real pointer moves, not a single jump), then release and wait
    for the server's answer."""
    # A function: an expression would be eval'd in the page, which the CSP refuses.
    page.wait_for_function("() => Sortable.get(document.querySelector('[data-sortable-lines]'))")
    start = rows.last.locator(".quote-line-grip").bounding_box()
    target = rows.first.bounding_box()
    with page.expect_response("**/lines/reorder/") as answer:
        page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
        page.mouse.down()
        page.mouse.move(start["x"] + start["width"] / 2, start["y"] - 10, steps=5)
        page.mouse.move(target["x"] + 20, target["y"] + target["height"] / 4, steps=20)
        # SortableJS animates the rows it moves (150 ms): on a busy machine the first row
        # may still be sliding under the pointer. Settle at its very top before release.
        page.mouse.move(target["x"] + 20, target["y"] + 2, steps=5)
        page.wait_for_timeout(300)
        if screenshot:
            page.screenshot(path=screenshot)
        page.mouse.up()
    assert answer.value.ok
    # Nothing else in flight when the test reads the database (SQLite locks a table that
    # the live server's thread is writing).
    page.wait_for_load_state("networkidle")
