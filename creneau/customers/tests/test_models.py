import pytest
from django.core.exceptions import ValidationError

from creneau.customers.services import customer_create

ADDRESS = {"street": "3 rue des Lilas", "postcode": "69003", "city": "Lyon"}


@pytest.mark.django_db
def test_typed_values_are_stored_in_canonical_form(direction):
    customer = customer_create(
        by=direction,
        name="Nettoyage Rhône",
        kind="business",
        siret="732 829 320 00074",
        vat_number="fr 40 303 265 045",
        iban="fr76 3000 6000 0112 3456 7890 189",
        phone="04 78 12 34 56",
        **ADDRESS,
    )
    assert customer.siret == "73282932000074"
    assert customer.vat_number == "FR40303265045"
    assert customer.iban == "FR7630006000011234567890189"
    assert customer.phone == "+33478123456"


@pytest.mark.django_db
def test_every_bad_field_is_reported_at_once(direction):
    with pytest.raises(ValidationError) as error:
        customer_create(
            by=direction,
            name="Erreurs",
            kind="individual",
            iban="FR76 0000",
            phone="12",
            street="1 rue",
            postcode="7500",
            city="Paris",
        )
    assert set(error.value.message_dict) == {"iban", "phone", "postcode"}
    assert "IBAN invalide" in error.value.message_dict["iban"][0]


@pytest.mark.django_db
def test_a_command_may_create_a_customer_without_a_user():
    customer = customer_create(by=None, name="Import", kind="individual", **ADDRESS)
    assert customer.sales_rep is None
    assert customer.code.startswith("C")
