"""Mon compte: password change, the details the office holds, "Nous écrire", the calendar
feed's link; and the feed itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from creneau.core.models import Company, OutboxEmail
from creneau.customers.tests.factories import ContactFactory, CustomerFactory, SiteFactory
from creneau.planning.models import Intervention
from creneau.planning.tests.factories import EmployeeFactory, InterventionFactory
from creneau.portal.auth import SESSION_USER_KEY
from creneau.portal.models import PortalMessage
from creneau.portal.tests.factories import PORTAL_PASSWORD, PortalUserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Nouveau-Secret-2026"


@pytest.fixture
def customer_user(db):
    customer = CustomerFactory(
        name="Durand Élise",
        email="elise@example.com",
        phone="+33145678901",
        iban="FR7630006000011234567890189",
        notes="Client difficile, note interne",
    )
    return PortalUserFactory(customer=customer)


def account(client: Client, **data):
    return client.post(reverse("portal:account"), data)


# Details ----------------------------------------------------------------------------------


def test_account_shows_the_details_read_only_and_never_notes_or_iban(
    customer_user, portal_client_for, django_assert_max_num_queries
):
    SiteFactory.create_batch(3, customer=customer_user.customer)
    client = portal_client_for(customer_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("portal:account"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Durand Élise" in content and "elise@example.com" in content
    assert "01 45 67 89 01" in content
    assert customer_user.customer.street in content
    assert "note interne" not in content
    assert "FR76" not in content and "30006" not in content
    assert 'name="name"' not in content  # nothing to edit


def test_a_site_access_sees_its_site_and_not_the_others(portal_client_for):
    user = PortalUserFactory()
    site = SiteFactory(customer=user.customer, name="Résidence Alpha", street="3 rue Haute")
    SiteFactory(customer=user.customer, name="Résidence Bêta")
    user.site = site
    user.save()
    content = portal_client_for(user).get(reverse("portal:account")).content.decode()
    assert "Résidence Alpha" in content and "3 rue Haute" in content
    assert "Résidence Bêta" not in content


# Password ---------------------------------------------------------------------------------


def test_password_change_keeps_this_session_and_ends_the_others(customer_user, portal_client_for):
    this, other = portal_client_for(customer_user), portal_client_for(customer_user)
    response = account(
        this,
        action="password",
        old_password=PORTAL_PASSWORD,
        password1=NEW_PASSWORD,
        password2=NEW_PASSWORD,
    )
    assert response.status_code == 302
    customer_user.refresh_from_db()
    assert customer_user.check_password(NEW_PASSWORD)
    page = this.get(reverse("portal:account"))
    assert page.status_code == 200
    assert "Mot de passe changé".encode() in page.content
    assert other.get(reverse("portal:account")).status_code == 302
    assert SESSION_USER_KEY not in other.session


def test_password_change_checks_the_old_one_and_the_validators(customer_user, portal_client_for):
    client = portal_client_for(customer_user)
    wrong_old = account(
        client,
        action="password",
        old_password="nope",
        password1=NEW_PASSWORD,
        password2=NEW_PASSWORD,
    )
    assert b"Le mot de passe actuel est incorrect" in wrong_old.content
    weak = account(
        client,
        action="password",
        old_password=PORTAL_PASSWORD,
        password1="password",
        password2="password",
    )
    assert b"trop courant" in weak.content
    customer_user.refresh_from_db()
    assert customer_user.check_password(PORTAL_PASSWORD)


# Messages ---------------------------------------------------------------------------------


def test_message_is_recorded_and_emailed_to_the_office(customer_user, portal_client_for):
    company = Company.load()
    company.email = "bureau@example.com"
    company.save()
    site = SiteFactory(customer=customer_user.customer, name="Maison")
    SiteFactory(customer=customer_user.customer, name="Bureau")
    client = portal_client_for(customer_user)
    response = account(
        client, action="message", subject="Changer le jeudi", body="Merci", site=site.pk
    )
    assert response.status_code == 302
    message = PortalMessage.objects.get()
    assert (message.subject, message.site, message.user) == (
        "Changer le jeudi",
        site,
        customer_user,
    )
    assert OutboxEmail.objects.get().to == ["bureau@example.com"]
    assert "Message envoyé".encode() in client.get(response.url).content


def test_message_is_bounded_and_refuses_another_customers_site(customer_user, portal_client_for):
    SiteFactory(customer=customer_user.customer)
    SiteFactory(customer=customer_user.customer)
    stranger_site = SiteFactory()
    client = portal_client_for(customer_user)
    too_long = account(client, action="message", subject="x" * 151, body="y" * 5001)
    assert too_long.status_code == 200
    other_site = account(client, action="message", subject="A", body="B", site=stranger_site.pk)
    assert other_site.status_code == 200
    huge_id = account(client, action="message", subject="A", body="B", site="9" * 30)
    assert huge_id.status_code == 200
    assert not PortalMessage.objects.exists()


def test_a_message_the_browser_let_through_is_accepted_with_its_line_breaks(
    customer_user, portal_client_for
):
    # The browser counts a line break as one character against maxlength but sends CRLF.
    body = ("Ligne\r\n" * 833) + "fi"  # 5,000 characters as typed, 5,833 as sent
    response = account(portal_client_for(customer_user), action="message", subject="A", body=body)
    assert response.status_code == 302
    assert PortalMessage.objects.get().body == body.replace("\r\n", "\n")


def test_a_site_access_writes_about_its_site_without_choosing(portal_client_for):
    user = PortalUserFactory()
    site = SiteFactory(customer=user.customer)
    SiteFactory(customer=user.customer)
    user.site = site
    user.save()
    client = portal_client_for(user)
    assert b'name="site"' not in client.get(reverse("portal:account")).content
    account(client, action="message", subject="Clé", body="Laissée chez la gardienne")
    assert PortalMessage.objects.get().site == site


def test_unknown_action_is_a_bad_request(customer_user, portal_client_for):
    response = account(portal_client_for(customer_user), action="nope")
    assert response.status_code == 400


# Calendar feed ----------------------------------------------------------------------------


def test_calendar_link_create_renew_revoke(customer_user, portal_client_for, settings):
    settings.PUBLIC_BASE_URL = "https://portail.example.com"
    client = portal_client_for(customer_user)
    page = client.get(reverse("portal:account")).content.decode()
    assert "Créer mon lien d'agenda" in page
    account(client, action="ical_renew")
    customer_user.refresh_from_db()
    first = customer_user.ical_token
    url = reverse("portal:ical", args=[first])
    page = client.get(reverse("portal:account")).content.decode()
    assert f'value="https://portail.example.com{url}"' in page
    assert "Changer de lien" in page and "Supprimer le lien" in page
    assert Client().get(url).status_code == 200

    account(client, action="ical_renew")
    customer_user.refresh_from_db()
    assert customer_user.ical_token and customer_user.ical_token != first
    assert Client().get(url).status_code == 404

    account(client, action="ical_revoke")
    customer_user.refresh_from_db()
    assert customer_user.ical_token == ""
    assert "Créer mon lien d'agenda" in client.get(reverse("portal:account")).content.decode()


def test_feed_holds_the_scope_without_staff_data(customer_user, django_assert_max_num_queries):
    site = SiteFactory(
        customer=customer_user.customer, name="Villa Rose", access_notes="Code portail 4512"
    )
    ContactFactory(customer=customer_user.customer, site=site, phone="+33611223344")
    employee = EmployeeFactory(first_name="Karim", last_name="Discret")
    service_visit = InterventionFactory(
        site=site, employee=employee, notes="Chien méchant (note interne)"
    )
    done = InterventionFactory(
        site=site,
        start=timezone.now() - timedelta(days=10),
        end=timezone.now() - timedelta(days=10) + timedelta(hours=2),
        status=Intervention.Status.DONE,
    )
    InterventionFactory(site=site, start=timezone.now() - timedelta(days=40))  # too old
    InterventionFactory(site=site, status=Intervention.Status.CANCELLED)
    other = InterventionFactory()  # another customer's visit
    customer_user.ical_token = "feed-secret"
    customer_user.save()
    with django_assert_max_num_queries(4):
        response = Client().get(reverse("portal:ical", args=["feed-secret"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert {str(event["UID"]).split("@")[0] for event in events} == {
        f"intervention-{service_visit.pk}",
        f"intervention-{done.pk}",
    }
    assert calendar.walk("VTIMEZONE")
    assert all("SEQUENCE" in event for event in events)
    assert "Villa Rose" in text and "Karim" in text
    for secret in ("4512", "Chien", "Discret", "11 22 33 44", "611223344", other.site.name):
        assert secret not in text
    assert "SUMMARY:Intervention \u2013 Villa Rose" in text


@pytest.mark.parametrize("case", ["unknown", "empty_token_user", "inactive", "revoked"])
def test_feed_answers_404(customer_user, case):
    customer_user.ical_token = "feed-secret"
    customer_user.save()
    token = "feed-secret"
    if case == "unknown":
        token = "not-a-token"
    elif case == "inactive":
        customer_user.is_active = False
        customer_user.save()
    elif case == "revoked":
        customer_user.ical_token = ""
        customer_user.save()
    elif case == "empty_token_user":
        token = "x" * 200
    assert Client().get(reverse("portal:ical", args=[token])).status_code == 404
