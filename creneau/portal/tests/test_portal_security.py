"""The portal facing strangers: staff pages and the staff API stay closed to a portal
login, the security headers and cookies, CSRF on every form, the lockout after failed
logins, the one-time links, sessions that end, and Argon2 for the stored passwords."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from creneau.core.models import OutboxEmail
from creneau.customers.tests.factories import CustomerFactory
from creneau.portal import services
from creneau.portal.auth import SESSION_SEEN_KEY, SESSION_USER_KEY, portal_unlock
from creneau.portal.models import PortalToken
from creneau.portal.tests.factories import PORTAL_PASSWORD, PortalUserFactory

pytestmark = pytest.mark.django_db

LOCKED = "Trop de tentatives de connexion ont échoué"
NEW_PASSWORD = "Un-Mot-De-Passe-Solide-26"

# The project's URLs plus placeholders for the portal routes of other branches
# (tests/stub_urls.py), named as a string: importing it here would import config.urls while
# the test files are collected, with DEBUG's static route.
STUB_URLCONF = "creneau.portal.tests.stub_urls"


@pytest.fixture(autouse=True)
def _portal_routes(settings):
    settings.ROOT_URLCONF = STUB_URLCONF
    cache.clear()


def login(email: str, password: str = PORTAL_PASSWORD, *, ip: str = "10.0.0.1", client=None):
    client = client or Client(REMOTE_ADDR=ip)
    return client.post(reverse("portal:home"), {"email": email, "password": password})


# Staff pages and API ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/customers/", "/invoices/", "/admin/", "/account/", "/"])
def test_a_portal_login_opens_no_staff_page(portal_user, portal_client_for, path):
    CustomerFactory(name="Secret Concurrent")
    client = portal_client_for(portal_user)
    response = client.get(path, follow=True)
    final = response.redirect_chain[-1][0] if response.redirect_chain else path
    assert final.startswith(("/login/", "/admin/login/")), final
    assert portal_user.customer.name.encode() not in response.content
    assert b"Secret Concurrent" not in response.content


def test_a_portal_login_gets_401_from_the_staff_api(portal_user, portal_client_for):
    response = portal_client_for(portal_user).get("/api/v1/customers")
    assert response.status_code == 401
    assert portal_user.customer.name.encode() not in response.content


# Headers and cookies ----------------------------------------------------------------------


def assert_security_headers(response) -> None:
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", policy).group(1)
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_portal_pages_carry_the_security_headers(portal_user, portal_client_for):
    assert_security_headers(Client().get(reverse("portal:home")))
    assert_security_headers(Client().get(reverse("portal:forgot")))
    client = portal_client_for(portal_user)
    assert_security_headers(client.get(reverse("portal:home")))
    assert_security_headers(client.get(reverse("portal:account")))


def test_session_cookie_is_httponly_and_samesite_lax(portal_user):
    client = Client()
    response = login(portal_user.email, client=client)
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_hsts_and_secure_cookie_with_https_settings(portal_user, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client = Client()
    page = client.get(reverse("portal:home"), secure=True)
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    response = client.post(
        reverse("portal:home"),
        {"email": portal_user.email, "password": PORTAL_PASSWORD},
        secure=True,
    )
    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] is True


# CSRF -------------------------------------------------------------------------------------


def test_every_portal_form_needs_its_csrf_token(portal_user):
    from creneau.portal.tests.conftest import portal_client

    anonymous = Client(enforce_csrf_checks=True)
    assert (
        anonymous.post(
            reverse("portal:home"), {"email": portal_user.email, "password": PORTAL_PASSWORD}
        ).status_code
        == 403
    )
    assert anonymous.post(reverse("portal:forgot"), {"email": portal_user.email}).status_code == 403
    assert not OutboxEmail.objects.exists()
    logged_in = portal_client(portal_user)
    logged_in.handler.enforce_csrf_checks = True
    assert logged_in.post(reverse("portal:logout")).status_code == 403
    assert logged_in.post(reverse("portal:account"), {"action": "ical_renew"}).status_code == 403
    portal_user.refresh_from_db()
    assert portal_user.ical_token == ""
    assert logged_in.get(reverse("portal:account")).status_code == 200  # still logged in


def test_set_password_link_needs_its_csrf_token(portal_user):
    email = services.portal_invitation_send(user=portal_user, by=None)
    token = email.body.split("/portail/invitation/")[1].split("/")[0]
    response = Client(enforce_csrf_checks=True).post(
        reverse("portal:invitation", args=[token]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 403


# Brute force ------------------------------------------------------------------------------


def test_five_failures_on_one_email_lock_it_even_with_the_right_password(portal_user, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for attempt in range(4):
        assert login(portal_user.email, "wrong", ip=f"10.0.1.{attempt}").status_code == 200
    fifth = login(portal_user.email, "wrong", ip="10.0.1.9")
    assert fifth.status_code == 429
    response = login(portal_user.email, ip="10.0.2.1")  # right password, another address
    assert response.status_code == 429
    content = response.content.decode()
    assert LOCKED in content and "réessayez dans 15 minutes ou contactez-nous" in content
    assert 'name="password"' not in content


def test_five_failures_from_one_address_lock_that_address(portal_user):
    for attempt in range(5):
        login(f"stranger{attempt}@example.com", "wrong", ip="10.0.3.3")
    response = login(portal_user.email, ip="10.0.3.3")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert login(portal_user.email, ip="10.0.3.4").status_code == 302  # another address


def test_a_successful_login_does_not_clear_the_failures_of_other_emails(portal_user):
    """Someone with an access of their own cannot reset the counter of another e-mail by
    logging in to their own account between guesses."""
    attacker = PortalUserFactory()
    for _round in range(2):
        for _attempt in range(2):
            login(portal_user.email, "guess", ip="10.0.4.4")
        assert login(attacker.email, ip="10.0.4.4").status_code == 302
    # Four failures kept on the victim's e-mail: the fifth locks it.
    assert login(portal_user.email, "guess", ip="10.0.4.5").status_code == 429


def test_portal_unlock_lets_the_access_log_in_again(portal_user):
    for attempt in range(5):
        login(portal_user.email, "wrong", ip=f"10.0.5.{attempt}")
    assert login(portal_user.email, ip="10.0.6.1").status_code == 429
    portal_unlock(portal_user)
    assert login(portal_user.email, ip="10.0.6.1").status_code == 302
    assert not AccessAttempt.objects.filter(username=f"portail:{portal_user.email}").exists()


def test_the_lockout_page_is_the_same_for_an_unknown_email(portal_user):
    for attempt in range(5):
        login(portal_user.email, "wrong", ip=f"10.0.7.{attempt}")
        login("nobody@example.com", "wrong", ip=f"10.0.8.{attempt}")
    known = login(portal_user.email, ip="10.0.9.1")
    unknown = login("nobody@example.com", ip="10.0.9.2")
    assert known.status_code == unknown.status_code == 429
    assert strip_csrf(known) == strip_csrf(unknown)


def strip_csrf(response) -> str:
    return re.sub(r'value="[^"]{40,}"', "", response.content.decode())


def test_portal_failures_do_not_lock_a_staff_login_of_the_same_name(rep):
    for attempt in range(5):
        login("commercial1", "wrong", ip=f"10.0.10.{attempt}")
    response = Client(REMOTE_ADDR="10.0.10.1").post(
        "/login/", {"username": "commercial1", "password": "secret-pass-1"}
    )
    assert response.status_code == 302


# One-time links and the forgotten password -----------------------------------------------


def invitation_token(user) -> str:
    email = services.portal_invitation_send(user=user, by=None)
    return email.body.split("/portail/invitation/")[1].split("/")[0]


def test_links_are_single_use(portal_user):
    url = reverse("portal:invitation", args=[invitation_token(portal_user)])
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert Client().post(url, data).status_code == 302
    second = Client().post(url, data)
    assert second.status_code == 410
    assert portal_user.email not in second.content.decode()


def test_links_expire(portal_user):
    url = reverse("portal:invitation", args=[invitation_token(portal_user)])
    PortalToken.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = Client().get(url)
    assert response.status_code == 410
    assert "Ce lien n'est plus valable" in response.content.decode()
    assert portal_user.email not in response.content.decode()


def test_a_new_link_spends_the_previous_one(portal_user):
    first = invitation_token(portal_user)
    invitation_token(portal_user)
    assert Client().get(reverse("portal:invitation", args=[first])).status_code == 410


def test_forgot_answers_alike_and_queues_mail_only_for_a_known_email(portal_user):
    known = Client().post(reverse("portal:forgot"), {"email": portal_user.email})
    unknown = Client().post(reverse("portal:forgot"), {"email": "nobody@example.com"})
    assert strip_csrf(known) == strip_csrf(unknown)
    assert "Si cette adresse a un accès, un e-mail vient de lui être envoyé" in strip_csrf(known)
    assert list(OutboxEmail.objects.values_list("to", flat=True)) == [[portal_user.email]]


# Sessions ---------------------------------------------------------------------------------


def test_an_idle_session_ends(portal_user, portal_client_for, settings):
    client = portal_client_for(portal_user)
    assert client.get(reverse("portal:account")).status_code == 200
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(reverse("portal:account"))
    assert response.status_code == 302 and response.url.startswith("/portail/?next=")


def test_login_sets_the_idle_expiry_and_pages_push_it_back(portal_user, settings):
    client = Client()
    login(portal_user.email, client=client)
    idle = settings.PORTAL_SESSION_IDLE_MINUTES * 60
    assert client.session.get_expiry_age() == idle
    session = Session.objects.get(session_key=client.session.session_key)
    assert abs((session.expire_date - timezone.now()).total_seconds() - idle) < 60
    # A page opened a minute later writes the session again: its expiry moves on.
    stored = client.session
    stored[SESSION_SEEN_KEY] = int(time.time() // 60) - 1
    stored.save()
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(seconds=30))
    assert client.get(reverse("portal:account")).status_code == 200
    session.refresh_from_db()
    assert (session.expire_date - timezone.now()).total_seconds() > idle - 60


def test_disabling_an_access_ends_its_open_session(portal_user, portal_client_for):
    client = portal_client_for(portal_user)
    assert client.get(reverse("portal:account")).status_code == 200
    services.portal_access_disable(user=portal_user, by=None)
    assert client.get(reverse("portal:account")).status_code == 302
    assert SESSION_USER_KEY not in client.session


def test_a_password_changed_elsewhere_ends_an_open_session(portal_user, portal_client_for):
    client = portal_client_for(portal_user)
    assert client.get(reverse("portal:home")).status_code == 200
    portal_user.set_password(NEW_PASSWORD)
    portal_user.save()
    assert client.get(reverse("portal:account")).status_code == 302
    assert b'name="password"' in client.get(reverse("portal:home")).content


# Argon2 -----------------------------------------------------------------------------------


def test_argon2_is_what_is_stored_and_logs_in(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = PortalUserFactory(password=NEW_PASSWORD)
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert login(user.email, NEW_PASSWORD).status_code == 302
    token = invitation_token(user)
    Client().post(
        reverse("portal:invitation", args=[token]),
        {"password1": "Encore-Un-Secret-27", "password2": "Encore-Un-Secret-27"},
    )
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
