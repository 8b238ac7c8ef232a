"""The customer record's URLs, for the outsider test (creneau/tests/test_outsider.py)."""

from creneau.customers.models import InvoiceRecipient
from creneau.customers.tests.factories import ContactFactory, SiteFactory


def build(customer, owner) -> dict:
    return {
        "customer": customer,
        "site": SiteFactory(customer=customer),
        "contact": ContactFactory(customer=customer),
        "document": document_build(customer, owner),
        "recipient": InvoiceRecipient.objects.create(customer=customer, email="a@example.fr"),
    }


def pages(objects) -> list[tuple[str, str]]:
    """Every page of the record: the record, its tabs, and every form (read and posted)."""
    record = f"/customers/{objects['customer'].pk}"
    site = f"{record}/sites/{objects['site'].pk}"
    contact = f"{record}/contacts/{objects['contact'].pk}"
    readable = [
        f"{record}/", f"{record}/general/", f"{record}/notes/", f"{record}/history/",
        f"{record}/sites/", f"{record}/contacts/",
    ]  # fmt: skip
    forms = [
        f"{record}/general/edit/", f"{record}/notes/edit/", f"{record}/sites/new/",
        f"{site}/edit/", f"{record}/contacts/new/", f"{contact}/edit/",
        f"{record}/recipients/new/",
    ]  # fmt: skip
    actions = [
        f"{record}/active/", f"{record}/delete/", f"{site}/active/", f"{site}/delete/",
        f"{contact}/delete/", f"{record}/recipients/{objects['recipient'].pk}/delete/",
    ]  # fmt: skip
    return [
        *(("get", path) for path in readable + forms),
        *(("post", path) for path in forms + actions),
        *document_pages(objects),
    ]


def api(objects) -> list[tuple[str, str]]:
    """Every API route that takes the id of customer data (not families: every role reads them)."""
    paths = [
        f"/api/v1/customers/{objects['customer'].pk}",
        f"/api/v1/sites/{objects['site'].pk}",
        f"/api/v1/contacts/{objects['contact'].pk}",
    ]
    return [
        *((method, path) for path in paths for method in ("get", "patch", "delete")),
        *document_api(objects),
        *recipient_api(objects),
    ]


def recipient_api(objects) -> list[tuple[str, str]]:
    url = f"/api/v1/customers/{objects['customer'].pk}/invoice-recipients"
    return [("get", url), ("post", url), ("delete", f"{url}/{objects['recipient'].pk}")]


def document_build(customer, owner):
    """An image document (so that its thumbnail exists too)."""
    from creneau.customers.documents.services import document_upload
    from creneau.customers.tests.document_samples import image_bytes, upload

    photo = upload("photo.png", image_bytes())
    return document_upload(customer=customer, by=owner, file=photo, kind="photo")


def document_pages(objects) -> list[tuple[str, str]]:
    customer, document = objects["customer"].pk, objects["document"].pk
    return [
        ("get", f"/customers/{customer}/documents/"),
        ("get", f"/customers/{customer}/documents/list/"),
        ("post", f"/customers/{customer}/documents/upload/"),
        ("get", f"/customers/documents/{document}/"),
        ("get", f"/customers/documents/{document}/edit/"),
        ("post", f"/customers/documents/{document}/edit/"),
        ("post", f"/customers/documents/{document}/delete/"),
        ("get", f"/customers/documents/{document}/open/"),
        ("get", f"/customers/documents/{document}/download/"),
        ("get", f"/customers/documents/{document}/thumbnail/"),
    ]


def document_api(objects) -> list[tuple[str, str]]:
    customer, document = objects["customer"].pk, objects["document"].pk
    return [
        ("get", f"/api/v1/customers/{customer}/documents"),
        ("post", f"/api/v1/customers/{customer}/documents"),
        ("get", f"/api/v1/documents/{document}"),
        ("patch", f"/api/v1/documents/{document}"),
        ("get", f"/api/v1/documents/{document}/download"),
        ("delete", f"/api/v1/documents/{document}"),
    ]
