"""Paramètres is direction's: other roles get 403 (settings are not customer data, so there
is nothing to hide by a 404), anonymous visitors go to the login page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from creneau.core.models import AuditEvent, Company


def settings_requests(account: User) -> list[tuple[str, str, dict]]:
    return [
        ("get", "/settings/company/", {}),
        ("post", "/settings/company/", {"legal_name": "Pirate SAS"}),
        ("get", "/settings/staff/", {}),
        ("get", "/settings/staff/new/", {}),
        ("post", "/settings/staff/new/", {"username": "intrus", "role": "direction"}),
        ("get", f"/settings/staff/{account.pk}/", {}),
        ("post", f"/settings/staff/{account.pk}/", {"role": "sales"}),
        ("get", f"/settings/staff/{account.pk}/password/", {}),
        ("post", f"/settings/staff/{account.pk}/password/", {"password1": "x", "password2": "x"}),
        ("post", f"/settings/staff/{account.pk}/active/", {"active": "0"}),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role_fixture", ["rep", "planner", "accountant"])
def test_other_roles_get_403_everywhere_and_change_nothing(request, role_fixture, direction):
    user = request.getfixturevalue(role_fixture)
    client = Client()
    client.force_login(user)
    for method, path, data in settings_requests(direction):
        response = getattr(client, method)(path, data)
        assert response.status_code == 403, (role_fixture, method, path)
    assert "Accès refusé" in client.get("/settings/company/").content.decode()
    assert Company.load().legal_name == "Ma société"
    assert not User.objects.filter(username="intrus").exists()
    direction.refresh_from_db()
    assert direction.is_active
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(direction):
    client = Client()
    for method, path, data in [
        *settings_requests(direction),
        ("get", "/settings/company/logo/", {}),
    ]:
        response = getattr(client, method)(path, data)
        assert response.status_code == 302, (method, path)
        assert response["Location"].startswith(f"/login/?next={path}"), (method, path)


@pytest.mark.django_db
def test_direction_reaches_every_page(direction, rep, client_for):
    client = client_for(direction)
    for path in [
        "/settings/company/",
        "/settings/staff/",
        "/settings/staff/new/",
        f"/settings/staff/{rep.pk}/",
        f"/settings/staff/{rep.pk}/password/",
    ]:
        assert client.get(path).status_code == 200, path


@pytest.mark.django_db
def test_only_direction_sees_the_settings_menu(direction, rep, client_for):
    menu = client_for(direction).get("/settings/staff/").context["menu_settings"]
    assert [item["label"] for item in menu] == [
        "Société", "Utilisateurs", "Familles de clients", "Catalogue", "Taux de TVA", "E-mails",
        "Journal des factures", "Relances", "Comptabilité", "Jetons d'API", "Import",
    ]  # fmt: skip
    assert [item["label"] for item in menu if item["active"]] == ["Utilisateurs"]
    # A sales rep reads the catalogue, nothing else of Paramètres.
    rep_menu = client_for(rep).get("/customers/").context["menu_settings"]
    assert [item["label"] for item in rep_menu] == ["Catalogue"]


@pytest.mark.django_db
def test_deactivation_only_by_post(direction, rep, client_for):
    response = client_for(direction).get(f"/settings/staff/{rep.pk}/active/")
    assert response.status_code == 405
    rep.refresh_from_db()
    assert rep.is_active
