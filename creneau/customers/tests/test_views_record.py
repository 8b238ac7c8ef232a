"""The record page: its header actions and its tabs, edited in place through HTMX."""

import pytest
from django.urls import reverse

from creneau.core.models import AuditEvent
from creneau.customers.models import Contact, Customer, Site
from creneau.customers.tabs import RecordTab
from creneau.customers.tests.factories import (
    ContactFactory,
    CustomerFactory,
    FamilyFactory,
    SiteFactory,
)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def customer(rep):
    return CustomerFactory(
        sales_rep=rep,
        name="Dupont Services",
        kind=Customer.Kind.BUSINESS,
        phone="+33145678901",
        email="contact@dupont.fr",
        street="8 boulevard Voltaire",
        postcode="75011",
        city="Paris",
        iban="FR7630006000011234567890189",
    )


def general(customer: Customer, **changes) -> dict:
    """The general tab's form as the customer fills it, with some changes."""
    data = {
        field: getattr(customer, field)
        for field in (
            "kind", "name", "street", "postcode", "city", "country", "phone", "mobile",
            "email", "siret", "vat_number", "iban", "bic", "accounting_code",
            "payment_terms_days",
        )
    }  # fmt: skip
    data["family"] = customer.family_id or ""
    data["sales_rep"] = customer.sales_rep_id or ""
    return {**data, **changes}


# The page and its tabs -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_record_shows_the_header_and_the_open_tab(rep, client_for, customer):
    customer.family = FamilyFactory(name="Syndics")
    customer.save()
    html = client_for(rep).get(f"/customers/{customer.pk}/").content.decode()
    for text in (
        "Dupont Services", customer.code, "Professionnel", "Syndics", "Claire Commerciale",
        "01 45 67 89 01", "contact@dupont.fr", "Actif", "8 boulevard Voltaire, 75011 Paris",
    ):  # fmt: skip
        assert text in html
    for label in ("Général", "Sites", "Interlocuteurs", "Observations", "Historique"):
        assert f">{label}</a>" in html
    assert "Informations générales" in html  # the general tab is open by default
    assert f'hx-get="/customers/{customer.pk}/sites/"' in html
    assert f'hx-push-url="/customers/{customer.pk}/?tab=sites"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tab", "text"),
    [
        ("sites", "Sites d'intervention"),
        ("contacts", "Aucun interlocuteur"),
        ("notes", "Aucune observation pour ce client."),
        ("history", "Modifications du client, de ses sites et de ses interlocuteurs"),
        ("unknown", "Informations générales"),
    ],
)
def test_the_tab_in_the_url_opens_on_reload(rep, client_for, customer, tab, text):
    html = client_for(rep).get(f"/customers/{customer.pk}/?tab={tab}").content.decode()
    assert text in html


@pytest.mark.django_db
@pytest.mark.parametrize("tab", ["general", "sites", "contacts", "notes", "history"])
def test_a_tab_answers_htmx_with_its_partial_and_a_plain_request_with_the_page(
    rep, client_for, customer, tab
):
    client = client_for(rep)
    partial = client.get(f"/customers/{customer.pk}/{tab}/", headers=HTMX)
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    page = client.get(f"/customers/{customer.pk}/{tab}/").content.decode()
    assert "<html" in page and 'id="record-header"' in page
    assert 'aria-selected="true"' in page


@pytest.mark.django_db
def test_tabs_needing_a_permission_show_only_to_who_has_it(
    direction, planner, client_for, customer, monkeypatch
):
    tabs = [
        RecordTab("general", "Général", "customers:tab_general"),
        RecordTab("secret", "Réservé", "customers:tab_notes", "customers.delete_customer"),
    ]
    monkeypatch.setattr("creneau.customers.views.common.RECORD_TABS", tabs)
    assert (
        ">Réservé</a>" in client_for(direction).get(f"/customers/{customer.pk}/").content.decode()
    )
    html = client_for(planner).get(f"/customers/{customer.pk}/?tab=secret").content.decode()
    assert ">Réservé</a>" not in html
    assert "Informations générales" in html


# The general tab --------------------------------------------------------------------------


