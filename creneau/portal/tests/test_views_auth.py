"""The portal's doors: login, home, logout, "mot de passe oublié", invitation and reset
links."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from creneau.billing.models import Invoice
from creneau.billing.tests.factories import InvoiceFactory
from creneau.core.models import OutboxEmail
from creneau.customers.tests.factories import SiteFactory
from creneau.planning.models import Intervention
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory
from creneau.portal import services
from creneau.portal.auth import SESSION_USER_KEY
from creneau.portal.models import PortalToken, PortalUser
from creneau.portal.tests.factories import PORTAL_PASSWORD, PortalUserFactory
from creneau.quotes.models import Quote
from creneau.quotes.tests.factories import QuoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forgot_bound_cleared():
    cache.clear()  # the per-address bound of "mot de passe oublié"


def twice(password: str) -> dict:
    return {"password1": password, "password2": password}


def login(client: Client, email: str, password: str = PORTAL_PASSWORD, **extra):
    return client.post(reverse("portal:home"), {"email": email, "password": password, **extra})


# Login ------------------------------------------------------------------------------------


def test_anonymous_home_is_the_login_form(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert b'name="email"' in response.content and b'name="password"' in response.content
    assert reverse("portal:forgot").encode() in response.content


def test_login_opens_the_home_page(client, portal_user):
    response = login(client, portal_user.email.upper())
    assert response.status_code == 302 and response.url == reverse("portal:home")
    assert client.session[SESSION_USER_KEY] == portal_user.pk
    portal_user.refresh_from_db()
    assert portal_user.last_login is not None
    page = client.get(reverse("portal:home"))
    assert b"Bonjour" in page.content
    assert b'name="password"' not in page.content


def test_wrong_password_and_unknown_email_get_the_same_generic_error(client, portal_user):
    wrong = login(client, portal_user.email, "not-the-password")
    unknown = login(client, "nobody@example.com", "not-the-password")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert b"E-mail ou mot de passe incorrect." in response.content
    assert SESSION_USER_KEY not in client.session


def test_invalid_form_says_the_same_and_does_not_crash(client):
    response = client.post(reverse("portal:home"), {"email": "x" * 5000, "password": ""})
    assert response.status_code == 200
    assert b"E-mail ou mot de passe incorrect." in response.content


def test_inactive_access_cannot_log_in(client):
    user = PortalUserFactory(is_active=False)
    response = login(client, user.email)
    assert b"E-mail ou mot de passe incorrect." in response.content
    assert SESSION_USER_KEY not in client.session


def test_invited_access_without_password_cannot_log_in(client, portal_user):
    portal_user.set_unusable_password()
    portal_user.save()
    response = login(client, portal_user.email, "")
    assert SESSION_USER_KEY not in client.session
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/portail/compte/", "/portail/compte/"),
        ("/customers/", "/portail/"),
        ("https://evil.example.com/portail/", "/portail/"),
        ("//evil.example.com/portail/", "/portail/"),
        ("/portail/../customers/", "/portail/"),
        ("/portail/%2E%2e/customers/", "/portail/"),
        ("/portail/\\evil.example.com", "/portail/"),
        ("/portail/visites/?mois=2026-05", "/portail/visites/?mois=2026-05"),
    ],
)
def test_next_is_honoured_only_for_portal_paths(client, portal_user, next_url, expected):
    response = login(client, portal_user.email, next=next_url)
    assert response.status_code == 302
    assert response.url == expected
    assert response.url.startswith("/portail/")


def test_a_stranger_is_sent_to_the_login_with_next(client):
    response = client.get(reverse("portal:account"))
    assert response.status_code == 302
    assert response.url == "/portail/?next=%2Fportail%2Fcompte%2F"
    form = client.get(response.url)
    assert b'name="next" value="/portail/compte/"' in form.content


# Home -------------------------------------------------------------------------------------


def test_home_shows_next_visits_last_done_amount_due_and_waiting_quotes(
    client, portal_client_for, django_assert_max_num_queries
):
    user = PortalUserFactory(name="Mme Durand")
    site = SiteFactory(customer=user.customer, name="Résidence des Lilas")
    employee = EmployeeFactory(first_name="Amandine", last_name="Secretnom")
    now = timezone.now()
    for days in range(1, 6):
        InterventionFactory(site=site, employee=employee, start=now + timedelta(days=days))
    done = InterventionFactory(
        site=site, start=now - timedelta(days=3), status=Intervention.Status.DONE
    )
    other = InterventionFactory(start=now + timedelta(hours=1))  # another customer's
    InvoiceFactory(
        customer=user.customer,
        number="F-2026-00001",
        issue_date=timezone.localdate(),
        due_date=timezone.localdate(),
        status=Invoice.Status.ISSUED,
        total_gross=Decimal("120.50"),
        amount_due=Decimal("120.50"),
    )
    QuoteFactory(
        customer=user.customer,
        number="D-2026-00007",
        status=Quote.Status.SENT,
        total_gross=Decimal("300"),
    )
    client = portal_client_for(user)
    # The balance is the invoices page's: four aggregates (payments.selectors).
    with django_assert_max_num_queries(15):
        response = client.get(reverse("portal:home"))
    content = response.content.decode()
    assert "Bonjour Mme Durand" in content
    assert content.count("Résidence des Lilas") >= 3
    assert content.count("Amandine") == 3  # the next three visits, first name only
    assert "Secretnom" not in content
    assert "Dernier passage réalisé" in content
    assert date_format(timezone.localtime(done.start), "l j F") in content
    assert "120,50" in content
    assert "D-2026-00007" in content
    assert other.site.name not in content


def test_home_hides_the_amount_due_from_a_site_access_that_sees_no_invoices(portal_client_for):
    user = PortalUserFactory()
    site = SiteFactory(customer=user.customer, billing_group="A")
    SiteFactory(customer=user.customer, billing_group="A")
    user.site = site
    user.save()
    InvoiceFactory(
        customer=user.customer,
        number="F-1",
        issue_date=timezone.localdate(),
        due_date=timezone.localdate(),
        status="issued",
        amount_due=Decimal("77.77"),
    )
    content = portal_client_for(user).get(reverse("portal:home")).content.decode()
    assert "77,77" not in content
    assert "reste à régler" not in content and "Aucune facture en attente" not in content


# Logout -----------------------------------------------------------------------------------


def test_logout_is_post_only_and_ends_the_session(portal_user, portal_client_for):
    client = portal_client_for(portal_user)
    assert client.get(reverse("portal:logout")).status_code == 405
    response = client.post(reverse("portal:logout"))
    assert response.status_code == 302 and response.url == reverse("portal:home")
    assert SESSION_USER_KEY not in client.session
    page = client.get(reverse("portal:home"))
    assert "Vous êtes déconnecté".encode() in page.content
    assert client.get(reverse("portal:account")).status_code == 302


# Forgotten password -----------------------------------------------------------------------

FORGOT_ANSWER = "Si cette adresse a un accès, un e-mail vient de lui être envoyé"


def test_forgot_answers_the_same_for_known_and_unknown_emails(client, portal_user):
    known = client.post(reverse("portal:forgot"), {"email": portal_user.email})
    unknown = client.post(reverse("portal:forgot"), {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert FORGOT_ANSWER.encode() in known.content
    assert _body(known) == _body(unknown)
    emails = OutboxEmail.objects.all()
    assert [email.to for email in emails] == [[portal_user.email]]
    assert "/portail/mot-de-passe/" in emails[0].body


def _body(response) -> str:
    """The page without its CSRF token (which differs between two answers)."""
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_forgot_is_bounded_per_access_in_the_outbox(client, portal_user):
    for _ in range(services.RESET_EMAILS_PER_HOUR + 3):
        response = client.post(reverse("portal:forgot"), {"email": portal_user.email})
        assert FORGOT_ANSWER.encode() in response.content
    assert OutboxEmail.objects.count() == services.RESET_EMAILS_PER_HOUR


def test_forgot_is_bounded_per_address(client):
    from creneau.portal.views_auth import FORGOT_PER_ADDRESS

    users = PortalUserFactory.create_batch(FORGOT_PER_ADDRESS + 2)
    for user in users:
        response = client.post(reverse("portal:forgot"), {"email": user.email})
        assert FORGOT_ANSWER.encode() in response.content
    assert OutboxEmail.objects.count() == FORGOT_PER_ADDRESS


def test_forgot_for_an_invited_access_sends_a_new_invitation(client, portal_user):
    portal_user.set_unusable_password()
    portal_user.save()
    client.post(reverse("portal:forgot"), {"email": portal_user.email})
    email = OutboxEmail.objects.get()
    assert "/portail/invitation/" in email.body


def test_forgot_rejects_a_bad_email_without_sending(client):
    response = client.post(reverse("portal:forgot"), {"email": "not an e-mail"})
    assert response.status_code == 200
    assert FORGOT_ANSWER.encode() not in response.content
    assert not OutboxEmail.objects.exists() and not mail.outbox


# Invitation and reset links ----------------------------------------------------------------


def raw_token_from(email: OutboxEmail, prefix: str) -> str:
    path = email.body.split(prefix, 1)[1].split("/", 1)[0]
    return path


@pytest.fixture
def invited(db) -> tuple[PortalUser, str]:
    user = PortalUserFactory()
    user.set_unusable_password()
    user.save()
    email = services.portal_invitation_send(user=user, by=None)
    return user, raw_token_from(email, "/portail/invitation/")


def test_invitation_sets_the_password_and_logs_in(client, invited):
    user, token = invited
    url = reverse("portal:invitation", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    response = client.post(url, twice("Un-Nouveau-Mot-2026"))
    assert response.status_code == 302 and response.url == reverse("portal:home")
    assert client.session[SESSION_USER_KEY] == user.pk
    user.refresh_from_db()
    assert user.check_password("Un-Nouveau-Mot-2026")
    home = client.get(reverse("portal:home"))
    assert "Votre mot de passe est enregistré".encode() in home.content


def test_a_link_works_once(client, invited):
    user, token = invited
    url = reverse("portal:invitation", args=[token])
    client.post(url, twice("Un-Nouveau-Mot-2026"))
    other = Client()
    second = other.post(url, twice("Encore-Un-Autre-99"))
    assert second.status_code == 410
    assert b"Ce lien n'est plus valable" in second.content
    assert user.email.encode() not in second.content
    assert reverse("portal:forgot").encode() in second.content
    user.refresh_from_db()
    assert user.check_password("Un-Nouveau-Mot-2026")
    assert other.get(url).status_code == 410


def test_an_expired_link_is_refused(client, invited):
    user, token = invited
    PortalToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    url = reverse("portal:invitation", args=[token])
    assert client.get(url).status_code == 410
    response = client.post(url, twice("Un-Nouveau-Mot-2026"))
    assert response.status_code == 410
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_an_invitation_is_not_a_reset_link_and_garbage_is_refused(client, invited):
    _user, token = invited
    assert client.get(reverse("portal:reset", args=[token])).status_code == 410
    assert client.get(reverse("portal:invitation", args=["x" * 500])).status_code == 410
    assert client.get(reverse("portal:invitation", args=["nope"])).status_code == 410


def test_set_password_runs_django_validators_and_checks_both_fields(client, invited):
    user, token = invited
    url = reverse("portal:invitation", args=[token])
    weak = client.post(url, twice("12345678"))
    assert weak.status_code == 200
    assert b"is-invalid" in weak.content
    assert b"Ce mot de passe est trop courant" in weak.content
    different = client.post(url, {**twice("Un-Nouveau-Mot-2026"), "password2": "Autre-Chose-2026"})
    assert b"Les deux mots de passe ne correspondent pas" in different.content
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert services.portal_token_user(token, PortalToken.Purpose.INVITATION) == user


def test_reset_link_from_forgot(client, portal_user):
    client.post(reverse("portal:forgot"), {"email": portal_user.email})
    token = raw_token_from(OutboxEmail.objects.get(), "/portail/mot-de-passe/")
    url = reverse("portal:reset", args=[token])
    response = client.post(url, twice("Reset-Mot-De-Passe-7"))
    assert response.status_code == 302
    portal_user.refresh_from_db()
    assert portal_user.check_password("Reset-Mot-De-Passe-7")
    assert Client().get(url).status_code == 410


def test_a_closed_customers_access_gets_no_reset_and_its_links_open_nothing(client, invited):
    user, token = invited
    user.customer.is_active = False
    user.customer.save()
    assert client.get(reverse("portal:invitation", args=[token])).status_code == 410
    OutboxEmail.objects.all().delete()
    client.post(reverse("portal:forgot"), {"email": user.email})
    assert not OutboxEmail.objects.exists()
