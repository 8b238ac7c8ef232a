"""The company identity: its validation, the service, the settings page and the logo."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from creneau.core.models import AuditEvent, Company
from creneau.core.services import company_update
from creneau.core.tests.conftest import VALID_IDENTITY, image_upload, noisy_png
from creneau.core.validators import normalise_sepa_creditor_id, validate_logo

URL = "/settings/company/"


def service_fields(**overrides) -> dict:
    fields = {**VALID_IDENTITY, "capital": Decimal("10000.00"), **overrides}
    return fields


# --- the SEPA creditor identifier -------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("FR72ZZZ123456", "FR72ZZZ123456"),
        ("fr72 zzz 123456", "FR72ZZZ123456"),
        ("FR19-ZZZ-654321", "FR19ZZZ654321"),
        ("DE98ZZZ09999999999", "DE98ZZZ09999999999"),
        ("", ""),
    ],
)
def test_creditor_id_is_stored_compact(typed, stored):
    assert normalise_sepa_creditor_id(typed) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("FR73ZZZ123456", "clé de contrôle"),  # one check digit off
        ("FR72ZZZ12345", "13 caractères"),  # too short for France
        ("FR72ZZZ1234567", "13 caractères"),  # too long for France
        ("FRXXZZZ123456", "13 caractères"),  # check digits are digits
        ("72ZZZ123456FR", "13 caractères"),
    ],
)
def test_bad_creditor_id_is_refused_with_its_reason(typed, reason):
    with pytest.raises(ValidationError) as error:
        normalise_sepa_creditor_id(typed)
    assert reason in error.value.messages[0]


# --- the logo -----------------------------------------------------------------------------


@pytest.mark.parametrize(("image_format", "extension"), [("PNG", "png"), ("JPEG", "jpg")])
def test_logo_content_gives_its_extension(image_format, extension):
    assert validate_logo(image_upload("x.bin", image_format=image_format)) == extension


def test_logo_that_is_not_an_image_is_refused():
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("logo.png", b"<svg><script>alert(1)</script></svg>", "image/png")
    with pytest.raises(ValidationError, match="PNG, JPEG, WebP ou GIF"):
        validate_logo(fake)


def test_logo_too_heavy_or_too_large_is_refused():
    with pytest.raises(ValidationError, match="2 Mo"):
        validate_logo(noisy_png(900))  # about 2.4 MB of incompressible pixels
    with pytest.raises(ValidationError, match="4000 pixels"):
        validate_logo(image_upload(size=(4200, 10)))


# --- the service ------------------------------------------------------------------------


@pytest.mark.django_db
def test_company_update_normalises_and_derives_the_bic(direction):
    company = company_update(company=Company.load(), by=direction, **service_fields())
    company.refresh_from_db()
    assert company.siret == "73282932000074"
    assert company.vat_number == "FR44732829320"
    assert company.iban == "FR7630006000011234567890189"
    assert company.bic == "AGRIFRPPXXX"  # derived from the French IBAN's bank code
    assert company.sepa_creditor_id == "FR72ZZZ123456"
    assert company.phone == "+33142685300"
    assert company.capital == Decimal("10000.00")


@pytest.mark.django_db
def test_company_update_records_the_changes(direction):
    company = company_update(company=Company.load(), by=direction, **service_fields())
    company_update(company=company, by=direction, **service_fields(legal_form="SAS"))
    event = AuditEvent.objects.filter(object_type="company").first()
    assert event.actor == direction
    assert event.action == AuditEvent.Action.UPDATE
    assert event.changes == {"legal_form": ["SARL", "SAS"]}


@pytest.mark.django_db
def test_company_update_without_change_writes_no_audit_row(direction):
    company = company_update(company=Company.load(), by=direction, **service_fields())
    count = AuditEvent.objects.count()
    company_update(company=company, by=direction, **service_fields())
    assert AuditEvent.objects.count() == count


BAD_VALUES = {
    "siret": "732 829 320 00075",
    "vat_number": "FR45732829320",
    "iban": "FR76 3000 6000 0112 3456 7890 180",
    "bic": "AGRIFR",
    "sepa_creditor_id": "FR73ZZZ123456",
    "postcode": "7500",
    "email": "contact@",
    "phone": "01 23",
    "capital": Decimal("-1"),
    "city": "",
}


@pytest.mark.django_db
@pytest.mark.parametrize("field", sorted(BAD_VALUES))
def test_company_update_refuses_a_bad_value_and_saves_nothing(direction, field):
    company = company_update(company=Company.load(), by=direction, **service_fields())
    count = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        company_update(
            company=company,
            by=direction,
            **service_fields(legal_form="SAS", **{field: BAD_VALUES[field]}),
        )
    assert field in error.value.message_dict
    stored = Company.objects.get(pk=1)
    assert stored.legal_form == "SARL"
    assert company.legal_form == "SARL"  # the instance is put back as stored
    assert AuditEvent.objects.count() == count


@pytest.mark.django_db
def test_company_update_refuses_unknown_fields(direction):
    with pytest.raises(TypeError):
        company_update(company=Company.load(), by=direction, is_superuser=True)


# --- the page ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_direction_saves_the_identity_with_a_logo(direction, client_for, private_storage):
    client = client_for(direction)
    response = client.post(URL, {**VALID_IDENTITY, "logo": image_upload()}, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "Enregistré." in response.content.decode()
    company = Company.load()
    assert company.legal_name == "Services Dupont"
    assert company.capital == Decimal("10000.00")
    assert company.logo.name.startswith("company/") and company.logo.name.endswith(".png")
    assert (private_storage / company.logo.name).exists()
    assert reverse("company_logo") in response.content.decode()  # the preview


@pytest.mark.django_db
def test_the_page_shows_the_stored_values_in_french_formats(direction, client_for):
    company_update(company=Company.load(), by=direction, **service_fields())
    page = client_for(direction).get(URL).content.decode()
    assert 'value="01 42 68 53 00"' in page
    assert 'value="10000,00"' in page
    assert 'value="AGRIFRPPXXX"' in page
    assert 'value="FR76 3000 6000 0112 3456 7890 189"' in page


BAD_FORM_VALUES = {
    "siret": ("732 829 320 00075", "SIREN (9 chiffres) ou SIRET (14 chiffres) invalide."),
    "vat_number": ("FR45732829320", "Numéro de TVA intracommunautaire invalide"),
    "iban": ("FR76 3000 6000 0112 3456 7890 180", "IBAN invalide"),
    "bic": ("AGRIFR", "BIC invalide"),
    "sepa_creditor_id": ("FR73ZZZ123456", "Identifiant créancier SEPA invalide"),
    "postcode": ("7500", "Code postal invalide"),
    "email": ("contact@", "Saisissez une adresse de courriel valide."),
    "capital": ("dix mille", "Saisissez un nombre."),
}


@pytest.mark.django_db
@pytest.mark.parametrize("field", sorted(BAD_FORM_VALUES))
def test_a_bad_value_is_shown_at_its_field_and_nothing_is_saved(direction, client_for, field):
    value, message = BAD_FORM_VALUES[field]
    response = client_for(direction).post(URL, {**VALID_IDENTITY, field: value})
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert message in form.errors[field][0]
    assert "rien n'a été enregistré" in response.content.decode()
    assert Company.load().legal_name == "Ma société"
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: image_upload("logo.png").__class__("logo.png", b"GIF89 not really", "image/gif"),
         "PNG, JPEG, WebP ou GIF"),
        (lambda: noisy_png(900), "2 Mo"),
    ],
)  # fmt: skip
def test_a_bad_logo_is_refused_at_the_field(
    direction, client_for, private_storage, upload, message
):
    response = client_for(direction).post(URL, {**VALID_IDENTITY, "logo": upload()})
    assert message in response.context["form"].errors["logo"][0]
    assert not Company.load().logo
    assert list(private_storage.iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_replacing_or_removing_the_logo_deletes_the_old_file(
    direction, client_for, private_storage
):
    client = client_for(direction)
    client.post(URL, {**VALID_IDENTITY, "logo": image_upload()})
    first = Company.load().logo.name
    client.post(URL, {**VALID_IDENTITY, "logo": image_upload("new.jpg", image_format="JPEG")})
    second = Company.load().logo.name
    assert second.endswith(".jpg")
    assert not (private_storage / first).exists()
    client.post(URL, {**VALID_IDENTITY, "logo_remove": "on"})
    assert not Company.load().logo
    assert not (private_storage / second).exists()
    changes = AuditEvent.objects.filter(object_type="company").first().changes
    assert changes == {"logo": [second, ""]}


@pytest.mark.django_db
def test_the_logo_is_served_to_logged_in_staff_only(direction, rep, client_for, private_storage):
    client_for(direction).post(URL, {**VALID_IDENTITY, "logo": image_upload()})
    response = client_for(rep).get(reverse("company_logo"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"].startswith("private")
    from django.test import Client

    anonymous = Client().get(reverse("company_logo"))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login/")


@pytest.mark.django_db
def test_no_logo_answers_404(direction, client_for):
    assert client_for(direction).get(reverse("company_logo")).status_code == 404


# --- the registration (RCS or RM) and its city --------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("register", "city", "printed"),
    [("rcs", "Paris", "RCS Paris 732 829 320"), ("rm", "Rhône", "RM 732 829 320 (Rhône)")],
)
def test_direction_records_the_register_and_its_city(
    direction, client_for, register, city, printed
):
    data = {**VALID_IDENTITY, "register": register, "register_city": f"  {city} "}
    response = client_for(direction).post(URL, data, follow=True)
    assert "Enregistré." in response.content.decode()
    company = Company.load()
    assert (company.register, company.register_city) == (register, city)
    assert company.registration == printed
    page = client_for(direction).get(URL).content.decode()
    assert f'value="{city}"' in page and f'<option value="{register}" selected>' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"register": "rcs", "register_city": ""}, "register_city", "ville du greffe"),
        ({"register": "", "register_city": "Lyon"}, "register", "RCS ou RM"),
        ({"register": "rcs", "register_city": "Lyon", "siret": ""}, "siret", "SIREN"),
        ({"register": "xyz", "register_city": "Lyon"}, "register", "choix valide"),
    ],
)
def test_a_register_without_its_city_or_siren_is_refused(
    direction, client_for, typed, field, message
):
    response = client_for(direction).post(URL, {**VALID_IDENTITY, **typed})
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert message in form.errors[field][0]
    assert Company.load().legal_name == "Ma société"
