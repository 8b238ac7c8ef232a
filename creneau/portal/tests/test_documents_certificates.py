"""Attestations fiscales and documents: the lists, the downloads, who sees them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from creneau.portal.tests.pages_data import (
    DOCUMENT_NOTE,
    PDF_BYTES,
    assert_no_secret,
    certificate_for,
    customer_data,
    document_for,
    portal_access,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return customer_data(quotes=False)


@pytest.fixture
def stranger():
    return customer_data(quotes=False)


# Attestations fiscales ----------------------------------------------------------------


def test_the_owner_sees_its_certificates_by_year_and_downloads_them(owner, portal_client_for):
    older = certificate_for(owner.customer, year=2024)
    client = portal_client_for(portal_access(owner.customer))
    response = client.get(reverse("portal:certificates"))
    assert response.status_code == 200
    years = [certificate.year for certificate in response.context["page"].object_list]
    assert years == [2025, 2024]
    assert "1\u202f234,50" in response.content.decode()
    download = client.get(reverse("portal:certificate_pdf", args=[older.pk]))
    assert download.status_code == 200
    assert download.content == PDF_BYTES + b"cert"
    assert download["Content-Disposition"].startswith("attachment")
    assert "attestation-fiscale-2024" in download["Content-Disposition"]
    assert download["Cache-Control"] == "private, no-store"


def test_another_customers_certificate_answers_404(owner, stranger, portal_client_for):
    client = portal_client_for(portal_access(owner.customer))
    url = reverse("portal:certificate_pdf", args=[stranger.certificate.pk])
    assert client.get(url).status_code == 404
    response = client.get(reverse("portal:certificates"))
    assert [c.pk for c in response.context["page"].object_list] == [owner.certificate.pk]


def test_a_site_level_access_has_no_certificates(owner, portal_client_for):
    client = portal_client_for(portal_access(owner.customer, site=owner.sites[2]))
    assert client.get(reverse("portal:certificates")).status_code == 404
    url = reverse("portal:certificate_pdf", args=[owner.certificate.pk])
    assert client.get(url).status_code == 404
    # Nor does its menu offer them.
    html = client.get(reverse("portal:documents")).content.decode()
    assert reverse("portal:certificates") not in html


def test_the_certificates_list_reads_a_bounded_number_of_queries(
    owner, portal_client_for, django_assert_max_num_queries
):
    for year in range(2000, 2024):
        certificate_for(owner.customer, year=year)
    client = portal_client_for(portal_access(owner.customer))
    for page in ("1", "2", "x"):
        with django_assert_max_num_queries(8):
            assert client.get(reverse("portal:certificates"), {"page": page}).status_code == 200


# Documents ------------------------------------------------------------------------------


def test_the_owner_sees_only_the_shared_documents(owner, portal_client_for):
    client = portal_client_for(portal_access(owner.customer))
    response = client.get(reverse("portal:documents"))
    assert response.status_code == 200
    shown = {document.pk for document in response.context["page"].object_list}
    assert shown == {document.pk for document in owner.documents}
    html = response.content.decode()
    assert "rib-prive.pdf" not in html
    assert DOCUMENT_NOTE not in html
    assert_no_secret(html)
    document = owner.documents[0]
    download = client.get(reverse("portal:document", args=[document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES + document.name.encode()
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Cache-Control"] == "private, no-store"


def test_a_document_not_shared_answers_404(owner, portal_client_for):
    client = portal_client_for(portal_access(owner.customer))
    url = reverse("portal:document", args=[owner.hidden_document.pk])
    assert client.get(url).status_code == 404


def test_another_customers_documents_answer_404(owner, stranger, portal_client_for):
    client = portal_client_for(portal_access(owner.customer))
    for document in stranger.documents:
        assert client.get(reverse("portal:document", args=[document.pk])).status_code == 404
    assert client.get(f"/portail/documents/{'9' * 25}/").status_code == 404


def test_a_site_level_access_sees_its_sites_documents_only(owner, portal_client_for):
    site = owner.sites[1]
    account_wide = document_for(owner.customer, None, visible=True, name="conditions.pdf")
    client = portal_client_for(portal_access(owner.customer, site=site))
    response = client.get(reverse("portal:documents"))
    assert [document.site_id for document in response.context["page"].object_list] == [site.pk]
    for document in [*owner.documents, account_wide]:
        expected = 200 if document.site_id == site.pk else 404
        url = reverse("portal:document", args=[document.pk])
        assert client.get(url).status_code == expected


def test_the_documents_list_reads_a_bounded_number_of_queries(
    owner, portal_client_for, django_assert_max_num_queries
):
    for number in range(30):
        document_for(owner.customer, owner.sites[0], visible=True, name=f"photo-{number}.pdf")
    client = portal_client_for(portal_access(owner.customer))
    for page in ("1", "2", "-1"):
        with django_assert_max_num_queries(8):
            assert client.get(reverse("portal:documents"), {"page": page}).status_code == 200


def test_a_stranger_is_sent_to_the_portal_login(owner, client):
    for url in (
        reverse("portal:certificates"),
        reverse("portal:certificate_pdf", args=[owner.certificate.pk]),
        reverse("portal:documents"),
        reverse("portal:document", args=[owner.documents[0].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/portail/?next=")
