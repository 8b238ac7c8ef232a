"""The office's side of the portal: the customer record's "Portail" tab and its actions,
and the portal's messages in the observations tab."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from creneau.core.models import AuditEvent, OutboxEmail
from creneau.customers.tests.factories import CustomerFactory, SiteFactory
from creneau.portal.auth import portal_authenticate
from creneau.portal.models import PortalMessage, PortalToken, PortalUser
from creneau.portal.services import portal_token_user
from creneau.portal.tests.factories import PortalUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(rep):
    return CustomerFactory(name="Durand Martine", sales_rep=rep)


def tab_url(customer) -> str:
    return reverse("portal_staff:tab", kwargs={"pk": customer.pk})


def action_url(name: str, access: PortalUser) -> str:
    kwargs = {"pk": access.customer_id, "access_pk": access.pk}
    return reverse(f"portal_staff:{name}", kwargs=kwargs)


def htmx(client):
    client.defaults["HTTP_HX_REQUEST"] = "true"
    client.defaults["HTTP_HX_TARGET"] = "tab-pane"
    return client


def invitation_link(email: OutboxEmail) -> str:
    match = re.search(r"(\S+/portail/invitation/([^/\s]+)/)", email.body)
    assert match, email.body
    return match.group(1)


# The tab -------------------------------------------------------------------------------


def test_the_record_lists_the_portal_tab_for_office_roles_only(
    client_for, direction, rep, planner, accountant, customer
):
    for user in (direction, rep, planner, accountant):
        page = client_for(user).get(reverse("customers:detail", kwargs={"pk": customer.pk}))
        assert page.status_code == 200
        assert tab_url(customer) in page.content.decode(), user


def test_the_tab_lists_accesses_with_scope_status_and_last_login(
    client_for, direction, customer, django_assert_max_num_queries
):
    site = SiteFactory(customer=customer, name="Résidence des Lilas")
    PortalUserFactory(customer=customer, email="owner@example.com", name="Martine Durand")
    PortalUserFactory(customer=customer, site=site, email="gardien@example.com")
    disabled = PortalUserFactory(customer=customer, email="old@example.com", is_active=False)
    invited = PortalUserFactory(customer=customer, email="new@example.com")
    invited.set_unusable_password()
    invited.invited_at = invited.created_at
    invited.save()
    PortalUserFactory(email="elsewhere@example.com")  # another customer's access
    client = htmx(client_for(direction))
    client.get(tab_url(customer))  # warm the role and permission caches of the session
    with django_assert_max_num_queries(14):
        response = client.get(tab_url(customer))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "owner@example.com" in html and "Martine Durand" in html
    assert "gardien@example.com" in html and "Résidence des Lilas" in html
    assert "Tout le compte" in html
    assert "elsewhere@example.com" not in html
    row = html.split(f'id="portal-access-{disabled.pk}"')[1].split("</li>")[0]
    assert "désactivé" in row
    row = html.split(f'id="portal-access-{invited.pk}"')[1].split("</li>")[0]
    assert "invitation envoyée le" in row
    assert "jamais" in row


def test_the_tab_without_htmx_is_the_record_page_on_that_tab(client_for, direction, customer):
    response = client_for(direction).get(tab_url(customer))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert "Donner un accès" in html


def test_an_outsider_rep_gets_404_on_every_url(client_for, other_rep, customer):
    access = PortalUserFactory(customer=customer)
    client = client_for(other_rep)
    assert client.get(tab_url(customer)).status_code == 404
    create = reverse("portal_staff:access_create", kwargs={"pk": customer.pk})
    assert client.post(create, {"email": "x@example.com"}).status_code == 404
    for name in ("access_invite", "access_disable", "access_unlock", "access_delete"):
        assert client.post(action_url(name, access)).status_code == 404, name
    assert PortalUser.objects.filter(pk=access.pk, is_active=True).exists()


def test_an_access_of_another_customer_is_404_on_this_record(client_for, direction, customer):
    stranger = PortalUserFactory()
    url = reverse(
        "portal_staff:access_disable", kwargs={"pk": customer.pk, "access_pk": stranger.pk}
    )
    assert client_for(direction).post(url).status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active


def test_a_planner_sees_the_tab_but_may_not_write(client_for, planner, customer):
    access = PortalUserFactory(customer=customer, email="owner@example.com")
    client = client_for(planner)
    html = htmx(client).get(tab_url(customer)).content.decode()
    assert "owner@example.com" in html
    assert "Donner un accès" not in html and "Désactiver" not in html
    create = reverse("portal_staff:access_create", kwargs={"pk": customer.pk})
    assert client.post(create, {"email": "x@example.com"}).status_code == 403
    assert client.post(action_url("access_disable", access)).status_code == 403
    assert client.post(action_url("access_delete", access)).status_code == 403
    assert PortalUser.objects.filter(customer=customer).count() == 1


def test_a_field_worker_never_opens_the_tab(client_for, field_worker, customer):
    access = PortalUserFactory(customer=customer)
    client = client_for(field_worker)
    assert client.get(tab_url(customer)).status_code in (403, 404)
    assert client.post(action_url("access_disable", access)).status_code in (403, 404)
    access.refresh_from_db()
    assert access.is_active


def test_an_anonymous_visitor_is_sent_to_the_staff_login(client, customer):
    response = client.get(tab_url(customer))
    assert response.status_code == 302 and "/login/" in response["Location"]


# Giving an access ----------------------------------------------------------------------


def test_giving_an_access_queues_an_invitation_on_the_public_address(
    client_for, rep, customer, settings
):
    settings.PUBLIC_BASE_URL = "https://clients.example.fr"
    site = SiteFactory(customer=customer, name="Maison de campagne")
    create = reverse("portal_staff:access_create", kwargs={"pk": customer.pk})
    response = htmx(client_for(rep)).post(
        create,
        {
            "email": " Gardien@Example.com ",
            "name": "Paul Gardien",
            "scope": str(site.pk),
            "send_invitation": "on",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "gardien@example.com" in html and "invitation envoyée" in html
    access = PortalUser.objects.get(customer=customer)
    assert access.email == "gardien@example.com" and access.site == site
    assert access.name == "Paul Gardien" and not access.has_usable_password()
    assert access.created_by == rep and access.invited_at is not None
    (email,) = [email for email in OutboxEmail.objects.all() if "gardien@example.com" in email.to]
    link = invitation_link(email)
    assert link.startswith("https://clients.example.fr/portail/invitation/")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert portal_token_user(token, PortalToken.Purpose.INVITATION) == access
    assert AuditEvent.objects.filter(customer_id=customer.pk, message__contains="gardien@").exists()


def test_giving_an_access_without_invitation_sends_nothing(client_for, direction, customer):
    create = reverse("portal_staff:access_create", kwargs={"pk": customer.pk})
    response = client_for(direction).post(create, {"email": "owner@example.com", "scope": ""})
    assert response.status_code == 302
    assert response["Location"].endswith("?tab=portal")
    access = PortalUser.objects.get(customer=customer)
    assert access.site is None and access.invited_at is None
    assert not OutboxEmail.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": ""}, "Ce champ est obligatoire."),
        ({"email": "pas-une-adresse"}, "adresse de courriel valide"),
        ({"email": "taken@example.com"}, "Cette adresse e-mail a déjà un accès au portail."),
        ({"email": "TAKEN@example.com"}, "Cette adresse e-mail a déjà un accès au portail."),
        ({"email": "a@example.com", "name": "x" * 201}, "200 caractères"),
        ({"email": "a@example.com", "scope": "999999999999999999999"}, "Sélectionnez un choix"),
        ({"email": "a" * 250 + "@example.com"}, "254 caractères"),
    ],
)
def test_a_refused_access_shows_the_form_again_with_the_error(
    client_for, direction, customer, data, message
):
    PortalUserFactory(email="taken@example.com")
    create = reverse("portal_staff:access_create", kwargs={"pk": customer.pk})
    response = htmx(client_for(direction)).post(create, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html.replace("&#x27;", "'")
    assert not PortalUser.objects.filter(customer=customer).exists()


def test_a_site_of_another_customer_or_inactive_is_not_offered(client_for, direction, customer):
    other_site = SiteFactory(name="Ailleurs")
    closed = SiteFactory(customer=customer, name="Fermé", is_active=False)
    SiteFactory(customer=customer, name="Ouvert")
    create = reverse("portal_staff:access_create", kwargs={"pk": customer.pk})
    client = htmx(client_for(direction))
    html = client.get(tab_url(customer)).content.decode()
    assert "Ouvert" in html and "Ailleurs" not in html and "Fermé" not in html
    for site in (other_site, closed):
        response = client.post(create, {"email": "a@example.com", "scope": str(site.pk)})
        assert "Sélectionnez un choix valide" in response.content.decode()
    assert not PortalUser.objects.exists()


# Actions on an access ------------------------------------------------------------------


def test_resending_the_invitation_spends_the_old_link(client_for, rep, customer):
    access = PortalUserFactory(customer=customer, email="owner@example.com")
    client = htmx(client_for(rep))
    client.post(action_url("access_invite", access))
    first = invitation_link(OutboxEmail.objects.get()).rstrip("/").rsplit("/", 1)[1]
    response = client.post(action_url("access_invite", access))
    assert "Invitation envoyée à owner@example.com" in response.content.decode()
    emails = OutboxEmail.objects.order_by("pk")
    assert emails.count() == 2
    second = invitation_link(emails.last()).rstrip("/").rsplit("/", 1)[1]
    assert portal_token_user(first, PortalToken.Purpose.INVITATION) is None
    assert portal_token_user(second, PortalToken.Purpose.INVITATION) == access


def test_disabling_ends_the_access(client_for, portal_client_for, direction, customer):
    access = PortalUserFactory(customer=customer)
    portal = portal_client_for(access)
    home = reverse("portal:home")
    before = portal.get(home)
    response = htmx(client_for(direction)).post(action_url("access_disable", access))
    assert response.status_code == 200 and "désactivé" in response.content.decode()
    access.refresh_from_db()
    assert not access.is_active
    # The portal's session no longer knows it, and its password no longer opens it.
    after = portal.get(home)
    assert portal.session.get("_portal_user_id") is None
    assert before.status_code in (200, 302) and after.status_code in (200, 302)
    request = _login_request()
    assert portal_authenticate(request, access.email, "portail-pass-1") is None


def test_unlock_forgets_the_failed_logins_of_that_email(client_for, direction, customer):
    access = PortalUserFactory(customer=customer, email="owner@example.com")
    for _attempt in range(5):
        assert portal_authenticate(_login_request(), "owner@example.com", "wrong") is None
    assert AccessAttempt.objects.filter(username="portail:owner@example.com").exists()
    client = htmx(client_for(direction))
    html = client.get(tab_url(customer)).content.decode()
    assert "bloqué" in html and action_url("access_unlock", access) in html
    html = client.post(action_url("access_unlock", access)).content.decode()
    assert "débloqué" in html and "data-portal-locked" not in html
    assert not AccessAttempt.objects.filter(username="portail:owner@example.com").exists()


def test_an_access_of_a_deactivated_customer_does_not_log_in(customer):
    access = PortalUserFactory(customer=customer)
    assert portal_authenticate(_login_request(), access.email, "portail-pass-1") == access
    customer.is_active = False
    customer.save(update_fields=["is_active"])
    assert portal_authenticate(_login_request(), access.email, "portail-pass-1") is None


def test_deleting_an_access(client_for, rep, customer):
    access = PortalUserFactory(customer=customer, email="owner@example.com")
    html = htmx(client_for(rep)).post(action_url("access_delete", access)).content.decode()
    assert "supprimé" in html
    assert not PortalUser.objects.filter(pk=access.pk).exists()
    assert AuditEvent.objects.filter(customer_id=customer.pk, message__contains="supprimé").exists()


def test_actions_answer_only_post(client_for, direction, customer):
    access = PortalUserFactory(customer=customer)
    assert client_for(direction).get(action_url("access_delete", access)).status_code == 405


# Messages from the portal --------------------------------------------------------------


def test_portal_messages_show_in_the_portal_and_observations_tabs(
    client_for, rep, customer, django_assert_max_num_queries
):
    site = SiteFactory(customer=customer, name="Résidence des Lilas")
    access = PortalUserFactory(customer=customer, email="owner@example.com")
    PortalMessage.objects.create(
        customer=customer,
        user=access,
        author_email="owner@example.com",
        site=site,
        subject="Clé de la cave",
        body="La clé est chez <b>la gardienne</b>.",
    )
    PortalMessage.objects.create(
        customer=CustomerFactory(),
        author_email="x@example.com",
        subject="Pas pour vous",
        body="…",
    )
    client = htmx(client_for(rep))
    notes_url = reverse("customers:tab_notes", kwargs={"pk": customer.pk})
    client.get(notes_url)
    with django_assert_max_num_queries(10):
        notes = client.get(notes_url).content.decode()
    portal = client.get(tab_url(customer)).content.decode()
    for html in (notes, portal):
        assert "Messages reçus du portail" in html
        assert "Clé de la cave" in html and "owner@example.com" in html
        assert "Résidence des Lilas" in html
        assert "&lt;b&gt;la gardienne&lt;/b&gt;" in html  # escaped
        assert "Pas pour vous" not in html


def test_observations_tab_without_messages_says_so(client_for, direction, customer):
    notes_url = reverse("customers:tab_notes", kwargs={"pk": customer.pk})
    html = htmx(client_for(direction)).get(notes_url).content.decode()
    assert "Aucun message reçu du portail." in html


def _login_request():
    request = RequestFactory().post("/portail/", REMOTE_ADDR="203.0.113.9")
    return request
