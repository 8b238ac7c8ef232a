"""In the browser: a dunning run from the form to the result. The preview is unticked by
HTMX, "Envoyer" asks once; screenshots in test-artifacts/dunning/ (1366 px and 390 px)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS, browser_login
from creneau.core.models import OutboxEmail
from creneau.customers.tests.factories import CustomerFactory
from creneau.payments.models import DunningRun
from creneau.payments.tests import dunning_helpers
from creneau.payments.tests.dunning_helpers import business, days_ago, overdue, run_at

SCREENSHOTS = Path(ARTIFACTS) / "dunning"
company = dunning_helpers.company


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_preview_untick_send(browser_page, direction, company):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    firm = business(name="Syndic Horizon Gestion", email="compta@horizon.fr")
    overdue(firm, due=days_ago(60), price="1450")
    overdue(firm, due=days_ago(12), price="320")
    run_at(days_ago(50), direction)
    run_at(days_ago(30), direction)  # the firm's first invoice is at level 2
    overdue(CustomerFactory(name="Cabinet Martin", email="cabinet@martin.fr"), due=days_ago(9))
    overdue(CustomerFactory(name="Lucie Bernard", email=""), due=days_ago(25), group="B")
    page = browser_page
    browser_login(page, "direction")
    page.get_by_role("link", name="Relances").first.click()
    expect(page.get_by_role("heading", name="Nouvelle campagne de relance")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "runs.png", full_page=True)
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect(page.locator(".dunning-reminder")).to_have_count(3)
    expect(page.locator("#dunning-totals")).to_contain_text("3 relances cochées")
    expect(page.locator(".dunning-reminder", has_text="Syndic Horizon")).to_contain_text(
        "Niveau 3 · Mise en demeure"
    )
    expect(page.locator(".dunning-reminder", has_text="Lucie Bernard")).to_contain_text(
        "Aucune adresse e-mail : courrier seulement."
    )
    page.screenshot(path=SCREENSHOTS / "preview.png", full_page=True)

    run = DunningRun.objects.filter(status="preview").get()
    martin = run.reminders.get(customer__name="Cabinet Martin")
    page.locator(f"#reminder-check-{martin.pk}").uncheck()
    expect(page.locator(f"#reminder-{martin.pk}")).to_have_class(
        "app-card p-3 mb-2 dunning-reminder dunning-reminder-excluded"
    )
    expect(page.locator("#dunning-totals")).to_contain_text("2 relances cochées")
    martin.refresh_from_db()
    assert martin.excluded

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=SCREENSHOTS / "preview-390.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("#result-sent")).to_have_text("2")
    assert len(dialogs) == 1 and "Envoyer les relances cochées" in dialogs[0]
    expect(page.locator("#result-emails")).to_have_text("1")
    expect(page.locator("#result-letters")).to_have_text("2")
    expect(page.locator("#result-letters-pdf")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "result.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=SCREENSHOTS / "result-390.png", full_page=True)
    # Levels 1 and 2 of the firm before, then its mise en demeure.
    emails = list(OutboxEmail.objects.filter(related_type="reminder").order_by("id"))
    assert [email.to for email in emails] == [["compta@horizon.fr"]] * 3
    assert emails[-1].subject.startswith("Mise en demeure de payer")
