"""Error pages of our own, in French and in the application's layout, with DEBUG off."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

pytestmark = [pytest.mark.urls("creneau.core.tests.error_urls"), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def production_like(settings):
    settings.DEBUG = False


def assert_application_page(response, *, status: int, title: str, logged_in: bool) -> str:
    html = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert f"<title>{title} · Créneau</title>" in html
    assert f'<h1 class="h4 mt-2">{title}</h1>' in html
    assert 'class="app-sidebar' in html and "css/creneau.css" in html
    assert "Retour à l'accueil" in html or "Retour à l&#x27;accueil" in html
    # Logged in: the whole layout, menu and search; otherwise the brand alone.
    assert ("Rechercher un client" in html) is logged_in
    assert ("Se déconnecter" in html) is logged_in
    assert "Content-Security-Policy" in response.headers
    return html


def test_404_for_a_logged_in_user_is_in_the_layout(client_for, rep):
    response = client_for(rep).get("/customers/999999/")
    html = assert_application_page(response, status=404, title="Page introuvable", logged_in=True)
    assert "la fiche a peut-être été supprimée" in html


def test_404_for_a_visitor_who_is_not_logged_in(db):
    response = Client().get("/no-such-page/")
    assert_application_page(response, status=404, title="Page introuvable", logged_in=False)


def test_403_says_it_in_french_with_the_views_reason(client_for, rep):
    response = client_for(rep).get("/catalog/new/")
    html = assert_application_page(response, status=403, title="Accès refusé", logged_in=True)
    assert "Seule la direction gère le catalogue." in html


def test_403_without_a_reason_gives_the_general_one(client_for, rep):
    response = client_for(rep).get("/settings/company/")
    html = assert_application_page(response, status=403, title="Accès refusé", logged_in=True)
    assert "réservée à un autre rôle" in html


def test_403_of_a_csrf_refusal(rep):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    response = client.post("/customers/new/", {"name": "X"})
    assert_application_page(response, status=403, title="Page expirée", logged_in=False)


def test_500_in_the_layout(client_for, rep):
    client = client_for(rep)
    client.raise_request_exception = False
    response = client.get("/test-broken/")
    html = assert_application_page(response, status=500, title="Erreur du serveur", logged_in=False)
    assert "journal du serveur" in html


def test_500_page_needs_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Erreur du serveur" in response.content.decode()


def test_a_body_too_large_answers_413_in_french(client_for, rep, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client_for(rep).post("/customers/new/", {"name": "x" * 2000})
    html = assert_application_page(
        response, status=413, title="Requête trop volumineuse", logged_in=True
    )
    assert "Rien n'a été enregistré" in html or "Rien n&#x27;a été enregistré" in html


def test_too_many_fields_answers_413(client_for, rep, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    data = {f"field{number}": "x" for number in range(20)}
    response = client_for(rep).post("/customers/new/", data)
    assert_application_page(response, status=413, title="Requête trop volumineuse", logged_in=True)


def test_a_malformed_request_answers_400_in_french(db):
    response = Client(HTTP_HOST="not-this-site.example").get("/login/")
    assert_application_page(response, status=400, title="Requête incorrecte", logged_in=False)


@pytest.mark.parametrize("language, title", [("en", "Page not found")])
def test_error_pages_follow_the_chosen_language(client_for, rep, language, title):
    client = client_for(rep)
    client.cookies["django_language"] = language
    response = client.get("/customers/999999/")
    assert title in response.content.decode()