@pytest.mark.django_db
def test_editing_in_place_saves_writes_history_and_refreshes_the_header(rep, client_for, customer):
    client = client_for(rep)
    form = client.get(f"/customers/{customer.pk}/general/edit/", headers=HTMX)
    assert f'hx-post="/customers/{customer.pk}/general/edit/"' in form.content.decode()

    data = general(customer, phone="06 12 34 56 78", name="Dupont & Fils")
    response = client.post(f"/customers/{customer.pk}/general/edit/", data, headers=HTMX)
    html = response.content.decode()
    assert "Informations générales" in html  # the read view again
    assert "Enregistré." in html and 'id="messages" hx-swap-oob="true"' in html
    assert 'id="record-header" class="app-card app-record-header" hx-swap-oob="true"' in html
    assert "Dupont &amp; Fils" in html
    customer.refresh_from_db()
    assert (customer.name, customer.phone) == ("Dupont & Fils", "+33612345678")
    event = AuditEvent.objects.get(customer_id=customer.pk, action="update")
    assert event.actor == rep
    assert event.changes == {
        "name": ["Dupont Services", "Dupont & Fils"],
        "phone": ["+33145678901", "+33612345678"],
    }

    history = client.get(f"/customers/{customer.pk}/history/", headers=HTMX).content.decode()
    assert "Claire Commerciale" in history and "Modification" in history
    assert 'Téléphone</span> : <span class="app-change-old">01 45 67 89 01</span>' in history
    assert '<span class="app-change-new">06 12 34 56 78</span>' in history
    assert 'Nom</span> : <span class="app-change-old">Dupont Services</span>' in history


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("iban", "FR76 3000 6000 0112 3456 7890 188", "IBAN invalide"),
        ("bic", "BNP", "BIC invalide"),
        ("siret", "123 456 789", "SIREN (9 chiffres) ou SIRET (14 chiffres) invalide."),
        ("vat_number", "FR00000000000", "Numéro de TVA intracommunautaire invalide"),
        ("postcode", "ABCDE", "Code postal invalide"),
        ("phone", "0612", "Numéro de téléphone invalide."),
        ("email", "contact@", "Saisissez une adresse de courriel valide."),
    ],
)
def test_a_bad_value_in_the_general_tab_stays_in_the_form_and_saves_nothing(
    direction, client_for, customer, field, value, message
):
    response = client_for(direction).post(
        f"/customers/{customer.pk}/general/edit/", general(customer, **{field: value}), headers=HTMX
    )
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert len(errors) == 1 and errors[0].startswith(message)
    assert message in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).iban == "FR7630006000011234567890189"
    assert not AuditEvent.objects.filter(action="update").exists()


@pytest.mark.django_db
def test_a_plain_post_redirects_to_the_tab(rep, client_for, customer):
    response = client_for(rep).post(
        f"/customers/{customer.pk}/general/edit/", general(customer, email="a@b.fr")
    )
    assert response["Location"] == f"/customers/{customer.pk}/?tab=general"


@pytest.mark.django_db
def test_bank_details_are_whole_only_for_direction_and_accounting(
    rep, accountant, client_for, customer
):
    rep_html = client_for(rep).get(f"/customers/{customer.pk}/").content.decode()
    assert "FR76 •••• 0189" in rep_html and "FR76 3000" not in rep_html
    rep_form = client_for(rep).get(f"/customers/{customer.pk}/general/edit/", headers=HTMX)
    assert 'name="iban"' not in rep_form.content.decode()
    html = client_for(accountant).get(f"/customers/{customer.pk}/").content.decode()
    assert "FR76 3000 6000 0112 3456 7890 189" in html


@pytest.mark.django_db
def test_a_planner_cannot_edit_the_customer(planner, client_for, customer):
    client = client_for(planner)
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/customers/{customer.pk}/general/edit/" not in html
    assert "Désactiver" not in html and "Supprimer" not in html
    for url in (f"/customers/{customer.pk}/general/edit/", f"/customers/{customer.pk}/notes/edit/"):
        assert client.get(url).status_code == 403
        assert client.post(url, general(customer, name="X")).status_code == 403
    assert client.post(f"/customers/{customer.pk}/active/").status_code == 403
    assert client.post(f"/customers/{customer.pk}/delete/").status_code == 403
    customer.refresh_from_db()
    assert (customer.name, customer.is_active) == ("Dupont Services", True)


