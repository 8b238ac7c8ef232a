"""API tokens: the create_api_token command, bearer authentication, and who reads the docs."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client

from creneau.core.models import ApiToken
from creneau.core.roles import Role


def create_token(username: str) -> str:
    out = StringIO()
    call_command("create_api_token", username, stdout=out)
    return out.getvalue().strip()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.django_db
def test_command_prints_a_token_that_opens_the_api(rep):
    token = create_token("commercial1")

    response = Client().get("/api/v1/customers", headers=bearer(token))

    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}
    stored = ApiToken.objects.get(user=rep)
    assert stored.key_hash == ApiToken.hash(token) != token
    assert stored.last_used_at is not None


@pytest.mark.django_db
def test_each_run_gives_a_new_token(rep):
    assert create_token("commercial1") != create_token("commercial1")
    assert ApiToken.objects.filter(user=rep).count() == 2


@pytest.mark.django_db
def test_unknown_user_is_refused_in_french():
    with pytest.raises(CommandError, match="Utilisateur inconnu : « personne »"):
        create_token("personne")
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_inactive_user_is_refused_in_french(make_user):
    make_user("parti", Role.SALES, is_active=False)
    with pytest.raises(CommandError, match="« parti » est désactivé"):
        create_token("parti")
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [{}, bearer("not-a-token"), {"Authorization": "Token abc"}],
    ids=["no token", "unknown token", "wrong scheme"],
)
def test_no_valid_token_answers_401(headers):
    response = Client().get("/api/v1/customers", headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "detail": "Authentification requise : envoyez « Authorization: Bearer <jeton> »."
    }


@pytest.mark.django_db
def test_token_of_a_deactivated_user_answers_401(rep):
    token = create_token("commercial1")
    rep.is_active = False
    rep.save()
    assert Client().get("/api/v1/customers", headers=bearer(token)).status_code == 401


@pytest.mark.django_db
def test_session_login_does_not_open_the_api(client_for, direction):
    """The API takes bearer tokens only: a browser session cannot be ridden by CSRF."""
    assert client_for(direction).get("/api/v1/customers").status_code == 401


@pytest.mark.django_db
def test_roles_have_their_permissions_after_migrate():
    """The roles are synced after the last app's permissions exist (customers included)."""
    sales = set(Group.objects.get(name=Role.SALES).permissions.values_list("codename", flat=True))
    direction = Group.objects.get(name=Role.DIRECTION).permissions.values_list(
        "codename", flat=True
    )
    assert {"add_customer", "change_site", "delete_contact", "view_family"} <= sales
    assert "add_family" not in sales
    assert {"add_family", "change_company"} <= set(direction)


@pytest.mark.django_db
def test_interactive_docs_need_a_login(client_for, planner):
    anonymous = Client().get("/api/v1/docs")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login/")

    page = client_for(planner).get("/api/v1/docs")
    assert page.status_code == 200
    # Swagger UI is served from the project's static files, not from a CDN.
    assert b"cdn." not in page.content


@pytest.mark.django_db
def test_openapi_document_needs_a_login_or_a_token(client_for, planner):
    assert Client().get("/api/v1/openapi.json").status_code == 401
    assert client_for(planner).get("/api/v1/openapi.json").status_code == 200
    token = create_token("planning")
    response = Client().get("/api/v1/openapi.json", headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Créneau API"
