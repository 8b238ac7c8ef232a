"""The office's API of portal accesses: /api/v1/customers/{id}/portal-accesses."""

from __future__ import annotations

import pytest

from creneau.core.models import OutboxEmail
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.portal.models import PortalUser
from creneau.portal.tests.factories import PortalUserFactory

pytestmark = pytest.mark.django_db

FIELDS = {"id", "email", "name", "site_id", "is_active", "invited_at", "last_login", "created_at"}


@pytest.fixture
def customer(rep):
    return CustomerFactory(sales_rep=rep)


def path(customer, access_id=None) -> str:
    base = f"/api/v1/customers/{customer.pk}/portal-accesses"
    return f"{base}/{access_id}" if access_id else base


def field_errors(response) -> dict[str, str]:
    return {error["field"]: error["msg"] for error in response.json()["detail"]}


def test_create_an_account_access_with_its_invitation(api_for, rep, customer):
    response = api_for(rep).post(
        path(customer), {"email": "Owner@Example.com", "name": "Martine Durand"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == FIELDS
    access = PortalUser.objects.get()
    assert body["id"] == access.pk and body["email"] == "owner@example.com"
    assert body["site_id"] is None and body["is_active"] is True
    assert body["name"] == "Martine Durand" and body["invited_at"] is not None
    assert body["last_login"] is None
    (email,) = OutboxEmail.objects.all()
    assert email.to == ["owner@example.com"] and "/portail/invitation/" in email.body


def test_create_a_site_access_without_invitation(api_for, direction, customer):
    site = SiteFactory(customer=customer)
    body = {"email": "gardien@example.com", "site_id": site.pk, "send_invitation": False}
    response = api_for(direction).post(path(customer), body)
    assert response.status_code == 201, response.content
    assert response.json()["site_id"] == site.pk and response.json()["invited_at"] is None
    assert not OutboxEmail.objects.exists()


def test_list_the_customer_accesses(api_for, planner, customer, django_assert_max_num_queries):
    PortalUserFactory(customer=customer, email="a@example.com")
    PortalUserFactory(customer=customer, email="b@example.com", site=SiteFactory(customer=customer))
    PortalUserFactory(email="elsewhere@example.com")
    api = api_for(planner)
    with django_assert_max_num_queries(8):
        response = api.get(path(customer))
    assert response.status_code == 200
    assert sorted(item["email"] for item in response.json()) == ["a@example.com", "b@example.com"]


def test_delete_an_access(api_for, rep, customer):
    access = PortalUserFactory(customer=customer)
    response = api_for(rep).delete(path(customer, access.pk))
    assert response.status_code == 204
    assert not PortalUser.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"email": "x@example.com", "role": "admin"}, "role", "Champ inconnu."),
        ({}, "email", "Ce champ est obligatoire."),
        ({"email": "pas-une-adresse"}, "email", "Saisissez une adresse de courriel valide."),
        ({"email": "TAKEN@example.com"}, "email",
         "Cette adresse e-mail a déjà un accès au portail."),
        ({"email": "x@example.com", "site_id": 0}, "site_id", "Valeur trop petite."),
        ({"email": "x@example.com", "name": "x" * 201}, "name", "Texte trop long."),
        ({"email": "x@example.com", "send_invitation": "peut-être"}, "send_invitation",
         "Saisissez vrai ou faux."),
    ],
)  # fmt: skip
def test_refusals_are_422_in_french(api_for, rep, customer, body, field, message):
    PortalUserFactory(email="taken@example.com")
    response = api_for(rep).post(path(customer), body)
    assert response.status_code == 422, response.content
    assert field_errors(response)[field] == message
    assert not PortalUser.objects.filter(customer=customer).exists()


def test_a_site_of_another_customer_is_422(api_for, rep, customer):
    other = SiteFactory(customer=CustomerFactory(sales_rep=rep))
    response = api_for(rep).post(path(customer), {"email": "x@example.com", "site_id": other.pk})
    assert response.status_code == 422
    assert field_errors(response) == {"site_id": "Ce site n'appartient pas à ce client."}


def test_another_reps_customer_is_404(api_for, other_rep, customer):
    access = PortalUserFactory(customer=customer)
    api = api_for(other_rep)
    assert api.get(path(customer)).status_code == 404
    assert api.post(path(customer), {"email": "x@example.com"}).status_code == 404
    assert api.delete(path(customer, access.pk)).status_code == 404
    assert PortalUser.objects.count() == 1


def test_an_access_of_another_customer_is_404(api_for, direction, customer):
    stranger = PortalUserFactory()
    assert api_for(direction).delete(path(customer, stranger.pk)).status_code == 404
    assert PortalUser.objects.filter(pk=stranger.pk).exists()


def test_a_planner_reads_but_may_not_write(api_for, planner, customer):
    access = PortalUserFactory(customer=customer)
    api = api_for(planner)
    assert api.get(path(customer)).status_code == 200
    assert api.post(path(customer), {"email": "x@example.com"}).status_code == 403
    assert api.delete(path(customer, access.pk)).status_code == 403
    assert PortalUser.objects.count() == 1


def test_a_field_worker_token_opens_nothing_here(api_for, field_worker, customer):
    api = api_for(field_worker)
    assert api.get(path(customer)).status_code == 403
    assert api.post(path(customer), {"email": "x@example.com"}).status_code == 403
    assert not PortalUser.objects.exists()