# Observations -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_observations_are_edited_in_place(rep, client_for, customer):
    client = client_for(rep)
    url = f"/customers/{customer.pk}/notes/edit/"
    response = client.post(url, {"notes": "Chien au jardin.\nSonner deux fois."}, headers=HTMX)
    html = response.content.decode()
    assert "<p>Chien au jardin.<br>Sonner deux fois.</p>" in html and "Enregistré." in html
    event = AuditEvent.objects.get(action="update")
    assert event.changes == {"notes": ["", "Chien au jardin.\nSonner deux fois."]}


# Sites ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_site_without_address_takes_the_billing_address(rep, client_for, customer):
    client = client_for(rep)
    form = client.get(f"/customers/{customer.pk}/sites/new/", headers=HTMX).content.decode()
    assert "Les sites d&#x27;un client qui partagent le même groupe sont facturés ensemble" in form
    response = client.post(
        f"/customers/{customer.pk}/sites/new/",
        {"name": "Siège", "billing_group": "b", "country": "FR", "access_notes": "Code 1234"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert "Site « Siège » ajouté." in html
    site = Site.objects.get()
    assert (site.street, site.city, site.billing_group) == ("8 boulevard Voltaire", "Paris", "B")
    assert (
        "Code 1234" in html and 'app-billing-group-badge" title="Groupe de facturation">B<' in html
    )
    assert AuditEvent.objects.filter(object_type="site", action="create").count() == 1


@pytest.mark.django_db
def test_two_billing_groups_are_explained(rep, client_for, customer):
    SiteFactory(customer=customer, billing_group="A")
    SiteFactory(customer=customer, billing_group="B")
    html = client_for(rep).get(f"/customers/{customer.pk}/sites/", headers=HTMX).content.decode()
    assert "2 groupes de facturation (A, B) : ces sites donnent 2 factures séparées." in html


@pytest.mark.django_db
def test_each_site_links_to_its_own_prices(rep, client_for, customer):
    site = SiteFactory(customer=customer)
    html = client_for(rep).get(f"/customers/{customer.pk}/sites/", headers=HTMX).content.decode()
    assert f'href="/customers/sites/{site.pk}/prices/"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"billing_group": "%"}, "billing_group", "Le groupe de facturation est une lettre"),
        ({"postcode": "123"}, "postcode", "Code postal invalide"),
        ({"name": ""}, "name", "Ce champ est obligatoire."),
    ],
)
def test_a_bad_site_stays_in_its_form(rep, client_for, customer, data, field, message):
    response = client_for(rep).post(
        f"/customers/{customer.pk}/sites/new/",
        {"name": "Siège", "country": "FR", **data},
        headers=HTMX,
    )
    assert response.context["form"].errors[field][0].startswith(message)
    assert "Enregistrer le site" in response.content.decode()
    assert not Site.objects.exists()


@pytest.mark.django_db
def test_sites_are_edited_deactivated_and_deleted_in_place(rep, client_for, customer):
    client = client_for(rep)
    site = SiteFactory(customer=customer, name="Entrepôt")
    base = f"/customers/{customer.pk}/sites/{site.pk}"
    form = client.get(f"{base}/edit/", headers=HTMX).content.decode()
    assert 'value="Entrepôt"' in form and "Modifier le site « Entrepôt »" in form
    client.post(
        f"{base}/edit/",
        {"name": "Entrepôt nord", "billing_group": "C", "street": "1 rue X", "postcode": "93200",
         "city": "Saint-Denis", "country": "FR", "access_notes": ""},
        headers=HTMX,
    )  # fmt: skip
    site.refresh_from_db()
    assert (site.name, site.billing_group, site.city) == ("Entrepôt nord", "C", "Saint-Denis")

    html = client.post(f"{base}/active/", headers=HTMX).content.decode()
    assert "Site désactivé." in html and "Inactif" in html
    site.refresh_from_db()
    assert not site.is_active
    client.post(f"{base}/active/", headers=HTMX)
    site.refresh_from_db()
    assert site.is_active

    html = client.post(f"{base}/delete/", headers=HTMX).content.decode()
    assert "Site « Entrepôt nord » supprimé." in html
    assert not Site.objects.exists()
    events = AuditEvent.objects.filter(object_type="site").order_by("id")
    assert [event.action for event in events] == ["update", "update", "update", "delete"]
    assert events[1].changes == {"is_active": [True, False]}


@pytest.mark.django_db
def test_a_site_is_reached_only_through_its_own_customer(direction, client_for, customer):
    other = SiteFactory()
    url = f"/customers/{customer.pk}/sites/{other.pk}/edit/"
    assert client_for(direction).get(url).status_code == 404


