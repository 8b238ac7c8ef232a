"""The Documents tab in Chromium: files dropped from the desktop upload with a progress bar
and appear in the list; the picker works too; edit and delete happen in place."""

from __future__ import annotations

import base64

import pytest

from conftest import ARTIFACTS, browser_login
from creneau.customers.models import Document
from creneau.customers.tests import document_samples as samples
from creneau.customers.tests.factories import CustomerFactory, SiteFactory

# Builds File objects in the page and drops them on the zone, as a drag from the desktop
# does: dragover (which the page must accept), then drop with the files.
DROP_FILES = """
async ({files}) => {
  const transfer = new DataTransfer();
  for (const file of files) {
    const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], file.name, {type: file.type}));
  }
  const zone = document.querySelector("[data-document-dropzone] .document-drop-area");
  const init = {bubbles: true, cancelable: true, dataTransfer: transfer};
  const accepted = !zone.dispatchEvent(new DragEvent("dragover", init));
  zone.dispatchEvent(new DragEvent("drop", init));
  return accepted;
}
"""


def as_js_file(name: str, data: bytes, content_type: str) -> dict:
    return {"name": name, "data": base64.b64encode(data).decode(), "type": content_type}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_drop_files_on_the_record_and_see_them_listed(browser_page, rep, tmp_path):
    page = browser_page
    customer = CustomerFactory(sales_rep=rep, name="Dupont Électricité")
    SiteFactory(customer=customer, name="Entrepôt de Montreuil")
    browser_login(page, "commercial1")
    page.goto(f"{page.base_url}/customers/{customer.pk}/documents/")
    page.wait_for_selector("[data-document-dropzone].is-enhanced")

    page.select_option("#document_upload_kind", "rib")
    dropped = page.evaluate(
        DROP_FILES,
        {
            "files": [
                as_js_file("RIB Dupont.pdf", samples.pdf_bytes(("RIB",)), "application/pdf"),
                as_js_file("façade.png", samples.image_bytes(size=(600, 400)), "image/png"),
                as_js_file("piège.pdf", samples.HTML, "application/pdf"),
            ]
        },
    )
    assert dropped, "the drop zone must accept a drag carrying files"
    uploads = page.locator(".document-upload")
    listing = page.locator("#documents-list")
    listing.get_by_role("link", name="RIB Dupont.pdf", exact=True).wait_for()
    listing.get_by_role("link", name="façade.png", exact=True).wait_for()
    assert uploads.count() == 3
    page.locator(".document-upload.is-refused").wait_for()
    refused = page.locator(".document-upload.is-refused").inner_text()
    assert "piège.pdf" in refused and "Type de fichier non accepté" in refused
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.document-thumb')]"
        ".every((img) => img.complete && img.naturalWidth > 0)"
    )

    # The picker, for those who do not drag.
    contract = tmp_path / "Contrat d'entretien.docx"
    contract.write_bytes(samples.docx_bytes())
    page.select_option("#document_upload_kind", "contract")
    page.set_input_files("[data-document-input]", str(contract))
    listing.get_by_role("link", name="Contrat d'entretien.docx", exact=True).wait_for()
    assert Document.objects.filter(customer=customer).count() == 3
    assert Document.objects.get(name="Contrat d'entretien.docx").kind == "contract"
    page.screenshot(path=f"{ARTIFACTS}/documents-tab.png", full_page=True)

    # Rename in place, then filter, then delete with one confirmation.
    row = listing.locator("tr", has_text="RIB Dupont.pdf")
    row.get_by_role("link", name="Modifier RIB Dupont.pdf", exact=True).click()
    page.fill("#documents-list input[name=name]", "RIB Dupont 2026")
    page.screenshot(path=f"{ARTIFACTS}/documents-edit.png")
    page.get_by_role("button", name="Enregistrer").click()
    listing.get_by_role("link", name="RIB Dupont 2026.pdf", exact=True).wait_for()

    page.select_option("#documents-filters select[name=kind]", "contract")
    page.wait_for_function(
        "() => document.querySelectorAll('#documents-list tbody tr').length === 1"
    )

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Supprimer Contrat d'entretien.docx").click()
    page.get_by_text("Aucun document ne correspond à ces filtres.").wait_for()
    assert not Document.objects.filter(name="Contrat d'entretien.docx").exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_tab_loaded_by_htmx_into_a_pane_uploads_once(browser_page, rep):
    """As the record loads it: the partial (and its script) swapped into a tab pane, and
    loaded again when the user comes back to the tab; one drop is still one upload."""
    page = browser_page
    customer = CustomerFactory(sales_rep=rep)
    browser_login(page, "commercial1")
    page.goto(f"{page.base_url}/customers/")
    tab_url = f"/customers/{customer.pk}/documents/"
    for _ in range(2):
        page.evaluate(
            "(url) => htmx.ajax('GET', url, {target: '.app-content', swap: 'innerHTML'})", tab_url
        )
        page.wait_for_selector("[data-document-dropzone].is-enhanced")
    page.evaluate(
        DROP_FILES, {"files": [as_js_file("photo.jpg", samples.image_bytes("JPEG"), "image/jpeg")]}
    )
    page.locator("#documents-list").get_by_role("link", name="photo.jpg", exact=True).wait_for()
    page.locator(".document-upload.is-done").wait_for()
    assert Document.objects.filter(customer=customer).count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_upload_on_the_record_keeps_the_tab_and_the_other_tabs_answer(browser_page, rep, tmp_path):
    """On the record itself (the tab in its pane): after a drop and after a pick, the list
    refreshes in place, the drop zone and filters stay, and another tab still opens."""
    page = browser_page
    customer = CustomerFactory(sales_rep=rep, name="Dupont Électricité")
    SiteFactory(customer=customer, name="Entrepôt de Montreuil")
    browser_login(page, "commercial1")
    page.goto(f"{page.base_url}/customers/{customer.pk}/?tab=documents")
    page.wait_for_selector("#tab-pane [data-document-dropzone].is-enhanced")
    listing = page.locator("#tab-pane #documents-list")

    page.evaluate(
        DROP_FILES, {"files": [as_js_file("photo.jpg", samples.image_bytes("JPEG"), "image/jpeg")]}
    )
    listing.get_by_role("link", name="photo.jpg", exact=True).wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator("#tab-pane").count() == 1
    assert page.locator("#tab-pane [data-document-dropzone]").is_visible()
    assert page.locator("#tab-pane #documents-filters").is_visible()

    contract = tmp_path / "Contrat.pdf"
    contract.write_bytes(samples.pdf_bytes(("Contrat",)))
    page.set_input_files("[data-document-input]", str(contract))
    listing.get_by_role("link", name="Contrat.pdf", exact=True).wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator("#tab-pane [data-document-dropzone]").is_visible()
    assert page.locator("#tab-pane #documents-filters").is_visible()

    page.get_by_role("tab", name="Sites").click()
    page.locator("#tab-pane .app-site-list").get_by_text("Entrepôt de Montreuil").wait_for()
    assert page.locator("#tab-pane [data-document-dropzone]").count() == 0
    page.get_by_role("tab", name="Documents").click()
    page.locator("#tab-pane #documents-list").get_by_text("Contrat.pdf").wait_for()
