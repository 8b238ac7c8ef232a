"""API tokens: the create_api_token command, bearer authentication (expired and revoked
tokens included), and who reads the docs."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from creneau.core.models import ApiToken
from creneau.core.roles import Role
from creneau.core.services import api_token_create, api_token_revoke


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


@pytest.mark.django_db
def test_command_takes_a_name_and_a_last_day(rep):
    out = StringIO()
    last_day = timezone.localdate() + timedelta(days=30)
    call_command(
        "create_api_token",
        "commercial1",
        "--name",
        "Export comptable",
        "--expires",
        last_day.isoformat(),
        stdout=out,
    )
    token = ApiToken.objects.get(user=rep)
    assert (token.name, token.expires_on) == ("Export comptable", last_day)
    assert token.key_hash == ApiToken.hash(out.getvalue().strip())


@pytest.mark.django_db
def test_command_without_a_name_names_the_token_after_it(rep):
    create_token("commercial1")
    assert ApiToken.objects.get(user=rep).name == "Ligne de commande"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("expires", "message"),
    [
        ("demain", "Saisissez une date valide (AAAA-MM-JJ)."),
        ("2000-01-01", "La date d'expiration ne peut pas être passée."),
    ],
)
def test_command_refuses_a_bad_last_day_in_french(rep, expires, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("create_api_token", "commercial1", "--expires", expires, stdout=StringIO())
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_expired_token_answers_401(rep):
    key = api_token_create(user=rep, name="Script", expires_on=timezone.localdate())
    # Its last day: it still works.
    assert Client().get("/api/v1/customers", headers=bearer(key)).status_code == 200
    ApiToken.objects.filter(user=rep).update(
        expires_on=timezone.localdate() - timedelta(days=1), last_used_at=None
    )

    response = Client().get("/api/v1/customers", headers=bearer(key))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert ApiToken.objects.get(user=rep).last_used_at is None


@pytest.mark.django_db
def test_revoked_token_answers_401(rep):
    key = api_token_create(user=rep, name="Script")
    assert Client().get("/api/v1/customers", headers=bearer(key)).status_code == 200

    api_token_revoke(token=ApiToken.objects.get(user=rep), by=rep)

    assert Client().get("/api/v1/customers", headers=bearer(key)).status_code == 401
    assert Client().get("/api/v1/openapi.json", headers=bearer(key)).status_code == 401


@pytest.mark.django_db
def test_each_call_records_the_last_use(rep):
    key = api_token_create(user=rep, name="Script")
    token = ApiToken.objects.get(user=rep)
    assert token.last_used_at is None
    before = timezone.now()

    Client().get("/api/v1/customers", headers=bearer(key))

    token.refresh_from_db()
    assert before <= token.last_used_at <= timezone.now()
