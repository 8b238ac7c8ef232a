"""Mon compte (one's own API tokens) and Paramètres > Jetons d'API (direction: everyone's)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from creneau.core.models import ApiToken, AuditEvent
from creneau.core.services import api_token_create, api_token_latest_expiry, api_token_revoke

ACCOUNT = "/account/"
NEW = "/account/tokens/new/"
SETTINGS = "/settings/api-tokens/"


def revoke_url(token: ApiToken) -> str:
    return f"/account/tokens/{token.pk}/revoke/"


def make_token(user, name: str = "Script", **fields) -> ApiToken:
    key = api_token_create(user=user, name=name, by=user, **fields)
    return ApiToken.objects.get(key_hash=ApiToken.hash(key))


def shown_key(html: str) -> str:
    match = re.search(r'id="new-token-key" value="([^"]+)"', html)
    assert match, "the new key is not on the page"
    return match.group(1)


@pytest.mark.django_db
def test_account_is_in_the_user_menu_and_shows_who_i_am(client_for, rep):
    page = client_for(rep).get("/customers/").content.decode()
    assert 'href="/account/"' in page

    response = client_for(rep).get(ACCOUNT)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Claire Commerciale" in html and "commercial1" in html and "Commercial" in html
    assert "Aucun jeton." in html


@pytest.mark.django_db
def test_anonymous_is_sent_to_login():
    for path in (ACCOUNT, SETTINGS):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    assert Client().post(NEW, {"name": "x"})["Location"].startswith("/login/")
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_create_shows_the_key_once_and_stores_only_its_hash(client_for, rep):
    client = client_for(rep)
    last_day = timezone.localdate() + timedelta(days=90)

    response = client.post(NEW, {"name": "Export comptable", "expires_on": last_day.isoformat()})
    assert (response.status_code, response["Location"]) == (302, ACCOUNT)
    response = client.get(ACCOUNT)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    key = shown_key(html)
    assert "Copiez-le maintenant : il ne sera plus affiché." in html
    token = ApiToken.objects.get(user=rep)
    assert (token.name, token.expires_on) == ("Export comptable", last_day)
    assert token.key_hash == ApiToken.hash(key) != key
    # The key opens the API; it is on no later page.
    api = Client().get("/api/v1/customers", headers={"Authorization": f"Bearer {key}"})
    assert api.status_code == 200
    again = client.get(ACCOUNT).content.decode()
    assert key not in again
    assert "Export comptable" in again
    event = AuditEvent.objects.get(object_type="apitoken", action=AuditEvent.Action.CREATE)
    assert event.actor == rep
    assert event.changes["name"] == [None, "Export comptable"]


@pytest.mark.django_db
def test_list_shows_name_dates_last_use_and_state(client_for, rep):
    today = timezone.localdate()
    make_token(rep, "Jamais servi")
    used = make_token(rep, "Servi")
    ApiToken.objects.filter(pk=used.pk).update(
        last_used_at=timezone.make_aware(timezone.datetime(2026, 3, 4, 10, 30))
    )
    expired = make_token(rep, "Périmé", expires_on=today)
    ApiToken.objects.filter(pk=expired.pk).update(expires_on=date(2026, 1, 31))
    api_token_revoke(token=make_token(rep, "Révoqué"), by=rep)
    make_token(rep, "Avec une fin", expires_on=today + timedelta(days=10))

    html = client_for(rep).get(ACCOUNT).content.decode()

    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)[1:]
    text = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]
    assert len(text) == 5
    assert text[0].startswith("Avec une fin")
    assert (today + timedelta(days=10)).strftime("%d/%m/%Y") in text[0]
    assert "Révoqué" in text[1] and "Révoquer" not in text[1]
    assert "31/01/2026" in text[2] and "Expiré" in text[2] and "Révoquer" in text[2]
    assert "04/03/2026 10:30" in text[3] and "Actif" in text[3]
    # No last day, never used (in columns, and under the name on a phone).
    assert "Expire le jamais Dernière utilisation jamais" in text[4]
    assert text[4].count("jamais") == 4


@pytest.mark.django_db
def test_list_shows_only_my_own_tokens(client_for, rep, other_rep):
    make_token(rep, "À moi")
    make_token(other_rep, "À un autre")
    html = client_for(rep).get(ACCOUNT).content.decode()
    assert "À moi" in html and "À un autre" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "Ce champ est obligatoire."),
        ({"name": "   "}, "name", "Ce champ est obligatoire."),
        ({"name": "x" * 101}, "name", "au plus 100 caractères"),
        ({"name": "Script", "expires_on": "2001-01-01"}, "expires_on", "ne peut pas être passée"),
        ({"name": "Script", "expires_on": "demain"}, "expires_on", "Saisissez une date valide"),
        ({"name": "Script", "expires_on": "99999-01-01"}, "expires_on", "date valide"),
    ],
    ids=["empty", "blank", "too long", "past", "not a date", "year 99999"],
)
def test_bad_input_is_refused_at_the_field_in_french(client_for, rep, data, field, message):
    response = client_for(rep).post(NEW, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    field_tag = re.search(rf'<input[^>]*name="{field}"[^>]*>', html).group(0)
    assert "is-invalid" in field_tag
    assert 'id="new-token-key"' not in html
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_last_day_at_most_two_years_ahead(client_for, rep):
    today = timezone.localdate()
    latest = api_token_latest_expiry(today=today)

    refused = client_for(rep).post(
        NEW, {"name": "Trop loin", "expires_on": (latest + timedelta(days=1)).isoformat()}
    )
    assert "ne peut pas dépasser le " + latest.strftime("%d/%m/%Y") in refused.content.decode()
    assert not ApiToken.objects.exists()

    client_for(rep).post(NEW, {"name": "Deux ans", "expires_on": latest.isoformat()})
    client_for(rep).post(NEW, {"name": "Aujourd'hui", "expires_on": today.isoformat()})
    assert ApiToken.objects.count() == 2


def test_latest_expiry_of_a_29_february():
    assert api_token_latest_expiry(today=date(2028, 2, 29)) == date(2030, 2, 28)
    assert api_token_latest_expiry(today=date(2026, 11, 30)) == date(2028, 11, 30)


@pytest.mark.django_db
def test_name_loses_invisible_characters(client_for, rep):
    client_for(rep).post(NEW, {"name": "Ex\u202eport \u200b  compta"})
    assert ApiToken.objects.get().name == "Export compta"


@pytest.mark.django_db
def test_revoke_my_own_token(client_for, rep):
    token = make_token(rep, "Ancien script")
    client = client_for(rep)

    response = client.post(revoke_url(token))

    assert response.status_code == 302
    assert response["Location"] == ACCOUNT
    token.refresh_from_db()
    assert token.revoked_by == rep
    assert token.revoked_at is not None
    assert token.state == ApiToken.State.REVOKED
    assert "Jeton « Ancien script » révoqué." in client.get(ACCOUNT).content.decode()
    event = AuditEvent.objects.get(object_type="apitoken", action=AuditEvent.Action.OTHER)
    assert (event.actor, event.message) == (rep, "Jeton d'API révoqué")


@pytest.mark.django_db
def test_revoking_twice_says_so_and_keeps_the_first_revocation(client_for, rep):
    token = make_token(rep)
    client = client_for(rep)
    client.post(revoke_url(token))
    first = ApiToken.objects.get(pk=token.pk).revoked_at

    client.post(revoke_url(token))

    assert ApiToken.objects.get(pk=token.pk).revoked_at == first
    assert "Ce jeton est déjà révoqué." in client.get(ACCOUNT).content.decode()


@pytest.mark.django_db
def test_revoke_is_post_only(client_for, rep):
    token = make_token(rep)
    assert client_for(rep).get(revoke_url(token)).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_revoke_needs_the_csrf_token(rep):
    token = make_token(rep)
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    assert client.post(revoke_url(token)).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["other_rep", "planner", "accountant"])
def test_another_users_token_is_404(request, client_for, rep, role):
    token = make_token(rep)
    intruder = request.getfixturevalue(role)

    assert client_for(intruder).post(revoke_url(token)).status_code == 404
    assert client_for(intruder).post("/account/tokens/999999/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_direction_sees_and_revokes_every_token(client_for, direction, rep, other_rep):
    mine = make_token(rep, "Script de Claire")
    make_token(other_rep, "Script d'Olivier")
    client = client_for(direction)

    html = client.get(SETTINGS).content.decode()
    assert "Script de Claire" in html and "Script d&#x27;Olivier" in html
    assert "commercial1" in html and "commercial2" in html
    assert 'href="/settings/api-tokens/"' in html  # in the Paramètres menu

    response = client.post(revoke_url(mine), {"next": SETTINGS})

    assert response["Location"] == SETTINGS
    mine.refresh_from_db()
    assert mine.revoked_by == direction
    # The owner sees who revoked it.
    assert "Diane Directrice" in client_for(rep).get(ACCOUNT).content.decode()


@pytest.mark.django_db
def test_revoke_does_not_follow_a_foreign_next(client_for, rep):
    token = make_token(rep)
    response = client_for(rep).post(revoke_url(token), {"next": "https://evil.example/"})
    assert response["Location"] == ACCOUNT


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["rep", "planner", "accountant"])
def test_only_direction_reaches_the_settings_screen(request, client_for, role):
    user = request.getfixturevalue(role)
    assert client_for(user).get(SETTINGS).status_code == 403
    assert 'href="/settings/api-tokens/"' not in client_for(user).get(ACCOUNT).content.decode()


@pytest.mark.django_db
def test_settings_screen_filters_and_pages(client_for, direction, rep, other_rep):
    for number in range(55):
        make_token(rep, f"Lot {number:02d}")
    expired = make_token(other_rep, "Périmé", expires_on=timezone.localdate())
    ApiToken.objects.filter(pk=expired.pk).update(expires_on=date(2026, 1, 1))
    api_token_revoke(token=make_token(other_rep, "Fermé"), by=direction)
    client = client_for(direction)

    first = client.get(SETTINGS).content.decode()
    assert "57 jetons" in first
    assert "Page 1 sur 2" in first
    second = client.get(SETTINGS, {"page": 2}).content.decode()
    assert "Lot 00" in second and "Lot 54" not in second

    def names(**query) -> set[str]:
        html = client.get(SETTINGS, query).content.decode()
        return set(re.findall(r"(Lot \d\d|Périmé|Fermé)", html))

    assert names(state="expired") == {"Périmé"}
    assert names(state="revoked") == {"Fermé"}
    assert "Fermé" not in names(state="active") and "Lot 54" in names(state="active")
    assert names(q="commercial2") == {"Périmé", "Fermé"}
    assert names(q="Olivier", state="revoked") == {"Fermé"}
    # Nonsense in the URL is ignored, not a 500.
    assert client.get(SETTINGS, {"state": "x", "page": "abc", "q": "\x00"}).status_code in (
        200,
        400,
    )


@pytest.mark.django_db
def test_deactivated_user_cannot_get_a_token(rep):
    rep.is_active = False
    rep.save()
    with pytest.raises(ValidationError, match=r"Ce compte est désactivé\."):
        api_token_create(user=rep, name="Script")


@pytest.mark.django_db
def test_creation_url_opened_directly_goes_to_the_account(client_for, rep):
    response = client_for(rep).get(NEW)
    assert (response.status_code, response["Location"]) == (302, ACCOUNT)


@pytest.mark.django_db
def test_revoking_from_the_creation_answer_comes_back_to_the_account(client_for, rep):
    make_token(rep, "Ancien")
    html = client_for(rep).post(NEW, {"name": "Nouveau"}, follow=True).content.decode()
    revoke_form = re.search(r'action="/account/tokens/\d+/revoke/".*?</form>', html, re.S).group(0)
    assert 'name="next" value="/account/"' in revoke_form


@pytest.mark.django_db
def test_token_lists_do_not_grow_queries_with_tokens(client_for, direction, rep, other_rep):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as context:
            assert client_for(direction).get(path).status_code == 200
        return len(context.captured_queries)

    api_token_revoke(token=make_token(rep), by=direction)
    make_token(direction)
    few = (queries(SETTINGS), queries(ACCOUNT))
    for user in (rep, other_rep, direction):
        for _number in range(5):
            api_token_revoke(token=make_token(user), by=direction)
    assert (queries(SETTINGS), queries(ACCOUNT)) == few


@pytest.mark.django_db
def test_reloading_the_page_of_a_new_key_creates_no_second_token(client_for, rep):
    """The creation answers with a redirect: the page showing the key is a GET, so a
    reload neither re-posts the form (a second token) nor shows the key again."""
    client = client_for(rep)
    shown = client.post(NEW, {"name": "Script"}, follow=True).content.decode()
    key = shown_key(shown)
    reloaded = client.get(ACCOUNT).content.decode()
    assert key not in reloaded
    assert ApiToken.objects.filter(user=rep).count() == 1


@pytest.mark.django_db
def test_a_new_key_is_shown_to_its_owner_only(client_for, rep, other_rep):
    """The page shows the key with its token only if that token is the user's own."""
    client = client_for(rep)
    client.post(NEW, {"name": "Script"})
    foreign = make_token(other_rep, "Jeton d'un autre")
    session = client.session
    session["api_token_new_key"] = {**session["api_token_new_key"], "token": foreign.pk}
    session.save()
    html = client.get(ACCOUNT).content.decode()
    assert "Copiez-le maintenant" not in html and "Jeton d&#x27;un autre" not in html
