"""In the browser: a billing run from the form to the summary. The preview is unticked by
HTMX, the issuing is followed by polling; screenshots in test-artifacts/billing/."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import ARTIFACTS, browser_login
from creneau.billing.forms_runs import last_month
from creneau.billing.models import BillingRun, Invoice
from creneau.billing.runs import billing_run_execute
from creneau.billing.tests.runs_helpers import (
    customer_with_sites,
    done_visit,
    hourly_service,
    visit_service,
)

SCREENSHOTS = Path(ARTIFACTS) / "billing"


def last_month_visits() -> None:
    start, _end = last_month(timezone.localdate())
    hourly, windows = hourly_service(), visit_service()
    for name, email in (("Syndic Horizon Gestion", "compta@horizon.fr"), ("Cabinet Martin", "")):
        _customer, (hall, office) = customer_with_sites(["A", "B"], name=name, email=email)
        for days in (2, 5, 9, 12):
            done_visit(hall, hourly, start + timedelta(days=days))
        done_visit(hall, windows, start + timedelta(days=6))
        done_visit(office, hourly, start + timedelta(days=3))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_billing_run_from_form_to_summary(browser_page, direction):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    last_month_visits()
    page = browser_page
    browser_login(page, "direction")
    page.goto(f"{page.base_url}/invoices/runs/new/")
    expect(page.get_by_role("heading", name="Nouvelle facturation")).to_be_visible()
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect(page.locator(".billing-run-item")).to_have_count(4)
    expect(page.locator("#run-totals")).to_contain_text("4 factures proposées")
    expect(page.locator(".billing-run-item").first).to_contain_text("4 passages")
    page.screenshot(path=SCREENSHOTS / "run-preview.png", full_page=True)

    # Untick the Cabinet Martin's group B: its block greys out, the totals follow.
    run = BillingRun.objects.get()
    item = run.items.get(customer__name="Cabinet Martin", billing_group="B")
    page.locator(f"#item-{item.pk}").uncheck()
    expect(page.locator(f"#run-item-{item.pk}")).to_have_class(
        "app-card p-3 mb-2 billing-run-item billing-run-item-excluded"
    )
    expect(page.locator("#run-totals")).to_contain_text("3 factures proposées")

    page.get_by_role("button", name="Émettre").click()
    expect(page.locator("#run-progress")).to_contain_text("0 sur 3 factures")
    page.screenshot(path=SCREENSHOTS / "run-progress.png", full_page=True)
    billing_run_execute(run_id=run.pk)  # what the task worker does meanwhile
    expect(page.locator("#summary-issued")).to_have_text("3", timeout=10_000)
    # The Cabinet Martin has no e-mail: its group A is to be posted (B was left out).
    expect(page.locator("#summary-to-post")).to_have_text("1")
    page.screenshot(path=SCREENSHOTS / "run-summary.png", full_page=True)
    assert Invoice.objects.filter(status="issued").count() == 3
