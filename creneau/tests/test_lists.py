"""Every list filters as you type: its filter form asks htmx for the results only, with the
filter applied, the URL pushed, and its sort links, pages and CSV export keeping the filter.
One wording for the export: "Exporter en CSV"."""

from __future__ import annotations

import re

import pytest

from creneau.catalog.tests.factories import ServiceFactory
from creneau.core.tests.test_email_views import make_email
from creneau.customers.tests.factories import CustomerFactory
from creneau.quotes.tests.factories import QuoteFactory


def htmx(target: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target}


def filter_form(html: str, form_id: str) -> str:
    match = re.search(rf'<form id="{form_id}"[^>]*>', html)
    assert match, f"no #{form_id} form"
    return match.group(0)


@pytest.fixture
def quotes(rep):
    horizon = QuoteFactory(customer=CustomerFactory(sales_rep=rep, name="Syndic Horizon"))
    tilleuls = QuoteFactory(customer=CustomerFactory(sales_rep=rep, name="Les Tilleuls"))
    return horizon, tilleuls


@pytest.mark.django_db
def test_the_quotes_list_answers_htmx_with_the_filtered_results_only(quotes, rep, client_for):
    client = client_for(rep)
    page = client.get("/quotes/").content.decode()
    form = filter_form(page, "quote-filters")
    assert 'hx-get="/quotes/"' in form and 'hx-target="#quote-results"' in form
    assert 'hx-push-url="true"' in form and "input changed" in form

    response = client.get(
        "/quotes/", {"q": "horizon", "sort": "customer"}, headers=htmx("quote-results")
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Syndic Horizon" in html and "Les Tilleuls" not in html
    assert "1 devis" in html
    # The export, the sort links and the sort field the form sends next keep the filter.
    assert 'href="/quotes/export.csv?q=horizon&amp;sort=customer"' in html
    assert 'hx-get="/quotes/?q=horizon&amp;sort=-customer"' in html
    assert 'id="id_sort" value="customer" hx-swap-oob="true"' in html
    assert response["Vary"].count("HX-Request") == 1

    # A reload, or htmx restoring history, gets the whole page.
    restore = htmx("quote-results") | {"HX-History-Restore-Request": "true"}
    full = client.get("/quotes/", {"q": "horizon"}, headers=restore)
    assert "<html" in full.content.decode()


@pytest.mark.django_db
def test_the_quotes_list_pages_in_place_with_the_filter(rep, client_for):
    customer = CustomerFactory(sales_rep=rep, name="Syndic Horizon")
    QuoteFactory.create_batch(26, customer=customer)
    QuoteFactory(customer=CustomerFactory(sales_rep=rep, name="Les Tilleuls"))
    html = client_for(rep).get("/quotes/", {"q": "horizon"}, headers=htmx("quote-results"))
    html = html.content.decode()
    assert "26 devis" in html and "Page 1 sur 2" in html
    assert 'hx-get="/quotes/?q=horizon&amp;page=2" hx-target="#quote-results"' in html


@pytest.mark.django_db
def test_the_catalogue_answers_htmx_with_the_filtered_results_only(direction, client_for):
    ServiceFactory(code="VIT-STD", label="Nettoyage de vitres")
    ServiceFactory(code="JAR-TAI", label="Taille de haies")
    ServiceFactory(code="VIT-OLD", label="Vitres (ancien tarif)", is_active=False)
    client = client_for(direction)
    form = filter_form(client.get("/catalog/").content.decode(), "service-filters")
    assert 'hx-target="#service-results"' in form and 'hx-push-url="true"' in form

    response = client.get("/catalog/", {"q": "vit", "active": "1"}, headers=htmx("service-results"))
    html = response.content.decode()
    assert "<html" not in html and "1 prestation" in html
    assert "VIT-STD" in html and "JAR-TAI" not in html and "VIT-OLD" not in html
    assert 'href="/catalog/export.csv?q=vit&amp;active=1"' in html
    assert 'hx-get="/catalog/?q=vit&amp;active=1&amp;sort=label"' in html
    # An empty "État" means every service: it stays in the URL and shows the inactive one.
    html = client.get("/catalog/", {"q": "vit", "active": ""}, headers=htmx("service-results"))
    assert "VIT-OLD" in html.content.decode()


@pytest.mark.django_db
def test_the_outbox_answers_htmx_with_the_filtered_results_only(direction, client_for):
    make_email("sent", 1)
    make_email("failed", 2)
    make_email("failed", 3, to=["syndic@example.fr"])
    client = client_for(direction)
    form = filter_form(client.get("/settings/emails/").content.decode(), "email-filters")
    assert 'hx-target="#email-results"' in form and 'hx-push-url="true"' in form

    response = client.get(
        "/settings/emails/", {"status": "failed", "q": "syndic"}, headers=htmx("email-results")
    )
    html = response.content.decode()
    assert "<html" not in html and "1 e-mail" in html
    assert "D-2026-00003" in html and "D-2026-00002" not in html and "D-2026-00001" not in html


@pytest.mark.django_db
def test_every_list_that_exports_says_exporter_en_csv(quotes, direction, client_for):
    ServiceFactory()
    client = client_for(direction)
    for path, export in (
        ("/customers/", "/customers/export.csv"),
        ("/quotes/", "/quotes/export.csv"),
        ("/catalog/", "/catalog/export.csv"),
    ):
        html = client.get(path).content.decode()
        button = re.search(rf'<a [^>]*href="{re.escape(export)}[^"]*"[^>]*>(.*?)</a>', html)
        assert button, path
        assert button.group(1).endswith("Exporter en CSV"), path
        assert "Exporter (CSV)" not in html
