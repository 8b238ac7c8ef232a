"""In the browser: an import from the upload to the undo, the progress followed by
polling; screenshots at 1366 and 390 px wide in test-artifacts/imports/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from conftest import ARTIFACTS, browser_login
from creneau.customers.models import Customer
from creneau.customers.services import customer_create
from creneau.imports.models import ImportBatch
from creneau.imports.services import batch_check
from creneau.imports.writer import batch_execute

SCREENSHOTS = Path(ARTIFACTS) / "imports"
EXAMPLE = settings.BASE_DIR / "docs/examples/import-clients.csv"


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-1366.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SCREENSHOTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_import_from_upload_to_undo(browser_page, direction):
    page = browser_page
    page.set_default_timeout(60_000)  # a shared, busy machine
    customer_create(by=direction, name="Durand", street="1 rue", postcode="69003", city="Lyon",
                    email="durand@example.fr")  # fmt: skip
    browser_login(page, "direction")
    page.goto(f"{page.base_url}/settings/import/")
    page.set_input_files("#id_file", str(EXAMPLE))
    shoot(page, "1-upload")
    page.get_by_role("button", name="Déposer").click()
    expect(page.get_by_role("heading", name="2. Correspondance des colonnes")).to_be_visible()
    expect(page.locator("#id_col_name")).to_have_value("Raison sociale")
    shoot(page, "2-mapping")
    page.fill("#id_save_as", "Mon export")
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.locator("#import-progress")).to_be_visible()
    batch_check(batch_id=ImportBatch.objects.get().pk)
    expect(page.get_by_role("heading", name="3. Rapport de vérification")).to_be_visible()
    expect(page.get_by_text("Doublon probable de")).to_be_visible()
    shoot(page, "3-report")
    page.get_by_role("button", name="4. Importer").click()
    expect(page.locator("#import-progress")).to_be_visible()
    batch_execute(batch_id=ImportBatch.objects.get().pk)
    expect(page.get_by_role("heading", name="5. Résultat")).to_be_visible()
    expect(page.get_by_text("1 client créé")).to_be_visible()
    shoot(page, "4-result")
    assert Customer.objects.filter(name="Syndic Paris Habitat").exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Annuler l'import").click()
    expect(page.get_by_text("Import annulé le")).to_be_visible()
    assert not Customer.objects.filter(name="Syndic Paris Habitat").exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_workbook_is_converted_with_the_progress_bar(browser_page, direction, tmp_path):
    import openpyxl

    from creneau.imports.services import batch_convert

    page = browser_page
    page.set_default_timeout(60_000)
    workbook = openpyxl.Workbook()
    workbook.active.append(["Raison sociale", "CP", "Ville", "Adresse"])
    workbook.active.append(["Dupont", "01000", "Bourg", "1 rue"])
    path = tmp_path / "clients.xlsx"
    workbook.save(path)
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    browser_login(page, "direction")
    page.goto(f"{page.base_url}/settings/import/")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Déposer").click()
    expect(page.locator("#import-progress")).to_be_visible()
    expect(page.get_by_text("Conversion")).to_be_visible()
    shoot(page, "0-conversion")
    batch_convert(batch_id=ImportBatch.objects.get().pk)
    expect(page.get_by_role("heading", name="2. Correspondance des colonnes")).to_be_visible()
    expect(page.locator("#id_col_name")).to_have_value("Raison sociale")
    assert errors == []
