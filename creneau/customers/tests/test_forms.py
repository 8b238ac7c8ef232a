"""The customer forms: widgets, what each role may fill, and errors put at their field."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from creneau.customers.forms import (
    ContactForm,
    CustomerCreateForm,
    CustomerFilterForm,
    CustomerForm,
    FamilyForm,
    SiteForm,
    add_service_error,
)
from creneau.customers.models import Customer, Site
from creneau.customers.tests.factories import CustomerFactory, FamilyFactory, SiteFactory


@pytest.mark.django_db
def test_widgets_carry_bootstrap_classes(direction):
    form = CustomerCreateForm(user=direction)
    assert form.fields["name"].widget.attrs["class"] == "form-control"
    assert form.fields["family"].widget.attrs["class"] == "form-select"
    assert form.fields["kind"].widget.attrs["class"] == "btn-check"
    assert form.fields["first_site"].widget.attrs["class"] == "form-check-input"


@pytest.mark.django_db
def test_the_creation_form_needs_a_name_and_a_billing_address(direction):
    form = CustomerCreateForm({"kind": "individual", "country": "FR"}, user=direction)
    assert not form.is_valid()
    assert set(form.errors) == {"name", "street", "postcode", "city"}
    assert form.errors["street"] == ["Ce champ est obligatoire."]  # said once, not twice
    assert "is-invalid" in form.fields["street"].widget.attrs["class"]
    assert "is-invalid" not in form.fields["email"].widget.attrs["class"]


@pytest.mark.django_db
def test_the_model_normalises_what_was_typed(direction):
    data = {
        "name": "A", "kind": "individual", "street": "1 rue", "postcode": "75001",
        "city": "Paris", "country": "FR", "phone": "01 45 67 89 01",
    }  # fmt: skip
    form = CustomerCreateForm(data, user=direction)
    assert form.is_valid()
    assert form.instance.phone == "+33145678901"  # what the duplicates are compared on
    assert form.service_fields()["phone"] == "01 45 67 89 01"  # the service normalises again
    assert "first_site" not in form.service_fields()


@pytest.mark.django_db
def test_only_direction_gets_the_sales_rep_field(direction, rep, accountant):
    assert "sales_rep" in CustomerCreateForm(user=direction).fields
    assert "sales_rep" not in CustomerCreateForm(user=rep).fields
    customer = CustomerFactory()
    assert "sales_rep" not in CustomerForm(instance=customer, user=accountant).fields
    choices = CustomerForm(instance=customer, user=direction).fields["sales_rep"].choices
    labels = [label for _value, label in choices]
    assert labels == ["— Sans commercial —", "Claire Commerciale", "Diane Directrice"]


@pytest.mark.django_db
def test_bank_fields_only_for_direction_and_accounting(direction, accountant, rep, planner):
    customer = CustomerFactory()
    for user, shown in ((direction, True), (accountant, True), (rep, False), (planner, False)):
        assert ("iban" in CustomerForm(instance=customer, user=user).fields) is shown


@pytest.mark.django_db
def test_the_duplicates_confirmation_reads_ids(direction):
    data = {
        "name": "A", "kind": "individual", "street": "1 rue", "postcode": "75001",
        "city": "Paris", "country": "FR", "confirmed_duplicates": "3, 12,x",
    }  # fmt: skip
    form = CustomerCreateForm(data, user=direction)
    assert form.is_valid()
    assert form.confirmed_duplicate_ids() == {3, 12}


@pytest.mark.django_db
def test_a_service_error_goes_to_its_field_or_on_top():
    form = FamilyForm({"name": "Syndics"})
    form.is_valid()
    add_service_error(form, ValidationError({"name": "Déjà pris.", "other": "Autre chose."}))
    assert form.errors["name"] == ["Déjà pris."]
    assert form.non_field_errors() == ["Autre chose."]
    add_service_error(form, ValidationError("Refusé."))
    assert form.non_field_errors() == ["Autre chose.", "Refusé."]


@pytest.mark.django_db
def test_the_site_form_explains_billing_groups_and_defaults_to_a():
    customer = CustomerFactory()
    form = SiteForm(
        {"name": "Siège", "billing_group": "", "country": "FR"}, instance=Site(customer=customer)
    )
    assert form.fields["billing_group"].help_text == (
        "Les sites d'un client qui partagent le même groupe sont facturés ensemble ; "
        "des groupes différents donnent des factures séparées."
    )
    assert form.is_valid()
    assert form.cleaned_data["billing_group"] == "A"
    lower = SiteForm(
        {"name": "Annexe", "billing_group": "c", "country": "FR"}, instance=Site(customer=customer)
    )
    assert lower.is_valid() and lower.cleaned_data["billing_group"] == "C"
    bad = SiteForm(
        {"name": "Annexe", "billing_group": "é", "country": "FR"}, instance=Site(customer=customer)
    )
    assert bad.errors["billing_group"] == [
        "Le groupe de facturation est une lettre (A-Z) ou un chiffre (0-9)."
    ]


@pytest.mark.django_db
def test_the_contact_form_offers_only_the_sites_given():
    customer = CustomerFactory()
    mine, other = SiteFactory(customer=customer), SiteFactory()
    form = ContactForm(sites=Site.objects.filter(customer=customer))
    assert list(form.fields["site"].queryset) == [mine]
    bound = ContactForm(
        {"name": "Paul", "role": "other", "site": other.pk},
        sites=Site.objects.filter(customer=customer),
    )
    assert "site" in bound.errors


@pytest.mark.django_db
def test_the_filter_form_ignores_bad_values_and_hides_reps_from_reps(direction, rep):
    family = FamilyFactory(name="Syndics")
    form = CustomerFilterForm(
        {"q": "dupont", "family": "abc", "kind": "business", "active": "all", "sort": "nope"},
        user=direction,
    )
    assert form.filters() == {"q": "dupont", "kind": "business", "active": "all"}
    assert ("none", "Sans commercial") in form.fields["sales_rep"].choices
    assert (str(family.pk), "Syndics") in form.fields["family"].choices
    assert "sales_rep" not in CustomerFilterForm({}, user=rep).fields
    assert isinstance(form.fields["sort"].widget, forms.HiddenInput)


@pytest.mark.django_db
def test_the_general_form_edits_a_copy_until_saved(direction):
    customer = CustomerFactory(name="Avant", kind=Customer.Kind.INDIVIDUAL)
    data = {
        "kind": "business", "name": "Après", "street": customer.street, "postcode": "75011",
        "city": "Paris", "country": "FR", "payment_terms_days": 45,
    }  # fmt: skip
    form = CustomerForm(data, instance=Customer.objects.get(pk=customer.pk), user=direction)
    assert form.is_valid()
    customer.refresh_from_db()
    assert customer.name == "Avant"  # nothing saved by the form itself
    assert form.service_fields()["payment_terms_days"] == 45


@pytest.mark.django_db
def test_every_bad_field_is_reported_at_once(direction):
    data = {
        "name": "A", "kind": "individual", "street": "1 rue", "postcode": "7501",
        "city": "Paris", "country": "FR", "phone": "12",
    }  # fmt: skip
    form = CustomerCreateForm(data, user=direction)
    assert not form.is_valid()
    assert set(form.errors) == {"postcode", "phone"}


@pytest.mark.django_db
def test_stored_values_show_as_people_type_them(direction):
    customer = CustomerFactory(phone="+33145678901", iban="FR7630006000011234567890189")
    form = CustomerForm(instance=customer, user=direction)
    assert form["phone"].value() == "01 45 67 89 01"
    assert form["iban"].value() == "FR76 3000 6000 0112 3456 7890 189"
