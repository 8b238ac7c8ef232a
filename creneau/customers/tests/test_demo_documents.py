"""The demo data's documents: a RIB and a site photo on some customers, loaded once."""

import io

import pytest
from pypdf import PdfReader

from creneau.customers.demo_documents import demo_documents
from creneau.customers.models import Document
from creneau.customers.tests.factories import CustomerFactory, SiteFactory


@pytest.mark.django_db
def test_demo_documents_attach_a_rib_and_a_photo_and_run_again(rep, private_storage):
    customers = [CustomerFactory(sales_rep=rep) for _ in range(8)]
    SiteFactory(customer=customers[0], name="Siège")
    assert demo_documents(customers) == 3  # customers 0 and 7 get a RIB; 0 has a site

    rib = Document.objects.get(customer=customers[0], kind="rib")
    assert (rib.name, rib.content_type, rib.uploaded_by) == ("RIB.pdf", "application/pdf", rep)
    with rib.file.open("rb") as pdf:
        text = PdfReader(io.BytesIO(pdf.read())).pages[0].extract_text()
    assert "Relevé d\N{RIGHT SINGLE QUOTATION MARK}identité bancaire" in text  # Typst typography
    assert customers[0].name in text
    photo = Document.objects.get(customer=customers[0], kind="photo")
    assert (photo.content_type, photo.site.name) == ("image/jpeg", "Siège")

    assert demo_documents(customers) == 0
    assert Document.objects.count() == 3