@pytest.mark.django_db
def test_a_planner_adds_and_edits_sites_but_does_not_delete(planner, client_for, customer):
    client = client_for(planner)
    client.post(f"/customers/{customer.pk}/sites/new/", {"name": "Atelier", "country": "FR"})
    site = Site.objects.get()
    html = client.get(f"/customers/{customer.pk}/sites/", headers=HTMX).content.decode()
    assert f"/sites/{site.pk}/edit/" in html and f"/sites/{site.pk}/delete/" not in html
    assert client.post(f"/customers/{customer.pk}/sites/{site.pk}/delete/").status_code == 403
    assert Site.objects.exists()


@pytest.mark.django_db
def test_accounting_does_not_add_sites(accountant, client_for, customer):
    client = client_for(accountant)
    assert client.get(f"/customers/{customer.pk}/sites/new/").status_code == 403
    assert (
        "Ajouter un site" not in client.get(f"/customers/{customer.pk}/?tab=sites").content.decode()
    )


# Contacts ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_contacts_are_added_edited_and_deleted_in_place(rep, client_for, customer):
    client = client_for(rep)
    site = SiteFactory(customer=customer, name="Siège")
    SiteFactory(name="Site d'un autre client")
    form = client.get(f"/customers/{customer.pk}/contacts/new/", headers=HTMX).content.decode()
    assert "Siège" in form and "Site d&#x27;un autre client" not in form

    response = client.post(
        f"/customers/{customer.pk}/contacts/new/",
        {"name": "Paul Durand", "role": "accounting", "site": site.pk, "phone": "0145678902"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert "Interlocuteur « Paul Durand » ajouté." in html
    assert "Comptabilité" in html and "01 45 67 89 02" in html
    contact = Contact.objects.get()
    assert (contact.site, contact.phone) == (site, "+33145678902")

    base = f"/customers/{customer.pk}/contacts/{contact.pk}"
    client.post(f"{base}/edit/", {"name": "Paul Durand", "role": "direction"}, headers=HTMX)
    contact.refresh_from_db()
    assert (contact.role, contact.site) == ("direction", None)
    event = AuditEvent.objects.get(object_type="contact", action="update")
    assert event.changes["role"] == ["accounting", "direction"]

    client.post(f"{base}/delete/", headers=HTMX)
    assert not Contact.objects.exists()
    history = client.get(f"/customers/{customer.pk}/history/", headers=HTMX).content.decode()
    assert "Interlocuteur « Paul Durand »" in history
    assert "Comptabilité" in history and "Suppression" in history


@pytest.mark.django_db
def test_a_contact_cannot_point_to_another_customers_site(rep, client_for, customer):
    foreign = SiteFactory(customer=CustomerFactory(sales_rep=customer.sales_rep))
    response = client_for(rep).post(
        f"/customers/{customer.pk}/contacts/new/",
        {"name": "Paul", "role": "other", "site": foreign.pk},
        headers=HTMX,
    )
    assert "Sélectionnez un choix valide" in response.context["form"].errors["site"][0]
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_a_bad_contact_phone_is_refused_at_the_field(rep, client_for, customer):
    response = client_for(rep).post(
        f"/customers/{customer.pk}/contacts/new/",
        {"name": "Paul", "role": "other", "mobile": "12"},
        headers=HTMX,
    )
    assert response.context["form"].errors["mobile"] == ["Numéro de téléphone invalide."]
    assert not Contact.objects.exists()


# Deactivation and deletion ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_owner_rep_deactivates_and_reactivates(rep, client_for, customer):
    client = client_for(rep)
    response = client.post(f"/customers/{customer.pk}/active/", follow=True)
    assert "Client désactivé" in response.content.decode()
    customer.refresh_from_db()
    assert not customer.is_active
    assert AuditEvent.objects.filter(action="deactivate").count() == 1
    client.post(f"/customers/{customer.pk}/active/")
    customer.refresh_from_db()
    assert customer.is_active


@pytest.mark.django_db
def test_accounting_may_edit_but_not_deactivate(accountant, direction, client_for, customer):
    html = client_for(accountant).get(f"/customers/{customer.pk}/").content.decode()
    assert "Désactiver" not in html and "/general/edit/" in html
    assert client_for(accountant).post(f"/customers/{customer.pk}/active/").status_code == 403
    assert client_for(direction).post(f"/customers/{customer.pk}/active/").status_code == 302


@pytest.mark.django_db
def test_deleting_a_customer_with_sites_deactivates_it(rep, client_for, customer):
    SiteFactory(customer=customer)
    response = client_for(rep).post(f"/customers/{customer.pk}/delete/", follow=True)
    assert "a des sites : il a été désactivé plutôt que supprimé" in response.content.decode()
    customer.refresh_from_db()
    assert not customer.is_active


@pytest.mark.django_db
def test_deleting_a_customer_without_sites_deletes_it(rep, client_for, customer):
    response = client_for(rep).post(f"/customers/{customer.pk}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/customers/"
    assert "Client « Dupont Services » supprimé." in response.content.decode()
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_header_actions_only_answer_post(rep, client_for, customer):
    for action in ("active", "delete"):
        assert client_for(rep).get(f"/customers/{customer.pk}/{action}/").status_code == 405


# History ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_history_pages_and_shows_readable_values(direction, client_for, customer):
    from creneau.customers.services import customer_update

    for index in range(25):
        customer_update(customer=customer, by=direction, notes=f"Note {index}")
    customer_update(customer=customer, by=None, kind="individual", is_active=False)
    client = client_for(direction)
    first = client.get(f"/customers/{customer.pk}/history/", headers=HTMX).content.decode()
    assert "Page 1 sur 2" in first
    assert f'hx-get="/customers/{customer.pk}/history/?page=2"' in first
    arrow = '<i class="bi bi-arrow-right"></i>'
    assert f'Professionnel</span> {arrow} <span class="app-change-new">Particulier' in first
    assert 'Actif</span> : <span class="app-change-old">Oui' in first
    assert "système" in first  # a change made without a user (a command, an import)
    second = client.get(f"/customers/{customer.pk}/history/?page=2", headers=HTMX)
    assert len(second.context["entries"]) == 6  # 26 updates and the creation in the factory


# Query counts ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_record_and_its_tabs_do_not_grow_queries(
    direction, client_for, django_assert_max_num_queries
):
    from creneau.customers.services import customer_update

    customer = CustomerFactory(family=FamilyFactory(), sales_rep=direction)
    sites = SiteFactory.create_batch(6, customer=customer)
    for index in range(8):
        ContactFactory(customer=customer, site=sites[index % 6])
    for index in range(20):
        customer_update(customer=customer, by=direction, notes=f"Note {index}")
    client = client_for(direction)
    for tab in ("general", "sites", "contacts", "notes", "history"):
        with django_assert_max_num_queries(14):  # 4 of them: the header's balance
            client.get(f"/customers/{customer.pk}/?tab={tab}")
        with django_assert_max_num_queries(8):
            client.get(f"/customers/{customer.pk}/{tab}/", headers=HTMX)
    for form in ("general/edit", "notes/edit", "sites/new", "contacts/new"):
        with django_assert_max_num_queries(9):
            client.get(f"/customers/{customer.pk}/{form}/", headers=HTMX)


@pytest.mark.django_db
@pytest.mark.parametrize("tab", ["general", "sites", "contacts", "notes", "quotes", "documents"])
def test_a_confirmation_shows_once_and_the_next_tab_clears_it(rep, client_for, customer, tab):
    """Every tab answers with the page's messages (out of band): the confirmation of a save
    is not left on screen when the user opens another tab, and never shows twice."""
    client = client_for(rep)
    saved = client.post(
        f"/customers/{customer.pk}/notes/edit/", {"notes": "Code 1234"}, headers=HTMX
    ).content.decode()
    assert 'id="messages" hx-swap-oob="true"' in saved and "Enregistré." in saved
    answer = client.get(f"/customers/{customer.pk}/?tab={tab}").content.decode()
    assert "Enregistré." not in answer  # consumed by the save's answer
    pane = client.get(
        record_tab_url(customer, tab), headers={**HTMX, "HX-Target": "tab-pane"}
    ).content.decode()
    oob = pane[pane.index('<div id="messages" hx-swap-oob="true">') :]
    assert "alert" not in oob.split("</div>", 1)[0]


def record_tab_url(customer: Customer, tab: str) -> str:
    names = {"quotes": "quotes:tab_customer", "documents": "customers:tab_documents"}
    return reverse(names.get(tab, f"customers:tab_{tab}"), kwargs={"pk": customer.pk})
