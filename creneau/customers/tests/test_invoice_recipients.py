"""Invoice recipients (destinataires de facturation): per billing group, a contact of the
customer or an address, for invoices and/or reminders; in the sites tab and the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from creneau.core.models import AuditEvent
from creneau.customers.models import InvoiceRecipient
from creneau.customers.services import invoice_recipient_add, invoice_recipient_delete
from creneau.customers.tests.factories import ContactFactory, CustomerFactory, SiteFactory

pytestmark = pytest.mark.django_db


def errors(response) -> dict[str, str]:
    return {error["field"]: error["msg"] for error in response.json()["detail"]}


# --- services ----------------------------------------------------------------------------


def test_a_group_the_customer_has_no_site_in_is_refused(direction):
    customer = CustomerFactory()
    SiteFactory(customer=customer, billing_group="A")
    with pytest.raises(ValidationError, match="pas de site dans le groupe Z"):
        invoice_recipient_add(
            customer=customer, by=direction, billing_group="Z", email="dg@example.fr"
        )


def test_add_a_contact_or_an_address_then_delete(direction):
    customer = CustomerFactory()
    SiteFactory(customer=customer, billing_group="B")
    contact = ContactFactory(customer=customer, email="compta@example.fr")
    by_contact = invoice_recipient_add(customer=customer, by=direction, billing_group="B",
                                       contact=contact, for_reminders=False)  # fmt: skip
    by_address = invoice_recipient_add(
        customer=customer, by=direction, billing_group="B", email=" dg@example.fr "
    )
    assert by_contact.address == "compta@example.fr" and not by_contact.for_reminders
    assert by_address.email == "dg@example.fr" and by_address.for_invoices
    assert AuditEvent.objects.filter(object_type="invoicerecipient", customer_id=customer.pk,
                                     action=AuditEvent.Action.CREATE).count() == 2  # fmt: skip
    invoice_recipient_delete(recipient=by_address, by=direction)
    assert list(InvoiceRecipient.objects.all()) == [by_contact]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "email", "Choisissez un interlocuteur ou saisissez une adresse e-mail."),
        ({"email": "a@example.fr", "contact": "own"}, "email", "pas les deux"),
        ({"contact": "other"}, "contact", "celui d'un autre client"),
        ({"contact": "no_email"}, "contact", "n'a pas d'adresse e-mail"),
        ({"email": "pas-une-adresse"}, "email", "adresse de courriel valide"),
        ({"email": "a@example.fr", "billing_group": "é"}, "billing_group", "A-Z"),
        ({"email": "a@example.fr", "billing_group": "AB"}, "billing_group", ""),
        (
            {"email": "a@example.fr", "for_invoices": False, "for_reminders": False},
            "__all__",
            "Cochez au moins",
        ),
        ({"email": "COMPTA@example.fr"}, "email", "reçoit déjà les envois du groupe A"),
    ],
)
def test_refusals_name_their_field_in_french(direction, fields, field, message):
    customer = CustomerFactory()
    contacts = {
        "own": ContactFactory(customer=customer, email="own@example.fr"),
        "other": ContactFactory(email="other@example.fr"),
        "no_email": ContactFactory(customer=customer, email=""),
    }
    invoice_recipient_add(customer=customer, by=direction, billing_group="A",
                          email="compta@example.fr")  # fmt: skip
    if "contact" in fields:
        fields = {**fields, "contact": contacts[fields["contact"]]}
    fields = {"billing_group": "A", **fields}
    with pytest.raises(ValidationError) as refused:
        invoice_recipient_add(customer=customer, by=direction, **fields)
    assert field in refused.value.message_dict
    assert message in " ".join(refused.value.message_dict[field])
    assert InvoiceRecipient.objects.count() == 1


# --- the sites tab -------------------------------------------------------------------------


def test_the_sites_tab_lists_recipients_by_group_and_adds_them(rep, client_for):
    customer = CustomerFactory(sales_rep=rep)
    SiteFactory(customer=customer, billing_group="A")
    SiteFactory(customer=customer, billing_group="B")
    contact = ContactFactory(customer=customer, email="compta@example.fr", name="Léa Compta")
    client = client_for(rep)
    url = reverse("customers:recipient_create", args=[customer.pk])
    tab = client.get(
        reverse("customers:tab_sites", args=[customer.pk]), headers={"HX-Request": "true"}
    )
    assert (
        f'hx-get="{url}"' in tab.content.decode() and "recipient-email" not in tab.content.decode()
    )
    opened = client.get(url, headers={"HX-Request": "true"})
    assert opened.status_code == 200
    assert opened.context["recipient_form"].initial == {"billing_group": "A"}
    assert list(opened.context["recipient_form"].fields["contact"].queryset) == [contact]
    response = client.post(
        url,
        {
            "recipient-billing_group": "b",
            "recipient-contact": contact.pk,
            "recipient-for_invoices": "on",
        },
        headers={"HX-Request": "true", "HX-Target": "tab-pane"},
    )
    assert response.status_code == 200
    recipient = InvoiceRecipient.objects.get()
    assert (recipient.billing_group, recipient.contact, recipient.for_reminders) == (
        "B", contact, False,
    )  # fmt: skip
    html = response.content.decode()
    assert "Destinataires de facturation" in html and "Léa Compta" in html
    assert "compta@example.fr recevra les envois du groupe B." in html
    tab = client.get(reverse("customers:tab_sites", args=[customer.pk]),
                     headers={"HX-Request": "true"}).content.decode()  # fmt: skip
    assert "Aucun destinataire : l'adresse e-mail du client." in tab  # group A
    deleted = client.post(
        reverse("customers:recipient_delete", args=[customer.pk, recipient.pk]),
        headers={"HX-Request": "true", "HX-Target": "tab-pane"},
    )
    assert deleted.status_code == 200 and not InvoiceRecipient.objects.exists()


def test_the_form_shows_errors_at_the_field(rep, client_for):
    customer = CustomerFactory(sales_rep=rep)
    SiteFactory(customer=customer)
    elsewhere = ContactFactory(customer=CustomerFactory(sales_rep=rep), email="x@example.fr")
    url = reverse("customers:recipient_create", args=[customer.pk])
    client = client_for(rep)
    cases = [
        ({"recipient-billing_group": "A"}, "email", "Choisissez un interlocuteur"),
        (
            {"recipient-billing_group": "A", "recipient-contact": elsewhere.pk},
            "contact",
            "celui d'un autre client",
        ),
        (
            {
                "recipient-billing_group": "-",
                "recipient-email": "a@example.fr",
                "recipient-for_invoices": "on",
            },
            "billing_group",
            "A-Z",
        ),
    ]
    for data, field, message in cases:
        response = client.post(url, data, headers={"HX-Request": "true"})
        assert response.status_code == 200
        form = response.context["recipient_form"]
        assert message in " ".join(form.errors[field]), (data, form.errors)
        assert "invalid-feedback" in response.content.decode()
    assert not InvoiceRecipient.objects.exists()


def test_others_customers_recipients_are_out_of_reach(rep, other_rep, planner, client_for):
    customer = CustomerFactory(sales_rep=rep)
    recipient = InvoiceRecipient.objects.create(customer=customer, email="a@example.fr")
    create = reverse("customers:recipient_create", args=[customer.pk])
    delete = reverse("customers:recipient_delete", args=[customer.pk, recipient.pk])
    data = {"recipient-billing_group": "A", "recipient-email": "b@example.fr",
            "recipient-for_invoices": "on"}  # fmt: skip
    assert client_for(other_rep).post(create, data).status_code == 404
    assert client_for(other_rep).post(delete).status_code == 404
    assert client_for(planner).post(create, data).status_code == 403
    assert client_for(planner).post(delete).status_code == 403
    assert client_for(other_rep).get(create).status_code == 404
    assert client_for(planner).get(create).status_code == 403
    assert list(InvoiceRecipient.objects.all()) == [recipient]


# --- the API -------------------------------------------------------------------------------


def test_api_list_create_delete(api_for, rep):
    customer = CustomerFactory(sales_rep=rep)
    for group in "AB":
        SiteFactory(customer=customer, billing_group=group)
    contact = ContactFactory(customer=customer, email="compta@example.fr")
    api = api_for(rep)
    url = f"/api/v1/customers/{customer.pk}/invoice-recipients"
    created = api.post(url, {"billing_group": "A", "contact_id": contact.pk,
                             "for_reminders": False})  # fmt: skip
    assert created.status_code == 201
    assert created.json() == {
        "id": created.json()["id"], "billing_group": "A", "contact_id": contact.pk,
        "email": "compta@example.fr", "for_invoices": True, "for_reminders": False,
    }  # fmt: skip
    by_address = api.post(url, {"billing_group": "B", "email": "dg@example.fr"})
    assert by_address.status_code == 201 and by_address.json()["contact_id"] is None
    listed = api.get(url).json()
    assert [item["email"] for item in listed] == ["compta@example.fr", "dg@example.fr"]
    assert api.delete(f"{url}/{by_address.json()['id']}").status_code == 204
    assert len(api.get(url).json()) == 1


def test_api_refusals(api_for, rep, other_rep, planner):
    customer = CustomerFactory(sales_rep=rep)
    other = ContactFactory(customer=CustomerFactory(sales_rep=other_rep), email="o@example.fr")
    mine_elsewhere = ContactFactory(customer=CustomerFactory(sales_rep=rep), email="m@example.fr")
    api = api_for(rep)
    url = f"/api/v1/customers/{customer.pk}/invoice-recipients"
    neither = api.post(url, {"billing_group": "A"})
    assert neither.status_code == 422 and "Choisissez un interlocuteur" in errors(neither)["email"]
    both = api.post(url, {"billing_group": "A", "email": "a@example.fr",
                          "contact_id": mine_elsewhere.pk})  # fmt: skip
    assert both.status_code == 422 and "autre client" in errors(both)["contact_id"]
    invisible = api.post(url, {"billing_group": "A", "contact_id": other.pk})
    assert errors(invisible)["contact_id"] == "Interlocuteur introuvable."
    group = api.post(url, {"billing_group": "a", "email": "a@example.fr"})
    assert group.status_code == 422 and "A-Z" in errors(group)["billing_group"]
    unknown = api.post(url, {"billing_group": "A", "email": "a@example.fr", "copie": True})
    assert errors(unknown)["copie"] == "Champ inconnu."
    assert not InvoiceRecipient.objects.exists()
    recipient = InvoiceRecipient.objects.create(customer=customer, email="a@example.fr")
    assert api_for(other_rep).get(url).status_code == 404
    assert api_for(other_rep).delete(f"{url}/{recipient.pk}").status_code == 404
    assert api_for(planner).get(url).status_code == 200
    assert api_for(planner).delete(f"{url}/{recipient.pk}").status_code == 403
    assert api.delete(f"/api/v1/customers/{customer.pk + 1000}/invoice-recipients/"
                      f"{recipient.pk}").status_code == 404  # fmt: skip
    assert InvoiceRecipient.objects.filter(pk=recipient.pk).exists()
